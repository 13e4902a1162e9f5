"""A site's indicator profile: every indicator against each chosen comparator.

:func:`site_profile` gives the table ``indicator_profile`` (one row per indicator ×
comparator, for each indicator's latest period), with the Fingertips comparisons at 95%
and 99.8%, the site's quintile among the comparator's districts and its recent trend.
:func:`england_distribution` gives the spread of district values a spine chart draws.
Methods: ``docs/indicators/benchmarking.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pioneer.errors import AnalysisError
from pioneer.indicators import areas, benchmark
from pioneer.indicators import catalogue as catalogue_module
from pioneer.results import Layout, TableResult

if TYPE_CHECKING:
    from pioneer.indicators.catalogue import Catalogue, Indicator
    from pioneer.programme import Programme

PROFILE_COLUMNS = (
    "indicator_id",
    "indicator",
    "dimension",
    "unit",
    "polarity",
    "period",
    "value",
    "lower_95",
    "upper_95",
    "lower_99_8",
    "upper_99_8",
    "approximation",
    "comparator_id",
    "comparator",
    "comparator_value",
    "comparison",
    "comparison_99_8",
    "quintile",
    "recent_trend",
)
HEADINGS = (
    ("indicator", "Indicator"),
    ("comparator", "Comparator"),
    ("period", "Period"),
    ("value", "Site value"),
    ("lower_95", "95% lower"),
    ("upper_95", "95% upper"),
    ("comparator_value", "Comparator value"),
    ("comparison", "Compared (95%)"),
    ("comparison_99_8", "Compared (99.8%)"),
    ("quintile", "Quintile"),
    ("recent_trend", "Recent trend"),
)
METHOD = (
    "Site values from member districts (summed counts where every district has them, "
    "otherwise weighted means); Fingertips comparison with each comparator's value "
    "(similar when it lies inside the site's 95% or 99.8% interval, better/worse by "
    "polarity); quintile of the site among the comparator's districts (NTILE(5)); recent "
    "trend over the latest five periods (chi-square test for trend at 99.8%)"
)


def _series_rows(rows: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """The rows of the indicator's own sex and age (or the commonest, if it has none)."""
    for column, wanted in (("sex", indicator.sex), ("age", indicator.age)):
        chosen = rows[rows[column] == wanted]
        rows = chosen if not chosen.empty else rows[rows[column] == rows[column].mode().iloc[0]]
    return rows


def _row_at(rows: pd.DataFrame, period: str) -> dict[str, Any]:
    """The row of a period known to be present."""
    return rows[rows["period"] == period].iloc[0].to_dict()


ALIASES = {"other_pioneers": "pioneers", "non_pioneer": "non_pioneers"}


def _resolve_comparators(
    comparators: Sequence[str | areas.Comparator],
    programme: Programme,
    site_id: str,
    data: pd.DataFrame,
    indicator: Indicator,
    options: dict[str, Any],
    fixed: dict[str, tuple[areas.Comparator, ...]],
) -> list[areas.Comparator]:
    """The comparators for one indicator; kinds other than ``matched`` are made once."""
    found: list[areas.Comparator] = []
    for item in comparators:
        if isinstance(item, areas.Comparator):
            found.append(item)
            continue
        kind = ALIASES.get(item, item)
        if kind == "matched":
            found.extend(
                areas.comparators_for(
                    programme, site_id, (kind,), data=data, indicator=indicator, **options
                )
            )
            continue
        if kind not in fixed:
            fixed[kind] = areas.comparators_for(programme, site_id, (kind,), **options)
        found.extend(fixed[kind])
    ids = [c.id for c in found]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise AnalysisError(f"the comparators repeat {', '.join(repeated)}; give each once")
    return found


def site_profile(
    data: pd.DataFrame,
    programme: Programme,
    site_id: str,
    comparators: Sequence[str | areas.Comparator] = areas.DEFAULT_KINDS,
    catalogue: Catalogue | None = None,
    *,
    period: str | None = None,
    group: Sequence[str] | None = None,
    group_name: str = "User-defined group",
    k: int = 10,
    include_part: bool = True,
    population: pd.DataFrame | None = None,
) -> TableResult:
    """The profile table ``indicator_profile`` of one site.

    ``comparators`` are :class:`~pioneer.indicators.areas.Comparator` objects or kinds
    (``england``, ``region``, ``pioneers``, ``non_pioneers``, ``group``, ``matched``; see
    :func:`~pioneer.indicators.areas.comparators_for`, which also takes ``group``,
    ``group_name`` and ``k``). Every indicator of ``data`` that is in ``catalogue`` (the
    packaged one by default) is profiled at its latest period, or at ``period``.

    Columns: ``indicator_id, indicator, dimension, unit, polarity, period, value, lower_95,
    upper_95, lower_99_8, upper_99_8, approximation`` (the site's), ``comparator_id,
    comparator, comparator_value, comparison`` (95%), ``comparison_99_8``, ``quintile``
    (the site among the comparator's districts other than its own) and ``recent_trend``.
    The notes list every approximation, in the site's and the comparators' values.
    """
    areas._check_frame(data)
    cat = catalogue_module.load() if catalogue is None else catalogue
    site = programme.site(site_id)
    in_data = list(dict.fromkeys(data["indicator_id"]))
    unknown = [i for i in in_data if i not in cat]
    if unknown:
        raise AnalysisError(
            f"indicator(s) {', '.join(unknown)} are not in the catalogue {cat.source}; pass "
            "catalogue= with their metadata (polarity, statistic, multiplier)"
        )
    indicators = [i for i in cat if i.id in in_data]
    if not indicators:
        raise AnalysisError("the indicator data hold no rows to profile")
    pops = areas._population_index(population)
    members = areas._site_members(programme, site_id, include_part)
    published = areas._published_equivalent(members)
    own = set(members["area_code"])
    districts = set(areas.district_geography()["area_code"])
    options = {
        "group": group,
        "group_name": group_name,
        "k": k,
        "include_part": include_part,
        "population": population,
        "catalogue": cat,
    }
    fixed: dict[str, tuple[areas.Comparator, ...]] = {}
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    comparator_notes: dict[str, str] = {}
    fingertips_used: list[str] = []
    all_series: list[pd.DataFrame] = []
    for indicator in indicators:
        context = areas._context(data, areas._meta_of(indicator), pops)
        site_rows = areas._finish(
            areas._aggregate(
                context,
                members,
                code=site_id,
                name=site.name,
                area_type=areas.SITE_TYPE,
                published=published,
            )
        )
        if site_rows.empty:
            notes.append(f"{indicator.id}: no member district of {site.name} has data.")
            continue
        series = _series_rows(site_rows, indicator)
        all_series.append(series)
        chosen_period = _chosen_period(series, period, indicator.id)
        site_row = _row_at(series, chosen_period)
        if site_row["approximation"]:
            notes.append(
                f"{site.name}, {indicator.id} {chosen_period}: {site_row['approximation']}."
            )
        chosen = _resolve_comparators(
            comparators, programme, site_id, data, indicator, options, fixed
        )
        for comparator in chosen:
            label = comparator.name
            if comparator.kind == "matched":  # chosen afresh for each indicator
                label = f"{comparator.name} for {indicator.id}"
            comparator_notes.setdefault(label, comparator.note)
            other = _record_at(context, comparator, site_row)
            other_value = math.nan if other is None else float(other["value"])
            if other is not None and other["approximation"]:
                notes.append(
                    f"{comparator.name}, {indicator.id} {chosen_period}: {other['approximation']}."
                )
            row = _profile_row(indicator, site_row, comparator, other_value)
            if (
                row["comparison"] == benchmark.NOT_COMPARED
                and comparator.kind == "england"
                and other is not None
                and not other["approximation"]
                and not site_row["approximation"]
                and site_row["fingertips_comparison"]
                and indicator.polarity != "not_applicable"
            ):
                row["comparison"] = site_row["fingertips_comparison"]
                fingertips_used.append(f"{indicator.id} {chosen_period}")
            row["quintile"] = _quintile(
                context, comparator, own, districts, indicator, site_row, chosen_period
            )
            rows.append(row)
    trends = _trends(all_series, indicators)
    frame = pd.DataFrame(rows, columns=list(PROFILE_COLUMNS))
    frame["recent_trend"] = frame["indicator_id"].map(lambda i: str(trends.loc[i, "recent_trend"]))
    trend_notes: dict[str, list[str]] = {}
    for indicator in indicators:
        if indicator.id in trends.index:
            reason = str(trends.loc[indicator.id, "trend_reason"])
            trend_notes.setdefault(reason, []).append(indicator.id)
    notes.extend(_closing_notes(comparator_notes, fingertips_used, trend_notes, site.name))
    return TableResult(
        name="indicator_profile",
        title=f"Indicator profile: {site.name}",
        frame=frame,
        method=METHOD,
        notes=tuple(notes),
        source=str(data.attrs.get("source") or "indicator data supplied by the caller")
        + "; ONS mid-year population estimates and December 2018 district lookups "
        "(Open Government Licence v3.0)",
        layout=Layout(
            rows=("indicator", "comparator"),
            values=tuple(h for h, _ in HEADINGS[2:]),
            headings=HEADINGS,
        ),
        options={
            "site": site_id,
            "site_name": site.name,
            "comparators": tuple(dict.fromkeys(frame["comparator_id"])),
            "period": period or "latest",
            "include_part": include_part,
        },
    )


def _trends(all_series: list[pd.DataFrame], indicators: list[Indicator]) -> pd.DataFrame:
    """The site's recent trend per indicator, indexed by indicator id."""
    if not all_series:
        return pd.DataFrame(columns=["recent_trend", "trend_reason"])
    polarity = {i.id: i.polarity for i in indicators}
    found = benchmark.recent_trend(pd.concat(all_series, ignore_index=True), polarity)
    return found.drop_duplicates("indicator_id").set_index("indicator_id")


def _record_at(
    context: Any, comparator: areas.Comparator, site_row: dict[str, Any]
) -> dict[str, Any] | None:
    """The comparator's aggregated record for the site row's period, sex and age."""
    records = areas._aggregate_records(
        context,
        comparator.members(),
        code=comparator.id,
        name=comparator.name,
        area_type=areas.GROUP_TYPE,
        published=[comparator.code] if comparator.code else [],
        only={k: site_row[k] for k in ("period", "sex", "age")},
    )
    return records[0] if records else None


def _chosen_period(series: pd.DataFrame, period: str | None, indicator_id: str) -> str:
    if period is None:
        return str(series.sort_values("year", kind="stable")["period"].iloc[-1])
    if period not in set(series["period"]):
        raise AnalysisError(
            f"{indicator_id!r} has no period {period!r}; it has "
            f"{', '.join(dict.fromkeys(series['period']))}"
        )
    return period


def _profile_row(
    indicator: Indicator,
    site_row: dict[str, Any],
    comparator: areas.Comparator,
    other_value: float,
) -> dict[str, Any]:
    value = float(site_row["value"])
    limits = {c: float(site_row[c]) for c in areas.LIMITS}
    polarity = indicator.polarity
    return {
        "indicator_id": indicator.id,
        "indicator": indicator.short_title,
        "dimension": indicator.dimension_label,
        "unit": indicator.unit,
        "polarity": polarity,
        "period": site_row["period"],
        "value": value,
        **limits,
        "approximation": site_row["approximation"],
        "comparator_id": comparator.id,
        "comparator": comparator.name,
        "comparator_value": other_value,
        "comparison": str(
            benchmark.compare(value, limits["lower_95"], limits["upper_95"], other_value, polarity)[
                0
            ]
        ),
        "comparison_99_8": str(
            benchmark.compare(
                value, limits["lower_99_8"], limits["upper_99_8"], other_value, polarity
            )[0]
        ),
    }


def _quintile(
    context: Any,
    comparator: areas.Comparator,
    own: set[str],
    districts: set[str],
    indicator: Indicator,
    site_row: dict[str, Any],
    period: str,
) -> str:
    values = []
    for code in comparator.area_codes:
        if code in own or code not in districts:
            continue
        for record in context.by_area.get(code):
            if (
                record["period"] == period
                and record["sex"] == site_row["sex"]
                and record["age"] == site_row["age"]
            ):
                values.append(float(record["value"]))
    return benchmark.quintile_among(float(site_row["value"]), values, indicator.polarity)


def _closing_notes(
    comparator_notes: dict[str, str],
    fingertips_used: list[str],
    trend_notes: dict[str, list[str]],
    site_name: str,
) -> list[str]:
    notes = [f"{name}: {note}." for name, note in comparator_notes.items() if note]
    if fingertips_used:
        notes.append(
            f"Comparison with England as published by Fingertips (the site is one whole "
            f"district shown as published, without intervals in the data): "
            f"{', '.join(fingertips_used)}."
        )
    notes.append(
        f"Quintile: {site_name} ranked with the comparator's districts other than its own, "
        "split into fifths as Fingertips does (NTILE(5)); 'Not compared' with fewer than "
        "five districts with a value or no polarity."
    )
    for reason, ids in trend_notes.items():
        if reason:
            notes.append(f"Recent trend of {', '.join(ids)}: {reason}.")
    return notes


# --- England distribution -----------------------------------------------------------------


@dataclass(frozen=True)
class EnglandDistribution:
    """The spread of district values of one indicator in one period, for a spine chart.

    ``q1``/``q3`` are the 25th and 75th percentiles by linear interpolation (Fingertips'
    quartiles: 1..50 gives 13.25, 25.5, 37.75). ``worst``/``best`` follow the polarity
    (NaN without one); ``england`` is England's published value (NaN if absent).
    """

    indicator_id: str
    period: str
    polarity: str
    n_areas: int
    min: float
    q1: float
    median: float
    q3: float
    max: float
    worst: float
    best: float
    england: float


def england_distribution(
    data: pd.DataFrame,
    indicator_id: str,
    period: str | None = None,
    *,
    catalogue: Catalogue | None = None,
    polarity: str | None = None,
) -> EnglandDistribution:
    """Min, quartiles, max, worst and best of the district values (latest period by default).

    Districts are the 326 December 2018 districts and unitary authorities; areas without a
    value are left out. ``polarity`` overrides the catalogue's.
    """
    areas._check_frame(data)
    if polarity is None:
        cat = catalogue_module.load() if catalogue is None else catalogue
        indicator = cat.get(indicator_id)
        polarity = indicator.polarity
        rows = _series_rows(areas._rows_of(data, indicator_id), indicator)
    else:
        rows = areas._rows_of(data, indicator_id)
    if period is None:
        period = str(rows.sort_values("year", kind="stable")["period"].iloc[-1])
    at = rows[rows["period"] == period]
    if at.empty:
        raise AnalysisError(f"{indicator_id!r} has no rows for the period {period!r}")
    codes = set(areas.district_geography()["area_code"])
    values = at.loc[at["area_code"].isin(codes), "value"].dropna().to_numpy(dtype=float)
    if values.size == 0:
        raise AnalysisError(f"{indicator_id!r} has no district values in {period}")
    england = at.loc[at["area_code"] == areas.ENGLAND, "value"]
    low, q1, median, q3, high = (float(v) for v in np.percentile(values, [0, 25, 50, 75, 100]))
    worst, best = {
        "lower_is_better": (high, low),
        "higher_is_better": (low, high),
    }.get(polarity, (math.nan, math.nan))
    return EnglandDistribution(
        indicator_id=indicator_id,
        period=period,
        polarity=polarity,
        n_areas=int(values.size),
        min=low,
        q1=q1,
        median=median,
        q3=q3,
        max=high,
        worst=worst,
        best=best,
        england=float(england.iloc[0]) if not england.empty else math.nan,
    )


def trend_series(
    data: pd.DataFrame,
    programme: Programme,
    site_id: str,
    indicator: Indicator | str,
    comparators: Sequence[str] = ("england", "region"),
    *,
    group: Sequence[str] | None = None,
    k: int = 10,
    include_part: bool = True,
    catalogue: Catalogue | None = None,
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """A site's series of one indicator and its comparators' series, in one frame.

    The input of :func:`pioneer.indicators.views.trend_view`: the site's rows
    (:func:`~pioneer.indicators.areas.site_values`, ``area_code`` = the site id), each
    comparator's rows (``area_code`` = the comparator id) and the published rows of
    ``data`` for that indicator; with the comparator ids in the order asked for.
    """
    cat = catalogue_module.load() if catalogue is None else catalogue
    meta = cat.get(indicator) if isinstance(indicator, str) else indicator
    chosen = areas.comparators_for(
        programme,
        site_id,
        tuple(comparators),
        group=group,
        data=data,
        indicator=meta,
        k=k,
        include_part=include_part,
        catalogue=cat,
    )
    parts = [
        data[data["indicator_id"] == meta.id],
        areas.site_values(data, programme, site_id, meta, include_part=include_part, catalogue=cat),
        *(areas.comparator_values(data, c, meta, catalogue=cat) for c in chosen),
    ]
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True)
    # A published row that shares a comparator's id (none do today) must not shadow it.
    frame = frame.drop_duplicates(subset=["indicator_id", "area_code", "period", "sex", "age"])
    return frame, tuple(c.id for c in chosen)
