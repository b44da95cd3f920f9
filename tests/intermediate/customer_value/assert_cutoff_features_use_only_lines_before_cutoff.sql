-- Every feature row describes only history before its cutoff: the last purchase is dated before
-- the cutoff, and frequency and last_order_date equal an independent recount from fct_orders of
-- the purchase invoices dated before the cutoff. A line on or after the cutoff leaking into the
-- features makes one of them differ.

with

features as (

    select * from {{ ref('int_customer_lines_aggregated_to_cutoffs') }}

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
        cutoffs.cutoff_name,
        orders.customer_id,
        count(*) as frequency,
        max(orders.invoice_date) as last_order_date
    from orders
    inner join cutoffs
        on orders.invoice_date < cutoffs.cutoff_date
    group by cutoffs.cutoff_name, orders.customer_id

)

select
    features.cutoff_name,
    features.customer_id,
    features.cutoff_date,
    features.frequency,
    recounted.frequency as recounted_frequency,
    features.last_order_date,
    recounted.last_order_date as recounted_last_order_date
from features
full outer join recounted
    on
        features.cutoff_name = recounted.cutoff_name
        and features.customer_id = recounted.customer_id
where
    features.customer_id is null
    or recounted.customer_id is null
    or features.last_order_date >= features.cutoff_date
    or features.first_order_date >= features.cutoff_date
    or features.frequency <> recounted.frequency
    or features.last_order_date <> recounted.last_order_date
