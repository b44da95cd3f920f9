{{
    config(
        materialized=aggregate_materialization(),
        incremental_strategy='delete+insert',
        unique_key=['stock_code', 'sales_date'],
        on_schema_change='fail',
        full_refresh=full_refresh_when_as_of_date_is_set(),
    )
}}

{#- A nightly build rewrites only the rows that can have changed: every product's row on a day
    whose product lines no longer add up to the stored ones, or whose trading status changed,
    and the days a product's life gained. Lines are only ever appended, so a life only grows,
    and a changed row always changes its day's lines. -#}

with

calendar as (

    select * from {{ ref('int_calendar') }}

),

product_days as {{ not_materialized() }} (

    select * from {{ ref('int_product_lines_aggregated_to_days') }}

),

product_life as (

    -- A product's life runs from its first to its last day with a product line, so a return
    -- dated before its first sale or after its last one has its row, and every line is counted.
    select
        stock_code,
        min(sales_date) as first_line_date,
        max(sales_date) as last_line_date
    from product_days
    group by stock_code

),

stored_rows as {{ not_materialized() }} (

    -- What earlier builds wrote: none on a full build, which so writes every row.
    {% if is_incremental() -%}
        select
            stock_code,
            sales_date,
            is_trading_day,
            lines
        from {{ this }}
    {%- else -%}
        select
            stock_code,
            sales_date,
            true as is_trading_day,
            lines
        from product_days
        where false
    {%- endif %}

),

stored_product_life as (

    select
        stock_code,
        min(sales_date) as first_stored_date,
        max(sales_date) as last_stored_date
    from stored_rows
    group by stock_code

),

stored_trading_days as (

    select distinct
        sales_date,
        is_trading_day
    from stored_rows

),

days_with_new_lines as (

    select distinct sales_date
    from product_days
    where {{ only_keys_with_new_lines('sales_date', 'product_days', line_count='sum(lines)') }}

),

stored_days_to_rewrite as (

    select stored_trading_days.sales_date
    from stored_trading_days
    inner join calendar
        on stored_trading_days.sales_date = calendar.calendar_date
    where
        stored_trading_days.sales_date in (select days_with_new_lines.sales_date from days_with_new_lines)
        or calendar.is_trading_day <> stored_trading_days.is_trading_day

),

product_life_ranges_to_write as (

    -- The days of each product's life not stored yet: all of it on a full build and for a new
    -- product, else the days gained before or after the stored ones.
    select
        product_life.stock_code,
        product_life.first_line_date as first_date,
        product_life.last_line_date as last_date
    from product_life
    left join stored_product_life
        on product_life.stock_code = stored_product_life.stock_code
    where stored_product_life.stock_code is null

    union all

    select
        product_life.stock_code,
        product_life.first_line_date as first_date,
        cast({{ dbt.dateadd('day', -1, 'stored_product_life.first_stored_date') }} as date) as last_date
    from product_life
    inner join stored_product_life
        on product_life.stock_code = stored_product_life.stock_code
    where product_life.first_line_date < stored_product_life.first_stored_date

    union all

    select
        product_life.stock_code,
        cast({{ dbt.dateadd('day', 1, 'stored_product_life.last_stored_date') }} as date) as first_date,
        product_life.last_line_date as last_date
    from product_life
    inner join stored_product_life
        on product_life.stock_code = stored_product_life.stock_code
    where product_life.last_line_date > stored_product_life.last_stored_date

),

product_days_to_write as (

    select
        product_life_ranges_to_write.stock_code,
        calendar.calendar_date as sales_date
    from product_life_ranges_to_write
    inner join calendar
        on
            calendar.calendar_date
            between product_life_ranges_to_write.first_date and product_life_ranges_to_write.last_date

    union all

    -- A stored life has a row on every day it spans, so these are the stored products
    -- of the days to rewrite (none of them in the ranges above).
    select
        stored_rows.stock_code,
        stored_rows.sales_date
    from stored_rows
    inner join stored_days_to_rewrite
        on stored_rows.sales_date = stored_days_to_rewrite.sales_date

),

final as (

    select
        product_days_to_write.stock_code,
        product_days_to_write.sales_date,
        calendar.iso_day_of_week,
        calendar.is_trading_day,
        coalesce(product_days.lines, 0) as lines,
        coalesce(product_days.quantity, 0) as quantity,
        coalesce(product_days.returned_quantity, 0) as returned_quantity,
        coalesce(product_days.net_revenue, 0) as net_revenue,
        coalesce(product_days.orders, 0) as orders,
        coalesce(product_days.customers, 0) as customers

    from product_days_to_write
    inner join calendar
        on product_days_to_write.sales_date = calendar.calendar_date
    left join product_days
        on
            product_days_to_write.stock_code = product_days.stock_code
            and product_days_to_write.sales_date = product_days.sales_date

)

select * from final
