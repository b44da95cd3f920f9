{#- Daily unit forecasts per product for the forecast_horizon_days calendar days from
    as_of_date on: exactly that many rows per forecast product, 0 on days the shop is not
    expected to trade. -#}

with

results as (

    select * from {{ ref('demand_forecasts_from_stored_fits') }}
    where series_type = 'product'

),

final as (

    select
        series_key as stock_code,
        cast(forecast_date as date) as forecast_date,
        cast(is_trading_day as boolean) as is_trading_day,
        cast(forecast as double) as forecast,
        cast(lower_80 as double) as lower_80,
        cast(upper_80 as double) as upper_80,
        cast(lower_95 as double) as lower_95,
        cast(upper_95 as double) as upper_95,
        method

    from results

)

select * from final
