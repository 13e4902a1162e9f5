"""pioneer.survey.inference: hand-worked and published values, properties, input checks.

Comparisons with R output are in test_inference_oracle.py.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pioneer.errors import AnalysisError
from pioneer.survey.inference import (
    TestResult,
    WeightedProportion,
    chi_square_test,
    difference_interval,
    equal_site_weights,
    mcnemar_exact,
    mcnemar_test,
    two_proportion_test,
    weighted_proportion,
    wilson_interval,
)

FAST = settings(max_examples=60, deadline=None)


# --- published and hand-worked values --------------------------------------------------------


def test_wilson_81_of_263_by_hand_and_newcombe_table_i():
    # By hand: p = 81/263 = 0.307985, z = 1.959964, z² = 3.841459, z²/n = 0.014606.
    # centre = (p + z²/2n) / (1 + z²/n) = (0.307985 + 0.007303) / 1.014606 = 0.310749
    # half   = z √(p(1−p)/n + z²/4n²) / (1 + z²/n)
    #        = 1.959964 × √(0.00081038 + 0.00001388) / 1.014606 = 0.055461
    # so (0.255288, 0.366210); Newcombe (1998) Stat Med 17:857, Table I, method 3, prints
    # 0.2553 to 0.3662.
    lower, upper = wilson_interval(81, 263)
    assert lower == pytest.approx(0.255288, abs=1e-6)
    assert upper == pytest.approx(0.366210, abs=1e-6)


@pytest.mark.parametrize(
    ("k", "n", "lower", "upper"),
    [
        # Newcombe (1998) Stat Med 17:857–872, Table I, method 3 (Wilson score), 4 decimals.
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (29, 29, 0.8830, 1.0),
    ],
)
def test_wilson_newcombe_table_i(k, n, lower, upper):
    got = wilson_interval(k, n)
    assert got[0] == pytest.approx(lower, abs=5e-5)
    assert got[1] == pytest.approx(upper, abs=5e-5)


def test_wilson_zero_base_gives_nan_and_k_zero_gives_exact_zero():
    lower, upper = wilson_interval([0, 0, 5], [0, 5, 5])
    assert np.isnan(lower[0])
    assert np.isnan(upper[0])
    assert lower[1] == 0.0
    assert upper[2] == 1.0


@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2", "lower", "upper"),
    [
        # Newcombe (1998) Stat Med 17:873–890, Table II, method 10 (hybrid score), 4 decimals.
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (6, 7, 2, 7, 0.0582, 0.8062),
        (5, 56, 0, 29, -0.0381, 0.1926),
        (0, 10, 0, 20, -0.1611, 0.2775),
        (0, 10, 0, 10, -0.2775, 0.2775),
        (10, 10, 0, 20, 0.6791, 1.0),
        (10, 10, 0, 10, 0.6075, 1.0),
    ],
)
def test_difference_interval_newcombe_table_ii(k1, n1, k2, n2, lower, upper):
    difference, got_lower, got_upper = difference_interval(k1, n1, k2, n2)
    assert difference == pytest.approx(k1 / n1 - k2 / n2)
    assert got_lower == pytest.approx(lower, abs=5e-5)
    assert got_upper == pytest.approx(upper, abs=5e-5)


def test_two_proportion_by_hand():
    # 81/263 against 15/148: pooled p = 96/411 = 0.233577;
    # SE = √(0.233577 × 0.766423 × (1/263 + 1/148)) = √(0.179018 × 0.0105591) = 0.0434773;
    # z = (0.307985 − 0.101351) / 0.0434773 = 4.75269, chi-square = z² = 22.588.
    result = two_proportion_test(81, 263, 15, 148)
    assert isinstance(result, TestResult)
    assert result.test == "two-proportion z"
    assert result.z == pytest.approx(4.75269, abs=1e-5)
    assert result.statistic == pytest.approx(22.588, abs=1e-3)
    assert result.df == 1
    assert result.p_value == pytest.approx(math.erfc(4.752688538 / math.sqrt(2)), rel=1e-8)
    assert isinstance(result.p_value, float)
    assert result.note == ""


def test_two_proportion_vectorised_and_degenerate_positions():
    result = two_proportion_test(
        pd.Series([81, 0, 10]), [263, 10, 10], np.array([15, 0, 12]), [148, 12, 12]
    )
    assert result.statistic.shape == (3,)
    assert result.statistic[0] == pytest.approx(22.588048344, rel=1e-9)
    assert np.isnan(result.statistic[1:]).all()
    assert np.isnan(result.p_value[1:]).all()
    assert "positions 1, 2" in result.note


def test_two_proportion_sign_of_z_follows_first_minus_second():
    assert two_proportion_test(2, 10, 8, 10).z < 0
    assert two_proportion_test(8, 10, 2, 10).z > 0


def test_chi_square_by_hand_two_by_two():
    # [[3, 1], [1, 3]]: all expected counts are 2, each |O − E| = 1.
    # Pearson: 4 × 1²/2 = 2; Yates: 4 × 0.5²/2 = 0.5. P(χ²₁ > 2) = erfc(1) = 0.157299.
    plain = chi_square_test([[3, 1], [1, 3]])
    assert plain.statistic == pytest.approx(2.0, rel=1e-12)
    assert plain.p_value == pytest.approx(math.erfc(1.0), rel=1e-12)
    assert plain.test == "Pearson chi-square"
    yates = chi_square_test(np.array([[3, 1], [1, 3]]), correction=True)
    assert yates.statistic == pytest.approx(0.5, rel=1e-12)
    assert yates.test == "Pearson chi-square (continuity corrected)"
    assert "below 5" in yates.note


def test_chi_square_correction_ignored_beyond_two_by_two():
    table = pd.DataFrame({"yes": [20, 15], "no": [22, 9], "dont_know": [18, 12]})
    # By hand: totals rows 60, 36; columns 35, 31, 30; n = 96. Expected row 1:
    # 21.875, 19.375, 18.75; row 2: 13.125, 11.625, 11.25.
    expected = np.array([[21.875, 19.375, 18.75], [13.125, 11.625, 11.25]])
    observed = table.to_numpy()
    by_hand = float(((observed - expected) ** 2 / expected).sum())
    plain = chi_square_test(table)
    corrected = chi_square_test(table, correction=True)
    assert plain.statistic == pytest.approx(by_hand, rel=1e-12)
    assert corrected.statistic == plain.statistic
    assert plain.df == 2
    assert plain.note == ""


def test_mcnemar_by_hand():
    # b = 5, c = 9: corrected (|5 − 9| − 1)² / 14 = 9/14; plain (5 − 9)² / 14 = 16/14.
    corrected = mcnemar_test(5, 9)
    assert corrected.statistic == pytest.approx(9 / 14, rel=1e-12)
    assert corrected.test == "McNemar (continuity corrected)"
    assert corrected.z > 0  # more informants moved to yes
    plain = mcnemar_test(5, 9, correction=False)
    assert plain.statistic == pytest.approx(16 / 14, rel=1e-12)
    assert plain.p_value == pytest.approx(math.erfc(math.sqrt(16 / 14) / math.sqrt(2)))


def test_mcnemar_equal_discordant_counts_are_not_corrected_and_empty_is_nan():
    result = mcnemar_test([4, 0], [4, 0])
    assert result.statistic[0] == 0.0
    assert result.p_value[0] == 1.0
    assert np.isnan(result.statistic[1])
    assert "b + c = 0" in result.note


def test_mcnemar_exact_by_hand():
    # b = 2 of 11 discordant pairs: P(X ≤ 2) = (1 + 11 + 55) / 2¹¹ = 67/2048, doubled.
    result = mcnemar_exact(2, 9)
    assert result.p_value == pytest.approx(134 / 2048, rel=1e-12)
    assert result.statistic == 2.0
    assert result.df is None
    assert mcnemar_exact(3, 3).p_value == 1.0
    assert np.isnan(mcnemar_exact([0], [0]).p_value[0])


def test_weighted_proportion_equal_sites_by_hand():
    # Site a: answers 1, 0 (weight ½ each); site b: answer 1 (weight 1).
    # Estimate = mean of site proportions (0.5 + 1) / 2 = 0.75. With sites as clusters the
    # linearised variance is the variance of the site proportions over the number of sites:
    # ((0.5 − 0.75)² + (1 − 0.75)²) / (2 − 1) / 2 = 0.0625, so SE = 0.25 on 1 df.
    site = ["a", "a", "b"]
    result = weighted_proportion([1, 0, 1], equal_site_weights(site), clusters=site)
    assert isinstance(result, WeightedProportion)
    assert result.estimate == pytest.approx(0.75, rel=1e-12)
    assert result.se == pytest.approx(0.25, rel=1e-12)
    assert result.df == 1
    assert result.n == 3
    assert result.n_clusters == 2
    assert result.method == "beta"


def test_weighted_proportion_all_no_falls_back_to_kish_effective_n():
    # Sites of 2, 3 and 4 respondents, all answering no, equal site weights.
    # Σw = 3, Σw² = 2/4 + 3/9 + 4/16 = 13/12, so Kish's n = 9 / (13/12) = 108/13.
    # df adjustment (t₀.₀₂₅ on 8 df / t₀.₀₂₅ on 2 df)²; the beta upper limit with first shape
    # 1 has the closed form 1 − (α/2)^(1/n_eff).
    from scipy import stats

    site = ["a"] * 2 + ["b"] * 3 + ["c"] * 4
    result = weighted_proportion([0] * 9, equal_site_weights(site), clusters=site)
    n_eff = 108 / 13 * (stats.t.ppf(0.025, 8) / stats.t.ppf(0.025, 2)) ** 2
    assert result.estimate == 0.0
    assert result.lower == 0.0
    assert result.upper == pytest.approx(1 - 0.025 ** (1 / n_eff), rel=1e-10)
    assert result.effective_n == pytest.approx(n_eff, rel=1e-12)
    assert "Kish" in result.note


def test_weighted_proportion_no_between_site_variation_falls_back():
    site = ["a", "a", "b", "b", "b", "b"]
    result = weighted_proportion(
        [1, 0, 1, 1, 0, 0], equal_site_weights(site), clusters=site, method="logit"
    )
    assert result.estimate == pytest.approx(0.5)
    assert result.lower < 0.5 < result.upper
    assert "between sites" in result.note


def test_equal_site_weights_within_waves():
    weights = equal_site_weights(["a", "a", "b", "a"], wave=[2016, 2016, 2016, 2017])
    np.testing.assert_allclose(weights, [0.5, 0.5, 1.0, 1.0])


# --- properties -------------------------------------------------------------------------------


@st.composite
def count_and_base(draw):
    n = draw(st.integers(min_value=1, max_value=5000))
    k = draw(st.integers(min_value=0, max_value=n))
    return k, n


confidences = st.floats(min_value=0.5, max_value=0.999)


@FAST
@given(count_and_base(), confidences)
def test_wilson_contains_estimate_within_unit_interval(kn, confidence):
    k, n = kn
    lower, upper = wilson_interval(k, n, confidence)
    assert 0.0 <= lower <= k / n <= upper <= 1.0


@FAST
@given(count_and_base(), confidences)
def test_wilson_symmetric_under_swapping_yes_and_no(kn, confidence):
    k, n = kn
    lower, upper = wilson_interval(k, n, confidence)
    mirror_lower, mirror_upper = wilson_interval(n - k, n, confidence)
    assert lower == pytest.approx(1 - mirror_upper, abs=1e-12)
    assert upper == pytest.approx(1 - mirror_lower, abs=1e-12)


@FAST
@given(count_and_base(), count_and_base(), confidences)
def test_difference_interval_contains_difference(first, second, confidence):
    difference, lower, upper = difference_interval(*first, *second, confidence=confidence)
    assert -1.0 - 1e-12 <= lower <= difference + 1e-12
    assert difference - 1e-12 <= upper <= 1.0 + 1e-12


@FAST
@given(count_and_base(), count_and_base(), st.booleans())
def test_two_proportion_equals_chi_square_on_the_two_by_two(first, second, correction):
    (k1, n1), (k2, n2) = first, second
    if k1 + k2 in (0, n1 + n2):
        return  # no test possible; covered elsewhere
    z_test = two_proportion_test(k1, n1, k2, n2, correction=correction)
    table = chi_square_test([[k1, n1 - k1], [k2, n2 - k2]], correction=correction)
    assert z_test.statistic == pytest.approx(table.statistic, rel=1e-9, abs=1e-12)
    assert z_test.z**2 == pytest.approx(z_test.statistic, rel=1e-9, abs=1e-12)
    swapped = two_proportion_test(k2, n2, k1, n1, correction=correction)
    assert swapped.z == pytest.approx(-z_test.z, rel=1e-9, abs=1e-12)


@FAST
@given(st.integers(0, 400), st.integers(0, 400))
def test_mcnemar_exact_is_symmetric_probability(b, c):
    if b + c == 0:
        return
    p = mcnemar_exact(b, c).p_value
    assert 0.0 < p <= 1.0
    assert p == mcnemar_exact(c, b).p_value


@st.composite
def site_survey(draw):
    n_sites = draw(st.integers(min_value=2, max_value=8))
    sizes = draw(st.lists(st.integers(1, 12), min_size=n_sites, max_size=n_sites))
    site = [f"s{i}" for i, size in enumerate(sizes) for _ in range(size)]
    y = draw(st.lists(st.integers(0, 1), min_size=len(site), max_size=len(site)))
    return site, y


@FAST
@given(site_survey(), confidences, st.sampled_from(["beta", "logit"]), st.booleans())
def test_weighted_interval_contains_estimate(survey, confidence, method, clustered):
    site, y = survey
    result = weighted_proportion(
        y,
        equal_site_weights(site),
        clusters=site if clustered else None,
        confidence=confidence,
        method=method,
    )
    assert 0.0 <= result.lower <= result.estimate <= result.upper <= 1.0


@FAST
@given(site_survey())
def test_equal_site_weighting_is_the_mean_of_site_proportions(survey):
    # With equal site weights and sites as clusters, the linearised SE reduces to the
    # standard deviation of the site proportions over √(number of sites).
    site, y = survey
    by_site = pd.Series(y, dtype=float).groupby(pd.Series(site)).mean()
    result = weighted_proportion(y, equal_site_weights(site), clusters=site)
    assert result.estimate == pytest.approx(by_site.mean(), abs=1e-12)
    assert result.se == pytest.approx(by_site.std(ddof=1) / math.sqrt(len(by_site)), abs=1e-12)


# --- input checks ------------------------------------------------------------------------------


@pytest.mark.parametrize("confidence", [0, 1, 1.5, -0.2, "high", None])
def test_confidence_outside_zero_one_is_refused(confidence):
    with pytest.raises(AnalysisError, match="confidence level"):
        wilson_interval(3, 10, confidence)
    with pytest.raises(AnalysisError, match="confidence level"):
        difference_interval(3, 10, 4, 10, confidence)
    with pytest.raises(AnalysisError, match="confidence level"):
        weighted_proportion([0, 1], [1, 1], confidence=confidence)


@pytest.mark.parametrize(
    ("k", "n", "message"),
    [
        (-1, 10, "cannot be negative"),
        (3, -10, "cannot be negative"),
        (11, 10, "must not exceed its base"),
        ([1, 12], [10, 10], "at position 1"),
        (2.5, 10, "whole numbers"),
        (3, 10.5, "whole numbers"),
        (float("nan"), 10, "whole numbers"),
        ("three", 10, "must be numbers"),
        ([], [], "is empty"),
        ([1, 2], [3, 4, 5], "same length"),
    ],
)
def test_wilson_input_checks(k, n, message):
    with pytest.raises(AnalysisError, match=message):
        wilson_interval(k, n)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((-1, 10, 2, 10), "k1 .* cannot be negative"),
        ((1, 10, 12, 10), "k2 must not exceed its base n2"),
        ((0, 0, 0, 10), "base n1 is 0"),
        ((1, 10, 0, 0), "base n2 is 0"),
        ((1.5, 10, 2, 10), "whole numbers"),
    ],
)
def test_two_proportion_input_checks(args, message):
    with pytest.raises(AnalysisError, match=message):
        two_proportion_test(*args)


def test_difference_interval_input_checks():
    with pytest.raises(AnalysisError, match="k1 must not exceed"):
        difference_interval(5, 4, 1, 4)
    with pytest.raises(AnalysisError, match="cannot be negative"):
        difference_interval(1, 4, 1, -4)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ([[3, -1], [2, 2]], "cannot be negative"),
        ([[3, 1.5], [2, 2]], "whole numbers"),
        ([3, 1, 2], "at least two rows and two columns"),
        ([[3, 1, 2]], "at least two rows and two columns"),
        ([[3, 1], [0, 0]], "row 2 of the table has no counts"),
        ([[3, 0, 1], [2, 0, 2]], "column 2 of the table has no counts"),
    ],
)
def test_chi_square_input_checks(table, message):
    with pytest.raises(AnalysisError, match=message):
        chi_square_test(table)


@pytest.mark.parametrize("func", [mcnemar_test, mcnemar_exact])
def test_mcnemar_input_checks(func):
    with pytest.raises(AnalysisError, match=r"b .* cannot be negative"):
        func(-1, 3)
    with pytest.raises(AnalysisError, match=r"c .* whole numbers"):
        func(1, 2.5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"y": [0, 1, 2], "weights": [1, 1, 1]}, "1 \\(yes\\) or 0 \\(no\\)"),
        ({"y": [0, 1, float("nan")], "weights": [1, 1, 1]}, "did not answer"),
        ({"y": [0, 1, 1], "weights": [1, 0, 1]}, "weights must be positive"),
        ({"y": [0, 1, 1], "weights": [1, float("nan"), 1]}, "weights must be positive"),
        ({"y": [0, 1, 1], "weights": [1, 1]}, "one entry per respondent"),
        ({"y": [1], "weights": [1]}, "at least two respondents"),
        ({"y": ["yes", "no"], "weights": [1, 1]}, "not numbers"),
        ({"y": [0, 1], "weights": [1, 1], "clusters": ["a", "a"]}, "at least two sites"),
        ({"y": [0, 1], "weights": [1, 1], "clusters": ["a"]}, "one entry per respondent"),
        ({"y": [0, 1], "weights": [1, 1], "clusters": ["a", None]}, "needs a cluster"),
        ({"y": [0, 1], "weights": [1, 1], "method": "wald"}, "'beta' or 'logit'"),
    ],
)
def test_weighted_proportion_input_checks(kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        weighted_proportion(**kwargs)


def test_equal_site_weights_input_checks():
    with pytest.raises(AnalysisError, match="needs a site"):
        equal_site_weights(["a", None])
    with pytest.raises(AnalysisError, match="one entry per respondent"):
        equal_site_weights(["a", "b"], wave=[2016])


def test_no_test_note_lists_at_most_ten_positions():
    result = mcnemar_test(np.zeros(12, dtype=int), np.zeros(12, dtype=int))
    assert result.note.startswith("no test at positions 0, 1, 2")
    assert ", 9, ..." in result.note
    assert np.isnan(result.p_value).all()


def test_weighted_all_yes_with_unequal_site_weights_is_exactly_one():
    """Regression: site sizes 3, 5, 7, 1, 2, 6 with every answer yes gave 1.0000000000000002,
    a NaN interval and a ZeroDivisionError. All yes must give estimate 1 and upper limit 1."""
    sizes = [3, 5, 7, 1, 2, 6]
    site = np.repeat(np.arange(len(sizes)), sizes)
    weights = 1 / np.repeat(sizes, sizes).astype(float)
    result = weighted_proportion(np.ones(len(site)), weights, clusters=site)
    assert result.estimate == 1.0
    assert result.upper == 1.0
    assert 0 < result.lower < 1
