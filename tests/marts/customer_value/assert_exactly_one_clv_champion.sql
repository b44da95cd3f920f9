-- The customer-value backtest names exactly one champion, the model whose predictions
-- customer_value_predictions publishes: returns the count of champions when it is not 1.

with

backtest as (

    select * from {{ ref('clv_backtest_metrics') }}

),

final as (

    select count(*) as champions
    from backtest
    where is_champion

)

select * from final
where champions <> 1
