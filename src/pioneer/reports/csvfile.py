"""CSV output: the tidy frame as data, with the reader's notes in a sibling text file.

Decision: the CSV holds *only* the data (a header row, then one row per cell of
the tidy frame, full precision, UTF-8 without a byte-order mark, ``\\n`` line
ends, blank for missing), so it loads into pandas, R or a spreadsheet without
skipping comment lines. Everything a reader needs to trust the numbers (title,
bases, method, suppression, source, options) goes in ``<stem>.notes.txt``
beside it. Text cells that a spreadsheet would run as a formula are prefixed
with a quote (:func:`pioneer.governance.spreadsheet.neutralise_formulas`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pioneer.governance.spreadsheet import neutralise_formulas
from pioneer.reports.grid import bases_text, options_text
from pioneer.results import TableResult

#: What each statistic column of a tidy frame holds, for the notes file.
COLUMN_MEANINGS: dict[str, str] = {
    "n": "number of respondents giving the answer",
    "base": "number of respondents the percentage is computed over",
    "percent": "percentage of the base, 0-100",
    "ci_lower": "lower limit of the confidence interval, percent",
    "ci_upper": "upper limit of the confidence interval, percent",
}


def notes_path_for(path: str | Path) -> Path:
    """The notes file written beside a CSV: ``table.csv`` → ``table.notes.txt``."""
    path = Path(path)
    return path.with_name(f"{path.stem}.notes.txt")


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` safe to open in a spreadsheet: formula-like text quoted.

    Categorical columns are turned into plain values first, because quoting a
    value that is not among a column's categories would otherwise blank it.
    """
    plain_frame = frame.copy()
    for column in plain_frame.columns:
        if isinstance(plain_frame[column].dtype, pd.CategoricalDtype):
            plain_frame[column] = plain_frame[column].astype(object)
    return neutralise_formulas(plain_frame)


def write_frame_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as formula-safe UTF-8 CSV at ``path`` (no index); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    safe_frame(frame).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path


def notes_text(result: TableResult) -> str:
    """The plain-text notes for ``result``: title, bases, notes, method, columns."""
    lines = [result.title, f"Table: {result.name}", ""]
    bases = bases_text(result.bases)
    if bases:
        lines.append(bases)
    lines.extend(result.all_notes())
    options = options_text(result)
    if options:
        lines.append(options)
    lines += ["", "Columns:"]
    for column in result.frame.columns:
        meaning = COLUMN_MEANINGS.get(str(column))
        lines.append(f"  {column}: {meaning}" if meaning else f"  {column}")
    lines.append("Blank cells are missing or suppressed.")
    return "\n".join(lines) + "\n"


def to_csv(result: TableResult, path: str | Path) -> list[Path]:
    """Write the tidy frame to ``path`` and its notes to ``<stem>.notes.txt``.

    Returns both paths, the CSV first.
    """
    csv_path = write_frame_csv(result.frame, path)
    notes_path = notes_path_for(csv_path)
    notes_path.write_text(notes_text(result), encoding="utf-8", newline="\n")
    return [csv_path, notes_path]
