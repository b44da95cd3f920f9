"""Every customer-value candidate's predictions for the evaluation window next to what happened
(one row per model_name × customer_id); see python_ml.customer_value.score_backtest."""

from python_ml.customer_value import score_backtest
from python_ml.processes import run_in_child_process


def model(dbt, session):
    dbt.config(materialized="table")
    holdout_days = dbt.config.get("holdout_days")
    random_seed = dbt.config.get("random_seed")
    features = dbt.ref("int_customer_lines_aggregated_to_cutoffs").filter("cutoff_name in ('training', 'evaluation')")
    targets = dbt.ref("int_customer_lines_aggregated_to_holdout_windows")
    return run_in_child_process(session, score_backtest, features, targets, int(holdout_days), int(random_seed))
