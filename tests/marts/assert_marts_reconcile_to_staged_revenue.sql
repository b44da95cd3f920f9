-- Revenue is neither lost nor double counted between staging and the marts: the order lines,
-- the orders and (for days before as_of_date) the daily shop sales add up to the staged
-- revenue; the daily product sales (before as_of_date) and the products to the staged product
-- lines, and their lines to the staged lines, line for line; the customers (before as_of_date)
-- to the staged product lines of known customers. Marts round to the cent, so they may differ
-- by half a cent per row that holds lines. (The order lines are a view over staging: their
-- check guards the view's filter.)

with

staged as (

    select
        sum(line_revenue) as revenue,
        sum(case when invoice_date < {{ as_of_date() }} then line_revenue else 0 end)
            as revenue_before_as_of,
        sum(case when invoice_date < {{ as_of_date() }} and is_product_line then line_revenue else 0 end)
            as product_revenue_before_as_of,
        sum(case when invoice_date < {{ as_of_date() }} and is_product_line then 1 else 0 end)
            as product_lines_before_as_of,
        sum(case when is_product_line then line_revenue else 0 end) as product_revenue,
        sum(
            case
                when invoice_date < {{ as_of_date() }} and is_product_line and customer_id is not null
                    then line_revenue
                else 0
            end
        ) as customer_product_revenue_before_as_of,
        count(*) as line_count
    from {{ ref('stg_online_retail__order_lines') }}

),

order_lines as (

    select sum(line_revenue) as revenue
    from {{ ref('fct_order_lines') }}

),

orders as (

    select
        sum(net_value) as revenue,
        count(*) as row_count
    from {{ ref('fct_orders') }}

),

daily_sales as (

    select
        sum(net_revenue) as revenue,
        count(*) as row_count
    from {{ ref('fct_daily_sales') }}

),

daily_product_sales as (

    select
        sum(net_revenue) as revenue,
        sum(lines) as line_count,
        -- Only rows with lines carry a rounded revenue; the zero-filled days add no rounding.
        sum(case when lines > 0 then 1 else 0 end) as row_count
    from {{ ref('fct_daily_product_sales') }}

),

products as (

    select
        sum(net_revenue) as revenue,
        sum(lines) as line_count,
        count(*) as row_count
    from {{ ref('dim_products') }}

),

customers as (

    select
        sum(net_revenue) as revenue,
        count(*) as row_count
    from {{ ref('dim_customers') }}

),

final as (

    select
        staged.revenue as staged_revenue,
        staged.revenue_before_as_of as staged_revenue_before_as_of,
        order_lines.revenue as order_lines_revenue,
        orders.revenue as orders_revenue,
        orders.row_count as orders_rows,
        daily_sales.revenue as daily_sales_revenue,
        daily_sales.row_count as daily_sales_rows,
        staged.product_revenue_before_as_of as staged_product_revenue_before_as_of,
        staged.product_lines_before_as_of as staged_product_lines_before_as_of,
        daily_product_sales.revenue as daily_product_sales_revenue,
        daily_product_sales.line_count as daily_product_sales_lines,
        daily_product_sales.row_count as daily_product_sales_rows,
        staged.product_revenue as staged_product_revenue,
        staged.line_count as staged_lines,
        products.revenue as products_revenue,
        products.line_count as products_lines,
        products.row_count as products_rows,
        staged.customer_product_revenue_before_as_of as staged_customer_product_revenue_before_as_of,
        customers.revenue as customers_revenue,
        customers.row_count as customers_rows
    from staged
    cross join order_lines
    cross join orders
    cross join daily_sales
    cross join daily_product_sales
    cross join products
    cross join customers

)

select * from final
where
    order_lines_revenue <> staged_revenue
    or abs(orders_revenue - staged_revenue) > 0.005 * orders_rows
    or abs(daily_sales_revenue - staged_revenue_before_as_of) > 0.005 * daily_sales_rows
    or daily_product_sales_lines <> staged_product_lines_before_as_of
    or abs(daily_product_sales_revenue - staged_product_revenue_before_as_of) > 0.005 * daily_product_sales_rows
    or products_lines <> staged_lines
    or abs(products_revenue - staged_product_revenue) > 0.005 * products_rows
    or abs(customers_revenue - staged_customer_product_revenue_before_as_of) > 0.005 * customers_rows
