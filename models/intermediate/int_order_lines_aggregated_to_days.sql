{{
    config(
        materialized=aggregate_materialization(),
        incremental_strategy='delete+insert',
        unique_key='sales_date',
        on_schema_change='fail',
        full_refresh=full_refresh_when_as_of_date_is_set(),
    )
}}

{#- One row per day with order lines before as_of_date (sparse: only days with lines).
    fct_daily_sales puts the days on the calendar. A nightly build recomputes only the days that
    gained lines: orders and customers are distinct counts, so a day is recomputed whole. -#}

with

order_lines as {{ not_materialized() }} (

    select * from {{ ref('stg_online_retail__order_lines') }}
    where invoice_date < {{ as_of_date() }}

),

order_lines_of_new_days as (

    select * from order_lines
    where {{ only_keys_with_new_lines('invoice_date', 'order_lines', stored_key='sales_date') }}

),

final as (

    select
        invoice_date as sales_date,
        count(*) as lines,
        count(distinct case when line_type = 'sale' then invoice_no end) as orders,
        count(distinct case when line_type = 'sale' then customer_id end) as customers,
        cast(coalesce(sum(case when line_type = 'sale' then quantity end), 0) as bigint) as quantity,
        -- Unrounded (line revenue has three decimals): fct_daily_sales rounds the day's sums.
        cast(sum(case when line_type = 'sale' then line_revenue else 0 end) as decimal(18, 3)) as gross_revenue,
        cast(-sum(case when line_type in ('cancellation', 'return') then line_revenue else 0 end) as decimal(18, 3))
            as returned_revenue,
        cast(sum(case when line_type in ('non_product', 'adjustment') then line_revenue else 0 end) as decimal(18, 3))
            as non_product_revenue,
        cast(sum(line_revenue) as decimal(18, 3)) as net_revenue

    from order_lines_of_new_days
    group by invoice_date

)

select * from final
