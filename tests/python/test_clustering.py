"""Clustering: preprocessing, eps selection, metrics, stability, the choice rule, labelling,
recovery of well-separated groups and determinism."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import REPO_ROOT
from sklearn.metrics import adjusted_rand_score, silhouette_score

from python_ml import clustering

# A chosen candidate as segmentation_candidates stores it: K-means with 3 clusters.
KMEANS_K3 = {"method": "kmeans", "n_clusters_requested": 3, "eps": None, "min_samples": None}


def make_blobs(centres: list[tuple[float, ...]], per_blob: int, spread: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    points = [rng.normal(centre, spread, size=(per_blob, len(centre))) for centre in centres]
    truth = np.repeat(np.arange(len(centres)), per_blob)
    return np.vstack(points), truth


def make_customers(per_group: int = 150, seed: int = 7) -> tuple[pd.DataFrame, np.ndarray]:
    """Three customer groups far apart on the log scale: big frequent recent buyers, mid-sized
    occasional ones, small lapsed one-timers with many returns."""
    rng = np.random.default_rng(seed)
    groups = [
        # recency, frequency, monetary, tenure, aov, return rate
        (3, 40, 50_000, 360, 1_250, 0.01),
        (60, 6, 1_500, 200, 250, 0.05),
        (330, 1, 40, 340, 40, 0.6),
    ]
    rows = []
    for recency, frequency, monetary, tenure, aov, returns in groups:
        jitter = rng.lognormal(0.0, 0.1, size=(per_group, 4))
        rows.append(
            pd.DataFrame(
                {
                    "recency_days": np.round(recency * jitter[:, 0]),
                    "frequency": np.maximum(1, np.round(frequency * jitter[:, 1])),
                    "monetary": monetary * jitter[:, 2],
                    "tenure_days": np.round(tenure * jitter[:, 3]),
                    "avg_order_value": aov * jitter[:, 2],
                    "return_rate": np.clip(returns + rng.normal(0, 0.01, per_group), 0, 1),
                }
            )
        )
    customers = pd.concat(rows, ignore_index=True)
    customers.insert(0, "customer_id", [f"c{position:04d}" for position in range(len(customers))])
    return customers, np.repeat(np.arange(len(groups)), per_group)


def test_prepare_features_logs_clips_negatives_and_standardises():
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "recency_days": [0, np.e - 1],
            "frequency": [1, 1],
            "monetary": [-50.0, np.e**2 - 1],
            "tenure_days": [10, 30],
            "avg_order_value": [0.0, 0.0],
            "return_rate": [0.0, 0.5],
        }
    )
    x = clustering.prepare_features(customers)
    # Two rows: every varying column becomes -1 / +1; constant ones stay at 0.
    expected = np.array([[-1.0, 0.0, -1.0, 0.0, -1.0, -1.0], [1.0, 0.0, 1.0, 0.0, 1.0, 1.0]])
    np.testing.assert_allclose(x, expected)


def test_prepare_features_caps_extreme_customers():
    customers = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(100)],
            "recency_days": [10] * 100,
            "frequency": [1] * 100,
            "monetary": [100.0] * 100,
            "tenure_days": [100] * 100,
            "avg_order_value": [100.0] * 100,
            "return_rate": [0.0] * 99 + [1.0],
        }
    )
    x = clustering.prepare_features(customers)
    assert x[:, 5].max() == clustering.Z_CAP


def test_find_knee_is_the_point_farthest_below_the_chord():
    # x = 0, 1/3, 2/3, 1 and y = 0, .1, .2, 1: x - y is largest (.467) at position 2.
    assert clustering.find_knee(np.array([0.0, 1.0, 2.0, 10.0])) == 2


def test_dbscan_eps_from_k_distance_separates_blobs_from_each_other():
    x, truth = make_blobs([(0, 0), (10, 0), (0, 10)], per_blob=100, spread=0.5, seed=1)
    eps = clustering.choose_dbscan_eps(x, min_samples=4)
    assert 0.1 < eps < 5.0
    candidate = clustering.Candidate("dbscan", eps=eps, min_samples=4)
    (predictor,) = clustering.fit_predictors([candidate], x, x, seed=0)
    labels = predictor(x)
    # The knee leaves the sparse rim of each blob as noise; the rest must be the blobs.
    clustered = labels != clustering.NOISE
    assert clustered.mean() >= 0.9
    assert adjusted_rand_score(truth[clustered], labels[clustered]) >= 0.9
    assert len(np.unique(labels[clustered])) == 3


@pytest.mark.parametrize("method", ["kmeans", "ward", "gmm"])
def test_each_method_recovers_well_separated_blobs(method):
    x, truth = make_blobs([(0, 0, 0), (8, 0, 0), (0, 8, 0), (0, 0, 8)], per_blob=80, spread=1.0, seed=3)
    (predictor,) = clustering.fit_predictors([clustering.Candidate(method, n_clusters=4)], x, x, seed=0)
    assert adjusted_rand_score(truth, predictor(x)) >= 0.9


def test_sample_fits_extend_to_rows_they_did_not_see():
    x, truth = make_blobs([(0, 0), (8, 0), (0, 8)], per_blob=200, spread=0.8, seed=5)
    sample = clustering.draw_sample(len(x), 90, seed=0)
    candidates = [clustering.Candidate("ward", n_clusters=3), clustering.Candidate("gmm", n_clusters=3)]
    for predictor in clustering.fit_predictors(candidates, x, x[sample], seed=0):
        assert adjusted_rand_score(truth, predictor(x)) >= 0.9


def test_silhouette_from_distances_matches_sklearn_with_a_singleton():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 3))
    labels = np.array([0] * 14 + [1] * 15 + [2])
    distances = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=2))
    assert clustering.silhouette_from_distances(distances, labels) == pytest.approx(silhouette_score(x, labels))


def test_silhouette_from_distances_matches_sklearn_when_clusters_hold_identical_rows():
    # Clusters 0 and 1 hold copies of one point: their rows are at distance 0 from their own and
    # from the nearest other cluster (0/0), which sklearn scores 0. Cluster 2 lies apart.
    x = np.array([[0.0, 0.0]] * 4 + [[5.0, 5.0]] * 2)
    labels = np.array([0, 0, 1, 1, 2, 2])
    distances = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=2))
    assert clustering.silhouette_from_distances(distances, labels) == pytest.approx(silhouette_score(x, labels))


def test_mean_best_match_jaccard_by_hand():
    # Cluster 0 {0,1}: best {0,1,2} -> 2/3. Cluster 1 {2,3}: best {3} -> 1/2. Mean 7/12.
    reference = np.array([0, 0, 1, 1])
    refit = np.array([5, 5, 5, 7])
    assert clustering.mean_best_match_jaccard(reference, refit) == pytest.approx(7 / 12)
    # Noise is no cluster on either side: {1,2} against {0,1} -> 1/3.
    assert clustering.mean_best_match_jaccard(np.array([-1, 0, 0]), np.array([0, 0, -1])) == pytest.approx(1 / 3)


def comparison_row(candidate_id, silhouette, davies_bouldin, calinski_harabasz, stability, n_clusters=3, **extra):
    row = {
        "candidate_id": candidate_id,
        "silhouette": silhouette,
        "davies_bouldin": davies_bouldin,
        "calinski_harabasz": calinski_harabasz,
        "stability": stability,
        "n_clusters": n_clusters,
        "noise_share": 0.0,
        "min_cluster_share": 0.2,
    }
    row.update(extra)
    return row


def test_choose_candidate_picks_lowest_mean_rank_among_eligible():
    comparison = pd.DataFrame(
        [
            # Best on every metric but unstable: not eligible.
            comparison_row("a", 0.9, 0.1, 900.0, stability=0.5),
            # Ranks among b, c, d: silhouette 1/2/3, DB 2/1/3, CH 1/2/3 -> b 1.33, c 1.67, d 3.
            comparison_row("b", 0.6, 0.6, 600.0, stability=0.9),
            comparison_row("c", 0.5, 0.5, 500.0, stability=0.95),
            comparison_row("d", 0.4, 0.9, 400.0, stability=0.8),
            comparison_row("e", 0.8, 0.2, 800.0, stability=0.9, n_clusters=2),
            comparison_row("f", 0.8, 0.2, 800.0, stability=0.9, noise_share=0.3),
        ]
    )
    chosen = clustering.choose_candidate(comparison).set_index("candidate_id")
    assert chosen["chosen"].tolist() == [False, True, False, False, False, False]
    assert chosen.loc["b", "mean_rank"] == pytest.approx(4 / 3)
    assert chosen.loc["b", "reason"].startswith("chosen: lowest mean rank 1.33")
    assert "stability 0.500 < 0.75" in chosen.loc["a", "reason"]
    assert "2 clusters < 3" in chosen.loc["e", "reason"]
    assert "noise share 0.300 > 0.1" in chosen.loc["f", "reason"]
    assert chosen.loc["d", "reason"] == "eligible; mean rank 3.00, place 3 of 3"


def test_label_clusters_from_profiles_by_hand():
    customers = pd.DataFrame(
        {
            "monetary": [1000.0, 1200.0, 1100.0, 10.0, 20.0, 15.0],
            "frequency": [10, 12, 11, 1, 1, 1],
            "recency_days": [1, 2, 3, 300, 310, 320],
            "return_rate": [0.0, 0.0, 0.0, 0.5, 0.6, 0.7],
        }
    )
    labels = np.array([1, 1, 1, 2, 2, 2])
    # Cluster 1 medians sit at mid-rank percentiles .75 (monetary, frequency) and .25 (recency);
    # cluster 2 at .25, one order, .75, and a mean return rate of .6 (overall .3).
    assert clustering.label_clusters(customers, labels) == {
        1: "high value · frequent · recent",
        2: "low value · one-time · lapsed · high returns",
    }


def test_label_clusters_numbers_duplicates_and_names_noise():
    customers = pd.DataFrame(
        {
            "monetary": [50.0, 50.0, 50.0, 50.0, 50.0],
            "frequency": [2, 2, 2, 2, 2],
            "recency_days": [40, 40, 40, 40, 40],
            "return_rate": [0.0] * 5,
        }
    )
    labels = np.array([1, 1, 2, 2, -1])
    assert clustering.label_clusters(customers, labels) == {
        -1: "outliers (no dense cluster)",
        1: "mid value · occasional · cooling (group 1)",
        2: "mid value · occasional · cooling (group 2)",
    }


def test_rank_clusters_puts_highest_median_monetary_first():
    customers = pd.DataFrame({"monetary": [5.0, 6.0, 500.0, 600.0, 50.0]})
    labels = np.array([7, 7, 3, 3, -1])
    cluster_ids = clustering.rank_clusters(customers, labels)
    assert cluster_ids == {3: 1, 7: 2, clustering.NOISE: clustering.NOISE}
    assert clustering.renumber(labels, cluster_ids).tolist() == [2, 2, 1, 1, -1]


def test_compare_and_assign_recover_customer_groups():
    customers, truth = make_customers()
    comparison = clustering.compare_clusterings(customers, seed=42, ks=(2, 3, 4, 5), stability_resamples=2)
    assert comparison["chosen"].sum() == 1
    assert len(comparison) == 3 * 4 + 2
    chosen = comparison.loc[comparison["chosen"]].iloc[0]
    assert chosen["n_clusters"] == 3
    (stored,) = clustering.fit_cluster_model(customers, chosen, seed=42).to_dict("records")
    assigned = clustering.assign_clusters_from_model(customers, stored)
    # customers are already in customer_id order, so rows line up with truth.
    # The rule may pick DBSCAN, which leaves a few rim customers as noise (-1).
    clustered = assigned["cluster_id"] != clustering.NOISE
    assert clustered.mean() >= 0.9
    assert adjusted_rand_score(truth[clustered], assigned.loc[clustered, "cluster_id"]) >= 0.9
    labels = assigned.loc[clustered].groupby("cluster_id")["cluster_label"].first().to_dict()
    assert labels == {
        1: "high value · frequent · recent",
        2: "mid value · occasional · cooling",
        3: "low value · one-time · lapsed · high returns",
    }


def test_same_rows_in_any_order_give_the_same_result():
    customers, _ = make_customers(per_group=60)
    shuffled = customers.sample(frac=1.0, random_state=3)
    first = clustering.compare_clusterings(customers, seed=11, ks=(2, 3, 4), stability_resamples=2)
    second = clustering.compare_clusterings(shuffled, seed=11, ks=(2, 3, 4), stability_resamples=2)
    pd.testing.assert_frame_equal(first, second)
    chosen = first.loc[first["chosen"]].iloc[0]
    first_model = clustering.fit_cluster_model(customers, chosen, seed=11)
    pd.testing.assert_frame_equal(first_model, clustering.fit_cluster_model(shuffled, chosen, seed=11))
    (stored,) = first_model.to_dict("records")
    pd.testing.assert_frame_equal(
        clustering.assign_clusters_from_model(customers, stored),
        clustering.assign_clusters_from_model(shuffled, stored),
    )


def test_inertia_is_the_within_cluster_sum_of_squares_by_hand():
    # Cluster 0: points 0 and 2 around mean 1 -> 1 + 1; cluster 1: 10 and 14 around 12 -> 4 + 4;
    # the noise row is left out.
    x = np.array([[0.0], [2.0], [10.0], [14.0], [100.0]])
    labels = np.array([0, 0, 1, 1, clustering.NOISE])
    assert clustering.within_cluster_sum_of_squares(x, labels) == pytest.approx(10.0)


@pytest.mark.parametrize(
    "chosen",
    [
        KMEANS_K3,
        {"method": "ward", "n_clusters_requested": 4, "eps": None, "min_samples": None},
        {"method": "gmm", "n_clusters_requested": 3, "eps": None, "min_samples": None},
        {"method": "dbscan", "n_clusters_requested": None, "eps": 0.6, "min_samples": 7},
    ],
    ids=lambda chosen: chosen["method"],
)
def test_stored_model_places_the_fitted_customers_as_the_fit_did(chosen):
    """Read back from its JSON, the stored model gives every fitted customer the cluster the
    fitted predictor gives (numbered and named from the fit), for every method; the sample
    (200 of 270) makes ward, gmm and dbscan extend to customers they did not see."""
    customers, _ = make_customers(per_group=90, seed=5)
    (stored,) = clustering.fit_cluster_model(customers, chosen, seed=3, fit_sample_size=200).to_dict("records")
    x = clustering.prepare_features(customers)
    candidate = clustering.candidate_from_row(chosen)
    (predictor,) = clustering.fit_predictors([candidate], x, x[clustering.draw_sample(len(x), 200, 3)], seed=3)
    fit_labels = predictor(x)
    expected = clustering.renumber(fit_labels, clustering.rank_clusters(customers, fit_labels))
    assigned = clustering.assign_clusters_from_model(customers, stored)
    assert assigned["cluster_id"].tolist() == expected.tolist()
    names = clustering.label_clusters(customers, expected)
    assert assigned["cluster_label"].tolist() == [names[int(cluster)] for cluster in expected]
    assert (assigned["candidate_id"] == candidate.candidate_id).all()
    assert stored["n_clusters"] == len(set(expected.tolist()) - {clustering.NOISE})
    assert stored["fitted_customers"] == len(customers)


def test_a_customer_is_placed_by_their_own_features_and_the_fit_scaling():
    """Placing customers with a stored model standardises them with the fitted customers' means
    and sds: a customer lands in the same cluster alone, among others, or after the population
    has changed; a new customer who looks like the big spenders joins their cluster."""
    customers, truth = make_customers(per_group=60)
    chosen = KMEANS_K3
    (stored,) = clustering.fit_cluster_model(customers, chosen, seed=1).to_dict("records")
    everyone = clustering.assign_clusters_from_model(customers, stored).set_index("customer_id")["cluster_id"]
    lapsed_only = customers[truth == 2]
    alone = clustering.assign_clusters_from_model(lapsed_only, stored).set_index("customer_id")["cluster_id"]
    assert alone.to_dict() == everyone[lapsed_only["customer_id"]].to_dict()
    newcomer = customers.iloc[[0]].assign(customer_id="new")
    placed = clustering.assign_clusters_from_model(newcomer, stored)
    assert placed["cluster_id"].tolist() == [everyone["c0000"]] == [1]
    assert placed["cluster_label"].tolist() == ["high value · frequent · recent"]


def test_a_label_no_customer_had_at_the_fit_gets_its_own_id():
    # Fit labels 2 and 0 hold customers (2 has the higher median monetary, so it is cluster 1);
    # label 1 was empty and gets the next id, 3; noise keeps -1.
    customers = pd.DataFrame({"monetary": [10.0, 500.0, 20.0]})
    mapping = clustering.number_fit_labels(customers, np.array([0, 2, 0]), n_fit_labels=3)
    assert mapping == {0: 2, 2: 1, 1: 3, clustering.NOISE: clustering.NOISE}


def test_a_model_fitted_on_other_features_asks_for_a_full_build():
    customers, _ = make_customers(per_group=20)
    chosen = KMEANS_K3
    (stored,) = clustering.fit_cluster_model(customers, chosen, seed=1).to_dict("records")
    model = json.loads(stored["model"])
    model["feature_columns"] = model["feature_columns"][:-1]
    with pytest.raises(ValueError, match=r"kmeans_k03 was fitted on .*full `dbt build`"):
        clustering.assign_clusters_from_model(customers, {**stored, "model": json.dumps(model)})


def test_placing_with_a_stored_kmeans_model_imports_neither_sklearn_nor_scipy(tmp_path):
    """The nightly build places customers with the stored model; with K-means (or Ward) that is
    numpy only, so it must not pay for importing scikit-learn and scipy (~1.8 s)."""
    customers, _ = make_customers(per_group=20)
    chosen = KMEANS_K3
    (stored,) = clustering.fit_cluster_model(customers, chosen, seed=1).to_dict("records")
    customers.to_csv(tmp_path / "customers.csv", index=False)
    (tmp_path / "stored.json").write_text(json.dumps(stored))
    placing = (
        "import json, sys; import pandas as pd; from python_ml import clustering; "
        f"customers = pd.read_csv({str(tmp_path / 'customers.csv')!r}); "
        f"stored = json.loads(open({str(tmp_path / 'stored.json')!r}).read()); "
        "placed = clustering.assign_clusters_from_model(customers, stored); "
        "print(len(placed), sorted(name for name in ('sklearn', 'scipy') if name in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", placing], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    )
    assert result.stdout.split() == [str(len(customers)), "[]"]
