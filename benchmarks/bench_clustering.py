"""Times the segmentation clustering on synthetic customers (default 1,000,000): the full
candidate comparison (python_ml.clustering.compare_clusterings), the re-fit of the chosen one
(fit_cluster_model, full builds) and placing every customer with it (assign_clusters_from_model,
full and nightly builds). Prints wall and CPU seconds; not a test.

    .venv/bin/python -m benchmarks.bench_clustering [--customers N] [--seed S]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from python_ml.clustering import assign_clusters_from_model, compare_clusterings, fit_cluster_model


def make_customers(n: int, seed: int) -> pd.DataFrame:
    """customer_rfm-shaped rows: a mix of lapsed one-timers, occasional buyers and frequent
    wholesalers, with the skew of real retail data (lognormal money, geometric order counts)."""
    rng = np.random.default_rng(seed)
    group = rng.choice(3, size=n, p=[0.45, 0.40, 0.15])
    frequency = 1 + rng.geometric(p=np.array([0.9, 0.35, 0.06])[group]) - 1
    recency = rng.gamma(2.0, np.array([110.0, 40.0, 8.0])[group]).round()
    tenure = np.maximum(recency, rng.uniform(0, 730, size=n)).round()
    avg_order_value = rng.lognormal(np.array([5.0, 5.6, 6.3])[group], 0.6)
    return pd.DataFrame(
        {
            "customer_id": [f"{position:07d}" for position in range(n)],
            "recency_days": recency,
            "frequency": frequency,
            "monetary": (frequency * avg_order_value).round(2),
            "tenure_days": tenure,
            "avg_order_value": avg_order_value.round(2),
            "return_rate": np.where(rng.random(n) < 0.2, rng.beta(1.0, 8.0, size=n), 0.0),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    customers = make_customers(args.customers, args.seed)
    wall, cpu = time.perf_counter(), time.process_time()
    comparison = compare_clusterings(customers, seed=args.seed)
    compare_wall, compare_cpu = time.perf_counter() - wall, time.process_time() - cpu
    chosen = comparison.loc[comparison["chosen"]].iloc[0]
    wall, cpu = time.perf_counter(), time.process_time()
    (stored,) = fit_cluster_model(customers, chosen, seed=args.seed).to_dict("records")
    fit_wall, fit_cpu = time.perf_counter() - wall, time.process_time() - cpu
    wall, cpu = time.perf_counter(), time.process_time()
    assigned = assign_clusters_from_model(customers, stored)
    assign_wall, assign_cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"customers: {len(customers):,}; candidates: {len(comparison)}; chosen: {chosen['candidate_id']}")
    print(f"compare_clusterings:        {compare_wall:.1f} s wall, {compare_cpu:.1f} s CPU")
    print(f"fit_cluster_model:          {fit_wall:.1f} s wall, {fit_cpu:.1f} s CPU")
    print(f"assign_clusters_from_model: {assign_wall:.1f} s wall, {assign_cpu:.1f} s CPU")
    print(assigned.groupby(["cluster_id", "cluster_label"]).size().to_string())


if __name__ == "__main__":
    main()
