with

calendar as (

    select * from {{ ref('int_calendar') }}

),

product_days as (

    select * from {{ ref('int_product_lines_aggregated_to_days') }}

),

selling_life as (

    -- A product's selling life runs from its first to its last day with a sale.
    select
        stock_code,
        min(case when quantity > 0 then sales_date end) as first_sold_date,
        max(case when quantity > 0 then sales_date end) as last_sold_date
    from product_days
    group by stock_code
    having max(quantity) > 0

),

product_calendar as (

    select
        selling_life.stock_code,
        calendar.calendar_date as sales_date,
        calendar.iso_day_of_week,
        calendar.is_trading_day
    from selling_life
    inner join calendar
        on calendar.calendar_date between selling_life.first_sold_date and selling_life.last_sold_date

),

final as (

    select
        product_calendar.stock_code,
        product_calendar.sales_date,
        product_calendar.iso_day_of_week,
        product_calendar.is_trading_day,
        coalesce(product_days.quantity, 0) as quantity,
        coalesce(product_days.returned_quantity, 0) as returned_quantity,
        coalesce(product_days.net_revenue, 0) as net_revenue,
        coalesce(product_days.orders, 0) as orders,
        coalesce(product_days.customers, 0) as customers

    from product_calendar
    left join product_days
        on
            product_calendar.stock_code = product_days.stock_code
            and product_calendar.sales_date = product_days.sales_date

)

select * from final
