"""Sites and comparators: a Pioneer's indicator values from its member districts.

Indicators are published for lower-tier local authorities (districts and unitary
authorities, December 2018 codes in the Fingertips extracts); a Pioneer covers one or
several of them, some only in part (see ``docs/registry.md``). This module turns district
rows of the indicator frame into rows for a site or a comparator group, preferring, in turn:

- **as published** where one published row covers exactly the same districts (a single
  whole district, or a county or combined authority whose districts are the footprint);
- **exact** where every member district has a count and a denominator, none is covered only
  in part and the statistic is a proportion or a crude rate: counts are summed and the
  statistic recomputed with :mod:`pioneer.indicators.statistics` (``approximation`` "");
- **weighted** otherwise: the mean of the member values weighted by denominators (when every
  member with a value has one) or by mid-year populations, scaled by the share of a
  part-covered district. ``approximation`` says how many districts, which weights and which
  districts were left out; the limits are NaN because they cannot be derived honestly.

Populations come from the packaged ONS mid-year estimates (:func:`populations`); the
geography from the packaged ONS December 2018 lookup (:func:`district_geography`). The
methods are described in ``docs/indicators/benchmarking.md``.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pioneer.errors import AnalysisError
from pioneer.indicators import catalogue as catalogue_module
from pioneer.indicators import statistics
from pioneer.indicators.ingest import INDICATOR_COLUMNS

if TYPE_CHECKING:
    from pioneer.indicators.catalogue import Catalogue, Indicator
    from pioneer.programme import Programme

COLUMNS = INDICATOR_COLUMNS
LIMITS = ("lower_95", "upper_95", "lower_99_8", "upper_99_8")
KEYS = ("indicator_id", "period", "year", "sex", "age")
ENGLAND = "E92000001"
SITE_TYPE = "Pioneer site"
GROUP_TYPE = "Comparator group"
EXACT_STATISTICS = ("proportion", "crude_rate")
COMPARATOR_KINDS = ("england", "region", "pioneers", "non_pioneers", "group", "matched")
DEFAULT_KINDS = ("england", "region", "pioneers", "non_pioneers")

# Combined authorities published by Fingertips whose districts are exactly an ONS county in
# the 2018 lookup: Greater Manchester Combined Authority (E47000001) is the ten districts of
# the Greater Manchester metropolitan county (E11000001).
COMBINED_AUTHORITIES = {"E11000001": "E47000001"}


def _data_file(name: str) -> Any:
    return resources.files("pioneer").joinpath("data", "indicators", name)


@functools.cache
def _geography() -> pd.DataFrame:
    with _data_file("ons_lad18_utla18_cty18_rgn18.csv").open("r", encoding="utf-8") as handle:
        raw = pd.read_csv(handle, dtype=str, keep_default_na=False)
    return pd.DataFrame(
        {
            "area_code": raw["LAD18CD"],
            "area_name": raw["LAD18NM"],
            "utla_code": raw["UTLA18CD"],
            "utla_name": raw["UTLA18NM"],
            "county_code": raw["CTY18CD"],
            "county_name": raw["CTY18NM"],
            "region_code": raw["RGN18CD"],
            "region_name": raw["RGN18NM"],
        }
    )


def district_geography() -> pd.DataFrame:
    """The 326 districts and unitary authorities of England (December 2018 codes).

    Columns: ``area_code, area_name, utla_code, utla_name, county_code, county_name,
    region_code, region_name``. ``county_code`` is the ONS county (E10 shire county, E11
    metropolitan county, E13 Inner/Outer London), empty for unitary authorities.
    """
    return _geography().copy()


@functools.cache
def _populations() -> pd.DataFrame:
    with _data_file("populations.csv").open("r", encoding="utf-8") as handle:
        frame = pd.read_csv(
            handle,
            dtype={"area_code": str, "area_name": str, "geography": str, "source_code": str},
            keep_default_na=False,
            na_values={"population_all_ages": [""], "population_65_plus": [""]},
        )
    frame["year"] = frame["year"].astype(int)
    for column in ("population_all_ages", "population_65_plus"):
        frame[column] = frame[column].astype(float)
    return frame


@functools.cache
def _packaged_index() -> _Populations:
    return _Populations(_populations())


def _population_index(population: pd.DataFrame | None) -> _Populations:
    return _packaged_index() if population is None else _Populations(population)


def populations() -> pd.DataFrame:
    """ONS mid-year populations on 2018 district codes, mid-2010 to mid-2019.

    Columns: ``area_code, area_name, geography, year, population_all_ages,
    population_65_plus, source_code, note``. 65+ is known for 2019 only. The 18 districts
    merged in 2019–2020 have NaN populations (the source gives only their successor; see
    ``note``). Source: ``pioneer/data/indicators/POPULATIONS_SOURCE.md``.
    """
    return _populations().copy()


# --- indicator metadata ---------------------------------------------------------------


@dataclass(frozen=True)
class _Meta:
    id: str
    statistic: str
    multiplier: float
    polarity: str


def _meta_of(indicator: Any) -> _Meta:
    multiplier = getattr(indicator, "multiplier", None)
    return _Meta(
        id=str(indicator.id),
        statistic=str(getattr(indicator, "statistic", "") or ""),
        multiplier=float(multiplier) if multiplier else 1.0,
        polarity=str(getattr(indicator, "polarity", "") or "not_applicable"),
    )


def _metas(data: pd.DataFrame, indicator: Any, catalogue: Catalogue | None) -> list[_Meta]:
    """The indicators to work on: one given (object or id), or every one in ``data``."""
    if indicator is not None and not isinstance(indicator, str):
        return [_meta_of(indicator)]
    ids = [indicator] if isinstance(indicator, str) else sorted(data["indicator_id"].unique())
    if catalogue is None:
        catalogue = catalogue_module.load()
    return [_meta_of(catalogue.get(i)) for i in ids]


def _check_frame(data: pd.DataFrame) -> None:
    if not isinstance(data, pd.DataFrame):
        raise AnalysisError(f"indicator data must be a DataFrame, got {type(data).__name__}")
    missing = [c for c in COLUMNS if c not in data.columns and c != "approximation"]
    if missing:
        raise AnalysisError(
            f"the indicator frame lacks the column(s) {', '.join(missing)}; build it with "
            "pioneer.indicators.ingest (or give every column of the indicator frame)"
        )


def _rows_of(data: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    rows = data[data["indicator_id"] == indicator_id]
    if rows.empty:
        known = sorted(data["indicator_id"].unique())
        close = difflib.get_close_matches(indicator_id, known, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else f"it holds {', '.join(known)}"
        raise AnalysisError(f"the indicator data has no rows for {indicator_id!r}; {hint}")
    return rows


# --- weights -------------------------------------------------------------------------


class _Populations:
    """Mid-year populations indexed for repeated look-ups by (district, year)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        years = sorted(int(y) for y in frame["year"].unique())
        if not years:
            raise AnalysisError("the population table is empty")
        self.first, self.last = years[0], years[-1]
        index = frame.set_index(["area_code", "year"])
        self.all_ages = index["population_all_ages"].astype(float).to_dict()
        self.over_65 = index["population_65_plus"].astype(float).to_dict()

    def weights(self, codes: Iterable[str], year: int, age: str) -> tuple[dict[str, float], str]:
        """Weights for ``codes`` in ``year`` and the words that describe them."""
        codes = list(codes)
        used = min(max(year, self.first), self.last)
        over_65 = age.replace(" ", "").lower().startswith("65+")
        all_ages = {c: self.all_ages.get((c, used), math.nan) for c in codes}
        table, label = all_ages, "all-ages"
        if over_65:
            older = {c: self.over_65.get((c, used), math.nan) for c in codes}
            known_all = sum(not math.isnan(v) for v in all_ages.values())
            if sum(not math.isnan(v) for v in older.values()) == known_all:
                table, label = older, "65+"
        words = f"mid-{used} {label} populations"
        if used != year:
            words += f", the nearest year packaged to {year}"
        if over_65 and label == "all-ages":
            words += f"; no 65+ populations packaged for {used}"
        elif not over_65 and age not in ("All ages", "") and label == "all-ages":
            words += f"; no {age} populations packaged"
        return table, words


# --- aggregation ---------------------------------------------------------------------


def _names(names: Sequence[str], limit: int = 6) -> str:
    names = list(names)
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])} and {len(names) - limit} more"


def _published_equivalent(members: pd.DataFrame) -> list[str]:
    """Codes of published areas made of exactly these (whole) districts."""
    if (members["share"] < 1).any():
        return []
    codes = set(members["area_code"])
    if len(codes) == 1:
        return sorted(codes)
    geography = _geography()
    found = []
    for column in ("utla_code", "county_code"):
        inside = geography[geography["area_code"].isin(codes)][column].unique()
        if len(inside) == 1 and inside[0]:
            whole = set(geography.loc[geography[column] == inside[0], "area_code"])
            if whole == codes:
                found.append(inside[0])
                if inside[0] in COMBINED_AUTHORITIES:
                    found.append(COMBINED_AUTHORITIES[inside[0]])
    return found


class _Records:
    """One indicator's rows as plain records, materialised per area on first use."""

    def __init__(self, rows: pd.DataFrame) -> None:
        self._columns = {c: rows[c].tolist() for c in COLUMNS}
        self._positions: dict[str, list[int]] = {}
        for position, code in enumerate(self._columns["area_code"]):
            self._positions.setdefault(code, []).append(position)
        self._cache: dict[str, list[dict[str, Any]]] = {}

    def get(self, area_code: str) -> list[dict[str, Any]]:
        found = self._cache.get(area_code)
        if found is None:
            columns = self._columns
            found = [
                {c: columns[c][i] for c in COLUMNS} for i in self._positions.get(area_code, [])
            ]
            self._cache[area_code] = found
        return found


@dataclass(frozen=True)
class _Context:
    """What every aggregation of one indicator needs, prepared once."""

    meta: _Meta
    pops: _Populations
    names: dict[str, str]
    by_area: _Records


def _context(data: pd.DataFrame, meta: _Meta, pops: _Populations) -> _Context:
    rows = _rows_of(data, meta.id)
    if "approximation" not in rows.columns:
        rows = rows.assign(approximation="")
    geography = _geography()
    names = dict(zip(rows["area_code"], rows["area_name"], strict=False))
    names.update(zip(geography["area_code"], geography["area_name"], strict=True))
    return _Context(meta, pops, names, _Records(rows))


def _missing(number: object) -> bool:
    return number is None or (isinstance(number, float) and math.isnan(number))


def _aggregate(
    context: _Context,
    members: pd.DataFrame,
    *,
    code: str,
    name: str,
    area_type: str,
    published: Sequence[str] = (),
) -> pd.DataFrame:
    """One indicator's rows for a group of districts (``members``: area_code, share)."""
    records = _aggregate_records(
        context, members, code=code, name=name, area_type=area_type, published=published
    )
    return pd.DataFrame(records, columns=list(COLUMNS))


def _aggregate_records(
    context: _Context,
    members: pd.DataFrame,
    *,
    code: str,
    name: str,
    area_type: str,
    published: Sequence[str] = (),
    only: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """:func:`_aggregate` as plain records (one per indicator × period × sex × age).

    ``only`` keeps the rows whose columns have the given values (e.g. one period).
    """
    wanted = list((only or {}).items())
    share = dict(zip(members["area_code"], members["share"].astype(float), strict=True))
    chosen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for area in reversed(list(published)):  # the first code given wins
        for record in context.by_area.get(area):
            if not _missing(record["value"]) and all(record[c] == v for c, v in wanted):
                chosen[tuple(record[k] for k in KEYS)] = record
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for area in share:
        for record in context.by_area.get(area):
            if all(record[c] == v for c, v in wanted):
                groups.setdefault(tuple(record[k] for k in KEYS), []).append(record)
    out: list[dict[str, Any]] = []
    exact: list[dict[str, object]] = []
    for key in sorted(groups, key=lambda k: (k[0], k[2], k[1], k[3], k[4])):
        group = groups[key]
        base: dict[str, object] = dict(zip(KEYS, key, strict=True))
        base.update(area_code=code, area_name=name, area_type=area_type)
        if key in chosen:
            row = chosen[key]
            copied = {c: row[c] for c in ("numerator", "denominator", "value", *LIMITS)}
            fingertips = row["fingertips_comparison"]
            out.append({**base, **copied, "fingertips_comparison": fingertips, "approximation": ""})
            continue
        if (
            context.meta.statistic in EXACT_STATISTICS
            and len({r["area_code"] for r in group}) == len(share)
            and all(share[r["area_code"]] == 1 for r in group)
            and not any(_missing(r["numerator"]) or _missing(r["denominator"]) for r in group)
        ):
            for record in group:
                exact.append(
                    {
                        "_order": len(out),
                        "numerator": record["numerator"],
                        "denominator": record["denominator"],
                    }
                )
            out.append(base)
            continue
        out.append({**base, **_weighted(group, share, context, base)})
    if exact:
        for order, values in _exact_values(pd.DataFrame(exact), context.meta).items():
            out[order].update(values)
    return out


def _weighted(
    group: list[dict[str, Any]],
    share: dict[str, float],
    context: _Context,
    base: dict[str, object],
) -> dict[str, object]:
    names = context.names
    valued = [r for r in group if not _missing(r["value"])]
    valued_codes = [r["area_code"] for r in valued]
    no_value = set(share) - set(valued_codes)
    without = [names.get(c, c) for c in sorted(no_value)]
    if valued and not any(_missing(r["denominator"]) for r in valued):
        weights = {r["area_code"]: float(r["denominator"]) for r in valued}
        kind, words = "denominator", "their published denominators"
    else:
        kind = "population"
        weights, words = context.pops.weights(
            valued_codes, int(str(base["year"])), str(base["age"])
        )
    used = [r for r in valued if not math.isnan(weights.get(r["area_code"], math.nan))]
    codes = [r["area_code"] for r in used]
    no_weight = [names.get(c, c) for c in valued_codes if c not in set(codes)]
    n_total = len(share)
    blank: dict[str, object] = dict.fromkeys(
        ("numerator", "denominator", "value", *LIMITS), math.nan
    )
    blank["fingertips_comparison"] = ""
    if not used:
        if not valued:
            reason = "no value for " + (
                without[0] if n_total == 1 else f"any of the {n_total} districts"
            )
        else:
            reason = f"no value: no population for {_names(no_weight)}"
        return {**blank, "approximation": reason}
    w = np.array([weights[c] * share[c] for c in codes], dtype=float)
    values = np.array([float(r["value"]) for r in used], dtype=float)
    value = float(np.dot(w, values) / w.sum())
    of = f"{len(codes)} of {n_total}" if len(codes) < n_total else f"{n_total}"
    noun = "district's value" if n_total == 1 else "districts' values"
    text = f"{kind}-weighted mean of {of} {noun} ({words})"
    parts = [c for c in codes if share[c] < 1]
    if parts:
        scaled = [f"{names.get(c, c)} ×{share[c]:.2f}" for c in parts]
        text += f"; part-covered, weight scaled by share of LSOAs: {_names(scaled)}"
    if without:
        text += f"; no value for {_names(without)}, left out"
    if no_weight:
        text += f"; no population for {_names(no_weight)}, left out"
    return {**blank, "value": value, "approximation": text}


def _exact_values(counts: pd.DataFrame, meta: _Meta) -> dict[int, dict[str, object]]:
    """Sum counts per group and recompute the statistic with part A's functions."""
    summed = counts.groupby("_order", sort=True)[["numerator", "denominator"]].sum()
    function = statistics.proportion if meta.statistic == "proportion" else statistics.crude_rate
    result = function(
        summed.reset_index(drop=True),
        "numerator",
        "denominator",
        confidence=(0.95, 0.998),
        multiplier=meta.multiplier,
    )
    columns = ("numerator", "denominator", "value", *LIMITS)
    return {
        int(order): {
            **{c: float(row[c]) for c in columns},
            "fingertips_comparison": "",
            "approximation": "",
        }
        for order, row in zip(summed.index, result.to_dict("records"), strict=True)
    }


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.astype(
        {
            "numerator": float,
            "denominator": float,
            "value": float,
            **dict.fromkeys(LIMITS, float),
            "year": int,
        }
    )
    for column in ("fingertips_comparison", "approximation"):
        frame[column] = frame[column].fillna("").astype(str)
    return frame.reset_index(drop=True)[list(COLUMNS)]


# --- sites ---------------------------------------------------------------------------


def _site_members(programme: Programme, site_id: str, include_part: bool) -> pd.DataFrame:
    areas = programme.areas_of(site_id)
    if not include_part:
        areas = areas[areas["coverage"] == "whole"]
    shares = areas["share_of_lad_lsoas"].where(areas["coverage"] == "part", 1.0)
    return pd.DataFrame(
        {"area_code": areas["lad18cd"].to_numpy(), "share": shares.astype(float).to_numpy()}
    )


def site_values(
    data: pd.DataFrame,
    programme: Programme,
    site_id: str | None = None,
    indicator: Indicator | str | None = None,
    *,
    include_part: bool = True,
    prefer_published: bool = True,
    population: pd.DataFrame | None = None,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """Indicator-frame rows for one Pioneer (or every site when ``site_id`` is None).

    ``indicator`` is a catalogue ``Indicator``, an indicator id, or None for every
    indicator in ``data`` (ids are looked up in ``catalogue``, by default the packaged
    one). One row per indicator × period × sex × age for which any member district has a
    row; ``area_type`` is ``Pioneer site``, ``area_code`` the site id. ``include_part=False``
    leaves out districts the site covers only in part. ``population`` replaces the
    packaged populations (same columns as :func:`populations`).
    """
    _check_frame(data)
    pops = _population_index(population)
    site_ids = programme.site_ids if site_id is None else (site_id,)
    frames = []
    contexts = [_context(data, meta, pops) for meta in _metas(data, indicator, catalogue)]
    for one in site_ids:
        members = _site_members(programme, one, include_part)
        published = _published_equivalent(members) if prefer_published else []
        site_name = programme.site(one).name
        for context in contexts:
            frames.append(
                _aggregate(
                    context,
                    members,
                    code=one,
                    name=site_name,
                    area_type=SITE_TYPE,
                    published=published,
                )
            )
    return _finish(pd.concat(frames, ignore_index=True))


# --- comparators ---------------------------------------------------------------------


@dataclass(frozen=True)
class Comparator:
    """A reference an area is benchmarked against.

    ``area_codes`` are the districts (2018 codes) it is aggregated from; ``shares`` (empty,
    or one per code) the part of each district's weight counted; ``code`` the GSS code of a
    published area that is the same group (England, a region), whose published rows are
    used where the data has them; ``note`` says how the group was chosen.
    """

    id: str
    name: str
    kind: str
    area_codes: tuple[str, ...]
    shares: tuple[float, ...] = ()
    code: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if self.kind not in COMPARATOR_KINDS:
            raise AnalysisError(
                f"comparator {self.id!r}: unknown kind {self.kind!r}; use one of "
                f"{', '.join(COMPARATOR_KINDS)}"
            )
        if not re.fullmatch(r"[a-z0-9_]+", self.id or ""):
            raise AnalysisError(
                f"comparator id {self.id!r} must be lower-case letters, digits and '_'"
            )
        if not isinstance(self.area_codes, tuple) or not self.area_codes:
            raise AnalysisError(f"comparator {self.id!r} needs a non-empty tuple of area codes")
        if self.shares and len(self.shares) != len(self.area_codes):
            raise AnalysisError(
                f"comparator {self.id!r}: {len(self.shares)} shares for "
                f"{len(self.area_codes)} area codes; give one share per code or none"
            )
        if any(not 0 < s <= 1 for s in self.shares):
            raise AnalysisError(f"comparator {self.id!r}: shares must lie in (0, 1]")

    def members(self) -> pd.DataFrame:
        """The districts with the share of each counted (1 unless stated)."""
        shares = self.shares or (1.0,) * len(self.area_codes)
        return pd.DataFrame({"area_code": list(self.area_codes), "share": list(shares)})


def _all_footprints(programme: Programme, include_part: bool) -> pd.DataFrame:
    areas = programme.areas
    if not include_part:
        areas = areas[areas["coverage"] == "whole"]
    return areas


def comparators_for(
    programme: Programme,
    site_id: str,
    kinds: Sequence[str] = DEFAULT_KINDS,
    *,
    group: Sequence[str] | None = None,
    group_name: str = "User-defined group",
    data: pd.DataFrame | None = None,
    indicator: Indicator | str | None = None,
    k: int = 10,
    baseline_period: str | None = None,
    match_on: Sequence[str] = ("value", "population"),
    include_part: bool = True,
    population: pd.DataFrame | None = None,
    catalogue: Catalogue | None = None,
) -> tuple[Comparator, ...]:
    """The comparators of one site, in the order of ``kinds``.

    ``england``: all districts, with England's published row where present. ``region``: the
    districts of the site's region (one comparator per region if the site spans several).
    ``pioneers``: every district in another Pioneer's footprint (part-covered districts at
    their share). ``non_pioneers``: districts in no Pioneer footprint. ``group``: the
    district codes in ``group``. ``matched``: the ``k`` non-Pioneer districts nearest the
    site on the indicator's baseline value and population (needs ``data`` and
    ``indicator``; see :func:`matched_comparator`).
    """
    programme.site(site_id)
    unknown = [kind for kind in kinds if kind not in COMPARATOR_KINDS]
    if unknown:
        raise AnalysisError(
            f"unknown comparator kind(s) {', '.join(map(repr, unknown))}; use "
            f"{', '.join(COMPARATOR_KINDS)}"
        )
    geography = _geography()
    everything = tuple(geography["area_code"])
    found: list[Comparator] = []
    for kind in kinds:
        if kind == "england":
            found.append(Comparator("england", "England", "england", everything, code=ENGLAND))
        elif kind == "region":
            found.extend(_region_comparators(programme, site_id))
        elif kind == "pioneers":
            areas = _all_footprints(programme, include_part)
            others = areas[areas["site_id"] != site_id]
            shares = others["share_of_lad_lsoas"].where(others["coverage"] == "part", 1.0)
            n_sites = others["site_id"].nunique()
            found.append(
                Comparator(
                    "other_pioneers",
                    f"Other Pioneers ({n_sites} sites)",
                    "pioneers",
                    tuple(others["lad18cd"]),
                    tuple(float(s) for s in shares),
                    note=(
                        f"the {len(others)} districts of the {n_sites} other Pioneers' "
                        "footprints; part-covered districts at their share of LSOAs"
                    ),
                )
            )
        elif kind == "non_pioneers":
            codes = _non_pioneer_codes(programme)
            found.append(
                Comparator(
                    "non_pioneers",
                    "Non-Pioneer areas",
                    "non_pioneers",
                    codes,
                    note=f"the {len(codes)} districts in no Pioneer footprint, not even in part",
                )
            )
        elif kind == "group":
            found.append(_group_comparator(group, group_name))
        else:
            if data is None or indicator is None:
                raise AnalysisError(
                    "a matched comparator needs the indicator data and an indicator: "
                    "pass data= and indicator= to comparators_for"
                )
            found.append(
                matched_comparator(
                    data,
                    programme,
                    site_id,
                    indicator,
                    k=k,
                    baseline_period=baseline_period,
                    on=match_on,
                    include_part=include_part,
                    population=population,
                    catalogue=catalogue,
                )
            )
    return tuple(found)


def _region_comparators(programme: Programme, site_id: str) -> list[Comparator]:
    geography = _geography()
    codes = programme.lad_codes(site_id, vintage=2018)
    regions = geography[geography["area_code"].isin(codes)][["region_code", "region_name"]]
    found = []
    for region_code, region_name in regions.drop_duplicates().itertuples(index=False):
        inside = tuple(geography.loc[geography["region_code"] == region_code, "area_code"])
        found.append(
            Comparator(
                f"region_{region_code.lower()}",
                region_name,
                "region",
                inside,
                code=region_code,
                note=f"the {len(inside)} districts of {region_name}",
            )
        )
    return found


def _non_pioneer_codes(programme: Programme) -> tuple[str, ...]:
    inside = set(programme.areas["lad18cd"])
    return tuple(c for c in _geography()["area_code"] if c not in inside)


def _group_comparator(group: Sequence[str] | None, name: str) -> Comparator:
    if not group:
        raise AnalysisError("a 'group' comparator needs group= (a list of district codes)")
    known = set(_geography()["area_code"])
    unknown = [c for c in group if c not in known]
    if unknown:
        close = difflib.get_close_matches(unknown[0], sorted(known), n=3)
        raise AnalysisError(
            f"group {name!r}: {', '.join(unknown)} is not a December 2018 district code"
            + (f" (close: {', '.join(close)})" if close else "")
            + "; use E06/E07/E08/E09 codes as in the Fingertips data"
        )
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "group"
    codes = tuple(dict.fromkeys(group))
    return Comparator(
        f"group_{slug}" if not slug.startswith("group") else slug,
        name,
        "group",
        codes,
        note=f"{len(codes)} districts chosen by the user",
    )


# --- matched comparator --------------------------------------------------------------


def period_end(period: str) -> date:
    """The last day of a period as Fingertips writes it.

    ``2012/13`` (financial year) → 31 March 2013; ``2013`` (calendar year) → 31 December
    2013; ``2015/16 - 17/18`` (pooled) → 31 March 2018.
    """
    text = period.strip()
    pooled = re.fullmatch(r"\d{4}/\d{2}\s*-\s*(\d{2})/(\d{2})", text)
    if pooled:
        return date(2000 + int(pooled.group(2)), 3, 31)
    financial = re.fullmatch(r"(\d{4})/(\d{2})", text)
    if financial:
        return date(int(financial.group(1)) + 1, 3, 31)
    calendar = re.fullmatch(r"(\d{4})", text)
    if calendar:
        return date(int(calendar.group(1)), 12, 31)
    raise AnalysisError(
        f"cannot read the period {period!r}; expected e.g. '2017/18', '2017' or '2015/16 - 17/18'"
    )


def baseline_period_for(
    data: pd.DataFrame, programme: Programme, site_id: str, indicator_id: str
) -> str:
    """The latest period of the indicator that ended before the site was announced."""
    announced = programme.site(site_id).announced
    rows = _rows_of(data, indicator_id)
    periods = rows[["period", "year"]].drop_duplicates().sort_values("year")
    before = [p for p in periods["period"] if period_end(p) < announced]
    if not before:
        raise AnalysisError(
            f"no period of {indicator_id!r} ended before {site_id!r} was announced "
            f"({announced.isoformat()}); pass baseline_period="
        )
    return before[-1]


MATCH_FEATURES = ("value", "population")


def matched_comparator(
    data: pd.DataFrame,
    programme: Programme,
    site_id: str,
    indicator: Indicator | str,
    *,
    k: int = 10,
    baseline_period: str | None = None,
    on: Sequence[str] = MATCH_FEATURES,
    include_part: bool = True,
    population: pd.DataFrame | None = None,
    catalogue: Catalogue | None = None,
) -> Comparator:
    """The ``k`` non-Pioneer districts nearest the site at baseline.

    Distance: Euclidean over the features in ``on``, each standardised (divided by its
    standard deviation among the candidate districts): ``value``, the indicator's value in
    the baseline period (by default the latest period that ended before the site was
    announced), and ``population``, log10 of the all-ages mid-year population of that
    period's first year. The site's value is its :func:`site_values` value, its population
    the sum of its members' (part-covered ones at their share). Candidates are districts in
    no Pioneer footprint with a baseline value and a population; ties go to the lower code.
    """
    if k < 1:
        raise AnalysisError(f"k must be at least 1, got {k}")
    features = tuple(on)
    if not features or any(f not in MATCH_FEATURES for f in features):
        raise AnalysisError(
            f"match on {', '.join(map(repr, features)) or 'nothing'}: use one or both of "
            f"{', '.join(MATCH_FEATURES)}"
        )
    _check_frame(data)
    (meta,) = _metas(data, indicator, catalogue)
    pops = _population_index(population)
    period = baseline_period or baseline_period_for(data, programme, site_id, meta.id)
    rows = _rows_of(data, meta.id)
    rows = rows[rows["period"] == period]
    if rows.empty:
        raise AnalysisError(f"{meta.id!r} has no rows for the baseline period {period!r}")
    if (rows["sex"] == "Persons").any():
        rows = rows[rows["sex"] == "Persons"]
    age = str(rows["age"].mode().iloc[0])
    rows = rows[rows["age"] == age]
    year = int(rows["year"].iloc[0])
    members = _site_members(programme, site_id, include_part)
    site = _aggregate(
        _context(rows, meta, pops),
        members,
        code=site_id,
        name=site_id,
        area_type=SITE_TYPE,
        published=_published_equivalent(members),
    )
    site_value = float(site["value"].iloc[0]) if not site.empty else math.nan
    if math.isnan(site_value):
        raise AnalysisError(f"{site_id!r} has no {meta.id!r} value in {period}; cannot match")
    sizes, words = pops.weights(members["area_code"], year, "All ages")
    site_population = sum(
        sizes[c] * s
        for c, s in zip(members["area_code"], members["share"], strict=True)
        if not math.isnan(sizes[c])
    )
    non_pioneer = set(_non_pioneer_codes(programme))
    candidates = rows[rows["area_code"].isin(non_pioneer) & rows["value"].notna()]
    sizes, _ = pops.weights(candidates["area_code"], year, "All ages")
    candidates = candidates.assign(population=candidates["area_code"].map(sizes))
    candidates = candidates[candidates["population"].notna() & (candidates["population"] > 0)]
    if len(candidates) < k:
        raise AnalysisError(
            f"only {len(candidates)} non-Pioneer districts have a {period} value and a "
            f"population; ask for k <= {len(candidates)}"
        )
    squared = pd.Series(0.0, index=candidates.index)
    if "value" in features:
        values = candidates["value"].astype(float)
        squared += ((values - site_value) / values.std(ddof=0)) ** 2
    if "population" in features:
        logs = np.log10(candidates["population"].astype(float))
        squared += ((logs - math.log10(site_population)) / logs.std(ddof=0)) ** 2
    chosen = (
        candidates.assign(distance=np.sqrt(squared))
        .sort_values(["distance", "area_code"], kind="stable")
        .head(k)
    )
    size_words = words.split(";")[0].replace("populations", "population")
    described = {"value": f"the {period} value", "population": f"log10 of the {size_words}"}
    note = (
        f"the {k} non-Pioneer districts nearest the site on "
        f"{' and '.join(described[f] for f in features)}, each standardised by its spread "
        f"among {len(candidates)} candidates (distances "
        f"{chosen['distance'].min():.2f}–{chosen['distance'].max():.2f}): "
        f"{_names(list(chosen['area_name']), limit=k)}"
    )
    return Comparator(
        "matched",
        f"Matched group ({k} districts)",
        "matched",
        tuple(chosen["area_code"]),
        note=note,
    )


def comparator_values(
    data: pd.DataFrame,
    comparator: Comparator,
    indicator: Indicator | str | None = None,
    *,
    population: pd.DataFrame | None = None,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """Indicator-frame rows for a comparator (``area_code`` = the comparator's id).

    Where the data hold the comparator's own published row (``comparator.code``, e.g.
    England E92000001) for a period, it is used as published; otherwise the comparator's
    districts are aggregated as for a site (see the module docstring).
    """
    _check_frame(data)
    pops = _population_index(population)
    published = [comparator.code] if comparator.code else []
    frames = []
    for meta in _metas(data, indicator, catalogue):
        frames.append(
            _aggregate(
                _context(data, meta, pops),
                comparator.members(),
                code=comparator.id,
                name=comparator.name,
                area_type=GROUP_TYPE,
                published=published,
            )
        )
    return _finish(pd.concat(frames, ignore_index=True))
