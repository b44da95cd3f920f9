-- Every forecast product, and the shop, has exactly one forecast per calendar day from
-- as_of_date to as_of_date + forecast_horizon_days - 1, and every product with a demand class
-- has forecasts. (Not the reverse: after a nightly build, a product that qualified since the
-- last full build has forecasts and gets its class at the next full build.)

with

product_forecasts as (

    select * from {{ ref('product_demand_forecasts') }}

),

shop_forecasts as (

    select * from {{ ref('shop_sales_forecasts') }}

),

classes as (

    select * from {{ ref('product_demand_classes') }}

),

bounds as (

    select
        as_of.as_of_date,
        cast({{ dbt.dateadd('day', var('forecast_horizon_days') - 1, 'as_of.as_of_date') }} as date) as last_date
    from (select {{ as_of_date() }} as as_of_date) as as_of

),

series_spans as (

    select
        stock_code as series_key,
        count(*) as forecast_rows,
        count(distinct forecast_date) as forecast_dates,
        min(forecast_date) as first_date,
        max(forecast_date) as last_date
    from product_forecasts
    group by stock_code

    union all

    select
        'shop' as series_key,
        count(*) as forecast_rows,
        count(distinct forecast_date) as forecast_dates,
        min(forecast_date) as first_date,
        max(forecast_date) as last_date
    from shop_forecasts

),

product_spans as (

    select * from series_spans
    where series_key != 'shop'

),

wrong_spans as (

    select
        series_spans.series_key,
        'wrong horizon' as problem
    from series_spans
    cross join bounds
    where
        series_spans.forecast_rows != {{ var('forecast_horizon_days') }}
        or series_spans.forecast_dates != {{ var('forecast_horizon_days') }}
        or series_spans.first_date != bounds.as_of_date
        or series_spans.last_date != bounds.last_date

),

classes_without_forecasts as (

    select
        classes.stock_code as series_key,
        'class without forecast' as problem
    from classes
    left join product_spans
        on classes.stock_code = product_spans.series_key
    where product_spans.series_key is null

),

final as (

    select * from wrong_spans
    union all
    select * from classes_without_forecasts

)

select * from final
