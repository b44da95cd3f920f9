-- A better value never gets a lower score: more recent, more frequent or higher-spending
-- customers score at least as high. Returns each score whose value range overlaps a higher
-- score's range the wrong way.

with

scored as (

    select * from {{ ref('int_customers_scored_rfm') }}

),

score_ranges as (

    select
        'recency' as measure,
        r_score as score,
        -- Recency is better when smaller, so it is negated to rise with the score.
        min(-recency_days) as lowest_value,
        max(-recency_days) as highest_value
    from scored
    group by r_score

    union all

    select
        'frequency' as measure,
        f_score as score,
        min(frequency) as lowest_value,
        max(frequency) as highest_value
    from scored
    group by f_score

    union all

    select
        'monetary' as measure,
        m_score as score,
        min(monetary) as lowest_value,
        max(monetary) as highest_value
    from scored
    group by m_score

),

final as (

    select
        lower_scores.measure,
        lower_scores.score as lower_score,
        higher_scores.score as higher_score
    from score_ranges as lower_scores
    inner join score_ranges as higher_scores
        on
            lower_scores.measure = higher_scores.measure
            and lower_scores.score < higher_scores.score
            and lower_scores.highest_value >= higher_scores.lowest_value

)

select * from final
