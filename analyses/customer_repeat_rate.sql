-- How many customers come back, how fast, and what are repeat buyers worth?

with

customers as (

    select * from {{ ref('customer_rfm') }}

),

buckets as (

    select
        case
            when frequency = 1 then '1 order'
            when frequency <= 3 then '2-3 orders'
            when frequency <= 10 then '4-10 orders'
            else '11+ orders'
        end as frequency_bucket,
        count(*) as customers,
        sum(monetary) as net_revenue,
        avg(avg_days_between_orders) as avg_days_between_orders,
        avg(recency_days) as avg_recency_days
    from customers
    group by
        case
            when frequency = 1 then '1 order'
            when frequency <= 3 then '2-3 orders'
            when frequency <= 10 then '4-10 orders'
            else '11+ orders'
        end

),

final as (

    select
        frequency_bucket,
        customers,
        customers * 1.0 / sum(customers) over () as share_of_customers,
        net_revenue / sum(net_revenue) over () as share_of_revenue,
        avg_days_between_orders,
        avg_recency_days
    from buckets

)

select * from final
order by share_of_customers desc
