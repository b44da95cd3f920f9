{{ config(materialized='view') }}

{#- A view: the staged lines are already a table kept up to date incrementally, and a copy
    would cost a full write of every line (25 s of a 10M-line build). The published warehouse
    and the exports materialize it like every mart. -#}

with

order_lines as (

    select * from {{ ref('stg_online_retail__order_lines') }}

),

final as (

    select
        order_line_id,
        invoice_no,
        stock_code,
        description,
        customer_id,
        country,
        invoiced_at,
        invoice_date,
        quantity,
        unit_price,
        line_revenue,
        line_type,
        is_product_line,
        is_guest,
        source_file,
        source_row_number

    from order_lines

)

select * from final
