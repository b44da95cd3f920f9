"""Metrics for scoring customer-value predictions against what customers then did.

Pure functions over 1-D arrays (one entry per customer). Every function is deterministic and
independent of the order of its inputs: ties in a prediction are resolved by averaging over the
tied customers (the expected value under a random tie order), never by input position.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

# Probabilities are clipped to [EPSILON, 1 - EPSILON] in the log loss, so a hard 0/1 forecast
# that is wrong costs -ln(1e-15) ≈ 34.5 nats instead of infinity.
LOG_LOSS_EPSILON = 1e-15


def _as_float_array(values: ArrayLike) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, ascending; tied values share the mean of their ranks."""
    return pd.Series(values).rank(method="average").to_numpy(dtype=np.float64)


def roc_auc(actual: ArrayLike, predicted: ArrayLike) -> float:
    """Area under the ROC curve of 0/1 outcomes `actual` scored by `predicted` (Mann–Whitney U
    with average ranks, so a tie counts one half). NaN when only one class is present."""
    y = _as_float_array(actual)
    ranks = _average_ranks(_as_float_array(predicted))
    positives = float(y.sum())
    negatives = float(len(y) - positives)
    if positives == 0 or negatives == 0:
        return math.nan
    rank_sum = float(ranks[y == 1].sum())
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def log_loss(actual: ArrayLike, probability: ArrayLike) -> float:
    """Mean negative log-likelihood (nats per customer) of 0/1 outcomes under `probability`."""
    y = _as_float_array(actual)
    p = np.clip(_as_float_array(probability), LOG_LOSS_EPSILON, 1 - LOG_LOSS_EPSILON)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def brier_score(actual: ArrayLike, probability: ArrayLike) -> float:
    """Mean squared difference between `probability` and the 0/1 outcome."""
    return float(np.mean((_as_float_array(probability) - _as_float_array(actual)) ** 2))


def mean_absolute_error(actual: ArrayLike, predicted: ArrayLike) -> float:
    """Mean |predicted - actual|, in the units of the inputs."""
    return float(np.mean(np.abs(_as_float_array(predicted) - _as_float_array(actual))))


def root_mean_squared_error(actual: ArrayLike, predicted: ArrayLike) -> float:
    """sqrt(mean((predicted - actual)²)), in the units of the inputs."""
    return float(np.sqrt(np.mean((_as_float_array(predicted) - _as_float_array(actual)) ** 2)))


def spearman_correlation(actual: ArrayLike, predicted: ArrayLike) -> float:
    """Pearson correlation of the average ranks of `actual` and `predicted`; NaN when either is
    constant (no ordering to compare)."""
    actual_ranks = _average_ranks(_as_float_array(actual))
    predicted_ranks = _average_ranks(_as_float_array(predicted))
    if np.ptp(actual_ranks) == 0 or np.ptp(predicted_ranks) == 0:
        return math.nan
    return float(np.corrcoef(actual_ranks, predicted_ranks)[0, 1])


def _actuals_ordered_by_prediction(actual: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """`actual` sorted by `predicted` descending, each group of tied predictions replaced by the
    group's mean actual — the expected ordering when ties are broken at random."""
    frame = pd.DataFrame({"actual": actual, "predicted": predicted})
    frame["actual"] = frame.groupby("predicted", sort=False)["actual"].transform("mean")
    return frame.sort_values("predicted", ascending=False, kind="stable")["actual"].to_numpy()


def _gini(ordered_actual: np.ndarray) -> float:
    """Gini of actuals taken in a given order: the mean cumulative share of the total captured,
    minus what a random order captures on average ((n + 1) / 2n)."""
    n = len(ordered_actual)
    total = ordered_actual.sum()
    if n == 0 or total == 0:
        return math.nan
    cumulative_share = np.cumsum(ordered_actual) / total
    return float(cumulative_share.sum() / n - (n + 1) / (2 * n))


def normalized_gini(actual: ArrayLike, predicted: ArrayLike) -> float:
    """Gini of `actual` ordered by `predicted`, divided by the Gini of the perfect ordering: 1 =
    ranks customers as well as hindsight, 0 = no better than random. NaN when all actuals are 0."""
    y = _as_float_array(actual)
    model_gini = _gini(_actuals_ordered_by_prediction(y, _as_float_array(predicted)))
    perfect_gini = _gini(np.sort(y)[::-1])
    if math.isnan(model_gini) or perfect_gini == 0:
        return math.nan
    return model_gini / perfect_gini


def top_decile_lift(actual: ArrayLike, predicted: ArrayLike) -> float:
    """Mean actual of the top 10% of customers by `predicted` (ceil(n / 10) customers) divided by
    the mean actual of all: 3.0 = the top decile is worth three times the average customer."""
    y = _as_float_array(actual)
    if len(y) == 0 or y.mean() == 0:
        return math.nan
    top = math.ceil(len(y) / 10)
    ordered = _actuals_ordered_by_prediction(y, _as_float_array(predicted))
    return float(ordered[:top].mean() / y.mean())


def assign_deciles(predicted: ArrayLike, keys: ArrayLike) -> np.ndarray:
    """Decile 1 (lowest) … 10 (highest) of each entry of `predicted`, by rank, with `keys`
    (unique, e.g. customer ids) breaking ties so equal inputs give equal deciles every run.
    Deciles hold n/10 entries each (the first n mod 10 deciles one more), like SQL ntile(10)."""
    frame = pd.DataFrame({"predicted": _as_float_array(predicted), "key": np.asarray(keys)})
    order = frame.sort_values(["predicted", "key"], kind="stable").index.to_numpy()
    n = len(frame)
    deciles = np.empty(n, dtype=np.int64)
    base, extra = divmod(n, 10)
    sizes = [base + (1 if decile < extra else 0) for decile in range(10)]
    deciles[order] = np.repeat(np.arange(1, 11), sizes)
    return deciles


def calibration_by_decile(
    deciles: ArrayLike,
    predicted: ArrayLike,
    actual: ArrayLike,
) -> pd.DataFrame:
    """Reliability table: per decile (1…10, only those present), `customers`, the mean
    `predicted` and mean `actual`. Inputs are per-customer arrays of equal length."""
    frame = pd.DataFrame(
        {
            "decile": np.asarray(deciles, dtype=np.int64),
            "predicted": _as_float_array(predicted),
            "actual": _as_float_array(actual),
        }
    )
    table = frame.groupby("decile", sort=True).agg(
        customers=("actual", "size"),
        mean_predicted=("predicted", "mean"),
        mean_actual=("actual", "mean"),
    )
    return table.reset_index()


def expected_calibration_error(deciles: ArrayLike, probability: ArrayLike, actual: ArrayLike) -> float:
    """Customer-weighted mean |mean predicted probability − observed rate| over the deciles."""
    table = calibration_by_decile(deciles, probability, actual)
    weights = table["customers"] / table["customers"].sum()
    return float((weights * (table["mean_predicted"] - table["mean_actual"]).abs()).sum())
