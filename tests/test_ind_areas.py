"""pioneer.indicators.areas: site values from member districts, populations, comparators.

Hand-built frames in the indicator-frame shape, with the expected values worked out by hand
beside them; then checks on the packaged real data (Fingertips falls65, self_harm,
alcohol_narrow by 2018 district).
"""

from __future__ import annotations

import importlib.util
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pioneer.programme as programme_module
from pioneer.errors import AnalysisError
from pioneer.indicators import areas, ingest, statistics

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SCRIPT = ROOT / "tools" / "build_indicator_populations.py"
REGISTRY = ROOT / "src" / "pioneer" / "data" / "programmes" / "pioneers"

TORBAY, SOUTH_HAMS, TEIGNBRIDGE = "E06000027", "E07000044", "E07000045"
SOUTH_HAMS_SHARE, TEIGNBRIDGE_SHARE = 0.3878, 0.869  # registry areas.csv
CHESHIRE_EAST, CHESHIRE_WEST = "E06000049", "E06000050"
BOURNEMOUTH = "E06000028"


@dataclass(frozen=True)
class Ind:
    """The catalogue fields areas reads (the real Indicator has more)."""

    id: str = "ind"
    statistic: str = "dsr"
    multiplier: int | None = 100_000
    polarity: str = "lower_is_better"


@pytest.fixture(scope="module")
def pioneers():
    return programme_module.load("pioneers")


def rows(*records: dict, indicator: str = "ind") -> pd.DataFrame:
    """An indicator frame from short records: area_code, value and anything else."""
    full = []
    for record in records:
        year = record.get("year", 2015)
        full.append(
            {
                "indicator_id": indicator,
                "area_name": record.get("area_code"),
                "area_type": "District & UA",
                "period": f"{year}/{(year + 1) % 100:02d}",
                "year": year,
                "sex": "Persons",
                "age": "All ages",
                "numerator": math.nan,
                "denominator": math.nan,
                "lower_95": math.nan,
                "upper_95": math.nan,
                "lower_99_8": math.nan,
                "upper_99_8": math.nan,
                "fingertips_comparison": "",
                "approximation": "",
                **record,
            }
        )
    return pd.DataFrame(full, columns=list(ingest.INDICATOR_COLUMNS))


def population(sizes: dict[str, float], years=(2015,), over_65: dict | None = None):
    """A population table in the packaged layout."""
    over_65 = over_65 or {}
    return pd.DataFrame(
        [
            {
                "area_code": code,
                "area_name": code,
                "geography": "District",
                "year": year,
                "population_all_ages": float(size),
                "population_65_plus": float(over_65.get(code, math.nan)),
                "source_code": code,
                "note": "",
            }
            for code, size in sizes.items()
            for year in years
        ]
    )


# --- packaged populations and geography ---------------------------------------------------


@pytest.mark.skipif(not (SHARED / "data" / "ons-population").is_dir(), reason="no ../shared")
def test_the_committed_populations_match_a_fresh_build(capsys, monkeypatch):
    spec = importlib.util.spec_from_file_location("build_indicator_populations", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    status = module.main(["--shared", str(SHARED), "--check"])
    assert status == 0, capsys.readouterr().err


def test_populations_cover_every_2018_district_and_mark_the_merged_ones():
    pops = areas.populations()
    districts = pops[~pops["geography"].isin(["Country", "Region"])]
    assert districts["area_code"].nunique() == 326
    assert sorted(districts["year"].unique()) == list(range(2010, 2020))
    merged = districts[districts["population_all_ages"].isna()]
    # the 18 districts of ../shared/data/ons-population/README.md
    assert sorted(merged["area_code"].unique()) == sorted(
        ["E06000028", "E06000029", "E07000004", "E07000005", "E07000006", "E07000007"]
        + [f"E070000{n}" for n in range(48, 54)]
        + ["E07000190", "E07000191", "E07000201", "E07000204", "E07000205", "E07000206"]
    )
    assert set(merged.loc[merged["area_code"] == BOURNEMOUTH, "source_code"]) == {"E06000058"}
    assert merged["note"].str.contains("not known").all()
    # 65+ is known for mid-2019 only
    assert districts.loc[districts["year"] < 2019, "population_65_plus"].isna().all()
    assert districts.loc[districts["year"] == 2019, "population_65_plus"].notna().sum() == 308


def test_districts_plus_merged_successors_add_up_to_england():
    # The 308 districts with figures and the six authorities the other 18 became are all of
    # England: their sum is the England row in every year.
    pops = areas.populations()
    england = pops[pops["area_code"] == areas.ENGLAND].set_index("year")["population_all_ages"]
    districts = pops[~pops["geography"].isin(["Country", "Region"])]
    known = districts.groupby("year")["population_all_ages"].sum()
    successors = sorted(districts["source_code"][districts["population_all_ages"].isna()].unique())
    assert successors == [
        "E06000058",
        "E06000059",
        "E06000060",
        "E07000244",
        "E07000245",
        "E07000246",
    ]
    source = (
        SHARED / "data" / "ons-population" / "mye_total_population_england_mid2010-2019_lad20.csv"
    )
    if not source.is_file():
        pytest.skip("no ../shared")
    raw = pd.read_csv(source)
    merged = raw[raw["code"].isin(successors)].groupby("year")["population_all_ages"].sum()
    assert (known + merged == england).all()


def test_geography_puts_kent_districts_in_kent_and_the_south_east(pioneers):
    geography = areas.district_geography()
    assert len(geography) == 326
    kent = geography[geography["utla_code"] == "E10000016"]
    assert tuple(sorted(kent["area_code"])) == pioneers.lad_codes("kent", vintage=2018)
    assert set(kent["region_name"]) == {"South East"}


# --- site values: weighted ----------------------------------------------------------------


def test_part_covered_districts_are_weighted_by_their_share(pioneers):
    data = rows(
        {"area_code": TORBAY, "value": 100.0},
        {"area_code": SOUTH_HAMS, "value": 200.0},
        {"area_code": TEIGNBRIDGE, "value": 300.0},
    )
    pops = population({TORBAY: 1000, SOUTH_HAMS: 2000, TEIGNBRIDGE: 4000})
    (row,) = areas.site_values(
        data, pioneers, "south_devon_torbay", Ind(), population=pops
    ).to_dict("records")
    # weights 1000, 2000 × 0.3878 = 775.6, 4000 × 0.869 = 3476
    expected = (100 * 1000 + 200 * 775.6 + 300 * 3476) / (1000 + 775.6 + 3476)
    assert row["value"] == pytest.approx(expected, rel=1e-12)
    assert row["area_code"] == "south_devon_torbay"
    assert row["area_type"] == "Pioneer site"
    assert row["area_name"] == "South Devon and Torbay"
    assert row["approximation"].startswith(
        "population-weighted mean of 3 districts' values (mid-2015 all-ages populations)"
    )
    assert "South Hams ×0.39" in row["approximation"]
    assert "Teignbridge ×0.87" in row["approximation"]
    assert all(math.isnan(row[c]) for c in areas.LIMITS)


def test_districts_without_a_value_are_left_out_and_named(pioneers):
    data = rows(
        {"area_code": TORBAY, "value": 100.0},
        {"area_code": SOUTH_HAMS, "value": math.nan, "area_name": "South Hams"},
        {"area_code": TEIGNBRIDGE, "value": 300.0},
    )
    pops = population({TORBAY: 1000, SOUTH_HAMS: 2000, TEIGNBRIDGE: 4000})
    (row,) = areas.site_values(
        data, pioneers, "south_devon_torbay", Ind(), population=pops
    ).to_dict("records")
    expected = (100 * 1000 + 300 * 3476) / (1000 + 3476)
    assert row["value"] == pytest.approx(expected, rel=1e-12)
    assert "2 of 3 districts" in row["approximation"]
    assert "no value for South Hams, left out" in row["approximation"]


def test_include_part_false_keeps_whole_districts_only(pioneers):
    data = rows(
        {"area_code": TORBAY, "value": 100.0, "lower_95": 90.0, "upper_95": 110.0},
        {"area_code": SOUTH_HAMS, "value": 200.0},
    )
    (row,) = areas.site_values(
        data, pioneers, "south_devon_torbay", Ind(), include_part=False
    ).to_dict("records")
    # Torbay alone, whole: its published row, limits and all
    assert (row["value"], row["lower_95"], row["upper_95"]) == (100.0, 90.0, 110.0)
    assert row["approximation"] == ""


def test_a_single_whole_district_is_shown_as_published(pioneers):
    data = rows(
        {
            "area_code": "E09000019",
            "value": 2455.0,
            "lower_95": 2300.0,
            "upper_95": 2610.0,
            "lower_99_8": 2250.0,
            "upper_99_8": 2670.0,
            "numerator": 500.0,
            "denominator": 20000.0,
            "fingertips_comparison": "Worse",
        }
    )
    (row,) = areas.site_values(data, pioneers, "islington", Ind()).to_dict("records")
    assert row["value"] == 2455.0
    assert (row["lower_99_8"], row["upper_99_8"]) == (2250.0, 2670.0)
    assert (row["numerator"], row["denominator"]) == (500.0, 20000.0)
    assert row["fingertips_comparison"] == "Worse"
    assert row["approximation"] == ""


def test_a_site_with_no_value_at_all_says_so(pioneers):
    data = rows({"area_code": "E09000019", "value": math.nan, "area_name": "Islington"})
    (row,) = areas.site_values(data, pioneers, "islington", Ind()).to_dict("records")
    assert math.isnan(row["value"])
    assert row["approximation"] == "no value for Islington"


def test_65_plus_weights_where_known_else_all_ages(pioneers):
    data = rows(
        {"area_code": CHESHIRE_EAST, "value": 10.0, "year": 2019, "age": "65+ yrs"},
        {"area_code": CHESHIRE_WEST, "value": 20.0, "year": 2019, "age": "65+ yrs"},
        {"area_code": CHESHIRE_EAST, "value": 10.0, "year": 2018, "age": "65+ yrs"},
        {"area_code": CHESHIRE_WEST, "value": 20.0, "year": 2018, "age": "65+ yrs"},
    )
    pops = pd.concat(
        [
            population({CHESHIRE_EAST: 100, CHESHIRE_WEST: 300}, years=(2018,)),
            population(
                {CHESHIRE_EAST: 100, CHESHIRE_WEST: 300},
                years=(2019,),
                over_65={CHESHIRE_EAST: 30, CHESHIRE_WEST: 10},
            ),
        ]
    )
    result = areas.site_values(data, pioneers, "cheshire", Ind(), population=pops)
    result = result.set_index("year")
    # 2019: 65+ weights 30 and 10 → (10 × 30 + 20 × 10) / 40 = 12.5
    assert result.loc[2019, "value"] == pytest.approx(12.5)
    assert "(mid-2019 65+ populations)" in result.loc[2019, "approximation"]
    # 2018: no 65+ figures → all ages 100 and 300 → (1000 + 6000) / 400 = 17.5
    assert result.loc[2018, "value"] == pytest.approx(17.5)
    assert "no 65+ populations packaged for 2018" in result.loc[2018, "approximation"]


def test_periods_outside_the_population_years_use_the_nearest_year(pioneers):
    data = rows(
        {"area_code": CHESHIRE_EAST, "value": 10.0, "year": 2008},
        {"area_code": CHESHIRE_WEST, "value": 20.0, "year": 2008},
    )
    pops = pd.concat(
        [
            population({CHESHIRE_EAST: 100, CHESHIRE_WEST: 100}, years=(2010,)),
            population({CHESHIRE_EAST: 999, CHESHIRE_WEST: 1}, years=(2011,)),
        ]
    )
    (row,) = areas.site_values(data, pioneers, "cheshire", Ind(), population=pops).to_dict(
        "records"
    )
    assert row["value"] == pytest.approx(15.0)  # the 2010 weights, equal
    assert (
        "mid-2010 all-ages populations, the nearest year packaged to 2008" in (row["approximation"])
    )


def test_denominators_weight_when_every_district_has_one(pioneers):
    # A DSR cannot be recomputed from counts alone; with denominators present they weigh
    data = rows(
        {"area_code": CHESHIRE_EAST, "value": 10.0, "numerator": 5.0, "denominator": 100.0},
        {"area_code": CHESHIRE_WEST, "value": 40.0, "numerator": 8.0, "denominator": 300.0},
    )
    (row,) = areas.site_values(data, pioneers, "cheshire", Ind()).to_dict("records")
    assert row["value"] == pytest.approx((10 * 100 + 40 * 300) / 400)
    assert row["approximation"].startswith("denominator-weighted mean of 2 districts' values")
    assert math.isnan(row["numerator"])


def test_a_district_without_population_is_left_out_and_named(pioneers):
    group = areas.Comparator("group_x", "X", "group", (TORBAY, BOURNEMOUTH))
    data = rows(
        {"area_code": TORBAY, "value": 100.0},
        {"area_code": BOURNEMOUTH, "value": 900.0, "area_name": "Bournemouth"},
    )
    (row,) = areas.comparator_values(data, group, Ind()).to_dict("records")
    assert row["value"] == 100.0
    assert "1 of 2 districts" in row["approximation"]
    assert "no population for Bournemouth, left out" in row["approximation"]


# --- site values: exact from counts ---------------------------------------------------------


def test_proportions_are_recomputed_from_summed_counts(pioneers):
    # Cheshire: 10/100 and 20/100 → 30/200 = 15%
    data = rows(
        {"area_code": CHESHIRE_EAST, "value": 10.0, "numerator": 10.0, "denominator": 100.0},
        {"area_code": CHESHIRE_WEST, "value": 20.0, "numerator": 20.0, "denominator": 100.0},
    )
    ind = Ind(statistic="proportion", multiplier=100, polarity="higher_is_better")
    (row,) = areas.site_values(data, pioneers, "cheshire", ind).to_dict("records")
    assert (row["numerator"], row["denominator"]) == (30.0, 200.0)
    assert row["value"] == pytest.approx(15.0)
    assert row["approximation"] == ""
    # Wilson score limits by hand: p = 0.15, n = 200, z = 1.959963984540054 (95%)
    p, n, z = 0.15, 200, 1.959963984540054
    centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    lower, upper = (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)
    assert row["lower_95"] == pytest.approx(100 * lower, rel=1e-12)
    assert row["upper_95"] == pytest.approx(100 * upper, rel=1e-12)
    assert row["lower_99_8"] < row["lower_95"] < row["upper_95"] < row["upper_99_8"]


def test_crude_rates_are_recomputed_from_summed_counts(pioneers):
    data = rows(
        {"area_code": CHESHIRE_EAST, "value": 1.0, "numerator": 40.0, "denominator": 30000.0},
        {"area_code": CHESHIRE_WEST, "value": 1.0, "numerator": 60.0, "denominator": 20000.0},
    )
    ind = Ind(statistic="crude_rate", multiplier=100_000)
    (row,) = areas.site_values(data, pioneers, "cheshire", ind).to_dict("records")
    # 100 events in 50,000 → 200 per 100,000
    assert row["value"] == pytest.approx(200.0)
    expected = statistics.crude_rate(
        pd.DataFrame({"numerator": [100.0], "denominator": [50000.0]}),
        confidence=(0.95, 0.998),
    )
    for column in areas.LIMITS:
        assert row[column] == pytest.approx(float(expected[column].iloc[0]), rel=1e-12)


def test_counts_missing_for_one_district_fall_back_to_weighting(pioneers):
    data = rows(
        {"area_code": CHESHIRE_EAST, "value": 10.0, "numerator": 10.0, "denominator": 100.0},
        {"area_code": CHESHIRE_WEST, "value": 20.0, "numerator": math.nan, "denominator": 300.0},
    )
    ind = Ind(statistic="proportion", multiplier=100)
    (row,) = areas.site_values(data, pioneers, "cheshire", ind).to_dict("records")
    assert row["value"] == pytest.approx((10 * 100 + 20 * 300) / 400)
    assert row["approximation"].startswith("denominator-weighted")
    assert math.isnan(row["lower_95"])


def test_a_published_county_or_combined_authority_row_is_used(pioneers):
    manchester = pioneers.lad_codes("greater_manchester", vintage=2018)
    data = rows(
        *({"area_code": code, "value": 100.0 + i} for i, code in enumerate(manchester)),
        {"area_code": "E47000001", "value": 321.0, "area_type": "Combined authority"},
    )
    (row,) = areas.site_values(data, pioneers, "greater_manchester", Ind()).to_dict("records")
    assert row["value"] == 321.0
    assert row["approximation"] == ""
    (row,) = areas.site_values(
        data, pioneers, "greater_manchester", Ind(), prefer_published=False
    ).to_dict("records")
    assert 100 <= row["value"] <= 109
    assert row["approximation"].startswith("population-weighted mean of 10 districts")


def test_site_values_check_their_input(pioneers):
    data = rows({"area_code": TORBAY, "value": 1.0})
    with pytest.raises(AnalysisError, match="no rows for 'indd'; did you mean ind"):
        areas.site_values(data, pioneers, "kent", Ind(id="indd"))
    with pytest.raises(AnalysisError, match="lacks the column"):
        areas.site_values(data.drop(columns="value"), pioneers, "kent", Ind())
    with pytest.raises(Exception, match="no site 'kentt'"):
        areas.site_values(data, pioneers, "kentt", Ind())


# --- comparators ------------------------------------------------------------------------------


def test_the_default_comparators_of_kent(pioneers):
    found = areas.comparators_for(pioneers, "kent")
    assert [c.id for c in found] == [
        "england",
        "region_e12000008",
        "other_pioneers",
        "non_pioneers",
    ]
    england, region, others, outside = found
    assert len(england.area_codes) == 326
    assert england.code == "E92000001"
    # the South East's districts, read independently from the registry's ONS lookup
    lookup = pd.read_csv(REGISTRY / "ons_lad18_lad19.csv", dtype=str)
    south_east = set(lookup.loc[lookup["RGN19CD"] == "E12000008", "LAD18CD"])
    assert set(region.area_codes) == south_east
    assert region.code == "E12000008"
    areas_csv = pd.read_csv(REGISTRY / "areas.csv", dtype=str)
    not_kent = areas_csv[areas_csv["site_id"] != "kent"]
    assert sorted(others.area_codes) == sorted(not_kent["lad18cd"])
    shares = dict(zip(others.area_codes, others.shares, strict=True))
    assert shares[SOUTH_HAMS] == pytest.approx(SOUTH_HAMS_SHARE)
    assert shares[TORBAY] == 1.0
    assert len(outside.area_codes) == 326 - len(areas_csv)
    assert not set(outside.area_codes) & set(areas_csv["lad18cd"])


def test_comparator_values_use_the_published_england_row_else_aggregate(pioneers):
    england = areas.comparators_for(pioneers, "kent", ("england",))[0]
    data = rows(
        {"area_code": TORBAY, "value": 100.0},
        {"area_code": "E06000001", "value": 300.0},
        {"area_code": "E92000001", "value": 222.0, "area_type": "England", "year": 2016},
        {"area_code": TORBAY, "value": 100.0, "year": 2016},
    )
    pops = population({TORBAY: 1000, "E06000001": 3000}, years=(2015, 2016))
    result = areas.comparator_values(data, england, Ind(), population=pops).set_index("year")
    assert result.loc[2016, "value"] == 222.0
    assert result.loc[2016, "approximation"] == ""
    # 2015 has no England row: (100 × 1000 + 300 × 3000) / 4000 = 250
    assert result.loc[2015, "value"] == pytest.approx(250.0)
    assert "2 of 326 districts" in result.loc[2015, "approximation"]
    assert set(result["area_code"]) == {"england"}
    assert set(result["area_type"]) == {"Comparator group"}


def test_a_user_group_checks_its_codes(pioneers):
    (group,) = areas.comparators_for(
        pioneers, "kent", ("group",), group=[TORBAY, SOUTH_HAMS], group_name="Devon coast"
    )
    assert (group.id, group.kind, group.area_codes) == (
        "group_devon_coast",
        "group",
        (TORBAY, SOUTH_HAMS),
    )
    with pytest.raises(AnalysisError, match="E06000999 is not a December 2018 district code"):
        areas.comparators_for(pioneers, "kent", ("group",), group=["E06000999"])
    with pytest.raises(AnalysisError, match="needs group="):
        areas.comparators_for(pioneers, "kent", ("group",))
    with pytest.raises(AnalysisError, match="unknown comparator kind"):
        areas.comparators_for(pioneers, "kent", ("county",))


def test_comparator_checks_its_fields():
    with pytest.raises(AnalysisError, match="unknown kind"):
        areas.Comparator("x", "X", "county", ("E06000027",))
    with pytest.raises(AnalysisError, match="one share per code"):
        areas.Comparator("x", "X", "group", ("E06000027",), shares=(0.5, 0.5))
    with pytest.raises(AnalysisError, match=r"in \(0, 1\]"):
        areas.Comparator("x", "X", "group", ("E06000027",), shares=(1.5,))
    with pytest.raises(AnalysisError, match="lower-case"):
        areas.Comparator("Bad id", "X", "group", ("E06000027",))
    with pytest.raises(AnalysisError, match="non-empty tuple"):
        areas.Comparator("x", "X", "group", ())


@pytest.mark.parametrize(
    ("period", "end"),
    [("2012/13", "2013-03-31"), ("2013", "2013-12-31"), ("2015/16 - 17/18", "2018-03-31")],
)
def test_period_end(period, end):
    assert areas.period_end(period).isoformat() == end


def test_baseline_is_the_last_period_before_the_announcement(pioneers):
    data = rows(*({"area_code": TORBAY, "value": 1.0, "year": y} for y in range(2010, 2018)))
    # Kent: programme wave 1, announced 1 November 2013 → 2012/13 ended 31 March 2013
    assert areas.baseline_period_for(data, pioneers, "kent", "ind") == "2012/13"
    # Camden: programme wave 2, announced 27 January 2015 → 2013/14
    assert areas.baseline_period_for(data, pioneers, "camden", "ind") == "2013/14"
    with pytest.raises(AnalysisError, match="no period"):
        areas.baseline_period_for(
            rows({"area_code": TORBAY, "value": 1.0, "year": 2016}), pioneers, "kent", "ind"
        )


def matched_data() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Leeds (a Pioneer, E08000035) and five non-Pioneer districts in 2012/13."""
    values = {
        "E08000035": 100.0,  # Leeds
        "E06000001": 101.0,
        "E06000002": 95.0,
        "E06000003": 130.0,
        "E06000004": 99.0,
        "E06000005": 160.0,
    }
    sizes = {
        "E08000035": 1000.0,
        "E06000001": 10.0,
        "E06000002": 1000.0,
        "E06000003": 1000.0,
        "E06000004": 100.0,
        "E06000005": 1000.0,
    }
    data = rows(*({"area_code": c, "value": v, "year": 2012} for c, v in values.items()))
    return data, population(sizes, years=(2012,))


def test_matched_on_value_only_takes_the_nearest_values(pioneers):
    data, pops = matched_data()
    matched = areas.matched_comparator(
        data, pioneers, "leeds", Ind(), k=2, on=("value",), population=pops
    )
    # |101 − 100| = 1 and |99 − 100| = 1 are nearest; 95 is 5 away
    assert matched.area_codes == ("E06000001", "E06000004")
    assert matched.kind == "matched"
    assert "the 2012/13 value" in matched.note


def test_matched_on_value_and_population(pioneers):
    data, pops = matched_data()
    matched = areas.matched_comparator(data, pioneers, "leeds", Ind(), k=2, population=pops)
    # Hand calculation: candidate values 101, 95, 130, 99, 160 (mean 117, squared deviations
    # 256 + 484 + 169 + 324 + 1849 = 3082, SD √(3082/5) = 24.827); log10 populations
    # 1, 3, 3, 2, 3 (mean 2.4, SD √(3.2/5) = 0.8); Leeds: 100 and log10 1000 = 3.
    # Distances: 101: √((1/24.827)² + (2/0.8)²) = 2.500; 95: 5/24.827 = 0.201;
    # 130: 30/24.827 = 1.208; 99: √((1/24.827)² + (1/0.8)²) = 1.251; 160: 2.417.
    assert matched.area_codes == ("E06000002", "E06000003")
    assert "distances 0.20–1.21" in matched.note


def test_matched_needs_enough_candidates_and_known_features(pioneers):
    data, pops = matched_data()
    with pytest.raises(AnalysisError, match="ask for k <= 5"):
        areas.matched_comparator(data, pioneers, "leeds", Ind(), k=6, population=pops)
    with pytest.raises(AnalysisError, match="use one or both"):
        areas.matched_comparator(data, pioneers, "leeds", Ind(), on=("size",), population=pops)
    with pytest.raises(AnalysisError, match="needs the indicator data"):
        areas.comparators_for(pioneers, "leeds", ("matched",))


# --- the packaged real data ------------------------------------------------------------------


@pytest.fixture(scope="module")
def real():
    return ingest.packaged()


@pytest.fixture(scope="module")
def real_sites(real, pioneers):
    return areas.site_values(real, pioneers)


def test_every_site_has_a_value_wherever_a_member_district_has_one(real, real_sites, pioneers):
    districts = real[real["area_type"] == "District & UA"]
    for site_id in pioneers.site_ids:
        members = pioneers.lad_codes(site_id, vintage=2018)
        inside = districts[districts["area_code"].isin(members)]
        any_value = inside.groupby(["indicator_id", "period"])["value"].apply(
            lambda v: v.notna().any()
        )
        site = real_sites[real_sites["area_code"] == site_id].set_index(["indicator_id", "period"])[
            "value"
        ]
        assert len(any_value) == 26  # 8 + 8 + 10 periods
        for key, has_value in any_value.items():
            assert math.isnan(site.loc[key]) is not has_value, (site_id, key)


def test_kent_falls_lies_within_its_districts(real, real_sites, pioneers):
    kent = real_sites[
        (real_sites["area_code"] == "kent") & (real_sites["indicator_id"] == "falls65")
    ]
    members = real[
        real["area_code"].isin(pioneers.lad_codes("kent", vintage=2018))
        & (real["indicator_id"] == "falls65")
    ]
    spread = members.groupby("period")["value"].agg(["min", "max"])
    for row in kent.to_dict("records"):
        assert spread.loc[row["period"], "min"] <= row["value"] <= spread.loc[row["period"], "max"]
        assert row["approximation"].startswith("population-weighted mean of 12 districts")
    assert len(kent) == 8


def test_weighting_comes_close_to_the_published_greater_manchester_value(real, pioneers):
    # Greater Manchester is published as a combined authority (E47000001): the
    # population-weighted mean of its ten districts' rates is within 0.6–3.0% of it
    # (measured on the packaged data), an honest yardstick for the approximation.
    weighted = areas.site_values(real, pioneers, "greater_manchester", prefer_published=False)
    published = real[real["area_code"] == "E47000001"][["indicator_id", "period", "value"]]
    both = weighted.merge(published, on=["indicator_id", "period"], suffixes=("", "_published"))
    assert len(both) == 26
    gap = np.abs(both["value"] / both["value_published"] - 1)
    assert gap.max() < 0.035
    exact = areas.site_values(real, pioneers, "greater_manchester")
    assert (exact["approximation"] == "").all()
    assert np.allclose(
        exact.sort_values(["indicator_id", "year"])["value"],
        published.sort_values(["indicator_id", "period"])["value"],
    )


def test_real_comparators_for_a_part_covered_site(real, pioneers):
    found = areas.comparators_for(
        pioneers, "vale_of_york", ("region", "matched"), data=real, indicator="self_harm", k=5
    )
    region, matched = found
    assert region.name == "Yorkshire and The Humber"
    assert len(matched.area_codes) == 5
    assert not set(matched.area_codes) & set(pioneers.areas["lad18cd"])
    values = areas.comparator_values(real, matched, "self_harm")
    assert values["value"].notna().all()
    assert len(values) == 8


def test_a_frame_without_the_approximation_column_is_accepted(pioneers):
    data = rows({"area_code": "E09000019", "value": 7.0}).drop(columns="approximation")
    (row,) = areas.site_values(data, pioneers, "islington", Ind()).to_dict("records")
    assert (row["value"], row["approximation"]) == (7.0, "")
