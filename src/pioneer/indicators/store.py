"""The indicator store: a folder holding one indicator frame as a CSV file.

:func:`load` reads it (an empty frame when there is none yet), :func:`save` writes it
atomically (a temporary file in the same folder, then :func:`os.replace`, so a crash
never leaves half a file), and :func:`merge` combines the stored frame with newly read
rows: a row whose indicator, area, period, sex and age are already stored replaces the
stored one. :func:`import_file` does the three in turn for one file, all or nothing.

The file is the indicator frame's own CSV layout (``ingest.INDICATOR_COLUMNS``), sorted
by indicator, area, year, sex and age, so it can be read, diffed and re-imported by hand.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pioneer.errors import AnalysisError, DataFileError
from pioneer.indicators import ingest
from pioneer.indicators.catalogue import Catalogue

#: The file in a store folder that holds the frame.
STORE_FILE = "indicators.csv"

_ORDER = ("indicator_id", "area_code", "year", "period", "sex", "age")


@dataclass(frozen=True)
class MergeSummary:
    """How a merge changed the store (row counts)."""

    added: int
    replaced: int
    unchanged: int
    kept: int
    total: int

    def describe(self) -> str:
        """One line, e.g. ``12 rows added, 3 replaced, 40 unchanged; 855 rows stored``."""
        return (
            f"{self.added} {'row' if self.added == 1 else 'rows'} added, "
            f"{self.replaced} replaced, {self.unchanged} unchanged; "
            f"{self.total} {'row' if self.total == 1 else 'rows'} stored"
        )


def path_of(folder: str | Path) -> Path:
    """The store's CSV file inside ``folder``."""
    return Path(folder) / STORE_FILE


def load(folder: str | Path) -> pd.DataFrame:
    """The stored indicator frame, or an empty one when the folder holds none yet.

    The file is checked as any imported file is (a hand-edited store that breaks the
    frame's rules fails with a :class:`~pioneer.errors.DataFileError` naming the row).
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise DataFileError(
            folder, "the indicator store must be a folder, not a file", fix="name a folder"
        )
    path = path_of(folder)
    if not path.exists():
        return ingest.empty_indicator_frame()
    frame = ingest.read_indicator_frame(path)
    frame.attrs["notes"] = ()
    return frame


def save(folder: str | Path, frame: pd.DataFrame) -> Path:
    """Write ``frame`` as the store's file (creating the folder), atomically; return its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    text = ingest.to_csv_text(_sorted(ingest.normalise(frame)))
    target = path_of(folder)
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".indicators-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file private; give it the usual mode (or the old file's)
        os.chmod(temporary, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def merge(existing: pd.DataFrame, new: pd.DataFrame) -> tuple[pd.DataFrame, MergeSummary]:
    """``existing`` with ``new`` merged in, and what changed.

    Rows are matched on indicator, area, period, sex and age (and the category columns
    when either frame has them). A matched row is replaced by the new one (``replaced``
    counts those that differ, ``unchanged`` those identical); new keys are ``added``;
    stored rows the new frame does not mention are ``kept``.
    """
    old = ingest.normalise(existing)
    fresh = ingest.normalise(new)
    categories = [c for c in ingest.CATEGORY_COLUMNS if c in old or c in fresh]
    for column in categories:
        for frame in (old, fresh):
            if column not in frame:
                frame[column] = pd.Series("", index=frame.index, dtype="str")
    key = [*ingest.KEY_COLUMNS, *categories]
    if fresh.duplicated(key).any():
        raise AnalysisError(
            "the new rows repeat an indicator, area, period, sex and age; "
            "read them with pioneer.indicators.ingest, which refuses such files"
        )
    old_keys = pd.MultiIndex.from_frame(old[key])
    new_keys = pd.MultiIndex.from_frame(fresh[key])
    superseded = old_keys.isin(new_keys)
    matched = new_keys.isin(old_keys)
    before = old[superseded].set_index(key).sort_index()
    after = fresh[matched].set_index(key).loc[before.index]
    same = ((before == after) | (before.isna() & after.isna())).all(axis=1)
    merged = pd.concat([old[~superseded], fresh], ignore_index=True)
    merged = _sorted(merged)
    summary = MergeSummary(
        added=int((~matched).sum()),
        replaced=int((~same).sum()),
        unchanged=int(same.sum()),
        kept=int((~superseded).sum()),
        total=len(merged),
    )
    return merged, summary


def import_file(
    folder: str | Path,
    path: str | Path,
    indicator_id: str | None = None,
    *,
    catalogue: Catalogue | None = None,
) -> tuple[pd.DataFrame, MergeSummary]:
    """Read ``path`` (any format :func:`ingest.read_any` knows), merge it into the store
    in ``folder`` and save; nothing is written if the file has any problem."""
    new = ingest.read_any(path, indicator_id, catalogue=catalogue)
    merged, summary = merge(load(folder), new)
    save(folder, merged)
    merged.attrs["notes"] = new.attrs.get("notes", ())
    return merged, summary


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.sort_values(list(_ORDER), kind="stable").reset_index(drop=True)
    out.attrs.update(frame.attrs)
    return out
