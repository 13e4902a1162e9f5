"""pioneer.indicators.funnel: exact binomial and Poisson control limits (Spiegelhalter 2005).

Expected values: hand calculations written beside them, and R output committed with its script
(``tests/oracle/indicators_funnel/make_expected.R``, R's qbinom/pbinom and qpois/ppois, with
the distribution functions cross-checked through pbeta/pgamma inside the script).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pioneer.errors import AnalysisError
from pioneer.indicators import funnel

ORACLE = Path(__file__).parent / "oracle" / "indicators_funnel"


def test_binomial_limit_by_hand():
    # Bin(1, 0.5): F(0) = 0.5, F(1) = 1. The 0.975-quantile is r = 1;
    # alpha = (1 - 0.975) / (1 - 0.5) = 0.05, so the limit is (1 - 0.05) / 1 = 0.95.
    assert funnel.exact_binomial_limit(1, 0.5, 0.975)[0] == pytest.approx(0.95, rel=1e-12)
    # Bin(2, 0.5): F(0) = 0.25, F(1) = 0.75. The 0.5-quantile is r = 1;
    # alpha = (0.75 - 0.5) / (0.75 - 0.25) = 0.5, so the limit is (1 - 0.5) / 2 = 0.25.
    assert funnel.exact_binomial_limit(2, 0.5, 0.5)[0] == pytest.approx(0.25, rel=1e-12)


def test_poisson_limit_by_hand():
    # Poisson(1): F(2) = 5/(2e) = 0.919699, F(3) = 8/(3e) = 0.981012. The 0.975-quantile is
    # r = 3; alpha = (F(3) - 0.975) / (F(3) - F(2)), limit = 3 - alpha.
    f2, f3 = 5 / (2 * math.e), 8 / (3 * math.e)
    expected = 3 - (f3 - 0.975) / (f3 - f2)
    assert funnel.exact_poisson_limit(1.0, 0.975)[0] == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(2.90195, abs=1e-5)


def test_control_limits_clip_to_the_possible_range():
    # Poisson(1) at p = 0.025: r = 0 (F(0) = 1/e >= 0.025), alpha = (1/e - 0.025)/(1/e),
    # limit = -alpha < 0, clipped to 0. Size 1, target ratio 1.
    limits = funnel.control_limits([1.0], 1.0, statistic="ratio", confidence=0.95)
    assert limits["lower_95"].iloc[0] == 0.0
    assert limits["upper_95"].iloc[0] == pytest.approx(2.9019494, abs=1e-6)
    # A proportion never exceeds 100%: Bin(1, 0.9) upper 99.8% limit would be 1 - ... <= 1.
    prop = funnel.control_limits([1], 90.0, statistic="proportion", multiplier=100)
    assert prop["upper_99_8"].iloc[0] <= 100.0
    assert list(prop.columns) == [
        "size",
        "target",
        "lower_95",
        "upper_95",
        "lower_99_8",
        "upper_99_8",
    ]


def test_limits_narrow_as_the_size_grows():
    limits = funnel.control_limits(
        [100, 1_000, 10_000, 100_000], 2_000.0, statistic="rate", multiplier=100_000
    )
    widths = (limits["upper_95"] - limits["lower_95"]).to_numpy()
    assert (np.diff(widths) < 0).all()
    wide = (limits["upper_99_8"] - limits["lower_99_8"]).to_numpy()
    assert (wide > widths).all()


@pytest.mark.oracle
def test_binomial_limits_match_r():
    table = pd.read_csv(ORACLE / "binomial.csv")
    got = funnel.exact_binomial_limit(table["n"], table["target"], table["p"])
    np.testing.assert_allclose(got, table["limit"], rtol=1e-10, atol=1e-13)


@pytest.mark.oracle
def test_poisson_limits_match_r():
    table = pd.read_csv(ORACLE / "poisson.csv")
    got = funnel.exact_poisson_limit(table["expected"], table["p"])
    np.testing.assert_allclose(got, table["count_limit"], rtol=1e-10, atol=1e-13)


@pytest.mark.oracle
@pytest.mark.parametrize("statistic", ["proportion", "rate", "ratio"])
def test_funnels_of_areas_match_r(statistic):
    table = pd.read_csv(ORACLE / "funnels.csv")
    table = table[table["statistic"] == statistic].reset_index(drop=True)
    target = float(table["target"].iloc[0])
    multiplier = float(table["multiplier"].iloc[0])
    limits = funnel.control_limits(
        table["size"], target, statistic=statistic, multiplier=multiplier
    )
    for column in ("lower_95", "upper_95", "lower_99_8", "upper_99_8"):
        np.testing.assert_allclose(limits[column], table[column], rtol=1e-10, atol=1e-12)
    assert funnel.position_against_limits(table["value"], limits) == table["place"].tolist()


def test_position_labels_and_missing_values():
    limits = pd.DataFrame(
        {"lower_95": [10.0] * 5, "upper_95": [20.0] * 5, "lower_99_8": [5.0] * 5}
        | {"upper_99_8": [25.0] * 5}
    )
    values = [15.0, 20.0, 21.0, 26.0, float("nan")]
    assert funnel.position_against_limits(values, limits) == [
        "Within limits",
        "Within limits",  # on the limit is within it
        "Above 95% limit",
        "Above 99.8% limit",
        "",
    ]


def test_limit_column_names_follow_the_contract():
    assert funnel.limit_column_names(0.95) == ("lower_95", "upper_95")
    assert funnel.limit_column_names(0.998) == ("lower_99_8", "upper_99_8")
    assert funnel.limit_column_names(0.9) == ("lower_90", "upper_90")


def test_curve_sizes_are_whole_for_a_binomial_funnel():
    sizes = funnel.curve_sizes(50, 5_000, points=50, whole=True)
    assert (sizes == np.round(sizes)).all()
    assert sizes[0] < 50
    assert sizes[-1] > 5_000
    assert (np.diff(sizes) > 0).all()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: funnel.control_limits([10], 20.0, statistic="mean"), "unknown funnel"),
        (lambda: funnel.control_limits([10], 20.0, statistic="rate", confidence=1.0), "range"),
        (lambda: funnel.control_limits([0], 20.0, statistic="rate"), "positive size"),
        (lambda: funnel.control_limits([10], -1.0, statistic="rate"), "positive number"),
        (lambda: funnel.control_limits([10], 20.0, statistic="rate", multiplier=0), "multipl"),
        (lambda: funnel.control_limits([np.nan], 2.0, statistic="rate"), "missing"),
        (lambda: funnel.exact_binomial_limit(2.5, 0.2, 0.975), "whole"),
        (lambda: funnel.exact_binomial_limit(10, 1.0, 0.975), "strictly between"),
        (lambda: funnel.exact_poisson_limit(0.0, 0.975), "positive expected"),
        (lambda: funnel.exact_poisson_limit(1.0, 1.0), "probability"),
        (lambda: funnel.confidence_levels((0.95, 0.95)), "repeat"),
        (lambda: funnel.curve_sizes(10, 5, whole=False), "in order"),
    ],
)
def test_input_errors_say_what_is_wrong(call, message):
    with pytest.raises(AnalysisError, match=message):
        call()
