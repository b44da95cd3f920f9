"""`dbt docs generate` works, every mart and its columns are described, and the exposures (the
Tableau dashboards and the HTML report) show in the lineage with owners and their marts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_dbt
from dbt_project_copy import ORDER_LINES_CSV

EXPECTED_EXPOSURES = {
    "tableau_customer_segments",
    "tableau_customer_value",
    "tableau_product_demand",
    "tableau_sales_overview",
    "html_report",
}


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The target folder of one `dbt docs generate` run into an empty throwaway warehouse."""
    workdir = tmp_path_factory.mktemp("docs")
    (workdir / "input.csv").write_text(ORDER_LINES_CSV, encoding="utf-8")
    run = run_dbt(["docs", "generate"], workdir, env={"RAW_ORDER_LINES": str(workdir / "input.csv")})
    assert run.returncode == 0, run.output[-4000:]
    return run.target_path


def manifest(target: Path) -> dict:
    return json.loads((target / "manifest.json").read_text(encoding="utf-8"))


def test_docs_generate_writes_the_site(docs: Path) -> None:
    for name in ("index.html", "manifest.json", "catalog.json"):
        assert (docs / name).stat().st_size > 0, name


def test_every_mart_and_column_is_described(docs: Path) -> None:
    marts = [
        node
        for node in manifest(docs)["nodes"].values()
        if node["resource_type"] == "model" and node["original_file_path"].startswith("models/marts/")
    ]

    assert len(marts) >= 7
    undescribed = [node["name"] for node in marts if not node["description"].strip()]
    assert not undescribed, f"marts without a description: {undescribed}"
    for node in marts:
        assert node["columns"], f"{node['name']} documents no columns"
        blank = [name for name, column in node["columns"].items() if not column["description"].strip()]
        assert not blank, f"{node['name']}: columns without a description {blank}"


def test_exposures_link_dashboards_and_the_report_to_their_marts(docs: Path) -> None:
    exposures = {exposure["name"]: exposure for exposure in manifest(docs)["exposures"].values()}

    assert EXPECTED_EXPOSURES <= set(exposures)
    for name in EXPECTED_EXPOSURES:
        exposure = exposures[name]
        assert exposure["owner"]["name"] and exposure["owner"]["email"], name
        assert exposure["description"].strip(), name
        models = exposure["depends_on"]["nodes"]
        assert models and all(node.startswith("model.customer_analytics.") for node in models), name
    assert exposures["html_report"]["type"] == "analysis"
    assert {exposures[name]["type"] for name in EXPECTED_EXPOSURES - {"html_report"}} == {"dashboard"}
