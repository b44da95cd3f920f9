with

order_lines as {{ not_materialized() }} (

    select * from {{ ref('stg_online_retail__order_lines') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

description_last_seen as (

    -- Collapsed to one row per description before ranking: a product has a handful of
    -- descriptions but can have millions of lines.
    select
        stock_code,
        description,
        max(invoiced_at) as last_invoiced_at
    from order_lines
    where description is not null
    group by stock_code, description

),

descriptions_ranked as (

    -- The current description is the one on the latest line that has one; descriptions
    -- change over time for the same stock code.
    select
        stock_code,
        description,
        row_number() over (
            partition by stock_code
            order by last_invoiced_at desc, description asc
        ) as recency_rank
    from description_last_seen

),

sales as (

    select
        stock_code,
        min(case when line_type = 'sale' then invoice_date end) as first_sold_date,
        max(case when line_type = 'sale' then invoice_date end) as last_sold_date,
        min(case when line_type = 'sale' then unit_price end) as min_unit_price,
        max(case when line_type = 'sale' then unit_price end) as max_unit_price,
        avg(case when line_type = 'sale' then unit_price end) as avg_unit_price,
        cast(coalesce(sum(case when line_type = 'sale' then quantity end), 0) as bigint) as quantity_sold,
        count(case when line_type = 'sale' then 1 end) as sale_lines,
        sum(case when is_product_line then line_revenue else 0 end) as net_revenue,
        max(case when line_type in ('non_product', 'adjustment') then 1 else 0 end) = 0 as is_product,
        count(*) as lines

    from order_lines
    group by stock_code

),

invoices_with_repeated_codes as (

    -- A code's orders are its sale lines, less the extra lines it has on an invoice that lists
    -- it more than once: only invoices with more lines than codes can have those (483 of 515,068
    -- at 10M synthetic lines). Grouping every sale line by code and invoice instead took 0.77 s
    -- of the model's 1.3 s at 10M lines; this takes 0.07 s.
    select invoice_no
    from orders
    where lines > distinct_products

),

repeated_sale_lines as (

    select
        stock_code,
        invoice_no,
        count(*) - 1 as extra_lines
    from order_lines
    where
        line_type = 'sale'
        and invoice_no in (select invoices_with_repeated_codes.invoice_no from invoices_with_repeated_codes)
    group by stock_code, invoice_no
    having count(*) > 1

),

extra_sale_lines as (

    select
        stock_code,
        sum(extra_lines) as extra_lines
    from repeated_sale_lines
    group by stock_code

),

sale_prices as (

    -- The median from one row per product and price, not percentile_cont over the lines: at
    -- 100M lines, that ordered-set aggregate beside the cutoff features (under the 7 GB cap)
    -- made the two spill 28 GB in 98 s, and 52 GB in a benchmark build, filling the disk; each
    -- alone spilled nothing.
    select
        stock_code,
        unit_price,
        count(*) as sale_lines
    from order_lines
    where line_type = 'sale'
    group by stock_code, unit_price

),

sale_prices_positioned as (

    -- Each price covers positions [lines_up_to - sale_lines, lines_up_to) of the product's sale
    -- lines sorted by price (0-based).
    select
        stock_code,
        unit_price,
        sale_lines,
        sum(sale_lines) over (
            partition by stock_code
            order by unit_price
            rows between unbounded preceding and current row
        ) as lines_up_to,
        sum(sale_lines) over (partition by stock_code) as product_sale_lines
    from sale_prices

),

median_prices as (

    -- percentile_cont(0.5): the mean of the prices at positions floor((n - 1) / 2) and
    -- floor(n / 2), one position or two neighbours, so the prices covering them are those whose
    -- range meets [floor((n - 1) / 2), floor(n / 2)].
    select
        stock_code,
        avg(unit_price) as median_unit_price
    from sale_prices_positioned
    where
        lines_up_to - sale_lines <= floor(product_sale_lines / 2.0)
        and lines_up_to > floor((product_sale_lines - 1) / 2.0)
    group by stock_code

),

final as (

    select
        sales.stock_code,
        descriptions_ranked.description,
        sales.is_product,
        sales.first_sold_date,
        sales.last_sold_date,
        cast(sales.min_unit_price as decimal(18, 3)) as min_unit_price,
        cast(median_prices.median_unit_price as decimal(18, 3)) as median_unit_price,
        cast(sales.avg_unit_price as decimal(18, 3)) as avg_unit_price,
        cast(sales.max_unit_price as decimal(18, 3)) as max_unit_price,
        sales.quantity_sold,
        cast(sales.sale_lines - coalesce(extra_sale_lines.extra_lines, 0) as bigint) as orders,
        cast(sales.net_revenue as decimal(18, 2)) as net_revenue,
        sales.lines

    from sales
    left join extra_sale_lines
        on sales.stock_code = extra_sale_lines.stock_code
    left join median_prices
        on sales.stock_code = median_prices.stock_code
    left join descriptions_ranked
        on
            sales.stock_code = descriptions_ranked.stock_code
            and descriptions_ranked.recency_rank = 1

)

select * from final
