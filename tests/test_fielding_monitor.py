"""Live response rates from invitation records, checked by hand and against Table I."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pioneer import reports
from pioneer.errors import AnalysisError
from pioneer.fielding import monitor
from pioneer.survey import tables

# 8 invitations in one wave, worked by hand below.
SMALL = pd.DataFrame(
    {
        "site": ["leeds"] * 6 + ["kent"] * 2,
        "org_type": ["CCG", "CCG", "LA", "LA", "LA", "CCG", "LA", "LA"],
        "status": [
            "complete",
            "partial",
            "complete",
            "not_started",
            "complete",
            "complete",
            "complete",
            "partial",
        ],
        "reminders_sent": [0, 1, 2, 2, 0, 1, 0, 3],
    }
)


def _row(result, **keys):
    frame = result.frame
    mask = pd.Series(True, index=frame.index)
    for key, value in keys.items():
        mask &= frame[key].astype(str) == value
    assert mask.sum() == 1, keys
    return frame[mask].iloc[0]


def test_counts_by_site_and_org_type_by_hand():
    result = monitor.response_rates(SMALL, threshold=0)
    assert result.name == "response_rates_by_site_org_type"
    # rows: kent first (sites alphabetical), CCG before LA (glossary order)
    assert list(zip(result.frame["site"], result.frame["org_type"].astype(str), strict=True)) == [
        ("kent", "LA"),
        ("leeds", "CCG"),
        ("leeds", "LA"),
    ]
    # leeds CCG: complete, partial, complete -> invited 3, completed 2, started 1; 0+1+1 reminders
    ccg = _row(result, site="leeds", org_type="CCG")
    assert (ccg["base"], ccg["n"], ccg["partial"], ccg["reminders_sent"]) == (3, 2, 1, 2)
    # leeds LA: complete, not started, complete -> 3, 2, 0; 2+2+0 reminders
    la = _row(result, site="leeds", org_type="LA")
    assert (la["base"], la["n"], la["partial"], la["reminders_sent"]) == (3, 2, 0, 4)
    # kent LA: complete, partial -> 2, 1, 1; 0+3 reminders
    kent = _row(result, site="kent", org_type="LA")
    assert (kent["base"], kent["n"], kent["partial"], kent["reminders_sent"]) == (2, 1, 1, 3)
    # Wilson (1927) interval for 2/3, z = 1.959964:
    #   centre = (p + z^2/2n) / (1 + z^2/n) = (0.666667 + 0.640243) / 2.280486 = 0.573084
    #   half   = z sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n) = 1.959964 * 0.425183 / 2.280486
    #          = 0.365424  ->  (20.766%, 93.851%)
    assert ccg["percent"] == pytest.approx(200 / 3)
    assert ccg["ci_lower"] == pytest.approx(20.766, abs=1e-3)
    assert ccg["ci_upper"] == pytest.approx(93.851, abs=1e-3)


def test_one_overall_row_and_single_splits():
    overall = monitor.response_rates(SMALL, by=(), threshold=0).frame
    assert len(overall) == 1
    row = overall.iloc[0]
    # 8 invited, 5 completed, 2 started, 0+1+2+2+0+1+0+3 = 9 reminders
    assert (row["base"], row["n"], row["partial"], row["reminders_sent"]) == (8, 5, 2, 9)
    assert row["percent"] == pytest.approx(62.5)
    by_org = monitor.response_rates(SMALL, by="org_type", threshold=0).frame
    assert by_org["org_type"].astype(str).tolist() == ["CCG", "LA"]
    assert by_org["base"].tolist() == [3, 5]
    assert by_org["n"].tolist() == [2, 3]


def test_a_site_lead_sees_only_their_site():
    result = monitor.response_rates(SMALL, sites=["leeds"], threshold=0)
    assert set(result.frame["site"]) == {"leeds"}
    assert int(result.frame["base"].sum()) == 6
    assert "Limited to site(s): leeds." in result.notes
    assert monitor.response_rates(SMALL, sites="kent", by=(), threshold=0).frame[
        "base"
    ].tolist() == [2]


def _big() -> pd.DataFrame:
    # site A, LA: 10 invited, 6 complete, 2 partial, 2 not started; 1 reminder each
    # site A, CCG: 4 invited, all complete
    # site B, LA: 7 invited, none complete or started
    rows = (
        [("a", "LA", "complete")] * 6
        + [("a", "LA", "partial")] * 2
        + [("a", "LA", "not_started")] * 2
        + [("a", "CCG", "complete")] * 4
        + [("b", "LA", "not_started")] * 7
    )
    frame = pd.DataFrame(rows, columns=["site", "org_type", "status"])
    frame["reminders_sent"] = 1
    return frame


def test_small_numbers_are_suppressed():
    result = monitor.response_rates(_big())  # threshold 5
    a_la = _row(result, site="a", org_type="LA")
    assert (a_la["base"], a_la["n"], a_la["reminders_sent"]) == (10, 6, 10)
    assert pd.isna(a_la["partial"])  # 2 started: hidden on its own
    assert a_la["percent"] == pytest.approx(60.0)
    a_ccg = _row(result, site="a", org_type="CCG")  # 4 invited: the whole row goes
    for column in ("base", "n", "percent", "ci_lower", "ci_upper", "reminders_sent"):
        assert pd.isna(a_ccg[column]), column
    assert a_ccg["partial"] == 0  # zero is not disclosive
    b = _row(result, site="b", org_type="LA")
    assert (b["base"], b["n"], b["partial"], b["percent"]) == (7, 0, 0, 0.0)
    assert result.suppression.cells_suppressed == 2
    assert result.suppression.threshold == 5


def test_mailing_list_maps_status_to_outcome():
    frame = _big().assign(panel_id=[f"ki-{i}" for i in range(21)])
    mailing = monitor.mailing_list(frame, wave=2019)
    assert list(mailing.columns) == ["wave", "panel_id", "site", "org_type", "outcome"]
    assert set(mailing["wave"]) == {2019}
    assert mailing["outcome"].value_counts().to_dict() == {
        "complete": 10,
        "no_response": 9,
        "partial": 2,
    }
    no_ids = monitor.mailing_list(SMALL, wave=2019)
    assert no_ids["panel_id"].isna().all()
    with pytest.raises(AnalysisError, match="pass wave="):
        monitor.mailing_list(SMALL)
    two = pd.concat([SMALL.assign(wave=2018), SMALL.assign(wave=2019)])
    assert len(monitor.mailing_list(two, wave=2019)) == 8


WAVES = pd.DataFrame({"wave": [2018, 2019], "period_label": ["Sep-Nov 2018", "Sep-Nov 2019"]})
STATUS = st.sampled_from(["not_started", "partial", "complete"])
INVITATION = st.tuples(
    st.sampled_from([2018, 2019]),
    st.sampled_from(["a", "b", "c"]),
    st.sampled_from(["CCG", "LA", "NHS provider", "Other"]),
    STATUS,
    st.integers(0, 3),
)


@settings(max_examples=15, deadline=None)
@given(
    st.lists(INVITATION, min_size=1, max_size=60),
    st.sampled_from([(), ("site",), ("org_type",), ("site", "org_type")]),
    st.sampled_from([0, 5]),
)
def test_agrees_with_table_one(rows, by, threshold):
    invitations = pd.DataFrame(
        rows, columns=["wave", "site", "org_type", "status", "reminders_sent"]
    )
    ours = monitor.response_rates(invitations, by=by, threshold=threshold).frame
    theirs = tables.fieldwork(
        monitor.mailing_list(invitations), WAVES, by=by, threshold=threshold
    ).frame
    keys = ["wave", *by]
    for frame in (ours, theirs):
        for key in by:
            frame[key] = frame[key].astype(str)
    # Table I lists every wave of the waves frame; the monitor only waves with invitations
    merged = ours.merge(theirs, on=keys, how="left", suffixes=("", "_t"), validate="one_to_one")
    assert len(merged) == len(ours)
    for column in ("n", "base", "partial", "percent", "ci_lower", "ci_upper"):
        for mine, table_one in zip(merged[column], merged[f"{column}_t"], strict=True):
            if pd.isna(mine) or pd.isna(table_one):
                assert pd.isna(mine), column
                assert pd.isna(table_one), column
            else:
                assert math.isclose(float(mine), float(table_one), rel_tol=1e-12, abs_tol=1e-12)


def test_the_renderers_write_it(tmp_path):
    result = monitor.response_rates(_big())
    text = reports.render(result, "md")
    assert "Invited n" in text
    assert "Response rate %" in text
    assert "| a | LA | 10 | 6 |" in text
    written = reports.render(result, "csv", tmp_path / "monitor.csv")
    assert written[0].read_text(encoding="utf-8").startswith("site,org_type,base,n")
    assert reports.render(result, "xlsx", tmp_path / "monitor.xlsx")[0].exists()


def test_bad_frames_are_named():
    with pytest.raises(AnalysisError, match=r"missing \['reminders_sent'\]"):
        monitor.response_rates(SMALL.drop(columns="reminders_sent"))
    with pytest.raises(AnalysisError, match="row 2, column 'status': found 'done'"):
        monitor.response_rates(SMALL.assign(status=["complete", "done", *SMALL["status"][2:]]))
    with pytest.raises(AnalysisError, match="column 'org_type': found 'Trust'"):
        monitor.response_rates(SMALL.assign(org_type="Trust"))
    with pytest.raises(AnalysisError, match="reminders_sent"):
        monitor.response_rates(SMALL.assign(reminders_sent=-1))
    with pytest.raises(AnalysisError, match="column 'site': the site is missing"):
        monitor.response_rates(SMALL.assign(site=None))
    with pytest.raises(AnalysisError, match="split by"):
        monitor.response_rates(SMALL, by=("region",))
    with pytest.raises(AnalysisError, match="no 'wave' column"):
        monitor.response_rates(SMALL, wave=2019)
    with pytest.raises(AnalysisError, match="threshold"):
        monitor.response_rates(SMALL, threshold=-1)
    with pytest.raises(AnalysisError, match="confidence"):
        monitor.response_rates(SMALL, confidence=1.5)


def test_no_invitations_in_scope_gives_an_empty_table():
    by_site = monitor.response_rates(SMALL, sites=["camden"])
    assert by_site.frame.empty
    assert list(by_site.frame.columns)[:3] == ["site", "org_type", "base"]
    overall = monitor.response_rates(SMALL, sites=["camden"], by=()).frame
    assert overall[["base", "n", "partial", "reminders_sent"]].iloc[0].tolist() == [0, 0, 0, 0]
    assert pd.isna(overall["percent"].iloc[0])


def test_one_wave_of_several():
    two = pd.concat([SMALL.assign(wave=2018), _big().assign(wave=2019)])
    result = monitor.response_rates(two, by=(), wave=2019, threshold=0)
    assert result.frame["wave"].tolist() == [2019]
    assert result.frame["base"].tolist() == [21]


def test_agrees_with_table_one_on_a_suppressed_table():
    invitations = _big().assign(wave=2019)
    ours = monitor.response_rates(invitations, by="site").frame
    theirs = tables.fieldwork(monitor.mailing_list(invitations), WAVES, by="site").frame
    theirs = theirs[theirs["wave"] == 2019].reset_index(drop=True)
    # site a: 14 invited, 10 complete, 2 partial (suppressed); site b: 7, 0, 0
    assert ours["base"].tolist() == theirs["base"].tolist() == [14, 7]
    assert ours["n"].tolist() == theirs["n"].tolist() == [10, 0]
    assert ours["partial"].isna().tolist() == theirs["partial"].isna().tolist() == [True, False]
    assert ours["ci_lower"].tolist() == pytest.approx(theirs["ci_lower"].tolist())
