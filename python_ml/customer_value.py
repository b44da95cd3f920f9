"""Customer value predictions: will a customer buy in the next `holdout_days`, how many orders,
how much spend, what 365-day value — and how well each candidate model did on a time-based holdout.

Inputs (built in SQL, models/intermediate/customer_value):
- `features`: one row per cutoff_name × customer_id, computed only from lines dated before the
  cutoff (FEATURE_COLUMNS, plus cutoff_date, first/last_order_date and r/f/m_score 1…5).
- `targets`: one row per cutoff_name × customer_id for cutoffs with a complete holdout window:
  holdout_purchased (bool), holdout_orders (purchase invoices), holdout_spend (net product revenue
  in the window, floored at 0).

Cutoffs are 'training' (as_of − 2·holdout), 'evaluation' (as_of − holdout) and 'production'
(as_of). The backtest fits on training features → training-window targets and scores the
evaluation window from evaluation features; production refits on evaluation features →
evaluation-window targets and predicts from production features.

Candidates:
- gradient_boosting: scikit-learn histogram gradient boosting — a log-loss classifier for
  P(purchase) with Platt calibration, Poisson-loss regressors for orders and spend (non-negative means, log link).
- bg_nbd_gamma_gamma: BG/NBD + Gamma–Gamma (python_ml.btyd), fitted on the cutoff's history only.
- last_window_repeats (baseline): the holdout-length window before the cutoff repeats exactly.
- rfm_cell_average (baseline): the training-window average of customers in the same
  R×F×M quintile cell, falling back to the R×F cell, then to all customers, when a cell is small.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from python_ml import btyd, metrics

FEATURE_COLUMNS = [
    "recency_days",
    "tenure_days",
    "active_span_days",
    "frequency",
    "purchase_days",
    "monetary",
    "gross_revenue",
    "returned_revenue",
    "avg_order_value",
    "avg_days_between_orders",
    "distinct_products",
    "items_bought",
    "return_rate",
    "orders_last_window",
    "net_revenue_last_window",
    "orders_previous_window",
    "net_revenue_previous_window",
]
TARGET_COLUMNS = ["holdout_purchased", "holdout_orders", "holdout_spend"]
PREDICTION_COLUMNS = ["p_purchase", "expected_orders", "predicted_spend"]

CHAMPION_MODEL = "gradient_boosting"
MODEL_NAMES = ["gradient_boosting", "bg_nbd_gamma_gamma", "last_window_repeats", "rfm_cell_average"]
# A cell of the RFM baseline needs this many training customers, else it falls back a level.
MIN_CELL_CUSTOMERS = 30
# Churn-risk bands on 1 − p_purchase: Low below 1/3, Medium below 2/3, High from 2/3.
CHURN_BAND_EDGES = (1 / 3, 2 / 3)
CLV_HORIZON_DAYS = 365
# Folds of the out-of-fold predictions the Platt calibration of P(purchase) is fitted on.
CALIBRATION_FOLDS = 5
# Rounding of every float output, so results are byte-identical whatever the thread count of
# the boosting library (its parallel sums can differ in the last bits).
OUTPUT_DECIMALS = 6


def select_cutoff(frame: pd.DataFrame, cutoff_name: str) -> pd.DataFrame:
    """The rows of one cutoff, sorted by customer_id, index reset."""
    rows = frame[frame["cutoff_name"] == cutoff_name]
    return rows.sort_values("customer_id", kind="stable").reset_index(drop=True)


def build_model_matrix(features: pd.DataFrame) -> pd.DataFrame:
    """Model inputs for one cutoff's customers (rows in the order given): FEATURE_COLUMNS as
    float, plus rates that compare customers of different tenure — orders per 30 days of tenure
    and recency over the customer's own mean gap between orders (NaN for one-time buyers, which
    the boosting handles natively)."""
    matrix = features[FEATURE_COLUMNS].astype("float64")
    tenure = matrix["tenure_days"].clip(lower=1)
    matrix["orders_per_30_days"] = matrix["frequency"] / tenure * 30
    matrix["recency_over_gap"] = matrix["recency_days"] / matrix["avg_days_between_orders"].where(
        matrix["avg_days_between_orders"] > 0
    )
    return matrix


@dataclass(frozen=True)
class GradientBoostingModels:
    """The three fitted estimators of the gradient_boosting candidate."""

    purchase: CalibratedClassifierCV
    orders: HistGradientBoostingRegressor
    spend: HistGradientBoostingRegressor


def _boosting_settings(seed: int) -> dict[str, object]:
    # Small trees, shrinkage and no early stopping: stable on a few thousand customers, and no
    # random validation split, so the fit depends on the seed only through tie-breaking.
    return {
        "learning_rate": 0.05,
        "max_iter": 100,
        "max_leaf_nodes": 7,
        "min_samples_leaf": 50,
        "l2_regularization": 1.0,
        "early_stopping": False,
        "random_state": seed,
    }


def fit_gradient_boosting(features: pd.DataFrame, targets: pd.DataFrame, seed: int) -> GradientBoostingModels:
    """Fit the purchase classifier and the orders and spend regressors on one cutoff's features
    and the targets of the window after it (both frames keyed by customer_id, one cutoff)."""
    training = features.merge(targets[["customer_id", *TARGET_COLUMNS]], on="customer_id", how="inner")
    training = training.sort_values("customer_id", kind="stable").reset_index(drop=True)
    outcomes = training["holdout_purchased"].value_counts()
    if len(outcomes) < 2 or outcomes.min() < CALIBRATION_FOLDS:
        raise ValueError(
            f"customer value: the training window needs at least {CALIBRATION_FOLDS} customers who "
            f"bought and {CALIBRATION_FOLDS} who did not (to calibrate the purchase probability), "
            f"and has {int(outcomes.get(True, 0))} and {int(outcomes.get(False, 0))} of "
            f"{len(training)}; widen the data or shorten var holdout_days."
        )
    matrix = build_model_matrix(training)
    settings = _boosting_settings(seed)
    # Platt scaling fitted on out-of-fold predictions (unshuffled stratified folds, so
    # deterministic) of the same window the classifier learns from: the scored window is never
    # seen. One OpenMP thread: on a shared machine more threads spin-wait and run many times
    # slower, and a fixed thread count keeps the floating-point sums identical run to run.
    with threadpool_limits(limits=1, user_api="openmp"):
        purchase = CalibratedClassifierCV(
            HistGradientBoostingClassifier(**settings), method="sigmoid", cv=CALIBRATION_FOLDS, ensemble=False
        ).fit(matrix, training["holdout_purchased"].astype(int))
        orders = HistGradientBoostingRegressor(loss="poisson", **settings).fit(matrix, training["holdout_orders"])
        spend = HistGradientBoostingRegressor(loss="poisson", **settings).fit(matrix, training["holdout_spend"])
    return GradientBoostingModels(purchase=purchase, orders=orders, spend=spend)


def predict_gradient_boosting(models: GradientBoostingModels, features: pd.DataFrame) -> pd.DataFrame:
    """customer_id, p_purchase, expected_orders, predicted_spend for one cutoff's customers.
    Expected orders are at least p_purchase, since E[orders] ≥ P(orders ≥ 1)."""
    matrix = build_model_matrix(features)
    with threadpool_limits(limits=1, user_api="openmp"):
        p_purchase = models.purchase.predict_proba(matrix)[:, 1]
        expected_orders = models.orders.predict(matrix)
        predicted_spend = models.spend.predict(matrix)
    return pd.DataFrame(
        {
            "customer_id": features["customer_id"].to_numpy(),
            "p_purchase": p_purchase,
            "expected_orders": np.maximum(expected_orders, p_purchase),
            "predicted_spend": predicted_spend,
        }
    )


def predict_last_window_repeats(features: pd.DataFrame) -> pd.DataFrame:
    """Baseline: the customer does exactly what they did in the holdout-length window before the
    cutoff — P(purchase) 1 if they bought then else 0, the same orders, the same spend (≥ 0)."""
    return pd.DataFrame(
        {
            "customer_id": features["customer_id"].to_numpy(),
            "p_purchase": (features["orders_last_window"] > 0).astype("float64").to_numpy(),
            "expected_orders": features["orders_last_window"].astype("float64").to_numpy(),
            "predicted_spend": features["net_revenue_last_window"].astype("float64").clip(lower=0).to_numpy(),
        }
    )


def fit_rfm_cell_averages(features: pd.DataFrame, targets: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Baseline tables from one cutoff: mean targets and customer counts per R×F×M cell
    ('rfm'), per R×F cell ('rf') and overall ('all'), keyed by the score columns."""
    training = features.merge(targets[["customer_id", *TARGET_COLUMNS]], on="customer_id", how="inner")
    training = training.assign(holdout_purchased=training["holdout_purchased"].astype("float64"))
    means = {
        "p_purchase": ("holdout_purchased", "mean"),
        "expected_orders": ("holdout_orders", "mean"),
        "predicted_spend": ("holdout_spend", "mean"),
        "customers": ("customer_id", "size"),
    }
    return {
        "rfm": training.groupby(["r_score", "f_score", "m_score"], sort=True).agg(**means).reset_index(),
        "rf": training.groupby(["r_score", "f_score"], sort=True).agg(**means).reset_index(),
        "all": training.assign(everyone=1).groupby("everyone").agg(**means).reset_index(),
    }


def predict_rfm_cell_average(cells: dict[str, pd.DataFrame], features: pd.DataFrame) -> pd.DataFrame:
    """Baseline: each customer gets the training averages of their R×F×M cell when it held at
    least MIN_CELL_CUSTOMERS customers, else of their R×F cell, else of everyone."""
    result = features[["customer_id", "r_score", "f_score", "m_score"]].copy()
    result["everyone"] = 1
    levels = [("rfm", ["r_score", "f_score", "m_score"]), ("rf", ["r_score", "f_score"]), ("all", ["everyone"])]
    filled = pd.Series(False, index=result.index)
    for column in PREDICTION_COLUMNS:
        result[column] = np.nan
    for level, keys in levels:
        table = cells[level]
        if level != "all":
            table = table[table["customers"] >= MIN_CELL_CUSTOMERS]
        joined = result[keys].merge(table, on=keys, how="left")
        take = (~filled) & joined["customers"].notna().to_numpy()
        for column in PREDICTION_COLUMNS:
            result.loc[take, column] = joined.loc[take.to_numpy(), column].to_numpy()
        filled |= take
    return result[["customer_id", *PREDICTION_COLUMNS]].reset_index(drop=True)


@dataclass(frozen=True)
class BtydPredictions:
    """Per-customer BG/NBD + Gamma–Gamma outputs for one cutoff, rows in the features' order."""

    p_purchase: np.ndarray
    expected_orders: np.ndarray
    predicted_spend: np.ndarray
    expected_purchase_days_holdout: np.ndarray
    expected_purchase_days_clv_horizon: np.ndarray


def predict_btyd(features: pd.DataFrame, holdout_days: int) -> BtydPredictions:
    """Fit BG/NBD on one cutoff's purchase histories (a transaction is a purchase day, as is
    usual for these models: x = purchase_days − 1, t_x = active_span_days, T = tenure_days) and
    Gamma–Gamma on spend per purchase day, then predict the holdout_days after the cutoff. Orders
    are purchase days times the customer's invoices per purchase day."""
    x = features["purchase_days"].to_numpy(dtype=np.float64) - 1
    t_x = features["active_span_days"].to_numpy(dtype=np.float64)
    age = features["tenure_days"].to_numpy(dtype=np.float64)
    purchase_days = features["purchase_days"].to_numpy(dtype=np.float64)
    value_per_day = features["monetary"].to_numpy(dtype=np.float64) / purchase_days
    counts = btyd.fit_bg_nbd(x, t_x, age)
    has_value = value_per_day > 0
    values = btyd.fit_gamma_gamma(purchase_days[has_value], value_per_day[has_value])
    expected_days = btyd.bg_nbd_expected_purchases(counts, x, t_x, age, holdout_days)
    expected_value = btyd.gamma_gamma_expected_value(values, purchase_days, np.maximum(value_per_day, 0))
    orders_per_day = features["frequency"].to_numpy(dtype=np.float64) / purchase_days
    p_purchase = btyd.bg_nbd_probability_of_purchase(counts, x, t_x, age, holdout_days)
    return BtydPredictions(
        p_purchase=p_purchase,
        expected_orders=np.maximum(expected_days * orders_per_day, p_purchase),
        predicted_spend=expected_days * expected_value,
        expected_purchase_days_holdout=expected_days,
        expected_purchase_days_clv_horizon=btyd.bg_nbd_expected_purchases(counts, x, t_x, age, CLV_HORIZON_DAYS),
    )


def _btyd_frame(features: pd.DataFrame, holdout_days: int) -> pd.DataFrame:
    predictions = predict_btyd(features, holdout_days)
    return pd.DataFrame(
        {
            "customer_id": features["customer_id"].to_numpy(),
            "p_purchase": predictions.p_purchase,
            "expected_orders": predictions.expected_orders,
            "predicted_spend": predictions.predicted_spend,
        }
    )


def score_backtest(features: pd.DataFrame, targets: pd.DataFrame, holdout_days: int, seed: int) -> pd.DataFrame:
    """Every candidate's predictions for the evaluation window, next to what happened.

    Models learn from training-cutoff features and training-window targets (BG/NBD from the
    evaluation cutoff's history alone); they predict from evaluation-cutoff features only, and
    the evaluation-window targets are joined afterwards, for scoring. One row per model_name ×
    customer_id: p_purchase, expected_orders, predicted_spend, cutoff_date and window_end_date
    (the evaluation window), actual_purchased (0/1), actual_orders, actual_spend, spend_decile and
    probability_decile (1…10 within the model), sorted by model_name then customer_id."""
    training_features = select_cutoff(features, "training")
    training_targets = select_cutoff(targets, "training")
    scoring_features = select_cutoff(features, "evaluation")
    scoring_targets = select_cutoff(targets, "evaluation")

    boosting = fit_gradient_boosting(training_features, training_targets, seed)
    cells = fit_rfm_cell_averages(training_features, training_targets)
    by_model = {
        "gradient_boosting": predict_gradient_boosting(boosting, scoring_features),
        "bg_nbd_gamma_gamma": _btyd_frame(scoring_features, holdout_days),
        "last_window_repeats": predict_last_window_repeats(scoring_features),
        "rfm_cell_average": predict_rfm_cell_average(cells, scoring_features),
    }
    actuals = scoring_targets[["customer_id", "cutoff_date", "window_end_date", *TARGET_COLUMNS]].rename(
        columns={
            "holdout_purchased": "actual_purchased",
            "holdout_orders": "actual_orders",
            "holdout_spend": "actual_spend",
        }
    )
    actuals["actual_purchased"] = actuals["actual_purchased"].astype("int64")
    frames = []
    for model_name in MODEL_NAMES:
        model_scores = _round_floats(by_model[model_name].merge(actuals, on="customer_id", how="inner"))
        model_scores.insert(0, "model_name", model_name)
        customers = model_scores["customer_id"]
        model_scores["spend_decile"] = metrics.assign_deciles(model_scores["predicted_spend"], customers)
        model_scores["probability_decile"] = metrics.assign_deciles(model_scores["p_purchase"], customers)
        frames.append(model_scores)
    scored = pd.concat(frames, ignore_index=True)
    return scored.sort_values(["model_name", "customer_id"], kind="stable").reset_index(drop=True)


def summarize_backtest(scored: pd.DataFrame) -> pd.DataFrame:
    """One row per model_name of score_backtest's output: the evaluation window's cutoff_date and
    window_end_date, customers, actual and mean predicted
    purchase rate, purchase_auc, purchase_log_loss, purchase_brier, purchase_calibration_error
    (over probability deciles), spend_mae, spend_rmse, spend_spearman, spend_normalized_gini,
    spend_top_decile_lift, actual and predicted total spend, orders_mae, is_champion."""
    rows = []
    for model_name, group in scored.groupby("model_name", sort=True):
        actual = group["actual_purchased"]
        rows.append(
            {
                "model_name": model_name,
                "is_champion": model_name == CHAMPION_MODEL,
                "cutoff_date": group["cutoff_date"].min(),
                "window_end_date": group["window_end_date"].min(),
                "customers": len(group),
                "actual_purchase_rate": float(actual.mean()),
                "mean_p_purchase": float(group["p_purchase"].mean()),
                "purchase_auc": metrics.roc_auc(actual, group["p_purchase"]),
                "purchase_log_loss": metrics.log_loss(actual, group["p_purchase"]),
                "purchase_brier": metrics.brier_score(actual, group["p_purchase"]),
                "purchase_calibration_error": metrics.expected_calibration_error(
                    group["probability_decile"], group["p_purchase"], actual
                ),
                "spend_mae": metrics.mean_absolute_error(group["actual_spend"], group["predicted_spend"]),
                "spend_rmse": metrics.root_mean_squared_error(group["actual_spend"], group["predicted_spend"]),
                "spend_spearman": metrics.spearman_correlation(group["actual_spend"], group["predicted_spend"]),
                "spend_normalized_gini": metrics.normalized_gini(group["actual_spend"], group["predicted_spend"]),
                "spend_top_decile_lift": metrics.top_decile_lift(group["actual_spend"], group["predicted_spend"]),
                "actual_total_spend": float(group["actual_spend"].sum()),
                "predicted_total_spend": float(group["predicted_spend"].sum()),
                "orders_mae": metrics.mean_absolute_error(group["actual_orders"], group["expected_orders"]),
            }
        )
    return _round_floats(pd.DataFrame(rows))


def churn_risk_band(churn_risk: pd.Series) -> pd.Series:
    """'Low' below 1/3, 'Medium' below 2/3, 'High' from 2/3 (churn risk = 1 − p_purchase)."""
    low, high = CHURN_BAND_EDGES
    bands = np.where(churn_risk < low, "Low", np.where(churn_risk < high, "Medium", "High"))
    return pd.Series(bands, index=churn_risk.index, dtype="object")


def expected_next_order_dates(features: pd.DataFrame, as_of_date: pd.Timestamp) -> pd.Series:
    """Expected date of the next order: last order + the customer's mean days between orders;
    for one-time buyers, and for customers whose orders all fell on one day (a mean gap of 0
    days says nothing about when they return), last order + the median of that mean over the
    other repeat buyers (the population's typical gap). A date already past (the customer is
    overdue) becomes as_of_date: the order is due now. NaT only when no customer has ordered on
    two days."""
    gaps = features["avg_days_between_orders"].astype("float64")
    gaps = gaps.where(gaps > 0)
    typical_gap = gaps.median()
    gap_days = gaps.fillna(typical_gap).round()
    expected = pd.to_datetime(features["last_order_date"]) + pd.to_timedelta(gap_days, unit="D")
    return expected.where(expected.isna() | (expected >= as_of_date), as_of_date)


def predict_customer_value(features: pd.DataFrame, targets: pd.DataFrame, holdout_days: int, seed: int) -> pd.DataFrame:
    """The production predictions, one row per customer with a purchase before as_of_date.

    The champion (gradient_boosting) is refitted on evaluation-cutoff features and
    evaluation-window targets and predicts from production-cutoff features: p_purchase,
    churn_risk (1 − p_purchase), churn_risk_band, expected_orders and predicted_spend in the
    holdout_days after as_of_date. predicted_clv_365d stretches predicted_spend to 365 days with
    the customer's own BG/NBD curve: predicted_spend × E[purchases in 365 d] / E[purchases in
    holdout_days], so a customer likely to drop out earns less than 365/holdout_days times the
    window. Also expected_next_order_date (as of the production cutoff_date, i.e. as_of_date),
    avg_days_between_orders (historical, null for one-time buyers) and value_decile (1…10,
    10 = highest predicted_clv_365d). Sorted by customer_id."""
    fitting_features = select_cutoff(features, "evaluation")
    fitting_targets = select_cutoff(targets, "evaluation")
    production = select_cutoff(features, "production")
    if production.empty:
        raise ValueError("customer value: no customer has a purchase before as_of_date.")
    as_of_date = pd.Timestamp(production["cutoff_date"].iloc[0])

    predictions = predict_gradient_boosting(fit_gradient_boosting(fitting_features, fitting_targets, seed), production)
    curve = predict_btyd(production, holdout_days)
    # Where BG/NBD expects (numerically) no purchase in the window, the ratio is undefined; the
    # plain time ratio is the limit for a customer whose activity does not decay.
    stretch = np.where(
        curve.expected_purchase_days_holdout > 1e-12,
        curve.expected_purchase_days_clv_horizon / np.maximum(curve.expected_purchase_days_holdout, 1e-12),
        CLV_HORIZON_DAYS / holdout_days,
    )
    result = predictions.assign(
        churn_risk=1 - predictions["p_purchase"],
        predicted_clv_365d=predictions["predicted_spend"] * stretch,
        expected_next_order_date=expected_next_order_dates(production, as_of_date).to_numpy(),
        avg_days_between_orders=production["avg_days_between_orders"].astype("float64").to_numpy(),
    )
    result = _round_floats(result)
    result["churn_risk_band"] = churn_risk_band(result["churn_risk"])
    result["value_decile"] = metrics.assign_deciles(result["predicted_clv_365d"], result["customer_id"])
    columns = [
        "customer_id",
        "p_purchase",
        "churn_risk",
        "churn_risk_band",
        "expected_orders",
        "predicted_spend",
        "predicted_clv_365d",
        "expected_next_order_date",
        "avg_days_between_orders",
        "value_decile",
    ]
    return result[columns].sort_values("customer_id", kind="stable").reset_index(drop=True)


def _round_floats(frame: pd.DataFrame) -> pd.DataFrame:
    floats = frame.select_dtypes("float64").columns
    return frame.assign(**{column: frame[column].round(OUTPUT_DECIMALS) for column in floats})
