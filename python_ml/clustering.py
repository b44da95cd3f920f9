"""Customer clustering: preprocessing, candidate models, their metrics and stability, the choice
of one model by a fixed rule, and readable labels for its clusters.

Grain: one row per customer (the columns of `customer_rfm`). Everything is deterministic for the
same input and seed: rows are sorted by customer_id first, every random step takes the seed, and
numeric libraries run on one thread (parallel float sums can change the last bits).

Scale: K-means is fitted on every customer. Agglomerative (Ward) and DBSCAN are quadratic in time
or memory, and Gaussian mixtures are slow on millions of rows, so they are fitted on a seeded
sample and extended to every customer: Ward and the mixture by their centroids / component
densities, DBSCAN by the nearest core point within eps. Silhouette (quadratic) is computed on a
seeded sample; Davies-Bouldin and Calinski-Harabasz on every customer. Stability is measured by
re-fitting each candidate on seeded subsamples of the fit sample.

scikit-learn and scipy are imported by the functions that use them, not here: placing customers
with a stored K-means or Ward model needs only numpy, and the nightly build, which does only that,
would otherwise spend ~1.8 s importing them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

# Features per customer and how each is made comparable before standardising. Recency,
# frequency, monetary and average order value are heavily right-skewed (a few wholesalers spend
# 100x the median), so they are log1p-transformed; money below zero (net refunds) counts as 0.
# Tenure (days since the first order) and return rate (0..1) are bounded and used as they are.
LOG_FEATURES = ("recency_days", "frequency", "monetary", "avg_order_value")
LINEAR_FEATURES = ("tenure_days", "return_rate")
FEATURE_COLUMNS = LOG_FEATURES + LINEAR_FEATURES
# Standardised values are capped at +-5 sd so a handful of extreme customers cannot claim a
# centroid of their own.
Z_CAP = 5.0

NOISE = -1
NOISE_LABEL = "outliers (no dense cluster)"
DEFAULT_KS = tuple(range(2, 11))
FIT_SAMPLE_SIZE = 2_500
SILHOUETTE_SAMPLE_SIZE = 2_500
STABILITY_SAMPLE_SIZE = 1_500
STABILITY_RESAMPLES = 3
STABILITY_SUBSAMPLE_SHARE = 0.8
KMEANS_N_INIT = 3

# Model choice rule (see choose_candidate).
MIN_STABILITY = 0.75
MAX_NOISE_SHARE = 0.10
MIN_CLUSTERS = 3
MIN_CLUSTER_SHARE = 0.01

Predictor = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Candidate:
    """One clustering method with its parameters; `n_clusters` for kmeans/ward/gmm, `eps` and
    `min_samples` for dbscan."""

    method: str
    n_clusters: int | None = None
    eps: float | None = None
    min_samples: int | None = None

    @property
    def candidate_id(self) -> str:
        if self.method == "dbscan":
            return f"dbscan_min{self.min_samples}"
        return f"{self.method}_k{self.n_clusters:02d}"


def sort_customers(customers: pd.DataFrame) -> pd.DataFrame:
    """The same rows ordered by customer_id with a fresh 0..n-1 index (the order every step uses)."""
    return customers.sort_values("customer_id", kind="mergesort").reset_index(drop=True)


def feature_matrix(customers: pd.DataFrame) -> np.ndarray:
    """Customer rows (FEATURE_COLUMNS, any order) -> float64 matrix n x 6 in the same row order,
    before standardising: log1p of recency, frequency, monetary and AOV (negatives as 0),
    tenure and return rate as they are."""
    columns = []
    for name in FEATURE_COLUMNS:
        values = customers[name].to_numpy(dtype="float64", na_value=0.0)
        if name in LOG_FEATURES:
            values = np.log1p(np.clip(values, 0.0, None))
        columns.append(values)
    return np.column_stack(columns)


def feature_scaling(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean, sd) of each column of a feature_matrix; an sd of 0 becomes 1 (column left centred)."""
    spread = matrix.std(axis=0)
    spread[spread == 0] = 1.0
    return matrix.mean(axis=0), spread


def standardise(matrix: np.ndarray, means: np.ndarray, spreads: np.ndarray) -> np.ndarray:
    """A feature_matrix centred and scaled by the given column means and sds, capped at +-Z_CAP."""
    return np.clip((matrix - means) / spreads, -Z_CAP, Z_CAP)


def prepare_features(customers: pd.DataFrame) -> np.ndarray:
    """Customer rows (FEATURE_COLUMNS, any order) -> the feature_matrix standardised by its own
    column means and sds (mean 0 / sd 1) and capped at +-Z_CAP, in the same row order."""
    matrix = feature_matrix(customers)
    return standardise(matrix, *feature_scaling(matrix))


def draw_sample(n_rows: int, size: int, seed: int) -> np.ndarray:
    """Sorted row positions of a seeded sample without replacement (all rows when n <= size)."""
    if n_rows <= size:
        return np.arange(n_rows)
    return np.sort(np.random.default_rng(seed).choice(n_rows, size=size, replace=False))


def find_knee(sorted_values: np.ndarray) -> int:
    """Position of the knee of an ascending curve: the point farthest below the straight line
    from its first to its last point, with both axes scaled to 0..1 (the Kneedle idea)."""
    n = len(sorted_values)
    if n < 3:
        return n - 1
    low, high = sorted_values[0], sorted_values[-1]
    if high == low:
        return n - 1
    x = np.linspace(0.0, 1.0, n)
    y = (sorted_values - low) / (high - low)
    return int(np.argmax(x - y))


def choose_dbscan_eps(x: np.ndarray, min_samples: int) -> float:
    """DBSCAN radius from the k-distance curve: each point's distance to its min_samples-th
    neighbour (itself counted first, as DBSCAN counts it), sorted ascending; eps is the
    distance at the curve's knee."""
    from sklearn.neighbors import NearestNeighbors

    n_neighbors = min(min_samples, len(x))
    distances, _ = NearestNeighbors(n_neighbors=n_neighbors).fit(x).kneighbors(x)
    k_distances = np.sort(distances[:, -1])
    return float(k_distances[find_knee(k_distances)])


def _nearest_centroid_predictor(centroids: np.ndarray) -> Predictor:
    def predict(x: np.ndarray) -> np.ndarray:
        # Squared distances via |x|^2 - 2 x.c + |c|^2: linear in rows, no n x n matrix.
        scores = (centroids**2).sum(axis=1) - 2.0 * x @ centroids.T
        return np.argmin(scores, axis=1)

    return predict


def _dbscan_predictor(core_points: np.ndarray, core_labels: np.ndarray, eps: float) -> Predictor:
    if len(core_labels) == 0:
        return lambda rows: np.full(len(rows), NOISE)
    from sklearn.neighbors import NearestNeighbors

    index = NearestNeighbors(n_neighbors=1).fit(core_points)

    def predict(rows: np.ndarray) -> np.ndarray:
        distances, nearest = index.kneighbors(rows)
        return np.where(distances[:, 0] <= eps, core_labels[nearest[:, 0]], NOISE)

    return predict


def _mixture_predictor(weights: np.ndarray, means: np.ndarray, precisions_cholesky: np.ndarray) -> Predictor:
    from sklearn.mixture import GaussianMixture

    # The fitted parameters set on an unfitted mixture: its predict is the fitted model's.
    model = GaussianMixture(n_components=len(weights), covariance_type="full")
    model.weights_, model.means_, model.precisions_cholesky_ = weights, means, precisions_cholesky
    model.n_features_in_ = means.shape[1]
    return model.predict


def predictor_from_state(method: str, state: dict[str, np.ndarray]) -> Predictor:
    """The predictor (rows -> fit labels, -1 = noise) of a fitted state, as fit_states returns it
    or read back from JSON (lists are turned back into arrays)."""
    arrays = {name: np.asarray(value) for name, value in state.items()}
    if method in {"kmeans", "ward"}:
        return _nearest_centroid_predictor(arrays["centroids"].astype("float64"))
    if method == "dbscan":
        return _dbscan_predictor(
            arrays["core_points"].astype("float64"), arrays["core_labels"].astype("int64"), float(arrays["eps"])
        )
    if method == "gmm":
        return _mixture_predictor(
            arrays["weights"].astype("float64"),
            arrays["means"].astype("float64"),
            arrays["precisions_cholesky"].astype("float64"),
        )
    raise ValueError(f"unknown clustering method {method!r}")


def _kmeans_state(candidate: Candidate, x: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    from sklearn.cluster import KMeans

    model = KMeans(n_clusters=candidate.n_clusters, n_init=KMEANS_N_INIT, random_state=seed).fit(x)
    return {"centroids": model.cluster_centers_}


def _ward_states(x: np.ndarray, ks: Sequence[int]) -> dict[int, dict[str, np.ndarray]]:
    from scipy.cluster.hierarchy import fcluster, ward

    # One Ward tree serves every k; each cut is extended by the centroids of its clusters.
    tree = ward(x)
    states = {}
    for k in ks:
        labels = fcluster(tree, t=k, criterion="maxclust")
        states[k] = {"centroids": np.vstack([x[labels == label].mean(axis=0) for label in np.unique(labels)])}
    return states


def _dbscan_state(candidate: Candidate, x: np.ndarray) -> dict[str, np.ndarray]:
    from sklearn.cluster import DBSCAN

    model = DBSCAN(eps=candidate.eps, min_samples=candidate.min_samples).fit(x)
    return {
        "core_points": x[model.core_sample_indices_],
        "core_labels": model.labels_[model.core_sample_indices_],
        "eps": np.float64(candidate.eps),
    }


def _gmm_state(candidate: Candidate, x: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    from sklearn.mixture import GaussianMixture

    # tol 0.01 (mean log-likelihood per customer) halves the EM iterations of the default and is
    # ample for comparing partitions; reg_covar keeps near-constant features (return rate 0 for
    # most customers) from producing singular covariances.
    model = GaussianMixture(
        n_components=candidate.n_clusters,
        covariance_type="full",
        reg_covar=1e-4,
        init_params="k-means++",
        tol=1e-2,
        random_state=seed,
    ).fit(x)
    return {"weights": model.weights_, "means": model.means_, "precisions_cholesky": model.precisions_cholesky_}


def fit_states(
    candidates: Sequence[Candidate], x_full: np.ndarray, x_sample: np.ndarray, seed: int
) -> list[dict[str, np.ndarray]]:
    """One fitted state (the arrays predictor_from_state needs) per candidate, in order: K-means
    fitted on x_full, the other methods on x_sample."""
    ward_ks = [c.n_clusters for c in candidates if c.method == "ward"]
    ward_states = _ward_states(x_sample, ward_ks) if ward_ks else {}
    states = []
    for candidate in candidates:
        if candidate.method == "kmeans":
            states.append(_kmeans_state(candidate, x_full, seed))
        elif candidate.method == "ward":
            states.append(ward_states[candidate.n_clusters])
        elif candidate.method == "dbscan":
            states.append(_dbscan_state(candidate, x_sample))
        elif candidate.method == "gmm":
            states.append(_gmm_state(candidate, x_sample, seed))
        else:
            raise ValueError(f"unknown clustering method {candidate.method!r}")
    return states


def fit_predictors(
    candidates: Sequence[Candidate], x_full: np.ndarray, x_sample: np.ndarray, seed: int
) -> list[Predictor]:
    """One predictor (rows -> cluster labels, -1 = noise) per candidate, in order: K-means fitted
    on x_full, the other methods on x_sample."""
    return [
        predictor_from_state(candidate.method, state)
        for candidate, state in zip(candidates, fit_states(candidates, x_full, x_sample, seed), strict=True)
    ]


def build_candidates(x_sample: np.ndarray, ks: Sequence[int] = DEFAULT_KS) -> list[Candidate]:
    """Every candidate compared: K-means, Ward and Gaussian mixture for each k, and DBSCAN with
    min_samples = d + 1 and 2d (d features), each with eps from its own k-distance curve."""
    n_features = x_sample.shape[1]
    candidates = [Candidate(method, n_clusters=k) for method in ("kmeans", "ward", "gmm") for k in ks]
    for min_samples in (n_features + 1, 2 * n_features):
        eps = choose_dbscan_eps(x_sample, min_samples)
        candidates.append(Candidate("dbscan", eps=eps, min_samples=min_samples))
    return candidates


def mean_best_match_jaccard(reference: np.ndarray, refit: np.ndarray) -> float:
    """Cluster-wise stability of one re-fit: for each reference cluster (noise excluded) the best
    Jaccard overlap with any re-fit cluster on the same rows, averaged over reference clusters."""
    scores = []
    refit_clusters = [refit == label for label in np.unique(refit) if label != NOISE]
    for label in np.unique(reference):
        if label == NOISE:
            continue
        members = reference == label
        best = 0.0
        for other in refit_clusters:
            union = np.count_nonzero(members | other)
            best = max(best, np.count_nonzero(members & other) / union)
        scores.append(best)
    return float(np.mean(scores)) if scores else 0.0


def measure_stability(
    candidates: Sequence[Candidate],
    reference_labels: Sequence[np.ndarray],
    x_sample: np.ndarray,
    seed: int,
    resamples: int = STABILITY_RESAMPLES,
    share: float = STABILITY_SUBSAMPLE_SHARE,
) -> list[float]:
    """Mean best-match Jaccard per candidate over `resamples` seeded re-fits, each on a random
    `share` of the sample rows; reference_labels are the candidates' labels of x_sample."""
    rng = np.random.default_rng(seed)
    size = max(2, int(round(share * len(x_sample))))
    totals = np.zeros(len(candidates))
    for resample in range(resamples):
        rows = np.sort(rng.choice(len(x_sample), size=size, replace=False))
        x_sub = x_sample[rows]
        predictors = fit_predictors(candidates, x_sub, x_sub, seed + resample + 1)
        for position, predictor in enumerate(predictors):
            totals[position] += mean_best_match_jaccard(reference_labels[position][rows], predictor(x_sub))
    return list(totals / resamples)


def silhouette_from_distances(distances: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette of labelled rows given their full pairwise distance matrix (n x n), as
    sklearn defines it (a point alone in its cluster scores 0). Per-cluster distance sums come
    from one matrix product, so many labelings of the same rows reuse one distance matrix."""
    clusters, codes = np.unique(labels, return_inverse=True)
    membership = np.zeros((len(labels), len(clusters)))
    membership[np.arange(len(labels)), codes] = 1.0
    sizes = membership.sum(axis=0)
    sums = distances @ membership
    own_size = sizes[codes]
    within = sums[np.arange(len(labels)), codes] / np.maximum(own_size - 1, 1)
    means_to_others = sums / sizes
    means_to_others[np.arange(len(labels)), codes] = np.inf
    nearest_other = means_to_others.min(axis=1)
    # Rows whose own and nearest other cluster are all at distance 0 score 0/0; sklearn takes 0.
    with np.errstate(invalid="ignore"):
        scores = np.nan_to_num((nearest_other - within) / np.maximum(within, nearest_other))
    scores[own_size == 1] = 0.0
    return float(scores.mean())


def within_cluster_sum_of_squares(x: np.ndarray, labels: np.ndarray) -> float:
    """Inertia: the sum over clustered rows of the squared distance to their cluster's mean
    (in standardised feature units; noise rows left out). The elbow of this against k is the
    classic reading of how many clusters the data holds."""
    clustered = labels != NOISE
    x, labels = x[clustered], labels[clustered]
    total = 0.0
    for label in np.unique(labels):
        members = x[labels == label]
        total += float(((members - members.mean(axis=0)) ** 2).sum())
    return total


def score_labels(x: np.ndarray, labels: np.ndarray, silhouette_rows: np.ndarray, distances: np.ndarray) -> dict:
    """Quality of one assignment: silhouette on the rows in silhouette_rows (distances is their
    pairwise distance matrix), Davies-Bouldin, Calinski-Harabasz and inertia on every row; noise
    rows left out of all four; NaN under 2 clusters (inertia is defined for any count)."""
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score

    clustered = labels != NOISE
    found = np.unique(labels[clustered])
    sizes = np.array([np.count_nonzero(labels == label) for label in found])
    metrics = {
        "n_clusters": int(len(found)),
        "noise_share": float(1.0 - clustered.mean()),
        "min_cluster_share": float(sizes.min() / len(labels)) if len(sizes) else 0.0,
        "cluster_sizes": ", ".join(str(size) for size in sorted(sizes, reverse=True)),
        "silhouette": float("nan"),
        "davies_bouldin": float("nan"),
        "calinski_harabasz": float("nan"),
        "inertia": within_cluster_sum_of_squares(x, labels),
    }
    if len(found) < 2:
        return metrics
    kept = clustered[silhouette_rows]
    if len(np.unique(labels[silhouette_rows][kept])) >= 2:
        # Copying the matrix costs more than the silhouette itself; only noise forces it.
        kept_distances = distances if kept.all() else distances[np.ix_(kept, kept)]
        metrics["silhouette"] = silhouette_from_distances(kept_distances, labels[silhouette_rows][kept])
    metrics["davies_bouldin"] = float(davies_bouldin_score(x[clustered], labels[clustered]))
    metrics["calinski_harabasz"] = float(calinski_harabasz_score(x[clustered], labels[clustered]))
    return metrics


def choose_candidate(comparison: pd.DataFrame) -> pd.DataFrame:
    """Adds `is_eligible`, `mean_rank`, `chosen` and `reason` to one row per candidate.

    Rule: a candidate is eligible with stability >= MIN_STABILITY, noise share <= MAX_NOISE_SHARE,
    at least MIN_CLUSTERS clusters and no cluster under MIN_CLUSTER_SHARE of customers (marketing
    cannot act on two groups or on a sliver). Eligible candidates are ranked on silhouette (higher
    better), Davies-Bouldin (lower better) and Calinski-Harabasz (higher better), ties averaged;
    the lowest mean rank wins, then higher stability, fewer clusters, candidate_id. When nothing is
    eligible the same ranking runs over every candidate with a silhouette, and the reason says so.
    """
    frame = comparison.copy()
    failures = []
    for row in frame.itertuples():
        reasons = []
        if not row.stability >= MIN_STABILITY:
            reasons.append(f"stability {row.stability:.3f} < {MIN_STABILITY}")
        if row.noise_share > MAX_NOISE_SHARE:
            reasons.append(f"noise share {row.noise_share:.3f} > {MAX_NOISE_SHARE}")
        if row.n_clusters < MIN_CLUSTERS:
            reasons.append(f"{row.n_clusters} clusters < {MIN_CLUSTERS}")
        if row.min_cluster_share < MIN_CLUSTER_SHARE:
            reasons.append(f"smallest cluster {row.min_cluster_share:.4f} < {MIN_CLUSTER_SHARE} of customers")
        if np.isnan(row.silhouette):
            reasons.append("no silhouette (under 2 clusters)")
        failures.append("; ".join(reasons))
    frame["is_eligible"] = [not reasons for reasons in failures]
    pool = frame["is_eligible"] if frame["is_eligible"].any() else frame["silhouette"].notna()
    ranks = pd.concat(
        [
            frame.loc[pool, "silhouette"].rank(ascending=False),
            frame.loc[pool, "davies_bouldin"].rank(ascending=True),
            frame.loc[pool, "calinski_harabasz"].rank(ascending=False),
        ],
        axis=1,
    )
    frame["mean_rank"] = ranks.mean(axis=1)
    order = frame.loc[pool].sort_values(
        ["mean_rank", "stability", "n_clusters", "candidate_id"],
        ascending=[True, False, True, True],
        kind="mergesort",
    )
    winner = order.index[0] if len(order) else None
    frame["chosen"] = frame.index == winner
    pool_size = int(pool.sum())
    reasons = []
    for index, row in frame.iterrows():
        if index == winner:
            scope = "eligible" if frame["is_eligible"].any() else "scored (none was eligible)"
            reasons.append(
                f"chosen: lowest mean rank {row.mean_rank:.2f} over silhouette, Davies-Bouldin and "
                f"Calinski-Harabasz among {pool_size} {scope} candidates"
            )
        elif pool[index]:
            place = int(order.index.get_loc(index)) + 1
            prefix = "eligible" if row.is_eligible else "not eligible (" + failures[index] + ")"
            reasons.append(f"{prefix}; mean rank {row.mean_rank:.2f}, place {place} of {pool_size}")
        else:
            reasons.append("not eligible: " + failures[index])
    frame["reason"] = reasons
    return frame


def compare_clusterings(
    customers: pd.DataFrame,
    seed: int,
    ks: Sequence[int] = DEFAULT_KS,
    fit_sample_size: int = FIT_SAMPLE_SIZE,
    silhouette_sample_size: int = SILHOUETTE_SAMPLE_SIZE,
    stability_sample_size: int = STABILITY_SAMPLE_SIZE,
    stability_resamples: int = STABILITY_RESAMPLES,
) -> pd.DataFrame:
    """Fits every candidate on customer rows (customer_id + FEATURE_COLUMNS, one per customer)
    and returns one row per candidate, sorted by method and parameters: candidate_id, method,
    n_clusters_requested, eps, min_samples, fitted_on, fit_rows, extended_by, silhouette (+ its
    sample size), davies_bouldin, calinski_harabasz, inertia, noise_share, n_clusters, min_cluster_share,
    cluster_sizes (descending), stability, and the choice columns of choose_candidate."""
    from sklearn.metrics import pairwise_distances

    customers = sort_customers(customers)
    x = prepare_features(customers)
    n = len(x)
    sample_rows = draw_sample(n, fit_sample_size, seed)
    silhouette_rows = draw_sample(n, silhouette_sample_size, seed + 1)
    # The stability rows are a seeded subset of the fit sample.
    stability_rows = sample_rows[draw_sample(len(sample_rows), stability_sample_size, seed + 2)]
    x_sample = x[sample_rows]
    with threadpool_limits(limits=1):
        candidates = build_candidates(x_sample, ks)
        predictors = fit_predictors(candidates, x, x_sample, seed)
        full_labels = [predictor(x) for predictor in predictors]
        stability = measure_stability(
            candidates, [labels[stability_rows] for labels in full_labels], x[stability_rows], seed, stability_resamples
        )
        distances = pairwise_distances(x[silhouette_rows])
        rows = []
        for candidate, labels, stable in zip(candidates, full_labels, stability, strict=True):
            on_sample = candidate.method != "kmeans" and len(sample_rows) < n
            rows.append(
                {
                    "candidate_id": candidate.candidate_id,
                    "method": candidate.method,
                    "n_clusters_requested": candidate.n_clusters,
                    "eps": candidate.eps,
                    "min_samples": candidate.min_samples,
                    "fitted_on": "seeded sample" if on_sample else "all customers",
                    "fit_rows": int(len(sample_rows) if candidate.method != "kmeans" else n),
                    "extended_by": _extension_rule(candidate.method) if on_sample else "none",
                    "silhouette_sample_rows": int(len(silhouette_rows)),
                    "stability": stable,
                    **score_labels(x, labels, silhouette_rows, distances),
                }
            )
    comparison = pd.DataFrame(rows)
    comparison["stability_sample_rows"] = int(len(stability_rows))
    comparison["stability_resamples"] = stability_resamples
    return choose_candidate(comparison).sort_values("candidate_id", kind="mergesort").reset_index(drop=True)


def _extension_rule(method: str) -> str:
    return {
        "ward": "nearest centroid",
        "gmm": "most likely mixture component",
        "dbscan": "nearest core point within eps, else noise",
    }[method]


def describe_level(value: float, population: np.ndarray) -> float:
    """Mid-rank percentile (0..1) of value within population: share below plus half the share
    equal, so a value shared by many customers sits in the middle of its tie."""
    return float((np.count_nonzero(population < value) + 0.5 * np.count_nonzero(population == value)) / len(population))


def label_clusters(customers: pd.DataFrame, labels: np.ndarray) -> dict[int, str]:
    """Readable label per cluster id from the medians of its raw features against every
    customer: value (monetary), purchase frequency and recency, each at the population's
    tercile cut-offs, plus "high returns" when the cluster's mean return rate is at least 0.1 and
    twice the overall mean. Noise is NOISE_LABEL ("outliers (no dense cluster)"). Clusters that
    would share a label get " (group 1)", " (group 2)" in id order."""
    monetary = customers["monetary"].to_numpy(dtype="float64")
    frequency = customers["frequency"].to_numpy(dtype="float64")
    recency = customers["recency_days"].to_numpy(dtype="float64")
    return_rate = customers["return_rate"].to_numpy(dtype="float64")
    overall_return_rate = float(return_rate.mean())
    raw_labels: dict[int, str] = {}
    for cluster in sorted(int(label) for label in np.unique(labels)):
        if cluster == NOISE:
            raw_labels[cluster] = NOISE_LABEL
            continue
        members = labels == cluster
        value_level = describe_level(float(np.median(monetary[members])), monetary)
        frequency_median = float(np.median(frequency[members]))
        frequency_level = describe_level(frequency_median, frequency)
        recency_level = describe_level(float(np.median(recency[members])), recency)
        parts = [
            "high value" if value_level >= 2 / 3 else "low value" if value_level <= 1 / 3 else "mid value",
            "one-time" if frequency_median <= 1
            else "frequent" if frequency_level >= 2 / 3
            else "occasional",
            "recent" if recency_level <= 1 / 3 else "lapsed" if recency_level >= 2 / 3 else "cooling",
        ]
        cluster_return_rate = float(return_rate[members].mean())
        if cluster_return_rate >= max(0.1, 2 * overall_return_rate):
            parts.append("high returns")
        raw_labels[cluster] = " · ".join(parts)
    counts = pd.Series(raw_labels).value_counts()
    seen: dict[str, int] = {}
    named = {}
    for cluster, label in raw_labels.items():
        if counts[label] > 1:
            seen[label] = seen.get(label, 0) + 1
            label = f"{label} (group {seen[label]})"
        named[cluster] = label
    return named


def rank_clusters(customers: pd.DataFrame, labels: np.ndarray) -> dict[int, int]:
    """Cluster id per label the customers hold: 1..k by descending median monetary, then
    descending size, then the lowest customer_id in the cluster (fit labels are arbitrary);
    noise stays -1. Customers must be sorted by customer_id, as sort_customers leaves them."""
    monetary = customers["monetary"].to_numpy(dtype="float64")
    keys = []
    for label in np.unique(labels):
        if label == NOISE:
            continue
        members = labels == label
        first_member = int(np.argmax(members))
        keys.append((-float(np.median(monetary[members])), -int(members.sum()), first_member, int(label)))
    return {NOISE: NOISE} | {label: position + 1 for position, (*_, label) in enumerate(sorted(keys))}


def renumber(labels: np.ndarray, cluster_ids: dict[int, int]) -> np.ndarray:
    """Each label's cluster id (int64); every label must have one."""
    return np.array([cluster_ids[int(label)] for label in labels], dtype="int64")


def candidate_from_row(chosen: pd.Series | dict) -> Candidate:
    """The Candidate of a compare_clusterings row (method, n_clusters_requested, eps, min_samples)."""
    return Candidate(
        method=str(chosen["method"]),
        n_clusters=None if pd.isna(chosen["n_clusters_requested"]) else int(chosen["n_clusters_requested"]),
        eps=None if pd.isna(chosen["eps"]) else float(chosen["eps"]),
        min_samples=None if pd.isna(chosen["min_samples"]) else int(chosen["min_samples"]),
    )


def count_fit_labels(method: str, state: dict[str, np.ndarray]) -> int:
    """How many labels (0..n-1, noise aside) a fitted state can give."""
    if method == "gmm":
        return len(state["weights"])
    if method == "dbscan":
        return int(np.max(state["core_labels"], initial=NOISE)) + 1
    return len(state["centroids"])


def number_fit_labels(customers: pd.DataFrame, fit_labels: np.ndarray, n_fit_labels: int) -> dict[int, int]:
    """Cluster id per fit label 0..n_fit_labels-1 (and -1 -> -1): rank_clusters' numbering of
    the customers' labels; a label no customer had at the fit (a mixture component or centroid
    nobody is nearest to) gets the next free id, so a later customer it wins still has one."""
    mapping = rank_clusters(customers, fit_labels)
    next_id = max(mapping.values()) + 1
    for label in range(n_fit_labels):
        if label not in mapping:
            mapping[label], next_id = next_id, next_id + 1
    return mapping


def fit_cluster_model(
    customers: pd.DataFrame,
    chosen: pd.Series | dict,
    seed: int,
    fit_sample_size: int = FIT_SAMPLE_SIZE,
) -> pd.DataFrame:
    """Re-fits the chosen candidate (a compare_clusterings row) on the same rows, sample and seed
    as compare_clusterings - so its clusters are the ones that were scored - and returns it as
    one row: candidate_id, method, n_clusters (ids 1..k in use), fitted_customers and `model`, a
    JSON object with everything assign_clusters_from_model needs: the feature means and sds of
    these customers, the fitted state (centroids; mixture weights, means and precision
    Cholesky factors; DBSCAN core points, their labels and eps), the cluster id of each fit
    label (1..k by descending median monetary, -1 noise) and each cluster id's label from the
    profile of its customers. Floats are written in their shortest exact form, so they read
    back bit for bit."""
    customers = sort_customers(customers)
    matrix = feature_matrix(customers)
    means, spreads = feature_scaling(matrix)
    x = standardise(matrix, means, spreads)
    sample_rows = draw_sample(len(x), fit_sample_size, seed)
    candidate = candidate_from_row(chosen)
    with threadpool_limits(limits=1):
        (state,) = fit_states([candidate], x, x[sample_rows], seed)
        fit_labels = predictor_from_state(candidate.method, state)(x)
    cluster_ids = number_fit_labels(customers, fit_labels, count_fit_labels(candidate.method, state))
    numbered = renumber(fit_labels, cluster_ids)
    names = label_clusters(customers, numbered)
    for label, cluster in cluster_ids.items():
        names.setdefault(cluster, NOISE_LABEL if label == NOISE else "no customers when fitted")
    model = {
        "feature_columns": list(FEATURE_COLUMNS),
        "feature_means": means.tolist(),
        "feature_spreads": spreads.tolist(),
        "state": {name: np.asarray(value).tolist() for name, value in state.items()},
        "cluster_ids": {str(label): cluster for label, cluster in sorted(cluster_ids.items())},
        "cluster_labels": {str(cluster): name for cluster, name in sorted(names.items())},
    }
    return pd.DataFrame(
        {
            "candidate_id": [candidate.candidate_id],
            "method": [candidate.method],
            "n_clusters": [int(len(np.unique(numbered[numbered != NOISE])))],
            "fitted_customers": [len(customers)],
            "model": [json.dumps(model)],
        }
    )


def assign_clusters_from_model(customers: pd.DataFrame, model_row: pd.Series | dict) -> pd.DataFrame:
    """One row per customer (customer_id + FEATURE_COLUMNS), sorted by customer_id, placed by a
    stored fit_cluster_model row: standardised with the fit's means and sds (not these
    customers'), labelled by the fitted state, numbered and named as at the fit. Returns
    customer_id, cluster_id (1..k; -1 noise), cluster_label, candidate_id. On the customers the
    model was fitted on this gives exactly the fit's clusters; a customer's cluster depends only
    on their own features."""
    model = json.loads(model_row["model"])
    if model["feature_columns"] != list(FEATURE_COLUMNS):
        raise ValueError(
            f"stored cluster model {model_row['candidate_id']} was fitted on {model['feature_columns']}, "
            f"not {list(FEATURE_COLUMNS)}: run a full `dbt build` to refit it"
        )
    customers = sort_customers(customers)
    x = standardise(
        feature_matrix(customers), np.asarray(model["feature_means"]), np.asarray(model["feature_spreads"])
    )
    with threadpool_limits(limits=1):
        fit_labels = predictor_from_state(str(model_row["method"]), model["state"])(x)
    numbered = renumber(fit_labels, {int(label): cluster for label, cluster in model["cluster_ids"].items()})
    return pd.DataFrame(
        {
            "customer_id": customers["customer_id"].to_numpy(),
            "cluster_id": numbered,
            "cluster_label": [model["cluster_labels"][str(cluster)] for cluster in numbered],
            "candidate_id": str(model_row["candidate_id"]),
        }
    )
