"""The synthetic survey reproduces the 2019 key-informant paper, counted independently.

Expected values are copied from Erens et al. (2019), seed ``000_9191d1decfdc3012.txt``
(tables named beside each block), and from the 2017 slides ``003_b374c34e765bec6e.txt``.
Every number is counted here with plain pandas from the generated frames; nothing from
``pioneer.survey.tables`` or from the generator's own target module is used.
Percentages are rounded half up, as the paper does (15/24 = 62.5 prints as 63, Table IV).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from pioneer.errors import AnalysisError
from pioneer.survey.synthetic import SyntheticSurvey, generate

pytestmark = pytest.mark.spec

WAVES = (2016, 2017, 2018)


def pct(count: int, base: int) -> int:
    """100 * count / base rounded half up (exact integers)."""
    return (200 * count + base) // (2 * base)


# --- published values --------------------------------------------------------------------

# 000_9191d1decfdc3012.txt Table I
TABLE_I = {
    # wave: (period, mailing list n, participants n, response rate %)
    2016: ("April–June 2016", 337, 98, 29),
    2017: ("June-September 2017", 482, 105, 22),
    2018: ("September–November 2018", 439, 85, 19),
}

# pioneers.csv column wave (000 Table III / note a minus the 14 wave-1 sites of 002)
PROGRAMME_WAVE_1 = {
    "barnsley", "cheshire", "cornwall_isles_of_scilly", "east_london_welc", "greenwich",
    "islington", "kent", "leeds", "north_west_london", "south_devon_torbay", "south_tyneside",
    "southend", "staffordshire_stoke", "worcestershire",
}  # fmt: skip
PROGRAMME_WAVE_2 = {
    "airedale_wharfedale_craven", "blackpool_fylde_coast", "camden", "greater_manchester",
    "nottingham_city", "nottingham_county", "sheffield", "south_somerset", "vale_of_york",
    "wakefield", "west_norfolk",
}  # fmt: skip
ALL_SITES = PROGRAMME_WAVE_1 | PROGRAMME_WAVE_2

# 000_9191d1decfdc3012.txt Table II
TABLE_II_PROGRAMME_WAVE = {2016: (61, 37), 2017: (62, 43), 2018: (54, 31)}
TABLE_II_ORG = {
    # CCG, LA, NHS provider, Other
    2016: (26, 24, 23, 25),
    2017: (22, 33, 22, 28),
    2018: (27, 22, 24, 12),
}
ORGS = ("CCG", "LA", "NHS provider", "Other")
ROLES = (
    "integration_lead", "chief_executive", "director", "locality_manager",
    "senior_manager", "clinician", "other",
)  # fmt: skip
TABLE_II_ROLE = {
    2016: (22, 17, 29, 4, 17, 5, 4),
    2017: (19, 19, 30, 4, 21, 7, 5),
    2018: (16, 6, 24, 5, 21, 10, 3),
}

# 000_9191d1decfdc3012.txt Results, first paragraph
SITES_COVERED = {2016: 25, 2017: 24, 2018: 23}
IN_ALL_THREE, IN_EXACTLY_TWO = 15, 38
# 000 Table III note a; 2017's missing site is the generator's documented choice
SITES_WITHOUT_2018 = {"blackpool_fylde_coast", "cornwall_isles_of_scilly"}
SITES_WITHOUT_2017 = {"blackpool_fylde_coast"}
# 003_b374c34e765bec6e.txt slide 'Key informant surveys': 1-9 respondents per Pioneer (2016)
SITE_RANGE_2016 = (1, 9)
# 000 Discussion: KIs in both 2017 and 2018 selecting self-management, 59% -> 33%
PANEL_SELF_MANAGE = {2017: 59, 2018: 33}

INITIATIVES = (
    "mdt", "social_prescribing", "care_navigators", "generic_workers", "shared_it",
    "shared_records", "pooled_budgets", "community_hubs", "voluntary_sector",
    "international_model",
)  # fmt: skip
# 000_9191d1decfdc3012.txt Table III: X pattern, initiatives 1-10 as a 10-character string
TABLE_III = {
    "airedale_wharfedale_craven": "XXX...XXX.",
    "barnsley": "XXX..XXXX.",
    "camden": "XXX.XXXXX.",
    "cheshire": "XXXXXXXXXX",
    "east_london_welc": "XXXXXXXXXX",
    "greater_manchester": "XXXXXXXXX.",
    "greenwich": "XXX.XX.XX.",
    "islington": "XXX.XXX.X.",
    "kent": "XXXXXXXXXX",
    "leeds": "XXXXXXXXXX",
    "nottingham_city": "XXX...XXX.",
    "nottingham_county": "XXXXXXXXXX",
    "north_west_london": "XXXXXXXXX.",
    "sheffield": "XXX...X.X.",
    "south_devon_torbay": "XXX.XXXXX.",
    "south_somerset": "XXX.....XX",
    "south_tyneside": "XXXXXXXXXX",
    "southend": "XXXXXXXXX.",
    "staffordshire_stoke": "X.X....XX.",
    "vale_of_york": "XXXX..X.X.",
    "wakefield": "XXX.XXXXX.",
    "west_norfolk": "XXX..X..X.",
    "worcestershire": "XXXXXXXXXX",
}
TABLE_III_X_CELLS = 179  # 000 text: "179 cells have an X"
TABLE_III_ALL_TEN = 7  # 000 text: "7 of the 23 Pioneers ticked all ten"

OBJECTIVES = (
    "joined_up", "self_manage", "unplanned_admissions", "quality_of_care", "costs",
    "quality_of_life", "greater_say", "accessible",
)  # fmt: skip
# 000_9191d1decfdc3012.txt Table IV: % by CCG, LA, NHS provider, Other, All
TABLE_IV_BASES = {2017: (22, 33, 22, 28, 105), 2018: (27, 22, 24, 12, 85)}
TABLE_IV = {
    2017: {
        "joined_up": (55, 58, 73, 75, 65),
        "self_manage": (59, 64, 41, 50, 54),
        "unplanned_admissions": (64, 39, 73, 43, 52),
        "quality_of_care": (27, 39, 41, 46, 39),
        "costs": (50, 39, 23, 29, 35),
        "quality_of_life": (18, 36, 23, 11, 23),
        "greater_say": (9, 9, 9, 14, 11),
        "accessible": (9, 6, 14, 11, 10),
    },
    2018: {
        "joined_up": (70, 82, 75, 83, 76),
        "self_manage": (44, 50, 33, 42, 46),
        "unplanned_admissions": (48, 36, 75, 33, 51),
        "quality_of_care": (44, 36, 63, 50, 48),
        "costs": (41, 32, 17, 0, 26),
        "quality_of_life": (37, 41, 21, 42, 34),
        "greater_say": (0, 14, 4, 17, 7),
        "accessible": (15, 9, 13, 33, 15),
    },
}
# Two printed All cells disagree with the printed organisation cells (each organisation cell
# has a single possible count): 2017 greater say 2+3+2+4 = 11/105 = 10.5% -> 10, not 11;
# 2018 self-management 12+11+8+5 = 36/85 = 42.4% -> 42, not 46. Hand calculation.
TABLE_IV_ALL_FROM_ORGS = {(2017, "greater_say"): 10, (2018, "self_manage"): 42}

# 000_9191d1decfdc3012.txt Table V (bases from the Figure 1 notes): substantial, some, none,
# don't know
PROGRESS_BASES = {2016: 90, 2017: 104, 2018: 80}
TABLE_V = {
    "joined_up": {2016: (9, 72, 8, 11), 2017: (15, 73, 7, 5), 2018: (21, 66, 11, 1)},
    "quality_of_care": {2016: (12, 61, 8, 9), 2017: (13, 75, 8, 5), 2018: (9, 80, 8, 4)},
    "accessible": {2016: (9, 73, 9, 9), 2017: (9, 63, 16, 13), 2018: (9, 70, 15, 6)},
    "quality_of_life": {2016: (8, 62, 9, 21), 2017: (5, 73, 12, 11), 2018: (5, 74, 11, 10)},
    "greater_say": {2016: (10, 57, 18, 16), 2017: (6, 67, 17, 10), 2018: (8, 69, 16, 8)},
    "self_manage": {2016: (9, 61, 11, 19), 2017: (5, 69, 14, 13), 2018: (4, 79, 10, 8)},
    "unplanned_admissions": {
        2016: (12, 34, 37, 17),
        2017: (7, 60, 23, 11),
        2018: (10, 70, 19, 1),
    },
    "costs": {2016: (4, 11, 30, 54), 2017: (3, 40, 30, 27), 2018: (5, 48, 29, 19)},
}
PROGRESS_SCALE = ("substantial", "some", "none", "dont_know")
# 2017 self-management cannot be printed from 104 answers: 5+72+15+13 = 105 is the smallest
# set of counts giving 5/69/14/13. Documented departure: none = 14/104 = 13.46% -> 13.
TABLE_V_DEPARTURES = {("self_manage", 2017, "none"): 13}
# 2016 quality of care sums to 90%: 9 of the 90 skip the row (documented), so 81 answer it.
QUALITY_OF_CARE_2016_ANSWERING = 81
PROGRESS_EXTRA_2016 = (
    "independence", "carers", "awareness", "gp_centre", "responsiveness", "readmissions",
    "staff_satisfaction",
)  # fmt: skip

# 000_9191d1decfdc3012.txt Figure 2 notes and text
BARRIER_BASES = {2016: 97, 2017: 98, 2018: 80}
BARRIERS_NAMED = (
    "financial_constraints", "increased_demand", "information_governance", "incompatible_it",
    "competing_demands", "national_policies",
)  # fmt: skip
BARRIERS_REPEATED = (*BARRIERS_NAMED, *(f"unpublished_{i}" for i in range(1, 7)))
BARRIER_VERY = {
    ("information_governance", 2017): 34,
    ("information_governance", 2018): 16,
    ("incompatible_it", 2017): 47,
    ("incompatible_it", 2018): 30,
    ("financial_constraints", 2017): 64,
    ("financial_constraints", 2018): 50,
    ("increased_demand", 2017): 44,
    ("increased_demand", 2018): 30,
}
BARRIERS_ONE_THIRD = {2016: 6, 2017: 7, 2018: 2}
BARRIERS_ONE_THIRD_2018 = {"financial_constraints", "competing_demands"}
# 000 Figure 3 notes and text
FACILITATOR_BASES = {2016: 96, 2017: 96, 2018: 80}
FACILITATORS = (
    "i_statements", "co_design", "voluntary_orgs",
    *(f"unpublished_{i}" for i in range(1, 7)),
)  # fmt: skip
FACILITATOR_VERY = {
    "i_statements": (49, 27, 15),
    "co_design": (55, 39, 34),
}

SCALES = {
    "progress": {"substantial", "some", "none", "dont_know"},
    "barriers": {"very", "fairly", "not", "dont_know"},
    "facilitators": {"very", "fairly", "not_very", "not_at_all", "dont_know"},
    "policy_helpfulness": {"very", "fairly", "not_very", "not_at_all", "dont_know"},
    "involvement": {"very", "fairly", "not_very", "not_at_all", "dont_know"},
    "objectives_top3": {"0", "1"},
    "initiatives": {"0", "1"},
}
TEXT_ITEMS = {"achievements", "challenge", "comments"}


# --- fixtures and helpers ----------------------------------------------------------------


@pytest.fixture(scope="module", params=[2019, 7])
def survey(request) -> SyntheticSurvey:
    return generate(request.param)


@pytest.fixture(scope="module")
def people(survey) -> pd.DataFrame:
    """One row per respondent with the respondent columns and the role."""
    r = survey.responses
    cols = ["respondent_id", "panel_id", "wave", "site", "org_type"]
    base = r[cols].drop_duplicates()
    roles = r[r["item"] == "role"][["respondent_id", "value"]].rename(columns={"value": "role"})
    return base.merge(roles, on="respondent_id", how="left")


def answers(survey: SyntheticSurvey, wave: int, prefix: str) -> pd.DataFrame:
    r = survey.responses
    return r[(r["wave"] == wave) & r["item"].str.startswith(prefix)]


def very_pct(survey: SyntheticSurvey, wave: int, item: str) -> tuple[int, int]:
    """(% very, base) for one grid row; base = respondents answering the row."""
    rows = answers(survey, wave, item)
    rows = rows[rows["item"] == item]
    return pct(int((rows["value"] == "very").sum()), len(rows)), len(rows)


# --- Table I -----------------------------------------------------------------------------


@pytest.mark.parametrize("wave", WAVES)
def test_table_i_fieldwork(survey, people, wave):
    period, mailing_n, participants_n, rate = TABLE_I[wave]
    mailing = survey.mailing_list[survey.mailing_list["wave"] == wave]
    completes = int((mailing["outcome"] == "complete").sum())
    assert len(mailing) == mailing_n
    assert completes == participants_n
    assert (people["wave"] == wave).sum() == participants_n
    assert pct(completes, len(mailing)) == rate
    row = survey.waves[survey.waves["wave"] == wave].iloc[0]
    assert row["period_label"] == period
    assert row["instrument"] == f"ki{wave}"
    assert row["fieldwork_start"] < row["fieldwork_end"]


def test_mailing_list_completes_are_the_respondents(survey, people):
    mailing = survey.mailing_list
    assert set(mailing["outcome"]) <= {"complete", "partial", "no_response"}
    assert (mailing["outcome"] == "partial").sum() > 0
    complete = mailing[mailing["outcome"] == "complete"]
    listed = set(zip(complete["wave"], complete["panel_id"], complete["site"], strict=True))
    answered = set(zip(people["wave"], people["panel_id"], people["site"], strict=True))
    assert listed == answered
    assert not mailing.duplicated(["wave", "panel_id"]).any()


# --- Table II ----------------------------------------------------------------------------


def test_each_respondent_has_one_site_org_type_and_role(survey, people):
    assert people["respondent_id"].is_unique
    assert people["role"].notna().all()
    per_respondent = survey.responses.groupby("respondent_id")["item"]
    assert (per_respondent.apply(lambda s: (s == "role").sum()) == 1).all()
    assert set(people["org_type"]) == set(ORGS)
    assert set(people["role"]) == set(ROLES)
    assert set(people["site"]) <= ALL_SITES


@pytest.mark.parametrize("wave", WAVES)
def test_table_ii(people, wave):
    these = people[people["wave"] == wave]
    wave_1 = int(these["site"].isin(PROGRAMME_WAVE_1).sum())
    wave_2 = int(these["site"].isin(PROGRAMME_WAVE_2).sum())
    assert (wave_1, wave_2) == TABLE_II_PROGRAMME_WAVE[wave]
    orgs = these["org_type"].value_counts()
    assert tuple(int(orgs.get(o, 0)) for o in ORGS) == TABLE_II_ORG[wave]
    roles = these["role"].value_counts()
    assert tuple(int(roles.get(r, 0)) for r in ROLES) == TABLE_II_ROLE[wave]


# --- sites and panel ---------------------------------------------------------------------


def test_sites_covered(people):
    covered = {w: set(people.loc[people["wave"] == w, "site"]) for w in WAVES}
    assert {w: len(s) for w, s in covered.items()} == SITES_COVERED
    assert ALL_SITES - covered[2018] == SITES_WITHOUT_2018
    assert ALL_SITES - covered[2017] == SITES_WITHOUT_2017
    assert covered[2016] == ALL_SITES
    per_site = people[people["wave"] == 2016]["site"].value_counts()
    assert (int(per_site.min()), int(per_site.max())) == SITE_RANGE_2016


def test_panel_counts(people):
    waves_per_person = people.groupby("panel_id")["wave"].nunique()
    assert int((waves_per_person == 3).sum()) == IN_ALL_THREE
    assert int((waves_per_person == 2).sum()) == IN_EXACTLY_TWO
    assert not people.duplicated(["panel_id", "wave"]).any()


def test_panel_members_keep_site_and_org_type(people):
    assert (people.groupby("panel_id")["site"].nunique() == 1).all()
    assert (people.groupby("panel_id")["org_type"].nunique() == 1).all()


def test_mailing_list_lists_panel_members_in_every_wave_they_answered(survey, people):
    invited = set(zip(survey.mailing_list["panel_id"], survey.mailing_list["wave"], strict=True))
    answered = set(zip(people["panel_id"], people["wave"], strict=True))
    assert answered <= invited
    # the site and organisation type on the list match the response frame
    merged = people.merge(survey.mailing_list, on=["panel_id", "wave"], suffixes=("", "_list"))
    assert (merged["site"] == merged["site_list"]).all()
    assert (merged["org_type"] == merged["org_type_list"]).all()


def test_panel_self_management_fact(survey, people):
    in_both = set(people.loc[people["wave"] == 2017, "panel_id"]) & set(
        people.loc[people["wave"] == 2018, "panel_id"]
    )
    r = survey.responses
    for wave, expected in PANEL_SELF_MANAGE.items():
        rows = r[
            (r["wave"] == wave)
            & (r["item"] == "objectives_top3.self_manage")
            & r["panel_id"].isin(in_both)
        ]
        assert len(rows) == len(in_both)
        assert pct(int((rows["value"] == "1").sum()), len(rows)) == expected


# --- Table III ---------------------------------------------------------------------------


def test_table_iii_pattern(survey):
    rows = answers(survey, 2018, "initiatives.")
    ticked = rows.assign(tick=rows["value"] == "1").groupby(["site", "item"])["tick"].any()
    produced = {
        site: "".join("X" if ticked[(site, f"initiatives.{code}")] else "." for code in INITIATIVES)
        for site in ticked.index.get_level_values("site").unique()
    }
    assert produced == TABLE_III
    cells = "".join(produced.values())
    assert cells.count("X") == TABLE_III_X_CELLS
    assert sum(p == "X" * 10 for p in produced.values()) == TABLE_III_ALL_TEN


def test_every_2018_respondent_answers_every_initiative(survey, people):
    rows = answers(survey, 2018, "initiatives.")
    assert set(rows["value"]) == {"0", "1"}
    per = rows.groupby("respondent_id")["item"].apply(frozenset)
    assert len(per) == int((people["wave"] == 2018).sum())
    assert set(per) == {frozenset(f"initiatives.{c}" for c in INITIATIVES)}
    assert not answers(survey, 2016, "initiatives.").shape[0]
    assert not answers(survey, 2017, "initiatives.").shape[0]


# --- Table IV ----------------------------------------------------------------------------


@pytest.mark.parametrize("wave", [2017, 2018])
def test_table_iv(survey, wave):
    rows = answers(survey, wave, "objectives_top3.")
    selected = rows.assign(sel=rows["value"] == "1")
    counts = selected.groupby(["org_type", "item"])["sel"].sum()
    bases = rows.groupby("org_type")["respondent_id"].nunique()
    got_bases = (*(int(bases[o]) for o in ORGS), rows["respondent_id"].nunique())
    assert got_bases == TABLE_IV_BASES[wave]
    for objective, printed in TABLE_IV[wave].items():
        item = f"objectives_top3.{objective}"
        by_org = tuple(pct(int(counts[(o, item)]), int(bases[o])) for o in ORGS)
        assert by_org == printed[:4], objective
        total = int(selected.loc[selected["item"] == item, "sel"].sum())
        all_pct = pct(total, TABLE_IV_BASES[wave][4])
        expected_all = TABLE_IV_ALL_FROM_ORGS.get((wave, objective), printed[4])
        assert all_pct == expected_all, objective


@pytest.mark.parametrize("wave", [2017, 2018])
def test_pick_three_at_most(survey, people, wave):
    rows = answers(survey, wave, "objectives_top3.")
    per = rows.groupby("respondent_id")
    assert (per["item"].nunique() == len(OBJECTIVES)).all()
    assert len(per) == int((people["wave"] == wave).sum())
    picks = rows.assign(sel=rows["value"] == "1").groupby("respondent_id")["sel"].sum()
    assert int(picks.max()) <= 3
    assert int(picks.min()) >= 1


def test_no_objectives_question_in_2016(survey):
    assert answers(survey, 2016, "objectives_top3.").empty


# --- Table V -----------------------------------------------------------------------------


@pytest.mark.parametrize("wave", WAVES)
def test_table_v(survey, wave):
    rows = answers(survey, wave, "progress.")
    base = rows["respondent_id"].nunique()  # respondents answering the progress grid
    assert base == PROGRESS_BASES[wave]
    for objective, by_wave in TABLE_V.items():
        these = rows[rows["item"] == f"progress.{objective}"]
        got = these["value"].value_counts()
        for code, printed in zip(PROGRESS_SCALE, by_wave[wave], strict=True):
            expected = TABLE_V_DEPARTURES.get((objective, wave, code), printed)
            assert pct(int(got.get(code, 0)), base) == expected, (objective, code)


def test_table_v_quality_of_care_2016_item_nonresponse(survey):
    rows = answers(survey, 2016, "progress.quality_of_care")
    assert len(rows) == QUALITY_OF_CARE_2016_ANSWERING
    # over those who answered the row the printed 12/61/8/9 become (hand calculation:
    # 11/81, 55/81, 7/81, 8/81) 14/68/9/10
    got = rows["value"].value_counts()
    assert tuple(pct(int(got.get(c, 0)), 81) for c in PROGRESS_SCALE) == (14, 68, 9, 10)


def test_progress_extra_rows_only_in_2016(survey):
    for wave in WAVES:
        items = set(answers(survey, wave, "progress.")["item"])
        extra = {f"progress.{e}" for e in PROGRESS_EXTRA_2016}
        assert (extra <= items) if wave == 2016 else not (extra & items)


# --- Figures 2 and 3 ---------------------------------------------------------------------


@pytest.mark.parametrize("wave", WAVES)
def test_grid_bases(survey, wave):
    barriers = answers(survey, wave, "barriers.")
    facilitators = answers(survey, wave, "facilitators.")
    assert barriers["respondent_id"].nunique() == BARRIER_BASES[wave]
    assert facilitators["respondent_id"].nunique() == FACILITATOR_BASES[wave]
    # everyone answering a grid answers every row of it
    assert (barriers.groupby("item").size() == BARRIER_BASES[wave]).all()
    assert (facilitators.groupby("item").size() == FACILITATOR_BASES[wave]).all()
    expected_barriers = set(BARRIERS_REPEATED) | ({"staff_turnover"} if wave > 2016 else set())
    assert set(barriers["item"].str.removeprefix("barriers.")) == expected_barriers
    assert set(facilitators["item"].str.removeprefix("facilitators.")) == set(FACILITATORS)


def test_figure_2_named_barriers(survey):
    for (item, wave), printed in BARRIER_VERY.items():
        got, base = very_pct(survey, wave, f"barriers.{item}")
        assert (got, base) == (printed, BARRIER_BASES[wave]), (item, wave)


def _barrier_very(survey) -> dict[int, dict[str, int]]:
    out = {}
    for wave in WAVES:
        items = sorted(set(answers(survey, wave, "barriers.")["item"]))
        out[wave] = {i.removeprefix("barriers."): very_pct(survey, wave, i)[0] for i in items}
    return out


def test_figure_2_counting_facts(survey):
    very = _barrier_very(survey)
    # "lower than in 2017 for all items but one"
    not_lower = [i for i in very[2018] if very[2018][i] >= very[2017][i]]
    assert len(not_lower) == 1
    assert len(very[2018]) == 13
    # "seven barriers are lower in 2018, but four are higher or the same" (vs 2016), over the
    # 11 items the generator compares (the 12th, unpublished_6, is documented as left out)
    compared = [i for i in BARRIERS_REPEATED if i != "unpublished_6"]
    lower = [i for i in compared if very[2018][i] < very[2016][i]]
    assert (len(lower), len(compared) - len(lower)) == (7, 4)
    # one third or more "very significant": 2 in 2018 (named), 7 in 2017, 6 in 2016
    for wave, expected in BARRIERS_ONE_THIRD.items():
        base = BARRIER_BASES[wave]
        rows = answers(survey, wave, "barriers.")
        counts = rows[rows["value"] == "very"].groupby("item").size()
        third = {i.removeprefix("barriers.") for i, n in counts.items() if 3 * n >= base}
        assert len(third) == expected, wave
        if wave == 2018:
            assert third == BARRIERS_ONE_THIRD_2018


def test_staff_turnover_not_asked_in_2016(survey):
    assert answers(survey, 2016, "barriers.staff_turnover").empty
    assert not answers(survey, 2017, "barriers.staff_turnover").empty


def test_figure_3_facilitators(survey):
    for item, printed in FACILITATOR_VERY.items():
        for wave, value in zip(WAVES, printed, strict=True):
            got, base = very_pct(survey, wave, f"facilitators.{item}")
            assert (got, base) == (value, FACILITATOR_BASES[wave]), (item, wave)
    change = {
        i: very_pct(survey, 2018, f"facilitators.{i}")[0]
        - very_pct(survey, 2017, f"facilitators.{i}")[0]
        for i in FACILITATORS
    }
    # "six ... less likely ..., two were largely the same and one ... showed a small increase"
    lower = [i for i, d in change.items() if d < -2]
    same = [i for i, d in change.items() if -2 <= d <= 2]
    higher = [i for i, d in change.items() if d > 2]
    assert (len(lower), len(same), higher) == (6, 2, ["voluntary_orgs"])
    assert 2 < change["voluntary_orgs"] <= 6


# --- valid codes, open text, privacy -----------------------------------------------------


def test_every_value_is_a_valid_code(survey):
    r = survey.responses
    prefix = r["item"].str.split(".").str[0]
    for stem, allowed in SCALES.items():
        values = set(r.loc[prefix == stem, "value"])
        assert values, stem
        assert values <= allowed, stem
    assert set(r.loc[r["item"] == "role", "value"]) <= set(ROLES)
    known = set(SCALES) | TEXT_ITEMS | {"role"}
    assert set(prefix) <= known
    assert r.notna().all().all()


@pytest.mark.parametrize("wave", WAVES)
def test_answers_fit_the_packaged_instrument(survey, wave):
    """Every item is a variable of that wave's instrument and every respondent passes its
    checks (answer codes, at most three objectives)."""
    from pioneer.survey import instrument

    questionnaire = instrument.load(f"ki{wave}")
    rows = survey.responses[survey.responses["wave"] == wave]
    assert set(rows["item"]) == set(questionnaire.items())
    problems = []
    for rid, group in rows.groupby("respondent_id"):
        given = dict(zip(group["item"], group["value"], strict=True))
        problems += [(rid, p) for p in questionnaire.validate_respondent(given)]
    assert problems == []


def test_2016_only_questions(survey):
    for wave in (2017, 2018):
        for stem in ("policy_helpfulness.", "involvement.", "achievements", "challenge"):
            assert answers(survey, wave, stem).empty, (wave, stem)
    items = set(answers(survey, 2016, "")["item"])
    assert {
        "policy_helpfulness.new_care_models",
        "policy_helpfulness.bcf",
        "involvement.acute_trusts",
        "involvement.community_trusts",
        "involvement.gps",
        "achievements",
        "challenge",
    } <= items


def test_open_text_exercises_formula_neutralisation(survey):
    r = survey.responses
    text = r[r["item"].isin(TEXT_ITEMS)]["value"]
    assert text.str.len().gt(0).all()
    assert text.str.match(r"^[=+]").sum() >= 2
    assert set(r.loc[r["wave"] > 2016, "item"]) & TEXT_ITEMS == {"comments"}


def test_no_names_or_email_addresses(survey):
    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
    title = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+[A-Z]")
    frames = (survey.responses, survey.mailing_list, survey.waves)
    for frame in frames:
        assert not {"name", "email", "e_mail", "first_name", "surname"} & set(frame.columns)
        for column in frame.columns:
            values = frame[column].astype(str)
            assert not values.str.contains("@", regex=False).any(), column
            assert not values.str.contains(email).any(), column
            assert not values.str.contains(title).any(), column


# --- determinism and frame shape ---------------------------------------------------------


def test_same_seed_same_frames():
    first, second = generate(11), generate(11)
    pd.testing.assert_frame_equal(first.responses, second.responses)
    pd.testing.assert_frame_equal(first.mailing_list, second.mailing_list)
    pd.testing.assert_frame_equal(first.waves, second.waves)
    assert first.notes == second.notes


def test_different_seed_different_frames():
    first, second = generate(11), generate(12)
    assert not first.responses.equals(second.responses)
    assert not first.mailing_list.equals(second.mailing_list)


def test_default_seed_is_2019():
    pd.testing.assert_frame_equal(generate().responses, generate(2019).responses)


@pytest.mark.parametrize("seed", [-1, 1.5, "2019", True])
def test_bad_seed_is_refused(seed):
    with pytest.raises(AnalysisError, match="seed"):
        generate(seed)


def test_frames_have_the_contract_columns(survey):
    assert list(survey.responses.columns) == [
        "respondent_id", "panel_id", "wave", "site", "org_type", "item", "value",
    ]  # fmt: skip
    assert str(survey.responses["wave"].dtype) == "int64"
    assert list(survey.mailing_list.columns) == ["wave", "panel_id", "site", "org_type", "outcome"]
    assert list(survey.waves.columns) == [
        "wave", "instrument", "fieldwork_start", "fieldwork_end", "period_label",
    ]  # fmt: skip
    assert not survey.responses.duplicated(["respondent_id", "item"]).any()
    assert survey.notes


def test_round_trips_through_a_workspace(survey, tmp_path):
    from pioneer import workspace

    workspace.save(survey.to_survey_data(), tmp_path)
    loaded = workspace.load(tmp_path)
    pd.testing.assert_frame_equal(
        loaded.responses.sort_values(["respondent_id", "item"]).reset_index(drop=True),
        survey.responses.sort_values(["respondent_id", "item"]).reset_index(drop=True),
    )
    assert len(loaded.mailing_list) == len(survey.mailing_list)
