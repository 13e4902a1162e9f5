"""Synthetic control for one site (Abadie, Diamond & Hainmueller 2010).

The treated area's pre-treatment outcome path is reproduced by a weighted average of donor
areas, with non-negative weights that sum to one (a convex combination, so no
extrapolation beyond the donors). The weights minimise the (optionally year-weighted) sum
of squared pre-period gaps; :func:`synth_weights` finds them exactly with one scipy ``nnls``
problem (the simplex constraint is folded into it; see its docstring). The effect is the
gap between the treated area and its synthetic control after treatment.

Inference is by placebos in space (ADH 2010, the placebo studies; Abadie 2021): every donor
in turn is treated as if it were the site, with the other donors as its pool, and the ratio
of post- to pre-period root mean squared prediction error (RMSPE) is compared. The
permutation p-value is the share of the J + 1 areas (donors and the site) whose ratio is at
least the site's: the smallest attainable value is 1/(J + 1).

References: Abadie, Diamond & Hainmueller (2010), JASA 105(490), 493–505; Abadie (2021),
*Using synthetic controls: feasibility, data requirements, and methodological aspects*,
Journal of Economic Literature 59(2), 391–425.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize

from pioneer.errors import AnalysisError
from pioneer.impact.event_study import _check_panel, _require_balanced
from pioneer.impact.results import TIDY_COLUMNS, ImpactResult

__all__ = ["site_synthetic_control", "synth_weights", "synthetic_control"]

MIN_DONORS = 2
MIN_PRE_PERIODS = 2


def synth_weights(
    target: np.ndarray, donors: np.ndarray, v: np.ndarray | None = None
) -> np.ndarray:
    """Weights w ≥ 0, Σw = 1 minimising Σ_t v_t (target_t − donors_t · w)².

    ``target`` has one value per pre-period, ``donors`` one column per donor; ``v``
    optional non-negative period weights (default all 1).

    Solved exactly by one non-negative least-squares problem: with C = target·1′ − donors,
    the objective on the simplex is ‖Cw‖², and u = argmin_{u≥0} ‖Cu‖² + (1′u − 1)² is the
    minimiser scaled by 1/(1 + ‖Cw‖²) (for fixed s = 1′u the first term is s²‖Cw‖², so the
    best direction is the simplex minimiser whatever s is), hence w = u / 1′u.
    """
    target = np.asarray(target, dtype=float)
    donors = np.asarray(donors, dtype=float)
    n_donors = donors.shape[1]
    root = np.ones(len(target)) if v is None else np.sqrt(np.asarray(v, dtype=float))
    gaps = (target[:, None] - donors) * root[:, None]
    scale = float(np.abs(gaps).max())
    if scale == 0.0:  # every donor equals the target: any weights fit; spread them evenly
        return np.full(n_donors, 1.0 / n_donors)
    system = np.vstack([gaps / scale, np.ones((1, n_donors))])
    rhs = np.append(np.zeros(len(target)), 1.0)
    u, _ = optimize.nnls(system, rhs, maxiter=max(100, 50 * n_donors))
    if u.sum() <= 0:
        raise AnalysisError("the synthetic-control weights could not be found (NNLS failed)")
    w = u / u.sum()
    w[w < 1e-12] = 0.0
    return w / w.sum()


def synthetic_control(
    frame: pd.DataFrame,
    *,
    treated_unit: str,
    treatment_year: int,
    outcome: str = "outcome",
    unit: str = "area_code",
    time: str = "year",
    donors: Sequence[str] | None = None,
    cohort: str | None = "cohort",
    period_weights: Sequence[float] | None = None,
    placebo: bool = True,
) -> ImpactResult:
    """Synthetic control for ``treated_unit`` (an area code, or a site's aggregated series)
    first treated in ``treatment_year``.

    ``donors`` defaults to every other area; where the frame has a ``cohort`` column, areas
    with a cohort other than 0 (other treated areas) are left out of the default pool.
    ``period_weights`` weight the pre-period years in the fit (one per pre-period year).
    Returns an :class:`ImpactResult` named ``synthetic_control``: terms ``mean post-period
    gap`` (with the placebo p-value and, as statistic, the post/pre RMSPE ratio) and one
    ``gap YYYY`` per post year; ``details``: ``weights``, ``path``, ``fit`` and, with
    ``placebo``, ``placebo`` (RMSPEs and ratio of every area) and ``placebo_gaps``.
    """
    has_cohort = bool(cohort) and cohort in frame.columns
    extra = (cohort,) if has_cohort and cohort else ()
    data = _check_panel(frame, outcome=outcome, unit=unit, time=time, extra=extra)
    treated_unit = str(treated_unit)
    units = set(data[unit])
    if treated_unit not in units:
        raise AnalysisError(f"the treated area {treated_unit!r} is not in column {unit!r}")
    notes: list[str] = []
    if donors is None:
        pool = sorted(units - {treated_unit})
        if has_cohort and cohort:
            cohorts = pd.to_numeric(
                data.groupby(unit)[cohort].first().astype(object), errors="coerce"
            )
            treated_others = {u for u in pool if cohorts.get(u, 0) not in (0, 0.0)}
            if treated_others:
                pool = [u for u in pool if u not in treated_others]
                notes.append(f"{len(treated_others)} other treated area(s) left out of the donors.")
    else:
        pool = sorted({str(d) for d in donors} - {treated_unit})
        unknown = [d for d in pool if d not in units]
        if unknown:
            raise AnalysisError(f"donor area(s) {unknown[:5]} are not in column {unit!r}")
    if len(pool) < MIN_DONORS:
        raise AnalysisError(
            f"synthetic control needs at least {MIN_DONORS} donor areas; found {len(pool)}. "
            "Fix: widen the donor pool."
        )
    data = data[data[unit].isin([treated_unit, *pool])]
    _require_balanced(data, unit, time, "the synthetic-control panel")
    wide = data.pivot(index=time, columns=unit, values=outcome).sort_index()
    years = wide.index.to_numpy()
    pre = years < treatment_year
    if pre.sum() < MIN_PRE_PERIODS:
        raise AnalysisError(
            f"the treated area {treated_unit!r} has {int(pre.sum())} period(s) before "
            f"{treatment_year}; synthetic control needs at least {MIN_PRE_PERIODS} (more is "
            "better). Fix: extend the baseline."
        )
    if pre.all():
        raise AnalysisError(f"no period from {treatment_year} on: nothing to evaluate")
    v = None
    if period_weights is not None:
        v = np.asarray(period_weights, dtype=float)
        if v.shape != (int(pre.sum()),) or (v < 0).any() or v.sum() == 0:
            raise AnalysisError(
                f"period_weights needs {int(pre.sum())} non-negative values (one per pre-period "
                "year), not all zero"
            )

    def fit_one(target: str, pool_units: list[str]) -> tuple[np.ndarray, np.ndarray]:
        y0 = wide[pool_units].to_numpy()
        w = synth_weights(wide[target].to_numpy()[pre], y0[pre], v)
        return w, wide[target].to_numpy() - y0 @ w

    # A pre-period fit below this is exact up to rounding; ratios use it as the floor, so that
    # exact fits are ranked by their post-period RMSPE rather than by rounding noise.
    floor = 1e-9 * max(1.0, float(np.abs(wide.to_numpy()).mean()))

    def ratio_of(pre_value: float, post_value: float) -> float:
        return post_value / max(pre_value, floor)

    if len(pool) >= int(pre.sum()):
        notes.append(
            f"{len(pool)} donors for {int(pre.sum())} pre-period years: the pre-period can be "
            "fitted exactly by many weightings (overfitting); prefer a longer baseline or a "
            "smaller, similar donor pool (Abadie 2021)."
        )
    weights, gap = fit_one(treated_unit, pool)
    pre_rmspe = float(np.sqrt(np.mean(gap[pre] ** 2)))
    post_rmspe = float(np.sqrt(np.mean(gap[~pre] ** 2)))
    ratio = ratio_of(pre_rmspe, post_rmspe)
    synthetic = wide[treated_unit].to_numpy() - gap
    path = pd.DataFrame(
        {
            time: years,
            "treated": wide[treated_unit].to_numpy(),
            "synthetic": synthetic,
            "gap": gap,
            "post": ~pre,
        }
    )
    weight_table = (
        pd.DataFrame({"donor": pool, "weight": weights})
        .sort_values(["weight", "donor"], ascending=[False, True], kind="mergesort")
        .reset_index(drop=True)
    )
    details: dict[str, pd.DataFrame] = {"weights": weight_table, "path": path}
    p_value = np.nan
    if placebo:
        rows = [
            {
                "unit": treated_unit,
                "treated": True,
                "pre_rmspe": pre_rmspe,
                "post_rmspe": post_rmspe,
                "ratio": ratio,
            }
        ]
        gaps = [pd.DataFrame({"unit": treated_unit, time: years, "gap": gap, "treated": True})]
        for donor in pool:
            others = [d for d in pool if d != donor]
            _, g = fit_one(donor, others)
            pr = float(np.sqrt(np.mean(g[pre] ** 2)))
            po = float(np.sqrt(np.mean(g[~pre] ** 2)))
            rows.append(
                {
                    "unit": donor,
                    "treated": False,
                    "pre_rmspe": pr,
                    "post_rmspe": po,
                    "ratio": ratio_of(pr, po),
                }
            )
            gaps.append(pd.DataFrame({"unit": donor, time: years, "gap": g, "treated": False}))
        table = pd.DataFrame(rows)
        table["rank"] = table["ratio"].rank(ascending=False, method="max").astype(int)
        table = table.sort_values(["rank", "unit"], kind="mergesort").reset_index(drop=True)
        p_value = float((table["ratio"] >= ratio).sum() / len(table))
        details["placebo"] = table
        details["placebo_gaps"] = pd.concat(gaps, ignore_index=True)
    details["fit"] = pd.DataFrame(
        [
            {
                "pre_rmspe": pre_rmspe,
                "post_rmspe": post_rmspe,
                "ratio": ratio,
                "n_donors": len(pool),
                "n_pre_periods": int(pre.sum()),
                "p_value": p_value,
            }
        ]
    )
    post_years = years[~pre]
    terms = pd.DataFrame(
        [
            {
                "term": "mean post-period gap",
                "estimate": float(gap[~pre].mean()),
                "std_error": np.nan,
                "statistic": ratio,
                "p_value": p_value,
                "conf_low": np.nan,
                "conf_high": np.nan,
            }
        ]
        + [
            {
                "term": f"gap {int(y)}",
                "estimate": float(g),
                "std_error": np.nan,
                "statistic": np.nan,
                "p_value": np.nan,
                "conf_low": np.nan,
                "conf_high": np.nan,
            }
            for y, g in zip(post_years, gap[~pre], strict=True)
        ],
        columns=list(TIDY_COLUMNS),
    )
    if pre_rmspe > 0.1 * float(np.std(wide[treated_unit].to_numpy()[pre]) or 1.0) and pre_rmspe > 0:
        notes.append(
            "The pre-period fit is loose (RMSPE above a tenth of the area's own spread): "
            "read the gaps with care."
        )
    method = (
        "Synthetic control (Abadie, Diamond & Hainmueller 2010): convex donor weights "
        "fitted to the pre-period outcomes"
        f"{' with period weights' if v is not None else ''} (exact, by one NNLS problem); "
        "inference from placebos in space, p = share of the J+1 areas with a post/pre "
        "RMSPE ratio at least the treated area's. No standard errors."
    )
    summary = _summary(
        treated_unit, outcome, weight_table, pre_rmspe, gap, pre, ratio, p_value, len(pool)
    )
    return ImpactResult(
        name="synthetic_control",
        estimator="Synthetic control",
        outcome=outcome,
        terms=terms,
        method=method,
        n_obs=int(wide.size),
        n_clusters=None,
        notes=tuple(notes),
        details=details,
        summary_text=summary,
    )


def site_synthetic_control(
    frame: pd.DataFrame,
    site: str,
    *,
    outcome: str = "outcome",
    unit: str = "area_code",
    time: str = "year",
    cohort: str = "cohort",
    site_column: str = "site_id",
    weights: str | None = "population",
    period_weights: Sequence[float] | None = None,
    placebo: bool = True,
) -> ImpactResult:
    """Synthetic control for a whole Pioneer site: its areas' outcomes are combined into one
    series and compared with never-treated donor areas.

    The site's areas are the rows whose ``site_column`` names ``site`` (several sites are
    separated by ``;``, as the panel builder writes them). The series is the
    ``weights``-weighted mean of the areas' outcomes each year (population-weighted rates)
    where every weight is present, else the plain mean (noted). The treatment year is the
    site's cohort. Donors are the areas with cohort 0.
    """
    needed = [c for c in (site_column, cohort) if c not in frame.columns]
    if needed:
        raise AnalysisError(f"the panel has no column(s) {needed}; use an AnalysisPanel frame")
    extra = tuple(c for c in (weights,) if c and c in frame.columns)
    data = _check_panel(frame, outcome=outcome, unit=unit, time=time, cohort=cohort, extra=extra)
    labels = frame.loc[:, [unit, site_column]].astype({unit: str}).drop_duplicates(unit)
    members = {
        str(u)
        for u, sites in zip(labels[unit], labels[site_column], strict=True)
        if site in str(sites).split(";")
    }
    if not members:
        known = sorted({p for v in labels[site_column] for p in str(v).split(";") if p})
        raise AnalysisError(
            f"no area of site {site!r} in column {site_column!r}; sites present: "
            f"{', '.join(known[:12]) or 'none'}"
        )
    rows = data[data[unit].isin(members)]
    start = int(rows[cohort].min())
    if start <= 0:
        raise AnalysisError(f"site {site!r} has no first treated year in column {cohort!r}")
    years = np.sort(data[time].unique())
    counts = rows.groupby(time)[unit].nunique().reindex(years, fill_value=0)
    if (counts < len(members)).any():
        year = int(counts.index[counts < len(members)][0])
        raise AnalysisError(
            f"site {site!r}: not every one of its {len(members)} areas has {outcome} in {year}. "
            "Fix: drop incomplete years or areas first."
        )
    notes = [f"Site {site}: {len(members)} area(s) combined into one series."]
    if weights and weights in rows.columns and rows[weights].notna().all():
        w = rows[weights].to_numpy(dtype=float)
        series = (
            pd.DataFrame({time: rows[time].to_numpy(), "wy": w * rows[outcome].to_numpy(), "w": w})
            .groupby(time)
            .sum()
        )
        values = series["wy"] / series["w"]
        notes.append(f"Combined as the {weights}-weighted mean of the areas' {outcome}.")
    else:
        values = rows.groupby(time)[outcome].mean()
        notes.append(f"Combined as the unweighted mean of the areas' {outcome} (no {weights}).")
    donors = data[data[cohort] == 0]
    site_rows = pd.DataFrame(
        {unit: site, time: values.index.to_numpy(), outcome: values.to_numpy()}
    )
    combined = pd.concat([site_rows, donors[[unit, time, outcome]]], ignore_index=True)
    result = synthetic_control(
        combined,
        treated_unit=site,
        treatment_year=start,
        outcome=outcome,
        unit=unit,
        time=time,
        cohort=None,
        period_weights=period_weights,
        placebo=placebo,
    )
    return ImpactResult(
        name=result.name,
        estimator=result.estimator,
        outcome=result.outcome,
        terms=result.terms,
        method=result.method,
        n_obs=result.n_obs,
        n_clusters=result.n_clusters,
        confidence=result.confidence,
        notes=tuple(notes) + result.notes,
        details=result.details,
        summary_text=result.summary_text,
    )


def _summary(
    treated_unit: str,
    outcome: str,
    weights: pd.DataFrame,
    pre_rmspe: float,
    gap: np.ndarray,
    pre: np.ndarray,
    ratio: float,
    p_value: float,
    n_donors: int,
) -> str:
    top = weights[weights["weight"] > 0].head(3)
    donors = ", ".join(f"{r.donor} ({r.weight:.2f})" for r in top.itertuples(index=False))
    text = (
        f"Synthetic control for {treated_unit} on {outcome}: {int((weights['weight'] > 0).sum())} "
        f"of {n_donors} donor areas carry weight (largest: {donors}). Pre-period RMSPE "
        f"{pre_rmspe:.4g}. After treatment the area differs from its synthetic control by "
        f"{gap[~pre].mean():.4g} on average (post/pre RMSPE ratio {ratio:.3g})."
    )
    if not np.isnan(p_value):
        text += (
            f" Placebo-in-space p = {p_value:.3g} (smallest possible {1 / (n_donors + 1):.3g} "
            f"with {n_donors} donors)."
        )
    return text
