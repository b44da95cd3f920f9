{#- One row per invoice and product bought in it (product sale lines before as_of_date), the
    basket view of the order lines that affinity and recommendations work on. Lines dated before
    as_of_date minus holdout_days are flagged: the recommender is trained on them and tested on
    what each customer bought after. -#}

with

order_lines as (

    select * from {{ ref('fct_order_lines') }}

),

bounds as (

    select
        as_of.as_of_date,
        cast({{ dbt.dateadd('day', -var('holdout_days'), 'as_of.as_of_date') }} as date) as cutoff_date
    from (select {{ as_of_date() }} as as_of_date) as as_of

),

sale_lines as (

    -- Only sale lines: non-product codes (postage, fees, vouchers), cancellations, returns and
    -- zero-price lines say nothing about what a shopper chose to buy together.
    select
        order_lines.invoice_no,
        order_lines.stock_code,
        order_lines.customer_id,
        order_lines.invoice_date,
        order_lines.quantity,
        bounds.cutoff_date
    from order_lines
    cross join bounds
    where
        order_lines.line_type = 'sale'
        and order_lines.invoice_date < bounds.as_of_date

),

final as (

    select
        invoice_no,
        stock_code,
        customer_id,
        invoice_date,
        cast(sum(quantity) as bigint) as quantity,
        invoice_date < cutoff_date as is_before_cutoff

    from sale_lines
    group by invoice_no, stock_code, customer_id, invoice_date, cutoff_date

)

select * from final
