"""XLSX output: one sheet per table as published, plus the tidy data for reuse.

The workbook opens on a ``contents`` sheet linking to each table. Each table
sheet starts at A1 with the title, then the grid (percentages stored at full
precision and shown to 0 dp by a number format), the *Base* row or column, and
the notes. The ``data`` sheet stacks every table's tidy frame, with a leading
``table`` column naming the table, at full precision. Every text cell is made
formula-safe; numbers are written as numbers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pioneer.governance.spreadsheet import neutralise_cell
from pioneer.reports.csvfile import safe_frame
from pioneer.reports.grid import (
    BASE_LABEL,
    COUNT_STATISTICS,
    PERCENT_STATISTICS,
    Grid,
    build_grid,
    format_value,
    options_text,
    plain,
    reader_notes,
)
from pioneer.results import TableResult

CONTENTS_SHEET = "contents"
DATA_SHEET = "data"
#: Excel's limit on sheet-name length.
MAX_SHEET_NAME = 31
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
#: Names Excel keeps for itself (compared case-insensitively).
_RESERVED = {"history", CONTENTS_SHEET, DATA_SHEET}
WHOLE_NUMBER_FORMAT = "0"
TITLE_FONT = Font(bold=True, size=13)
BOLD = Font(bold=True)


def sheet_names(results: Sequence[TableResult]) -> list[str]:
    """A valid, unique Excel sheet name for each result, from its ``name``.

    Names are cut to 31 characters, stripped of characters Excel forbids, and
    made unique (case-insensitively) with a ``_2``, ``_3`` ... suffix.
    """
    used: set[str] = set(_RESERVED)
    names = []
    for result in results:
        base = _SHEET_NAME_FORBIDDEN.sub("_", result.name).strip("'") or "table"
        candidate = base[:MAX_SHEET_NAME]
        counter = 2
        while candidate.lower() in used:
            suffix = f"_{counter}"
            candidate = base[: MAX_SHEET_NAME - len(suffix)] + suffix
            counter += 1
        used.add(candidate.lower())
        names.append(candidate)
    return names


def to_xlsx(results: TableResult | Sequence[TableResult], path: str | Path) -> Path:
    """Write one workbook holding ``results`` (one sheet each, plus contents and data)."""
    if isinstance(results, TableResult):
        results = [results]
    results = list(results)
    if not results:
        raise ValueError("to_xlsx needs at least one table to write")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    names = sheet_names(results)

    workbook = Workbook()
    contents = workbook.active
    contents.title = CONTENTS_SHEET
    _write_contents(contents, results, names)
    for result, name in zip(results, names, strict=True):
        _write_table_sheet(workbook.create_sheet(name), result)
    _write_data_sheet(workbook.create_sheet(DATA_SHEET), results)
    workbook.save(path)
    return path


# --- sheets ----------------------------------------------------------------------


def _write_contents(sheet: Worksheet, results: list[TableResult], names: list[str]) -> None:
    sheet["A1"] = "Contents"
    sheet["A1"].font = TITLE_FONT
    sheet.append([])
    sheet.append(["Sheet", "Table", "Title"])
    for cell in sheet[3]:
        cell.font = BOLD
    for result, name in zip(results, names, strict=True):
        sheet.append([_text(name), _text(result.name), _text(result.title)])
        link = sheet.cell(row=sheet.max_row, column=1)
        link.hyperlink = f"#'{name}'!A1"
        link.style = "Hyperlink"
    sheet.append([])
    sheet.append(
        [
            _text(
                f"The {DATA_SHEET} sheet holds every table in tidy form at full precision, "
                "one row per cell; its first column names the table."
            )
        ]
    )
    _set_widths(sheet, {1: 24, 2: 24, 3: 80})


def _write_table_sheet(sheet: Worksheet, result: TableResult) -> None:
    grid = build_grid(result)
    sheet["A1"] = _text(result.title)
    sheet["A1"].font = TITLE_FONT
    row = 3
    n_row_dims = len(grid.row_dims)
    first_value_column = n_row_dims + 1

    header_levels = max(len(grid.column_dims), 1)
    for level in range(header_levels):
        last = level == header_levels - 1
        if last:
            for offset, dimension in enumerate(grid.row_dims):
                _header(sheet, row, 1 + offset, grid.dimension_heading(dimension))
        for offset, key in enumerate(grid.column_keys):
            label = format_value(key[level]) if grid.column_dims else grid.column_headers()[offset]
            _header(sheet, row, first_value_column + offset, label, right=True)
        if last and grid.base_column is not None:
            _header(sheet, row, first_value_column + len(grid.column_keys), BASE_LABEL, right=True)
        row += 1
    sheet.freeze_panes = sheet.cell(row=row, column=first_value_column)

    for index, (key, cells) in enumerate(zip(grid.row_keys, grid.cells, strict=True)):
        for offset, part in enumerate(key):
            sheet.cell(row=row, column=1 + offset, value=_value(part))
        for offset, (value, statistic) in enumerate(
            zip(cells, grid.column_statistics, strict=True)
        ):
            _number(sheet, row, first_value_column + offset, value, statistic)
        if grid.base_column is not None:
            column = first_value_column + len(grid.column_keys)
            _number(sheet, row, column, grid.base_column[index], "base")
        row += 1

    if grid.base_row is not None:
        sheet.cell(row=row, column=1, value=BASE_LABEL).font = BOLD
        for offset, value in enumerate(grid.base_row):
            _number(sheet, row, first_value_column + offset, value, "base")
        row += 1

    notes = reader_notes(result, grid)
    options = options_text(result)
    if options:
        notes.append(options)
    if notes:
        row += 1
        sheet.cell(row=row, column=1, value="Notes").font = BOLD
        for note in notes:
            row += 1
            sheet.cell(row=row, column=1, value=_text(note))
    _size_columns(sheet, grid)


def _write_data_sheet(sheet: Worksheet, results: list[TableResult]) -> None:
    columns: list[str] = ["table"]
    for result in results:
        columns += [str(c) for c in result.frame.columns if str(c) not in columns]
    sheet.append([_text(c) for c in columns])
    for cell in sheet[1]:
        cell.font = BOLD
    for result in results:
        frame = safe_frame(result.frame)
        names = [str(c) for c in frame.columns]
        for record in frame.itertuples(index=False, name=None):
            values = dict(zip(names, record, strict=True))
            values["table"] = result.name
            sheet.append([_value(values.get(c)) for c in columns])
    sheet.freeze_panes = "A2"
    _set_widths(sheet, {i: max(10, len(c) + 2) for i, c in enumerate(columns, start=1)})


# --- cells -----------------------------------------------------------------------


def _text(value: str) -> str:
    """A text cell: illegal XML characters dropped, formulas neutralised."""
    return neutralise_cell(ILLEGAL_CHARACTERS_RE.sub("", value))  # type: ignore[return-value]


def _value(value: object) -> object:
    """A data cell: numbers as numbers, text made safe, missing as empty."""
    value = plain(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return _text(value)
    return _text(str(value))


def _header(sheet: Worksheet, row: int, column: int, label: str, *, right: bool = False) -> None:
    cell = sheet.cell(row=row, column=column, value=_text(label))
    cell.font = BOLD
    cell.alignment = Alignment(horizontal="right" if right else "left", wrap_text=True)


def _number(sheet: Worksheet, row: int, column: int, value: object, statistic: str | None) -> None:
    if isinstance(plain(value), bool):  # a presence cell reads as X or blank, as in print
        value = format_value(value) or None
    cell = sheet.cell(row=row, column=column, value=_value(value))
    if statistic in PERCENT_STATISTICS or statistic in COUNT_STATISTICS:
        cell.number_format = WHOLE_NUMBER_FORMAT


def _size_columns(sheet: Worksheet, grid: Grid) -> None:
    widths = {}
    for offset, dimension in enumerate(grid.row_dims, start=1):
        longest = max(
            [len(grid.dimension_heading(dimension))]
            + [len(format_value(k[offset - 1])) for k in grid.row_keys]
        )
        widths[offset] = min(max(longest + 2, 10), 60)
    first = len(grid.row_dims) + 1
    headers = grid.column_headers()
    for offset, header in enumerate(headers):
        widths[first + offset] = min(max(len(header) + 2, 9), 30)
    if grid.base_column is not None:
        widths[first + len(headers)] = 9
    _set_widths(sheet, widths)


def _set_widths(sheet: Worksheet, widths: dict[int, int]) -> None:
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = width
