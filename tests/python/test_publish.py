"""Publishing and exporting the marts: the published copy, Parquet/Hyper round trips, atomicity,
and how a BI user reads while a build holds the warehouse."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import duckdb
import pytest

from python_ml import publish

# Every type the marts use, with nulls, so the round trips check types as well as values.
MART_SQL = """
create schema marts;
create schema staging;
create table marts.orders (
    invoice_no varchar,
    customer_id varchar,
    invoiced_at timestamp,
    invoice_date date,
    items bigint,
    net_value decimal(18, 2),
    share double,
    is_cancelled boolean
);
insert into marts.orders values
    ('536365', '17850', timestamp '2010-12-01 08:26:00', date '2010-12-01', 40, 139.12, 0.25, false),
    ('C536379', null, timestamp '2010-12-01 09:41:00', date '2010-12-01', -1, -27.50, null, true),
    ('536380', 'O''Brien', null, null, null, null, 1.0e-9, null);
create table staging.scratch as select 1 as not_a_mart;
create view marts.orders_per_day as
    select invoice_date, count(*) as orders from marts.orders group by invoice_date;
"""


def make_warehouse(path: Path, sql: str = MART_SQL) -> Path:
    """A small DuckDB file with a marts table, a marts view and a non-mart table."""
    with duckdb.connect(str(path)) as con:
        con.execute(sql)
    return path


def read_all(path: Path, table: str) -> tuple[list[tuple[str, str]], list[tuple]]:
    """(column names and types, sorted rows) of marts.<table> in the DuckDB file at `path`."""
    with duckdb.connect(str(path), read_only=True) as con:
        relation = con.sql(f"select * from marts.{table}")
        schema = [(name, str(kind)) for name, kind in zip(relation.columns, relation.types, strict=True)]
        rows = sorted(relation.fetchall(), key=repr)
    return schema, rows


def table_types(path: Path) -> dict[str, str]:
    """table name → 'BASE TABLE' or 'VIEW' for schema marts of the DuckDB file at `path`."""
    with duckdb.connect(str(path), read_only=True) as con:
        return dict(
            con.execute(
                "select table_name, table_type from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        )


@pytest.fixture()
def built(tmp_path: Path) -> Path:
    (tmp_path / "build").mkdir()
    return make_warehouse(tmp_path / "build" / "warehouse.duckdb")


def test_publish_copies_every_mart_as_a_table(built: Path, tmp_path: Path) -> None:
    published = tmp_path / "published" / "warehouse.duckdb"

    summary = publish.publish_marts(built, published)

    assert summary.published == published
    assert summary.tables == (("orders", 3), ("orders_per_day", 2))
    # The view is materialized, so the copy stands alone; staging is not published.
    assert table_types(published) == {"orders": "BASE TABLE", "orders_per_day": "BASE TABLE"}
    assert read_all(published, "orders") == read_all(built, "orders")
    assert read_all(published, "orders_per_day") == read_all(built, "orders_per_day")
    # Nothing but the published file is left in its folder (no temporary names, no WAL).
    assert sorted(p.name for p in published.parent.iterdir()) == ["warehouse.duckdb"]


def test_republish_replaces_the_copy(built: Path, tmp_path: Path) -> None:
    published = tmp_path / "published" / "warehouse.duckdb"
    publish.publish_marts(built, published)
    with duckdb.connect(str(built)) as con:
        con.execute("delete from marts.orders where is_cancelled")

    publish.publish_marts(built, published)

    assert read_all(published, "orders")[1] == read_all(built, "orders")[1]
    assert len(read_all(published, "orders")[1]) == 2


def test_failed_publish_leaves_the_previous_copy_intact(built: Path, tmp_path: Path) -> None:
    published = tmp_path / "published" / "warehouse.duckdb"
    publish.publish_marts(built, published)
    before = published.read_bytes()
    empty = make_warehouse(tmp_path / "empty.duckdb", "create schema marts;")

    with pytest.raises(ValueError, match="no tables"):
        publish.publish_marts(empty, published)
    with pytest.raises(FileNotFoundError):
        publish.publish_marts(tmp_path / "missing.duckdb", published)

    assert published.read_bytes() == before
    assert sorted(p.name for p in published.parent.iterdir()) == ["warehouse.duckdb"]


HOLD_WRITER = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1])
    con.execute("create or replace table marts.building as select 1 as x")
    print("holding", flush=True)
    sys.stdin.readline()
    """
)


def test_bi_reader_reads_the_published_copy_while_a_build_holds_the_warehouse(
    built: Path, tmp_path: Path
) -> None:
    """The documented way to read during a build: the published copy, never the warehouse."""
    published = tmp_path / "published" / "warehouse.duckdb"
    publish.publish_marts(built, published)
    writer = subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITER, str(built)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "holding"
        # The warehouse itself is locked by the build: this is the error BI tools hit.
        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(built), read_only=True)
        # The published copy is a different file, free to read.
        assert len(read_all(published, "orders")[1]) == 3
    finally:
        writer.communicate("done\n", timeout=30)
    assert writer.returncode == 0


def test_parquet_export_round_trip_equals_the_mart(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "exports"

    result = publish.export_marts(built, out)

    assert result.files == {
        "parquet": (out / "parquet" / "orders.parquet", out / "parquet" / "orders_per_day.parquet")
    }
    assert result.skipped == {}
    with duckdb.connect() as con:
        for table in ("orders", "orders_per_day"):
            relation = con.sql(f"select * from read_parquet('{out / 'parquet' / (table + '.parquet')}')")
            schema = [(name, str(kind)) for name, kind in zip(relation.columns, relation.types, strict=True)]
            assert (schema, sorted(relation.fetchall(), key=repr)) == read_all(built, table)


def test_reexport_replaces_files_and_leaves_no_temporaries(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "exports"
    publish.export_marts(built, out)
    with duckdb.connect(str(built)) as con:
        con.execute("delete from marts.orders")

    publish.export_marts(built, out)

    assert sorted(p.name for p in (out / "parquet").iterdir()) == ["orders.parquet", "orders_per_day.parquet"]
    with duckdb.connect() as con:
        assert con.execute(f"select count(*) from '{out / 'parquet' / 'orders.parquet'}'").fetchall() == [(0,)]


def test_export_removes_files_of_marts_that_no_longer_exist(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "exports"
    publish.export_marts(built, out)
    with duckdb.connect(str(built)) as con:
        con.execute("drop view marts.orders_per_day")

    publish.export_marts(built, out)

    assert sorted(p.name for p in (out / "parquet").iterdir()) == ["orders.parquet"]


def test_export_rejects_unknown_formats(built: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="csv"):
        publish.export_marts(built, tmp_path / "exports", formats=("parquet", "csv"))


def test_hyper_export_is_skipped_with_a_reason_without_the_tableau_group(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(publish, "hyper_available", lambda: False)

    result = publish.export_marts(built, tmp_path / "exports", formats=("parquet", "hyper"))

    assert "make install-tableau" in result.skipped["hyper"]
    assert not (tmp_path / "exports" / "tableau").exists()
    assert len(result.files["parquet"]) == 2


def read_hyper(path: Path, table: str) -> tuple[list[tuple[str, object]], list[tuple]]:
    """(column names and Hyper types, sorted rows) of "Extract".<table> in a Hyper file."""
    from tableauhyperapi import Connection, HyperProcess, TableName, Telemetry

    with tempfile.TemporaryDirectory() as log_dir:
        with HyperProcess(Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU, parameters={"log_dir": log_dir}) as hyper:
            with Connection(hyper.endpoint, str(path)) as connection:
                name = TableName("Extract", table)
                schema = [(str(c.name.unescaped), c.type) for c in connection.catalog.get_table_definition(name).columns]
                rows = connection.execute_list_query(f"select * from {name}")
    return schema, sorted((tuple(normalize_hyper(value) for value in row) for row in rows), key=repr)


def normalize_hyper(value: object) -> object:
    """Hyper's own date/timestamp classes as Python's, so rows compare with DuckDB's."""
    for method in ("to_datetime", "to_date"):
        if hasattr(value, method):
            return getattr(value, method)()
    return value


@pytest.mark.skipif(
    not publish.hyper_available(),
    reason="optional group `tableau` (tableauhyperapi) not installed: run `make install-tableau`",
)
def test_hyper_export_round_trip_equals_the_mart(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "exports"

    result = publish.export_marts(built, out, formats=("hyper",))

    assert result.files["hyper"] == (out / "tableau" / "orders.hyper", out / "tableau" / "orders_per_day.hyper")
    from tableauhyperapi import SqlType

    schema, rows = read_hyper(out / "tableau" / "orders.hyper", "orders")
    assert rows == read_all(built, "orders")[1]
    assert schema == [
        ("invoice_no", SqlType.text()),
        ("customer_id", SqlType.text()),
        ("invoiced_at", SqlType.timestamp()),
        ("invoice_date", SqlType.date()),
        ("items", SqlType.big_int()),
        ("net_value", SqlType.numeric(18, 2)),
        ("share", SqlType.double()),
        ("is_cancelled", SqlType.bool()),
    ]
    assert read_hyper(out / "tableau" / "orders_per_day.hyper", "orders_per_day")[1] == read_all(built, "orders_per_day")[1]
    # Only the extracts: no temporary Parquet, no hyperd.log.
    assert sorted(p.name for p in (out / "tableau").iterdir()) == ["orders.hyper", "orders_per_day.hyper"]
