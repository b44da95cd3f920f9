{#- One row per customer in customer_rfm: recency, frequency and monetary scores 1-5 (5 best)
    from quintiles over every customer with a purchase before as_of_date (the scoring window),
    customers with equal values sharing a score (macros/rfm_scores.sql). -#}

with

customer_rfm as (

    select * from {{ ref('customer_rfm') }}

),

final as (

    select
        customer_id,
        recency_days,
        frequency,
        monetary,
        -- Fewer days since the last order is better, so recency ranks descending.
        {{ quintile_score('recency_days desc') }} as r_score,
        {{ quintile_score('frequency asc') }} as f_score,
        {{ quintile_score('monetary asc') }} as m_score

    from customer_rfm

)

select * from final
