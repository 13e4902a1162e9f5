"""Render analysis results for readers; compute nothing.

Every renderer reads a :class:`~pioneer.results.TableResult` (or several) and
writes what it holds: the title, the grid its ``layout`` describes, the bases,
and the notes (method, suppression, source). Formats:

``terminal``  a rich table on the console (:func:`to_terminal`)
``csv``       the tidy frame as data plus ``<stem>.notes.txt`` (:func:`to_csv`)
``xlsx``      a workbook, one sheet per table plus ``data`` (:func:`to_xlsx`)
``md``        Markdown text (:func:`to_markdown`)
``svg``/``png``  a grouped bar chart with its data CSV (:func:`trend_figure`)

Everything written to a spreadsheet-readable file is formula-neutralised
(:mod:`pioneer.governance.spreadsheet`). Suppressed and missing cells are blank.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pioneer.reports.csvfile import notes_path_for, to_csv
from pioneer.reports.figures import trend_figure
from pioneer.reports.grid import Grid, build_grid, format_value
from pioneer.reports.markdown import to_markdown
from pioneer.reports.terminal import to_terminal
from pioneer.reports.workbook import sheet_names, to_xlsx
from pioneer.results import TableResult

__all__ = [
    "FORMATS",
    "Grid",
    "build_grid",
    "format_value",
    "notes_path_for",
    "render",
    "sheet_names",
    "to_csv",
    "to_markdown",
    "to_terminal",
    "to_xlsx",
    "trend_figure",
    "write_all",
]

#: Format names :func:`render` accepts (``markdown`` is also accepted for ``md``).
FORMATS: tuple[str, ...] = ("terminal", "csv", "xlsx", "md", "svg", "png")
#: File name of the workbook :func:`write_all` writes.
WORKBOOK_NAME = "tables.xlsx"


def render(
    result: TableResult, fmt: str, path: str | Path | None = None
) -> str | list[Path] | None:
    """Render ``result`` as ``fmt`` (one of :data:`FORMATS`).

    ``terminal`` prints and returns ``None``; ``md`` returns the Markdown text,
    or writes it to ``path`` and returns ``[path]`` when a path is given; the
    file formats need ``path`` and return the files written. ``svg``/``png``
    draw :func:`trend_figure` with the series, x and value taken from the
    table's layout (one row and one column dimension).
    """
    kind = "md" if fmt == "markdown" else fmt
    if kind not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")
    if kind == "terminal":
        to_terminal(result)
        return None
    if kind == "md":
        text = to_markdown(result)
        if path is None:
            return text
        return [_write_text(Path(path), text)]
    if path is None:
        raise ValueError(f"the {kind} format writes a file: give a path")
    path = Path(path)
    if kind == "csv":
        return to_csv(result, path)
    if kind == "xlsx":
        return [to_xlsx(result, path)]
    layout = result.layout
    if layout is None or len(layout.rows) != 1 or len(layout.columns) != 1:
        raise ValueError(
            f"table {result.name!r}: a figure needs a layout with one row dimension "
            "(the bar groups) and one column dimension (the bars); call trend_figure "
            "to choose them"
        )
    return trend_figure(
        result,
        path.with_suffix(f".{kind}"),
        series=layout.rows[0],
        x=layout.columns[0],
        value=layout.statistics()[0],
    )


def write_all(
    results: Sequence[TableResult],
    out_dir: str | Path,
    formats: Sequence[str] = ("csv", "md", "xlsx"),
) -> list[Path]:
    """Write every result to ``out_dir``: ``<name>.csv`` (+ notes), ``<name>.md``, and
    one workbook ``tables.xlsx`` for all. Returns the paths written, in order."""
    results = list(results)
    allowed = {"csv", "md", "xlsx"}
    unknown = [f for f in formats if f not in allowed]
    if unknown:
        raise ValueError(f"write_all cannot write {unknown}; use any of csv, md, xlsx")
    seen: set[str] = set()
    for result in results:
        if result.name in seen:
            raise ValueError(
                f"two tables are named {result.name!r}; their files would overwrite each other"
            )
        seen.add(result.name)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for result in results:
        if "csv" in formats:
            written += to_csv(result, out / f"{result.name}.csv")
        if "md" in formats:
            written.append(_write_text(out / f"{result.name}.md", to_markdown(result)))
    if "xlsx" in formats and results:
        written.append(to_xlsx(results, out / WORKBOOK_NAME))
    return written


def _write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    return path
