{#- Rolling-origin backtest of every competing method next to the seasonal-naive baseline:
    per product and for the shop (metric_level 'series'), and over products per demand class
    and overall (metric_level 'demand_class' and 'all', where method 'selected' scores each
    product's chosen method). -#}

with

results as (

    select * from {{ ref('demand_forecast_results') }}
    where result_type = 'backtest'

),

final as (

    select
        metric_level,
        series_type,
        series_key,
        demand_class,
        method,
        cast(is_baseline as boolean) as is_baseline,
        cast(is_selected as boolean) as is_selected,
        cast(series_count as bigint) as series_count,
        cast(origins as bigint) as origins,
        cast(scored_days as bigint) as scored_days,
        cast(mase as double) as mase,
        cast(rmsse as double) as rmsse,
        cast(bias as double) as bias,
        cast(relative_bias as double) as relative_bias,
        cast(coverage_80 as double) as coverage_80,
        cast(coverage_95 as double) as coverage_95

    from results

)

select * from final
