"""Reruns, failed builds and BI readers, on a small synthetic data set (every model, ML included).

- Two `dbt build`s of the same input into two fresh warehouses give byte-identical marts: every
  table of schema marts, compared as the md5 of its rows (every column as text) in sorted order.
- A build that fails, by a model raising or by the process being killed mid-build, never reaches
  publish: the published copy BI tools read keeps the previous build's marts, and stays readable.
- A reader process opening the published copy again and again while a build and publish run is
  never refused and always sees one whole build: the figures it reads match one build's exactly.

The pipeline is the one `make build` runs: `dbt build`, then, only when it succeeds,
`python -m python_ml.publish publish`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from conftest import DBT, REPO_ROOT, DbtRun, run_dbt
from python_ml.publish import publish_marts

SYNTHETIC_LINES = 20_000
SYNTHETIC_SEED = 11
# The *_history marts append one row set per build, stamped with the dbt invocation and time:
# the only columns two builds may differ in.
BUILD_STAMP_COLUMNS = ("invocation_id", "built_at")
# The figures a reader checks: several marts read in one connection. Mixed builds or a
# half-written table would give a combination no single build has.
READER_FIGURES_SQL = """
select
    (select count(*) from marts.fct_orders) as orders,
    (select cast(sum(net_value) as varchar) from marts.fct_orders) as orders_net_value,
    (select count(*) from marts.dim_customers) as customers,
    (select cast(sum(net_revenue) as varchar) from marts.fct_daily_sales) as daily_net_revenue,
    (select count(*) from marts.customer_rfm) as rfm_customers
"""
# The reader: opens the published copy read-only in a loop until the stop file appears, and
# prints one JSON line per attempt, with the figures or the error.
READER_SCRIPT = r"""
import json, sys, time, duckdb
published, stop, sql = sys.argv[1], sys.argv[2], sys.argv[3]
import os
while not os.path.exists(stop):
    try:
        con = duckdb.connect(published, read_only=True)
        try:
            row = con.execute(sql).fetchall()[0]
        finally:
            con.close()
        print(json.dumps({"figures": list(row)}), flush=True)
    except Exception as error:
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}), flush=True)
    time.sleep(0.05)
"""


def mart_digests(warehouse: Path) -> dict[str, tuple[int, str]]:
    """Every table of schema marts -> (rows, md5 of its rows as text, sorted), leaving out only
    the build-stamp columns of the metric history tables."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        columns: dict[str, list[str]] = {}
        for table, column in con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'marts' order by table_name, ordinal_position"
        ).fetchall():
            if column not in BUILD_STAMP_COLUMNS:
                columns.setdefault(table, []).append(f'"{column}"')
        digests = {}
        for table, names in columns.items():
            rows, digest = con.execute(
                f"""
                select count(*), md5(coalesce(string_agg(row_text, chr(10) order by row_text), ''))
                from (select cast(row({", ".join(names)}) as varchar) as row_text from marts."{table}")
                """
            ).fetchall()[0]
            digests[table] = (rows, digest)
        return digests
    finally:
        con.close()


def reader_figures(database: Path) -> tuple:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return tuple(con.execute(READER_FIGURES_SQL).fetchall()[0])
    finally:
        con.close()


def build_and_publish(workdir: Path, dbt_vars: dict, published: Path) -> DbtRun:
    """`dbt build`, then publish only if it succeeded (what `make build` does)."""
    run = run_dbt(["build"], workdir, dbt_vars)
    if run.returncode == 0:
        publish_marts(run.warehouse, published)
    return run


@pytest.fixture(scope="module")
def synthetic_input(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("synthetic") / "order_lines"
    subprocess.run(
        [sys.executable, "-m", "python_ml.synthetic", "--out", str(folder),
         "--lines", str(SYNTHETIC_LINES), "--seed", str(SYNTHETIC_SEED)],
        cwd=REPO_ROOT, check=True, capture_output=True,
    )
    return {"raw_order_lines": str(folder / "*.csv")}


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory, synthetic_input: dict) -> tuple[DbtRun, DbtRun]:
    """Two full builds of the same input into two fresh warehouses, side by side."""
    root = tmp_path_factory.mktemp("reruns")
    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(run_dbt, ["build"], root / "first", synthetic_input)
        second = pool.submit(run_dbt, ["build"], root / "second", synthetic_input)
        runs = first.result(), second.result()
    for run in runs:
        assert run.returncode == 0, run.output[-6000:]
    return runs


def test_two_builds_of_the_same_input_give_byte_identical_marts(two_builds):
    first, second = (mart_digests(run.warehouse) for run in two_builds)
    assert len(first) >= 8
    assert sorted(first) == sorted(second)
    differing = sorted(table for table in first if first[table] != second[table])
    assert differing == [], f"marts that differ between two builds of the same input: {differing}"


@pytest.fixture
def published(two_builds, tmp_path: Path) -> Path:
    """The first build, published where BI tools read it."""
    path = tmp_path / "published" / "warehouse.duckdb"
    path.parent.mkdir()
    publish_marts(two_builds[0].warehouse, path)
    return path


def test_a_build_with_a_failing_model_leaves_the_published_marts(published, two_builds, synthetic_input, tmp_path):
    before = mart_digests(published)
    # A date that does not parse makes every model that uses the analysis date raise.
    run = build_and_publish(tmp_path / "failing", {**synthetic_input, "as_of_date": "2024-02-30"}, published)
    assert run.returncode == 1, run.output[-3000:]
    assert "ERROR" in run.output
    assert mart_digests(published) == before
    assert mart_digests(published) == mart_digests(two_builds[0].warehouse)


def test_a_killed_build_leaves_the_published_marts_and_a_readable_warehouse(published, synthetic_input, tmp_path):
    before = mart_digests(published)
    workdir = tmp_path / "killed"
    workdir.mkdir()
    warehouse = workdir / "warehouse.duckdb"
    env = {
        **os.environ, "DBT_PROFILES_DIR": str(REPO_ROOT), "WAREHOUSE_PATH": str(warehouse),
        "PYTHONUNBUFFERED": "1",
    }
    pipeline = (
        f"'{DBT}' build --target-path '{workdir}/target' --log-path '{workdir}/logs' "
        f"--vars '{json.dumps(synthetic_input)}' "
        f"&& '{sys.executable}' -m python_ml.publish publish --published '{published}'"
    )
    process = subprocess.Popen(
        ["bash", "-c", pipeline], cwd=REPO_ROOT, env=env, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    # Kill the whole pipeline once the first mart is written, part-way through the build.
    output = []
    for line in process.stdout:
        output.append(line)
        if " OK created " in line and "marts." in line:
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "".join(output)[-3000:]
    assert mart_digests(published) == before
    # The warehouse dbt was writing opens again (DuckDB replays or drops its write-ahead log).
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select count(*) from information_schema.tables").fetchall()[0][0] > 0
    finally:
        con.close()


def test_a_reader_is_never_refused_and_always_sees_one_whole_build(
    published, two_builds, synthetic_input, tmp_path
):
    old_figures = reader_figures(published)
    stop = tmp_path / "stop-reading"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER_SCRIPT, str(published), str(stop), READER_FIGURES_SQL],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        # A different analysis date: the customer and daily marts of the new build differ.
        run = build_and_publish(tmp_path / "next", {**synthetic_input, "as_of_date": "2024-06-03"}, published)
        assert run.returncode == 0, run.output[-6000:]
        time.sleep(1.0)
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=60)
    new_figures = reader_figures(published)
    assert new_figures == reader_figures(run.warehouse)
    assert new_figures != old_figures
    reads = [json.loads(line) for line in out.splitlines()]
    errors = [read["error"] for read in reads if "error" in read]
    assert errors == [], errors[:5]
    seen = [tuple(read["figures"]) for read in reads]
    assert set(seen) <= {old_figures, new_figures}, set(seen) - {old_figures, new_figures}
    # The reader read throughout: the old build while dbt ran, the new one after publishing.
    assert seen[0] == old_figures and seen[-1] == new_figures
    assert len(seen) >= 20
