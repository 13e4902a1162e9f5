"""Public-health statistics for area indicators, computed as Fingertips computes them.

Each statistic is one function over a DataFrame: you name the columns, it returns a new
frame with ``value``, a lower and an upper limit for every confidence level asked for
(``lower_95``, ``upper_95``, ``lower_99_8``, ``upper_99_8``; see :func:`limit_columns`),
``confidence``, ``statistic`` and ``method``. Without ``group_by`` the rows are those of the
input; with it, one row per group, the counts of the group summed first. The methods and
switching rules are those of Public Health England's Fingertips technical guidance and the
R package PHEindicatormethods; ``docs/indicators/statistics.md`` sets them out with their
sources. All arithmetic is on whole numpy arrays (no per-row Python), so a million rows take
well under a second.

Every input check raises :class:`pioneer.errors.AnalysisError` naming the column, the first
offending rows (by index label) or groups, and the fix.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Hashable, Sequence
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd
from scipy import stats

from pioneer.errors import AnalysisError, DataFileError

__all__ = [
    "DSR_MIN_EVENTS",
    "EXACT_BELOW",
    "byars_limits",
    "crude_rate",
    "dsr",
    "esp2013",
    "exact_poisson_limits",
    "isr",
    "limit_columns",
    "mean",
    "poisson_limits",
    "proportion",
    "smr",
    "wilson_limits",
]

#: Counts below this get exact Poisson limits; from this count up, Byar's method. Fingertips
#: technical guidance ("Rates") and PHEindicatormethods ``phe_rate``, ``calculate_ISRatio``.
EXACT_BELOW = 10
#: A directly standardised rate on fewer events than this is not published (value and limits
#: NaN, with a note): Fingertips practice, PHEindicatormethods ``calculate_dsr``, and Morris
#: et al. (2018) Population Health Metrics 16:19.
DSR_MIN_EVENTS = 10

Confidence = float | Sequence[float]
GroupBy = Hashable | Sequence[Hashable] | None

_MIN_LEVEL = 0.9
_SMALL_COUNTS = ("suppress", "error")
#: Columns a statistic writes; any already in the input are replaced, so published and
#: recomputed figures are never mixed in one row.
_OUTPUT = ("value", "confidence", "statistic", "method", "note")
_LIMIT_NAME = re.compile(r"^(lower|upper)_\d+(_\d+)?$")


# ---------------------------------------------------------------------------------------------
# Confidence levels and limit columns


def _check_level(confidence) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float, np.number)):
        raise AnalysisError(
            f"confidence must be a number such as 0.95 (or a tuple such as (0.95, 0.998)); "
            f"found {confidence!r}."
        )
    level = float(confidence)
    if not _MIN_LEVEL <= level < 1:
        hint = (
            f" Fix: give it as a proportion, {level / 100:g}."
            if 90 <= level < 100
            else " Fix: use 0.95 for 95% or 0.998 for 99.8%."
        )
        raise AnalysisError(
            f"confidence must be at least 0.9 and below 1; found {confidence!r}.{hint}"
        )
    return level


def _levels(confidence: Confidence) -> tuple[float, ...]:
    """The confidence levels asked for, checked, without repeats, in ascending order."""
    if isinstance(confidence, (str, bytes)):
        raise AnalysisError(
            f"confidence must be a number such as 0.95, not text; found {confidence!r}."
        )
    values = list(confidence) if isinstance(confidence, (Sequence, np.ndarray)) else [confidence]
    if not values:
        raise AnalysisError("confidence is empty. Fix: give 0.95, or (0.95, 0.998) for both.")
    levels = [_check_level(value) for value in values]
    if len(set(levels)) != len(levels):
        raise AnalysisError(f"confidence lists a level twice: {tuple(values)!r}.")
    return tuple(sorted(levels))


def _percent(level: float) -> str:
    return f"{level * 100:.6f}".rstrip("0").rstrip(".")


def limit_columns(confidence: float) -> tuple[str, str]:
    """The names of the lower and upper limit columns for one confidence level.

    The level as a percentage with "." written "_" and no trailing ".0":
    0.95 → ``("lower_95", "upper_95")``, 0.998 → ``("lower_99_8", "upper_99_8")``,
    0.9 → ``("lower_90", "upper_90")``.
    """
    label = _percent(_check_level(confidence)).replace(".", "_")
    return f"lower_{label}", f"upper_{label}"


def _confidence_label(levels: tuple[float, ...]) -> str:
    return ", ".join(f"{_percent(level)}%" for level in levels)


def _z(level: float) -> float:
    return float(stats.norm.ppf(1 - (1 - level) / 2))


def _check_multiplier(multiplier) -> float:
    if isinstance(multiplier, bool) or not isinstance(multiplier, (int, float, np.number)):
        raise AnalysisError(f"multiplier must be a number such as 100000; found {multiplier!r}.")
    value = float(multiplier)
    if not np.isfinite(value) or value <= 0:
        raise AnalysisError(
            f"multiplier must be a positive number (1 for a proportion, 100 for a percentage, "
            f"100000 for a rate per 100,000); found {multiplier!r}."
        )
    return value


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# ---------------------------------------------------------------------------------------------
# Interval helpers on arrays


def _wilson(x: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = 2 * x + z * z
        spread = z * np.sqrt(z * z + 4 * x * (1 - x / n))
        denominator = 2 * (n + z * z)
        lower = (centre - spread) / denominator
        upper = (centre + spread) / denominator
    # The bounds at 0 and at n are exactly 0 and 1; rounding can leave 1e-17 instead.
    lower[x == 0] = 0.0
    upper[x == n] = 1.0
    return lower, upper


def _byars(x: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        low = 1 - 1 / (9 * x) - z / (3 * np.sqrt(x))
        next_count = x + 1
        high = 1 - 1 / (9 * next_count) + z / (3 * np.sqrt(next_count))
        lower = x * (low * low * low)  # cubes by multiplication: much faster than ** 3
        upper = next_count * (high * high * high)
    # Byar's lower limit fails (goes negative) for tiny counts at high confidence.
    lower[~(lower >= 0) | (x == 0)] = np.nan
    return lower, upper


def _exact(x: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    if x.size > 1000:
        # Small counts repeat (0 to 9 events): evaluate the quantiles once per distinct count.
        distinct, inverse = np.unique(x, return_inverse=True)
        if distinct.size * 4 < x.size:
            lower, upper = _exact(distinct, level)
            return lower[inverse], upper[inverse]
    alpha = 1 - level
    lower = np.zeros_like(x)
    positive = x > 0
    lower[positive] = stats.chi2.ppf(alpha / 2, 2 * x[positive]) / 2
    upper = stats.chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2
    return lower, np.asarray(upper, dtype=float)


def _count_limits(x: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact limits below :data:`EXACT_BELOW`, Byar's from it up (x already checked)."""
    small = x < EXACT_BELOW
    if not small.any():
        return _byars(x, _z(level))
    if small.all():
        return _exact(x, level)
    lower = np.empty_like(x)
    upper = np.empty_like(x)
    lower[small], upper[small] = _exact(x[small], level)
    large = ~small
    lower[large], upper[large] = _byars(x[large], _z(level))
    return lower, upper


def _count_array(values, name: str) -> np.ndarray:
    try:
        array = np.atleast_1d(np.asarray(values, dtype=float))
    except (TypeError, ValueError):
        raise AnalysisError(f"{name} must be numbers; found {values!r}.") from None
    bad = ~np.isfinite(array) | (array < 0)
    if bad.any():
        raise AnalysisError(
            f"{name} must be counts of zero or more; found {array[bad][0]:g} at position "
            f"{int(np.flatnonzero(bad)[0])}."
        )
    return array


def wilson_limits(x, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score limits for the proportion ``x / n``, as proportions (0 to 1).

    Wilson, E.B. (1927) "Probable inference, the law of succession, and statistical
    inference", JASA 22:209–212; in the form of Newcombe & Altman (2000), *Statistics with
    Confidence*, 2nd edn, BMJ Books, pp. 46–48, as in PHEindicatormethods ``wilson_lower`` /
    ``wilson_upper``. Equal to R's ``prop.test(x, n, correct = FALSE)$conf.int``.
    """
    level = _check_level(confidence)
    x = _count_array(x, "x (the numerators)")
    n = _count_array(n, "n (the denominators)")
    if x.shape != n.shape:
        raise AnalysisError(f"x and n must have the same length; found {x.size} and {n.size}.")
    bad = (n <= 0) | (x > n)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise AnalysisError(
            f"each x must lie between 0 and its n, and n must be above 0; found x = {x[i]:g}, "
            f"n = {n[i]:g} at position {i}."
        )
    return _wilson(x, n, _z(level))


def byars_limits(x, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximate limits for a Poisson count ``x`` (in events, not a rate).

    Breslow, N.E. & Day, N.E. (1987) *Statistical Methods in Cancer Research, vol. II: The
    Design and Analysis of Cohort Studies*, IARC Scientific Publications 82. Accurate
    from about 10 events; below that use :func:`exact_poisson_limits` (or
    :func:`poisson_limits`, which switches). Where the formula gives a negative lower limit
    (0 events, or 1–2 events at 99.8%) the lower limit is NaN, as in PHEindicatormethods.
    """
    level = _check_level(confidence)
    return _byars(_count_array(x, "x (the counts)"), _z(level))


def exact_poisson_limits(x, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact limits for a Poisson count ``x`` from the chi-square distribution.

    Lower ``χ²(α/2; 2x) / 2`` (0 when x = 0), upper ``χ²(1 − α/2; 2x + 2) / 2``: Armitage,
    P., Berry, G. & Matthews, J.N.S. (2002) *Statistical Methods in Medical Research*, 4th
    edn, Blackwell. Equal to R's ``poisson.test(x)$conf.int``.
    """
    level = _check_level(confidence)
    return _exact(_count_array(x, "x (the counts)"), level)


def poisson_limits(x, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Limits for a Poisson count as Fingertips gives them: exact below 10 events, Byar's
    from 10 (see :data:`EXACT_BELOW`)."""
    level = _check_level(confidence)
    return _count_limits(_count_array(x, "x (the counts)"), level)


# ---------------------------------------------------------------------------------------------
# Input checks on frames


def _where(labels: pd.Index, mask: np.ndarray, what: str = "row") -> str:
    """ "row 4" or "rows 4, 9 and 12" or "rows 4, 9, 12 and 30 more": the first offenders."""
    positions = np.flatnonzero(mask)
    shown = [str(label) for label in labels[positions[:3]]]
    more = len(positions) - len(shown)
    if len(shown) == 1:
        return f"{what} {shown[0]}"
    if more:
        return f"{what}s {', '.join(shown)} and {more} more"
    return f"{what}s {', '.join(shown[:-1])} and {shown[-1]}"


def _check_frame(frame, function: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise AnalysisError(
            f"{function}() needs a pandas DataFrame as its first argument; found "
            f"{type(frame).__name__}."
        )
    if frame.empty:
        raise AnalysisError(f"{function}() was given a frame with no rows; nothing to compute.")


def _check_column(frame: pd.DataFrame, column, parameter: str) -> None:
    try:
        if column in frame.columns:
            return
    except TypeError:  # unhashable, such as a list
        raise AnalysisError(
            f"{parameter} must be the name of one column; found {column!r}."
        ) from None
    names = [str(c) for c in frame.columns]
    close = difflib.get_close_matches(str(column), names, n=3, cutoff=0.5)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    listed = ", ".join(repr(c) for c in names[:15]) + (", …" if len(names) > 15 else "")
    raise AnalysisError(
        f"unknown column {column!r} (given as {parameter}); the frame has {listed}.{hint} "
        f"Fix: pass {parameter}= the name of the column that holds it."
    )


def _numbers(frame: pd.DataFrame, column, role: str) -> np.ndarray:
    """The column as floats; an error for text, missing or infinite values."""
    series = frame[column]
    if pd.api.types.is_bool_dtype(series.dtype):
        raise AnalysisError(
            f"column {column!r} ({role}) holds true/false values, not numbers. "
            "Fix: pass a column of counts."
        )
    if pd.api.types.is_numeric_dtype(series.dtype):
        values = series.to_numpy(dtype=float, na_value=np.nan)
    else:
        coerced = pd.to_numeric(series, errors="coerce")
        text = (coerced.isna() & series.notna()).to_numpy()
        if text.any():
            first = series.iloc[int(np.flatnonzero(text)[0])]
            raise AnalysisError(
                f"column {column!r} ({role}) must hold numbers; {_where(frame.index, text)} "
                f"hold{'s' if text.sum() == 1 else ''} text such as {first!r}. Fix: remove "
                "thousands separators and notes such as '*' or ':' from the column."
            )
        values = coerced.to_numpy(dtype=float, na_value=np.nan)
    missing = np.isnan(values)
    if missing.any():
        raise AnalysisError(
            f"column {column!r} ({role}) has missing values at {_where(frame.index, missing)}. "
            f"Fix: drop or fill those rows first, e.g. frame.dropna(subset=[{column!r}])."
        )
    infinite = np.isinf(values)
    if infinite.any():
        raise AnalysisError(
            f"column {column!r} ({role}) has infinite values at "
            f"{_where(frame.index, infinite)}. Fix: correct or drop those rows."
        )
    return values


def _not_negative(values: np.ndarray, labels: pd.Index, column, role: str) -> None:
    bad = values < 0
    if bad.any():
        raise AnalysisError(
            f"column {column!r} ({role}) cannot be negative; {_where(labels, bad)} "
            f"{'has' if bad.sum() == 1 else 'have'} {values[bad][0]:g}. "
            "Fix: correct the count or drop the row."
        )


def _positive(values: np.ndarray, labels: pd.Index, column, role: str, what="row") -> None:
    bad = values <= 0
    if bad.any():
        raise AnalysisError(
            f"column {column!r} ({role}) must be above 0; {_where(labels, bad, what)} "
            f"{'has' if bad.sum() == 1 else 'have'} {values[bad][0]:g}. Fix: drop rows "
            "with no population, or group them with others (group_by=) before computing."
        )


def _keys(frame: pd.DataFrame, group_by: GroupBy) -> list:
    if group_by is None:
        return []
    single = isinstance(group_by, str) or not isinstance(group_by, (Sequence, np.ndarray, pd.Index))
    if not single and isinstance(group_by, tuple) and group_by in frame.columns:
        single = True  # a column named by a tuple (MultiIndex columns)
    keys = [group_by] if single else list(group_by)
    if not keys:
        raise AnalysisError("group_by is empty. Fix: name a column, or pass group_by=None.")
    for key in keys:
        _check_column(frame, key, "group_by")
        missing = frame[key].isna().to_numpy()
        if missing.any():
            raise AnalysisError(
                f"group column {key!r} has missing values at {_where(frame.index, missing)}; "
                "those rows would belong to no group. Fix: fill them in or drop those rows."
            )
    return keys


def _group_labels(index: pd.Index) -> pd.Index:
    """Group labels for messages: ``('E06000001', 2017)`` or ``'E06000001'``."""
    return pd.Index([repr(label) for label in index])


def _replace_outputs(frame: pd.DataFrame, keep: tuple) -> pd.DataFrame:
    stale = [
        c for c in frame.columns if c not in keep and (c in _OUTPUT or _LIMIT_NAME.match(str(c)))
    ]
    return frame.drop(columns=stale) if stale else frame.copy(deep=False)


def _add_limits(
    out: pd.DataFrame,
    value: np.ndarray,
    limits: list[tuple[np.ndarray, np.ndarray]],
    levels: tuple[float, ...],
    statistic: str,
    method,
) -> pd.DataFrame:
    out["value"] = value
    for level, (lower, upper) in zip(levels, limits, strict=True):
        low_name, high_name = limit_columns(level)
        out[low_name] = lower
        out[high_name] = upper
    out["confidence"] = _confidence_label(levels)
    out["statistic"] = statistic
    out["method"] = method
    return out


# ---------------------------------------------------------------------------------------------
# Proportions and crude rates


def _counts_and_bases(
    frame, function, numerator, denominator, group_by, *, proportion_check: bool
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The rows to report (input rows, or one per group) and their summed counts."""
    _check_frame(frame, function)
    _check_column(frame, numerator, "numerator")
    _check_column(frame, denominator, "denominator")
    keys = _keys(frame, group_by)
    x = _numbers(frame, numerator, "the numerator")
    n = _numbers(frame, denominator, "the denominator")
    _not_negative(x, frame.index, numerator, "the numerator")
    _not_negative(n, frame.index, denominator, "the denominator")
    if proportion_check:
        bad = x > n
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise AnalysisError(
                f"the numerator {numerator!r} is above the denominator {denominator!r} at "
                f"{_where(frame.index, bad)} ({x[i]:g} out of {n[i]:g}); a proportion cannot "
                "exceed 1. Fix: check that both columns count the same people, or use "
                "crude_rate() for events that can happen more than once per person."
            )
    if not keys:
        _positive(n, frame.index, denominator, "the denominator")
        return _replace_outputs(frame, (numerator, denominator)), x, n
    work = frame[keys].copy()
    work[numerator] = x
    work[denominator] = n
    summed = work.groupby(keys, sort=True, dropna=False)[[numerator, denominator]].sum()
    sx = summed[numerator].to_numpy(dtype=float)
    sn = summed[denominator].to_numpy(dtype=float)
    _positive(sn, _group_labels(summed.index), denominator, "the summed denominator", "group")
    return summed.reset_index(), sx, sn


def proportion(
    frame: pd.DataFrame,
    numerator="numerator",
    denominator="denominator",
    *,
    group_by: GroupBy = None,
    confidence: Confidence = 0.95,
    multiplier: float = 1,
) -> pd.DataFrame:
    """Proportions with Wilson score limits, row by row or per group.

    ``value = numerator / denominator × multiplier``: ``multiplier=1`` gives a proportion
    from 0 to 1 (PHEindicatormethods' default), ``multiplier=100`` a percentage. Limits by
    the Wilson score method: Wilson, E.B. (1927) JASA 22:209–212; Newcombe & Altman (2000),
    *Statistics with Confidence*, 2nd edn, pp. 46–48 (see :func:`wilson_limits`).
    ``statistic`` is "proportion of <multiplier>", ``method`` "Wilson".

    Errors: unknown columns, missing or non-numeric values, negative counts, a numerator
    above its denominator, a denominator of 0, a confidence outside [0.9, 1).
    """
    levels = _levels(confidence)
    scale = _check_multiplier(multiplier)
    out, x, n = _counts_and_bases(
        frame, "proportion", numerator, denominator, group_by, proportion_check=True
    )
    limits = []
    for level in levels:
        lower, upper = _wilson(x, n, _z(level))
        limits.append((lower * scale, upper * scale))
    return _add_limits(
        out, x / n * scale, limits, levels, f"proportion of {_number_text(scale)}", "Wilson"
    )


_METHODS = np.array(["Exact", "Byars"], dtype=object)


def _count_methods(x: np.ndarray) -> np.ndarray:
    return _METHODS[(x >= EXACT_BELOW).astype(np.intp)]


def crude_rate(
    frame: pd.DataFrame,
    numerator="numerator",
    denominator="denominator",
    *,
    group_by: GroupBy = None,
    confidence: Confidence = 0.95,
    multiplier: float = 100_000,
) -> pd.DataFrame:
    """Crude rates per ``multiplier`` with Poisson limits, row by row or per group.

    ``value = numerator / denominator × multiplier``. The limits are those of the count,
    divided by the denominator: exact (chi-square) limits for fewer than 10 events
    (Armitage, Berry & Matthews 2002), Byar's method from 10 events (Breslow & Day 1987,
    vol. II) — the Fingertips rule (technical guidance, "Rates"; PHEindicatormethods
    ``phe_rate``). ``method`` says which, row by row; ``statistic`` is
    "crude rate per <multiplier>".

    Errors: unknown columns, missing or non-numeric values, negative counts, a denominator of
    0, a confidence outside [0.9, 1).
    """
    levels = _levels(confidence)
    scale = _check_multiplier(multiplier)
    out, x, n = _counts_and_bases(
        frame, "crude_rate", numerator, denominator, group_by, proportion_check=False
    )
    factor = scale / n
    limits = []
    for level in levels:
        lower, upper = _count_limits(x, level)
        limits.append((lower * factor, upper * factor))
    return _add_limits(
        out,
        x * factor,
        limits,
        levels,
        f"crude rate per {_number_text(scale)}",
        _count_methods(x),
    )


# ---------------------------------------------------------------------------------------------
# Standard population and age bands


@cache
def _esp2013() -> pd.DataFrame:
    path = resources.files("pioneer") / "data" / "indicators" / "esp2013.csv"
    with resources.as_file(path) as file:
        table = pd.read_csv(file, dtype={"age_band": str})
        expected = ["age_band", "start_age", "end_age", "population"]
        if list(table.columns) != expected or len(table) != 19:
            raise DataFileError(
                file,
                "the packaged 2013 European Standard Population is malformed",
                expected=f"19 rows with columns {', '.join(expected)}",
                fix="reinstall Pioneer",
            )
        if int(table["population"].sum()) != 100_000:
            raise DataFileError(
                file,
                "the packaged 2013 European Standard Population does not add up to 100,000",
                column="population",
                value=int(table["population"].sum()),
                fix="reinstall Pioneer",
            )
    table["end_age"] = table["end_age"].astype("Int64")
    return table


def esp2013() -> pd.DataFrame:
    """The 2013 European Standard Population in 19 five-year bands, 0–4 … 85–89, 90+.

    Eurostat (2013) *Revision of the European Standard Population — Report of Eurostat's
    task force*, KS-RA-13-028-EN, Annex F, with the under-1 and 1–4 bands joined and the
    bands from 90 joined (see ``src/pioneer/data/indicators/ESP2013_SOURCE.md``). Columns
    ``age_band``, ``start_age``, ``end_age`` (NA for 90+), ``population`` (totals 100,000).
    """
    return _esp2013().copy()


_BAND = re.compile(r"(\d+)-(\d+)")
_TOP_BAND = {"90+", "90plus", "90andover", "90andolder", "90-"}


def _esp_band(label) -> int | None:
    """Position (0–18) of an ESP 2013 band from a label such as "0-4", "90+" or 65."""
    if isinstance(label, bool):
        return None
    if isinstance(label, (int, np.integer)) or (
        isinstance(label, (float, np.floating)) and float(label).is_integer()
    ):
        start = int(label)
        return start // 5 if 0 <= start <= 90 and start % 5 == 0 else None
    text = re.sub(r"\s+", "", str(label).lower().replace("–", "-").replace("—", "-"))
    text = re.sub(r"(years|yrs|yr)$", "", re.sub(r"^(aged|age)", "", text))
    if text in _TOP_BAND:
        return 18
    if text.isdigit():
        return _esp_band(int(text))
    match = _BAND.fullmatch(text)
    if match:
        start, end = int(match[1]), int(match[2])
        if start % 5 == 0 and end == start + 4 and start <= 85:
            return start // 5
    return None


def _band_codes(frame: pd.DataFrame, age_band, *, esp: bool) -> tuple[np.ndarray, pd.Index]:
    """Integer codes for the age bands and their labels (ESP positions when ``esp``)."""
    codes, uniques = pd.factorize(frame[age_band], use_na_sentinel=True)
    missing = codes < 0
    if missing.any():
        raise AnalysisError(
            f"column {age_band!r} (the age band) has missing values at "
            f"{_where(frame.index, missing)}. Fix: fill in the band or drop those rows."
        )
    if not esp:
        return codes, pd.Index([str(u) for u in uniques])
    found = [_esp_band(u) for u in uniques]
    positions = np.array([-1 if p is None else p for p in found], dtype=np.intp)
    unknown = positions[codes] < 0
    if unknown.any():
        first = frame[age_band].iloc[int(np.flatnonzero(unknown)[0])]
        labels = ", ".join(esp2013()["age_band"])
        raise AnalysisError(
            f"column {age_band!r} has an age band that is not one of the 19 bands of the 2013 "
            f"European Standard Population at {_where(frame.index, unknown)}: {first!r}. "
            f"The bands are {labels}. Fix: relabel or regroup the bands, or pass "
            "standard_population= a column holding your own standard populations."
        )
    return positions[codes], pd.Index(esp2013()["age_band"])


def _band_matrix(
    frame: pd.DataFrame,
    keys: list,
    band: np.ndarray,
    columns: dict[str, np.ndarray],
    band_labels: pd.Index,
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Sum the columns per group × band; one groups × bands table per column."""
    work = pd.DataFrame({"_band": band}, index=frame.index)
    for key in keys:
        work[key] = frame[key].to_numpy()
    for name, values in columns.items():
        work[name] = values
    by = [*keys, "_band"]
    summed = work.groupby(by, sort=True, dropna=False)[list(columns)].sum()
    tables = {}
    for name in columns:
        if keys:
            table = summed[name].unstack("_band")
        else:
            table = summed[name].to_frame().T
            table.index = pd.Index(["(all rows)"])
        tables[name] = table
    groups = (
        tables[next(iter(columns))].index.to_frame(index=False) if keys else pd.DataFrame(index=[0])
    )
    present = ~tables[next(iter(columns))].isna().to_numpy()
    if not present.all():
        row = int(np.flatnonzero(~present.all(axis=1))[0])
        bands = tables[next(iter(columns))].columns
        missing = [str(band_labels[b]) for b in bands[~present[row]]]
        label = _group_labels(tables[next(iter(columns))].index)[row]
        raise AnalysisError(
            f"group {label} has no row for age band{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}, which other groups have; every group must cover the same "
            "age bands. Fix: add a row with numerator 0 and the band's population for each "
            "missing band."
        )
    return groups, tables


def _small_counts_mode(small_counts: str) -> str:
    if small_counts not in _SMALL_COUNTS:
        raise AnalysisError(
            f"small_counts must be 'suppress' (NaN with a note, as Fingertips) or 'error'; "
            f"found {small_counts!r}."
        )
    return small_counts


def dsr(
    frame: pd.DataFrame,
    numerator="numerator",
    denominator="denominator",
    *,
    group_by: GroupBy = None,
    standard_population="esp2013",
    age_band="age_band",
    confidence: Confidence = 0.95,
    multiplier: float = 100_000,
    small_counts: str = "suppress",
) -> pd.DataFrame:
    """Directly standardised rates per ``multiplier``, one per group, with Dobson's limits.

    Give one row per group × age band (several rows for the same group and band, such as
    the districts of a site, are summed first). The age-specific rates are weighted by the
    standard population of each band: ``standard_population="esp2013"`` (default) uses the
    2013 European Standard Population (:func:`esp2013`; bands labelled "0-4" … "90+", or by
    their first year of age, 0 … 90); otherwise name a column holding your own standard
    population per row. Only the bands present are used, so a 65+ indicator standardises to
    the ESP bands from 65; every group must then have the same bands.

    ``DSR = Σ wᵢ Oᵢ / nᵢ`` with ``wᵢ`` the band's share of the standard population; its
    variance ``V = Σ wᵢ² Oᵢ / nᵢ²``; limits ``DSR + √(V / O) (O_L − O)`` and likewise with
    ``O_U``, where ``O = Σ Oᵢ`` and ``(O_L, O_U)`` are Byar's limits for O. Dobson, A.J.,
    Kuulasmaa, K., Eberle, E. & Scherer, J. (1991) "Confidence intervals for weighted sums of
    Poisson parameters", Statistics in Medicine 10:457–462; Byar's limits: Breslow & Day
    (1987). As PHEindicatormethods ``calculate_dsr``.

    With fewer than 10 events in a group (:data:`DSR_MIN_EVENTS`) the value and limits are
    NaN and ``note`` says why, as Fingertips does not publish them (Morris et al. 2018,
    Population Health Metrics 16:19); ``small_counts="error"`` raises instead. The output
    has the group columns, the summed ``numerator`` and ``denominator``, ``value``, the
    limits, ``confidence``, ``statistic`` ("dsr per <multiplier>"), ``method`` ("Dobson")
    and ``note``.
    """
    levels = _levels(confidence)
    scale = _check_multiplier(multiplier)
    mode = _small_counts_mode(small_counts)
    _check_frame(frame, "dsr")
    _check_column(frame, numerator, "numerator")
    _check_column(frame, denominator, "denominator")
    _check_column(frame, age_band, "age_band")
    esp = isinstance(standard_population, str) and standard_population == "esp2013"
    if not esp and standard_population not in frame.columns:
        try:
            _check_column(frame, standard_population, "standard_population")
        except AnalysisError as error:
            raise AnalysisError(
                f"{error} Or pass standard_population='esp2013' for the 2013 European "
                "Standard Population."
            ) from None
    keys = _keys(frame, group_by)
    x = _numbers(frame, numerator, "the numerator")
    n = _numbers(frame, denominator, "the denominator")
    _not_negative(x, frame.index, numerator, "the numerator")
    _not_negative(n, frame.index, denominator, "the denominator")
    band, band_labels = _band_codes(frame, age_band, esp=esp)
    if not esp:
        std = _numbers(frame, standard_population, "the standard population")
        _positive(std, frame.index, standard_population, "the standard population")
    groups, tables = _band_matrix(frame, keys, band, {"x": x, "n": n}, band_labels)
    counts = tables["x"].to_numpy(dtype=float)
    pops = tables["n"].to_numpy(dtype=float)
    bands = tables["x"].columns.to_numpy()
    labels = _group_labels(tables["x"].index)
    zero = pops <= 0
    if zero.any():
        row, col = (int(i[0]) for i in np.nonzero(zero))
        raise AnalysisError(
            f"column {denominator!r} (the population) is 0 in group {labels[row]}, age band "
            f"{band_labels[bands[col]]}: an age-specific rate needs a population. Fix: "
            "correct the population, or merge the band with its neighbour in every group."
        )
    if esp:
        standard = esp2013()["population"].to_numpy(dtype=float)[bands]
        standard = np.broadcast_to(standard, counts.shape)
    else:
        standard = _standard_per_band(frame, keys, band, std, standard_population, bands)
    weights = standard / standard.sum(axis=1, keepdims=True)
    rate = (weights * counts / pops).sum(axis=1)
    variance = (weights**2 * counts / pops**2).sum(axis=1)
    total = counts.sum(axis=1)
    few = total < DSR_MIN_EVENTS
    if few.any() and mode == "error":
        raise AnalysisError(
            f"too few events to publish a directly standardised rate: "
            f"{_where(labels, few, 'group')} "
            f"{'has' if few.sum() == 1 else 'have'} {total[few][0]:g} event(s) in all, below "
            f"{DSR_MIN_EVENTS}. Fix: pool years or areas (group_by=) to reach "
            f"{DSR_MIN_EVENTS} events, or pass small_counts='suppress' to get NaN with a note."
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.sqrt(variance / total)
    limits = []
    for level in levels:
        low_count, high_count = _byars(total.copy(), _z(level))
        lower = (rate + spread * (low_count - total)) * scale
        upper = (rate + spread * (high_count - total)) * scale
        lower[few] = np.nan
        upper[few] = np.nan
        limits.append((lower, upper))
    value = rate * scale
    value[few] = np.nan
    out = groups.copy()
    out[numerator] = total
    out[denominator] = pops.sum(axis=1)
    out = _add_limits(out, value, limits, levels, f"dsr per {_number_text(scale)}", "Dobson")
    out["note"] = np.where(
        few, f"not published: fewer than {DSR_MIN_EVENTS} events in the group", ""
    ).astype(object)
    return out


def _standard_per_band(frame, keys, band, std, column, bands) -> np.ndarray:
    """The standard population per group × band from a column; it must not vary in a cell."""
    work = pd.DataFrame({"_band": band, "_std": std}, index=frame.index)
    for key in keys:
        work[key] = frame[key].to_numpy()
    cells = work.groupby([*keys, "_band"], sort=True, dropna=False)["_std"]
    varies = (cells.transform("min") != cells.transform("max")).to_numpy()
    if varies.any():
        raise AnalysisError(
            f"column {column!r} (the standard population) differs between rows of the same "
            f"group and age band at {_where(frame.index, varies)}. Fix: give each age band "
            "one standard population."
        )
    per_cell = cells.min()
    table = per_cell.unstack("_band") if keys else per_cell.to_frame().T
    return table[list(bands)].to_numpy(dtype=float)


# ---------------------------------------------------------------------------------------------
# Indirect standardisation


def _band_key(label):
    position = _esp_band(label)
    return ("esp", position) if position is not None else ("label", str(label).strip())


def _indirect(
    function: str,
    frame,
    numerator,
    denominator,
    reference,
    reference_numerator,
    reference_denominator,
    age_band,
    group_by,
):
    """Observed and expected counts per group (and the reference crude rate)."""
    _check_frame(frame, function)
    _check_column(frame, numerator, "numerator")
    _check_column(frame, denominator, "denominator")
    _check_column(frame, age_band, "age_band")
    if not isinstance(reference, pd.DataFrame):
        raise AnalysisError(
            f"{function}() needs reference= a DataFrame of the reference population's events "
            f"and population by age band (e.g. England's); found {type(reference).__name__}."
        )
    if reference.empty:
        raise AnalysisError(f"{function}(): the reference frame has no rows.")
    for column, parameter in (
        (age_band, "age_band"),
        (reference_numerator, "reference_numerator"),
        (reference_denominator, "reference_denominator"),
    ):
        if column not in reference.columns:
            try:
                _check_column(reference, column, parameter)
            except AnalysisError as error:
                raise AnalysisError(f"in the reference frame: {error}") from None
    keys = _keys(frame, group_by)
    x = _numbers(frame, numerator, "the numerator")
    n = _numbers(frame, denominator, "the denominator")
    _not_negative(x, frame.index, numerator, "the numerator")
    _not_negative(n, frame.index, denominator, "the denominator")
    ref_x = _numbers(reference, reference_numerator, "the reference events")
    ref_n = _numbers(reference, reference_denominator, "the reference population")
    _not_negative(ref_x, reference.index, reference_numerator, "the reference events")
    _positive(ref_n, reference.index, reference_denominator, "the reference population")

    ref_keys = pd.Series([_band_key(b) for b in reference[age_band]], index=reference.index)
    repeated = ref_keys.duplicated(keep=False).to_numpy()
    if repeated.any():
        raise AnalysisError(
            f"the reference frame has more than one row for the same age band at "
            f"{_where(reference.index, repeated)}. Fix: give one row per age band."
        )
    position = {key: i for i, key in enumerate(ref_keys)}
    codes, uniques = pd.factorize(frame[age_band], use_na_sentinel=True)
    if (codes < 0).any():
        raise AnalysisError(
            f"column {age_band!r} (the age band) has missing values at "
            f"{_where(frame.index, codes < 0)}. Fix: fill in the band or drop those rows."
        )
    lookup = np.array([position.get(_band_key(u), -1) for u in uniques])
    rows = lookup[codes]
    unknown = rows < 0
    if unknown.any():
        first = frame[age_band].iloc[int(np.flatnonzero(unknown)[0])]
        raise AnalysisError(
            f"the age band {first!r} at {_where(frame.index, unknown)} is not in the reference "
            f"frame, which has {', '.join(map(str, reference[age_band]))}. Fix: give the "
            "reference every age band of the data, labelled the same way."
        )
    expected = n * (ref_x / ref_n)[rows]
    work = pd.DataFrame({"_x": x, "_n": n, "_e": expected, "_band": rows}, index=frame.index)
    for key in keys:
        work[key] = frame[key].to_numpy()
    by = keys or np.zeros(len(work), dtype=np.intp)
    sums = work.groupby(by, sort=True, dropna=False)[["_x", "_n", "_e"]].sum()
    # The reference crude rate over the bands each group covers (each band counted once).
    cells = work.drop_duplicates([*keys, "_band"])
    cells = cells.assign(_rx=ref_x[cells["_band"]], _rn=ref_n[cells["_band"]])
    by_cell = keys or np.zeros(len(cells), dtype=np.intp)
    ref = cells.groupby(by_cell, sort=True, dropna=False)[["_rx", "_rn"]].sum()
    observed = sums["_x"].to_numpy(dtype=float)
    expected_total = sums["_e"].to_numpy(dtype=float)
    labels = _group_labels(sums.index)
    none = expected_total <= 0
    if none.any():
        raise AnalysisError(
            f"the expected count is 0 for {_where(labels, none, 'group')}: the reference has "
            "no events in its age bands (or the group has no population), so no ratio exists. "
            "Fix: use a reference with events in these age bands."
        )
    groups = sums.index.to_frame(index=False) if keys else pd.DataFrame(index=[0])
    out = groups.copy()
    out[numerator] = observed
    out[denominator] = sums["_n"].to_numpy(dtype=float)
    out["expected"] = expected_total
    reference_rate = (ref["_rx"] / ref["_rn"]).to_numpy(dtype=float)
    return out, observed, expected_total, reference_rate


def smr(
    frame: pd.DataFrame,
    numerator="numerator",
    denominator="denominator",
    *,
    reference: pd.DataFrame,
    reference_numerator="numerator",
    reference_denominator="denominator",
    age_band="age_band",
    group_by: GroupBy = None,
    confidence: Confidence = 0.95,
    multiplier: float = 1,
) -> pd.DataFrame:
    """Standardised ratios (SMR, indirectly standardised ratio), one per group.

    Give the observed events and population per group × age band, and ``reference``: a
    frame of the reference population's events and population per age band (matched by
    label; ESP-style labels such as "65-69" and 65 match). The expected count is
    ``E = Σ nᵢ Rᵢ / Nᵢ`` over the group's rows; ``value = O / E × multiplier`` (1, or 100 as
    often published). The limits are those of the observed count O divided by E: exact below
    10 events, Byar's from 10 (Breslow & Day 1987, vol. II, ch. 2; Armitage, Berry &
    Matthews 2002), as PHEindicatormethods ``calculate_ISRatio``. Output: the group columns,
    summed ``numerator`` (observed) and ``denominator``, ``expected``, ``value``, limits,
    ``confidence``, ``statistic`` ("indirectly standardised ratio x <multiplier>"),
    ``method`` ("Exact" or "Byars") and ``note``.
    """
    levels = _levels(confidence)
    scale = _check_multiplier(multiplier)
    out, observed, expected, _ = _indirect(
        "smr",
        frame,
        numerator,
        denominator,
        reference,
        reference_numerator,
        reference_denominator,
        age_band,
        group_by,
    )
    factor = scale / expected
    limits = []
    for level in levels:
        lower, upper = _count_limits(observed, level)
        limits.append((lower * factor, upper * factor))
    out = _add_limits(
        out,
        observed * factor,
        limits,
        levels,
        f"indirectly standardised ratio x {_number_text(scale)}",
        _count_methods(observed),
    )
    out["note"] = ""
    return out


def isr(
    frame: pd.DataFrame,
    numerator="numerator",
    denominator="denominator",
    *,
    reference: pd.DataFrame,
    reference_numerator="numerator",
    reference_denominator="denominator",
    age_band="age_band",
    group_by: GroupBy = None,
    confidence: Confidence = 0.95,
    multiplier: float = 100_000,
) -> pd.DataFrame:
    """Indirectly standardised rates per ``multiplier``, one per group.

    The standardised ratio O / E of :func:`smr` times the reference population's crude rate
    over the same age bands: ``value = O / E × ΣRᵢ / ΣNᵢ × multiplier``; limits likewise from
    the limits of O (exact below 10 events, Byar's from 10). Breslow & Day (1987), vol. II;
    as PHEindicatormethods ``calculate_ISRate``. Output as :func:`smr`, plus
    ``reference_rate`` (per ``multiplier``); ``statistic`` is "indirectly standardised rate
    per <multiplier>".
    """
    levels = _levels(confidence)
    scale = _check_multiplier(multiplier)
    out, observed, expected, reference_rate = _indirect(
        "isr",
        frame,
        numerator,
        denominator,
        reference,
        reference_numerator,
        reference_denominator,
        age_band,
        group_by,
    )
    factor = reference_rate * scale / expected
    out["reference_rate"] = reference_rate * scale
    limits = []
    for level in levels:
        lower, upper = _count_limits(observed, level)
        limits.append((lower * factor, upper * factor))
    out = _add_limits(
        out,
        observed * factor,
        limits,
        levels,
        f"indirectly standardised rate per {_number_text(scale)}",
        _count_methods(observed),
    )
    out["note"] = ""
    return out


# ---------------------------------------------------------------------------------------------
# Means


def mean(
    frame: pd.DataFrame,
    value="value",
    *,
    group_by: GroupBy = None,
    confidence: Confidence = 0.95,
) -> pd.DataFrame:
    """Means with Student's t-interval, one per group.

    ``value`` is the mean of the column; the limits are ``mean ± t(1 − α/2; k − 1) · s / √k``
    with ``s`` the sample standard deviation of the k values (Student 1908, Biometrika
    6:1–25; Armitage, Berry & Matthews 2002), as PHEindicatormethods ``phe_mean`` and R's
    ``t.test(x)$conf.int``. A group of one value has no interval: its limits are NaN and
    ``note`` says so. Output: the group columns, ``count``, ``sd``, ``value``, limits,
    ``confidence``, ``statistic`` ("mean"), ``method`` ("Student's t-distribution"), ``note``.
    """
    levels = _levels(confidence)
    _check_frame(frame, "mean")
    _check_column(frame, value, "value")
    keys = _keys(frame, group_by)
    values = _numbers(frame, value, "the values to average")
    work = pd.DataFrame({"_v": values}, index=frame.index)
    for key in keys:
        work[key] = frame[key].to_numpy()
    by = keys or np.zeros(len(work), dtype=np.intp)
    summary = work.groupby(by, sort=True, dropna=False)["_v"].agg(["count", "mean", "std"])
    count = summary["count"].to_numpy(dtype=float)
    average = summary["mean"].to_numpy(dtype=float)
    sd = summary["std"].to_numpy(dtype=float)
    single = count < 2
    limits = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for level in levels:
            t = stats.t.ppf(1 - (1 - level) / 2, np.where(single, 1, count - 1))
            half = t * sd / np.sqrt(count)
            lower = average - half
            upper = average + half
            lower[single] = np.nan
            upper[single] = np.nan
            limits.append((lower, upper))
    out = summary.index.to_frame(index=False) if keys else pd.DataFrame(index=[0])
    out["count"] = count.astype(np.int64)
    out["sd"] = sd
    out = _add_limits(out, average, limits, levels, "mean", "Student's t-distribution")
    out["note"] = np.where(single, "one value only: no interval", "").astype(object)
    return out
