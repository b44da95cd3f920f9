-- Within each segmentation (rfm_segment, cluster), shares of customers and of revenue sum to 1,
-- the customers and revenue add up to customer_rfm's, and each segment's shares are its
-- customers and revenue over customer_rfm's: returns each segmentation that does not.

with

profiles as (

    select * from {{ ref('segment_profiles') }}

),

customer_rfm as (

    select * from {{ ref('customer_rfm') }}

),

all_customers as (

    select
        count(*) as customers,
        sum(monetary) as revenue
    from customer_rfm

),

segment_share_errors as (

    select
        profiles.segmentation,
        max(abs(profiles.share_of_customers - profiles.customers * 1.0 / all_customers.customers))
            as share_of_customers_error,
        max(abs(profiles.share_of_revenue - profiles.revenue * 1.0 / all_customers.revenue))
            as share_of_revenue_error
    from profiles
    cross join all_customers
    group by profiles.segmentation

),

totals as (

    select
        segmentation,
        sum(customers) as customers,
        sum(revenue) as revenue,
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
    inner join segment_share_errors
        on totals.segmentation = segment_share_errors.segmentation
    cross join all_customers
    where
        totals.customers <> all_customers.customers
        or totals.revenue <> all_customers.revenue
        or abs(totals.share_of_customers - 1) > 1e-9
        or abs(totals.share_of_revenue - 1) > 1e-9
        or segment_share_errors.share_of_customers_error > 1e-9
        or segment_share_errors.share_of_revenue_error > 1e-9

)

select * from final
