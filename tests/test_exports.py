"""Exporters: CSV and XLSX neutralise formula text and keep numbers; SPSS round-trips."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import pytest

from pioneer.errors import AnalysisError
from pioneer.survey import exports, imports, instrument
from pioneer.survey import frame as response_frame

FIXTURES = Path(__file__).parent / "fixtures" / "imports"


@pytest.fixture(scope="module")
def ki2018():
    return instrument.load("ki2018")


@pytest.fixture(scope="module")
def responses(ki2018) -> pd.DataFrame:
    return imports.read_csv_long(FIXTURES / "ki2018_expected_long.csv", ki2018)


def _tiny(comment: str) -> pd.DataFrame:
    return response_frame.normalise(
        pd.DataFrame(
            {
                "respondent_id": ["R_1", "R_1", "R_1"],
                "panel_id": ["KI-1"] * 3,
                "wave": [2018] * 3,
                "site": ["kent"] * 3,
                "org_type": ["LA"] * 3,
                "item": ["role", "initiatives.mdt", "comments"],
                "value": ["director", "1", comment],
            }
        )
    )


def _sorted(table: pd.DataFrame) -> pd.DataFrame:
    out = table.loc[:, list(response_frame.COLUMNS)].astype(str)
    return out.sort_values(["respondent_id", "item"]).reset_index(drop=True)


def test_csv_long_neutralises_formula_text(responses, tmp_path):
    path = exports.write_csv(responses, tmp_path / "long.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(responses)
    comments = {r["panel_id"]: r["value"] for r in rows if r["item"] == "comments"}
    assert comments["KI-0001"] == '\'=HYPERLINK("http://example.org","more")'
    assert comments["KI-0005"] == "'+44 is not a formula either"
    assert comments["KI-0002"] == "  Two spaces first, kept as typed"  # not a formula: as typed
    assert {r["wave"] for r in rows} == {"2018"}


def test_csv_wide_in_questionnaire_order(responses, ki2018, tmp_path):
    path = exports.write_csv(responses, tmp_path / "wide.csv", layout="wide", instrument=ki2018)
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[:7] == [
        "respondent_id",
        "panel_id",
        "wave",
        "site",
        "org_type",
        "role",
        "initiatives.mdt",
    ]
    assert header[-1] == "comments"
    wide = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert len(wide) == responses["respondent_id"].nunique()


def test_csv_wide_reads_back(ki2018, tmp_path):
    frame = _tiny("No formulas here")
    path = exports.write_csv(frame, tmp_path / "wide.csv", layout="wide", instrument=ki2018)
    pd.testing.assert_frame_equal(_sorted(imports.read_csv_wide(path, ki2018)), _sorted(frame))


def test_xlsx_neutralises_text_and_keeps_numbers(ki2018, tmp_path):
    frame = _tiny("=1+2")
    path = exports.write_xlsx(frame, tmp_path / "wide.xlsx", layout="wide", instrument=ki2018)
    sheet = openpyxl.load_workbook(path)["responses"]
    header = [c.value for c in sheet[1]]
    row = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert row["wave"].value == 2018
    assert row["wave"].data_type == "n"
    assert row["initiatives.mdt"].value == 1  # a tick box is a number in the wide layout
    assert row["comments"].value == "'=1+2"
    assert row["comments"].data_type == "s"  # text, not a formula
    assert row["role"].value == "director"


def test_xlsx_long_layout(ki2018, tmp_path):
    frame = _tiny("@SUM(1)\x07bell")
    path = exports.write_xlsx(frame, tmp_path / "long.xlsx")
    sheet = openpyxl.load_workbook(path)["responses"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[2] for r in rows] == [2018, 2018, 2018]
    values = {r[5]: r[6] for r in rows}
    assert values["initiatives.mdt"] == "1"  # long values stay text codes
    # Neutralised, and the control character Excel refuses replaced.
    assert values["comments"] == "'@SUM(1)\N{REPLACEMENT CHARACTER}bell"


def test_spss_round_trip(responses, ki2018, tmp_path):
    path = exports.write_spss(responses, tmp_path / "ki2018.sav", ki2018)
    back = imports.read_spss(path, ki2018)
    pd.testing.assert_frame_equal(_sorted(back), _sorted(responses))


def test_spss_names_labels_and_value_labels(responses, ki2018, tmp_path):
    path = exports.write_spss(responses, tmp_path / "ki2018.sav", ki2018)
    data, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    assert list(data.columns[:6]) == [
        "respondent_id",
        "panel_id",
        "wave",
        "site",
        "org_type",
        "role",
    ]
    assert "objectives_top3_unplanned_admissions" in data.columns
    assert meta.variable_value_labels["progress_joined_up"] == {
        1.0: "Substantial",
        2.0: "Some",
        3.0: "None",
        4.0: "Do not know",
    }
    assert meta.variable_value_labels["initiatives_mdt"] == {1.0: "Selected", 0.0: "Not selected"}
    assert meta.column_names_to_labels["role"] == ki2018.variable("role").label
    assert "comments" not in meta.variable_value_labels
    # Text is not neutralised in .sav files: SPSS does not run formulas.
    assert '=HYPERLINK("http://example.org","more")' in set(data["comments"])


def test_spss_names_are_stable():
    assert exports.spss_name("progress.joined_up") == "progress_joined_up"
    assert exports.spss_name("role") == "role"
    names = exports.spss_names("ki2018")
    assert names["barriers.unpublished_1"] == "barriers_unpublished_1"
    assert len(set(names.values())) == len(names)


def test_spss_refuses_items_of_another_instrument(ki2018, tmp_path):
    frame = _tiny("x")
    frame.loc[1, "item"] = "policy_helpfulness.bcf"  # a 2016-only item
    with pytest.raises(AnalysisError, match=r"does not define: policy_helpfulness\.bcf"):
        exports.write_spss(frame, tmp_path / "x.sav", ki2018)
    assert not (tmp_path / "x.sav").exists()


def test_spss_refuses_another_wave(tmp_path):
    with pytest.raises(AnalysisError, match="is for 2016"):
        exports.write_spss(_tiny("x"), tmp_path / "x.sav", "ki2016")


def test_unknown_layout(tmp_path):
    with pytest.raises(AnalysisError, match="unknown layout 'diagonal'"):
        exports.write_csv(_tiny("x"), tmp_path / "x.csv", layout="diagonal")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_no_file(tmp_path, monkeypatch):
    def broken(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(OSError, match="disk full"):
        exports.write_csv(_tiny("x"), tmp_path / "x.csv")
    assert list(tmp_path.iterdir()) == []
