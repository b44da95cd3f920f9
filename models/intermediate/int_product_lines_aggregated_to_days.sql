{{
    config(
        materialized=aggregate_materialization(),
        incremental_strategy='delete+insert',
        unique_key='sales_date',
        on_schema_change='fail',
        full_refresh=full_refresh_when_as_of_date_is_set(),
    )
}}

{#- One row per product and day with product lines before as_of_date (sparse: only days with
    lines). fct_daily_product_sales fills the gaps with zeros. A nightly build recomputes only
    the days that gained lines, all products of those days. -#}

with

product_lines as {{ not_materialized() }} (

    select * from {{ ref('stg_online_retail__order_lines') }}
    where
        is_product_line
        and invoice_date < {{ as_of_date() }}

),

product_lines_of_new_days as (

    select * from product_lines
    where {{ only_keys_with_new_lines('invoice_date', 'product_lines', stored_key='sales_date') }}

),

final as (

    select
        stock_code,
        invoice_date as sales_date,
        count(*) as lines,
        cast(coalesce(sum(case when line_type = 'sale' then quantity end), 0) as bigint) as quantity,
        cast(coalesce(-sum(case when line_type <> 'sale' then quantity end), 0) as bigint) as returned_quantity,
        cast(sum(line_revenue) as decimal(18, 2)) as net_revenue,
        count(distinct case when line_type = 'sale' then invoice_no end) as orders,
        count(distinct case when line_type = 'sale' then customer_id end) as customers

    from product_lines_of_new_days
    group by stock_code, invoice_date

)

select * from final
