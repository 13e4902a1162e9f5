"""What the site workbook shows, as plain frames: data, sites, context, methods.

The site workbook (``pioneer.reports.site_workbook``) is the evaluation's indicator
spreadsheet done with formulas: pick a site, tick comparators, and the charts follow.
This module assembles and checks everything it displays, so that the writer only lays
cells out:

- ``data`` — the long indicator frame (contract columns) holding one row per indicator ×
  area × period for every Pioneer site (``area_code`` = site id), every comparator (the
  regions, England, comparator groups) and any local area offered as a local comparator;
- ``sites`` — one row per site with its region and the data codes of its regional and
  national comparators, plus contextual columns (programme wave, announcement date,
  member authorities, populations);
- ``authorities`` — one row per site × member local authority (coverage, population);
- ``local_choices`` — the areas offered in the local-comparator drop-down;
- ``baselines`` — per site × indicator, the last period that ended before the site was
  announced (the base of the "change since announcement" summary);
- ``methods`` — the methods sheet, as (heading, text) sections.

:func:`selection` and :func:`change_summary` compute in Python what the workbook's
formulas show for one choice of site and comparators; the recalculation tests compare
the two. :func:`assemble` builds the content from an indicator frame and a programme
registry; :func:`packaged_content` does so for the packaged real Fingertips data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pioneer.errors import AnalysisError
from pioneer.indicators import ingest

if TYPE_CHECKING:
    from pioneer.indicators.areas import Comparator
    from pioneer.indicators.catalogue import Catalogue, Indicator
    from pioneer.programme import Programme

#: The indicator-frame columns and its numeric ones (defined once, in ``ingest``).
DATA_COLUMNS: tuple[str, ...] = ingest.INDICATOR_COLUMNS
NUMERIC_DATA_COLUMNS: tuple[str, ...] = tuple(ingest.NUMBER_COLUMNS)
INDICATOR_COLUMNS: tuple[str, ...] = (
    "indicator_id",
    "title",
    "short_title",
    "dimension",
    "unit",
    "polarity",
    "source",
)
SITE_COLUMNS: tuple[str, ...] = (
    "site_id",
    "site_name",
    "programme_wave",
    "announced",
    "region_code",
    "region_name",
    "region_area_code",
    "england_area_code",
    "n_local_authorities",
    "local_authorities",
    "population_all_ages",
    "population_65_plus",
)
AUTHORITY_COLUMNS: tuple[str, ...] = (
    "site_id",
    "site_name",
    "local_authority",
    "lad19cd",
    "lad18cd",
    "upper_tier",
    "region_name",
    "coverage",
    "share_of_lad_lsoas",
    "certainty",
    "population_all_ages",
    "population_65_plus",
)
LOCAL_CHOICE_COLUMNS: tuple[str, ...] = ("label", "area_code", "area_name", "area_type")
BASELINE_COLUMNS: tuple[str, ...] = ("site_id", "indicator_id", "baseline_period")

#: The four series of the selected sheet and charts, in order.
SERIES: tuple[str, ...] = ("site", "local", "region", "england")
SERIES_LABELS: Mapping[str, str] = {
    "site": "Site",
    "local": "Local comparator",
    "region": "Regional comparator",
    "england": "National comparator",
}
#: The first entry of the local-comparator drop-down: no local comparator.
NO_LOCAL = "None"
#: Joins indicator id, area code and period into the lookup key the formulas match on.
KEY_SEPARATOR = "|"
ENGLAND_CODE = "E92000001"
#: Order of area types in the data sheet and the local-comparator list.
AREA_TYPE_ORDER: tuple[str, ...] = (
    "Pioneer site",
    "Comparator group",
    "England",
    "Region",
    "Combined authority",
    "County & UA",
    "District & UA",
)
#: Short words for the local-comparator labels, which must be unique by name.
_LOCAL_KIND = {
    "Pioneer site": "Pioneer",
    "Comparator group": "group",
    "England": "country",
    "Region": "region",
    "Combined authority": "combined authority",
    "County & UA": "county or unitary",
    "District & UA": "local authority",
}


@dataclass(frozen=True)
class WorkbookContent:
    """Everything the site workbook shows; checked on creation (see the module docstring)."""

    title: str
    data: pd.DataFrame
    indicators: pd.DataFrame
    sites: pd.DataFrame
    authorities: pd.DataFrame
    local_choices: pd.DataFrame
    baselines: pd.DataFrame
    methods: tuple[tuple[str, str], ...]
    default_site: str
    population_year: int | None = None

    def __post_init__(self) -> None:
        for name, columns in (
            ("data", DATA_COLUMNS),
            ("indicators", INDICATOR_COLUMNS),
            ("sites", SITE_COLUMNS),
            ("authorities", AUTHORITY_COLUMNS),
            ("local_choices", LOCAL_CHOICE_COLUMNS),
            ("baselines", BASELINE_COLUMNS),
        ):
            frame = getattr(self, name)
            if not isinstance(frame, pd.DataFrame):
                raise TypeError(f"WorkbookContent.{name} must be a DataFrame")
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise AnalysisError(
                    f"the workbook's {name} frame lacks the column(s) {', '.join(missing)}; "
                    f"it needs {', '.join(columns)}"
                )
        if self.sites.empty:
            raise AnalysisError("the workbook needs at least one site")
        if self.indicators.empty:
            raise AnalysisError("the workbook needs at least one indicator")
        _require_unique(self.sites, ["site_id"], "sites")
        _require_unique(self.sites, ["site_name"], "sites")
        _require_unique(self.indicators, ["indicator_id"], "indicators")
        _require_unique(self.local_choices, ["label"], "local_choices")
        _require_unique(self.data, ["indicator_id", "area_code", "period"], "data")
        _require_unique(self.baselines, ["site_id", "indicator_id"], "baselines")
        if NO_LOCAL in set(self.local_choices["label"]):
            raise AnalysisError(
                f"a local comparator may not be labelled {NO_LOCAL!r}: that label means "
                "'no local comparator' in the drop-down"
            )
        if self.default_site not in set(self.sites["site_id"]):
            raise AnalysisError(
                f"the default site {self.default_site!r} is not among the workbook's sites; "
                f"use one of {', '.join(self.sites['site_id'])}"
            )
        unknown = sorted(set(self.data["indicator_id"]) - set(self.indicators["indicator_id"]))
        if unknown:
            raise AnalysisError(
                f"the data holds indicator(s) {', '.join(unknown)} that the indicators frame "
                "does not describe; add them to the indicators frame or drop their rows"
            )
        for name, column in (
            ("data", "indicator_id"),
            ("data", "area_code"),
            ("data", "period"),
            ("sites", "site_id"),
        ):
            values = getattr(self, name)[column].astype(str)
            bad = values[values.str.contains(KEY_SEPARATOR, regex=False)]
            if not bad.empty:
                raise AnalysisError(
                    f"{name}.{column} value {bad.iloc[0]!r} contains {KEY_SEPARATOR!r}, which "
                    "the workbook uses to join lookup keys; rename it"
                )

    @property
    def site_ids(self) -> tuple[str, ...]:
        return tuple(self.sites["site_id"])

    def periods(self) -> pd.DataFrame:
        """Each indicator's periods in order (``indicator_id, period, year``).

        Indicators keep the order of the ``indicators`` frame; periods run by year.
        """
        return indicator_periods(self.data, self.indicators["indicator_id"])

    def site_row(self, site_id: str) -> pd.Series:
        rows = self.sites[self.sites["site_id"] == site_id]
        if rows.empty:
            raise AnalysisError(
                f"no site {site_id!r} in the workbook; use one of {', '.join(self.site_ids)}"
            )
        return rows.iloc[0]


def lookup_key(indicator_id: object, area_code: object, period: object) -> str:
    """The key the workbook's MATCH formulas look a value up by."""
    return KEY_SEPARATOR.join(str(part) for part in (indicator_id, area_code, period))


def indicator_periods(data: pd.DataFrame, indicator_ids: Iterable[str]) -> pd.DataFrame:
    """Distinct (indicator, period, year) in indicator order, then by year and period."""
    order = {i: n for n, i in enumerate(indicator_ids)}
    periods = data[["indicator_id", "period", "year"]].drop_duplicates()
    periods = periods[periods["indicator_id"].isin(list(order))]
    periods = periods.assign(_order=periods["indicator_id"].map(order))
    periods = periods.sort_values(["_order", "year", "period"], kind="stable")
    return periods.drop(columns="_order").reset_index(drop=True)


# --- periods and baselines ---------------------------------------------------------

_FINANCIAL = re.compile(r"^(\d{4})/(\d{2})$")
_FINANCIAL_POOLED = re.compile(r"^(\d{4})/\d{2}\s*-\s*(\d{2})/(\d{2})$")
_CALENDAR = re.compile(r"^(\d{4})$")
_CALENDAR_POOLED = re.compile(r"^(\d{4})\s*-\s*(\d{2}|\d{4})$")


def period_end(period: str) -> date | None:
    """The last day of a published period, or ``None`` when its form is not recognised.

    ``2012/13`` (financial year) ends on 31 March 2013; ``2013`` (calendar) on 31 December
    2013; pooled periods (``2015/16 - 17/18``, ``2014 - 16``) at the end of their last year.
    """
    text = str(period).strip()
    if match := _FINANCIAL.match(text):
        return date(_century(int(match[1]), int(match[2])), 3, 31)
    if match := _FINANCIAL_POOLED.match(text):
        return date(_century(int(match[1]), int(match[3])), 3, 31)
    if match := _CALENDAR.match(text):
        return date(int(match[1]), 12, 31)
    if match := _CALENDAR_POOLED.match(text):
        end = match[2]
        year = int(end) if len(end) == 4 else _century(int(match[1]), int(end), same=True)
        return date(year, 12, 31)
    return None


def _century(start: int, two_digits: int, *, same: bool = False) -> int:
    """The full year of a two-digit year that follows (or, if ``same``, may equal) ``start``."""
    year = start - start % 100 + two_digits
    if year < start or (year == start and not same):
        year += 100
    return year


def baseline_periods(sites: pd.DataFrame, periods: pd.DataFrame) -> pd.DataFrame:
    """Per site × indicator, the last period that ended before the site was announced.

    ``sites`` needs ``site_id`` and ``announced`` (a date or ISO text); ``periods`` is
    :meth:`WorkbookContent.periods`-shaped. A site with no such period gets ``""``.
    """
    rows = []
    ends = [period_end(p) for p in periods["period"]]
    for site_id, announced in zip(sites["site_id"], sites["announced"], strict=True):
        day = _as_date(announced)
        for indicator_id in dict.fromkeys(periods["indicator_id"]):
            best = ""
            best_end: date | None = None
            for ind, period, end in zip(
                periods["indicator_id"], periods["period"], ends, strict=True
            ):
                if ind != indicator_id or end is None or day is None or end >= day:
                    continue
                if best_end is None or end > best_end:
                    best, best_end = period, end
            rows.append((site_id, indicator_id, best))
    return pd.DataFrame(rows, columns=list(BASELINE_COLUMNS), dtype=object).astype(
        {c: "str" for c in BASELINE_COLUMNS}
    )


def _as_date(value: object) -> date | None:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


# --- what the formulas show, computed in Python -----------------------------------


def series_areas(
    content: WorkbookContent,
    site_id: str,
    *,
    local: str | None = None,
    region: bool = True,
    england: bool = True,
) -> pd.DataFrame:
    """The four series for one choice: ``series, label, area_code, area_name, shown``.

    ``local`` is a label from ``content.local_choices`` (or ``None``/``"None"``).
    """
    site = content.site_row(site_id)
    local_code, local_name = "", ""
    if local not in (None, NO_LOCAL):
        rows = content.local_choices[content.local_choices["label"] == local]
        if rows.empty:
            raise AnalysisError(
                f"{local!r} is not a local comparator of the workbook; use a label from "
                "its local_choices frame"
            )
        local_code, local_name = rows.iloc[0]["area_code"], rows.iloc[0]["area_name"]
    rows = [
        ("site", site["site_id"], site["site_name"], True),
        ("local", local_code, local_name, bool(local_code)),
        ("region", site["region_area_code"], site["region_name"], region),
        ("england", site["england_area_code"], "England", england),
    ]
    frame = pd.DataFrame(rows, columns=["series", "area_code", "area_name", "shown"])
    frame.insert(1, "label", frame["series"].map(SERIES_LABELS))
    return frame


def selection(
    content: WorkbookContent,
    site_id: str,
    *,
    local: str | None = None,
    region: bool = True,
    england: bool = True,
) -> pd.DataFrame:
    """The selected sheet's time series for one choice of site and comparators.

    One row per indicator × period × series (in workbook order) with ``value``,
    ``lower_95`` and ``upper_95``; NaN where the series is not shown or has no value.
    """
    areas = series_areas(content, site_id, local=local, region=region, england=england)
    periods = content.periods()
    indexed = content.data.set_index(["indicator_id", "area_code", "period"])
    records = []
    for indicator_id, period, year in periods.itertuples(index=False, name=None):
        for series, code, name, shown in areas[
            ["series", "area_code", "area_name", "shown"]
        ].itertuples(index=False, name=None):
            values = [np.nan, np.nan, np.nan]
            key = (indicator_id, code, period)
            if shown and key in indexed.index:
                row = indexed.loc[key]
                values = [_float(row[c]) for c in ("value", "lower_95", "upper_95")]
            records.append((indicator_id, period, year, series, code, name, *values))
    return pd.DataFrame(
        records,
        columns=[
            "indicator_id",
            "period",
            "year",
            "series",
            "area_code",
            "area_name",
            "value",
            "lower_95",
            "upper_95",
        ],
    )


def change_summary(
    content: WorkbookContent,
    site_id: str,
    *,
    local: str | None = None,
    region: bool = True,
    england: bool = True,
) -> pd.DataFrame:
    """Change since announcement, per indicator × series, as the workbook computes it.

    Base: the last period that ended before the site was announced (``baselines``); latest:
    the indicator's latest period in the data. ``change_percent`` = (latest − base) / base ×
    100; NaN where either value is missing, the series is not shown, or the base is 0.
    """
    chosen = selection(content, site_id, local=local, region=region, england=england)
    periods = content.periods()
    baselines = content.baselines[content.baselines["site_id"] == site_id]
    base_of = dict(zip(baselines["indicator_id"], baselines["baseline_period"], strict=True))
    records = []
    for indicator_id in content.indicators["indicator_id"]:
        own = periods[periods["indicator_id"] == indicator_id]
        latest = own["period"].iloc[-1] if not own.empty else ""
        base = base_of.get(indicator_id, "")
        for series in SERIES:
            rows = chosen[(chosen["indicator_id"] == indicator_id) & (chosen["series"] == series)]
            by_period = dict(zip(rows["period"], rows["value"], strict=True))
            base_value = by_period.get(base, np.nan) if base else np.nan
            latest_value = by_period.get(latest, np.nan) if latest else np.nan
            change = (
                (latest_value - base_value) / base_value * 100
                if base_value and not np.isnan(base_value)
                else np.nan
            )
            records.append((indicator_id, series, base, latest, base_value, latest_value, change))
    return pd.DataFrame(
        records,
        columns=[
            "indicator_id",
            "series",
            "baseline_period",
            "latest_period",
            "baseline_value",
            "latest_value",
            "change_percent",
        ],
    )


def _float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return np.nan


def _require_unique(frame: pd.DataFrame, columns: list[str], name: str) -> None:
    duplicated = frame.duplicated(columns, keep=False)
    if duplicated.any():
        first = frame.loc[duplicated, columns].iloc[0].tolist()
        hint = (
            "; keep one sex and age per indicator (filter the frame first)"
            if name == "data"
            else ""
        )
        raise AnalysisError(
            f"the workbook's {name} frame has more than one row for "
            f"{', '.join(columns)} = {', '.join(map(repr, first))}{hint}"
        )


# --- building the content ----------------------------------------------------------


def site_frame(
    programme: Programme,
    *,
    region_area_codes: Mapping[str, str] | None = None,
    england_area_code: str = ENGLAND_CODE,
    populations: pd.DataFrame | None = None,
    population_year: int | None = None,
) -> pd.DataFrame:
    """One row per site of ``programme`` (registry order) with the ``SITE_COLUMNS``.

    ``region_area_codes`` maps a region's GSS code to the ``area_code`` its comparator rows
    carry in the data (default: the GSS code itself); ``england_area_code`` likewise for
    England. Populations are the sums over member authorities (see :func:`authority_frame`).
    """
    authorities = authority_frame(programme, populations, population_year=population_year)
    areas = programme.areas
    regions = areas.groupby("site_id", sort=False)[["region_code", "region_name"]].agg(
        lambda s: s.mode().iloc[0]
    )
    rows = []
    for site in programme.sites.itertuples(index=False):
        own = authorities[authorities["site_id"] == site.site_id]
        labels = [
            name if coverage == "whole" else f"{name} (part)"
            for name, coverage in zip(own["local_authority"], own["coverage"], strict=True)
        ]
        region_code = regions.loc[site.site_id, "region_code"]
        weights = np.where(own["coverage"] == "whole", 1.0, own["share_of_lad_lsoas"])
        rows.append(
            {
                "site_id": site.site_id,
                "site_name": site.name,
                "programme_wave": int(site.programme_wave),
                "announced": date.fromisoformat(str(site.announced)),
                "region_code": region_code,
                "region_name": regions.loc[site.site_id, "region_name"],
                "region_area_code": (region_area_codes or {}).get(region_code, region_code),
                "england_area_code": england_area_code,
                "n_local_authorities": len(own),
                "local_authorities": "; ".join(labels),
                "population_all_ages": _weighted_total(own["population_all_ages"], weights),
                "population_65_plus": _weighted_total(own["population_65_plus"], weights),
            }
        )
    return pd.DataFrame(rows, columns=list(SITE_COLUMNS))


def _weighted_total(values: pd.Series, weights: np.ndarray) -> float:
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    if len(numbers) == 0 or np.isnan(numbers).any():
        return np.nan
    return float(np.round((numbers * weights).sum()))


def authority_frame(
    programme: Programme,
    populations: pd.DataFrame | None = None,
    *,
    population_year: int | None = None,
) -> pd.DataFrame:
    """One row per site × member lower-tier authority, with coverage and population.

    ``populations`` has ``area_code, year, population_all_ages`` and optionally
    ``population_65_plus``; an authority is matched on its 2019 code, then its 2018 code.
    ``population_year`` defaults to the latest year in ``populations``.
    """
    areas = programme.areas
    names = dict(zip(programme.sites["site_id"], programme.sites["name"], strict=True))
    frame = pd.DataFrame(
        {
            "site_id": areas["site_id"].to_numpy(),
            "site_name": areas["site_id"].map(names).to_numpy(),
            "local_authority": areas["lad19nm"].to_numpy(),
            "lad19cd": areas["lad19cd"].to_numpy(),
            "lad18cd": areas["lad18cd"].to_numpy(),
            "upper_tier": areas["utla19nm"].to_numpy(),
            "region_name": areas["region_name"].to_numpy(),
            "coverage": areas["coverage"].to_numpy(),
            "share_of_lad_lsoas": pd.to_numeric(areas["share_of_lad_lsoas"]).to_numpy(float),
            "certainty": areas["certainty"].to_numpy(),
        }
    )
    all_ages, over_65 = _population_lookup(populations, population_year)
    for column, lookup in (("population_all_ages", all_ages), ("population_65_plus", over_65)):
        values = frame["lad19cd"].map(lookup)
        frame[column] = values.fillna(frame["lad18cd"].map(lookup)).astype(float)
    return frame[list(AUTHORITY_COLUMNS)]


def population_year_of(populations: pd.DataFrame | None) -> int | None:
    """The latest year of a populations frame (``None`` without one)."""
    if populations is None or populations.empty:
        return None
    return int(pd.to_numeric(populations["year"]).max())


def _population_lookup(
    populations: pd.DataFrame | None, year: int | None
) -> tuple[dict[str, float], dict[str, float]]:
    if populations is None or populations.empty:
        return {}, {}
    year = year if year is not None else population_year_of(populations)
    rows = populations[pd.to_numeric(populations["year"]) == year]
    lookups = []
    for column in ("population_all_ages", "population_65_plus"):
        if column not in rows.columns:
            lookups.append({})
            continue
        values = pd.to_numeric(rows[column], errors="coerce")
        known = rows.loc[values.notna(), "area_code"]
        lookups.append(dict(zip(known, values[values.notna()].astype(float), strict=True)))
    return lookups[0], lookups[1]


def local_choice_frame(
    data: pd.DataFrame,
    *,
    area_types: Sequence[str] = ("Pioneer site", "Comparator group", "District & UA"),
) -> pd.DataFrame:
    """The local-comparator drop-down: each area of ``area_types`` in the data, labelled.

    Labels add the kind of area (``Barnsley (Pioneer)``, ``Barnsley (local authority)``)
    so that a site and an authority of the same name stay apart. Sites come first, then
    comparator groups, then authorities, each alphabetically.
    """
    areas = data.loc[data["area_type"].isin(list(area_types)), LOCAL_CHOICE_COLUMNS[1:]]
    areas = areas.drop_duplicates("area_code")
    rank = {t: n for n, t in enumerate(area_types)}
    areas = areas.assign(_rank=areas["area_type"].map(rank))
    areas = areas.sort_values(["_rank", "area_name", "area_code"], kind="stable")
    labels = [
        f"{name} ({_LOCAL_KIND.get(kind, kind)})"
        for name, kind in zip(areas["area_name"], areas["area_type"], strict=True)
    ]
    frame = areas.drop(columns="_rank").assign(label=labels)
    duplicated = frame["label"].duplicated(keep=False)
    frame.loc[duplicated, "label"] = frame.loc[duplicated, "label"] + (
        " " + frame.loc[duplicated, "area_code"]
    )
    return frame[list(LOCAL_CHOICE_COLUMNS)].reset_index(drop=True)


def indicator_table(catalogue_frame: pd.DataFrame, indicator_ids: Iterable[str]) -> pd.DataFrame:
    """The ``INDICATOR_COLUMNS`` rows of a catalogue frame for ``indicator_ids``, in order."""
    ids = list(dict.fromkeys(indicator_ids))
    frame = catalogue_frame.rename(columns={"id": "indicator_id"})
    missing = [i for i in ids if i not in set(frame["indicator_id"])]
    if missing:
        raise AnalysisError(
            f"the catalogue does not describe indicator(s) {', '.join(missing)}; "
            "add them to the catalogue before building the workbook"
        )
    frame = frame.set_index("indicator_id").loc[ids].reset_index()
    extra = [c for c in frame.columns if c not in INDICATOR_COLUMNS]
    return frame[list(INDICATOR_COLUMNS) + extra]


def build_content(
    data: pd.DataFrame,
    indicators: pd.DataFrame,
    sites: pd.DataFrame,
    authorities: pd.DataFrame,
    *,
    local_choices: pd.DataFrame | None = None,
    default_site: str | None = None,
    title: str = "Pioneer site indicators",
    population_year: int | None = None,
    extra_methods: Sequence[tuple[str, str]] = (),
) -> WorkbookContent:
    """Check and bundle the frames; derive periods, baselines, local choices and methods.

    ``data`` must already hold one sex × age per indicator. Columns beyond the contract's
    are dropped; text columns are made plain strings and numbers floats.
    """
    missing = [c for c in DATA_COLUMNS if c not in data.columns]
    if missing:
        raise AnalysisError(
            f"the workbook data lacks the indicator-frame column(s) {', '.join(missing)}"
        )
    frame = data[list(DATA_COLUMNS)].copy()
    for column in DATA_COLUMNS:
        if column in NUMERIC_DATA_COLUMNS:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
        elif column == "year":
            frame[column] = pd.to_numeric(frame[column]).astype(int)
        else:
            frame[column] = frame[column].fillna("").astype(str)
    rank = {t: n for n, t in enumerate(AREA_TYPE_ORDER)}
    indicator_rank = {i: n for n, i in enumerate(indicators["indicator_id"])}
    frame = (
        frame.assign(
            _i=frame["indicator_id"].map(indicator_rank),
            _t=frame["area_type"].map(rank).fillna(len(rank)),
        )
        .sort_values(["_i", "_t", "area_name", "area_code", "year", "period"], kind="stable")
        .drop(columns=["_i", "_t"])
        .reset_index(drop=True)
    )
    periods = indicator_periods(frame, indicators["indicator_id"])
    if local_choices is None:
        local_choices = local_choice_frame(frame)
    return WorkbookContent(
        title=title,
        data=frame,
        indicators=indicators.reset_index(drop=True),
        sites=sites.reset_index(drop=True),
        authorities=authorities.reset_index(drop=True),
        local_choices=local_choices.reset_index(drop=True),
        baselines=baseline_periods(sites, periods),
        methods=methods_sections(frame, indicators, population_year=population_year)
        + tuple(extra_methods),
        default_site=default_site if default_site is not None else str(sites["site_id"].iloc[0]),
        population_year=population_year,
    )


# --- the methods sheet ---------------------------------------------------------------


def methods_sections(
    data: pd.DataFrame, indicators: pd.DataFrame, *, population_year: int | None = None
) -> tuple[tuple[str, str], ...]:
    """The methods sheet as (heading, text) sections: sources, statistics, rules, caveats."""
    sections: list[tuple[str, str]] = [
        (
            "What this workbook is",
            "Routinely published indicators for each Pioneer site, set beside a local, a "
            "regional and a national comparator. It is meant for a site to follow its own "
            "trends; it is not a league table and not a performance-management tool. All "
            "numbers come from the data sheet, picked out by ordinary formulas (INDEX and "
            "MATCH); there are no macros.",
        )
    ]
    for row in indicators.itertuples(index=False):
        own = data[data["indicator_id"] == row.indicator_id]
        periods = indicator_periods(own, [row.indicator_id])["period"]
        span = f"{periods.iloc[0]} to {periods.iloc[-1]}" if not periods.empty else "no data"
        sections.append(
            (
                f"Source: {row.title}",
                f"{row.source}. Unit: {row.unit}. Polarity: {_polarity_text(row.polarity)}. "
                f"Periods in this workbook: {span}.",
            )
        )
    sections += [
        (
            "Site values",
            "A site's value is built from its member lower-tier local authorities (see the "
            "context sheet). Where the source publishes counts and denominators, they are "
            "summed over the authorities and the statistic recomputed exactly. Where it "
            "publishes only rates, the site value is a population-weighted mean of the "
            "authorities' rates; such rows say so in the data sheet's approximation column, "
            "and carry no confidence interval.",
        ),
        (
            "Comparators",
            "Local: any other Pioneer site, comparator group or local authority in the data, "
            "chosen from the drop-down on the cover sheet. Regional: the site's own region "
            "(built from the region's authorities in the same way as a site when the source "
            "does not publish regions). National: England as published.",
        ),
        (
            "Statistics",
            "Values and 95% / 99.8% confidence limits are as published where the source "
            "gives them. Where Pioneer computes them: proportions use the Wilson score "
            "interval; crude rates use exact Poisson limits for small counts and Byar's "
            "approximation otherwise; directly standardised rates use Dobson's method with "
            "the 2013 European Standard Population; indirectly standardised ratios use "
            "exact Poisson or Byar's limits on the observed count.",
        ),
        (
            "Benchmarking",
            "The Fingertips convention: an area is 'similar' to its comparator when the "
            "comparator's value lies within the area's confidence interval; otherwise it is "
            "'better' or 'worse' according to the indicator's polarity, or 'higher' / "
            "'lower' when no direction is judged better. Without an interval or polarity it "
            "is 'not compared'. The data sheet's fingertips_comparison column is the "
            "publisher's own comparison with England, where given.",
        ),
        (
            "Change since announcement",
            "The summary chart compares each series' latest period with its base: the last "
            "period that ended before the site was announced (programme wave 1 on 1 "
            "November 2013, programme wave 2 on 27 January 2015). The change is "
            "(latest - base) / base x 100 per cent. It describes; it does not attribute the "
            "change to the programme.",
        ),
    ]
    notes = data.loc[data["approximation"] != "", "approximation"]
    if not notes.empty:
        counts = notes.value_counts()
        examples = "; ".join(f"'{text}'" for text in counts.index[:3])
        more = f" and {len(counts) - 3} other wordings" if len(counts) > 3 else ""
        sections.append(
            (
                "Approximations in the data",
                f"{len(notes)} of {len(data)} rows are approximated; the data sheet's "
                f"approximation column says how for each row. For example: {examples}{more}.",
            )
        )
    population = (
        f"ONS mid-{population_year} population estimates" if population_year else "none given"
    )
    sections.append(
        (
            "Context",
            "Programme wave and announcement date come from the Pioneer registry; member "
            "authorities and their coverage from the registry's footprints (an authority "
            "covered in part is counted in a site's population by its share of LSOAs, an "
            f"approximation). Populations: {population}.",
        )
    )
    return tuple(sections)


def _polarity_text(polarity: object) -> str:
    return {
        "lower_is_better": "lower is better",
        "higher_is_better": "higher is better",
        "no_judgement": "no judgement of better or worse",
        "not_applicable": "not compared",
    }.get(str(polarity), str(polarity))


# --- from the indicator data and the programme registry ------------------------------------

#: Area types of the input data kept as local comparators (regions and England come from
#: the comparators built here).
LOCAL_AREA_TYPES: tuple[str, ...] = (
    "Pioneer site",
    "Comparator group",
    "Combined authority",
    "County & UA",
    "District & UA",
)
ALL_PIONEERS_ID = "all_pioneers"


def assemble(
    data: pd.DataFrame,
    programme: Programme,
    catalogue: Catalogue | None = None,
    *,
    populations: pd.DataFrame | None = None,
    default_site: str | None = None,
    title: str | None = None,
) -> WorkbookContent:
    """The workbook for every site of ``programme`` from district-level indicator data.

    ``data`` is an indicator frame of published areas (districts, counties, England...), as
    :func:`pioneer.indicators.ingest.packaged` gives. Each indicator keeps the sex and age
    its catalogue entry names. Sites come from :func:`pioneer.indicators.areas.site_values`;
    the comparators from :func:`~pioneer.indicators.areas.comparators_for` and
    :func:`~pioneer.indicators.areas.comparator_values`: England, every region holding a
    site, the non-Pioneer areas and all Pioneers together (their footprints, part-covered
    districts at their share, capped at 1). Published districts stay as local comparators.
    ``populations`` defaults to :func:`pioneer.indicators.areas.populations`.
    """
    from pioneer.indicators import areas
    from pioneer.indicators import catalogue as catalogue_module

    cat = catalogue if catalogue is not None else catalogue_module.load()
    populations = areas.populations() if populations is None else populations
    present = set(data["indicator_id"])
    ids = [i for i in cat.ids if i in present]
    if not ids:
        raise AnalysisError(
            "none of the data's indicators is in the catalogue; add them to the catalogue"
        )
    chosen = pd.concat([_one_sex_and_age(data, cat.get(i)) for i in ids], ignore_index=True)

    sites = areas.site_values(chosen, programme, catalogue=cat, population=populations)
    comparators: dict[str, Comparator] = {}
    regions: dict[str, str] = {}
    england_id = ""
    for site_id in programme.site_ids:
        for comparator in areas.comparators_for(
            programme, site_id, ("england", "region", "non_pioneers")
        ):
            comparators.setdefault(comparator.id, comparator)
            if comparator.kind == "region":
                regions.setdefault(comparator.code, comparator.id)
            elif comparator.kind == "england":
                england_id = comparator.id
    comparators[ALL_PIONEERS_ID] = _all_pioneers(programme, areas.Comparator)
    frames = [sites]
    for comparator in comparators.values():
        frames.append(
            areas.comparator_values(chosen, comparator, catalogue=cat, population=populations)
        )
    frames.append(chosen[chosen["area_type"].isin(LOCAL_AREA_TYPES[2:])])
    combined = pd.concat(frames, ignore_index=True)

    series_codes = {england_id, *regions.values()}
    local = local_choice_frame(combined, area_types=LOCAL_AREA_TYPES)
    local = local[~local["area_code"].isin(series_codes)].reset_index(drop=True)
    year = population_year_of(populations)
    site_table = site_frame(
        programme,
        region_area_codes=regions,
        england_area_code=england_id,
        populations=populations,
        population_year=year,
    )
    indicators = indicator_table(_catalogue_frame(cat), ids)
    groups = [f"{c.name}: {c.note}" for c in comparators.values() if c.kind != "region" and c.note]
    return build_content(
        combined,
        indicators,
        site_table,
        authority_frame(programme, populations, population_year=year),
        local_choices=local,
        default_site=default_site,
        title=title or f"{programme.name}: routine indicators by site",
        population_year=year,
        extra_methods=(
            (
                "Comparator groups",
                "; ".join(groups)
                + ". Regions: each region's districts, aggregated in the same way as a site "
                "(weights and exclusions in the data sheet's approximation column).",
            ),
        ),
    )


def packaged_content(programme_id: str = "pioneers", **options: object) -> WorkbookContent:
    """:func:`assemble` over the packaged real data and the packaged programme registry."""
    from pioneer.programme import load

    return assemble(ingest.packaged(), load(programme_id), **options)  # type: ignore[arg-type]


def _one_sex_and_age(data: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """The indicator's rows for the sex and age its catalogue entry names.

    Falls back to Persons and the most common age when the data use other labels.
    """
    rows = data[data["indicator_id"] == indicator.id]
    wanted = rows[(rows["sex"] == indicator.sex) & (rows["age"] == indicator.age)]
    if not wanted.empty:
        return wanted
    persons = rows[rows["sex"] == "Persons"] if (rows["sex"] == "Persons").any() else rows
    return persons[persons["age"] == persons["age"].mode().iloc[0]]


def _all_pioneers(programme: Programme, comparator_type: type) -> object:
    """Every Pioneer's footprint as one comparator (shares summed per district, capped at 1)."""
    areas = programme.areas
    shares = areas["share_of_lad_lsoas"].where(areas["coverage"] == "part", 1.0).astype(float)
    by_district = shares.groupby(areas["lad18cd"]).sum().clip(upper=1.0)
    n_sites = areas["site_id"].nunique()
    return comparator_type(
        ALL_PIONEERS_ID,
        f"All Pioneers ({n_sites} sites)",
        "pioneers",
        tuple(by_district.index),
        tuple(float(s) for s in by_district),
        note=f"the {len(by_district)} districts of the {n_sites} Pioneers' footprints",
    )


def _catalogue_frame(cat: Catalogue) -> pd.DataFrame:
    frame = cat.frame()
    if "dimension_label" in frame.columns:
        frame = frame.assign(dimension=frame["dimension_label"])
    return frame
