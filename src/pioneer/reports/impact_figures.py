"""Impact charts: the event-study plot and the synthetic-control plots.

Each function draws one :class:`~pioneer.impact.results.ImpactResult` and computes nothing:
points, intervals, paths and gaps are read from the result's ``details``. The conventions are
those of :mod:`pioneer.reports.figures`: matplotlib's object API on a private figure (no
pyplot), the shared style and file metadata so that SVG and PNG output is byte-for-byte
reproducible, and the plotted data written beside the figure (``<stem>.csv``). The file type
follows the suffix (``.svg`` or ``.png``).
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from pioneer.reports.csvfile import write_frame_csv
from pioneer.reports.figures import _METADATA, _STYLE, NOTE_WIDTH, PALETTE

if TYPE_CHECKING:  # matplotlib is imported when a figure is drawn, not with the package
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from pioneer.impact.results import ImpactResult

__all__ = [
    "dynamic_effects_figure",
    "event_study_figure",
    "synth_figure",
    "synth_placebo_figure",
]

POINT_COLOUR = PALETTE[0]
REFERENCE_COLOUR = "#777777"
PLACEBO_COLOUR = "#BBBBBB"
SYNTHETIC_COLOUR = PALETTE[1]


def _check(result: ImpactResult, name: str, keys: tuple[str, ...], path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in _METADATA:
        raise ValueError(f"cannot write a figure as {path.name!r}: use a .svg or .png file name")
    if result.name != name:
        raise ValueError(f"this chart draws a {name!r} result; got {result.name!r}")
    missing = [k for k in keys if k not in result.details]
    if missing:
        raise ValueError(f"the {name!r} result has no {missing} in its details")
    return suffix


def _save(figure: Figure, path: Path, suffix: str, dpi: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(
        path, format=suffix.lstrip("."), dpi=dpi, bbox_inches="tight", metadata=_METADATA[suffix]
    )


def _notes(axes: Axes, lines: list[str]) -> None:
    text = "\n".join(textwrap.fill(line, NOTE_WIDTH) for line in lines)
    axes.annotate(
        text,
        xy=(0, 0),
        xycoords="axes fraction",
        xytext=(0, -40),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=7.5,
    )


def _draw(path: str | Path, suffix_check, draw, data: pd.DataFrame, dpi: int) -> list[Path]:
    import matplotlib as mpl

    path = Path(path)
    suffix = suffix_check(path)
    with mpl.rc_context(_STYLE):
        figure = draw()
        _save(figure, path, suffix, dpi)
    return [path, write_frame_csv(data, path.with_suffix(".csv"))]


# ---------------------------------------------------------------------------------------------
# Event study


def event_study_figure(
    result: ImpactResult, path: str | Path, *, title: str | None = None, dpi: int = 150
) -> list[Path]:
    """Coefficients by event time with their intervals; the reference period (−1) drawn
    hollow at zero; a dashed line between −1 and 0. Returns ``[figure, data CSV]``."""
    frame = result.details.get("coefficients")
    return _draw(
        path,
        lambda p: _check(result, "event_study", ("coefficients", "pretrend_test"), p),
        lambda: _draw_event_study(result, title),
        frame if frame is not None else result.tidy(),
        dpi,
    )


def _draw_event_study(result: ImpactResult, title: str | None) -> Figure:
    from matplotlib.figure import Figure

    frame = result.details["coefficients"]
    figure = Figure(figsize=(7.5, 4.2))
    axes = figure.add_subplot()
    estimated = frame[~frame["reference"].astype(bool)]
    reference = frame[frame["reference"].astype(bool)]
    axes.axhline(0.0, color="#000000", linewidth=0.8)
    axes.axvline(-0.5, color=REFERENCE_COLOUR, linewidth=0.8, linestyle="--")
    axes.errorbar(
        estimated["event_time"],
        estimated["estimate"],
        yerr=[
            estimated["estimate"] - estimated["conf_low"],
            estimated["conf_high"] - estimated["estimate"],
        ],
        fmt="o",
        color=POINT_COLOUR,
        ecolor=POINT_COLOUR,
        elinewidth=1.0,
        capsize=3,
        label=f"estimate, {100 * result.confidence:g}% interval",
    )
    axes.plot(
        reference["event_time"],
        reference["estimate"],
        "o",
        markerfacecolor="white",
        markeredgecolor=REFERENCE_COLOUR,
        label="reference period (fixed at 0)",
    )
    ticks = frame["event_time"].astype(int).tolist()
    axes.set_xticks(ticks)
    labels = []
    for row in frame.itertuples(index=False):
        text = str(int(row.event_time))
        if bool(row.binned):
            text = ("≤" if row.event_time < 0 else "≥") + text
        labels.append(text)
    axes.set_xticklabels(labels)
    axes.set_xlabel("Years relative to the first treated year")
    axes.set_ylabel(f"Effect on {result.outcome}")
    axes.set_title(textwrap.fill(title or f"Event study: {result.outcome}", 70), loc="left")
    axes.legend(loc="upper left", fontsize=8)
    test = result.details["pretrend_test"].iloc[0]
    notes = []
    if int(test["q"]) > 0:
        notes.append(
            f"Joint test that all leads are zero: F({int(test['df1'])}, {int(test['df2'])}) = "
            f"{test['f_statistic']:.3g}, p = {test['p_value']:.3g}."
        )
    notes.append(result.method)
    notes.extend(result.notes)
    _notes(axes, notes)
    return figure


# ---------------------------------------------------------------------------------------------
# Synthetic control


def _treatment_line(axes: Axes, path_frame: pd.DataFrame, time: str) -> None:
    post = path_frame[path_frame["post"].astype(bool)]
    pre = path_frame[~path_frame["post"].astype(bool)]
    if len(post) and len(pre):
        axes.axvline(
            (float(pre[time].max()) + float(post[time].min())) / 2,
            color=REFERENCE_COLOUR,
            linewidth=0.8,
            linestyle="--",
        )


def _time_column(frame: pd.DataFrame) -> str:
    return next(c for c in frame.columns if c not in ("treated", "synthetic", "gap", "post"))


def synth_figure(
    result: ImpactResult, path: str | Path, *, title: str | None = None, dpi: int = 150
) -> list[Path]:
    """The treated area's outcome and its synthetic control over time, with the start of
    treatment marked. Returns ``[figure, data CSV]``."""
    return _draw(
        path,
        lambda p: _check(result, "synthetic_control", ("path", "weights", "fit"), p),
        lambda: _draw_synth(result, title),
        result.details.get("path", result.tidy()),
        dpi,
    )


def _draw_synth(result: ImpactResult, title: str | None) -> Figure:
    from matplotlib.figure import Figure

    frame = result.details["path"]
    time = _time_column(frame)
    figure = Figure(figsize=(7.5, 4.2))
    axes = figure.add_subplot()
    axes.plot(
        frame[time], frame["treated"], "-o", color=POINT_COLOUR, label="treated area", markersize=4
    )
    axes.plot(
        frame[time], frame["synthetic"], "--", color=SYNTHETIC_COLOUR, label="synthetic control"
    )
    _treatment_line(axes, frame, time)
    axes.set_xticks(frame[time].tolist())
    axes.set_xlabel(time)
    axes.set_ylabel(result.outcome)
    axes.set_title(textwrap.fill(title or f"Synthetic control: {result.outcome}", 70), loc="left")
    axes.legend(loc="best", fontsize=8)
    fit = result.details["fit"].iloc[0]
    weights = result.details["weights"]
    top = weights[weights["weight"] > 0].head(5)
    notes = [
        "Donor weights: "
        + "; ".join(f"{r.donor} {r.weight:.3f}" for r in top.itertuples(index=False))
        + (" …" if (weights["weight"] > 0).sum() > len(top) else ""),
        f"Pre-period RMSPE {fit['pre_rmspe']:.4g}; post/pre RMSPE ratio {fit['ratio']:.3g}"
        + (f"; placebo p = {fit['p_value']:.3g}." if fit["p_value"] == fit["p_value"] else "."),
        *result.notes,
    ]
    _notes(axes, notes)
    return figure


def synth_placebo_figure(
    result: ImpactResult, path: str | Path, *, title: str | None = None, dpi: int = 150
) -> list[Path]:
    """Gaps (treated minus synthetic) of the treated area, bold, and of every placebo donor,
    grey, over time. Returns ``[figure, data CSV]``."""
    return _draw(
        path,
        lambda p: _check(result, "synthetic_control", ("placebo_gaps", "placebo", "path"), p),
        lambda: _draw_placebos(result, title),
        result.details.get("placebo_gaps", result.tidy()),
        dpi,
    )


def _draw_placebos(result: ImpactResult, title: str | None) -> Figure:
    from matplotlib.figure import Figure

    gaps = result.details["placebo_gaps"]
    time = next(c for c in gaps.columns if c not in ("unit", "gap", "treated"))
    figure = Figure(figsize=(7.5, 4.2))
    axes = figure.add_subplot()
    axes.axhline(0.0, color="#000000", linewidth=0.8)
    for _unit, rows in gaps[~gaps["treated"].astype(bool)].groupby("unit", sort=True):
        axes.plot(rows[time], rows["gap"], color=PLACEBO_COLOUR, linewidth=0.8)
    treated = gaps[gaps["treated"].astype(bool)]
    axes.plot(
        treated[time],
        treated["gap"],
        color=POINT_COLOUR,
        linewidth=2.0,
        label=f"treated area ({treated['unit'].iloc[0]})",
    )
    axes.plot([], [], color=PLACEBO_COLOUR, linewidth=0.8, label="placebo (each donor)")
    _treatment_line(axes, result.details["path"], _time_column(result.details["path"]))
    axes.set_xticks(sorted(gaps[time].unique().tolist()))
    axes.set_xlabel(time)
    axes.set_ylabel(f"Gap in {result.outcome} (area − synthetic)")
    axes.set_title(textwrap.fill(title or f"Placebos in space: {result.outcome}", 70), loc="left")
    axes.legend(loc="upper left", fontsize=8)
    fit = result.details["fit"].iloc[0]
    _notes(
        axes,
        [
            f"{int(fit['n_donors'])} placebos. Permutation p-value from post/pre RMSPE ratios: "
            f"{fit['p_value']:.3g} (smallest possible {1 / (fit['n_donors'] + 1):.3g})."
        ],
    )
    return figure


# ---------------------------------------------------------------------------------------------
# Staggered adoption: effects by event time


def dynamic_effects_figure(
    result: ImpactResult, path: str | Path, *, title: str | None = None, dpi: int = 150
) -> list[Path]:
    """Callaway & Sant'Anna ATT(e) by years since the first treated year, with pointwise
    intervals (and simultaneous bands, lighter, where the result has them); a dashed line
    between −1 and 0. Returns ``[figure, data CSV]``."""
    return _draw(
        path,
        lambda p: _check(result, "staggered_att", ("dynamic", "group_time"), p),
        lambda: _draw_dynamic(result, title),
        result.details.get("dynamic", result.tidy()),
        dpi,
    )


def _draw_dynamic(result: ImpactResult, title: str | None) -> Figure:
    from matplotlib.figure import Figure

    frame = result.details["dynamic"]
    figure = Figure(figsize=(7.5, 4.2))
    axes = figure.add_subplot()
    axes.axhline(0.0, color="#000000", linewidth=0.8)
    axes.axvline(-0.5, color=REFERENCE_COLOUR, linewidth=0.8, linestyle="--")
    level = f"{100 * result.confidence:g}%"
    if "conf_low_uniform" in frame.columns:
        axes.errorbar(
            frame["event_time"],
            frame["estimate"],
            yerr=[
                frame["estimate"] - frame["conf_low_uniform"],
                frame["conf_high_uniform"] - frame["estimate"],
            ],
            fmt="none",
            ecolor=PLACEBO_COLOUR,
            elinewidth=4.0,
            label=f"{level} simultaneous band",
        )
    axes.errorbar(
        frame["event_time"],
        frame["estimate"],
        yerr=[frame["estimate"] - frame["conf_low"], frame["conf_high"] - frame["estimate"]],
        fmt="o",
        color=POINT_COLOUR,
        ecolor=POINT_COLOUR,
        elinewidth=1.0,
        capsize=3,
        label=f"ATT(e), {level} pointwise interval",
    )
    axes.set_xticks(frame["event_time"].astype(int).tolist())
    axes.set_xlabel("Years relative to the first treated year (e)")
    axes.set_ylabel(f"Effect on {result.outcome}")
    axes.set_title(
        textwrap.fill(title or f"Effects by year since the start: {result.outcome}", 70),
        loc="left",
    )
    axes.legend(loc="upper left", fontsize=8)
    overall = result.tidy().iloc[0]
    before = (
        "each point compares that year with the year before the start"
        if "universal base" in result.method
        else "each point compares adjacent years"
    )
    _notes(
        axes,
        [
            f"Overall ATT {overall['estimate']:.4g} ({level} CI {overall['conf_low']:.4g} to "
            f"{overall['conf_high']:.4g}). Before the start (e < 0) {before}, a placebo "
            "that should be near zero.",
            result.method,
            *result.notes,
        ],
    )
    return figure
