"""Metric functions against values worked out by hand."""

import math

import numpy as np
import pytest

from python_ml import metrics


def test_roc_auc_counts_correctly_ordered_pairs():
    # Pairs (positive, negative): (0.35, 0.1) right, (0.35, 0.4) wrong, (0.8, ·) both right → 3/4.
    assert metrics.roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)


def test_roc_auc_counts_a_tie_as_half_and_is_nan_for_one_class():
    assert metrics.roc_auc([0, 1], [0.5, 0.5]) == pytest.approx(0.5)
    assert math.isnan(metrics.roc_auc([1, 1], [0.2, 0.9]))


def test_log_loss_and_brier():
    # −(ln 0.8 + ln 0.6) / 2 and ((0.8 − 1)² + 0.4²) / 2.
    assert metrics.log_loss([1, 0], [0.8, 0.4]) == pytest.approx(-(math.log(0.8) + math.log(0.6)) / 2)
    assert metrics.brier_score([1, 0], [0.8, 0.4]) == pytest.approx(0.1)


def test_log_loss_clips_a_confident_wrong_forecast():
    assert metrics.log_loss([1], [0.0]) == pytest.approx(-math.log(1e-15))


def test_mae_and_rmse():
    # Errors 1, 0, 2: MAE 1, RMSE sqrt(5/3).
    assert metrics.mean_absolute_error([1, 2, 3], [2, 2, 5]) == pytest.approx(1.0)
    assert metrics.root_mean_squared_error([1, 2, 3], [2, 2, 5]) == pytest.approx(math.sqrt(5 / 3))


def test_spearman_from_rank_differences():
    # Ranks 1 2 3 4 vs 1 2 4 3: Σd² = 2, ρ = 1 − 6·2 / (4·15) = 0.8.
    assert metrics.spearman_correlation([1, 2, 3, 4], [10, 20, 40, 30]) == pytest.approx(0.8)
    assert math.isnan(metrics.spearman_correlation([1, 2, 3], [5, 5, 5]))


def test_normalized_gini_by_hand():
    # By prediction: 3, 0, 1, 0 → cumulative shares .75 .75 1 1 → 3.5/4 − 5/8 = 0.25.
    # Perfect: 3, 1, 0, 0 → .75 1 1 1 → 3.75/4 − 5/8 = 0.3125. Normalized 0.8.
    assert metrics.normalized_gini([1, 0, 3, 0], [0.2, 0.1, 0.9, 0.5]) == pytest.approx(0.8)
    assert metrics.normalized_gini([1, 0, 3, 0], [1, 0, 3, 0]) == pytest.approx(1.0)


def test_normalized_gini_averages_over_tied_predictions():
    # All predictions tie: the expected ordering is random, so Gini 0 whatever the input order.
    assert metrics.normalized_gini([5, 0, 0, 1], [1, 1, 1, 1]) == pytest.approx(0.0)
    assert metrics.normalized_gini([0, 1, 5, 0], [1, 1, 1, 1]) == pytest.approx(0.0)


def test_top_decile_lift_by_hand():
    # 20 customers, mean actual 0.5; the top 2 by prediction have actuals 5 and 1 → 3 / 0.5 = 6.
    actual = np.zeros(20)
    actual[[0, 1, 19]] = [5, 1, 4]
    predicted = np.zeros(20)
    predicted[[0, 1]] = [2.0, 1.0]
    assert metrics.top_decile_lift(actual, predicted) == pytest.approx(6.0)


def test_top_decile_lift_of_a_constant_prediction_is_one():
    actual = [4, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert metrics.top_decile_lift(actual, [1] * 10) == pytest.approx(1.0)


def test_assign_deciles_sizes_like_ntile_and_breaks_ties_by_key():
    # 12 entries: deciles 1 and 2 get two each, the rest one each.
    assert metrics.assign_deciles(np.arange(12), np.arange(12)).tolist() == [1, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    # All tied: the key orders them, wherever they sit in the input.
    assert metrics.assign_deciles([0.5] * 10, list("jihgfedcba")).tolist() == list(range(10, 0, -1))


def test_calibration_by_decile_and_expected_calibration_error():
    deciles = [1, 1, 2, 2]
    probability = [0.1, 0.3, 0.6, 0.8]
    actual = [0, 0, 1, 0]
    table = metrics.calibration_by_decile(deciles, probability, actual)
    assert table["decile"].tolist() == [1, 2]
    assert table["customers"].tolist() == [2, 2]
    assert table["mean_predicted"].tolist() == pytest.approx([0.2, 0.7])
    assert table["mean_actual"].tolist() == pytest.approx([0.0, 0.5])
    # |0.2 − 0| and |0.7 − 0.5|, equally weighted.
    assert metrics.expected_calibration_error(deciles, probability, actual) == pytest.approx(0.2)
