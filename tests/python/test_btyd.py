"""BG/NBD and Gamma–Gamma against hand-computed values and a simulation with known parameters."""

import math

import numpy as np
import pytest

from python_ml import btyd

ONES = btyd.BgNbdParameters(r=1.0, alpha=1.0, a=1.0, b=1.0)


def test_bg_nbd_log_likelihood_by_hand():
    # x = 0, T = 1: L = (α/(α+T))^r = 1/2.
    # x = 1, t_x = 1, T = 2: L = B(1,2)/B(1,1)·(1/3)² + B(2,1)/B(1,1)·(1/2)² = 1/18 + 1/8 = 13/72.
    values = btyd.bg_nbd_log_likelihood(ONES, [0, 1], [0, 1], [1, 2])
    assert values.tolist() == pytest.approx([math.log(0.5), math.log(13 / 72)])


def test_bg_nbd_probability_alive_by_hand():
    # x = 1, t_x = 1, T = 2: 1 / (1 + a/(b + x − 1) · ((α+T)/(α+t_x))^(r+x)) = 1 / (1 + 9/4).
    assert btyd.bg_nbd_probability_alive(ONES, [1, 0], [1, 0], [2, 5]).tolist() == pytest.approx([4 / 13, 1.0])


def test_bg_nbd_expected_purchases_of_a_new_customer_by_hand():
    # T = 0 gives the unconditional
    # E[X(t)] = (a+b−1)/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))];
    # r = α = b = 1, a = 2, t = 1: ₂F₁(1, 1; 2; ½) = 2 ln 2, so E = 2 (1 − ln 2).
    params = btyd.BgNbdParameters(r=1.0, alpha=1.0, a=2.0, b=1.0)
    assert btyd.bg_nbd_expected_purchases(params, [0], [0], [0], 1.0)[0] == pytest.approx(2 * (1 - math.log(2)))


def test_bg_nbd_probability_of_purchase_by_hand():
    # x = 0, T = 1, t = 1: alive for sure, P(no event) = ((α+T)/(α+T+t))^(r+x) = 2/3 → 1/3.
    assert btyd.bg_nbd_probability_of_purchase(ONES, [0], [0], [1], 1.0)[0] == pytest.approx(1 / 3)


def test_gamma_gamma_by_hand():
    params = btyd.GammaGammaParameters(p=1.0, q=2.0, gamma=1.0)
    # One value m ~ Exp(ν), ν ~ Gamma(2, 1): density 2 / (1 + m)³ → at m = 1, 1/4.
    assert btyd.gamma_gamma_log_likelihood(params, [1], [1.0])[0] == pytest.approx(math.log(0.25))
    # (γ + m̄x)·p / (px + q − 1): (1 + 3)/2 = 2; for x = 0 the population mean γp/(q − 1) = 1.
    assert btyd.gamma_gamma_expected_value(params, [1, 0], [3.0, 0.0]).tolist() == pytest.approx([2.0, 1.0])


def _simulate_bg_nbd(params, ages, horizon, rng):
    """Purchases of BG/NBD customers first buying at time 0: (x, t_x) up to their age and the
    purchases in (age, age + horizon]."""
    frequency, recency, future = [], [], []
    for age in ages:
        rate = rng.gamma(params.r, 1 / params.alpha)
        dropout = rng.beta(params.a, params.b)
        time, last, x, later = 0.0, 0.0, 0, 0
        while True:
            time += rng.exponential(1 / rate)
            if time > age + horizon:
                break
            if time <= age:
                x, last = x + 1, time
            else:
                later += 1
            # Dropout happens right after each repeat purchase (FHL 2005), never at time 0.
            if rng.random() < dropout:
                break
        frequency.append(x)
        recency.append(last)
        future.append(later)
    return np.array(frequency, float), np.array(recency), np.array(future, float)


def test_bg_nbd_fit_recovers_a_simulated_population():
    rng = np.random.default_rng(7)
    truth = btyd.BgNbdParameters(r=0.8, alpha=40.0, a=0.8, b=3.0)
    ages = rng.uniform(60, 360, size=3000)
    x, t_x, future = _simulate_bg_nbd(truth, ages, 90.0, rng)
    fitted = btyd.fit_bg_nbd(x, t_x, ages)
    # The mean purchase rate r/α and the mean dropout a/(a+b) are well identified.
    assert fitted.r / fitted.alpha == pytest.approx(truth.r / truth.alpha, rel=0.15)
    assert fitted.a / (fitted.a + fitted.b) == pytest.approx(truth.a / (truth.a + truth.b), rel=0.25)
    # And the conditional expectation forecasts the next 90 days in aggregate.
    expected = btyd.bg_nbd_expected_purchases(fitted, x, t_x, ages, 90.0)
    assert expected.sum() == pytest.approx(future.sum(), rel=0.1)
    p_any = btyd.bg_nbd_probability_of_purchase(fitted, x, t_x, ages, 90.0)
    assert p_any.sum() == pytest.approx((future > 0).sum(), rel=0.1)


def test_gamma_gamma_fit_recovers_a_simulated_population():
    rng = np.random.default_rng(11)
    p, q, gamma = 4.0, 3.0, 20.0
    counts = rng.integers(1, 8, size=3000)
    nu = rng.gamma(q, 1 / gamma, size=counts.size)
    means = np.array([rng.gamma(p, 1 / rate, size=n).mean() for rate, n in zip(nu, counts)])
    fitted = btyd.fit_gamma_gamma(counts, means)
    # The population mean order value γp/(q − 1) = 40.
    assert fitted.gamma * fitted.p / (fitted.q - 1) == pytest.approx(40.0, rel=0.1)
