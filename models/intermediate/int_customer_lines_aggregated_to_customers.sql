{{
    config(
        materialized=aggregate_materialization(),
        incremental_strategy='delete+insert',
        unique_key='customer_id',
        on_schema_change='fail',
        full_refresh=full_refresh_when_as_of_date_is_set(),
    )
}}

{#- One row per customer seen before as_of_date: purchase, return and product counts that the
    customer marts share. Guest lines (no customer id) are left out by design. A nightly build
    recomputes only the customers who gained lines, from all their lines. -#}

with

order_lines as {{ not_materialized() }} (

    select * from {{ ref('stg_online_retail__order_lines') }}
    where
        customer_id is not null
        and invoice_date < {{ as_of_date() }}

),

lines_of_customers_with_new_lines as (

    select * from order_lines
    where {{ only_keys_with_new_lines('customer_id', 'order_lines') }}

),

country_counts as (

    select
        customer_id,
        country,
        count(*) as lines
    from lines_of_customers_with_new_lines
    group by customer_id, country

),

home_country as (

    -- A customer's country is the one most of their lines carry (alphabetical on a tie).
    select
        customer_id,
        country,
        row_number() over (
            partition by customer_id order by lines desc, country asc
        ) as country_rank
    from country_counts

),

customer_totals as (

    select
        customer_id,
        count(*) as lines,
        min(invoice_date) as first_seen_date,
        min(case when line_type = 'sale' then invoice_date end) as first_order_date,
        max(case when line_type = 'sale' then invoice_date end) as last_order_date,
        count(distinct case when line_type = 'sale' then invoice_no end) as purchase_orders,
        count(distinct case when line_type = 'cancellation' then invoice_no end) as cancelled_orders,
        count(distinct case when line_type = 'sale' then stock_code end) as distinct_products,
        cast(coalesce(sum(case when line_type = 'sale' then quantity end), 0) as bigint) as items_bought,
        coalesce(sum(case when line_type = 'sale' then line_revenue end), 0) as gross_revenue,
        coalesce(-sum(case when line_type in ('cancellation', 'return') then line_revenue end), 0)
            as returned_revenue
    from lines_of_customers_with_new_lines
    group by customer_id

),

final as (

    select
        customer_totals.customer_id,
        home_country.country,
        customer_totals.lines,
        customer_totals.first_seen_date,
        customer_totals.first_order_date,
        customer_totals.last_order_date,
        customer_totals.purchase_orders,
        customer_totals.cancelled_orders,
        customer_totals.distinct_products,
        customer_totals.items_bought,
        cast(customer_totals.gross_revenue as decimal(18, 2)) as gross_revenue,
        cast(customer_totals.returned_revenue as decimal(18, 2)) as returned_revenue,
        cast(customer_totals.gross_revenue - customer_totals.returned_revenue as decimal(18, 2))
            as net_revenue

    from customer_totals
    inner join home_country
        on
            customer_totals.customer_id = home_country.customer_id
            and home_country.country_rank = 1

)

select * from final
