"""Daily demand forecasts with per-series method choice by rolling-origin backtest.

A series is one value per *regular trading weekday*: the days of the week the shop normally
trades on (for the UCI retailer every day but Saturday, so a week is 6 steps and the weekly
season has length 6). Days the shop was closed on a regular weekday (bank holidays, the
Christmas shutdown) stay in the series as closures, so a step of `season_length` is always
exactly one week; for fitting they are imputed from the same weekday of the preceding weeks and
they are never scored.

Each series gets a demand class from its average demand interval (ADI) and the squared
coefficient of variation of its non-zero demands (CV²), with the Syntetos-Boylan cut-offs
(1.32, 0.49): smooth, erratic, intermittent or lumpy. The class decides which methods compete:

* smooth / erratic: weekly seasonal naive and additive-seasonal exponential smoothing (ETS
  A,N,A, statsmodels);
* intermittent / lumpy: weekly seasonal naive, Croston's method with the Syntetos-Boylan
  bias correction (SBA) and its Teunter-Syntetos-Babai variant (TSB), which smooths the chance
  of a demand every day and so lets the forecast of a product that stopped selling decay
  (SBA keeps forecasting the last rate: on the UCI data it over-forecasts such products).

The winner per series is the method with the lowest mean RMSSE over a rolling-origin backtest
(RMSSE, not MASE: absolute errors reward forecasting zero on intermittent series, squared errors
reward the mean, which is what stock planning needs). Prediction intervals are normal with the
method's h-step standard deviation from in-sample one-step errors, cut at zero; forecasts are
never negative.

Cost: statsmodels estimates each ETS series twice (at the first backtest origin, whose weights
and initial states serve the later origins, and on the whole history); every other run of the
model is a plain loop. SBA and TSB only look back, so one pass over a series gives their
forecast at every origin. Series are fitted on 2 worker processes. On the UCI data
(3,640 products and the shop) this is roughly 11 s of CPU, ~6 s on 2 cores; the benchmark
(benchmarks/bench_forecasting.py) measures series per second on synthetic series.

Fitting and forecasting are separate steps so that a nightly build can forecast without
fitting. A fit (fit_series) is the demand class, the backtest, the chosen method and its
weights estimated on the whole history, kept as a class row (selected_weights). Forecasting
(forecast_with_fits) runs the stored fit over the series as it is now, new days included: a plain
loop, with no estimate and no backtest. A series without a fit is fitted when it is forecast.

There is no random step: the same input gives the same output, whatever the number of workers.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
from scipy.signal import lfilter
from statsmodels.tsa.holtwinters import ExponentialSmoothing
from threadpoolctl import threadpool_limits

from python_ml.processes import child_process_context

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49
SBA_ALPHA = 0.1
TSB_ALPHA = 0.1
TSB_BETA = 0.1
IMPUTATION_WEEKS = 4
# Starting the worker pool (a fork server that imports the python_ml modules) took ~4 s in a
# nightly build, where two new series to fit take ~0.05 s.
POOL_MIN_SERIES = 200
Z_80 = 1.2815515655446004
Z_95 = 1.959963984540054

SEASONAL_NAIVE = "seasonal_naive"
ETS = "ets"
SBA = "sba"
TSB = "tsb"
BASELINE = SEASONAL_NAIVE
SELECTED = "selected"
CANDIDATES: dict[str, tuple[str, ...]] = {
    "smooth": (SEASONAL_NAIVE, ETS),
    "erratic": (SEASONAL_NAIVE, ETS),
    "intermittent": (SEASONAL_NAIVE, SBA, TSB),
    "lumpy": (SEASONAL_NAIVE, SBA, TSB),
}

FORECAST_COLUMNS = [
    "series_type",
    "series_key",
    "forecast_date",
    "is_trading_day",
    "forecast",
    "lower_80",
    "upper_80",
    "lower_95",
    "upper_95",
    "method",
]
CLASS_COLUMNS = [
    "series_type",
    "series_key",
    "demand_class",
    "adi",
    "cv2",
    "history_days",
    "trading_days",
    "demand_days",
    "mean_demand",
    "candidate_methods",
    "selected_method",
    "selected_weights",
    "backtest_origins",
]
BACKTEST_COLUMNS = [
    "metric_level",
    "series_type",
    "series_key",
    "demand_class",
    "method",
    "is_baseline",
    "is_selected",
    "series_count",
    "origins",
    "scored_days",
    "mase",
    "rmsse",
    "bias",
    "relative_bias",
    "coverage_80",
    "coverage_95",
]


@dataclass(frozen=True)
class PointForecast:
    """Forecast mean and h-step standard deviation for steps 1..h (arrays of length h), and the
    smoothing weights used (empty for seasonal naive)."""

    mean: np.ndarray
    sd: np.ndarray
    weights: tuple[float, ...] = ()


@dataclass(frozen=True)
class BacktestDesign:
    """Rolling origins: `origins` forecasts of `horizon` steps, the last one ending at the last
    observation, each origin `step` steps after the previous; origins leaving fewer than
    `min_train` training steps are skipped."""

    horizon: int
    origins: int
    step: int
    min_train: int


@dataclass(frozen=True)
class Series:
    """One series: regular-trading-weekday values and whether the shop traded on each day."""

    series_type: str
    series_key: str
    demand: np.ndarray
    is_open: np.ndarray


@dataclass(frozen=True)
class SeriesFit:
    """What fitting one series gives: its class row (with the selected method and the weights
    estimated on the whole history) and its backtest rows."""

    class_row: dict
    backtest_rows: list[dict]


@dataclass(frozen=True)
class ForecastResults:
    """forecasts: one row per series and forecast date; classes: one row per series;
    backtest: per series and method, plus per demand class and overall for products."""

    forecasts: pd.DataFrame
    classes: pd.DataFrame
    backtest: pd.DataFrame


def classify_demand(demand: np.ndarray) -> tuple[str, float, float]:
    """Demand class, ADI and CV² of the demand on trading days (closures left out).

    ADI = trading days / days with demand; CV² = (population std / mean)² of the non-zero
    demands (0 with a single non-zero demand). A series without demand is 'lumpy' with an
    infinite ADI, as it is not smooth in any sense."""
    positive = demand[demand > 0]
    if positive.size == 0:
        return "lumpy", float("inf"), 0.0
    adi = demand.size / positive.size
    cv2 = float(positive.var() / positive.mean() ** 2)
    frequent = adi < ADI_CUTOFF
    steady = cv2 < CV2_CUTOFF
    if frequent:
        return ("smooth" if steady else "erratic"), adi, cv2
    return ("intermittent" if steady else "lumpy"), adi, cv2


def impute_closures(demand: np.ndarray, is_open: np.ndarray, season_length: int) -> np.ndarray:
    """The series with each closure replaced by the mean of the same weekday over the up to
    IMPUTATION_WEEKS preceding open weeks (0 when there is none), so that a shutdown neither
    drags the level down nor shifts the weekly pattern."""
    filled = demand.astype(float).copy()
    for position in np.flatnonzero(~is_open):
        earlier = np.arange(position - season_length, -1, -season_length)
        earlier = earlier[is_open[earlier]][:IMPUTATION_WEEKS]
        filled[position] = demand[earlier].mean() if earlier.size else 0.0
    return filled


def forecast_seasonal_naive(
    history: np.ndarray, horizon: int, season_length: int, weights: tuple[float, ...] | None = None
) -> PointForecast:
    """Each step repeats the same weekday of the last observed week. The h-step variance is
    σ²·(k + 1), k = whole weeks before step h, σ² the mean squared week-on-week change.
    `weights` is unused: the method has none."""
    del weights
    last_week = history[-season_length:]
    steps = np.arange(horizon)
    mean = last_week[steps % season_length]
    changes = history[season_length:] - history[:-season_length]
    sigma = np.sqrt(np.mean(changes**2)) if changes.size else 0.0
    return PointForecast(mean=mean, sd=sigma * np.sqrt(steps // season_length + 1))


def _ets_variance(sigma2: float, alpha: float, gamma: float, horizon: int, season_length: int) -> np.ndarray:
    """h-step variance of ETS(A,N,A): σ²·[1 + α²(h−1) + γk(2α+γ)], k = whole weeks before
    step h (Hyndman et al. 2008, class 1)."""
    steps = np.arange(horizon)
    weeks = steps // season_length
    return sigma2 * (1 + alpha**2 * steps + gamma * weeks * (2 * alpha + gamma))


def _run_ets(history: np.ndarray, horizon: int, season_length: int, weights: tuple[float, ...]) -> PointForecast:
    """ETS(A,N,A) with known weights and initial states (α, γ, level, season 1..m), run the way
    statsmodels' ExponentialSmoothing runs it (l = α(y − s) + (1 − α)l, s = γ(y − l_prev) +
    (1 − γ)s): a plain loop is ~20x cheaper than building a statsmodels model per origin."""
    alpha, gamma, level = weights[0], weights[1], weights[2]
    seasons = list(weights[3:])
    squared_errors = 0.0
    for step, value in enumerate(history.tolist()):
        slot = step % season_length
        season = seasons[slot]
        squared_errors += (value - level - season) ** 2
        seasons[slot] = gamma * (value - level) + (1 - gamma) * season
        level = alpha * (value - season) + (1 - alpha) * level
    ahead = (history.size + np.arange(horizon)) % season_length
    mean = level + np.asarray(seasons)[ahead]
    variance = _ets_variance(squared_errors / history.size, alpha, gamma, horizon, season_length)
    return PointForecast(mean=mean, sd=np.sqrt(variance), weights=weights)


def _run_ets_many(
    histories: list[np.ndarray], horizon: int, season_length: int, weights: list[tuple[float, ...]]
) -> list[PointForecast]:
    """_run_ets for many series at once, one time step over all of them at a time: the same
    arithmetic in the same order, so the same forecasts, without a Python loop per value. (At
    10M lines, 4,001 series of which 1,768 ETS, forecasting from stored fits took 0.64-0.70 s
    with the ETS series one by one, 0.37-0.44 s together.) Series of different lengths each stop
    at their own end."""
    if not histories:
        return []
    lengths = np.array([history.size for history in histories])
    values = np.zeros((lengths.size, lengths.max()))
    for row, history in enumerate(histories):
        values[row, : history.size] = history
    stacked = np.array(weights, dtype=float)
    alpha, gamma, level = stacked[:, 0], stacked[:, 1], stacked[:, 2].copy()
    seasons = stacked[:, 3:].copy()
    squared_errors = np.zeros(lengths.size)
    for step in range(values.shape[1]):
        running = step < lengths
        value = values[:, step]
        slot = step % season_length
        season = seasons[:, slot].copy()
        squared_errors += np.where(running, (value - level - season) ** 2, 0.0)
        seasons[:, slot] = np.where(running, gamma * (value - level) + (1 - gamma) * season, season)
        level = np.where(running, alpha * (value - season) + (1 - alpha) * level, level)
    forecasts = []
    for row, size in enumerate(lengths.tolist()):
        ahead = (size + np.arange(horizon)) % season_length
        variance = _ets_variance(float(squared_errors[row]) / size, float(alpha[row]), float(gamma[row]),
                                 horizon, season_length)
        forecasts.append(PointForecast(mean=level[row] + seasons[row, ahead], sd=np.sqrt(variance),
                                       weights=weights[row]))
    return forecasts


def forecast_ets(
    history: np.ndarray, horizon: int, season_length: int, weights: tuple[float, ...] | None = None
) -> PointForecast:
    """Additive-seasonal simple exponential smoothing, ETS(A,N,A). Without `weights` statsmodels
    estimates it: heuristic initial states, smoothing weights by least squares (L-BFGS-B without
    the brute-force grid: ~5 ms instead of ~30 ms a fit, same optimum in practice). With weights
    (α, γ, initial level, initial seasons — what an estimate returns) nothing is estimated.
    Either way _run_ets runs the model over the history and forecasts. Intervals use the
    ETS(A,N,A) h-step variance with σ² the in-sample mean squared one-step error."""
    if weights is not None:
        return _run_ets(history, horizon, season_length, weights)
    model = ExponentialSmoothing(
        history, seasonal="add", seasonal_periods=season_length, initialization_method="heuristic"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit(method="L-BFGS-B", use_brute=False)
    alpha = float(fit.params["smoothing_level"])
    gamma = float(fit.params["smoothing_seasonal"])
    fitted_weights = (alpha, gamma, float(fit.params["initial_level"]),
                      *np.asarray(fit.params["initial_seasons"], dtype=float).tolist())
    # Forecast with our own run rather than fit.forecast: statsmodels 0.15 forecasts the
    # weekday of the last observation with that weekday's season from before its last update.
    return _run_ets(history, horizon, season_length, fitted_weights)


def _smooth(values: np.ndarray, alpha: float, initial: float | None = None) -> np.ndarray:
    """Simple exponential smoothing of a sequence (the level after each value), started at
    `initial` (default: the first value)."""
    start = values[0] if initial is None else initial
    return lfilter([alpha], [1.0, alpha - 1.0], values, zi=[(1.0 - alpha) * start])[0]


def _sba_next_day(history: np.ndarray, alpha: float) -> np.ndarray:
    """For each day, the SBA forecast made at its end for the next day: (1 − α/2)·z/p with z
    and p the exponentially smoothed non-zero demand sizes and intervals between them; NaN
    before the first demand."""
    next_day = np.full(history.size, np.nan)
    demand_at = np.flatnonzero(history > 0)
    if demand_at.size:
        sizes = _smooth(history[demand_at], alpha)
        intervals = _smooth(np.diff(demand_at, prepend=-1).astype(float), alpha)
        rates = (1.0 - alpha / 2.0) * sizes / intervals
        days = np.arange(demand_at[0], history.size)
        next_day[days] = rates[np.searchsorted(demand_at, days, side="right") - 1]
    return next_day


def _tsb_next_day(history: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """For each day, the TSB forecast made at its end for the next day: p·z with z the
    exponentially smoothed non-zero demand sizes (weight α, updated on demand days) and p the
    smoothed chance of a demand (weight β, updated every day, started at 1 on the first demand
    day); NaN before the first demand."""
    next_day = np.full(history.size, np.nan)
    demand_at = np.flatnonzero(history > 0)
    if demand_at.size:
        days = np.arange(demand_at[0], history.size)
        probability = _smooth((history[days] > 0).astype(float), beta)
        sizes = _smooth(history[demand_at], alpha)
        next_day[days] = probability * sizes[np.searchsorted(demand_at, days, side="right") - 1]
    return next_day


def flat_forecasts_at(
    history: np.ndarray, next_day: np.ndarray, origins: list[int], horizon: int, weight: float
) -> list[PointForecast]:
    """The flat forecast an intermittent method (SBA, TSB) makes at each origin, from its
    next-day path over the whole history: the methods only look back, so the path up to an
    origin is what a fit on the data before it gives, and one pass serves every origin. The
    h-step variance is σ²·(1 + w²(h−1)) as for simple exponential smoothing, σ² the mean
    squared one-step error before the origin (after the first demand), w the weight of the
    every-day update."""
    errors = history[1:] - next_day[:-1]  # errors[t - 1]: day t against the forecast made on t - 1
    known = ~np.isnan(errors)
    squared = np.r_[0.0, np.cumsum(np.where(known, errors, 0.0) ** 2)]
    counted = np.r_[0, np.cumsum(known)]
    growth = np.sqrt(1 + weight**2 * np.arange(horizon))
    forecasts = []
    for origin in origins:
        level = next_day[origin - 1]
        errors_before = counted[origin - 1]
        sigma = np.sqrt(squared[origin - 1] / errors_before) if errors_before else 0.0
        forecasts.append(PointForecast(
            mean=np.full(horizon, 0.0 if np.isnan(level) else level), sd=sigma * growth
        ))
    return forecasts


def forecast_sba(
    history: np.ndarray, horizon: int, season_length: int, weights: tuple[float, ...] | None = None
) -> PointForecast:
    """Croston's method with the Syntetos-Boylan correction (see _sba_next_day), weights (α,),
    default SBA_ALPHA: a flat forecast with intervals from flat_forecasts_at. `season_length` is
    unused: the method has no season."""
    del season_length
    (alpha,) = weights or (SBA_ALPHA,)
    point = flat_forecasts_at(history, _sba_next_day(history, alpha), [history.size], horizon, alpha)[0]
    return PointForecast(mean=point.mean, sd=point.sd, weights=(alpha,))


def forecast_tsb(
    history: np.ndarray, horizon: int, season_length: int, weights: tuple[float, ...] | None = None
) -> PointForecast:
    """Teunter-Syntetos-Babai (see _tsb_next_day), weights (α, β), default (TSB_ALPHA,
    TSB_BETA): a flat forecast whose demand chance decays while nothing sells, with intervals
    from flat_forecasts_at. `season_length` is unused, as for SBA."""
    del season_length
    alpha, beta = weights or (TSB_ALPHA, TSB_BETA)
    point = flat_forecasts_at(history, _tsb_next_day(history, alpha, beta), [history.size], horizon, beta)[0]
    return PointForecast(mean=point.mean, sd=point.sd, weights=(alpha, beta))


Forecaster = Callable[[np.ndarray, int, int, tuple[float, ...] | None], PointForecast]
FORECASTERS: dict[str, Forecaster] = {
    SEASONAL_NAIVE: forecast_seasonal_naive,
    ETS: forecast_ets,
    SBA: forecast_sba,
    TSB: forecast_tsb,
}


def prediction_intervals(point: PointForecast) -> dict[str, np.ndarray]:
    """Non-negative forecast with normal 80% and 95% intervals, each bound cut at zero."""
    mean = np.maximum(point.mean, 0.0)
    return {
        "forecast": mean,
        "lower_80": np.maximum(mean - Z_80 * point.sd, 0.0),
        "upper_80": np.maximum(mean + Z_80 * point.sd, 0.0),
        "lower_95": np.maximum(mean - Z_95 * point.sd, 0.0),
        "upper_95": np.maximum(mean + Z_95 * point.sd, 0.0),
    }


def backtest_origins(length: int, design: BacktestDesign) -> list[int]:
    """Training lengths of the rolling origins for a series of `length` steps, oldest first."""
    last = length - design.horizon
    origins = [last - design.step * back for back in range(design.origins - 1, -1, -1)]
    return [origin for origin in origins if origin >= design.min_train]


def seasonal_scales(demand: np.ndarray, origins: list[int], season_length: int) -> tuple[np.ndarray, np.ndarray]:
    """For each origin, the mean absolute and mean squared week-on-week change of the training
    data before it: the MASE and RMSSE denominators (NaN where the training data never changes
    week on week). Cumulative sums give every origin in one pass."""
    changes = demand[season_length:] - demand[:-season_length]
    absolute = np.r_[0.0, np.cumsum(np.abs(changes))]
    squared = np.r_[0.0, np.cumsum(changes**2)]
    counts = np.asarray(origins) - season_length
    mae, mse = absolute[counts] / counts, squared[counts] / counts
    return np.where(mae > 0, mae, np.nan), np.where(mse > 0, mse, np.nan)


def backtest_method(
    demand: np.ndarray,
    is_open: np.ndarray,
    method: str,
    origins: list[int],
    horizon: int,
    season_length: int,
    scales: tuple[np.ndarray, np.ndarray],
) -> dict:
    """Scores of one method over the rolling origins of one (closure-imputed) series; its
    smoothing weights are fitted at the first origin. `scales` are seasonal_scales(origins).

    mase / rmsse: mean over origins of the origin's scaled error on open days; bias: mean of
    forecast − actual over all scored days (series units per day); relative_bias: its sum over
    the sum of actuals; coverage_80 / coverage_95: share of scored actuals inside the interval.
    Every origin must have at least one open day to score."""
    if method == SBA:
        points = flat_forecasts_at(demand, _sba_next_day(demand, SBA_ALPHA), origins, horizon, SBA_ALPHA)
    elif method == TSB:
        points = flat_forecasts_at(demand, _tsb_next_day(demand, TSB_ALPHA, TSB_BETA), origins, horizon, TSB_BETA)
    else:
        forecaster = FORECASTERS[method]
        weights, points = None, []
        for origin in origins:
            # Weights (and ETS initial states) fitted at the first origin are kept for the
            # later ones: still only past data, and the costly ETS optimisation runs once.
            point = forecaster(demand[:origin], horizon, season_length, weights)
            weights = point.weights or None
            points.append(point)
    means = [point.mean for point in points]
    sds = [point.sd for point in points]
    bands = prediction_intervals(PointForecast(mean=np.vstack(means), sd=np.vstack(sds)))
    days = np.asarray(origins)[:, None] + np.arange(horizon)
    actual, scored = demand[days], is_open[days]
    error = np.where(scored, bands["forecast"] - actual, 0.0)
    scored_days = scored.sum(axis=1)
    scale_mae, scale_mse = scales
    mase = np.abs(error).sum(axis=1) / scored_days / scale_mae
    rmsse = np.sqrt((error**2).sum(axis=1) / scored_days / scale_mse)
    inside_80 = scored & (bands["lower_80"] <= actual) & (actual <= bands["upper_80"])
    inside_95 = scored & (bands["lower_95"] <= actual) & (actual <= bands["upper_95"])
    total_days = int(scored_days.sum())
    error_sum = float(error.sum())
    actual_sum = float(np.where(scored, actual, 0.0).sum())
    return {
        "method": method,
        "origins": len(origins),
        "scored_days": total_days,
        "mase": float(np.mean(mase)),
        "rmsse": float(np.mean(rmsse)),
        "bias": error_sum / total_days,
        "relative_bias": error_sum / actual_sum if actual_sum > 0 else np.nan,
        "coverage_80": float(inside_80.sum()) / total_days,
        "coverage_95": float(inside_95.sum()) / total_days,
        "error_sum": error_sum,
        "actual_sum": actual_sum,
    }


def select_method(scores: list[dict], candidates: tuple[str, ...]) -> str:
    """The candidate with the lowest mean RMSSE; ties and unscorable series go to the earlier
    candidate in class order (the baseline first), so the choice is never arbitrary."""
    by_method = {row["method"]: row["rmsse"] for row in scores}
    best, best_score = candidates[0], np.inf
    for method in candidates:
        score = by_method.get(method, np.nan)
        if np.isfinite(score) and score < best_score:
            best, best_score = method, score
    return best


def fit_series(series: Series, horizon: int, season_length: int, design: BacktestDesign) -> SeriesFit:
    """Classify, backtest the class's candidates, pick the best and estimate it on the whole
    history; the class row keeps the method and its weights (selected_weights, JSON) for
    forecast_with_fits."""
    demand_class, adi, cv2 = classify_demand(series.demand[series.is_open])
    candidates = CANDIDATES[demand_class]
    filled = impute_closures(series.demand, series.is_open, season_length)
    origins = [
        origin for origin in backtest_origins(filled.size, design)
        if series.is_open[origin : origin + design.horizon].any()
    ]
    scores = []
    if origins:
        scales = seasonal_scales(filled, origins, season_length)
        scores = [
            backtest_method(filled, series.is_open, method, origins, design.horizon, season_length, scales)
            for method in candidates
        ]
    method = select_method(scores, candidates)
    base = {"series_type": series.series_type, "series_key": series.series_key, "demand_class": demand_class}
    backtest_rows = [
        {**base, "metric_level": "series", "series_count": 1, "is_baseline": row["method"] == BASELINE,
         "is_selected": row["method"] == method, **row}
        for row in scores
    ]
    open_demand = series.demand[series.is_open]
    weights = FORECASTERS[method](filled, horizon, season_length, None).weights
    class_row = {
        **base,
        "adi": adi,
        "cv2": cv2,
        "history_days": int(series.demand.size),
        "trading_days": int(open_demand.size),
        "demand_days": int(np.count_nonzero(open_demand > 0)),
        "mean_demand": float(open_demand.mean()) if open_demand.size else 0.0,
        "candidate_methods": ",".join(candidates),
        "selected_method": method,
        # JSON writes each float's shortest exact repr: the stored weights read back bit for bit.
        "selected_weights": json.dumps(list(weights)),
        "backtest_origins": len(origins),
    }
    return SeriesFit(class_row=class_row, backtest_rows=backtest_rows)


def forecast_with_fits(
    series: list[Series], fits: list[tuple[str, str]], horizon: int, season_length: int
) -> list[dict[str, np.ndarray]]:
    """`horizon` steps after each series' last observation by its stored fit (a class row's
    selected_method and selected_weights, one pair per series): nothing is estimated, so a
    series that grew since its fit is run through the fitted model up to its new last day. The
    ETS series run together (_run_ets_many). Returns prediction_intervals' arrays per series,
    in input order."""
    histories = [impute_closures(item.demand, item.is_open, season_length) for item in series]
    weights = [tuple(json.loads(fitted_weights)) or None for _, fitted_weights in fits]
    ets_rows = [row for row, (method, _) in enumerate(fits) if method == ETS and weights[row] is not None]
    points: dict[int, PointForecast] = dict(zip(ets_rows, _run_ets_many(
        [histories[row] for row in ets_rows], horizon, season_length, [weights[row] for row in ets_rows]
    )))
    return [
        prediction_intervals(
            points[row] if row in points else FORECASTERS[method](histories[row], horizon, season_length, weights[row])
        )
        for row, (method, _) in enumerate(fits)
    ]


def _fit_chunk(chunk: list[Series], horizon: int, season_length: int, design: BacktestDesign) -> list[SeriesFit]:
    """fit_series over a list of series (the unit of work of one worker task).

    BLAS is held to one thread: the fits are tiny, so extra BLAS threads only spin, and on a
    busy machine that made each ETS fit ~10x slower."""
    with threadpool_limits(limits=1):
        return [fit_series(series, horizon, season_length, design) for series in chunk]


def fit_many(
    series: list[Series],
    horizon: int,
    season_length: int,
    design: BacktestDesign,
    workers: int = 2,
) -> list[SeriesFit]:
    """fit_series for every series, in input order, on `workers` processes.

    Series are dealt round-robin into 4 chunks per worker so that the expensive ETS series
    spread evenly. Workers start from python_ml.processes' fork server (not forked from dbt,
    whose DuckDB buffers they would keep alive). Fewer than POOL_MIN_SERIES series are fitted
    in this process: starting the pool costs more than fitting them."""
    if workers <= 1 or len(series) < POOL_MIN_SERIES:
        return _fit_chunk(series, horizon, season_length, design)
    chunk_count = min(len(series), 4 * workers)
    chunks = [series[start::chunk_count] for start in range(chunk_count)]
    task = partial(_fit_chunk, horizon=horizon, season_length=season_length, design=design)
    with ProcessPoolExecutor(max_workers=workers, mp_context=child_process_context()) as pool:
        done = list(pool.map(task, chunks))
    fits: list[SeriesFit] = [None] * len(series)  # type: ignore[list-item]
    for start, chunk_fits in enumerate(done):
        fits[start::chunk_count] = chunk_fits
    return fits


def split_series(frame: pd.DataFrame) -> list[Series]:
    """Series from a frame with one row per series (series_type, series_key, demands and
    trading_days: arrays of the regular trading weekdays in date order), sorted by
    (series_type, series_key)."""
    frame = frame.sort_values(["series_type", "series_key"], kind="stable")
    return [
        Series(
            str(series_type), str(series_key), np.asarray(demands, dtype=float), np.asarray(trading_days, dtype=bool)
        )
        for series_type, series_key, demands, trading_days in frame.loc[
            :, ["series_type", "series_key", "demands", "trading_days"]
        ].itertuples(index=False)
    ]


def summarise_backtest(series_rows: pd.DataFrame) -> pd.DataFrame:
    """Per demand class and over all series of a type, per method (and 'selected': each
    series' chosen method): the mean of the series' MASE, RMSSE and bias, and scored-day-weighted
    coverage and pooled relative bias (from the series' bias and relative bias). Over all series
    only the methods every series of the type ran (the baseline and 'selected'): a method fitted
    to some demand classes only would be averaged over other series than the baseline beside
    it; its rows per demand class compare it on the same series."""
    rows = pd.concat(
        [series_rows, series_rows[series_rows["is_selected"]].assign(method=SELECTED, is_baseline=False)],
        ignore_index=True,
    )
    rows = rows.assign(
        covered_80=rows["coverage_80"] * rows["scored_days"],
        covered_95=rows["coverage_95"] * rows["scored_days"],
    )
    summaries = []
    for level, group_columns in (("demand_class", ["series_type", "demand_class", "method"]),
                                 ("all", ["series_type", "method"])):
        grouped = rows.groupby(group_columns, sort=True, dropna=False)
        summary = grouped.agg(
            series_count=("series_key", "size"),
            origins=("origins", "max"),
            scored_days=("scored_days", "sum"),
            mase=("mase", "mean"),
            rmsse=("rmsse", "mean"),
            bias=("bias", "mean"),
            error_sum=("error_sum", "sum"),
            actual_sum=("actual_sum", "sum"),
            covered_80=("covered_80", "sum"),
            covered_95=("covered_95", "sum"),
            is_baseline=("is_baseline", "max"),
        ).reset_index()
        summary["relative_bias"] = summary["error_sum"] / summary["actual_sum"].where(summary["actual_sum"] > 0)
        summary["coverage_80"] = summary["covered_80"] / summary["scored_days"]
        summary["coverage_95"] = summary["covered_95"] / summary["scored_days"]
        if level == "all":
            series_per_type = summary[summary["method"] == SELECTED].set_index("series_type")["series_count"]
            summary = summary[summary["series_count"] == summary["series_type"].map(series_per_type)].copy()
            summary["demand_class"] = "all"
        summary["series_key"] = summary["demand_class"]
        summary["metric_level"] = level
        summary["is_selected"] = summary["method"] == SELECTED
        summaries.append(summary)
    return pd.concat(summaries, ignore_index=True)


def place_on_calendar(
    series: list[Series], forecasts: list[dict[str, np.ndarray]], methods: list[str], calendar: pd.DataFrame
) -> pd.DataFrame:
    """One row per series and forecast date: the series' forecast steps in order on the
    regular trading weekdays of `calendar` (sorted by date), 0 on every date not expected to
    trade (a non-regular weekday or a closure)."""
    dates = calendar["calendar_date"].to_numpy()
    regular = calendar["is_regular_trading_weekday"].to_numpy(dtype=bool)
    trading = calendar["is_trading_day"].to_numpy(dtype=bool)
    count = len(series)
    columns = {}
    for name in ("forecast", "lower_80", "upper_80", "lower_95", "upper_95"):
        values = np.zeros((count, dates.size))
        if count:
            values[:, regular] = np.vstack([forecast[name] for forecast in forecasts])
        columns[name] = np.where(trading, values, 0.0).ravel()
    return pd.DataFrame({
        "series_type": np.repeat([item.series_type for item in series], dates.size),
        "series_key": np.repeat([item.series_key for item in series], dates.size),
        "forecast_date": np.tile(dates, count),
        "is_trading_day": np.tile(trading, count),
        **columns,
        "method": np.repeat(methods, dates.size),
    })[FORECAST_COLUMNS]


@dataclass(frozen=True)
class ForecastSetup:
    """The series, the forecast calendar sorted by date, the season length (the number of
    regular trading weekdays in a week) and the backtest design (as many steps as the
    horizon's regular weekdays, origins one week apart)."""

    series: list[Series]
    calendar: pd.DataFrame
    season_length: int
    design: BacktestDesign


def set_up_forecasts(series_frame: pd.DataFrame, calendar: pd.DataFrame, backtest_origin_count: int) -> ForecastSetup:
    """series_frame: one row per series (see split_series). calendar: one row per forecast date
    (calendar_date, is_regular_trading_weekday, is_trading_day = expected to trade), covering
    the horizon; its regular trading weekdays are the days the series hold, so their number
    of distinct weekdays is the season length."""
    if len(calendar) < 7:
        raise ValueError(
            f"demand forecasts: the forecast calendar has {len(calendar)} days; the season is read "
            "from its weekdays, so forecast_horizon_days must be at least 7."
        )
    calendar = calendar.sort_values("calendar_date", kind="stable")
    regular = calendar["is_regular_trading_weekday"].to_numpy(dtype=bool)
    season_length = int(pd.to_datetime(calendar.loc[regular, "calendar_date"]).dt.day_of_week.nunique())
    horizon = int(regular.sum())
    design = BacktestDesign(horizon=horizon, origins=backtest_origin_count, step=season_length,
                            min_train=4 * season_length)
    return ForecastSetup(split_series(series_frame), calendar, season_length, design)


def fit_demand(setup: ForecastSetup, workers: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every series fitted (fit_series): the class frame (CLASS_COLUMNS, one row per series)
    and the backtest frame (BACKTEST_COLUMNS: per series and method, plus per demand class and
    overall for products), both sorted."""
    fits = fit_many(setup.series, setup.design.horizon, setup.season_length, setup.design, workers=workers)
    classes = pd.DataFrame([fit.class_row for fit in fits], columns=CLASS_COLUMNS)
    series_rows = pd.DataFrame([row for fit in fits for row in fit.backtest_rows])
    if series_rows.empty:
        backtest = pd.DataFrame(columns=BACKTEST_COLUMNS)
    else:
        summaries = summarise_backtest(series_rows[series_rows["series_type"] == "product"])
        backtest = pd.concat([series_rows, summaries], ignore_index=True)[BACKTEST_COLUMNS]
    backtest = backtest.sort_values(["metric_level", "series_type", "series_key", "method"], kind="stable")
    return (
        classes.sort_values(["series_type", "series_key"], kind="stable").reset_index(drop=True),
        backtest.reset_index(drop=True),
    )


def forecast_from_fits(setup: ForecastSetup, fits: pd.DataFrame, workers: int = 2) -> pd.DataFrame:
    """Forecasts (FORECAST_COLUMNS, one row per series and calendar date, sorted) from stored
    fits: class rows (series_type, series_key, selected_method, selected_weights,
    history_days). A series is fitted here (fit_series) when it has no fit, or when its fit saw
    more days than the series now has (a replay of an earlier as_of_date must not use weights
    estimated on later data)."""
    fit_columns = ["series_type", "series_key", "selected_method", "selected_weights", "history_days"]
    missing = [column for column in fit_columns if column not in fits.columns]
    if missing:
        raise ValueError(
            f"demand fits: columns {missing} are missing from demand_forecast_results; its fits come "
            "from an older version of the project: run a full `dbt build` once to store them again."
        )
    stored = {
        (series_type, series_key): (method, weights, int(history_days))
        for series_type, series_key, method, weights, history_days in fits.loc[:, fit_columns].itertuples(index=False)
    }

    def needs_fit(item: Series) -> bool:
        fit = stored.get((item.series_type, item.series_key))
        return fit is None or fit[2] > item.demand.size

    unfitted = [item for item in setup.series if needs_fit(item)]
    for fit in fit_many(unfitted, setup.design.horizon, setup.season_length, setup.design, workers=workers):
        row = fit.class_row
        stored[(row["series_type"], row["series_key"])] = (
            row["selected_method"], row["selected_weights"], row["history_days"]
        )
    chosen = [stored[(item.series_type, item.series_key)] for item in setup.series]
    with threadpool_limits(limits=1):
        forecasts = forecast_with_fits(
            setup.series, [(method, weights) for method, weights, _ in chosen], setup.design.horizon,
            setup.season_length,
        )
    placed = place_on_calendar(setup.series, forecasts, [method for method, _, _ in chosen], setup.calendar)
    return placed.sort_values(["series_type", "series_key", "forecast_date"], kind="stable").reset_index(drop=True)


def forecast_demand(
    series_frame: pd.DataFrame,
    calendar: pd.DataFrame,
    backtest_origin_count: int = 4,
    workers: int = 2,
) -> ForecastResults:
    """Demand classes, backtest metrics and forecasts for every series of series_frame (see
    set_up_forecasts): fit_demand, then forecast_from_fits with those fits. Each series is
    forecast for every regular weekday in the calendar; dates that are not expected to trade
    get 0 (and 0-width intervals)."""
    setup = set_up_forecasts(series_frame, calendar, backtest_origin_count)
    classes, backtest = fit_demand(setup, workers)
    return ForecastResults(forecasts=forecast_from_fits(setup, classes, workers), classes=classes, backtest=backtest)


def fit_demand_results(
    series_frame: pd.DataFrame,
    calendar: pd.DataFrame,
    backtest_origin_count: int = 4,
    workers: int = 2,
) -> pd.DataFrame:
    """fit_demand's two frames stacked into the one table a dbt Python model returns, told
    apart by result_type ('demand_class', 'backtest'); columns a result type does not have
    are null."""
    classes, backtest = fit_demand(set_up_forecasts(series_frame, calendar, backtest_origin_count), workers)
    return pd.concat(
        [classes.assign(result_type="demand_class"), backtest.assign(result_type="backtest")],
        ignore_index=True,
    )


def forecast_demand_from_fits(
    series_frame: pd.DataFrame,
    calendar: pd.DataFrame,
    fits: pd.DataFrame,
    backtest_origin_count: int = 4,
    workers: int = 2,
) -> pd.DataFrame:
    """forecast_from_fits on a series frame and forecast calendar (see set_up_forecasts);
    backtest_origin_count is used for the series fitted here."""
    return forecast_from_fits(set_up_forecasts(series_frame, calendar, backtest_origin_count), fits, workers)
