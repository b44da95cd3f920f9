"""One row: the chosen candidate of segmentation_candidates re-fitted with the same rows, sample
and seed (so its clusters are the ones scored), stored with the feature scaling, the cluster
numbering and the cluster names that customer_clusters applies, in a full build and in a
nightly build alike; see python_ml.clustering.fit_cluster_model."""

from python_ml.clustering import FEATURE_COLUMNS, fit_cluster_model
from python_ml.processes import run_in_child_process


def model(dbt, session):
    dbt.config(materialized="table")
    random_seed = dbt.config.get("random_seed")
    customers = dbt.ref("customer_rfm").project(", ".join(("customer_id",) + FEATURE_COLUMNS))
    chosen = dbt.ref("segmentation_candidates").filter("chosen").df()
    return run_in_child_process(session, fit_cluster_model, customers, chosen.iloc[0], seed=int(random_seed))
