"""Terminal output: a rich table with its bases and notes underneath.

All text goes through :class:`rich.text.Text`, so labels such as ``[c]`` or
``[bold]`` in the data are shown as written, never read as markup.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from pioneer.reports.grid import (
    BASE_LABEL,
    build_grid,
    format_value,
    reader_notes,
)
from pioneer.results import TableResult


def to_terminal(result: TableResult, console: Console | None = None) -> None:
    """Print ``result`` to ``console`` (a new stdout console if none is given)."""
    console = console if console is not None else Console()
    grid = build_grid(result)
    table = Table(title=Text(result.title, style="bold"), title_justify="left")
    for dimension in grid.row_dims:
        table.add_column(Text(grid.dimension_heading(dimension)), justify="left")
    for header in grid.column_headers():
        table.add_column(Text(header), justify="right")
    if grid.base_column is not None:
        table.add_column(Text(BASE_LABEL), justify="right", style="dim")

    for index, (key, cells) in enumerate(zip(grid.row_keys, grid.cells, strict=True)):
        row = [Text(format_value(part)) for part in key]
        row += [
            Text(format_value(value, statistic))
            for value, statistic in zip(cells, grid.column_statistics, strict=True)
        ]
        if grid.base_column is not None:
            row.append(Text(format_value(grid.base_column[index], "base")))
        table.add_row(*row)

    if grid.base_row is not None:
        table.add_section()
        lead = [Text(BASE_LABEL, style="dim")] + [Text("")] * (len(grid.row_dims) - 1)
        bases = [Text(format_value(value, "base"), style="dim") for value in grid.base_row]
        tail = [Text("")] if grid.base_column is not None else []
        table.add_row(*lead, *bases, *tail)

    console.print(table)
    for note in reader_notes(result, grid):
        console.print(Text(note, style="dim"))
