"""Hand the marts to readers: a published DuckDB copy, and Parquet / Tableau Hyper exports.

DuckDB allows one writing process, and a process that has the file open blocks every other
process that wants to write it (readers included hold a lock). BI tools therefore never open the
warehouse dbt builds. After a successful build, `publish_marts` copies schema `marts` into a new
DuckDB file and renames it over the published copy: on POSIX the rename is atomic, so a reader
that already has the old copy open keeps reading a consistent old copy, and a new reader gets the
new one. A build that fails never reaches publish, so the previous copy stays as it was.

`export_marts` writes one Parquet file per mart (DuckDB's own writer, no pyarrow) and, when the
optional `tableau` group is installed, one Tableau Hyper extract per mart. Every file is written
under a temporary name in its final folder and renamed into place.

Command line: `python -m python_ml.publish publish|export [...]`.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from python_ml.warehouse import warehouse_path

MARTS_SCHEMA = "marts"
DEFAULT_PUBLISHED = "published/warehouse.duckdb"
DEFAULT_EXPORTS = "exports"
EXPORT_FORMATS = ("parquet", "hyper")
# Hyper's default table name space; Tableau opens the single table of an extract in it.
HYPER_SCHEMA = "Extract"


@dataclass(frozen=True)
class PublishSummary:
    """What one publish wrote: the published file and each mart with its row count."""

    published: Path
    tables: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class ExportSummary:
    """What one export wrote: the files per format, and formats skipped with the reason."""

    files: dict[str, tuple[Path, ...]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def published_path() -> Path:
    """The published copy readers open: env PUBLISHED_WAREHOUSE_PATH, else published/warehouse.duckdb."""
    return Path(os.environ.get("PUBLISHED_WAREHOUSE_PATH", DEFAULT_PUBLISHED))


def quote_identifier(name: str) -> str:
    """A SQL identifier in double quotes, inner quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A SQL string literal in single quotes, inner quotes doubled."""
    return "'" + text.replace("'", "''") + "'"


def list_marts(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[str]:
    """Names of the tables and views in schema marts (of `catalog`, else the default one), sorted."""
    sql = "select table_name from information_schema.tables where table_schema = ?"
    params: list[str] = [MARTS_SCHEMA]
    if catalog is not None:
        sql += " and table_catalog = ?"
        params.append(catalog)
    return [name for (name,) in con.execute(sql + " order by table_name", params).fetchall()]


def temporary_sibling(final: Path, suffix: str) -> Path:
    """A fresh, unused path in `final`'s folder (same file system, so a rename is atomic)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=suffix, dir=final.parent)
    os.close(handle)
    # DuckDB and Hyper create their files themselves and refuse an existing empty file.
    os.unlink(name)
    return Path(name)


def remove_quietly(paths: Iterable[Path]) -> None:
    """Delete files that may or may not exist (temporary leftovers after a failure)."""
    for path in paths:
        path.unlink(missing_ok=True)


def publish_marts(warehouse: Path, published: Path) -> PublishSummary:
    """Copy every table and view of schema marts in `warehouse` into `published`, atomically.

    The warehouse is opened read-only. Each mart becomes a TABLE (views are materialized, so the
    copy does not depend on staging) in schema marts of a new DuckDB file written next to
    `published` under a temporary name and checkpointed, then renamed onto `published`.
    Raises FileNotFoundError when the warehouse does not exist and ValueError when it has no
    marts; in both cases, and on any error while copying, `published` is left untouched.
    """
    warehouse = Path(warehouse)
    published = Path(published)
    if not warehouse.exists():
        raise FileNotFoundError(f"No warehouse at {warehouse}: build it first.")
    temporary = temporary_sibling(published, ".duckdb")
    leftovers = [temporary, temporary.with_name(temporary.name + ".wal")]
    try:
        with duckdb.connect(str(temporary)) as con:
            con.execute(f"attach {quote_literal(str(warehouse))} as source (read_only)")
            names = list_marts(con, catalog="source")
            if not names:
                raise ValueError(f"Schema {MARTS_SCHEMA} of {warehouse} has no tables: nothing to publish.")
            con.execute(f"create schema {MARTS_SCHEMA}")
            counts = []
            for name in names:
                table = f"{MARTS_SCHEMA}.{quote_identifier(name)}"
                con.execute(f"create table {table} as select * from source.{table}")
                counts.append((name, con.execute(f"select count(*) from {table}").fetchall()[0][0]))
            con.execute("detach source")
            con.execute("checkpoint")
        os.replace(temporary, published)
    finally:
        remove_quietly(leftovers)
    return PublishSummary(published=published, tables=tuple(counts))


def hyper_available() -> bool:
    """Whether Tableau's Hyper API (the optional `tableau` group) is installed."""
    try:
        import tableauhyperapi  # noqa: F401
    except ImportError:
        return False
    return True


def export_parquet(con: duckdb.DuckDBPyConnection, name: str, target: Path) -> Path:
    """Write mart `name` to `target` as Parquet (zstd) through a temporary file and a rename."""
    temporary = temporary_sibling(target, ".parquet")
    try:
        con.execute(
            f"copy (select * from {MARTS_SCHEMA}.{quote_identifier(name)}) "
            f"to {quote_literal(str(temporary))} (format parquet, compression zstd)"
        )
        os.replace(temporary, target)
    finally:
        remove_quietly([temporary])
    return target


def hyper_sql_type(duckdb_type: str):  # -> tableauhyperapi.SqlType
    """The Hyper column type for a DuckDB column type (decimals keep precision and scale)."""
    from tableauhyperapi import SqlType

    upper = duckdb_type.upper()
    if upper.startswith("DECIMAL"):
        precision, scale = (int(part) for part in upper[len("DECIMAL(") : -1].split(","))
        return SqlType.numeric(precision, scale)
    simple = {
        "BOOLEAN": SqlType.bool(),
        "TINYINT": SqlType.small_int(),
        "SMALLINT": SqlType.small_int(),
        "INTEGER": SqlType.int(),
        "BIGINT": SqlType.big_int(),
        "HUGEINT": SqlType.big_int(),
        "UTINYINT": SqlType.small_int(),
        "USMALLINT": SqlType.int(),
        "UINTEGER": SqlType.big_int(),
        "UBIGINT": SqlType.big_int(),
        "FLOAT": SqlType.double(),
        "DOUBLE": SqlType.double(),
        "DATE": SqlType.date(),
        "TIMESTAMP": SqlType.timestamp(),
        "TIMESTAMP WITH TIME ZONE": SqlType.timestamp_tz(),
        "VARCHAR": SqlType.text(),
    }
    return simple.get(upper, SqlType.text())


@contextmanager
def hyper_process() -> Iterator[object]:
    """A running Hyper server (tableauhyperapi.HyperProcess) for a batch of extracts; its log
    goes to a temporary folder, not next to the extracts or into the current directory."""
    from tableauhyperapi import HyperProcess, Telemetry

    with tempfile.TemporaryDirectory(prefix="hyper-log-") as log_dir:
        with HyperProcess(Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU, parameters={"log_dir": log_dir}) as hyper:
            yield hyper


def write_hyper(con: duckdb.DuckDBPyConnection, name: str, path: Path, hyper: object) -> None:
    """Write mart `name` into a new Hyper file at `path`, as table "Extract".<name>.

    Columns are declared with the mart's own types (decimal precision kept). The rows travel
    through a temporary Parquet file that Hyper reads itself, much faster than row inserts from
    Python.
    """
    from tableauhyperapi import Connection, CreateMode, TableDefinition, TableName, escape_string_literal

    relation = con.sql(f"select * from {MARTS_SCHEMA}.{quote_identifier(name)}")
    columns = [
        TableDefinition.Column(column, hyper_sql_type(str(kind)))
        for column, kind in zip(relation.columns, relation.types, strict=True)
    ]
    table = TableName(HYPER_SCHEMA, name)
    rows = temporary_sibling(path, ".parquet")
    try:
        export_parquet(con, name, rows)
        with Connection(hyper.endpoint, str(path), CreateMode.CREATE_AND_REPLACE) as connection:
            connection.catalog.create_schema_if_not_exists(HYPER_SCHEMA)
            connection.catalog.create_table(TableDefinition(table, columns))
            connection.execute_command(
                f"insert into {table} select * from external({escape_string_literal(str(rows))}, format => 'parquet')"
            )
    finally:
        remove_quietly([rows])


def export_hyper(con: duckdb.DuckDBPyConnection, name: str, target: Path, hyper: object) -> Path:
    """Write mart `name` to `target` as a Tableau extract through a temporary file and a rename."""
    temporary = temporary_sibling(target, ".hyper")
    try:
        write_hyper(con, name, temporary, hyper)
        os.replace(temporary, target)
    finally:
        remove_quietly([temporary])
    return target


def export_marts(
    warehouse_or_published: Path,
    out_dir: Path,
    formats: Sequence[str] = ("parquet",),
) -> ExportSummary:
    """Export every mart of a warehouse (or published copy) to files under `out_dir`.

    `formats` is any of 'parquet' (out_dir/parquet/<table>.parquet) and 'hyper'
    (out_dir/tableau/<table>.hyper). The source is opened read-only. 'hyper' needs the optional
    group `tableau` (Tableau's Hyper API); without it the format is reported as skipped in
    the summary instead of failing, so the Parquet export never depends on it.
    """
    unknown = sorted(set(formats) - set(EXPORT_FORMATS))
    if unknown:
        raise ValueError(f"Unknown export formats {unknown}; choose from {list(EXPORT_FORMATS)}.")
    source = Path(warehouse_or_published)
    if not source.exists():
        raise FileNotFoundError(f"No warehouse at {source}: build (and publish) it first.")
    out_dir = Path(out_dir)
    files: dict[str, tuple[Path, ...]] = {}
    skipped: dict[str, str] = {}
    with duckdb.connect(str(source), read_only=True) as con:
        names = list_marts(con)
        if "parquet" in formats:
            files["parquet"] = tuple(
                export_parquet(con, name, out_dir / "parquet" / f"{name}.parquet") for name in names
            )
            remove_stale_exports(out_dir / "parquet", ".parquet", names)
        if "hyper" in formats:
            if hyper_available():
                with hyper_process() as hyper:
                    files["hyper"] = tuple(
                        export_hyper(con, name, out_dir / "tableau" / f"{name}.hyper", hyper) for name in names
                    )
                remove_stale_exports(out_dir / "tableau", ".hyper", names)
            else:
                skipped["hyper"] = "tableauhyperapi is not installed (run `make install-tableau`)"
    return ExportSummary(files=files, skipped=skipped)


def remove_stale_exports(folder: Path, suffix: str, names: Sequence[str]) -> None:
    """Delete exports in `folder` of marts that no longer exist, so no reader picks up a table
    the warehouse dropped (temporary files of a running export start with a dot and are kept)."""
    for path in folder.glob(f"*{suffix}"):
        if not path.name.startswith(".") and path.name[: -len(suffix)] not in names:
            path.unlink()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    publish = commands.add_parser("publish", help="copy schema marts into the published DuckDB file")
    publish.add_argument("--warehouse", type=Path, default=None, help="default: env WAREHOUSE_PATH")
    publish.add_argument("--published", type=Path, default=None, help="default: env PUBLISHED_WAREHOUSE_PATH")
    export = commands.add_parser("export", help="write every mart as Parquet (and Hyper when installed)")
    export.add_argument(
        "--source",
        type=Path,
        default=None,
        help="warehouse or published copy to read (default: the published copy)",
    )
    export.add_argument("--out", type=Path, default=Path(DEFAULT_EXPORTS))
    export.add_argument(
        "--formats",
        default="parquet,hyper",
        help="comma-separated: parquet, hyper (hyper is skipped when its group is not installed)",
    )
    args = parser.parse_args(argv)
    if args.command == "publish":
        summary = publish_marts(args.warehouse or warehouse_path(), args.published or published_path())
        print(f"Published {len(summary.tables)} marts to {summary.published}:")
        for name, rows in summary.tables:
            print(f"  {MARTS_SCHEMA}.{name:<40} {rows:>12,}")
        return
    formats = tuple(part.strip() for part in args.formats.split(",") if part.strip())
    result = export_marts(args.source or published_path(), args.out, formats)
    for kind, paths in result.files.items():
        print(f"Exported {len(paths)} marts as {kind} to {args.out / ('tableau' if kind == 'hyper' else kind)}")
    for kind, reason in result.skipped.items():
        print(f"Skipped {kind}: {reason}")


if __name__ == "__main__":
    main()
