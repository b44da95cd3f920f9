{#- One row per customer in customer_rfm: recency, frequency and monetary scores 1-5 (5 best)
    from quintiles over every customer with a purchase before as_of_date (the scoring window).
    Tie rule: a score comes from the customer's rank with ties sharing the lowest rank, so
    customers with equal values always get equal scores, whatever their id or row order:
    score = 1 + floor(5 * (rank - 1) / customers). A value held by many customers (frequency 1)
    therefore fills its whole score and the next score can be empty. -#}

with

customer_rfm as (

    select * from {{ ref('customer_rfm') }}

),

ranked as (

    select
        customer_id,
        recency_days,
        frequency,
        monetary,
        -- Fewer days since the last order is better, so recency ranks descending.
        rank() over (order by recency_days desc) as recency_rank,
        rank() over (order by frequency asc) as frequency_rank,
        rank() over (order by monetary asc) as monetary_rank,
        count(*) over () as customers
    from customer_rfm

),

final as (

    select
        customer_id,
        recency_days,
        frequency,
        monetary,
        cast(floor(5.0 * (recency_rank - 1) / customers) + 1 as integer) as r_score,
        cast(floor(5.0 * (frequency_rank - 1) / customers) + 1 as integer) as f_score,
        cast(floor(5.0 * (monetary_rank - 1) / customers) + 1 as integer) as m_score

    from ranked

)

select * from final
