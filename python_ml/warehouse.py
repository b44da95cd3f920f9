"""Small read-only views of the built warehouse for the command line (`make build` ends here)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import duckdb

DEFAULT_WAREHOUSE = "warehouse.duckdb"


def warehouse_path() -> Path:
    """The DuckDB file dbt builds into: env WAREHOUSE_PATH, else warehouse.duckdb here."""
    return Path(os.environ.get("WAREHOUSE_PATH", DEFAULT_WAREHOUSE))


def count_rows_by_table(con: duckdb.DuckDBPyConnection, schema: str) -> list[tuple[str, int]]:
    """Every table and view in `schema` with its row count, sorted by name."""
    names = con.execute(
        "select table_name from information_schema.tables where table_schema = ? order by table_name",
        [schema],
    ).fetchall()
    return [
        (name, con.execute(f'select count(*) from "{schema}"."{name}"').fetchall()[0][0])
        for (name,) in names
    ]


def format_counts(counts: list[tuple[str, int]], schema: str) -> str:
    """A two-column text table: `schema.table` and its row count with thousands separators."""
    if not counts:
        return f"No tables in schema {schema}."
    width = max(len(schema) + 1 + len(name) for name, _ in counts)
    lines = [f"{'table':<{width}}  {'rows':>12}"]
    lines += [f"{schema + '.' + name:<{width}}  {rows:>12,}" for name, rows in counts]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["summary"], help="summary: marts and their row counts")
    parser.add_argument("--schema", default="marts")
    args = parser.parse_args(argv)
    path = warehouse_path()
    if not path.exists():
        raise SystemExit(f"No warehouse at {path}: run `make build` first (or set WAREHOUSE_PATH).")
    with duckdb.connect(str(path), read_only=True) as con:
        print(f"Warehouse {path}:")
        print(format_counts(count_rows_by_table(con, args.schema), args.schema))


if __name__ == "__main__":
    main()
