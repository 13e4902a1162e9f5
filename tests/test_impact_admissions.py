"""Admissions extracts: schema checks, counts against hand counts and pandas, generator."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from pioneer.errors import AnalysisError, DataFileError
from pioneer.impact import admissions as adm

FIXTURES = Path(__file__).parent / "fixtures" / "admissions"
GOOD = FIXTURES / "good.csv"
BAD = FIXTURES / "malformed"
TODAY = dt.date(2026, 1, 1)
START, END = dt.date(2014, 4, 1), dt.date(2016, 3, 31)

# Populations for the hand-count fixture (made up, round numbers); E09000001 has none.
POPS = pd.DataFrame(
    {
        "area_code": ["E06000001", "E06000001", "E08000025", "E08000025"],
        "year": [2014, 2015, 2014, 2015],
        "population": [100_000.0, 100_000.0, 1_000_000.0, 1_000_000.0],
    }
)


def cell(frame: pd.DataFrame, area: str, period: str, band: str, group: str) -> float:
    rows = frame[
        (frame["area_code"] == area)
        & (frame["period"] == period)
        & (frame["age_band"] == band)
        & (frame["admission_group"] == group)
    ]
    assert len(rows) == 1
    return float(rows["numerator"].iloc[0])


def to_parquet(csv: Path, out: Path, select: str = "*") -> Path:
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT {select} FROM read_csv('{csv}', all_varchar = true)) "
        f"TO '{out}' (FORMAT parquet)"
    )
    con.close()
    return out


# --- schema --------------------------------------------------------------------------------


def test_schema_lists_the_five_columns_and_hes_codes():
    assert tuple(adm.ADMISSION_COLUMNS) == (
        "admidate",
        "admimeth",
        "startage",
        "sex",
        "resladst_ons",
    )
    # NHS Data Dictionary, ADMISSION METHOD: 21-25, 2A-2D and 28 emergency; 11-13 elective;
    # 31-32 maternity; 81-83 other.
    assert set(adm.EMERGENCY_METHODS) == {
        "21",
        "22",
        "23",
        "24",
        "25",
        "2A",
        "2B",
        "2C",
        "2D",
        "28",
    }
    assert adm.ELECTIVE_METHODS == ("11", "12", "13")
    assert adm.MATERNITY_METHODS == ("31", "32")
    assert adm.OTHER_METHODS == ("81", "82", "83")
    assert adm.INFANT_AGE_CODES == (7001, 7002, 7003, 7004, 7005, 7006, 7007)
    assert abs(sum(adm.METHOD_MIX.values()) - 1) < 1e-9
    assert set(adm.METHOD_MIX) == set(adm.ADMISSION_METHODS)


def test_age_band_labels():
    assert adm.age_band_labels() == ("0-17", "18-64", "65-74", "75-84", "85+")
    assert adm.age_band_labels((0, 65)) == ("0-64", "65+")


@pytest.mark.parametrize("bands", [(), (5, 18), (0, 18, 18), (0, 65, 40), (0, 121)])
def test_bad_age_bands_are_refused(bands):
    with pytest.raises(AnalysisError, match="age_bands"):
        adm.age_band_labels(bands)


# --- counts against a hand count --------------------------------------------------------------


@pytest.fixture(scope="module")
def monthly() -> adm.AdmissionCounts:
    return adm.aggregate_extract(GOOD, populations=POPS, today=TODAY, threads=1)


def test_hand_count_by_month(monthly):
    f = monthly.frame
    assert tuple(f.columns) == adm.COUNT_COLUMNS
    assert monthly.rows == 12
    # good.csv by hand: E06000001 April 2014 has emergencies aged 82 and 91, an elective at 45.
    assert cell(f, "E06000001", "2014-04", "all", "all") == 3
    assert cell(f, "E06000001", "2014-04", "75-84", "emergency") == 1
    assert cell(f, "E06000001", "2014-04", "85+", "emergency") == 1
    assert cell(f, "E06000001", "2014-04", "18-64", "elective") == 1
    assert cell(f, "E06000001", "2014-04", "all", "emergency") == 2
    # The infant code 7003 (7-28 days) counts in 0-17; 31 is maternity.
    assert cell(f, "E06000001", "2014-05", "0-17", "emergency") == 1
    assert cell(f, "E06000001", "2014-05", "18-64", "maternity") == 1
    # No admissions in June 2014: zero rows, not missing ones.
    assert cell(f, "E06000001", "2014-06", "all", "all") == 0
    assert cell(f, "E08000025", "2014-04", "65-74", "emergency") == 1  # 2A
    assert cell(f, "E08000025", "2014-04", "0-17", "elective") == 1  # 12 at 17
    assert cell(f, "E08000025", "2014-04", "18-64", "elective") == 1  # 13 at 18
    assert cell(f, "E08000025", "2014-06", "0-17", "other") == 1  # 82 at 7001
    assert cell(f, "E09000001", "2015-04", "18-64", "emergency") == 1  # 28 at 64
    # 3 areas × 13 months (2014-04 to 2015-04) × 6 bands × 5 groups.
    assert len(f) == 3 * 13 * 6 * 5
    assert (
        f.loc[(f["age_band"] == "all") & (f["admission_group"] == "all"), "numerator"].sum() == 12
    )


def test_rates_use_the_population_of_the_year(monthly):
    panel = monthly.tidy(admission_group="all")
    assert tuple(panel.columns) == adm.PANEL_COLUMNS
    row = panel[(panel["area_code"] == "E08000025") & (panel["period"] == "2014-04")].iloc[0]
    assert row["year"] == 2014
    assert row["population"] == 1_000_000
    assert row["outcome"] == pytest.approx(3 / 1_000_000 * 100_000)  # 0.3 per 100,000
    # No population for E09000001: NaN rate, and a note saying so.
    assert panel.loc[panel["area_code"] == "E09000001", "outcome"].isna().all()
    assert any("E09000001" in note for note in monthly.notes)
    # Band rows have no population unless populations are given by band.
    f = monthly.frame
    assert f.loc[f["age_band"] != "all", "population"].isna().all()


def test_emergency_panel_input(monthly):
    panel = monthly.tidy()  # emergency, all ages
    hartlepool = panel[panel["area_code"] == "E06000001"].set_index("period")["numerator"]
    assert hartlepool["2014-04"] == 2
    assert hartlepool["2014-05"] == 1
    assert hartlepool["2015-03"] == 1
    assert hartlepool.sum() == 4
    with pytest.raises(AnalysisError, match="admission_group"):
        monthly.tidy(admission_group="urgent")
    with pytest.raises(AnalysisError, match="age_band"):
        monthly.tidy(age_band="65+")


def test_hand_count_by_financial_year():
    counts = adm.aggregate_extract(
        GOOD, period="financial_year", populations=POPS, today=TODAY, threads=1
    )
    f = counts.frame
    # 2015-03-31 falls in 2014/15, 2015-04-01 in 2015/16.
    assert cell(f, "E06000001", "2014/15", "all", "all") == 6
    assert cell(f, "E06000001", "2014/15", "all", "emergency") == 4
    assert cell(f, "E08000025", "2014/15", "all", "all") == 5
    assert cell(f, "E09000001", "2015/16", "all", "emergency") == 1
    assert cell(f, "E09000001", "2014/15", "all", "all") == 0
    assert sorted(f["period"].unique()) == ["2014/15", "2015/16"]
    assert set(f.loc[f["period"] == "2015/16", "year"]) == {2015}


def test_custom_bands_and_band_populations():
    pops = pd.DataFrame(
        {
            "area_code": ["E06000001"] * 2,
            "year": [2014, 2014],
            "age_band": ["65+", "all"],
            "population": [20_000.0, 100_000.0],
        }
    )
    counts = adm.aggregate_extract(
        GOOD, age_bands=(0, 65), populations=pops, today=TODAY, threads=1
    )
    assert counts.age_bands == ("0-64", "65+")
    old = counts.tidy(admission_group="emergency", age_band="65+")
    row = old[(old["area_code"] == "E06000001") & (old["period"] == "2014-04")].iloc[0]
    assert row["numerator"] == 2
    assert row["outcome"] == pytest.approx(2 / 20_000 * 100_000)


def test_default_populations_are_the_packaged_ones():
    counts = adm.aggregate_extract(GOOD, today=TODAY, threads=1)
    from pioneer.indicators.areas import populations

    packaged = populations()
    expected = packaged[(packaged["area_code"] == "E06000001") & (packaged["year"] == 2014)]
    panel = counts.tidy(admission_group="all")
    row = panel[(panel["area_code"] == "E06000001") & (panel["period"] == "2014-04")].iloc[0]
    assert row["population"] == expected["population_all_ages"].iloc[0]


def test_populations_frame_is_checked():
    with pytest.raises(AnalysisError, match="population"):
        adm.aggregate_extract(GOOD, populations=POPS.drop(columns="population"), today=TODAY)
    with pytest.raises(AnalysisError, match="more than one row"):
        adm.aggregate_extract(GOOD, populations=pd.concat([POPS, POPS]), today=TODAY)


def test_parquet_and_csv_give_the_same_counts(tmp_path, monthly):
    parquet = to_parquet(GOOD, tmp_path / "good.parquet")
    counts = adm.aggregate_extract(parquet, populations=POPS, today=TODAY, threads=2)
    pd.testing.assert_frame_equal(counts.frame, monthly.frame)


def test_typed_parquet_columns_and_aliases_are_accepted(tmp_path, monthly):
    parquet = to_parquet(
        GOOD,
        tmp_path / "typed.parquet",
        "CAST(admidate AS TIMESTAMP) AS ADMIDATE, admimeth AS AdmiMeth, "
        "CAST(startage AS SMALLINT) AS startage, CAST(sex AS INTEGER) AS sex, "
        "resladst_ons AS la_code",
    )
    counts = adm.aggregate_extract(parquet, populations=POPS, today=TODAY, threads=1)
    pd.testing.assert_frame_equal(counts.frame, monthly.frame)


def test_crlf_gzip_bom_and_quoted_csv_are_read(tmp_path, monthly):
    import gzip

    text = GOOD.read_text()
    variants = {
        "crlf.csv": text.replace("\n", "\r\n").encode(),
        "bom.csv": b"\xef\xbb\xbf" + text.encode(),
        "quoted.csv": "\n".join(
            ",".join(f'"{field}"' for field in line.split(",")) for line in text.splitlines()
        ).encode(),
        "good.csv.gz": gzip.compress(text.encode()),
    }
    for name, content in variants.items():
        (tmp_path / name).write_bytes(content)
        counts = adm.aggregate_extract(tmp_path / name, populations=POPS, today=TODAY, threads=1)
        pd.testing.assert_frame_equal(counts.frame, monthly.frame, obj=name)


def test_row_order_does_not_matter(tmp_path, monthly):
    lines = GOOD.read_text().splitlines()
    shuffled = tmp_path / "shuffled.csv"
    shuffled.write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n")
    counts = adm.aggregate_extract(shuffled, populations=POPS, today=TODAY, threads=1)
    pd.testing.assert_frame_equal(counts.frame, monthly.frame)


# --- malformed extracts: each one refused, naming row and column, nothing written ----------

MALFORMED = [
    # (file, row, column, words in the message)
    ("unknown_column.csv", None, "diag_01", "unknown column"),
    ("missing_column.csv", None, "sex", "missing column"),
    ("bad_date.csv", 3, "admidate", "YYYY-MM-DD"),
    ("uk_date.csv", 2, "admidate", "YYYY-MM-DD"),
    ("hes_null_date.csv", 4, "admidate", "HES null"),
    ("old_date.csv", 1, "admidate", "out of range"),
    ("age_out_of_range.csv", 2, "startage", "age out of range"),
    ("age_not_number.csv", 1, "startage", "whole number"),
    ("infant_code.csv", 1, "startage", "7001 to 7007"),
    ("unknown_method.csv", 2, "admimeth", "and 1 more row"),
    ("bad_sex.csv", 1, "sex", "unknown sex code"),
    ("county_code.csv", 2, "resladst_ons", "malformed local authority"),
    ("la_name.csv", 1, "resladst_ons", "malformed local authority"),
    ("missing_method.csv", 2, "admimeth", "missing admission method"),
    ("duplicate_alias.csv", None, "resladst_ons", "twice"),
    ("header_only.csv", None, None, "no data rows"),
    ("ragged.csv", 2, None, "DuckDB cannot read it"),
]


@pytest.mark.parametrize(("name", "row", "column", "words"), MALFORMED)
def test_malformed_extract_is_refused_and_nothing_written(tmp_path, name, row, column, words):
    out = tmp_path / "counts.parquet"
    with pytest.raises(DataFileError) as caught:
        adm.aggregate_to_parquet(BAD / name, out, populations=POPS, today=TODAY, threads=1)
    error = caught.value
    assert error.file.endswith(name)
    assert error.row == row
    assert error.column == column
    assert words in str(error)
    assert error.fix
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_error_message_names_file_row_column_value_and_fix():
    with pytest.raises(DataFileError) as caught:
        adm.validate_extract(BAD / "unknown_method.csv", today=TODAY)
    message = str(caught.value)
    assert "unknown_method.csv, row 2, column 'admimeth': unknown admission method" in message
    assert "found '99'" in message
    assert "Fix:" in message


def test_the_first_bad_row_is_found_deep_in_a_large_csv(tmp_path):
    path = adm.generate_extract(tmp_path / "big.csv", 30_000, seed=7, threads=2)
    lines = path.read_text().splitlines()
    lines[20_001] = lines[20_001].rsplit(",", 1)[0] + ",E1000001"  # data row 20,001
    lines[25_001] = lines[25_001].rsplit(",", 1)[0] + ",W06000001"  # a Welsh code
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataFileError) as caught:
        adm.validate_extract(path, today=TODAY, threads=2)
    assert caught.value.row == 20_001
    assert caught.value.value == "E1000001"
    assert "and 1 more row" in str(caught.value)


def test_the_first_bad_row_is_found_in_parquet(tmp_path):
    good = adm.generate_extract(tmp_path / "good.parquet", 30_000, seed=7, threads=2)
    bad = tmp_path / "bad.parquet"
    duckdb.execute(
        f"COPY (SELECT admidate, admimeth, CASE WHEN file_row_number = 12344 THEN 121 "
        f"ELSE startage END AS startage, sex, resladst_ons "
        f"FROM read_parquet('{good}', file_row_number = true)) TO '{bad}' (FORMAT parquet)"
    )
    with pytest.raises(DataFileError) as caught:
        adm.validate_extract(bad, today=TODAY, threads=2)
    assert (caught.value.row, caught.value.column, caught.value.value) == (12_345, "startage", 121)


def test_fractional_age_in_parquet_is_refused(tmp_path):
    parquet = to_parquet(
        GOOD, tmp_path / "float.parquet", "* REPLACE (CAST(startage AS DOUBLE) + 0.5 AS startage)"
    )
    with pytest.raises(DataFileError, match="whole number") as caught:
        adm.validate_extract(parquet, today=TODAY)
    assert caught.value.row == 1


def test_unsupported_types_and_names_are_refused(tmp_path):
    parquet = to_parquet(GOOD, tmp_path / "bool.parquet", "* REPLACE (true AS sex)")
    with pytest.raises(DataFileError, match="type") as caught:
        adm.validate_extract(parquet, today=TODAY)
    assert caught.value.column == "sex"
    with pytest.raises(DataFileError, match="format"):
        adm.validate_extract(tmp_path / "extract.xlsx")
    with pytest.raises(DataFileError, match="no such file"):
        adm.validate_extract(tmp_path / "absent.csv")


def test_negative_age_is_out_of_range(tmp_path):
    path = tmp_path / "negative.csv"
    path.write_text("admidate,admimeth,startage,sex,resladst_ons\n2014-04-03,21,-1,2,E06000001\n")
    with pytest.raises(DataFileError, match="age out of range") as caught:
        adm.validate_extract(path, today=TODAY)
    assert (caught.value.row, caught.value.value) == (1, "-1")


def test_future_dates_are_refused(tmp_path):
    with pytest.raises(DataFileError, match="out of range") as caught:
        adm.validate_extract(GOOD, today=dt.date(2015, 1, 1))
    assert caught.value.row == 11  # 2015-03-31, the first row after 2015-01-01


def test_validate_summarises_a_good_extract():
    summary = adm.validate_extract(GOOD, today=TODAY)
    assert summary.rows == 12
    assert summary.first_date == dt.date(2014, 4, 3)
    assert summary.last_date == dt.date(2015, 4, 1)
    assert summary.areas == 3


# --- generator and round trip ----------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    # Two financial years keep the counts frame small (326 districts × 24 months × 30).
    return adm.generate_extract(
        tmp_path_factory.mktemp("gen") / "extract.csv",
        20_000,
        seed=11,
        start=START,
        end=END,
        threads=2,
    )


def pandas_counts(path: Path) -> pd.Series:
    """The same counts by a plain pandas groupby (independent of the SQL)."""
    raw = pd.read_csv(path, dtype=str)
    date = pd.to_datetime(raw["admidate"], format="%Y-%m-%d")
    age = raw["startage"].astype(int)
    age = age.where(age < 7001, 0)
    band = pd.cut(age, [0, 18, 65, 75, 85, 200], right=False, labels=adm.age_band_labels())
    group = raw["admimeth"].map(
        {code: g for g, codes in adm.ADMISSION_GROUPS.items() for code in codes}
    )
    keys = pd.DataFrame(
        {
            "area_code": raw["resladst_ons"],
            "period": date.dt.strftime("%Y-%m"),
            "age_band": band.astype(str),
            "admission_group": group,
        }
    )
    return keys.groupby(list(keys.columns)).size()


def test_counts_match_a_pandas_groupby(generated):
    counts = adm.aggregate_extract(generated, today=TODAY, threads=2)
    f = counts.frame
    detail = f[(f["age_band"] != "all") & (f["admission_group"] != "all") & (f["numerator"] > 0)]
    ours = detail.set_index(["area_code", "period", "age_band", "admission_group"])["numerator"]
    theirs = pandas_counts(generated).astype(float)
    pd.testing.assert_series_equal(
        ours.sort_index(), theirs.sort_index(), check_names=False, check_index_type=False
    )
    # Totals are the sums of their parts.
    totals = f[(f["age_band"] == "all") & (f["admission_group"] == "all")]
    assert totals["numerator"].sum() == 20_000
    by_group = f[(f["age_band"] == "all") & (f["admission_group"] != "all")]
    merged = by_group.groupby(["area_code", "period"])["numerator"].sum()
    pd.testing.assert_series_equal(
        merged, totals.set_index(["area_code", "period"])["numerator"], check_names=False
    )


def test_round_trip_generate_aggregate_write_read(tmp_path, generated):
    out = tmp_path / "counts.parquet"
    counts = adm.aggregate_to_parquet(generated, out, today=TODAY, threads=2)
    back = adm.read_counts(out)
    pd.testing.assert_frame_equal(back, counts.frame, check_dtype=False)
    panel = adm.read_counts(out, admission_group="emergency", age_band="all")
    pd.testing.assert_frame_equal(panel, counts.tidy(), check_dtype=False)
    with pytest.raises(DataFileError, match="not an admissions counts file"):
        adm.read_counts(to_parquet(GOOD, tmp_path / "x.parquet"))


def test_generator_is_deterministic_and_seeded(tmp_path):
    def digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    one = adm.generate_extract(tmp_path / "a.csv", 5_000, seed=3, threads=1)
    two = adm.generate_extract(tmp_path / "b.csv", 5_000, seed=3, threads=2)
    other = adm.generate_extract(tmp_path / "c.csv", 5_000, seed=4, threads=2)
    assert digest(one) == digest(two)
    assert digest(one) != digest(other)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_generated_extract_has_realistic_mixes(generated):
    raw = pd.read_csv(generated, dtype=str)
    assert set(raw.columns) == set(adm.ADMISSION_COLUMNS)
    date = pd.to_datetime(raw["admidate"])
    assert date.min() >= pd.Timestamp(START)
    assert date.max() <= pd.Timestamp(END)
    group = raw["admimeth"].map(
        {code: g for g, codes in adm.ADMISSION_GROUPS.items() for code in codes}
    )
    age = raw["startage"].astype(int)
    adult = age < 7001
    emergency, elective = group == "emergency", group == "elective"
    # Emergencies: more of them 85+, and more in winter than in summer.
    assert (age[emergency & adult] >= 85).mean() > 2 * (age[elective & adult] >= 85).mean()
    month = date.dt.month
    winter = (emergency & month.isin([12, 1, 2])).sum()
    summer = (emergency & month.isin([6, 7, 8])).sum()
    assert winter > 1.1 * summer
    # Maternity: women of child-bearing age.
    maternity = group == "maternity"
    assert (raw.loc[maternity, "sex"] == "2").all()
    assert age[maternity].between(16, 45).all()
    # Group shares near the mix (±2 points on 20,000 rows).
    share = group.value_counts(normalize=True)
    expected = {
        g: sum(adm.METHOD_MIX[c] for c in codes) for g, codes in adm.ADMISSION_GROUPS.items()
    }
    for g, value in expected.items():
        assert abs(share[g] - value) < 0.02
    # Districts: 2018 codes, London boroughs (E09) about their share of the population.
    districts = pd.read_csv(
        Path(adm.__file__).parent.parent / "data/programmes/pioneers/ons_lad18_lad19.csv",
        dtype=str,
    )
    assert set(raw["resladst_ons"]) <= set(districts["LAD18CD"])
    london = raw["resladst_ons"].str.startswith("E09").mean()
    assert 0.13 < london < 0.19  # London is about 16% of England's population


def test_generator_writes_parquet_and_checks_arguments(tmp_path):
    path = adm.generate_extract(tmp_path / "g.parquet", 1_000, seed=1, threads=1)
    types = dict(duckdb.sql(f"DESCRIBE SELECT * FROM '{path}'").fetchall()[i][:2] for i in range(5))
    assert types["admidate"] == "DATE"
    assert types["startage"] == "SMALLINT"
    assert duckdb.sql(f"SELECT count(*) FROM '{path}'").fetchall() == [(1_000,)]
    with pytest.raises(AnalysisError, match="rows"):
        adm.generate_extract(tmp_path / "g.csv", 0)
    with pytest.raises(AnalysisError, match="before"):
        adm.generate_extract(
            tmp_path / "g.csv", 10, start=dt.date(2018, 1, 1), end=dt.date(2017, 1, 1)
        )
    short = adm.generate_extract(
        tmp_path / "short.csv", 2_000, start=dt.date(2016, 2, 10), end=dt.date(2016, 3, 5)
    )
    dates = pd.to_datetime(pd.read_csv(short, dtype=str)["admidate"])
    assert dates.min() >= pd.Timestamp("2016-02-10")
    assert dates.max() <= pd.Timestamp("2016-03-05")


def test_progress_bars_do_not_change_the_answer(tmp_path, monthly, capsys):
    counts = adm.aggregate_extract(GOOD, populations=POPS, today=TODAY, progress=True, threads=1)
    pd.testing.assert_frame_equal(counts.frame, monthly.frame)
    adm.generate_extract(tmp_path / "p.csv", 100, progress=True, threads=1)
    assert "Counting 12 admissions" in capsys.readouterr().out


def test_large_cell_arrays_are_grouped_in_duckdb(monkeypatch, generated):
    expected = adm.aggregate_extract(generated, populations=POPS, today=TODAY, threads=2)
    monkeypatch.setattr(adm, "MAX_CELLS", 0)
    counts = adm.aggregate_extract(generated, populations=POPS, today=TODAY, threads=2)
    pd.testing.assert_frame_equal(counts.frame, expected.frame)


def test_default_generator_range_is_the_evaluation_window(tmp_path):
    path = adm.generate_extract(tmp_path / "d.csv", 3_000, seed=2, threads=1)
    summary = adm.validate_extract(path, today=TODAY)
    assert summary.first_date >= dt.date(2010, 4, 1)
    assert summary.last_date <= dt.date(2018, 3, 31)
    assert summary.last_date.year >= 2017  # spread over the whole window


def test_unknown_period_is_refused():
    with pytest.raises(AnalysisError, match="period"):
        adm.aggregate_extract(GOOD, period="week", today=TODAY)  # type: ignore[arg-type]


def test_counts_sum_is_four_times_the_rows(generated):
    # Each admission is counted once in each of band×group, band×all, all×group, all×all.
    counts = adm.aggregate_extract(generated, populations=POPS, today=TODAY, threads=2)
    assert counts.frame["numerator"].sum() == 4 * 20_000
    assert np.isfinite(counts.frame["numerator"]).all()


def test_financial_year_counts_feed_the_panel_builder(tmp_path):
    from pioneer.impact.panel import build_panel

    path = adm.generate_extract(tmp_path / "fy.parquet", 30_000, seed=5, threads=2)
    tidy = adm.aggregate_extract(path, period="financial_year", today=TODAY, threads=2).tidy()
    assert not tidy.duplicated(["area_code", "year"]).any()
    panel = build_panel(tidy, outcome="outcome", baseline=(2010, 2012), follow_up=(2013, 2015))
    assert panel.n_treated > 0
    assert set(panel.frame["period"]) == {f"{y}/{(y + 1) % 100:02d}" for y in range(2010, 2016)}
    # The 18 districts without a packaged population have NaN rates and are dropped.
    assert any("missing outcome" in note for note in panel.notes)
    row = panel.frame.iloc[0]
    assert row["outcome"] == pytest.approx(row["numerator"] / row["population"] * 100_000)
