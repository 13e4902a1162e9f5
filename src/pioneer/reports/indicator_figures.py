"""Indicator charts: trend chart, spine chart and funnel plot, drawn from the views' tables.

Each function draws one :class:`~pioneer.results.TableResult` made by
:mod:`pioneer.indicators.views` and computes nothing: positions, colours, limits and notes
are all read from the table. The conventions are those of :mod:`pioneer.reports.figures`:
matplotlib's object API on a private figure (Agg, no pyplot), the shared style and file
metadata so that SVG and PNG output is byte-for-byte reproducible (fixed SVG hash salt, no
dates), and the data written beside the figure (``<stem>.csv``; the funnel's lines also as
``<stem>_limits.csv``). The file type follows the suffix (``.svg`` or ``.png``).
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from pioneer.reports.csvfile import write_frame_csv
from pioneer.reports.figures import _METADATA, _STYLE, NOTE_WIDTH, PALETTE
from pioneer.reports.grid import format_value, plain
from pioneer.results import TableResult

if TYPE_CHECKING:  # matplotlib is imported when a figure is drawn, not with the package
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["funnel_plot", "spine_chart", "trend_chart"]

#: Lines for comparators in a trend chart: black first (England, as Fingertips draws it).
COMPARATOR_COLOURS: tuple[str, ...] = ("#000000", *PALETTE[:-1])
COMPARATOR_STYLES: tuple[str, ...] = ("-", "--", "-.", ":")
SITE_LINE = "#555555"
#: Spine bar shades: outer quarters light, middle half dark (as on Fingertips).
SPINE_OUTER = "#C9C9C9"
SPINE_MIDDLE = "#8B8B8B"
ENGLAND_LINE = "#C00000"
#: Funnel lines and points.
TARGET_LINE = "#000000"
LIMIT_STYLES: tuple[tuple[str, str], ...] = (("#E69F00", "--"), ("#D55E00", ":"))
POINT_COLOUR = "#9E9E9E"
HIGHLIGHT_COLOUR = "#0072B2"
#: Fingertips' outcome colours, read from the table's ``colour`` column; this order for legends.
_OUTCOME_ORDER = ("Better", "Similar", "Worse", "Higher", "Lower", "Not compared")


def _check(result: TableResult, name: str, columns: tuple[str, ...], path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in _METADATA:
        raise ValueError(f"cannot write a figure as {path.name!r}: use a .svg or .png file name")
    if result.name != name:
        raise ValueError(f"this chart draws the table {name!r}; got {result.name!r}")
    missing = [c for c in columns if c not in result.frame.columns]
    if missing:
        raise ValueError(f"table {result.name!r} has no column(s) {missing} for the chart")
    return suffix


def _save(figure: Figure, path: Path, suffix: str, dpi: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(
        path, format=suffix.lstrip("."), dpi=dpi, bbox_inches="tight", metadata=_METADATA[suffix]
    )


def _number(value: object) -> float | None:
    value = plain(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return None
    return float(value)


def _notes(axes: Axes, lines: list[str], offset: float = -40) -> None:
    text = "\n".join(textwrap.fill(line, NOTE_WIDTH) for line in lines)
    axes.annotate(
        text,
        xy=(0, 0),
        xycoords="axes fraction",
        xytext=(0, offset),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=7.5,
    )


# ---------------------------------------------------------------------------------------------
# Trend chart


def trend_chart(result: TableResult, path: str | Path, *, dpi: int = 150) -> list[Path]:
    """Draw ``views.trend_view``'s table: the site's points coloured by their comparison,
    with interval bars where it has limits, and one line per comparator (a band where the
    comparator has limits). Returns ``[figure, data CSV]``."""
    path = Path(path)
    columns = ("role", "area_name", "area_code", "period", "year", "value", "colour")
    suffix = _check(result, "indicator_trend", columns, path)
    import matplotlib as mpl

    with mpl.rc_context(_STYLE):
        figure = _draw_trend(result)
        _save(figure, path, suffix, dpi)
    return [path, write_frame_csv(result.frame, path.with_suffix(".csv"))]


def _limit_names(result: TableResult) -> tuple[str, str]:
    names = result.options.get("limit_columns", ("lower_95", "upper_95"))
    lower, upper = names  # type: ignore[misc]
    return str(lower), str(upper)


def _draw_trend(result: TableResult) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    frame = result.frame
    lower, upper = _limit_names(result)
    periods = frame[["year", "period"]].drop_duplicates().sort_values(["year", "period"])["period"]
    x_of = {p: i for i, p in enumerate(periods.tolist())}
    figure = Figure(figsize=(8.5, 5.0))
    axes = figure.add_subplot()
    handles: list[object] = []

    comparators = frame[frame["role"] == "comparator"]
    for i, code in enumerate(dict.fromkeys(comparators["area_code"].tolist())):
        rows = comparators[comparators["area_code"] == code].sort_values("year")
        xs = [x_of[p] for p in rows["period"]]
        colour = COMPARATOR_COLOURS[i % len(COMPARATOR_COLOURS)]
        style = COMPARATOR_STYLES[i % len(COMPARATOR_STYLES)]
        name = str(rows["area_name"].iloc[0])
        axes.plot(xs, rows["value"].tolist(), color=colour, linestyle=style, linewidth=1.4)
        if lower in rows.columns and rows[lower].notna().any():
            axes.fill_between(
                xs, rows[lower].tolist(), rows[upper].tolist(), color=colour, alpha=0.12, lw=0
            )
        handles.append(Line2D([], [], color=colour, linestyle=style, label=name))

    site = frame[frame["role"] == "site"].sort_values("year")
    site_name = str(site["area_name"].iloc[0]) if not site.empty else "Site"
    xs = [x_of[p] for p in site["period"]]
    axes.plot(xs, site["value"].tolist(), color=SITE_LINE, linewidth=1.0, zorder=2)
    for x, record in zip(xs, site.to_dict("records"), strict=True):
        value = _number(record["value"])
        if value is None:
            continue
        low, high = _number(record.get(lower)), _number(record.get(upper))
        if low is not None and high is not None:
            axes.errorbar(
                x,
                value,
                yerr=[[value - low], [high - value]],
                fmt="none",
                ecolor=SITE_LINE,
                elinewidth=0.9,
                capsize=3,
                zorder=3,
            )
        axes.scatter(
            [x],
            [value],
            s=60,
            color=str(record["colour"]) or "#FFFFFF",
            edgecolors="#000000",
            linewidths=0.8,
            zorder=4,
        )
    handles.insert(
        0,
        Line2D(
            [],
            [],
            color=SITE_LINE,
            marker="o",
            markerfacecolor="#FFFFFF",
            markeredgecolor="#000000",
            label=site_name,
        ),
    )
    benchmark = str(site["benchmark"].iloc[0]) if "benchmark" in site and len(site) else ""
    seen = dict(zip(site["comparison"], site["colour"], strict=True)) if len(site) else {}
    for outcome in _OUTCOME_ORDER:
        if outcome in seen:
            label = f"{outcome} ({'vs ' + benchmark if benchmark else 'no benchmark'})"
            handles.append(
                Patch(facecolor=seen[outcome], edgecolor="#000000", linewidth=0.5, label=label)
            )

    axes.set_xticks(range(len(x_of)))
    axes.set_xticklabels(list(x_of), rotation=45 if len(x_of) > 6 else 0, ha="right")
    axes.set_xlim(-0.5, len(x_of) - 0.5)
    axes.set_ylabel(str(result.options.get("unit", "Value")))
    axes.set_ylim(bottom=0)
    axes.set_title(textwrap.fill(result.title, 70), loc="left")
    axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    axes.grid(axis="y", color="#E5E5E5", linewidth=0.6)
    _notes(axes, list(result.all_notes()), offset=-60 if len(x_of) > 6 else -40)
    return figure


# ---------------------------------------------------------------------------------------------
# Spine chart


def spine_chart(result: TableResult, path: str | Path, *, dpi: int = 150) -> list[Path]:
    """Draw ``views.spine_view``'s table: a data table on the left and, per indicator, the
    district range (worst left, best right) with England's centre line and the site's
    marker coloured by its comparison. Returns ``[figure, data CSV]``."""
    path = Path(path)
    columns = (
        "indicator",
        "period",
        "value",
        "england_value",
        "worst",
        "best",
        "worst_pos",
        "worse_quartile_pos",
        "better_quartile_pos",
        "best_pos",
        "value_pos",
        "colour",
    )
    suffix = _check(result, "indicator_spine", columns, path)
    import matplotlib as mpl

    with mpl.rc_context(_STYLE):
        figure = _draw_spine(result)
        _save(figure, path, suffix, dpi)
    return [path, write_frame_csv(result.frame, path.with_suffix(".csv"))]


def _draw_spine(result: TableResult) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    frame = result.frame
    n = max(len(frame), 1)
    figure = Figure(figsize=(12.0, 1.6 + 0.42 * n))
    grid = figure.add_gridspec(1, 2, width_ratios=(1.55, 1.0), wspace=0.02)
    table = figure.add_subplot(grid[0])
    spine = figure.add_subplot(grid[1], sharey=table)
    site_name = str(result.options.get("site_name", "Site"))
    headers = (
        ("Indicator", 0.0, "left"),
        ("Period", 0.50, "left"),
        (site_name, 0.68, "right"),
        ("England", 0.79, "right"),
        ("Worst/\nLowest", 0.89, "right"),
        ("Best/\nHighest", 0.995, "right"),
    )
    for text, x, align in headers:
        table.text(x, -0.75, text, ha=align, va="bottom", fontsize=8, fontweight="bold")
    for i, record in enumerate(frame.to_dict("records")):
        label = textwrap.shorten(str(record["indicator"]), width=62, placeholder="…")
        cells = (
            (label, 0.0, "left"),
            (str(record["period"]), 0.50, "left"),
            (format_value(record["value"]), 0.68, "right"),
            (format_value(record["england_value"]), 0.79, "right"),
            (format_value(record["worst"]), 0.89, "right"),
            (format_value(record["best"]), 0.995, "right"),
        )
        for text, x, align in cells:
            table.text(x, i, text, ha=align, va="center", fontsize=8)
        positions = [
            _number(record[c])
            for c in ("worst_pos", "worse_quartile_pos", "better_quartile_pos", "best_pos")
        ]
        if all(p is not None for p in positions):
            w, q1, q3, b = positions  # type: ignore[misc]
            for start, end, shade in ((w, q1, SPINE_OUTER), (q1, q3, SPINE_MIDDLE)):
                spine.barh(i, end - start, left=start, height=0.55, color=shade, lw=0)
            spine.barh(i, b - q3, left=q3, height=0.55, color=SPINE_OUTER, lw=0)
        value_pos = _number(record["value_pos"])
        if value_pos is not None:
            spine.scatter(
                [value_pos],
                [i],
                s=55,
                color=str(record["colour"]),
                edgecolors="#000000",
                linewidths=0.8,
                zorder=4,
            )
    spine.axvline(0.5, color=ENGLAND_LINE, linewidth=1.5, zorder=3)
    table.set_xlim(0, 1)
    table.set_ylim(n - 0.5, -1.2)
    table.axis("off")
    spine.set_xlim(-0.03, 1.03)
    spine.axis("off")
    table.set_title(textwrap.fill(result.title, 100), loc="left")

    handles: list[object] = [
        Patch(facecolor=SPINE_OUTER, label="Worst (lowest) to 25th percentile; 75th to best"),
        Patch(facecolor=SPINE_MIDDLE, label="25th to 75th percentile"),
        Line2D([], [], color=ENGLAND_LINE, linewidth=1.5, label="England"),
    ]
    seen = dict(zip(frame["comparison"], frame["colour"], strict=True)) if len(frame) else {}
    for outcome in _OUTCOME_ORDER:
        if outcome in seen:
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="",
                    marker="o",
                    markerfacecolor=seen[outcome],
                    markeredgecolor="#000000",
                    label=f"{site_name}: not compared"
                    if outcome == "Not compared"
                    else f"{site_name}: {outcome} (compared with England)",
                )
            )
    spine.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(-1.55, -0.01 - 0.25 / n),
        ncol=3,
        fontsize=7.5,
    )
    _notes(table, list(result.all_notes()), offset=-48)
    return figure


# ---------------------------------------------------------------------------------------------
# Funnel plot


def funnel_plot(
    points: TableResult,
    limits: TableResult,
    path: str | Path,
    *,
    log_size: bool | None = None,
    dpi: int = 150,
) -> list[Path]:
    """Draw ``views.funnel_view``'s points with ``views.funnel_curve``'s lines: the target,
    the control limits (95% dashed, 99.8% dotted), the areas, and the highlighted areas
    (Pioneer sites) labelled. ``log_size`` puts the size axis on a log scale (by default
    when the sizes span more than a hundredfold). Returns ``[figure, points CSV, limits
    CSV]``."""
    path = Path(path)
    suffix = _check(points, "indicator_funnel", ("size", "value", "highlighted"), path)
    if limits.name != "indicator_funnel_limits" or "size" not in limits.frame.columns:
        raise ValueError(f"the funnel's lines must be funnel_curve's table; got {limits.name!r}")
    import matplotlib as mpl

    with mpl.rc_context(_STYLE):
        figure = _draw_funnel(points, limits, log_size)
        _save(figure, path, suffix, dpi)
    data = write_frame_csv(points.frame, path.with_suffix(".csv"))
    lines = write_frame_csv(limits.frame, path.with_name(f"{path.stem}_limits.csv"))
    return [path, data, lines]


def _level_text(column: str) -> str:
    return column.removeprefix("outside_").replace("_", ".")


def _draw_funnel(points: TableResult, limits: TableResult, log_size: bool | None) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    frame = points.frame
    curve = limits.frame
    figure = Figure(figsize=(8.5, 5.5))
    axes = figure.add_subplot()
    sizes = curve["size"].tolist()
    axes.plot(sizes, curve["target"].tolist(), color=TARGET_LINE, linewidth=1.2)
    handles: list[object] = [
        Line2D([], [], color=TARGET_LINE, label=f"Target: {points.options.get('target_label')}")
    ]
    lower_columns = [c for c in curve.columns if c.startswith("lower_")]
    for i, lower in enumerate(lower_columns):
        upper = "upper_" + lower.removeprefix("lower_")
        colour, style = LIMIT_STYLES[i % len(LIMIT_STYLES)]
        axes.plot(sizes, curve[lower].tolist(), color=colour, linestyle=style, linewidth=1.2)
        axes.plot(sizes, curve[upper].tolist(), color=colour, linestyle=style, linewidth=1.2)
        level = lower.removeprefix("lower_").replace("_", ".")
        handles.append(
            Line2D([], [], color=colour, linestyle=style, label=f"{level}% control limits")
        )
    plain_points = frame[~frame["highlighted"].astype(bool)]
    area_type = str(plain_points["area_type"].iloc[0]) if len(plain_points) else "Areas"
    outside = [c for c in frame.columns if c.startswith("outside_")]
    # within the narrowest limits: grey; outside them: grey ringed; outside the widest: black
    classes = (
        (
            ("within", "within the limits", POINT_COLOUR, "none"),
            ("alert", f"outside the {_level_text(outside[0])}% limits", POINT_COLOUR, "#000000"),
            ("alarm", f"outside the {_level_text(outside[-1])}% limits", "#000000", "#000000"),
        )
        if outside
        else (("within", "", POINT_COLOUR, "none"),)
    )
    for key, words, face, edge in classes:
        if key == "within":
            rows = plain_points[~plain_points[outside].any(axis=1)] if outside else plain_points
        elif key == "alert":
            rows = plain_points[plain_points[outside[0]] & ~plain_points[outside[-1]]]
        else:
            rows = plain_points[plain_points[outside[-1]]]
        if rows.empty:
            continue
        axes.scatter(
            rows["size"].tolist(),
            rows["value"].tolist(),
            s=16,
            color=face,
            edgecolors=edge,
            linewidths=0.8,
            zorder=3,
        )
        handles.append(
            Line2D(
                [],
                [],
                linestyle="",
                marker="o",
                markerfacecolor=face,
                markeredgecolor=edge if edge != "none" else face,
                label=f"{area_type}, {words}" if words else area_type,
            )
        )
    marked = frame[frame["highlighted"].astype(bool)]
    if len(marked):
        axes.scatter(
            marked["size"].tolist(),
            marked["value"].tolist(),
            s=50,
            color=HIGHLIGHT_COLOUR,
            edgecolors="#000000",
            linewidths=0.7,
            zorder=5,
        )
        for record in marked.to_dict("records"):
            axes.annotate(
                str(record["area_name"]),
                (float(record["size"]), float(record["value"])),
                xytext=(5, 4),
                textcoords="offset points",
                fontsize=8,
                color=HIGHLIGHT_COLOUR,
            )
        label = ", ".join(dict.fromkeys(marked["area_type"].astype(str)))
        handles.append(
            Line2D(
                [],
                [],
                linestyle="",
                marker="o",
                markerfacecolor=HIGHLIGHT_COLOUR,
                markeredgecolor="#000000",
                label=f"Highlighted: {label}",
            )
        )
    smallest, largest = min(sizes), max(sizes)
    if log_size is None:
        log_size = largest > 100 * smallest
    if log_size:
        axes.set_xscale("log")
    axes.set_xlabel(str(points.options.get("size_label", "Size")))
    axes.set_ylabel(str(points.options.get("unit", "Value")))
    axes.set_title(textwrap.fill(points.title, 70), loc="left")
    axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    axes.grid(color="#EEEEEE", linewidth=0.6)
    _notes(axes, list(points.all_notes()), offset=-44)
    return figure
