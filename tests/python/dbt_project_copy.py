"""A throwaway copy of the dbt project with a few order lines, for tests that must run dbt
itself (contracts, docs) without touching the repository's warehouse or target folders."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PROJECT_PARTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "snapshots")

# Three customers over two days: enough for every trunk mart to have rows.
ORDER_LINES_CSV = """\
InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom
536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom
536366,22633,HAND WARMER UNION JACK,6,2010-12-01 08:28:00,1.85,13047.0,United Kingdom
536367,85123A,WHITE HANGING HEART T-LIGHT HOLDER,2,2010-12-02 09:01:00,2.55,,France
C536368,71053,WHITE METAL LANTERN,-1,2010-12-02 10:00:00,3.39,17850.0,United Kingdom
"""


def copy_project(destination: Path) -> Path:
    """Copy the project's dbt sources into `destination`, plus a small order-lines CSV."""
    destination.mkdir(parents=True)
    for part in PROJECT_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, destination / part)
        else:
            shutil.copy2(source, destination / part)
    # The profile's module_paths is the current directory: the Python models import python_ml.
    (destination / "python_ml").symlink_to(REPO / "python_ml", target_is_directory=True)
    (destination / "input").mkdir()
    (destination / "input" / "2010-12-01.csv").write_text(ORDER_LINES_CSV, encoding="utf-8")
    return destination


def run_dbt(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the venv's dbt in `project` on its own warehouse, target and log folders."""
    environment = {
        **os.environ,
        "DBT_PROFILES_DIR": str(project),
        "WAREHOUSE_PATH": str(project / "warehouse.duckdb"),
        "RAW_ORDER_LINES": str(project / "input" / "*.csv"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_VERSION_CHECK": "false",
    }
    # dbt reads DBT_PROJECT_DIR as --project-dir: it must not point back at the repository.
    environment.pop("DBT_PROJECT_DIR", None)
    dbt = Path(sys.executable).with_name("dbt")
    return subprocess.run(
        [str(dbt), *args, "--target-path", str(project / "target"), "--log-path", str(project / "logs")],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
