"""Backtest scores of every customer-value model and baseline on the evaluation window (one row
per model_name); see python_ml.customer_value.summarize_backtest."""

from python_ml.customer_value import summarize_backtest
from python_ml.processes import run_in_child_process


def model(dbt, session):
    dbt.config(materialized="table")
    scored = dbt.ref("int_customers_scored_for_backtest")
    return run_in_child_process(session, summarize_backtest, scored)
