{#- The daily series the demand forecasts are fitted on, one row per series and regular trading
    weekday (see int_calendar_extended_to_forecast_horizon) up to as_of_date - 1:

    * series_type 'product': units sold of each product with enough history, from its first
      sale to the day before as_of_date (zero after its last sale). Enough history means at
      least forecast_min_history_days regular trading weekdays since the first sale and sales on
      at least two days (a demand interval needs two);
    * series_type 'shop' (series_key 'shop'): the whole shop's product revenue net of
      cancellations and returns (postage, fees and bad-debt adjustments are not demand).

    Saturdays (no regular trading) are not part of the series; closures (is_trading_day false)
    are, so that a week is always the same number of steps. -#}

with

calendar as (

    select * from {{ ref('int_calendar_extended_to_forecast_horizon') }}
    where
        not is_forecast_date
        and is_regular_trading_weekday

),

daily_product_sales as (

    -- The merged aggregate rather than fct_daily_product_sales (the same days, less the
    -- zero-filled ones this model fills itself): the forecasts, last in a nightly build, start
    -- without waiting for the mart and its tests.
    select * from {{ ref('int_product_lines_aggregated_to_days') }}

),

daily_sales as (

    select * from {{ ref('fct_daily_sales') }}

),

product_first_sales as (

    select
        stock_code,
        min(case when quantity > 0 then sales_date end) as first_sold_date,
        sum(case when quantity > 0 then 1 else 0 end) as sale_days
    from daily_product_sales
    group by stock_code

),

product_history_lengths as (

    select
        product_first_sales.stock_code,
        product_first_sales.first_sold_date,
        product_first_sales.sale_days,
        count(*) as history_days
    from product_first_sales
    inner join calendar
        on product_first_sales.first_sold_date <= calendar.calendar_date
    group by product_first_sales.stock_code, product_first_sales.first_sold_date, product_first_sales.sale_days

),

forecastable_products as (

    select
        stock_code,
        first_sold_date
    from product_history_lengths
    where
        history_days >= {{ var('forecast_min_history_days') }}
        and sale_days >= 2

),

product_series as (

    select
        'product' as series_type,
        forecastable_products.stock_code as series_key,
        calendar.calendar_date as sales_date,
        calendar.is_trading_day,
        cast(coalesce(daily_product_sales.quantity, 0) as double) as demand
    from forecastable_products
    inner join calendar
        on forecastable_products.first_sold_date <= calendar.calendar_date
    left join daily_product_sales
        on
            forecastable_products.stock_code = daily_product_sales.stock_code
            and calendar.calendar_date = daily_product_sales.sales_date

),

shop_series as (

    select
        'shop' as series_type,
        'shop' as series_key,
        calendar.calendar_date as sales_date,
        calendar.is_trading_day,
        cast(daily_sales.gross_revenue - daily_sales.returned_revenue as double) as demand
    from calendar
    inner join daily_sales
        on calendar.calendar_date = daily_sales.sales_date

),

final as (

    select * from product_series
    union all
    select * from shop_series

)

select * from final
