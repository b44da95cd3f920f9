{#- One row per basket set, customer and product the customer bought: the purchase history the
    recommender scores from. basket_set 'all' holds every purchase before as_of_date,
    'before_cutoff' only those before the evaluation cutoff (see int_product_pairs_scored).
    Guest baskets have no customer and are left out. Customers and products carry their numbers
    (int_basket_customers_numbered, int_basket_products_numbered), the keys the recommender
    works on. -#}

with

basket_items as (

    select * from {{ ref('int_order_lines_collapsed_to_basket_items') }}
    where customer_id is not null

),

customers as (

    select * from {{ ref('int_basket_customers_numbered') }}

),

products as (

    select * from {{ ref('int_basket_products_numbered') }}

),

set_items as (

    select
        'all' as basket_set,
        customer_id,
        stock_code,
        invoice_date
    from basket_items

    union all

    select
        'before_cutoff' as basket_set,
        customer_id,
        stock_code,
        invoice_date
    from basket_items
    where is_before_cutoff

),

customer_products as (

    select
        basket_set,
        customer_id,
        stock_code,
        -- A basket item is one invoice and product, so counting rows counts baskets (a distinct
        -- count keeps a set of invoices per group: 10 GB spilled at 100M lines).
        count(*) as baskets,
        min(invoice_date) as first_purchased_date,
        max(invoice_date) as last_purchased_date

    from set_items
    group by basket_set, customer_id, stock_code

),

final as (

    select
        customer_products.basket_set,
        customer_products.customer_id,
        customers.customer_number,
        customer_products.stock_code,
        products.product_number,
        customer_products.baskets,
        customer_products.first_purchased_date,
        customer_products.last_purchased_date
    from customer_products
    inner join customers
        on customer_products.customer_id = customers.customer_id
    inner join products
        on customer_products.stock_code = products.stock_code

)

select * from final
