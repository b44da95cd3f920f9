-- Customers with equal recency, frequency or monetary values get equal R, F or M scores (the tie
-- rule): returns each value that carries more than one score.

with

scored as (

    select * from {{ ref('int_customers_scored_rfm') }}

),

recency_ties as (

    select
        'recency' as measure,
        cast(recency_days as double) as measure_value
    from scored
    group by recency_days
    having count(distinct r_score) > 1

),

frequency_ties as (

    select
        'frequency' as measure,
        cast(frequency as double) as measure_value
    from scored
    group by frequency
    having count(distinct f_score) > 1

),

monetary_ties as (

    select
        'monetary' as measure,
        cast(monetary as double) as measure_value
    from scored
    group by monetary
    having count(distinct m_score) > 1

),

final as (

    select * from recency_ties
    union all
    select * from frequency_ties
    union all
    select * from monetary_ties

)

select * from final
