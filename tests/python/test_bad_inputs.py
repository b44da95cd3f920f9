"""The bad-input corpus in tests/fixtures/bad_inputs/: every case has one asserted outcome.

- `stops/`: files that must stop the build with a compilation error naming the file, the column
  and the line where they apply, and saying what was expected. Each runs its own `dbt build`.
- `loads/`: files whose build goes on; their offending lines are in staging.rejected_order_lines
  with a reason, every other line is staged, and input lines = staged + rejected. They are loaded
  together in one `dbt build` of staging (one glob), and each case checks its own files.

All dbt runs start together in a few worker threads (each is its own process and warehouse), so
the module costs about as long as its slowest few builds.
"""

from __future__ import annotations

import csv
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from conftest import REPO_ROOT, DbtRun, run_dbt

BAD_INPUTS = REPO_ROOT / "tests" / "fixtures" / "bad_inputs"
STOPS = BAD_INPUTS / "stops"
LOADS = BAD_INPUTS / "loads"
STAGING_SELECTION = [
    "--select", "+stg_online_retail__order_lines", "+rejected_order_lines",
    "--indirect-selection", "buildable",
]
# The stop cases fail in the on-run-start hook, before any model runs.
STOP_SELECTION = ["--select", "base_online_retail__order_lines_typed"]


@dataclass(frozen=True)
class StopCase:
    """A file (or glob) that must stop the build, and what the error must say."""

    path: str
    message: tuple[str, ...]


STOP_CASES: dict[str, StopCase] = {
    "missing_required_column": StopCase(
        "missing_required_column.csv",
        ("missing_required_column.csv", "has no column quantity", "Columns found: InvoiceNo, StockCode",
         "Expected the columns InvoiceNo, StockCode, Description, Quantity"),
    ),
    "renamed_column": StopCase(
        "renamed_column.csv",
        ("renamed_column.csv", "has no column unit_price", "accepted names: unitprice, price", "UnitCost"),
    ),
    "empty_file": StopCase(
        "empty_file.csv",
        ("empty_file.csv", "is empty (0 bytes)", "Expected a CSV file whose first line is the header"),
    ),
    "not_a_csv_binary": StopCase(
        "not_a_csv_binary.csv",
        ("not_a_csv_binary.csv", "is not a CSV text file", "Expected a CSV file with a header line"),
    ),
    "not_a_csv_html": StopCase(
        "not_a_csv_html.csv",
        ("not_a_csv_html.csv", "has no column invoice_no", "Columns found: <!DOCTYPE html>"),
    ),
    "non_utf8_description": StopCase(
        "non_utf8_description.csv",
        ("non_utf8_description.csv', line 3 (the header is line 1), column Description", "Invalid unicode",
         "Expected utf-8 text", "raw_order_lines_encoding"),
    ),
    "unquoted_comma_in_description": StopCase(
        "unquoted_comma_in_description.csv",
        ("unquoted_comma_in_description.csv', line 3", "Expected Number of Columns: 8 Found: 9",
         "Expected 8 fields separated by ','", "PAPER CHAIN KIT, 50'S CHRISTMAS"),
    ),
    "missing_field": StopCase(
        "missing_field.csv",
        ("missing_field.csv', line 3 (the header is line 1), column Country", "Found: 7",
         "Expected 8 fields separated by ','"),
    ),
    "unterminated_quote": StopCase(
        "unterminated_quote.csv",
        ("unterminated_quote.csv', line 2 (the header is line 1), column Description", "unterminated quote",
         "Expected every quoted value to end with a closing double quote"),
    ),
    "mixed_headers_in_one_glob": StopCase(
        "mixed_headers/*.csv",
        ("mixed_headers/2011-01-05.csv' has no column country", "Columns found: InvoiceNo"),
    ),
    "glob_matches_nothing": StopCase(
        "no_such_folder/*.csv",
        ("no file matches", "no_such_folder/*.csv", "Expected a CSV or Parquet file, or a glob"),
    ),
}


@dataclass(frozen=True)
class LoadCase:
    """Files whose build goes on: the rejected (file, data row) -> reason, the number of staged
    lines, and staged values worth checking ((file, data row) -> {column: value})."""

    files: tuple[str, ...]
    rejected: dict[tuple[str, int], str]
    staged: int
    values: dict[tuple[str, int], dict[str, object]] = field(default_factory=dict)


LOAD_CASES: dict[str, LoadCase] = {
    "extra_column": LoadCase(
        ("extra_column.csv",), {}, 2,
        {("extra_column.csv", 1): {"stock_code": "85123A", "country": "United Kingdom"}},
    ),
    "reordered_columns": LoadCase(
        ("reordered_columns.csv",), {}, 2,
        {("reordered_columns.csv", 1): {
            "invoice_no": "710201", "stock_code": "22727", "quantity": 24,
            "unit_price": Decimal("3.750"), "customer_id": "12583", "country": "France",
        }},
    ),
    "online_retail_ii_names": LoadCase(
        ("online_retail_ii_names.csv",), {}, 1,
        {("online_retail_ii_names.csv", 1): {
            "invoice_no": "710301", "unit_price": Decimal("12.750"), "customer_id": "13047",
        }},
    ),
    "text_in_quantity": LoadCase(
        ("text_in_quantity.csv",), {("text_in_quantity.csv", 1): "non_numeric_quantity"}, 1,
    ),
    "fractional_quantity": LoadCase(
        ("fractional_quantity.csv",), {("fractional_quantity.csv", 1): "non_integer_quantity"}, 1,
        {("fractional_quantity.csv", 2): {"quantity": 6}},
    ),
    "unit_price_over_3_decimals": LoadCase(
        ("unit_price_over_3_decimals.csv",),
        {("unit_price_over_3_decimals.csv", 1): "unit_price_over_3_decimals"}, 1,
        {("unit_price_over_3_decimals.csv", 2): {"unit_price": Decimal("3.390")}},
    ),
    "text_in_unit_price": LoadCase(
        ("text_in_unit_price.csv",),
        {
            ("text_in_unit_price.csv", 1): "non_numeric_unit_price",
            ("text_in_unit_price.csv", 2): "non_numeric_unit_price",
        },
        1,
    ),
    "unparseable_invoice_date": LoadCase(
        ("unparseable_invoice_date.csv",),
        {
            ("unparseable_invoice_date.csv", 1): "unparseable_invoice_date",
            ("unparseable_invoice_date.csv", 2): "unparseable_invoice_date",
        },
        1,
        {("unparseable_invoice_date.csv", 3): {"invoice_date": date(2011, 2, 1)}},
    ),
    "invoice_date_in_future": LoadCase(
        ("invoice_date_in_future.csv",), {("invoice_date_in_future.csv", 1): "invoice_date_in_future"}, 1,
    ),
    "invoice_date_before_1990": LoadCase(
        ("invoice_date_before_1990.csv",),
        {
            ("invoice_date_before_1990.csv", 1): "invoice_date_before_min",
            ("invoice_date_before_1990.csv", 2): "invoice_date_before_min",
        },
        0,
    ),
    "header_only": LoadCase(("header_only.csv",), {}, 0),
    "quoted_commas_and_newlines": LoadCase(
        ("quoted_commas_and_newlines.csv",), {}, 3,
        {
            ("quoted_commas_and_newlines.csv", 1): {"description": "PAPER CHAIN KIT, 50'S CHRISTMAS"},
            ("quoted_commas_and_newlines.csv", 2): {"description": "HOT WATER BOTTLE\nTEA AND SYMPATHY"},
            ("quoted_commas_and_newlines.csv", 3): {"description": 'RETROSPOT "HEART" HOT WATER BOTTLE', "quantity": 3},
        },
    ),
    "utf8_bom": LoadCase(
        ("utf8_bom.csv",), {}, 1, {("utf8_bom.csv", 1): {"invoice_no": "711001", "stock_code": "85123A"}},
    ),
    # European exports: semicolons, and sometimes a decimal comma, which is not a number here.
    "semicolon_delimited": LoadCase(
        ("semicolon_delimited.csv",), {("semicolon_delimited.csv", 2): "non_numeric_unit_price"}, 1,
        {("semicolon_delimited.csv", 1): {
            "invoice_no": "711101", "unit_price": Decimal("2.550"), "country": "Germany",
        }},
    ),
    "crlf_line_endings": LoadCase(
        ("crlf_line_endings.csv",), {}, 2, {("crlf_line_endings.csv", 2): {"country": "United Kingdom"}},
    ),
    "customer_id_float_text_empty": LoadCase(
        ("customer_id_forms.csv",), {}, 3,
        {
            ("customer_id_forms.csv", 1): {"customer_id": "17850", "is_guest": False},
            ("customer_id_forms.csv", 2): {"customer_id": "CUST-7", "is_guest": False},
            ("customer_id_forms.csv", 3): {"customer_id": None, "is_guest": True},
        },
    ),
    "negative_and_zero_prices": LoadCase(
        ("negative_and_zero_prices.csv",), {("negative_and_zero_prices.csv", 1): "negative_unit_price"}, 2,
        {
            ("negative_and_zero_prices.csv", 2): {"line_type": "adjustment", "unit_price": Decimal("-11062.060")},
            ("negative_and_zero_prices.csv", 3): {"line_type": "zero_price"},
        },
    ),
    "enormous_quantities": LoadCase(
        ("enormous_quantities.csv",),
        {
            ("enormous_quantities.csv", 2): "quantity_out_of_range",
            ("enormous_quantities.csv", 3): "quantity_out_of_range",
        },
        1,
        {("enormous_quantities.csv", 1): {"quantity": 80995}},
    ),
    "missing_values": LoadCase(
        ("missing_values.csv",),
        {
            ("missing_values.csv", 1): "missing_invoice_no",
            ("missing_values.csv", 2): "missing_stock_code",
            ("missing_values.csv", 3): "missing_quantity",
            ("missing_values.csv", 4): "missing_invoice_date",
            ("missing_values.csv", 5): "missing_unit_price",
            ("missing_values.csv", 6): "zero_quantity",
        },
        0,
    ),
    # The same daily file delivered twice under another name: every line of the second copy is
    # an exact duplicate of the first (files are read in name order), nothing is counted twice.
    "same_daily_file_loaded_twice": LoadCase(
        ("2011-02-03.csv", "2011-02-03_resent.csv"),
        {
            ("2011-02-03_resent.csv", 1): "exact_duplicate",
            ("2011-02-03_resent.csv", 2): "exact_duplicate",
            ("2011-02-03_resent.csv", 3): "exact_duplicate",
        },
        3,
    ),
    # One invoice split over two files: its different lines are all legitimate; the one line
    # present in both files is kept once.
    "overlapping_invoices": LoadCase(
        ("overlapping_invoices_part1.csv", "overlapping_invoices_part2.csv"),
        {("overlapping_invoices_part2.csv", 1): "exact_duplicate"},
        3,
        {("overlapping_invoices_part2.csv", 2): {"invoice_no": "711701", "stock_code": "22423"}},
    ),
}


def stop_run(case: StopCase, workdir: Path) -> DbtRun:
    return run_dbt(["build", *STOP_SELECTION], workdir, {"raw_order_lines": str(STOPS / case.path)})


def load_run(workdir: Path) -> DbtRun:
    return run_dbt(["build", *STAGING_SELECTION], workdir, {"raw_order_lines": str(LOADS / "*.csv")})


def line_counts(warehouse: Path) -> dict[str, int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {
            table: con.execute(f"select count(*) from staging.{table}").fetchall()[0][0]
            for table in ("stg_online_retail__order_lines", "rejected_order_lines")
        }
    finally:
        con.close()


def reload_runs(workdir: Path) -> list[tuple[DbtRun, dict[str, int]]]:
    """A daily file loaded, then loaded again by a rerun while a copy of it arrives under another
    name: the line counts after each build."""
    folder = workdir / "input"
    folder.mkdir(parents=True)
    day = "2011-02-03.csv"
    (folder / day).write_bytes((LOADS / day).read_bytes())
    dbt_vars = {"raw_order_lines": str(folder / "*.csv")}
    results = []
    for _ in range(2):
        run = run_dbt(["build", *STAGING_SELECTION], workdir / "build", dbt_vars)
        results.append((run, line_counts(run.warehouse) if run.returncode == 0 else {}))
        (folder / "2011-02-03_resent.csv").write_bytes((LOADS / day).read_bytes())
    return results


@pytest.fixture(scope="module")
def corpus_runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every dbt run of the corpus: 'loads' (one build of all load cases), 'reload' (two
    incremental builds, see reload_runs) and one per stop case."""
    root = tmp_path_factory.mktemp("bad_inputs")
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {
            "loads": pool.submit(load_run, root / "loads"),
            "reload": pool.submit(reload_runs, root / "reload"),
        }
        for name, case in STOP_CASES.items():
            futures[name] = pool.submit(stop_run, case, root / name)
        return {name: future.result() for name, future in futures.items()}


@pytest.fixture(scope="module")
def loaded(corpus_runs: dict[str, DbtRun]) -> duckdb.DuckDBPyConnection:
    run = corpus_runs["loads"]
    assert run.returncode == 0, run.output[-6000:]
    con = duckdb.connect(str(run.warehouse), read_only=True)
    yield con
    con.close()


def data_rows(path: Path) -> int:
    """Records after the header, counted by Python's csv module (an independent reader)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = handle.readline()
        delimiter = ";" if header.count(";") > header.count(",") else ","
        return sum(1 for _ in csv.reader(handle, delimiter=delimiter))


def by_file(con: duckdb.DuckDBPyConnection, table: str, columns: str, files: tuple[str, ...]) -> list[tuple]:
    paths = [str(LOADS / name) for name in files]
    return con.execute(
        f"select {columns} from staging.{table} where source_file in (select unnest(?)) "
        "order by source_file, source_row_number",
        [paths],
    ).fetchall()


def test_every_stop_case_and_load_case_has_a_fixture():
    used = {path.relative_to(BAD_INPUTS).as_posix() for path in BAD_INPUTS.rglob("*.csv")}
    stop_files = {
        path.relative_to(BAD_INPUTS).as_posix()
        for case in STOP_CASES.values()
        for path in STOPS.glob(case.path)
    }
    load_files = {f"loads/{name}" for case in LOAD_CASES.values() for name in case.files}
    assert used == stop_files | load_files
    assert len(STOP_CASES) + len(LOAD_CASES) >= 20


@pytest.mark.parametrize("name", STOP_CASES)
def test_bad_file_stops_the_build_with_a_clear_error(name: str, corpus_runs: dict[str, DbtRun]):
    run = corpus_runs[name]
    assert run.returncode == 2, run.output[-3000:]
    assert "Compilation Error in operation customer_analytics-on-run-start-0" in run.output
    assert "Traceback" not in run.output
    for fragment in STOP_CASES[name].message:
        assert fragment in run.output, run.output[-3000:]


@pytest.mark.parametrize("name", LOAD_CASES)
def test_bad_lines_are_rejected_with_a_reason_and_the_rest_staged(name: str, loaded: duckdb.DuckDBPyConnection):
    case = LOAD_CASES[name]
    rejected = {
        (Path(source_file).name, row): reason
        for source_file, row, reason in by_file(
            loaded, "rejected_order_lines", "source_file, source_row_number, rejection_reason", case.files
        )
    }
    staged = by_file(loaded, "stg_online_retail__order_lines", "source_file, source_row_number", case.files)
    assert rejected == case.rejected
    assert len(staged) == case.staged
    # Nothing silently dropped: each file's records (counted by Python's csv module) are all here.
    assert len(staged) + len(rejected) == sum(data_rows(LOADS / file) for file in case.files)
    for (file, row), expected in case.values.items():
        columns = ", ".join(expected)
        actual = loaded.execute(
            f"select {columns} from staging.stg_online_retail__order_lines "
            "where source_file = ? and source_row_number = ?",
            [str(LOADS / file), row],
        ).fetchall()
        assert len(actual) == 1, (file, row)
        assert dict(zip(expected, actual[0])) == expected, (file, row)


def test_the_load_build_reconciles(loaded: duckdb.DuckDBPyConnection):
    raw = loaded.execute("select count(*) from staging.raw_order_lines").fetchall()[0][0]
    staged = loaded.execute("select count(*) from staging.stg_online_retail__order_lines").fetchall()[0][0]
    rejected = loaded.execute("select count(*) from staging.rejected_order_lines").fetchall()[0][0]
    independent = sum(data_rows(path) for path in LOADS.glob("*.csv"))
    assert raw == independent
    assert staged + rejected == raw


def test_a_file_loaded_again_is_not_counted_twice(corpus_runs: dict):
    (first, after_first), (rerun, after_rerun) = corpus_runs["reload"]
    assert first.returncode == 0, first.output[-6000:]
    assert rerun.returncode == 0, rerun.output[-6000:]
    assert after_first == {"stg_online_retail__order_lines": 3, "rejected_order_lines": 0}
    # The incremental rerun skips the file it already loaded; the copy under a new name is read,
    # and every one of its lines is an exact duplicate of a line loaded the night before.
    assert after_rerun == {"stg_online_retail__order_lines": 3, "rejected_order_lines": 3}
    con = duckdb.connect(str(rerun.warehouse), read_only=True)
    try:
        reasons = con.execute(
            "select distinct rejection_reason, source_file like '%_resent.csv' from staging.rejected_order_lines"
        ).fetchall()
    finally:
        con.close()
    assert reasons == [("exact_duplicate", True)]
