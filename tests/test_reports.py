"""pioneer.reports: one hand-made table rendered in every format.

The table is written out by hand below, percentages included, so every
expected cell is a hand calculation:

    item          wave  n    base  percent   shown
    joined_up     2016  45   90    50.0      50     (45/90)
    joined_up     2017  65   104   62.5      63     (65/104; a half rounds up)
    a|b           2016  --   90    --        blank  (3 of 90: suppressed below 5)
    a|b           2017  26   104   25.0      25     (26/104)
    =HYPERLINK..  2016  9    90    10.0      10     (9/90)
    =HYPERLINK..  2017  13   104   12.5      13     (13/104; a half rounds up)
"""

from __future__ import annotations

import math

import numpy as np
import openpyxl
import pandas as pd
import pytest
from rich.console import Console

from pioneer import reports
from pioneer.reports.csvfile import notes_path_for
from pioneer.reports.grid import build_grid, format_value
from pioneer.reports.markdown import escape_cell
from pioneer.results import Layout, Suppression, TableResult

FORMULA = '=HYPERLINK("http://example.invalid","click")'
SAFE_FORMULA = "'" + FORMULA
TITLE = "Progress in meeting objectives by survey wave (%)"
METHOD = "Percentage of key informants; Wilson 95% interval"


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item": ["joined_up", "joined_up", "a|b", "a|b", FORMULA, FORMULA],
            "wave": [2016, 2017, 2016, 2017, 2016, 2017],
            "n": pd.array([45, 65, None, 26, 9, 13], dtype="Int64"),
            "base": [90, 104, 90, 104, 90, 104],
            "percent": pd.array([50.0, 62.5, None, 25.0, 10.0, 12.5], dtype="Float64"),
        }
    )


def _result(**changes) -> TableResult:
    fields = {
        "name": "progress_by_wave",
        "title": TITLE,
        "frame": _frame(),
        "method": METHOD,
        "bases": pd.DataFrame({"wave": [2016, 2017], "base": [90, 104]}),
        "notes": ("Some progress or substantial progress.",),
        "suppression": Suppression(threshold=5, cells_suppressed=1, columns=("n",)),
        "source": "hand-made test table",
        "layout": Layout(rows=("item",), columns=("wave",), values="percent"),
        "options": {"waves": (2016, 2017)},
    }
    fields.update(changes)
    return TableResult(**fields)


# --- grid and cell formatting ------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "statistic", "shown"),
    [
        (12.5, "percent", "13"),  # half rounds away from zero, as Excel's "0" format does
        (62.5, "percent", "63"),
        (0.5, "percent", "1"),
        (2.5, "ci_lower", "3"),
        (49.4999, "percent", "49"),
        (97, "base", "97"),
        (np.int64(80), "base", "80"),
        (pd.NA, "percent", ""),
        (np.nan, "percent", ""),
        (None, "percent", ""),
        (float("nan"), None, ""),
        (1.25, "rate", "1.3"),
        ("CCG", None, "CCG"),
    ],
)
def test_format_value(value, statistic, shown):
    assert format_value(value, statistic) == shown


def test_grid_follows_the_layout_and_blanks_the_suppressed_cell():
    grid = build_grid(_result())
    assert grid.row_keys == (("joined_up",), ("a|b",), (FORMULA,))
    assert grid.column_keys == ((2016,), (2017,))
    assert grid.cells[0] == (50.0, 62.5)
    assert grid.cells[1] == (None, 25.0)
    assert grid.base_row == (90, 104)
    assert grid.base_column is None


def test_grid_orders_categorical_dimensions_by_their_categories():
    frame = _frame()
    frame["item"] = pd.Categorical(frame["item"], categories=[FORMULA, "a|b", "joined_up"])
    grid = build_grid(_result(frame=frame))
    assert [key[0] for key in grid.row_keys] == [FORMULA, "a|b", "joined_up"]


def test_bases_by_row_dimension_become_a_base_column():
    frame = _frame().rename(columns={"wave": "org_type"})
    frame["org_type"] = ["CCG", "LA"] * 3
    result = _result(
        frame=frame,
        layout=Layout(rows=("org_type",), columns=("item",)),
        bases=pd.DataFrame({"org_type": ["CCG", "LA"], "base": [90, 104]}),
    )
    grid = build_grid(result)
    assert grid.base_column == (90, 104)
    assert grid.base_row is None


def test_bases_that_fit_no_axis_are_listed_in_the_notes():
    result = _result(bases=pd.DataFrame({"site": ["barnsley"], "base": [12]}))
    text = reports.to_markdown(result)
    assert "- Bases: barnsley=12" in text
    assert "| Base |" not in text


def test_without_a_layout_the_tidy_frame_is_shown():
    grid = build_grid(_result(layout=None))
    assert grid.column_headers() == ["item", "wave", "n", "Base", "%"]
    assert grid.cells[2] == ("a|b", 2016, None, 90, None)


def test_two_rows_for_one_cell_is_an_error_naming_the_cell():
    frame = pd.concat([_frame(), _frame().iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match=r"more than one row.*joined_up"):
        build_grid(_result(frame=frame))


def test_a_layout_naming_a_missing_column_is_an_error():
    with pytest.raises(ValueError, match=r"not in the frame: \['site'\]"):
        build_grid(_result(layout=Layout(rows=("site",), columns=("wave",))))


# --- terminal ----------------------------------------------------------------------


def _terminal_text(result: TableResult) -> str:
    console = Console(record=True, width=120)
    reports.to_terminal(result, console)
    return console.export_text()


def _row_cells(text: str, label: str) -> list[str]:
    line = next(line for line in text.splitlines() if label in line)
    return [cell.strip() for cell in line.replace("┃", "│").split("│")[1:-1]]


def test_terminal_shows_title_cells_bases_and_notes():
    text = _terminal_text(_result())
    assert TITLE in text
    assert _row_cells(text, "joined_up") == ["joined_up", "50", "63"]
    assert _row_cells(text, "a|b") == ["a|b", "", "25"]  # suppressed cell is blank
    assert _row_cells(text, "Base") == ["Base", "90", "104"]
    assert f"Method: {METHOD}" in text
    assert "1 cell(s) based on fewer than 5 respondents are suppressed" in text
    assert "Some progress or substantial progress." in text


def test_terminal_shows_markup_like_labels_as_written():
    frame = _frame()
    frame["item"] = frame["item"].replace({"a|b": "[bold]x[/bold]"})
    text = _terminal_text(_result(frame=frame))
    assert "[bold]x[/bold]" in text


def test_terminal_survives_a_table_of_missing_values():
    frame = _frame()
    frame["percent"] = pd.array([None] * 6, dtype="Float64")
    frame["wave"] = pd.array([2016, 2017, 2016, 2017, 2016, None], dtype="Int64")
    text = _terminal_text(_result(frame=frame, bases=None, suppression=None))
    assert _row_cells(text, "joined_up") == ["joined_up", "", "", ""]


def test_render_terminal_prints_to_stdout(capsys):
    assert reports.render(_result(), "terminal") is None
    assert TITLE in capsys.readouterr().out


# --- markdown ----------------------------------------------------------------------


def test_markdown_heading_table_and_notes():
    lines = reports.to_markdown(_result()).splitlines()
    assert lines[0] == f"## {TITLE}"
    table = [line for line in lines if line.startswith("|")]
    assert table == [
        "| Item | 2016 | 2017 |",
        "| --- | ---: | ---: |",
        "| joined_up | 50 | 63 |",
        "| a\\|b |  | 25 |",
        f"| {FORMULA} | 10 | 13 |",
        "| Base | 90 | 104 |",
    ]
    assert f"- Method: {METHOD}" in lines
    assert "- Source: hand-made test table" in lines


def test_markdown_escapes_pipes_and_folds_line_breaks():
    assert escape_cell("a|b\nc") == "a\\|b c"


def test_render_md_returns_text_or_writes_it(tmp_path):
    result = _result()
    assert reports.render(result, "md") == reports.to_markdown(result)
    written = reports.render(result, "markdown", tmp_path / "t.md")
    assert written == [tmp_path / "t.md"]
    assert (tmp_path / "t.md").read_text(encoding="utf-8") == reports.to_markdown(result)


# --- CSV ---------------------------------------------------------------------------


def test_csv_round_trips_with_formulas_neutralised(tmp_path):
    csv_path, notes_path = reports.to_csv(_result(), tmp_path / "progress.csv")
    assert notes_path == tmp_path / "progress.notes.txt" == notes_path_for(csv_path)
    back = pd.read_csv(csv_path, encoding="utf-8")
    expected = _frame()
    expected["item"] = expected["item"].replace({FORMULA: SAFE_FORMULA})
    expected["n"] = expected["n"].astype("float64")
    expected["percent"] = expected["percent"].astype("float64")
    pd.testing.assert_frame_equal(back, expected, check_dtype=False)
    assert list(back.columns) == ["item", "wave", "n", "base", "percent"]


def test_csv_is_only_data_and_notes_go_beside_it(tmp_path):
    csv_path, notes_path = reports.to_csv(_result(), tmp_path / "progress.csv")
    first_line = csv_path.read_text(encoding="utf-8").splitlines()[0]
    assert first_line == "item,wave,n,base,percent"
    notes = notes_path.read_text(encoding="utf-8")
    assert notes.startswith(TITLE + "\n")
    assert "Bases: 2016=90; 2017=104" in notes
    assert f"Method: {METHOD}" in notes
    assert "Options: waves=2016,2017" in notes
    assert "percent: percentage of the base, 0-100" in notes


def test_csv_is_utf8_and_keeps_categorical_formula_text(tmp_path):
    frame = _frame()
    frame["item"] = pd.Categorical(frame["item"].replace({"a|b": "Café"}))
    reports.to_csv(_result(frame=frame), tmp_path / "t.csv")
    raw = (tmp_path / "t.csv").read_bytes()
    assert "Café".encode() in raw
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert SAFE_FORMULA.replace('"', '""').encode() in raw  # quoted, not blanked


def test_render_csv_needs_a_path():
    with pytest.raises(ValueError, match="give a path"):
        reports.render(_result(), "csv")


def test_render_rejects_an_unknown_format():
    with pytest.raises(ValueError, match="unknown report format 'pdf'"):
        reports.render(_result(), "pdf", "x.pdf")


# --- XLSX --------------------------------------------------------------------------


def _sheet_rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def test_xlsx_table_sheet_holds_title_grid_bases_and_notes(tmp_path):
    path = reports.to_xlsx(_result(), tmp_path / "tables.xlsx")
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["contents", "progress_by_wave", "data"]
    sheet = workbook["progress_by_wave"]
    assert sheet["A1"].value == TITLE
    assert [c.value for c in sheet[3]] == ["Item", "2016", "2017"]
    assert [c.value for c in sheet[4]] == ["joined_up", 50, 62.5]
    assert isinstance(sheet["C4"].value, float)
    assert sheet["C4"].number_format == "0"  # shown as 63, stored at full precision
    assert sheet["B5"].value is None  # suppressed
    assert sheet["A6"].value == SAFE_FORMULA
    assert sheet["A6"].data_type == "s"
    assert [c.value for c in sheet[7]] == ["Base", 90, 104]
    assert sheet["B7"].number_format == "0"
    column_a = [row[0] for row in _sheet_rows(sheet)]
    assert "Notes" in column_a
    assert f"Method: {METHOD}" in column_a
    assert "Options: waves=2016,2017" in column_a


def test_xlsx_data_sheet_is_the_tidy_frame_at_full_precision(tmp_path):
    path = reports.to_xlsx(_result(), tmp_path / "tables.xlsx")
    rows = _sheet_rows(openpyxl.load_workbook(path)["data"])
    assert rows[0] == ("table", "item", "wave", "n", "base", "percent")
    assert rows[2] == ("progress_by_wave", "joined_up", 2017, 65, 104, 62.5)
    assert rows[3] == ("progress_by_wave", "a|b", 2016, None, 90, None)
    assert rows[6][1] == SAFE_FORMULA
    assert len(rows) == 7


def test_xlsx_of_several_tables_names_sheets_uniquely(tmp_path):
    long_name = "very_significant_barriers_by_survey_wave"  # 40 characters
    other = long_name + "_panel"
    frame = pd.DataFrame({"org_type": ["CCG"], "percent": [1 / 3 * 100]})
    results = [
        _result(name=long_name),
        _result(name=other),
        _result(name="data", frame=frame, layout=Layout(rows=("org_type",)), bases=None),
    ]
    path = reports.to_xlsx(results, tmp_path / "tables.xlsx")
    workbook = openpyxl.load_workbook(path)
    names = workbook.sheetnames
    assert names == [
        "contents",
        "very_significant_barriers_by_su",
        "very_significant_barriers_by__2",  # 29 characters + "_2"
        "data_2",
        "data",
    ]
    assert all(len(name) <= 31 for name in names)
    data = _sheet_rows(workbook["data"])
    assert data[0] == ("table", "item", "wave", "n", "base", "percent", "org_type")
    assert data[-1] == ("data", None, None, None, None, pytest.approx(100 / 3), "CCG")
    contents_titles = [row[2] for row in _sheet_rows(workbook["contents"])[3:6]]
    assert contents_titles == [TITLE, TITLE, TITLE]


def test_sheet_names_drop_forbidden_characters():
    frame = pd.DataFrame({"x": [1]})
    result = TableResult(name="t", title="t", frame=frame, method="m")
    object.__setattr__(result, "name", "a/b:c")  # bypass the identifier check on purpose
    assert reports.sheet_names([result]) == ["a_b_c"]


def test_xlsx_needs_a_table(tmp_path):
    with pytest.raises(ValueError, match="at least one table"):
        reports.to_xlsx([], tmp_path / "x.xlsx")


# --- write_all ---------------------------------------------------------------------


def test_write_all_writes_each_table_and_one_workbook(tmp_path):
    second = _result(name="second")
    paths = reports.write_all([_result(), second], tmp_path / "out")
    names = [p.name for p in paths]
    assert names == [
        "progress_by_wave.csv",
        "progress_by_wave.notes.txt",
        "progress_by_wave.md",
        "second.csv",
        "second.notes.txt",
        "second.md",
        "tables.xlsx",
    ]
    assert all(p.exists() and p.stat().st_size > 0 for p in paths)
    assert openpyxl.load_workbook(paths[-1]).sheetnames == [
        "contents",
        "progress_by_wave",
        "second",
        "data",
    ]


def test_write_all_refuses_two_tables_with_one_name(tmp_path):
    with pytest.raises(ValueError, match="two tables are named 'progress_by_wave'"):
        reports.write_all([_result(), _result()], tmp_path)


def test_write_all_rejects_formats_it_cannot_write(tmp_path):
    with pytest.raises(ValueError, match="cannot write"):
        reports.write_all([_result()], tmp_path, formats=("csv", "svg"))


def test_percent_in_hand_table_matches_its_counts():
    """Guard the fixture itself: each percent is n / base * 100."""
    frame = _frame().dropna()
    for n, base, percent in zip(frame["n"], frame["base"], frame["percent"], strict=True):
        assert math.isclose(n / base * 100, percent)


def test_a_base_column_is_rendered_in_every_format(tmp_path):
    frame = pd.DataFrame(
        {
            "org_type": ["CCG", "CCG", "LA", "LA"],
            "item": ["joined_up", "costs"] * 2,
            "percent": [50.0, 25.0, 75.0, 12.5],
        }
    )
    result = _result(
        frame=frame,
        layout=Layout(rows=("org_type",), columns=("item",)),
        bases=pd.DataFrame({"org_type": ["CCG", "LA"], "base": [20, 8]}),
    )
    text = _terminal_text(result)
    assert _row_cells(text, "Organisation type") == [
        "Organisation type",
        "joined_up",
        "costs",
        "Base",
    ]
    assert _row_cells(text, "LA ") == ["LA", "75", "13", "8"]
    assert "| LA | 75 | 13 | 8 |" in reports.to_markdown(result)
    sheet = openpyxl.load_workbook(reports.to_xlsx(result, tmp_path / "t.xlsx"))[result.name]
    assert [c.value for c in sheet[3]] == ["Organisation type", "joined_up", "costs", "Base"]
    assert [c.value for c in sheet[5]] == ["LA", 75, 12.5, 8]


def test_a_grid_with_two_column_dimensions_has_two_header_rows(tmp_path):
    frame = pd.DataFrame(
        {
            "item": ["costs"] * 4,
            "wave": [2017, 2017, 2018, 2018],
            "org_type": ["CCG", "LA"] * 2,
            "percent": [10.0, 20.0, 30.0, 40.0],
        }
    )
    result = _result(
        frame=frame, layout=Layout(rows=("item",), columns=("wave", "org_type")), bases=None
    )
    assert "| Item | 2017 / CCG | 2017 / LA | 2018 / CCG | 2018 / LA |" in reports.to_markdown(
        result
    )
    sheet = openpyxl.load_workbook(reports.to_xlsx(result, tmp_path / "t.xlsx"))[result.name]
    assert [c.value for c in sheet[3]] == [None, "2017", "2017", "2018", "2018"]
    assert [c.value for c in sheet[4]] == ["Item", "CCG", "LA", "CCG", "LA"]
    assert [c.value for c in sheet[5]] == ["costs", 10, 20, 30, 40]
