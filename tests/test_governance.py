"""Disclosure control and spreadsheet safety."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pioneer.governance import DEFAULT_THRESHOLD, suppress_small_counts
from pioneer.governance.spreadsheet import neutralise_formulas


def test_counts_between_one_and_the_threshold_are_blanked_with_their_percentages():
    table = pd.DataFrame({"n": [0, 1, 4, 5, 12], "percent": [0.0, 10.0, 40.0, 50.0, 60.0]})
    out, record = suppress_small_counts(table, ["n"], threshold=5, dependent_columns=["percent"])
    assert out["n"].isna().tolist() == [False, True, True, False, False]
    assert out["percent"].isna().tolist() == [False, True, True, False, False]
    assert record.cells_suppressed == 2
    assert table["n"].tolist() == [0, 1, 4, 5, 12], "the input must not change"


def test_threshold_zero_shows_everything():
    table = pd.DataFrame({"n": [1, 2]})
    out, record = suppress_small_counts(table, ["n"], threshold=0)
    assert out["n"].tolist() == [1, 2]
    assert record.cells_suppressed == 0


def test_default_threshold_is_five():
    assert DEFAULT_THRESHOLD == 5


@given(
    counts=st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=40),
    threshold=st.integers(min_value=2, max_value=11),
)
def test_suppression_never_shows_a_count_below_the_threshold(counts, threshold):
    out, _ = suppress_small_counts(pd.DataFrame({"n": counts}), ["n"], threshold=threshold)
    shown = out["n"].dropna()
    assert ((shown == 0) | (shown >= threshold)).all()


def test_unknown_columns_are_named():
    with pytest.raises(KeyError, match="percent"):
        suppress_small_counts(pd.DataFrame({"n": [1]}), ["n"], dependent_columns=["percent"])


@pytest.mark.parametrize("cell", ["=1+1", "+44 20", "-2+3", "@SUM(A1)", "\t=x", "\r=x"])
def test_formula_cells_are_quoted(cell):
    out = neutralise_formulas(pd.DataFrame({"text": [cell]}))
    assert out["text"].iloc[0] == "'" + cell


def test_plain_text_and_numbers_are_left_alone():
    frame = pd.DataFrame({"text": ["fine", "a=b", None], "number": [-3, 4, 5]})
    out = neutralise_formulas(frame)
    assert out["text"].iloc[:2].tolist() == ["fine", "a=b"]
    assert pd.isna(out["text"].iloc[2])
    assert out["number"].tolist() == [-3, 4, 5]


def test_categorical_cells_are_quoted_not_lost():
    frame = pd.DataFrame({"text": pd.Categorical(["=a", "b", "=a"])})
    out = neutralise_formulas(frame)
    assert out["text"].astype(str).tolist() == ["'=a", "b", "'=a"]


def test_complementary_suppression_stops_recovery_by_subtraction():
    # One item x wave of a 4-point scale, base 40: counts 3, 20, 7, 10. Blanking only the 3
    # would leave it recoverable as 40 - 20 - 7 - 10, so the next smallest (7) goes too.
    table = pd.DataFrame(
        {
            "item": ["a"] * 4 + ["b"] * 4,
            "category": ["x", "y", "z", "w"] * 2,
            "n": [3, 20, 7, 10, 10, 10, 10, 10],
            "base": [40] * 8,
        }
    )
    out, record = suppress_small_counts(table, ["n"], threshold=5, complementary=["item"])
    assert out["n"].isna().tolist() == [True, False, True, False] + [False] * 4
    assert record.cells_suppressed == 2


@given(
    counts=st.lists(st.integers(min_value=0, max_value=30), min_size=2, max_size=6),
    threshold=st.integers(min_value=2, max_value=8),
)
def test_no_group_is_left_with_a_single_blank(counts, threshold):
    table = pd.DataFrame({"g": ["one"] * len(counts), "n": counts})
    out, _ = suppress_small_counts(table, ["n"], threshold=threshold, complementary=["g"])
    blanks = int(out["n"].isna().sum())
    nonzero_shown = int((out["n"].dropna() > 0).sum())
    assert blanks != 1 or nonzero_shown == 0
