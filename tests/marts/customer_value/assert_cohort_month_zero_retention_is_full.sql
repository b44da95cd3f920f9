-- In its acquisition month (months_since_first_purchase = 0) every cohort customer bought, so
-- retention is exactly 100 %, and the cohorts together hold every customer of customer_rfm.

with

cohorts as (

    select * from {{ ref('cohort_retention') }}
    where months_since_first_purchase = 0

),

customers as (

    select * from {{ ref('customer_rfm') }}

),

cohort_totals as (

    select sum(cohort_customers) as cohort_customers
    from cohorts

),

customer_totals as (

    select count(*) as customers
    from customers

)

select
    'month 0 not full' as failure,
    cast(cohorts.cohort_month as varchar) as detail
from cohorts
where
    cohorts.retention_rate <> 1
    or cohorts.customers_active <> cohorts.cohort_customers

union all

select
    'cohorts do not cover customer_rfm' as failure,
    cast(cohort_totals.cohort_customers as varchar) as detail
from cohort_totals
cross join customer_totals
where cohort_totals.cohort_customers <> customer_totals.customers
