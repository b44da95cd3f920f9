with

calendar as (

    select * from {{ ref('int_calendar') }}

),

daily_totals as (

    select * from {{ ref('int_order_lines_aggregated_to_days') }}

),

final as (

    select
        calendar.calendar_date as sales_date,
        calendar.iso_day_of_week,
        calendar.is_trading_day,
        coalesce(daily_totals.lines, 0) as lines,
        coalesce(daily_totals.orders, 0) as orders,
        coalesce(daily_totals.customers, 0) as customers,
        coalesce(daily_totals.quantity, 0) as quantity,
        cast(coalesce(daily_totals.gross_revenue, 0) as decimal(18, 2)) as gross_revenue,
        cast(coalesce(daily_totals.returned_revenue, 0) as decimal(18, 2)) as returned_revenue,
        cast(coalesce(daily_totals.non_product_revenue, 0) as decimal(18, 2)) as non_product_revenue,
        cast(coalesce(daily_totals.net_revenue, 0) as decimal(18, 2)) as net_revenue

    from calendar
    left join daily_totals
        on calendar.calendar_date = daily_totals.sales_date

)

select * from final
