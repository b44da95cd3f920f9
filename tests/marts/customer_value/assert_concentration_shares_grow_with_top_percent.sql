-- Within each group a larger top percent never holds a smaller revenue share or fewer
-- customers; the top customers are the highest spenders, so their mean revenue is at least the
-- group's (top_revenue / top_customers >= revenue / customers); and the 'all' group's revenue
-- is customer_rfm's total monetary, as is the sum over countries and the sum over RFM segments
-- (every customer is in exactly one of each).

with

concentration as (

    select * from {{ ref('customer_value_concentration') }}

),

customers as (

    select * from {{ ref('customer_rfm') }}

),

stepped as (

    select
        dimension,
        dimension_value,
        top_percent,
        top_customers,
        revenue_share,
        lag(top_customers) over (
            partition by dimension, dimension_value order by top_percent
        ) as previous_top_customers,
        lag(revenue_share) over (
            partition by dimension, dimension_value order by top_percent
        ) as previous_revenue_share
    from concentration

),

totals as (

    select cast(sum(monetary) as decimal(18, 2)) as monetary
    from customers

),

dimension_totals as (

    select
        dimension,
        sum(revenue) as revenue
    from concentration
    where top_percent = 1
    group by dimension

)

select
    stepped.dimension,
    stepped.dimension_value,
    stepped.top_percent
from stepped
where
    stepped.top_customers < stepped.previous_top_customers
    or stepped.revenue_share < stepped.previous_revenue_share

union all

select
    dimension,
    dimension_value,
    top_percent
from concentration
where top_revenue * customers < revenue * top_customers

union all

select
    concentration.dimension,
    concentration.dimension_value,
    concentration.top_percent
from concentration
cross join totals
where
    concentration.dimension = 'all'
    and concentration.revenue <> totals.monetary

union all

select
    dimension_totals.dimension,
    'sum over the dimension' as dimension_value,
    null as top_percent
from dimension_totals
cross join totals
where dimension_totals.revenue <> totals.monetary
