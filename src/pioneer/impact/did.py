"""Two-way fixed-effects difference-in-differences, linear and Poisson.

:func:`twfe_did` regresses the outcome (a rate) on the treatment indicator with area and
year fixed effects, by least squares, with cluster-robust standard errors by area: CR1
(the Stata/fixest small-sample factor G/(G-1)·(N-1)/(N-K)) or CR2 (Bell and McCaffrey's
bias-reduced linearisation with Satterthwaite degrees of freedom).
:func:`poisson_did` fits the multiplicative model (Poisson pseudo-likelihood with a
log-population offset) and reports the rate ratio.

The area effects are removed by the within transformation (subtracting each area's
weighted mean) rather than by dummy columns, so a panel of thousands of areas costs no
more than a few dummy columns; year effects stay as explicit columns (there are few).
:func:`fe_ols` is the engine, public so that other designs (event studies, placebos) can
reuse it with their own regressors. Methods and references: ``docs/impact/estimators.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from pioneer.errors import AnalysisError
from pioneer.impact.panel import AnalysisPanel, panel_arrays
from pioneer.impact.results import TIDY_COLUMNS, ImpactResult

SEType = Literal["CR1", "CR2"]
FEDof = Literal["nested", "full"]


@dataclass(frozen=True, eq=False)
class FEFit:
    """A fitted fixed-effects least-squares model (area effects absorbed).

    ``names``/``beta``/``vcov`` cover the regressors and the year dummies; ``df`` is the
    reference t distribution's degrees of freedom for each coefficient; ``ssc`` the
    small-sample factor applied (1 for CR2); ``k`` the parameter count in (N-1)/(N-K).
    """

    names: tuple[str, ...]
    beta: np.ndarray
    vcov: np.ndarray
    df: np.ndarray
    se_type: str
    ssc: float
    n_obs: int
    n_clusters: int
    k: int
    residuals: np.ndarray
    extra: dict[str, object] = field(default_factory=dict)

    def coef(self, name: str) -> tuple[float, float, float]:
        """Estimate, standard error and degrees of freedom of one coefficient."""
        i = self.names.index(name)
        return float(self.beta[i]), float(np.sqrt(self.vcov[i, i])), float(self.df[i])


# ---------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------


def _group_means(values: np.ndarray, groups: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Weighted means of each column of ``values`` by group (rows: groups)."""
    total = np.bincount(groups, weights=weights, minlength=n)
    if values.ndim == 1:
        return np.bincount(groups, weights=weights * values, minlength=n) / total
    out = np.empty((n, values.shape[1]))
    for j in range(values.shape[1]):
        out[:, j] = np.bincount(groups, weights=weights * values[:, j], minlength=n)
    return out / total[:, None]


def within(values: np.ndarray, unit: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Subtract each unit's (weighted) mean: the within transformation."""
    w = np.ones(len(unit)) if weights is None else weights
    n = int(unit.max()) + 1
    return values - _group_means(values, unit, w, n)[unit]


def _time_dummies(time: np.ndarray, labels: Sequence[object]) -> tuple[np.ndarray, list[str]]:
    """Dummies for every period but the first (the unit effects absorb the intercept)."""
    n_time = int(time.max()) + 1
    dummies = np.zeros((len(time), n_time - 1))
    rows = np.nonzero(time > 0)[0]
    dummies[rows, time[rows] - 1] = 1.0
    return dummies, [f"year_{labels[t]}" for t in range(1, n_time)]


def fe_ols(
    y: np.ndarray,
    x: np.ndarray,
    names: Sequence[str],
    unit: np.ndarray,
    time: np.ndarray | None = None,
    *,
    time_labels: Sequence[object] | None = None,
    weights: np.ndarray | None = None,
    cluster: np.ndarray | None = None,
    se: SEType = "CR1",
    fe_dof: FEDof = "nested",
    df: Literal["auto", "G-1", "satterthwaite"] = "auto",
) -> FEFit:
    """Least squares of ``y`` on ``x`` with unit (absorbed) and time (dummy) fixed effects.

    ``unit``, ``time`` and ``cluster`` are integer codes from 0 (``cluster`` defaults to
    ``unit``). Standard errors are clustered: ``se="CR1"`` multiplies the sandwich by
    G/(G-1)·(N-1)/(N-K), where K counts the regressors, the time dummies and — when
    ``fe_dof="full"`` or when units are not nested in clusters — the unit effects
    (``"nested"`` is fixest's and Stata xtreg's count, ``"full"`` that of ``lm`` with
    dummies or Stata areg); ``se="CR2"`` is Bell–McCaffrey's adjustment with no further
    factor. ``df="auto"`` gives G-1 for CR1 and Satterthwaite (Bell–McCaffrey, as in
    Imbens and Kolesár 2016) for CR2.
    """
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float).reshape(len(y), -1)
    unit = np.asarray(unit)
    cluster = unit if cluster is None else np.asarray(cluster)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    columns = list(names)
    if time is not None:
        labels = time_labels if time_labels is not None else list(range(int(time.max()) + 1))
        dummies, dummy_names = _time_dummies(np.asarray(time), labels)
        x = np.column_stack([x, dummies])
        columns += dummy_names
    n_obs, k_x = x.shape
    n_units = int(unit.max()) + 1
    n_clusters = int(cluster.max()) + 1
    if n_clusters < 2:
        raise AnalysisError("cluster-robust errors need at least two clusters (areas)")

    sw = np.sqrt(w)
    xs = within(x, unit, w) * sw[:, None]
    ys = within(y, unit, w) * sw
    xtx = xs.T @ xs
    rank = np.linalg.matrix_rank(xtx)
    if rank < k_x:
        raise AnalysisError(
            "the treatment is collinear with the area and year effects (e.g. every treated "
            "area starts in the same year as the panel, or no area changes status)"
        )
    bread = np.linalg.inv(xtx)
    beta = bread @ (xs.T @ ys)
    resid = ys - xs @ beta  # in the sqrt-weighted scale

    nested = _nested(unit, cluster)
    k = k_x + _fe_count(fe_dof, nested, n_units)
    if n_obs <= k:
        raise AnalysisError(f"too few observations ({n_obs}) for {k} parameters")

    if se == "CR1":
        scores = _cluster_sums(xs * resid[:, None], cluster, n_clusters)
        meat = scores.T @ scores
        ssc = n_clusters / (n_clusters - 1) * (n_obs - 1) / (n_obs - k)
        vcov = ssc * bread @ meat @ bread
        dof = np.full(k_x, n_clusters - 1.0)
        if df == "satterthwaite":
            raise AnalysisError("Satterthwaite degrees of freedom are offered with se='CR2'")
    elif se == "CR2":
        vcov, dof_satt = _cr2(
            xs, resid, bread, unit, cluster, sw, n_clusters, len(names), nested=nested
        )
        ssc = 1.0
        dof = np.full(k_x, n_clusters - 1.0) if df == "G-1" else dof_satt
    else:
        raise AnalysisError(f"se must be 'CR1' or 'CR2', not {se!r}")
    return FEFit(
        names=tuple(columns),
        beta=beta,
        vcov=vcov,
        df=dof,
        se_type=se,
        ssc=float(ssc),
        n_obs=n_obs,
        n_clusters=n_clusters,
        k=k,
        residuals=resid / sw,
        extra={"nested": nested},
    )


def _fe_count(fe_dof: str, nested: bool, n_units: int) -> int:
    """Parameters the unit effects add to K in (N-1)/(N-K).

    ``"nested"`` (units nested in clusters): one, the intercept they absorb — the count of
    Stata's ``xtreg, fe vce(cluster)`` and fixest's default; ``"full"``: every unit
    effect, as ``lm`` with area dummies (and Stata's ``areg``) counts them.
    """
    if fe_dof not in ("nested", "full"):
        raise AnalysisError(f"fe_dof must be 'nested' or 'full', not {fe_dof!r}")
    return 1 if (fe_dof == "nested" and nested) else n_units


def _nested(unit: np.ndarray, cluster: np.ndarray) -> bool:
    """Whether every unit lies within one cluster."""
    pairs = np.unique(np.column_stack([unit, cluster]), axis=0)
    return len(pairs) == len(np.unique(unit))


def _cluster_sums(values: np.ndarray, cluster: np.ndarray, n_clusters: int) -> np.ndarray:
    """Column sums of ``values`` within each cluster (rows: clusters)."""
    out = np.zeros((n_clusters, values.shape[1]))
    np.add.at(out, cluster, values)
    return out


def _cr2(
    xs: np.ndarray,
    resid: np.ndarray,
    bread: np.ndarray,
    unit: np.ndarray,
    cluster: np.ndarray,
    sw: np.ndarray,
    n_clusters: int,
    n_df: int,
    *,
    nested: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Bell–McCaffrey CR2 covariance and Satterthwaite df of the first ``n_df`` columns.

    The adjustment of cluster g is the symmetric inverse square root of I - H_gg, with H
    the hat matrix of the full dummy-variable model: the absorbed unit effects contribute
    the projection on each unit's sqrt-weight vector, which I - H_gg maps to zero; on that
    null space the pseudo-inverse is used (the residuals are orthogonal to it). The df of
    the time dummies are not computed (NaN).
    """
    k = xs.shape[1]
    meat = np.zeros((k, k))
    order = np.argsort(cluster, kind="stable")
    bounds = np.searchsorted(cluster[order], np.arange(n_clusters + 1))
    unit_weight = np.bincount(unit, weights=sw * sw)
    adjusted: list[tuple[np.ndarray, np.ndarray]] = []  # (rows, A_g) per cluster
    for g in range(n_clusters):
        rows = order[bounds[g] : bounds[g + 1]]
        xg = xs[rows]
        m = np.eye(len(rows)) - xg @ bread @ xg.T
        for u in np.unique(unit[rows]):
            s = np.where(unit[rows] == u, sw[rows], 0.0)
            m -= np.outer(s, s) / unit_weight[u]  # the unit's whole weight, in any cluster
        values, vectors = np.linalg.eigh(m)
        keep = values > 1e-10
        inv_sqrt = (vectors[:, keep] / np.sqrt(values[keep])) @ vectors[:, keep].T
        adjusted.append((rows, inv_sqrt))
        score = xg.T @ (inv_sqrt @ resid[rows])
        meat += np.outer(score, score)
    vcov = bread @ meat @ bread
    # Satterthwaite degrees of freedom for each coefficient (working model: Ω = I). With
    # v_g = A_g w_g, the Gram matrix of the columns (I - H) v_g is V'V - V'P V - C'(X'X)⁻¹C,
    # P the projection on the units' √weight vectors (zero when units nest in clusters).
    dof = np.full(k, np.nan)
    n_units = len(unit_weight)
    for j in range(n_df):
        weight_vec = xs @ bread[:, j]
        gram_diag = np.empty(n_clusters)
        cross = np.empty((k, n_clusters))
        on_units = np.zeros((0 if nested else n_units, n_clusters))
        for g, (rows, inv_sqrt) in enumerate(adjusted):
            v = inv_sqrt @ weight_vec[rows]
            gram_diag[g] = v @ v
            cross[:, g] = xs[rows].T @ v
            if not nested:
                on_units[:, g] = np.bincount(unit[rows], weights=sw[rows] * v, minlength=n_units)
        gram = np.diag(gram_diag) - cross.T @ bread @ cross
        if not nested:
            gram -= (on_units / unit_weight[:, None]).T @ on_units
        dof[j] = np.trace(gram) ** 2 / np.sum(gram * gram)
    return vcov, dof


# ---------------------------------------------------------------------------
# Linear TWFE DiD
# ---------------------------------------------------------------------------


def twfe_did(
    data: AnalysisPanel | pd.DataFrame,
    *,
    outcome: str = "outcome",
    unit: str = "area_code",
    time: str = "year",
    treat: str = "post",
    weights: str | None = None,
    cluster: str | None = None,
    se: SEType = "CR1",
    fe_dof: FEDof = "nested",
    df: Literal["auto", "G-1", "satterthwaite"] = "auto",
    confidence: float = 0.95,
) -> ImpactResult:
    """Two-way fixed-effects DiD: outcome on treatment with area and year effects.

    Cluster-robust standard errors by area, CR1 (default) or CR2 (see :func:`fe_ols`).
    ``weights`` names a column of analytic weights (e.g. population) for weighted least
    squares. The one term is the treatment coefficient, named after ``treat``.
    """
    arrays = panel_arrays(
        data,
        outcome=outcome,
        unit=unit,
        time=time,
        treat=treat,
        weights=weights,
        cluster=cluster,
    )
    fit = fe_ols(
        arrays.y,
        arrays.d[:, None],
        [treat],
        arrays.unit,
        arrays.time,
        time_labels=list(arrays.time_labels),
        weights=arrays.weights,
        cluster=arrays.cluster,
        se=se,
        fe_dof=fe_dof,
        df=df,
    )
    estimate, std_error, dof = fit.coef(treat)
    terms = _t_terms(treat, estimate, std_error, dof, confidence)
    method = _method_text(fit, fe_dof, weights, dof, cluster)
    n_treated = int(np.unique(arrays.unit[arrays.d > 0]).size)
    row = terms.iloc[0]
    summary = (
        f"Two-way fixed-effects difference-in-differences on {arrays.outcome_name}: after "
        f"treatment began, treated areas' {arrays.outcome_name} changed by "
        f"{estimate:.4g} more than comparison areas' over the same years "
        f"({100 * confidence:g}% interval {row.conf_low:.4g} to {row.conf_high:.4g}; "
        f"p = {row.p_value:.3g}), from {fit.n_obs} area-years in "
        f"{len(arrays.unit_labels)} areas ({n_treated} treated), {fit.n_clusters} clusters. "
        "This assumes the groups would have moved in parallel without the programme."
    )
    return ImpactResult(
        name="twfe_did",
        estimator="Two-way fixed-effects difference-in-differences",
        outcome=arrays.outcome_name,
        terms=terms,
        method=method,
        n_obs=fit.n_obs,
        n_clusters=fit.n_clusters,
        confidence=confidence,
        notes=_notes(data),
        details={"fit": _fit_frame(fit, treat)},
        summary_text=summary,
    )


def _t_terms(term: str, estimate: float, std_error: float, dof: float, confidence: float):
    statistic = estimate / std_error
    p_value = 2 * stats.t.sf(abs(statistic), dof)
    half = stats.t.ppf(0.5 + confidence / 2, dof) * std_error
    return pd.DataFrame(
        [[term, estimate, std_error, statistic, p_value, estimate - half, estimate + half]],
        columns=list(TIDY_COLUMNS),
    )


def _method_text(
    fit: FEFit, fe_dof: str, weights: str | None, dof: float, cluster: str | None
) -> str:
    by = f"by {cluster} (blank: the area alone)" if cluster else "by area"
    wls = f"weighted least squares (weights: {weights})" if weights else "least squares"
    if fit.se_type == "CR1":
        counted = fe_dof == "full" or not fit.extra.get("nested", True)
        fe_text = "area effects counted" if counted else "area effects nested in clusters"
        se_text = (
            f"CR1 cluster-robust standard errors {by} with the small-sample factor "
            f"G/(G-1)·(N-1)/(N-K) = {fit.ssc:.4f} (G = {fit.n_clusters}, N = {fit.n_obs}, "
            f"K = {fit.k}, {fe_text}); "
            f"t distribution with {dof:g} df"
        )
    else:
        se_text = (
            f"CR2 (Bell–McCaffrey) cluster-robust standard errors {by}; t distribution "
            f"with {dof:.2f} df ({'G-1' if dof == fit.n_clusters - 1 else 'Satterthwaite'})"
        )
    return f"Area and year fixed effects, {wls}; {se_text}."


def _fit_frame(fit: FEFit, treat: str) -> pd.DataFrame:
    se = np.sqrt(np.diag(fit.vcov))
    return pd.DataFrame(
        {"term": list(fit.names), "estimate": fit.beta, "std_error": se, "df": fit.df}
    )


def _notes(data: AnalysisPanel | pd.DataFrame) -> tuple[str, ...]:
    return data.notes if isinstance(data, AnalysisPanel) else ()


# ---------------------------------------------------------------------------
# Poisson DiD
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PoissonFit:
    """A fitted Poisson fixed-effects model (area effects concentrated out)."""

    names: tuple[str, ...]
    beta: np.ndarray
    vcov: np.ndarray
    ssc: float
    n_obs: int
    n_clusters: int
    k: int
    iterations: int
    mu: np.ndarray


def fe_poisson(
    y: np.ndarray,
    x: np.ndarray,
    names: Sequence[str],
    unit: np.ndarray,
    time: np.ndarray | None = None,
    *,
    time_labels: Sequence[object] | None = None,
    offset: np.ndarray | None = None,
    cluster: np.ndarray | None = None,
    fe_dof: FEDof = "nested",
    tol: float = 1e-10,
    max_iter: int = 100,
) -> PoissonFit:
    """Poisson pseudo-maximum likelihood with unit (absorbed) and time (dummy) effects.

    Iteratively reweighted least squares in which each step removes the unit effects by
    the weighted within transformation; CR1 cluster-robust covariance (same factor as
    :func:`fe_ols`).
    """
    y = np.asarray(y, dtype=float)
    if (y < 0).any():
        raise AnalysisError("a Poisson model needs a non-negative outcome (counts or rates)")
    x = np.asarray(x, dtype=float).reshape(len(y), -1)
    unit = np.asarray(unit)
    cluster = unit if cluster is None else np.asarray(cluster)
    columns = list(names)
    if time is not None:
        labels = time_labels if time_labels is not None else list(range(int(time.max()) + 1))
        dummies, dummy_names = _time_dummies(np.asarray(time), labels)
        x = np.column_stack([x, dummies])
        columns += dummy_names
    off = np.zeros(len(y)) if offset is None else np.asarray(offset, dtype=float)
    n_units = int(unit.max()) + 1
    totals = np.bincount(unit, weights=y, minlength=n_units)
    if (totals <= 0).any():
        raise AnalysisError(
            f"{int((totals <= 0).sum())} area(s) have an outcome of zero in every period; "
            "their effect is not estimable in a Poisson model: drop them"
        )
    n_obs, k_x = x.shape
    # Start half-way between each value and its area's mean (positive: totals > 0).
    mu = 0.5 * (y + totals[unit] / np.bincount(unit, minlength=n_units)[unit])
    eta = np.log(mu)
    beta = np.zeros(k_x)
    deviance = np.inf
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        z = eta - off + (y - mu) / mu
        zt = within(z, unit, mu)
        xt = within(x, unit, mu)
        sw = np.sqrt(mu)
        xs = xt * sw[:, None]
        beta = np.linalg.solve(xs.T @ xs, xs.T @ (zt * sw))
        eta = off + z - (zt - xt @ beta)
        mu = np.exp(eta)
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(y > 0, y * np.log(y / mu), 0.0)
        new = 2 * np.sum(term - (y - mu))
        if abs(new - deviance) / (abs(new) + 0.1) < tol:
            deviance = new
            break
        deviance = new
    else:
        raise AnalysisError(f"the Poisson model did not converge in {max_iter} iterations")
    xt = within(x, unit, mu)
    bread = np.linalg.inv((xt * mu[:, None]).T @ xt)
    n_clusters = int(cluster.max()) + 1
    scores = _cluster_sums(xt * (y - mu)[:, None], cluster, n_clusters)
    nested = _nested(unit, cluster)
    k = k_x + _fe_count(fe_dof, nested, n_units)
    ssc = n_clusters / (n_clusters - 1) * (n_obs - 1) / (n_obs - k)
    vcov = ssc * bread @ (scores.T @ scores) @ bread
    return PoissonFit(
        names=tuple(columns),
        beta=beta,
        vcov=vcov,
        ssc=float(ssc),
        n_obs=n_obs,
        n_clusters=n_clusters,
        k=k,
        iterations=iterations,
        mu=mu,
    )


def poisson_did(
    data: AnalysisPanel | pd.DataFrame,
    *,
    outcome: str = "outcome",
    unit: str = "area_code",
    time: str = "year",
    treat: str = "post",
    population: str | None = None,
    cluster: str | None = None,
    fe_dof: FEDof = "nested",
    confidence: float = 0.95,
) -> ImpactResult:
    """Poisson fixed-effects DiD reported as a rate ratio.

    On a plain frame, ``outcome`` is modelled with a log offset of the column named by
    ``population`` (give event counts then), or with no offset when ``population`` is
    None (give a rate: Poisson pseudo-likelihood needs no integer outcome). On an
    :class:`AnalysisPanel` whose numerators and populations are all known, the counts are
    modelled with the log-population offset; a panel of rates only (the Fingertips
    extract) models the rate. Area and year effects; CR1 cluster-robust errors by area
    (or ``cluster``); normal-based interval on the log scale, exponentiated.
    ``std_error`` and ``statistic`` in the tidy row are on the log scale.
    """
    if isinstance(data, AnalysisPanel) and outcome == "outcome" and population is None:
        known = data.frame[["numerator", "population"]].notna().all().all()
        if known:
            outcome, population = "numerator", "population"
    use_population = population is not None
    arrays = panel_arrays(
        data,
        outcome=outcome,
        unit=unit,
        time=time,
        treat=treat,
        population=population if use_population else None,
        cluster=cluster,
    )
    offset = np.log(arrays.population) if arrays.population is not None else None
    fit = fe_poisson(
        arrays.y,
        arrays.d[:, None],
        [treat],
        arrays.unit,
        arrays.time,
        time_labels=list(arrays.time_labels),
        offset=offset,
        cluster=arrays.cluster,
        fe_dof=fe_dof,
    )
    log_rr = float(fit.beta[0])
    std_error = float(np.sqrt(fit.vcov[0, 0]))
    z = stats.norm.ppf(0.5 + confidence / 2)
    statistic = log_rr / std_error
    p_value = float(2 * stats.norm.sf(abs(statistic)))
    rate_ratio = np.exp(log_rr)
    low, high = np.exp(log_rr - z * std_error), np.exp(log_rr + z * std_error)
    terms = pd.DataFrame(
        [[treat, rate_ratio, std_error, statistic, p_value, low, high]],
        columns=list(TIDY_COLUMNS),
    )
    offset_text = (
        f"log({population}) offset on the counts in {outcome!r}"
        if offset is not None
        else f"no offset: the rate {outcome!r} is modelled directly"
    )
    method = (
        f"Poisson pseudo-maximum likelihood with area and year fixed effects, {offset_text}; "
        f"estimate is the rate ratio exp(b); CR1 cluster-robust standard errors by "
        f"{cluster + ' (blank: the area alone)' if cluster else 'area'} "
        f"(factor G/(G-1)·(N-1)/(N-K) = {fit.ssc:.4f}, K = {fit.k}) on the log scale, "
        "normal-based interval exponentiated."
    )
    change = 100 * (rate_ratio - 1)
    summary = (
        f"Poisson difference-in-differences on {arrays.outcome_name}: after treatment "
        f"began, treated areas' rate was {rate_ratio:.3f} times what the comparison areas' "
        f"trend implies ({change:+.1f}%; {100 * confidence:g}% interval {low:.3f} to "
        f"{high:.3f}; p = {p_value:.3g}), from {fit.n_obs} area-years in "
        f"{len(arrays.unit_labels)} areas, {fit.n_clusters} clusters."
    )
    details = {
        "log_scale": pd.DataFrame(
            {
                "term": list(fit.names),
                "estimate": fit.beta,
                "std_error": np.sqrt(np.diag(fit.vcov)),
            }
        )
    }
    return ImpactResult(
        name="poisson_did",
        estimator="Poisson fixed-effects difference-in-differences (rate ratio)",
        outcome=arrays.outcome_name,
        terms=terms,
        method=method,
        n_obs=fit.n_obs,
        n_clusters=fit.n_clusters,
        confidence=confidence,
        notes=_notes(data),
        details=details,
        summary_text=summary,
    )
