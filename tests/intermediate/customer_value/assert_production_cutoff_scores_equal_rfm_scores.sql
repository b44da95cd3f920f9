-- At the production cutoff (as_of_date) the customer-value features score R, F and M as the RFM
-- segments do: every customer has the same r_score, f_score and m_score in both models, and the
-- same customers. Returns each customer whose scores differ or who is in only one of them.

with

production_features as (

    select * from {{ ref('int_customer_lines_aggregated_to_cutoffs') }}
    where cutoff_name = 'production'

),

rfm_scores as (

    select * from {{ ref('int_customers_scored_rfm') }}

),

final as (

    select
        coalesce(production_features.customer_id, rfm_scores.customer_id) as customer_id,
        production_features.r_score as feature_r_score,
        rfm_scores.r_score as rfm_r_score,
        production_features.f_score as feature_f_score,
        rfm_scores.f_score as rfm_f_score,
        production_features.m_score as feature_m_score,
        rfm_scores.m_score as rfm_m_score
    from production_features
    full outer join rfm_scores
        on production_features.customer_id = rfm_scores.customer_id

)

select * from final
where
    feature_r_score is distinct from rfm_r_score
    or feature_f_score is distinct from rfm_f_score
    or feature_m_score is distinct from rfm_m_score
