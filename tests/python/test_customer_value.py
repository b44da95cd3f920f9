"""Customer value: the cutoff split leaks nothing, baselines and rules by hand, determinism, and
the models on synthetic customers with known structure."""

from __future__ import annotations

from pathlib import Path

import duckdb
import jinja2
import numpy as np
import pandas as pd
import pytest

from python_ml import customer_value as cv

MODELS = Path(__file__).resolve().parents[2] / "models" / "intermediate" / "customer_value"
MACROS = Path(__file__).resolve().parents[2] / "macros"
AS_OF = "2024-07-01"
HOLDOUT_DAYS = 30


# --- The feature SQL itself, rendered with stand-ins for the dbt macros it calls ------------


class _DbtMacros:
    """The cross-database macros the models call, written as dbt-duckdb renders them."""

    @staticmethod
    def dateadd(datepart: str, interval: object, from_date: str) -> str:
        return f"date_add({from_date}, interval ({interval}) {datepart})"


def _render(model_file: str) -> str:
    environment = jinja2.Environment()
    # The project's own scoring macro, rendered as is: it uses nothing dbt adds to Jinja.
    rfm_scores = environment.from_string((MACROS / "rfm_scores.sql").read_text()).module
    environment.globals.update(
        ref=lambda name: name,
        var=lambda name, default=None: {"holdout_days": HOLDOUT_DAYS}[name],
        as_of_date=lambda: f"cast('{AS_OF}' as date)",
        days_between=lambda start, end: f"date_diff('day', {start}, {end})",
        quintile_score=rfm_scores.quintile_score,
        dbt=_DbtMacros(),
    )
    return environment.from_string((MODELS / model_file).read_text()).render()


def _line(customer: str, invoice: str, day: str, revenue: float, line_type: str = "sale") -> dict:
    return {
        "customer_id": customer,
        "invoice_no": invoice,
        "invoice_date": pd.Timestamp(day).date(),
        "stock_code": "A1",
        "line_type": line_type,
        "is_product_line": True,
        "quantity": 1 if revenue >= 0 else -1,
        "line_revenue": revenue,
    }


# Cutoffs for as_of 2024-07-01 and 30-day windows: training 2024-05-02, evaluation 2024-06-01.
BASE_LINES = [
    _line("c1", "1", "2024-04-10", 10.0),
    _line("c1", "2", "2024-05-20", 20.0),
    _line("c1", "C3", "2024-05-25", -5.0, "cancellation"),
    _line("c1", "4", "2024-06-10", 30.0),
    _line("c2", "5", "2024-05-31", 7.0),
]


def _build_features_and_targets(lines: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the three SQL models on `lines` in an in-memory DuckDB; (features, targets)."""
    con = duckdb.connect()
    con.register("order_lines", pd.DataFrame(lines))
    con.execute("create table stg_online_retail__order_lines as select * from order_lines")
    for model in [
        "int_cutoffs_derived_from_as_of_date",
        "int_customer_lines_aggregated_to_cutoffs",
        "int_customer_lines_aggregated_to_holdout_windows",
    ]:
        con.execute(f"create table {model} as {_render(model + '.sql')}")
    features = con.sql("select * from int_customer_lines_aggregated_to_cutoffs order by all").df()
    targets = con.sql("select * from int_customer_lines_aggregated_to_holdout_windows order by all").df()
    con.close()
    return features, targets


def test_sql_features_by_hand():
    features, targets = _build_features_and_targets(BASE_LINES)
    row = features[(features["cutoff_name"] == "evaluation") & (features["customer_id"] == "c1")].iloc[0]
    # Before 2024-06-01: invoices 1 and 2 bought 30, C3 gave back 5.
    assert row["frequency"] == 2
    assert float(row["monetary"]) == 25.0
    assert float(row["returned_revenue"]) == 5.0
    assert row["recency_days"] == 12  # 2024-05-20 → 2024-06-01
    assert row["tenure_days"] == 52  # 2024-04-10 → 2024-06-01
    assert float(row["avg_days_between_orders"]) == 40.0
    # Last window = the 30 days before the cutoff (from 2024-05-02): invoice 2 and the return.
    assert row["orders_last_window"] == 1
    assert float(row["net_revenue_last_window"]) == 15.0
    assert row["orders_previous_window"] == 1
    assert float(row["net_revenue_previous_window"]) == 10.0
    window = targets[(targets["cutoff_name"] == "evaluation") & (targets["customer_id"] == "c1")].iloc[0]
    assert window["holdout_orders"] == 1
    assert float(window["holdout_spend"]) == 30.0
    # c2 first bought the day before the evaluation cutoff: not in the training population.
    assert set(features.loc[features["cutoff_name"] == "training", "customer_id"]) == {"c1"}


@pytest.mark.parametrize("day", ["2024-06-01", "2024-06-20"])
def test_sql_features_ignore_a_line_on_or_after_the_cutoff(day):
    features, _ = _build_features_and_targets(BASE_LINES)
    injected, _ = _build_features_and_targets([*BASE_LINES, _line("c1", "99", day, 1000.0)])
    evaluation = features[features["cutoff_name"] != "production"].reset_index(drop=True)
    injected_evaluation = injected[injected["cutoff_name"] != "production"].reset_index(drop=True)
    pd.testing.assert_frame_equal(evaluation, injected_evaluation)


def test_sql_features_see_a_line_the_day_before_the_cutoff():
    # The counterpart: the same injection a day earlier must change the evaluation features,
    # so the test above can fail.
    features, _ = _build_features_and_targets(BASE_LINES)
    injected, _ = _build_features_and_targets([*BASE_LINES, _line("c1", "99", "2024-05-31", 1000.0)])
    before = features.set_index(["cutoff_name", "customer_id"]).loc[("evaluation", "c1")]
    after = injected.set_index(["cutoff_name", "customer_id"]).loc[("evaluation", "c1")]
    assert after["frequency"] == before["frequency"] + 1


# --- Synthetic customers with known structure -------------------------------------------


def _synthetic_cutoff(cutoff_name: str, cutoff_date: str, rng: np.random.Generator, n: int) -> pd.DataFrame:
    frequency = 1 + rng.poisson(2.0, n)
    tenure = rng.integers(30, 300, n)
    span = np.where(frequency > 1, (rng.random(n) * (tenure - 1)).astype(int), 0)
    recency = tenure - span
    order_value = rng.uniform(10, 100, n).round(2)
    cutoff = pd.Timestamp(cutoff_date)
    frame = pd.DataFrame(
        {
            "cutoff_name": cutoff_name,
            "cutoff_date": cutoff,
            "customer_id": [f"c{i:04d}" for i in range(n)],
            "first_order_date": cutoff - pd.to_timedelta(tenure, unit="D"),
            "last_order_date": cutoff - pd.to_timedelta(recency, unit="D"),
            "recency_days": recency,
            "tenure_days": tenure,
            "active_span_days": span,
            "frequency": frequency,
            "purchase_days": frequency,
            "monetary": (frequency * order_value).round(2),
            "gross_revenue": (frequency * order_value).round(2),
            "returned_revenue": 0.0,
            "avg_order_value": order_value,
            "avg_days_between_orders": np.where(frequency > 1, span / np.maximum(frequency - 1, 1), np.nan),
            "distinct_products": frequency * 3,
            "items_bought": frequency * 10,
            "return_rate": 0.0,
            "orders_last_window": np.where(recency <= 90, 1, 0),
            "net_revenue_last_window": np.where(recency <= 90, order_value, 0.0),
            "orders_previous_window": 0,
            "net_revenue_previous_window": 0.0,
        }
    )
    scores = [("r_score", "recency_days", False), ("f_score", "frequency", True), ("m_score", "monetary", True)]
    for score, column, ascending in scores:
        ranks = frame[column].rank(method="first", ascending=ascending)
        frame[score] = np.ceil(ranks / n * 5).astype(int)
    return frame


def _synthetic_targets(features: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    # Known structure: customers who bought in the last 30 days buy again with p = 0.85, the
    # rest with p = 0.15; buyers place 1 + Poisson(1) orders of their usual value.
    bought = rng.random(len(features)) < np.where(features["recency_days"] <= 30, 0.85, 0.15)
    orders = np.where(bought, 1 + rng.poisson(1.0, len(features)), 0)
    return pd.DataFrame(
        {
            "cutoff_name": features["cutoff_name"],
            "customer_id": features["customer_id"],
            "cutoff_date": features["cutoff_date"],
            "window_end_date": features["cutoff_date"] + pd.Timedelta(days=90),
            "holdout_purchased": bought,
            "holdout_orders": orders,
            "holdout_spend": (orders * features["avg_order_value"]).round(2),
        }
    )


@pytest.fixture(scope="module")
def synthetic() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(3)
    features = pd.concat(
        [
            _synthetic_cutoff("training", "2024-01-01", rng, 400),
            _synthetic_cutoff("evaluation", "2024-03-31", rng, 400),
            _synthetic_cutoff("production", "2024-06-29", rng, 400),
        ],
        ignore_index=True,
    )
    targets = _synthetic_targets(features[features["cutoff_name"] != "production"], rng).reset_index(drop=True)
    return features, targets


@pytest.fixture(scope="module")
def backtest(synthetic) -> pd.DataFrame:
    features, targets = synthetic
    return cv.score_backtest(features, targets, holdout_days=90, seed=42)


def test_backtest_learns_the_known_structure(backtest):
    summary = cv.summarize_backtest(backtest).set_index("model_name")
    # Recency decides purchases (p 0.85 vs 0.15): the AUC ceiling is 0.85; the boosting gets close.
    assert summary.loc["gradient_boosting", "purchase_auc"] > 0.78
    boosting, repeats = summary.loc["gradient_boosting"], summary.loc["last_window_repeats"]
    assert boosting["purchase_log_loss"] < repeats["purchase_log_loss"]
    # Calibrated: the mean prediction is near the observed rate.
    assert summary.loc["gradient_boosting", "mean_p_purchase"] == pytest.approx(
        summary.loc["gradient_boosting", "actual_purchase_rate"], abs=0.06
    )
    assert set(summary.index) == set(cv.MODEL_NAMES)


def test_backtest_does_not_see_the_evaluation_window(synthetic, backtest):
    # Scrambling what happened in the evaluation window, and everything at the production
    # cutoff, must leave every prediction unchanged: only the actual_* columns may move.
    features, targets = synthetic
    scrambled_targets = targets.copy()
    evaluation = scrambled_targets["cutoff_name"] == "evaluation"
    scrambled_targets.loc[evaluation, "holdout_orders"] = 7
    scrambled_targets.loc[evaluation, "holdout_spend"] = 1e6
    scrambled_targets.loc[evaluation, "holdout_purchased"] = ~scrambled_targets.loc[evaluation, "holdout_purchased"]
    scrambled_features = features.copy()
    production = scrambled_features["cutoff_name"] == "production"
    scrambled_features.loc[production, "frequency"] = 50
    rescored = cv.score_backtest(scrambled_features, scrambled_targets, holdout_days=90, seed=42)
    predictions = ["model_name", "customer_id", *cv.PREDICTION_COLUMNS]
    pd.testing.assert_frame_equal(backtest[predictions], rescored[predictions])
    assert not backtest["actual_spend"].equals(rescored["actual_spend"])


def test_backtest_is_deterministic_and_ignores_input_order(synthetic, backtest):
    features, targets = synthetic
    shuffled = cv.score_backtest(
        features.sample(frac=1, random_state=1), targets.sample(frac=1, random_state=2), holdout_days=90, seed=42
    )
    pd.testing.assert_frame_equal(backtest, shuffled, check_exact=True)


def test_production_predictions(synthetic):
    features, targets = synthetic
    # Reversed input: the output is sorted by customer_id and independent of row order.
    first = cv.predict_customer_value(features.iloc[::-1], targets.iloc[::-1], holdout_days=90, seed=42)
    assert first["customer_id"].is_monotonic_increasing
    assert len(first) == 400 and first["customer_id"].is_unique
    assert first["p_purchase"].between(0, 1).all()
    assert (first["churn_risk"] + first["p_purchase"]).round(6).eq(1).all()
    assert (first["expected_orders"] >= first["p_purchase"]).all()
    assert (first["predicted_spend"] >= 0).all()
    # Stretching 90 days to 365 never shrinks value and never exceeds the plain time ratio.
    ratio = first["predicted_clv_365d"] / first["predicted_spend"]
    assert ratio.between(1, 365 / 90 + 1e-6).all()
    assert (first["expected_next_order_date"] >= pd.Timestamp("2024-06-29")).all()
    assert sorted(first["value_decile"].unique()) == list(range(1, 11))


# --- Baselines and rules, by hand ---------------------------------------------------------


def _scored_customers(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["customer_id", "r_score", "f_score", "m_score"])


def test_rfm_cell_average_falls_back_to_rf_then_everyone(monkeypatch):
    monkeypatch.setattr(cv, "MIN_CELL_CUSTOMERS", 2)
    training = _scored_customers([("a", 5, 5, 5), ("b", 5, 5, 5), ("c", 5, 5, 4), ("d", 1, 1, 1)])
    targets = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "holdout_purchased": [True, False, True, False],
            "holdout_orders": [2, 0, 1, 0],
            "holdout_spend": [100.0, 0.0, 50.0, 0.0],
        }
    )
    cells = cv.fit_rfm_cell_averages(training, targets)
    scoring = _scored_customers([("x", 5, 5, 5), ("y", 5, 5, 4), ("z", 1, 1, 1)])
    predicted = cv.predict_rfm_cell_average(cells, scoring).set_index("customer_id")
    # x: its R×F×M cell (a, b) has 2 customers → (100 + 0) / 2.
    assert predicted.loc["x", "predicted_spend"] == pytest.approx(50.0)
    assert predicted.loc["x", "p_purchase"] == pytest.approx(0.5)
    # y: cell 5-5-4 has only c → R×F cell 5-5 (a, b, c) → 150 / 3, 2 of 3 bought.
    assert predicted.loc["y", "predicted_spend"] == pytest.approx(50.0)
    assert predicted.loc["y", "p_purchase"] == pytest.approx(2 / 3)
    # z: cells 1-1-1 and 1-1 hold only d → everyone: 150 / 4, orders 3 / 4.
    assert predicted.loc["z", "predicted_spend"] == pytest.approx(37.5)
    assert predicted.loc["z", "expected_orders"] == pytest.approx(0.75)


def test_last_window_repeats():
    features = pd.DataFrame(
        {"customer_id": ["a", "b"], "orders_last_window": [2, 0], "net_revenue_last_window": [80.0, -10.0]}
    )
    predicted = cv.predict_last_window_repeats(features)
    assert predicted["p_purchase"].tolist() == [1.0, 0.0]
    assert predicted["expected_orders"].tolist() == [2.0, 0.0]
    assert predicted["predicted_spend"].tolist() == [80.0, 0.0]


def test_churn_risk_bands():
    bands = cv.churn_risk_band(pd.Series([0.0, 0.33, 1 / 3, 0.66, 2 / 3, 1.0]))
    assert bands.tolist() == ["Low", "Low", "Medium", "Medium", "High", "High"]


def test_expected_next_order_dates():
    features = pd.DataFrame(
        {
            "last_order_date": pd.to_datetime(["2024-06-20", "2024-05-01", "2024-06-25", "2024-06-28"]),
            "avg_days_between_orders": [20.0, 10.0, np.nan, 40.0],
        }
    )
    expected = cv.expected_next_order_dates(features, pd.Timestamp("2024-07-01"))
    # 06-20 + 20 d; 05-01 + 10 d is past → due now; one-time buyer: median gap of 10, 20, 40 = 20.
    assert expected.tolist() == [
        pd.Timestamp("2024-07-10"),
        pd.Timestamp("2024-07-01"),
        pd.Timestamp("2024-07-15"),
        pd.Timestamp("2024-08-07"),
    ]


def test_next_order_of_a_customer_whose_orders_fell_on_one_day_uses_the_typical_gap():
    features = pd.DataFrame(
        {
            "last_order_date": pd.to_datetime(["2024-06-20", "2024-06-20", "2024-06-25"]),
            "avg_days_between_orders": [0.0, 30.0, 40.0],
        }
    )
    expected = cv.expected_next_order_dates(features, pd.Timestamp("2024-07-01"))
    # Two orders on 06-20 (gap 0): the median of the real gaps, 35 d, gives 07-25, not "due now";
    # the others: 06-20 + 30 d, 06-25 + 40 d. With the 0 counted the median would be 30.
    assert expected.tolist() == [
        pd.Timestamp("2024-07-25"),
        pd.Timestamp("2024-07-20"),
        pd.Timestamp("2024-08-04"),
    ]


def test_a_training_window_with_too_few_buyers_to_calibrate_says_so(synthetic):
    features, targets = synthetic
    evaluation = features[features["cutoff_name"] == "evaluation"]
    window = targets[targets["cutoff_name"] == "evaluation"].copy()
    window["holdout_purchased"] = False
    window.loc[window.index[:3], "holdout_purchased"] = True  # 3 buyers: fewer than the 5 folds
    with pytest.raises(ValueError, match=r"at least 5 customers who bought and 5 who did not .* has 3 and 397 of 400"):
        cv.fit_gradient_boosting(evaluation, window, seed=1)
