"""Callaway & Sant'Anna group-time ATTs: hand-checkable cases (no R package for it here).

Each expected value is computed in the test from its definition: a difference of mean
changes (2×2 cells), the cohort-size weighted averages, an injected homogeneous effect, and
the exact equality with a fully dynamic event study when there is one cohort."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pioneer.errors import AnalysisError
from pioneer.impact.event_study import event_study
from pioneer.impact.staggered import staggered_att

ORACLE = Path(__file__).parent / "oracle" / "impact_g"


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """The simulated panel of the R oracle: cohorts 2013 (10 areas), 2015 (8), 42 never."""
    return pd.read_csv(ORACLE / "panel.csv")


def _wide(panel: pd.DataFrame) -> pd.DataFrame:
    return panel.pivot(index="area_code", columns="year", values="outcome")


def test_each_cell_is_a_difference_of_mean_changes(panel):
    result = staggered_att(panel)
    table = result.details["group_time"].set_index(["cohort", "year"])
    wide = _wide(panel)
    cohort = panel.groupby("area_code")["cohort"].first()
    g13, never = wide[cohort == 2013], wide[cohort == 0]
    # post cell, base year g - 1 = 2012
    want = (g13[2016] - g13[2012]).mean() - (never[2016] - never[2012]).mean()
    assert table.loc[(2013, 2016), "estimate"] == pytest.approx(want, rel=1e-12)
    # pre cell with a varying base: 2011 against 2010
    want = (g13[2011] - g13[2010]).mean() - (never[2011] - never[2010]).mean()
    assert table.loc[(2013, 2011), "estimate"] == pytest.approx(want, rel=1e-12)
    # standard error of a cell: sqrt(var_g / n_g + var_c / n_c), variances over n (ddof 0)
    dg, dc = g13[2016] - g13[2012], never[2016] - never[2012]
    se = np.sqrt(dg.var(ddof=0) / len(dg) + dc.var(ddof=0) / len(dc))
    assert table.loc[(2013, 2016), "std_error"] == pytest.approx(se, rel=1e-12)


def test_universal_base_uses_the_year_before_treatment(panel):
    table = staggered_att(panel, base_period="universal").details["group_time"]
    cell = table.set_index(["cohort", "year"]).loc[(2015, 2011)]
    assert cell["base_year"] == 2014
    assert (2015, 2014) not in set(zip(table["cohort"], table["year"], strict=True))


def test_not_yet_treated_controls(panel):
    table = staggered_att(panel, control="not_yet_treated").details["group_time"]
    table = table.set_index(["cohort", "year"])
    # 2013 cohort in 2014: the 42 never-treated and the 8 areas first treated in 2015
    assert table.loc[(2013, 2014), "n_control"] == 50
    # … but not in 2015, once the second cohort is treated
    assert table.loc[(2013, 2015), "n_control"] == 42
    wide = _wide(panel)
    cohort = panel.groupby("area_code")["cohort"].first()
    g13, ctrl = wide[cohort == 2013], wide[cohort != 2013]
    want = (g13[2014] - g13[2012]).mean() - (ctrl[2014] - ctrl[2012]).mean()
    assert table.loc[(2013, 2014), "estimate"] == pytest.approx(want, rel=1e-12)


def test_aggregations_are_cohort_size_weighted(panel):
    result = staggered_att(panel)
    table = result.details["group_time"]
    terms = result.tidy().set_index("term")
    post = table[table["post"]]
    size = post["cohort"].map({2013: 10, 2015: 8})
    assert terms.loc["ATT (simple)", "estimate"] == pytest.approx(
        (post["estimate"] * size).sum() / size.sum(), rel=1e-12
    )
    # e = 1: cohort 2013 in 2014 and cohort 2015 in 2016, weights 10 : 8
    cells = table.set_index(["cohort", "year"])["estimate"]
    e1 = (10 * cells[(2013, 2014)] + 8 * cells[(2015, 2016)]) / 18
    assert terms.loc["ATT(e=1)", "estimate"] == pytest.approx(e1, rel=1e-12)
    # e = 4 only the 2013 cohort reaches it
    assert terms.loc["ATT(e=4)", "estimate"] == pytest.approx(cells[(2013, 2017)], rel=1e-12)
    g15 = post[post["cohort"] == 2015]["estimate"].mean()
    assert terms.loc["ATT(g=2015)", "estimate"] == pytest.approx(g15, rel=1e-12)
    assert terms.loc["ATT (dynamic, e>=0 mean)", "estimate"] == pytest.approx(
        np.mean([terms.loc[f"ATT(e={e})", "estimate"] for e in range(5)]), rel=1e-12
    )


def _homogeneous(effect: float, noise: float, seed: int) -> pd.DataFrame:
    """45 areas × 2010-2017: cohorts 2013 (8 areas), 2015 (7), never treated (30); area
    levels, a common curved trend, ``effect`` from the first treated year, normal noise."""
    rng = np.random.default_rng(seed)
    years = np.arange(2010, 2018)
    cohort = np.repeat([2013, 2015, 0], [8, 7, 30])
    level = rng.normal(0, 3, len(cohort))
    y = 20 + level[:, None] + 0.5 * (years - 2010) + np.sin(years)
    y = y + effect * ((cohort[:, None] > 0) & (years >= cohort[:, None]))
    y = y + rng.normal(0, noise, y.shape)
    return pd.DataFrame(
        {
            "area_code": np.repeat([f"E{i:02d}" for i in range(len(cohort))], len(years)),
            "year": np.tile(years, len(cohort)),
            "cohort": np.repeat(cohort, len(years)),
            "outcome": y.ravel(),
        }
    )


def test_recovers_a_homogeneous_effect_exactly_without_noise():
    result = staggered_att(_homogeneous(2.5, 0.0, 1))
    table = result.details["group_time"]
    np.testing.assert_allclose(table.loc[table["post"], "estimate"], 2.5, atol=1e-10)
    np.testing.assert_allclose(table.loc[~table["post"], "estimate"], 0.0, atol=1e-10)
    assert result.tidy().set_index("term").loc["ATT (simple)", "estimate"] == pytest.approx(2.5)


def test_interval_covers_an_injected_effect_at_about_the_nominal_rate():
    # 100 simulated panels; the 95% interval of the simple ATT should cover 2.5 in roughly
    # 95% of them (the binomial(100, 0.95) 99.9% range is about 87 to 100).
    # The standard errors should also match the spread of the estimates across panels
    # (within 25%), so that an interval too wide to fail cannot pass.
    covered, estimates, errors = 0, [], []
    for seed in range(100):
        row = staggered_att(_homogeneous(2.5, 1.0, seed)).tidy().iloc[0]
        covered += row["conf_low"] <= 2.5 <= row["conf_high"]
        estimates.append(row["estimate"])
        errors.append(row["std_error"])
    assert 87 <= covered <= 100
    assert np.mean(errors) == pytest.approx(np.std(estimates, ddof=1), rel=0.25)


def test_one_cohort_equals_the_fully_dynamic_event_study(panel):
    one = panel[panel["cohort"] != 2015]
    cs = staggered_att(one, base_period="universal").details["dynamic"]
    es = event_study(one, leads=None, lags=None).details["coefficients"]
    es = es[~es["reference"]].set_index("event_time")["estimate"]
    got = cs.set_index("event_time")["estimate"]
    np.testing.assert_allclose(got.loc[es.index], es, rtol=1e-9, atol=1e-12)


def test_two_periods_equals_twfe_by_hand():
    # Two periods, one cohort: ATT = DiD of means = the TWFE coefficient (here by hand).
    frame = pd.DataFrame(
        {
            "area_code": ["a", "a", "b", "b", "c", "c", "d", "d"],
            "year": [2012, 2013] * 4,
            "cohort": [2013, 2013, 2013, 2013, 0, 0, 0, 0],
            "outcome": [1.0, 4.0, 2.0, 7.0, 1.0, 2.0, 3.0, 3.0],
        }
    )
    # treated changes 3 and 5 (mean 4); controls 1 and 0 (mean 0.5): ATT 3.5
    result = staggered_att(frame)
    assert result.tidy().iloc[0]["estimate"] == pytest.approx(3.5)
    # SE: sqrt(var0(3, 5)/2 + var0(1, 0)/2) = sqrt(1/2 + 0.25/2)
    assert result.tidy().iloc[0]["std_error"] == pytest.approx(np.sqrt(0.5 + 0.125))


def test_invariant_to_row_order_and_relabelling(panel):
    base = staggered_att(panel).tidy()
    rng = np.random.default_rng(11)
    codes = {a: f"Q{rng.integers(1e9):09d}" for a in panel["area_code"].unique()}
    shuffled = panel.sample(frac=1.0, random_state=5)
    got = staggered_att(shuffled.assign(area_code=shuffled["area_code"].map(codes))).tidy()
    pd.testing.assert_frame_equal(got, base, rtol=1e-10)


def test_bad_input(panel):
    with pytest.raises(AnalysisError, match="unbalanced"):
        staggered_att(panel.iloc[1:])
    with pytest.raises(AnalysisError, match="no never-treated"):
        staggered_att(panel[panel["cohort"] > 0])
    with pytest.raises(AnalysisError, match="no period before treatment"):
        staggered_att(panel[panel["year"] >= 2013])
    with pytest.raises(AnalysisError, match="repeat an area-period"):
        staggered_att(pd.concat([panel, panel.iloc[[0]]]))
    with pytest.raises(AnalysisError, match="control must be"):
        staggered_att(panel, control="last_treated")
    with pytest.raises(AnalysisError, match="must be numeric"):
        staggered_att(panel.assign(outcome="x"))


def test_area_and_year_shifts_leave_the_atts_unchanged(panel):
    base = staggered_att(panel).tidy()
    rng = np.random.default_rng(6)
    area_shift = {a: rng.normal(0, 50) for a in panel["area_code"].unique()}
    year_shift = {y: rng.normal(0, 50) for y in panel["year"].unique()}
    shifted = panel.assign(
        outcome=panel["outcome"]
        + panel["area_code"].map(area_shift)
        + panel["year"].map(year_shift)
    )
    pd.testing.assert_frame_equal(staggered_att(shifted).tidy(), base, rtol=1e-8, atol=1e-10)


def test_integer_weights_equal_duplicated_areas(panel):
    # Weight 2 on an area gives the same point estimates as the area appearing twice.
    heavy = sorted(panel["area_code"].unique())[::3]
    weighted = panel.assign(w=np.where(panel["area_code"].isin(heavy), 2.0, 1.0))
    copies = panel[panel["area_code"].isin(heavy)].assign(
        area_code=lambda d: d["area_code"] + "_copy"
    )
    doubled = pd.concat([panel, copies], ignore_index=True)
    got = staggered_att(weighted, weights="w").tidy()
    want = staggered_att(doubled).tidy()
    np.testing.assert_allclose(got["estimate"], want["estimate"], rtol=1e-10)
    assert got["term"].tolist() == want["term"].tolist()
    # equal weights change nothing at all
    same = staggered_att(panel.assign(w=7.0), weights="w").tidy()
    pd.testing.assert_frame_equal(same, staggered_att(panel).tidy(), rtol=1e-12)
    with pytest.raises(AnalysisError, match="positive"):
        staggered_att(panel.assign(w=0.0), weights="w")


def test_uniform_bands_lie_between_pointwise_and_bonferroni(panel):
    from scipy import stats

    result = staggered_att(panel, uniform_bands=True, n_boot=499, seed=2)
    dynamic = result.details["dynamic"]
    crit = (dynamic["conf_high_uniform"] - dynamic["estimate"]) / dynamic["std_error"]
    m = len(dynamic)
    # wider than the pointwise 1.96, narrower than Bonferroni over the m event times
    assert (crit > stats.norm.ppf(0.975)).all()
    assert (crit < stats.norm.ppf(1 - 0.025 / m) + 0.05).all()
    assert np.ptp(crit) < 1e-12  # one critical value for all event times
    again = staggered_att(panel, uniform_bands=True, n_boot=499, seed=2).details["dynamic"]
    pd.testing.assert_frame_equal(again, dynamic)
    assert any("Simultaneous" in n for n in result.notes)


def test_dynamic_effects_figure_is_reproducible_svg(panel, tmp_path):
    import xml.etree.ElementTree as ET

    from pioneer.reports.impact_figures import dynamic_effects_figure

    result = staggered_att(panel, uniform_bands=True, n_boot=199)
    first = dynamic_effects_figure(result, tmp_path / "a" / "cs.svg")
    second = dynamic_effects_figure(result, tmp_path / "b" / "cs.svg")
    assert first[0].read_bytes() == second[0].read_bytes()
    text = " ".join(t for e in ET.parse(first[0]).getroot().iter() for t in e.itertext())
    assert "simultaneous band" in text
    assert pd.read_csv(first[1])["event_time"].tolist() == list(range(-4, 5))


def _sites(panel: pd.DataFrame) -> pd.DataFrame:
    """Treated areas in sites of two or three districts; never-treated areas blank (alone)."""
    areas = sorted(panel["area_code"].unique())
    cohort = panel.groupby("area_code")["cohort"].first()
    site = {}
    for g in sorted(cohort[cohort > 0].unique()):
        members = [a for a in areas if cohort[a] == g]
        for i, a in enumerate(members):
            site[a] = f"site-{g}-{i // 3}"
    return panel.assign(site_id=panel["area_code"].map(site))


def test_a_two_by_two_cell_with_clusters_equals_the_cluster_sandwich(panel):
    import statsmodels.api as sm

    data = _sites(panel)
    result = staggered_att(data, cluster="site_id")
    cells = result.details["group_time"]
    cell = cells[(cells["cohort"] == 2015) & (cells["year"] == 2016)].iloc[0]
    # By hand: the cell is the OLS slope of the 2014->2016 change on treatment, over cohort
    # 2015 and the never treated; its cluster-robust variance is the CR0 sandwich
    # (statsmodels, no small-sample correction) times G/(G-1), where G counts every cluster
    # of the panel (the cohort-2013 sites add nothing to the cell's sums but belong to the
    # sample every aggregate shares): 4 + 3 sites and 42 areas alone, G = 49.
    wide = _wide(panel)
    cohort = panel.groupby("area_code")["cohort"].first().reindex(wide.index)
    keep = (cohort == 2015) | (cohort == 0)
    change = (wide[2016] - wide[2014])[keep]
    treated = (cohort[keep] == 2015).astype(float)
    site = data.groupby("area_code")["site_id"].first().reindex(change.index)
    groups = pd.factorize(site.fillna("area:" + site.index.to_series()))[0]
    fit = sm.OLS(change.to_numpy(), sm.add_constant(treated.to_numpy())).fit(
        cov_type="cluster", cov_kwds={"groups": groups, "use_correction": False}
    )
    g = 49
    assert result.n_clusters == g
    assert len(np.unique(groups)) == 3 + 42
    assert cell["estimate"] == pytest.approx(fit.params[1], rel=1e-12)
    assert cell["std_error"] == pytest.approx(fit.bse[1] * np.sqrt(g / (g - 1)), rel=1e-10)


def test_every_area_its_own_cluster_only_adds_the_factor(panel):
    plain = staggered_att(panel).tidy()
    alone = staggered_att(panel.assign(site_id=panel["area_code"]), cluster="site_id").tidy()
    n = panel["area_code"].nunique()
    np.testing.assert_allclose(alone["estimate"], plain["estimate"], rtol=1e-12)
    np.testing.assert_allclose(alone["std_error"], plain["std_error"] * np.sqrt(n / (n - 1)))
    # A blank label is the area alone: the same as naming it.
    blank = staggered_att(panel.assign(site_id=""), cluster="site_id").tidy()
    pd.testing.assert_frame_equal(blank, alone)


def test_clustering_sites_widens_intervals_when_districts_move_together(panel):
    # A shock shared by the districts of each treated site after treatment: clustered errors
    # must see it, district errors do not.
    data = _sites(panel)
    rng = np.random.default_rng(3)
    shock = {s: rng.normal(0, 2.0) for s in data["site_id"].dropna().unique()}
    bump = data["site_id"].map(shock).fillna(0.0) * (data["year"] >= data["cohort"].clip(lower=1))
    data = data.assign(outcome=data["outcome"] + bump)
    by_area = staggered_att(data).tidy().set_index("term")
    by_site = staggered_att(data, cluster="site_id", uniform_bands=True).tidy().set_index("term")
    assert by_site.loc["ATT (simple)", "std_error"] > by_area.loc["ATT (simple)", "std_error"]


def test_a_cluster_that_changes_within_an_area_is_refused(panel):
    data = _sites(panel).copy()
    first = data.index[data["site_id"].notna()][0]
    data.loc[first, "site_id"] = "elsewhere"
    with pytest.raises(AnalysisError, match="changes within area"):
        staggered_att(data, cluster="site_id")
    with pytest.raises(AnalysisError, match="at least two clusters"):
        staggered_att(panel.assign(site_id="one"), cluster="site_id")
