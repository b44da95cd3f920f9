{#- One row per customer in customer_rfm: RFM scores and named segment with its marketing
    action, the ML cluster, and the segment the early-behaviour classifier predicts. The
    nightly build refreshes it too: the segments and clusters are current, the predictions
    those of the last full build. -#}

with

customer_rfm as (

    select * from {{ ref('customer_rfm') }}

),

rfm_segments as (

    select * from {{ ref('int_customers_segmented_by_rfm') }}

),

clusters as (

    select * from {{ ref('customer_clusters') }}

),

predictions as (

    select * from {{ ref('segment_classifier_predictions') }}

),

final as (

    select
        customer_rfm.customer_id,
        customer_rfm.as_of_date,
        cast(rfm_segments.r_score as integer) as r_score,
        cast(rfm_segments.f_score as integer) as f_score,
        cast(rfm_segments.m_score as integer) as m_score,
        cast(rfm_segments.rfm_cell as {{ dbt.type_string() }}) as rfm_cell,
        cast(rfm_segments.rfm_segment as {{ dbt.type_string() }}) as rfm_segment,
        cast(rfm_segments.segment_action as {{ dbt.type_string() }}) as segment_action,
        cast(clusters.cluster_id as integer) as cluster_id,
        cast(clusters.cluster_label as {{ dbt.type_string() }}) as cluster_label,
        cast(predictions.predicted_segment as {{ dbt.type_string() }}) as predicted_segment,
        cast(predictions.predicted_probability as double) as predicted_segment_probability,
        -- The classifier is fitted by the full build only; a customer whose first order came
        -- after it has no prediction until the next one.
        cast(coalesce(predictions.classifier_split, 'new since fit') as {{ dbt.type_string() }}) as classifier_split

    from customer_rfm
    left join rfm_segments
        on customer_rfm.customer_id = rfm_segments.customer_id
    left join clusters
        on customer_rfm.customer_id = clusters.customer_id
    left join predictions
        on customer_rfm.customer_id = predictions.customer_id

)

select * from final
