"""Baseline: the engine's floor for the customer RFM and daily product sales marts.

One hand-written DuckDB script that reads the order-line files once - typing, validating,
classifying and de-duplicating each line in that one scan into a temporary table - and
aggregates both marts from it. It keeps the warehouse's rules (so the result equals
marts.customer_rfm and marts.fct_daily_product_sales) but none of its bookkeeping: no rejected-
lines table, no line keys, no intermediate tables, no tests. The benchmark compares the SQL
layer's time for the same two marts with this one: how close dbt's layered models come to what
the engine can do in one go.

    python -m benchmarks.single_pass --lines 'data/lines/*.csv' --out floor.duckdb
prints {"seconds": ..., "customer_rfm": rows, "fct_daily_product_sales": rows} as JSON.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb

REPO_ROOT = Path(__file__).resolve().parents[1]
NON_PRODUCT_CODES = REPO_ROOT / "seeds" / "non_product_stock_codes.csv"

ORDER_LINES = """
create temp table order_lines as
with raw as (
    select
        nullif(trim(InvoiceNo), '') as invoice_no,
        nullif(trim(StockCode), '') as stock_code,
        nullif(trim(Description), '') as description,
        try_cast(nullif(trim(Quantity), '') as bigint) as quantity,
        try_cast(nullif(trim(UnitPrice), '') as decimal(18, 3)) as unit_price,
        coalesce(
            try_cast(nullif(trim(InvoiceDate), '') as timestamp),
            try_strptime(nullif(trim(InvoiceDate), ''), '%m/%d/%Y %H:%M')
        ) as invoiced_at,
        nullif(trim(CustomerID), '') as customer_text,
        coalesce(nullif(trim(Country), ''), 'Unspecified') as country
    from read_csv($lines, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')
),
valid as (
    select distinct
        invoice_no,
        stock_code,
        description,
        quantity,
        unit_price,
        invoiced_at,
        case
            when try_cast(customer_text as decimal(38, 6)) = floor(try_cast(customer_text as decimal(38, 6)))
                then cast(cast(try_cast(customer_text as decimal(38, 6)) as bigint) as varchar)
            else customer_text
        end as customer_id,
        country
    from raw
    where
        invoice_no is not null and stock_code is not null and quantity is not null
        and unit_price is not null and invoiced_at is not null
        and invoiced_at >= timestamp '1990-01-01' and invoiced_at <= now() + interval 1 day
        and quantity <> 0 and abs(quantity) <= 1000000
        and not (unit_price < 0 and invoice_no not like 'A%')
),
non_product as (
    select distinct valid.stock_code
    from (select distinct stock_code from valid) as valid
    inner join read_csv($codes, header = true, all_varchar = true) as codes
        on (codes.match_type = 'exact' and upper(valid.stock_code) = upper(codes.stock_code))
        or (codes.match_type = 'prefix' and starts_with(upper(valid.stock_code), upper(codes.stock_code)))
)
select
    valid.invoice_no,
    valid.stock_code,
    valid.customer_id,
    valid.country,
    cast(valid.invoiced_at as date) as invoice_date,
    valid.quantity,
    valid.quantity * valid.unit_price as line_revenue,
    case
        when valid.invoice_no like 'A%' then 'adjustment'
        when non_product.stock_code is not null then 'non_product'
        when valid.invoice_no like 'C%' then 'cancellation'
        when valid.unit_price = 0 then 'zero_price'
        when valid.quantity < 0 then 'return'
        else 'sale'
    end as line_type
from valid
left join non_product on valid.stock_code = non_product.stock_code
"""

CUSTOMER_RFM = """
create or replace table customer_rfm as
with as_of as (select max(invoice_date) + 1 as as_of_date from order_lines),
lines as (
    select order_lines.* from order_lines, as_of
    where customer_id is not null and invoice_date < as_of.as_of_date
),
home_country as (
    select customer_id, arg_max(country, (lines, country_order)) as country
    from (
        select customer_id, country, count(*) as lines, -rank() over (order by country) as country_order
        from lines group by customer_id, country
    ) as countries
    group by customer_id
),
customers as (
    select
        customer_id,
        min(invoice_date) filter (line_type = 'sale') as first_order_date,
        max(invoice_date) filter (line_type = 'sale') as last_order_date,
        count(distinct invoice_no) filter (line_type = 'sale') as frequency,
        count(distinct stock_code) filter (line_type = 'sale') as distinct_products,
        coalesce(sum(line_revenue) filter (line_type = 'sale'), 0) as gross,
        coalesce(-sum(line_revenue) filter (line_type in ('cancellation', 'return')), 0) as returned
    from lines
    group by customer_id
    having count(*) filter (line_type = 'sale') > 0
)
select
    customers.customer_id,
    as_of.as_of_date,
    home_country.country,
    customers.first_order_date,
    customers.last_order_date,
    as_of.as_of_date - customers.last_order_date as recency_days,
    customers.frequency,
    cast(customers.gross - customers.returned as decimal(18, 2)) as monetary,
    cast(customers.gross as decimal(18, 2)) as gross_revenue,
    cast(customers.returned as decimal(18, 2)) as returned_revenue,
    as_of.as_of_date - customers.first_order_date as tenure_days,
    cast(cast(customers.gross - customers.returned as decimal(18, 2)) / customers.frequency as decimal(18, 2))
        as avg_order_value,
    case when customers.frequency > 1 then cast(
        (customers.last_order_date - customers.first_order_date) / (customers.frequency - 1.0) as decimal(18, 2)
    ) end as avg_days_between_orders,
    customers.distinct_products,
    cast(case when customers.gross > 0 then least(customers.returned / customers.gross, 1) else 0 end
        as decimal(18, 4)) as return_rate
from customers
inner join home_country on customers.customer_id = home_country.customer_id
cross join as_of
"""

DAILY_PRODUCT_SALES = """
create or replace table fct_daily_product_sales as
with as_of as (select min(invoice_date) as first_date, max(invoice_date) + 1 as as_of_date from order_lines),
trading_days as (select distinct invoice_date from order_lines),
product_days as (
    select
        stock_code,
        invoice_date as sales_date,
        count(*) as lines,
        coalesce(sum(quantity) filter (line_type = 'sale'), 0) as quantity,
        coalesce(-sum(quantity) filter (line_type <> 'sale'), 0) as returned_quantity,
        sum(line_revenue) as net_revenue,
        count(distinct invoice_no) filter (line_type = 'sale') as orders,
        count(distinct customer_id) filter (line_type = 'sale') as customers
    from order_lines, as_of
    where line_type in ('sale', 'cancellation', 'return') and invoice_date < as_of.as_of_date
    group by stock_code, invoice_date
),
product_life as (
    select stock_code, min(sales_date) as first_line, max(sales_date) as last_line
    from product_days group by stock_code
),
grid as (
    select product_life.stock_code, cast(unnest(generate_series(first_line, last_line, interval 1 day)) as date)
        as sales_date
    from product_life
)
select
    grid.stock_code,
    grid.sales_date,
    isodow(grid.sales_date) as iso_day_of_week,
    trading_days.invoice_date is not null as is_trading_day,
    coalesce(product_days.lines, 0) as lines,
    cast(coalesce(product_days.quantity, 0) as bigint) as quantity,
    cast(coalesce(product_days.returned_quantity, 0) as bigint) as returned_quantity,
    cast(coalesce(product_days.net_revenue, 0) as decimal(18, 2)) as net_revenue,
    coalesce(product_days.orders, 0) as orders,
    coalesce(product_days.customers, 0) as customers
from grid
left join product_days on grid.stock_code = product_days.stock_code and grid.sales_date = product_days.sales_date
left join trading_days on grid.sales_date = trading_days.invoice_date
"""


def build_marts(con: duckdb.DuckDBPyConnection, pattern: str) -> None:
    """Create customer_rfm and fct_daily_product_sales in con from the files matching pattern."""
    con.execute(ORDER_LINES, {"lines": pattern, "codes": str(NON_PRODUCT_CODES)})
    con.execute(CUSTOMER_RFM)
    con.execute(DAILY_PRODUCT_SALES)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", required=True, help="glob of order-line CSV files")
    parser.add_argument("--out", type=Path, required=True, help="DuckDB file to write both results into")
    args = parser.parse_args(argv)
    with duckdb.connect(str(args.out)) as con:
        started = time.perf_counter()
        build_marts(con, args.lines)
        seconds = time.perf_counter() - started
        counts = {
            table: con.execute(f"select count(*) from {table}").fetchall()[0][0]
            for table in ("customer_rfm", "fct_daily_product_sales")
        }
    print(json.dumps({"seconds": seconds, **counts}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
