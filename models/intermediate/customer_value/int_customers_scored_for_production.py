"""The champion customer-value model refitted on the latest complete holdout window and applied
as of as_of_date (one row per customer); see python_ml.customer_value.predict_customer_value."""

from python_ml.customer_value import predict_customer_value
from python_ml.processes import run_in_child_process


def model(dbt, session):
    dbt.config(materialized="table")
    holdout_days = dbt.config.get("holdout_days")
    random_seed = dbt.config.get("random_seed")
    features = dbt.ref("int_customer_lines_aggregated_to_cutoffs").filter("cutoff_name in ('evaluation', 'production')")
    targets = dbt.ref("int_customer_lines_aggregated_to_holdout_windows").filter("cutoff_name = 'evaluation'")
    return run_in_child_process(
        session, predict_customer_value, features, targets, int(holdout_days), int(random_seed)
    )
