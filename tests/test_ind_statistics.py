"""pioneer.indicators.statistics: worked examples by hand, the output shape, every input check.

Expected values here are hand calculations written out step by step (the intermediate
numbers in the comments), or facts of a published standard (ESP 2013). The comparison with
R is in ``test_ind_statistics_oracle.py``; properties in ``test_ind_statistics_properties.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pioneer.errors import AnalysisError
from pioneer.indicators import statistics as st

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal distribution
ESP_BANDS = [f"{a}-{a + 4}" for a in range(0, 90, 5)] + ["90+"]


def rates_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_code": ["E06000001", "E06000002", "E08000035", "E09000030"],
            "numerator": [65, 9, 10, 0],
            "denominator": [100_000, 52_000, 48_000, 31_000],
        },
        index=[10, 11, 12, 13],
    )


# ---------------------------------------------------------------------------------------------
# Limit columns and confidence levels


@pytest.mark.parametrize(
    ("confidence", "names"),
    [
        (0.95, ("lower_95", "upper_95")),
        (0.998, ("lower_99_8", "upper_99_8")),
        (0.9, ("lower_90", "upper_90")),
        (0.975, ("lower_97_5", "upper_97_5")),
        (0.9999, ("lower_99_99", "upper_99_99")),
    ],
)
def test_limit_columns_follow_the_contract_rule(confidence, names):
    assert st.limit_columns(confidence) == names


def test_two_levels_give_four_limit_columns_in_ascending_order():
    out = st.crude_rate(rates_frame(), confidence=(0.998, 0.95))
    assert list(out.columns) == [
        "area_code",
        "numerator",
        "denominator",
        "value",
        "lower_95",
        "upper_95",
        "lower_99_8",
        "upper_99_8",
        "confidence",
        "statistic",
        "method",
    ]
    assert set(out["confidence"]) == {"95%, 99.8%"}
    assert set(out["statistic"]) == {"crude rate per 100000"}
    assert (out["lower_99_8"] < out["lower_95"]).iloc[:3].all()
    assert (out["upper_99_8"] > out["upper_95"]).all()


# ---------------------------------------------------------------------------------------------
# Hand calculations


def test_byars_limits_by_hand_for_65_events():
    # Breslow & Day (1987): O_L = O (1 − 1/(9O) − z/(3√O))³,
    #                       O_U = (O+1) (1 − 1/(9(O+1)) + z/(3√(O+1)))³
    # O = 65, z = 1.959964:
    #   1/(9·65) = 0.0017094,  z/(3·√65) = 1.959964 / 24.186773 = 0.0810345
    #   1 − 0.0017094 − 0.0810345 = 0.9172561;  cubed 0.7717413;  × 65 = 50.16319
    #   1/(9·66) = 0.0016835,  z/(3·√66) = 1.959964 / 24.372115 = 0.0804183
    #   1 − 0.0016835 + 0.0804183 = 1.0787348;  cubed 1.2552900;  × 66 = 82.84914
    lower, upper = st.byars_limits([65], 0.95)
    assert lower[0] == pytest.approx(65 * 0.9172560607**3, rel=1e-9)
    assert upper[0] == pytest.approx(66 * 1.0787347947**3, rel=1e-9)
    assert lower[0] == pytest.approx(50.16319, abs=1e-5)
    assert upper[0] == pytest.approx(82.84914, abs=1e-5)


def test_crude_rate_by_hand_switches_from_exact_to_byars_at_10_events():
    out = st.crude_rate(rates_frame(), confidence=0.95)
    # 65 events in 100,000: 65 per 100,000; Byar's limits 50.16319 and 82.84914 (above).
    assert out.loc[10, "value"] == pytest.approx(65.0)
    assert out.loc[10, "lower_95"] == pytest.approx(50.16319, abs=1e-5)
    assert out.loc[10, "upper_95"] == pytest.approx(82.84914, abs=1e-5)
    # 9 events: exact limits χ²(0.025; 18)/2 = 8.230746/2 = 4.115373 and
    # χ²(0.975; 20)/2 = 34.169607/2 = 17.084803 events, per 52,000 × 100,000.
    assert out.loc[11, "lower_95"] == pytest.approx(4.115373 / 52_000 * 1e5, rel=1e-6)
    assert out.loc[11, "upper_95"] == pytest.approx(17.084803 / 52_000 * 1e5, rel=1e-6)
    # 0 events: lower 0, upper χ²(0.975; 2)/2 = −ln(0.025) = 3.688879 events.
    assert out.loc[13, "lower_95"] == 0.0
    assert out.loc[13, "upper_95"] == pytest.approx(-math.log(0.025) / 31_000 * 1e5, rel=1e-12)
    assert list(out["method"]) == ["Byars", "Exact", "Byars", "Exact"]


def test_wilson_by_hand_for_65_out_of_100():
    # (2x + z² ± z √(z² + 4x(1 − x/n))) / (2(n + z²)), x = 65, n = 100, z² = 3.8414588:
    #   2x + z² = 133.8414588;  4x(1 − 0.65) = 91;  √94.8414588 = 9.7386580;  × z = 19.0874237
    #   2(n + z²) = 207.6829177;  lower 114.7540351 / 207.6829177 = 0.5525444
    #                            upper 152.9288825 / 207.6829177 = 0.7363575
    out = st.proportion(pd.DataFrame({"numerator": [65], "denominator": [100]}), multiplier=100)
    assert out.loc[0, "value"] == pytest.approx(65.0)
    assert out.loc[0, "lower_95"] == pytest.approx(55.25444, abs=1e-5)
    assert out.loc[0, "upper_95"] == pytest.approx(73.63575, abs=1e-5)
    assert out.loc[0, "statistic"] == "proportion of 100"
    assert out.loc[0, "method"] == "Wilson"


def test_wilson_limits_are_exactly_0_and_1_at_the_ends():
    lower, upper = st.wilson_limits([0, 7], [7, 7], 0.998)
    assert lower[0] == 0.0
    assert upper[1] == 1.0
    assert 0 < upper[0] < 1
    assert 0 < lower[1] < 1


def test_dsr_by_hand_dobson_three_bands():
    # Three bands with standard populations 5000, 3000, 2000 → weights w = 0.5, 0.3, 0.2.
    # Events O = 4, 6, 10 in populations n = 1000, 2000, 5000 → rates 0.004, 0.003, 0.002.
    #   DSR = 0.5·0.004 + 0.3·0.003 + 0.2·0.002 = 0.0033                → 330 per 100,000
    #   V   = 0.25·4/1000² + 0.09·6/2000² + 0.04·10/5000² = 1.151e-6
    #   O = 20, √(V/O) = √(5.755e-8) = 2.398958e-4
    #   Byar's for 20 events: 20 (1 − 1/180 − z/(3√20))³ = 20 · 0.8483574³ = 12.211429
    #                         21 (1 − 1/189 + z/(3√21))³ = 21 · 1.1372754³ = 30.889880
    #   lower = 0.0033 + 2.398958e-4 · (12.211429 − 20) = 0.0014315544 → 143.15544
    #   upper = 0.0033 + 2.398958e-4 · (30.889880 − 20) = 0.0059124367 → 591.24367
    frame = pd.DataFrame(
        {
            "band": ["a", "b", "c"],
            "numerator": [4, 6, 10],
            "denominator": [1000, 2000, 5000],
            "standard": [5000, 3000, 2000],
        }
    )
    out = st.dsr(frame, standard_population="standard", age_band="band")
    assert len(out) == 1
    assert out.loc[0, "value"] == pytest.approx(330.0, rel=1e-12)
    assert out.loc[0, "lower_95"] == pytest.approx(143.15544, abs=1e-4)
    assert out.loc[0, "upper_95"] == pytest.approx(591.24367, abs=1e-4)
    assert out.loc[0, "numerator"] == 20
    assert out.loc[0, "denominator"] == 8000
    assert out.loc[0, "method"] == "Dobson"
    assert out.loc[0, "statistic"] == "dsr per 100000"
    assert out.loc[0, "note"] == ""


def test_dsr_65_plus_uses_the_esp_bands_from_65_only():
    # ESP 2013 from 65: 5500, 5000, 4000, 2500, 1500, 1000 (total 19,500).
    # 10 events per 1000 in every band → the DSR is that common rate, 1000 per 100,000,
    # whatever the weights.
    bands = ["65-69", "70-74", "75-79", "80-84", "85-89", "90+"]
    frame = pd.DataFrame({"age_band": bands, "numerator": 10, "denominator": 1000})
    out = st.dsr(frame)
    assert out.loc[0, "value"] == pytest.approx(1000.0, rel=1e-12)
    # Doubling the rate in 90+ alone adds 1000 per 100,000 × that band's weight, 1000/19,500.
    frame.loc[5, "numerator"] = 20  # 90+ doubles: DSR rises by 1000 · 1000/19500
    assert st.dsr(frame).loc[0, "value"] == pytest.approx(1000 + 1000 * 1000 / 19_500)


def test_esp2013_is_the_published_standard():
    # Eurostat (2013) Revision of the European Standard Population, Annex F (0 and 1-4
    # joined, 90-94 and 95+ joined).
    table = st.esp2013()
    assert list(table["age_band"]) == ESP_BANDS
    assert list(table["population"]) == [
        5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
        7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000,
    ]  # fmt: skip
    assert table["population"].sum() == 100_000
    assert table["start_age"].tolist() == list(range(0, 95, 5))
    assert pd.isna(table["end_age"].iloc[-1])
    table.loc[0, "population"] = 0  # a copy: the packaged table is unchanged
    assert st.esp2013().loc[0, "population"] == 5000


def test_dsr_accepts_band_labels_as_first_years_or_with_dashes():
    frame = pd.DataFrame({"age_band": ESP_BANDS, "numerator": range(1, 20), "denominator": 1000.0})
    expected = st.dsr(frame).loc[0, "value"]
    as_years = frame.assign(age_band=list(range(0, 95, 5)))
    assert st.dsr(as_years).loc[0, "value"] == pytest.approx(expected, rel=1e-14)
    spelled = frame.assign(age_band=[b.replace("-", "–") + " yrs" for b in ESP_BANDS])
    assert st.dsr(spelled).loc[0, "value"] == pytest.approx(expected, rel=1e-14)


def test_dsr_sums_rows_of_the_same_group_and_band_first():
    frame = pd.DataFrame(
        {"site": "leeds", "age_band": ESP_BANDS, "numerator": 3.0, "denominator": 2000.0}
    )
    halves = pd.concat(
        [
            frame.assign(numerator=1.0, denominator=500.0),
            frame.assign(numerator=2.0, denominator=1500.0),
        ]
    )
    whole = st.dsr(frame, group_by="site", confidence=(0.95, 0.998))
    split = st.dsr(halves.sample(frac=1, random_state=3), group_by="site", confidence=(0.95, 0.998))
    pd.testing.assert_frame_equal(whole, split)


def test_mean_single_value_has_no_interval():
    frame = pd.DataFrame({"site": ["a", "a", "b"], "value": [1.0, 3.0, 5.0]})
    out = st.mean(frame, group_by="site")
    # Group a: mean 2, s = √2, t(0.975; 1) = 12.706205; half-width 12.706205 · √2/√2 = 12.706205
    assert out.loc[0, "value"] == 2.0
    assert out.loc[0, "lower_95"] == pytest.approx(2 - 12.706204736, abs=1e-8)
    assert out.loc[1, "value"] == 5.0
    assert np.isnan(out.loc[1, "lower_95"])
    assert out.loc[1, "note"] == "one value only: no interval"
    assert out.loc[0, "note"] == ""


def test_smr_by_hand():
    # Reference: band x rate 0.01, band y rate 0.02. Area: 1000 in x, 500 in y → E = 10 + 10 = 20.
    # Observed 5 + 25 = 30 → SMR 1.5; ×100 = 150. Byar's for 30 events at 95%:
    #   z/(3√30) = 0.1192796;  1 − 0.0037037 − 0.1192796 = 0.8770167;  cubed 0.6745646
    #   × 30 = 20.23694 events → 20.23694 / 20 · 100 = 101.1847
    #   z/(3√31) = 0.1173400;  1 − 0.0035842 + 0.1173400 = 1.1137557;  cubed 1.3815604
    #   × 31 = 42.82837 events → 42.82837 / 20 · 100 = 214.1419
    reference = pd.DataFrame(
        {"age_band": ["x", "y"], "numerator": [100, 400], "denominator": [1e4, 2e4]}
    )
    frame = pd.DataFrame({"age_band": ["x", "y"], "numerator": [5, 25], "denominator": [1000, 500]})
    out = st.smr(frame, reference=reference, multiplier=100)
    assert out.loc[0, "expected"] == pytest.approx(20.0)
    assert out.loc[0, "value"] == pytest.approx(150.0)
    third = 1 - 1 / 270 - Z95 / (3 * math.sqrt(30))
    assert out.loc[0, "lower_95"] == pytest.approx(30 * third**3 / 20 * 100, rel=1e-12)
    assert out.loc[0, "lower_95"] == pytest.approx(101.1847, abs=1e-4)
    assert out.loc[0, "upper_95"] == pytest.approx(214.1419, abs=1e-4)
    assert out.loc[0, "statistic"] == "indirectly standardised ratio x 100"
    # ISR: SMR × the reference crude rate over the same bands, 500 / 30,000 = 1666.67 per 100,000.
    rate = st.isr(frame, reference=reference)
    assert rate.loc[0, "reference_rate"] == pytest.approx(500 / 30_000 * 1e5)
    assert rate.loc[0, "value"] == pytest.approx(1.5 * 500 / 30_000 * 1e5)


# ---------------------------------------------------------------------------------------------
# Grouping and the shape of the output


def test_group_by_sums_counts_first():
    frame = pd.DataFrame(
        {
            "site": ["kent", "kent", "leeds"],
            "year": [2017, 2017, 2017],
            "numerator": [30, 15, 12],
            "denominator": [1000, 500, 400],
        }
    )
    out = st.proportion(frame, group_by=["site", "year"], confidence=(0.95, 0.998))
    summed = st.proportion(
        pd.DataFrame({"numerator": [45, 12], "denominator": [1500, 400]}),
        confidence=(0.95, 0.998),
    )
    assert list(out["site"]) == ["kent", "leeds"]
    for column in ("value", "lower_95", "upper_95", "lower_99_8", "upper_99_8"):
        np.testing.assert_allclose(out[column], summed[column], rtol=1e-14)


def test_published_columns_are_replaced_and_the_input_is_untouched():
    frame = rates_frame().assign(value=1.0, lower_95=2.0, upper_95=3.0, lower_99_8=4.0)
    before = frame.copy()
    out = st.crude_rate(frame, confidence=0.95)
    pd.testing.assert_frame_equal(frame, before)
    assert "lower_99_8" not in out.columns  # a stale published limit is not kept
    assert out.loc[10, "value"] == pytest.approx(65.0)
    assert list(out.index) == [10, 11, 12, 13]


def test_proportion_multiplier_one_is_a_proportion():
    out = st.proportion(pd.DataFrame({"numerator": [1], "denominator": [4]}))
    assert out.loc[0, "value"] == 0.25
    assert out.loc[0, "statistic"] == "proportion of 1"


def test_poisson_limits_switch_between_9_and_10():
    lower, upper = st.poisson_limits([9, 10], 0.95)
    exact_lower, exact_upper = st.exact_poisson_limits([9], 0.95)
    byar_lower, byar_upper = st.byars_limits([10], 0.95)
    assert lower[0] == exact_lower[0]
    assert upper[0] == exact_upper[0]
    assert lower[1] == byar_lower[0]
    assert upper[1] == byar_upper[0]
    assert st.EXACT_BELOW == 10


def test_byars_lower_limit_is_nan_where_the_formula_fails():
    lower, upper = st.byars_limits([0, 1, 50], 0.998)
    assert np.isnan(lower[0])
    assert np.isnan(lower[1])  # 1 (1 − 1/9 − 3.09/3)³ < 0
    assert lower[2] > 0
    assert np.all(upper > 0)


# ---------------------------------------------------------------------------------------------
# Input checks: one test per check


def test_unknown_column_names_it_and_suggests_a_close_one():
    with pytest.raises(
        AnalysisError, match=r"unknown column 'numerater'.*Did you mean 'numerator'"
    ):
        st.crude_rate(rates_frame(), numerator="numerater")


def test_unknown_group_column():
    with pytest.raises(AnalysisError, match=r"unknown column 'area'.*group_by.*'area_code'"):
        st.crude_rate(rates_frame(), group_by="area")


def test_missing_values_name_the_rows_and_the_fix():
    frame = rates_frame()
    frame.loc[[11, 13], "numerator"] = np.nan
    with pytest.raises(
        AnalysisError, match=r"'numerator'.*missing values at rows 11 and 13.*dropna"
    ):
        st.proportion(frame)


def test_missing_group_key():
    frame = rates_frame()
    frame.loc[12, "area_code"] = None
    with pytest.raises(AnalysisError, match=r"group column 'area_code'.*row 12"):
        st.crude_rate(frame, group_by="area_code")


def test_text_in_a_count_column():
    frame = rates_frame().astype({"numerator": object})
    frame.loc[12, "numerator"] = "*"
    with pytest.raises(AnalysisError, match=r"'numerator'.*must hold numbers; row 12.*'\*'"):
        st.crude_rate(frame)


def test_negative_counts():
    frame = rates_frame()
    frame.loc[11, "numerator"] = -2
    with pytest.raises(AnalysisError, match=r"'numerator'.*cannot be negative; row 11 has -2"):
        st.crude_rate(frame)


def test_numerator_above_denominator_for_a_proportion():
    frame = pd.DataFrame({"numerator": [3, 12], "denominator": [10, 10]}, index=["a", "b"])
    with pytest.raises(AnalysisError, match=r"above the denominator.*row b \(12 out of 10\)"):
        st.proportion(frame)
    # …which is allowed for a rate (events can repeat).
    assert st.crude_rate(frame).loc["b", "value"] == pytest.approx(120_000.0)


def test_zero_denominator():
    frame = rates_frame()
    frame.loc[13, "denominator"] = 0
    with pytest.raises(AnalysisError, match=r"'denominator'.*must be above 0; row 13 has 0"):
        st.crude_rate(frame)


def test_zero_denominator_in_a_group():
    frame = pd.DataFrame({"g": ["a", "b"], "numerator": [0, 0], "denominator": [5, 0]})
    with pytest.raises(AnalysisError, match=r"must be above 0; group 'b' has 0"):
        st.proportion(frame, group_by="g")


@pytest.mark.parametrize(
    ("confidence", "message"),
    [
        (0.5, r"at least 0\.9 and below 1; found 0\.5"),
        (95, r"found 95\. Fix: give it as a proportion, 0\.95"),
        (1.0, r"at least 0\.9 and below 1"),
        ("0.95", r"not text"),
        ((0.95, 0.95), r"lists a level twice"),
        ((), r"confidence is empty"),
        ((0.95, 2), r"found 2"),
    ],
)
def test_confidence_out_of_range(confidence, message):
    with pytest.raises(AnalysisError, match=message):
        st.proportion(rates_frame(), confidence=confidence)


@pytest.mark.parametrize("multiplier", [0, -100, float("inf"), "100"])
def test_bad_multiplier(multiplier):
    with pytest.raises(AnalysisError, match="multiplier"):
        st.crude_rate(rates_frame(), multiplier=multiplier)


def test_not_a_frame_and_empty_frame():
    with pytest.raises(AnalysisError, match=r"needs a pandas DataFrame.*found dict"):
        st.crude_rate({"numerator": [1]})
    with pytest.raises(AnalysisError, match="no rows"):
        st.crude_rate(rates_frame().iloc[:0])


def dsr_frame(events_per_band: float = 2.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_code": np.repeat(["E06000001", "E06000002"], 19),
            "age_band": ESP_BANDS * 2,
            "numerator": np.r_[np.full(19, events_per_band), np.zeros(19)],
            "denominator": 5000.0,
        }
    )


def test_too_few_events_for_a_dsr_gives_nan_and_a_note():
    out = st.dsr(dsr_frame(), group_by="area_code", confidence=(0.95, 0.998))
    assert out.loc[0, "note"] == ""
    assert out.loc[1, "numerator"] == 0
    assert np.isnan(out.loc[1, ["value", "lower_95", "upper_95", "lower_99_8"]].astype(float)).all()
    assert out.loc[1, "note"] == "not published: fewer than 10 events in the group"
    assert st.DSR_MIN_EVENTS == 10


def test_too_few_events_for_a_dsr_can_be_an_error():
    with pytest.raises(
        AnalysisError, match=r"too few events.*group 'E06000002' has 0 event.*pool years"
    ):
        st.dsr(dsr_frame(), group_by="area_code", small_counts="error")
    with pytest.raises(AnalysisError, match="small_counts must be"):
        st.dsr(dsr_frame(), group_by="area_code", small_counts="hide")


def test_dsr_unknown_age_band():
    frame = dsr_frame()
    frame.loc[18, "age_band"] = "85+"
    with pytest.raises(AnalysisError, match=r"not one of the 19 bands.*row 18: '85\+'.*0-4, 5-9"):
        st.dsr(frame, group_by="area_code")


def test_dsr_group_missing_a_band():
    frame = dsr_frame().drop(index=25)  # E06000002, band 30-34
    with pytest.raises(AnalysisError, match=r"group 'E06000002' has no row for age band 30-34"):
        st.dsr(frame, group_by="area_code")


def test_dsr_zero_population_in_a_band():
    frame = dsr_frame()
    frame.loc[3, "denominator"] = 0
    with pytest.raises(AnalysisError, match=r"is 0 in group 'E06000001', age band 15-19"):
        st.dsr(frame, group_by="area_code")


def test_dsr_standard_population_column_errors():
    frame = dsr_frame().assign(std=1000.0)
    with pytest.raises(AnalysisError, match=r"unknown column 'stdpop'.*'esp2013'"):
        st.dsr(frame, group_by="area_code", standard_population="stdpop")
    frame = pd.concat([frame, frame.iloc[[0]].assign(std=999.0)])
    with pytest.raises(AnalysisError, match=r"standard population\) differs"):
        st.dsr(frame, group_by="area_code", standard_population="std")


def test_isr_reference_errors():
    reference = pd.DataFrame(
        {"age_band": ["65-69", "70-74"], "numerator": [10, 20], "denominator": [1e3, 1e3]}
    )
    frame = pd.DataFrame(
        {"age_band": ["65-69", "75-79"], "numerator": [1, 2], "denominator": [100, 100]}
    )
    with pytest.raises(AnalysisError, match=r"age band '75-79' at row 1 is not in the reference"):
        st.isr(frame, reference=reference)
    doubled = pd.concat([reference, reference.iloc[[0]]], ignore_index=True)
    with pytest.raises(
        AnalysisError, match=r"more than one row for the same age band at rows 0 and 2"
    ):
        st.smr(frame.iloc[[0]], reference=doubled)
    with pytest.raises(AnalysisError, match=r"needs reference= a DataFrame"):
        st.smr(frame, reference=[1, 2])
    with pytest.raises(AnalysisError, match=r"in the reference frame: unknown column 'deaths'"):
        st.smr(frame, reference=reference, reference_numerator="deaths")
    no_events = reference.assign(numerator=0)
    with pytest.raises(AnalysisError, match=r"expected count is 0"):
        st.smr(frame.iloc[[0]], reference=no_events)


def test_mean_checks_its_column():
    with pytest.raises(AnalysisError, match=r"unknown column 'score'"):
        st.mean(pd.DataFrame({"value": [1.0]}), value="score")
    with pytest.raises(AnalysisError, match=r"missing values at row 1"):
        st.mean(pd.DataFrame({"value": [1.0, None]}))


def test_array_helpers_check_their_input():
    with pytest.raises(AnalysisError, match=r"counts of zero or more; found -1"):
        st.byars_limits([-1])
    with pytest.raises(AnalysisError, match=r"x = 5, n = 4 at position 1"):
        st.wilson_limits([1, 5], [4, 4])
    with pytest.raises(AnalysisError, match="same length"):
        st.wilson_limits([1, 2], [4])


def test_many_small_counts_take_the_shortcut_and_agree():
    # Above 1000 counts the exact quantiles are computed once per distinct count.
    counts = np.tile(np.arange(10.0), 150)
    lower, upper = st.exact_poisson_limits(counts, 0.998)
    one_lower, one_upper = st.exact_poisson_limits(np.arange(10.0), 0.998)
    np.testing.assert_array_equal(lower.reshape(150, 10), np.tile(one_lower, (150, 1)))
    np.testing.assert_array_equal(upper.reshape(150, 10), np.tile(one_upper, (150, 1)))


def test_counts_given_as_text_digits_are_read_as_numbers():
    frame = rates_frame().astype({"numerator": object})
    frame["numerator"] = ["65", "9", "10", "0"]
    expected = st.crude_rate(rates_frame())
    pd.testing.assert_series_equal(st.crude_rate(frame)["upper_95"], expected["upper_95"])


def test_more_checks_on_count_columns():
    frame = rates_frame().assign(flag=True)
    with pytest.raises(AnalysisError, match=r"'flag'.*true/false values"):
        st.crude_rate(frame, numerator="flag")
    frame = rates_frame().astype({"numerator": float})
    frame.loc[[10, 11, 12, 13], "numerator"] = np.inf
    with pytest.raises(AnalysisError, match=r"infinite values at rows 10, 11, 12 and 1 more"):
        st.crude_rate(frame)
    with pytest.raises(AnalysisError, match="group_by is empty"):
        st.crude_rate(rates_frame(), group_by=[])
    with pytest.raises(AnalysisError, match="must be the name of one column"):
        st.crude_rate(rates_frame(), numerator=["numerator"])


def test_missing_age_bands_and_an_empty_reference():
    frame = dsr_frame()
    frame.loc[4, "age_band"] = None
    with pytest.raises(
        AnalysisError, match=r"'age_band' \(the age band\) has missing values at row 4"
    ):
        st.dsr(frame, group_by="area_code")
    reference = pd.DataFrame({"age_band": ["0-4"], "numerator": [1], "denominator": [10]})
    with pytest.raises(AnalysisError, match="reference frame has no rows"):
        st.smr(frame, reference=reference.iloc[:0])
    with pytest.raises(AnalysisError, match=r"'age_band' \(the age band\) has missing values"):
        st.smr(frame, reference=reference)
