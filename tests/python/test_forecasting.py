"""Tests for python_ml.forecasting: hand-computed cases for the building blocks, synthetic
series with known structure for method choice and interval coverage."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from python_ml import forecasting
from python_ml.forecasting import (
    BacktestDesign,
    Series,
    backtest_origins,
    _sba_next_day,
    _tsb_next_day,
    classify_demand,
    flat_forecasts_at,
    forecast_demand,
    forecast_from_fits,
    forecast_with_fits,
    summarise_backtest,
    _run_ets_many,
    forecast_ets,
    forecast_sba,
    forecast_seasonal_naive,
    fit_series,
    forecast_tsb,
    impute_closures,
    PointForecast,
    FORECASTERS,
    prediction_intervals,
    seasonal_scales,
    set_up_forecasts,
)

SEASON = 6
DESIGN = BacktestDesign(horizon=24, origins=4, step=SEASON, min_train=4 * SEASON)


@pytest.fixture(autouse=True)
def one_blas_thread():
    """As in the worker processes: tiny fits are much slower with spinning BLAS threads."""
    with threadpool_limits(limits=1):
        yield


def seasonal_series(rng: np.random.Generator, weeks: int, noise: float) -> np.ndarray:
    """A level of 20 with a fixed weekly pattern and normal noise, never negative."""
    pattern = np.array([10.0, -5.0, 0.0, 5.0, -10.0, 0.0])
    values = 20.0 + np.tile(pattern, weeks) + rng.normal(0.0, noise, weeks * SEASON)
    return np.maximum(values, 0.0)


@pytest.mark.parametrize(
    ("demand", "expected_class", "adi", "cv2"),
    [
        ([2, 2, 2, 2], "smooth", 1.0, 0.0),
        ([1, 9, 1, 9], "erratic", 1.0, 0.64),  # mean 5, variance 16
        ([0, 4, 0, 4, 0, 4], "intermittent", 2.0, 0.0),
        ([0, 1, 0, 0, 9, 0], "lumpy", 3.0, 0.64),
    ],
)
def test_classify_demand_uses_adi_and_cv2_cut_offs(demand, expected_class, adi, cv2):
    got_class, got_adi, got_cv2 = classify_demand(np.array(demand, dtype=float))
    assert got_class == expected_class
    assert got_adi == pytest.approx(adi)
    assert got_cv2 == pytest.approx(cv2)


def test_impute_closures_takes_the_same_weekday_of_earlier_open_weeks():
    # Season 2: position 4 is closed; earlier same-weekday positions 2 and 0 hold 3 and 1.
    # Position 1 is closed with no earlier week: 0.
    demand = np.array([1.0, 5.0, 3.0, 7.0, 0.0, 9.0])
    is_open = np.array([True, False, True, True, False, True])
    assert impute_closures(demand, is_open, 2).tolist() == [1.0, 0.0, 3.0, 7.0, 2.0, 9.0]


def test_seasonal_naive_repeats_last_week_with_widening_intervals():
    history = np.arange(1.0, 13.0)  # every week-on-week change is 6
    point = forecast_seasonal_naive(history, 8, SEASON)
    assert point.mean.tolist() == [7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 7.0, 8.0]
    assert point.sd == pytest.approx(6.0 * np.sqrt([1, 1, 1, 1, 1, 1, 2, 2]))


def test_sba_smooths_sizes_and_intervals_and_corrects_the_bias():
    # Demands 2 (interval 2) and 4 (interval 3); alpha 0.5: size 3, interval 2.5,
    # forecast (1 - 0.25) * 3 / 2.5 = 0.9.
    point = forecast_sba(np.array([0.0, 2.0, 0.0, 0.0, 4.0]), 3, SEASON, weights=(0.5,))
    assert point.mean == pytest.approx([0.9, 0.9, 0.9])


def test_tsb_decays_the_demand_probability_between_demands():
    # From the first demand: occurrences 1, 0, 0, 1 -> probability 1, 0.5, 0.25, 0.625;
    # sizes 2 then 0.5 * 4 + 0.5 * 2 = 3; forecast 0.625 * 3.
    point = forecast_tsb(np.array([0.0, 2.0, 0.0, 0.0, 4.0]), 2, SEASON, weights=(0.5, 0.5))
    assert point.mean == pytest.approx([1.875, 1.875])


def test_prediction_intervals_are_cut_at_zero_and_nested():
    bands = prediction_intervals(PointForecast(mean=np.array([-1.0, 1.0]), sd=np.array([1.0, 1.0])))
    assert bands["forecast"].tolist() == [0.0, 1.0]
    assert bands["lower_80"].tolist() == [0.0, 0.0]
    assert bands["upper_80"] == pytest.approx([1.2815515655446004, 2.2815515655446004])
    assert np.all(bands["lower_95"] <= bands["lower_80"]) and np.all(bands["upper_80"] <= bands["upper_95"])


def test_backtest_origins_end_at_the_last_observation_and_skip_short_training():
    assert backtest_origins(100, DESIGN) == [58, 64, 70, 76]
    # Length 60: origins 18, 24, 30, 36; 18 leaves fewer than 24 training steps.
    assert backtest_origins(60, DESIGN) == [24, 30, 36]


def test_seasonal_scales_use_only_training_data_before_each_origin():
    demand = np.array([0.0, 0.0, 1.0, 3.0, 1.0, 9.0])  # season 2: changes 1, 3, 0, 6
    mae, mse = seasonal_scales(demand, [4, 6], 2)
    assert mae == pytest.approx([2.0, 2.5])
    assert mse == pytest.approx([5.0, 11.5])


def test_a_seasonal_series_is_forecast_better_than_seasonal_naive():
    demand = seasonal_series(np.random.default_rng(1), weeks=30, noise=2.0)
    result = fit_series(Series("product", "s", demand, np.ones(demand.size, bool)), 24, SEASON, DESIGN)
    scores = {row["method"]: row for row in result.backtest_rows}
    assert result.class_row["demand_class"] == "smooth"
    assert scores["ets"]["mase"] < 0.8 * scores["seasonal_naive"]["mase"]
    assert result.class_row["selected_method"] == "ets"


def test_an_intermittent_series_gets_an_intermittent_method():
    rng = np.random.default_rng(2)
    demand = np.where(rng.random(240) < 0.2, 5.0 + rng.integers(0, 2, 240), 0.0)
    result = fit_series(Series("product", "i", demand, np.ones(demand.size, bool)), 24, SEASON, DESIGN)
    assert result.class_row["demand_class"] == "intermittent"
    assert result.class_row["selected_method"] in ("sba", "tsb")


def test_intervals_cover_at_about_their_nominal_rate():
    rng = np.random.default_rng(3)
    rows = [
        row
        for index in range(12)
        for row in fit_series(
            Series("product", str(index), seasonal_series(rng, 30, 3.0), np.ones(180, bool)), 24, SEASON, DESIGN
        ).backtest_rows
        if row["method"] == "ets"
    ]
    days = sum(row["scored_days"] for row in rows)
    coverage_80 = sum(row["coverage_80"] * row["scored_days"] for row in rows) / days
    coverage_95 = sum(row["coverage_95"] * row["scored_days"] for row in rows) / days
    assert 0.72 <= coverage_80 <= 0.88
    assert 0.90 <= coverage_95 <= 0.99


def collect_to_arrays(days: pd.DataFrame) -> pd.DataFrame:
    """One row per series from one row per series and day, as int_demand_series_collected_to_arrays
    collects them: demands and trading_days in date order."""
    days = days.sort_values("sales_date", kind="stable")
    grouped = days.groupby(["series_type", "series_key"], sort=False)
    return pd.DataFrame({
        "demands": grouped["demand"].agg(lambda values: values.to_numpy(dtype=float)),
        "trading_days": grouped["is_trading_day"].agg(lambda values: values.to_numpy(dtype=bool)),
    }).reset_index()


def small_inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two products and the shop on 16 weeks of Mon-Fri + Sun, one closure, and a 14-day
    calendar from a Monday with Saturdays and one shutdown day not trading."""
    days = pd.date_range("2024-01-01", periods=16 * 7, freq="D")
    days = days[days.day_of_week != 5]
    rng = np.random.default_rng(4)
    frames = []
    for series_type, key, demand in [
        ("product", "A", seasonal_series(rng, 16, 2.0)),
        ("product", "B", np.where(rng.random(96) < 0.25, 3.0, 0.0)),
        ("shop", "shop", 100 * seasonal_series(rng, 16, 1.0)),
    ]:
        frames.append(pd.DataFrame({
            "series_type": series_type,
            "series_key": key,
            "sales_date": days,
            "is_trading_day": days != pd.Timestamp("2024-03-04"),
            "demand": demand,
        }))
    dates = pd.date_range(days[-1] + pd.Timedelta(days=1), periods=14, freq="D")
    calendar = pd.DataFrame({
        "calendar_date": dates,
        "is_regular_trading_weekday": dates.day_of_week != 5,
        "is_trading_day": (dates.day_of_week != 5) & (dates != dates[2]),
    })
    return pd.concat(frames, ignore_index=True), calendar


def small_series() -> tuple[pd.DataFrame, pd.DataFrame]:
    """small_inputs with the series collected to arrays, as the forecasting reads them."""
    days, calendar = small_inputs()
    return collect_to_arrays(days), calendar


def test_forecast_demand_gives_every_series_every_date_and_zero_when_closed():
    series, calendar = small_series()
    results = forecast_demand(series, calendar, workers=1)
    forecasts = results.forecasts
    assert forecasts.groupby(["series_type", "series_key"]).size().tolist() == [14, 14, 14]
    closed = forecasts[~forecasts["is_trading_day"]]
    assert len(closed) == 3 * 3  # two Saturdays and the shutdown day, per series
    assert (closed[["forecast", "upper_95"]] == 0).all().all()
    assert (forecasts["lower_95"] >= 0).all()
    assert (forecasts["lower_95"] <= forecasts["lower_80"]).all()
    assert (forecasts["upper_80"] <= forecasts["upper_95"]).all()
    assert results.classes["series_key"].tolist() == ["A", "B", "shop"]
    summaries = results.backtest[results.backtest["metric_level"] == "all"]
    assert set(summaries["method"]) >= {"seasonal_naive", "selected"}


def test_forecast_demand_is_the_same_on_two_workers(monkeypatch):
    monkeypatch.setattr(forecasting, "POOL_MIN_SERIES", 2)  # so that three series use the pool
    series, calendar = small_series()
    one = forecast_demand(series, calendar, workers=1)
    two = forecast_demand(series, calendar, workers=2)
    pd.testing.assert_frame_equal(one.forecasts, two.forecasts)
    pd.testing.assert_frame_equal(one.backtest, two.backtest)
    pd.testing.assert_frame_equal(one.classes, two.classes)


def test_ets_rerun_with_fitted_states_matches_statsmodels():
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    demand = seasonal_series(np.random.default_rng(5), weeks=20, noise=2.0)
    fitted = forecast_ets(demand[:90], 12, SEASON)
    rerun = forecast_ets(demand, 12, SEASON, weights=fitted.weights)
    alpha, gamma, level, *seasons = fitted.weights
    reference = ExponentialSmoothing(
        demand, seasonal="add", seasonal_periods=SEASON, initialization_method="known",
        initial_level=level, initial_seasonal=seasons,
    ).fit(optimized=False, smoothing_level=alpha, smoothing_seasonal=gamma)
    assert rerun.sd[0] == pytest.approx(np.sqrt(reference.sse / demand.size), rel=1e-9)
    # statsmodels forecasts the last observation's weekday (step 6, 12) with that weekday's
    # season from before its last update; every other step must agree exactly.
    other_steps = np.arange(12) % SEASON != (demand.size - 1) % SEASON
    assert rerun.mean[other_steps] == pytest.approx(np.asarray(reference.forecast(12))[other_steps], rel=1e-9)


def test_ets_runs_of_many_series_at_once_equal_the_runs_one_by_one():
    rng = np.random.default_rng(8)
    # Different lengths, so that shorter series stop while the others go on.
    histories = [seasonal_series(rng, weeks, noise) for weeks, noise in [(20, 2.0), (9, 0.5), (14, 4.0)]]
    weights = [forecast_ets(history, 12, SEASON).weights for history in histories]
    together = _run_ets_many(histories, 12, SEASON, weights)
    for history, fitted, point in zip(histories, weights, together):
        alone = forecast_ets(history, 12, SEASON, weights=fitted)
        np.testing.assert_array_equal(point.mean, alone.mean)
        np.testing.assert_array_equal(point.sd, alone.sd)
        assert point.weights == fitted


@pytest.mark.parametrize("method", ["sba", "tsb"])
def test_one_pass_forecasts_equal_fits_on_the_data_before_each_origin(method):
    rng = np.random.default_rng(6)
    demand = np.where(rng.random(120) < 0.3, rng.poisson(4, 120) + 1.0, 0.0)
    forecaster = forecast_sba if method == "sba" else forecast_tsb
    next_day = _sba_next_day(demand, 0.1) if method == "sba" else _tsb_next_day(demand, 0.1, 0.1)
    for origin, point in zip([40, 70, 96], flat_forecasts_at(demand, next_day, [40, 70, 96], 24, 0.1)):
        refit = forecaster(demand[:origin], 24, SEASON)
        assert point.mean == pytest.approx(refit.mean)
        assert point.sd == pytest.approx(refit.sd)


def on_trading_days(steps: np.ndarray, calendar: pd.DataFrame) -> np.ndarray:
    """A series' forecast steps (one per regular trading weekday) on the dates that trade."""
    regular = calendar[calendar["is_regular_trading_weekday"]]
    return steps[regular["is_trading_day"].to_numpy()]


def test_stored_fits_forecast_exactly_what_the_fresh_estimates_forecast():
    series, calendar = small_series()
    setup = set_up_forecasts(series, calendar, 4)
    results = forecast_demand(series, calendar, workers=1)
    assert "ets" in set(results.classes["selected_method"])
    # The class rows as the warehouse stores them, then read back.
    stored = pd.read_json(io.StringIO(results.classes.to_json(orient="records")), orient="records")
    for item, (_, row) in zip(setup.series, results.classes.iterrows()):
        filled = impute_closures(item.demand, item.is_open, SEASON)
        fresh = prediction_intervals(FORECASTERS[row["selected_method"]](filled, 12, SEASON, None))
        placed = results.forecasts[(results.forecasts["series_key"] == item.series_key)
                                   & results.forecasts["is_trading_day"]]
        np.testing.assert_array_equal(placed["forecast"].to_numpy(), on_trading_days(fresh["forecast"], calendar))
    np.testing.assert_array_equal(
        forecast_from_fits(setup, stored, workers=1)["upper_95"].to_numpy(), results.forecasts["upper_95"].to_numpy()
    )


def grown_inputs(weeks_added: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """small_series with the last `weeks_added` weeks of history held back (a fit made before
    they arrived) and the calendar moved back with them."""
    days, calendar = small_inputs()
    cut = pd.Timedelta(weeks=weeks_added)
    earlier_days = days[days["sales_date"] <= days["sales_date"].max() - cut]
    return collect_to_arrays(earlier_days), calendar.assign(calendar_date=calendar["calendar_date"] - cut)


def test_a_series_that_grew_is_run_through_its_stored_fit_and_a_new_one_is_fitted():
    older_series, older_calendar = grown_inputs(weeks_added=2)
    old_fits = forecast_demand(older_series[older_series["series_key"] != "B"], older_calendar, workers=1).classes
    series, calendar = small_series()
    forecasts = forecast_from_fits(set_up_forecasts(series, calendar, 4), old_fits, workers=1)

    setup = set_up_forecasts(series, calendar, 4)
    shop = next(item for item in setup.series if item.series_key == "shop")
    shop_fit = old_fits.set_index("series_key").loc["shop"]
    assert shop_fit["selected_method"] == "ets"
    expected = forecast_with_fits([shop], [("ets", shop_fit["selected_weights"])], 12, SEASON)[0]
    shop_rows = forecasts[(forecasts["series_key"] == "shop") & forecasts["is_trading_day"]]
    np.testing.assert_array_equal(shop_rows["forecast"].to_numpy(), on_trading_days(expected["forecast"], calendar))
    # The stored weights are not re-estimated: a fresh fit on all the days forecasts otherwise.
    refitted = forecast_demand(series, calendar, workers=1).forecasts
    assert not np.array_equal(refitted.loc[refitted["series_key"] == "shop", "forecast"], shop_rows["forecast"])
    # B had no fit: it gets the method a fit on its whole history chooses.
    fitted_b = fit_series(next(item for item in setup.series if item.series_key == "B"), 12, SEASON, setup.design)
    assert set(forecasts.loc[forecasts["series_key"] == "B", "method"]) == {fitted_b.class_row["selected_method"]}


def test_a_fit_that_saw_later_days_is_not_used_for_an_earlier_forecast():
    series, calendar = small_series()
    later_fits = forecast_demand(series, calendar, workers=1).classes
    later_fits["selected_method"] = "seasonal_naive"
    later_fits["selected_weights"] = "[]"
    older_series, older_calendar = grown_inputs(weeks_added=2)
    replayed = forecast_from_fits(set_up_forecasts(older_series, older_calendar, 4), later_fits, workers=1)
    fresh = forecast_demand(older_series, older_calendar, workers=1).forecasts
    pd.testing.assert_frame_equal(replayed, fresh)


def test_a_series_too_short_to_backtest_gets_the_baseline():
    demand = seasonal_series(np.random.default_rng(7), weeks=2, noise=1.0)
    fit = fit_series(Series("shop", "shop", demand, np.ones(demand.size, bool)), 24, SEASON, DESIGN)
    assert fit.backtest_rows == []
    assert (fit.class_row["selected_method"], fit.class_row["backtest_origins"]) == ("seasonal_naive", 0)


def test_fits_stored_by_an_older_version_ask_for_a_full_build():
    series, calendar = small_series()
    old_fits = forecast_demand(series, calendar, workers=1).classes.drop(columns="selected_weights")
    with pytest.raises(ValueError, match=r"selected_weights.*full `dbt build`"):
        forecast_from_fits(set_up_forecasts(series, calendar, 4), old_fits, workers=1)


def test_a_forecast_calendar_shorter_than_a_week_is_refused():
    series, calendar = small_series()
    with pytest.raises(ValueError, match="forecast_horizon_days must be at least 7"):
        set_up_forecasts(series, calendar.head(6), 4)


def test_summary_over_all_products_keeps_the_methods_every_product_ran():
    # P1 (smooth) ran the baseline and ETS, P2 (intermittent) the baseline and SBA; each chose
    # its non-baseline method. MASE: baseline 1.0 and 3.0, ETS 0.5, SBA 2.0. Over all products
    # the baseline is (1 + 3) / 2 = 2.0 and 'selected' (0.5 + 2) / 2 = 1.25; ETS and SBA, each
    # run on one product, appear only in their own class, beside that class's baseline.
    def row(key, demand_class, method, mase, selected):
        return {
            "series_type": "product", "series_key": key, "demand_class": demand_class, "method": method,
            "metric_level": "series", "series_count": 1, "is_baseline": method == "seasonal_naive",
            "is_selected": selected, "origins": 4, "scored_days": 20, "mase": mase, "rmsse": mase,
            "bias": 0.0, "relative_bias": 0.0, "error_sum": 0.0, "actual_sum": 10.0,
            "coverage_80": 0.8, "coverage_95": 0.95,
        }

    series_rows = pd.DataFrame([
        row("P1", "smooth", "seasonal_naive", 1.0, False), row("P1", "smooth", "ets", 0.5, True),
        row("P2", "intermittent", "seasonal_naive", 3.0, False), row("P2", "intermittent", "sba", 2.0, True),
    ])
    summary = summarise_backtest(series_rows)
    overall = summary[summary["metric_level"] == "all"].set_index("method")
    assert sorted(overall.index) == ["seasonal_naive", "selected"]
    assert overall.loc["seasonal_naive", "mase"] == pytest.approx(2.0)
    assert overall.loc["selected", "mase"] == pytest.approx(1.25)
    assert (overall["series_count"] == 2).all()
    smooth = summary[(summary["metric_level"] == "demand_class") & (summary["demand_class"] == "smooth")]
    assert smooth.set_index("method")["mase"].to_dict() == {"ets": 0.5, "seasonal_naive": 1.0, "selected": 0.5}
