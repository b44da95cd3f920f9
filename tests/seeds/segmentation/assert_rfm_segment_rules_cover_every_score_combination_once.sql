-- Every one of the 125 (R, F, M) score combinations falls in exactly one rfm_segment_rules box:
-- returns each combination matched by no rule or by more than one, with the rules it matched.

with

rules as (

    select * from {{ ref('rfm_segment_rules') }}

),

scores as (

    select 1 as score
    union all
    select 2 as score
    union all
    select 3 as score
    union all
    select 4 as score
    union all
    select 5 as score

),

score_combinations as (

    select
        r_scores.score as r_score,
        f_scores.score as f_score,
        m_scores.score as m_score
    from scores as r_scores
    cross join scores as f_scores
    cross join scores as m_scores

),

matches as (

    select
        score_combinations.r_score,
        score_combinations.f_score,
        score_combinations.m_score,
        rules.rule_id
    from score_combinations
    left join rules
        on
            score_combinations.r_score between rules.r_score_min and rules.r_score_max
            and score_combinations.f_score between rules.f_score_min and rules.f_score_max
            and score_combinations.m_score between rules.m_score_min and rules.m_score_max

),

final as (

    select
        r_score,
        f_score,
        m_score,
        count(rule_id) as matching_rules
    from matches
    group by r_score, f_score, m_score
    having count(rule_id) <> 1

)

select * from final
