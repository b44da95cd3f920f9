"""Baseline: the customer RFM mart and the daily product sales mart in plain pandas.

This is what the notebook projects the warehouse replaces do: read every daily CSV into one
DataFrame, clean it, group by. It follows the warehouse's rules (the validation and duplicate
rules of staging, the line types, as_of_date = the day after the latest line) so that its output
can be checked against marts.customer_rfm and marts.fct_daily_product_sales; the benchmark
times it on the same files. It is a yardstick, not product code.

    python -m benchmarks.pandas_baseline --lines 'data/lines/*.csv' --out baseline.duckdb
prints {"seconds": ..., "customer_rfm": rows, "fct_daily_product_sales": rows} as JSON.
"""

from __future__ import annotations

import argparse
import glob
import json
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[1]
NON_PRODUCT_CODES = REPO_ROOT / "seeds" / "non_product_stock_codes.csv"
MAX_ABS_QUANTITY = 1_000_000
MIN_INVOICE_DATE = pd.Timestamp("1990-01-01")
BUSINESS_COLUMNS = [
    "invoice_no", "stock_code", "description", "quantity", "unit_price", "invoiced_at", "customer_id", "country",
]
RAW_NAMES = {
    "InvoiceNo": "invoice_no", "StockCode": "stock_code", "Description": "description", "Quantity": "quantity",
    "InvoiceDate": "invoice_date", "UnitPrice": "unit_price", "CustomerID": "customer_id", "Country": "country",
}


def read_order_lines(pattern: str) -> pd.DataFrame:
    """Every file matching pattern (UCI Online Retail columns) as one frame of text columns,
    empty values as missing, in file order."""
    frames = [
        pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""]) for path in sorted(glob.glob(pattern))
    ]
    return pd.concat(frames, ignore_index=True).rename(columns=RAW_NAMES)


def _normalise_customer_ids(text: pd.Series) -> pd.Series:
    """'17850.0' -> '17850'; non-numeric ids are kept as text; missing stays missing."""
    number = pd.to_numeric(text, errors="coerce")
    integral = number.notna() & (number == np.floor(number))
    ids = text.astype(object).copy()
    ids[integral] = number[integral].astype("int64").astype(str)
    return ids


def _is_non_product(stock_code: pd.Series) -> pd.Series:
    """Whether each code is in the non-product list, in any case (as staging matches it)."""
    codes = pd.read_csv(NON_PRODUCT_CODES, dtype=str)
    exact = set(codes.loc[codes["match_type"] == "exact", "stock_code"].str.upper())
    prefixes = tuple(codes.loc[codes["match_type"] == "prefix", "stock_code"].str.upper())
    upper = stock_code.str.upper()
    return upper.isin(exact) | upper.str.startswith(prefixes)


def stage_order_lines(raw: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    """Typed, valid, de-duplicated lines with line_type, line_revenue and invoice_date."""
    lines = raw.apply(lambda column: column.str.strip()).replace("", np.nan)
    lines["country"] = lines["country"].fillna("Unspecified")
    lines["quantity"] = pd.to_numeric(lines["quantity"], errors="coerce")
    lines["unit_price"] = pd.to_numeric(lines["unit_price"], errors="coerce").round(3)
    invoiced_at = pd.to_datetime(lines["invoice_date"], format="ISO8601", errors="coerce")
    us_format = pd.to_datetime(lines["invoice_date"], format="%m/%d/%Y %H:%M", errors="coerce")
    lines["invoiced_at"] = invoiced_at.fillna(us_format)
    lines["customer_id"] = _normalise_customer_ids(lines["customer_id"])
    valid = (
        lines["invoice_no"].notna()
        & lines["stock_code"].notna()
        & lines["quantity"].notna()
        & lines["unit_price"].notna()
        & lines["invoiced_at"].notna()
        & (lines["invoiced_at"] >= MIN_INVOICE_DATE)
        & (lines["invoiced_at"] <= now + pd.Timedelta(days=1))
        & (lines["quantity"] != 0)
        & (lines["quantity"].abs() <= MAX_ABS_QUANTITY)
        & ~((lines["unit_price"] < 0) & ~lines["invoice_no"].str.startswith("A"))
    )
    lines = lines[valid].drop_duplicates(subset=BUSINESS_COLUMNS, keep="first").copy()
    lines["quantity"] = lines["quantity"].astype("int64")
    lines["invoice_date"] = lines["invoiced_at"].dt.normalize()
    lines["line_revenue"] = lines["quantity"] * lines["unit_price"]
    line_type = np.select(
        [
            lines["invoice_no"].str.startswith("A"),
            _is_non_product(lines["stock_code"]),
            lines["invoice_no"].str.startswith("C"),
            lines["unit_price"] == 0,
            lines["quantity"] < 0,
        ],
        ["adjustment", "non_product", "cancellation", "zero_price", "return"],
        default="sale",
    )
    lines["line_type"] = line_type
    return lines[["invoice_no", "stock_code", "customer_id", "country", "invoice_date", "quantity",
                  "line_revenue", "line_type"]]


def customer_rfm(lines: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """One row per customer with a purchase before as_of: recency, frequency, monetary, …"""
    lines = lines[lines["customer_id"].notna() & (lines["invoice_date"] < as_of)]
    country = (
        lines.groupby(["customer_id", "country"]).size().rename("lines").reset_index()
        .sort_values(["customer_id", "lines", "country"], ascending=[True, False, True])
        .drop_duplicates("customer_id").set_index("customer_id")["country"]
    )
    sales = lines[lines["line_type"] == "sale"]
    returns = lines[lines["line_type"].isin(["cancellation", "return"])]
    per_customer = sales.groupby("customer_id").agg(
        first_order_date=("invoice_date", "min"),
        last_order_date=("invoice_date", "max"),
        frequency=("invoice_no", "nunique"),
        gross_revenue=("line_revenue", "sum"),
        distinct_products=("stock_code", "nunique"),
    )
    returned = -returns.groupby("customer_id")["line_revenue"].sum()
    rfm = per_customer.join(country).join(returned.rename("returned_revenue"))
    rfm["returned_revenue"] = rfm["returned_revenue"].fillna(0.0)
    rfm["monetary"] = (rfm["gross_revenue"] - rfm["returned_revenue"]).round(2)
    rfm["as_of_date"] = as_of
    rfm["recency_days"] = (as_of - rfm["last_order_date"]).dt.days
    rfm["tenure_days"] = (as_of - rfm["first_order_date"]).dt.days
    rfm["avg_order_value"] = (rfm["monetary"] / rfm["frequency"]).round(2)
    span_days = (rfm["last_order_date"] - rfm["first_order_date"]).dt.days
    rfm["avg_days_between_orders"] = (span_days / (rfm["frequency"] - 1)).where(rfm["frequency"] > 1).round(2)
    rate = (rfm["returned_revenue"] / rfm["gross_revenue"]).clip(upper=1)
    rfm["return_rate"] = rate.where(rfm["gross_revenue"] > 0, 0.0).round(4)
    rfm["gross_revenue"] = rfm["gross_revenue"].round(2)
    rfm["returned_revenue"] = rfm["returned_revenue"].round(2)
    return rfm.reset_index()[[
        "customer_id", "as_of_date", "country", "first_order_date", "last_order_date", "recency_days",
        "frequency", "monetary", "gross_revenue", "returned_revenue", "tenure_days", "avg_order_value",
        "avg_days_between_orders", "distinct_products", "return_rate",
    ]].sort_values("customer_id", ignore_index=True)


def daily_product_sales(lines: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """One row per product and day over each product's first-to-last day with a product line,
    zero-filled."""
    trading_days = set(lines["invoice_date"].unique())
    first_day = lines["invoice_date"].min()
    product_lines = lines[
        lines["line_type"].isin(["sale", "cancellation", "return"]) & (lines["invoice_date"] < as_of)
    ].copy()
    is_sale = product_lines["line_type"] == "sale"
    product_lines["sold"] = product_lines["quantity"].where(is_sale, 0)
    product_lines["returned"] = -product_lines["quantity"].where(~is_sale, 0)
    product_lines["sale_invoice"] = product_lines["invoice_no"].where(is_sale)
    product_lines["sale_customer"] = product_lines["customer_id"].where(is_sale)
    days = product_lines.groupby(["stock_code", "invoice_date"]).agg(
        lines=("sold", "size"),
        quantity=("sold", "sum"),
        returned_quantity=("returned", "sum"),
        net_revenue=("line_revenue", "sum"),
        orders=("sale_invoice", "nunique"),
        customers=("sale_customer", "nunique"),
    )
    life = days.reset_index().groupby("stock_code")["invoice_date"].agg(["min", "max"])
    calendar = pd.date_range(first_day, as_of - pd.Timedelta(days=1), freq="D")
    spans = [
        pd.DataFrame({"stock_code": code, "invoice_date": calendar[(calendar >= start) & (calendar <= end)]})
        for code, start, end in life.itertuples()
    ]
    grid = pd.concat(spans, ignore_index=True)
    daily = grid.merge(days.reset_index(), on=["stock_code", "invoice_date"], how="left")
    for column in ["lines", "quantity", "returned_quantity", "orders", "customers"]:
        daily[column] = daily[column].fillna(0).astype("int64")
    daily["net_revenue"] = daily["net_revenue"].fillna(0.0).round(2)
    daily["iso_day_of_week"] = daily["invoice_date"].dt.day_of_week + 1
    daily["is_trading_day"] = daily["invoice_date"].isin(trading_days)
    daily = daily.rename(columns={"invoice_date": "sales_date"})
    return daily[[
        "stock_code", "sales_date", "iso_day_of_week", "is_trading_day", "lines", "quantity",
        "returned_quantity", "net_revenue", "orders", "customers",
    ]].sort_values(["stock_code", "sales_date"], ignore_index=True)


def build_marts(pattern: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(customer_rfm, fct_daily_product_sales) from the order-line files matching pattern."""
    lines = stage_order_lines(read_order_lines(pattern), pd.Timestamp.now())
    as_of = lines["invoice_date"].max() + pd.Timedelta(days=1)
    return customer_rfm(lines, as_of), daily_product_sales(lines, as_of)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", required=True, help="glob of order-line CSV files")
    parser.add_argument("--out", type=Path, required=True, help="DuckDB file to write both results into")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rfm, daily = build_marts(args.lines)
    seconds = time.perf_counter() - started
    # Writing the result out is not timed: it is only there to check it against the warehouse.
    with duckdb.connect(str(args.out)) as con:
        con.register("rfm_frame", rfm)
        con.register("daily_frame", daily)
        con.execute(
            "create or replace table customer_rfm as select * replace ("
            " cast(as_of_date as date) as as_of_date, cast(first_order_date as date) as first_order_date,"
            " cast(last_order_date as date) as last_order_date) from rfm_frame"
        )
        con.execute(
            "create or replace table fct_daily_product_sales as"
            " select * replace (cast(sales_date as date) as sales_date) from daily_frame"
        )
    print(json.dumps({"seconds": seconds, "customer_rfm": len(rfm), "fct_daily_product_sales": len(daily)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
