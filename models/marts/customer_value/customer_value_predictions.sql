{#- One row per customer with a purchase before as_of_date: the champion model's predictions for
    the holdout_days after as_of_date, typed for BI (money decimal(18,2)). -#}

with

scores as (

    select * from {{ ref('int_customers_scored_for_production') }}

),

cutoffs as (

    select * from {{ ref('int_cutoffs_derived_from_as_of_date') }}
    where cutoff_name = 'production'

),

final as (

    select
        scores.customer_id,
        cutoffs.as_of_date,
        cutoffs.window_end_date as prediction_window_end_date,
        cast(scores.p_purchase as double) as p_purchase,
        cast(scores.churn_risk as double) as churn_risk,
        scores.churn_risk_band,
        cast(scores.expected_orders as double) as expected_orders,
        cast(scores.predicted_spend as decimal(18, 2)) as predicted_spend,
        cast(scores.predicted_clv_365d as decimal(18, 2)) as predicted_clv_365d,
        cast(scores.expected_next_order_date as date) as expected_next_order_date,
        cast(scores.avg_days_between_orders as decimal(18, 2)) as avg_days_between_orders,
        cast(scores.value_decile as integer) as value_decile

    from scores
    cross join cutoffs

)

select * from final
