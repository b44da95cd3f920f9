{#- One row per customer: the RFM segment the classifier predicts from the first order and the
    first 60 days, with its probability, the customer's actual segment today and the split the
    customer was in (training, holdout, or recent: the early window is still open). -#}

with

results as (

    select * from {{ ref('segment_classifier_results') }}
    where record_type = 'prediction'

),

final as (

    select
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(classifier_split as {{ dbt.type_string() }}) as classifier_split,
        cast(actual_segment as {{ dbt.type_string() }}) as rfm_segment,
        cast(predicted_segment as {{ dbt.type_string() }}) as predicted_segment,
        cast(predicted_probability as double) as predicted_probability

    from results

)

select * from final
