"""The segment classifier evaluated on held-out customers against a majority-class baseline
(record_type 'metric') and its permutation feature importance (record_type 'importance'); see
python_ml.segment_classifier.evaluate_segment_classifier. Split for BI into
segment_classifier_metrics and segment_classifier_feature_importance."""

from python_ml.segment_classifier import evaluate_segment_classifier


def model(dbt, session):
    dbt.config(materialized="table")
    random_seed = dbt.config.get("random_seed")
    segments = dbt.ref("int_customers_segmented_by_rfm").project("customer_id, rfm_segment")
    customers = dbt.ref("int_customer_lines_aggregated_to_first_60_days").join(segments, "customer_id").df()
    return evaluate_segment_classifier(customers, seed=int(random_seed))
