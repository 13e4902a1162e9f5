"""Neutralise spreadsheet formula injection in exported cells.

A text cell beginning with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return) is run as a formula by Excel and LibreOffice when the file is opened.
Following the OWASP guidance on CSV injection, such cells are prefixed with a
single quote so that they are shown as the text the respondent typed.
Numbers are left alone: ``-3`` stored as a number is not text.
"""

from __future__ import annotations

import pandas as pd

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """Return ``value`` with a leading quote if it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell made safe for spreadsheets."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            renamed = [neutralise_cell(c) for c in series.cat.categories]
            if len(set(renamed)) == len(renamed):
                out[column] = series.cat.rename_categories(renamed)
            else:  # a quoted label would collide with an existing one: fall back to text
                out[column] = series.astype(object).map(neutralise_cell, na_action="ignore")
        elif pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            out[column] = series.map(neutralise_cell, na_action="ignore").astype(series.dtype)
    return out
