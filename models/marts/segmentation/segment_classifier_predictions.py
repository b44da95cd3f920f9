"""One row per customer: the RFM segment the classifier predicts from the first order and the
first 60 days, with its probability and the customer's split (training, holdout, or recent: the
customers whose early window is still open); see
python_ml.segment_classifier.predict_customer_segments."""

from python_ml.segment_classifier import predict_customer_segments


def model(dbt, session):
    dbt.config(materialized="table")
    random_seed = dbt.config.get("random_seed")
    segments = dbt.ref("int_customers_segmented_by_rfm").project("customer_id, rfm_segment")
    customers = dbt.ref("int_customer_lines_aggregated_to_first_60_days").join(segments, "customer_id").df()
    return predict_customer_segments(customers, seed=int(random_seed))
