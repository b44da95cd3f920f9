"""One row per customer: the cluster of the chosen candidate in segmentation_candidates, re-fitted
with the same rows, sample and seed (so the labels are the ones that were scored), renumbered by
value and named from the cluster's profile; see python_ml.clustering.assign_clusters."""

from python_ml.clustering import FEATURE_COLUMNS, assign_clusters
from python_ml.processes import run_in_child_process


def model(dbt, session):
    dbt.config(materialized="table")
    random_seed = dbt.config.get("random_seed")
    customers = dbt.ref("customer_rfm").project(", ".join(("customer_id",) + FEATURE_COLUMNS))
    chosen = dbt.ref("segmentation_candidates").filter("chosen").df()
    return run_in_child_process(session, assign_clusters, customers, chosen.iloc[0], seed=int(random_seed))
