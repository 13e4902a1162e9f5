"""Placebo checks: placebo in time against R (lm + sandwich::vcovCL, see
``tests/oracle/impact_g``), noise-free hand cases and the randomisation p-value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pioneer.errors import AnalysisError
from pioneer.impact.placebo import placebo_in_space, placebo_in_time

ORACLE = Path(__file__).parent / "oracle" / "impact_g"


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return pd.read_csv(ORACLE / "panel.csv")


@pytest.mark.oracle
def test_placebo_in_time_matches_r(panel):
    want = pd.read_csv(ORACLE / "placebo_in_time.csv").iloc[0]
    result = placebo_in_time(panel, fake_year=2011, fe_dof="full")  # K as R's lm counts it
    got = result.tidy().iloc[0]
    assert got["term"] == "placebo DiD (fake start 2011)"
    for column in ("estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"):
        np.testing.assert_allclose(got[column], want[column], rtol=1e-8, err_msg=column)
    assert result.n_obs == want["n_obs"]
    # The default counts the 60 area effects once: K = 1 + 2 year dummies + 1 = 4 instead of
    # 1 + 2 + 60 = 63, so the SE shrinks by sqrt((N - 63)/(N - 4)) with N = 180.
    nested = placebo_in_time(panel, fake_year=2011).tidy().iloc[0]
    assert nested["std_error"] == pytest.approx(
        want["std_error"] * np.sqrt((180 - 63) / (180 - 4)), rel=1e-8
    )


def _parallel(effect: float, shift_from: int | None = None) -> pd.DataFrame:
    """Noise-free: area levels, a shared year pattern, ``effect`` from each cohort's start;
    ``shift_from`` adds a 1.0 step for treated areas from that year (a pre-trend)."""
    rows = []
    for i in range(12):
        c = 2013 if i < 4 else 0
        for year in range(2010, 2016):
            y = 3.0 * i + np.cos(year) + effect * (c > 0 and year >= c)
            if shift_from is not None and c > 0 and year >= shift_from:
                y += 1.0
            rows.append({"area_code": f"A{i:02d}", "year": year, "cohort": c, "outcome": y})
    return pd.DataFrame(rows)


def test_placebo_in_time_is_zero_with_parallel_trends():
    result = placebo_in_time(_parallel(5.0), fake_year=2012)
    assert result.tidy().iloc[0]["estimate"] == pytest.approx(0.0, abs=1e-10)


def test_placebo_in_time_finds_an_earlier_step():
    # a step of 1 from 2012 for the treated areas, fake start 2012, pre-period 2010-2012:
    # DiD = mean treated post-pre change minus the controls' = 1 exactly
    result = placebo_in_time(_parallel(5.0, shift_from=2012), fake_year=2012)
    assert result.tidy().iloc[0]["estimate"] == pytest.approx(1.0)
    assert "drifting apart" in result.summary()


def test_placebo_in_time_bad_input(panel):
    with pytest.raises(AnalysisError, match="inside the pre-period"):
        placebo_in_time(panel, fake_year=2013)
    with pytest.raises(AnalysisError, match="inside the pre-period"):
        placebo_in_time(panel, fake_year=2010)
    with pytest.raises(AnalysisError, match="no treated area"):
        placebo_in_time(panel.assign(cohort=0))
    with pytest.raises(AnalysisError, match="repeat an area-period"):
        placebo_in_time(pd.concat([panel, panel.iloc[[0]]]))


def test_placebo_in_space_p_value_by_hand():
    # A big effect in noise-free data: no placebo comes near it, so p = 1/(1 + 99).
    result = placebo_in_space(_parallel(50.0), n_draws=99, seed=1)
    assert result.tidy().iloc[0]["estimate"] == pytest.approx(50.0)
    assert result.tidy().iloc[0]["p_value"] == pytest.approx(1 / 100)
    # Noise-free parallel data give every placebo exactly 0 and a real estimate of 0: all 99
    # placebos tie with it, p = (1 + 99)/(1 + 99) = 1.
    flat = placebo_in_space(_parallel(0.0), n_draws=99, seed=1)
    assert flat.tidy().iloc[0]["p_value"] == pytest.approx(1.0)


def test_placebo_in_space_counts_the_distribution(panel):
    result = placebo_in_space(panel, n_draws=49, seed=3)
    draws = result.details["placebo"]["estimate"].to_numpy()
    real = result.tidy().iloc[0]["estimate"]
    assert len(draws) == 49
    assert result.tidy().iloc[0]["p_value"] == pytest.approx(
        (1 + np.sum(np.abs(draws) >= abs(real))) / 50
    )
    # same seed, shuffled rows: the same draws
    again = placebo_in_space(panel.sample(frac=1.0, random_state=2), n_draws=49, seed=3)
    np.testing.assert_allclose(again.details["placebo"]["estimate"], draws, rtol=1e-10)


def test_placebo_in_space_bad_input(panel):
    with pytest.raises(AnalysisError, match="n_draws"):
        placebo_in_space(panel, n_draws=5)
    with pytest.raises(AnalysisError, match="more never-treated"):
        placebo_in_space(panel[panel["area_code"] <= "E030"])


def test_placebo_in_time_agrees_with_twfe_did(panel):
    # The same regression through the DiD module (part F's fe_ols): identical numbers.
    from pioneer.impact.did import twfe_did

    pre = panel[panel["year"] < 2013].assign(fake=lambda d: (d["cohort"] > 0) & (d["year"] >= 2011))
    want = twfe_did(pre, treat="fake").tidy().iloc[0]
    got = placebo_in_time(panel, fake_year=2011).tidy().iloc[0]
    for column in ("estimate", "std_error", "p_value", "conf_low", "conf_high"):
        assert got[column] == pytest.approx(want[column], rel=1e-9)
