{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    )
}}

with

validated as (

    select * from {{ ref('base_online_retail__order_lines_validated') }}
    where
        rejection_reason is null
        and {{ only_files_not_loaded_yet(
            ref('base_online_retail__order_lines_validated'), 'rejection_reason is null'
        ) }}

),

final as (

    select
        {{ surrogate_key(['source_file', 'source_row_number']) }} as order_line_id,
        source_file,
        source_row_number,
        invoice_no,
        stock_code,
        description,
        cast(quantity as {{ api.Column.translate_type('bigint') }}) as quantity,
        unit_price,
        cast(quantity * unit_price as decimal(18, 3)) as line_revenue,
        invoiced_at,
        cast(invoiced_at as date) as invoice_date,
        customer_id,
        customer_id is null as is_guest,
        country,
        line_type,
        line_type in ('sale', 'cancellation', 'return') as is_product_line

    from validated

)

select * from final
