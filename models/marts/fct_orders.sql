with

order_lines as (

    select * from {{ ref('stg_online_retail__order_lines') }}

),

invoices as (

    select
        invoice_no,
        max(customer_id) as customer_id,
        max(country) as country,
        min(invoiced_at) as invoiced_at,
        count(*) as lines,
        count(distinct stock_code) as distinct_products,
        cast(coalesce(sum(case when line_type = 'sale' then quantity end), 0) as bigint) as items,
        sum(case when line_revenue > 0 then line_revenue else 0 end) as gross_value,
        -sum(case when line_revenue < 0 then line_revenue else 0 end) as returned_value,
        sum(line_revenue) as net_value,
        sum(case when line_type = 'non_product' then line_revenue else 0 end) as non_product_value,
        max(case when line_type = 'sale' then 1 else 0 end) = 1 as is_purchase

    from order_lines
    group by invoice_no

),

final as (

    select
        invoice_no,
        customer_id,
        customer_id is null as is_guest,
        country,
        invoiced_at,
        cast(invoiced_at as date) as invoice_date,
        lines,
        distinct_products,
        items,
        cast(gross_value as decimal(18, 2)) as gross_value,
        cast(returned_value as decimal(18, 2)) as returned_value,
        cast(net_value as decimal(18, 2)) as net_value,
        cast(non_product_value as decimal(18, 2)) as non_product_value,
        is_purchase,
        invoice_no like 'C%' as is_cancelled,
        invoice_no like 'A%' as is_adjustment

    from invoices

)

select * from final
