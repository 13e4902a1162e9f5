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
    complementary: Sequence[str] = (),
) -> tuple[pd.DataFrame, Suppression]:
    """Blank every row's counts in ``count_columns`` that lie in ``[1, threshold)``.

    ``dependent_columns`` (percentages, interval limits) are blanked on the same
    rows, since they would reveal the count. ``complementary`` names the columns
    that group rows into mutually exclusive categories of one shown base (an
    item × wave of a rating scale): where a group has exactly one blanked row,
    the group's smallest other non-zero row is blanked too, so the hidden count
    cannot be recovered by subtracting the others from the base (secondary
    suppression, as in the ONS and Eurostat disclosure-control guidance).
    Returns a new frame and a record of what was done; the input is not
    modified. ``threshold=0`` or ``1`` turns suppression off.
    """
    if threshold < 0:
        raise ValueError(f"suppression threshold must be 0 or more, got {threshold}")
    needed = (*count_columns, *dependent_columns, *complementary)
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise KeyError(f"columns not in the table: {missing}")
    out = frame.copy()
    if threshold <= 1 or out.empty:
        return out, Suppression(threshold=threshold, cells_suppressed=0)
    hide = pd.Series(False, index=out.index)
    for column in count_columns:
        values = pd.to_numeric(out[column], errors="coerce")
        hide |= (values > 0) & (values < threshold)
    if complementary and hide.any():
        hide |= _complementary(out, count_columns[0], hide, list(complementary))
    for column in (*count_columns, *dependent_columns):
        out[column] = out[column].astype("Float64") if _numeric(out[column]) else out[column]
        out.loc[hide, column] = pd.NA
    return out, Suppression(
        threshold=threshold,
        cells_suppressed=int(hide.sum()),
        columns=tuple(count_columns),
    )


def _complementary(
    frame: pd.DataFrame, count_column: str, hide: pd.Series, groups: list[str]
) -> pd.Series:
    """Rows to blank so that no group has exactly one blanked row."""
    counts = pd.to_numeric(frame[count_column], errors="coerce")
    extra = pd.Series(False, index=frame.index)
    grouped = frame.groupby(groups, observed=True, dropna=False, sort=False)
    for rows in grouped.indices.values():
        rows = frame.index[rows]
        hidden = hide.loc[rows]
        if int(hidden.sum()) != 1:
            continue
        candidates = counts.loc[rows][~hidden & (counts.loc[rows] > 0)]
        if not candidates.empty:
            extra.loc[candidates.idxmin()] = True
    return extra


def _numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series)
