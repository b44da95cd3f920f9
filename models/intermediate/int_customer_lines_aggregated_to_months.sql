{{
    config(
        materialized=aggregate_materialization(),
        incremental_strategy='delete+insert',
        unique_key='customer_id',
        on_schema_change='fail',
        full_refresh=full_refresh_when_as_of_date_is_set(),
    )
}}

{#- One row per known customer and calendar month with product lines before as_of_date:
    whether they bought and their net product revenue. cohort_retention sums these by cohort. A
    nightly build recomputes only the customers who gained lines, all their months. -#}

with

product_lines as {{ not_materialized() }} (

    select * from {{ ref('stg_online_retail__order_lines') }}
    where
        customer_id is not null
        and is_product_line
        and invoice_date < {{ as_of_date() }}

),

product_lines_of_customers_with_new_lines as (

    select * from product_lines
    where {{ only_keys_with_new_lines('customer_id', 'product_lines') }}

),

final as (

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'invoice_date') }} as date) as activity_month,
        count(*) as lines,
        max(case when line_type = 'sale' then 1 else 0 end) = 1 as is_active,
        -- Unrounded (line revenue has three decimals): cohort_retention rounds the cohort's sums.
        cast(sum(line_revenue) as decimal(18, 3)) as net_revenue

    from product_lines_of_customers_with_new_lines
    group by customer_id, activity_month

)

select * from final
