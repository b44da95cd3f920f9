"""The visual report: one self-contained, offline HTML file with the charts a manager expects.

`build_report(source, out)` reads a warehouse (or the published copy) read-only and writes
`report/index.html`: KPIs, RFM segments and clusters, customer value, cohort retention, products,
forecasts and data quality. Every figure has a title, the chart (inline SVG from
python_ml.svg_charts, or a small table) and a sentence under it saying what it shows. A figure
whose marts are not in the source says "not built yet" and names them instead of failing, so the
report builds from whatever exists. Nothing is fetched: no CDN, no fonts, no images.

A small inline script records any JavaScript error into `#report-errors` and stamps every chart
with its rendered width, so a headless browser's DOM dump shows whether the page rendered
cleanly (tests/python/test_report.py).

Command line: `python -m python_ml.report [--source WAREHOUSE] [--out report/index.html]`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html import escape
from pathlib import Path

import duckdb

from python_ml.svg_charts import LineSeries, bar_chart, format_number, heatmap, line_chart
from python_ml.warehouse import warehouse_path

DEFAULT_OUT = "report/index.html"
HISTORY_DAYS_SHOWN = 56
TOP_FORECAST_PRODUCTS = 3
TOP_AFFINITY_PAIRS = 12
COHORT_MONTHS_SHOWN = 12


@dataclass(frozen=True)
class Figure:
    """One figure of the report: an id (data-chart), a title, its HTML body and a caption.

    `missing` names the tables the figure needs that the source lacks; such a figure is drawn as
    a "not built yet" note and has no chart.
    """

    chart_id: str
    title: str
    body: str
    caption: str
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """A titled group of figures, with a short introduction."""

    section_id: str
    title: str
    intro: str
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class ReportSummary:
    """What a build wrote: the file, the chart ids drawn, and the figures not built yet."""

    path: Path
    charts: tuple[str, ...]
    not_built: tuple[str, ...]


class Warehouse:
    """A read-only view of the source: which tables exist, and rows as dicts of plain values."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.tables = {
            f"{schema}.{name}"
            for schema, name in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }

    def lacking(self, *tables: str) -> tuple[str, ...]:
        """The given tables ('schema.name', or a bare name for marts) that the source lacks."""
        qualified = [table if "." in table else f"marts.{table}" for table in tables]
        return tuple(table for table in qualified if table not in self.tables)

    def columns(self, table: str, schema: str = "marts") -> set[str]:
        """Column names of schema.table."""
        return {
            name
            for (name,) in self.con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                [schema, table],
            ).fetchall()
        }

    def rows(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, object]]:
        """The query's rows as dicts; decimals become floats (charts need no more precision)."""
        relation = self.con.execute(sql, list(params))
        columns = [column[0] for column in relation.description]
        return [
            {column: float(value) if isinstance(value, Decimal) else value for column, value in zip(columns, row)}
            for row in relation.fetchall()
        ]


FigureBuilder = Callable[[Warehouse], Figure]


def figure(chart_id: str, title: str, *tables: str) -> Callable[[Callable[[Warehouse], tuple[str, str]]], FigureBuilder]:
    """Turn a function that returns (body HTML, caption) into a Figure builder that first checks
    its tables: when the source lacks any, the figure says "not built yet" and names them."""

    def decorate(build: Callable[[Warehouse], tuple[str, str]]) -> FigureBuilder:
        def guarded(db: Warehouse) -> Figure:
            missing = db.lacking(*tables)
            if missing:
                return Figure(
                    chart_id,
                    title,
                    f'<p class="not-built">Not built yet: {escape(", ".join(missing))}.</p>',
                    "Build the models that produce these tables (`make build`) and re-run `make report`.",
                    missing,
                )
            body, caption = build(db)
            return Figure(chart_id, title, body, caption)

        guarded.__name__ = build.__name__
        guarded.__doc__ = build.__doc__
        return guarded

    return decorate


def html_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    chart_id: str,
    highlight: Sequence[bool] = (),
) -> str:
    """A plain HTML table with data-chart=`chart_id`; highlighted rows are bold (e.g. baselines)."""
    head = "".join(f"<th>{escape(header)}</th>" for header in headers)
    body = []
    for index, row in enumerate(rows):
        css = ' class="highlight"' if index < len(highlight) and highlight[index] else ""
        body.append(f"<tr{css}>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>")
    return (
        f'<table class="data" data-chart="{escape(chart_id)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def month_label(value: object) -> str:
    """'2011-03' for a date."""
    return value.strftime("%Y-%m") if isinstance(value, date) else str(value)


# --- KPIs -------------------------------------------------------------------------------------


@figure("kpis", "Key figures", "fct_orders", "customer_rfm")
def kpi_cards(db: Warehouse) -> tuple[str, str]:
    """KPI cards: customers, orders, revenue, AOV, repeat rate and the period."""
    orders = db.rows(
        """
        select
            count(*) filter (where is_purchase) as orders,
            sum(net_value) as revenue,
            sum(net_value) filter (where is_purchase) / nullif(count(*) filter (where is_purchase), 0) as aov,
            min(invoice_date) as first_date,
            max(invoice_date) as last_date
        from marts.fct_orders
        """
    )[0]
    customers = db.rows(
        """
        select
            count(*) as customers,
            avg(case when frequency >= 2 then 1.0 else 0.0 end) as repeat_rate,
            max(as_of_date) as as_of_date
        from marts.customer_rfm
        """
    )[0]
    cards = [
        ("Customers", format_number(customers["customers"], "integer"), "with at least one purchase"),
        ("Orders", format_number(orders["orders"], "integer"), "invoices with a sale line"),
        ("Revenue", format_number(orders["revenue"], "money"), "net of cancellations and returns"),
        ("Average order value", format_number(orders["aov"], "money"), "net value per order"),
        ("Repeat rate", format_number(customers["repeat_rate"], "percent"), "customers with 2+ orders"),
        ("Period", f"{orders['first_date']} – {orders['last_date']}", f"analysis date {customers['as_of_date']}"),
    ]
    body = '<div class="kpis" data-chart="kpis">' + "".join(
        f'<div class="kpi"><div class="kpi-label">{escape(label)}</div>'
        f'<div class="kpi-value">{escape(value)}</div><div class="kpi-note">{escape(note)}</div></div>'
        for label, value, note in cards
    ) + "</div>"
    return (
        body,
        "Customers and the repeat rate count identified customers with a purchase before the analysis "
        "date; revenue is the net value of every invoice (orders minus cancellations, returns and "
        "adjustments); the average order value is the net value of the orders that bought something.",
    )


@figure("monthly-revenue", "Net revenue by month", "fct_daily_sales")
def monthly_revenue(db: Warehouse) -> tuple[str, str]:
    """Vertical bars of net revenue per calendar month (all staged lines)."""
    rows = db.rows(
        """
        select
            date_trunc('month', sales_date) as month,
            sum(net_revenue) as revenue,
            sum(orders) as orders
        from marts.fct_daily_sales
        group by month
        order by month
        """
    )
    chart = bar_chart(
        "monthly-revenue",
        [month_label(row["month"]) for row in rows],
        [("Net revenue", [row["revenue"] for row in rows])],
        value_kind="money",
        horizontal=False,
    )
    best = max(rows, key=lambda row: row["revenue"]) if rows else None
    caption = "Revenue of all staged lines per calendar month."
    if best:
        caption += (
            f" The strongest month is {month_label(best['month'])} ({format_number(best['revenue'], 'money')});"
            " a partial first or last month shows as a short bar."
        )
    return chart, caption


# --- Segments ---------------------------------------------------------------------------------


@figure("segment-sizes", "RFM segments: share of customers and of revenue", "segment_profiles")
def segment_sizes(db: Warehouse) -> tuple[str, str]:
    """Each RFM segment's share of customers next to its share of revenue."""
    rows = db.rows(
        """
        select segment, share_of_customers, share_of_revenue
        from marts.segment_profiles
        where segmentation = 'rfm_segment'
        order by segment_order, segment
        """
    )
    chart = bar_chart(
        "segment-sizes",
        [str(row["segment"]) for row in rows],
        [
            ("Share of customers", [row["share_of_customers"] for row in rows]),
            ("Share of revenue", [row["share_of_revenue"] for row in rows]),
        ],
        value_kind="percent",
    )
    caption = "Each RFM segment's share of customers next to its share of net revenue, in playbook order."
    top = max(rows, key=lambda row: row["share_of_revenue"] or 0, default=None)
    if top:
        caption += (
            f" {top['segment']} are {format_number(top['share_of_customers'], 'percent')} of customers"
            f" and bring {format_number(top['share_of_revenue'], 'percent')} of revenue."
        )
    return chart, caption


@figure("segment-playbook", "Segment playbook", "segment_profiles", "customer_segments")
def segment_playbook(db: Warehouse) -> tuple[str, str]:
    """A table: one row per RFM segment with its typical customer and the recommended action."""
    rows = db.rows(
        """
        with actions as (
            select rfm_segment, min(segment_action) as segment_action
            from marts.customer_segments
            group by rfm_segment
        )
        select
            profiles.segment,
            profiles.customers,
            profiles.share_of_revenue,
            profiles.median_recency_days,
            profiles.median_frequency,
            profiles.median_monetary,
            actions.segment_action
        from marts.segment_profiles as profiles
        left join actions on profiles.segment = actions.rfm_segment
        where profiles.segmentation = 'rfm_segment'
        order by profiles.segment_order, profiles.segment
        """
    )
    table = html_table(
        ["segment", "customers", "revenue share", "median days since last order", "median orders",
         "median spend", "what to do"],
        [
            [
                row["segment"],
                format_number(row["customers"], "integer"),
                format_number(row["share_of_revenue"], "percent"),
                format_number(row["median_recency_days"], "integer"),
                format_number(row["median_frequency"]),
                format_number(row["median_monetary"], "money"),
                row["segment_action"] or "",
            ]
            for row in rows
        ],
        "segment-playbook",
    )
    return (
        table,
        "One row per RFM segment: how many customers, what share of revenue they bring, the typical "
        "(median) customer, and the marketing action the playbook (seed segment_playbook) recommends.",
    )


@figure("cluster-profiles", "Cluster profiles", "segment_profiles")
def cluster_profiles(db: Warehouse) -> tuple[str, str]:
    """A heatmap of the ML clusters' mean recency, frequency, spend and order value."""
    rows = db.rows(
        """
        select segment, customers, mean_recency_days, mean_frequency, mean_monetary, mean_avg_order_value
        from marts.segment_profiles
        where segmentation = 'cluster'
        order by segment_order, segment
        """
    )
    features = [
        ("mean_recency_days", "days since last order", "integer"),
        ("mean_frequency", "orders", "number"),
        ("mean_monetary", "spend", "money"),
        ("mean_avg_order_value", "order value", "money"),
    ]
    # Cells show each cluster's mean; colours compare clusters within a column (its min to max).
    scaled = []
    for column, _, _ in features:
        values = [row[column] or 0.0 for row in rows]
        low, high = min(values, default=0.0), max(values, default=0.0)
        scaled.append([(value - low) / (high - low) if high > low else 0.5 for value in values])
    labels = [[format_number(row[column], kind) for column, _, kind in features] for row in rows]
    chart = heatmap(
        "cluster-profiles",
        [f"{row['segment']} ({format_number(row['customers'], 'integer')})" for row in rows],
        [label for _, label, _ in features],
        [[scaled[f][r] for f in range(len(features))] for r in range(len(rows))],
        cell_labels=labels,
        colour_range=(0.0, 1.0),
        width=720,
    )
    return (
        chart,
        "The customer clusters the chosen clustering found (customers in brackets), with their mean "
        "recency, frequency, spend and order value. Within each column, dark is the highest among "
        "the clusters and light the lowest.",
    )


@figure("model-comparison", "Choosing the clustering", "segmentation_model_comparison")
def model_comparison(db: Warehouse) -> tuple[str, str]:
    """Silhouette, and inertia (elbow) where recorded, against k for each clustering method."""
    columns = db.columns("segmentation_model_comparison")
    elbow_column = "inertia" if "inertia" in columns else "davies_bouldin"
    rows = db.rows(
        f"""
        select method, n_clusters_requested as k, silhouette, {elbow_column} as elbow
        from marts.segmentation_model_comparison
        where n_clusters_requested is not null
        order by method, k
        """
    )
    chosen = db.rows(
        """
        select candidate_id, method, n_clusters, silhouette, reason
        from marts.segmentation_model_comparison
        where chosen
        """
    )
    ks = sorted({row["k"] for row in rows})
    methods = sorted({row["method"] for row in rows})
    by_key = {(row["method"], row["k"]): row for row in rows}

    def series(metric: str) -> list[LineSeries]:
        return [
            LineSeries(method, [by_key[(method, k)][metric] if (method, k) in by_key else None for k in ks])
            for method in methods
        ]

    labels = [str(k) for k in ks]
    elbow_title = "inertia (within-cluster spread)" if elbow_column == "inertia" else "Davies-Bouldin (lower = better)"
    silhouette = line_chart(
        "model-comparison", labels, series("silhouette"), x_title="k (clusters) · silhouette", width=480
    )
    elbow = line_chart(
        "model-comparison-elbow", labels, series("elbow"), x_title=f"k (clusters) · {elbow_title}", width=480
    )
    caption = (
        "Left: the silhouette score of each method against the number of clusters k (higher = better "
        f"separated). Right: {elbow_title} against k; the bend of the curve is the elbow."
    )
    if chosen:
        pick = chosen[0]
        caption += (
            f" The choice rule picked {pick['candidate_id']} ({pick['n_clusters']} clusters, silhouette "
            f"{format_number(pick['silhouette'])}); its note: “{pick['reason']}”."
        )
    return f'<div class="pair">{silhouette}{elbow}</div>', caption


# --- Customer value ---------------------------------------------------------------------------


@figure("clv-deciles", "Predicted vs actual spend by decile", "clv_calibration_deciles")
def clv_deciles(db: Warehouse) -> tuple[str, str]:
    """Mean predicted vs actual holdout spend per decile of predicted spend (champion model)."""
    model = champion_model(db)
    rows = db.rows(
        """
        select decile, avg_predicted_spend, avg_actual_spend, customers
        from marts.clv_calibration_deciles
        where model_name = ? and decile_basis = 'predicted_spend'
        order by decile
        """,
        [model],
    )
    chart = bar_chart(
        "clv-deciles",
        [f"D{row['decile']}" for row in rows],
        [
            ("Predicted spend", [row["avg_predicted_spend"] for row in rows]),
            ("Actual spend", [row["avg_actual_spend"] for row in rows]),
        ],
        value_kind="money",
        horizontal=False,
    )
    return (
        chart,
        f"Customers ranked into ten deciles of predicted spend for the holdout window (model {model}); "
        "per decile, the average predicted spend next to what those customers actually spent. Bars "
        "that match mean the ranking and the amounts are right.",
    )


def champion_model(db: Warehouse) -> str:
    """The customer-value model the deciles chart shows: the champion when the backtest flags
    one (is_champion), else the first model name."""
    if not db.lacking("clv_backtest_metrics") and "is_champion" in db.columns("clv_backtest_metrics"):
        champions = db.rows("select model_name from marts.clv_backtest_metrics where is_champion order by model_name")
        if champions:
            return str(champions[0]["model_name"])
    return str(db.rows("select min(model_name) as model_name from marts.clv_calibration_deciles")[0]["model_name"])


@figure("churn-risk", "Churn-risk distribution", "customer_value_predictions")
def churn_risk(db: Warehouse) -> tuple[str, str]:
    """Customers per tenth of predicted churn risk."""
    rows = db.rows(
        """
        select
            least(floor(churn_risk * 10), 9) as bucket,
            count(*) as customers
        from marts.customer_value_predictions
        where churn_risk is not null
        group by bucket
        order by bucket
        """
    )
    counts = {int(row["bucket"]): row["customers"] for row in rows}
    labels = [f"{b * 10}–{b * 10 + 10}%" for b in range(10)]
    chart = bar_chart(
        "churn-risk",
        labels,
        [("Customers", [counts.get(b, 0) for b in range(10)])],
        value_kind="integer",
        horizontal=False,
    )
    high = sum(counts.get(b, 0) for b in range(7, 10))
    total = sum(counts.values()) or 1
    return (
        chart,
        "Customers by predicted churn risk (the chance they do not buy in the prediction window). "
        f"{format_number(high, 'integer')} customers ({format_number(high / total, 'percent')}) are above 70 %.",
    )


@figure("value-concentration", "Value concentration", "customer_value_concentration")
def value_concentration(db: Warehouse) -> tuple[str, str]:
    """Share of revenue from the top 1/5/10/20 % of customers."""
    rows = db.rows(
        """
        select top_percent, revenue_share, top_customers
        from marts.customer_value_concentration
        where dimension = 'all'
        order by top_percent
        """
    )
    chart = bar_chart(
        "value-concentration",
        [f"Top {row['top_percent']}%" for row in rows],
        [("Share of revenue", [row["revenue_share"] for row in rows])],
        value_kind="percent",
    )
    caption = "The share of net revenue that comes from the top 1, 5, 10 and 20 % of customers by spend."
    top20 = next((row for row in rows if row["top_percent"] == 20), None)
    if top20:
        caption += f" The top 20 % bring {format_number(top20['revenue_share'], 'percent')}."
    return chart, caption


# --- Cohorts ----------------------------------------------------------------------------------


@figure("cohort-retention", "Cohort retention", "cohort_retention")
def cohort_heatmap(db: Warehouse) -> tuple[str, str]:
    """Retention rate per acquisition cohort and month since first purchase."""
    rows = db.rows(
        """
        select cohort_month, months_since_first_purchase as month_number, retention_rate, cohort_customers
        from marts.cohort_retention
        where is_complete_month
        order by cohort_month, month_number
        """
    )
    cohorts = sorted({row["cohort_month"] for row in rows})
    sizes = {row["cohort_month"]: row["cohort_customers"] for row in rows}
    width = min(COHORT_MONTHS_SHOWN, 1 + max((row["month_number"] for row in rows), default=0))
    grid = {(row["cohort_month"], row["month_number"]): row["retention_rate"] for row in rows}
    chart = heatmap(
        "cohort-retention",
        [f"{month_label(c)} ({format_number(sizes[c], 'integer')})" for c in cohorts],
        [str(m) for m in range(width)],
        [[grid.get((c, m)) for m in range(width)] for c in cohorts],
        x_title="months since first purchase",
        colour_range=(0.0, 0.5),
    )
    return (
        chart,
        "Each row is the customers whose first purchase fell in that month (size in brackets); each "
        "cell the share of them who bought again n months later (month 0 is the first month). "
        "Colours saturate at 50 %; only complete months are shown.",
    )


# --- Products ---------------------------------------------------------------------------------


@figure("top-affinities", "Products bought together", "product_affinity")
def top_affinities(db: Warehouse) -> tuple[str, str]:
    """The product pairs found together in the most baskets, with their lift."""
    rows = db.rows(
        f"""
        select
            coalesce(description_a, stock_code_a) as product_a,
            coalesce(description_b, stock_code_b) as product_b,
            pair_count,
            lift,
            confidence_a_to_b
        from marts.product_affinity
        order by pair_count desc, lift desc, stock_code_a, stock_code_b
        limit {TOP_AFFINITY_PAIRS}
        """
    )
    labels = [f"{shorten(row['product_a'])} + {shorten(row['product_b'])} (lift {row['lift']:.1f})" for row in rows]
    chart = bar_chart(
        "top-affinities", labels, [("Baskets with both", [row["pair_count"] for row in rows])], value_kind="integer", width=900
    )
    return (
        chart,
        f"The {TOP_AFFINITY_PAIRS} pairs of products found together in the most baskets, with their lift "
        "(how many times more often than chance). These pairs drive the 'often bought with' "
        "recommendations.",
    )


def shorten(text: object, limit: int = 24) -> str:
    """A label cut to `limit` characters with an ellipsis."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@figure("recommendation-metrics", "Recommendations vs the popularity baseline", "recommendation_metrics")
def recommendation_quality(db: Warehouse) -> tuple[str, str]:
    """Hit rate, precision, recall and coverage per recommender, baseline included."""
    rows = db.rows(
        """
        select recommender, is_baseline, k, hit_rate_at_k, precision_at_k, recall_at_k, catalog_coverage,
               evaluated_customers
        from marts.recommendation_metrics
        order by is_baseline, recommender
        """
    )
    k = rows[0]["k"] if rows else ""
    metrics = [("hit_rate_at_k", f"hit rate@{k}"), ("precision_at_k", f"precision@{k}"),
               ("recall_at_k", f"recall@{k}"), ("catalog_coverage", "catalog coverage")]
    chart = bar_chart(
        "recommendation-metrics",
        [label for _, label in metrics],
        [
            (f"{row['recommender']}{' (baseline)' if row['is_baseline'] else ''}", [row[m] for m, _ in metrics])
            for row in rows
        ],
        value_kind="percent",
    )
    evaluated = rows[0]["evaluated_customers"] if rows else 0
    return (
        chart,
        f"Offline test on {format_number(evaluated, 'integer')} customers: each recommender suggests {k} "
        "products from purchases before the cutoff, scored on the new products the customer bought "
        "after it. Hit rate: share of customers with at least one right suggestion.",
    )


# --- Forecasts --------------------------------------------------------------------------------


def forecast_chart(
    chart_id: str,
    history: Sequence[dict[str, object]],
    forecast: Sequence[dict[str, object]],
    value_kind: str,
    height: int = 300,
) -> str:
    """Actuals then forecast on one date axis, with the 95 % and 80 % intervals as bands."""
    dates = [row["day"] for row in history] + [row["forecast_date"] for row in forecast]
    labels = [d.strftime("%d %b") for d in dates]
    split = len(history)
    pad = [None] * split
    actual = LineSeries("Actual", [row["actual"] for row in history] + [None] * len(forecast))
    # The forecast line starts at the last actual so the two read as one series.
    joined = [None] * (split - 1) + [history[-1]["actual"]] if history else []
    predicted = LineSeries(
        "Forecast (80 % / 95 % intervals)",
        joined + [row["forecast"] for row in forecast],
        bands=(
            (pad + [row["lower_95"] for row in forecast], pad + [row["upper_95"] for row in forecast]),
            (pad + [row["lower_80"] for row in forecast], pad + [row["upper_80"] for row in forecast]),
        ),
        dashed=True,
    )
    return line_chart(chart_id, labels, [actual, predicted], value_kind=value_kind, marker_x=split, height=height)


@figure("shop-forecast", "Shop revenue: actual and forecast", "shop_sales_forecasts", "fct_daily_product_sales", "fct_daily_sales")
def shop_forecast(db: Warehouse) -> tuple[str, str]:
    """Recent daily product revenue, then the shop forecast with its intervals."""
    forecast = db.rows(
        """
        select forecast_date, forecast, lower_80, upper_80, lower_95, upper_95, method
        from marts.shop_sales_forecasts
        order by forecast_date
        """
    )
    history = db.rows(
        f"""
        with days as (
            select sales_date as day
            from marts.fct_daily_sales
            order by sales_date desc
            limit {HISTORY_DAYS_SHOWN}
        )
        select days.day, coalesce(sum(sales.net_revenue), 0) as actual
        from days
        left join marts.fct_daily_product_sales as sales on sales.sales_date = days.day
        group by days.day
        order by days.day
        """
    )
    chart = forecast_chart("shop-forecast", history, forecast, "money")
    method = forecast[0]["method"] if forecast else "–"
    total = sum(row["forecast"] for row in forecast)
    return (
        chart,
        f"Daily product revenue (net of returns) for the last {HISTORY_DAYS_SHOWN} days, then the "
        f"{len(forecast)}-day forecast ({method}) with its 80 % and 95 % intervals: "
        f"{format_number(total, 'money')} expected in total. Saturdays are 0 (the shop does not trade).",
    )


@figure("product-forecasts", "Top products: units, actual and forecast", "product_demand_forecasts", "fct_daily_product_sales", "fct_daily_sales", "dim_products")
def product_forecasts(db: Warehouse) -> tuple[str, str]:
    """Recent units per day of the best-selling forecast products, then their forecasts."""
    products = db.rows(
        f"""
        select products.stock_code, coalesce(products.description, products.stock_code) as description
        from marts.dim_products as products
        where products.stock_code in (select distinct stock_code from marts.product_demand_forecasts)
        order by products.net_revenue desc, products.stock_code
        limit {TOP_FORECAST_PRODUCTS}
        """
    )
    charts = []
    for index, product in enumerate(products):
        code = product["stock_code"]
        forecast = db.rows(
            """
            select forecast_date, forecast, lower_80, upper_80, lower_95, upper_95
            from marts.product_demand_forecasts
            where stock_code = ?
            order by forecast_date
            """,
            [code],
        )
        history = db.rows(
            f"""
            with days as (
                select sales_date as day
                from marts.fct_daily_sales
                order by sales_date desc
                limit {HISTORY_DAYS_SHOWN}
            )
            select days.day, coalesce(sum(sales.quantity), 0) as actual
            from days
            left join marts.fct_daily_product_sales as sales
                on sales.sales_date = days.day and sales.stock_code = ?
            group by days.day
            order by days.day
            """,
            [code],
        )
        chart_id = "product-forecasts" if index == 0 else f"product-forecasts-{index + 1}"
        charts.append(
            f'<h4>{escape(str(product["description"]))} ({escape(code)})</h4>'
            + forecast_chart(chart_id, history, forecast, "number", height=220)
        )
    return (
        "".join(charts) or '<p class="not-built">No product has a forecast.</p>',
        f"Units sold per day of the {TOP_FORECAST_PRODUCTS} best-selling forecast products over the last "
        f"{HISTORY_DAYS_SHOWN} days, then their forecast with 80 % and 95 % intervals.",
    )


@figure("forecast-backtest", "Forecast backtest against seasonal naive", "forecast_backtest_metrics")
def backtest_table(db: Warehouse) -> tuple[str, str]:
    """The backtest scores of the shop, of the products of each demand class and of all
    products, the seasonal-naive baseline in bold beside the methods run on the same series."""
    rows = db.rows(
        """
        select
            case
                when metric_level = 'all' then 'all products'
                when metric_level = 'demand_class' then 'products: ' || demand_class
                else series_key
            end as series,
            method, is_baseline, series_count, origins, mase, rmsse, relative_bias, coverage_80, coverage_95
        from marts.forecast_backtest_metrics
        where
            metric_level in ('all', 'demand_class')
            or (metric_level = 'series' and series_type = 'shop')
        order by metric_level, series, is_baseline desc, mase, method
        """
    )
    table = html_table(
        ["series", "method", "series scored", "origins", "MASE", "RMSSE", "relative bias", "80 % coverage", "95 % coverage"],
        [
            [
                row["series"],
                f"{row['method']}{' (baseline)' if row['is_baseline'] else ''}",
                format_number(row["series_count"], "integer"),
                format_number(row["origins"], "integer"),
                format_number(row["mase"]),
                format_number(row["rmsse"]),
                format_number(row["relative_bias"], "percent"),
                format_number(row["coverage_80"], "percent"),
                format_number(row["coverage_95"], "percent"),
            ]
            for row in rows
        ],
        "forecast-backtest",
        [bool(row["is_baseline"]) for row in rows],
    )
    return (
        table,
        "Rolling-origin backtest: each method forecasts from several past dates and is scored on the "
        "days that followed. MASE and RMSSE are errors scaled by the series' own in-sample seasonal-naive "
        "error (lower is better): compare each method with the seasonal-naive baseline (same weekday "
        "last week, in bold). Coverage is how often the actual fell inside the 80 % / 95 % interval; "
        "'selected' scores each product's chosen method. Each demand class runs its own methods "
        "(ETS for smooth and erratic products, SBA and TSB for intermittent and lumpy ones), so they "
        "are compared within their class; over all products only the baseline and 'selected' ran on "
        "every product.",
    )


# --- Data quality -----------------------------------------------------------------------------


@figure("data-quality", "Lines in, staged and rejected", "fct_order_lines")
def data_quality(db: Warehouse) -> tuple[str, str]:
    """Lines staged by line type and rejected by reason."""
    staged = db.rows(
        "select line_type as detail, count(*) as lines from marts.fct_order_lines group by line_type order by lines desc, detail"
    )
    rejected = []
    if not db.lacking("staging.rejected_order_lines"):
        rejected = db.rows(
            """
            select rejection_reason as detail, count(*) as lines
            from staging.rejected_order_lines
            group by rejection_reason
            order by lines desc, detail
            """
        )
    staged_total = sum(row["lines"] for row in staged)
    rejected_total = sum(row["lines"] for row in rejected)
    categories = [f"staged: {row['detail']}" for row in staged] + [f"rejected: {row['detail']}" for row in rejected]
    chart = bar_chart(
        "data-quality",
        categories,
        [("Lines", [row["lines"] for row in staged + rejected])],
        value_kind="integer",
    )
    caption = (
        f"{format_number(staged_total + rejected_total, 'integer')} lines in: "
        f"{format_number(staged_total, 'integer')} staged (by line type) and "
        f"{format_number(rejected_total, 'integer')} rejected (by reason; every rejected line is kept "
        "in staging.rejected_order_lines)."
    )
    if db.lacking("staging.rejected_order_lines"):
        caption += " This source has no staging schema (a published copy), so rejected lines are not shown."
    return chart, caption


SECTIONS: tuple[tuple[str, str, str, tuple[Callable[[Warehouse], Figure], ...]], ...] = (
    ("kpis", "Key figures", "The business at a glance over the whole period.", (kpi_cards, monthly_revenue)),
    (
        "segments",
        "Customer segments",
        "Customers grouped by recency, frequency and spend (RFM rules) and by k-means clustering.",
        (segment_sizes, segment_playbook, cluster_profiles, model_comparison),
    ),
    (
        "value",
        "Customer value",
        "What customers are predicted to spend, who is at risk of leaving, and how concentrated value is.",
        (clv_deciles, churn_risk, value_concentration),
    ),
    ("cohorts", "Retention", "How long customers keep buying after their first purchase.", (cohort_heatmap,)),
    (
        "products",
        "Products",
        "What sells together, and how well the recommendations work.",
        (top_affinities, recommendation_quality),
    ),
    (
        "forecasts",
        "Forecasts",
        "Demand for the coming weeks, and how the forecasts scored on the past.",
        (shop_forecast, product_forecasts, backtest_table),
    ),
    ("quality", "Data quality", "What happened to every input line.", (data_quality,)),
)

# Every chart id the report draws when all marts are built (the report test checks each one).
CHART_IDS = (
    "kpis",
    "monthly-revenue",
    "segment-sizes",
    "segment-playbook",
    "cluster-profiles",
    "model-comparison",
    "model-comparison-elbow",
    "clv-deciles",
    "churn-risk",
    "value-concentration",
    "cohort-retention",
    "top-affinities",
    "recommendation-metrics",
    "shop-forecast",
    "product-forecasts",
    "forecast-backtest",
    "data-quality",
)


def collect_sections(db: Warehouse) -> list[Section]:
    """Build every figure of every section from the source."""
    return [
        Section(section_id, title, intro, tuple(build(db) for build in builders))
        for section_id, title, intro, builders in SECTIONS
    ]


STYLE = """
body { font-family: system-ui, sans-serif; margin: 0; color: #222; background: #fafafa; }
header { background: #123; color: #fff; padding: 18px 32px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header p { margin: 0; opacity: 0.85; }
nav { padding: 8px 32px; background: #eef2f6; font-size: 14px; }
nav a { margin-right: 16px; color: #0072B2; text-decoration: none; }
main { padding: 8px 32px 32px; max-width: 1100px; }
section { margin-top: 24px; }
section > h2 { border-bottom: 2px solid #0072B2; padding-bottom: 4px; }
figure { background: #fff; border: 1px solid #ddd; border-radius: 6px; margin: 16px 0; padding: 12px 16px; }
figure h3 { margin: 0 0 8px; font-size: 17px; }
figure h4 { margin: 12px 0 4px; font-size: 14px; }
figcaption { color: #444; font-size: 14px; margin-top: 8px; line-height: 1.4; }
svg.chart { width: 100%; height: auto; display: block; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.kpis { display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; }
.kpi { background: #f3f7fb; border-radius: 6px; padding: 10px 12px; }
.kpi-label { font-size: 13px; color: #555; }
.kpi-value { font-size: 24px; font-weight: 600; margin: 2px 0; }
.kpi-note { font-size: 12px; color: #666; }
table.data { border-collapse: collapse; font-size: 13px; width: 100%; }
table.data th, table.data td { border-bottom: 1px solid #e3e3e3; padding: 4px 8px; text-align: left; }
table.data tr.highlight td { font-weight: 600; }
.not-built { color: #8a5a00; background: #fff6e0; padding: 8px 12px; border-radius: 4px; }
#report-errors:empty { display: none; }
#report-errors { color: #a00; }
"""

# Runs first: records any error (script errors and console.error) into #report-errors, then, once
# the page has laid out, stamps each chart with its rendered width so a DOM dump proves it drew.
SCRIPT_HEAD = """
window.reportErrors = [];
window.addEventListener('error', function (event) { window.reportErrors.push(String(event.message)); });
(function () {
  var original = console.error;
  console.error = function () {
    window.reportErrors.push(Array.prototype.join.call(arguments, ' '));
    original.apply(console, arguments);
  };
})();
"""
SCRIPT_END = """
(function () {
  var charts = document.querySelectorAll('[data-chart]');
  for (var i = 0; i < charts.length; i++) {
    var box = charts[i].getBoundingClientRect();
    charts[i].setAttribute('data-rendered-width', String(Math.round(box.width)));
    charts[i].setAttribute('data-rendered-height', String(Math.round(box.height)));
  }
  document.getElementById('report-errors').textContent = window.reportErrors.join('\\n');
  document.body.setAttribute('data-report-status', window.reportErrors.length ? 'errors' : 'ok');
})();
"""


def render_figure(figure: Figure) -> str:
    """One <figure>: title, body, caption."""
    state = "not-built" if figure.missing else "built"
    return (
        f'<figure id="figure-{escape(figure.chart_id)}" data-figure="{escape(figure.chart_id)}" data-state="{state}">'
        f"<h3>{escape(figure.title)}</h3>{figure.body}<figcaption>{escape(figure.caption)}</figcaption></figure>"
    )


def render_html(sections: Sequence[Section], subtitle: str) -> str:
    """The whole page: inline style and scripts, a navigation bar, one <section> per section."""
    nav = "".join(f'<a href="#{escape(s.section_id)}">{escape(s.title)}</a>' for s in sections)
    body = "".join(
        f'<section id="{escape(s.section_id)}"><h2>{escape(s.title)}</h2><p>{escape(s.intro)}</p>'
        + "".join(render_figure(f) for f in s.figures)
        + "</section>"
        for s in sections
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # No network at all: the page may load nothing but itself.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
        f"<title>Customer analytics report</title><style>{STYLE}</style><script>{SCRIPT_HEAD}</script></head>"
        f'<body data-report-status="loading"><header><h1>Customer analytics report</h1><p>{escape(subtitle)}</p></header>'
        f'<nav>{nav}</nav><main><pre id="report-errors"></pre>{body}</main>'
        f"<script>{SCRIPT_END}</script></body></html>\n"
    )


def report_subtitle(db: Warehouse) -> str:
    """'Orders 2010-12-01 to 2011-12-09 · analysis date 2011-12-10', from what the source has."""
    if db.lacking("fct_orders"):
        return "No order marts in this warehouse yet."
    period = db.rows("select min(invoice_date) as first, max(invoice_date) as last from marts.fct_orders")[0]
    text = f"Orders {period['first']} to {period['last']}"
    if not db.lacking("customer_rfm"):
        as_of = db.rows("select max(as_of_date) as as_of from marts.customer_rfm")[0]["as_of"]
        if as_of is not None:
            text += f" · analysis date {as_of}"
    return text


def build_report(source: Path, out: Path) -> ReportSummary:
    """Write the report for the warehouse (or published copy) at `source` to `out`.

    The source is opened read-only. The HTML is written to a temporary name next to `out` and
    renamed onto it, so a reader never sees half a file. Returns the chart ids drawn and the
    figures that are not built yet.
    """
    source, out = Path(source), Path(out)
    if not source.exists():
        raise FileNotFoundError(f"No warehouse at {source}: run `make build` first.")
    with duckdb.connect(str(source), read_only=True) as con:
        db = Warehouse(con)
        sections = collect_sections(db)
        html = render_html(sections, report_subtitle(db))
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.tmp")
    temporary.write_text(html, encoding="utf-8")
    os.replace(temporary, out)
    figures = [figure for section in sections for figure in section.figures]
    drawn = tuple(chart_id for chart_id in CHART_IDS if f'data-chart="{chart_id}"' in html)
    return ReportSummary(out, drawn, tuple(figure.chart_id for figure in figures if figure.missing))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=None, help="warehouse to read (default: env WAREHOUSE_PATH)")
    parser.add_argument("--out", type=Path, default=Path(DEFAULT_OUT))
    args = parser.parse_args(argv)
    summary = build_report(args.source or warehouse_path(), args.out)
    print(f"Report written to {summary.path}: {len(summary.charts)} charts.")
    if summary.not_built:
        print("Not built yet (their marts are missing): " + ", ".join(summary.not_built))


if __name__ == "__main__":
    main()
