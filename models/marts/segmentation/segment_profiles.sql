{#- One row per RFM segment and one per ML cluster: how many customers, their share of customers
    and of net revenue (each segmentation's shares sum to 1), and the mean and median recency,
    frequency, monetary and average order value of its customers. -#}

with

customer_rfm as (

    select * from {{ ref('customer_rfm') }}

),

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

playbook as (

    select * from {{ ref('segment_playbook') }}

),

customers as (

    select
        customer_segments.customer_id,
        customer_segments.rfm_segment,
        customer_segments.cluster_id,
        customer_segments.cluster_label,
        customer_rfm.recency_days,
        customer_rfm.frequency,
        customer_rfm.monetary,
        customer_rfm.avg_order_value
    from customer_segments
    inner join customer_rfm
        on customer_segments.customer_id = customer_rfm.customer_id

),

grouped as (

    select
        'rfm_segment' as segmentation,
        customers.rfm_segment as segment,
        playbook.display_order as segment_order,
        customers.customer_id,
        customers.recency_days,
        customers.frequency,
        customers.monetary,
        customers.avg_order_value
    from customers
    left join playbook
        on customers.rfm_segment = playbook.rfm_segment

    union all

    select
        'cluster' as segmentation,
        cluster_label as segment,
        cluster_id as segment_order,
        customer_id,
        recency_days,
        frequency,
        monetary,
        avg_order_value
    from customers

),

profiles as (

    select
        segmentation,
        segment,
        segment_order,
        count(*) as customers,
        sum(monetary) as revenue,
        avg(recency_days * 1.0) as mean_recency_days,
        percentile_cont(0.5) within group (order by recency_days) as median_recency_days,
        avg(frequency * 1.0) as mean_frequency,
        percentile_cont(0.5) within group (order by frequency) as median_frequency,
        avg(monetary) as mean_monetary,
        percentile_cont(0.5) within group (order by monetary) as median_monetary,
        avg(avg_order_value) as mean_avg_order_value,
        percentile_cont(0.5) within group (order by avg_order_value) as median_avg_order_value
    from grouped
    group by segmentation, segment, segment_order

),

totals as (

    select
        segmentation,
        sum(customers) as customers,
        sum(revenue) as revenue
    from profiles
    group by segmentation

),

final as (

    select
        cast(profiles.segmentation as {{ dbt.type_string() }}) as segmentation,
        cast(profiles.segment as {{ dbt.type_string() }}) as segment,
        cast(profiles.segment_order as integer) as segment_order,
        cast(profiles.customers as bigint) as customers,
        cast(profiles.customers * 1.0 / totals.customers as double) as share_of_customers,
        cast(profiles.revenue as decimal(18, 2)) as revenue,
        cast(case when totals.revenue <> 0 then profiles.revenue / totals.revenue end as double)
            as share_of_revenue,
        cast(profiles.mean_recency_days as double) as mean_recency_days,
        cast(profiles.median_recency_days as double) as median_recency_days,
        cast(profiles.mean_frequency as double) as mean_frequency,
        cast(profiles.median_frequency as double) as median_frequency,
        cast(profiles.mean_monetary as decimal(18, 2)) as mean_monetary,
        cast(profiles.median_monetary as decimal(18, 2)) as median_monetary,
        cast(profiles.mean_avg_order_value as decimal(18, 2)) as mean_avg_order_value,
        cast(profiles.median_avg_order_value as decimal(18, 2)) as median_avg_order_value

    from profiles
    inner join totals
        on profiles.segmentation = totals.segmentation

)

select * from final
