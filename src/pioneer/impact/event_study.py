"""Event study: leads and lags of treatment in a two-way fixed-effects regression.

The outcome is regressed on area and year fixed effects and one indicator per event time
(year minus the area's first treated year), with the period before treatment (−1) as the
reference and the far ends binned (all earlier leads in the first bin, all later lags in the
last). Never-treated areas carry no event indicators and anchor the year effects.

Standard errors are cluster-robust by area with the CR1 correction
``G/(G−1) × (N−1)/(N−K)``. By default (``fe_dof="nested"``) K counts the area effects as
one, since they are nested in the clusters — Stata's ``xtreg, fe vce(cluster)``, fixest's
default and :mod:`pioneer.impact.did`'s; ``fe_dof="full"`` counts every area effect, as R's
``lm`` with area dummies and ``sandwich::vcovCL(type = "HC1")`` (and Stata's ``areg``) do. Tests and
intervals use Student's t with G−1 degrees of freedom. The joint pre-trend test is a Wald
test that every lead is zero, reported as F = W/q on (q, G−1) degrees of freedom, with the
chi-square(q) p-value beside it.

This module also holds the input checks and the small TWFE solver the other designs of
this part share (:mod:`pioneer.impact.staggered`, :mod:`pioneer.impact.placebo`…).

References: Freyaldenhoven, Hansen, Pérez Pérez & Shapiro (2021), *Visualization, identification
and estimation in the linear panel event-study design*, NBER w29170; Cameron & Miller (2015),
*A practitioner's guide to cluster-robust inference*, J. Human Resources 50(2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from pioneer.errors import AnalysisError
from pioneer.impact.did import fe_ols
from pioneer.impact.results import TIDY_COLUMNS, ImpactResult

__all__ = ["event_study"]

#: How the area effects count in the CR1 correction's K (see the module docstring).
FE_DOF = ("nested", "full")


# ---------------------------------------------------------------------------------------------
# Input checks shared by this part's designs


def _check_panel(
    frame: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    cohort: str | None = None,
    extra: tuple[str, ...] = (),
    what: str = "the panel",
) -> pd.DataFrame:
    """A clean copy of ``frame`` with the named columns checked, or an :class:`AnalysisError`.

    Checks: the columns exist; the outcome is numeric and has no missing values; time is a
    whole number; no area has two rows for one period; the cohort (first treated year, 0 for
    never treated) is a whole number, constant within each area. The copy keeps only the
    named columns, with the unit as text, time and cohort as ``int`` and the outcome as
    ``float``, sorted by unit and time.
    """
    if not isinstance(frame, pd.DataFrame):
        raise AnalysisError(f"{what} must be a pandas DataFrame, not {type(frame).__name__}")
    wanted = [outcome, unit, time] + ([cohort] if cohort else []) + list(extra)
    missing = [c for c in dict.fromkeys(wanted) if c not in frame.columns]
    if missing:
        raise AnalysisError(
            f"{what} has no column(s) {missing}; it has {list(frame.columns)}. "
            "Fix: rename the columns or pass their names (outcome=, unit=, time=, cohort=)."
        )
    if frame.empty:
        raise AnalysisError(f"{what} has no rows")
    data = frame.loc[:, list(dict.fromkeys(wanted))].copy()
    data[outcome] = _numeric(data, outcome, unit, time, what)
    bad = data[outcome].isna()
    if bad.any():
        row = data.loc[bad].iloc[0]
        raise AnalysisError(
            f"{what}: column {outcome!r} is missing for {unit}={row[unit]!r}, "
            f"{time}={row[time]!r} ({int(bad.sum())} missing values). Fix: drop those areas "
            "or periods before the analysis (the panel builder's exclusions do this)."
        )
    data[time] = _whole(data, time, what)
    data[unit] = data[unit].astype(str)
    if cohort:
        data[cohort] = _whole(data, cohort, what)
        spread = data.groupby(unit, sort=False)[cohort].nunique()
        if (spread > 1).any():
            area = spread.index[spread > 1][0]
            raise AnalysisError(
                f"{what}: column {cohort!r} (first treated year) differs between the rows of "
                f"{unit}={area!r}. Fix: give each area one first treated year (0 if never "
                "treated)."
            )
        if (data[cohort] < 0).any():
            raise AnalysisError(
                f"{what}: column {cohort!r} has negative values; use 0 for never treated"
            )
    dup = data.duplicated([unit, time], keep=False)
    if dup.any():
        row = data.loc[dup].iloc[0]
        raise AnalysisError(
            f"{what} has {int(dup.sum())} rows that repeat an area-period, e.g. "
            f"{unit}={row[unit]!r}, {time}={row[time]!r}. Fix: keep one row per area and "
            "period (filter to one sex, age band and indicator first)."
        )
    return data.sort_values([unit, time], kind="mergesort").reset_index(drop=True)


def _numeric(data: pd.DataFrame, column: str, unit: str, time: str, what: str) -> pd.Series:
    series = data[column]
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        converted = pd.to_numeric(series.astype(object), errors="coerce")
        if pd.api.types.is_bool_dtype(series):
            converted = pd.Series(np.nan, index=series.index)
        bad = converted.isna() & series.notna()
        if bad.any():
            row = data.loc[bad].iloc[0]
            raise AnalysisError(
                f"{what}: column {column!r} must be numeric; found {row[column]!r} at "
                f"{unit}={row[unit]!r}, {time}={row[time]!r}. Fix: convert the column to "
                "numbers (suppressed or text values to missing, then drop them)."
            )
        series = converted
    return series.astype(float)


def _whole(data: pd.DataFrame, column: str, what: str) -> pd.Series:
    series = data[column]
    if pd.api.types.is_bool_dtype(series):
        raise AnalysisError(f"{what}: column {column!r} must hold years, not true/false")
    values = pd.to_numeric(series.astype(object), errors="coerce")
    bad = values.isna() | (values != values.round())
    if bad.any():
        value = series[bad].iloc[0]
        raise AnalysisError(
            f"{what}: column {column!r} must hold whole years; found {value!r}. "
            "Fix: use the first calendar year of the period (2013 for 2013/14)."
        )
    return values.astype(np.int64)


def _no_pre_period(data: pd.DataFrame, unit: str, time: str, cohort: str) -> None:
    """Raise if a treated area has no period before its first treated year."""
    first = data.groupby(unit, sort=False)[time].min()
    cohorts = data.groupby(unit, sort=False)[cohort].first()
    bad = cohorts[(cohorts > 0) & (first >= cohorts)]
    if len(bad):
        area = bad.index[0]
        raise AnalysisError(
            f"treated area {area!r} (first treated {int(bad.iloc[0])}) has no period before "
            f"treatment; its first period is {int(first[area])}. Fix: extend the baseline or "
            f"drop the {len(bad)} such area(s)."
        )


def _require_balanced(data: pd.DataFrame, unit: str, time: str, what: str) -> None:
    times = np.sort(data[time].unique())
    counts = data.groupby(unit, sort=False)[time].nunique()
    short = counts[counts < len(times)]
    if len(short):
        area = short.index[0]
        has = set(data.loc[data[unit] == area, time])
        gap = next(int(t) for t in times if t not in has)
        raise AnalysisError(
            f"{what} is unbalanced: {unit}={area!r} has no row for {time}={gap} "
            f"({len(short)} area(s) incomplete). Fix: drop incomplete areas (the panel "
            "builder's exclusions) or restrict the years."
        )


# ---------------------------------------------------------------------------------------------
# Two-way fixed effects with cluster-robust (CR1) errors


@dataclass(frozen=True)
class _Fit:
    coef: np.ndarray
    vcov: np.ndarray
    n_obs: int
    n_clusters: int
    n_params: int
    df: int


def _twfe(
    y: np.ndarray,
    x: np.ndarray,
    units: np.ndarray,
    times: np.ndarray,
    *,
    clusters: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    fe_dof: str = "nested",
) -> _Fit:
    """OLS of ``y`` on ``x`` with unit and time effects; CR1 variance by cluster (unit).

    :func:`pioneer.impact.did.fe_ols` on labels of any kind, keeping the coefficients of
    ``x`` only, with the event study's own advice when the design is collinear.
    """
    if fe_dof not in FE_DOF:
        raise AnalysisError(f"fe_dof must be one of {FE_DOF}; got {fe_dof!r}")
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float).reshape(len(y), -1)
    codes = [np.unique(a, return_inverse=True)[1] for a in (units, times)]
    cluster = None if clusters is None else np.unique(clusters, return_inverse=True)[1]
    try:
        fit = fe_ols(
            y,
            x,
            [f"x{j}" for j in range(x.shape[1])],
            codes[0],
            codes[1],
            weights=weights,
            cluster=cluster,
            fe_dof=fe_dof,  # type: ignore[arg-type]
        )
    except AnalysisError as error:
        if "collinear" not in str(error):
            raise
        raise AnalysisError(
            "the regression cannot separate the treatment terms from the area and year "
            "effects (collinear design): every area may be treated at the same time, or an "
            "event-time bin may coincide with a year. Fix: add never-treated areas or bin "
            "fewer event times."
        ) from None
    p = x.shape[1]
    return _Fit(
        coef=fit.beta[:p],
        vcov=fit.vcov[:p, :p],
        n_obs=fit.n_obs,
        n_clusters=fit.n_clusters,
        n_params=fit.k,
        df=fit.n_clusters - 1,
    )


def _terms(
    names: list[str], coef: np.ndarray, se: np.ndarray, df: float | None, confidence: float
) -> pd.DataFrame:
    """Tidy rows with t (df given) or normal (df None) tests and intervals."""
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = coef / se
    if df is None:
        p = 2 * stats.norm.sf(np.abs(stat))
        crit = stats.norm.ppf(0.5 + confidence / 2)
    else:
        p = 2 * stats.t.sf(np.abs(stat), df)
        crit = stats.t.ppf(0.5 + confidence / 2, df)
    return pd.DataFrame(
        {
            "term": names,
            "estimate": coef,
            "std_error": se,
            "statistic": stat,
            "p_value": p,
            "conf_low": coef - crit * se,
            "conf_high": coef + crit * se,
        },
        columns=list(TIDY_COLUMNS),
    )


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise AnalysisError(f"confidence must be between 0 and 1, e.g. 0.95; got {confidence!r}")


# ---------------------------------------------------------------------------------------------
# The event study


def _event_label(e: int, low: int | None, high: int | None) -> str:
    if low is not None and e == low:
        return f"event_time<={e}"
    if high is not None and e == high:
        return f"event_time>={e}"
    return f"event_time={e}"


def event_study(
    frame: pd.DataFrame,
    *,
    outcome: str = "outcome",
    unit: str = "area_code",
    time: str = "year",
    cohort: str = "cohort",
    leads: int | None = 3,
    lags: int | None = 3,
    weights: str | None = None,
    fe_dof: str = "nested",
    confidence: float = 0.95,
) -> ImpactResult:
    """Leads and lags of treatment with area and year effects and a joint pre-trend test.

    ``leads``/``lags`` are the outermost event times shown (−``leads`` … +``lags``); event
    times beyond them are binned into the end points. ``None`` keeps every event time
    (no binning). The reference period is −1. ``weights`` names a column of regression
    weights (e.g. population). ``cohort`` is the first treated year, 0 for never treated.
    ``fe_dof`` (``"nested"`` or ``"full"``) sets how the area effects count in CR1's K.
    Returns an :class:`ImpactResult` named ``event_study`` whose ``details`` hold
    ``coefficients`` (one row per event time, the reference with estimate 0) and
    ``pretrend_test``.
    """
    _check_confidence(confidence)
    for name, value in (("leads", leads), ("lags", lags)):
        if value is not None and (
            not isinstance(value, int) or value < (2 if name == "leads" else 0)
        ):
            raise AnalysisError(
                f"{name} must be a whole number ≥ {2 if name == 'leads' else 0} "
                f"(or None for no binning); got {value!r}"
            )
    extra = (weights,) if weights else ()
    data = _check_panel(frame, outcome=outcome, unit=unit, time=time, cohort=cohort, extra=extra)
    _no_pre_period(data, unit, time, cohort)
    w = None
    if weights:
        w = _numeric(data, weights, unit, time, "the panel").to_numpy()
        if np.isnan(w).any() or (w <= 0).any():
            raise AnalysisError(f"weights in column {weights!r} must be positive and present")
    treated = data[cohort].to_numpy() > 0
    if not treated.any():
        raise AnalysisError(
            f"no treated area (every {cohort!r} is 0); an event study needs treated areas"
        )
    event = np.where(treated, data[time].to_numpy() - data[cohort].to_numpy(), 0)
    low = -leads if leads is not None else None
    high = lags if lags is not None else None
    binned = event.copy()
    if low is not None:
        binned = np.maximum(binned, low)
    if high is not None:
        binned = np.minimum(binned, high)
    present = sorted(set(binned[treated].tolist()) - {-1})
    if -1 not in set(binned[treated].tolist()):
        raise AnalysisError("no treated area is observed in the reference period (event time −1)")
    # an end point is labelled as a bin (≤ / ≥) only when it pools more than its own year
    low_seen = (
        low
        if low is not None and (event[treated] <= low).sum() > (event[treated] == low).sum()
        else None
    )
    high_seen = (
        high
        if high is not None and (event[treated] >= high).sum() > (event[treated] == high).sum()
        else None
    )
    x = np.column_stack([(treated & (binned == e)).astype(float) for e in present])
    fit = _twfe(
        data[outcome].to_numpy(),
        x,
        data[unit].to_numpy(),
        data[time].to_numpy(),
        weights=w,
        fe_dof=fe_dof,
    )
    se = np.sqrt(np.clip(np.diag(fit.vcov), 0, None))
    names = [_event_label(e, low_seen, high_seen) for e in present]
    terms = _terms(names, fit.coef, se, fit.df, confidence)

    lead_index = [i for i, e in enumerate(present) if e < -1]
    pretrend = _wald(fit, lead_index, [names[i] for i in lead_index])

    counts = {e: int((treated & (binned == e)).sum()) for e in [*present, -1]}
    coefficients = terms.copy()
    coefficients.insert(0, "event_time", present)
    coefficients["binned"] = [e in (low_seen, high_seen) for e in present]
    coefficients["reference"] = False
    coefficients["n_treated_obs"] = [counts[e] for e in present]
    reference = pd.DataFrame(
        [
            {
                "event_time": -1,
                "term": "event_time=-1",
                "estimate": 0.0,
                "std_error": np.nan,
                "statistic": np.nan,
                "p_value": np.nan,
                "conf_low": 0.0,
                "conf_high": 0.0,
                "binned": False,
                "reference": True,
                "n_treated_obs": counts[-1],
            }
        ]
    )
    coefficients = (
        pd.concat([coefficients, reference], ignore_index=True)
        .sort_values("event_time", kind="mergesort")
        .reset_index(drop=True)
    )
    se_kind = (
        "K counting every area effect" if fe_dof == "full" else "the area effects counted once in K"
    )
    method = (
        "Two-way fixed-effects event study (area and year effects, reference event time −1"
        f"{', binned end points' if (low_seen or high_seen) else ''}"
        f"{', weighted by ' + weights if weights else ''}); cluster-robust CR1 standard "
        f"errors by area, G/(G−1)×(N−1)/(N−K) with {se_kind}; t tests on G−1 = {fit.df} df. "
        f"Pre-trend: Wald F = W/q on (q, G−1) df."
    )
    notes = [f"Reference period: event time −1 ({counts[-1]} treated area-periods)."]
    if low_seen is not None:
        notes.append(f"Event times ≤ {low_seen} are binned into one lead.")
    if high_seen is not None:
        notes.append(f"Event times ≥ {high_seen} are binned into one lag.")
    result = ImpactResult(
        name="event_study",
        estimator="Event study (TWFE leads and lags)",
        outcome=outcome,
        terms=terms,
        method=method,
        n_obs=fit.n_obs,
        n_clusters=fit.n_clusters,
        confidence=confidence,
        notes=tuple(notes),
        details={"coefficients": coefficients, "pretrend_test": pretrend},
        summary_text=_summary(terms, pretrend, outcome, fit, confidence),
    )
    return result


def _wald(fit: _Fit, index: list[int], names: list[str]) -> pd.DataFrame:
    """Joint Wald test that the coefficients at ``index`` are all zero."""
    q = len(index)
    if q == 0:
        return pd.DataFrame(
            [
                {
                    "hypothesis": "no leads to test",
                    "q": 0,
                    "wald": np.nan,
                    "f_statistic": np.nan,
                    "df1": 0,
                    "df2": fit.df,
                    "p_value": np.nan,
                    "p_value_chisq": np.nan,
                }
            ]
        )
    b = fit.coef[index]
    v = fit.vcov[np.ix_(index, index)]
    wald = float(b @ np.linalg.solve(v, b))
    f = wald / q
    p = np.nan if fit.df < q else float(stats.f.sf(f, q, fit.df))
    return pd.DataFrame(
        [
            {
                "hypothesis": "all leads = 0: " + ", ".join(names),
                "q": q,
                "wald": wald,
                "f_statistic": f,
                "df1": q,
                "df2": fit.df,
                "p_value": p,
                "p_value_chisq": float(stats.chi2.sf(wald, q)),
            }
        ]
    )


def _summary(
    terms: pd.DataFrame, pretrend: pd.DataFrame, outcome: str, fit: _Fit, confidence: float
) -> str:
    level = f"{100 * confidence:g}%"
    post = terms[[not t.startswith(("event_time=-", "event_time<=")) for t in terms["term"]]]
    parts = [
        f"Event study of {outcome} on {fit.n_obs} area-periods in {fit.n_clusters} areas, "
        "relative to the year before treatment."
    ]
    for row in post.itertuples(index=False):
        parts.append(
            f"{row.term.replace('event_time', 'Year')}: {row.estimate:.4g} "
            f"({level} CI {row.conf_low:.4g} to {row.conf_high:.4g})."
        )
    test = pretrend.iloc[0]
    if test["q"] > 0:
        verdict = (
            "no evidence against parallel pre-trends"
            if test["p_value"] >= 0.05
            else "evidence that the groups were already diverging before treatment"
        )
        parts.append(
            f"Joint test of the {int(test['q'])} leads: F = {test['f_statistic']:.3g} "
            f"on ({int(test['df1'])}, {int(test['df2'])}) df, p = {test['p_value']:.3g} — "
            f"{verdict}; a non-significant test is not proof of parallel trends."
        )
    return " ".join(parts)
