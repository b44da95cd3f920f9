{#- One row per customer × cutoff that has a complete holdout window (training, evaluation), for
    every customer in that cutoff's feature population: what they did in the holdout_days from the
    cutoff — the targets the models learn and are scored on. Zero when they did nothing. -#}

with

order_lines as (

    select * from {{ ref('stg_online_retail__order_lines') }}
    where
        customer_id is not null
        and is_product_line

),

cutoffs as (

    select * from {{ ref('int_cutoffs_derived_from_as_of_date') }}
    where has_targets

),

population as (

    select * from {{ ref('int_customer_lines_aggregated_to_cutoffs') }}

),

window_totals as (

    select
        cutoffs.cutoff_name,
        order_lines.customer_id,
        count(distinct case when order_lines.line_type = 'sale' then order_lines.invoice_no end)
            as holdout_orders,
        sum(order_lines.line_revenue) as holdout_net_revenue

    from order_lines
    inner join cutoffs
        on
            order_lines.invoice_date >= cutoffs.cutoff_date
            and order_lines.invoice_date < cutoffs.window_end_date
    group by cutoffs.cutoff_name, order_lines.customer_id

),

final as (

    select
        population.cutoff_name,
        population.customer_id,
        cutoffs.cutoff_date,
        cutoffs.window_end_date,
        coalesce(window_totals.holdout_orders, 0) as holdout_orders,
        coalesce(window_totals.holdout_orders, 0) > 0 as holdout_purchased,
        -- Spend is net product revenue in the window, floored at 0: a window of returns only is
        -- no spend, not negative value.
        cast(greatest(coalesce(window_totals.holdout_net_revenue, 0), 0) as decimal(18, 2)) as holdout_spend,
        cast(coalesce(window_totals.holdout_net_revenue, 0) as decimal(18, 2)) as holdout_net_revenue

    from population
    inner join cutoffs
        on population.cutoff_name = cutoffs.cutoff_name
    left join window_totals
        on
            population.cutoff_name = window_totals.cutoff_name
            and population.customer_id = window_totals.customer_id

)

select * from final
