{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    )
}}

{#- Types every raw order line, gives it the first validation rule it breaks, if any, and
    fingerprints it. One streaming pass over the raw view: every step here works on one line
    at a time, so lines are written as they are read, never held or sorted. Finding exact
    duplicates and classifying stock codes (base_online_retail__order_lines_validated) need
    several looks at the lines, which DuckDB would otherwise serve by keeping the whole raw
    scan (spilled to disk: 53 GB at 100M lines); from this table they read only the columns
    they need. -#}

with

source as (

    select * from {{ source('online_retail', 'raw_order_lines') }}
    where {{ only_files_not_loaded_yet(source('online_retail', 'raw_order_lines')) }}

),

trimmed as (

    select
        source_file,
        source_row_number,
        invoice_no as raw_invoice_no,
        stock_code as raw_stock_code,
        description as raw_description,
        quantity as raw_quantity,
        invoice_date as raw_invoice_date,
        unit_price as raw_unit_price,
        customer_id as raw_customer_id,
        country as raw_country,
        nullif(trim(invoice_no), '') as invoice_no,
        nullif(trim(stock_code), '') as stock_code,
        nullif(trim(description), '') as description,
        nullif(trim(quantity), '') as quantity_text,
        nullif(trim(invoice_date), '') as invoice_date_text,
        nullif(trim(unit_price), '') as unit_price_text,
        nullif(trim(customer_id), '') as customer_id_text,
        coalesce(nullif(trim(country), ''), 'Unspecified') as country

    from source

),

typed as (

    select
        *,
        {{ try_cast_to('quantity_text', api.Column.translate_type('bigint')) }} as quantity,
        {{ try_cast_to('unit_price_text', 'decimal(18, 3)') }} as unit_price,
        {{ parse_order_timestamp('invoice_date_text') }} as invoiced_at,
        -- Exports often write numeric ids as floats (17850.0); integral numbers become 17850,
        -- anything else is kept as text so alphanumeric ids still work.
        {{ try_cast_to('customer_id_text', 'decimal(38, 6)') }} as customer_id_number

    from trimmed

),

validated as (

    select
        *,
        case
            when invoice_no is null then 'missing_invoice_no'
            when stock_code is null then 'missing_stock_code'
            when quantity_text is null then 'missing_quantity'
            -- A number too large for an integer is out of range, not text.
            when quantity is null
                and {{ try_cast_to('quantity_text', 'decimal(38, 6)') }} is not null
                then 'quantity_out_of_range'
            when quantity is null then 'non_numeric_quantity'
            -- The integer cast rounds (1.5 becomes 2); a fraction of a unit is not a quantity.
            when {{ try_cast_to('quantity_text', 'decimal(38, 6)') }} <> quantity then 'non_integer_quantity'
            when unit_price_text is null then 'missing_unit_price'
            when unit_price is null then 'non_numeric_unit_price'
            -- Prices are kept to 3 decimals; a fourth would be rounded away, so the line is
            -- rejected instead (2.5549; trailing zeros such as 3.3900 are fine).
            when {{ try_cast_to('unit_price_text', 'decimal(38, 6)') }} <> unit_price then 'unit_price_over_3_decimals'
            when invoice_date_text is null then 'missing_invoice_date'
            when invoiced_at is null then 'unparseable_invoice_date'
            when invoiced_at < cast('{{ var("min_invoice_date") }}' as timestamp)
                then 'invoice_date_before_min'
            when invoiced_at > {{ dbt.dateadd('day', 1, dbt.current_timestamp()) }}
                then 'invoice_date_in_future'
            when quantity = 0 then 'zero_quantity'
            when abs(quantity) > {{ var('max_abs_quantity') }} then 'quantity_out_of_range'
            when unit_price < 0 and invoice_no not like 'A%' then 'negative_unit_price'
        end as validation_reason,
        case
            when customer_id_text is null then null
            when customer_id_number is not null
                and customer_id_number = floor(customer_id_number)
                then cast(
                        cast(customer_id_number as {{ api.Column.translate_type('bigint') }}) as {{ dbt.type_string() }}
                    )
            else customer_id_text
        end as customer_id

    from typed

),

fingerprinted as (

    select
        *,
        {{ surrogate_key([
            'invoice_no', 'stock_code', 'description', 'quantity',
            'unit_price', 'invoiced_at', 'customer_id', 'country',
        ]) }} as line_fingerprint

    from validated

),

final as (

    select
        source_file,
        source_row_number,
        raw_invoice_no,
        raw_stock_code,
        raw_description,
        raw_quantity,
        raw_invoice_date,
        raw_unit_price,
        raw_customer_id,
        raw_country,
        invoice_no,
        stock_code,
        description,
        quantity,
        unit_price,
        invoiced_at,
        customer_id,
        country,
        line_fingerprint,
        validation_reason

    from fingerprinted

)

select * from final
