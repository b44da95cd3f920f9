{#- Appends, on every build, the customer-value backtest scores of
    marts.clv_backtest_metrics (one row per model and baseline), stamped with the build:
    invocation_id, built_at (when it started, UTC) and as_of_date. Append-only and kept through
    --full-refresh, so the table grows by one batch per build and shows how the models score as
    data accrues. The mart's columns are taken whole (*): a metric added to it later is appended
    as a new column, null for earlier builds. -#}

with

metrics as (

    select * from {{ ref('clv_backtest_metrics') }}

),

final as (

    select
        {{ build_stamp_columns() }},
        metrics.*

    from metrics

)

select * from final
