{#- One row per monthly acquisition cohort (month of first purchase) × month since first
    purchase, from month 0 to the month before as_of_date: how many of the cohort bought, the
    cohort's net product revenue that month and cumulatively per cohort customer. Months without
    activity are zero rows, so every cohort has every month up to as_of_date. A customer's
    months before the cohort month (cancellations of purchases from before the data starts) are
    in no cohort month. -#}

with

customers as (

    select * from {{ ref('dim_customers') }}
    where has_purchased

),

customer_months as (

    select * from {{ ref('int_customer_lines_aggregated_to_months') }}

),

as_of as (

    select {{ as_of_date() }} as as_of_date

),

calendar as (

    select * from {{ ref('int_calendar') }}

),

months as (

    -- The calendar ends the day before as_of_date, so this is every month up to as_of_date.
    select distinct
        calendar.month_start_date as activity_month,
        as_of.as_of_date
    from calendar
    cross join as_of

),

cohorts as (

    select
        cohort_month,
        count(*) as cohort_customers
    from customers
    group by cohort_month

),

cohort_activity as (

    select
        customers.cohort_month,
        customer_months.activity_month,
        sum(case when customer_months.is_active then 1 else 0 end) as customers_active,
        sum(customer_months.net_revenue) as revenue
    from customer_months
    inner join customers
        on customer_months.customer_id = customers.customer_id
    group by customers.cohort_month, customer_months.activity_month

),

cohort_grid as (

    -- Every cohort × every month from its first to the last month before as_of_date.
    select
        cohorts.cohort_month,
        cohorts.cohort_customers,
        months.activity_month,
        months.as_of_date
    from cohorts
    inner join months
        on cohorts.cohort_month <= months.activity_month

),

filled as (

    select
        cohort_grid.cohort_month,
        cohort_grid.activity_month,
        cohort_grid.cohort_customers,
        cohort_grid.as_of_date,
        coalesce(cohort_activity.customers_active, 0) as customers_active,
        coalesce(cohort_activity.revenue, 0) as revenue

    from cohort_grid
    left join cohort_activity
        on
            cohort_grid.cohort_month = cohort_activity.cohort_month
            and cohort_grid.activity_month = cohort_activity.activity_month

),

final as (

    select
        cohort_month,
        cast(
            (extract(year from activity_month) - extract(year from cohort_month)) * 12
            + extract(month from activity_month) - extract(month from cohort_month)
            as integer
        ) as months_since_first_purchase,
        activity_month,
        cast({{ dbt.dateadd('month', 1, 'activity_month') }} as date) <= as_of_date as is_complete_month,
        cast(cohort_customers as bigint) as cohort_customers,
        cast(customers_active as bigint) as customers_active,
        cast(customers_active * 1.0 / cohort_customers as decimal(18, 4)) as retention_rate,
        cast(revenue as decimal(18, 2)) as revenue,
        cast(
            sum(revenue) over (partition by cohort_month order by activity_month rows unbounded preceding)
            as decimal(18, 2)
        ) as cumulative_revenue,
        cast(
            sum(revenue) over (partition by cohort_month order by activity_month rows unbounded preceding)
            / cohort_customers as decimal(18, 2)
        ) as cumulative_revenue_per_customer

    from filled

)

select * from final
