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
    whose product lines within the selling lives no longer add up to the stored ones, or whose
    trading status changed, and the days a product's selling life gained. Lines are only ever
    appended, so a selling life only grows, and a changed row always changes its day's lines. -#}

with

calendar as (

    select * from {{ ref('int_calendar') }}

),

product_days as {{ not_materialized() }} (

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

stored_selling_life as (

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

day_lines_within_selling_life as (

    -- The lines a day's stored rows count: a product's lines outside its selling life (returns
    -- before its first sale, say) are in no row.
    select
        product_days.sales_date,
        sum(product_days.lines) as lines
    from product_days
    inner join selling_life
        on
            product_days.stock_code = selling_life.stock_code
            and product_days.sales_date between selling_life.first_sold_date and selling_life.last_sold_date
    group by product_days.sales_date

),

days_with_new_lines as (

    select sales_date
    from day_lines_within_selling_life
    where {{ only_keys_with_new_lines('sales_date', 'day_lines_within_selling_life', line_count='sum(lines)') }}

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

selling_life_ranges_to_write as (

    -- The days of each selling life not stored yet: all of it on a full build and for a
    -- product sold for the first time, else the days gained before or after the stored ones.
    select
        selling_life.stock_code,
        selling_life.first_sold_date as first_date,
        selling_life.last_sold_date as last_date
    from selling_life
    left join stored_selling_life
        on selling_life.stock_code = stored_selling_life.stock_code
    where stored_selling_life.stock_code is null

    union all

    select
        selling_life.stock_code,
        selling_life.first_sold_date as first_date,
        cast({{ dbt.dateadd('day', -1, 'stored_selling_life.first_stored_date') }} as date) as last_date
    from selling_life
    inner join stored_selling_life
        on selling_life.stock_code = stored_selling_life.stock_code
    where selling_life.first_sold_date < stored_selling_life.first_stored_date

    union all

    select
        selling_life.stock_code,
        cast({{ dbt.dateadd('day', 1, 'stored_selling_life.last_stored_date') }} as date) as first_date,
        selling_life.last_sold_date as last_date
    from selling_life
    inner join stored_selling_life
        on selling_life.stock_code = stored_selling_life.stock_code
    where selling_life.last_sold_date > stored_selling_life.last_stored_date

),

product_days_to_write as (

    select
        selling_life_ranges_to_write.stock_code,
        calendar.calendar_date as sales_date
    from selling_life_ranges_to_write
    inner join calendar
        on
            calendar.calendar_date
            between selling_life_ranges_to_write.first_date and selling_life_ranges_to_write.last_date

    union all

    -- A stored selling life has a row on every day it spans, so these are the stored products
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
