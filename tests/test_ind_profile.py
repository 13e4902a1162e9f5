"""pioneer.indicators.profile: the site profile table and the England distribution.

A hand-built proportion indicator with counts (every statistic worked out beside the test),
then the packaged real data.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import pioneer.programme as programme_module
from pioneer.errors import AnalysisError
from pioneer.indicators import areas, catalogue, ingest, profile
from pioneer.results import TableResult

CHESHIRE_EAST, CHESHIRE_WEST = "E06000049", "E06000050"
OTHERS = (
    "E06000001",
    "E06000002",
    "E06000003",
    "E06000004",
    "E06000005",
    "E06000047",
)  # North East
Z95 = 1.959963984540054


def wilson(x: float, n: float, z: float) -> tuple[float, float]:
    """Wilson score limits written out (Newcombe & Altman 2000)."""
    p = x / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


@pytest.fixture(scope="module")
def pioneers():
    return programme_module.load("pioneers")


@pytest.fixture(scope="module")
def own_catalogue():
    return catalogue.Catalogue(
        (
            catalogue.Indicator(
                id="screened",
                title="People screened",
                short_title="Screened",
                dimension="service_proxies_for_outcomes",
                unit="%",
                multiplier=100,
                polarity="higher_is_better",
                statistic="proportion",
                age="All ages",
                sex="Persons",
                period_type="financial_year",
                fingertips_id=None,
                source="hand-built for the tests",
                source_url="",
            ),
        ),
        source="test catalogue",
    )


def record(code: str, year: int, **values) -> dict:
    base = {c: math.nan for c in ingest.NUMBER_COLUMNS}
    return {
        "indicator_id": "screened",
        "area_code": code,
        "area_name": code,
        "area_type": "District & UA",
        "period": f"{year}/{(year + 1) % 100:02d}",
        "year": year,
        "sex": "Persons",
        "age": "All ages",
        **base,
        "fingertips_comparison": "",
        "approximation": "",
        **values,
    }


@pytest.fixture(scope="module")
def hand_data():
    records = []
    for step, year in enumerate(range(2013, 2018), start=1):
        # each Cheshire district: 10, 20, …, 50 people screened out of 1,000
        for code in (CHESHIRE_EAST, CHESHIRE_WEST):
            records.append(
                record(code, year, numerator=10.0 * step, denominator=1000.0, value=step)
            )
        records.append(record("E92000001", year, value=4.0, area_type="England"))
    for code, value in zip(OTHERS, (1.0, 2, 3, 4, 6, 7), strict=True):
        records.append(record(code, 2017, value=value))
    return pd.DataFrame(records, columns=list(ingest.INDICATOR_COLUMNS))


@pytest.fixture(scope="module")
def hand_profile(hand_data, pioneers, own_catalogue):
    return profile.site_profile(
        hand_data, pioneers, "cheshire", ("england", "region"), own_catalogue
    )


def test_profile_shape(hand_profile):
    assert isinstance(hand_profile, TableResult)
    assert hand_profile.name == "indicator_profile"
    assert tuple(hand_profile.frame.columns) == profile.PROFILE_COLUMNS
    assert list(hand_profile.frame["comparator_id"]) == ["england", "region_e12000002"]
    assert hand_profile.layout is not None
    assert hand_profile.layout.rows == ("indicator", "comparator")
    assert hand_profile.options["site_name"] == "Cheshire"


def test_site_value_is_exact_from_summed_counts(hand_profile):
    row = hand_profile.frame.iloc[0]
    # 2017/18: (50 + 50) / (1000 + 1000) = 5%
    assert row["period"] == "2017/18"
    assert row["value"] == pytest.approx(5.0)
    lower, upper = wilson(100, 2000, Z95)
    assert row["lower_95"] == pytest.approx(100 * lower, rel=1e-12)
    assert row["upper_95"] == pytest.approx(100 * upper, rel=1e-12)
    assert row["approximation"] == ""


def test_comparisons_with_england_at_both_levels(hand_profile):
    england = hand_profile.frame.iloc[0]
    assert england["comparator_value"] == 4.0
    # 95%: 4.13%–6.04% (Wilson above) excludes 4.0 → site higher, higher is better
    assert england["comparison"] == "Better"
    # 99.8% (z = 3.0902): 3.70%–6.73% includes 4.0 → similar
    z998 = 3.090232306167813
    lower, upper = wilson(100, 2000, z998)
    assert 100 * lower < 4.0 < 100 * upper
    assert england["comparison_99_8"] == "Similar"


def test_quintile_among_the_comparators_districts(hand_profile):
    england, region = hand_profile.frame.iloc[0], hand_profile.frame.iloc[1]
    # the site's 5% with the other districts' 1, 2, 3, 4, 6, 7: seven values, NTILE(5)
    # groups of 2, 2, 1, 1, 1 → 5 is the fifth value, group 3 → Middle
    assert england["quintile"] == "Middle"
    # no other North West district has a value: fewer than five to rank among
    assert region["quintile"] == "Not compared"


def test_recent_trend_from_the_summed_counts(hand_profile):
    # 20/2000 … 100/2000: a steady rise; higher is better
    assert set(hand_profile.frame["recent_trend"]) == {"Increasing and getting better"}


def test_notes_list_the_comparators_approximation(hand_profile):
    region = hand_profile.frame.iloc[1]
    # only Cheshire's two North West districts have values: weighted by their denominators
    assert region["comparator_value"] == pytest.approx(5.0)
    assert region["comparison"] == "Similar"
    notes = " ".join(hand_profile.notes)
    assert "North West, screened 2017/18: denominator-weighted mean of 2 of 39" in notes
    assert "Quintile:" in notes


def test_a_chosen_period_and_unknown_ones(hand_data, pioneers, own_catalogue):
    result = profile.site_profile(
        hand_data, pioneers, "cheshire", ("england",), own_catalogue, period="2015/16"
    )
    # 2015/16: 60 / 2000 = 3% against England 4%; Wilson 95% 2.34%–3.84% → lower → worse
    row = result.frame.iloc[0]
    assert row["value"] == pytest.approx(3.0)
    assert row["comparison"] == "Worse"
    assert row["quintile"] == "Not compared"  # no other district has 2015/16 values
    with pytest.raises(AnalysisError, match="no period '2020/21'"):
        profile.site_profile(
            hand_data, pioneers, "cheshire", ("england",), own_catalogue, period="2020/21"
        )


def test_indicators_missing_from_the_catalogue_are_refused(hand_data, pioneers):
    with pytest.raises(AnalysisError, match="screened are not in the catalogue"):
        profile.site_profile(hand_data, pioneers, "cheshire", ("england",))


def test_repeated_comparators_are_refused(hand_data, pioneers, own_catalogue):
    with pytest.raises(AnalysisError, match="repeat england"):
        profile.site_profile(hand_data, pioneers, "cheshire", ("england", "england"), own_catalogue)


# --- England distribution ------------------------------------------------------------------


def test_quartiles_as_fingertips_computes_them(pioneers, own_catalogue):
    # Fingertips' own QuartilesCalculator test: the values 1..50 give 13.25, 25.5, 37.75
    codes = sorted(programme_module.load("pioneers").areas["lad18cd"])[:50]
    data = pd.DataFrame(
        [record(code, 2017, value=float(i)) for i, code in enumerate(codes, start=1)],
        columns=list(ingest.INDICATOR_COLUMNS),
    )
    spread = profile.england_distribution(data, "screened", catalogue=own_catalogue)
    assert (spread.min, spread.q1, spread.median, spread.q3, spread.max) == (
        1.0,
        13.25,
        25.5,
        37.75,
        50.0,
    )
    # higher is better: worst is the lowest
    assert (spread.worst, spread.best, spread.n_areas) == (1.0, 50.0, 50)
    assert math.isnan(spread.england)
    lower = profile.england_distribution(data, "screened", polarity="lower_is_better")
    assert (lower.worst, lower.best) == (50.0, 1.0)
    plain = profile.england_distribution(data, "screened", polarity="no_judgement")
    assert math.isnan(plain.worst)


# --- the packaged real data ------------------------------------------------------------------


@pytest.fixture(scope="module")
def real():
    return ingest.packaged()


def test_kent_profile_on_the_real_data(real, pioneers):
    result = profile.site_profile(real, pioneers, "kent")
    frame = result.frame
    assert len(frame) == 3 * 4
    assert list(dict.fromkeys(frame["indicator_id"])) == ["falls65", "self_harm", "alcohol_narrow"]
    assert set(frame["period"]) == {"2017/18"}
    assert frame["value"].notna().all()
    assert frame["comparator_value"].notna().all()
    # rates without intervals: no comparison can be made, no trend computed
    assert set(frame["comparison"]) == {"Not compared"}
    assert set(frame["recent_trend"]) == {"Cannot be calculated"}
    england = frame[frame["comparator_id"] == "england"].set_index("indicator_id")
    published = real[(real["area_code"] == "E92000001") & (real["period"] == "2017/18")]
    assert dict(england["comparator_value"]) == dict(
        zip(published["indicator_id"], published["value"], strict=True)
    )
    notes = " ".join(result.notes)
    assert "Kent, falls65 2017/18: population-weighted mean of 12 districts" in notes
    assert "Recent trend of falls65, self_harm, alcohol_narrow: no counts" in notes


def test_a_single_district_site_takes_the_publishers_comparison_with_england(real, pioneers):
    result = profile.site_profile(real, pioneers, "leeds", ("england", "region"))
    frame = result.frame.set_index(["indicator_id", "comparator_id"])
    leeds = real[(real["area_code"] == "E08000035") & (real["period"] == "2017/18")]
    for indicator_id, published in zip(
        leeds["indicator_id"], leeds["fingertips_comparison"], strict=True
    ):
        assert frame.loc[(indicator_id, "england"), "comparison"] == published
        assert frame.loc[(indicator_id, "region_e12000003"), "comparison"] == "Not compared"
    assert any("as published by Fingertips" in n for n in result.notes)


def test_real_england_distribution(real):
    spread = profile.england_distribution(real, "falls65")
    districts = real[
        (real["indicator_id"] == "falls65")
        & (real["area_type"] == "District & UA")
        & (real["period"] == "2017/18")
    ]["value"].dropna()
    assert spread.period == "2017/18"
    assert spread.n_areas == len(districts) == 324
    assert (spread.worst, spread.best) == (districts.max(), districts.min())
    assert spread.q1 == pytest.approx(np.percentile(districts, 25))
    assert spread.england == 2170.0


def test_a_comparator_object_is_used_as_given(hand_data, pioneers, own_catalogue):
    group = areas.Comparator("group_north_east", "Six North East districts", "group", OTHERS)
    result = profile.site_profile(hand_data, pioneers, "cheshire", (group,), own_catalogue)
    (row,) = result.frame.to_dict("records")
    assert (row["comparator_id"], row["comparator"]) == ("group_north_east", group.name)
    # population-weighted mean of 1, 2, 3, 4, 6, 7: strictly between the extremes
    assert 1 < row["comparator_value"] < 7
    # the site's 5 among the six: seven values, group 3 as above
    assert row["quintile"] == "Middle"
    assert any(
        n.startswith("Six North East districts, screened 2017/18: population-weighted")
        for n in result.notes
    )


def test_a_matched_group_per_indicator_on_the_real_data(real, pioneers):
    result = profile.site_profile(real, pioneers, "leeds", ("england", "matched"))
    matched = result.frame[result.frame["comparator_id"] == "matched"]
    assert list(matched["indicator_id"]) == ["falls65", "self_harm", "alcohol_narrow"]
    assert matched["comparator_value"].notna().all()
    for indicator_id in ("falls65", "self_harm", "alcohol_narrow"):
        assert any(
            n.startswith(f"Matched group (10 districts) for {indicator_id}: the 10 non-Pioneer")
            for n in result.notes
        )
