"""Daily incremental loads with the nightly selector: adding files day by day gives the same
warehouse as one full refresh over all of them, a file already loaded is not loaded again, a
nightly build reads only the new day's file, the merged aggregates recompute only the keys that
gained lines, a replay of an earlier as_of_date and the way back match full builds, each
nightly build records the day's segment versions, and the demand forecasts and the customer
clusters are refreshed from the fits the first build stored."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from conftest import ONLINE_RETAIL_DIR, run_dbt
from python_ml.clustering import FEATURE_COLUMNS, assign_clusters_from_model
from python_ml.forecasting import forecast_demand_from_fits

DAILY_FILES = sorted((ONLINE_RETAIL_DIR / "by-day").glob("*.csv"))
# The first build must fit the segment classifier, which needs customers whose first 60 days
# are over: 70 daily files reach 2011-02-24.
FIRST_DAYS = 70
LATER_DAYS = 3

# What a nightly build runs (selectors.yml): the line-level models, the aggregates merged by key
# and the SQL marts built from them (the ML marts read these, and their determinism is covered
# by the rerun tests).
NIGHTLY_SELECTION = ["--selector", "nightly"]
COMPARED_TABLES = [
    "staging.base_online_retail__order_lines_typed",
    "staging.base_online_retail__order_lines_validated",
    "staging.stg_online_retail__order_lines",
    "staging.rejected_order_lines",
    "intermediate.int_customer_lines_aggregated_to_customers",
    "intermediate.int_product_lines_aggregated_to_days",
    "intermediate.int_order_lines_aggregated_to_days",
    "intermediate.int_customer_lines_aggregated_to_months",
    "intermediate.int_customers_segmented_by_rfm",
    "marts.fct_order_lines",
    "marts.fct_orders",
    "marts.dim_products",
    "marts.dim_customers",
    "marts.customer_rfm",
    "marts.fct_daily_product_sales",
    "marts.fct_daily_sales",
    "marts.cohort_retention",
]

# What the first build fits and the nightly builds only apply.
STORED_FITS = ["marts.demand_forecast_results", "marts.customer_cluster_model", "marts.segment_classifier_predictions"]

# The aggregates a nightly build merges by key: key column and a money column of each.
MERGED_AGGREGATES = {
    "intermediate.int_customer_lines_aggregated_to_customers": ("customer_id", "net_revenue"),
    "intermediate.int_product_lines_aggregated_to_days": ("sales_date", "net_revenue"),
    "intermediate.int_order_lines_aggregated_to_days": ("sales_date", "net_revenue"),
    "intermediate.int_customer_lines_aggregated_to_months": ("customer_id", "net_revenue"),
    "marts.fct_orders": ("invoice_no", "net_value"),
    "marts.fct_daily_product_sales": ("sales_date", "net_revenue"),
}

pytestmark = pytest.mark.skipif(
    len(DAILY_FILES) < FIRST_DAYS + LATER_DAYS, reason=f"real daily files not found in {ONLINE_RETAIL_DIR}"
)


def dbt_vars_for(input_dir: Path, as_of_date: str | None) -> dict[str, str]:
    dbt_vars = {"raw_order_lines": str(input_dir / "*.csv")}
    if as_of_date:
        dbt_vars["as_of_date"] = as_of_date
    return dbt_vars


def build(workdir: Path, input_dir: Path, *extra: str, as_of_date: str | None = None):
    run = run_dbt(["build", *NIGHTLY_SELECTION, *extra], workdir, dbt_vars_for(input_dir, as_of_date))
    assert run.returncode == 0, run.output[-6000:]
    return run


def fit_models(workdir: Path, input_dir: Path, as_of_date: str | None = None) -> None:
    """What a first full build leaves for the nightly builds to apply: the demand fits, the
    cluster model and the classifier's predictions (a full build of these few months would stop
    at the customer-value models, which need a year of history)."""
    selection = [
        "--select", "+demand_forecast_results", "+customer_cluster_model", "+segment_classifier_predictions",
        "--indirect-selection", "buildable",
    ]
    run = run_dbt(["build", *selection], workdir, dbt_vars_for(input_dir, as_of_date))
    assert run.returncode == 0, run.output[-6000:]


def table_rows(warehouse: Path, table: str) -> list[tuple]:
    """Every row of the table, sorted, so two warehouses compare regardless of row order."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return sorted(con.execute(f"select * from {table}").fetchall(), key=repr)


def count(warehouse: Path, sql: str) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()[0][0]


@pytest.fixture(scope="module")
def day_by_day_and_full(tmp_path_factory: pytest.TempPathFactory):
    """The same files built once day by day (first FIRST_DAYS, then one day at a time) and once
    as a full refresh; also how many lines the view offered on each nightly build."""
    input_dir = tmp_path_factory.mktemp("daily_files")
    incremental_dir = tmp_path_factory.mktemp("incremental")
    for daily_file in DAILY_FILES[:FIRST_DAYS]:
        shutil.copy(daily_file, input_dir)
    fit_models(incremental_dir, input_dir)
    first = build(incremental_dir, input_dir)
    first_fits = {table: table_rows(first.warehouse, table) for table in STORED_FITS}
    pending_lines = []
    for daily_file in DAILY_FILES[FIRST_DAYS : FIRST_DAYS + LATER_DAYS]:
        shutil.copy(daily_file, input_dir)
        run = build(incremental_dir, input_dir)
        pending_lines.append(count(run.warehouse, "select count(*) from staging.raw_order_lines"))
    rerun = build(incremental_dir, input_dir)

    full_dir = tmp_path_factory.mktemp("full")
    fit_models(full_dir, input_dir)
    full = build(full_dir, input_dir, "--full-refresh")
    return rerun.warehouse, full.warehouse, pending_lines, input_dir, first_fits


@pytest.mark.parametrize("table", COMPARED_TABLES)
def test_day_by_day_equals_full_refresh(day_by_day_and_full, table):
    incremental, full, *_ = day_by_day_and_full
    assert table_rows(incremental, table) == table_rows(full, table)


def test_nightly_build_reads_only_the_new_file(day_by_day_and_full):
    _, _, pending_lines, input_dir, _ = day_by_day_and_full
    new_file_lines = [
        sum(1 for _ in daily_file.open(encoding="utf-8")) - 1
        for daily_file in DAILY_FILES[FIRST_DAYS : FIRST_DAYS + LATER_DAYS]
    ]
    assert pending_lines == new_file_lines


def test_nightly_builds_record_segment_moves(day_by_day_and_full):
    """The segment snapshot is part of the nightly build: every build that moved as_of_date
    forward dated versions at its as_of_date (each day brings new customers)."""
    incremental, full, *_ = day_by_day_and_full
    version_dates = "select count(distinct dbt_valid_from) from marts.customer_segments_history"
    assert count(incremental, version_dates) == 1 + LATER_DAYS
    assert count(full, version_dates) == 1


def test_nightly_builds_forecast_from_the_fits_of_the_first_build(day_by_day_and_full):
    """The nightly builds keep the fits and run them over the days since: the forecasts start
    at the latest as_of_date, as a full build's do, and are the stored fits' forecasts of the
    series as they are now."""
    incremental, full, _, _, first_fits = day_by_day_and_full
    assert table_rows(incremental, "marts.demand_forecast_results") == first_fits["marts.demand_forecast_results"]
    first_date = "select min(forecast_date) from marts.shop_sales_forecasts"
    assert count(incremental, first_date) == count(full, first_date)
    with duckdb.connect(str(incremental), read_only=True) as con:
        expected = forecast_demand_from_fits(
            con.sql("select * from intermediate.int_demand_series_collected_to_arrays").df(),
            con.sql("select * from intermediate.int_calendar_extended_to_forecast_horizon where is_forecast_date").df(),
            con.sql("select * from marts.demand_forecast_results where result_type = 'demand_class'").df(),
            workers=1,
        )
        stored = con.sql("select * from marts.demand_forecasts_from_stored_fits").df()
    assert len(stored) > 0
    pd.testing.assert_frame_equal(stored, expected, check_dtype=False)


def test_nightly_builds_place_customers_with_the_cluster_model_of_the_first_build(day_by_day_and_full):
    """The nightly builds keep the cluster model and the classifier's predictions; every customer
    in customer_rfm, the new ones included, has the cluster the stored model gives their current
    features, and customer_segments is as of the latest day, with no prediction for exactly the
    customers who arrived after the classifier was fitted."""
    incremental, full, _, _, first_fits = day_by_day_and_full
    for table in ("marts.customer_cluster_model", "marts.segment_classifier_predictions"):
        assert table_rows(incremental, table) == first_fits[table], table
    with duckdb.connect(str(incremental), read_only=True) as con:
        customers = con.sql(f"select customer_id, {', '.join(FEATURE_COLUMNS)} from marts.customer_rfm").df()
        (stored,) = con.sql("select * from marts.customer_cluster_model").df().to_dict("records")
        clusters = con.sql("select * from marts.customer_clusters order by customer_id").df()
        new_since_fit = con.sql(
            "select customer_id from marts.customer_segments where classifier_split = 'new since fit'"
        ).df()["customer_id"]
        first_ordered_since = con.execute(
            "select customer_id from marts.customer_rfm where first_order_date >= ?",
            [date.fromisoformat(DAILY_FILES[FIRST_DAYS].stem)],
        ).df()["customer_id"]
        segment_dates = con.sql("select distinct as_of_date from marts.customer_segments").fetchall()
        rfm_dates = con.sql("select distinct as_of_date from marts.customer_rfm").fetchall()
    assert len(clusters) == len(customers) > stored["fitted_customers"]
    pd.testing.assert_frame_equal(clusters, assign_clusters_from_model(customers, stored), check_dtype=False)
    assert segment_dates == rfm_dates
    assert len(first_ordered_since) > 0
    assert sorted(new_since_fit) == sorted(first_ordered_since)


def test_loading_the_same_files_again_changes_nothing(day_by_day_and_full):
    incremental, *_ = day_by_day_and_full
    total_lines = sum(
        sum(1 for _ in daily_file.open(encoding="utf-8")) - 1
        for daily_file in DAILY_FILES[: FIRST_DAYS + LATER_DAYS]
    )
    assert count(incremental, "select count(*) from staging.raw_order_lines") == 0
    assert count(incremental, "select count(*) from staging.base_online_retail__order_lines_validated") == total_lines


def test_replaying_an_earlier_as_of_date_and_coming_back_matches_full_builds(day_by_day_and_full, tmp_path):
    """The merged aggregates hold lines that a replay (var as_of_date) leaves out: such a build
    rebuilds them in full, and the next nightly build catches up with the lines since."""
    incremental, full, _, input_dir, _ = day_by_day_and_full
    replay_dir = tmp_path / "replay"
    replay_dir.mkdir()
    shutil.copy(incremental, replay_dir / "warehouse.duckdb")
    as_of_date = DAILY_FILES[FIRST_DAYS].stem
    replayed = build(replay_dir, input_dir, as_of_date=as_of_date).warehouse
    fit_models(tmp_path / "full_replay", input_dir, as_of_date=as_of_date)
    full_replay = build(tmp_path / "full_replay", input_dir, "--full-refresh", as_of_date=as_of_date).warehouse
    assert count(replayed, "select max(sales_date) from marts.fct_daily_product_sales") < date.fromisoformat(as_of_date)
    for table in COMPARED_TABLES:
        assert table_rows(replayed, table) == table_rows(full_replay, table), table

    caught_up = build(replay_dir, input_dir).warehouse
    for table in COMPARED_TABLES:
        assert table_rows(caught_up, table) == table_rows(full, table), table


def test_a_nightly_build_recomputes_only_the_keys_whose_line_count_changed(day_by_day_and_full, tmp_path):
    """In each merged aggregate one key's money is altered with its line count kept, another's
    count is put off by one. A nightly build with no new file leaves the first as it is (it
    does not recompute keys whose lines are unchanged) and rebuilds the second from its lines
    (a count that no longer adds up is a key that gained lines)."""
    incremental, full, _, input_dir, _ = day_by_day_and_full
    workdir = tmp_path / "altered"
    workdir.mkdir()
    shutil.copy(incremental, workdir / "warehouse.duckdb")
    altered = {}
    with duckdb.connect(str(workdir / "warehouse.duckdb")) as con:
        for table, (key, money) in MERGED_AGGREGATES.items():
            kept, recounted = [row[0] for row in con.execute(
                f"select distinct {key} from {table} order by {key} limit 2").fetchall()]
            con.execute(f"update {table} set {money} = {money} + 1 where {key} = ?", [kept])
            con.execute(f"update {table} set lines = lines + 1 where {key} = ?", [recounted])
            altered[table] = kept, recounted

    nightly = build(workdir, input_dir).warehouse
    for table, (key, money) in MERGED_AGGREGATES.items():
        kept, recounted = altered[table]
        key_rows = f"select * from {table} where {key} = ?"
        money_of = f"select sum({money}) from {table} where {key} = ?"
        with duckdb.connect(str(nightly), read_only=True) as after, duckdb.connect(str(full), read_only=True) as truth:
            assert after.execute(money_of, [kept]).fetchall() != truth.execute(money_of, [kept]).fetchall(), table
            assert sorted(after.execute(key_rows, [recounted]).fetchall()) == sorted(
                truth.execute(key_rows, [recounted]).fetchall()), table
