{#- The Pareto view of customer value: for all customers, within each home country and within
    each named RFM segment (customer_segments.rfm_segment), the share of net product revenue
    (customer_rfm.monetary, up to as_of_date) that comes from the top 1, 5, 10 and 20 % of
    customers by that revenue. The top n % is the ceil(n % × customers) highest
    spenders (at least one); customer_id breaks ties. -#}

with

customers as (

    select * from {{ ref('customer_rfm') }}

),

segments as (

    select * from {{ ref('customer_segments') }}

),

shares as (

    select top_percent.top_percent
    from (values (1), (5), (10), (20)) as top_percent (top_percent)

),

customer_groups as (

    select
        'all' as dimension,
        'All customers' as dimension_value,
        customer_id,
        monetary
    from customers

    union all

    select
        'country' as dimension,
        country as dimension_value,
        customer_id,
        monetary
    from customers

    union all

    select
        'rfm_segment' as dimension,
        segments.rfm_segment as dimension_value,
        customers.customer_id,
        customers.monetary
    from customers
    inner join segments
        on customers.customer_id = segments.customer_id

),

ranked as (

    select
        dimension,
        dimension_value,
        customer_id,
        monetary,
        row_number() over (
            partition by dimension, dimension_value order by monetary desc, customer_id asc
        ) as value_rank,
        count(*) over (partition by dimension, dimension_value) as group_customers,
        sum(monetary) over (partition by dimension, dimension_value) as group_revenue

    from customer_groups

),

top_customers as (

    select
        ranked.dimension,
        ranked.dimension_value,
        shares.top_percent,
        ranked.group_customers,
        ranked.group_revenue,
        count(*) as top_customers,
        sum(ranked.monetary) as top_revenue

    from ranked
    inner join shares
        on ranked.value_rank <= ceil(ranked.group_customers * shares.top_percent / 100.0)
    group by
        ranked.dimension,
        ranked.dimension_value,
        shares.top_percent,
        ranked.group_customers,
        ranked.group_revenue

),

final as (

    select
        dimension,
        dimension_value,
        cast(top_percent as integer) as top_percent,
        cast(group_customers as bigint) as customers,
        cast(top_customers as bigint) as top_customers,
        cast(group_revenue as decimal(18, 2)) as revenue,
        cast(top_revenue as decimal(18, 2)) as top_revenue,
        cast(case when group_revenue > 0 then top_revenue / group_revenue end as decimal(18, 4)) as revenue_share

    from top_customers

)

select * from final
