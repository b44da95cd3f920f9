-- At the production cutoff (as_of_date) the customer-value features describe each customer as
-- customer_rfm does and score them as the RFM segments do: the same customers, the same
-- recency, frequency, monetary, tenure, mean gap and return rate, and the same r_score,
-- f_score and m_score. Returns each customer who differs in any of them or is in only one.

with

production_features as (

    select * from {{ ref('int_customer_lines_aggregated_to_cutoffs') }}
    where cutoff_name = 'production'

),

customer_rfm as (

    select * from {{ ref('customer_rfm') }}

),

rfm_scores as (

    select * from {{ ref('int_customers_scored_rfm') }}

),

final as (

    select
        coalesce(production_features.customer_id, customer_rfm.customer_id) as customer_id,
        production_features.recency_days as feature_recency_days,
        customer_rfm.recency_days as rfm_recency_days,
        production_features.frequency as feature_frequency,
        customer_rfm.frequency as rfm_frequency,
        production_features.monetary as feature_monetary,
        customer_rfm.monetary as rfm_monetary,
        production_features.tenure_days as feature_tenure_days,
        customer_rfm.tenure_days as rfm_tenure_days,
        production_features.avg_days_between_orders as feature_avg_days_between_orders,
        customer_rfm.avg_days_between_orders as rfm_avg_days_between_orders,
        production_features.return_rate as feature_return_rate,
        customer_rfm.return_rate as rfm_return_rate,
        production_features.r_score as feature_r_score,
        rfm_scores.r_score as rfm_r_score,
        production_features.f_score as feature_f_score,
        rfm_scores.f_score as rfm_f_score,
        production_features.m_score as feature_m_score,
        rfm_scores.m_score as rfm_m_score
    from production_features
    full outer join customer_rfm
        on production_features.customer_id = customer_rfm.customer_id
    left join rfm_scores
        on customer_rfm.customer_id = rfm_scores.customer_id

)

select * from final
where
    feature_recency_days is distinct from rfm_recency_days
    or feature_frequency is distinct from rfm_frequency
    or feature_monetary is distinct from rfm_monetary
    or feature_tenure_days is distinct from rfm_tenure_days
    or feature_avg_days_between_orders is distinct from rfm_avg_days_between_orders
    or feature_return_rate is distinct from rfm_return_rate
    or feature_r_score is distinct from rfm_r_score
    or feature_f_score is distinct from rfm_f_score
    or feature_m_score is distinct from rfm_m_score
