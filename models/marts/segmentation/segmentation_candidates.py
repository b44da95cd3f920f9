"""Every clustering candidate (K-means k=2..10, Ward, Gaussian mixture, DBSCAN) fitted on the
customer RFM features, with its metrics, stability and the rule-based choice; see
python_ml.clustering.compare_clusterings. Typed for BI in segmentation_model_comparison."""

from python_ml.clustering import FEATURE_COLUMNS, compare_clusterings
from python_ml.processes import run_in_child_process


def model(dbt, session):
    dbt.config(materialized="table")
    random_seed = dbt.config.get("random_seed")
    customers = dbt.ref("customer_rfm").project(", ".join(("customer_id",) + FEATURE_COLUMNS))
    return run_in_child_process(session, compare_clusterings, customers, seed=int(random_seed))
