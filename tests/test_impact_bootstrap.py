"""pioneer.impact.bootstrap: the wild cluster bootstrap.

No R package for it is in Debian (fwildclusterboot is not), so: exact enumeration checked
against a hand-written loop that refits every bootstrap sample with dummy variables;
agreement with pyfixest's wildboottest where that package is installed; and properties
(reproducible with a seed, p-values about uniform under the null, invariance).
"""

from __future__ import annotations

import itertools
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pioneer.errors import AnalysisError
from pioneer.impact.bootstrap import (
    all_sign_vectors,
    bootstrap_weights,
    wild_cluster_bootstrap,
)
from pioneer.impact.did import twfe_did

ORACLE = Path(__file__).parent / "oracle" / "impact"


@pytest.fixture(scope="module")
def linear() -> pd.DataFrame:
    return pd.read_csv(ORACLE / "panel_linear.csv")


@pytest.fixture(scope="module")
def small(linear) -> pd.DataFrame:
    """Nine areas (four treated in 2013), eight years: 2^9 = 512 sign vectors."""
    keep = [f"A{i:03d}" for i in (0, 1, 2, 3, 20, 21, 22, 23, 24)]
    return linear[linear["area_code"].isin(keep)].reset_index(drop=True)


def _dummy_fit(y: np.ndarray, x: np.ndarray, cluster: np.ndarray, ssc: float):
    """OLS with explicit dummies; CR1 t for column 0 by a loop over clusters."""
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    e = y - x @ beta
    bread = np.linalg.pinv(x.T @ x)
    meat = np.zeros_like(bread)
    for g in np.unique(cluster):
        s = x[cluster == g].T @ e[cluster == g]
        meat += np.outer(s, s)
    v = ssc * bread @ meat @ bread
    return beta[0] / np.sqrt(v[0, 0])


@pytest.mark.parametrize("by_site", [False, True])
def test_enumeration_matches_a_refitting_loop(small, by_site) -> None:
    frame = small.copy()
    # by_site: treated areas A000-A002 form one site (cluster), A003 another; comparison
    # areas stand alone: 7 clusters, 2^7 sign vectors, each flipping a whole site.
    frame["site"] = np.where(frame["area_code"].isin(["A000", "A001", "A002"]), "s0", "")
    frame.loc[frame["area_code"] == "A003", "site"] = "s1"
    frame = frame.sort_values(["area_code", "year"]).reset_index(drop=True)
    areas = pd.factorize(frame["area_code"], sort=True)[0]
    labels = np.where(frame["site"] == "", frame["area_code"], frame["site"])
    clusters = pd.factorize(labels)[0] if by_site else areas
    years = pd.factorize(frame["year"], sort=True)[0]
    n, n_areas, n_years = len(frame), areas.max() + 1, years.max() + 1
    n_clusters = clusters.max() + 1
    unit_d = np.eye(n_areas)[areas]
    year_d = np.eye(n_years)[years][:, 1:]
    d = frame["post"].to_numpy(float)
    y = frame["outcome"].to_numpy(float)
    x_full = np.column_stack([d, unit_d, year_d])
    x_null = np.column_stack([unit_d, year_d])
    k = 1 + (n_years - 1) + 1  # post, year dummies, intercept (areas nested in clusters)
    ssc = n_clusters / (n_clusters - 1) * (n - 1) / (n - k)
    t_obs = _dummy_fit(y, x_full, clusters, ssc)
    gamma, *_ = np.linalg.lstsq(x_null, y, rcond=None)
    fitted, resid = x_null @ gamma, y - x_null @ gamma
    t_loop = []
    for signs in itertools.product((-1.0, 1.0), repeat=n_clusters):
        y_star = fitted + resid * np.asarray(signs)[clusters]
        t_loop.append(_dummy_fit(y_star, x_full, clusters, ssc))
    t_loop = np.array(t_loop)
    p_loop = np.mean(np.abs(t_loop) > abs(t_obs) * (1 + 1e-9))

    result = wild_cluster_bootstrap(frame, cluster="site" if by_site else None)
    assert f"all {2**n_clusters} Rademacher sign vectors" in result.method
    row = result.tidy().iloc[0]
    assert row.statistic == pytest.approx(t_obs, rel=1e-9)
    assert row.p_value == pytest.approx(p_loop, abs=1e-12)
    t_fast = result.details["bootstrap_t"]["t"].to_numpy()
    np.testing.assert_allclose(np.sort(t_fast), np.sort(t_loop), rtol=1e-8, atol=1e-10)


def test_statistic_and_se_are_the_cr1_ones(linear) -> None:
    boot = wild_cluster_bootstrap(linear, draws=199, seed=1).tidy().iloc[0]
    cr1 = twfe_did(linear).tidy().iloc[0]
    assert boot.estimate == pytest.approx(cr1.estimate)
    assert boot.std_error == pytest.approx(cr1.std_error)
    assert boot.statistic == pytest.approx(cr1.statistic)
    weighted = wild_cluster_bootstrap(linear, draws=199, seed=1, weights="population")
    cr1_weighted = twfe_did(linear, weights="population").tidy().iloc[0]
    assert weighted.tidy().statistic.iloc[0] == pytest.approx(cr1_weighted.statistic)
    no_interval = wild_cluster_bootstrap(linear, draws=199, seed=1, interval=False).tidy()
    assert np.isnan(no_interval.conf_low.iloc[0])
    wcu = wild_cluster_bootstrap(linear, draws=199, seed=1, impose_null=False)
    assert "WCU" in wcu.method
    row = wcu.tidy().iloc[0]
    assert row.conf_low < row.estimate < row.conf_high


# pyfixest 0.60.0 with wildboottest 0.3.2, run on `small` (this file's fixture):
#   pf.feols("outcome ~ post | area_code + year", data=small.assign(cl=codes),
#            vcov={"CRV1": "cl"}).wildboottest(param="post", reps=9999, seed=1)
# enumerates all 2^9 sign vectors (2^9 < 9999) and gives p = 0.1484375 (76 of 512), with
# CR1 standard error 47.964124 (fit.tidy()).
PYFIXEST_P = 0.1484375
PYFIXEST_SE = 47.96412399840334


def test_agrees_with_recorded_pyfixest_wildboottest(small) -> None:
    row = wild_cluster_bootstrap(small).tidy().iloc[0]
    assert row.p_value == PYFIXEST_P
    assert row.std_error == pytest.approx(PYFIXEST_SE, rel=1e-9)  # same small-sample factor


@pytest.mark.skipif(
    not os.environ.get("PIONEER_COMPARE_PYFIXEST"),
    reason="live pyfixest comparison (numba compiles for ~10 s): set PIONEER_COMPARE_PYFIXEST=1",
)
def test_agrees_with_pyfixest_wildboottest_live(small) -> None:
    pytest.importorskip("wildboottest")
    pf = pytest.importorskip("pyfixest")
    ours = wild_cluster_bootstrap(small).tidy().iloc[0]
    data = small.assign(cl=pd.factorize(small["area_code"])[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.feols("outcome ~ post | area_code + year", data=data, vcov={"CRV1": "cl"})
        theirs = fit.wildboottest(param="post", reps=9999, seed=1)  # full enumeration, 2^9
    assert ours.p_value == pytest.approx(float(theirs["Pr(>|t|)"]), abs=1e-12)
    se = float(fit.tidy().loc["post", "Std. Error"])
    assert ours.std_error == pytest.approx(se, rel=1e-9)


def test_interval_inverts_the_test_on_shifted_data(linear) -> None:
    # Testing b = b0 on y is testing b = 0 on y - b0·post (same draws): at each bound of
    # the interval the refitted test on the shifted data must switch from not rejecting
    # (inside) to rejecting (outside) at 5%.
    result = wild_cluster_bootstrap(linear, draws=999, seed=5).tidy().iloc[0]
    assert result.conf_low < result.estimate < result.conf_high

    def p_at(null: float) -> float:
        shifted = linear.assign(outcome=linear["outcome"] - null * linear["post"])
        boot = wild_cluster_bootstrap(shifted, draws=999, seed=5, interval=False)
        return float(boot.tidy().p_value.iloc[0])

    eps = 1e-6 * result.std_error
    assert p_at(result.conf_low + eps) > 0.05 >= p_at(result.conf_low - eps)
    assert p_at(result.conf_high - eps) > 0.05 >= p_at(result.conf_high + eps)


def test_interval_close_to_cr1_with_many_clusters(linear) -> None:
    boot = wild_cluster_bootstrap(linear, draws=9999, seed=11).tidy().iloc[0]
    cr1 = twfe_did(linear).tidy().iloc[0]
    width_boot = boot.conf_high - boot.conf_low
    width_cr1 = cr1.conf_high - cr1.conf_low
    assert abs(width_boot / width_cr1 - 1) < 0.15


def test_seeded_and_reproducible(linear) -> None:
    a = wild_cluster_bootstrap(linear, draws=999, seed=7)
    b = wild_cluster_bootstrap(linear, draws=999, seed=np.random.default_rng(7))
    c = wild_cluster_bootstrap(linear, draws=999, seed=8)
    np.testing.assert_array_equal(a.details["bootstrap_t"]["t"], b.details["bootstrap_t"]["t"])
    assert not np.array_equal(a.details["bootstrap_t"]["t"], c.details["bootstrap_t"]["t"])
    assert "seed 7" in a.method


def test_row_order_and_labels_do_not_change_the_enumerated_p(small) -> None:
    a = wild_cluster_bootstrap(small).tidy()
    b = wild_cluster_bootstrap(small.assign(area_code="Q" + small["area_code"]).iloc[::-1]).tidy()
    pd.testing.assert_frame_equal(a, b, rtol=1e-9)


def test_weights_distributions() -> None:
    rng = np.random.default_rng(0)
    webb = bootstrap_weights("webb", 60_000, 1, rng)
    values, counts = np.unique(np.round(webb, 12), return_counts=True)
    expected = np.round([-np.sqrt(1.5), -1, -np.sqrt(0.5), np.sqrt(0.5), 1, np.sqrt(1.5)], 12)
    np.testing.assert_array_equal(values, expected)
    assert np.all(np.abs(counts / 60_000 - 1 / 6) < 0.01)
    assert webb.mean() == pytest.approx(0, abs=0.02)
    assert (webb**2).mean() == pytest.approx(1, abs=0.02)  # mean 0, variance 1
    rademacher = bootstrap_weights("rademacher", 10_000, 3, rng)
    assert set(np.unique(rademacher)) == {-1.0, 1.0}
    signs = all_sign_vectors(3)
    assert len({tuple(r) for r in signs}) == 8


def _null_panel(rng: np.random.Generator, n_areas: int = 16) -> pd.DataFrame:
    rows = []
    treated = np.arange(n_areas) < 4  # few treated clusters: where the bootstrap matters
    for a in range(n_areas):
        level, scale = rng.normal(0, 3), rng.uniform(0.5, 2)
        for t in range(6):
            post = int(treated[a] and t >= 3)
            rows.append((f"a{a}", t, level + 0.3 * t + scale * rng.normal(), post))
    return pd.DataFrame(rows, columns=["area_code", "year", "outcome", "post"])


@pytest.mark.parametrize("weight_type", ["rademacher", "webb"])
def test_p_values_about_uniform_under_the_null(weight_type) -> None:
    rng = np.random.default_rng(2019)
    p = np.array(
        [
            wild_cluster_bootstrap(
                _null_panel(rng),
                draws=199,
                seed=rng,
                weight_type=weight_type,
                full_enumeration=False,
            )
            .tidy()
            .p_value.iloc[0]
            for _ in range(80)
        ]
    )
    # Uniform p: rejection at 10% near 0.10 (binomial sd over 80 runs ≈ 0.034); mean near
    # 0.5 (sd of the mean of 80 uniforms ≈ 0.032).
    assert 0.0 < np.mean(p <= 0.10) <= 0.21
    assert 0.38 <= p.mean() <= 0.62


def test_errors(linear) -> None:
    with pytest.raises(AnalysisError, match="at least 99"):
        wild_cluster_bootstrap(linear, draws=10)
    with pytest.raises(AnalysisError, match="'rademacher' or 'webb'"):
        wild_cluster_bootstrap(linear, weight_type="mammen")
    with pytest.raises(AnalysisError, match="at most 20 areas"):
        wild_cluster_bootstrap(linear, full_enumeration=True)
    dup = pd.concat([linear, linear.iloc[[0]]])
    with pytest.raises(AnalysisError, match="duplicated area-period"):
        wild_cluster_bootstrap(dup)
