{#- The segment classifier and the majority-class baseline on the held-out customers, one row per
    metric: overall accuracy and macro-F1, per-segment precision, recall, f1 and support, the
    confusion matrix as one confusion_count per (actual, predicted) pair, and the customer counts
    per split. -#}

with

results as (

    select * from {{ ref('segment_classifier_results') }}
    where record_type = 'metric'

),

final as (

    select
        cast(evaluated_model as {{ dbt.type_string() }}) as evaluated_model,
        cast(metric as {{ dbt.type_string() }}) as metric,
        cast(actual_segment as {{ dbt.type_string() }}) as actual_segment,
        cast(predicted_segment as {{ dbt.type_string() }}) as predicted_segment,
        cast(value as double) as metric_value

    from results

)

select * from final
