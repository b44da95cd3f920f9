{#- One row per customer × cutoff for every customer with a purchase before the cutoff: RFM and
    behavioural features computed ONLY from lines dated before the cutoff (the leak guard is the
    `invoice_date < cutoff_date` join condition), plus R/F/M quintile scores within the cutoff. -#}

with

order_lines as (

    select * from {{ ref('stg_online_retail__order_lines') }}
    where
        customer_id is not null
        and is_product_line

),

cutoffs as (

    select * from {{ ref('int_cutoffs_derived_from_as_of_date') }}

),

lines_before_cutoff as (

    select
        cutoffs.cutoff_name,
        cutoffs.cutoff_date,
        order_lines.customer_id,
        order_lines.invoice_no,
        order_lines.invoice_date,
        order_lines.stock_code,
        order_lines.line_type,
        order_lines.quantity,
        order_lines.line_revenue,
        -- The latest holdout-length window before the cutoff, and the one before it.
        {{ days_between('order_lines.invoice_date', 'cutoffs.cutoff_date') }}
        <= {{ var('holdout_days') }} as is_in_last_window,
        {{ days_between('order_lines.invoice_date', 'cutoffs.cutoff_date') }}
        > {{ var('holdout_days') }}
        and {{ days_between('order_lines.invoice_date', 'cutoffs.cutoff_date') }}
        <= 2 * {{ var('holdout_days') }} as is_in_previous_window

    from order_lines
    inner join cutoffs
        on order_lines.invoice_date < cutoffs.cutoff_date

),

customer_cutoff_totals as (

    select
        cutoff_name,
        cutoff_date,
        customer_id,
        min(case when line_type = 'sale' then invoice_date end) as first_order_date,
        max(case when line_type = 'sale' then invoice_date end) as last_order_date,
        count(distinct case when line_type = 'sale' then invoice_no end) as frequency,
        count(distinct case when line_type = 'sale' then invoice_date end) as purchase_days,
        count(distinct case when line_type = 'sale' then stock_code end) as distinct_products,
        cast(coalesce(sum(case when line_type = 'sale' then quantity end), 0) as bigint) as items_bought,
        coalesce(sum(case when line_type = 'sale' then line_revenue end), 0) as gross_revenue,
        coalesce(-sum(case when line_type <> 'sale' then line_revenue end), 0) as returned_revenue,
        count(distinct case when line_type = 'sale' and is_in_last_window then invoice_no end)
            as orders_last_window,
        coalesce(sum(case when is_in_last_window then line_revenue end), 0) as net_revenue_last_window,
        count(distinct case when line_type = 'sale' and is_in_previous_window then invoice_no end)
            as orders_previous_window,
        coalesce(sum(case when is_in_previous_window then line_revenue end), 0)
            as net_revenue_previous_window

    from lines_before_cutoff
    group by cutoff_name, cutoff_date, customer_id

),

purchasers as (

    select
        cutoff_name,
        cutoff_date,
        customer_id,
        first_order_date,
        last_order_date,
        {{ days_between('last_order_date', 'cutoff_date') }} as recency_days,
        {{ days_between('first_order_date', 'cutoff_date') }} as tenure_days,
        {{ days_between('first_order_date', 'last_order_date') }} as active_span_days,
        frequency,
        purchase_days,
        distinct_products,
        items_bought,
        cast(gross_revenue as decimal(18, 2)) as gross_revenue,
        cast(returned_revenue as decimal(18, 2)) as returned_revenue,
        cast(gross_revenue - returned_revenue as decimal(18, 2)) as monetary,
        cast((gross_revenue - returned_revenue) / frequency as decimal(18, 2)) as avg_order_value,
        case
            when frequency > 1
                then cast(
                        {{ days_between('first_order_date', 'last_order_date') }}
                        / (frequency - 1.0) as decimal(18, 2)
                    )
        end as avg_days_between_orders,
        -- Returns of purchases made before the data starts can exceed the purchases seen.
        cast(
            case when gross_revenue > 0 then least(returned_revenue / gross_revenue, 1) else 0 end
            as decimal(18, 4)
        ) as return_rate,
        orders_last_window,
        cast(net_revenue_last_window as decimal(18, 2)) as net_revenue_last_window,
        orders_previous_window,
        cast(net_revenue_previous_window as decimal(18, 2)) as net_revenue_previous_window

    from customer_cutoff_totals
    where frequency > 0

),

scored as (

    -- Quintile scores within each cutoff, 5 = best (most recent, most frequent, highest value);
    -- customer_id breaks ties so the scores are deterministic.
    select
        *,
        ntile(5) over (partition by cutoff_name order by recency_days desc, customer_id asc) as r_score,
        ntile(5) over (partition by cutoff_name order by frequency asc, customer_id asc) as f_score,
        ntile(5) over (partition by cutoff_name order by monetary asc, customer_id asc) as m_score

    from purchasers

),

final as (

    select
        cutoff_name,
        cutoff_date,
        customer_id,
        first_order_date,
        last_order_date,
        recency_days,
        tenure_days,
        active_span_days,
        frequency,
        purchase_days,
        monetary,
        gross_revenue,
        returned_revenue,
        avg_order_value,
        avg_days_between_orders,
        distinct_products,
        items_bought,
        return_rate,
        orders_last_window,
        net_revenue_last_window,
        orders_previous_window,
        net_revenue_previous_window,
        cast(r_score as integer) as r_score,
        cast(f_score as integer) as f_score,
        cast(m_score as integer) as m_score

    from scored

)

select * from final
