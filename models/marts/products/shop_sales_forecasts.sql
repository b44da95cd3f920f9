{#- The whole shop's daily product revenue (net of cancellations and returns) forecast for the
    forecast_horizon_days calendar days from as_of_date on, 0 on days the shop is not expected
    to trade. -#}

with

results as (

    select * from {{ ref('demand_forecasts_from_stored_fits') }}
    where series_type = 'shop'

),

final as (

    select
        cast(forecast_date as date) as forecast_date,
        cast(is_trading_day as boolean) as is_trading_day,
        cast(forecast as decimal(18, 2)) as forecast,
        cast(lower_80 as decimal(18, 2)) as lower_80,
        cast(upper_80 as decimal(18, 2)) as upper_80,
        cast(lower_95 as decimal(18, 2)) as lower_95,
        cast(upper_95 as decimal(18, 2)) as upper_95,
        method

    from results

)

select * from final
