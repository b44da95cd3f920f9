-- Holdout orders equal an independent recount from fct_orders of the customer's purchase
-- invoices dated within [cutoff_date, window_end_date), and no window reaches past as_of_date.

with

targets as (

    select * from {{ ref('int_customer_lines_aggregated_to_holdout_windows') }}

),

cutoffs as (

    select * from {{ ref('int_cutoffs_derived_from_as_of_date') }}

),

orders as (

    select * from {{ ref('fct_orders') }}
    where
        is_purchase
        and customer_id is not null

),

recounted as (

    select
        targets.cutoff_name,
        targets.customer_id,
        count(orders.invoice_no) as holdout_orders
    from targets
    left join orders
        on
            targets.customer_id = orders.customer_id
            and targets.cutoff_date <= orders.invoice_date
            and targets.window_end_date > orders.invoice_date
    group by targets.cutoff_name, targets.customer_id

)

select
    targets.cutoff_name,
    targets.customer_id,
    targets.holdout_orders,
    recounted.holdout_orders as recounted_holdout_orders
from targets
inner join recounted
    on
        targets.cutoff_name = recounted.cutoff_name
        and targets.customer_id = recounted.customer_id
inner join cutoffs
    on targets.cutoff_name = cutoffs.cutoff_name
where
    targets.holdout_orders <> recounted.holdout_orders
    or targets.window_end_date > cutoffs.as_of_date
