"""The small frozen result types every analysis returns and every renderer reads.

A result carries its table *and* what a reader needs to trust it: the bases,
the method, notes and the disclosure control applied. ``pioneer.reports``
renders these; it never computes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class Suppression:
    """Disclosure control applied to a table: cells below ``threshold`` hidden."""

    threshold: int
    cells_suppressed: int
    columns: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.threshold <= 1:
            return "Small-number suppression is off: every count is shown."
        if self.cells_suppressed == 0:
            return f"No cells below the threshold of {self.threshold}."
        return (
            f"{self.cells_suppressed} cell(s) based on fewer than {self.threshold} "
            "respondents are suppressed (shown as blank)."
        )


@dataclass(frozen=True)
class Layout:
    """How to show a tidy table as a grid: which columns go down, which across.

    ``rows`` and ``columns`` name dimension columns of the tidy frame; ``values``
    names the statistic shown in the cells (usually ``percent``), or several
    statistics side by side when there are no column dimensions (Table I:
    mailing list, participants, response rate). ``headings`` overrides the
    heading of a dimension or statistic column (``("base", "Mailing list n")``).
    """

    rows: tuple[str, ...]
    columns: tuple[str, ...] = ()
    values: str | tuple[str, ...] = "percent"
    headings: tuple[tuple[str, str], ...] = ()

    def statistics(self) -> tuple[str, ...]:
        return (self.values,) if isinstance(self.values, str) else tuple(self.values)

    def heading(self, name: str) -> str | None:
        return dict(self.headings).get(name)


@dataclass(frozen=True, eq=False)
class TableResult:
    """One analysis table in tidy form.

    ``frame`` is tidy (one row per cell: the dimensions, then the statistics);
    ``bases`` gives the number of respondents each percentage is computed over;
    ``method`` names the estimator and interval; ``notes`` are for the reader.
    Statistic columns, where present, are named ``n`` (count), ``base``,
    ``percent``, ``ci_lower`` and ``ci_upper`` (percentages, 0–100).
    ``options`` records the analysis options used (waves, panel subset, weighting).
    """

    name: str
    title: str
    frame: pd.DataFrame
    method: str
    bases: pd.DataFrame | None = None
    notes: tuple[str, ...] = ()
    suppression: Suppression | None = None
    source: str | None = None
    layout: Layout | None = None
    options: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name or not self.name.replace("_", "").isalnum():
            raise ValueError(f"TableResult name must be an identifier, got {self.name!r}")
        if not isinstance(self.frame, pd.DataFrame):
            raise TypeError(f"TableResult.frame must be a DataFrame, got {type(self.frame)}")

    def all_notes(self) -> tuple[str, ...]:
        """Notes plus the method and the suppression statement, in reading order."""
        extra = [f"Method: {self.method}"]
        if self.suppression is not None:
            extra.append(self.suppression.describe())
        if self.source:
            extra.append(f"Source: {self.source}")
        return (*self.notes, *extra)
