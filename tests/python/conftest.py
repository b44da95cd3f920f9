"""Shared fixtures: running dbt into a throw-away warehouse, the way a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ONLINE_RETAIL_DIR = REPO_ROOT.parent / "shared" / "data" / "online_retail"
DBT = Path(sys.executable).parent / "dbt"


@dataclass(frozen=True)
class DbtRun:
    """The outcome of one dbt invocation: exit code, combined output, and where it built."""

    returncode: int
    output: str
    warehouse: Path
    target_path: Path


DbtRunner = Callable[..., DbtRun]


def run_dbt(
    args: list[str],
    workdir: Path,
    dbt_vars: dict | None = None,
    env: dict[str, str] | None = None,
    timeout: int = 900,
) -> DbtRun:
    """Run `dbt <args>` from the repo root into `workdir`/warehouse.duckdb.

    Every run gets its own warehouse, target and log folders so tests never touch the
    user's warehouse.duckdb or each other.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    warehouse = workdir / "warehouse.duckdb"
    target_path = workdir / "target"
    command = [str(DBT), *args, "--target-path", str(target_path), "--log-path", str(workdir / "logs")]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    full_env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(REPO_ROOT),
        "WAREHOUSE_PATH": str(warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        **(env or {}),
    }
    completed = subprocess.run(
        command, cwd=REPO_ROOT, env=full_env, capture_output=True, text=True, timeout=timeout
    )
    return DbtRun(completed.returncode, completed.stdout + completed.stderr, warehouse, target_path)


@pytest.fixture
def dbt(tmp_path: Path) -> DbtRunner:
    """A function running dbt into a fresh warehouse under this test's tmp_path."""

    def runner(args: list[str], dbt_vars: dict | None = None, workdir: Path | None = None, **kwargs) -> DbtRun:
        return run_dbt(args, workdir or tmp_path, dbt_vars, **kwargs)

    return runner
