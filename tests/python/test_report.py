"""The HTML report: self-contained, built from whatever marts exist, and rendered cleanly by a
real headless Chromium (Debian `chromium`) with every chart present."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from python_ml import report
from python_ml.warehouse import warehouse_path

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "report" / "screenshot.png"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-logging=stderr",
    "--v=0",
    "--window-size=1200,9000",
]


def chromium() -> str | None:
    """The Chromium binary on PATH (Debian names it chromium), or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def run_chromium(binary: str, page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Open `page` in headless Chromium with a throwaway profile; stdout/stderr captured."""
    return subprocess.run(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def trunk_free_warehouse(path: Path) -> Path:
    """A warehouse with a marts schema but none of the marts the report reads."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create table marts.something_else as select 1 as x")
    return path


def test_report_without_marts_says_not_built_yet_for_every_figure(tmp_path: Path) -> None:
    summary = report.build_report(trunk_free_warehouse(tmp_path / "w.duckdb"), tmp_path / "out" / "index.html")

    html = summary.path.read_text(encoding="utf-8")
    assert summary.charts == ()
    assert set(summary.not_built) == set(report.CHART_IDS) - {"model-comparison-elbow"}
    assert html.count('data-state="not-built"') == len(summary.not_built)
    assert "Not built yet: marts.segment_profiles, marts.customer_segments." in html
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["index.html"]


SMALL_MARTS = """
create schema marts;
create schema staging;
create table marts.fct_orders as select * from (values
    ('1', date '2011-01-03', true, 100.00::decimal(18, 2)),
    ('2', date '2011-01-04', true, 50.00::decimal(18, 2)),
    ('C3', date '2011-02-01', false, -20.00::decimal(18, 2))
) as orders (invoice_no, invoice_date, is_purchase, net_value);
create table marts.customer_rfm as select * from (values
    ('a', 1, date '2011-02-02'), ('b', 2, date '2011-02-02'), ('c', 3, date '2011-02-02')
) as rfm (customer_id, frequency, as_of_date);
create table marts.fct_order_lines as select * from (values ('sale'), ('sale'), ('cancellation')) as lines (line_type);
create table staging.rejected_order_lines as select * from (values ('exact_duplicate')) as rejected (rejection_reason);
"""


def test_key_figures_and_data_quality_from_small_marts(tmp_path: Path) -> None:
    source = tmp_path / "w.duckdb"
    with duckdb.connect(str(source)) as con:
        con.execute(SMALL_MARTS)

    summary = report.build_report(source, tmp_path / "index.html")
    html = summary.path.read_text(encoding="utf-8")

    assert summary.charts == ("kpis", "data-quality")
    # 2 purchase orders; revenue 100 + 50 - 20; AOV (100 + 50) / 2; 2 of 3 customers repeat.
    for label, value in [("Customers", "3"), ("Orders", "2"), ("Revenue", "£130"),
                         ("Average order value", "£75"), ("Repeat rate", "66.7%"),
                         ("Period", "2011-01-03 – 2011-02-01")]:
        assert f'<div class="kpi-label">{label}</div><div class="kpi-value">{value}</div>' in html, label
    assert "4 lines in: 3 staged (by line type) and 1 rejected" in html
    assert "staged: sale · Lines: 2" in html and "rejected: exact_duplicate · Lines: 1" in html


def test_report_is_self_contained(tmp_path: Path) -> None:
    html = report.build_report(trunk_free_warehouse(tmp_path / "w.duckdb"), tmp_path / "index.html").path.read_text()

    # Nothing to fetch: no external src/href, and a policy that forbids loading anything.
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert "<link" not in html and "@import" not in html
    assert "default-src 'none'" in html


def test_missing_warehouse_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="make build"):
        report.build_report(tmp_path / "missing.duckdb", tmp_path / "index.html")


def built_warehouse() -> Path:
    """The warehouse `make test` built before pytest (env WAREHOUSE_PATH or warehouse.duckdb)."""
    path = warehouse_path()
    if not path.is_absolute():
        path = REPO / path
    return path


@pytest.mark.skipif(chromium() is None, reason="Debian `chromium` is not installed (.ci/run installs it)")
def test_report_renders_in_headless_chromium_with_every_chart(tmp_path: Path) -> None:
    source = built_warehouse()
    if not source.exists():
        pytest.skip(f"no built warehouse at {source}: run `make build` (make test builds it before pytest)")
    binary = chromium()
    page = tmp_path / "index.html"

    summary = report.build_report(source, page)
    dom = run_chromium(binary, page, tmp_path / "profile-dom", "--dump-dom")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    shot = run_chromium(binary, page, tmp_path / "profile-shot", f"--screenshot={SCREENSHOT}")

    assert summary.not_built == (), f"marts missing from {source}: {summary.not_built}"
    html = dom.stdout
    # The page's own error collector ran to the end and caught nothing ...
    assert 'data-report-status="ok"' in html
    assert re.search(r'<pre id="report-errors"></pre>', html)
    # ... and Chromium logged no console message or uncaught error (CSP refusals included).
    for run in (dom, shot):
        assert not [line for line in run.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    for chart_id in report.CHART_IDS:
        match = re.search(rf'data-chart="{chart_id}"[^>]*data-rendered-width="(\d+)"[^>]*data-rendered-height="(\d+)"', html)
        assert match, f"chart {chart_id} missing from the rendered page"
        assert int(match.group(1)) > 100 and int(match.group(2)) > 20, f"chart {chart_id} rendered empty"
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
