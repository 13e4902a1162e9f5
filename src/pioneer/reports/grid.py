"""Turn a tidy ``TableResult`` into the grid a reader sees, and format its cells.

Every renderer (terminal, Markdown, XLSX) draws from the same :class:`Grid`, so a
table reads the same wherever it is published. Nothing here computes a
statistic: cells are looked up in the tidy frame, never derived.

Conventions shared by the renderers:

* The analysis decides the order, not an alphabetical sort: each dimension's
  values are ordered by their categories when the column is categorical, and
  by first appearance in the frame otherwise; rows and columns nest in the
  order of the layout's dimensions.
* A missing cell (suppressed, or absent from the frame) is shown blank; the
  suppression statement in the notes says so.
* Percentages and interval limits are shown to 0 decimal places, rounding
  halves away from zero as published tables (and Excel's ``0`` format) do;
  counts as whole numbers.
* ``bases`` is a frame of zero or more dimension columns plus a ``base`` column
  (``n`` is accepted when ``base`` is absent). When its dimensions are all
  column dimensions of the layout it becomes a *Base* row; when they are all
  row dimensions, a *Base* column; otherwise it is listed in the notes.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from pioneer.results import Layout, TableResult

#: Statistics shown as whole percentages.
PERCENT_STATISTICS: frozenset[str] = frozenset(
    {
        "percent",
        "ci_lower",
        "ci_upper",
        "percent_from",
        "percent_to",
        "difference",
        "diff_lower",
        "diff_upper",
    }
)
#: Statistics shown as whole numbers.
COUNT_STATISTICS: frozenset[str] = frozenset({"n", "base"})
#: Statistics that are p-values: three decimals, or ``<0.001``.
P_VALUE_STATISTICS: frozenset[str] = frozenset({"p_value"})
#: Short headings for the statistic columns.
STATISTIC_LABELS: dict[str, str] = {
    "percent": "%",
    "n": "n",
    "base": "Base",
    "ci_lower": "95% CI lower",
    "ci_upper": "95% CI upper",
}
#: Headings for the common dimension columns (glossary names).
DIMENSION_LABELS: dict[str, str] = {
    "org_type": "Organisation type",
    "programme_wave": "Programme wave",
    "wave": "Survey wave",
}
BASE_LABEL = "Base"


def is_missing(value: object) -> bool:
    """True for ``None``, ``pd.NA``, ``NaN`` and ``NaT``; never raises."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    if isinstance(value, np.datetime64 | np.timedelta64):
        return bool(np.isnat(value))
    return False


def plain(value: object) -> object:
    """A cell value as a plain Python scalar: ``None`` for missing, int/float for numbers."""
    if is_missing(value):
        return None
    if isinstance(value, bool):
        return value
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalar
    return value


def round_half_up(value: float, places: int = 0) -> Decimal:
    """``value`` rounded to ``places`` decimals, halves away from zero (12.5 → 13)."""
    quantum = Decimal(1).scaleb(-places)
    return Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)


def format_value(value: object, statistic: str | None = None) -> str:
    """The text shown for one cell: blank when missing, 0 dp for percentages."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "X" if value else ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        if statistic in PERCENT_STATISTICS or statistic in COUNT_STATISTICS:
            return str(round_half_up(value, 0))
        if statistic in P_VALUE_STATISTICS:
            return "<0.001" if value < 0.001 else str(round_half_up(value, 3))
        if value.is_integer():
            return str(int(value))
        return str(round_half_up(value, 1))
    return str(value)


def statistic_label(statistic: str) -> str:
    """Heading for a statistic column (``percent`` → ``%``)."""
    return STATISTIC_LABELS.get(statistic, statistic)


def dimension_label(dimension: str) -> str:
    """Heading for a dimension column (``org_type`` → ``Org type``)."""
    if dimension in DIMENSION_LABELS:
        return DIMENSION_LABELS[dimension]
    text = dimension.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def key_label(key: Sequence[object]) -> str:
    """One header text for a tuple of dimension values (``(2016, "CCG")`` → ``2016 / CCG``)."""
    return " / ".join(format_value(part) for part in key)


@dataclass(frozen=True)
class Grid:
    """A table as a reader sees it: row labels down, column labels across, cells.

    ``cells[i][j]`` is the plain value for ``row_keys[i]`` × ``column_keys[j]``
    (``None`` when blank). ``base_row`` holds one base per column (a *Base*
    row); ``base_column`` one per row (a *Base* column); either may be absent.
    ``statistic`` names what the cells hold, for formatting.
    """

    row_dims: tuple[str, ...]
    column_dims: tuple[str, ...]
    row_keys: tuple[tuple[object, ...], ...]
    column_keys: tuple[tuple[object, ...], ...]
    cells: tuple[tuple[object, ...], ...]
    statistic: str | None
    column_statistics: tuple[str | None, ...]
    base_row: tuple[object, ...] | None = None
    base_column: tuple[object, ...] | None = None
    headings: tuple[tuple[str, str], ...] = ()

    def column_headers(self) -> list[str]:
        """Flat header text for each value column."""
        named = dict(self.headings)
        return [
            key_label(key)
            if self.column_dims
            else named.get(str(key[0]), statistic_label(str(key[0])))
            for key in self.column_keys
        ]

    def dimension_heading(self, dimension: str) -> str:
        """Heading of a row-dimension column (the layout's override, else the glossary's)."""
        return dict(self.headings).get(dimension, dimension_label(dimension))


def build_grid(result: TableResult) -> Grid:
    """The published grid of ``result``: pivoted by its layout, or the tidy frame as is."""
    frame = result.frame
    layout = result.layout
    if layout is None:
        return _frame_grid(frame)
    _check_layout(result, layout)
    row_dims = tuple(layout.rows)
    column_dims = tuple(layout.columns)
    statistics = layout.statistics()
    row_keys = _ordered_keys(frame, row_dims)
    cells_by_key: dict[tuple[Hashable, Hashable], object] = {}
    if column_dims:
        column_keys = _ordered_keys(frame, column_dims)
        column_part = _key_tuples(frame, column_dims)
    else:
        column_keys = tuple((s,) for s in statistics)
        column_part = [()] * len(frame)
    row_part = _key_tuples(frame, row_dims)
    values = {s: frame[s].tolist() for s in statistics}
    for index, (row_key, column_key) in enumerate(zip(row_part, column_part, strict=True)):
        for statistic in statistics:
            cell = (row_key, column_key if column_dims else (statistic,))
            if cell in cells_by_key:
                raise ValueError(
                    f"table {result.name!r}: more than one row of the frame for "
                    f"{dict(zip(row_dims + column_dims, row_key + column_key, strict=True))}; "
                    "the layout must name every dimension column of the frame"
                )
            cells_by_key[cell] = plain(values[statistic][index])
    cells = tuple(
        tuple(cells_by_key.get((row_key, column_key)) for column_key in column_keys)
        for row_key in row_keys
    )
    grid = Grid(
        row_dims=row_dims,
        column_dims=column_dims,
        row_keys=row_keys,
        column_keys=column_keys,
        cells=cells,
        statistic=statistics[0] if len(statistics) == 1 else None,
        column_statistics=(
            (statistics[0],) * len(column_keys) if column_dims else tuple(statistics)
        ),
        headings=tuple(layout.headings),
    )
    return _attach_bases(grid, result.bases)


def bases_text(bases: pd.DataFrame | None) -> str | None:
    """The bases as one line of text (``Bases: 2016=97; 2017=98; 2018=80``), or ``None``."""
    if bases is None or bases.empty:
        return None
    value_column = base_column_name(bases)
    if value_column is None:
        return None
    dims = [c for c in bases.columns if c != value_column]
    values = [format_value(v, "base") for v in bases[value_column].tolist()]
    if not dims:
        return "Base: " + "; ".join(values)
    keys = _key_tuples(bases, tuple(dims))
    parts = [f"{key_label(key)}={value}" for key, value in zip(keys, values, strict=True)]
    return "Bases: " + "; ".join(parts)


def base_column_name(bases: pd.DataFrame) -> str | None:
    """The column of ``bases`` holding the base: ``base``, else ``n``."""
    for name in ("base", "n"):
        if name in bases.columns:
            return name
    return None


def bases_in_grid(grid: Grid) -> bool:
    """True when the bases were placed in the grid (so the notes need not list them)."""
    return grid.base_row is not None or grid.base_column is not None


def reader_notes(result: TableResult, grid: Grid | None = None) -> list[str]:
    """The notes printed under a table: bases (unless in the grid), notes, method, ..."""
    notes: list[str] = []
    if grid is None or not bases_in_grid(grid):
        line = bases_text(result.bases)
        if line:
            notes.append(line)
    notes.extend(result.all_notes())
    return notes


def options_text(result: TableResult) -> str | None:
    """The analysis options as one line (``Options: waves=2016,2017; panel=False``)."""
    if not result.options:
        return None
    parts = []
    for name, value in result.options.items():
        if isinstance(value, list | tuple | set | frozenset):
            shown = ",".join(str(v) for v in value)
        else:
            shown = str(value)
        parts.append(f"{name}={shown}")
    return "Options: " + "; ".join(parts)


# --- internals -----------------------------------------------------------------


def _frame_grid(frame: pd.DataFrame) -> Grid:
    """No layout: the tidy frame itself, one column per frame column."""
    columns = [str(c) for c in frame.columns]
    cells = tuple(tuple(plain(v) for v in row) for row in frame.itertuples(index=False, name=None))
    return Grid(
        row_dims=(),
        column_dims=(),
        row_keys=tuple(() for _ in range(len(frame))),
        column_keys=tuple((c,) for c in columns),
        cells=cells,
        statistic=None,
        column_statistics=tuple(columns),
    )


def _check_layout(result: TableResult, layout: Layout) -> None:
    named = (*layout.rows, *layout.columns, *layout.statistics())
    missing = [c for c in named if c not in result.frame.columns]
    if missing:
        raise ValueError(
            f"table {result.name!r}: the layout names columns not in the frame: {missing}; "
            f"the frame has {list(result.frame.columns)}"
        )
    if not layout.rows:
        raise ValueError(f"table {result.name!r}: the layout needs at least one row dimension")
    if layout.columns and len(layout.statistics()) > 1:
        raise ValueError(
            f"table {result.name!r}: several statistics side by side need a layout "
            "without column dimensions"
        )


def _key_tuples(frame: pd.DataFrame, dims: Sequence[str]) -> list[tuple[Hashable, ...]]:
    columns = [frame[d].tolist() for d in dims]
    return [tuple(plain(v) for v in parts) for parts in zip(*columns, strict=True)]


def ordered_values(series: pd.Series) -> list[object]:
    """The distinct values of one dimension in display order (categories, else first seen)."""
    seen = list(dict.fromkeys(plain(v) for v in series.tolist()))
    if isinstance(series.dtype, pd.CategoricalDtype):
        rank = {plain(c): i for i, c in enumerate(series.cat.categories)}
        seen.sort(key=lambda v: rank.get(v, len(rank)))
    return seen


def _ordered_keys(frame: pd.DataFrame, dims: Sequence[str]) -> tuple[tuple[object, ...], ...]:
    ranks = [{v: i for i, v in enumerate(ordered_values(frame[d]))} for d in dims]
    keys = list(dict.fromkeys(_key_tuples(frame, dims)))
    keys.sort(key=lambda key: tuple(rank[part] for rank, part in zip(ranks, key, strict=True)))
    return tuple(keys)


def _attach_bases(grid: Grid, bases: pd.DataFrame | None) -> Grid:
    if bases is None or bases.empty:
        return grid
    value_column = base_column_name(bases)
    if value_column is None:
        return grid
    dims = tuple(c for c in bases.columns if c != value_column)
    if not dims:
        return grid
    lookup = dict(
        zip(_key_tuples(bases, dims), [plain(v) for v in bases[value_column]], strict=True)
    )
    if set(dims) <= set(grid.column_dims):
        positions = [grid.column_dims.index(d) for d in dims]
        row = tuple(lookup.get(tuple(key[p] for p in positions)) for key in grid.column_keys)
        return replace(grid, base_row=row)
    if set(dims) <= set(grid.row_dims):
        positions = [grid.row_dims.index(d) for d in dims]
        column = tuple(lookup.get(tuple(key[p] for p in positions)) for key in grid.row_keys)
        return replace(grid, base_column=column)
    return grid
