"""Complementary suppression for code matrices shown to site roles.

``code_matrix`` hides small counts cell by cell. Its rows are nested: a code counts the
passages of the codes below it, so where one child's cell is hidden and its parent's shown,
the parent less the shown siblings gives the hidden child away (exactly, when nothing is coded
on the parent itself). :func:`complement_tree` hides a second cell in each such group, as
the response monitor does for its totals.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from pioneer.qualitative.model import CodingFrame
from pioneer.results import TableResult


def _next_cell(table: pd.DataFrame, field: str, children: dict[str, list[str]], order: dict):
    """The index of one more cell to hide, or None when no group gives a hidden cell away."""
    for _column, part in table.groupby(field, sort=False):
        hidden = {r.code_id: pd.isna(r.sources) for r in part.itertuples()}
        references = {r.code_id: r.references for r in part.itertuples()}
        where = {r.code_id: r.Index for r in part.itertuples()}
        for parent, kids in children.items():
            if not kids or hidden[parent] or sum(hidden[k] for k in kids) != 1:
                continue
            shown = [k for k in kids if not hidden[k] and references[k] > 0]
            if shown:
                return where[min(shown, key=lambda k: (references[k], order[k]))]
            return where[parent]  # only zeros beside it: the parent is the hidden child
    return None


def complement_tree(result: TableResult, frame: CodingFrame) -> TableResult:
    """``result`` (a ``code_matrix``) with complementary suppression down the code tree:
    within each column, no shown parent keeps exactly one hidden child."""
    if not result.suppression or result.suppression.threshold <= 1:
        return result
    field = result.options["by"]
    table = result.frame.copy()
    codes = list(dict.fromkeys(table["code_id"]))
    order = {c: i for i, c in enumerate(codes)}
    children = {c: [k for k in codes if frame.code(k).parent_id == c] for c in codes}
    added = 0
    while (cell := _next_cell(table, field, children, order)) is not None:
        table.loc[cell, ["references", "sources"]] = pd.NA
        added += 1
    if not added:
        return result
    suppression = dataclasses.replace(
        result.suppression, cells_suppressed=result.suppression.cells_suppressed + added
    )
    return dataclasses.replace(result, frame=table, suppression=suppression)
