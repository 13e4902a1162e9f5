"""pioneer.impact.keeble: the Keeble et al. (2019) two-group comparison.

Reference values: tests/oracle/impact/expected.csv (make_expected.R, R's t.test with
var.equal = FALSE on area-level % changes of panel_linear.csv).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pioneer.errors import AnalysisError
from pioneer.impact.keeble import keeble_two_group
from pioneer.impact.panel import build_panel
from pioneer.indicators.ingest import packaged

ORACLE = Path(__file__).parent / "oracle" / "impact"


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    return pd.read_csv(ORACLE / "expected.csv").set_index("case")


@pytest.fixture(scope="module")
def linear() -> pd.DataFrame:
    frame = pd.read_csv(ORACLE / "panel_linear.csv")
    return frame.assign(treated=frame["cohort"] > 0)


@pytest.mark.oracle
@pytest.mark.parametrize("year", [2014, 2015])
def test_against_r_welch(expected, linear, year) -> None:
    terms = keeble_two_group(linear, cohort=2013).tidy().set_index("term")
    diff = terms.loc[f"difference to {year}"]
    ref = expected.loc[f"keeble_welch_{year}"]
    assert diff.estimate == pytest.approx(ref.estimate, rel=1e-9)
    assert diff.std_error == pytest.approx(ref.std_error, rel=1e-9)
    assert diff.p_value == pytest.approx(ref.extra, rel=1e-8)
    ci = expected.loc[f"keeble_ci_{year}"]
    assert diff.conf_low == pytest.approx(ci.estimate, rel=1e-8)
    assert diff.conf_high == pytest.approx(ci.std_error, rel=1e-8)
    for group in ("treated", "comparison"):
        row = terms.loc[f"{group} % change to {year}"]
        ref = expected.loc[f"keeble_mean_{group}_{year}"]
        assert row.estimate == pytest.approx(ref.estimate, rel=1e-9)
        assert row.std_error == pytest.approx(ref.std_error, rel=1e-9)


def test_treated_flag_from_cohort(linear) -> None:
    a = keeble_two_group(linear, cohort=2013).tidy()
    b = keeble_two_group(linear.drop(columns="treated"), cohort=2013).tidy()
    pd.testing.assert_frame_equal(a, b)


def test_hand_calculation() -> None:
    # Two treated and two comparison areas; baseline mean of years 1-2, follow-up year 3.
    frame = pd.DataFrame(
        {
            "area_code": list("aaabbbcccddd"),
            "year": [1, 2, 3] * 4,
            "outcome": [90, 110, 102, 200, 200, 206, 50, 50, 55, 80, 120, 112.0],
            "treated": [True] * 6 + [False] * 6,
        }
    )
    result = keeble_two_group(frame, baseline=(1, 2), follow_ups=(3,))
    terms = result.tidy().set_index("term")
    # a: 102/100 - 1 = 2%; b: 206/200 - 1 = 3%; c: 55/50 - 1 = 10%; d: 112/100 - 1 = 12%
    assert terms.loc["treated % change to 3", "estimate"] == pytest.approx(2.5)
    assert terms.loc["comparison % change to 3", "estimate"] == pytest.approx(11.0)
    assert terms.loc["difference to 3", "estimate"] == pytest.approx(-8.5)
    # Welch SE: sqrt(var(2,3)/2 + var(10,12)/2) = sqrt(0.5/2 + 2/2) = sqrt(1.25)
    assert terms.loc["difference to 3", "std_error"] == pytest.approx(np.sqrt(1.25))
    # Welch df: 1.25² / ((0.25)²/1 + 1²/1) = 1.5625 / 1.0625
    t = -8.5 / np.sqrt(1.25)
    p = 2 * stats.t.sf(abs(t), 1.5625 / 1.0625)
    assert terms.loc["difference to 3", "p_value"] == pytest.approx(p)
    rates = result.details["group_rates"].set_index("group")
    # Unweighted group rates: treated baseline (100 + 200)/2 = 150, follow-up 154.
    assert rates.loc["treated", "baseline_rate"] == pytest.approx(150.0)
    assert rates.loc["treated", "pct_change"] == pytest.approx(100 * (154 / 150 - 1))


def test_population_weighted_group_rates(linear) -> None:
    result = keeble_two_group(linear, cohort=2013, follow_ups=(2014,))
    rates = result.details["group_rates"].set_index("group")
    assert set(rates["weighting"]) == {"population"}
    treated = linear[(linear["cohort"] == 2013) & linear["year"].between(2010, 2012)]
    hand = np.sum(treated["outcome"] * treated["population"]) / treated["population"].sum()
    assert rates.loc["treated", "baseline_rate"] == pytest.approx(hand)


def test_window_follow_up_and_labels_from_a_panel() -> None:
    panel = build_panel(packaged(), outcome="falls65")
    result = keeble_two_group(panel, follow_ups=(2014, (2013, 2015)))
    terms = list(result.tidy()["term"])
    assert "difference to 2014/15" in terms
    assert "difference to 2013/14–2015/16" in terms
    assert result.n_clusters == panel.n_areas
    assert "Welch" in result.method
    assert "Keeble" in result.summary()
    areas = result.details["areas"]
    assert len(areas) == 2 * panel.n_areas


def test_row_order_and_labels_do_not_matter(linear) -> None:
    a = keeble_two_group(linear, cohort=2013).tidy()
    relabelled = linear.assign(area_code="X" + linear["area_code"]).iloc[::-1]
    b = keeble_two_group(relabelled, cohort=2013).tidy()
    pd.testing.assert_frame_equal(a, b, rtol=1e-12)


def test_errors(linear) -> None:
    with pytest.raises(AnalysisError, match="several treated cohorts"):
        keeble_two_group(linear)
    with pytest.raises(AnalysisError, match="no cohort 2014"):
        keeble_two_group(linear, cohort=2014)
    with pytest.raises(AnalysisError, match="overlaps the baseline"):
        keeble_two_group(linear, cohort=2013, follow_ups=(2012,))
    with pytest.raises(AnalysisError, match="lack follow-up data"):
        keeble_two_group(linear, cohort=2013, follow_ups=(2020,))
    with pytest.raises(AnalysisError, match="lack baseline data"):
        keeble_two_group(linear, cohort=2013, baseline=(2005, 2012))
    bad = linear.assign(outcome=linear["outcome"].astype(object))
    bad.loc[3, "outcome"] = "suppressed"
    with pytest.raises(AnalysisError, match="not numeric: row 4 holds 'suppressed'"):
        keeble_two_group(bad, cohort=2013)
    with pytest.raises(AnalysisError, match="duplicated area-period"):
        keeble_two_group(pd.concat([linear, linear.iloc[[0]]]), cohort=2013)
    with pytest.raises(AnalysisError, match="no column"):
        keeble_two_group(linear.drop(columns=["treated", "cohort"]), cohort=2013)
    with pytest.raises(AnalysisError, match="no treated area"):
        keeble_two_group(linear.assign(treated=False, cohort=0))
    zero = linear.assign(outcome=np.where(linear["area_code"] == "A030", 0.0, linear["outcome"]))
    with pytest.raises(AnalysisError, match="baseline of zero"):
        keeble_two_group(zero, cohort=2013)
