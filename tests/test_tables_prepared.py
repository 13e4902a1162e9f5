"""Prepared responses and the integer-code counting behind the key-informant tables.

Each table is checked against a plain pandas reference written out in this file
(groupby and set operations on the long frame, no library helpers), on a random
frame with the awkward parts of real data: rows shuffled, categories in no
particular order, informants without a panel id, skipped grid rows and a site
without respondents in one wave. A table given ``prepare(frame)`` must equal the
table given the frame itself, for every option.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pioneer.errors import AnalysisError
from pioneer.survey import frame as response_frame
from pioneer.survey import panel, tables

WAVES = (2016, 2017, 2018)
SITES = ("site_c", "site_a", "site_b", "site_d")  # not in alphabetical order
PROGRESS = ("joined_up", "costs", "accessible", "greater_say")
SCALE = ("substantial", "some", "none", "dont_know")
OPTIONS = ("mdt", "shared_it", "pooled_budgets")


def _random_frame(seed: int = 11, people: int = 160) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(people):
        wave = WAVES[i % 3]
        site = SITES[rng.integers(len(SITES))]
        if site == "site_d" and wave == 2017:
            site = "site_a"  # site_d has no respondent in 2017
        linked = rng.random() < 0.7  # most informants answer in several waves
        informant = None if i % 7 == 0 else (f"k{i // 3}" if linked else f"x{i}")
        person = {
            "respondent_id": f"r{rng.integers(10**6):06d}-{i}",
            "panel_id": informant,
            "wave": wave,
            "site": site,
            "org_type": response_frame.ORG_TYPES[rng.integers(4)],
        }
        for code in PROGRESS:
            if rng.random() < 0.8:  # some rows skipped
                rows.append({**person, "item": f"progress.{code}", "value": SCALE[rng.integers(4)]})
        if rng.random() < 0.9:
            for code in OPTIONS:
                value = "1" if rng.random() < 0.4 else "0"
                rows.append({**person, "item": f"initiatives.{code}", "value": value})
    frame = pd.DataFrame(rows).sample(frac=1.0, random_state=seed).reset_index(drop=True)
    return response_frame.normalise(frame)


def _categorical(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in ("respondent_id", "panel_id", "site", "org_type", "item", "value"):
        values = out[column].astype("string")
        categories = sorted(values.dropna().unique(), reverse=True)  # unsorted codes
        out[column] = pd.Categorical(values, categories=categories)
    return out


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return _random_frame()


@pytest.fixture(scope="module", params=["string", "categorical"])
def any_frame(request, frame) -> pd.DataFrame:
    return frame if request.param == "string" else _categorical(frame)


def _reference_people(frame: pd.DataFrame) -> pd.DataFrame:
    people = frame.loc[:, list(response_frame.RESPONDENT_COLUMNS)].astype(
        {"respondent_id": "string", "panel_id": "string", "site": "string", "org_type": "string"}
    )
    return people.drop_duplicates("respondent_id")


def _question(frame: pd.DataFrame, question: str) -> pd.DataFrame:
    answers = frame[frame["item"].astype("string").str.startswith(f"{question}.")]
    return answers.astype({"respondent_id": "string", "item": "string", "value": "string"})


def test_prepared_people_are_the_attendance_table(any_frame):
    prepared = tables.prepare(any_frame)
    pd.testing.assert_frame_equal(prepared.people, panel.attendance(any_frame), check_exact=True)
    assert len(prepared) == len(any_frame)
    assert tables.prepare(prepared) is prepared


def test_distribution_counts_match_a_plain_groupby(any_frame):
    result = tables.distribution(any_frame, "progress", categories=SCALE, threshold=0)
    answers = _question(any_frame, "progress")
    base = answers.groupby("wave")["respondent_id"].nunique()
    counts = answers.groupby(["item", "wave", "value"]).size()
    got = result.frame.set_index(["item", "wave", "category"])
    for (item, wave, value), n in counts.items():
        assert got.loc[(item, wave, value), "n"] == n
        assert got.loc[(item, wave, value), "base"] == base[wave]
    # Not answered = the wave's base minus those who answered the row.
    answered = answers.groupby(["item", "wave"]).size()
    for (item, wave), n in answered.items():
        assert got.loc[(item, wave, "not_answered"), "n"] == base[wave] - n
    assert int(got["n"].sum()) == int(base.sum()) * len(PROGRESS)


def test_trend_counts_and_paired_pairs_match_sets(any_frame):
    wanted = ("substantial", "some")
    result = tables.trend(any_frame, "progress", wanted, threshold=0)
    answers = _question(any_frame, "progress")
    people = _reference_people(any_frame).set_index("respondent_id")
    answers = answers.assign(panel=answers["respondent_id"].map(people["panel_id"]))
    in_base = {
        w: set(answers.loc[(answers["wave"] == w) & answers["panel"].notna(), "panel"])
        for w in WAVES
    }
    got = result.frame.set_index(["item", "wave"])
    paired = result.tests[result.tests["design"] == "paired"].set_index(
        ["item", "wave_from", "wave_to"]
    )
    for code in PROGRESS:
        item = f"progress.{code}"
        mine = answers[answers["item"] == item]
        hits = {w: mine[(mine["wave"] == w) & mine["value"].isin(wanted)] for w in WAVES}
        for w in WAVES:
            assert got.loc[(item, w), "n"] == len(hits[w])
        for w1, w2 in ((2016, 2017), (2017, 2018), (2016, 2018)):
            both = in_base[w1] & in_base[w2]
            y1 = set(hits[w1]["panel"].dropna()) & both
            y2 = set(hits[w2]["panel"].dropna()) & both
            if not both:  # no informant in the base of both waves: no paired test
                assert (item, w1, w2) not in paired.index
                continue
            row = paired.loc[(item, w1, w2)]
            assert row["base_from"] == len(both)
            assert row["only_from"] == len(y1 - y2)
            assert row["only_to"] == len(y2 - y1)


@pytest.mark.parametrize("by", ["org_type", "site", None])
def test_pick_n_counts_match_a_plain_groupby(any_frame, by):
    result = tables.pick_n(any_frame, "initiatives", by=by, waves=None, threshold=0)
    answers = _question(any_frame, "initiatives")
    people = _reference_people(any_frame).set_index("respondent_id")
    answers = answers.assign(group=answers["respondent_id"].map(people[by or "wave"]))
    column = by or "group"
    got = result.frame.set_index(["item", "wave", column])
    for (item, wave), rows in answers.groupby(["item", "wave"]):
        everyone = answers[answers["wave"] == wave]
        assert got.loc[(item, wave, "All"), "n"] == int((rows["value"] == "1").sum())
        assert got.loc[(item, wave, "All"), "base"] == everyone["respondent_id"].nunique()
        if by is None:
            continue
        for group, mine in rows.groupby("group"):
            base = everyone.loc[everyone["group"] == group, "respondent_id"].nunique()
            assert got.loc[(item, wave, str(group)), "n"] == int((mine["value"] == "1").sum())
            assert got.loc[(item, wave, str(group)), "base"] == base


def _same(a, b) -> None:
    pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=True)
    for part in ("bases", "tests", "per_site"):
        if getattr(a, part, None) is not None:
            pd.testing.assert_frame_equal(getattr(a, part), getattr(b, part), check_exact=True)
    assert (a.notes, a.method, a.suppression, a.options) == (
        b.notes,
        b.method,
        b.suppression,
        b.options,
    )


@pytest.mark.parametrize(
    "options",
    [
        {"threshold": 0},
        {"threshold": 5, "panel_only": True},
        {"threshold": 0, "site_weights": "equal"},
    ],
)
def test_prepared_responses_give_the_same_tables(frame, options):
    prepared = tables.prepare(_categorical(frame))
    _same(
        tables.distribution(prepared, "progress", categories=SCALE, **options),
        tables.distribution(frame, "progress", categories=SCALE, **options),
    )
    _same(
        tables.trend(prepared, "progress", "substantial", **options),
        tables.trend(frame, "progress", "substantial", **options),
    )
    _same(
        tables.pick_n(prepared, "initiatives", by="site", waves=None, **options),
        tables.pick_n(frame, "initiatives", by="site", waves=None, **options),
    )
    _same(
        tables.presence_matrix(prepared, "initiatives", 2018, **options),
        tables.presence_matrix(frame, "initiatives", 2018, **options),
    )
    _same(tables.characteristics(prepared, **options), tables.characteristics(frame, **options))


@pytest.mark.parametrize("together", [False, True])
def test_prepare_names_a_respondent_with_two_sites(frame, together):
    # rows shuffled, or each respondent's rows kept together (the clash inside one run)
    bad = frame.sort_values("respondent_id").reset_index(drop=True) if together else frame.copy()
    first = bad["respondent_id"].iloc[0]
    rows = np.flatnonzero((bad["respondent_id"] == first).to_numpy())
    bad.loc[rows[-1], "site"] = "elsewhere"
    for given in (bad, _categorical(bad)):
        with pytest.raises(AnalysisError, match=f"respondent '{first}' has more than one"):
            tables.prepare(given)


def test_a_duplicate_answer_fails_only_the_question_it_is_in(frame):
    doubled = pd.concat([frame, frame[frame["item"] == "initiatives.mdt"].iloc[:1]])
    prepared = tables.prepare(_categorical(doubled.reset_index(drop=True)))
    who = frame.loc[frame["item"] == "initiatives.mdt", "respondent_id"].iloc[0]
    with pytest.raises(AnalysisError, match=f"respondent '{who}' has more than one answer"):
        tables.pick_n(prepared, "initiatives", waves=None)
    assert len(tables.distribution(prepared, "progress", categories=SCALE).frame) > 0


def test_prepare_rejects_what_is_not_a_frame():
    with pytest.raises(AnalysisError, match="expected a response frame"):
        tables.prepare([("r1", "k1")])  # type: ignore[arg-type]


@pytest.mark.parametrize("by", ["org_type", "site"])
def test_distribution_by_group_matches_a_plain_groupby(any_frame, by):
    result = tables.distribution(any_frame, "progress", categories=SCALE, by=by, threshold=0)
    answers = _question(any_frame, "progress")
    people = _reference_people(any_frame).set_index("respondent_id")
    answers = answers.assign(group=answers["respondent_id"].map(people[by]))
    base = answers.groupby(["wave", "group"])["respondent_id"].nunique()
    counts = answers.groupby(["item", "wave", "group", "value"]).size()
    got = result.frame.set_index(["item", "wave", by, "category"])
    for (item, wave, group, value), n in counts.items():
        assert got.loc[(item, wave, group, value), "n"] == n
        assert got.loc[(item, wave, group, value), "base"] == base[(wave, group)]
    answered = answers.groupby(["item", "wave", "group"]).size()
    for (item, wave, group), n in answered.items():
        assert got.loc[(item, wave, group, "not_answered"), "n"] == base[(wave, group)] - n
    bases = result.bases.set_index(["wave", by])["base"]
    for (wave, group), n in base.items():
        assert bases[(wave, group)] == n


@pytest.mark.parametrize("options", [{"threshold": 0}, {"threshold": 0, "site_weights": "equal"}])
@pytest.mark.parametrize("by", ["org_type", "site"])
def test_distribution_by_group_all_rows_are_the_unsplit_table(frame, by, options):
    split = tables.distribution(frame, "progress", categories=SCALE, by=by, **options)
    plain = tables.distribution(frame, "progress", categories=SCALE, **options)
    everyone = split.frame[split.frame[by] == "All"].drop(columns=[by]).reset_index(drop=True)
    pd.testing.assert_frame_equal(everyone, plain.frame, check_exact=True)
    groups = list(dict.fromkeys(split.frame[by]))
    expected = [*response_frame.ORG_TYPES, "All"] if by == "org_type" else [*sorted(SITES), "All"]
    assert groups == expected
    assert split.options["by"] == by


def test_distribution_by_rejects_an_unknown_split(frame):
    with pytest.raises(AnalysisError, match="distribution splits by 'org_type', 'site' or None"):
        tables.distribution(frame, "progress", categories=SCALE, by="role")


@pytest.mark.parametrize("options", [{"threshold": 0}, {"threshold": 0, "site_weights": "equal"}])
def test_trend_by_group_all_rows_are_the_unsplit_trend(frame, options):
    split = tables.trend(frame, "progress", ("substantial", "some"), by="org_type", **options)
    plain = tables.trend(frame, "progress", ("substantial", "some"), **options)
    everyone = split.frame[split.frame["org_type"] == "All"].drop(columns=["org_type"])
    pd.testing.assert_frame_equal(everyone.reset_index(drop=True), plain.frame, check_exact=True)
    tests = split.tests[split.tests["org_type"] == "All"].drop(columns=["org_type"])
    pd.testing.assert_frame_equal(tests.reset_index(drop=True), plain.tests, check_exact=True)
    assert list(dict.fromkeys(split.frame["org_type"])) == [*response_frame.ORG_TYPES, "All"]


def test_trend_by_site_counts_and_pairs_match_sets(any_frame):
    wanted = ("substantial",)
    result = tables.trend(any_frame, "progress", wanted, by="site", threshold=0)
    answers = _question(any_frame, "progress")
    people = _reference_people(any_frame).set_index("respondent_id")
    answers = answers.assign(
        panel=answers["respondent_id"].map(people["panel_id"]),
        site=answers["respondent_id"].map(people["site"]),
    )
    got = result.frame.set_index(["item", "wave", "site"])
    paired = result.tests[result.tests["design"] == "paired"].set_index(
        ["item", "site", "wave_from", "wave_to"]
    )
    for site in ("site_a", "site_d"):
        mine = answers[answers["site"] == site]
        in_base = {w: set(mine.loc[mine["wave"] == w, "panel"].dropna()) for w in WAVES}
        for code in PROGRESS:
            item = f"progress.{code}"
            rows = mine[mine["item"] == item]
            hits = {w: rows[(rows["wave"] == w) & rows["value"].isin(wanted)] for w in WAVES}
            for w in WAVES:
                assert got.loc[(item, w, site), "n"] == len(hits[w])
                assert (
                    got.loc[(item, w, site), "base"]
                    == mine.loc[mine["wave"] == w, "respondent_id"].nunique()
                )
            for w1, w2 in ((2016, 2017), (2017, 2018), (2016, 2018)):
                both = in_base[w1] & in_base[w2]
                if not both:
                    assert (item, site, w1, w2) not in paired.index
                    continue
                y1 = set(hits[w1]["panel"].dropna()) & both
                y2 = set(hits[w2]["panel"].dropna()) & both
                row = paired.loc[(item, site, w1, w2)]
                assert (row["base_from"], row["only_from"], row["only_to"]) == (
                    len(both),
                    len(y1 - y2),
                    len(y2 - y1),
                )


def test_roles_without_an_instrument_follow_people_order_not_row_order(frame):
    # Two respondents in 2016 at the same site; the later one in people order comes first
    # in the frame. Roles are listed in order of first appearance in people order.
    rows = [
        ("r2", "k2", "director"),
        ("r1", "k1", "clinician"),
    ]
    data = pd.DataFrame(
        [
            {
                "respondent_id": rid,
                "panel_id": pid,
                "wave": 2016,
                "site": "site_a",
                "org_type": "LA",
                "item": "role",
                "value": role,
            }
            for rid, pid, role in rows
        ]
    )
    data = response_frame.normalise(data)
    for given in (data, _categorical(data)):
        table = tables.characteristics(given, threshold=0).frame
        roles = table.loc[table["dimension"] == "role", "category"].tolist()
        assert roles == ["clinician", "director"]  # r1 before r2


@pytest.mark.parametrize("options", [{"threshold": 0}, {"threshold": 5, "panel_only": True}])
def test_one_prepared_object_reused_by_many_tables_gives_fresh_answers(frame, options):
    """The grids and whole trends memoised on a prepared object never leak between calls:
    split, unsplit, other categories and other options, in any order, equal fresh runs."""
    prepared = tables.prepare(_categorical(frame))
    calls = [
        ("trend", {"categories": ("substantial", "some"), "by": "site"}),
        ("trend", {"categories": ("substantial", "some")}),
        ("trend", {"categories": "none", "by": "org_type"}),
        ("distribution", {"categories": SCALE, "by": "site"}),
        ("trend", {"categories": ("substantial", "some"), "by": "org_type", "confidence": 0.9}),
        ("distribution", {"categories": SCALE}),
        ("trend", {"categories": ("substantial", "some"), "by": "site"}),
    ]
    for name, kwargs in calls:
        function = getattr(tables, name)
        _same(
            function(prepared, "progress", **kwargs, **options),
            function(frame, "progress", **kwargs, **options),
        )
    assert prepared.memo, "the grid of 'progress' is gathered once and kept"
    grids = [value[1] for key, value in prepared.memo.items() if key[0] == "grid"]
    assert grids
    assert all(not g.answers.person.flags.writeable for g in grids)
