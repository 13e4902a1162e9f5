"""Intervals and tests of change for survey percentages.

Every count-based function is vectorised over numpy arrays or pandas Series (scalars in give
scalars out) and checks its input, raising :class:`pioneer.errors.AnalysisError` with a
plain-language message. Each function names the published method it implements; the methods
and their R equivalents are described in ``docs/methods.md`` and checked against R output in
``tests/oracle/``.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from pioneer.errors import AnalysisError

__all__ = [
    "TestResult",
    "WeightedProportion",
    "chi_square_test",
    "difference_interval",
    "equal_site_weights",
    "mcnemar_exact",
    "mcnemar_test",
    "two_proportion_test",
    "weighted_proportion",
    "wilson_interval",
]

Number = float | np.ndarray

# Below this design effect a design-based variance is treated as zero (rounding noise).
_ZERO_DESIGN_EFFECT = 1e-12


# ---------------------------------------------------------------------------------------------
# Result types


@dataclass(frozen=True)
class TestResult:
    """Outcome of a significance test.

    ``statistic``, ``p_value`` and ``z`` are floats for scalar input and arrays for array
    input. ``df`` is the degrees of freedom of the chi-square reference distribution (None for
    an exact test). ``note`` is empty unless something limits the result: small expected
    counts, or positions where no test is possible (their statistic and p-value are NaN).
    ``z`` is the signed square root of a one-degree-of-freedom statistic, where one exists.
    """

    __test__: ClassVar[bool] = False  # not a pytest test class

    test: str
    statistic: Number
    df: int | None
    p_value: Number
    note: str = ""
    z: Number | None = None


@dataclass(frozen=True)
class WeightedProportion:
    """A weighted proportion with its design-based interval (see :func:`weighted_proportion`).

    ``estimate``, ``lower`` and ``upper`` are proportions; ``se`` is the linearisation
    standard error of the estimate; ``df`` the design degrees of freedom (clusters − 1, or
    respondents − 1 without clusters); ``n`` the number of respondents; ``n_clusters`` the
    number of clusters (None without clusters); ``effective_n`` the effective sample size used
    by the beta method; ``method`` is ``"beta"`` or ``"logit"``; ``note`` explains any
    departure from the plain method.
    """

    estimate: float
    lower: float
    upper: float
    se: float
    df: int
    n: int
    n_clusters: int | None
    effective_n: float
    method: str
    confidence: float
    note: str = ""


# ---------------------------------------------------------------------------------------------
# Input checks


def _check_confidence(confidence: float) -> float:
    try:
        value = float(confidence)
    except (TypeError, ValueError):
        raise AnalysisError(
            f"the confidence level must be a number between 0 and 1, such as 0.95; "
            f"found {confidence!r}"
        ) from None
    if not 0 < value < 1:
        raise AnalysisError(
            f"the confidence level must lie strictly between 0 and 1 (0.95 for 95%); "
            f"found {confidence!r}"
        )
    return value


def _position(mask: np.ndarray) -> str:
    if mask.ndim == 0:
        return ""
    index = tuple(int(i) for i in np.argwhere(mask)[0])
    return f" at position {index[0] if len(index) == 1 else index}"


def _describe(value: float) -> str:
    value = float(value)
    return "a missing value" if np.isnan(value) else f"{value:g}"


def _counts(values, name: str, what: str) -> np.ndarray:
    """``values`` as a float array of whole, non-negative numbers, or an AnalysisError."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise AnalysisError(
            f"{name} ({what}) must be numbers; found {reprlib.repr(values)}. "
            "Fix: pass counts as integers, e.g. 12."
        ) from None
    if array.size == 0:
        raise AnalysisError(f"{name} ({what}) is empty; give at least one count.")
    bad = ~np.isfinite(array)
    if bad.any():
        raise AnalysisError(
            f"{name} ({what}) must be whole numbers{_position(bad)}; "
            f"found {_describe(array[bad].flat[0])}. Fix: drop or fill missing counts first."
        )
    bad = array < 0
    if bad.any():
        raise AnalysisError(
            f"{name} ({what}) cannot be negative{_position(bad)}; found {array[bad].flat[0]:g}."
        )
    bad = array != np.floor(array)
    if bad.any():
        raise AnalysisError(
            f"{name} ({what}) must be whole numbers of respondents{_position(bad)}; "
            f"found {array[bad].flat[0]:g}. Fix: pass counts, not percentages or weighted "
            "totals (use weighted_proportion for weighted data)."
        )
    return array


def _numerator_within_base(k: np.ndarray, n: np.ndarray, k_name: str, n_name: str) -> None:
    try:
        k, n = np.broadcast_arrays(k, n)
    except ValueError:
        raise AnalysisError(
            f"{k_name} and {n_name} must have the same length; "
            f"found {np.shape(k)} and {np.shape(n)}."
        ) from None
    bad = k > n
    if bad.any():
        raise AnalysisError(
            f"{k_name} must not exceed its base {n_name}{_position(bad)}; "
            f"found {k[bad].flat[0]:g} out of {n[bad].flat[0]:g}. "
            "Fix: check that numerator and base come from the same group."
        )


def _positive_bases(n: np.ndarray, name: str) -> None:
    bad = n == 0
    if bad.any():
        raise AnalysisError(
            f"the base {name} is 0{_position(bad)}: a test needs at least one respondent in "
            "each group. Fix: leave out groups with no respondents."
        )


def _scalar_or_array(value: np.ndarray, scalar: bool) -> Number:
    return float(value) if scalar else value


def _is_scalar(*values) -> bool:
    return all(np.ndim(v) == 0 for v in values)


# ---------------------------------------------------------------------------------------------
# Intervals


def _z(confidence: float) -> float:
    return float(stats.norm.ppf(1 - (1 - confidence) / 2))


def _wilson(k: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        lower = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
        upper = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    # At k = 0 and k = n the bound is exactly 0 or 1; rounding can leave 1e-17 instead.
    lower = np.where((k == 0) & (n > 0), 0.0, lower)
    upper = np.where((k == n) & (n > 0), 1.0, upper)
    return lower, upper


def wilson_interval(k, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for the proportion ``k / n``.

    Wilson, E.B. (1927) "Probable inference, the law of succession, and
    statistical inference", JASA 22:209–212; recommended by Newcombe, R.G. (1998)
    Statistics in Medicine 17:857–872 (method 3). Returns ``(lower, upper)`` as
    proportions; where ``n`` is 0 both are NaN. Same as R's
    ``prop.test(k, n, correct = FALSE)$conf.int``.
    """
    confidence = _check_confidence(confidence)
    k = _counts(k, "k", "the number of respondents giving the answer")
    n = _counts(n, "n", "the base")
    _numerator_within_base(k, n, "k", "n")
    return _wilson(k, n, _z(confidence))


def difference_interval(
    k1, n1, k2, n2, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Interval for the change ``k1/n1 − k2/n2`` between two independent groups.

    Newcombe's hybrid score interval: Newcombe, R.G. (1998) "Interval estimation for the
    difference between independent proportions: comparison of eleven methods", Statistics in
    Medicine 17:873–890, method 10. It combines the two Wilson intervals, so it stays within
    [−1, 1] and behaves well at 0% and 100%, unlike the simple Wald interval. Returns
    ``(difference, lower, upper)`` as proportions; NaN where a base is 0.
    """
    confidence = _check_confidence(confidence)
    k1 = _counts(k1, "k1", "the number giving the answer in the first group")
    n1 = _counts(n1, "n1", "the base of the first group")
    k2 = _counts(k2, "k2", "the number giving the answer in the second group")
    n2 = _counts(n2, "n2", "the base of the second group")
    _numerator_within_base(k1, n1, "k1", "n1")
    _numerator_within_base(k2, n2, "k2", "n2")
    z = _z(confidence)
    l1, u1 = _wilson(k1, n1, z)
    l2, u2 = _wilson(k2, n2, z)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1 = k1 / n1
        p2 = k2 / n2
    difference = p1 - p2
    lower = difference - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = difference + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return difference, lower, upper


# ---------------------------------------------------------------------------------------------
# Weighted proportions (survey designs)


def equal_site_weights(site, wave=None) -> np.ndarray:
    """Weights that make every site count equally: 1 / (the site's respondents in the wave).

    Pass one entry per respondent; with ``wave`` the count is taken within each wave. Use the
    result as ``weights`` in :func:`weighted_proportion`.
    """
    site = pd.Series(np.asarray(site, dtype=object))
    if site.isna().any():
        raise AnalysisError(
            f"every respondent needs a site; {int(site.isna().sum())} have none. "
            "Fix: fill in the site or leave those respondents out."
        )
    keys = [site] if wave is None else [pd.Series(np.asarray(wave, dtype=object)), site]
    if len(keys[0]) != len(site):
        raise AnalysisError(
            f"site and wave must have one entry per respondent; found {len(site)} sites "
            f"and {len(keys[0])} waves."
        )
    frame = pd.DataFrame({f"k{i}": key.to_numpy() for i, key in enumerate(keys)})
    sizes = frame.groupby(list(frame.columns), dropna=False)[frame.columns[0]].transform("size")
    return 1.0 / sizes.to_numpy(dtype=float)


def _weighted_inputs(y, weights, clusters):
    try:
        y_arr = np.asarray(y, dtype=float)
        w_arr = np.asarray(weights, dtype=float)
    except (TypeError, ValueError):
        raise AnalysisError(
            "y must hold 0/1 answers and weights positive numbers; found values that are "
            "not numbers. Fix: code answers as 1 (yes) and 0 (no)."
        ) from None
    if y_arr.ndim != 1 or w_arr.ndim != 1 or len(y_arr) != len(w_arr):
        raise AnalysisError(
            f"y and weights must be one-dimensional with one entry per respondent; "
            f"found shapes {y_arr.shape} and {w_arr.shape}."
        )
    if len(y_arr) < 2:
        raise AnalysisError(
            f"a weighted proportion needs at least two respondents; found {len(y_arr)}."
        )
    bad = ~np.isin(y_arr, (0.0, 1.0))
    if bad.any():
        raise AnalysisError(
            f"y must be 1 (yes) or 0 (no) for every respondent{_position(bad)}; "
            f"found {_describe(y_arr[bad][0])}. Fix: leave out respondents who did not answer and "
            "recode the answer as 0/1."
        )
    bad = ~np.isfinite(w_arr) | (w_arr <= 0)
    if bad.any():
        raise AnalysisError(
            f"weights must be positive numbers{_position(bad)}; found {_describe(w_arr[bad][0])}. "
            "Fix: leave out respondents with no weight."
        )
    codes = None
    if clusters is not None:
        labels = pd.Series(np.asarray(clusters, dtype=object))
        if len(labels) != len(y_arr):
            raise AnalysisError(
                f"clusters must have one entry per respondent; found {len(labels)} for "
                f"{len(y_arr)} respondents."
            )
        if labels.isna().any():
            raise AnalysisError(
                f"every respondent needs a cluster (site); {int(labels.isna().sum())} have "
                "none. Fix: fill in the site or leave those respondents out."
            )
        codes, uniques = pd.factorize(labels)
        if len(uniques) < 2:
            raise AnalysisError(
                "a clustered interval needs at least two sites (clusters) to estimate "
                f"between-site variation; found {len(uniques)}. Fix: pass clusters=None."
            )
    return y_arr, w_arr, codes


def weighted_proportion(
    y, weights, clusters=None, confidence: float = 0.95, method: str = "beta"
) -> WeightedProportion:
    """Weighted proportion answering yes, with a design-based confidence interval.

    For equal site weighting pass ``weights=equal_site_weights(site)`` and ``clusters=site``.
    The variance is the Taylor-linearisation (with-replacement) estimate for a one-stage
    cluster sample, or for independent respondents when ``clusters`` is None, with design
    degrees of freedom clusters − 1 (respondents − 1). The interval matches R's
    ``survey::svyciprop(~y, svydesign(ids = ~site or ~1, weights = ~w, data), method)``
    (Lumley, T. (2010) Complex Surveys, Wiley, ch. 2):

    - ``method="beta"`` (default): Korn, E.L. & Graubard, B.I. (1998) "Confidence intervals
      for proportions with small expected number of positive counts estimated from survey
      data", Survey Methodology 24:193–201 — a Clopper–Pearson interval at the effective
      sample size, adjusted for the design degrees of freedom.
    - ``method="logit"``: a Wald interval on the log-odds scale with a t reference.

    Where the design-based variance is zero (everyone answered alike, or every site has the
    same proportion) R gives NaN or a zero-width interval; here the beta interval is used
    with Kish's effective sample size (Σw)²/Σw² instead, and ``note`` says so.
    """
    confidence = _check_confidence(confidence)
    if method not in ("beta", "logit"):
        raise AnalysisError(f"method must be 'beta' or 'logit'; found {method!r}.")
    y_arr, w_arr, codes = _weighted_inputs(y, weights, clusters)
    n = len(y_arr)
    total = w_arr.sum()
    # Summing the weights of the yes answers (not a dot product) makes an all-yes cell
    # exactly 1: the numerator is then the same sum as the denominator.
    estimate = min(1.0, float(w_arr[y_arr == 1].sum() / total))
    scores = w_arr * (y_arr - estimate) / total
    if codes is None:
        units = scores
        n_clusters = None
    else:
        units = np.bincount(codes, weights=scores)
        n_clusters = len(units)
    m = len(units)
    variance = float(m / (m - 1) * np.sum((units - units.mean()) ** 2))
    df = m - 1
    alpha = 1 - confidence
    # Korn & Graubard's degrees-of-freedom adjustment, as in svyciprop.
    df_factor = (stats.t.ppf(alpha / 2, n - 1) / stats.t.ppf(alpha / 2, df)) ** 2
    p_q = estimate * (1 - estimate)
    kish_n = total**2 / float(np.sum(w_arr**2))
    note = ""
    if variance <= _ZERO_DESIGN_EFFECT * p_q / kish_n or p_q == 0:
        base_n = kish_n
        note = (
            "the design-based variance is zero (answers do not vary "
            + ("between sites" if 0 < estimate < 1 else "at all")
            + "), so the interval uses the beta method at Kish's effective sample size"
        )
        used = "beta"
    else:
        base_n = p_q / variance
        used = method
    effective_n = base_n * df_factor
    if used == "beta":
        lower = (
            0.0
            if estimate == 0
            else float(
                stats.beta.ppf(alpha / 2, effective_n * estimate, effective_n * (1 - estimate) + 1)
            )
        )
        upper = (
            1.0
            if estimate == 1
            else float(
                stats.beta.ppf(
                    1 - alpha / 2, effective_n * estimate + 1, effective_n * (1 - estimate)
                )
            )
        )
    else:
        half = -stats.t.ppf(alpha / 2, df) * np.sqrt(variance) / p_q
        centre = np.log(estimate / (1 - estimate))
        lower, upper = (float(stats.logistic.cdf(centre + s * half)) for s in (-1, 1))
    return WeightedProportion(
        estimate=estimate,
        lower=lower,
        upper=upper,
        se=float(np.sqrt(variance)),
        df=df,
        n=n,
        n_clusters=n_clusters,
        effective_n=float(effective_n),
        method=method,
        confidence=confidence,
        note=note,
    )


# ---------------------------------------------------------------------------------------------
# Tests


def _no_test_note(mask: np.ndarray, reason: str) -> str:
    if not mask.any():
        return ""
    if mask.ndim == 0:
        return f"no test: {reason}"
    positions = ", ".join(str(int(i)) for i in np.flatnonzero(mask)[:10])
    more = ", ..." if mask.sum() > 10 else ""
    return f"no test at positions {positions}{more}: {reason}"


def two_proportion_test(k1, n1, k2, n2, correction: bool = False) -> TestResult:
    """Test that two independent proportions ``k1/n1`` and ``k2/n2`` are equal.

    The z test with the pooled standard error (e.g. Agresti, A. (2013) Categorical Data
    Analysis, 3rd ed., §3.1); ``statistic`` is the 1-df chi-square z², as in R's
    ``prop.test(c(k1, k2), c(n1, n2), correct = correction)``. With ``correction`` the Yates
    continuity correction is applied exactly as R does, and ``z`` is the signed square root of
    the corrected statistic. NaN where both groups answered all yes or all no.
    """
    scalar = _is_scalar(k1, n1, k2, n2)
    k1 = _counts(k1, "k1", "the number giving the answer in the first group")
    n1 = _counts(n1, "n1", "the base of the first group")
    k2 = _counts(k2, "k2", "the number giving the answer in the second group")
    n2 = _counts(n2, "n2", "the base of the second group")
    _numerator_within_base(k1, n1, "k1", "n1")
    _numerator_within_base(k2, n2, "k2", "n2")
    _positive_bases(n1, "n1")
    _positive_bases(n2, "n2")
    k1, n1, k2, n2 = np.broadcast_arrays(k1, n1, k2, n2)
    p1, p2 = k1 / n1, k2 / n2
    pooled = (k1 + k2) / (n1 + n2)
    degenerate = (pooled == 0) | (pooled == 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        difference = p1 - p2
        inv_n = 1 / n1 + 1 / n2
        yates = np.minimum(0.5, np.abs(difference) / inv_n) if correction else 0.0
        # Every cell of the 2 × 2 table departs from its expectation by the same amount.
        departure = np.maximum(np.abs(k1 - n1 * pooled) - yates, 0.0)
        statistic = departure**2 * inv_n / (pooled * (1 - pooled))
    statistic = np.where(degenerate, np.nan, statistic)
    z = np.sign(difference) * np.sqrt(statistic)
    p_value = stats.chi2.sf(statistic, 1)
    name = "two-proportion z (continuity corrected)" if correction else "two-proportion z"
    return TestResult(
        test=name,
        statistic=_scalar_or_array(statistic, scalar),
        df=1,
        p_value=_scalar_or_array(p_value, scalar),
        note=_no_test_note(degenerate, "both groups answered all yes or all no"),
        z=_scalar_or_array(z, scalar),
    )


def chi_square_test(table, correction: bool = False) -> TestResult:
    """Pearson's chi-square test of independence for an r × c table of counts.

    Rows are independent groups (e.g. survey waves), columns the answer categories (or the
    transpose; the test is symmetric). Pearson, K. (1900) Philosophical Magazine 50:157–175;
    equals R's ``chisq.test(table, correct = correction)``: the Yates correction applies only
    to 2 × 2 tables. ``note`` flags expected counts below 5, where R warns that the
    approximation may be incorrect.
    """
    if isinstance(table, pd.DataFrame):
        table = table.to_numpy()
    counts = _counts(table, "table", "the counts of the contingency table")
    if counts.ndim != 2 or min(counts.shape) < 2:
        raise AnalysisError(
            f"the table must have at least two rows and two columns; found shape {counts.shape}."
        )
    for axis, label in ((1, "row"), (0, "column")):
        sums = counts.sum(axis=axis)
        if (sums == 0).any():
            raise AnalysisError(
                f"{label} {int(np.flatnonzero(sums == 0)[0]) + 1} of the table has no counts, "
                "so its expected counts are zero. Fix: drop empty rows and columns "
                "(categories nobody chose) before testing."
            )
    expected = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / counts.sum()
    departure = np.abs(counts - expected)
    two_by_two = counts.shape == (2, 2)
    if correction and two_by_two:
        departure = departure - min(0.5, float(departure.min()))
    statistic = float(np.sum(departure**2 / expected))
    df = (counts.shape[0] - 1) * (counts.shape[1] - 1)
    small = expected < 5
    note = ""
    if small.any():
        note = (
            f"{int(small.sum())} of {small.size} expected counts are below 5 (smallest "
            f"{expected.min():.2f}); the chi-square approximation may be poor"
        )
    corrected = correction and two_by_two
    return TestResult(
        test="Pearson chi-square (continuity corrected)" if corrected else "Pearson chi-square",
        statistic=statistic,
        df=df,
        p_value=float(stats.chi2.sf(statistic, df)),
        note=note,
        z=None,
    )


def expected_2x2(k1, n1, k2, n2) -> np.ndarray:
    """Expected counts of the 2 × 2 tables group × (yes, no), one table per element.

    Shape ``(..., 4)`` in the order (k1, n1 − k1, k2, n2 − k2): row total × column total /
    grand total, as Pearson's test uses them.
    """
    k1, n1, k2, n2 = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (k1, n1, k2, n2)))
    total = n1 + n2
    yes = (k1 + k2) / total
    no = 1 - yes
    return np.stack([n1 * yes, n1 * no, n2 * yes, n2 * no], axis=-1)


def chi_square_2x2(k1, n1, k2, n2) -> TestResult:
    """Pearson's chi-square (no continuity correction) for many 2 × 2 tables at once.

    Each table is group × (yes, no) with ``k`` of ``n`` answering yes; the same statistic
    and p-value as :func:`chi_square_test` on ``[[k1, n1 - k1], [k2, n2 - k2]]`` (and R's
    ``chisq.test(..., correct = FALSE)``), computed as arrays. NaN where a table has an
    empty row or column (no test); ``note`` lists those positions.
    """
    scalar = _is_scalar(k1, n1, k2, n2)
    k1 = _counts(k1, "k1", "the number giving the answer in the first group")
    n1 = _counts(n1, "n1", "the base of the first group")
    k2 = _counts(k2, "k2", "the number giving the answer in the second group")
    n2 = _counts(n2, "n2", "the base of the second group")
    _numerator_within_base(k1, n1, "k1", "n1")
    _numerator_within_base(k2, n2, "k2", "n2")
    k1, n1, k2, n2 = np.broadcast_arrays(k1, n1, k2, n2)
    observed = np.stack([k1, n1 - k1, k2, n2 - k2], axis=-1).astype(float)
    expected = expected_2x2(k1, n1, k2, n2)
    empty = (n1 == 0) | (n2 == 0) | (k1 + k2 == 0) | (k1 + k2 == n1 + n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        cells = (observed - expected) ** 2 / expected
    statistic = cells[..., 0] + cells[..., 1] + cells[..., 2] + cells[..., 3]
    statistic = np.where(empty, np.nan, statistic)
    return TestResult(
        test="Pearson chi-square",
        statistic=_scalar_or_array(statistic, scalar),
        df=1,
        p_value=_scalar_or_array(stats.chi2.sf(statistic, 1), scalar),
        note=_no_test_note(empty, "a row or column of the table has no counts"),
        z=None,
    )


def mcnemar_test(b, c, correction: bool = True) -> TestResult:
    """McNemar's test of change for the same informants answering in two waves.

    ``b`` and ``c`` are the discordant counts (yes then no; no then yes). McNemar, Q. (1947)
    Psychometrika 12:153–157; the statistic (|b − c| − 1)² / (b + c) with ``correction``
    (Edwards, A.L. (1948) Psychometrika 13:185–187), else (b − c)² / (b + c). Equals R's
    ``mcnemar.test(matrix(c(a, c, b, d), 2), correct = correction)``, which skips the
    correction when b = c. ``z`` is positive when more informants moved to yes (c > b). NaN
    where there are no discordant pairs. For small b + c prefer :func:`mcnemar_exact`.
    """
    scalar = _is_scalar(b, c)
    b = _counts(b, "b", "the informants who changed from yes to no")
    c = _counts(c, "c", "the informants who changed from no to yes")
    b, c = np.broadcast_arrays(b, c)
    gap = np.abs(b - c)
    if correction:
        gap = np.where(b != c, gap - 1, gap)
    none = (b + c) == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = np.where(none, np.nan, gap**2 / (b + c))
    p_value = stats.chi2.sf(statistic, 1)
    return TestResult(
        test="McNemar (continuity corrected)" if correction else "McNemar",
        statistic=_scalar_or_array(statistic, scalar),
        df=1,
        p_value=_scalar_or_array(p_value, scalar),
        note=_no_test_note(none, "no informant changed answer (b + c = 0)"),
        z=_scalar_or_array(np.sign(c - b) * np.sqrt(statistic), scalar),
    )


def mcnemar_exact(b, c) -> TestResult:
    """Exact McNemar test: a two-sided binomial test of b successes in b + c trials at ½.

    Conditional on the number of informants who changed, b is Binomial(b + c, ½) when nothing
    changed overall, so the p-value needs no large-sample approximation; it is conservative
    (Fagerland, M.W., Lydersen, S. & Laake, P. (2013) BMC Medical Research Methodology
    13:91). Use it when few informants changed answer. Equals R's
    ``binom.test(b, b + c)$p.value``; ``statistic`` is b. NaN where b + c = 0.
    """
    scalar = _is_scalar(b, c)
    b = _counts(b, "b", "the informants who changed from yes to no")
    c = _counts(c, "c", "the informants who changed from no to yes")
    b, c = np.broadcast_arrays(b, c)
    trials = b + c
    none = trials == 0
    # The null distribution is symmetric, so the two-sided p is twice the smaller tail.
    tail = stats.binom.cdf(np.minimum(b, c), trials, 0.5)
    p_value = np.where(none, np.nan, np.minimum(1.0, 2 * tail))
    return TestResult(
        test="McNemar exact (binomial)",
        statistic=_scalar_or_array(b.astype(float), scalar),
        df=None,
        p_value=_scalar_or_array(p_value, scalar),
        note=_no_test_note(none, "no informant changed answer (b + c = 0)"),
        z=None,
    )
