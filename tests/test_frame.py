"""The tidy response frame and its wide form."""

from __future__ import annotations

import pandas as pd
import pytest

from pioneer.errors import AnalysisError
from pioneer.survey import frame


def _long() -> pd.DataFrame:
    return frame.normalise(
        pd.DataFrame(
            {
                "respondent_id": ["r1", "r1", "r2"],
                "panel_id": ["ki1", "ki1", "ki2"],
                "wave": ["2018", "2018", "2018"],
                "site": ["kent", "kent", "leeds"],
                "org_type": ["CCG", "CCG", "LA"],
                "item": ["role", "initiatives.mdt", "role"],
                "value": ["director", "1", "other"],
                "extra": ["dropped", "dropped", "dropped"],
            }
        )
    )


def test_normalise_orders_and_types_the_columns():
    long = _long()
    assert tuple(long.columns) == frame.COLUMNS
    assert long["wave"].dtype == "int64"
    assert isinstance(long["item"].dtype, pd.StringDtype)


def test_normalise_keeps_categoricals():
    long = _long().assign(item=lambda f: f["item"].astype("category"))
    assert isinstance(frame.normalise(long)["item"].dtype, pd.CategoricalDtype)


def test_normalise_names_missing_columns():
    with pytest.raises(AnalysisError, match="panel_id"):
        frame.normalise(_long().drop(columns="panel_id"))


def test_wide_and_back_round_trips():
    long = _long()
    wide = frame.to_wide(long)
    assert list(wide.columns[:5]) == list(frame.RESPONDENT_COLUMNS)
    assert wide.set_index("respondent_id").loc["r2", "initiatives.mdt"] is pd.NA
    back = frame.from_wide(wide).sort_values(["respondent_id", "item"]).reset_index(drop=True)
    expected = long.sort_values(["respondent_id", "item"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(back, expected)


def test_respondents_are_one_row_each():
    people = frame.respondents(_long())
    assert people["respondent_id"].tolist() == ["r1", "r2"]
