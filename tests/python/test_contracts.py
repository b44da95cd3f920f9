"""Model contracts: every SQL mart BI reads declares its columns' types, and a type change breaks
the build instead of the dashboard."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dbt_project_copy import REPO, copy_project, run_dbt

# The mart whose type the test breaks, and a contracted mart built beside it as the control.
BROKEN_MART = "fct_daily_sales"
BROKEN_COLUMN = "net_revenue"
CONTROL_MART = "dim_products"


def mart_definitions() -> dict[str, tuple[Path, dict]]:
    """Every model declared in a yml under models/marts: name → (yml file, its entry)."""
    found = {}
    for path in sorted((REPO / "models" / "marts").rglob("*.yml")):
        for entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            found[entry["name"]] = (path, entry)
    return found


def sql_marts() -> list[str]:
    """Names of the SQL models under models/marts (Python models cannot carry contracts)."""
    return sorted(path.stem for path in (REPO / "models" / "marts").rglob("*.sql"))


@pytest.mark.parametrize("mart", sql_marts())
def test_every_sql_mart_has_an_enforced_contract_with_typed_columns(mart: str) -> None:
    definitions = mart_definitions()
    assert mart in definitions, f"{mart} is not declared in a models/marts yml"
    path, entry = definitions[mart]
    assert (entry.get("config") or {}).get("contract", {}).get("enforced") is True, f"{mart} in {path}: no contract"
    untyped = [column["name"] for column in entry.get("columns", []) if not column.get("data_type")]
    assert entry.get("columns") and not untyped, f"{mart} in {path}: columns without data_type {untyped}"


def test_a_wrong_column_type_fails_the_build(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    sql = project / "models" / "marts" / f"{BROKEN_MART}.sql"
    # Money as double instead of the contracted decimal(18, 2): what a careless edit would do.
    sql.write_text(
        f"select * replace (cast({BROKEN_COLUMN} as double) as {BROKEN_COLUMN}) from (\n"
        + sql.read_text(encoding="utf-8")
        + "\n) as original\n",
        encoding="utf-8",
    )

    run = run_dbt(
        project,
        "build",
        "--select",
        f"+{BROKEN_MART}",
        f"+{CONTROL_MART}",
        "--exclude-resource-type",
        "test",
        "unit_test",
    )
    output = run.stdout + run.stderr

    assert run.returncode != 0, output[-4000:]
    assert "contract" in output.lower(), output[-4000:]
    assert BROKEN_COLUMN in output and "DOUBLE" in output.upper(), output[-4000:]
    # The contract of a mart whose types are right passes in the same build.
    assert f"OK created sql table model marts.{CONTROL_MART}" in output, output[-4000:]
    assert f"ERROR creating sql table model marts.{BROKEN_MART}" in output, output[-4000:]
