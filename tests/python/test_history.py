"""Model history: every build appends the ML metrics to the *_history tables, the snapshot of
customer segments adds a version only when a customer's segment changes (so rebuilding the same
data changes nothing), and segment_transitions counts the moves between two analysis dates."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import REPO_ROOT, run_dbt

SYNTHETIC_LINES = 20_000
SYNTHETIC_SEED = 5
FIRST_AS_OF = "2024-06-03"
LATER_AS_OF = "2024-09-02"
METRIC_HISTORIES = {
    "segmentation_model_comparison_history": "segmentation_model_comparison",
    "clv_backtest_metrics_history": "clv_backtest_metrics",
    "forecast_backtest_metrics_history": "forecast_backtest_metrics",
}
# Build the history tables, the snapshot, customer_segments (the tests read segments there) and
# what they are built from; the data tests of all of it run in the full build (make test), so
# they are left out here to keep the test short.
HISTORY_AND_UPSTREAM = ["--select", "+path:models/marts/history", "+customer_segments",
                        "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
HISTORY_ONLY = ["--select", "path:models/marts/history", "customer_segments_history",
                "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]


def query(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def table_digest(warehouse: Path, table: str) -> tuple:
    """(rows, md5 of the sorted rows as text) of a marts table."""
    return query(
        warehouse,
        f"select count(*), md5(coalesce(string_agg(cast(t as varchar), chr(10) order by cast(t as varchar)), ''))"
        f" from marts.{table} as t",
    )[0]


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One warehouse built three times: at FIRST_AS_OF, again on the same data (history tables
    only), then at LATER_AS_OF; with what each table held after each build."""
    order_lines = tmp_path_factory.mktemp("history_input") / "order_lines"
    subprocess.run(
        [sys.executable, "-m", "python_ml.synthetic", "--out", str(order_lines),
         "--lines", str(SYNTHETIC_LINES), "--seed", str(SYNTHETIC_SEED)],
        cwd=REPO_ROOT, check=True, capture_output=True,
    )
    workdir = tmp_path_factory.mktemp("history")
    states = {}
    for label, selection, as_of in (
        ("first", HISTORY_AND_UPSTREAM, FIRST_AS_OF),
        ("rerun", HISTORY_ONLY, FIRST_AS_OF),
        ("later", HISTORY_AND_UPSTREAM, LATER_AS_OF),
    ):
        run = run_dbt(["build", *selection], workdir,
                      {"raw_order_lines": str(order_lines / "*.csv"), "as_of_date": as_of})
        assert run.returncode == 0, run.output[-6000:]
        warehouse = run.warehouse
        states[label] = {
            "history_rows": {
                table: query(warehouse, f"select count(*) from marts.{table}")[0][0] for table in METRIC_HISTORIES
            },
            "builds": {
                table: query(warehouse, f"select count(distinct invocation_id) from marts.{table}")[0][0]
                for table in METRIC_HISTORIES
            },
            "snapshot": table_digest(warehouse, "customer_segments_history"),
            "transitions": table_digest(warehouse, "segment_transitions"),
            "segments": dict(query(warehouse, "select customer_id, rfm_segment from marts.customer_segments")),
        }
    states["warehouse"] = warehouse
    return states


def test_every_build_appends_one_batch_of_each_metrics_table(builds):
    warehouse = builds["warehouse"]
    for label, expected_builds in (("first", 1), ("rerun", 2), ("later", 3)):
        assert builds[label]["builds"] == {table: expected_builds for table in METRIC_HISTORIES}
    for history, mart in METRIC_HISTORIES.items():
        batches = query(
            warehouse,
            f"select as_of_date, count(*) from marts.{history} group by invocation_id, as_of_date order by 1",
        )
        assert [str(as_of) for as_of, _ in batches] == [FIRST_AS_OF, FIRST_AS_OF, LATER_AS_OF]
        mart_rows = query(warehouse, f"select count(*) from marts.{mart}")[0][0]
        if history != "forecast_backtest_metrics_history":
            # The latest batch is the mart as this build wrote it.
            assert batches[-1][1] == mart_rows
    assert builds["rerun"]["history_rows"] == {t: 2 * n for t, n in builds["first"]["history_rows"].items()}


def test_forecast_history_keeps_the_summaries_not_every_product(builds):
    levels = query(
        builds["warehouse"],
        "select distinct metric_level, series_type from marts.forecast_backtest_metrics_history order by 1, 2",
    )
    assert ("series", "product") not in levels
    assert {"all", "demand_class"} <= {level for level, _ in levels}


def test_rebuilding_the_same_data_leaves_the_snapshot_and_transitions_unchanged(builds):
    assert builds["rerun"]["snapshot"] == builds["first"]["snapshot"]
    assert builds["rerun"]["transitions"] == builds["first"]["transitions"]
    # A customer's first segment is not a move: one analysis date has none.
    assert builds["first"]["transitions"][0] == 0


def test_snapshot_adds_a_version_only_for_customers_whose_segment_changed(builds):
    first, later = builds["first"]["segments"], builds["later"]["segments"]
    moved = {customer for customer in first if customer in later and later[customer] != first[customer]}
    new = set(later) - set(first)
    assert moved, "the fixture should have customers changing segment between the two dates"
    assert builds["later"]["snapshot"][0] == builds["first"]["snapshot"][0] + len(moved) + len(new)
    current = dict(query(
        builds["warehouse"],
        "select customer_id, rfm_segment from marts.customer_segments_history where dbt_valid_to is null",
    ))
    assert current == later


def test_segment_transitions_count_the_moves_and_their_revenue(builds):
    warehouse = builds["warehouse"]
    first, later = builds["first"]["segments"], builds["later"]["segments"]
    expected: dict[tuple[str, str], int] = {}
    for customer, segment in first.items():
        if customer in later and later[customer] != segment:
            expected[(segment, later[customer])] = expected.get((segment, later[customer]), 0) + 1
    rows = query(
        warehouse,
        "select transition_date, from_segment, to_segment, customers, revenue from marts.segment_transitions",
    )
    assert {str(date) for date, *_ in rows} == {LATER_AS_OF}
    assert {(from_segment, to_segment): customers for _, from_segment, to_segment, customers, _ in rows} == expected
    revenue = query(
        warehouse,
        f"""
        select sum(rfm.monetary)
        from marts.customer_segments_history as later
        inner join marts.customer_segments_history as earlier
            on later.customer_id = earlier.customer_id and earlier.dbt_valid_to = later.dbt_valid_from
        inner join marts.customer_rfm as rfm on later.customer_id = rfm.customer_id
        where later.as_of_date = date '{LATER_AS_OF}'
        """,
    )[0][0]
    assert sum(row[4] for row in rows) == revenue
