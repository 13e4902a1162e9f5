"""pioneer.indicators.statistics against base R.

Expected values come from R 4.2.2 (base functions only), written by
``tests/oracle/indicators/make_expected.R``; the command and the R call behind every file are
in ``tests/oracle/indicators/README.md``. R is not needed to run these tests.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pioneer.indicators import statistics as st

pytestmark = pytest.mark.oracle

ORACLE = Path(__file__).parent / "oracle" / "indicators"
TOL = {"rtol": 1e-10, "atol": 1e-12}


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(ORACLE / name)


def levels(frame: pd.DataFrame):
    for confidence, group in frame.groupby("confidence", sort=True):
        yield round(float(confidence), 6), group.reset_index(drop=True)


def test_wilson_matches_prop_test():
    r = read("wilson.csv")
    assert len(r) > 150
    for level, group in levels(r):
        lower, upper = st.wilson_limits(group["numerator"], group["denominator"], level)
        np.testing.assert_allclose(lower, group["lower"], **TOL)
        np.testing.assert_allclose(upper, group["upper"], **TOL)


def test_proportion_frame_matches_prop_test_at_both_levels():
    r = read("wilson.csv")
    inputs = r[np.isclose(r["confidence"], 0.95)][["numerator", "denominator"]]
    out = st.proportion(inputs.reset_index(drop=True), confidence=(0.95, 0.998))
    for level, group in levels(r[r["confidence"] > 0.94]):
        lower, upper = st.limit_columns(level)
        np.testing.assert_allclose(out[lower], group["lower"], **TOL)
        np.testing.assert_allclose(out[upper], group["upper"], **TOL)


def test_exact_limits_match_poisson_test():
    r = read("poisson_exact.csv")
    for level, group in levels(r):
        lower, upper = st.exact_poisson_limits(group["count"], level)
        np.testing.assert_allclose(lower, group["lower"], **TOL)
        np.testing.assert_allclose(upper, group["upper"], **TOL)


def test_byars_limits_match_the_formula_in_r():
    r = read("byars.csv")
    for level, group in levels(r):
        lower, upper = st.byars_limits(group["count"], level)
        np.testing.assert_allclose(lower, group["lower"], **TOL)
        np.testing.assert_allclose(upper, group["upper"], **TOL)


def test_byars_is_close_to_exact_from_10_events():
    # The reason for the switch: from 10 events Byar's limits are within 1% of the exact ones
    # at 95% (R's poisson.test against the formula, both from the files above).
    exact = read("poisson_exact.csv")
    byars = read("byars.csv")
    both = exact.merge(byars, on=["count", "confidence"], suffixes=("_exact", "_byars"))
    both = both[np.isclose(both["confidence"], 0.95)]
    assert len(both) >= 4
    np.testing.assert_allclose(both["lower_byars"], both["lower_exact"], rtol=0.01)
    np.testing.assert_allclose(both["upper_byars"], both["upper_exact"], rtol=0.01)


def test_crude_rates_match_r():
    inputs = read("crude_rate_input.csv")
    r = read("crude_rate.csv")
    out = st.crude_rate(inputs, confidence=(0.95, 0.998))
    assert list(out["area"]) == list(inputs["area"])
    for level, group in levels(r):
        lower, upper = st.limit_columns(level)
        np.testing.assert_allclose(out["value"], group["value"], **TOL)
        np.testing.assert_allclose(out[lower], group["lower"], **TOL)
        np.testing.assert_allclose(out[upper], group["upper"], **TOL)
        assert list(out["method"]) == list(group["method"])
    assert {"Exact", "Byars"} == set(out["method"])


@pytest.mark.parametrize("standard", ["esp2013", "standard"])
def test_dsr_matches_dobson_in_r(standard):
    inputs = read("dsr_input.csv")
    r = read("dsr.csv").sort_values(["area", "year", "confidence"])
    out = st.dsr(
        inputs,
        group_by=["area", "year"],
        standard_population=standard,
        confidence=(0.95, 0.998),
    )
    assert len(out) == 8
    for level, group in levels(r):
        lower, upper = st.limit_columns(level)
        assert list(out["area"]) == list(group["area"])
        assert list(out["year"]) == list(group["year"])
        np.testing.assert_allclose(out["numerator"], group["numerator"], **TOL)
        np.testing.assert_allclose(out["denominator"], group["denominator"], **TOL)
        # R gives NA where fewer than 10 events; so must we.
        np.testing.assert_array_equal(out["value"].isna(), group["value"].isna())
        np.testing.assert_allclose(out["value"], group["value"], **TOL)
        np.testing.assert_allclose(out[lower], group["lower"], **TOL)
        np.testing.assert_allclose(out[upper], group["upper"], **TOL)
    assert out["value"].isna().sum() == 2


def test_smr_and_isr_match_r():
    inputs = read("isr_input.csv")
    reference = read("isr_reference.csv")
    r = read("isr.csv").sort_values(["area", "confidence"])
    ratio = st.smr(inputs, reference=reference, group_by="area", confidence=(0.95, 0.998))
    rate = st.isr(inputs, reference=reference, group_by="area", confidence=(0.95, 0.998))
    for level, group in levels(r):
        lower, upper = st.limit_columns(level)
        np.testing.assert_allclose(ratio["expected"], group["expected"], **TOL)
        np.testing.assert_allclose(ratio["numerator"], group["observed"], **TOL)
        np.testing.assert_allclose(ratio["value"], group["smr"], **TOL)
        np.testing.assert_allclose(ratio[lower], group["smr_lower"], **TOL)
        np.testing.assert_allclose(ratio[upper], group["smr_upper"], **TOL)
        np.testing.assert_allclose(rate["value"], group["isr"], **TOL)
        np.testing.assert_allclose(rate[lower], group["isr_lower"], **TOL)
        np.testing.assert_allclose(rate[upper], group["isr_upper"], **TOL)
        assert list(ratio["method"]) == list(group["method"])
        assert list(rate["method"]) == list(group["method"])


def test_mean_matches_t_test():
    inputs = read("mean_input.csv")
    r = read("mean.csv").sort_values(["site", "confidence"])
    out = st.mean(inputs, group_by="site", confidence=(0.95, 0.998))
    for level, group in levels(r):
        lower, upper = st.limit_columns(level)
        assert list(out["site"]) == list(group["site"])
        assert list(out["count"]) == list(group["count"])
        np.testing.assert_allclose(out["value"], group["value"], **TOL)
        np.testing.assert_allclose(out["sd"], group["sd"], **TOL)
        np.testing.assert_allclose(out[lower], group["lower"], **TOL)
        np.testing.assert_allclose(out[upper], group["upper"], **TOL)
