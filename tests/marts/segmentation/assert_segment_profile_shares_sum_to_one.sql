-- Within each segmentation (rfm_segment, cluster), shares of customers and of revenue sum to 1
-- and the customers add up to customer_rfm: returns each segmentation that does not.

with

profiles as (

    select * from {{ ref('segment_profiles') }}

),

customer_rfm as (

    select * from {{ ref('customer_rfm') }}

),

all_customers as (

    select count(*) as customers
    from customer_rfm

),

totals as (

    select
        segmentation,
        sum(customers) as customers,
        sum(share_of_customers) as share_of_customers,
        sum(share_of_revenue) as share_of_revenue
    from profiles
    group by segmentation

),

final as (

    select
        totals.segmentation,
        totals.customers,
        totals.share_of_customers,
        totals.share_of_revenue
    from totals
    cross join all_customers
    where
        totals.customers <> all_customers.customers
        or abs(totals.share_of_customers - 1) > 1e-9
        or abs(totals.share_of_revenue - 1) > 1e-9

)

select * from final
