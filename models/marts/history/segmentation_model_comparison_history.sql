{#- Appends, on every build, the clustering candidates compared in
    marts.segmentation_model_comparison (one row per candidate), stamped with the build:
    invocation_id, built_at (when it started, UTC) and as_of_date. Append-only and kept through
    --full-refresh, so the table grows by one batch per build and shows how the models score as
    data accrues. The mart's columns are taken whole (*): a metric added to it later is appended
    as a new column, null for earlier builds. -#}

with

metrics as (

    select * from {{ ref('segmentation_model_comparison') }}

),

final as (

    select
        {{ build_stamp_columns() }},
        metrics.*

    from metrics

)

select * from final
