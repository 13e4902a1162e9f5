"""The packaged indicator catalogue is complete and valid, and entries check themselves."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from pioneer.errors import AnalysisError, DataFileError
from pioneer.indicators import catalogue, ingest

ROOT = Path(__file__).resolve().parents[1]
DIMENSIONS_CSV = ROOT.parent / "shared" / "reference" / "evaluation" / "indicator_dimensions.csv"
CAT = catalogue.load()


def _entry(**changes: object) -> catalogue.Indicator:
    return dataclasses.replace(CAT.get("falls65"), **changes)


def test_every_row_is_complete_and_in_the_vocabularies():
    assert len(CAT) >= 12
    for ind in CAT:
        for name in ("id", "title", "short_title", "unit", "age", "source", "source_url", "note"):
            assert getattr(ind, name).strip(), (ind.id, name)
        assert ind.dimension in catalogue.DIMENSIONS
        assert ind.polarity in catalogue.CATALOGUE_POLARITIES  # never not_applicable
        assert ind.statistic in catalogue.STATISTICS
        assert ind.sex in catalogue.SEXES
        assert ind.period_type in catalogue.PERIOD_TYPES
        assert ind.source_url.startswith("https://")
        if ind.statistic in ("proportion", "crude_rate", "dsr"):
            assert ind.multiplier is not None, ind.id


def test_ids_and_fingertips_ids_are_unique():
    assert len(set(CAT.ids)) == len(CAT)
    fingertips = [i.fingertips_id for i in CAT if i.fingertips_id is not None]
    assert len(set(fingertips)) == len(fingertips)


def test_the_issue_s_indicators_are_all_there():
    # issue 3, item 2: the integrated-care indicators named in the brief
    named = {
        "emergency_admissions_65",
        "falls65",
        "dtoc",
        "readmissions_30d",
        "care_home_admissions_65",
        "reablement_91d",
        "self_harm",
        "alcohol_narrow",
    }
    assert named <= set(CAT.ids)
    assert CAT.get("falls65").fingertips_id == 22401
    assert CAT.get("self_harm").fingertips_id == 21001
    assert CAT.get("alcohol_narrow").fingertips_id == 91414


def test_the_three_with_packaged_data_are_marked_and_match_the_data():
    assert CAT.with_data().ids == ("falls65", "self_harm", "alcohol_narrow")
    assert set(ingest.packaged()["indicator_id"]) == set(CAT.with_data().ids)


def test_every_dimension_of_the_evaluation_is_used():
    assert {i.dimension for i in CAT} == set(catalogue.DIMENSIONS)


@pytest.mark.skipif(not DIMENSIONS_CSV.exists(), reason="no ../shared reference")
def test_the_dimensions_are_the_evaluation_s_six():
    with DIMENSIONS_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["dimension_id"]: r["dimension_as_written"] for r in rows} == catalogue.DIMENSIONS


def test_unconfirmed_facts_say_so():
    # entries without a confirmed polarity make no judgement, and say why
    for ind in CAT:
        if ind.polarity == "no_judgement":
            assert "unconfirmed" in ind.note, ind.id


def test_polarity_agrees_with_the_publisher_s_own_comparisons():
    """A 'Better' area must lie on the good side of England's value (and 'Worse' on the
    bad side): a better area's interval excludes England's value, so its value does too."""
    data = ingest.packaged()
    for indicator_id, rows in data.groupby("indicator_id"):
        england = rows[rows["area_code"] == "E92000001"].set_index("period")["value"]
        compared = rows.assign(england=rows["period"].map(england))
        better = compared[compared["fingertips_comparison"] == "Better"]
        worse = compared[compared["fingertips_comparison"] == "Worse"]
        assert len(better) > 100
        assert len(worse) > 100
        assert CAT.get(str(indicator_id)).polarity == "lower_is_better"
        assert (better["value"] < better["england"]).all()
        assert (worse["value"] > worse["england"]).all()


def test_get_an_unknown_id_names_close_matches():
    with pytest.raises(AnalysisError) as raised:
        CAT.get("falls_65")
    assert "'falls65'" in str(raised.value)
    assert "unknown indicator 'falls_65'" in str(raised.value)


def test_lookups_and_membership():
    assert CAT.by_fingertips_id(21001) is CAT.get("self_harm")
    assert CAT.by_fingertips_id(1) is None
    assert "dtoc" in CAT
    assert "nothing" not in CAT
    assert [i.id for i in CAT] == list(CAT.ids)
    assert CAT.get("reablement_91d").compared
    assert not CAT.get("emergency_admissions_65").compared
    assert CAT.get("falls65").dimension_label == "Service proxies for outcomes"


def test_the_frame_has_one_row_per_indicator():
    frame = CAT.frame()
    assert list(frame.columns) == [*catalogue.CATALOGUE_COLUMNS, "dimension_label"]
    assert len(frame) == len(CAT)
    assert frame["multiplier"].dtype == "Int64"
    assert frame.loc[frame["id"] == "falls65", "fingertips_id"].item() == 22401
    assert pd.isna(frame.loc[frame["id"] == "dtoc", "fingertips_id"].item())
    assert frame["has_packaged_data"].sum() == 3


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"polarity": "low_is_good"}, "polarity is 'low_is_good'"),
        ({"statistic": "rate"}, "statistic is 'rate'"),
        ({"dimension": "outcomes"}, "dimension is 'outcomes'"),
        ({"id": "Falls 65"}, "expected a snake_case id"),
        ({"multiplier": 0}, "multiplier is 0"),
        ({"fingertips_id": True}, "fingertips_id is True"),
        ({"sex": "All"}, "sex is 'All'"),
        ({"statistic": "proportion", "multiplier": 1000}, "expected 1 or 100 for a proportion"),
        ({"title": "  "}, "title is '  '"),
    ],
)
def test_an_entry_checks_its_own_fields(changes, fragment):
    with pytest.raises(AnalysisError) as raised:
        _entry(**changes)
    assert fragment in str(raised.value)
    assert "indicator " in str(raised.value)


def test_a_user_defined_indicator_may_be_not_applicable():
    ind = _entry(id="my_measure", polarity="not_applicable", fingertips_id=None)
    assert not ind.compared


def test_duplicate_ids_are_refused():
    with pytest.raises(AnalysisError, match="appears twice"):
        catalogue.Catalogue((CAT.get("dtoc"), CAT.get("dtoc")))


def _write_catalogue(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(catalogue.CATALOGUE_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _row(**changes: str) -> dict[str, str]:
    frame = CAT.frame()
    row = frame[frame["id"] == "falls65"].iloc[0]
    out = {c: ("" if pd.isna(row[c]) else str(row[c])) for c in catalogue.CATALOGUE_COLUMNS}
    out["has_packaged_data"] = "false"
    out.update(changes)
    return out


def test_a_user_catalogue_file_loads_with_not_applicable(tmp_path):
    path = _write_catalogue(
        tmp_path / "mine.csv",
        [_row(id="my_falls", fingertips_id="", polarity="not_applicable", multiplier="")],
    )
    mine = catalogue.load(path)
    assert mine.ids == ("my_falls",)
    assert mine.get("my_falls").multiplier is None
    assert mine.get("my_falls").polarity == "not_applicable"


def test_a_bad_user_catalogue_names_row_and_column(tmp_path):
    path = _write_catalogue(
        tmp_path / "bad.csv",
        [_row(id="ok_one"), _row(id="bad_one", fingertips_id="22,401", polarity="better")],
    )
    with pytest.raises(DataFileError) as raised:
        catalogue.load(path)
    message = str(raised.value)
    assert "bad.csv" in message
    assert "row 3, column 'fingertips_id': not a whole number; found '22,401'" in message
    assert "row 3, column 'polarity'" in message
    assert "Fix: correct the catalogue file" in message
    assert raised.value.row == 3


def test_a_catalogue_file_without_a_column_says_which(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("id,title\nx,y\n", encoding="utf-8")
    with pytest.raises(DataFileError) as raised:
        catalogue.load(path)
    assert raised.value.column == "short_title"
    assert "missing column(s) short_title" in str(raised.value)


@pytest.mark.parametrize(
    ("label", "polarity"),
    [
        ("RAG - Low is good   ", "lower_is_better"),
        ("RAG - High is good", "higher_is_better"),
        ("BOB - Blue orange blue", "no_judgement"),
        ("Not applicable", "not_applicable"),
    ],
)
def test_fingertips_polarity_labels(label, polarity):
    assert catalogue.polarity_from_fingertips(label) == polarity


def test_an_unknown_fingertips_polarity_label_is_refused():
    with pytest.raises(AnalysisError, match="RAG - Middle is good"):
        catalogue.polarity_from_fingertips("RAG - Middle is good")
