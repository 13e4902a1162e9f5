"""pioneer.impact.panel: treatment timing from the registry, exclusions, windows, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pioneer.errors import AnalysisError
from pioneer.impact.panel import PANEL_COLUMNS, AnalysisPanel, build_panel, panel_arrays
from pioneer.indicators.ingest import packaged
from pioneer.programme import load


@pytest.fixture(scope="module")
def indicators() -> pd.DataFrame:
    return packaged()


@pytest.fixture(scope="module")
def falls(indicators: pd.DataFrame) -> AnalysisPanel:
    return build_panel(indicators, outcome="falls65")


def _codes(programme_wave: int, include_part: bool = True) -> set[str]:
    registry = load("pioneers")
    return {
        code
        for site in registry.sites_in(programme_wave)["site_id"]
        for code in registry.lad_codes(site, vintage=2018, include_part=include_part)
    }


def test_panel_columns_and_types(falls: AnalysisPanel) -> None:
    frame = falls.frame
    assert tuple(frame.columns) == PANEL_COLUMNS
    assert frame["year"].dtype == np.int64
    assert frame["cohort"].dtype == np.int64
    assert frame["treated"].dtype == bool
    assert frame["post"].dtype == bool
    assert falls.baseline == (2010, 2012)
    assert falls.follow_up == (2013, 2017)
    assert falls.years == tuple(range(2010, 2018))
    # balanced: every area has all eight years
    assert (frame.groupby("area_code").size() == 8).all()


def test_wave_one_areas_are_treated_from_2013(falls: AnalysisPanel) -> None:
    frame = falls.frame
    wave1 = _codes(1)
    treated = set(frame.loc[frame["treated"], "area_code"])
    # Every treated area is a wave-1 code; wave-1 codes missing here lack data (Scilly).
    assert treated <= wave1
    assert wave1 - treated == {"E06000053"}
    assert set(frame.loc[frame["treated"], "cohort"]) == {2013}
    assert set(frame.loc[frame["treated"], "group"]) == {"Pioneer (wave 1)"}
    leeds = frame[frame["area_code"] == "E08000035"]  # Leeds, a wave-1 site on its own
    assert leeds["post"].tolist() == [False] * 3 + [True] * 5
    assert set(leeds["site_id"]) == {"leeds"}
    comparison = frame[~frame["treated"]]
    assert not comparison["post"].any()
    assert set(comparison["cohort"]) == {0}
    assert set(comparison["site_id"]) == {""}


def test_other_wave_excluded_and_noted(falls: AnalysisPanel) -> None:
    wave2_only = _codes(2) - _codes(1)
    assert not wave2_only & set(falls.frame["area_code"])
    assert any("another programme wave" in note for note in falls.notes)
    assert any("missing outcome" in note and "E09000001" in note for note in falls.notes)


def test_keeping_other_wave_as_comparison(indicators: pd.DataFrame) -> None:
    panel = build_panel(indicators, outcome="falls65", exclude_other_waves=False)
    sheffield = panel.frame[panel.frame["area_code"] == "E08000019"]
    assert len(sheffield) == 8
    assert not sheffield["treated"].any()


def test_staggered_two_waves(indicators: pd.DataFrame) -> None:
    panel = build_panel(indicators, outcome="self_harm", programme_waves=(1, 2))
    by_group = panel.frame.drop_duplicates("area_code").groupby("group")["cohort"].unique()
    assert list(by_group["Pioneer (wave 1)"]) == [2013]
    assert list(by_group["Pioneer (wave 2)"]) == [2015]
    sheffield = panel.frame[panel.frame["area_code"] == "E08000019"]
    assert sheffield["post"].tolist() == [False] * 5 + [True] * 3


def test_include_part_false_drops_part_covered_areas(indicators: pd.DataFrame) -> None:
    whole = build_panel(indicators, outcome="falls65", include_part=False)
    part = _codes(1) - _codes(1, include_part=False)  # e.g. South Hams, Teignbridge
    assert part
    assert not part & set(whole.frame["area_code"])
    assert any("covered only in part" in note for note in whole.notes)


def test_windows_cut_the_years(indicators: pd.DataFrame) -> None:
    panel = build_panel(
        indicators, outcome="alcohol_narrow", baseline=(2010, 2012), follow_up=(2013, 2015)
    )
    assert panel.years == tuple(range(2010, 2016))
    default = build_panel(indicators, outcome="alcohol_narrow")
    assert default.baseline == (2008, 2012)  # alcohol data start in 2008/09


def _tidy() -> pd.DataFrame:
    rows = []
    for code in ("E08000035", "E08000016", "E06000001", "E06000002"):  # 2 wave 1, 2 not
        for year in range(2011, 2016):
            rows.append(
                {
                    "area_code": code,
                    "period": f"{year}/{(year + 1) % 100:02d}",
                    "rate": 100.0 + year - 2011,
                    "population": 1000.0,
                }
            )
    return pd.DataFrame(rows)


def test_tidy_frame_with_periods_and_population() -> None:
    panel = build_panel(_tidy(), outcome="rate")
    assert panel.frame["year"].tolist()[:5] == list(range(2011, 2016))
    assert (panel.frame["population"] == 1000.0).all()
    assert panel.frame["numerator"].isna().all()
    assert panel.n_treated == 2
    assert panel.n_areas == 4
    assert panel.frame["area_name"].iloc[0] == panel.frame["area_code"].iloc[0]


def test_row_order_does_not_matter() -> None:
    frame = _tidy()
    a = build_panel(frame, outcome="rate").frame
    b = build_panel(frame.sample(frac=1, random_state=3), outcome="rate").frame
    pd.testing.assert_frame_equal(a, b)


# --- errors -----------------------------------------------------------------------------


def test_non_numeric_outcome() -> None:
    frame = _tidy()
    frame["rate"] = frame["rate"].astype(object)
    frame.loc[6, "rate"] = "n/a"
    with pytest.raises(AnalysisError, match=r"'rate' is not numeric: row 7 holds 'n/a'"):
        build_panel(frame, outcome="rate")


def test_duplicated_area_period() -> None:
    frame = pd.concat([_tidy(), _tidy().iloc[[3]]], ignore_index=True)
    with pytest.raises(AnalysisError, match=r"share an area and period.*E08000035.*2014/15"):
        build_panel(frame, outcome="rate")


def test_unbalanced_panel() -> None:
    frame = _tidy()
    frame.loc[2, "rate"] = np.nan
    with pytest.raises(AnalysisError, match="unbalanced panel"):
        build_panel(frame, outcome="rate", drop_incomplete=False)
    panel = build_panel(frame, outcome="rate")  # drops the incomplete area instead
    assert panel.n_areas == 3
    assert any("missing outcome" in n for n in panel.notes)


def test_panel_starting_at_treatment_has_no_pre_period() -> None:
    frame = _tidy()
    with pytest.raises(AnalysisError, match="data start in 2013, when cohort 2013 is treated"):
        build_panel(frame[frame["period"] >= "2013/14"], outcome="rate")


def test_single_period_is_too_short() -> None:
    frame = _tidy()
    with pytest.raises(AnalysisError, match="1 period"):
        build_panel(frame[frame["period"] == "2013/14"], outcome="rate", baseline=(2012, 2012))


def test_treatment_free_panel() -> None:
    frame = _tidy()
    frame = frame[frame["area_code"].isin(["E06000001", "E06000002"])]
    with pytest.raises(AnalysisError, match="no treated area"):
        build_panel(frame, outcome="rate")


def test_no_comparison_area() -> None:
    frame = _tidy()
    frame = frame[frame["area_code"].isin(["E08000035", "E08000016"])]
    with pytest.raises(AnalysisError, match="no comparison area"):
        build_panel(frame, outcome="rate")


def test_treated_group_without_pre_period() -> None:
    with pytest.raises(AnalysisError, match="cohort 2013 has no pre-period"):
        build_panel(_tidy(), outcome="rate", baseline=(2013, 2013), follow_up=(2014, 2015))


def test_baseline_after_follow_up() -> None:
    with pytest.raises(AnalysisError, match="must come before follow_up"):
        build_panel(_tidy(), outcome="rate", baseline=(2014, 2015), follow_up=(2012, 2013))


def test_unknown_outcome_and_wave(indicators: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match=r"no indicator 'falls' .*falls65"):
        build_panel(indicators, outcome="falls")
    with pytest.raises(AnalysisError, match="no outcome column 'y'"):
        build_panel(_tidy(), outcome="y")
    with pytest.raises(AnalysisError, match="no programme wave 3"):
        build_panel(indicators, outcome="falls65", programme_waves=(3,))


def test_bad_period() -> None:
    frame = _tidy()
    frame.loc[0, "period"] = "last year"
    with pytest.raises(AnalysisError, match="'last year', not a period"):
        build_panel(frame, outcome="rate")


# --- panel_arrays (the estimators' entry point) -----------------------------------------


def test_panel_arrays_plain_frame_errors() -> None:
    frame = pd.DataFrame(
        {"area_code": ["a", "a", "b", "b"], "year": [1, 2, 1, 2], "outcome": [1.0, 2, 3, 4]}
    )
    with pytest.raises(AnalysisError, match="no column\\(s\\) 'post'"):
        panel_arrays(frame)
    frame["post"] = [0, 0, 0, 0]
    with pytest.raises(AnalysisError, match="never true"):
        panel_arrays(frame)
    frame["post"] = [1, 1, 0, 0]
    with pytest.raises(AnalysisError, match="no pre-period"):
        panel_arrays(frame)
    frame["post"] = [0, 2, 0, 0]
    with pytest.raises(AnalysisError, match="true/false or 0/1"):
        panel_arrays(frame)
    frame["post"] = [0, 1, 0, 0]
    frame.loc[1, "outcome"] = np.nan
    with pytest.raises(AnalysisError, match="missing in row 2"):
        panel_arrays(frame)
    frame.loc[1, "outcome"] = 2.0
    frame["cl"] = ["x", "y", "z", "z"]
    with pytest.raises(AnalysisError, match="changes within an area"):
        panel_arrays(frame, cluster="cl")


def test_panel_arrays_balance_and_order() -> None:
    frame = pd.DataFrame(
        {
            "area_code": ["b", "b", "a", "a", "a"],
            "year": [2, 1, 3, 1, 2],
            "outcome": [5.0, 4, 3, 1, 2],
            "post": [0, 0, 1, 0, 0],
        }
    )
    arrays = panel_arrays(frame)
    assert arrays.y.tolist() == [1.0, 2, 3, 4, 5]  # sorted by area, then year
    assert arrays.unit.tolist() == [0, 0, 0, 1, 1]
    assert arrays.time.tolist() == [0, 1, 2, 0, 1]
    with pytest.raises(AnalysisError, match="unbalanced panel: 1 areas lack some of the 3"):
        panel_arrays(frame, require_balanced=True)


def test_more_input_errors(indicators: pd.DataFrame) -> None:
    frame = _tidy()
    with pytest.raises(AnalysisError, match="needs a pandas DataFrame, got list"):
        build_panel([1, 2], outcome="rate")
    with pytest.raises(AnalysisError, match="programme_waves is empty"):
        build_panel(frame, outcome="rate", programme_waves=())
    with pytest.raises(AnalysisError, match=r"first treated year for programme wave 2"):
        build_panel(frame, outcome="rate", cohort_years={1: 2013})
    with pytest.raises(AnalysisError, match="no 'area_code' column"):
        build_panel(frame.rename(columns={"area_code": "code"}), outcome="rate")
    with pytest.raises(AnalysisError, match="'year' or a 'period' column"):
        build_panel(frame.drop(columns="period"), outcome="rate")
    years = frame.drop(columns="period").assign(year=2013.5)
    with pytest.raises(AnalysisError, match="years must be whole numbers"):
        build_panel(years, outcome="rate")
    with pytest.raises(AnalysisError, match="is boolean"):
        build_panel(frame.assign(rate=True), outcome="rate")
    with pytest.raises(AnalysisError, match="no rows of area type 'Region'"):
        build_panel(indicators, outcome="falls65", area_type="Region")
    both_sexes = pd.concat([indicators, indicators.assign(sex="Male")])
    with pytest.raises(AnalysisError, match="several sex breakdowns"):
        build_panel(both_sexes, outcome="falls65")
    with pytest.raises(AnalysisError, match="no rows for outcome"):
        build_panel(frame, outcome="rate", areas=["E99999999"])
    with pytest.raises(ValueError, match="lacks columns"):
        AnalysisPanel(frame=frame, outcome_name="rate", baseline=(1, 2), follow_up=(3, 4))


def test_year_column_areas_and_restriction() -> None:
    frame = _tidy()
    frame["year"] = [int(p[:4]) for p in frame["period"]]
    frame = frame.drop(columns="period")
    panel = build_panel(frame, outcome="rate", areas=["E08000035", "E06000001"])
    assert panel.frame["period"].iloc[0] == "2011"
    assert panel.n_areas == 2
    assert any("restricted to 2 given areas" in n for n in panel.notes)
    areas = panel.areas()
    assert list(areas["area_code"]) == ["E06000001", "E08000035"]
    assert list(areas["group"]) == ["non-Pioneer", "Pioneer (wave 1)"]


def test_panel_arrays_more_errors() -> None:
    frame = pd.DataFrame(
        {"area_code": ["a", "a", "b", "b"], "year": [1, 2, 1, 2], "outcome": [1.0, 2, 3, 4]}
    )
    frame["post"] = [0, 1, 0, 0]
    with pytest.raises(AnalysisError, match="expected an AnalysisPanel or a DataFrame"):
        panel_arrays("frame")
    with pytest.raises(AnalysisError, match="no rows"):
        panel_arrays(frame.iloc[:0])
    with pytest.raises(AnalysisError, match="infinite"):
        panel_arrays(frame.assign(outcome=[1.0, np.inf, 3, 4]))
    with pytest.raises(AnalysisError, match="true/false or 0/1"):
        panel_arrays(frame.assign(post=["no", "yes", "no", "no"]))
    with pytest.raises(AnalysisError, match="every observation is treated"):
        panel_arrays(frame.assign(post=1))
    with pytest.raises(AnalysisError, match="population column 'p' must be positive"):
        panel_arrays(frame.assign(p=[1.0, 0, 1, 1]), population="p")
