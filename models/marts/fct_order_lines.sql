{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    )
}}

with

order_lines as (

    select * from {{ ref('stg_online_retail__order_lines') }}
    where {{ only_files_not_loaded_yet() }}

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
