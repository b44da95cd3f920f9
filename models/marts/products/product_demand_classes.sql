{#- One row per forecast product: its demand pattern (from ADI and CV² over its trading days),
    the methods that competed in the backtest and the one chosen. -#}

with

results as (

    select * from {{ ref('demand_forecast_results') }}
    where
        result_type = 'demand_class'
        and series_type = 'product'

),

final as (

    select
        series_key as stock_code,
        demand_class,
        cast(adi as double) as adi,
        cast(cv2 as double) as cv2,
        cast(history_days as bigint) as history_days,
        cast(trading_days as bigint) as trading_days,
        cast(demand_days as bigint) as demand_days,
        cast(mean_demand as double) as mean_demand,
        candidate_methods,
        selected_method,
        cast(backtest_origins as bigint) as backtest_origins

    from results

)

select * from final
