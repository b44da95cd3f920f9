{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    )
}}

with

rejected as (

    select * from {{ ref('base_online_retail__order_lines_validated') }}
    where
        rejection_reason is not null
        and {{ only_files_not_loaded_yet(
            ref('base_online_retail__order_lines_validated'), 'rejection_reason is not null'
        ) }}

),

final as (

    select
        source_file,
        source_row_number,
        rejection_reason,
        raw_invoice_no,
        raw_stock_code,
        raw_description,
        raw_quantity,
        raw_invoice_date,
        raw_unit_price,
        raw_customer_id,
        raw_country,
        -- Revenue the line would have carried, where its numbers parse (for reconciliation).
        cast(quantity * unit_price as decimal(18, 3)) as line_revenue

    from rejected

)

select * from final
