with

customers as (

    select * from {{ ref('int_customer_lines_aggregated_to_customers') }}
    where purchase_orders > 0

),

as_of as (

    select {{ as_of_date() }} as as_of_date

),

final as (

    select
        customers.customer_id,
        as_of.as_of_date,
        customers.country,
        customers.first_order_date,
        customers.last_order_date,
        {{ days_between('customers.last_order_date', 'as_of.as_of_date') }} as recency_days,
        customers.purchase_orders as frequency,
        customers.net_revenue as monetary,
        customers.gross_revenue,
        customers.returned_revenue,
        {{ days_between('customers.first_order_date', 'as_of.as_of_date') }} as tenure_days,
        cast(customers.net_revenue / customers.purchase_orders as decimal(18, 2)) as avg_order_value,
        case
            when customers.purchase_orders > 1
                then cast(
                        {{ days_between('customers.first_order_date', 'customers.last_order_date') }}
                        / (customers.purchase_orders - 1.0) as decimal(18, 2)
                    )
        end as avg_days_between_orders,
        customers.distinct_products,
        -- Returns of purchases made before the data starts can exceed the purchases seen;
        -- the rate is capped at 1.
        cast(
            case
                when customers.gross_revenue > 0
                    then least(customers.returned_revenue / customers.gross_revenue, 1)
                else 0
            end as decimal(18, 4)
        ) as return_rate

    from customers
    cross join as_of

)

select * from final
