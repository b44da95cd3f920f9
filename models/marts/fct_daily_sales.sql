with

calendar as (

    select * from {{ ref('int_calendar') }}

),

order_lines as (

    select * from {{ ref('stg_online_retail__order_lines') }}

),

daily_totals as (

    select
        invoice_date as sales_date,
        count(*) as lines,
        count(distinct case when line_type = 'sale' then invoice_no end) as orders,
        count(distinct case when line_type = 'sale' then customer_id end) as customers,
        cast(coalesce(sum(case when line_type = 'sale' then quantity end), 0) as bigint) as quantity,
        sum(case when line_type = 'sale' then line_revenue else 0 end) as gross_revenue,
        -sum(case when line_type in ('cancellation', 'return') then line_revenue else 0 end)
            as returned_revenue,
        sum(case when line_type in ('non_product', 'adjustment') then line_revenue else 0 end)
            as non_product_revenue,
        sum(line_revenue) as net_revenue
    from order_lines
    group by invoice_date

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
