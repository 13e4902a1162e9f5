"""Each malformed fixture fails with one error naming the file, row, column and value.

The files are written by ``tests/fixtures/imports/make_fixtures.py``. Rows are spreadsheet
rows (header rows counted) for CSV files and case numbers for .sav/.dta files; the
expected rows below were counted by hand in the fixture files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pioneer.errors import DataFileError
from pioneer.survey import imports, instrument

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
BAD = FIXTURES / "malformed"
QUALTRICS = FIXTURES / "qualtrics_ki2018.csv"
MAPPING = FIXTURES / "qualtrics_ki2018_mapping.csv"


def _read(name: str):
    ins = instrument.load("ki2018")
    path = BAD / name
    if name.startswith("long_"):
        return imports.read_csv_long(path, ins)
    if name.startswith("wide_"):
        return imports.read_csv_wide(path, ins)
    if name.startswith("qualtrics_"):
        return imports.read_qualtrics(path, MAPPING, ins)
    if name.startswith("mapping_"):
        return imports.read_qualtrics(QUALTRICS, path, ins)
    if name.endswith(".sav"):
        return imports.read_spss(path, ins)
    return imports.read_stata(path, ins)


# (fixture, file the error names, row, column, fragments of the message)
CASES = [
    ("long_empty.csv", None, None, None, ["the file is empty"]),
    ("long_header_only.csv", None, 1, None, ["header but no data rows"]),
    ("long_ragged.csv", None, 4, None, ["8 cells but the header has 7 columns"]),
    (
        "long_unknown_item.csv",
        None,
        3,
        "item",
        ["not an item code of instrument ki2018", "'progress.joined_upp'", "'progress.joined_up'"],
    ),
    (
        "long_value_outside_scale.csv",
        None,
        4,
        "value",
        ["not an answer code of 'progress.costs'", "'excellent'", "substantial, some, none"],
    ),
    (
        "long_pick_n_four.csv",
        None,
        10,
        "value",
        ["4 options of 'objectives_top3'", "at most 3", "'R_2'"],
    ),
    (
        "long_duplicate_item.csv",
        None,
        7,
        "item",
        ["already has an answer to this item (row 3)", "'progress.joined_up'"],
    ),
    (
        "long_inconsistent_site.csv",
        None,
        4,
        "site",
        ["site differs from the respondent's first row (row 2: 'barnsley')", "'greenwich'"],
    ),
    ("long_unknown_site.csv", None, 5, "site", ["unknown site", "'leds'", "'leeds'"]),
    (
        "long_bad_org_type.csv",
        None,
        2,
        "org_type",
        ["unknown organisation type", "'NHS Provider'", "did you mean 'NHS provider'"],
    ),
    ("long_wave_not_number.csv", None, 5, "wave", ["not a survey year", "'twenty18'"]),
    (
        "long_wave_mismatch.csv",
        None,
        2,
        "wave",
        ["2 problems", "does not match instrument ki2018", "'2017'", "row 5, column 'wave'"],
    ),
    (
        "long_panel_email.csv",
        None,
        5,
        "panel_id",
        ["panel id is an e-mail address", "'…@example.org'"],
    ),
    ("long_missing_column.csv", None, 1, None, ["required column missing: org_type"]),
    (
        "wide_duplicate_respondent.csv",
        None,
        4,
        "respondent_id",
        ["respondent id repeated (first on row 2)", "'R_7'"],
    ),
    (
        "wide_pick_n_four.csv",
        None,
        3,
        "objectives_top3.greater_say",
        ["4 options of 'objectives_top3' are selected", "at most 3"],
    ),
    ("wide_panel_name.csv", None, 2, "panel_id", ["looks like a name", "'Jane Smith'"]),
    (
        "qualtrics_no_header.csv",
        None,
        1,
        None,
        ["not a Qualtrics export with its header rows", "three header rows"],
    ),
    ("qualtrics_one_header.csv", None, 2, None, ["only one header row", "three header rows"]),
    ("qualtrics_two_headers.csv", None, 3, None, ["two header rows, not three", "ImportId"]),
    ("qualtrics_header_only.csv", None, 3, None, ["header but no data rows"]),
    (
        "qualtrics_cp1252.csv",
        None,
        7,  # the 4th response, whose comment has "Café"
        None,
        ["not UTF-8", "Windows-1252", "0xE9", "re-export the file as UTF-8"],
    ),
    ("qualtrics_utf16.csv", None, None, None, ["UTF-16", "re-export the file as UTF-8"]),
    (
        "qualtrics_value_not_in_map.csv",
        None,
        5,
        "Q6_2",
        ["not in the mapping's value_map for 'progress.self_manage'", "'7'", "1, 2, 3, 4"],
    ),
    (
        "mapping_absent_column.csv",
        "mapping_absent_column.csv",
        54,
        "qualtrics_column",
        ["names a column that qualtrics_ki2018.csv does not have", "'Q99'", "'Q9'"],
    ),
    (
        "mapping_unknown_item.csv",
        "mapping_unknown_item.csv",
        24,
        "item",
        ["unknown item code for instrument ki2018", "'progress.joined_upp'"],
    ),
    (
        "mapping_contact_column.csv",
        "mapping_contact_column.csv",
        2,
        "qualtrics_column",
        ["holds contact details and is never imported", "'RecipientEmail'"],
    ),
    (
        "spss_unknown_variable.sav",
        None,
        None,
        "progress_joinedup_2",
        ["3 problems", "not an item code of instrument ki2018", "value labels"],
    ),
    (
        "stata_wave_and_value.dta",
        None,
        1,
        "wave",
        ["2 problems", "'2017'", "row 2, column 'progress_joined_up'", "'9'"],
    ),
]


def test_there_are_at_least_twenty_malformed_files():
    assert len(CASES) >= 20
    on_disk = {p.name for p in BAD.iterdir()} - {"wide_formula_text.csv"}
    assert on_disk == {case[0] for case in CASES}


@pytest.mark.parametrize(
    ("name", "names_file", "row", "column", "fragments"), CASES, ids=[c[0] for c in CASES]
)
def test_malformed_file_is_rejected(name, names_file, row, column, fragments):
    with pytest.raises(DataFileError) as caught:
        _read(name)
    error = caught.value
    message = str(error)
    assert Path(error.file).name == (names_file or name)
    assert message.startswith(error.file)
    assert error.row == row
    assert error.column == column
    if row is not None:
        assert f"row {row}" in message
    for fragment in fragments:
        assert fragment in message
    assert error.problems
    assert error.problems[0].row == row
    # Contact details are never echoed back, even from a rejected file.
    assert "a.person@" not in message


LONG = "respondent_id,panel_id,wave,site,org_type,item,value\n"

# (reader, file content, row, column, fragments): small cases written on the fly.
INLINE = [
    (
        "long",
        LONG.replace("value\n", "value,email\n") + "R_1,KI-1,2018,kent,LA,role,director,x@y.z\n",
        1,
        "email",
        ["unexpected column in a long response file"],
    ),
    (
        "long",
        LONG + "R_1,KI-1,2018,kent,LA,role,\n",
        2,
        "value",
        ["the value is blank", "an unanswered item has no row"],
    ),
    (
        "long",
        LONG + "R_1,KI-1,2018,kent,LA,site,kent\n",
        2,
        "item",
        ["'site' is a respondent column, not an item"],
    ),
    (
        "long",
        "respondent_id,panel_id,wave,site,site,item,value\nR_1,KI-1,2018,kent,LA,role,director\n",
        1,
        "site",
        ["the header names this column twice"],
    ),
    (
        "long",
        LONG + 'R_1,KI-1,2018,kent,LA,comments,"unclosed\n',
        2,
        None,
        ["not valid CSV"],
    ),
    (
        "wide",
        "respondent_id,panel_id,wave,site,org_type,initiatives.mdt\nR_1,KI-1,2018,kent,LA,yes\n",
        2,
        "initiatives.mdt",
        ["'initiatives.mdt' is a tick box", "'yes'", "1 (selected) or 0 (not selected)"],
    ),
    (
        "wide",
        "respondent_id,panel_id,wave,site,org_type,progress.costs,progress_costs\n"
        "R_1,KI-1,2018,kent,LA,some,some\n",
        None,
        "progress_costs",
        ["two columns hold item 'progress.costs'"],
    ),
    (
        "wide",
        "respondent_id,panel_id,wave,site,org_type,role\n,KI-1,2018,kent,LA,director\n",
        2,
        "respondent_id",
        ["the respondent id is blank"],
    ),
    (
        "wide",
        "respondent_id,panel_id,wave,site,org_type,role\nR_1,,2018,kent,LA,director\n",
        2,
        "panel_id",
        ["the panel id is blank", "pseudonymous panel id"],
    ),
    (
        "wide",
        "respondent_id,panel_id,wave,role\nR_1,KI-1,2018,director\n",
        1,
        None,
        ["required columns missing: site, org_type"],
    ),
]


@pytest.mark.parametrize(
    ("reader", "content", "row", "column", "fragments"),
    INLINE,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(INLINE)],
)
def test_small_malformed_files(tmp_path, reader, content, row, column, fragments):
    path = tmp_path / "responses.csv"
    path.write_text(content, encoding="utf-8")
    read = imports.read_csv_long if reader == "long" else imports.read_csv_wide
    with pytest.raises(DataFileError) as caught:
        read(path, "ki2018")
    assert (caught.value.row, caught.value.column) == (row, column)
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_qualtrics_wave_must_match_the_instrument():
    with pytest.raises(
        DataFileError, match=r"wave 2017 does not match instrument ki2018"
    ) as caught:
        imports.read_qualtrics(QUALTRICS, MAPPING, "ki2018", wave=2017)
    assert Path(caught.value.file).name == "qualtrics_ki2018.csv"


def test_mapping_must_name_the_panel_id_column(tmp_path):
    text = MAPPING.read_text(encoding="utf-8").replace("ExternalReference,panel_id,\n", "")
    (tmp_path / "map.csv").write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match="does not say which column holds panel_id"):
        imports.read_qualtrics(QUALTRICS, tmp_path / "map.csv", "ki2018")


def test_mapping_recode_to_an_unknown_code(tmp_path):
    text = MAPPING.read_text(encoding="utf-8").replace("2=LA; 3=NHS provider", "2=LA; 3=NHS")
    (tmp_path / "map.csv").write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        imports.read_qualtrics(QUALTRICS, tmp_path / "map.csv", "ki2018")
    assert caught.value.column == "value_map"
    assert "recodes '3' to a code 'org_type' does not have" in str(caught.value)
    assert "did you mean 'NHS provider'" in str(caught.value)


def test_yaml_mapping_for_another_instrument(tmp_path):
    text = (FIXTURES / "qualtrics_ki2018_text_mapping.yaml").read_text(encoding="utf-8")
    (tmp_path / "map.yaml").write_text(
        text.replace("instrument: ki2018", "instrument: ki2017"), encoding="utf-8"
    )
    with pytest.raises(DataFileError, match="the mapping is for instrument ki2017, not ki2018"):
        imports.read_qualtrics(
            FIXTURES / "qualtrics_ki2018_text.csv", tmp_path / "map.yaml", "ki2018"
        )
