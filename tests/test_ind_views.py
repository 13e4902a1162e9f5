"""pioneer.indicators.views: the data tables of the trend chart, spine chart and funnel plot.

Small hand-made frames in the shape of the indicators contract; every expected number is
worked out in the comment beside it (or read from the R oracle of the funnel limits,
``tests/oracle/indicators_funnel/funnels.csv``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pioneer.errors import AnalysisError
from pioneer.indicators import views
from pioneer.results import TableResult

ORACLE = Path(__file__).parent / "oracle" / "indicators_funnel"
COLUMNS = [
    "indicator_id",
    "area_code",
    "area_name",
    "area_type",
    "period",
    "year",
    "sex",
    "age",
    "numerator",
    "denominator",
    "value",
    "lower_95",
    "upper_95",
    "lower_99_8",
    "upper_99_8",
    "fingertips_comparison",
    "approximation",
]


@dataclass(frozen=True)
class Ind:
    """Stand-in for a catalogue entry: the attributes the views read."""

    id: str = "falls65"
    title: str = "Emergency hospital admissions due to falls in people aged 65 and over"
    short_title: str = "Falls admissions 65+"
    unit: str = "per 100,000"
    multiplier: int | None = 100_000
    polarity: str = "lower_is_better"
    statistic: str = "dsr"
    age: str = "65+ yrs"
    sex: str = "Persons"


def _row(code, name, area_type, period, value, **extra):
    row = dict.fromkeys(COLUMNS, np.nan)
    row.update(
        indicator_id=extra.pop("indicator_id", "falls65"),
        area_code=code,
        area_name=name,
        area_type=area_type,
        period=period,
        year=int(period[:4]),
        sex="Persons",
        age=extra.pop("age", "65+ yrs"),
        value=value,
        fingertips_comparison="",
        approximation="",
    )
    row.update(extra)
    return row


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


PERIODS = ("2015/16", "2016/17", "2017/18")


def _trend_data() -> pd.DataFrame:
    rows = []
    # the site, with 95% limits; England and a region without
    site = [(100.0, 90.0, 110.0), (120.0, 112.0, 128.0), (90.0, 70.0, 95.0)]
    for period, (value, lo, hi) in zip(PERIODS, site, strict=True):
        rows.append(_row("leeds", "Leeds", "Pioneer site", period, value, lower_95=lo, upper_95=hi))
    for period, value in zip(PERIODS, (105.0, 110.0, 100.0), strict=True):
        rows.append(_row("E92000001", "England", "England", period, value))
    for period, value in zip(PERIODS, (115.0, 118.0, 111.0), strict=True):
        rows.append(_row("E12000003", "Yorkshire and the Humber", "Region", period, value))
    return _frame(rows)


# ---------------------------------------------------------------------------------------------
# Trend


def test_trend_colours_each_site_point_by_its_comparison_with_england():
    result = views.trend_view(_trend_data(), Ind(), "leeds", ["E92000001", "E12000003"])
    assert isinstance(result, TableResult)
    assert result.name == "indicator_trend"
    site = result.frame[result.frame["role"] == "site"]
    # 2015/16: England 105 lies inside 90-110 -> Similar.
    # 2016/17: England 110 is below the site's lower limit 112: the site is higher, and lower
    #          is better -> Worse.
    # 2017/18: England 100 is above the site's upper limit 95: the site is lower -> Better.
    assert site["comparison"].tolist() == ["Similar", "Worse", "Better"]
    assert site["colour"].tolist() == ["#FFC000", "#C00000", "#92D050"]
    assert site["comparison_source"].tolist() == ["computed"] * 3
    assert site["benchmark_value"].tolist() == [105.0, 110.0, 100.0]
    assert (site["benchmark"] == "England").all()
    # the site first, then the comparators in the order given, each by year
    assert (
        result.frame["area_code"].tolist() == ["leeds"] * 3 + ["E92000001"] * 3 + ["E12000003"] * 3
    )
    comparators = result.frame[result.frame["role"] == "comparator"]
    assert (comparators["comparison"] == "").all()
    assert result.options["comparator_names"] == ("England", "Yorkshire and the Humber")
    assert "Leeds" in result.title


def test_trend_benchmark_can_be_the_region_and_no_judgement_gives_higher_lower():
    ind = Ind(polarity="no_judgement")
    result = views.trend_view(
        _trend_data(), ind, "leeds", ["E92000001", "E12000003"], benchmark="E12000003"
    )
    site = result.frame[result.frame["role"] == "site"]
    # region 115 > upper 110 -> Lower; 118 inside 112-128 -> Similar; 111 > 95 -> Lower
    assert site["comparison"].tolist() == ["Lower", "Similar", "Lower"]
    assert site["colour"].tolist() == ["#5555E6", "#FFC000", "#5555E6"]
    assert any("No judgement" in note for note in result.notes)


def test_trend_with_rate_only_data_says_why_there_are_no_intervals():
    data = _trend_data()
    site = data["area_code"] == "leeds"
    data.loc[site, ["lower_95", "upper_95"]] = np.nan
    data.loc[site, "approximation"] = "population-weighted mean of 5 district rates"
    result = views.trend_view(data, Ind(), "leeds", ["E92000001"])
    rows = result.frame[result.frame["role"] == "site"]
    assert rows["comparison"].tolist() == ["Not compared"] * 3
    assert rows["colour"].tolist() == ["#C9C9C9"] * 3
    text = " ".join(result.notes)
    assert "No 95% confidence intervals exist for Leeds" in text
    assert "approximations" in text
    assert "population-weighted mean of 5 district rates" in text


def test_trend_uses_the_publishers_comparison_when_there_are_no_limits():
    data = _trend_data()
    leeds = data["area_code"] == "leeds"
    data.loc[leeds, ["lower_95", "upper_95"]] = np.nan
    data.loc[leeds, "fingertips_comparison"] = ["Worse", "Similar", "Better"]
    result = views.trend_view(data, Ind(), "leeds", ["E92000001"])
    rows = result.frame[result.frame["role"] == "site"]
    assert rows["comparison"].tolist() == ["Worse", "Similar", "Better"]
    assert rows["comparison_source"].tolist() == ["published"] * 3
    # ... but not against a region: the publisher compared with England only
    region = views.trend_view(data, Ind(), "leeds", ["E12000003"])
    assert (region.frame.loc[region.frame["role"] == "site", "comparison"] == "Not compared").all()


def test_trend_errors_name_the_missing_area_and_the_fix():
    with pytest.raises(AnalysisError, match=r"no rows for the site 'leds'.*did you mean 'leeds'"):
        views.trend_view(_trend_data(), Ind(), "leds")
    with pytest.raises(AnalysisError, match="comparator_values"):
        views.trend_view(_trend_data(), Ind(), "leeds", ["E12000001"])
    with pytest.raises(AnalysisError, match="no rows for indicator 'self_harm'"):
        views.trend_view(_trend_data(), Ind(id="self_harm"), "leeds")
    with pytest.raises(AnalysisError, match="both the site and a comparator"):
        views.trend_view(_trend_data(), Ind(), "leeds", ["leeds"])
    with pytest.raises(AnalysisError, match="no column"):
        views.trend_view(_trend_data().drop(columns="period"), Ind(), "leeds")


def test_trend_needs_one_age_group():
    data = _trend_data()
    extra = data.assign(age="75+ yrs")
    both = pd.concat([data, extra], ignore_index=True)
    # the catalogue's age picks the rows when several are present
    assert len(views.trend_view(both, Ind(), "leeds").frame) == 6
    with pytest.raises(AnalysisError, match="choose one with age="):
        views.trend_view(both, Ind(age="All ages"), "leeds")


# ---------------------------------------------------------------------------------------------
# Spine


def _profile() -> TableResult:
    frame = pd.DataFrame(
        {
            "indicator_id": ["falls65", "falls65", "uptake", "mystery"],
            "indicator": ["Falls 65+", "Falls 65+", "Uptake", "Mystery"],
            "dimension": ["service_proxies_for_outcomes"] * 4,
            "unit": ["per 100,000", "per 100,000", "%", "%"],
            "polarity": ["lower_is_better", "lower_is_better", "higher_is_better", "no_judgement"],
            "period": ["2017/18"] * 4,
            "value": [90.0, 90.0, 58.0, 5.0],
            "approximation": ["population-weighted mean of 5 district rates", "", "", ""],
            "comparator_id": ["england", "region", "england", "england"],
            "comparator": ["England", "Yorkshire", "England", "England"],
            "comparator_value": [100.0, 95.0, 50.0, 4.0],
            "comparison": ["Better", "Similar", "Worse", ""],
        }
    )
    return TableResult(
        name="indicator_profile",
        title="profile",
        frame=frame,
        method="m",
        options={"site_name": "Leeds"},
    )


DISTRIBUTIONS = pd.DataFrame(
    {
        "indicator_id": ["falls65", "uptake", "mystery"],
        "min": [60.0, 20.0, 1.0],
        "q1": [80.0, 40.0, 3.0],
        "median": [95.0, 48.0, 4.0],
        "q3": [110.0, 55.0, 6.0],
        "max": [120.0, 60.0, 10.0],
    }
)


def test_spine_scales_with_england_at_the_centre_and_worst_on_the_left():
    result = views.spine_view(_profile(), DISTRIBUTIONS)
    assert result.name == "indicator_spine"
    frame = result.frame.set_index("indicator_id")
    assert list(frame.index) == ["falls65", "uptake", "mystery"]
    falls = frame.loc["falls65"]
    # lower is better: worst = max 120, worse quartile = q3 110, better = q1 80, best = min 60.
    assert (falls["worst"], falls["worse_quartile"], falls["better_quartile"], falls["best"]) == (
        120.0,
        110.0,
        80.0,
        60.0,
    )
    # England 100; half-width d = max(100 - 60, 120 - 100) = 40; pos = 0.5 - (v - 100) / 80.
    assert falls["half_range"] == 40.0
    assert falls["worst_pos"] == pytest.approx(0.25)  # 0.5 - 20/80
    assert falls["worse_quartile_pos"] == pytest.approx(0.375)  # 0.5 - 10/80
    assert falls["england_pos"] == pytest.approx(0.5)
    assert falls["better_quartile_pos"] == pytest.approx(0.75)  # 0.5 + 20/80
    assert falls["best_pos"] == pytest.approx(1.0)  # 0.5 + 40/80
    assert falls["value_pos"] == pytest.approx(0.625)  # site 90: 0.5 + 10/80
    assert falls["comparison"] == "Better"
    assert falls["colour"] == "#92D050"
    uptake = frame.loc["uptake"]
    # higher is better: England 50, d = max(50 - 20, 60 - 50) = 30; pos = 0.5 + (v - 50)/60.
    assert uptake["worst"] == 20.0
    assert uptake["best"] == 60.0
    assert uptake["worst_pos"] == pytest.approx(0.0)
    assert uptake["worse_quartile_pos"] == pytest.approx(0.5 - 10 / 60)
    assert uptake["better_quartile_pos"] == pytest.approx(0.5 + 5 / 60)
    assert uptake["best_pos"] == pytest.approx(0.5 + 10 / 60)
    assert uptake["value_pos"] == pytest.approx(0.5 + 8 / 60)
    assert uptake["colour"] == "#C00000"
    mystery = frame.loc["mystery"]
    # no judgement: lowest on the left; no comparison given -> Not compared (grey)
    assert mystery["worst"] == 1.0
    assert mystery["comparison"] == "Not compared"
    assert mystery["colour"] == "#C9C9C9"
    assert "Leeds" in result.title
    assert any("population-weighted" in note for note in result.notes)
    assert any(
        n.startswith("Not compared with England (grey marker): mystery") for n in result.notes
    )


def test_spine_accepts_a_mapping_of_distributions_and_notes_what_it_cannot_draw():
    mapping = {
        "falls65": {"min": 60.0, "q1": 80.0, "q3": 110.0, "max": 120.0},
        "uptake": pd.Series({"min": 20.0, "q1": 40.0, "q3": 55.0, "max": 60.0}),
    }
    result = views.spine_view(_profile(), mapping, site_name="Leeds")
    frame = result.frame.set_index("indicator_id")
    assert frame.loc["falls65", "value_pos"] == pytest.approx(0.625)
    assert np.isnan(frame.loc["mystery", "value_pos"])
    assert any("Not drawn" in n and "mystery" in n for n in result.notes)


def test_spine_errors():
    with pytest.raises(AnalysisError, match="no rows for comparator 'national'"):
        views.spine_view(_profile(), DISTRIBUTIONS, comparator="national")
    with pytest.raises(AnalysisError, match="has no q1"):
        views.spine_view(_profile(), {"falls65": {"min": 1, "q3": 2, "max": 3}})


# ---------------------------------------------------------------------------------------------
# Funnel


def _proportion_data() -> tuple[pd.DataFrame, pd.DataFrame]:
    oracle = pd.read_csv(ORACLE / "funnels.csv")
    oracle = oracle[oracle["statistic"] == "proportion"].reset_index(drop=True)
    rows = [
        _row(
            f"E0700000{i}",
            f"District {i}",
            "District & UA",
            "2017/18",
            float(r["value"]),
            indicator_id="uptake",
            age="All ages",
            numerator=float(r["numerator"]),
            denominator=float(r["size"]),
        )
        for i, r in oracle.iterrows()
    ]
    rows.append(
        _row(
            "E92000001",
            "England",
            "England",
            "2017/18",
            30.0,
            indicator_id="uptake",
            age="All ages",
        )
    )
    rows.append(
        _row(
            "kent",
            "Kent",
            "Pioneer site",
            "2017/18",
            31.0,
            indicator_id="uptake",
            age="All ages",
            numerator=3100.0,
            denominator=10000.0,
        )
    )
    return _frame(rows), oracle


UPTAKE = Ind(
    id="uptake",
    title="Uptake of the offer",
    unit="%",
    multiplier=100,
    polarity="higher_is_better",
    statistic="proportion",
    age="All ages",
)


def test_funnel_limits_and_positions_match_r_around_england():
    data, oracle = _proportion_data()
    result = views.funnel_view(data, UPTAKE, highlight=["kent"])
    assert result.name == "indicator_funnel"
    frame = result.frame
    districts = frame[frame["area_type"] == "District & UA"].reset_index(drop=True)
    # England's value is 30%, the target of the R oracle's proportion funnel
    assert result.options["target"] == 30.0
    for column in ("lower_95", "upper_95", "lower_99_8", "upper_99_8"):
        np.testing.assert_allclose(districts[column], oracle[column], rtol=1e-10)
    assert districts["position"].tolist() == oracle["place"].tolist()
    assert districts["outside_95"].tolist() == (oracle["place"] != "Within limits").tolist()
    assert districts["outside_99_8"].tolist() == oracle["place"].str.contains("99.8").tolist()
    kent = frame[frame["area_code"] == "kent"].iloc[0]
    assert bool(kent["highlighted"])
    assert not districts["highlighted"].any()
    # Kent: 3100/10000 = 31% at n = 10000, the same point as the oracle's 8th row
    assert kent["position"] == oracle.loc[7, "place"] == "Above 95% limit"


@pytest.mark.parametrize(
    ("statistic", "kind", "multiplier"), [("crude_rate", "rate", 100_000), ("smr", "ratio", None)]
)
def test_funnel_of_rates_and_ratios_matches_r(statistic, kind, multiplier):
    oracle = pd.read_csv(ORACLE / "funnels.csv")
    oracle = oracle[oracle["statistic"] == kind].reset_index(drop=True)
    rows = [
        _row(
            f"E0700000{i}",
            f"District {i}",
            "District & UA",
            "2017/18",
            float(r["value"]),
            numerator=float(r["numerator"]),
            denominator=float(r["size"]),  # population, or expected count for a ratio
        )
        for i, r in oracle.iterrows()
    ]
    ind = Ind(statistic=statistic, multiplier=multiplier)
    result = views.funnel_view(_frame(rows), ind, target=float(oracle["target"].iloc[0]))
    assert result.options["statistic"] == kind
    np.testing.assert_allclose(result.frame["size"], oracle["size"])
    for column in ("lower_95", "upper_95", "lower_99_8", "upper_99_8"):
        np.testing.assert_allclose(result.frame[column], oracle[column], rtol=1e-10, atol=1e-12)
    assert result.frame["position"].tolist() == oracle["place"].tolist()


def test_funnel_mean_target_is_the_pooled_value_of_the_districts():
    data, oracle = _proportion_data()
    result = views.funnel_view(data, UPTAKE, target="mean", highlight=["kent"])
    # the site's counts are not pooled (they would count its districts twice)
    pooled = 100 * oracle["numerator"].sum() / oracle["size"].sum()
    assert result.options["target"] == pytest.approx(pooled)
    # numerators 0+3+12+40+95+310+2800+3100+33 = 6393;
    # denominators 4+10+30+120+300+1000+10000+10000+80 = 21544
    assert pooled == pytest.approx(100 * 6393 / 21544)
    curve = views.funnel_curve(result, points=50)
    assert curve.name == "indicator_funnel_limits"
    sizes = curve.frame["size"]
    assert sizes.min() <= 4
    assert sizes.max() >= 10_000
    np.testing.assert_allclose(curve.frame["target"], pooled, rtol=1e-12)


def test_funnel_of_a_standardised_rate_uses_the_equivalent_population():
    rows = [
        # 200 events at 2000 per 100,000 -> equivalent population 100000 * 200 / 2000 = 10000
        _row("E07000001", "A", "District & UA", "2017/18", 2000.0, numerator=200.0),
        # 9 events: fewer than 10, not assessed
        _row("E07000002", "B", "District & UA", "2017/18", 1500.0, numerator=9.0),
        # 2600 events at 2600 -> 100000; far above 2000 at that size
        _row("E07000003", "C", "District & UA", "2017/18", 2600.0, numerator=2600.0),
        _row("E92000001", "England", "England", "2017/18", 2000.0),
    ]
    result = views.funnel_view(_frame(rows), Ind())
    frame = result.frame.set_index("area_code")
    assert frame.loc["E07000001", "size"] == pytest.approx(10_000)
    assert frame.loc["E07000003", "size"] == pytest.approx(100_000)
    assert frame.loc["E07000001", "position"] == "Within limits"
    assert frame.loc["E07000002", "position"] == "Not assessed (fewer than 10 events)"
    assert frame.loc["E07000003", "position"] == "Above 99.8% limit"
    assert result.options["size_label"].startswith("Equivalent population")


def test_funnel_of_rate_only_data_names_what_is_missing_and_the_fix():
    rows = [
        _row("E07000001", "A", "District & UA", "2017/18", 2000.0),
        _row("E07000002", "B", "District & UA", "2017/18", 1500.0),
        _row("E92000001", "England", "England", "2017/18", 2000.0),
    ]
    with pytest.raises(AnalysisError) as info:
        views.funnel_view(_frame(rows), Ind())
    message = str(info.value)
    assert "needs counts" in message
    assert "numerator" in message
    assert "pioneer indicators import FILE" in message


def test_funnel_errors():
    data, _ = _proportion_data()
    with pytest.raises(AnalysisError, match="highlighted area"):
        views.funnel_view(data, UPTAKE, highlight=["leeds"])
    with pytest.raises(AnalysisError, match="no England value"):
        views.funnel_view(data[data["area_code"] != "E92000001"], UPTAKE)
    with pytest.raises(AnalysisError, match="mean"):
        views.funnel_view(data, UPTAKE, target="median")
    with pytest.raises(AnalysisError, match="has none"):
        views.funnel_view(data, Ind(id="uptake", statistic="mean", age="All ages"))


# ---------------------------------------------------------------------------------------------
# On the packaged real data (falls 65+, self-harm, alcohol; Fingertips, rates only), through
# the real catalogue, site values, comparators and profile of the other parts.


@functools.cache
def real_store() -> dict[str, object]:
    """The packaged falls 65+ rows with Leeds, Kent and their regions added (built once)."""
    from pioneer.indicators import areas, catalogue, ingest
    from pioneer.programme import registry

    data = ingest.packaged()
    data = data[data["indicator_id"] == "falls65"].reset_index(drop=True)  # one, for speed
    programme = registry.load("pioneers")
    falls = catalogue.load().get("falls65")
    frames = [data]  # England as published (E92000001) is in the data
    for site in ("leeds", "kent"):
        frames.append(areas.site_values(data, programme, site, falls))
        for comparator in areas.comparators_for(programme, site, ("region",)):
            frames.append(areas.comparator_values(data, comparator, falls))
    store = pd.concat(frames, ignore_index=True).drop_duplicates(
        ["indicator_id", "area_code", "period", "sex", "age"]
    )
    return {"data": data, "store": store, "programme": programme, "falls": falls}


@pytest.fixture(scope="module")
def real():
    return real_store()


def test_real_trend_of_a_one_district_site_uses_the_published_comparisons(real):
    result = views.trend_view(
        real["store"], real["falls"], "leeds", ["E92000001", "region_e12000003"]
    )
    site = result.frame[result.frame["role"] == "site"]
    # Leeds is one district (E08000035): its published falls rates and Fingertips comparisons,
    # 2010/11 to 2017/18, as in the packaged file
    assert site["value"].tolist() == [
        2803.0,
        2827.0,
        2278.0,
        2329.0,
        2484.0,
        2392.0,
        2559.0,
        2401.0,
    ]
    assert site["comparison"].tolist() == ["Worse"] * 8
    assert site["comparison_source"].tolist() == ["published"] * 8
    assert site["benchmark_value"].iloc[-1] == 2170.0  # England 2017/18 as published
    assert result.options["comparator_names"] == ("England", "Yorkshire and The Humber")


def test_real_trend_of_a_many_district_site_is_not_compared_and_says_why(real):
    result = views.trend_view(real["store"], real["falls"], "kent")
    site = result.frame[result.frame["role"] == "site"]
    assert (site["comparison"] == "Not compared").all()
    assert site["lower_95"].isna().all()
    assert (site["approximation"] != "").all()
    text = " ".join(result.notes)
    assert "No 95% confidence intervals exist for Kent (its values are approximations)" in text
    assert "population-weighted" in text


def test_real_spine_of_kent_from_the_site_profile(real):
    from pioneer.indicators import profile

    table = profile.site_profile(real["data"], real["programme"], "kent", ("england",))
    distributions = views.england_distributions(real["data"], table)
    result = views.spine_view(table, distributions)
    assert "Kent" in result.title
    assert result.frame["indicator_id"].tolist() == ["falls65"]
    falls = result.frame.set_index("indicator_id").loc["falls65"]
    # published 2017/18 falls rates: England 2170, lowest district 1298, highest 3329;
    # lower is better, so worst = 3329 (left) and best = 1298.
    # half-width d = max(2170 - 1298, 3329 - 2170) = max(872, 1159) = 1159
    assert falls["england_value"] == 2170.0
    assert (falls["worst"], falls["best"]) == (3329.0, 1298.0)
    assert falls["half_range"] == 1159.0
    assert falls["worst_pos"] == pytest.approx(0.0)
    assert falls["best_pos"] == pytest.approx(0.5 + 872 / 2318)
    assert falls["england_pos"] == pytest.approx(0.5)
    # Kent's value is a population-weighted approximation without limits: not compared
    assert falls["comparison"] == "Not compared"
    assert 0 < falls["value_pos"] < 1


def test_real_funnel_cannot_be_drawn_from_rates_only(real):
    with pytest.raises(AnalysisError) as info:
        views.funnel_view(real["store"], real["falls"], highlight=["kent"])
    message = str(info.value)
    assert "funnel plot of falls65 needs counts" in message
    assert "numerator" in message
    assert "Fix: import a Fingertips export" in message
