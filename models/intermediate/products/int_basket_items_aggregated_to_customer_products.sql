{#- One row per basket set, customer and product the customer bought: the purchase history the
    recommender scores from. basket_set 'all' holds every purchase before as_of_date,
    'before_cutoff' only those before the evaluation cutoff (see int_product_pairs_scored).
    Guest baskets have no customer and are left out. -#}

with

basket_items as (

    select * from {{ ref('int_order_lines_collapsed_to_basket_items') }}
    where customer_id is not null

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

final as (

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

)

select * from final
