"""Matching: R oracle (MatchIt 4.5.1 nearest-neighbour matching, glm propensity score,
sandwich errors), hand-checkable cases, properties and bad input.

Expected values: ``tests/oracle/impact_g/matching_*.csv`` from ``make_expected.R`` (README
there; note on MatchIt's propensity-score path)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pioneer.errors import AnalysisError
from pioneer.impact.matching import baseline_features, match_areas, match_panel

ORACLE = Path(__file__).parent / "oracle" / "impact_g"
SPECS = {
    "ps_1_norep": {"method": "propensity", "k": 1, "replace": False},
    "ps_2_norep_caliper": {"method": "propensity", "k": 2, "replace": False, "caliper": 0.25},
    "ps_1_rep": {"method": "propensity", "k": 1, "replace": True},
    "ps_3_rep_caliper": {"method": "propensity", "k": 3, "replace": True, "caliper": 0.1},
    "mahal_1_norep": {"method": "mahalanobis", "k": 1, "replace": False},
    "mahal_2_rep": {"method": "mahalanobis", "k": 2, "replace": True},
}


@pytest.fixture(scope="module")
def units() -> pd.DataFrame:
    return pd.read_csv(ORACLE / "units.csv")


def _read(name: str, spec: str) -> pd.DataFrame:
    frame = pd.read_csv(ORACLE / f"matching_{name}.csv")
    return frame[frame["spec"] == spec].reset_index(drop=True)


@pytest.mark.oracle
@pytest.mark.parametrize("spec", sorted(SPECS))
def test_matches_and_weights_match_matchit(units, spec):
    result = match_areas(units, outcome="change", **SPECS[spec])
    got = result.details["matches"]
    want = _read("pairs", spec).dropna(subset=["control_unit"])
    assert set(zip(got["treated_unit"], got["control_unit"], strict=True)) == set(
        zip(want["treated_unit"], want["control_unit"], strict=True)
    )
    if not SPECS[spec]["replace"]:  # the round in which each control was taken
        assert set(zip(got["treated_unit"], got["slot"], got["control_unit"], strict=True)) == set(
            zip(want["treated_unit"], want["slot"], want["control_unit"], strict=True)
        )
        # matched sets: same partition as MatchIt's subclass (numbering may differ)
        weights = result.details["weights"].set_index("area_code")["subclass"]
        r = _read("weights", spec).dropna(subset=["subclass"])
        mapping = dict(zip(r["subclass"], weights.loc[r["area_code"]], strict=True))
        assert len(set(mapping.values())) == len(mapping)
    w_want = _read("weights", spec).set_index("area_code")["weight"]
    w_got = result.details["weights"].set_index("area_code")["weight"].loc[w_want.index]
    np.testing.assert_allclose(w_got, w_want, rtol=1e-10, atol=1e-12)


@pytest.mark.oracle
@pytest.mark.parametrize("spec", sorted(SPECS))
def test_balance_matches_r(units, spec):
    want = _read("balance", spec).set_index("covariate")
    for denominator, suffix in (("pooled", "pooled"), ("treated", "treated")):
        result = match_areas(units, sd_denominator=denominator, **SPECS[spec])
        got = result.details["balance"].set_index("covariate").loc[want.index]
        np.testing.assert_allclose(got["smd_before"], want[f"smd_{suffix}_before"], rtol=1e-10)
        np.testing.assert_allclose(got["smd_after"], want[f"smd_{suffix}_after"], rtol=1e-9)
        for column in (
            "mean_treated_before",
            "mean_control_before",
            "mean_treated_after",
            "mean_control_after",
        ):
            np.testing.assert_allclose(got[column], want[column], rtol=1e-12)


@pytest.mark.oracle
@pytest.mark.parametrize("spec", sorted(SPECS))
def test_matched_difference_matches_r(units, spec):
    want = _read("att", spec).iloc[0]
    result = match_areas(units, outcome="change", **SPECS[spec])
    got = result.tidy().iloc[0]
    for column in ("estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"):
        np.testing.assert_allclose(got[column], want[column], rtol=1e-9, err_msg=column)
    assert result.n_obs == want["n_matched"]


@pytest.mark.oracle
def test_logit_propensity_score_matches_glm(units):
    want = _read("ps", "ps_1_norep").set_index("area_code")["logit_ps"]
    got = match_areas(units).details["propensity"].set_index("area_code")["logit_ps"]
    np.testing.assert_allclose(got.loc[want.index], want, rtol=1e-8, atol=1e-10)


def _line_units(treated: list[float], controls: list[float]) -> pd.DataFrame:
    rows = [{"area_code": f"T{i}", "treated": 1, "x": v, "y": v} for i, v in enumerate(treated)]
    rows += [
        {"area_code": f"C{i}", "treated": 0, "x": v, "y": 2 * v} for i, v in enumerate(controls)
    ]
    return pd.DataFrame(rows)


def test_greedy_order_by_hand():
    # One covariate, so Mahalanobis distance is |x_t - x_c| / s (s the pooled within-group SD).
    # Treated 0 and 1; controls 0.9, 1.2, 5. In data order T0 (x=0) takes C0 (0.9) first, then
    # T1 takes C1 (1.2); closest-first, T1 takes C0 (0.1 apart) and T0 takes C1.
    units = _line_units([0.0, 1.0], [0.9, 1.2, 5.0])
    data_order = match_areas(units, covariates=["x"], method="mahalanobis")
    pairs = dict(
        zip(
            data_order.details["matches"]["treated_unit"],
            data_order.details["matches"]["control_unit"],
            strict=True,
        )
    )
    assert pairs == {"T0": "C0", "T1": "C1"}
    closest = match_areas(units, covariates=["x"], method="mahalanobis", order="closest")
    pairs = dict(
        zip(
            closest.details["matches"]["treated_unit"],
            closest.details["matches"]["control_unit"],
            strict=True,
        )
    )
    assert pairs == {"T1": "C0", "T0": "C1"}
    # pooled within-group SD: deviations -0.5, 0.5 and -1.4667, -1.1667, 2.6333 over n - 1 = 4
    s = np.sqrt((0.25 + 0.25 + 1.4667**2 + 1.1667**2 + 2.6333**2) / 4)
    got = closest.details["matches"].set_index("treated_unit")["distance"]
    assert got["T1"] == pytest.approx(0.1 / s, rel=1e-3)


def test_weights_with_replacement_by_hand():
    # Both treated areas' nearest control is C0 (with replacement): C0 weight 2 before
    # rescaling to the number of controls used (1), so 1; the difference in y is
    # mean(0.1, 0.2) - 2 * 0.15 = 0.15 - 0.3.
    units = _line_units([0.1, 0.2], [0.15, 3.0, 4.0])
    result = match_areas(units, covariates=["x"], method="mahalanobis", replace=True, outcome="y")
    weights = result.details["weights"].set_index("area_code")["weight"]
    assert weights.to_dict() == {"T0": 1.0, "T1": 1.0, "C0": 1.0, "C1": 0.0, "C2": 0.0}
    assert result.tidy()["estimate"].iloc[0] == pytest.approx(0.15 - 0.3)


def test_caliper_leaves_far_treated_areas_out(units):
    strict = match_areas(units, caliper=0.01, k=1)
    assert strict.details["matches"]["distance"].max() <= 0.01 * np.std(
        strict.details["propensity"]["logit_ps"], ddof=1
    )
    assert any("no control within the caliper" in n for n in strict.notes)


def test_invariant_to_row_order_and_labels(units):
    rng = np.random.default_rng(3)
    for options in (
        {"method": "propensity", "k": 2},
        {"method": "mahalanobis", "order": "closest"},
    ):
        base = match_areas(units, outcome="change", **options)
        for _ in range(2):
            codes = {a: f"X{rng.integers(1e9):09d}" for a in units["area_code"]}
            shuffled = units.sample(frac=1.0, random_state=int(rng.integers(1e6)))
            shuffled = shuffled.assign(area_code=shuffled["area_code"].map(codes))
            got = match_areas(shuffled, outcome="change", **options)
            pd.testing.assert_frame_equal(got.tidy(), base.tidy(), rtol=1e-9)
            back = {v: k for k, v in codes.items()}
            pairs = {
                (back[t], back[c])
                for t, c in zip(
                    got.details["matches"]["treated_unit"],
                    got.details["matches"]["control_unit"],
                    strict=True,
                )
            }
            assert pairs == set(
                zip(
                    base.details["matches"]["treated_unit"],
                    base.details["matches"]["control_unit"],
                    strict=True,
                )
            )


def test_baseline_features_by_hand():
    frame = pd.DataFrame(
        {
            "area_code": ["A"] * 4 + ["B"] * 4,
            "year": [2010, 2011, 2012, 2013] * 2,
            "outcome": [1.0, 3.0, 5.0, 10.0, 2.0, 2.0, 2.0, 1.0],
            "treated": [True] * 4 + [False] * 4,
        }
    )
    got = baseline_features(frame, baseline=(2010, 2012), follow_up=(2013, 2013))
    a = got.set_index("area_code")
    assert a.loc["A", "baseline_level"] == pytest.approx(3.0)
    assert a.loc["A", "baseline_trend"] == pytest.approx(2.0)
    assert a.loc["B", "baseline_trend"] == pytest.approx(0.0)
    assert a.loc["A", "change"] == pytest.approx(7.0)
    assert a.loc["B", "change"] == pytest.approx(-1.0)


def test_match_panel_runs_on_a_panel():
    panel = pd.read_csv(ORACLE / "panel.csv").assign(treated=lambda d: d["cohort"] == 2013)
    panel = panel[panel["cohort"] != 2015]
    result = match_panel(panel, baseline=(2010, 2012), follow_up=(2013, 2014), k=2, replace=True)
    assert result.tidy()["term"].iloc[0] == "matched difference in change in outcome"
    assert set(result.details["balance"]["covariate"]) == {"baseline_level", "baseline_trend"}
    assert "standardised difference" in result.summary()


def test_bad_input(units):
    with pytest.raises(AnalysisError, match="appears twice"):
        match_areas(pd.concat([units, units.iloc[[0]]]))
    with pytest.raises(AnalysisError, match="must be numeric"):
        match_areas(
            units.assign(
                baseline_level=units["baseline_level"].astype(str).where(units.index != 2, "n/a")
            )
        )
    with pytest.raises(AnalysisError, match="0/1"):
        match_areas(units.assign(treated=units["treated"].where(units.index != 2, 3)))
    with pytest.raises(AnalysisError, match="without replacement"):
        match_areas(units, k=5)
    with pytest.raises(AnalysisError, match="caliper applies"):
        match_areas(units, method="mahalanobis", caliper=0.2)
    with pytest.raises(AnalysisError, match="treated and control"):
        match_areas(units.assign(treated=1))
    with pytest.raises(AnalysisError, match="no column"):
        match_areas(units, covariates=["baseline_rate"])
    separated = units.assign(baseline_level=units["treated"] * 100.0 + units["baseline_trend"])
    with pytest.raises(AnalysisError, match="separate"):
        match_areas(separated)
    with pytest.raises(AnalysisError, match="order"):
        match_areas(units, method="mahalanobis", order="largest")


@pytest.mark.parametrize("method", ["propensity", "mahalanobis"])
def test_matches_do_not_depend_on_covariate_units(units, method):
    # Both distances are affine invariant: rescaling and shifting a covariate (a rate per
    # 1,000 instead of per 100,000; a trend per decade) leaves the pairs unchanged.
    base = match_areas(units, method=method, k=2)
    moved = units.assign(
        baseline_level=units["baseline_level"] / 100 + 7,
        baseline_trend=units["baseline_trend"] * 10 - 3,
    )
    got = match_areas(moved, method=method, k=2)
    pd.testing.assert_frame_equal(
        got.details["matches"].drop(columns="distance"),
        base.details["matches"].drop(columns="distance"),
    )
    np.testing.assert_allclose(
        got.details["balance"]["smd_after"], base.details["balance"]["smd_after"], rtol=1e-8
    )
