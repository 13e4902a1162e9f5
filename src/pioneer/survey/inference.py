"""Intervals and tests of change for survey percentages.

Every function is vectorised over numpy arrays or pandas Series.
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def wilson_interval(k, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for the proportion ``k / n``.

    Wilson, E.B. (1927) "Probable inference, the law of succession, and
    statistical inference", JASA 22:209–212; recommended by Newcombe, R.G. (1998)
    Statistics in Medicine 17:857–872 (method 3). Returns ``(lower, upper)`` as
    proportions; where ``n`` is 0 both are NaN.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        lower = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
        upper = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    return lower, upper
