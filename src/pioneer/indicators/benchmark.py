"""Benchmarking as Fingertips does it: comparisons, quintiles and recent trends.

Each rule follows the published Fingertips method (PHE/OHID "Public health technical
guidance" and the Fingertips source, ``fingertips-open``; the trend test also as in
PHEindicatormethods' ``assign_trend_markers``). ``docs/indicators/benchmarking.md`` states
every rule with its source. All functions work on whole arrays or frames at once.

Polarity: ``lower_is_better`` (Fingertips "RAG – Low is good"), ``higher_is_better`` ("RAG
– High is good"), ``no_judgement`` ("BOB – Blue orange blue": differences are shown as
higher or lower, never better or worse) and ``not_applicable`` (never compared).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from pioneer.errors import AnalysisError

POLARITIES = ("lower_is_better", "higher_is_better", "no_judgement", "not_applicable")
NOT_COMPARED = "Not compared"
SIMILAR = "Similar"
COMPARISONS = ("Better", SIMILAR, "Worse", "Higher", "Lower", NOT_COMPARED)
QUINTILE_LABELS = {
    "lower_is_better": ("Best", "Better", "Middle", "Worse", "Worst"),
    "higher_is_better": ("Worst", "Worse", "Middle", "Better", "Best"),
    "no_judgement": ("Lowest", "Lower", "Middle", "Higher", "Highest"),
}
CANNOT = "Cannot be calculated"
NO_CHANGE = "No significant change"
TREND_POINTS = 5
TREND_CONFIDENCE = 0.998
TREND_GROUPS = ("indicator_id", "area_code", "sex", "age")
CHI_SQUARE = "chi-square test for trend"
REGRESSION = "weighted regression on 95% limits"


def _polarities(polarity: Any, size: int) -> np.ndarray:
    array = np.asarray(
        [polarity] * size if isinstance(polarity, str) or polarity is None else list(polarity),
        dtype=object,
    )
    if array.shape != (size,):
        raise AnalysisError(f"give one polarity or one per value ({size}), got {array.shape[0]}")
    array = np.where(pd.isna(array) | (array == ""), "not_applicable", array)
    unknown = sorted(set(array) - set(POLARITIES))
    if unknown:
        raise AnalysisError(f"unknown polarity {unknown[0]!r}; use one of {', '.join(POLARITIES)}")
    return array


def _floats(values: Any, size: int | None = None) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim == 0 and size is not None:
        array = np.full(size, float(array))
    return np.atleast_1d(array)


def _index_of(*values: Any) -> pd.Index | None:
    for value in values:
        if isinstance(value, pd.Series):
            return value.index
    return None


def _direction_labels(higher: np.ndarray, polarity: np.ndarray) -> np.ndarray:
    """'Higher'/'Lower' turned into 'Better'/'Worse' where polarity allows."""
    good = np.where(polarity == "higher_is_better", higher, ~higher)
    judged = np.where(good, "Better", "Worse")
    plain = np.where(higher, "Higher", "Lower")
    return np.where(polarity == "no_judgement", plain, judged)


def compare(
    value: Any, lower: Any, upper: Any, comparator_value: Any, polarity: Any
) -> np.ndarray | pd.Series:
    """Fingertips' comparison of an area with a comparator, one label per value.

    ``Similar`` when the comparator's value lies inside the area's interval (limits
    included); otherwise ``Better``/``Worse`` by polarity, or ``Higher``/``Lower`` for
    ``no_judgement``. ``Not compared`` when the polarity is ``not_applicable`` or the value,
    either limit or the comparator's value is missing. Inputs broadcast; a Series in gives
    a Series out with its index.
    """
    index = _index_of(value, lower, upper, comparator_value)
    value = _floats(value)
    size = value.shape[0]
    lower, upper = _floats(lower, size), _floats(upper, size)
    other = _floats(comparator_value, size)
    if not lower.shape == upper.shape == other.shape == value.shape:
        raise AnalysisError("value, limits and comparator value must have the same length")
    polarity_array = _polarities(polarity, size)
    missing = np.isnan(value) | np.isnan(lower) | np.isnan(upper) | np.isnan(other)
    skip = missing | (polarity_array == "not_applicable")
    with np.errstate(invalid="ignore"):
        inside = (other >= lower) & (other <= upper)
        higher = other < lower
    labels = np.where(inside, SIMILAR, _direction_labels(higher, polarity_array))
    labels = np.where(skip, NOT_COMPARED, labels).astype(object)
    return pd.Series(labels, index=index, dtype=object) if index is not None else labels


def compare_levels(
    value: Any,
    lower_95: Any,
    upper_95: Any,
    lower_99_8: Any,
    upper_99_8: Any,
    comparator_value: Any,
    polarity: Any,
) -> np.ndarray | pd.Series:
    """The two-level variant: significant at 99.8%, at 95% only, or similar.

    Labels: ``Better (99.8%)``, ``Better (95%)``, ``Similar``, ``Worse (95%)``,
    ``Worse (99.8%)`` (``Higher``/``Lower`` for ``no_judgement``) and ``Not compared`` when
    any of the four limits, the value or the comparator's value is missing.
    """
    at_95 = np.asarray(compare(value, lower_95, upper_95, comparator_value, polarity), object)
    at_998 = np.asarray(
        compare(value, lower_99_8, upper_99_8, comparator_value, polarity), dtype=object
    )
    blank = (at_95 == NOT_COMPARED) | (at_998 == NOT_COMPARED)
    labels = np.where(
        at_998 != SIMILAR,
        np.char.add(at_998.astype(str), " (99.8%)"),
        np.where(at_95 != SIMILAR, np.char.add(at_95.astype(str), " (95%)"), SIMILAR),
    )
    labels = np.where(blank, NOT_COMPARED, labels).astype(object)
    index = _index_of(value, lower_95, upper_95, lower_99_8, upper_99_8, comparator_value)
    return pd.Series(labels, index=index, dtype=object) if index is not None else labels


def _ntile(values: np.ndarray, buckets: int = 5) -> np.ndarray:
    """SQL NTILE over ascending values: bucket numbers 1..buckets, as even as possible.

    With n values the first n mod 5 buckets hold one more; ties keep input order.
    """
    order = np.argsort(values, kind="stable")
    size, extra = divmod(len(values), buckets)
    ends = np.cumsum([size + (1 if b < extra else 0) for b in range(buckets)])
    position = np.empty(len(values), dtype=int)
    position[order] = np.arange(len(values))
    return np.searchsorted(ends, position, side="right") + 1


def quintiles(values: Any, polarity: str, *, minimum: int = 5) -> np.ndarray | pd.Series:
    """Fingertips quintiles of a set of areas' values, one label per value.

    The areas with a value are ranked from lowest to highest and split into five groups as
    SQL's NTILE(5) does (the first groups take one more area when the count is not a
    multiple of five). Labels: ``Best``…``Worst`` for polarity indicators (lowest = best
    when lower is better), ``Lowest``, ``Lower``, ``Middle``, ``Higher``, ``Highest`` for
    ``no_judgement``. Missing values, ``not_applicable`` polarity or fewer than ``minimum``
    areas with a value give ``Not compared``.
    """
    index = _index_of(values)
    array = _floats(values)
    (kind,) = _polarities(polarity, 1)
    labels = np.full(array.shape[0], NOT_COMPARED, dtype=object)
    valued = ~np.isnan(array)
    if kind != "not_applicable" and valued.sum() >= minimum:
        names = np.asarray(QUINTILE_LABELS[kind], dtype=object)
        labels[valued] = names[_ntile(array[valued]) - 1]
    return pd.Series(labels, index=index, dtype=object) if index is not None else labels


def quintile_among(value: float, others: Any, polarity: str, *, minimum: int = 5) -> str:
    """The quintile of one area (e.g. a site) ranked among other areas' values.

    The area is added to the others and :func:`quintiles` applied; on a tie it takes the
    lower position. ``minimum`` counts the others with a value.
    """
    array = _floats(others)
    if np.isnan(value) or (~np.isnan(array)).sum() < minimum:
        return NOT_COMPARED
    return str(quintiles(np.concatenate([[value], array]), polarity, minimum=minimum)[0])


# --- recent trend --------------------------------------------------------------------


def chi_square_trend(x: Any, n: Any, score: Any = None) -> tuple[float, float]:
    """Chi-square test for trend in proportions (Armitage), as R's ``prop.trend.test``.

    ``x`` events out of ``n`` in ordered groups with scores ``score`` (default 1, 2, …).
    Returns the statistic (1 degree of freedom) and its p-value.
    """
    x_array, n_array = _floats(x)[None, :], _floats(n)[None, :]
    scores = np.arange(1, x_array.shape[1] + 1, dtype=float) if score is None else _floats(score)
    statistic, _ = _armitage(x_array, n_array, scores[None, :])
    return float(statistic[0]), float(stats.chi2.sf(statistic[0], 1))


def _armitage(x: np.ndarray, n: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise Armitage statistic and the sign of the trend (NaN where undefined).

    chi² = N (N Σxt − X Σnt)² / (X (N − X) (N Σnt² − (Σnt)²)), the form in the Fingertips
    source; it equals the weighted-regression form R uses.
    """
    big_n, big_x = n.sum(axis=1), x.sum(axis=1)
    sum_xt, sum_nt, sum_nt2 = (x * t).sum(axis=1), (n * t).sum(axis=1), (n * t * t).sum(axis=1)
    lead = big_n * sum_xt - big_x * sum_nt
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = big_n * lead**2 / (big_x * (big_n - big_x) * (big_n * sum_nt2 - sum_nt**2))
    return statistic, np.sign(lead)


def _regression(v: np.ndarray, se: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise weighted least-squares slope of value on time (weights 1/se²) and χ²."""
    w = 1.0 / se**2
    s1, s2, s3 = w.sum(axis=1), (w * v * t).sum(axis=1), (w * t).sum(axis=1)
    s4, s5 = (w * v).sum(axis=1), (w * t * t).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = s1 * s5 - s3**2
        slope = (s1 * s2 - s3 * s4) / spread
        statistic = slope**2 * spread / s1
    return statistic, slope


def _leave_one_out_agrees(
    direction: np.ndarray, columns: Sequence[np.ndarray], signed: Any
) -> np.ndarray:
    """True where every fit without one of the points has the same trend direction."""
    points = columns[0].shape[1]
    agrees = np.ones(columns[0].shape[0], dtype=bool)
    for drop in range(points):
        keep = [i for i in range(points) if i != drop]
        sign = np.sign(signed(*(c[:, keep] for c in columns)))
        agrees &= sign == direction
    return agrees


def _trend_labels(direction: np.ndarray, polarity: np.ndarray) -> np.ndarray:
    increasing = direction > 0
    word = np.where(increasing, "Increasing", "Decreasing")
    better = np.where(polarity == "higher_is_better", increasing, ~increasing)
    judged = np.char.add(
        np.char.add(word.astype(str), " and getting "),
        np.where(better, "better", "worse"),
    )
    judging = (polarity == "higher_is_better") | (polarity == "lower_is_better")
    return np.where(judging, judged, word)


def recent_trend(
    frame: pd.DataFrame,
    polarity: str | Mapping[str, str],
    *,
    group_by: Sequence[str] = TREND_GROUPS,
    points: int = TREND_POINTS,
    confidence: float = TREND_CONFIDENCE,
    method: str = "auto",
) -> pd.DataFrame:
    """Fingertips' recent trend of each series over its latest ``points`` periods.

    ``frame`` is in the indicator-frame shape; one series per ``group_by`` group, ordered
    by ``year``. ``polarity`` is one polarity or a mapping indicator id → polarity.

    Method (``auto``): the chi-square test for trend in proportions on the counts and
    denominators when every one of the latest points has both; otherwise, when every point
    has a value and 95% limits, Fingertips' weighted regression of the value on time with
    weights 1/se² (se from the 95% interval), its χ² = (slope/se(slope))². Either is
    significant when χ² exceeds the ``confidence`` quantile of χ²(1) (9.5495 at 99.8%) and
    leaving out any one point never reverses the direction (Fingertips' outlier check).
    ``method`` may force ``chi_square`` or ``regression``.

    ``Cannot be calculated`` (with ``trend_reason``) for fewer than ``points`` periods,
    pooled (overlapping) periods, a gap between years, or missing inputs — the case for
    the packaged Fingertips extracts, which carry neither counts nor limits.

    Returns one row per group: the ``group_by`` columns, ``recent_trend``,
    ``trend_method``, ``trend_statistic`` (χ²), ``trend_periods`` and ``trend_reason``.
    """
    if method not in ("auto", "chi_square", "regression"):
        raise AnalysisError(f"method must be 'auto', 'chi_square' or 'regression', not {method!r}")
    if not 0.9 <= confidence < 1:
        raise AnalysisError(f"confidence must lie in [0.9, 1), got {confidence!r}")
    if points < 3:
        raise AnalysisError(f"a trend needs at least 3 points, got {points}")
    keys = list(group_by)
    needed = [*keys, "period", "year", "numerator", "denominator", "value", "lower_95", "upper_95"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise AnalysisError(f"recent_trend needs the column(s) {', '.join(missing)}")
    ordered = frame.sort_values([*keys, "year"], kind="stable")
    latest = ordered.groupby(keys, sort=True, dropna=False).tail(points)
    groups = latest.groupby(keys, sort=True, dropna=False)
    summary = groups.agg(
        n_points=("year", "size"),
        first_period=("period", "first"),
        last_period=("period", "last"),
        pooled=("period", lambda p: bool(p.str.contains("-", regex=False).any())),
        consecutive=("year", lambda y: bool((np.diff(y.to_numpy()) == 1).all())),
        has_counts=("numerator", lambda s: bool(s.notna().all())),
        has_denominators=("denominator", lambda s: bool(s.notna().all())),
        has_values=("value", lambda s: bool(s.notna().all())),
        has_limits=("lower_95", lambda s: bool(s.notna().all())),
        has_uppers=("upper_95", lambda s: bool(s.notna().all())),
    ).reset_index()
    count = len(summary)
    result = summary[keys].copy()
    trend = np.full(count, CANNOT, dtype=object)
    reason = np.full(count, "", dtype=object)
    used = np.full(count, "", dtype=object)
    statistic = np.full(count, np.nan)

    full = summary["n_points"].to_numpy() == points
    clean = full & ~summary["pooled"].to_numpy() & summary["consecutive"].to_numpy()
    counts = summary["has_counts"].to_numpy() & summary["has_denominators"].to_numpy()
    limits = (
        summary["has_values"].to_numpy()
        & summary["has_limits"].to_numpy()
        & summary["has_uppers"].to_numpy()
    )
    use_chi = clean & counts & (method in ("auto", "chi_square"))
    use_reg = clean & ~use_chi & limits & (method in ("auto", "regression"))
    reason[~full] = f"fewer than {points} periods"
    reason[full & summary["pooled"].to_numpy()] = "pooled (overlapping) periods are not tested"
    reason[full & ~summary["pooled"].to_numpy() & ~summary["consecutive"].to_numpy()] = (
        "a gap between the years of the latest periods"
    )
    absent = clean & ~use_chi & ~use_reg
    reason[absent] = {
        "auto": "no counts and denominators, nor 95% limits, for every one of the latest periods",
        "chi_square": "no counts and denominators for every one of the latest periods",
        "regression": "no values and 95% limits for every one of the latest periods",
    }[method]
    critical = float(stats.chi2.ppf(confidence, 1))
    polarity_of = _group_polarities(summary, polarity)
    position = {key: i for i, key in enumerate(_key_tuples(summary, keys))}
    latest = latest.assign(_group=[position[k] for k in _key_tuples(latest, keys)])
    t = np.tile(np.arange(1, points + 1, dtype=float), (count, 1))

    for chosen, kind in ((use_chi, CHI_SQUARE), (use_reg, REGRESSION)):
        if not chosen.any():
            continue
        rows = latest[latest["_group"].isin(np.flatnonzero(chosen))].sort_values(
            ["_group", "year"], kind="stable"
        )
        where = np.flatnonzero(chosen)
        times = t[where]
        if kind == CHI_SQUARE:
            x = rows["numerator"].to_numpy(float).reshape(-1, points)
            n = rows["denominator"].to_numpy(float).reshape(-1, points)
            chi, direction = _armitage(x, n, times)
            steady = _leave_one_out_agrees(
                direction, (x, n, times), lambda a, b, c: _armitage(a, b, c)[1]
            )
        else:
            v = rows["value"].to_numpy(float).reshape(-1, points)
            z = float(stats.norm.ppf(0.975))
            se = (rows["upper_95"].to_numpy(float) - rows["lower_95"].to_numpy(float)) / (2 * z)
            se = se.reshape(-1, points)
            chi, slope = _regression(v, se, times)
            direction = np.sign(slope)
            steady = _leave_one_out_agrees(
                direction, (v, se, times), lambda a, b, c: _regression(a, b, c)[1]
            )
        defined = ~np.isnan(chi)
        significant = defined & (chi > critical) & (direction != 0)
        labels = np.where(
            significant & steady,
            _trend_labels(direction, polarity_of[where]),
            NO_CHANGE,
        ).astype(object)
        why = np.where(
            ~defined,
            "the test is undefined (no events, or every point an event)",
            np.where(
                significant & ~steady,
                "significant, but leaving out one point reverses the direction",
                np.where(significant, f"χ² > {critical:.4f}", f"χ² ≤ {critical:.4f}"),
            ),
        )
        labels = np.where(defined, labels, CANNOT)
        trend[where], reason[where], statistic[where] = labels, why, chi
        used[where] = kind

    result["recent_trend"] = trend
    result["trend_method"] = used
    result["trend_statistic"] = statistic
    result["trend_periods"] = np.where(
        full,
        summary["first_period"].astype(str) + " to " + summary["last_period"].astype(str),
        "",
    )
    result["trend_reason"] = reason
    for column in ("recent_trend", "trend_method", "trend_periods", "trend_reason"):
        result[column] = result[column].astype(str)
    return result


def _key_tuples(frame: pd.DataFrame, keys: Sequence[str]) -> list[tuple[Any, ...]]:
    return list(frame[list(keys)].itertuples(index=False, name=None))


def _group_polarities(summary: pd.DataFrame, polarity: str | Mapping[str, str]) -> np.ndarray:
    if isinstance(polarity, str):
        return _polarities(polarity, len(summary))
    if "indicator_id" not in summary.columns:
        raise AnalysisError("a polarity per indicator needs 'indicator_id' among group_by")
    ids = summary["indicator_id"]
    unknown = sorted(set(ids) - set(polarity))
    if unknown:
        raise AnalysisError(f"no polarity given for indicator(s) {', '.join(unknown)}")
    return _polarities([polarity[i] for i in ids], len(summary))
