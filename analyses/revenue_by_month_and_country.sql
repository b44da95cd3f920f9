-- How does revenue move over the year, and how much comes from outside the home market?

with

orders as (

    select * from {{ ref('fct_orders') }}

),

monthly as (

    select
        cast({{ dbt.date_trunc('month', 'invoice_date') }} as date) as order_month,
        country,
        count(distinct case when is_purchase then invoice_no end) as purchase_orders,
        sum(net_value) as net_revenue
    from orders
    group by cast({{ dbt.date_trunc('month', 'invoice_date') }} as date), country

),

final as (

    select
        order_month,
        country,
        purchase_orders,
        net_revenue,
        net_revenue / sum(net_revenue) over (partition by order_month) as share_of_month
    from monthly

)

select * from final
order by order_month asc, net_revenue desc
