"""Panel membership and site coverage on tiny hand-made response frames."""

from __future__ import annotations

import pandas as pd
import pytest

from pioneer.errors import AnalysisError
from pioneer.survey import panel

# Who responded when (one row per completed questionnaire), worked by hand:
#   A: 2016, 2017, 2018   -> 3 waves
#   B: 2016, 2017         -> 2 waves
#   D: 2016, 2018         -> 2 waves
#   C: 2017               -> 1 wave
#   E: 2018               -> 1 wave
ATTENDANCE = [
    ("A", 2016, "s1"),
    ("A", 2017, "s1"),
    ("A", 2018, "s1"),
    ("B", 2016, "s2"),
    ("B", 2017, "s2"),
    ("D", 2016, "s3"),
    ("D", 2018, "s3"),
    ("C", 2017, "s1"),
    ("E", 2018, "s2"),
]


def frame(attendance=ATTENDANCE, items=("progress.joined_up", "role")) -> pd.DataFrame:
    rows = []
    for panel_id, wave, site in attendance:
        for item in items:
            rows.append(
                {
                    "respondent_id": f"{panel_id}{wave}",
                    "panel_id": panel_id,
                    "wave": wave,
                    "site": site,
                    "org_type": "LA",
                    "item": item,
                    "value": "some",
                }
            )
    return pd.DataFrame(rows)


def test_panel_counts_by_number_of_waves():
    counts = panel.panel_counts(frame())
    assert counts["n_waves"].tolist() == [1, 2, 3]
    assert counts["informants"].tolist() == [2, 2, 1]  # C, E | B, D | A


def test_panel_members_two_or_more_waves():
    members = panel.panel_members(frame())
    assert members["panel_id"].tolist() == ["A", "B", "D"]
    assert members["n_waves"].tolist() == [3, 2, 2]
    assert members["waves"].tolist() == [(2016, 2017, 2018), (2016, 2017), (2016, 2018)]


def test_panel_members_all_three_waves():
    assert panel.panel_members(frame(), min_waves=3)["panel_id"].tolist() == ["A"]


def test_sites_covered_per_wave_and_missing_sites():
    covered = panel.sites_covered(frame(), sites=["s1", "s2", "s3", "s4"])
    assert covered["wave"].tolist() == [2016, 2017, 2018]
    # 2016: s1 s2 s3; 2017: s1 (A, C) s2; 2018: s1 s2 s3
    assert covered["sites"].tolist() == [3, 2, 3]
    assert covered["respondents"].tolist() == [3, 3, 3]
    assert covered["missing"].tolist() == [("s4",), ("s3", "s4"), ("s4",)]


def test_row_order_does_not_matter():
    data = frame()
    shuffled = data.sample(frac=1, random_state=3).reset_index(drop=True)
    pd.testing.assert_frame_equal(panel.panel_counts(data), panel.panel_counts(shuffled))
    pd.testing.assert_frame_equal(panel.panel_members(data), panel.panel_members(shuffled))
    pd.testing.assert_frame_equal(panel.sites_covered(data), panel.sites_covered(shuffled))


def test_same_informant_twice_in_a_wave_is_refused():
    data = frame([("A", 2016, "s1"), ("A", 2016, "s2")])
    data.loc[data["site"] == "s2", "respondent_id"] = "A2016b"
    with pytest.raises(
        AnalysisError, match=r"panel id 'A' has more than one respondent in wave 2016"
    ):
        panel.panel_members(data)


def test_respondent_in_two_sites_is_refused():
    data = frame([("A", 2016, "s1")])
    data.loc[1, "site"] = "s2"
    with pytest.raises(AnalysisError, match="respondent 'A2016'"):
        panel.panel_counts(data)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_min_waves_must_be_a_positive_whole_number(bad):
    with pytest.raises(AnalysisError, match="min_waves"):
        panel.panel_members(frame(), min_waves=bad)


def test_respondents_without_panel_id_count_once():
    data = frame([("A", 2016, "s1"), ("A", 2017, "s1"), ("X", 2017, "s2")])
    data.loc[data["respondent_id"] == "X2017", "panel_id"] = pd.NA
    assert panel.panel_counts(data)["informants"].tolist() == [1, 1]
    assert panel.panel_members(data)["panel_id"].tolist() == ["A"]
