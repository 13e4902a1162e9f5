"""Event study: R oracle (lm + sandwich::vcovCL HC1, Wald by hand), hand cases, properties,
bad input. Expected values: ``tests/oracle/impact_g/`` (script and README there)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pioneer.errors import AnalysisError
from pioneer.impact.event_study import event_study
from pioneer.impact.results import TIDY_COLUMNS

ORACLE = Path(__file__).parent / "oracle" / "impact_g"
SPECS = {
    "binned_3_3": {"leads": 3, "lags": 3},
    "binned_2_1_weighted": {"leads": 2, "lags": 1, "weights": "population"},
    "all_event_times": {"leads": None, "lags": None},
}


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return pd.read_csv(ORACLE / "panel.csv")


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    return pd.read_csv(ORACLE / "event_study.csv")


@pytest.mark.oracle
@pytest.mark.parametrize("spec", sorted(SPECS))
@pytest.mark.parametrize("fe_dof", ["full", "nested"])
def test_event_study_matches_r(panel, expected, spec, fe_dof):
    # R's rows with count_fixed_effects TRUE are vcovCL as it is (every area dummy in K)
    full = expected["count_fixed_effects"] == (fe_dof == "full")
    want = expected[(expected["spec"] == spec) & full]
    result = event_study(panel, fe_dof=fe_dof, **SPECS[spec])
    got = result.details["coefficients"]
    got = got[~got["reference"]].reset_index(drop=True)
    assert got["event_time"].tolist() == want["event_time"].tolist()
    for column in ("estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"):
        np.testing.assert_allclose(got[column], want[column], rtol=1e-8, err_msg=column)
    test = result.details["pretrend_test"].iloc[0]
    np.testing.assert_allclose(test["wald"], want["wald"].iloc[0], rtol=1e-8)
    np.testing.assert_allclose(test["f_statistic"], want["f_statistic"].iloc[0], rtol=1e-8)
    np.testing.assert_allclose(test["p_value"], want["pretrend_p"].iloc[0], rtol=1e-8)
    np.testing.assert_allclose(test["p_value_chisq"], want["pretrend_p_chisq"].iloc[0], rtol=1e-8)
    assert (test["df1"], test["df2"]) == (want["df1"].iloc[0], want["df2"].iloc[0])
    assert result.n_clusters == 60
    assert result.n_obs == 480


def _two_by_two(effect: float) -> pd.DataFrame:
    """Three areas, one treated from 2012, years 2010-2012: every coefficient by hand."""
    rows = []
    values = {"T": [5.0, 7.0, 9.0 + effect], "C1": [1.0, 2.0, 4.0], "C2": [3.0, 4.0, 6.0]}
    for area, ys in values.items():
        for year, y in zip((2010, 2011, 2012), ys, strict=True):
            rows.append(
                {
                    "area_code": area,
                    "year": year,
                    "outcome": y,
                    "cohort": 2012 if area == "T" else 0,
                }
            )
    return pd.DataFrame(rows)


def test_coefficients_are_differences_of_differences():
    # One treated area against the mean of two controls (2, 3, 5): the lag-0 coefficient is
    # (9 + 1.5 - 7) - (5 - 3) = 1.5 and the lead -2 is (5 - 7) - (2 - 3) = -1.
    result = event_study(_two_by_two(1.5), leads=None, lags=None)
    coef = result.details["coefficients"].set_index("event_time")["estimate"]
    assert coef[0] == pytest.approx(1.5)
    assert coef[-2] == pytest.approx(-1.0)
    assert coef[-1] == 0.0


def test_tidy_has_the_contract_columns(panel):
    result = event_study(panel)
    assert list(result.tidy().columns) == list(TIDY_COLUMNS)
    assert result.tidy()["term"].tolist() == [
        "event_time<=-3",
        "event_time=-2",
        "event_time=0",
        "event_time=1",
        "event_time=2",
        "event_time>=3",
    ]
    assert "F = " in result.summary()
    assert "p = " in result.summary()
    assert "CR1" in result.method


def test_invariant_to_row_order_and_relabelling(panel):
    base = event_study(panel).tidy()
    rng = np.random.default_rng(7)
    for _ in range(3):
        shuffled = panel.sample(frac=1.0, random_state=int(rng.integers(1e6)))
        codes = {a: f"Z{rng.integers(1e9):09d}" for a in panel["area_code"].unique()}
        shuffled = shuffled.assign(area_code=shuffled["area_code"].map(codes))
        got = event_study(shuffled).tidy()
        pd.testing.assert_frame_equal(got, base, rtol=1e-10)


def test_bad_input(panel):
    with pytest.raises(AnalysisError, match="must be numeric"):
        event_study(
            panel.assign(outcome=panel["outcome"].astype(str).where(panel.index != 5, "suppressed"))
        )
    with pytest.raises(AnalysisError, match="repeat an area-period"):
        event_study(pd.concat([panel, panel.iloc[[3]]]))
    with pytest.raises(AnalysisError, match="no period before treatment"):
        event_study(panel[~((panel["cohort"] == 2013) & (panel["year"] < 2013))])
    with pytest.raises(AnalysisError, match="no treated area"):
        event_study(panel.assign(cohort=0))
    with pytest.raises(AnalysisError, match="no column"):
        event_study(panel, outcome="rate")
    with pytest.raises(AnalysisError, match="is missing"):
        event_study(panel.assign(outcome=panel["outcome"].where(panel.index != 9)))
    with pytest.raises(AnalysisError, match="differs between the rows"):
        event_study(panel.assign(cohort=panel["cohort"].where(panel.index != 0, 2014)))
    with pytest.raises(AnalysisError, match="leads"):
        event_study(panel, leads=1)
    with pytest.raises(AnalysisError, match="collinear"):
        # every area treated in the same year: the lags are the year effects
        event_study(panel.assign(cohort=2013), leads=None, lags=None)


def test_event_study_figure_is_reproducible_svg(panel, tmp_path):
    import xml.etree.ElementTree as ET

    from pioneer.reports.impact_figures import event_study_figure

    result = event_study(panel)
    first = event_study_figure(result, tmp_path / "a" / "es.svg")
    second = event_study_figure(result, tmp_path / "b" / "es.svg")
    assert first[0].read_bytes() == second[0].read_bytes()
    root = ET.parse(first[0]).getroot()
    text = " ".join(t for e in root.iter() for t in e.itertext())
    assert "Event study: outcome" in text
    assert "Joint test that all leads are zero" in text
    data = pd.read_csv(first[1])
    assert data["event_time"].tolist() == [-3, -2, -1, 0, 1, 2, 3]
    with pytest.raises(ValueError, match="svg"):
        event_study_figure(result, tmp_path / "es.pdf")


def test_area_and_year_shifts_are_absorbed(panel):
    # Adding any constant per area and per year changes nothing: the fixed effects absorb it.
    base = event_study(panel).tidy()
    rng = np.random.default_rng(5)
    area_shift = {a: rng.normal(0, 50) for a in panel["area_code"].unique()}
    year_shift = {y: rng.normal(0, 50) for y in panel["year"].unique()}
    shifted = panel.assign(
        outcome=panel["outcome"]
        + panel["area_code"].map(area_shift)
        + panel["year"].map(year_shift)
    )
    pd.testing.assert_frame_equal(event_study(shifted).tidy(), base, rtol=1e-7)


def test_unbalanced_weighted_panel_matches_the_explicit_dummy_regression(panel):
    # Independent computation: every area and year dummy written out, weighted least squares
    # by numpy, the CR1 sandwich by hand with K = all columns (fe_dof="full").
    rng = np.random.default_rng(9)
    data = panel.drop(index=rng.choice(panel.index, size=40, replace=False)).reset_index()
    result = event_study(data, leads=2, lags=2, weights="population", fe_dof="full")
    coefs = result.details["coefficients"]
    coefs = coefs[~coefs["reference"]]
    e = np.where(data["cohort"] > 0, data["year"] - data["cohort"], -99)
    e = np.where(e == -99, -99, np.clip(e, -2, 2))
    events = pd.DataFrame({f"e{k}": (e == k).astype(float) for k in coefs["event_time"]})
    areas = pd.get_dummies(data["area_code"], dtype=float)
    years = pd.get_dummies(data["year"], dtype=float).iloc[:, 1:]
    x = np.column_stack([events, areas, years])
    w = data["population"].to_numpy()
    sw = np.sqrt(w)
    beta, *_ = np.linalg.lstsq(x * sw[:, None], data["outcome"].to_numpy() * sw, rcond=None)
    np.testing.assert_allclose(coefs["estimate"], beta[: events.shape[1]], rtol=1e-8)
    resid = data["outcome"].to_numpy() - x @ beta
    bread = np.linalg.inv((x * w[:, None]).T @ x)
    scores = pd.DataFrame(x * (w * resid)[:, None]).groupby(data["area_code"].to_numpy()).sum()
    n, k, g = len(x), x.shape[1], len(scores)
    vcov = (
        g / (g - 1) * (n - 1) / (n - k) * bread @ (scores.T.to_numpy() @ scores.to_numpy()) @ bread
    )
    se = np.sqrt(np.diag(vcov))[: events.shape[1]]
    np.testing.assert_allclose(coefs["std_error"], se, rtol=1e-7)
