{#- Reliability of every customer-value model on the evaluation window: customers split into
    deciles of predicted spend (decile_basis 'predicted_spend') and, separately, of predicted
    purchase probability ('p_purchase'); per decile, mean predicted vs actual purchase rate and
    spend. Deciles are assigned in python_ml (metrics.assign_deciles). -#}

with

scores as (

    select * from {{ ref('int_customers_scored_for_backtest') }}

),

by_basis as (

    select
        model_name,
        'predicted_spend' as decile_basis,
        spend_decile as decile,
        p_purchase,
        predicted_spend,
        actual_purchased,
        actual_spend
    from scores

    union all

    select
        model_name,
        'p_purchase' as decile_basis,
        probability_decile as decile,
        p_purchase,
        predicted_spend,
        actual_purchased,
        actual_spend
    from scores

),

final as (

    select
        model_name,
        decile_basis,
        cast(decile as integer) as decile,
        cast(count(*) as bigint) as customers,
        -- Rounded so a parallel float sum cannot change the last digits between runs.
        round(avg(p_purchase), 6) as predicted_purchase_rate,
        round(avg(actual_purchased), 6) as actual_purchase_rate,
        cast(avg(predicted_spend) as decimal(18, 2)) as avg_predicted_spend,
        cast(avg(actual_spend) as decimal(18, 2)) as avg_actual_spend,
        cast(sum(predicted_spend) as decimal(18, 2)) as total_predicted_spend,
        cast(sum(actual_spend) as decimal(18, 2)) as total_actual_spend

    from by_basis
    group by model_name, decile_basis, decile

)

select * from final
