{#- One row per product and day with product lines before as_of_date (sparse: only days with
    lines). fct_daily_product_sales fills the gaps with zeros. -#}

with

product_lines as (

    select * from {{ ref('stg_online_retail__order_lines') }}
    where
        is_product_line
        and invoice_date < {{ as_of_date() }}

),

final as (

    select
        stock_code,
        invoice_date as sales_date,
        cast(coalesce(sum(case when line_type = 'sale' then quantity end), 0) as bigint) as quantity,
        cast(coalesce(-sum(case when line_type <> 'sale' then quantity end), 0) as bigint) as returned_quantity,
        cast(sum(line_revenue) as decimal(18, 2)) as net_revenue,
        count(distinct case when line_type = 'sale' then invoice_no end) as orders,
        count(distinct case when line_type = 'sale' then customer_id end) as customers

    from product_lines
    group by stock_code, invoice_date

)

select * from final
