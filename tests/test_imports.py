"""Importers: every format reads the same made-up respondents into the same frame.

The fixtures are written by ``tests/fixtures/imports/make_fixtures.py``, which encodes its
respondents into each format itself; ``ki2018_expected_long.csv`` is its record of what
the readers must return. The hand-decoded cells below were read off the export by eye.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from pioneer.errors import DataFileError
from pioneer.survey import frame as response_frame
from pioneer.survey import imports, instrument

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
QUALTRICS = FIXTURES / "qualtrics_ki2018.csv"
MAPPING = FIXTURES / "qualtrics_ki2018_mapping.csv"


@pytest.fixture(scope="module")
def ki2018():
    return instrument.load("ki2018")


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    table = pd.read_csv(FIXTURES / "ki2018_expected_long.csv", dtype=str, keep_default_na=False)
    return _sorted(table)


def _sorted(table: pd.DataFrame) -> pd.DataFrame:
    out = table.loc[:, list(response_frame.COLUMNS)].astype(str)
    return out.sort_values(["respondent_id", "item"]).reset_index(drop=True)


def _value(table: pd.DataFrame, panel: str, item: str) -> str | None:
    hit = table[(table["panel_id"] == panel) & (table["item"] == item)]
    return None if hit.empty else str(hit["value"].iloc[0])


READERS = {
    "qualtrics numeric + CSV mapping": lambda ins: imports.read_qualtrics(QUALTRICS, MAPPING, ins),
    "qualtrics choice text + YAML mapping": lambda ins: imports.read_qualtrics(
        FIXTURES / "qualtrics_ki2018_text.csv",
        FIXTURES / "qualtrics_ki2018_text_mapping.yaml",
        ins,
        wave=2018,
    ),
    "pioneer long CSV": lambda ins: imports.read_csv_long(
        FIXTURES / "ki2018_expected_long.csv", ins
    ),
    "pioneer wide CSV": lambda ins: imports.read_csv_wide(FIXTURES / "ki2018_wide.csv", ins),
    "read_csv detects long": lambda ins: imports.read_csv(
        FIXTURES / "ki2018_expected_long.csv", ins
    ),
    "read_csv detects wide": lambda ins: imports.read_csv(FIXTURES / "ki2018_wide.csv", ins),
    "spss .sav": lambda ins: imports.read_spss(FIXTURES / "ki2018.sav", ins),
    "stata .dta": lambda ins: imports.read_stata(FIXTURES / "ki2018.dta", instrument=ins),
}


@pytest.mark.parametrize("reader", list(READERS), ids=list(READERS))
def test_every_format_gives_the_expected_frame(reader, ki2018, expected):
    got = READERS[reader](ki2018)
    assert list(got.columns) == list(response_frame.COLUMNS)
    assert got["wave"].dtype == "int64"
    pd.testing.assert_frame_equal(_sorted(got), expected)


def test_instrument_may_be_given_by_id(expected):
    got = imports.read_csv_long(FIXTURES / "ki2018_expected_long.csv", "ki2018")
    assert len(got) == len(expected)


def test_qualtrics_cells_decoded_by_hand(ki2018):
    """Row 4 of the export (KI-0001), read by eye: Q1=8, Q2=2, Q3=2, Q4_1 blank, Q4_3=1,
    Q5_1/Q5_3/Q5_4 ticked, Q6_1=4, Q7_3=4, Q8_2=2; row 7 (KI-0004) ticked no initiative."""
    got = imports.read_qualtrics(QUALTRICS, MAPPING, ki2018)
    person = got[got["panel_id"] == "KI-0001"].iloc[0]
    assert person["site"] == "greater_manchester"  # 8th of the 25 sites in registry order
    assert person["org_type"] == "LA"  # 1=CCG 2=LA
    assert _value(got, "KI-0001", "role") == "chief_executive"
    assert _value(got, "KI-0001", "initiatives.care_navigators") == "1"
    # Qualtrics leaves unticked boxes blank; they are "not selected" once anything is ticked.
    assert _value(got, "KI-0001", "initiatives.mdt") == "0"
    ticked = got[
        (got["panel_id"] == "KI-0001")
        & got["item"].str.startswith("objectives_top3.")
        & (got["value"] == "1")
    ]
    assert sorted(ticked["item"]) == [
        "objectives_top3.joined_up",
        "objectives_top3.quality_of_care",
        "objectives_top3.unplanned_admissions",
    ]
    assert _value(got, "KI-0001", "progress.joined_up") == "dont_know"  # 4th progress code
    assert _value(got, "KI-0001", "barriers.information_governance") == "dont_know"
    assert _value(got, "KI-0001", "facilitators.co_design") == "fairly"
    # A question left wholly unanswered gives no rows.
    assert not got[(got["panel_id"] == "KI-0004") & got["item"].str.startswith("initiatives.")].size


def test_qualtrics_skips_preview_and_unfinished_with_notes(ki2018):
    got = imports.read_qualtrics(QUALTRICS, MAPPING, ki2018)
    assert got["respondent_id"].nunique() == 8  # 10 rows: one preview, one unfinished
    notes = imports.notes(got)
    assert "skipped 1 preview/test response(s) (row 12)" in notes
    assert any(n.startswith("skipped 1 unfinished response(s) (row 13)") for n in notes)
    assert got.attrs["source"].endswith("qualtrics_ki2018.csv")


def test_qualtrics_include_partial_imports_the_unfinished_response(ki2018):
    got = imports.read_qualtrics(QUALTRICS, MAPPING, ki2018, include_partial=True)
    want = pd.read_csv(
        FIXTURES / "ki2018_with_partial_expected_long.csv", dtype=str, keep_default_na=False
    )
    pd.testing.assert_frame_equal(_sorted(got), _sorted(want))
    assert "KI-0010" in set(got["panel_id"])


def test_contact_details_never_enter_the_frame(ki2018):
    got = imports.read_qualtrics(QUALTRICS, MAPPING, ki2018)
    text = got.to_csv(index=False)
    for contact in ("@example.org", "192.0.2.", "Person", "Alex1", "51.5072", "-0.1276"):
        assert contact not in text
    assert "contact columns dropped unread" in " ".join(imports.notes(got))


def test_qualtrics_columns_may_be_named_by_import_id(ki2018, tmp_path):
    """Row 3 ImportIds (QID6_1) name the same columns as row 1 ids (Q6_1)."""
    mapping = MAPPING.read_text(encoding="utf-8").replace("\nQ6_", "\nQID6_")
    (tmp_path / "by_qid.csv").write_text(mapping, encoding="utf-8")
    by_id = imports.read_qualtrics(QUALTRICS, tmp_path / "by_qid.csv", ki2018)
    by_name = imports.read_qualtrics(QUALTRICS, MAPPING, ki2018)
    pd.testing.assert_frame_equal(_sorted(by_id), _sorted(by_name))


def test_text_answers_are_kept_exactly(ki2018):
    got = imports.read_qualtrics(QUALTRICS, MAPPING, ki2018)
    assert _value(got, "KI-0001", "comments") == '=HYPERLINK("http://example.org","more")'
    assert _value(got, "KI-0002", "comments") == "  Two spaces first, kept as typed"
    assert _value(got, "KI-0003", "comments") == (
        "Good start; more to do on shared records.\nSecond line of the comment."
    )
    assert _value(got, "KI-0004", "comments") == "Café budget cut by £5k – see minutes"


def test_formula_text_in_a_wide_csv_imports_unchanged(ki2018):
    got = imports.read_csv_wide(FIXTURES / "malformed" / "wide_formula_text.csv", ki2018)
    assert got["value"].tolist() == ["=cmd|' /C calc'!A0"]


def test_stata_names_cut_to_32_characters_are_resolved(ki2018):
    """``objectives_top3_unplanned_admissions`` is 36 characters; Stata keeps 32."""
    got = imports.read_stata(FIXTURES / "ki2018.dta", ki2018)
    assert "objectives_top3.unplanned_admissions" in set(got["item"])


def test_spss_value_labels_become_codes(ki2018):
    """The .sav numbers sites 1-25 with display names as labels, and grid answers 1-4."""
    got = imports.read_spss(FIXTURES / "ki2018.sav", ki2018)
    assert set(got["site"]) <= set(ki2018.attributes()["site"].values)
    assert _value(got, "KI-0001", "progress.joined_up") == "dont_know"


def test_spss_with_a_mapping_file(ki2018, tmp_path):
    """A mapping can rename a variable and recode its values."""
    import pyreadstat

    data = pd.DataFrame(
        {
            "id": ["R_1", "R_2"],
            "panel": ["KI-1", "KI-2"],
            "wave": [2018.0, 2018.0],
            "site": ["kent", "leeds"],
            "org_type": ["LA", "CCG"],
            "q6a": [1.0, 3.0],
        }
    )
    for column in ("id", "panel", "site", "org_type"):
        data[column] = data[column].astype(object)
    pyreadstat.write_sav(data, str(tmp_path / "own.sav"))
    (tmp_path / "map.csv").write_text(
        "column,item,value_map\nid,respondent_id,\npanel,panel_id,\n"
        "q6a,progress.joined_up,1=substantial; 2=some; 3=none; 4=dont_know\n",
        encoding="utf-8",
    )
    got = imports.read_spss(tmp_path / "own.sav", ki2018, mapping=tmp_path / "map.csv")
    assert _value(got, "KI-1", "progress.joined_up") == "substantial"
    assert _value(got, "KI-2", "progress.joined_up") == "none"


def test_mapping_csv_and_yaml_forms(tmp_path):
    csv_form = imports.read_mapping(MAPPING)
    assert csv_form.target("panel_id").column == "ExternalReference"
    assert csv_form.target("progress.costs").recode == {
        "1": "substantial",
        "2": "some",
        "3": "none",
        "4": "dont_know",
    }
    (tmp_path / "m.yaml").write_text(
        "panel_id: ExternalReference\n"
        "site: {column: Q1, values: {1: barnsley, 2: kent}}\n"
        "org_type: Q2\n"
        "value_maps:\n  yes_no: {Yes: '1', No: '0'}\n"
        "columns:\n  Q4_1: {item: initiatives.mdt, values: yes_no}\n  Q9: comments\n",
        encoding="utf-8",
    )
    yaml_form = imports.read_mapping(tmp_path / "m.yaml")
    # Every scalar stays text: 1 is "1", Yes is "Yes" (not a boolean).
    assert yaml_form.target("site").recode == {"1": "barnsley", "2": "kent"}
    assert yaml_form.target("initiatives.mdt").recode == {"Yes": "1", "No": "0"}
    assert yaml_form.target("comments").column == "Q9"


def test_a_bad_file_changes_nothing(ki2018, tmp_path):
    """Readers are pure: the input file is untouched and nothing is written beside it."""
    bad = tmp_path / "bad.csv"
    shutil.copy(FIXTURES / "malformed" / "long_unknown_site.csv", bad)
    before = bad.read_bytes()
    with pytest.raises(DataFileError):
        imports.read_csv_long(bad, ki2018)
    assert bad.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_many_problems_are_listed_up_to_twenty(ki2018, tmp_path):
    lines = ["respondent_id,panel_id,wave,site,org_type,item,value"]
    lines += [f"R_{i},KI-{i:04d},2018,kent,LA,role,boss{i}" for i in range(1, 26)]
    (tmp_path / "many.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        imports.read_csv_long(tmp_path / "many.csv", ki2018)
    error = caught.value
    message = str(error)
    assert "25 problems, nothing was imported (the first 20 are listed)" in message
    assert "row 21, column 'value'" in message
    assert "'boss20'" in message
    assert "row 22," not in message  # the 21st problem is counted, not listed
    assert len(error.problems) == 25
    assert (error.row, error.column, error.value) == (2, "value", "boss1")


def test_a_missing_file_is_a_data_file_error(ki2018, tmp_path):
    with pytest.raises(DataFileError, match="there is no such file"):
        imports.read_csv_long(tmp_path / "absent.csv", ki2018)
    with pytest.raises(DataFileError, match="there is no such file"):
        imports.read_spss(tmp_path / "absent.sav", ki2018)


def test_a_file_that_is_not_spss(ki2018):
    with pytest.raises(DataFileError, match="cannot read this as a SPSS file"):
        imports.read_spss(MAPPING, ki2018)


def test_validate_frame_checks_an_in_memory_frame(ki2018):
    frame = pd.DataFrame(
        {
            "respondent_id": ["R_1", "R_1"],
            "panel_id": ["KI-1", "KI-1"],
            "wave": [2018, 2018],
            "site": ["kent", "kent"],
            "org_type": ["LA", "LA"],
            "item": ["role", "progress.costs"],
            "value": ["director", "lots"],
        }
    )
    with pytest.raises(DataFileError) as caught:
        imports.validate_frame(frame, ki2018)
    assert (caught.value.row, caught.value.column, caught.value.value) == (3, "value", "lots")
    good = imports.validate_frame(frame.iloc[:1], ki2018)
    assert good["value"].tolist() == ["director"]


@pytest.mark.parametrize(
    ("panel_id", "fragment"),
    [
        ("jane@example.org", "e-mail address"),
        ("Jane Smith", "looks like a name"),
        ("Smith", "looks like a name"),
        ("Smith, J", "looks like a name"),
        ("KI/0042", "characters a pseudonymous id does not use"),
    ],
)
def test_panel_ids_must_be_pseudonymous(ki2018, tmp_path, panel_id, fragment):
    quoted = f'"{panel_id}"'
    (tmp_path / "p.csv").write_text(
        "respondent_id,panel_id,wave,site,org_type,item,value\n"
        f"R_1,{quoted},2018,kent,LA,role,director\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFileError, match=fragment) as caught:
        imports.read_csv_long(tmp_path / "p.csv", ki2018)
    assert caught.value.column == "panel_id"
    assert "jane@" not in str(caught.value)  # the address itself is never echoed


@pytest.mark.parametrize("panel_id", ["KI-0042", "p001", "a1b2c3d4", "2016.17.003"])
def test_pseudonymous_panel_ids_pass(ki2018, tmp_path, panel_id):
    (tmp_path / "p.csv").write_text(
        "respondent_id,panel_id,wave,site,org_type,item,value\n"
        f"R_1,{panel_id},2018,kent,LA,role,director\n",
        encoding="utf-8",
    )
    assert imports.read_csv_long(tmp_path / "p.csv", ki2018)["panel_id"].tolist() == [panel_id]


def test_spreadsheet_quirks_are_tolerated_and_rows_still_count(ki2018, tmp_path):
    """Trailing empty columns (Excel) and blank lines are ignored; a blank line still
    counts as a spreadsheet row, so the bad value below is on row 5."""
    (tmp_path / "q.csv").write_text(
        "respondent_id,panel_id,wave,site,org_type,item,value,,\n"
        "R_1,KI-1,2018,kent,LA,role,director,,\n"
        "\n"
        "R_1,KI-1,2018,kent,LA,progress.costs,some\n"
        "R_1,KI-1,2018,kent,LA,progress.accessible,lots,,\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFileError) as caught:
        imports.read_csv_long(tmp_path / "q.csv", ki2018)
    assert (caught.value.row, caught.value.value) == (5, "lots")
    assert len(caught.value.problems) == 1


def test_qualtrics_with_only_unfinished_responses(ki2018, tmp_path):
    lines = QUALTRICS.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    header = lines[:3]
    unfinished = [line for line in lines if ",40," in line]  # Progress 40: the unfinished one
    (tmp_path / "q.csv").write_text("".join(header + unfinished), encoding="utf-8")
    with pytest.raises(DataFileError, match="no responses left to import") as caught:
        imports.read_qualtrics(tmp_path / "q.csv", MAPPING, ki2018)
    assert "include_partial=True" in str(caught.value)
    got = imports.read_qualtrics(tmp_path / "q.csv", MAPPING, ki2018, include_partial=True)
    assert set(got["panel_id"]) == {"KI-0010"}
