{#- Segment migration over time, from the snapshot customer_segments_history: one row per
    analysis date and move between two RFM segments, with the customers who moved and their net
    revenue when they moved. A customer's first segment is not a move; a build whose as_of_date
    moves forward records the moves since the previous one. -#}

with

segment_history as (

    select * from {{ ref('customer_segments_history') }}

),

versions as (

    select
        customer_id,
        rfm_segment,
        monetary,
        cast(dbt_valid_from as date) as valid_from_date,
        lag(rfm_segment) over (partition by customer_id order by dbt_valid_from) as previous_segment

    from segment_history

),

moves as (

    select
        valid_from_date as transition_date,
        previous_segment as from_segment,
        rfm_segment as to_segment,
        customer_id,
        monetary

    from versions
    where previous_segment is not null

),

final as (

    select
        transition_date,
        from_segment,
        to_segment,
        count(*) as customers,
        cast(sum(monetary) as decimal(18, 2)) as revenue

    from moves
    group by transition_date, from_segment, to_segment

)

select * from final
