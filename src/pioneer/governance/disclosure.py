"""Small-number suppression: one threshold, one pure function, used by every output.

A cell whose count (or whose base) is positive but below the threshold could
identify a respondent, so its count and every statistic derived from it are
blanked. Zero is not disclosive and is shown. The approach follows the
statistical disclosure control practice of the ONS and OpenSAFELY (counts of
1–7 redacted): see ``docs/glossary.md`` under *suppression*.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from pioneer.results import Suppression

#: Counts from 1 up to (not including) this many respondents are suppressed.
DEFAULT_THRESHOLD = 5


def suppress_small_counts(
    frame: pd.DataFrame,
    count_columns: Sequence[str],
    *,
    threshold: int = DEFAULT_THRESHOLD,
    dependent_columns: Sequence[str] = (),
) -> tuple[pd.DataFrame, Suppression]:
    """Blank every row's counts in ``count_columns`` that lie in ``[1, threshold)``.

    ``dependent_columns`` (percentages, interval limits) are blanked on the same
    rows, since they would reveal the count. Returns a new frame and a record of
    what was done; the input is not modified. ``threshold=0`` or ``1`` turns
    suppression off.
    """
    if threshold < 0:
        raise ValueError(f"suppression threshold must be 0 or more, got {threshold}")
    missing = [c for c in (*count_columns, *dependent_columns) if c not in frame.columns]
    if missing:
        raise KeyError(f"columns not in the table: {missing}")
    out = frame.copy()
    if threshold <= 1 or out.empty:
        return out, Suppression(threshold=threshold, cells_suppressed=0)
    hide = pd.Series(False, index=out.index)
    for column in count_columns:
        values = pd.to_numeric(out[column], errors="coerce")
        hide |= (values > 0) & (values < threshold)
    for column in (*count_columns, *dependent_columns):
        out[column] = out[column].astype("Float64") if _numeric(out[column]) else out[column]
        out.loc[hide, column] = pd.NA
    return out, Suppression(
        threshold=threshold,
        cells_suppressed=int(hide.sum()),
        columns=tuple(count_columns),
    )


def _numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series)
