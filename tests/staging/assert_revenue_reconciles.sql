-- The revenue of the input (quantity × unit price over every line whose numbers parse) equals
-- the staged revenue plus the revenue of the rejected lines, to the thousandth.

with

input_revenue as (

    select
        sum(
            {{ try_cast_to('trim(quantity)', api.Column.translate_type('bigint')) }}
            * {{ try_cast_to('trim(unit_price)', 'decimal(18, 3)') }}
        ) as revenue
    from {{ source('online_retail', 'raw_order_lines') }}

),

staged_revenue as (

    select sum(line_revenue) as revenue
    from {{ ref('stg_online_retail__order_lines') }}

),

rejected_revenue as (

    select coalesce(sum(line_revenue), 0) as revenue
    from {{ ref('rejected_order_lines') }}

),

final as (

    select
        input_revenue.revenue as input_revenue,
        staged_revenue.revenue as staged_revenue,
        rejected_revenue.revenue as rejected_revenue
    from input_revenue
    cross join staged_revenue
    cross join rejected_revenue

)

select *
from final
where input_revenue <> staged_revenue + rejected_revenue
