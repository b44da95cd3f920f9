-- customer_value_predictions has exactly the customers of customer_rfm (every customer with a
-- purchase before as_of_date), and expected orders are never below the purchase probability.

with

predictions as (

    select * from {{ ref('customer_value_predictions') }}

),

customers as (

    select * from {{ ref('customer_rfm') }}

)

select
    coalesce(predictions.customer_id, customers.customer_id) as customer_id,
    predictions.customer_id is null as missing_prediction,
    customers.customer_id is null as unknown_customer,
    predictions.p_purchase,
    predictions.expected_orders
from predictions
full outer join customers
    on predictions.customer_id = customers.customer_id
where
    predictions.customer_id is null
    or customers.customer_id is null
    or predictions.expected_orders < predictions.p_purchase
