"""Matched comparison areas: nearest-neighbour matching on a propensity score or on
Mahalanobis distance, with balance tables.

Areas are matched on what they looked like before the programme — by default the
baseline level and baseline trend (slope per year) of the outcome, from
:func:`baseline_features`. Two distances:

- ``"propensity"``: a logistic regression of treatment on the covariates (statsmodels),
  matched on the logit of the propensity score (MatchIt's ``link = "linear.logit"``); the
  caliper is in standard deviations of that logit over all areas; treated areas are
  matched in descending order of the score (MatchIt's ``m.order = "largest"``);
- ``"mahalanobis"``: the covariates' Mahalanobis distance with the pooled within-group
  covariance (each covariate centred on its group mean, covariance over all areas), treated
  areas matched in data order.

Greedy 1:k matching: without replacement, every treated area gets its first control before
any gets a second (MatchIt's order); with replacement each treated area takes its k nearest.
Controls are weighted as MatchIt weights them for the ATT (each treated area shares a weight
of one among its controls; control weights rescaled to sum to the number of matched
controls). Balance is the standardised mean difference before and after matching, with the
denominator fixed from the unmatched sample: the pooled SD sqrt((s²_t + s²_c)/2) by default
(cobalt's choice for a symmetric comparison) or the treated SD (MatchIt's ``summary`` for
the ATT).

References: Ho, Imai, King & Stuart (2011), *MatchIt*, J. Stat. Softw. 42(8); Stuart (2010),
*Matching methods for causal inference*, Statistical Science 25(1); Austin (2011) on calipers
of 0.2 SD of the logit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pioneer.errors import AnalysisError
from pioneer.impact.event_study import _check_confidence, _check_panel, _numeric, _terms
from pioneer.impact.results import TIDY_COLUMNS, ImpactResult

__all__ = ["baseline_features", "match_areas", "match_panel"]

METHODS = ("propensity", "mahalanobis")
SD_DENOMINATORS = ("pooled", "treated")
ORDERS = ("largest", "smallest", "data", "closest")


def baseline_features(
    frame: pd.DataFrame,
    *,
    baseline: tuple[int, int],
    follow_up: tuple[int, int] | None = None,
    outcome: str = "outcome",
    unit: str = "area_code",
    time: str = "year",
    treat: str = "treated",
) -> pd.DataFrame:
    """One row per area: ``treated``, ``baseline_level`` (mean over the baseline years),
    ``baseline_trend`` (OLS slope per year over them) and, with ``follow_up``,
    ``follow_up_level`` and ``change`` (follow-up mean minus baseline mean).

    ``treat`` names an ever-treated column (bool or 0/1), constant within area.
    """
    data = _check_panel(frame, outcome=outcome, unit=unit, time=time, extra=(treat,))
    first, last = baseline
    if last <= first:
        raise AnalysisError(f"baseline must span at least two years; got {baseline!r}")
    base = data[(data[time] >= first) & (data[time] <= last)]
    n_years = last - first + 1
    counts = base.groupby(unit, sort=True)[time].nunique()
    areas = pd.Index(sorted(data[unit].unique()))
    short = areas[counts.reindex(areas, fill_value=0).to_numpy() < n_years]
    if len(short):
        raise AnalysisError(
            f"area {short[0]!r} lacks baseline years in {first}–{last} ({len(short)} area(s)). "
            "Fix: drop incomplete areas or shorten the baseline."
        )
    treated = _treat_flags(data, unit, treat)
    t = base[time].to_numpy(dtype=float)
    y = base[outcome].to_numpy()
    grouped = pd.DataFrame({unit: base[unit].to_numpy(), "t": t, "y": y})
    grouped["tc"] = grouped["t"] - grouped.groupby(unit)["t"].transform("mean")
    grouped["yc"] = grouped["y"] - grouped.groupby(unit)["y"].transform("mean")
    sums = grouped.assign(txy=grouped["tc"] * grouped["yc"], txx=grouped["tc"] ** 2).groupby(unit)
    out = pd.DataFrame(
        {
            unit: areas,
            "treated": treated.reindex(areas).to_numpy(),
            "baseline_level": grouped.groupby(unit)["y"].mean().reindex(areas).to_numpy(),
            "baseline_trend": (sums["txy"].sum() / sums["txx"].sum()).reindex(areas).to_numpy(),
        }
    )
    if follow_up is not None:
        f0, f1 = follow_up
        if f0 <= last:
            raise AnalysisError(
                f"follow-up {follow_up!r} must start after the baseline {baseline!r}"
            )
        fol = data[(data[time] >= f0) & (data[time] <= f1)]
        level = fol.groupby(unit)[outcome].mean().reindex(areas)
        if level.isna().any():
            raise AnalysisError(
                f"area {level.index[level.isna()][0]!r} has no data in the follow-up "
                f"{f0}–{f1}. Fix: drop it or change the follow-up."
            )
        out["follow_up_level"] = level.to_numpy()
        out["change"] = out["follow_up_level"] - out["baseline_level"]
    return out


def _treat_flags(data: pd.DataFrame, unit: str, treat: str) -> pd.Series:
    raw = data[treat]
    if pd.api.types.is_bool_dtype(raw):
        flags = raw.astype(bool)
    else:
        values = pd.to_numeric(raw.astype(object), errors="coerce")
        if values.isna().any() or not values.isin([0, 1]).all():
            bad = raw[values.isna() | ~values.isin([0, 1])].iloc[0]
            raise AnalysisError(
                f"column {treat!r} must be true/false or 0/1 (ever treated); found {bad!r}"
            )
        flags = values.astype(bool)
    per_unit = pd.DataFrame({unit: data[unit].to_numpy(), "t": flags.to_numpy()})
    spread = per_unit.groupby(unit)["t"].nunique()
    if (spread > 1).any():
        raise AnalysisError(
            f"column {treat!r} changes within area {spread.index[spread > 1][0]!r}; matching "
            "needs ever-treated status, constant within area"
        )
    return per_unit.groupby(unit)["t"].first()


def match_areas(
    units: pd.DataFrame,
    *,
    covariates: Sequence[str] = ("baseline_level", "baseline_trend"),
    unit: str = "area_code",
    treat: str = "treated",
    method: str = "propensity",
    k: int = 1,
    replace: bool = False,
    caliper: float | None = None,
    order: str | None = None,
    outcome: str | None = None,
    sd_denominator: str = "pooled",
    confidence: float = 0.95,
) -> ImpactResult:
    """Match each treated area to ``k`` control areas and report balance.

    ``units`` has one row per area. ``caliper`` (propensity only) is in SDs of the logit
    propensity score. ``order`` is the order in which treated areas pick controls:
    ``"largest"`` or ``"smallest"`` score first (default ``"largest"`` for propensity
    matching), ``"data"`` (row order; MatchIt's default for Mahalanobis, so the matches then
    depend on the row order) or ``"closest"`` (closest remaining pair first, independent of
    row order and labels).

    With ``outcome`` (e.g. ``"change"`` from :func:`baseline_features`) the term is the
    matched difference in that outcome (the ATT), from a weighted regression with CR1
    errors clustered on the matched sets (without replacement) or HC1 errors (with
    replacement); without it ``terms`` is empty. ``details``: ``matches`` (one row per
    treated-control pair), ``weights``, ``balance`` and, for propensity matching,
    ``propensity``.
    """
    _check_confidence(confidence)
    if method not in METHODS:
        raise AnalysisError(f"method must be one of {METHODS}; got {method!r}")
    if sd_denominator not in SD_DENOMINATORS:
        raise AnalysisError(
            f"sd_denominator must be one of {SD_DENOMINATORS}; got {sd_denominator!r}"
        )
    if not isinstance(k, int | np.integer) or isinstance(k, bool) or k < 1:
        raise AnalysisError(f"k (controls per treated area) must be a whole number ≥ 1; got {k!r}")
    order = order or ("largest" if method == "propensity" else "data")
    if order not in ORDERS or (method == "mahalanobis" and order in ("largest", "smallest")):
        allowed = ORDERS if method == "propensity" else ("data", "closest")
        raise AnalysisError(f"order must be one of {allowed} for {method} matching; got {order!r}")
    if caliper is not None and method != "propensity":
        raise AnalysisError("a caliper applies to propensity-score matching only")
    if caliper is not None and not caliper > 0:
        raise AnalysisError(
            f"caliper must be positive (in SDs of the logit score); got {caliper!r}"
        )
    covariates = list(covariates)
    if not covariates:
        raise AnalysisError("give at least one covariate to match on")
    needed = [unit, treat, *covariates] + ([outcome] if outcome else [])
    if not isinstance(units, pd.DataFrame):
        raise AnalysisError("units must be a pandas DataFrame with one row per area")
    missing = [c for c in dict.fromkeys(needed) if c not in units.columns]
    if missing:
        raise AnalysisError(
            f"the area table has no column(s) {missing}; it has {list(units.columns)}"
        )
    data = units.loc[:, list(dict.fromkeys(needed))].copy()
    data[unit] = data[unit].astype(str)
    if data[unit].duplicated().any():
        raise AnalysisError(
            f"area {data[unit][data[unit].duplicated()].iloc[0]!r} appears twice in the area "
            "table; matching needs one row per area (use baseline_features on a panel)"
        )
    flags = _treat_flags(data, unit, treat)
    data["_treated"] = data[unit].map(flags).astype(bool)
    for column in covariates + ([outcome] if outcome else []):
        data[column] = _numeric(data, column, unit, treat, "the area table")
        if data[column].isna().any():
            bad = data.loc[data[column].isna(), unit].iloc[0]
            raise AnalysisError(f"column {column!r} is missing for area {bad!r}; drop it first")
    n_treated = int(data["_treated"].sum())
    n_control = len(data) - n_treated
    if n_treated == 0 or n_control == 0:
        raise AnalysisError(
            f"matching needs treated and control areas; found {n_treated} treated and "
            f"{n_control} control"
        )
    if not replace and n_control < k * n_treated:
        raise AnalysisError(
            f"only {n_control} control areas for {n_treated} treated × {k} without replacement. "
            "Fix: match with replacement or lower k."
        )
    x = data[covariates].to_numpy(dtype=float)
    is_t = data["_treated"].to_numpy()
    details: dict[str, pd.DataFrame] = {}
    if method == "propensity":
        score = _logit_score(x, is_t)
        width = None if caliper is None else caliper * float(np.std(score, ddof=1))
        ranks = np.argsort(-score[is_t] if order == "largest" else score[is_t], kind="stable")
        sequence = ranks if order in ("largest", "smallest") else np.arange(n_treated)
        distance = np.abs(score[is_t][:, None] - score[~is_t][None, :])
        details["propensity"] = pd.DataFrame(
            {
                unit: data[unit].to_numpy(),
                "treated": is_t,
                "logit_ps": score,
                "propensity": 1 / (1 + np.exp(-score)),
            }
        )
        what = "logit propensity score"
    else:
        distance = _mahalanobis(x, is_t)
        width = None
        sequence = np.arange(n_treated)
        what = "Mahalanobis distance (pooled within-group covariance)"
    pairs = _greedy(distance, sequence, k, replace, width, closest=order == "closest")
    t_ids = data[unit].to_numpy()[is_t]
    c_ids = data[unit].to_numpy()[~is_t]
    matches = pd.DataFrame(
        [
            {
                "treated_unit": t_ids[i],
                "slot": s + 1,
                "control_unit": c_ids[j],
                "distance": distance[i, j],
                "subclass": i,
            }
            for i, s, j in pairs
        ],
        columns=["treated_unit", "slot", "control_unit", "distance", "subclass"],
    )
    weights = _weights(data[unit].to_numpy(), is_t, pairs, n_treated, len(c_ids), unit)
    if not replace:
        # number the matched sets 1, 2… in the order their treated areas were first matched
        number = {i: n + 1 for n, i in enumerate(dict.fromkeys(p[0] for p in pairs))}
        matches["subclass"] = matches["subclass"].map(number)
        sub = {t_ids[i]: number[i] for i in number}
        sub.update({c_ids[j]: number[i] for i, _, j in pairs})
        weights["subclass"] = weights[unit].map(sub).astype("Int64")
    else:
        matches = matches.drop(columns="subclass")
        weights["subclass"] = pd.array([pd.NA] * len(weights), dtype="Int64")
    details["matches"] = matches
    details["weights"] = weights
    details["balance"] = _balance(
        data, covariates, is_t, weights["weight"].to_numpy(), sd_denominator
    )

    n_matched_t = int(matches["treated_unit"].nunique()) if len(matches) else 0
    notes = [
        f"{n_matched_t} of {n_treated} treated areas matched to "
        f"{int((weights['weight'] > 0).sum()) - n_matched_t} distinct control areas "
        f"({k}:1, {'with' if replace else 'without'} replacement"
        f"{f', caliper {caliper:g} SD' if caliper is not None else ''})."
    ]
    if n_matched_t < n_treated:
        notes.append(
            f"{n_treated - n_matched_t} treated area(s) had no control within the caliper and "
            "are left out: the estimate is for the matched treated areas only."
        )
    terms, n_clusters, se_text = _effect(data, outcome, weights, replace, confidence)
    method_text = (
        f"Greedy nearest-neighbour {k}:1 matching {'with' if replace else 'without'} "
        f"replacement on the {what}"
        f"{f' within a caliper of {caliper:g} SD of the logit score' if caliper else ''}"
        f"; balance as standardised mean differences with the {sd_denominator} SD of the "
        f"unmatched sample. {se_text}"
    )
    summary = _summary(details["balance"], terms, outcome, notes, confidence)
    return ImpactResult(
        name="matching",
        estimator=f"{'Propensity-score' if method == 'propensity' else 'Mahalanobis'} matching",
        outcome=outcome or "",
        terms=terms,
        method=method_text,
        n_obs=int((weights["weight"] > 0).sum()),
        n_clusters=n_clusters,
        confidence=confidence,
        notes=tuple(notes),
        details=details,
        summary_text=summary,
    )


def match_panel(
    frame: pd.DataFrame,
    *,
    baseline: tuple[int, int],
    follow_up: tuple[int, int],
    outcome: str = "outcome",
    unit: str = "area_code",
    time: str = "year",
    treat: str = "treated",
    **options: object,
) -> ImpactResult:
    """Match on baseline level and trend of a panel's outcome and estimate the matched
    difference in its change from baseline to follow-up (a matched DiD).

    ``options`` go to :func:`match_areas` (``method``, ``k``, ``replace``, ``caliper``…).
    """
    units = baseline_features(
        frame,
        baseline=baseline,
        follow_up=follow_up,
        outcome=outcome,
        unit=unit,
        time=time,
        treat=treat,
    )
    result = match_areas(units, unit=unit, treat="treated", outcome="change", **options)  # type: ignore[arg-type]
    details = dict(result.details)
    details["areas"] = units
    return ImpactResult(
        name=result.name,
        estimator=result.estimator,
        outcome=outcome,
        terms=result.terms.assign(term=f"matched difference in change in {outcome}"),
        method=result.method
        + f" Outcome: change in the mean of {outcome} from {baseline[0]}–{baseline[1]} to "
        f"{follow_up[0]}–{follow_up[1]}.",
        n_obs=result.n_obs,
        n_clusters=result.n_clusters,
        confidence=result.confidence,
        notes=result.notes,
        details=details,
        summary_text=result.summary_text.replace("change", f"change in {outcome}", 1),
    )


# ---------------------------------------------------------------------------------------------


def _logit_score(x: np.ndarray, treated: np.ndarray) -> np.ndarray:
    """The linear predictor of a logistic regression of treatment on ``x`` (with intercept)."""
    import warnings

    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import (
        ConvergenceWarning,
        PerfectSeparationError,
        PerfectSeparationWarning,
    )

    design = np.column_stack([np.ones(len(x)), x])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PerfectSeparationWarning)
            warnings.simplefilter("error", ConvergenceWarning)
            fit = GLM(treated.astype(float), design, family=families.Binomial()).fit(
                tol=1e-12, maxiter=100
            )
    except (
        PerfectSeparationError,
        PerfectSeparationWarning,
        ConvergenceWarning,
        np.linalg.LinAlgError,
    ) as error:
        raise AnalysisError(
            "the propensity model cannot be fitted (treated and control areas are perfectly "
            f"separated by the covariates: {error}). Fix: use Mahalanobis matching or fewer "
            "covariates."
        ) from error
    score = design @ fit.params
    if not np.all(np.isfinite(score)) or np.max(np.abs(score)) > 30:
        raise AnalysisError(
            "the propensity model separates treated from control areas (scores near 0 or 1); "
            "matching on it would not be meaningful. Fix: use Mahalanobis matching."
        )
    return score


def _mahalanobis(x: np.ndarray, treated: np.ndarray) -> np.ndarray:
    centred = x.copy()
    for group in (treated, ~treated):
        centred[group] -= centred[group].mean(axis=0)
    cov = np.atleast_2d(np.cov(centred, rowvar=False, ddof=1))
    if np.linalg.matrix_rank(cov) < cov.shape[0]:
        raise AnalysisError("the covariates are collinear; drop one before Mahalanobis matching")
    inv = np.linalg.inv(cov)
    diff = x[treated][:, None, :] - x[~treated][None, :, :]
    return np.sqrt(np.einsum("ijk,kl,ijl->ij", diff, inv, diff))


def _greedy(
    distance: np.ndarray,
    order: np.ndarray,
    k: int,
    replace: bool,
    width: float | None,
    *,
    closest: bool = False,
) -> list[tuple[int, int, int]]:
    """(treated index, slot, control index) triples, in matching order."""
    allowed = np.ones_like(distance, dtype=bool) if width is None else distance <= width
    pairs: list[tuple[int, int, int]] = []
    if closest and not replace:
        free = np.ones(distance.shape[1], dtype=bool)
        for s in range(k):
            waiting = np.zeros(distance.shape[0], dtype=bool)
            waiting[list({p[0] for p in pairs if p[1] == s - 1} if s else range(len(waiting)))] = (
                True
            )
            while waiting.any():
                masked = np.where(allowed & free[None, :] & waiting[:, None], distance, np.inf)
                if not np.isfinite(masked).any():
                    break
                i, j = np.unravel_index(int(np.argmin(masked)), masked.shape)
                pairs.append((int(i), s, int(j)))
                waiting[i] = False
                free[j] = False
        return pairs
    if replace:
        for i in order:
            candidates = np.flatnonzero(allowed[i])
            chosen = candidates[np.argsort(distance[i, candidates], kind="stable")][:k]
            pairs.extend((int(i), s, int(j)) for s, j in enumerate(chosen))
        return pairs
    free = np.ones(distance.shape[1], dtype=bool)
    active = np.ones(distance.shape[0], dtype=bool)
    for s in range(k):
        for i in order:
            if not active[i]:
                continue
            candidates = np.flatnonzero(allowed[i] & free)
            if len(candidates) == 0:
                active[i] = False
                continue
            j = int(candidates[np.argmin(distance[i, candidates])])
            free[j] = False
            pairs.append((int(i), s, j))
    return pairs


def _weights(
    ids: np.ndarray,
    is_t: np.ndarray,
    pairs: list[tuple[int, int, int]],
    n_treated: int,
    n_control: int,
    unit: str,
) -> pd.DataFrame:
    """MatchIt's ATT weights: 1 for matched treated areas; each treated area's weight shared
    among its controls, the control weights rescaled to sum to the number of controls used."""
    per_treated = np.bincount([p[0] for p in pairs], minlength=n_treated)
    t_weight = (per_treated > 0).astype(float)
    c_weight = np.zeros(n_control)
    for i, _, j in pairs:
        c_weight[j] += 1.0 / per_treated[i]
    matched = c_weight > 0
    if matched.any():
        c_weight *= matched.sum() / c_weight.sum()
    weight = np.zeros(len(ids))
    weight[is_t] = t_weight
    weight[~is_t] = c_weight
    return pd.DataFrame({unit: ids, "treated": is_t, "weight": weight})


def _balance(
    data: pd.DataFrame, covariates: list[str], is_t: np.ndarray, w: np.ndarray, denominator: str
) -> pd.DataFrame:
    rows = []
    for column in covariates:
        x = data[column].to_numpy(dtype=float)
        xt, xc = x[is_t], x[~is_t]
        sd = (
            np.sqrt((np.var(xt, ddof=1) + np.var(xc, ddof=1)) / 2)
            if denominator == "pooled"
            else np.std(xt, ddof=1)
        )
        wt, wc = w[is_t], w[~is_t]
        after_t = np.average(xt, weights=wt) if wt.sum() > 0 else np.nan
        after_c = np.average(xc, weights=wc) if wc.sum() > 0 else np.nan
        rows.append(
            {
                "covariate": column,
                "mean_treated_before": xt.mean(),
                "mean_control_before": xc.mean(),
                "smd_before": (xt.mean() - xc.mean()) / sd if sd > 0 else np.nan,
                "mean_treated_after": after_t,
                "mean_control_after": after_c,
                "smd_after": (after_t - after_c) / sd if sd > 0 else np.nan,
                "variance_ratio_before": np.var(xt, ddof=1) / np.var(xc, ddof=1),
                "sd_denominator": denominator,
            }
        )
    return pd.DataFrame(rows)


def _effect(
    data: pd.DataFrame,
    outcome: str | None,
    weights: pd.DataFrame,
    replace: bool,
    confidence: float,
) -> tuple[pd.DataFrame, int | None, str]:
    if outcome is None:
        return pd.DataFrame(columns=list(TIDY_COLUMNS)), None, "No outcome: balance only."
    keep = weights["weight"].to_numpy() > 0
    y = data[outcome].to_numpy(dtype=float)[keep]
    d = data["_treated"].to_numpy(dtype=float)[keep]
    w = weights["weight"].to_numpy()[keep]
    x = np.column_stack([np.ones(len(y)), d])
    xw = x * w[:, None]
    bread = np.linalg.inv(x.T @ xw)
    beta = bread @ (xw.T @ y)
    resid = y - x @ beta
    scores = xw * resid[:, None]
    n, p = x.shape
    if replace:
        meat = scores.T @ scores
        adjust = n / (n - p)
        df = n - p
        clusters = None
        text = (
            "Effect: weighted regression of the outcome on treatment with the matching "
            f"weights; HC1 standard errors (matched with replacement), t on {df} df."
        )
    else:
        codes = np.unique(weights["subclass"].to_numpy()[keep].astype(int), return_inverse=True)[1]
        g = int(codes.max()) + 1
        summed = np.zeros((g, p))
        np.add.at(summed, codes, scores)
        meat = summed.T @ summed
        adjust = g / (g - 1) * (n - 1) / (n - p)
        df = g - 1
        clusters = g
        text = (
            "Effect: weighted regression of the outcome on treatment with the matching "
            "weights; CR1 standard errors clustered on the matched sets, "
            f"G/(G−1)×(N−1)/(N−K), t on G−1 = {df} df."
        )
    vcov = adjust * bread @ meat @ bread
    terms = _terms(
        [f"matched difference in {outcome}"],
        beta[1:],
        np.sqrt(np.clip(np.diag(vcov), 0, None))[1:],
        df,
        confidence,
    )
    return terms, clusters, text


def _summary(
    balance: pd.DataFrame,
    terms: pd.DataFrame,
    outcome: str | None,
    notes: list[str],
    confidence: float,
) -> str:
    parts = [notes[0]]
    for row in balance.itertuples(index=False):
        parts.append(
            f"{row.covariate}: standardised difference {row.smd_before:.2f} before, "
            f"{row.smd_after:.2f} after matching."
        )
    worst = balance["smd_after"].abs().max()
    parts.append(
        "All covariates within 0.1 SD after matching."
        if worst <= 0.1
        else f"Largest remaining imbalance {worst:.2f} SD (above the usual 0.1 threshold)."
    )
    if outcome and len(terms):
        row = terms.iloc[0]
        parts.append(
            f"Matched difference in {outcome}: {row['estimate']:.4g} "
            f"({100 * confidence:g}% CI {row['conf_low']:.4g} to {row['conf_high']:.4g}; "
            f"p = {row['p_value']:.3g})."
        )
    return " ".join(parts)
