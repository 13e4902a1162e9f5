"""Markdown output: a heading, a pipe table of the published grid, the notes as a list."""

from __future__ import annotations

from pioneer.reports.grid import (
    BASE_LABEL,
    build_grid,
    format_value,
    reader_notes,
)
from pioneer.results import TableResult


def escape_cell(text: str) -> str:
    """Make ``text`` safe inside a pipe-table cell: escape ``|``, fold line breaks."""
    return " ".join(text.replace("|", "\\|").splitlines())


def _line(cells: list[str]) -> str:
    return "| " + " | ".join(escape_cell(cell) for cell in cells) + " |"


def to_markdown(result: TableResult, *, heading_level: int = 2) -> str:
    """``result`` as GitHub-flavoured Markdown; numbers right-aligned, blanks for missing."""
    if not 1 <= heading_level <= 6:
        raise ValueError(f"heading_level must be 1-6, got {heading_level}")
    grid = build_grid(result)
    headers = [grid.dimension_heading(d) for d in grid.row_dims] + grid.column_headers()
    aligns = ["---"] * len(grid.row_dims) + ["---:"] * len(grid.column_keys)
    if grid.base_column is not None:
        headers.append(BASE_LABEL)
        aligns.append("---:")

    lines = [f"{'#' * heading_level} {' '.join(result.title.splitlines())}", ""]
    lines.append(_line(headers))
    lines.append("| " + " | ".join(aligns) + " |")
    for index, (key, cells) in enumerate(zip(grid.row_keys, grid.cells, strict=True)):
        row = [format_value(part) for part in key]
        row += [
            format_value(value, statistic)
            for value, statistic in zip(cells, grid.column_statistics, strict=True)
        ]
        if grid.base_column is not None:
            row.append(format_value(grid.base_column[index], "base"))
        lines.append(_line(row))
    if grid.base_row is not None:
        row = [BASE_LABEL] + [""] * (len(grid.row_dims) - 1)
        row += [format_value(value, "base") for value in grid.base_row]
        if grid.base_column is not None:
            row.append("")
        lines.append(_line(row))

    notes = reader_notes(result, grid)
    if notes:
        lines.append("")
        lines += [f"- {' '.join(note.splitlines())}" for note in notes]
    return "\n".join(lines) + "\n"
