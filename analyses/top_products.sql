-- Which products carry the business, and how concentrated is product revenue?

with

products as (

    select * from {{ ref('dim_products') }}
    where is_product

),

ranked as (

    select
        stock_code,
        description,
        orders,
        quantity_sold,
        net_revenue,
        row_number() over (order by net_revenue desc, stock_code asc) as revenue_rank,
        sum(net_revenue) over (
            order by net_revenue desc, stock_code asc
            rows between unbounded preceding and current row
        ) / sum(net_revenue) over () as cumulative_revenue_share
    from products

)

select * from ranked
where revenue_rank <= 50
order by revenue_rank asc
