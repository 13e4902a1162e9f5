"""pioneer.indicators.benchmark: Fingertips comparisons, quintiles and recent trends.

Expected labels are worked out by hand beside each case from the rules in
docs/indicators/benchmarking.md; the trend statistics come from R (prop.trend.test and a
weighted lm), written by tests/oracle/indicators_trend/make_expected.R.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pioneer.errors import AnalysisError
from pioneer.indicators import benchmark as bm

ORACLE = Path(__file__).parent / "oracle" / "indicators_trend" / "expected.csv"
TOL = {"rtol": 1e-10, "atol": 1e-12}


# --- compare -------------------------------------------------------------------------


def test_similar_when_the_comparator_lies_inside_the_interval_limits_included():
    # interval 8–12: comparators 8 (on the lower limit), 10, 12 (on the upper limit)
    labels = bm.compare([10, 10, 10], [8, 8, 8], [12, 12, 12], [8, 10, 12], "lower_is_better")
    assert list(labels) == ["Similar", "Similar", "Similar"]


@pytest.mark.parametrize(
    ("polarity", "comparator", "expected"),
    [
        # comparator 7 lies below the interval 8–12: the area is higher than it
        ("lower_is_better", 7, "Worse"),
        ("higher_is_better", 7, "Better"),
        ("no_judgement", 7, "Higher"),
        # comparator 13 lies above: the area is lower
        ("lower_is_better", 13, "Better"),
        ("higher_is_better", 13, "Worse"),
        ("no_judgement", 13, "Lower"),
        ("not_applicable", 13, "Not compared"),
    ],
)
def test_outside_the_interval_the_polarity_decides(polarity, comparator, expected):
    assert list(bm.compare(10, 8, 12, comparator, polarity)) == [expected]


def test_missing_value_limit_or_comparator_is_not_compared():
    nan = np.nan
    labels = bm.compare(
        [nan, 10, 10, 10], [8, nan, 8, 8], [12, 12, nan, 12], [7, 7, 7, nan], "higher_is_better"
    )
    assert list(labels) == ["Not compared"] * 4


def test_compare_takes_a_polarity_per_row_and_keeps_a_series_index():
    frame = pd.DataFrame(
        {"v": [10.0, 10.0, 10.0], "lo": [8.0, 8, 8], "hi": [12.0, 12, 12], "c": [7.0, 7, 7]},
        index=["a", "b", "c"],
    )
    labels = bm.compare(
        frame["v"], frame["lo"], frame["hi"], frame["c"], ["lower_is_better", None, ""]
    )
    assert isinstance(labels, pd.Series)
    assert list(labels.index) == ["a", "b", "c"]
    # None and "" mean no polarity: never compared
    assert list(labels) == ["Worse", "Not compared", "Not compared"]


def test_compare_rejects_an_unknown_polarity_and_mismatched_lengths():
    with pytest.raises(AnalysisError, match="unknown polarity 'RAG'"):
        bm.compare(10, 8, 12, 7, "RAG")
    with pytest.raises(AnalysisError, match="same length"):
        bm.compare([10, 11], [8, 9], [12, 13, 14], 7, "no_judgement")


def test_two_levels_separate_99_8_from_95_only():
    # value 10; 95% interval 9.5–10.5 inside the 99.8% interval 9–11
    labels = bm.compare_levels(
        [10, 10, 10, 10, 10],
        9.5,
        10.5,
        9,
        11,
        [10.2, 10.8, 8.5, 11.5, np.nan],
        "higher_is_better",
    )
    # 10.2: inside both → Similar; 10.8: outside 95% only, area lower → Worse (95%);
    # 8.5: outside both, area higher → Better (99.8%); 11.5: outside both, lower → Worse
    assert list(labels) == [
        "Similar",
        "Worse (95%)",
        "Better (99.8%)",
        "Worse (99.8%)",
        "Not compared",
    ]


def test_two_levels_without_99_8_limits_is_not_compared():
    assert list(bm.compare_levels(10, 9.5, 10.5, np.nan, np.nan, 12, "no_judgement")) == [
        "Not compared"
    ]


# --- quintiles -------------------------------------------------------------------------


def test_ntile_splits_like_sql():
    # NTILE(5) over 7 rows: groups of 2, 2, 1, 1, 1 (the first 7 mod 5 = 2 groups get one more)
    assert list(bm._ntile(np.array([70, 10, 20, 30, 40, 50, 60.0]))) == [5, 1, 1, 2, 2, 3, 4]
    # 10 rows: two each
    assert list(bm._ntile(np.arange(10.0))) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


@pytest.mark.parametrize(
    ("polarity", "expected"),
    [
        ("lower_is_better", ["Best", "Better", "Middle", "Worse", "Worst"]),
        ("higher_is_better", ["Worst", "Worse", "Middle", "Better", "Best"]),
        ("no_judgement", ["Lowest", "Lower", "Middle", "Higher", "Highest"]),
    ],
)
def test_quintile_labels_follow_polarity(polarity, expected):
    # ten areas 1..10 → two per quintile; the lowest two are quintile 1
    labels = bm.quintiles(np.arange(1.0, 11.0), polarity)
    assert list(labels[::2]) == expected
    assert list(labels[1::2]) == expected


def test_quintiles_skip_missing_values_and_need_five_areas():
    labels = bm.quintiles(pd.Series([5.0, np.nan, 1, 2, 3, 4]), "lower_is_better")
    assert list(labels) == ["Worst", "Not compared", "Best", "Better", "Middle", "Worse"]
    assert list(bm.quintiles([1.0, 2, 3, 4], "lower_is_better")) == ["Not compared"] * 4
    assert list(bm.quintiles([1.0, 2, 3, 4, 5], "not_applicable")) == ["Not compared"] * 5


def test_quintile_among_ranks_an_area_with_the_others():
    # 3.5 among 1..9 → 10 values, two per group; sorted 1 2 | 3 3.5 | ... → group 2
    assert bm.quintile_among(3.5, range(1, 10), "higher_is_better") == "Worse"
    assert bm.quintile_among(3.5, range(1, 10), "lower_is_better") == "Better"
    # a tie takes the lower position: 3 among 1..9 sorts before the other 3 → group 2
    assert bm.quintile_among(3.0, range(1, 10), "no_judgement") == "Lower"
    assert bm.quintile_among(np.nan, range(1, 10), "no_judgement") == "Not compared"
    assert bm.quintile_among(3.0, [1.0, 2, np.nan, 4], "no_judgement") == "Not compared"


# --- recent trend: the statistics against R ---------------------------------------------


def oracle_cases(method: str) -> list[tuple[str, pd.DataFrame]]:
    frame = pd.read_csv(ORACLE)
    frame = frame[frame["method"] == method]
    return list(frame.groupby("case", sort=False))


@pytest.mark.oracle
@pytest.mark.parametrize(("case", "rows"), oracle_cases("chi_square"))
def test_chi_square_trend_matches_prop_trend_test(case, rows):
    statistic, p_value = bm.chi_square_trend(rows["x"], rows["n"])
    np.testing.assert_allclose(statistic, rows["statistic"].iloc[0], **TOL)
    np.testing.assert_allclose(p_value, rows["p_value"].iloc[0], rtol=1e-8)


def series(
    values=None, x=None, n=None, lower=None, upper=None, *, area="E1", first_year=2013, **extra
) -> pd.DataFrame:
    """Rows of one area's series in the indicator-frame shape, consecutive financial years."""
    size = len(next(v for v in (values, x, lower) if v is not None))
    years = list(range(first_year, first_year + size))
    nan = [np.nan] * size
    frame = pd.DataFrame(
        {
            "indicator_id": "ind",
            "area_code": area,
            "sex": "Persons",
            "age": "All ages",
            "period": [f"{y}/{(y + 1) % 100:02d}" for y in years],
            "year": years,
            "numerator": nan if x is None else list(x),
            "denominator": nan if n is None else list(n),
            "value": nan if values is None else list(values),
            "lower_95": nan if lower is None else list(lower),
            "upper_95": nan if upper is None else list(upper),
        }
    )
    return frame.assign(**extra)


@pytest.mark.oracle
def test_recent_trend_chi_square_statistic_and_label():
    falling = dict(oracle_cases("chi_square"))["falling"]
    rows = series(x=falling["x"], n=falling["n"])
    result = bm.recent_trend(rows, "lower_is_better")
    (row,) = result.to_dict("records")
    np.testing.assert_allclose(row["trend_statistic"], falling["statistic"].iloc[0], **TOL)
    # 47.9 > 9.5495 (the 99.8% point of χ²(1)); the proportion falls and dropping any one
    # point keeps it falling → decreasing, and lower is better
    assert row["recent_trend"] == "Decreasing and getting better"
    assert row["trend_method"] == "chi-square test for trend"
    assert row["trend_periods"] == "2013/14 to 2017/18"


@pytest.mark.oracle
def test_recent_trend_regression_statistic_against_weighted_lm():
    case = dict(oracle_cases("regression"))["falling_rate"]
    rows = series(values=case["value"], lower=case["lower"], upper=case["upper"])
    (row,) = bm.recent_trend(rows, "higher_is_better").to_dict("records")
    np.testing.assert_allclose(row["trend_statistic"], case["statistic"].iloc[0], **TOL)
    assert row["trend_method"] == "weighted regression on 95% limits"
    # slope −1.75 (R), χ² 46.8 > 9.5495 → decreasing; higher is better → getting worse
    assert row["recent_trend"] == "Decreasing and getting worse"
    slope = bm._regression(
        case["value"].to_numpy()[None, :],
        ((case["upper"] - case["lower"]) / (2 * 1.959963984540054)).to_numpy()[None, :],
        np.arange(1.0, 6.0)[None, :],
    )[1][0]
    np.testing.assert_allclose(slope, case["slope"].iloc[0], **TOL)


@pytest.mark.oracle
def test_recent_trend_not_significant_cases():
    small = dict(oracle_cases("chi_square"))["rising_small"]
    noisy = dict(oracle_cases("regression"))["noisy_rate"]
    rows = pd.concat(
        [
            series(x=small["x"], n=small["n"], area="A"),
            series(values=noisy["value"], lower=noisy["lower"], upper=noisy["upper"], area="B"),
        ]
    )
    result = bm.recent_trend(rows, "no_judgement").set_index("area_code")
    # χ² 3.85 and 0.63, both below 9.5495
    assert list(result["recent_trend"]) == ["No significant change"] * 2
    np.testing.assert_allclose(
        result["trend_statistic"],
        [small["statistic"].iloc[0], noisy["statistic"].iloc[0]],
        **TOL,
    )


def test_an_outlier_that_reverses_the_direction_cancels_the_trend():
    # proportions 5.0%, 4.9%, 4.8%, 4.7%, 8.0% of 100,000: the last point drives a large
    # rising χ²; without it Σxt − pΣnt = 48000 − 0.0485 × 100000 × 10 = −500 < 0 (falling)
    rows = series(x=[5000, 4900, 4800, 4700, 8000], n=[100_000] * 5)
    (row,) = bm.recent_trend(rows, "lower_is_better").to_dict("records")
    assert row["trend_statistic"] > 9.5495
    assert row["recent_trend"] == "No significant change"
    assert "reverses" in row["trend_reason"]


def test_only_the_latest_five_points_are_used():
    # seven years; the first two (tiny proportions) would make a strong rise, the last five
    # are flat 5%
    rows = series(x=[10, 10, 500, 500, 500, 500, 500], n=[10_000] * 7, first_year=2010)
    (row,) = bm.recent_trend(rows, "no_judgement").to_dict("records")
    assert row["trend_periods"] == "2012/13 to 2016/17"
    assert row["trend_statistic"] == pytest.approx(0.0, abs=1e-12)
    assert row["recent_trend"] == "No significant change"


def test_labels_without_judgement_say_only_the_direction():
    rows = series(x=[100, 200, 300, 400, 500], n=[10_000] * 5)
    (row,) = bm.recent_trend(rows, "no_judgement").to_dict("records")
    assert row["recent_trend"] == "Increasing"
    (row,) = bm.recent_trend(rows, "higher_is_better").to_dict("records")
    assert row["recent_trend"] == "Increasing and getting better"


def test_trend_cannot_be_calculated_and_says_why():
    rates_only = series(values=[2100.0, 2150, 2200, 2180, 2170], area="rates")
    short = series(x=[1, 2, 3, 4], n=[100] * 4, area="short")
    gap = series(x=[1, 2, 3, 4, 5], n=[100] * 5, area="gap")
    gap.loc[4, "year"] = 2019
    pooled = series(x=[1, 2, 3, 4, 5], n=[100] * 5, area="pooled")
    pooled["period"] = [
        f"{y}/{(y + 1) % 100:02d} - {(y + 3) % 100:02d}/{(y + 4) % 100:02d}" for y in pooled["year"]
    ]
    result = bm.recent_trend(pd.concat([rates_only, short, gap, pooled]), "lower_is_better")
    result = result.set_index("area_code")
    assert (result["recent_trend"] == "Cannot be calculated").all()
    assert "no counts and denominators" in result.loc["rates", "trend_reason"]
    assert result.loc["short", "trend_reason"] == "fewer than 5 periods"
    assert "gap" in result.loc["gap", "trend_reason"]
    assert "pooled" in result.loc["pooled", "trend_reason"]
    assert np.isnan(result["trend_statistic"]).all()


def test_trend_takes_a_polarity_per_indicator():
    rising = series(x=[100, 200, 300, 400, 500], n=[10_000] * 5)
    frame = pd.concat([rising, rising.assign(indicator_id="other")])
    result = bm.recent_trend(frame, {"ind": "lower_is_better", "other": "higher_is_better"})
    assert list(result["recent_trend"]) == [
        "Increasing and getting worse",
        "Increasing and getting better",
    ]
    with pytest.raises(AnalysisError, match="no polarity given for indicator"):
        bm.recent_trend(frame, {"ind": "lower_is_better"})


def test_trend_checks_its_arguments():
    rows = series(x=[1, 2, 3, 4, 5], n=[100] * 5)
    with pytest.raises(AnalysisError, match="confidence"):
        bm.recent_trend(rows, "no_judgement", confidence=0.5)
    with pytest.raises(AnalysisError, match="method"):
        bm.recent_trend(rows, "no_judgement", method="loess")
    with pytest.raises(AnalysisError, match="lower_95"):
        bm.recent_trend(rows.drop(columns="lower_95"), "no_judgement")


def test_forced_regression_without_limits_cannot_be_calculated():
    rows = series(x=[100, 200, 300, 400, 500], n=[10_000] * 5)
    (row,) = bm.recent_trend(rows, "no_judgement", method="regression").to_dict("records")
    assert row["recent_trend"] == "Cannot be calculated"
    assert "95% limits" in row["trend_reason"]
