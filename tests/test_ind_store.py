"""The indicator store: load, atomic save, and merge that replaces re-imported rows."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pioneer.errors import AnalysisError, DataFileError
from pioneer.indicators import ingest, store

FIXTURES = Path(__file__).parent / "fixtures" / "indicators"
EXPORT = FIXTURES / "fingertips_falls_export.csv"


def _rows(*rows: tuple[str, str, float]) -> pd.DataFrame:
    """Indicator rows (indicator, area code, value) for 2017/18, persons, all ages."""
    return ingest.normalise(
        pd.DataFrame(
            {
                "indicator_id": [r[0] for r in rows],
                "area_code": [r[1] for r in rows],
                "area_name": ["" for _ in rows],
                "area_type": ["District & UA" for _ in rows],
                "period": ["2017/18" for _ in rows],
                "year": [2017 for _ in rows],
                "sex": ["Persons" for _ in rows],
                "age": ["All ages" for _ in rows],
                "value": [r[2] for r in rows],
            }
        )
    )


def test_an_empty_folder_loads_as_an_empty_frame(tmp_path):
    frame = store.load(tmp_path / "not-yet")
    assert tuple(frame.columns) == ingest.INDICATOR_COLUMNS
    assert len(frame) == 0


def test_save_then_load_gives_the_same_frame(tmp_path):
    frame = ingest.read_fingertips(EXPORT)
    path = store.save(tmp_path / "store", frame)
    assert path == tmp_path / "store" / store.STORE_FILE
    loaded = store.load(tmp_path / "store")
    expected = store._sorted(frame)
    pd.testing.assert_frame_equal(loaded, expected, check_dtype=True)
    # blanks and NaNs survive the round trip
    assert (loaded["approximation"] == "").all()
    assert loaded.loc[loaded["area_code"] == "E92000001", "fingertips_comparison"].eq("").all()


def test_the_saved_file_is_the_frame_s_csv_sorted(tmp_path):
    frame = _rows(("self_harm", "E08000009", 1.5), ("falls65", "E08000001", 2.5))
    path = store.save(tmp_path, frame)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(ingest.INDICATOR_COLUMNS)
    assert lines[1].startswith("falls65,E08000001,")
    assert lines[2].startswith("self_harm,E08000009,")
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)


def test_a_failed_save_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    store.save(tmp_path, _rows(("falls65", "E08000001", 2.5)))
    before = store.path_of(tmp_path).read_bytes()

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        store.save(tmp_path, _rows(("falls65", "E08000001", 9.9)))
    assert store.path_of(tmp_path).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [store.STORE_FILE]


def test_merge_counts_added_replaced_unchanged_and_kept():
    existing = _rows(
        ("falls65", "E08000001", 2.5),
        ("falls65", "E08000009", 3.5),
        ("self_harm", "E08000001", 1.0),
    )
    new = _rows(
        ("falls65", "E08000001", 2.5),  # same key, same values: unchanged
        ("falls65", "E08000009", 4.0),  # same key, new value: replaced
        ("falls65", "E08000010", 5.0),  # new key: added
    )
    merged, summary = store.merge(existing, new)
    # by hand: 1 added, 1 replaced, 1 unchanged; self_harm row kept; 3 + 1 = 4 rows
    assert (summary.added, summary.replaced, summary.unchanged, summary.kept) == (1, 1, 1, 1)
    assert summary.total == 4
    assert summary.describe() == "1 row added, 1 replaced, 1 unchanged; 4 rows stored"
    values = merged.set_index(["indicator_id", "area_code"])["value"]
    assert values[("falls65", "E08000009")] == 4.0
    assert values[("self_harm", "E08000001")] == 1.0
    assert tuple(merged.columns) == ingest.INDICATOR_COLUMNS


def test_merge_treats_nan_as_equal_to_nan():
    existing = _rows(("falls65", "E08000001", np.nan))
    merged, summary = store.merge(existing, existing.copy())
    assert (summary.unchanged, summary.replaced, summary.added) == (1, 0, 0)
    assert len(merged) == 1


def test_a_different_sex_or_age_is_a_different_row():
    existing = _rows(("falls65", "E08000001", 2.5))
    male = existing.assign(sex="Male")
    _, summary = store.merge(existing, male)
    assert (summary.added, summary.kept, summary.total) == (1, 1, 2)


def test_merge_refuses_new_rows_that_repeat_a_key():
    rows = _rows(("falls65", "E08000001", 2.5), ("falls65", "E08000001", 3.5))
    with pytest.raises(AnalysisError, match="repeat an indicator, area, period"):
        store.merge(ingest.empty_indicator_frame(), rows)


def test_import_file_merges_and_saves(tmp_path):
    _, first = store.import_file(tmp_path, EXPORT)
    assert (first.added, first.total) == (10, 10)
    _, again = store.import_file(tmp_path, EXPORT)
    assert (again.added, again.replaced, again.unchanged) == (0, 0, 10)
    _, other = store.import_file(
        tmp_path, FIXTURES / "tidy_reablement_counts.csv", "reablement_91d"
    )
    assert (other.added, other.kept, other.total) == (4, 10, 14)
    stored = store.load(tmp_path)
    assert len(stored) == 14
    assert set(stored["indicator_id"]) == {"falls65", "reablement_91d"}


def test_a_bad_import_changes_nothing(tmp_path):
    store.import_file(tmp_path, EXPORT)
    before = store.path_of(tmp_path).read_bytes()
    with pytest.raises(DataFileError):
        store.import_file(tmp_path, FIXTURES / "malformed" / "ft_negative_count.csv")
    assert store.path_of(tmp_path).read_bytes() == before


def test_a_hand_broken_store_file_is_reported(tmp_path):
    store.save(tmp_path, _rows(("falls65", "E08000001", 2.5)))
    path = store.path_of(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("2017/18", "2017-18"), "utf-8")
    with pytest.raises(DataFileError) as raised:
        store.load(tmp_path)
    assert raised.value.file == str(path)
    assert (raised.value.row, raised.value.column) == (2, "period")


def test_the_store_must_be_a_folder(tmp_path):
    not_a_folder = tmp_path / "file.csv"
    not_a_folder.write_text("x", encoding="utf-8")
    with pytest.raises(DataFileError, match="must be a folder"):
        store.load(not_a_folder)


def test_categories_merge_with_a_store_without_them(tmp_path):
    store.import_file(tmp_path, EXPORT)
    with_categories = ingest.read_fingertips(EXPORT, categories=True)
    merged, summary = store.merge(store.load(tmp_path), with_categories)
    # the 10 rows without a category match; the decile row is new
    assert (summary.added, summary.unchanged) == (1, 10)
    assert list(merged.columns[-2:]) == ["category_type", "category"]


def test_a_store_with_categories_saves_and_loads(tmp_path):
    frame = ingest.read_fingertips(EXPORT, categories=True)
    store.save(tmp_path, frame)
    loaded = store.load(tmp_path)
    assert len(loaded) == 11
    assert list(loaded.columns[-2:]) == ["category_type", "category"]
    assert loaded["category"].tolist().count("Most deprived decile (IMD2019)") == 1
