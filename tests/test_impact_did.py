"""pioneer.impact.did: TWFE and Poisson DiD against R, by hand, and in simulation.

Reference values: tests/oracle/impact/expected.csv, written by make_expected.R (lm +
sandwich::vcovCL, estimatr::lm_robust CR2, glm poisson + vcovCL, plm within) on the
simulated panels beside it; versions in versions.txt.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pioneer.errors import AnalysisError
from pioneer.impact.did import fe_ols, poisson_did, twfe_did
from pioneer.impact.results import TIDY_COLUMNS

ORACLE = Path(__file__).parent / "oracle" / "impact"


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    return pd.read_csv(ORACLE / "expected.csv").set_index("case")


@pytest.fixture(scope="module")
def linear() -> pd.DataFrame:
    return pd.read_csv(ORACLE / "panel_linear.csv")


@pytest.fixture(scope="module")
def counts() -> pd.DataFrame:
    return pd.read_csv(ORACLE / "panel_counts.csv")


def _row(result) -> pd.Series:
    return result.tidy().iloc[0]


# --- against R --------------------------------------------------------------------------


@pytest.mark.oracle
@pytest.mark.parametrize(
    ("case", "kwargs"),
    [
        ("twfe_cr1_full", {"fe_dof": "full"}),
        ("twfe_cr1_nested", {}),
        ("twfe_cr1_full_weighted", {"fe_dof": "full", "weights": "population"}),
        ("twfe_cr1_nested_weighted", {"weights": "population"}),
        ("twfe_cr2", {"se": "CR2"}),
        ("twfe_cr2_weighted_scaled", {"se": "CR2", "weights": "population"}),
    ],
)
def test_twfe_against_r(expected, linear, case, kwargs) -> None:
    ref = expected.loc[case]
    row = _row(twfe_did(linear, **kwargs))
    assert row.estimate == pytest.approx(ref.estimate, rel=1e-9)
    assert row.std_error == pytest.approx(ref.std_error, rel=1e-8)
    fit = twfe_did(linear, **kwargs).details["fit"]
    assert fit["df"].iloc[0] == pytest.approx(ref.df, rel=1e-8)


def _with_sites(linear: pd.DataFrame) -> pd.DataFrame:
    """Treated areas grouped in threes into sites (as make_expected.R); others blank."""
    number = linear["area_code"].str[1:].astype(int)
    return linear.assign(site=np.where(linear["cohort"] > 0, "s" + (number // 3).astype(str), ""))


@pytest.mark.oracle
@pytest.mark.parametrize(("case", "se"), [("twfe_cr1_site", "CR1"), ("twfe_cr2_site", "CR2")])
def test_site_clusters_against_r(expected, linear, case, se) -> None:
    ref = expected.loc[case]
    result = twfe_did(_with_sites(linear), cluster="site", se=se)
    assert result.n_clusters == 31  # 5 sites of treated areas and 26 comparison areas
    row = _row(result)
    assert row.std_error == pytest.approx(ref.std_error, rel=1e-8)
    assert result.details["fit"]["df"].iloc[0] == pytest.approx(ref.df, rel=1e-8)


@pytest.mark.oracle
@pytest.mark.parametrize(
    ("case", "se"), [("twfe_cr1_unbalanced", "CR1"), ("twfe_cr2_unbalanced", "CR2")]
)
def test_unbalanced_panel_against_r(expected, linear, case, se) -> None:
    # As make_expected.R: drop 2011 for A000, A007, ..., A035 and 2016 for A005.
    sevenths = {f"A{i:03d}" for i in range(0, 36, 7)}
    drop = (linear["area_code"].isin(sevenths) & (linear["year"] == 2011)) | (
        (linear["area_code"] == "A005") & (linear["year"] == 2016)
    )
    ref = expected.loc[case]
    result = twfe_did(linear[~drop], se=se)
    assert result.n_obs == len(linear) - 7
    row = _row(result)
    assert row.estimate == pytest.approx(ref.estimate, rel=1e-9)
    assert row.std_error == pytest.approx(ref.std_error, rel=1e-8)
    assert result.details["fit"]["df"].iloc[0] == pytest.approx(ref.df, rel=1e-8)


@pytest.mark.oracle
@pytest.mark.parametrize(("case", "se"), [("twfe_cr1_by_year", "CR1"), ("twfe_cr2_by_year", "CR2")])
def test_clusters_not_nesting_areas_against_r(expected, linear, case, se) -> None:
    # fe_ols clustered by year: the area effects are not nested, so all count in K.
    unit = pd.factorize(linear["area_code"], sort=True)[0]
    time = pd.factorize(linear["year"], sort=True)[0]
    y, d = linear["outcome"].to_numpy(float), linear["post"].to_numpy(float)
    fit = fe_ols(y, d, ["post"], unit, time, cluster=time, se=se)
    ref = expected.loc[case]
    estimate, std_error, dof = fit.coef("post")
    assert fit.k == 40 + 8  # every area effect and year effect (with the intercept)
    assert estimate == pytest.approx(ref.estimate, rel=1e-9)
    assert std_error == pytest.approx(ref.std_error, rel=1e-8)
    assert dof == pytest.approx(ref.df, rel=1e-8)


@pytest.mark.oracle
def test_twfe_p_value_with_g_minus_1_df_against_r(expected, linear) -> None:
    ref = expected.loc["twfe_cr1_nested_p"]  # coeftest(df = G - 1): estimate = t, se = p
    row = _row(twfe_did(linear))
    assert row.statistic == pytest.approx(ref.estimate, rel=1e-8)
    assert row.p_value == pytest.approx(ref.std_error, rel=1e-8)


@pytest.mark.oracle
def test_cr2_same_with_absorbed_effects_as_estimatr_fixed_effects(expected) -> None:
    # estimatr's CR2 with dummies and with fixed_effects= agree; so do we (pseudo-inverse).
    assert expected.loc["twfe_cr2", "std_error"] == pytest.approx(
        expected.loc["twfe_cr2_fe", "std_error"], rel=1e-9
    )


@pytest.mark.oracle
def test_estimate_matches_plm_within(expected, linear) -> None:
    assert _row(twfe_did(linear)).estimate == pytest.approx(
        expected.loc["twfe_plm", "estimate"], rel=1e-9
    )


@pytest.mark.oracle
@pytest.mark.parametrize(
    ("case", "fe_dof"), [("poisson_cr1_full", "full"), ("poisson_cr1_nested", "nested")]
)
def test_poisson_against_r(expected, counts, case, fe_dof) -> None:
    ref = expected.loc[case]
    result = poisson_did(counts, outcome="count", population="population", fe_dof=fe_dof)
    log_scale = result.details["log_scale"].iloc[0]
    assert log_scale.estimate == pytest.approx(ref.estimate, rel=1e-7)
    assert log_scale.std_error == pytest.approx(ref.std_error, rel=1e-6)
    row = _row(result)
    assert row.estimate == pytest.approx(np.exp(ref.estimate), rel=1e-7)
    z = 1.959963984540054
    assert row.conf_low == pytest.approx(np.exp(ref.estimate - z * ref.std_error), rel=1e-6)
    assert "rate ratio" in result.method
    assert "log(population) offset" in result.method


# --- by hand ----------------------------------------------------------------------------


def test_two_by_two_equals_difference_of_mean_changes() -> None:
    # 2 periods: TWFE = (treated after - before) - (comparison after - before), averaged.
    frame = pd.DataFrame(
        {
            "area_code": ["t1", "t1", "t2", "t2", "c1", "c1", "c2", "c2", "c3", "c3"],
            "year": [0, 1] * 5,
            "outcome": [10.0, 13.0, 20.0, 21.0, 5.0, 6.0, 7.0, 7.5, 9.0, 9.5],
            "post": [0, 1, 0, 1, 0, 0, 0, 0, 0, 0],
        }
    )
    hand = np.mean([3.0, 1.0]) - np.mean([1.0, 0.5, 0.5])  # 2.0 - 0.6667 = 1.3333
    assert _row(twfe_did(frame)).estimate == pytest.approx(hand)
    # CR1 by hand: with two periods the fit in levels is OLS of each area's change on an
    # intercept and the treatment dummy, and its clustered sandwich is that regression's
    # heteroskedasticity-robust (HC0) one; only the small-sample factor differs.
    changes = np.array([3.0, 1.0, 1.0, 0.5, 0.5])
    d = np.array([1.0, 1, 0, 0, 0])
    x = np.column_stack([np.ones(5), d])
    beta = np.linalg.lstsq(x, changes, rcond=None)[0]
    e = changes - x @ beta
    bread = np.linalg.inv(x.T @ x)
    meat = (x * e[:, None]).T @ (x * e[:, None])
    v = bread @ meat @ bread
    # levels: N = 10, K = 3 (post, one year dummy, intercept), G = 5
    ssc = 5 / 4 * 9 / 7
    assert _row(twfe_did(frame)).std_error == pytest.approx(np.sqrt(ssc * v[1, 1]))


def test_poisson_two_by_two_is_ratio_of_ratios() -> None:
    # Saturated 2x2 with one area per cell: exp(b) = (T1/T0) / (C1/C0).
    frame = pd.DataFrame(
        {
            "area_code": ["t", "t", "c", "c", "d", "d"],
            "year": [0, 1, 0, 1, 0, 1],
            "count": [100.0, 90.0, 50.0, 55.0, 80.0, 88.0],
            "population": [1.0] * 6,
            "post": [0, 1, 0, 0, 0, 0],
        }
    )
    hand = (90 / 100) / ((55 + 88) / (50 + 80))
    result = poisson_did(frame, outcome="count")
    assert _row(result).estimate == pytest.approx(hand, rel=1e-9)


# --- properties -------------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_invariant_to_row_order_and_area_labels(linear, seed) -> None:
    rng = np.random.default_rng(seed)
    base = twfe_did(linear, se="CR2").tidy()
    shuffled = linear.sample(frac=1, random_state=int(rng.integers(1 << 30)))
    relabel = {c: f"Z{rng.integers(1 << 40):012d}" for c in linear["area_code"].unique()}
    shuffled = shuffled.assign(area_code=shuffled["area_code"].map(relabel))
    other = twfe_did(shuffled, se="CR2").tidy()
    pd.testing.assert_frame_equal(base, other, rtol=1e-9)


def test_poisson_invariant_to_row_order(counts) -> None:
    a = poisson_did(counts, outcome="count", population="population").tidy()
    b = poisson_did(counts.iloc[::-1], outcome="count", population="population").tidy()
    pd.testing.assert_frame_equal(a, b, rtol=1e-9)


def _simulate(rng: np.random.Generator, effect: float, n_areas: int = 30) -> pd.DataFrame:
    years = np.arange(6)
    treated = np.arange(n_areas) < n_areas // 3
    area = rng.normal(0, 3, n_areas)
    year = rng.normal(0, 1, len(years))
    rows = []
    for a in range(n_areas):
        ar = rng.normal(0, 1)  # serially correlated errors within an area
        for t in years:
            ar = 0.5 * ar + rng.normal(0, 1)
            post = bool(treated[a] and t >= 3)
            rows.append((f"a{a}", t, area[a] + year[t] + effect * post + ar, int(post)))
    return pd.DataFrame(rows, columns=["area_code", "year", "outcome", "post"])


def test_injected_effect_recovered_at_nominal_rate() -> None:
    rng = np.random.default_rng(42)
    hits = 0
    reps = 150
    for _ in range(reps):
        row = _row(twfe_did(_simulate(rng, effect=2.0)))
        hits += row.conf_low <= 2.0 <= row.conf_high
    # 95% intervals: binomial sd of the coverage over 150 runs is about 0.018.
    assert 0.89 <= hits / reps <= 0.99


# --- results and errors -----------------------------------------------------------------


def test_result_shape(linear) -> None:
    result = twfe_did(linear)
    assert tuple(result.tidy().columns) == TIDY_COLUMNS
    assert result.name == "twfe_did"
    assert result.n_clusters == 40
    assert result.n_obs == 320
    assert "CR1" in result.method
    assert "G/(G-1)" in result.method
    assert "parallel" in result.summary()
    cr2 = twfe_did(linear, se="CR2")
    assert "Bell–McCaffrey" in cr2.method
    assert "Satterthwaite" in cr2.method
    g1 = twfe_did(linear, se="CR2", df="G-1")
    assert g1.details["fit"]["df"].iloc[0] == 39


def test_cluster_by_site_groups_areas(linear) -> None:
    # three sites of treated areas; comparison areas have no site and stand alone
    site = "s" + (linear.index // 16 % 3).astype(str)
    frame = linear.assign(site=np.where(linear["cohort"] > 0, site, ""))
    frame["site"] = frame.groupby("area_code")["site"].transform("first")
    result = twfe_did(frame, cluster="site")
    n_sites = frame.loc[frame["site"] != "", "site"].nunique()
    assert result.n_clusters == n_sites + (frame.loc[frame["site"] == "", "area_code"].nunique())
    assert _row(result).estimate == pytest.approx(_row(twfe_did(linear)).estimate)


def test_errors(linear, counts) -> None:
    with pytest.raises(AnalysisError, match="se must be 'CR1' or 'CR2'"):
        twfe_did(linear, se="CR3")
    with pytest.raises(AnalysisError, match="fe_dof must be"):
        twfe_did(linear, fe_dof="some")
    with pytest.raises(AnalysisError, match="Satterthwaite degrees of freedom"):
        twfe_did(linear, df="satterthwaite")
    bad = linear.assign(outcome=linear["outcome"].astype(object))
    bad.loc[5, "outcome"] = "x"
    with pytest.raises(AnalysisError, match="not numeric: row 6 holds 'x'"):
        twfe_did(bad)
    dup = pd.concat([linear, linear.iloc[[0]]])
    with pytest.raises(AnalysisError, match="duplicated area-period"):
        twfe_did(dup)
    with pytest.raises(AnalysisError, match="weights column 'w' must be positive"):
        twfe_did(linear.assign(w=0.0), weights="w")
    zero = counts.assign(count=np.where(counts["area_code"] == "C000", 0, counts["count"]))
    with pytest.raises(AnalysisError, match="zero in every period"):
        poisson_did(zero, outcome="count")
    with pytest.raises(AnalysisError, match="non-negative"):
        poisson_did(counts.assign(count=-counts["count"]), outcome="count")


def test_collinear_treatment() -> None:
    # Every treated area switches in the same year as every other area: post is a year effect.
    frame = pd.DataFrame(
        {
            "area_code": ["a", "a", "b", "b"],
            "year": [0, 1, 0, 1],
            "outcome": [1.0, 2.0, 3.0, 5.0],
            "post": [0, 1, 0, 1],
        }
    )
    with pytest.raises(AnalysisError, match="collinear"):
        twfe_did(frame)


def test_fe_ols_rejects_one_cluster() -> None:
    with pytest.raises(AnalysisError, match="at least two clusters"):
        fe_ols(np.arange(4.0), np.array([0, 1, 0, 1.0]), ["d"], np.zeros(4, dtype=int))


# --- through build_panel ----------------------------------------------------------------


def test_real_panel_of_rates() -> None:
    from pioneer.impact.panel import build_panel
    from pioneer.indicators.ingest import packaged

    panel = build_panel(packaged(), outcome="falls65")
    result = twfe_did(panel)
    assert result.n_clusters == panel.n_areas
    assert result.notes == panel.notes
    assert result.outcome == "falls65"
    poisson = poisson_did(panel)  # Fingertips rates: no numerators, so no offset
    assert "no offset" in poisson.method
    by_site = twfe_did(panel, cluster="site_id")
    n_sites = panel.frame.loc[panel.frame["treated"], "site_id"].nunique()
    assert by_site.n_clusters == n_sites + panel.n_areas - panel.n_treated
    assert _row(by_site).estimate == pytest.approx(_row(result).estimate)


@pytest.mark.oracle
def test_counts_through_build_panel_against_r(expected, counts) -> None:
    # The count panel with real codes: its nine treated areas become programme wave 1
    # districts (treated from 2014 via cohort_years), the others non-Pioneer districts.
    from pioneer.impact.panel import build_panel
    from pioneer.programme import load

    registry = load("pioneers")
    pioneer = sorted(
        {
            code
            for wave in (1, 2)
            for site in registry.sites_in(wave)["site_id"]
            for code in registry.lad_codes(site, vintage=2018)
        }
    )
    wave1 = sorted(
        {c for s in registry.sites_in(1)["site_id"] for c in registry.lad_codes(s, vintage=2018)}
    )
    others = [f"E07{n:06d}" for n in range(300, 400) if f"E07{n:06d}" not in pioneer]
    treated = sorted(counts.loc[counts["cohort"] > 0, "area_code"].unique())
    never = sorted(counts.loc[counts["cohort"] == 0, "area_code"].unique())
    mapping = dict(zip(treated, wave1[: len(treated)], strict=True))
    mapping |= dict(zip(never, others[: len(never)], strict=True))
    tidy = pd.DataFrame(
        {
            "area_code": counts["area_code"].map(mapping),
            "year": counts["year"],
            "rate": counts["count"] / counts["population"],
            "numerator": counts["count"].astype(float),
            "population": counts["population"].astype(float),
        }
    )
    panel = build_panel(tidy, outcome="rate", cohort_years={1: 2014, 2: 2015})
    assert panel.n_treated == len(treated)
    result = poisson_did(panel)
    assert "log(population) offset" in result.method
    ref = expected.loc["poisson_cr1_nested"]
    log_scale = result.details["log_scale"].iloc[0]
    assert log_scale.estimate == pytest.approx(ref.estimate, rel=1e-7)
    assert log_scale.std_error == pytest.approx(ref.std_error, rel=1e-6)
