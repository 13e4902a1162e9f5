"""Staggered adoption: Callaway & Sant'Anna (2021) group-time average treatment effects.

Each cohort g (areas first treated in year g) is compared with a clean control group —
never-treated areas, or areas not yet treated — in a separate 2×2 difference in means for
every year t:

    ATT(g, t) = mean over cohort g of (Y_t − Y_b) − mean over controls of (Y_t − Y_b),

with base year b = g − 1 for t ≥ g. Before treatment, b = t − 1 (a "varying" base: each
pre-period ATT is a one-year placebo) or b = g − 1 (a "universal" base, as an event study
has). The ATT(g, t) are then averaged:

- ``simple``: over every post-treatment (g, t), weighted by cohort size;
- ``dynamic``: by event time e = t − g, each e averaging the cohorts observed at e,
  weighted by cohort size; and their mean over e ≥ 0;
- ``group``: for each cohort, the mean of its post-treatment ATT(g, t); and their
  cohort-size weighted mean.

Because no treated area is ever used as a control after it is treated, none of the
"forbidden comparisons" of a two-way fixed-effects regression under staggered timing
enter (Goodman-Bacon 2021). No covariates: the comparisons are unconditional (the
outcome-regression, IPW and doubly-robust estimators coincide then).

Standard errors come from the estimators' influence functions (one value per area, so
clustered by area), including the estimation of the cohort-size weights, as in the R
package ``did`` with ``bstrap = FALSE``; intervals are pointwise normal. With ``cluster``
(e.g. ``site_id``, when treatment is assigned to sites of several districts) the influence
functions are summed within clusters before squaring, with the factor G/(G − 1) — the
cluster-robust variance of an asymptotically linear estimator (Cameron & Miller 2015,
*A practitioner's guide to cluster-robust inference*, J. Human Resources 50(2); for a 2×2
cell it equals the CR1 sandwich of the regression of changes on treatment without the
(N − 1)/(N − K) term). The panel must be balanced.

Reference: Callaway, B. & Sant'Anna, P. H. C. (2021), *Difference-in-differences with
multiple time periods*, Journal of Econometrics 225(2), 200–230.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from pioneer.errors import AnalysisError
from pioneer.impact.event_study import (
    _check_confidence,
    _check_panel,
    _no_pre_period,
    _numeric,
    _require_balanced,
    _terms,
)
from pioneer.impact.results import ImpactResult

__all__ = ["staggered_att"]

CONTROLS = ("never_treated", "not_yet_treated")
BASE_PERIODS = ("varying", "universal")


def staggered_att(
    frame: pd.DataFrame,
    *,
    outcome: str = "outcome",
    unit: str = "area_code",
    time: str = "year",
    cohort: str = "cohort",
    control: str = "never_treated",
    base_period: str = "varying",
    weights: str | None = None,
    cluster: str | None = None,
    uniform_bands: bool = False,
    n_boot: int = 999,
    seed: int = 20131101,
    confidence: float = 0.95,
) -> ImpactResult:
    """Group-time ATTs and their simple, dynamic and by-cohort averages.

    ``cohort`` is the first treated year (0 = never treated); areas whose cohort lies after
    the last year are treated as never treated (noted). ``control`` is ``"never_treated"``
    or ``"not_yet_treated"`` (never treated plus areas first treated after both t and the
    base year). The result's terms: ``ATT (simple)``, ``ATT (dynamic, e>=0 mean)``,
    ``ATT(e=k)`` for each event time and ``ATT(g=YYYY)`` for each cohort; ``details`` hold
    ``group_time`` (every ATT(g, t) with its controls and weights), ``dynamic`` and
    ``by_cohort``. ``weights`` names a column of area weights (e.g. population); each area
    takes the mean of its rows, and weighted means replace plain ones in every cell and in
    the cohort sizes (as sampling weights do in R's ``did``). ``cluster`` names a column
    of cluster labels constant within an area (a blank label: the area alone); standard
    errors, intervals and bands are then cluster-robust. With ``uniform_bands``,
    ``details["dynamic"]`` also has simultaneous bands over event times
    (``conf_low_uniform``, ``conf_high_uniform``): the critical value is the ``confidence``
    quantile of max_e |ATT*(e) − ATT(e)| / se(e) over ``n_boot`` Rademacher multiplier draws
    on the influence functions (seeded), in the spirit of Callaway & Sant'Anna's bootstrap.
    """
    _check_confidence(confidence)
    if control not in CONTROLS:
        raise AnalysisError(f"control must be one of {CONTROLS}; got {control!r}")
    if base_period not in BASE_PERIODS:
        raise AnalysisError(f"base_period must be one of {BASE_PERIODS}; got {base_period!r}")
    extra = tuple(c for c in (weights, cluster) if c)
    data = _check_panel(frame, outcome=outcome, unit=unit, time=time, cohort=cohort, extra=extra)
    _require_balanced(data, unit, time, "the panel")
    if weights:
        data[weights] = _numeric(data, weights, unit, time, "the panel")
        if data[weights].isna().any() or (data[weights] <= 0).any():
            raise AnalysisError(
                f"weights in column {weights!r} must be positive and present for every row"
            )
    years = np.sort(data[time].unique())
    if len(years) < 2:
        raise AnalysisError("a staggered design needs at least two periods")
    notes: list[str] = []
    late = (data[cohort] > years[-1]).groupby(data[unit]).first()
    if late.any():
        notes.append(
            f"{int(late.sum())} area(s) first treated after {years[-1]} are counted as never "
            "treated."
        )
        data.loc[data[cohort] > years[-1], cohort] = 0
    _no_pre_period(data, unit, time, cohort)

    wide = data.pivot(index=unit, columns=time, values=outcome).sort_index()
    units = wide.index.to_numpy()
    y = wide.to_numpy()
    groups = data.groupby(unit)[cohort].first().reindex(wide.index).to_numpy()
    n = len(units)
    if weights:
        omega = data.groupby(unit)[weights].mean().reindex(wide.index).to_numpy()
        omega = omega / omega.mean()
    else:
        omega = np.ones(n)
    clusters = _cluster_codes(data, unit, cluster, wide.index)
    n_clusters = n if clusters is None else int(clusters.max()) + 1
    if n_clusters < 2:
        raise AnalysisError("cluster-robust errors need at least two clusters")

    def by_cluster(values: np.ndarray) -> np.ndarray:
        """Influence functions (areas × k) summed within clusters (clusters × k)."""
        values = values.reshape(n, -1)
        if clusters is None:
            return values
        out = np.zeros((n_clusters, values.shape[1]))
        np.add.at(out, clusters, values)
        return out

    factor = 1.0 if clusters is None else n_clusters / (n_clusters - 1)

    def std_errors(values: np.ndarray) -> np.ndarray:
        return np.sqrt(factor * (by_cluster(values) ** 2).sum(axis=0))

    cohorts = np.sort(np.unique(groups[groups > 0]))
    if len(cohorts) == 0:
        raise AnalysisError(f"no treated area (every {cohort!r} is 0)")
    if control == "never_treated" and not (groups == 0).any():
        raise AnalysisError(
            "no never-treated area to compare with. Fix: use control='not_yet_treated'."
        )

    cells = []
    influence = []
    for g in cohorts:
        in_g = groups == g
        g_pos = int(np.searchsorted(years, g))
        for t_pos in range(len(years)):
            t = int(years[t_pos])
            if t_pos >= g_pos:
                b_pos = g_pos - 1
            elif base_period == "varying":
                b_pos = t_pos - 1
            else:
                b_pos = g_pos - 1
            if b_pos < 0 or t_pos == b_pos:
                continue
            base = int(years[b_pos])
            if control == "never_treated":
                is_c = groups == 0
            else:
                later = max(t, base)
                is_c = (groups == 0) | ((groups > later) & (groups != g))
            if not is_c.any():
                notes.append(f"ATT({int(g)}, {t}) skipped: no area untreated by then.")
                continue
            change = y[:, t_pos] - y[:, b_pos]
            w_g, w_c = omega[in_g], omega[is_c]
            mean_g = float(w_g @ change[in_g]) / w_g.sum()
            mean_c = float(w_c @ change[is_c]) / w_c.sum()
            phi = np.zeros(n)
            phi[in_g] += w_g * (change[in_g] - mean_g) / w_g.sum()
            phi[is_c] -= w_c * (change[is_c] - mean_c) / w_c.sum()
            cells.append(
                {
                    "cohort": int(g),
                    "year": t,
                    "base_year": base,
                    "event_time": t - int(g),
                    "estimate": mean_g - mean_c,
                    "n_treated": int(in_g.sum()),
                    "n_control": int(is_c.sum()),
                    "post": t_pos >= g_pos,
                }
            )
            influence.append(phi)
    if not cells:
        raise AnalysisError("no group-time effect can be estimated from these data")
    table = pd.DataFrame(cells)
    phi = np.column_stack(influence)  # n × cells
    att = table["estimate"].to_numpy()
    table["std_error"] = std_errors(phi)

    size = {int(g): float(omega[groups == g].sum()) / n for g in cohorts}
    size_if = {int(g): (omega * (groups == g) - size[int(g)]) / n for g in cohorts}

    cell_cohort = table["cohort"].to_numpy()
    cell_event = table["event_time"].to_numpy()

    def aggregate(mask: np.ndarray) -> tuple[float, np.ndarray]:
        """Cohort-size weighted mean of the cells in ``mask`` and its influence function."""
        index = np.flatnonzero(mask)
        g_of = cell_cohort[index]
        p = np.array([size[int(g)] for g in g_of])
        total = p.sum()
        w = p / total
        value = float(w @ att[index])
        phi_p = np.column_stack([size_if[int(g)] for g in g_of])
        phi_w = phi_p / total - np.outer(phi_p.sum(axis=1), p) / total**2
        return value, phi[:, index] @ w + phi_w @ att[index]

    names: list[str] = []
    estimates: list[float] = []
    ifs: list[np.ndarray] = []

    post = table["post"].to_numpy()
    value, inf = aggregate(post)
    names.append("ATT (simple)")
    estimates.append(value)
    ifs.append(inf)

    event_times = np.sort(table["event_time"].unique())
    dyn_rows = []
    dyn_ifs = []
    for e in event_times:
        value, inf = aggregate(cell_event == e)
        dyn_rows.append((int(e), value))
        dyn_ifs.append(inf)
    post_e = [i for i, (e, _) in enumerate(dyn_rows) if e >= 0]
    dyn_mean = float(np.mean([dyn_rows[i][1] for i in post_e]))
    names.append("ATT (dynamic, e>=0 mean)")
    estimates.append(dyn_mean)
    ifs.append(np.mean([dyn_ifs[i] for i in post_e], axis=0))
    for (e, value), inf in zip(dyn_rows, dyn_ifs, strict=True):
        names.append(f"ATT(e={e})")
        estimates.append(value)
        ifs.append(inf)

    by_group = []
    group_ifs = []
    for g in cohorts:
        mask = post & (cell_cohort == g)
        index = np.flatnonzero(mask)
        by_group.append((int(g), float(att[index].mean())))
        group_ifs.append(phi[:, index].mean(axis=1))
    p = np.array([size[g] for g, _ in by_group])
    theta = np.array([v for _, v in by_group])
    w = p / p.sum()
    phi_p = np.column_stack([size_if[g] for g, _ in by_group])
    phi_w = phi_p / p.sum() - np.outer(phi_p.sum(axis=1), p) / p.sum() ** 2
    names.append("ATT (by cohort, weighted mean)")
    estimates.append(float(w @ theta))
    ifs.append(np.column_stack(group_ifs) @ w + phi_w @ theta)
    for (g, value), inf in zip(by_group, group_ifs, strict=True):
        names.append(f"ATT(g={g})")
        estimates.append(value)
        ifs.append(inf)

    se = std_errors(np.column_stack(ifs))
    terms = _terms(names, np.array(estimates), se, None, confidence)
    crit = stats.norm.ppf(0.5 + confidence / 2)
    table["conf_low"] = table["estimate"] - crit * table["std_error"]
    table["conf_high"] = table["estimate"] + crit * table["std_error"]
    table["weight_cohort_share"] = table["cohort"].map(size)
    dynamic = terms[terms["term"].str.startswith("ATT(e=")].copy()
    dynamic.insert(0, "event_time", [int(t[6:-1]) for t in dynamic["term"]])
    if uniform_bands:
        if not isinstance(n_boot, int) or n_boot < 99:
            raise AnalysisError(f"n_boot must be a whole number ≥ 99; got {n_boot!r}")
        phi_dyn = np.sqrt(factor) * by_cluster(np.column_stack(dyn_ifs))
        se_dyn = np.sqrt((phi_dyn**2).sum(axis=0))
        rng = np.random.default_rng(seed)
        draws = rng.choice(np.array([-1.0, 1.0]), size=(n_boot, n_clusters)) @ phi_dyn
        with np.errstate(divide="ignore", invalid="ignore"):
            t_max = np.nanmax(np.abs(draws) / np.where(se_dyn > 0, se_dyn, np.nan), axis=1)
        crit_u = float(np.quantile(t_max, confidence))
        dynamic["conf_low_uniform"] = dynamic["estimate"] - crit_u * dynamic["std_error"]
        dynamic["conf_high_uniform"] = dynamic["estimate"] + crit_u * dynamic["std_error"]
        notes.append(
            f"Simultaneous {100 * confidence:g}% bands over event times: critical value "
            f"{crit_u:.3f} ({n_boot} Rademacher multiplier draws, seed {seed})."
        )
    by_cohort = terms[terms["term"].str.startswith("ATT(g=")].copy()
    by_cohort.insert(0, "cohort", [int(t[6:-1]) for t in by_cohort["term"]])
    method = (
        "Callaway & Sant'Anna (2021) group-time ATTs, unconditional (no covariates), "
        f"{control.replace('_', '-')} controls, {base_period} base period"
        f"{', areas weighted by ' + weights if weights else ''}; aggregated with "
        "cohort-size weights; standard errors from the influence function ("
        + (
            f"clustered by {cluster}, blank: the area alone; {n_clusters} clusters, factor G/(G-1)"
            if cluster
            else "clustered by area"
        )
        + ", including the estimated weights), pointwise normal intervals."
    )
    summary = _summary(terms, outcome, n, cohorts, control, confidence)
    return ImpactResult(
        name="staggered_att",
        estimator="Callaway-Sant'Anna group-time ATT",
        outcome=outcome,
        terms=terms,
        method=method,
        n_obs=len(data),
        n_clusters=n_clusters,
        confidence=confidence,
        notes=tuple(notes),
        details={
            "group_time": table,
            "dynamic": dynamic.reset_index(drop=True),
            "by_cohort": by_cohort.reset_index(drop=True),
        },
        summary_text=summary,
    )


def _cluster_codes(
    data: pd.DataFrame, unit: str, cluster: str | None, areas: pd.Index
) -> np.ndarray | None:
    """Cluster code (0..G-1) of each area in ``areas`` order; a blank label: the area alone."""
    if not cluster:
        return None
    labels = data[cluster].fillna("").astype(str).str.strip()
    keyed = np.where(labels == "", "area:" + data[unit].astype(str), "cluster:" + labels)
    per_area = pd.Series(keyed, index=data.index).groupby(data[unit]).unique()
    varying = per_area[per_area.map(len) > 1]
    if len(varying):
        raise AnalysisError(
            f"cluster column {cluster!r} changes within area {varying.index[0]!r}; each area "
            "must lie in one cluster"
        )
    codes = per_area.map(lambda v: v[0]).reindex(areas)
    return np.asarray(pd.factorize(codes.to_numpy(), sort=True)[0])


def _summary(
    terms: pd.DataFrame,
    outcome: str,
    n: int,
    cohorts: np.ndarray,
    control: str,
    confidence: float,
) -> str:
    row = terms.iloc[0]
    level = f"{100 * confidence:g}%"
    cohort_text = ", ".join(str(int(g)) for g in cohorts)
    return (
        f"Staggered-adoption estimate for {outcome} ({n} areas; cohorts first treated in "
        f"{cohort_text}; compared with {control.replace('_', '-')} areas). Average effect "
        f"over all treated area-years: {row['estimate']:.4g} ({level} CI "
        f"{row['conf_low']:.4g} to {row['conf_high']:.4g}; p = {row['p_value']:.3g}). "
        "Each cohort is compared only with areas not (yet) treated, so earlier-treated "
        "areas never serve as controls. Effects by year since treatment and by cohort are "
        "in the table; pre-treatment effects (e<0) should be near zero if trends were "
        "parallel."
    )
