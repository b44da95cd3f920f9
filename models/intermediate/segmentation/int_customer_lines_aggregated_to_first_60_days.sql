{#- One row per customer with a purchase before as_of_date: what was known about them early, for
    the segment classifier. The first basket is the customer's first sale invoice (earliest
    timestamp, then invoice number); the window is the 60 days from the first order date
    (first 30 days too), cut at as_of_date, so days_observed < 60 marks a customer whose early
    behaviour is still short. Product lines only (sales, cancellations, returns). -#}

with

order_lines as (

    select * from {{ ref('stg_online_retail__order_lines') }}
    where
        customer_id is not null
        and invoice_date < {{ as_of_date() }}
        and line_type in ('sale', 'cancellation', 'return')

),

customers as (

    select * from {{ ref('int_customer_lines_aggregated_to_customers') }}
    where purchase_orders > 0

),

sale_orders as (

    select
        customer_id,
        invoice_no,
        min(invoiced_at) as invoiced_at,
        min(invoice_date) as invoice_date,
        sum(line_revenue) as order_value,
        sum(quantity) as items,
        count(distinct stock_code) as products
    from order_lines
    where line_type = 'sale'
    group by customer_id, invoice_no

),

sale_orders_numbered as (

    select
        *,
        row_number() over (
            partition by customer_id order by invoiced_at asc, invoice_no asc
        ) as order_number
    from sale_orders

),

first_orders as (

    select * from sale_orders_numbered
    where order_number = 1

),

second_orders as (

    select * from sale_orders_numbered
    where order_number = 2

),

window_lines as (

    select
        order_lines.*,
        {{ days_between('customers.first_order_date', 'order_lines.invoice_date') }} as days_after_first_order
    from order_lines
    inner join customers
        on order_lines.customer_id = customers.customer_id
    -- A cancellation dated before the first purchase undoes a purchase from before the data
    -- starts: it says nothing about the customer's first 60 days.
    where
        order_lines.invoice_date >= customers.first_order_date
        and order_lines.invoice_date < {{ dbt.dateadd('day', 60, 'customers.first_order_date') }}

),

window_totals as (

    select
        customer_id,
        count(distinct case when line_type = 'sale' and days_after_first_order < 30 then invoice_no end)
            as orders_first_30_days,
        count(distinct case when line_type = 'sale' then invoice_no end) as orders_first_60_days,
        count(case when line_type = 'sale' then 1 end) as sale_lines,
        sum(case when line_type = 'sale' then quantity else 0 end) as items,
        count(distinct case when line_type = 'sale' then stock_code end) as distinct_products,
        sum(case when line_type = 'sale' then line_revenue else 0 end) as gross_revenue,
        -sum(case when line_type in ('cancellation', 'return') then line_revenue else 0 end) as returned_revenue
    from window_lines
    group by customer_id

),

final as (

    select
        customers.customer_id,
        customers.country,
        customers.first_order_date,
        {{ days_between('customers.first_order_date', as_of_date()) }} as days_since_first_order,
        least({{ days_between('customers.first_order_date', as_of_date()) }}, 60) as days_observed,
        cast(first_orders.order_value as decimal(18, 2)) as first_basket_value,
        cast(first_orders.items as bigint) as first_basket_items,
        cast(first_orders.products as bigint) as first_basket_products,
        cast(
            case when first_orders.items > 0 then first_orders.order_value / first_orders.items end
            as decimal(18, 3)
        ) as first_basket_avg_unit_price,
        cast(window_totals.orders_first_30_days as bigint) as orders_first_30_days,
        cast(window_totals.orders_first_60_days as bigint) as orders_first_60_days,
        cast(window_totals.items as bigint) as items_first_60_days,
        cast(window_totals.distinct_products as bigint) as distinct_products_first_60_days,
        cast(
            window_totals.items * 1.0 / window_totals.sale_lines as decimal(18, 2)
        ) as avg_line_quantity_first_60_days,
        cast(window_totals.gross_revenue - window_totals.returned_revenue as decimal(18, 2))
            as net_revenue_first_60_days,
        -- Returns can include purchases made before the data starts; the share is capped at 1.
        cast(
            case
                when window_totals.gross_revenue > 0
                    then least(greatest(window_totals.returned_revenue / window_totals.gross_revenue, 0), 1)
                else 0
            end as decimal(18, 4)
        ) as return_share_first_60_days,
        case
            when second_orders.invoice_date < {{ dbt.dateadd('day', 60, 'customers.first_order_date') }}
                then {{ days_between('customers.first_order_date', 'second_orders.invoice_date') }}
        end as days_to_second_order

    from customers
    inner join first_orders
        on customers.customer_id = first_orders.customer_id
    inner join window_totals
        on customers.customer_id = window_totals.customer_id
    left join second_orders
        on customers.customer_id = second_orders.customer_id

)

select * from final
