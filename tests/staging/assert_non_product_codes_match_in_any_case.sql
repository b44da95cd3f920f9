-- A stock code in the non-product list (seeds/non_product_stock_codes.csv) marks a non-product
-- line whatever its case: returns each staged code that matches an exact or prefix entry when
-- case is ignored but is typed as a product line.
{{ config(tags=['rescans_all_lines']) }}

with

staged_codes as (

    select distinct
        stock_code,
        line_type
    from {{ ref('stg_online_retail__order_lines') }}
    where is_product_line

),

non_product_stock_codes as (

    select * from {{ ref('non_product_stock_codes') }}

),

final as (

    select
        staged_codes.stock_code,
        staged_codes.line_type,
        non_product_stock_codes.stock_code as listed_code
    from staged_codes
    inner join non_product_stock_codes
        on
            (
                non_product_stock_codes.match_type = 'exact'
                and upper(staged_codes.stock_code) = upper(non_product_stock_codes.stock_code)
            )
            or (
                non_product_stock_codes.match_type = 'prefix'
                and upper(staged_codes.stock_code)
                like {{ dbt.concat(['upper(non_product_stock_codes.stock_code)', "'%'"]) }}
            )

)

select * from final
