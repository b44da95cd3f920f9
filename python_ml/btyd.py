"""Buy-till-you-die models fitted by maximum likelihood with scipy: BG/NBD for the number of
purchases and Gamma–Gamma for their value.

- BG/NBD: Fader, Hardie & Lee (2005), "Counting your customers the easy way: an alternative to the
  Pareto/NBD model", Marketing Science 24(2). While alive a customer buys as a Poisson process
  with rate λ ~ Gamma(r, α); after each purchase they drop out with probability p ~ Beta(a, b).
- Gamma–Gamma: Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for customer
  base analysis", JMR 42(4); the note "The Gamma-Gamma model of monetary value" (Fader & Hardie,
  2013). Mean order value per customer ν ~ Gamma(q, γ), order values ~ Gamma(p, ν).

Inputs per customer, with time in days: `frequency` x = repeat purchases (purchases − 1),
`recency` t_x = days from first to last purchase, `age` T = days from first purchase to the
cutoff, `mean_value` = mean spend per purchase. The maintained Python packages for these models
(lifetimes, pymc-marketing) are unmaintained or far too heavy for this project's install budget,
so the log-likelihoods are written out here and tested against hand-computed values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special


@dataclass(frozen=True)
class BgNbdParameters:
    """BG/NBD parameters: purchase rate λ ~ Gamma(shape r, rate α) per day; dropout p ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float


@dataclass(frozen=True)
class GammaGammaParameters:
    """Gamma–Gamma parameters: order value ~ Gamma(p, ν), ν ~ Gamma(shape q, rate γ)."""

    p: float
    q: float
    gamma: float


def bg_nbd_log_likelihood(
    params: BgNbdParameters, frequency: ArrayLike, recency: ArrayLike, age: ArrayLike
) -> np.ndarray:
    """Per-customer log-likelihood of (x, t_x, T) under BG/NBD (FHL 2005, eq. 6)."""
    x = np.asarray(frequency, dtype=np.float64)
    t_x = np.asarray(recency, dtype=np.float64)
    t = np.asarray(age, dtype=np.float64)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b) - special.gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + t)
    # The second term only exists for repeat buyers (they may have dropped out after t_x).
    a4 = np.where(
        x > 0,
        np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x),
        -np.inf,
    )
    return a1 + a2 + np.logaddexp(a3, a4)


def _positive_parameters(log_values: np.ndarray) -> np.ndarray:
    return np.exp(np.clip(log_values, -30.0, 30.0))


def fit_bg_nbd(frequency: ArrayLike, recency: ArrayLike, age: ArrayLike) -> BgNbdParameters:
    """Maximum-likelihood BG/NBD parameters for customers' (x, t_x, T) in days. Optimised over
    log-parameters with L-BFGS-B from a fixed start, so the fit is deterministic."""
    x = np.asarray(frequency, dtype=np.float64)
    t_x = np.asarray(recency, dtype=np.float64)
    t = np.asarray(age, dtype=np.float64)

    def negative_log_likelihood(log_params: np.ndarray) -> float:
        params = BgNbdParameters(*_positive_parameters(log_params))
        return -float(np.sum(bg_nbd_log_likelihood(params, x, t_x, t)))

    # Start near "a purchase every couple of months, modest dropout"; scaled by the data's span.
    start = np.log([1.0, max(float(np.mean(t)), 1.0), 1.0, 1.0])
    result = optimize.minimize(negative_log_likelihood, start, method="L-BFGS-B")
    return BgNbdParameters(*(float(v) for v in _positive_parameters(result.x)))


def _bg_nbd_denominator(params: BgNbdParameters, x: np.ndarray, t_x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """1 + [x > 0] · a/(b + x − 1) · ((α + T)/(α + t_x))^(r + x): 1 / P(alive at T)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    log_odds_dead = (
        np.log(a)
        - np.log(np.maximum(b + x - 1, 1e-300))
        + (r + x) * (np.log(alpha + t) - np.log(alpha + t_x))
    )
    return 1 + np.where(x > 0, np.exp(np.minimum(log_odds_dead, 700.0)), 0.0)


def bg_nbd_probability_alive(
    params: BgNbdParameters, frequency: ArrayLike, recency: ArrayLike, age: ArrayLike
) -> np.ndarray:
    """P(still alive at T | x, t_x, T) (FHL 2005, eq. 11); 1 for customers with no repeat purchase."""
    x = np.asarray(frequency, dtype=np.float64)
    return 1 / _bg_nbd_denominator(params, x, np.asarray(recency, float), np.asarray(age, float))


def bg_nbd_expected_purchases(
    params: BgNbdParameters, frequency: ArrayLike, recency: ArrayLike, age: ArrayLike, horizon_days: float
) -> np.ndarray:
    """Expected purchases in (T, T + horizon_days] given (x, t_x, T) (FHL 2005, eq. 10)."""
    x = np.asarray(frequency, dtype=np.float64)
    t_x = np.asarray(recency, dtype=np.float64)
    t = np.asarray(age, dtype=np.float64)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    z = horizon_days / (alpha + t + horizon_days)
    hypergeometric = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    numerator = (a + b + x - 1) / (a - 1) * (1 - ((alpha + t) / (alpha + t + horizon_days)) ** (r + x) * hypergeometric)
    return np.maximum(numerator / _bg_nbd_denominator(params, x, t_x, t), 0.0)


def bg_nbd_probability_of_purchase(
    params: BgNbdParameters, frequency: ArrayLike, recency: ArrayLike, age: ArrayLike, horizon_days: float
) -> np.ndarray:
    """P(at least one purchase in (T, T + horizon_days] | x, t_x, T). Dropout happens only right
    after a purchase, so a customer alive at T who buys nothing stays alive: the probability is
    P(alive) · (1 − P(no Poisson event | Gamma(r + x, α + T) rate))."""
    x = np.asarray(frequency, dtype=np.float64)
    t = np.asarray(age, dtype=np.float64)
    no_purchase_if_alive = ((params.alpha + t) / (params.alpha + t + horizon_days)) ** (params.r + x)
    return bg_nbd_probability_alive(params, x, recency, t) * (1 - no_purchase_if_alive)


def gamma_gamma_log_likelihood(
    params: GammaGammaParameters, frequency: ArrayLike, mean_value: ArrayLike
) -> np.ndarray:
    """Per-customer log-likelihood of the mean value m̄ of x purchases (x ≥ 1, m̄ > 0), dropping
    the term that depends on the individual order values only."""
    x = np.asarray(frequency, dtype=np.float64)
    m = np.asarray(mean_value, dtype=np.float64)
    p, q, gamma = params.p, params.q, params.gamma
    return (
        special.gammaln(p * x + q)
        - special.gammaln(p * x)
        - special.gammaln(q)
        + q * np.log(gamma)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(gamma + m * x)
    )


def fit_gamma_gamma(frequency: ArrayLike, mean_value: ArrayLike) -> GammaGammaParameters:
    """Maximum-likelihood Gamma–Gamma parameters from customers with x ≥ 1 purchases of mean value
    m̄ > 0 (others must be filtered out by the caller). q is kept above 1 so the population mean
    order value γp/(q − 1) exists."""
    x = np.asarray(frequency, dtype=np.float64)
    m = np.asarray(mean_value, dtype=np.float64)

    def negative_log_likelihood(log_params: np.ndarray) -> float:
        p, q_above_one, gamma = _positive_parameters(log_params)
        params = GammaGammaParameters(p=p, q=1 + q_above_one, gamma=gamma)
        return -float(np.sum(gamma_gamma_log_likelihood(params, x, m)))

    start = np.log([1.0, 1.0, max(float(np.mean(m)), 1e-6)])
    result = optimize.minimize(negative_log_likelihood, start, method="L-BFGS-B")
    p, q_above_one, gamma = (float(v) for v in _positive_parameters(result.x))
    return GammaGammaParameters(p=p, q=1 + q_above_one, gamma=gamma)


def gamma_gamma_expected_value(
    params: GammaGammaParameters, frequency: ArrayLike, mean_value: ArrayLike
) -> np.ndarray:
    """E[order value | x, m̄] = (γ + m̄x)·p / (px + q − 1): the customer's mean shrunk towards the
    population mean γp/(q − 1); the population mean itself for customers with x = 0."""
    x = np.asarray(frequency, dtype=np.float64)
    m = np.nan_to_num(np.asarray(mean_value, dtype=np.float64))
    p, q, gamma = params.p, params.q, params.gamma
    return (gamma + m * x) * p / (p * x + q - 1)
