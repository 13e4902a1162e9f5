"""Reading indicator files into the indicator frame; each malformed file fails naming the
file, row, column and fix.

Fixtures are written by ``tests/fixtures/indicators/make_fixtures.py``; the expected rows
and values below were read off the fixture files by hand (row 1 is the header).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pioneer.errors import DataFileError
from pioneer.indicators import catalogue, ingest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EXTRACT = SHARED / "data" / "fingertips-la-admissions"
FIXTURES = Path(__file__).parent / "fixtures" / "indicators"
BAD = FIXTURES / "malformed"
EXPORT = FIXTURES / "fingertips_falls_export.csv"


# ---------------------------------------------------------------------------
# The frame
# ---------------------------------------------------------------------------


def test_the_empty_frame_has_the_contract_s_columns_and_dtypes():
    frame = ingest.empty_indicator_frame()
    assert tuple(frame.columns) == ingest.INDICATOR_COLUMNS
    assert len(frame) == 0
    assert frame["year"].dtype == "int64"
    for column in ingest.NUMBER_COLUMNS:
        assert frame[column].dtype == "float64"
    for column in ingest.TEXT_COLUMNS:
        assert frame[column].dtype == "str"


def test_normalise_orders_types_and_fills_optional_columns():
    rough = pd.DataFrame(
        {
            "value": [1.5],
            "age": ["All ages"],
            "sex": ["Persons"],
            "year": [2017.0],
            "period": ["2017/18"],
            "area_type": ["England"],
            "area_code": ["E92000001"],
            "indicator_id": ["self_harm"],
        }
    )
    frame = ingest.normalise(rough)
    assert tuple(frame.columns) == ingest.INDICATOR_COLUMNS
    assert frame["year"].tolist() == [2017]
    assert frame["fingertips_comparison"].tolist() == [""]
    assert np.isnan(frame["numerator"].item())


def test_normalise_names_missing_columns():
    with pytest.raises(Exception, match=r"missing \['indicator_id'"):
        ingest.normalise(pd.DataFrame({"area_code": ["E92000001"]}))


@pytest.mark.parametrize(
    ("period", "year"),
    [
        ("2017", 2017),
        ("2017/18", 2017),
        ("1999/00", 1999),
        ("1998/99 - 00/01", 1998),
        ("2014 - 16", 2014),
        ("2015/16 - 17/18", 2015),
        ("2017/18 Q3", 2017),
        ("2018 Q1", 2018),
        ("Aug 2017", 2017),
    ],
)
def test_period_year_is_the_first_calendar_year(period, year):
    assert ingest.period_year(period) == year


@pytest.mark.parametrize(
    "period",
    ["2017/19", "2017-18", "17/18", "2017/18 - 16/17", "FY2017", "", "2017 - 2017", "2017 - 99"],
)
def test_malformed_periods_are_refused(period):
    with pytest.raises(ValueError, match="not a period"):
        ingest.period_year(period)


# ---------------------------------------------------------------------------
# Fingertips exports
# ---------------------------------------------------------------------------


def test_a_fingertips_export_becomes_the_frame():
    frame = ingest.read_fingertips(EXPORT)
    assert tuple(frame.columns) == ingest.INDICATOR_COLUMNS
    # 11 data rows, one of them a deprivation-decile breakdown, left out with a note
    assert len(frame) == 10
    assert "left out 1 row of inequality breakdowns" in " ".join(frame.attrs["notes"])
    assert set(frame["indicator_id"]) == {"falls65"}
    trafford = frame[(frame["area_code"] == "E08000009") & (frame["sex"] == "Persons")]
    assert trafford["period"].tolist() == ["2016/17", "2017/18"]
    assert trafford["year"].tolist() == [2016, 2017]
    row = trafford.iloc[1]  # fixture row 8
    assert row["area_name"] == "Trafford"
    assert row["area_type"] == "District & UA"
    assert row["age"] == "65+ yrs"
    assert (row["value"], row["numerator"], row["denominator"]) == (1990.6, 860.0, 43100.0)
    # limits in the file: value x 0.97, 1.03, 0.95, 1.05 rounded to 0.1
    assert (row["lower_95"], row["upper_95"]) == (1930.9, 2050.3)
    assert (row["lower_99_8"], row["upper_99_8"]) == (1891.1, 2090.1)
    assert row["fingertips_comparison"] == "Better"
    assert row["approximation"] == ""
    types = dict(zip(frame["area_code"], frame["area_type"], strict=False))
    assert types["E92000001"] == "England"
    assert types["E12000002"] == "Region"
    # England's own comparison is blank in a Fingertips export
    assert frame.loc[frame["area_code"] == "E92000001", "fingertips_comparison"].eq("").all()
    assert sorted(frame.loc[frame["area_code"] == "E08000009", "sex"].unique()) == [
        "Female",
        "Male",
        "Persons",
    ]


def test_categories_are_kept_when_asked_for():
    frame = ingest.read_fingertips(EXPORT, categories=True)
    assert len(frame) == 11
    assert list(frame.columns[-2:]) == ["category_type", "category"]
    decile = frame[frame["category"] != ""]
    assert decile["category"].tolist() == ["Most deprived decile (IMD2019)"]
    assert decile["value"].tolist() == [2490.0]


def test_fingertipsr_names_and_a_byte_order_mark_read_the_same():
    expected = ingest.read_fingertips(EXPORT)
    for name in ("fingertips_falls_fingertipsr.csv", "fingertips_falls_export_bom.csv"):
        other = ingest.read_fingertips(FIXTURES / name)
        pd.testing.assert_frame_equal(other, expected, check_like=False)


def test_an_unknown_fingertips_id_can_be_read_under_a_catalogue_id():
    frame = ingest.read_fingertips(
        FIXTURES / "fingertips_unknown_indicator.csv", indicator_id="readmissions_30d"
    )
    assert set(frame["indicator_id"]) == {"readmissions_30d"}
    assert len(frame) == 10


def test_a_known_fingertips_id_read_under_another_id_is_noted():
    frame = ingest.read_fingertips(EXPORT, indicator_id="hip_fractures_65")
    assert set(frame["indicator_id"]) == {"hip_fractures_65"}
    assert "22401 is 'falls65' in the catalogue" in " ".join(frame.attrs["notes"])


def test_an_indicator_id_not_in_the_catalogue_is_refused():
    with pytest.raises(DataFileError) as raised:
        ingest.read_fingertips(EXPORT, indicator_id="fals65")
    assert "indicator_id='fals65' is not in the catalogue" in str(raised.value)
    assert "'falls65'" in str(raised.value)


def test_a_user_catalogue_maps_its_own_fingertips_ids():
    mine = catalogue.Catalogue(
        (
            catalogue.Indicator(
                id="made_up_readmissions",
                title="A made-up readmission indicator",
                short_title="Made-up",
                dimension="service_proxies_for_outcomes",
                unit="%",
                multiplier=100,
                polarity="not_applicable",
                statistic="isr",
                age="65+ yrs",
                sex="Persons",
                period_type="financial_year",
                fingertips_id=90999,
                source="test",
                source_url="",
            ),
        )
    )
    frame = ingest.read_fingertips(FIXTURES / "fingertips_unknown_indicator.csv", catalogue=mine)
    assert set(frame["indicator_id"]) == {"made_up_readmissions"}


# ---------------------------------------------------------------------------
# Tidy CSV
# ---------------------------------------------------------------------------


def test_a_tidy_file_of_counts_gets_its_values_worked_out():
    frame = ingest.read_tidy(FIXTURES / "tidy_reablement_counts.csv", "reablement_91d")
    by_area = frame.set_index(["area_code", "period"])
    # reablement_91d is a percentage (multiplier 100): 850 / 1000 x 100 = 85.0,
    # 123 / 150 x 100 = 82.0, 17325 / 21000 x 100 = 82.5; 0 / 0 has no value
    assert by_area.loc[("E10000016", "2017/18"), "value"] == pytest.approx(85.0)
    assert by_area.loc[("E06000009", "2017/18"), "value"] == pytest.approx(82.0)
    assert by_area.loc[("E92000001", "2017/18"), "value"] == pytest.approx(82.5)
    assert np.isnan(by_area.loc[("E06000009", "2016/17"), "value"])
    # counties in the file (E10) and no shire districts: unitaries are upper tier
    assert by_area.loc[("E06000009", "2017/18"), "area_type"] == "County & UA"
    assert set(frame["age"]) == {"65+ yrs"}  # the catalogue's age band
    assert set(frame["sex"]) == {"Persons"}
    assert frame["lower_95"].isna().all()
    assert "value worked out from numerator / denominator for 4 rows" in frame.attrs["notes"][1]


def test_a_tidy_file_with_values_and_site_rows():
    frame = ingest.read_any(FIXTURES / "tidy_site_values.csv")
    assert frame["indicator_id"].tolist() == ["falls65", "falls65", "self_harm"]
    assert frame["area_type"].tolist() == ["Pioneer site", "District & UA", "Pioneer site"]
    assert frame["area_code"].tolist() == ["leeds", "E08000035", "kent"]
    assert frame["lower_95"].tolist()[:2] == [2050.0, 2050.0]
    assert frame["approximation"].tolist()[2].startswith("population-weighted mean")


def test_blank_indicator_cells_take_the_indicator_argument(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text(
        "indicator_id,area_code,period,value\n"
        ",E08000009,2017/18,1990.6\n"
        "falls65,E08000001,2017/18,2401.9\n",
        encoding="utf-8",
    )
    frame = ingest.read_tidy(path, "falls65")
    assert frame["indicator_id"].tolist() == ["falls65", "falls65"]
    with pytest.raises(DataFileError) as raised:
        ingest.read_tidy(path)
    assert (raised.value.row, raised.value.column) == (2, "indicator_id")
    assert "the indicator id is blank" in str(raised.value)
    with pytest.raises(DataFileError, match="differs from indicator_id='self_harm'"):
        ingest.read_tidy(path, "self_harm")


# ---------------------------------------------------------------------------
# The shared Fingertips extract and the packaged data
# ---------------------------------------------------------------------------


def test_the_extract_format_reads_with_england_and_combined_authority_rows():
    frame = ingest.read_any(FIXTURES / "extract_small.csv")
    assert set(frame["indicator_id"]) == {"falls65"}
    gm = frame[frame["area_code"] == "E47000001"]
    assert gm["area_type"].unique().tolist() == ["Combined authority"]
    assert gm["value"].tolist() == [2565.0, 2488.0, 2400.0]
    assert gm["fingertips_comparison"].unique().tolist() == ["Worse"]
    england = frame[frame["area_code"] == "E92000001"]
    assert england["area_type"].unique().tolist() == ["England"]
    assert england["fingertips_comparison"].unique().tolist() == ["Not compared"]
    city = frame[frame["area_code"] == "E09000001"]
    assert city["area_type"].unique().tolist() == ["District & UA"]
    assert city["value"].isna().all()  # NA in the file stays NaN
    assert set(frame["age"]) == {"65+ yrs"}
    assert frame["numerator"].isna().all()


def test_the_packaged_real_data():
    data = ingest.packaged()
    assert tuple(data.columns) == ingest.INDICATOR_COLUMNS
    # shared README: 2,624 + 2,624 + 3,280 rows
    assert data["indicator_id"].value_counts().to_dict() == {
        "alcohol_narrow": 3280,
        "falls65": 2624,
        "self_harm": 2624,
    }
    # 326 districts + England + Greater Manchester
    assert data["area_code"].nunique() == 328
    types = data.drop_duplicates("area_code")["area_type"].value_counts().to_dict()
    assert types == {"District & UA": 326, "England": 1, "Combined authority": 1}
    falls = data[data["indicator_id"] == "falls65"]
    assert falls["period"].min() == "2010/11"
    assert falls["period"].max() == "2017/18"
    alcohol = data[data["indicator_id"] == "alcohol_narrow"]
    assert sorted(alcohol["year"].unique()) == list(range(2008, 2018))
    # 23 + 23 + 27 suppressed values (counted in the shared files' NA cells)
    assert int(data["value"].isna().sum()) == 73
    assert set(data["fingertips_comparison"]) == {"Better", "Similar", "Worse", "Not compared"}
    assert not data.duplicated(list(ingest.KEY_COLUMNS)).any()
    first = data.iloc[0]
    # the first row of the packaged file: Hartlepool, falls 2010/11 (shared file: 1996)
    assert (first["indicator_id"], first["area_code"], first["period"]) == (
        "falls65",
        "E06000001",
        "2010/11",
    )
    assert first["value"] == 1996.0


def test_packaged_returns_a_fresh_copy():
    first = ingest.packaged()
    first.loc[0, "value"] = -1.0
    assert ingest.packaged().loc[0, "value"] == 1996.0


@pytest.mark.skipif(not EXTRACT.is_dir(), reason="no ../shared data")
def test_the_packaged_file_matches_a_fresh_build(capsys, monkeypatch):
    script = ROOT / "tools" / "build_indicator_data.py"
    spec = importlib.util.spec_from_file_location("build_indicator_data", script)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    status = module.main(["--shared", str(SHARED), "--check"])
    assert status == 0, capsys.readouterr().err


@pytest.mark.skipif(not EXTRACT.is_dir(), reason="no ../shared data")
def test_the_shared_files_read_as_packaged():
    data = ingest.packaged()
    falls = ingest.read_any(EXTRACT / "admissions_falls.csv")
    packaged = data[data["indicator_id"] == "falls65"]
    merged = falls.merge(packaged, on=list(ingest.KEY_COLUMNS), suffixes=("", "_p"))
    assert len(merged) == len(falls) == len(packaged)
    assert np.allclose(merged["value"], merged["value_p"], equal_nan=True)


# ---------------------------------------------------------------------------
# Choosing the reader
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("fingertips_falls_export.csv", "fingertips"),
        ("fingertips_falls_fingertipsr.csv", "fingertips"),
        ("extract_small.csv", "extract"),
        ("tidy_reablement_counts.csv", "tidy"),
        ("tidy_site_values.csv", "tidy"),
        ("malformed/ft_missing_column.csv", "fingertips"),
    ],
)
def test_format_of_reads_the_header(name, kind):
    assert ingest.format_of(FIXTURES / name) == kind


# ---------------------------------------------------------------------------
# Malformed files: file, row, column and fix in every message
# ---------------------------------------------------------------------------

ARGS = {
    "tidy_numerator_above_denominator.csv": "reablement_91d",
    "tidy_dsr_without_value.csv": "falls65",
    "ft_two_indicators.csv": "falls65",
}

# (fixture, row, column, fragments of the message that must appear)
CASES = [
    ("empty.csv", None, None, ["the file is empty", "Fix: export the data again"]),
    ("header_only.csv", 1, None, ["header but no data rows", "Fix:"]),
    (
        "ft_missing_column.csv",
        1,
        "Time period",
        ["no column 'Time period'", "Fix: add the 'Time period' column"],
    ),
    (
        "ft_unknown_indicator.csv",
        4,
        "Indicator ID",
        ["Fingertips indicator 99999 is not in the catalogue (1 row)", "indicator_id="],
    ),
    (
        "ft_value_not_number.csv",
        5,
        "Value",
        ["not a number", "'2,480'", "no thousands separators"],
    ),
    ("ft_negative_count.csv", 8, "Count", ["cannot be negative", "'-860'", "Fix:"]),
    (
        "ft_lower_above_value.csv",
        4,
        "Lower CI 95.0 limit",
        ["lower limit is above the value", "'2105.0'", "swapped"],
    ),
    (
        "ft_upper_below_value.csv",
        9,
        "Upper CI 99.8 limit",
        ["upper limit is below the value", "'2300.0'", "Fix:"],
    ),
    (
        "ft_malformed_period.csv",
        6,
        "Time period",
        ["not a period", "'2017/19'", "financial years as 2017/18"],
    ),
    (
        "ft_bad_area_code.csv",
        5,
        "Area Code",
        ["not an area code (ONS GSS code)", "'E0800001'", "Fix: use the area's ONS code"],
    ),
    ("ft_bad_sex.csv", 10, "Sex", ["not a sex", "'Men'", "Persons, Male, Female"]),
    (
        "ft_area_type_ccg.csv",
        4,
        "Area Type",
        ["not an area type", "'CCGs (from Apr 2021)'", "Districts & UAs"],
    ),
    (
        "ft_duplicate_rows.csv",
        7,
        "Area Code",
        ["already has a row (row 4)", "'E08000009 2016/17'", "Fix: keep one row"],
    ),
    ("ft_ragged.csv", 5, None, ["28 cells but the header has 26", "Fix:"]),
    (
        "ft_two_indicators.csv",
        None,
        "Indicator ID",
        ["2 indicators (21001, 22401)", "indicator_id='falls65'", "Fix: export one indicator"],
    ),
    ("ft_cp1252.csv", 5, None, ["not UTF-8", "0x96", "Fix: save the file again as UTF-8"]),
    ("ft_utf16.csv", None, None, ["UTF-16", "Fix: save the file again as UTF-8"]),
    (
        "unrecognised_header.csv",
        1,
        None,
        ["cannot tell what kind of file", "'code, year, rate'", "Fix:"],
    ),
    (
        "tidy_numerator_above_denominator.csv",
        3,
        "numerator",
        ["numerator is above the denominator", "'160'", "Fix:"],
    ),
    (
        "tidy_unknown_indicator.csv",
        3,
        "indicator_id",
        ["unknown indicator 'falls_65'", "did you mean 'falls65'", "Fix:"],
    ),
    ("tidy_no_value.csv", 1, "value", ["neither numerator and denominator", "Fix:"]),
    (
        "tidy_dsr_without_value.csv",
        1,
        "value",
        ["'falls65' is a dsr", "Fix: add the published value"],
    ),
    (
        "tidy_code_type_mismatch.csv",
        2,
        "area_code",
        ["does not fit the row's area type", "'E10000016'", "Fix:"],
    ),
    ("tidy_year_mismatch.csv", 2, "year", ["not the first year", "'2018'", "Fix:"]),
    (
        "extract_unknown_title.csv",
        2,
        "indicator",
        ["title is not one Pioneer knows", "hip fracture", "Fix: pass indicator_id="],
    ),
]


@pytest.mark.parametrize(("name", "row", "column", "fragments"), CASES, ids=[c[0] for c in CASES])
def test_a_malformed_file_fails_naming_its_place(name, row, column, fragments):
    path = BAD / name
    with pytest.raises(DataFileError) as raised:
        ingest.read_any(path, ARGS.get(name))
    error = raised.value
    message = str(error)
    assert message.startswith(str(path))
    assert error.file == str(path)
    assert error.row == row
    assert error.column == column
    if row is not None:
        assert f"row {row}" in message
    if column is not None:
        assert repr(column) in message
    for fragment in fragments:
        assert fragment in message
    assert "Fix:" in message


def test_every_malformed_fixture_has_a_case():
    listed = {c[0] for c in CASES} | {"tidy_three_problems.csv"}  # tested below
    assert listed == {p.name for p in BAD.glob("*.csv")}
    assert len(CASES) >= 15


def test_all_problems_are_reported_together():
    path = BAD / "tidy_three_problems.csv"
    with pytest.raises(DataFileError) as raised:
        ingest.read_tidy(path)
    error = raised.value
    message = str(error)
    assert "3 problems, nothing was imported" in message
    assert "row 3, column 'area_code': not an area code" in message
    assert "row 4, column 'period': not a period" in message
    assert "row 5, column 'value': not a number; found 'high'" in message
    assert [p.row for p in error.problems] == [3, 4, 5]
    assert (error.row, error.column) == (3, "area_code")


def test_a_missing_file_is_named():
    with pytest.raises(DataFileError, match="there is no such file"):
        ingest.read_any(FIXTURES / "nope.csv")
