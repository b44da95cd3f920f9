with

customers as (

    select * from {{ ref('int_customer_lines_aggregated_to_customers') }}

),

final as (

    select
        customer_id,
        country,
        first_seen_date,
        first_order_date,
        last_order_date,
        cast({{ dbt.date_trunc('month', 'first_order_date') }} as date) as cohort_month,
        purchase_orders,
        cancelled_orders,
        distinct_products,
        items_bought,
        gross_revenue,
        returned_revenue,
        net_revenue,
        purchase_orders > 0 as has_purchased,
        purchase_orders > 1 as is_repeat_customer,
        {{ as_of_date() }} as as_of_date

    from customers

)

select * from final
