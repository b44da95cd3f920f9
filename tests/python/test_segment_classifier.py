"""Segment classifier: split, encoding, metrics by hand, permutation importance on data with a
known signal, and determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from python_ml import segment_classifier as sc


def make_customers(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """Customers whose segment is set by orders in the first 60 days (1 -> Lost, 2-3 -> Promising,
    4+ -> Champions); every other feature is noise. The last 40 have an open window."""
    rng = np.random.default_rng(seed)
    orders = rng.integers(1, 7, size=n)
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{position:04d}" for position in range(n)],
            "country": rng.choice(["United Kingdom", "France", "Germany", "Malta"], size=n, p=[0.6, 0.2, 0.18, 0.02]),
            "days_since_first_order": rng.integers(60, 365, size=n),
            "days_observed": 60,
            "first_basket_value": rng.gamma(2.0, 100.0, size=n),
            "first_basket_items": rng.integers(1, 50, size=n),
            "first_basket_products": rng.integers(1, 20, size=n),
            "first_basket_avg_unit_price": rng.gamma(2.0, 2.0, size=n),
            "orders_first_30_days": np.minimum(orders, rng.integers(1, 4, size=n)),
            "orders_first_60_days": orders,
            "items_first_60_days": rng.integers(1, 200, size=n),
            "distinct_products_first_60_days": rng.integers(1, 40, size=n),
            "avg_line_quantity_first_60_days": rng.gamma(2.0, 3.0, size=n),
            "net_revenue_first_60_days": rng.gamma(2.0, 300.0, size=n),
            "return_share_first_60_days": rng.uniform(0, 0.2, size=n),
            "days_to_second_order": np.where(orders > 1, rng.integers(0, 59, size=n), np.nan),
        }
    )
    frame["rfm_segment"] = np.select([orders == 1, orders <= 3], ["Lost", "Promising"], "Champions")
    frame.loc[n - 40 :, "days_observed"] = rng.integers(0, 60, size=40)
    frame.loc[n - 40 :, "days_since_first_order"] = frame.loc[n - 40 :, "days_observed"]
    return frame


def test_split_keeps_open_windows_out_and_holds_out_a_quarter():
    customers = make_customers()
    split = sc.split_customers(customers, seed=1)
    assert (split[customers["days_observed"] < 60] == "recent").all()
    complete = split[customers["days_observed"] >= 60]
    assert set(complete) == {"training", "holdout"}
    assert (complete == "holdout").sum() == 90  # 25% of 360
    # Stratified: each segment's holdout share is close to a quarter.
    shares = (complete == "holdout").groupby(customers["rfm_segment"]).mean()
    assert shares.between(0.2, 0.3).all()


def test_split_does_not_stratify_when_the_holdout_cannot_hold_every_segment():
    # 10 customers in 5 segments of 2: a quarter held out is 3 customers, too few for 5 segments.
    frame = pd.DataFrame({"days_observed": [60] * 10, "rfm_segment": list("AABBCCDDEE")})
    split = sc.split_customers(frame, seed=1)
    assert (split == "holdout").sum() == 3
    assert (split == "training").sum() == 7


def test_country_codes_pool_rare_countries_as_other():
    countries = pd.Series(["France"] * 25 + ["Malta"] * 3 + ["Germany"] * 20)
    assert sc.country_categories(countries) == ["France", "Germany", "Other"]
    frame = make_customers().head(4).assign(country=["Germany", "Malta", "France", "Japan"])
    encoded = sc.encode_features(frame, ["France", "Germany", "Other"])
    assert list(encoded.columns) == list(sc.FEATURES)
    assert encoded["country"].tolist() == [1.0, 2.0, 0.0, 2.0]


def test_evaluate_predictions_by_hand():
    actual = pd.Series(["A", "A", "B", "B"])
    predicted = pd.Series(["A", "B", "B", "B"])
    metrics = sc.evaluate_predictions(actual, predicted, "m")
    value = metrics.set_index(["metric", "actual_segment", "predicted_segment"], drop=True)["value"]
    assert metrics.loc[metrics["metric"] == "accuracy", "value"].item() == pytest.approx(0.75)
    # A: precision 1/1, recall 1/2, f1 2/3. B: precision 2/3, recall 2/2, f1 .8.
    assert metrics.loc[metrics["metric"] == "macro_f1", "value"].item() == pytest.approx((2 / 3 + 0.8) / 2)
    per_segment = metrics[metrics["metric"].isin(["precision", "recall", "support"])]
    assert per_segment.set_index(["metric", "actual_segment"])["value"].to_dict() == pytest.approx(
        {
            ("precision", "A"): 1.0,
            ("recall", "A"): 0.5,
            ("support", "A"): 2.0,
            ("precision", "B"): 2 / 3,
            ("recall", "B"): 1.0,
            ("support", "B"): 2.0,
        }
    )
    confusion = metrics[metrics["metric"] == "confusion_count"]
    assert confusion.set_index(["actual_segment", "predicted_segment"])["value"].to_dict() == {
        ("A", "A"): 1.0,
        ("A", "B"): 1.0,
        ("B", "A"): 0.0,
        ("B", "B"): 2.0,
    }
    assert value.index.is_unique


def test_macro_f1_averages_over_the_held_out_segments_only():
    # C is predicted once but held by no held-out customer. A: f1 1. B: precision 1/1, recall
    # 1/2, f1 2/3. Macro-F1 (1 + 2/3) / 2; over A, B and C it would be (1 + 2/3 + 0) / 3.
    metrics = sc.evaluate_predictions(pd.Series(["A", "A", "B", "B"]), pd.Series(["A", "A", "B", "C"]), "m")
    assert metrics.loc[metrics["metric"] == "macro_f1", "value"].item() == pytest.approx((1 + 2 / 3) / 2)
    assert metrics.loc[metrics["metric"] == "precision", "actual_segment"].tolist() == ["A", "B", "C"]


def test_a_segment_never_predicted_has_zero_precision():
    metrics = sc.evaluate_predictions(pd.Series(["A", "B"]), pd.Series(["A", "A"]), "baseline")
    precision = metrics[metrics["metric"] == "precision"].set_index("actual_segment")["value"]
    assert precision.to_dict() == {"A": 0.5, "B": 0.0}


def test_classifier_learns_the_signal_beats_the_baseline_and_ranks_it_first():
    evaluation = sc.evaluate_segment_classifier(sc.fit_segment_classifier(make_customers(), seed=3), seed=3)
    metrics = evaluation[evaluation["record_type"] == "metric"]
    accuracy = metrics[metrics["metric"] == "accuracy"].set_index("evaluated_model")["value"]
    assert accuracy[sc.CLASSIFIER] >= 0.9
    # The majority class (Champions, orders 4-6) is about half of the customers.
    assert accuracy[sc.BASELINE] <= 0.6
    importance = evaluation[evaluation["record_type"] == "importance"].sort_values("importance_rank")
    assert importance["feature"].iloc[0] == "orders_first_60_days"
    assert importance["importance_rank"].tolist() == list(range(1, len(sc.FEATURES) + 1))
    counts = metrics[metrics["metric"].str.endswith("_customers")].set_index("metric")["value"]
    assert counts.to_dict() == {"training_customers": 270.0, "holdout_customers": 90.0, "recent_customers": 40.0}


def test_predictions_cover_every_customer_and_ignore_row_order():
    customers = make_customers()
    first = sc.predict_customer_segments(sc.fit_segment_classifier(customers, seed=5))
    shuffled = customers.sample(frac=1.0, random_state=2)
    second = sc.predict_customer_segments(sc.fit_segment_classifier(shuffled, seed=5))
    pd.testing.assert_frame_equal(first.reset_index(drop=True), second.reset_index(drop=True))
    assert first["customer_id"].is_unique and len(first) == len(customers)
    assert first["predicted_probability"].between(0, 1).all()
    assert (first.loc[first["classifier_split"] == "recent", "customer_id"] >= "c0360").all()


def test_one_fit_gives_the_predictions_and_the_evaluation():
    customers = make_customers()
    results = sc.classify_customer_segments(customers, seed=5)
    fitted = sc.fit_segment_classifier(customers, seed=5)
    assert results["record_type"].value_counts().to_dict() == {
        "prediction": len(customers),
        "metric": len(sc.evaluate_segment_classifier(fitted, seed=5).query("record_type == 'metric'")),
        "importance": len(sc.FEATURES),
    }
    predictions = results[results["record_type"] == "prediction"].reset_index(drop=True)
    expected = sc.predict_customer_segments(fitted)
    assert predictions["customer_id"].tolist() == expected["customer_id"].tolist()
    assert predictions["actual_segment"].tolist() == expected["rfm_segment"].tolist()
    assert predictions["predicted_segment"].tolist() == expected["predicted_segment"].tolist()
    assert predictions["predicted_probability"].tolist() == expected["predicted_probability"].tolist()


def test_too_little_history_to_train_says_so():
    frame = pd.DataFrame({"days_observed": [59, 10, 60], "rfm_segment": ["Champions", "Lost", "Lost"]})
    with pytest.raises(ValueError, match=r"first 60 days are over, and 1 of 3 are"):
        sc.split_customers(frame, seed=1)
