"""Funnel-plot control limits: exact binomial limits for proportions, exact Poisson for rates.

A funnel plot draws each area's indicator value against its size (the denominator, or the
expected count for a ratio) with control limits around a target. An area inside the limits
differs from the target by no more than chance would explain at that size; outside the 95%
limit is an "alert", outside the 99.8% limit an "alarm".

Method: Spiegelhalter, D.J. (2005) "Funnel plots for comparing institutional performance",
Statistics in Medicine 24:1185–1202, appendix A.1. For a size ``n`` and a target ``θ`` the
p-limit is the p-quantile of the count under the target (binomial ``Bin(n, θ)`` for a
proportion; Poisson with mean ``θ·n`` for a rate or ``θ·E`` for a ratio), made continuous by
linear interpolation of the distribution function between ``r_p − 1`` and ``r_p`` (``r_p`` the
smallest count whose cumulative probability reaches ``p``)::

    α = (F(r_p) − p) / (F(r_p) − F(r_p − 1)),      limit = (r_p − α) / n

Without the interpolation the limits would jump in steps. The two-sided level ``c`` takes
``p = (1 − c)/2`` for the lower and ``(1 + c)/2`` for the upper limit (0.025/0.975 for 95%,
0.001/0.999 for 99.8%, the levels of PHE's funnel-plot guidance and PHEindicatormethods'
``calculate_funnel_limits``). Limits are clipped to the possible range (a proportion within
0–1, a rate or ratio at least 0), as PHE's tools do. Everything is vectorised with scipy's
distribution functions; ``tests/oracle/indicators_funnel/`` checks them against R's
``qbinom``/``pbinom`` and ``qpois``/``ppois``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from pioneer.errors import AnalysisError
from pioneer.indicators.statistics import limit_columns

__all__ = [
    "DEFAULT_LEVELS",
    "FUNNEL_STATISTICS",
    "confidence_levels",
    "control_limits",
    "curve_sizes",
    "exact_binomial_limit",
    "exact_poisson_limit",
    "limit_column_names",
    "position_against_limits",
]

#: The kinds of funnel: what the count follows and what the size axis means.
FUNNEL_STATISTICS: dict[str, str] = {
    "proportion": "binomial count of a denominator (size = denominator)",
    "rate": "Poisson count in a population (size = denominator or population)",
    "ratio": "Poisson count against an expected count (size = expected count)",
}
#: The two levels Fingertips and PHE's funnel-plot tools draw.
DEFAULT_LEVELS: tuple[float, ...] = (0.95, 0.998)
WITHIN = "Within limits"


def limit_column_names(confidence: float) -> tuple[str, str]:
    """``("lower_95", "upper_95")`` for 0.95, ``lower_99_8`` for 0.998: the contract's names
    (:func:`pioneer.indicators.statistics.limit_columns`)."""
    return limit_columns(confidence)


def confidence_levels(confidence: float | Sequence[float]) -> tuple[float, ...]:
    """The levels as a tuple of floats, each checked to be in [0.9, 1), widest last."""
    levels = (confidence,) if isinstance(confidence, int | float) else tuple(confidence)
    if not levels:
        raise AnalysisError("give at least one confidence level, e.g. 0.95 or (0.95, 0.998)")
    for level in levels:
        if isinstance(level, bool) or not isinstance(level, int | float) or math.isnan(level):
            raise AnalysisError(f"confidence must be a number such as 0.95; got {level!r}")
        if not 0.9 <= level < 1:
            raise AnalysisError(
                f"confidence {level!r} is out of range: give a level from 0.9 up to (not "
                "including) 1, e.g. 0.95 or 0.998"
            )
    if len(set(levels)) != len(levels):
        raise AnalysisError(f"confidence levels {levels!r} repeat a level")
    return tuple(sorted(float(level) for level in levels))


def _as_array(values, name: str, what: str) -> np.ndarray:
    array = np.atleast_1d(np.asarray(values, dtype=float))
    if np.isnan(array).any():
        raise AnalysisError(f"{name} ({what}) has missing values; drop those rows first")
    return array


def _interpolated_quantile(
    distribution, p: np.ndarray, arguments: tuple[np.ndarray, ...]
) -> np.ndarray:
    """``r_p − α``: the p-quantile of a discrete distribution made continuous (Spiegelhalter)."""
    r = distribution.ppf(p, *arguments)
    at_r = distribution.cdf(r, *arguments)
    below_r = distribution.cdf(r - 1, *arguments)
    alpha = (at_r - p) / (at_r - below_r)
    return r - alpha


def _probability(p) -> np.ndarray:
    p = np.atleast_1d(np.asarray(p, dtype=float))
    if np.isnan(p).any() or ((p <= 0) | (p >= 1)).any():
        raise AnalysisError(f"a limit's probability must lie strictly between 0 and 1; got {p}")
    return p


def exact_binomial_limit(n, target, p) -> np.ndarray:
    """The proportion (0–1) at the p-quantile of ``Bin(n, target)``, interpolated.

    ``n`` are whole denominators (≥ 1), ``target`` a proportion strictly between 0 and 1,
    ``p`` the one-sided probability (0.975 for the upper 95% limit). Not clipped.
    """
    n = _as_array(n, "n", "the denominators")
    if ((n < 1) | (n != np.round(n))).any():
        raise AnalysisError(
            "a binomial funnel needs whole denominators of at least 1; "
            f"got {n[(n < 1) | (n != np.round(n))][:5].tolist()}"
        )
    target = _as_array(target, "target", "the target proportion")
    if ((target <= 0) | (target >= 1)).any():
        raise AnalysisError(
            f"the target proportion must lie strictly between 0 and 1; got {target[:5].tolist()}"
        )
    p = _probability(p)
    n, target, p = np.broadcast_arrays(n, target, p)
    return _interpolated_quantile(stats.binom, p, (n, target)) / n


def exact_poisson_limit(expected, p) -> np.ndarray:
    """The count at the p-quantile of Poisson(``expected``), interpolated (``r_p − α``).

    Divide by the size and multiply by the target's scale to get a rate or ratio limit.
    ``expected`` must be positive. Not clipped.
    """
    expected = _as_array(expected, "expected", "the expected counts")
    if (expected <= 0).any():
        raise AnalysisError(
            f"a Poisson funnel needs positive expected counts; got {expected[expected <= 0][:5]}"
        )
    p = _probability(p)
    expected, p = np.broadcast_arrays(expected, p)
    return _interpolated_quantile(stats.poisson, p, (expected,))


def control_limits(
    size,
    target: float,
    *,
    statistic: str,
    confidence: float | Sequence[float] = DEFAULT_LEVELS,
    multiplier: float = 1.0,
) -> pd.DataFrame:
    """Lower and upper control limits at each ``size`` around ``target``.

    ``statistic`` is ``proportion`` (size = denominator, a whole number), ``rate`` (size =
    denominator) or ``ratio`` (size = expected count; the target is usually 1, or 100 with a
    multiplier of 100). ``target`` and the limits are on the indicator's scale, i.e. already
    multiplied by ``multiplier`` (a percentage has ``multiplier=100``, a rate per 100,000 has
    ``multiplier=100_000``). Returns a frame with ``size``, ``target`` and one
    ``lower_<level>``/``upper_<level>`` pair per level, in the order given by
    :func:`confidence_levels`.
    """
    if statistic not in FUNNEL_STATISTICS:
        raise AnalysisError(
            f"unknown funnel statistic {statistic!r}; use one of {', '.join(FUNNEL_STATISTICS)}"
        )
    levels = confidence_levels(confidence)
    if isinstance(multiplier, bool) or not multiplier > 0:
        raise AnalysisError(f"the multiplier must be a positive number; got {multiplier!r}")
    if isinstance(target, bool) or not isinstance(target, int | float) or not target > 0:
        raise AnalysisError(
            f"the funnel's target must be a positive number on the indicator's scale; "
            f"got {target!r}"
        )
    sizes = _as_array(size, "size", "the denominators or expected counts")
    if (sizes <= 0).any():
        raise AnalysisError(
            f"every funnel point needs a positive size (denominator or expected count); "
            f"got {sizes[sizes <= 0][:5].tolist()}"
        )
    theta = float(target) / float(multiplier)
    out = pd.DataFrame({"size": sizes, "target": float(target)})
    for level in levels:
        lower_name, upper_name = limit_column_names(level)
        tail = (1 - level) / 2
        if statistic == "proportion":
            lower = exact_binomial_limit(sizes, theta, tail)
            upper = exact_binomial_limit(sizes, theta, 1 - tail)
            lower, upper = np.clip(lower, 0, 1), np.clip(upper, 0, 1)
        else:
            lower = exact_poisson_limit(sizes * theta, tail) / sizes
            upper = exact_poisson_limit(sizes * theta, 1 - tail) / sizes
            lower, upper = np.clip(lower, 0, None), np.clip(upper, 0, None)
        out[lower_name] = lower * multiplier
        out[upper_name] = upper * multiplier
    return out


def position_against_limits(
    values, limits: pd.DataFrame, confidence: float | Sequence[float] = DEFAULT_LEVELS
) -> list[str]:
    """Where each value lies: ``Above 99.8% limit``, ``Below 95% limit``, ``Within limits``.

    The widest limit a value is beyond is named; a value equal to a limit is within it.
    Missing values give "".
    """
    levels = confidence_levels(confidence)
    values = np.asarray(values, dtype=float)
    labels: list[str] = []
    for i, value in enumerate(values):
        if math.isnan(value):
            labels.append("")
            continue
        label = WITHIN
        for level in levels:  # narrowest first; a wider limit passed overrides
            lower_name, upper_name = limit_column_names(level)
            if value > limits[upper_name].iloc[i]:
                label = f"Above {_percent(level)} limit"
            elif value < limits[lower_name].iloc[i]:
                label = f"Below {_percent(level)} limit"
        labels.append(label)
    return labels


def _percent(level: float) -> str:
    return f"{round(level * 100, 6):g}%"


def curve_sizes(smallest: float, largest: float, *, points: int = 200, whole: bool) -> np.ndarray:
    """Sizes at which to draw the funnel's lines: geometric steps from below the smallest to
    beyond the largest point (more steps where the funnel bends most); whole numbers for a
    binomial funnel."""
    if not (smallest > 0 and largest >= smallest):
        raise AnalysisError(
            f"cannot draw a funnel between sizes {smallest!r} and {largest!r}: "
            "they must be positive and in order"
        )
    if points < 2:
        raise AnalysisError(f"a funnel line needs at least 2 points; got {points}")
    low = smallest * 0.9 if largest <= 2 * smallest else smallest / 4
    low = max(low, 1.0) if whole else low
    high = largest * 1.1
    sizes = np.geomspace(low, high, points)
    if whole:
        sizes = np.unique(np.round(sizes))
    return sizes
