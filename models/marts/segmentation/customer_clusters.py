"""One row per customer in customer_rfm: the cluster the stored model (customer_cluster_model,
refitted by the full build) places the customer in, from the customer's current features; see
python_ml.clustering.assign_clusters_from_model. Cheap enough for the nightly build."""

from python_ml.clustering import FEATURE_COLUMNS, assign_clusters_from_model


def model(dbt, session):
    dbt.config(materialized="table")
    customers = dbt.ref("customer_rfm").project(", ".join(("customer_id",) + FEATURE_COLUMNS)).df()
    (stored,) = dbt.ref("customer_cluster_model").df().to_dict("records")
    return assign_clusters_from_model(customers, stored)
