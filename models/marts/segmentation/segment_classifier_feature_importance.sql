{#- One row per classifier feature: how much held-out macro-F1 drops when the feature's values
    are shuffled (permutation importance, mean and standard deviation over seeded repeats). -#}

with

results as (

    select * from {{ ref('segment_classifier_results') }}
    where record_type = 'importance'

),

final as (

    select
        cast(feature as {{ dbt.type_string() }}) as feature,
        cast(importance_rank as integer) as importance_rank,
        cast(importance_mean as double) as importance_mean,
        cast(importance_std as double) as importance_std

    from results

)

select * from final
