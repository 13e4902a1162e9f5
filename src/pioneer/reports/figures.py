"""Figures: grouped horizontal bar charts of a statistic by survey wave.

The chart follows the shape of the 2019 key-informant paper's Figures 1–3
(``000_9191d1decfdc3012.txt``): one group of bars per item, one bar per wave,
the value printed at the end of each bar and the bases in a note underneath.
Drawing uses matplotlib's object API on a private figure (no pyplot, no
display, no global backend switch). Output is byte-for-byte reproducible: the
SVG hash salt is fixed and no dates are written into the file's metadata.
Each figure is written with its data table beside it (``<stem>.csv``).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pioneer.reports.csvfile import write_frame_csv
from pioneer.reports.grid import (
    PERCENT_STATISTICS,
    bases_text,
    dimension_label,
    format_value,
    ordered_values,
    plain,
)
from pioneer.results import TableResult

if TYPE_CHECKING:  # matplotlib is imported when a figure is drawn, not with the package
    import pandas as pd
    from matplotlib.figure import Figure

#: Okabe & Ito (2008) colour-blind-safe palette, dark-to-light order for waves.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermilion
    "#F0E442",  # yellow
    "#000000",  # black
)
WHISKER_COLOUR = "#333333"
#: File types a figure can be written as, with the metadata that keeps them reproducible.
_METADATA: dict[str, dict[str, str | None]] = {
    ".svg": {"Date": None},
    ".png": {"Software": None},
}
_STYLE = {
    "svg.hashsalt": "pioneer",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "path.simplify": False,
}
LABEL_WIDTH = 38
NOTE_WIDTH = 110


def trend_figure(
    result: TableResult,
    path: str | Path,
    *,
    series: str = "item",
    x: str = "wave",
    value: str = "percent",
    labels: Mapping[object, str] | None = None,
    intervals: bool = False,
    dpi: int = 150,
) -> list[Path]:
    """Draw ``value`` for each ``series`` (a bar group) and ``x`` (a bar) to ``path``.

    ``labels`` maps series values (item codes) to the text shown; ``intervals``
    adds whiskers from ``ci_lower`` to ``ci_upper``. The file type follows the
    suffix (``.svg`` or ``.png``). Missing values (suppressed, or not asked in
    a wave) get no bar. Returns ``[figure path, data CSV path]``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _METADATA:
        raise ValueError(f"cannot write a figure as {path.name!r}: use a .svg or .png file name")
    frame = result.frame
    needed = [series, x, value] + (["ci_lower", "ci_upper"] if intervals else [])
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(
            f"table {result.name!r} has no column(s) {missing} for the figure; "
            f"it has {list(frame.columns)}"
        )
    labels = dict(labels or {})
    groups = ordered_values(frame[series])
    waves = ordered_values(frame[x])
    cells: dict[tuple[object, object], dict[str, object]] = {}
    for record in frame.to_dict("records"):
        key = (plain(record[series]), plain(record[x]))
        if key in cells:
            raise ValueError(
                f"table {result.name!r}: more than one row for {series}={key[0]!r}, "
                f"{x}={key[1]!r}; filter the table to one row per bar first"
            )
        cells[key] = record

    import matplotlib as mpl

    path.parent.mkdir(parents=True, exist_ok=True)
    with mpl.rc_context(_STYLE):
        figure = _draw(result, groups, waves, cells, value, labels, intervals, x)
        figure.savefig(
            path,
            format=suffix.lstrip("."),
            dpi=dpi,
            bbox_inches="tight",
            metadata=_METADATA[suffix],
        )
    data_path = write_frame_csv(frame, path.with_suffix(".csv"))
    return [path, data_path]


def _draw(
    result: TableResult,
    groups: list[object],
    waves: list[object],
    cells: dict[tuple[object, object], dict[str, object]],
    value: str,
    labels: dict[object, str],
    intervals: bool,
    x: str,
) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    n_waves = max(len(waves), 1)
    bar_height = 0.8 / n_waves
    height = 1.2 + 0.25 * n_waves * max(len(groups), 1) + 0.15 * len(groups)
    figure = Figure(figsize=(8.0, height))
    axes = figure.add_subplot()
    percent = value in PERCENT_STATISTICS
    top = 100.0 if percent else _largest(cells, value, intervals)

    handles: list[Patch] = []
    for w, wave in enumerate(waves):
        colour = PALETTE[w % len(PALETTE)]
        for g, group in enumerate(groups):
            record = cells.get((group, wave))
            bar_value = plain(record[value]) if record else None
            if not isinstance(bar_value, int | float):
                continue
            centre = g + (w - (n_waves - 1) / 2) * bar_height
            axes.barh(centre, bar_value, height=bar_height * 0.92, color=colour)
            end = float(bar_value)
            if intervals and record is not None:
                lower, upper = plain(record["ci_lower"]), plain(record["ci_upper"])
                if isinstance(lower, int | float) and isinstance(upper, int | float):
                    axes.errorbar(
                        bar_value,
                        centre,
                        xerr=[[bar_value - lower], [upper - bar_value]],
                        fmt="none",
                        ecolor=WHISKER_COLOUR,
                        elinewidth=0.8,
                        capsize=2,
                    )
                    end = max(end, float(upper))
            axes.text(
                end + top * 0.01,
                centre,
                format_value(bar_value, value),
                va="center",
                ha="left",
                fontsize=8,
            )
        handles.append(Patch(facecolor=colour, label=format_value(wave)))

    axes.set_yticks(range(len(groups)))
    axes.set_yticklabels(
        [textwrap.fill(labels.get(g, format_value(g)), LABEL_WIDTH) for g in groups]
    )
    axes.set_ylim(len(groups) - 0.5, -0.5)  # first item at the top
    axes.set_xlim(0, top * 1.1 if top > 0 else 1)
    if percent:
        axes.set_xticks([0, 20, 40, 60, 80, 100])
        axes.set_xlabel("%")
    else:
        axes.set_xlabel(value)
    axes.set_title(textwrap.fill(result.title, 70), loc="left")
    axes.legend(
        handles=handles,
        title=dimension_label(x),
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8,
        title_fontsize=8,
    )
    axes.tick_params(axis="y", length=0)

    note = "\n".join(textwrap.fill(line, NOTE_WIDTH) for line in _figure_notes(result, x, waves))
    axes.annotate(
        note,
        xy=(0, 0),
        xycoords="axes fraction",
        xytext=(0, -36),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=8,
    )
    return figure


def _figure_notes(result: TableResult, x: str, waves: list[object]) -> list[str]:
    """Bases first (as in the paper's figure notes), then the table's notes.

    Without a ``bases`` frame, the frame's own ``base`` column is quoted when it
    holds one base per wave (as a table of one statistic by wave does).
    """
    notes = []
    bases = bases_text(result.bases) or _bases_from_frame(result.frame, x, waves)
    if bases:
        notes.append(bases)
    notes += result.all_notes()
    return notes


def _bases_from_frame(frame: pd.DataFrame, x: str, waves: list[object]) -> str | None:
    if "base" not in frame.columns:
        return None
    found: dict[object, set[object]] = {wave: set() for wave in waves}
    for wave, base in zip(frame[x].tolist(), frame["base"].tolist(), strict=True):
        if plain(base) is not None:
            found[plain(wave)].add(plain(base))
    if not all(len(values) == 1 for values in found.values()):
        return None
    parts = [f"{format_value(w)}={format_value(next(iter(found[w])), 'base')}" for w in waves]
    return "Bases: " + "; ".join(parts)


def _largest(
    cells: dict[tuple[object, object], dict[str, object]], value: str, intervals: bool
) -> float:
    numbers = []
    for record in cells.values():
        for column in (value, "ci_upper") if intervals else (value,):
            number = plain(record.get(column))
            if isinstance(number, int | float):
                numbers.append(float(number))
    return max(numbers, default=1.0)
