"""The data tables behind the indicator charts: trend chart, spine chart and funnel plot.

Each view is a pure function over the indicator frame (the shape in the indicators contract:
``indicator_id, area_code, area_name, area_type, period, year, sex, age, numerator,
denominator, value, lower_95, upper_95, lower_99_8, upper_99_8, fingertips_comparison,
approximation``) or over part C's site profile, returning a
:class:`~pioneer.results.TableResult` that holds every number the chart draws, including the
colour of each benchmarked point. :mod:`pioneer.reports.indicator_figures` draws them and
computes nothing.

``trend_view``   a site's values by period against chosen comparators, each site point
                 coloured by its comparison with a benchmark (Fingertips colours);
``spine_view``   every indicator for one site against the spread of English districts, scaled
                 so that England sits at the centre (Fingertips' spine chart);
``funnel_view``  each area's value against its size with 95% and 99.8% control limits around
                 a target (:mod:`pioneer.indicators.funnel`), and ``funnel_curve`` the lines.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pioneer.errors import AnalysisError
from pioneer.indicators import benchmark as benchmarking
from pioneer.indicators import funnel
from pioneer.results import TableResult

if TYPE_CHECKING:  # the catalogue's entry type; any object with the same attributes will do
    from pioneer.indicators.catalogue import Catalogue, Indicator

__all__ = [
    "COMPARISONS",
    "COMPARISON_COLOURS",
    "ENGLAND_CODE",
    "england_distributions",
    "funnel_curve",
    "funnel_view",
    "spine_view",
    "trend_view",
]

ENGLAND_CODE = "E92000001"
#: How England appears in the frame: its GSS code, or the England comparator's id.
ENGLAND_CODES: tuple[str, ...] = (ENGLAND_CODE, "england")
#: The benchmark outcomes, in the order a legend lists them.
COMPARISONS: tuple[str, ...] = benchmarking.COMPARISONS
#: Fingertips' colours for each outcome (fingertipscharts' ``scale_fill_phe`` palette): green
#: better, amber similar, red worse, light and dark blue for higher and lower where no
#: judgement is made, grey where nothing is compared.
COMPARISON_COLOURS: dict[str, str] = {
    "Better": "#92D050",
    "Similar": "#FFC000",
    "Worse": "#C00000",
    "Higher": "#BED2FF",
    "Lower": "#5555E6",
    "Not compared": "#C9C9C9",
}
NOT_COMPARED = benchmarking.NOT_COMPARED
#: Columns every view needs from the indicator frame.
_FRAME_COLUMNS = ("indicator_id", "area_code", "area_name", "area_type", "period", "year", "value")


# ---------------------------------------------------------------------------------------------
# Shared helpers


def _check_frame(data: pd.DataFrame, needed: Sequence[str], what: str) -> None:
    if not isinstance(data, pd.DataFrame):
        raise AnalysisError(f"{what} needs the indicator frame (a DataFrame); got {type(data)}")
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise AnalysisError(
            f"{what}: the indicator frame has no column(s) {', '.join(missing)}; it has "
            f"{', '.join(map(str, data.columns))}. Fix: build it with pioneer.indicators.ingest "
            "(the indicator frame of the indicators contract)"
        )


def _indicator_rows(
    data: pd.DataFrame, indicator: Indicator, sex: str | None, age: str | None, what: str
) -> pd.DataFrame:
    """The rows of one indicator for one sex and one age group."""
    _check_frame(data, _FRAME_COLUMNS, what)
    rows = data[data["indicator_id"].astype(str) == indicator.id]
    if rows.empty:
        known = sorted(set(data["indicator_id"].astype(str)))
        raise AnalysisError(
            f"{what}: the frame has no rows for indicator {indicator.id!r}; it has "
            f"{', '.join(known) or 'no indicators'}. Fix: import the indicator's data first"
        )
    for column, wanted, default in (("sex", sex, indicator.sex), ("age", age, indicator.age)):
        if column not in rows.columns:
            continue
        present = list(dict.fromkeys(rows[column].astype(str)))
        if wanted is None:
            if len(present) == 1:
                continue
            wanted = default if default in present else None
        if wanted is None or wanted not in present:
            raise AnalysisError(
                f"{what}: indicator {indicator.id!r} has rows for {column} "
                f"{', '.join(repr(p) for p in present)}; choose one with {column}="
            )
        rows = rows[rows[column].astype(str) == wanted]
    return rows.reset_index(drop=True)


def _area_rows(rows: pd.DataFrame, code: str, what: str, role: str) -> pd.DataFrame:
    found = rows[rows["area_code"].astype(str) == code]
    if found.empty:
        codes = sorted(set(rows["area_code"].astype(str)))
        close = difflib.get_close_matches(code, codes, n=3, cutoff=0.6)
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        fix = (
            "add the site's values with pioneer.indicators.areas.site_values"
            if role == "site"
            else "add the comparator's values with pioneer.indicators.areas.comparator_values"
        )
        raise AnalysisError(
            f"{what}: no rows for the {role} {code!r}{hint}. Fix: {fix}, or give an area "
            "code that is in the frame"
        )
    return found


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return pd.to_numeric(frame[name], errors="coerce").astype(float)
    return pd.Series(np.nan, index=frame.index, dtype=float)


def _text(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name].fillna("").astype(str)
    return pd.Series("", index=frame.index, dtype=str)


def _is_england(rows: pd.DataFrame) -> pd.Series:
    return rows["area_code"].astype(str).isin(ENGLAND_CODES) | (
        rows["area_type"].astype(str) == "England"
    )


# ---------------------------------------------------------------------------------------------
# Trend chart


def trend_view(
    data: pd.DataFrame,
    indicator: Indicator,
    area_code: str,
    comparators: Sequence[str] | None = None,
    *,
    benchmark: str | None = None,
    confidence: float = 0.95,
    sex: str | None = None,
    age: str | None = None,
) -> TableResult:
    """A site's (or any area's) values over periods beside its comparators.

    ``area_code`` is the site's area code in ``data`` (a Pioneer site's registry id for rows
    from ``site_values``); ``comparators`` are area codes of comparator rows (a comparator's
    id from ``comparator_values`` such as ``england``, or a published area's GSS code); by
    default England (``england`` or E92000001, whichever the frame has). Each site point is
    compared with
    ``benchmark`` (default: the first comparator) in the same period at ``confidence``: by the
    Fingertips rule where the site has limits at that level, else by the publisher's own
    comparison (``fingertips_comparison``) when the benchmark is England, else ``Not
    compared``. Returns the table ``indicator_trend``: one row per area and period, site
    first, with ``role`` (site/comparator), the values and limits, ``benchmark_value``,
    ``comparison``, ``comparison_source`` (computed/published/"") and ``colour``.
    """
    what = f"trend chart of {indicator.id}"
    rows = _indicator_rows(data, indicator, sex, age, what)
    if comparators is None:
        present = set(rows["area_code"].astype(str))
        comparators = [c for c in ENGLAND_CODES if c in present][:1]
    comparators = [str(c) for c in comparators]
    if str(area_code) in comparators:
        raise AnalysisError(f"{what}: {area_code!r} is both the site and a comparator")
    if len(set(comparators)) != len(comparators):
        raise AnalysisError(f"{what}: comparators {comparators} repeat an area")
    if benchmark is None:
        benchmark = comparators[0] if comparators else None
    site = _area_rows(rows, str(area_code), what, "site")
    parts = [site.assign(role="site")]
    for code in comparators:
        parts.append(_area_rows(rows, code, what, "comparator").assign(role="comparator"))
    bench_rows = _area_rows(rows, benchmark, what, "benchmark") if benchmark is not None else None
    frame = pd.concat(parts, ignore_index=True)
    duplicated = frame.duplicated(["area_code", "period"])
    if duplicated.any():
        first = frame[duplicated].iloc[0]
        raise AnalysisError(
            f"{what}: more than one row for area {first['area_code']!r} in period "
            f"{first['period']!r}; filter the frame to one sex and age group first"
        )

    lower_name, upper_name = funnel.limit_column_names(confidence)
    out = pd.DataFrame(
        {
            "indicator_id": indicator.id,
            "role": frame["role"].astype(str),
            "area_code": frame["area_code"].astype(str),
            "area_name": frame["area_name"].astype(str),
            "area_type": frame["area_type"].astype(str),
            "period": frame["period"].astype(str),
            "year": pd.to_numeric(frame["year"]).astype(int),
            "numerator": _column(frame, "numerator"),
            "denominator": _column(frame, "denominator"),
            "value": _column(frame, "value"),
        }
    )
    for column in ("lower_95", "upper_95", "lower_99_8", "upper_99_8", lower_name, upper_name):
        out[column] = _column(frame, column)
    bench_value = pd.Series(np.nan, index=out.index, dtype=float)
    bench_name = ""
    bench_is_england = bench_rows is not None and bool(_is_england(bench_rows).all())
    if bench_rows is not None:
        bench_name = str(bench_rows["area_name"].iloc[0])
        by_period = dict(
            zip(bench_rows["period"].astype(str), _column(bench_rows, "value"), strict=True)
        )
        bench_value = out["period"].map(by_period).astype(float)
    is_site = out["role"] == "site"
    out["benchmark"] = np.where(is_site, bench_name, "")
    out["benchmark_value"] = bench_value.where(is_site)
    computed = list(
        benchmarking.compare(
            out["value"].to_numpy(),
            out[lower_name].to_numpy(),
            out[upper_name].to_numpy(),
            out["benchmark_value"].to_numpy(),
            indicator.polarity,
        )
    )
    published = _text(frame, "fingertips_comparison")
    comparison, source = [], []
    for i, result in enumerate(computed):
        has_limits = not (
            math.isnan(out[lower_name].iloc[i]) or math.isnan(out[upper_name].iloc[i])
        )
        if not is_site.iloc[i]:
            comparison.append("")
            source.append("")
        elif has_limits and result != NOT_COMPARED:
            comparison.append(result)
            source.append("computed")
        elif bench_is_england and published.iloc[i] in COMPARISON_COLOURS:
            comparison.append(published.iloc[i])
            source.append("published")
        else:
            comparison.append(NOT_COMPARED)
            source.append("")
    out["comparison"] = comparison
    out["comparison_source"] = source
    out["colour"] = [COMPARISON_COLOURS.get(c, "") for c in comparison]
    out["approximation"] = _text(frame, "approximation")
    area_rank = {code: i for i, code in enumerate([str(area_code), *comparators])}
    out = (
        out.assign(_rank=out["area_code"].map(area_rank))
        .sort_values(["_rank", "year", "period"], kind="stable")
        .drop(columns="_rank")
        .reset_index(drop=True)
    )

    site_name = str(site["area_name"].iloc[0])
    notes = _trend_notes(out, site_name, bench_name, confidence, lower_name, indicator)
    comparator_names = list(dict.fromkeys(out.loc[~(out["role"] == "site"), "area_name"]))
    periods = out.loc[out["role"] == "site"].sort_values("year")["period"].tolist()
    span = f", {periods[0]} to {periods[-1]}" if periods else ""
    return TableResult(
        name="indicator_trend",
        title=f"{indicator.title}: {site_name}{span}",
        frame=out,
        method=(
            f"Values as published or computed for each period; each {site_name} point is "
            + (
                f"compared with {bench_name} in the same period at {_percent(confidence)} "
                "(Fingertips: similar when the benchmark lies inside the interval, otherwise "
                "better or worse by polarity)"
                if bench_name
                else "not compared (no benchmark chosen)"
            )
        ),
        notes=tuple(notes),
        options={
            "indicator_id": indicator.id,
            "site": str(area_code),
            "site_name": site_name,
            "comparators": tuple(comparators),
            "comparator_names": tuple(comparator_names),
            "benchmark": benchmark or "",
            "confidence": confidence,
            "limit_columns": (lower_name, upper_name),
            "polarity": indicator.polarity,
            "unit": indicator.unit,
        },
    )


def _trend_notes(
    out: pd.DataFrame,
    site_name: str,
    bench_name: str,
    confidence: float,
    lower_name: str,
    indicator: Indicator,
) -> list[str]:
    notes: list[str] = []
    site = out[out["role"] == "site"]
    missing_limits = site[lower_name].isna()
    if missing_limits.all():
        reason = (
            "its values are approximations"
            if (site["approximation"] != "").any()
            else "the source publishes values without counts or confidence limits"
        )
        notes.append(
            f"No {_percent(confidence)} confidence intervals exist for {site_name} "
            f"({reason}): its points are drawn without interval bars and are compared with "
            "the benchmark only where the publisher gave its own comparison with England."
        )
    elif missing_limits.any():
        periods = ", ".join(site.loc[missing_limits, "period"])
        notes.append(f"No confidence interval for {site_name} in {periods}.")
    published = site["comparison_source"] == "published"
    if published.any():
        notes.append(
            "Comparisons marked 'published' are the publisher's own comparison with England "
            f"({', '.join(site.loc[published, 'period'])})."
        )
    for text, group in site.groupby("approximation", sort=False):
        if text:
            notes.append(f"Approximation ({', '.join(group['period'])}): {text}.")
    if not bench_name:
        notes.append("No benchmark was chosen: every site point is 'Not compared'.")
    if indicator.polarity == "no_judgement":
        notes.append("No judgement of better or worse is made for this indicator.")
    return notes


def _percent(level: float) -> str:
    return f"{round(level * 100, 6):g}%"


# ---------------------------------------------------------------------------------------------
# Spine chart

_DISTRIBUTION_COLUMNS = ("min", "q1", "q3", "max")


def spine_view(
    profile: TableResult | pd.DataFrame,
    distributions: pd.DataFrame | Mapping[str, object],
    *,
    comparator: str = "england",
    site_name: str | None = None,
) -> TableResult:
    """Every indicator of one site's profile against the spread of English districts.

    ``profile`` is part C's ``indicator_profile`` (or its frame): one row per indicator ×
    comparator with ``indicator_id, indicator, unit, polarity, period, value,
    comparator_id, comparator_value, comparison`` (``dimension`` and ``approximation``
    used when present); the rows of ``comparator`` (England's comparator id) give the
    England value and the site's comparison. ``distributions`` gives, per indicator, the
    district distribution ``min, q1, q3, max`` (``median`` optional): a frame with an
    ``indicator_id`` column, or a mapping from indicator id to what
    ``pioneer.indicators.profile.england_distribution`` returns (a mapping, Series, one-row
    frame or dataclass).

    Layout as Fingertips draws it: worst on the left, best on the right (lowest/highest for
    indicators without a judgement). Scaling, per indicator: with ``E`` the England value
    and ``d = max(E − min, max − E)``, a value ``v`` sits at ``0.5 + s·(v − E)/(2d)``, where
    ``s`` is −1 when lower is better and +1 otherwise. England is at 0.5, the extreme
    farther from England at 0 or 1, and the other extreme as far in as it really is.
    Returns the table ``indicator_spine``: the values (``worst``, ``worse_quartile``,
    ``better_quartile``, ``best``), the site's ``comparison`` and ``colour``, and the
    positions ``*_pos`` on the 0–1 scale.
    """
    frame = profile.frame if isinstance(profile, TableResult) else profile
    options = profile.options if isinstance(profile, TableResult) else {}
    needed = ("indicator_id", "indicator", "polarity", "period", "value")
    _check_frame(frame, needed, "spine chart")
    if "comparator_id" in frame.columns:
        chosen = frame[frame["comparator_id"].astype(str) == comparator]
        if chosen.empty:
            present = ", ".join(dict.fromkeys(frame["comparator_id"].astype(str)))
            raise AnalysisError(
                f"spine chart: the profile has no rows for comparator {comparator!r}; it has "
                f"{present}. Fix: include England in the profile's comparators"
            )
    else:
        chosen = frame
    chosen = chosen.drop_duplicates("indicator_id").reset_index(drop=True)
    dist = _distribution_frame(distributions)

    rows = []
    for record in chosen.to_dict("records"):
        ind_id = str(record["indicator_id"])
        spread = dist.get(ind_id)
        rows.append(_spine_row(record, spread))
    out = pd.DataFrame(rows)
    positions = out[["value_pos", "worst_pos", "best_pos"]].isna().any(axis=1)
    name = site_name or str(options.get("site_name") or options.get("site") or "the site")
    notes = [
        "Each bar spans the English districts' values for the indicator: worst (left) to the "
        "worse quartile, the middle half, then the better quartile to best (right); for "
        "indicators without a judgement, lowest to highest.",
        "Scale: England is at the centre line; the district extreme farther from England "
        "sets the half-width, so each indicator's bar is drawn on its own scale.",
    ]
    if positions.any():
        notes.append(
            "Not drawn (no England value or district distribution): "
            + ", ".join(out.loc[positions, "indicator_id"])
            + "."
        )
    uncompared = out[(out["comparison"] == NOT_COMPARED) & out["value"].notna()]
    if len(uncompared):
        notes.append(
            f"Not compared with England (grey marker): {', '.join(uncompared['indicator_id'])}"
            " — no confidence interval for the site's value (e.g. a population-weighted "
            "approximation) or no judgement of better or worse."
        )
    approximate = out[out["approximation"] != ""]
    for _, row in approximate.iterrows():
        notes.append(f"{row['indicator_id']}: {row['approximation']}.")
    return TableResult(
        name="indicator_spine",
        title=f"Indicators for {name} against England and the range of English districts",
        frame=out,
        method=(
            "Site value against the distribution of district values (worst, 25th and 75th "
            "percentiles by polarity, best); marker colour from the comparison with England "
            "(Fingertips rule)"
        ),
        notes=tuple(notes),
        options={"site_name": name, "comparator": comparator},
    )


def england_distributions(
    data: pd.DataFrame,
    profile: TableResult | pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
) -> dict[str, object]:
    """The district distribution of every indicator in ``profile`` at the profile's period,
    from :func:`pioneer.indicators.profile.england_distribution`: the ``distributions``
    argument of :func:`spine_view`."""
    from pioneer.indicators import profile as profiles

    frame = profile.frame if isinstance(profile, TableResult) else profile
    _check_frame(frame, ("indicator_id", "period"), "spine chart")
    pairs = frame[["indicator_id", "period"]].drop_duplicates("indicator_id")
    return {
        str(ind): profiles.england_distribution(data, str(ind), str(period), catalogue=catalogue)
        for ind, period in zip(pairs["indicator_id"], pairs["period"], strict=True)
    }


def _distribution_frame(distributions) -> dict[str, dict[str, float]]:
    if isinstance(distributions, pd.DataFrame):
        if "indicator_id" not in distributions.columns:
            raise AnalysisError(
                "spine chart: the distributions frame needs an indicator_id column and the "
                "columns min, q1, q3, max"
            )
        return {
            str(r["indicator_id"]): _distribution_row(r, str(r["indicator_id"]))
            for r in distributions.to_dict("records")
        }
    if isinstance(distributions, Mapping):
        return {str(k): _distribution_row(v, str(k)) for k, v in distributions.items()}
    raise AnalysisError(
        "spine chart: give the district distributions as a frame or a mapping from indicator "
        f"id to distribution; got {type(distributions)}"
    )


def _distribution_row(item, ind_id: str) -> dict[str, float]:
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        item = dataclasses.asdict(item)
    elif isinstance(item, pd.DataFrame):
        if len(item) != 1:
            raise AnalysisError(
                f"spine chart: the distribution of {ind_id!r} has {len(item)} rows; expected 1"
            )
        item = item.iloc[0].to_dict()
    elif isinstance(item, pd.Series):
        item = item.to_dict()
    if not isinstance(item, Mapping):
        raise AnalysisError(f"spine chart: cannot read the distribution of {ind_id!r}: {item!r}")
    missing = [c for c in _DISTRIBUTION_COLUMNS if c not in item]
    if missing:
        raise AnalysisError(
            f"spine chart: the distribution of {ind_id!r} has no {', '.join(missing)}; "
            "it needs min, q1, q3 and max"
        )
    return {c: _float(item.get(c)) for c in (*_DISTRIBUTION_COLUMNS, "median", "england")}


def _float(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number


def _spine_row(record: Mapping[str, object], spread: dict[str, float] | None) -> dict:
    polarity = str(record.get("polarity", ""))
    value = _float(record.get("value"))
    spread = spread or dict.fromkeys((*_DISTRIBUTION_COLUMNS, "median", "england"), math.nan)
    england = _float(record.get("comparator_value"))
    if math.isnan(england):
        england = spread["england"]
    low, q1, median, q3, high = (spread[c] for c in ("min", "q1", "median", "q3", "max"))
    if polarity == "lower_is_better":
        worst, worse_q, better_q, best, sign = high, q3, q1, low, -1.0
    else:
        worst, worse_q, better_q, best, sign = low, q1, q3, high, 1.0
    half = max(england - low, high - england)
    comparison = str(record.get("comparison") or "") or NOT_COMPARED

    def pos(x: float) -> float:
        if math.isnan(x) or math.isnan(half):
            return math.nan
        if half == 0:
            return 0.5
        return 0.5 + sign * (x - england) / (2 * half)

    return {
        "indicator_id": str(record["indicator_id"]),
        "indicator": str(record.get("indicator", "")),
        "dimension": str(record.get("dimension", "") or ""),
        "unit": str(record.get("unit", "") or ""),
        "polarity": polarity,
        "period": str(record.get("period", "")),
        "value": value,
        "england_value": england,
        "worst": worst,
        "worse_quartile": worse_q,
        "median": median,
        "better_quartile": better_q,
        "best": best,
        "comparison": comparison,
        "colour": COMPARISON_COLOURS.get(comparison, COMPARISON_COLOURS[NOT_COMPARED]),
        "approximation": str(record.get("approximation", "") or ""),
        "half_range": half,
        "value_pos": pos(value),
        "worst_pos": pos(worst),
        "worse_quartile_pos": pos(worse_q),
        "england_pos": pos(england),
        "better_quartile_pos": pos(better_q),
        "best_pos": pos(best),
    }


# ---------------------------------------------------------------------------------------------
# Funnel plot

#: Catalogue statistic -> the kind of funnel and what its size axis is.
_FUNNEL_KIND: dict[str, tuple[str, str]] = {
    "proportion": ("proportion", "Denominator"),
    "crude_rate": ("rate", "Population (denominator)"),
    "dsr": ("rate", "Equivalent population (count / standardised rate)"),
    "isr": ("ratio", "Expected count"),
    "smr": ("ratio", "Expected count"),
}
#: Fewer events than this and a standardised rate is not assessed (PHEindicatormethods).
DSR_MINIMUM_EVENTS = 10


def funnel_view(
    data: pd.DataFrame,
    indicator: Indicator,
    *,
    period: str | None = None,
    target: str | float = "england",
    highlight: Sequence[str] = (),
    area_type: str = "District & UA",
    confidence: float | Sequence[float] = funnel.DEFAULT_LEVELS,
    sex: str | None = None,
    age: str | None = None,
) -> TableResult:
    """Each area's value against its size, with exact control limits around a target.

    Points are the rows of ``area_type`` (default: districts) in ``period`` (default: the
    latest), plus the rows whose ``area_code`` is in ``highlight`` (e.g. Pioneer sites from
    ``site_values``), which are marked ``highlighted``. The size is the denominator for a
    proportion or crude rate, the equivalent population ``multiplier × numerator / value``
    for a directly standardised rate (PHE's funnel method), and the expected count (the
    ``denominator`` column) for an indirectly standardised ratio. ``target`` is
    ``"england"`` (England's value in the period), ``"mean"`` (the points' pooled value,
    Σ numerator / Σ size, over the ``area_type`` rows) or a number on the indicator's scale.

    Needs counts: rate-only data (no numerators or denominators) fails, naming what is
    missing and how to get it. Returns the table ``indicator_funnel`` with, per area, the
    size, value, target, the limits at its size and ``position`` (e.g. ``Above 99.8%
    limit``) with ``outside_95``/``outside_99_8``; :func:`funnel_curve` gives the lines.
    """
    what = f"funnel plot of {indicator.id}"
    if indicator.statistic not in _FUNNEL_KIND:
        raise AnalysisError(
            f"{what}: a funnel plot needs counts behind a proportion, rate or ratio; "
            f"{indicator.id} is a {indicator.statistic}, which has none"
        )
    kind, size_label = _FUNNEL_KIND[indicator.statistic]
    multiplier = float(indicator.multiplier or 1)
    levels = funnel.confidence_levels(confidence)
    rows = _indicator_rows(data, indicator, sex, age, what)
    rows = rows.assign(_year=pd.to_numeric(rows["year"]))
    base = rows[rows["area_type"].astype(str) == area_type]
    if base.empty:
        types = ", ".join(dict.fromkeys(rows["area_type"].astype(str)))
        raise AnalysisError(f"{what}: no {area_type!r} rows; the frame has {types}")
    if period is None:
        period = str(base.sort_values("_year")["period"].iloc[-1])
    rows = rows[rows["period"].astype(str) == period]
    highlight = [str(h) for h in highlight]
    is_base = rows["area_type"].astype(str) == area_type
    is_highlight = rows["area_code"].astype(str).isin(highlight)
    points = rows[is_base | is_highlight].reset_index(drop=True)
    if not (points["area_type"].astype(str) == area_type).any():
        raise AnalysisError(f"{what}: no {area_type!r} rows in period {period!r}")
    absent = [h for h in highlight if h not in set(points["area_code"].astype(str))]
    if absent:
        raise AnalysisError(
            f"{what}: no rows in {period} for the highlighted area(s) {', '.join(absent)}. "
            "Fix: add the sites' values with pioneer.indicators.areas.site_values"
        )

    numerator = _column(points, "numerator")
    denominator = _column(points, "denominator")
    value = _column(points, "value")
    if kind == "rate" and indicator.statistic == "dsr":
        size = (multiplier * numerator / value).where((numerator > 0) & (value > 0))
        size = size.fillna(denominator.where(numerator == 0))
    else:
        size = denominator
    usable = numerator.notna() & size.notna() & (size > 0)
    if kind == "proportion" or indicator.statistic == "crude_rate":
        value = value.fillna(multiplier * numerator / denominator)
    if not usable.any():
        needs = (
            "the numerator (the count of events behind each rate) is"
            if indicator.statistic == "dsr"
            else "the numerator (count of events) and the denominator "
            + ("(expected count)" if kind == "ratio" else "(population or base)")
            + " are"
        )
        n_base = int((points["area_type"].astype(str) == area_type).sum())
        raise AnalysisError(
            f"{what} needs counts, and none of the {n_base} {area_type} rows for {period} has "
            f"them: {needs} empty (rate-only data such as the packaged Fingertips rate files "
            "carry no counts). Fix: import a Fingertips export or a tidy CSV with numerator "
            "and denominator columns (pioneer indicators import FILE)"
        )
    dropped = points.loc[~usable, "area_code"].astype(str).tolist()

    target_value, target_label = _funnel_target(
        target, rows, points, numerator, size, usable, area_type, multiplier, what, period
    )
    kept = usable.to_numpy()
    limits = funnel.control_limits(
        size[kept], target_value, statistic=kind, confidence=levels, multiplier=multiplier
    )
    out = pd.DataFrame(
        {
            "indicator_id": indicator.id,
            "area_code": points["area_code"].astype(str)[kept].to_numpy(),
            "area_name": points["area_name"].astype(str)[kept].to_numpy(),
            "area_type": points["area_type"].astype(str)[kept].to_numpy(),
            "highlighted": points["area_code"].astype(str).isin(highlight).to_numpy()[kept],
            "period": period,
            "numerator": numerator[kept].to_numpy(),
            "denominator": denominator[kept].to_numpy(),
            "size": size[kept].to_numpy(),
            "value": value[kept].to_numpy(),
        }
    )
    for column in limits.columns:
        if column != "size":
            out[column] = limits[column].to_numpy()
    out["position"] = funnel.position_against_limits(out["value"], limits, levels)
    for level in levels:
        lower_name, upper_name = funnel.limit_column_names(level)
        out["outside_" + lower_name.removeprefix("lower_")] = (out["value"] < out[lower_name]) | (
            out["value"] > out[upper_name]
        )
    few = (
        (out["numerator"] < DSR_MINIMUM_EVENTS)
        if indicator.statistic == "dsr"
        else pd.Series(False, index=out.index)
    )
    if few.any():
        out.loc[few, "position"] = f"Not assessed (fewer than {DSR_MINIMUM_EVENTS} events)"
        for column in [c for c in out.columns if c.startswith("outside_")]:
            out.loc[few, column] = False
    out["approximation"] = _text(points, "approximation")[kept].to_numpy()

    notes = [
        f"Target: {target_label}.",
        f"Control limits at {', '.join(_percent(level) for level in levels)} around the "
        "target: a point outside the 95% limits is an alert, outside 99.8% an alarm.",
    ]
    if indicator.statistic == "dsr":
        notes.append(
            "Directly standardised rates are placed at their equivalent population "
            "(multiplier × count / rate), PHE's approximation for funnel plots of "
            f"standardised rates; areas with fewer than {DSR_MINIMUM_EVENTS} events are not "
            "assessed."
        )
    if dropped:
        notes.append(
            f"Left out for want of counts ({len(dropped)}): {', '.join(dropped[:10])}"
            + (" …" if len(dropped) > 10 else "")
        )
    narrowest = "outside_" + funnel.limit_column_names(levels[0])[0].removeprefix("lower_")
    notes.append(
        f"{int(out[narrowest].sum())} of {len(out)} areas lie outside the "
        f"{_percent(levels[0])} limits."
    )
    method = {
        "proportion": "exact binomial control limits",
        "rate": "exact Poisson control limits",
        "ratio": "exact Poisson control limits on the expected count",
    }[kind]
    return TableResult(
        name="indicator_funnel",
        title=f"{indicator.title}, {period}: funnel plot",
        frame=out,
        method=f"{method}, interpolated (Spiegelhalter 2005, Stat Med 24:1185-1202)",
        notes=tuple(notes),
        options={
            "indicator_id": indicator.id,
            "statistic": kind,
            "multiplier": multiplier,
            "confidence": levels,
            "target": target_value,
            "target_label": target_label,
            "size_label": size_label,
            "unit": indicator.unit,
            "period": period,
        },
    )


def _funnel_target(
    target, rows, points, numerator, size, usable, area_type, multiplier, what, period
) -> tuple[float, str]:
    if isinstance(target, bool):
        raise AnalysisError(f"{what}: target must be 'england', 'mean' or a number")
    if isinstance(target, int | float):
        if not target > 0:
            raise AnalysisError(f"{what}: the target must be positive; got {target!r}")
        return float(target), f"{target:g} (given)"
    if target == "england":
        england = rows[_is_england(rows)]
        values = _column(england, "value").dropna()
        if values.empty:
            raise AnalysisError(
                f"{what}: no England value in {period}. Fix: include England's row, or use "
                "target='mean' or a number"
            )
        return float(values.iloc[0]), f"England value in {period} ({float(values.iloc[0]):g})"
    if target == "mean":
        base = (points["area_type"].astype(str) == area_type) & usable
        pooled = multiplier * float(numerator[base].sum()) / float(size[base].sum())
        return pooled, f"pooled value of the {int(base.sum())} {area_type} areas ({pooled:g})"
    raise AnalysisError(f"{what}: target must be 'england', 'mean' or a number; got {target!r}")


def funnel_curve(result: TableResult, *, points: int = 200) -> TableResult:
    """The funnel's lines: the control limits at sizes spanning ``funnel_view``'s points.

    Returns the table ``indicator_funnel_limits`` (``size, target, lower_95, upper_95,
    lower_99_8, upper_99_8``), from the options ``funnel_view`` recorded.
    """
    if result.name != "indicator_funnel":
        raise AnalysisError(f"funnel_curve needs funnel_view's table; got {result.name!r}")
    options = result.options
    kind = str(options["statistic"])
    sizes = result.frame["size"].astype(float)
    grid = funnel.curve_sizes(
        float(sizes.min()), float(sizes.max()), points=points, whole=kind == "proportion"
    )
    limits = funnel.control_limits(
        grid,
        float(options["target"]),  # type: ignore[arg-type]
        statistic=kind,
        confidence=options["confidence"],  # type: ignore[arg-type]
        multiplier=float(options["multiplier"]),  # type: ignore[arg-type]
    )
    return TableResult(
        name="indicator_funnel_limits",
        title=f"{result.title}: control limits",
        frame=limits,
        method=result.method,
        notes=(f"Target: {options['target_label']}.",),
        options=dict(options),
    )
