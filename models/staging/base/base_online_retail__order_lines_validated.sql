{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    )
}}

{#- Types every raw order line and gives it either a rejection reason or a line type. The
    staging model and staging.rejected_order_lines both select from here, so each input line
    lands in exactly one of them. -#}

with

source as (

    select * from {{ source('online_retail', 'raw_order_lines') }}
    where {{ only_files_not_loaded_yet() }}

),

non_product_stock_codes as (

    select * from {{ ref('non_product_stock_codes') }}

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

loaded_fingerprints as (

    -- Lines staged by earlier incremental loads; none on a full build.
    {% if is_incremental() -%}
        select distinct loaded.line_fingerprint
        from {{ this }} as loaded
        where loaded.rejection_reason is null
    {%- else -%}
        select fingerprinted.line_fingerprint
        from fingerprinted
        where false
    {%- endif %}

),

duplicates_flagged as (

    -- The first occurrence of an exact duplicate is kept and later copies are rejected, also
    -- when the first copy arrived in an earlier incremental load.
    select
        fingerprinted.*,
        case
            when fingerprinted.validation_reason is null
                then row_number() over (
                        partition by fingerprinted.validation_reason, fingerprinted.line_fingerprint
                        order by fingerprinted.source_file, fingerprinted.source_row_number
                    )
        end as occurrence,
        loaded_fingerprints.line_fingerprint is not null as is_already_loaded

    from fingerprinted
    left join loaded_fingerprints
        on fingerprinted.line_fingerprint = loaded_fingerprints.line_fingerprint

),

non_product_codes_seen as (

    -- Matching the few distinct codes, not every line, keeps the prefix match cheap.
    select distinct seen.stock_code
    from (select distinct stock_code from fingerprinted) as seen
    inner join non_product_stock_codes as codes
        on
            (codes.match_type = 'exact' and seen.stock_code = codes.stock_code)
            or (
                codes.match_type = 'prefix'
                and seen.stock_code like {{ dbt.concat(['codes.stock_code', "'%'"]) }}
            )

),

final as (

    select
        lines.source_file,
        lines.source_row_number,
        lines.raw_invoice_no,
        lines.raw_stock_code,
        lines.raw_description,
        lines.raw_quantity,
        lines.raw_invoice_date,
        lines.raw_unit_price,
        lines.raw_customer_id,
        lines.raw_country,
        lines.invoice_no,
        lines.stock_code,
        lines.description,
        lines.quantity,
        lines.unit_price,
        lines.invoiced_at,
        lines.customer_id,
        lines.country,
        lines.line_fingerprint,
        coalesce(
            lines.validation_reason,
            case when lines.occurrence > 1 or lines.is_already_loaded then 'exact_duplicate' end
        ) as rejection_reason,
        case
            when lines.invoice_no like 'A%' then 'adjustment'
            when non_product_codes_seen.stock_code is not null then 'non_product'
            when lines.invoice_no like 'C%' then 'cancellation'
            when lines.unit_price = 0 then 'zero_price'
            when lines.quantity < 0 then 'return'
            else 'sale'
        end as line_type

    from duplicates_flagged as lines
    left join non_product_codes_seen
        on lines.stock_code = non_product_codes_seen.stock_code

)

select * from final
