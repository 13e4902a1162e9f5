"""Placebo checks: a fake treatment date inside the pre-period, and fake treated areas.

- :func:`placebo_in_time` keeps only the years before the real programme start and
  pretends the ever-treated areas were treated from ``fake_year``: a two-way fixed-effects
  DiD (area and year effects, CR1 errors by area) should find nothing. A clear non-zero
  placebo effect says the groups were already drifting apart, so a DiD after the real
  start would mix that drift with any effect.
- :func:`placebo_in_space` keeps only never-treated areas and hands the real cohorts to
  randomly drawn areas, many times; the real TWFE DiD estimate is then ranked among the
  placebo estimates (a randomisation-inference p-value, in the spirit of Fisher's exact
  test; Abadie 2021 for synthetic controls, MacKinnon & Webb 2020 for DiD).

References: Abadie (2021), JEL 59(2); MacKinnon & Webb (2020), *Randomization inference for
difference-in-differences with few treated clusters*, Journal of Econometrics 218(2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pioneer.errors import AnalysisError
from pioneer.impact.event_study import (
    _check_confidence,
    _check_panel,
    _numeric,
    _terms,
    _twfe,
)
from pioneer.impact.results import TIDY_COLUMNS, ImpactResult

__all__ = ["placebo_in_space", "placebo_in_time"]


def placebo_in_time(
    frame: pd.DataFrame,
    *,
    fake_year: int = 2011,
    outcome: str = "outcome",
    unit: str = "area_code",
    time: str = "year",
    cohort: str = "cohort",
    before: int | None = None,
    weights: str | None = None,
    fe_dof: str = "nested",
    confidence: float = 0.95,
) -> ImpactResult:
    """TWFE DiD with a fake start ``fake_year`` on the years before the real start.

    The real start is the earliest cohort year unless ``before`` is given; only years before
    it are used. Areas with a cohort other than 0 are the (fake) treated group. Returns an
    :class:`ImpactResult` named ``placebo_in_time`` with one term, ``placebo DiD (fake
    start YYYY)``; CR1 errors by area as in :func:`pioneer.impact.event_study.event_study`.
    """
    _check_confidence(confidence)
    extra = (weights,) if weights else ()
    data = _check_panel(frame, outcome=outcome, unit=unit, time=time, cohort=cohort, extra=extra)
    treated_cohorts = data.loc[data[cohort] > 0, cohort]
    if treated_cohorts.empty:
        raise AnalysisError(f"no treated area (every {cohort!r} is 0): nothing to test")
    start = int(before) if before is not None else int(treated_cohorts.min())
    pre = data[data[time] < start]
    years = np.sort(pre[time].unique())
    if len(years) < 2 or not (years[0] < fake_year <= years[-1]):
        raise AnalysisError(
            f"the fake start {fake_year} must fall inside the pre-period with at least one "
            f"year before it; the years before {start} are "
            f"{', '.join(str(int(y)) for y in years) or 'none'}. Fix: choose a fake year "
            "between the second pre-period year and the last."
        )
    fake = ((pre[cohort] > 0) & (pre[time] >= fake_year)).to_numpy(dtype=float)
    if fake.sum() == 0 or (pre[cohort] == 0).sum() == 0:
        raise AnalysisError(
            "the placebo needs both treated and never-treated areas before the start"
        )
    w = None
    if weights:
        w = _numeric(pre, weights, unit, time, "the panel").to_numpy()
        if np.isnan(w).any() or (w <= 0).any():
            raise AnalysisError(f"weights in column {weights!r} must be positive and present")
    fit = _twfe(
        pre[outcome].to_numpy(),
        fake[:, None],
        pre[unit].to_numpy(),
        pre[time].to_numpy(),
        weights=w,
        fe_dof=fe_dof,
    )
    se = np.sqrt(np.clip(np.diag(fit.vcov), 0, None))
    terms = _terms([f"placebo DiD (fake start {fake_year})"], fit.coef, se, fit.df, confidence)
    row = terms.iloc[0]
    level = f"{100 * confidence:g}%"
    verdict = (
        "no sign that the groups were drifting apart before the programme"
        if row["p_value"] >= 0.05
        else "the groups were already drifting apart before the programme: treat a DiD "
        "estimate after the real start with caution"
    )
    summary = (
        f"Placebo in time for {outcome}: using only {int(years[0])}–{int(years[-1])} and "
        f"pretending treatment began in {fake_year}, the DiD estimate is {row['estimate']:.4g} "
        f"({level} CI {row['conf_low']:.4g} to {row['conf_high']:.4g}; p = "
        f"{row['p_value']:.3g}) — {verdict}."
    )
    return ImpactResult(
        name="placebo_in_time",
        estimator="Placebo-in-time DiD",
        outcome=outcome,
        terms=terms,
        method=(
            f"TWFE DiD (area and year effects) on the {len(years)} years before {start}, fake "
            f"start {fake_year}; CR1 cluster-robust errors by area, t on G−1 = {fit.df} df."
        ),
        n_obs=fit.n_obs,
        n_clusters=fit.n_clusters,
        confidence=confidence,
        notes=(f"Real start {start}; years from {start} on are not used.",),
        summary_text=summary,
    )


def placebo_in_space(
    frame: pd.DataFrame,
    *,
    outcome: str = "outcome",
    unit: str = "area_code",
    time: str = "year",
    cohort: str = "cohort",
    n_draws: int = 999,
    seed: int = 20131101,
) -> ImpactResult:
    """Rank the real TWFE DiD estimate among estimates for randomly drawn fake treated sets.

    Each draw gives the real cohorts (one per treated area) to as many never-treated areas,
    drawn without replacement, and fits the TWFE DiD (``post`` = fake cohort reached) on the
    never-treated areas only. p = (1 + #{|placebo| ≥ |real|}) / (1 + draws). The draws
    depend on ``seed`` and on the areas' codes (sorted), not on the row order.
    """
    if not isinstance(n_draws, int) or n_draws < 19:
        raise AnalysisError(f"n_draws must be a whole number ≥ 19; got {n_draws!r}")
    data = _check_panel(frame, outcome=outcome, unit=unit, time=time, cohort=cohort)
    per_area = data.groupby(unit, sort=True)[cohort].first()
    treated_cohorts = per_area[per_area > 0].to_numpy()
    never = per_area.index[per_area == 0].to_numpy()
    if len(treated_cohorts) == 0:
        raise AnalysisError(f"no treated area (every {cohort!r} is 0)")
    if len(never) <= len(treated_cohorts):
        raise AnalysisError(
            f"placebo in space needs more never-treated areas ({len(never)}) than treated "
            f"areas ({len(treated_cohorts)})"
        )
    post = ((data[cohort] > 0) & (data[time] >= data[cohort])).to_numpy(dtype=float)
    real = _twfe(
        data[outcome].to_numpy(), post[:, None], data[unit].to_numpy(), data[time].to_numpy()
    )
    controls = data[data[unit].isin(never)]
    rng = np.random.default_rng(seed)
    area_index = pd.Index(never).get_indexer(controls[unit])
    years = controls[time].to_numpy()
    draws = np.zeros((len(controls), n_draws))
    for d in range(n_draws):
        fake = np.zeros(len(never), dtype=np.int64)
        chosen = rng.choice(len(never), size=len(treated_cohorts), replace=False)
        fake[chosen] = treated_cohorts
        c = fake[area_index]
        draws[:, d] = (c > 0) & (years >= c)
    estimates = _twfe_many(controls[outcome].to_numpy(), draws, area_index, years)
    estimate = float(real.coef[0])
    p_value = float((1 + np.sum(np.abs(estimates) >= abs(estimate) - 1e-12)) / (1 + n_draws))
    terms = pd.DataFrame(
        [
            {
                "term": "DiD estimate (randomisation inference)",
                "estimate": estimate,
                "std_error": np.nan,
                "statistic": np.nan,
                "p_value": p_value,
                "conf_low": np.nan,
                "conf_high": np.nan,
            }
        ],
        columns=list(TIDY_COLUMNS),
    )
    distribution = pd.DataFrame({"draw": np.arange(1, n_draws + 1), "estimate": estimates})
    summary = (
        f"Placebo in space for {outcome}: the real DiD estimate {estimate:.4g} against "
        f"{n_draws} draws giving the real cohorts to random never-treated areas; "
        f"{int(np.sum(np.abs(estimates) >= abs(estimate) - 1e-12))} placebo estimates are at "
        f"least as large in absolute value (p = {p_value:.3g})."
    )
    return ImpactResult(
        name="placebo_in_space",
        estimator="Placebo-in-space DiD (randomisation inference)",
        outcome=outcome,
        terms=terms,
        method=(
            "TWFE DiD (area and year effects) on the real data, ranked against TWFE DiD "
            f"estimates for {n_draws} random fake treated sets among the never-treated areas "
            f"(seed {seed}); two-sided p = (1 + #|placebo| ≥ |real|)/(1 + draws)."
        ),
        n_obs=real.n_obs,
        n_clusters=real.n_clusters,
        details={"placebo": distribution},
        summary_text=summary,
    )


def _twfe_many(y: np.ndarray, x: np.ndarray, units: np.ndarray, times: np.ndarray) -> np.ndarray:
    """The TWFE coefficient of ``y`` on each column of ``x`` separately (area and year
    effects), by residualising on the dummies once for all columns (Frisch–Waugh–Lovell)."""
    u = np.unique(units, return_inverse=True)[1]
    t = np.unique(times, return_inverse=True)[1]
    z = np.zeros((len(y), u.max() + 1 + t.max()))
    z[np.arange(len(y)), u] = 1.0
    rows = t > 0
    z[np.flatnonzero(rows), u.max() + t[rows]] = 1.0
    stacked = np.column_stack([y, x])
    q, _ = np.linalg.qr(z)
    resid = stacked - q @ (q.T @ stacked)
    yt, xt = resid[:, 0], resid[:, 1:]
    denom = (xt**2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denom > 1e-12, (xt * yt[:, None]).sum(axis=0) / denom, np.nan)
