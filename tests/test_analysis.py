"""The catalogue of named tables over a workspace (what the CLI and the demo ask for)."""

from __future__ import annotations

import math

import pytest

from pioneer.errors import AnalysisError
from pioneer.survey import analysis, synthetic

PUBLISHED = analysis.Options.build(threshold=0)


@pytest.fixture(scope="module")
def data():
    return synthetic.generate(seed=2019).to_survey_data()


def test_one_wave_leaves_out_what_was_not_asked(data):
    names = [r.name for r in analysis.table_set(data, waves=(2016,), options=PUBLISHED)]
    assert "pick_n_objectives_top3" not in names  # Table IV: asked in 2017 and 2018 only
    assert not any(n.startswith("presence_") for n in names)  # Table III: 2018 only
    assert not any(n.startswith(("trend_", "change_")) for n in names), "trends need two waves"
    assert names[:2] == ["fieldwork", "characteristics"]


def test_all_waves_give_the_whole_set_in_the_papers_order(data):
    names = [r.name for r in analysis.table_set(data, options=PUBLISHED)]
    assert names == [
        "fieldwork",
        "characteristics",
        "coverage",
        "presence_initiatives_2018",
        "pick_n_objectives_top3",
        "distribution_progress",
        "trend_progress",
        "change_progress",
        "trend_barriers",
        "change_barriers",
        "trend_facilitators",
        "change_facilitators",
    ]


def test_items_follow_the_questionnaire_not_the_alphabet(data):
    result = analysis.table("progress", data, options=PUBLISHED)
    items = list(dict.fromkeys(result.frame["item"]))
    # Both published tables list joined-up services first; alphabetically 'accessible' would be.
    assert items[0] == "progress.joined_up"
    assert items != sorted(items)


def test_change_table_two_proportion_z_by_hand(data):
    result = analysis.table("barriers-change", data, options=PUBLISHED)
    row = result.frame[
        (result.frame["item"] == "barriers.financial_constraints")
        & (result.frame["change"] == "2017 to 2018")
        & (result.frame["test"] == "two-proportion z")
    ].iloc[0]
    # Figure 2: financial constraints "very" 64% of 98 (63) in 2017, 50% of 80 (40) in 2018.
    p1, p2 = 63 / 98, 40 / 80
    pooled = (63 + 40) / (98 + 80)
    z = (p2 - p1) / math.sqrt(pooled * (1 - pooled) * (1 / 98 + 1 / 80))  # = -1.9208
    p_value = math.erfc(abs(z) / math.sqrt(2))  # two-sided normal tail = 0.0548
    assert row["difference"] == pytest.approx(100 * (p2 - p1))
    assert row["p_value"] == pytest.approx(p_value, rel=1e-9)
    assert round(row["p_value"], 4) == 0.0548


def test_change_table_suppresses_small_discordant_counts(data):
    result = analysis.table("barriers-change", data)  # default threshold 5
    paired = result.frame[result.frame["test"].str.startswith("McNemar")]
    small = paired[paired["only_from"].isna() | paired["only_to"].isna()]
    assert small["p_value"].isna().all()
    assert result.suppression.cells_suppressed > 0


def test_unknown_names_suggest_the_right_one(data):
    with pytest.raises(AnalysisError, match="did you mean barriers"):
        analysis.table("barrier", data)
    with pytest.raises(AnalysisError, match="progress, barriers, facilitators"):
        analysis.figure_data("nothing", data)


def test_a_question_not_asked_in_the_waves_is_a_clear_error(data):
    with pytest.raises(AnalysisError, match="no answers to the 'objectives_top3' question"):
        analysis.table("objectives", data, waves=(2016,))
