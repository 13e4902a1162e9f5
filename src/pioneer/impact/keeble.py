"""The two-group pre/post comparison of Keeble et al. (BMJ Open 2019;9:e026509).

Keeble and colleagues compared emergency admission rates of programme wave 1 Pioneer
local authorities with those of non-Pioneer authorities: a baseline of April 2010 to
March 2013 (2010/11–2012/13) against follow-ups to 2014/15 and to 2015/16, reporting each
group's % change from baseline (1.93% for Pioneers against 4.84% for non-Pioneers to
2014/15, p = 0.0379; a smaller, non-significant difference to 2015/16, p = 0.1879).

Here each area's % change is its follow-up rate over its own baseline mean, minus one;
each group's change is the mean of its areas' changes, and the two are compared by
Welch's unequal-variance t test (areas are the independent units; the groups differ in
size and spread, so the variances are not pooled). The group-level rates (the pooled
view Keeble reported) are in ``details["group_rates"]``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from pioneer.errors import AnalysisError
from pioneer.impact.panel import AnalysisPanel, _numeric
from pioneer.impact.results import TIDY_COLUMNS, ImpactResult

FollowUp = int | tuple[int, int]


def keeble_two_group(
    data: AnalysisPanel | pd.DataFrame,
    *,
    outcome: str = "outcome",
    unit: str = "area_code",
    time: str = "year",
    treated: str = "treated",
    baseline: tuple[int, int] = (2010, 2012),
    follow_ups: Sequence[FollowUp] = (2014, 2015),
    cohort: int | None = None,
    population: str | None = "population",
    confidence: float = 0.95,
) -> ImpactResult:
    """Each group's mean % change from baseline, their difference and Welch's t test.

    ``follow_ups`` are years (a year alone: ``2014`` is 2014/15) or (first, last) windows
    whose mean is compared with the ``baseline`` window's mean. ``treated`` names the
    ever-treated flag (taken as ``cohort > 0`` when the frame has a cohort column only);
    from a panel with several cohorts pass ``cohort`` to choose the
    treated one (the others are left out, as Keeble left out programme wave 2).
    """
    frame, name, notes = _frame(data, outcome, unit, time, treated, cohort)
    windows = [_window(f) for f in follow_ups]
    if not windows:
        raise AnalysisError("follow_ups is empty; give at least one year, e.g. (2014, 2015)")
    b0, b1 = int(baseline[0]), int(baseline[1])
    if b0 > b1:
        raise AnalysisError(f"baseline {baseline} must be (first year, last year)")
    labels = _labels(frame, time)

    base = _window_mean(frame, unit, time, outcome, (b0, b1), "baseline")
    rows, area_tables, rate_rows = [], [], []
    flags = frame.drop_duplicates(unit).set_index(unit)[treated].astype(bool)
    for window in windows:
        if window[0] <= b1:
            raise AnalysisError(
                f"follow-up {window} overlaps the baseline {baseline}; follow-ups come after"
            )
        follow = _window_mean(frame, unit, time, outcome, window, "follow-up")
        change = 100 * (follow / base - 1)
        label = _window_label(window, labels)
        is_treated = flags.reindex(change.index).to_numpy()
        tr, co = change[is_treated].to_numpy(), change[~is_treated].to_numpy()
        if len(tr) < 2 or len(co) < 2:
            raise AnalysisError(
                f"each group needs at least two areas for the test; found {len(tr)} treated "
                f"and {len(co)} comparison areas"
            )
        for group, values in (("treated", tr), ("comparison", co)):
            mean = values.mean()
            se = values.std(ddof=1) / np.sqrt(len(values))
            rows.append(
                _t_row(f"{group} % change to {label}", mean, se, len(values) - 1, confidence)
            )
        test = stats.ttest_ind(tr, co, equal_var=False)
        se_diff = np.sqrt(tr.var(ddof=1) / len(tr) + co.var(ddof=1) / len(co))
        row = _t_row(
            f"difference to {label}", tr.mean() - co.mean(), se_diff, float(test.df), confidence
        )
        row[4] = float(test.pvalue)
        rows.append(row)
        area_tables.append(
            pd.DataFrame(
                {
                    unit: change.index,
                    "follow_up": label,
                    "group": np.where(is_treated, "treated", "comparison"),
                    "baseline": base.reindex(change.index).to_numpy(),
                    "follow_up_value": follow.to_numpy(),
                    "pct_change": change.to_numpy(),
                }
            )
        )
        rate_rows += _group_rates(
            frame, unit, time, outcome, population, flags, (b0, b1), window, label
        )

    terms = pd.DataFrame(rows, columns=list(TIDY_COLUMNS))
    first = terms.iloc[:3]
    base_label = _window_label((b0, b1), labels)
    summary = (
        f"Two-group comparison on {name} (Keeble et al. 2019 design): from the {base_label} "
        f"baseline to {_window_label(windows[0], labels)}, treated areas changed by "
        f"{first.iloc[0].estimate:.2f}% on average and comparison areas by "
        f"{first.iloc[1].estimate:.2f}%; the difference of {first.iloc[2].estimate:.2f} "
        f"percentage points has Welch t-test p = {first.iloc[2].p_value:.3g}. A simple "
        "before-after comparison: it adjusts for nothing but each area's own baseline."
    )
    return ImpactResult(
        name="keeble_two_group",
        estimator="Two-group pre/post comparison (Keeble et al. 2019)",
        outcome=name,
        terms=terms,
        method=(
            f"Each area's % change from its {base_label} mean; group means of the area "
            "changes with one-sample t intervals; difference by Welch's two-sample t test "
            "(unequal variances, Welch–Satterthwaite df)."
        ),
        n_obs=len(frame),
        n_clusters=int(frame[unit].nunique()),
        confidence=confidence,
        notes=notes,
        details={
            "areas": pd.concat(area_tables, ignore_index=True),
            "group_rates": pd.DataFrame(rate_rows),
        },
        summary_text=summary,
    )


def _frame(
    data: AnalysisPanel | pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated: str,
    cohort: int | None,
) -> tuple[pd.DataFrame, str, tuple[str, ...]]:
    notes: list[str] = []
    if isinstance(data, AnalysisPanel):
        frame, name, notes = data.frame, data.outcome_name, list(data.notes)
    elif isinstance(data, pd.DataFrame):
        frame, name = data, outcome
    else:
        raise AnalysisError(f"expected an AnalysisPanel or a DataFrame, got {type(data).__name__}")
    if treated not in frame.columns and "cohort" in frame.columns:
        frame = frame.assign(**{treated: pd.to_numeric(frame["cohort"], errors="coerce") > 0})
    missing = [c for c in (outcome, unit, time, treated) if c not in frame.columns]
    if missing:
        raise AnalysisError(
            f"the panel has no column(s) {', '.join(map(repr, missing))}; name them with "
            "outcome=, unit=, time= and treated="
        )
    frame = frame.copy()
    frame[outcome] = _numeric(frame[outcome], outcome)
    if frame.duplicated([unit, time]).any():
        row = frame[frame.duplicated([unit, time])].iloc[0]
        raise AnalysisError(
            f"duplicated area-period: {row[unit]!r} in {row[time]!r}; keep one row per area "
            "and period"
        )
    if "cohort" in frame.columns:
        cohorts = sorted(set(int(c) for c in frame["cohort"] if c > 0))
        if cohort is None and len(cohorts) > 1:
            raise AnalysisError(
                f"the panel has several treated cohorts ({cohorts}); pass cohort= to choose "
                "the treated group (Keeble compared programme wave 1: cohort=2013)"
            )
        if cohort is not None:
            if cohort not in cohorts:
                raise AnalysisError(f"no cohort {cohort} in the panel; found {cohorts}")
            other = (frame["cohort"] > 0) & (frame["cohort"] != cohort)
            if other.any():
                notes.append(f"left out {frame.loc[other, unit].nunique()} areas of other cohorts")
            frame = frame[~other]
    if not frame[treated].astype(bool).any():
        raise AnalysisError("no treated area in the panel")
    if frame[treated].astype(bool).all():
        raise AnalysisError("no comparison area in the panel")
    return frame, name, tuple(notes)


def _window(follow_up: FollowUp) -> tuple[int, int]:
    if isinstance(follow_up, int | np.integer):
        return int(follow_up), int(follow_up)
    first, last = follow_up
    if int(first) > int(last):
        raise AnalysisError(f"follow-up {follow_up} must be (first year, last year)")
    return int(first), int(last)


def _labels(frame: pd.DataFrame, time: str) -> dict[int, str]:
    if "period" in frame.columns:
        pairs = frame.drop_duplicates(time)[[time, "period"]]
        return {int(y): str(p) for y, p in zip(pairs[time], pairs["period"], strict=True)}
    return {}


def _window_label(window: tuple[int, int], labels: dict[int, str]) -> str:
    first = labels.get(window[0], str(window[0]))
    last = labels.get(window[1], str(window[1]))
    return first if window[0] == window[1] else f"{first}–{last}"


def _window_mean(
    frame: pd.DataFrame, unit: str, time: str, outcome: str, window: tuple[int, int], what: str
) -> pd.Series:
    """Each area's mean outcome over the window; every area needs every year of it."""
    years = frame[time].astype(int)
    rows = frame[years.between(*window)]
    need = window[1] - window[0] + 1
    counts = rows.groupby(unit)[outcome].count().reindex(frame[unit].unique(), fill_value=0)
    if (counts < need).any():
        short = counts[counts < need]
        raise AnalysisError(
            f"{len(short)} areas lack {what} data for {window[0]}-{window[1]}, e.g. "
            f"{short.index[0]!r}; the panel must cover the {what} window"
        )
    means = rows.groupby(unit)[outcome].mean()
    if what == "baseline" and (means <= 0).any():
        raise AnalysisError(
            f"area {means[means <= 0].index[0]!r} has a baseline of zero or less; a % "
            "change needs a positive baseline"
        )
    return means


def _t_row(term: str, estimate: float, se: float, df: float, confidence: float) -> list:
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = np.float64(estimate) / np.float64(se)
    p_value = 2 * stats.t.sf(abs(statistic), df)
    half = stats.t.ppf(0.5 + confidence / 2, df) * se
    return [term, estimate, se, statistic, p_value, estimate - half, estimate + half]


def _group_rates(
    frame: pd.DataFrame,
    unit: str,
    time: str,
    outcome: str,
    population: str | None,
    flags: pd.Series,
    baseline: tuple[int, int],
    window: tuple[int, int],
    label: str,
) -> list[dict]:
    """Each group's rate over each window: population-weighted where populations exist."""
    out = []
    years = frame[time].astype(int)
    has_pop = population is not None and population in frame.columns
    pop = _numeric(frame[population], population) if has_pop else None
    weighted = bool(has_pop and pop.notna().all() and (pop > 0).all())
    for group, is_t in (("treated", True), ("comparison", False)):
        areas = flags.index[flags.to_numpy() == is_t]
        rates = []
        for win in (baseline, window):
            mask = frame[unit].isin(areas) & years.between(*win)
            values = frame.loc[mask, outcome].to_numpy()
            if weighted:
                w = pop[mask].to_numpy()
                rates.append(float(np.sum(values * w) / np.sum(w)))
            else:
                rates.append(float(np.mean(values)))
        out.append(
            {
                "follow_up": label,
                "group": group,
                "areas": len(areas),
                "baseline_rate": rates[0],
                "follow_up_rate": rates[1],
                "pct_change": 100 * (rates[1] / rates[0] - 1),
                "weighting": "population" if weighted else "areas equally",
            }
        )
    return out
