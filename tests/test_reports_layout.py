"""Layouts with several statistics side by side, heading overrides and presence cells."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from rich.console import Console

from pioneer import reports
from pioneer.reports.grid import build_grid
from pioneer.results import Layout, TableResult


def _fieldwork() -> TableResult:
    # Table I of Erens et al. (2019): 2016 mailing list 337, participants 98, 29%;
    # 2017 482, 105, 22% (000_9191d1decfdc3012.txt Table I).
    frame = pd.DataFrame(
        {
            "wave": [2016, 2017],
            "base": [337, 482],
            "n": [98, 105],
            "percent": [98 / 337 * 100, 105 / 482 * 100],
        }
    )
    return TableResult(
        name="fieldwork",
        title="Fieldwork",
        frame=frame,
        method="Response rate",
        layout=Layout(
            rows=("wave",),
            values=("base", "n", "percent"),
            headings=(("base", "Mailing list n"), ("n", "Participants n"), ("wave", "Year")),
        ),
    )


def test_several_statistics_become_columns_with_their_headings():
    grid = build_grid(_fieldwork())
    assert grid.column_headers() == ["Mailing list n", "Participants n", "%"]
    assert grid.dimension_heading("wave") == "Year"
    assert grid.cells[0] == (337, 98, pytest.approx(29.080118694))


def test_markdown_shows_published_rounding():
    text = reports.to_markdown(_fieldwork())
    assert "| Year | Mailing list n | Participants n | % |" in text
    assert "| 2016 | 337 | 98 | 29 |" in text  # 98/337 = 29.08% -> 29
    assert "| 2017 | 482 | 105 | 22 |" in text  # 105/482 = 21.78% -> 22


def test_several_statistics_refuse_column_dimensions():
    result = _fieldwork()
    bad = TableResult(
        name="bad",
        title="Bad",
        frame=result.frame,
        method="m",
        layout=Layout(rows=("wave",), columns=("n",), values=("base", "percent")),
    )
    with pytest.raises(ValueError, match="without column dimensions"):
        build_grid(bad)


def test_presence_cells_read_X_or_blank_everywhere(tmp_path):
    frame = pd.DataFrame(
        {"site": ["a", "a", "b", "b"], "item": ["1", "2", "1", "2"], "present": [True, False] * 2}
    )
    result = TableResult(
        name="presence",
        title="Presence",
        frame=frame,
        method="m",
        layout=Layout(rows=("site",), columns=("item",), values="present"),
    )
    assert "| a | X |  |" in reports.to_markdown(result)
    console = Console(record=True, width=80)
    reports.to_terminal(result, console=console)
    assert "False" not in console.export_text()
    path = reports.to_xlsx([result], tmp_path / "p.xlsx")
    sheet = openpyxl.load_workbook(path)["presence"]
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "X" in values
    assert False not in values
