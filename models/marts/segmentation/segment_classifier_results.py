"""The segment classifier's predictions (record_type 'prediction'), its held-out evaluation
against a majority-class baseline ('metric') and its permutation feature importance
('importance') in one table: one Python model so the forest is fitted once; see
python_ml.segment_classifier.classify_customer_segments. Split for BI into
segment_classifier_predictions, segment_classifier_metrics and
segment_classifier_feature_importance."""

from python_ml.processes import run_in_child_process
from python_ml.segment_classifier import classify_customer_segments


def model(dbt, session):
    dbt.config(materialized="table")
    random_seed = dbt.config.get("random_seed")
    segments = dbt.ref("int_customers_segmented_by_rfm").project("customer_id, rfm_segment")
    customers = dbt.ref("int_customer_lines_aggregated_to_first_60_days").join(segments, "customer_id")
    return run_in_child_process(session, classify_customer_segments, customers, seed=int(random_seed))
