{#- Appends, on every build, the demand-forecast backtest summaries of
    marts.forecast_backtest_metrics (per demand class, over all products and for the shop series,
    one row per method), stamped with the build:
    invocation_id, built_at (when it started, UTC) and as_of_date. Append-only and kept through
    --full-refresh, so the table grows by one batch per build and shows how the models score as
    data accrues. The mart's columns are taken whole (*): a metric added to it later is appended
    as a new column, null for earlier builds. -#}

with

metrics as (

    select * from {{ ref('forecast_backtest_metrics') }}
    -- The summaries and the shop series: per-product rows (thousands a build) stay in the mart.
    where metric_level <> 'series' or series_type = 'shop'

),

final as (

    select
        {{ build_stamp_columns() }},
        metrics.*

    from metrics

)

select * from final
