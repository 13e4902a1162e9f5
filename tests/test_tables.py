"""The key-informant tables on tiny hand-made frames, with the expected values worked
by hand beside each test.

Wilson limits are checked against the score formula written out in ``wilson``
below (Wilson 1927; Newcombe 1998 method 3), not against the library's function.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pioneer.errors import AnalysisError
from pioneer.results import TableResult
from pioneer.survey import instrument, tables

KI2016 = instrument.load("ki2016")
KI2018 = instrument.load("ki2018")

# Job title/role codes in Table II order (000_9191d1decfdc3012.txt Table II; ki2016.yaml).
ROLES = (
    "integration_lead",
    "chief_executive",
    "director",
    "locality_manager",
    "senior_manager",
    "clinician",
    "other",
)
# Table III note b, initiatives 1-10 (000_9191d1decfdc3012.txt).
INITIATIVES = (
    "mdt",
    "social_prescribing",
    "care_navigators",
    "generic_workers",
    "shared_it",
    "shared_records",
    "pooled_budgets",
    "community_hubs",
    "voluntary_sector",
    "international_model",
)
# Table IV, the eight objectives (000_9191d1decfdc3012.txt).
OBJECTIVES = (
    "joined_up",
    "self_manage",
    "unplanned_admissions",
    "quality_of_care",
    "costs",
    "quality_of_life",
    "greater_say",
    "accessible",
)

Z95 = 1.959963984540054  # standard normal quantile at 0.975


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score limits in percent: (p + z²/2n ± z·sqrt(p(1−p)/n + z²/4n²)) / (1 + z²/n)."""
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return 100 * (centre - half), 100 * (centre + half)


def build(*people) -> pd.DataFrame:
    """Long response frame from (respondent, panel, wave, site, org_type, {item: value})."""
    rows = []
    for rid, panel_id, wave, site, org, answers in people:
        for item, value in answers.items():
            rows.append(
                {
                    "respondent_id": rid,
                    "panel_id": panel_id,
                    "wave": wave,
                    "site": site,
                    "org_type": org,
                    "item": item,
                    "value": value,
                }
            )
    return pd.DataFrame(rows)


def cell(result: TableResult, **where) -> pd.Series:
    frame = result.frame
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    assert int(mask.sum()) == 1, f"expected one row for {where}, found {int(mask.sum())}"
    return frame.loc[mask].iloc[0]


# ---------------------------------------------------------------------------
# Table I: fieldwork
# ---------------------------------------------------------------------------

MAILING = pd.DataFrame(
    [
        # 2016, site s1: 1 complete of 4 (25%); site s2: 2 complete of 3 (66.7%)
        (2016, "a", "s1", "LA", "complete"),
        (2016, "h", "s1", "LA", "no_response"),
        (2016, "i", "s1", "CCG", "no_response"),
        (2016, "d", "s1", "CCG", "partial"),
        (2016, "b", "s2", "LA", "complete"),
        (2016, "e", "s2", "CCG", "complete"),
        (2016, "c", "s2", "LA", "no_response"),
        # 2017: a, b, c invited again (the panel of the mailing list)
        (2017, "a", "s1", "LA", "complete"),
        (2017, "b", "s2", "LA", "no_response"),
        (2017, "c", "s2", "LA", "complete"),
    ],
    columns=["wave", "panel_id", "site", "org_type", "outcome"],
)
WAVES = pd.DataFrame(
    {
        "wave": [2016, 2017],
        "instrument": ["ki2016", "ki2017"],
        "fieldwork_start": ["2016-04-15", "2017-06-01"],
        "fieldwork_end": ["2016-06-15", "2017-09-30"],
        "period_label": ["April–June 2016", "June–September 2017"],
    }
)


def test_fieldwork_response_rate_with_wilson_interval():
    result = tables.fieldwork(MAILING, WAVES, threshold=0)
    row = cell(result, wave=2016)
    assert row["period_label"] == "April–June 2016"
    assert (row["n"], row["base"], row["partial"]) == (3, 7, 1)
    # 3 of 7 = 42.857 %; Wilson limits 15.82 % to 74.95 % from the formula above
    assert row["percent"] == pytest.approx(100 * 3 / 7)
    assert row["percent"] == pytest.approx(42.857142857)
    assert (row["ci_lower"], row["ci_upper"]) == pytest.approx(wilson(3, 7))
    assert (row["ci_lower"], row["ci_upper"]) == pytest.approx((15.821986, 74.954164))
    assert result.source.endswith("Table I")
    assert result.layout.values == ("base", "n", "percent")
    assert result.frame["base"].tolist() == [7, 3]


def test_fieldwork_by_org_type():
    result = tables.fieldwork(MAILING, WAVES, by="org_type", threshold=0)
    # 2016 CCG: e complete, i and d not -> 1 of 3; LA: a, b complete, h, c not -> 2 of 4
    ccg = cell(result, wave=2016, org_type="CCG")
    la = cell(result, wave=2016, org_type="LA")
    assert (ccg["n"], ccg["base"], ccg["partial"]) == (1, 3, 1)
    assert (la["n"], la["base"]) == (2, 4)
    assert la["percent"] == pytest.approx(50.0)


def test_fieldwork_equal_site_weights_average_the_site_rates():
    result = tables.fieldwork(MAILING, WAVES, site_weights="equal", threshold=0)
    # (25 % + 66.67 %) / 2 = 45.83 %, against 42.86 % unweighted
    assert cell(result, wave=2016)["percent"] == pytest.approx((25 + 200 / 3) / 2)
    assert cell(result, wave=2016)["n"] == 3  # counts stay unweighted
    assert "weighted equally" in result.method
    assert result.options["site_weights"] == "equal"


def test_fieldwork_panel_only_keeps_informants_invited_in_two_waves():
    result = tables.fieldwork(MAILING, WAVES, panel_only=True, threshold=0)
    # a, b, c: 2016 a and b complete (2 of 3); 2017 a and c complete (2 of 3)
    assert [(r.n, r.base) for r in result.frame.itertuples()] == [(2, 3), (2, 3)]
    assert result.options["panel_only"] is True


def test_fieldwork_suppresses_small_counts():
    result = tables.fieldwork(MAILING, WAVES, by="site", threshold=3)
    s1 = cell(result, wave=2016, site="s1")  # 1 complete of 4: the 1 is hidden
    assert pd.isna(s1["n"])
    assert pd.isna(s1["percent"])
    assert pd.isna(s1["ci_upper"])
    assert result.suppression.cells_suppressed > 0


def test_fieldwork_rejects_unknown_outcome():
    bad = MAILING.copy()
    bad.loc[4, "outcome"] = "done"
    with pytest.raises(AnalysisError, match=r"row 5, column 'outcome': found 'done'"):
        tables.fieldwork(bad, WAVES)


def test_fieldwork_needs_every_wave_in_the_waves_frame():
    with pytest.raises(AnalysisError, match=r"wave\(s\) \[2017\]"):
        tables.fieldwork(MAILING, WAVES[WAVES["wave"] == 2016])


# ---------------------------------------------------------------------------
# Table II: characteristics
# ---------------------------------------------------------------------------

PEOPLE_2016 = build(
    ("r1", "p1", 2016, "s1", "CCG", {"role": "director", "progress.costs": "some"}),
    ("r2", "p2", 2016, "s1", "CCG", {"role": "director"}),
    ("r3", "p3", 2016, "s2", "LA", {"role": "clinician"}),
    ("r4", "p4", 2016, "s2", "Other", {"progress.costs": "none"}),  # gave no role
)
SITES = pd.DataFrame({"site_id": ["s1", "s2", "s3"], "programme_wave": [1, 2, 2]})


def test_characteristics_counts_and_column_percentages():
    ki2016 = instrument.load("ki2016")
    result = tables.characteristics(PEOPLE_2016, SITES, threshold=0, instrument=ki2016)
    assert (cell(result, dimension="all", wave=2016)["n"]) == 4
    wave1 = cell(result, dimension="programme_wave", category="1")
    assert (wave1["n"], wave1["base"], wave1["category_label"]) == (2, 4, "Wave 1")
    ccg = cell(result, dimension="org_type", category="CCG")
    assert (ccg["n"], ccg["percent"]) == (2, 50.0)
    assert ccg["category_label"] == "Clinical Commissioning Group (CCG)"
    assert cell(result, dimension="org_type", category="NHS provider")["n"] == 0
    # role: base = the 3 who gave a role; director 2 of 3 = 66.67 %
    director = cell(result, dimension="role", category="director")
    assert (director["n"], director["base"]) == (2, 3)
    assert director["percent"] == pytest.approx(200 / 3)
    assert (director["ci_lower"], director["ci_upper"]) == pytest.approx(wilson(2, 3))
    roles = result.frame[result.frame["dimension"] == "role"]["category"].tolist()
    assert roles == list(ROLES)  # the instrument's order, which is Table II's
    assert any("1 respondent(s) in 2016 gave no answer" in note for note in result.notes)


def test_characteristics_without_sites_leaves_out_programme_wave():
    result = tables.characteristics(PEOPLE_2016, threshold=0)
    assert "programme_wave" not in set(result.frame["dimension"])
    assert any("Programme wave left out" in note for note in result.notes)


def test_characteristics_names_a_site_missing_from_the_sites_frame():
    with pytest.raises(AnalysisError, match=r"\['s2'\]"):
        tables.characteristics(PEOPLE_2016, SITES[SITES["site_id"] != "s2"])


def test_characteristics_rejects_unknown_role():
    data = build(("r1", "p1", 2016, "s1", "LA", {"role": "boss"}))
    with pytest.raises(AnalysisError, match="'boss'"):
        tables.characteristics(data, instrument=instrument.load("ki2016"))


def test_characteristics_without_an_instrument_shows_the_roles_seen():
    result = tables.characteristics(PEOPLE_2016, threshold=0)
    roles = result.frame[result.frame["dimension"] == "role"]["category"].tolist()
    assert roles == ["director", "clinician"]  # first appearance; no labels to borrow


# ---------------------------------------------------------------------------
# Table III: presence matrix
# ---------------------------------------------------------------------------


def initiatives(*ticked: str) -> dict[str, str]:
    return {f"initiatives.{code}": "1" if code in ticked else "0" for code in INITIATIVES}


PRESENCE = build(
    ("a1", "a1", 2018, "A", "LA", initiatives("mdt")),
    ("a2", "a2", 2018, "A", "CCG", initiatives("shared_it")),
    ("b1", "b1", 2018, "B", "LA", initiatives()),
    ("c1", "c1", 2017, "C", "LA", {"progress.costs": "some"}),  # no respondent in 2018
)


def test_presence_matrix_marks_options_ticked_by_any_informant():
    result = tables.presence_matrix(
        PRESENCE, sites=["A", "B", "C", "D"], threshold=0, instrument=KI2018
    )
    assert list(result.frame["site"].unique()) == ["A", "B"]
    assert cell(result, site="A", item="initiatives.mdt")["present"]
    assert cell(result, site="A", item="initiatives.shared_it")["present"]
    assert not cell(result, site="A", item="initiatives.pooled_budgets")["present"]
    assert not result.frame.loc[result.frame["site"] == "B", "present"].any()
    mdt = cell(result, site="A", item="initiatives.mdt")
    assert (mdt["n"], mdt["base"], mdt["percent"]) == (1, 2, 50.0)
    # 2 sites × 10 options = 20 cells, 2 filled (10 %), no site ticked all
    summary = result.summary
    assert (summary.sites, summary.options, summary.cells, summary.filled) == (2, 10, 20, 2)
    assert summary.percent_filled == pytest.approx(10.0)
    assert summary.sites_all == 0
    assert result.per_site["options_ticked"].tolist() == [2, 0]
    assert result.bases["base"].tolist() == [2, 1]
    # Columns are the options numbered as Table III numbers them (note b: 1 = MDTs, 5 = IT).
    assert result.layout.columns == ("option",)
    assert cell(result, site="A", item="initiatives.mdt")["option"] == 1
    assert cell(result, site="A", item="initiatives.shared_it")["option"] == 5


def test_presence_matrix_excludes_and_names_sites_without_respondents():
    result = tables.presence_matrix(PRESENCE, sites=["A", "B", "C", "D"], threshold=0)
    assert set(result.frame["site"]).isdisjoint({"C", "D"})
    assert any(note.startswith("Not shown: C, D") for note in result.notes)


def test_presence_matrix_counts_sites_ticking_every_option():
    result = tables.presence_matrix(
        PRESENCE, items=["mdt", "shared_it"], sites=["A", "B"], threshold=0
    )
    assert result.frame["item"].tolist() == ["initiatives.mdt", "initiatives.shared_it"] * 2
    assert (result.summary.cells, result.summary.filled, result.summary.sites_all) == (4, 2, 1)


def test_presence_matrix_blanks_sites_below_the_threshold():
    result = tables.presence_matrix(PRESENCE, threshold=3)  # bases 2 (A) and 1 (B)
    assert result.frame["present"].isna().all()
    assert result.frame["n"].isna().all()
    assert result.summary.cells == 0


# ---------------------------------------------------------------------------
# Table IV: pick-N
# ---------------------------------------------------------------------------


def top3(*chosen: str, partial: bool = False) -> dict[str, str]:
    codes = chosen if partial else OBJECTIVES
    return {f"objectives_top3.{c}": "1" if c in chosen else "0" for c in codes}


PICK = build(
    ("r1", "p1", 2017, "s1", "CCG", top3("joined_up", "costs", "greater_say")),
    # only the ticked options recorded: the other five count as not selected
    ("r2", "p2", 2017, "s1", "CCG", top3("joined_up", "self_manage", "costs", partial=True)),
    ("r3", "p3", 2017, "s2", "CCG", top3("costs", "accessible", "quality_of_life")),
    ("r4", "p4", 2017, "s2", "LA", top3("joined_up", "costs", "quality_of_care")),
    ("r5", "p5", 2017, "s2", "LA", top3("self_manage", "quality_of_care", "accessible")),
    ("r6", "p6", 2017, "s1", "CCG", {"progress.costs": "some"}),  # skipped the question
)


def test_pick_n_percent_by_org_type_with_bases_of_those_answering():
    result = tables.pick_n(PICK, waves=(2017,), threshold=0)
    ccg = cell(result, item="objectives_top3.joined_up", org_type="CCG")
    # CCG base = r1, r2, r3 (r6 skipped); joined_up chosen by r1 and r2: 2 of 3
    assert (ccg["n"], ccg["base"]) == (2, 3)
    assert ccg["percent"] == pytest.approx(200 / 3)
    assert (ccg["ci_lower"], ccg["ci_upper"]) == pytest.approx(wilson(2, 3))
    every = cell(result, item="objectives_top3.joined_up", org_type="All")
    # All: r1, r2, r4 of 5 = 60 %, Wilson 23.07 % to 88.24 %
    assert (every["n"], every["base"], every["percent"]) == (3, 5, 60.0)
    assert (every["ci_lower"], every["ci_upper"]) == pytest.approx((23.072428, 88.237923))
    nhs = cell(result, item="objectives_top3.joined_up", org_type="NHS provider")
    assert nhs["base"] == 0
    assert pd.isna(nhs["percent"])
    bases = result.bases.set_index("org_type")["base"]
    assert bases.to_dict() == {"CCG": 3, "LA": 2, "NHS provider": 0, "Other": 0, "All": 5}
    assert result.frame["org_type"].unique().tolist() == [
        "CCG",
        "LA",
        "NHS provider",
        "Other",
        "All",
    ]
    # missing option variable counts as not selected: self_manage by r2 and r5 of 5
    assert cell(result, item="objectives_top3.self_manage", org_type="All")["n"] == 2
    assert cell(result, item="objectives_top3.costs", org_type="All")["percent"] == 80.0


def test_pick_n_equal_site_weights():
    result = tables.pick_n(PICK, waves=(2017,), site_weights="equal", threshold=0)
    every = cell(result, item="objectives_top3.joined_up", org_type="All")
    # site s1: r1, r2 both chose it (100 %); s2: r4 of r3, r4, r5 (33.3 %) -> mean 66.7 %
    assert every["percent"] == pytest.approx((100 + 100 / 3) / 2)
    assert (every["n"], every["base"]) == (3, 5)
    assert every["ci_lower"] <= every["percent"] <= every["ci_upper"]


def test_pick_n_rejects_values_other_than_flags():
    bad = build(("r1", "p1", 2017, "s1", "CCG", {"objectives_top3.costs": "yes"}))
    with pytest.raises(AnalysisError, match=r"'objectives_top3.costs' with 'yes'"):
        tables.pick_n(bad, waves=(2017,))


def test_pick_n_unknown_wave_is_named():
    with pytest.raises(AnalysisError, match=r"wave\(s\) \[2018\]"):
        tables.pick_n(PICK)


# ---------------------------------------------------------------------------
# Table V: distribution
# ---------------------------------------------------------------------------

PROGRESS = build(
    ("r1", "p1", 2016, "s1", "LA", {"progress.joined_up": "substantial", "progress.costs": "none"}),
    ("r2", "p2", 2016, "s1", "LA", {"progress.joined_up": "some", "progress.costs": "dont_know"}),
    ("r3", "p3", 2016, "s2", "CCG", {"progress.joined_up": "some", "progress.costs": "some"}),
    ("r4", "p4", 2016, "s2", "CCG", {"progress.costs": "none"}),  # skipped joined_up
    ("r5", "p5", 2016, "s2", "CCG", {"role": "director"}),  # skipped the whole grid
)


def test_distribution_percent_in_each_category_with_question_base():
    result = tables.distribution(PROGRESS, waves=(2016,), threshold=0, instrument=KI2016)
    joined = result.frame[result.frame["item"] == "progress.joined_up"]
    assert joined["category"].tolist() == [
        "substantial",
        "some",
        "none",
        "dont_know",
        "not_answered",
    ]
    # base = r1..r4 (answered at least one row); r5 is out
    assert set(joined["base"]) == {4}
    assert joined["n"].tolist() == [1, 2, 0, 0, 1]
    assert joined["percent"].tolist() == [25.0, 50.0, 0.0, 0.0, 25.0]
    some = cell(result, item="progress.joined_up", category="some")
    assert (some["ci_lower"], some["ci_upper"]) == pytest.approx(wilson(2, 4))
    costs = result.frame[result.frame["item"] == "progress.costs"]
    assert costs["n"].tolist() == [0, 1, 2, 1, 0]
    assert cell(result, item="progress.costs", category="dont_know")["category_label"] == (
        "Do not know"
    )
    assert result.bases["base"].tolist() == [4]
    # contract order for progress is the Table V order: joined_up before costs
    assert result.frame["item"].unique().tolist() == ["progress.joined_up", "progress.costs"]


def test_distribution_categories_argument_sets_the_order():
    result = tables.distribution(
        PROGRESS,
        waves=(2016,),
        items=["costs"],
        categories=("dont_know", "none", "some", "substantial"),
        threshold=0,
    )
    assert result.frame["category"].tolist() == ["dont_know", "none", "some", "substantial"]
    assert result.frame["n"].tolist() == [1, 2, 1, 0]


def test_distribution_rejects_a_value_outside_the_scale():
    bad = build(("r1", "p1", 2016, "s1", "LA", {"progress.costs": "lots"}))
    with pytest.raises(AnalysisError, match=r"'progress.costs' with 'lots'.*fix"):
        tables.distribution(bad, waves=(2016,), instrument=KI2016)


# ---------------------------------------------------------------------------
# Figures 1–3: trend and tests of change
# ---------------------------------------------------------------------------


def progress_panel(yes_2016: set[int], yes_2017: set[int], size: int) -> pd.DataFrame:
    """The same ``size`` informants in 2016 and 2017; 'some' if in the yes set, else 'none'."""
    people = []
    for wave, yes in ((2016, yes_2016), (2017, yes_2017)):
        for i in range(size):
            value = "some" if i in yes else "none"
            people.append(
                (f"r{wave}_{i}", f"p{i}", wave, f"s{i % 3}", "LA", {"progress.joined_up": value})
            )
    return build(*people)


def test_trend_independent_tests_worked_by_hand():
    # 2016: 6 of 10 'some'; 2017: 2 of 10. The informants differ between waves here.
    data = progress_panel(set(range(6)), {0, 1}, 10)
    data["panel_id"] = data["respondent_id"]
    result = tables.trend(
        data, "progress", ("substantial", "some"), waves=(2016, 2017), threshold=0
    )
    assert cell(result, wave=2016)["percent"] == 60.0
    assert cell(result, wave=2017)["percent"] == 20.0
    tests = result.tests
    assert set(tests["design"]) == {"independent"}  # nobody in both waves
    z_row = tests[tests["test"] == "two-proportion z"].iloc[0]
    chi_row = tests[tests["test"] == "Pearson chi-square"].iloc[0]
    # pooled p = 8/20 = 0.4; se = sqrt(0.4 · 0.6 · (1/10 + 1/10)) = 0.219089
    # z = (0.2 − 0.6) / 0.219089 = −1.825742; chi-square = z² = 3.333333
    # p = erfc(|z| / sqrt 2) = 0.067889
    se = math.sqrt(0.4 * 0.6 * (1 / 10 + 1 / 10))
    assert z_row["z"] == pytest.approx((0.2 - 0.6) / se)
    assert z_row["z"] == pytest.approx(-1.825742, abs=1e-6)
    assert chi_row["statistic"] == pytest.approx(10 / 3)
    assert z_row["p_value"] == pytest.approx(math.erfc(1.825742 / math.sqrt(2)), abs=1e-6)
    assert chi_row["p_value"] == pytest.approx(0.067889, abs=1e-6)
    assert z_row["difference"] == pytest.approx(-40.0)
    # Newcombe hybrid score interval for 0.2 − 0.6 from the two Wilson intervals:
    l_to, u_to = (v / 100 for v in wilson(2, 10))
    l_from, u_from = (v / 100 for v in wilson(6, 10))
    lower = -0.4 - math.sqrt((0.2 - l_to) ** 2 + (u_from - 0.6) ** 2)
    upper = -0.4 + math.sqrt((u_to - 0.2) ** 2 + (0.6 - l_from) ** 2)
    assert (z_row["diff_lower"], z_row["diff_upper"]) == pytest.approx((100 * lower, 100 * upper))
    assert (z_row["diff_lower"], z_row["diff_upper"]) == pytest.approx((-67.254, 2.256), abs=1e-3)


def test_trend_mcnemar_exact_for_few_discordant_pairs():
    # same 10 informants: yes in 2016 = 0..5, yes in 2017 = 0, 1
    # discordant: 4 moved yes -> no, none moved no -> yes
    # exact two-sided binomial p = 2 · (1/2)^4 = 0.125
    data = progress_panel(set(range(6)), {0, 1}, 10)
    result = tables.trend(data, "progress", "some", waves=(2016, 2017), threshold=0)
    paired = result.tests[result.tests["design"] == "paired"].iloc[0]
    assert (paired["base_from"], paired["only_from"], paired["only_to"]) == (10, 4, 0)
    assert paired["p_value"] == pytest.approx(0.125)
    assert "exact" in paired["test"]
    assert "exact" in paired["note"]
    assert paired["difference"] == pytest.approx(-40.0)


def test_trend_mcnemar_chi_square_for_many_discordant_pairs():
    # 40 informants in both waves: 20 yes -> no (0..19), 5 yes both (20..24),
    # 10 no -> yes (25..34), 5 no both. b = 20, c = 10, b + c = 30 >= 25:
    # corrected statistic (|20 − 10| − 1)² / 30 = 2.7; p = erfc(sqrt(2.7 / 2)) = 0.100348
    data = progress_panel(set(range(25)), set(range(20, 35)), 40)
    result = tables.trend(data, "progress", "some", waves=(2016, 2017), threshold=0)
    paired = result.tests[result.tests["design"] == "paired"].iloc[0]
    assert (paired["only_from"], paired["only_to"]) == (20, 10)
    assert paired["statistic"] == pytest.approx(2.7)
    assert paired["p_value"] == pytest.approx(math.erfc(math.sqrt(2.7 / 2)))
    assert "exact" not in paired["note"]


def test_trend_compares_consecutive_waves_and_first_with_last():
    people = []
    for wave in (2016, 2017, 2018):
        for i in range(4):
            people.append(
                (
                    f"{wave}{i}",
                    f"p{i}",
                    wave,
                    "s1",
                    "LA",
                    {"barriers.financial_constraints": "very" if i < wave - 2015 else "not"},
                )
            )
    result = tables.trend(build(*people), "barriers", ("very",), threshold=0)
    pairs = result.tests[result.tests["test"] == "two-proportion z"]
    assert list(zip(pairs["comparison"], pairs["wave_from"], pairs["wave_to"], strict=True)) == [
        ("consecutive", 2016, 2017),
        ("consecutive", 2017, 2018),
        ("first_last", 2016, 2018),
    ]
    assert result.frame["percent"].tolist() == [25.0, 50.0, 75.0]


def test_trend_base_is_respondents_answering_any_row_of_the_grid():
    data = build(
        ("r1", "p1", 2017, "s1", "LA", {"barriers.financial_constraints": "very"}),
        ("r2", "p2", 2017, "s1", "LA", {"barriers.financial_constraints": "fairly"}),
        # answered another row only: in the base, not in the numerator
        ("r3", "p3", 2017, "s2", "LA", {"barriers.staff_turnover": "very"}),
        ("r4", "p4", 2017, "s2", "LA", {"role": "director"}),  # not in the base
    )
    result = tables.trend(data, "barriers", "very", waves=(2017,), threshold=0)
    row = cell(result, item="barriers.financial_constraints")
    assert (row["n"], row["base"]) == (1, 3)
    assert result.bases["base"].tolist() == [3]


def test_trend_item_not_asked_in_a_wave_has_no_row_and_a_note():
    data = build(
        ("a", "a", 2016, "s1", "LA", {"barriers.financial_constraints": "very"}),
        (
            "b",
            "b",
            2017,
            "s1",
            "LA",
            {
                "barriers.financial_constraints": "not",
                "barriers.staff_turnover": "very",
            },
        ),
    )
    result = tables.trend(data, "barriers", "very", threshold=0)
    turnover = result.frame[result.frame["item"] == "barriers.staff_turnover"]
    assert turnover["wave"].tolist() == [2017]
    assert any("staff_turnover was not asked" in note for note in result.notes)
    assert "barriers.staff_turnover" not in set(result.tests["item"])


def test_trend_rejects_a_category_outside_the_scale():
    data = progress_panel({0}, {0}, 2)
    with pytest.raises(AnalysisError, match=r"\['substantail'\]"):
        tables.trend(data, "progress", ("substantail",), instrument=KI2016)


# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------

THREE_WAVES = build(
    # A in all three waves, B in 2016 and 2017, C only in 2017
    ("A16", "A", 2016, "s1", "LA", {"progress.costs": "some"}),
    ("A17", "A", 2017, "s1", "LA", {"progress.costs": "some"}),
    ("A18", "A", 2018, "s1", "LA", {"progress.costs": "none"}),
    ("B16", "B", 2016, "s2", "CCG", {"progress.costs": "none"}),
    ("B17", "B", 2017, "s2", "CCG", {"progress.costs": "some"}),
    ("C17", "C", 2017, "s2", "CCG", {"progress.costs": "none"}),
)


def test_panel_only_keeps_informants_in_two_or_more_waves():
    everyone = tables.trend(THREE_WAVES, "progress", "some", threshold=0)
    panel = tables.trend(THREE_WAVES, "progress", "some", panel_only=True, threshold=0)
    only_all = tables.trend(THREE_WAVES, "progress", "some", panel_only=3, threshold=0)
    assert cell(everyone, wave=2017)["base"] == 3  # A, B, C
    assert cell(panel, wave=2017)["base"] == 2  # A, B
    assert cell(panel, wave=2017)["percent"] == 100.0
    assert cell(only_all, wave=2017)["base"] == 1  # A
    assert "at least 2 waves" in panel.method
    assert panel.options["panel_only"] is True
    assert only_all.options["panel_only"] == 3


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("site_weights", "population", "site_weights"),
        ("panel_only", -1, "panel_only"),
        ("panel_only", "yes", "panel_only"),
        ("threshold", -2, "threshold"),
        ("confidence", 95, "confidence"),
    ],
)
def test_bad_options_are_refused(option, value, message):
    with pytest.raises(AnalysisError, match=message):
        tables.distribution(THREE_WAVES, **{option: value})


def test_default_threshold_suppresses_and_threshold_zero_shows_all():
    hidden = tables.distribution(PROGRESS, waves=(2016,))
    shown = tables.distribution(PROGRESS, waves=(2016,), threshold=0)
    assert hidden.suppression.threshold == 5
    assert hidden.frame["n"].isna().all()  # every base is 4
    assert shown.frame["n"].notna().all()
    assert shown.suppression.cells_suppressed == 0


def test_confidence_level_changes_the_interval():
    wide = tables.distribution(PROGRESS, waves=(2016,), threshold=0, confidence=0.99)
    some = cell(wide, item="progress.joined_up", category="some")
    assert (some["ci_lower"], some["ci_upper"]) == pytest.approx(wilson(2, 4, z=2.5758293035489))
    assert "99% Wilson" in wide.method


def test_instrument_supplies_labels():
    class Variable:
        def __init__(self, code, label):
            self.code, self.label, self.question = code, label, code.split(".")[0]
            self.kind, self.values, self.labels = "choice", ("some", "none"), {"some": "Some!"}

    class Instrument:
        wave = 2016

        def variables(self):
            return {
                "progress.costs": Variable("progress.costs", "Costs have decreased"),
                "progress.joined_up": Variable("progress.joined_up", "More joined up"),
            }

    data = build(("r1", "p1", 2016, "s1", "LA", {"progress.joined_up": "some"}))
    result = tables.distribution(data, waves=(2016,), instrument=Instrument(), threshold=0)
    assert result.frame["category"].tolist() == ["some", "none"]  # the instrument's scale
    assert cell(result, category="some")["item_label"] == "More joined up"
    assert cell(result, category="some")["category_label"] == "Some!"


def test_categorical_columns_give_the_same_tables():
    # frame.normalise keeps categorical columns (large imports use them)
    categorical = PICK.astype(
        {c: "category" for c in ("respondent_id", "panel_id", "site", "org_type", "item", "value")}
    )
    for table in (tables.pick_n, tables.distribution):
        waves = (2017,)
        pd.testing.assert_frame_equal(
            table(PICK, waves=waves, threshold=0).frame,
            table(categorical, waves=waves, threshold=0).frame,
        )


def test_distribution_suppresses_in_pairs_so_no_count_can_be_recovered():
    """Six answer 'some', one 'none' (below 5): blanking 'none' alone would leave it as
    base − some = 7 − 6 = 1, so the smallest other non-zero category goes too."""
    rows = []
    for i, answer in enumerate(["some"] * 6 + ["none"]):
        rows.append(
            {
                "respondent_id": f"r{i}",
                "panel_id": f"ki{i}",
                "wave": 2016,
                "site": "kent",
                "org_type": "CCG",
                "item": "progress.joined_up",
                "value": answer,
            }
        )
    responses = pd.DataFrame(rows)
    result = tables.distribution(
        responses,
        waves=(2016,),
        categories=("substantial", "some", "none", "dont_know"),
        threshold=5,
    )
    shown = result.frame.set_index("category")["n"]
    assert pd.isna(shown["none"])
    assert pd.isna(shown["some"]), "the complementary cell must be blanked too"
    assert shown["substantial"] == 0


def test_characteristics_without_role_answers_leaves_the_block_out():
    data = build(("r1", "p1", 2016, "s1", "LA", {"progress.costs": "some"}))
    result = tables.characteristics(data, threshold=0)
    assert "role" not in set(result.frame["dimension"])
    assert any("no respondent answered it" in note for note in result.notes)
