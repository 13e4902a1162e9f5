"""Analysis panels: one row per area and period, with the programme's treatment timing.

:func:`build_panel` turns the indicator frame (``pioneer.indicators.ingest``) or a tidy
frame into the :class:`AnalysisPanel` every impact estimator accepts. Treatment comes
from the programme registry: an area is treated from the first year of its site's
programme wave (the Pioneers: programme wave 1 from 2013/14, programme wave 2 from
2015/16, so adoption is staggered). Every exclusion is recorded in ``notes``.

:func:`panel_arrays` is the shared entry point of the estimators: it accepts a panel or a
plain frame with named columns, checks it and returns the columns they need.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pioneer.errors import AnalysisError, RegistryError
from pioneer.programme import Programme, load

#: First treated year (first calendar year of the financial year) by programme wave.
#: Programme wave 1 was announced in November 2013 (so 2013/14 is its first year); programme
#: wave 2 was announced in January 2015 to start in April 2015 (2015/16).
PIONEER_COHORT_YEARS: dict[int, int] = {1: 2013, 2: 2015}

#: Columns of :attr:`AnalysisPanel.frame`, in order.
PANEL_COLUMNS = (
    "area_code",
    "area_name",
    "year",
    "period",
    "outcome",
    "numerator",
    "population",
    "treated",
    "cohort",
    "post",
    "group",
    "site_id",
)

COMPARISON_GROUP = "non-Pioneer"


@dataclass(frozen=True, eq=False)
class AnalysisPanel:
    """An area × period panel with treatment timing, ready for the estimators.

    ``frame`` has :data:`PANEL_COLUMNS`, sorted by area and year; ``baseline`` and
    ``follow_up`` are (first year, last year); ``notes`` say what was excluded and why.
    """

    frame: pd.DataFrame
    outcome_name: str
    baseline: tuple[int, int]
    follow_up: tuple[int, int]
    programme_waves: tuple[int, ...] = (1,)
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        missing = [c for c in PANEL_COLUMNS if c not in self.frame.columns]
        if missing:
            raise ValueError(f"AnalysisPanel.frame lacks columns {missing}")

    @property
    def n_areas(self) -> int:
        """Number of areas (clusters)."""
        return int(self.frame["area_code"].nunique())

    @property
    def n_treated(self) -> int:
        """Number of ever-treated areas."""
        return int(self.frame.loc[self.frame["treated"], "area_code"].nunique())

    @property
    def years(self) -> tuple[int, ...]:
        """The years in the panel, ascending."""
        return tuple(int(y) for y in np.unique(self.frame["year"]))

    def areas(self) -> pd.DataFrame:
        """One row per area: code, name, group, cohort and site."""
        columns = ["area_code", "area_name", "group", "treated", "cohort", "site_id"]
        return self.frame.drop_duplicates("area_code")[columns].reset_index(drop=True)


# ---------------------------------------------------------------------------
# build_panel
# ---------------------------------------------------------------------------


def build_panel(
    data: pd.DataFrame,
    programme: str | Programme = "pioneers",
    *,
    outcome: str,
    programme_waves: Sequence[int] = (1,),
    exclude_other_waves: bool = True,
    include_part: bool = True,
    baseline: tuple[int, int] | None = None,
    follow_up: tuple[int, int] | None = None,
    drop_incomplete: bool = True,
    area_type: str | None = "District & UA",
    vintage: int = 2018,
    cohort_years: dict[int, int] | None = None,
    areas: Iterable[str] | None = None,
) -> AnalysisPanel:
    """Build the area × year panel for one outcome.

    ``data`` is the indicator frame (columns ``indicator_id, area_code, period|year,
    value``…; ``outcome`` is then an ``indicator_id``) or a tidy frame (``area_code``,
    ``period`` or ``year``, the column named by ``outcome``, optional ``area_name``,
    ``numerator`` and ``population``). Areas of the chosen ``programme_waves`` are
    treated from their cohort year (:data:`PIONEER_COHORT_YEARS` unless ``cohort_years``
    is given); areas of the other programme waves are dropped when
    ``exclude_other_waves`` (they are neither treated nor clean comparisons). With
    ``include_part=False`` only authorities a site covers whole count as treated, and
    authorities covered in part are dropped. Years outside ``baseline[0]..follow_up[1]``
    are dropped; with ``drop_incomplete`` so are areas with a missing outcome in the
    window. ``areas`` restricts the panel to these area codes (e.g. matched comparators).

    Raises :class:`AnalysisError` for a non-numeric outcome, duplicated area-periods, an
    unbalanced or too short panel, no treated or no comparison area, or a treated cohort
    with no pre-period.
    """
    if not isinstance(data, pd.DataFrame):
        raise AnalysisError(f"build_panel needs a pandas DataFrame, got {type(data).__name__}")
    registry = _registry(programme) if isinstance(programme, str) else programme
    waves = tuple(int(w) for w in programme_waves)
    if not waves:
        raise AnalysisError("programme_waves is empty; give at least one, e.g. (1,)")
    cohorts = dict(PIONEER_COHORT_YEARS if cohort_years is None else cohort_years)
    all_waves = tuple(int(w) for w in registry.waves["programme_wave"])
    for wave in waves:
        if wave not in all_waves:
            raise AnalysisError(
                f"programme {registry.id!r} has no programme wave {wave}; "
                f"use one of {', '.join(map(str, all_waves))}"
            )
    for wave in all_waves:
        if wave not in cohorts:
            raise AnalysisError(
                f"no first treated year for programme wave {wave}; pass cohort_years="
                f"{{{wave}: YEAR}}"
            )

    notes: list[str] = []
    frame = _tidy(data, outcome, area_type, notes)
    if areas is not None:
        wanted = {str(a) for a in areas}
        frame = frame[frame["area_code"].isin(wanted)]
        notes.append(f"restricted to {len(wanted)} given areas")

    # Treatment from the registry.
    assignment = _assignment(registry, all_waves, vintage, cohorts)
    chosen = assignment[assignment["programme_wave"].isin(waves)]
    other = assignment[~assignment["programme_wave"].isin(waves)]
    drop: dict[str, str] = {}
    if exclude_other_waves:
        for code in sorted(set(other["area_code"]) - set(chosen["area_code"])):
            drop[code] = "in a site of another programme wave"
    if include_part:
        treated_rows = chosen
    else:
        treated_rows = chosen[chosen["coverage"] == "whole"]
        part = set(chosen["area_code"]) - set(treated_rows["area_code"])
        for code in sorted(part):
            drop[code] = "covered only in part by a site"
    per_area = (
        treated_rows.sort_values(["cohort", "site_id"])
        .groupby("area_code", sort=True)
        .agg(
            cohort=("cohort", "min"),
            programme_wave=("programme_wave", "min"),
            site_id=("site_id", lambda s: ";".join(dict.fromkeys(s))),
        )
    )
    if drop:
        present = sorted(set(drop) & set(frame["area_code"]))
        if present:
            reasons = sorted(set(drop[c] for c in present))
            notes.append(
                f"excluded {len(present)} areas ({'; '.join(reasons)}): {_listing(present)}"
            )
        frame = frame[~frame["area_code"].isin(set(drop))]

    # Windows.
    all_years = sorted(set(frame["year"].tolist()))
    if not all_years:
        raise AnalysisError(f"no rows for outcome {outcome!r} after the exclusions")
    first_cohort = min(cohorts[w] for w in waves)
    if baseline is None and all_years[0] >= first_cohort:
        raise AnalysisError(
            f"the treated group has no pre-period: the data start in {all_years[0]}, when "
            f"cohort {first_cohort} is treated; give data from before {first_cohort}"
        )
    if baseline is None:
        baseline = (all_years[0], first_cohort - 1)
    if follow_up is None:
        follow_up = (first_cohort, all_years[-1])
    baseline = (int(baseline[0]), int(baseline[1]))
    follow_up = (int(follow_up[0]), int(follow_up[1]))
    if baseline[0] > baseline[1] or follow_up[0] > follow_up[1] or baseline[1] >= follow_up[0]:
        raise AnalysisError(
            f"baseline {baseline} must come before follow_up {follow_up}, each as "
            "(first year, last year), e.g. baseline=(2010, 2012), follow_up=(2013, 2015)"
        )
    in_window = frame["year"].between(baseline[0], follow_up[1])
    frame = frame[in_window]

    # Missing outcomes.
    missing = frame["outcome"].isna()
    if missing.any():
        codes = sorted(set(frame.loc[missing, "area_code"]))
        if drop_incomplete:
            notes.append(
                f"excluded {len(codes)} areas with a missing outcome in "
                f"{baseline[0]}-{follow_up[1]}: {_listing(codes)}"
            )
            frame = frame[~frame["area_code"].isin(codes)]
        else:
            frame = frame[~missing]

    frame = frame.sort_values(["area_code", "year"]).reset_index(drop=True)
    info = per_area.reindex(frame["area_code"])
    cohort = info["cohort"].fillna(0).astype("int64").to_numpy()
    treated = cohort > 0
    wave_of = info["programme_wave"].fillna(0).astype("int64").to_numpy()
    frame["treated"] = treated
    frame["cohort"] = cohort
    frame["post"] = treated & (frame["year"].to_numpy() >= cohort)
    frame["group"] = np.where(treated, [f"Pioneer (wave {w})" for w in wave_of], COMPARISON_GROUP)
    frame["site_id"] = info["site_id"].fillna("").astype(str).to_numpy()
    frame = frame.loc[:, list(PANEL_COLUMNS)]
    frame["group"] = frame["group"].astype(str)

    _check_design(frame, "area_code", "year", "cohort", require_balanced=True)
    return AnalysisPanel(
        frame=frame,
        outcome_name=outcome,
        baseline=baseline,
        follow_up=follow_up,
        programme_waves=waves,
        notes=tuple(notes),
    )


def _listing(values: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def _assignment(
    registry: Programme, waves: tuple[int, ...], vintage: int, cohorts: dict[int, int]
) -> pd.DataFrame:
    """Each (site, area) of the registry with its programme wave, cohort and coverage.

    The same codes as ``Programme.lad_codes(site, vintage, include_part)``, read from the
    registry's tables at once rather than site by site.
    """
    column = f"lad{vintage % 100}cd"
    if column not in registry.areas.columns:
        raise RegistryError(f"no {vintage} local authority codes in the registry; use 2018")
    sites = registry.sites.loc[registry.sites["programme_wave"].isin(waves)]
    merged = sites[["site_id", "programme_wave"]].merge(
        registry.areas[["site_id", column, "coverage"]], on="site_id", how="inner"
    )
    wave = merged["programme_wave"].astype("int64")
    return pd.DataFrame(
        {
            "site_id": merged["site_id"].astype(str),
            "programme_wave": wave,
            "cohort": wave.map(cohorts).astype("int64"),
            "area_code": merged[column].astype(str),
            "coverage": merged["coverage"].astype(str),
        }
    )


@functools.lru_cache(maxsize=8)
def _registry(programme_id: str) -> Programme:
    """A packaged registry, read once per process (registries are immutable)."""
    return load(programme_id)


def _tidy(
    data: pd.DataFrame, outcome: str, area_type: str | None, notes: list[str]
) -> pd.DataFrame:
    """Rows of one outcome as area_code, area_name, year, period, outcome, numerator, population."""
    if "indicator_id" in data.columns and "value" in data.columns:
        source = data[data["indicator_id"] == outcome]
        if source.empty:
            found = sorted(set(data["indicator_id"].astype(str)))
            raise AnalysisError(
                f"no indicator {outcome!r} in the indicator frame; found {_listing(found)}"
            )
        if area_type is not None and "area_type" in source.columns:
            source = source[source["area_type"] == area_type]
            if source.empty:
                raise AnalysisError(
                    f"indicator {outcome!r} has no rows of area type {area_type!r}; "
                    "pass area_type=None to keep every area type"
                )
        value_column, population_column = "value", "denominator"
        for column in ("sex", "age"):
            if column in source.columns and source[column].nunique() > 1:
                raise AnalysisError(
                    f"indicator {outcome!r} has several {column} breakdowns "
                    f"({_listing(sorted(set(source[column].astype(str))))}); filter the "
                    "frame to one before building the panel"
                )
    else:
        source = data
        if outcome not in source.columns:
            raise AnalysisError(
                f"the frame has no outcome column {outcome!r}; its columns are "
                f"{', '.join(map(str, source.columns))}. Pass outcome=<column name>, or an "
                "indicator frame with indicator_id and value"
            )
        value_column, population_column = outcome, "population"
    if "area_code" not in source.columns:
        raise AnalysisError("the frame has no 'area_code' column; name the area column area_code")
    if "year" not in source.columns and "period" not in source.columns:
        raise AnalysisError("the frame needs a 'year' or a 'period' column (e.g. 2013/14)")

    out = pd.DataFrame(index=source.index)
    out["area_code"] = source["area_code"].astype(str)
    names = source["area_name"] if "area_name" in source.columns else source["area_code"]
    out["area_name"] = names.astype(str)
    if "year" in source.columns:
        years = _numeric(source["year"], "year")
        if (years.isna() | (years != np.round(years))).any():
            bad = source.loc[years.isna() | (years != np.round(years)), "year"].iloc[0]
            raise AnalysisError(f"column 'year' holds {bad!r}; years must be whole numbers")
        out["year"] = years.astype("int64")
    else:
        out["year"] = [_year_of(p) for p in source["period"]]
    if "period" in source.columns:
        out["period"] = source["period"].astype(str)
    else:
        out["period"] = out["year"].astype(str)
    out["outcome"] = _numeric(source[value_column], value_column)
    for target, column in (("numerator", "numerator"), ("population", population_column)):
        if column in source.columns:
            out[target] = _numeric(source[column], column)
        else:
            out[target] = np.nan
    duplicated = out.duplicated(["area_code", "year"], keep=False)
    if duplicated.any():
        first = out[duplicated].iloc[0]
        count = int(duplicated.sum())
        raise AnalysisError(
            f"{count} rows share an area and period, e.g. area {first['area_code']!r} in "
            f"{first['period']!r} (row {_row_label(out[duplicated].index[0])}); keep one row per "
            "area and period (filter to one sex, age band or indicator first)"
        )
    return out.reset_index(drop=True)


def _row_label(index: object) -> str:
    return str(int(index) + 1) if isinstance(index, int | np.integer) else str(index)


def _year_of(period: object) -> int:
    from pioneer.indicators.ingest import period_year

    try:
        return period_year(str(period))
    except ValueError:
        raise AnalysisError(
            f"column 'period' holds {period!r}, not a period; expected e.g. 2013/14 or 2013"
        ) from None


def _numeric(column: pd.Series, name: str) -> pd.Series:
    """A float column, or an :class:`AnalysisError` naming the first non-numeric value."""
    if pd.api.types.is_bool_dtype(column):
        raise AnalysisError(f"column {name!r} is boolean; it must hold numbers")
    values = pd.to_numeric(column, errors="coerce")
    bad = values.isna() & column.notna()
    if pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column):
        bad &= column.astype(str).str.strip().ne("")
    if bad.any():
        where = column.index[bad.to_numpy()][0]
        raise AnalysisError(
            f"column {name!r} is not numeric: row {_row_label(where)} holds "
            f"{column.loc[where]!r}; give numbers (blank for missing)"
        )
    return values.astype("float64")


# ---------------------------------------------------------------------------
# Shared checks and arrays for the estimators
# ---------------------------------------------------------------------------


def _check_design(
    frame: pd.DataFrame,
    unit: str,
    time: str,
    cohort: str | None,
    *,
    require_balanced: bool,
) -> None:
    """The design checks of a built panel, each an :class:`AnalysisError`."""
    years = np.unique(frame[time].to_numpy())
    if len(years) < 2:
        raise AnalysisError(
            f"the panel has {len(years)} period(s); at least two are needed (one before and "
            "one after the start of treatment)"
        )
    if frame.duplicated([unit, time]).any():
        row = frame[frame.duplicated([unit, time], keep=False)].iloc[0]
        raise AnalysisError(
            f"duplicated area-period: {unit}={row[unit]!r}, {time}={row[time]!r}; keep one row "
            "per area and period"
        )
    counts = frame.groupby(unit, sort=False)[time].size()
    if require_balanced and counts.nunique() > 1:
        short = counts[counts < counts.max()]
        raise AnalysisError(
            f"unbalanced panel: {len(short)} areas lack some of the {counts.max()} periods, "
            f"e.g. {short.index[0]!r} has {int(short.iloc[0])}; drop them "
            "(build_panel(drop_incomplete=True)) or fill the gaps"
        )
    if cohort is not None and cohort in frame.columns:
        cohorts = frame[cohort].to_numpy()
        if not (cohorts > 0).any():
            raise AnalysisError(
                "no treated area in the panel: every area is a comparison area; check the "
                "programme waves and the area codes (2018 district codes for Fingertips)"
            )
        if (cohorts > 0).all():
            raise AnalysisError(
                "no comparison area in the panel: every area is treated; include non-Pioneer areas"
            )
        first = years.min()
        early = np.unique(cohorts[(cohorts > 0) & (cohorts <= first)])
        if len(early):
            raise AnalysisError(
                f"treated cohort {int(early[0])} has no pre-period: the panel starts in "
                f"{int(first)}; start the baseline before {int(early[0])}"
            )


def _check_arrays(
    u: np.ndarray,
    t: np.ndarray,
    d: np.ndarray,
    unit_labels: pd.Index,
    time_labels: pd.Index,
    unit: str,
    time: str,
    treat: str,
    require_balanced: bool,
) -> None:
    """The design checks on sorted integer codes (fast: estimators call this often)."""
    n_time = len(time_labels)
    if n_time < 2:
        raise AnalysisError(
            f"the panel has {n_time} period(s); at least two are needed (one before and "
            "one after the start of treatment)"
        )
    same = np.flatnonzero((u[1:] == u[:-1]) & (t[1:] == t[:-1]))
    if len(same):
        i = same[0]
        raise AnalysisError(
            f"duplicated area-period: {unit}={unit_labels[u[i]]!r}, "
            f"{time}={time_labels[t[i]]!r}; keep one row per area and period"
        )
    counts = np.bincount(u)
    if require_balanced and counts.min() < counts.max():
        short = int(np.argmin(counts))
        raise AnalysisError(
            f"unbalanced panel: {int((counts < counts.max()).sum())} areas lack some of the "
            f"{counts.max()} periods, e.g. {unit_labels[short]!r} has {counts[short]}; drop "
            "them (build_panel(drop_incomplete=True)) or fill the gaps"
        )
    if not d.any():
        raise AnalysisError(f"no treated observation: column {treat!r} is never true")
    if d.all():
        raise AnalysisError(f"every observation is treated (column {treat!r})")
    starts = np.flatnonzero(np.r_[True, u[1:] != u[:-1]])
    ever = np.maximum.reduceat(d, starts) > 0
    if (d[starts][ever] > 0).all():
        raise AnalysisError(
            f"the treated group has no pre-period: every area with {treat!r} true is "
            "treated from its first period; start the panel before treatment"
        )


@dataclass(frozen=True)
class PanelArrays:
    """The columns an estimator needs, as numpy arrays, rows sorted by unit then time."""

    y: np.ndarray
    d: np.ndarray
    unit: np.ndarray  # integer codes 0..G-1
    time: np.ndarray  # integer codes 0..T-1
    unit_labels: np.ndarray
    time_labels: np.ndarray
    weights: np.ndarray | None
    population: np.ndarray | None
    outcome_name: str
    frame: pd.DataFrame
    cluster: np.ndarray | None = None  # integer codes; None: the units are the clusters


def panel_arrays(
    data: AnalysisPanel | pd.DataFrame,
    *,
    outcome: str = "outcome",
    unit: str = "area_code",
    time: str = "year",
    treat: str = "post",
    weights: str | None = None,
    population: str | None = None,
    cluster: str | None = None,
    require_balanced: bool = False,
) -> PanelArrays:
    """Check a panel (or a plain frame with these column names) and return its arrays.

    Rows are sorted by unit and time so that results do not depend on the row order.
    ``cluster`` names a column of cluster labels (e.g. ``site_id``); a blank label makes
    the area its own cluster, so comparison areas outside any site stand alone.
    """
    if isinstance(data, AnalysisPanel):
        frame = data.frame
        name = data.outcome_name
    elif isinstance(data, pd.DataFrame):
        frame = data
        name = outcome
    else:
        raise AnalysisError(f"expected an AnalysisPanel or a DataFrame, got {type(data).__name__}")
    needed = [outcome, unit, time, treat] + [c for c in (weights, population, cluster) if c]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise AnalysisError(
            f"the panel has no column(s) {', '.join(map(repr, missing))}; its columns are "
            f"{', '.join(map(str, frame.columns))}. Name them with outcome=, unit=, time=, "
            "treat=, weights= or population="
        )
    if frame.empty:
        raise AnalysisError("the panel has no rows")
    y = _numeric(frame[outcome], outcome)
    if y.isna().any():
        where = frame.index[y.isna().to_numpy()][0]
        raise AnalysisError(
            f"column {outcome!r} is missing in row {_row_label(where)} (area "
            f"{frame.loc[where, unit]!r}); drop incomplete areas first"
        )
    if not np.isfinite(y.to_numpy()).all():
        raise AnalysisError(f"column {outcome!r} holds infinite values")
    treat_col = frame[treat]
    if not (pd.api.types.is_bool_dtype(treat_col) or pd.api.types.is_numeric_dtype(treat_col)):
        raise AnalysisError(f"column {treat!r} must be true/false or 0/1")
    tvals = treat_col.astype("float64")
    if not tvals.isin([0.0, 1.0]).all():
        raise AnalysisError(f"column {treat!r} must be true/false or 0/1, found other values")
    unit_codes, unit_labels = pd.factorize(frame[unit].astype(str), sort=True)
    time_codes, time_labels = pd.factorize(frame[time], sort=True)
    order = np.lexsort((time_codes, unit_codes))  # by unit label, then time
    u, t = np.asarray(unit_codes)[order], np.asarray(time_codes)[order]
    d = tvals.to_numpy()[order]
    _check_arrays(u, t, d, unit_labels, time_labels, unit, time, treat, require_balanced)
    w = None
    if weights:
        w = _numeric(frame[weights], weights).to_numpy()[order]
        if np.isnan(w).any() or (w <= 0).any():
            raise AnalysisError(f"weights column {weights!r} must be positive and not missing")
    p = None
    if population:
        p = _numeric(frame[population], population).to_numpy()[order]
        if np.isnan(p).any() or (p <= 0).any():
            raise AnalysisError(
                f"population column {population!r} must be positive and not missing"
            )
    cluster_codes = None
    if cluster:
        labels = frame[cluster].fillna("").astype(str).str.strip().to_numpy()[order]
        areas = np.asarray(unit_labels)[u].astype(str)
        keyed = np.where(
            labels == "", np.char.add("area:", areas), np.char.add("cluster:", labels.astype(str))
        )
        cluster_codes = np.asarray(pd.factorize(keyed, sort=True)[0])
        pairs = np.unique(np.column_stack([u, cluster_codes]), axis=0)
        if len(pairs) != len(unit_labels):
            raise AnalysisError(
                f"cluster column {cluster!r} changes within an area; each area must lie in "
                "one cluster"
            )
    work = pd.DataFrame({"_y": y.to_numpy()[order], "_d": d, "_u": u, "_t": t})
    return PanelArrays(
        cluster=cluster_codes,
        y=work["_y"].to_numpy(),
        d=d,
        unit=u,
        time=t,
        unit_labels=np.asarray(unit_labels),
        time_labels=np.asarray(time_labels),
        weights=w,
        population=p,
        outcome_name=name,
        frame=work,
    )
