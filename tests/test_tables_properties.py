"""Generative checks of the key-informant tables (Hypothesis, kept small for CI).

- row order of the response frame never changes a table;
- no count from 1 to threshold − 1 is ever shown, in any table, bases or tests frame.
"""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pioneer.survey import frame as response_frame
from pioneer.survey import instrument, tables

KI = [instrument.load(name) for name in instrument.available()]

WAVES = (2016, 2017, 2018)
PROGRESS = ("joined_up", "costs", "accessible")
OBJECTIVES = ("joined_up", "costs", "greater_say")
INITIATIVES = ("mdt", "shared_it")
SCALE = ("substantial", "some", "none", "dont_know")  # Table V categories
ROLES = ("integration_lead", "director", "clinician")
SETTINGS = settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def _answers(draw, question: str, codes: tuple[str, ...], values: tuple[str, ...]):
    chosen = {code: draw(st.sampled_from((None, *values))) for code in codes}
    if all(v is None for v in chosen.values()):  # everyone answers at least one row
        chosen[codes[0]] = values[0]
    return {f"{question}.{code}": v for code, v in chosen.items() if v is not None}


@st.composite
def response_frames(draw) -> pd.DataFrame:
    rows = []
    seen = set()
    for i in range(draw(st.integers(min_value=3, max_value=14))):
        informant = draw(st.integers(min_value=0, max_value=6))
        wave = WAVES[i % 3] if i < 3 else draw(st.sampled_from(WAVES))  # every wave present
        if (informant, wave) in seen:
            continue
        seen.add((informant, wave))
        answers = {
            **_answers(draw, "progress", PROGRESS, SCALE),
            **_answers(draw, "objectives_top3", OBJECTIVES, ("1", "0")),
            **_answers(draw, "initiatives", INITIATIVES, ("1", "0")),
        }
        role = draw(st.sampled_from((None, *ROLES)))
        if role is not None:
            answers["role"] = role
        person = {
            "respondent_id": f"r{i}",
            "panel_id": f"p{informant}",
            "wave": wave,
            "site": f"s{draw(st.integers(min_value=1, max_value=3))}",
            "org_type": draw(st.sampled_from(response_frame.ORG_TYPES)),
        }
        rows.extend({**person, "item": k, "value": v} for k, v in answers.items())
    return pd.DataFrame(rows)


SITES = pd.DataFrame({"site_id": ["s1", "s2", "s3"], "programme_wave": [1, 2, 2]})


def all_tables(data: pd.DataFrame, **options) -> list[tables.TableResult]:
    return [
        tables.characteristics(data, SITES, instrument=KI, **options),
        tables.presence_matrix(data, wave=2018, sites=SITES, instrument=KI, **options),
        tables.pick_n(data, waves=None, instrument=KI, **options),
        tables.distribution(data, instrument=KI, **options),
        tables.trend(data, "progress", ("substantial", "some"), instrument=KI, **options),
    ]


def frames_of(result: tables.TableResult) -> list[pd.DataFrame]:
    frames = [result.frame]
    if result.bases is not None:
        frames.append(result.bases)
    for extra in ("tests", "per_site"):
        if getattr(result, extra, None) is not None:
            frames.append(getattr(result, extra))
    return frames


@SETTINGS
@given(
    data=response_frames(),
    seed=st.integers(min_value=0, max_value=2**16),
    weights=st.sampled_from(("none", "equal")),
)
def test_row_order_does_not_change_any_table(data, seed, weights):
    shuffled = data.sample(frac=1, random_state=seed).reset_index(drop=True)
    for before, after in zip(
        all_tables(data, threshold=0, site_weights=weights),
        all_tables(shuffled, threshold=0, site_weights=weights),
        strict=True,
    ):
        for left, right in zip(frames_of(before), frames_of(after), strict=True):
            pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=1e-9)
        assert before.notes == after.notes


# Counts of respondents (``options_ticked`` in the presence bases counts options, not people).
COUNT_COLUMNS = (
    "n",
    "base",
    "partial",
    "n_from",
    "base_from",
    "n_to",
    "base_to",
    "only_from",
    "only_to",
)


@SETTINGS
@given(data=response_frames(), threshold=st.integers(min_value=2, max_value=6))
def test_no_small_count_is_ever_shown(data, threshold):
    for result in all_tables(data, threshold=threshold):
        assert result.suppression.threshold == threshold
        for frame in frames_of(result):
            for column in COUNT_COLUMNS:
                if column in frame.columns:
                    shown = frame[column].dropna().astype(int)
                    assert not ((shown >= 1) & (shown < threshold)).any(), (result.name, column)
        # a hidden count takes its percentage and interval with it
        frame = result.frame
        hidden = frame["n"].isna()
        for column in ("percent", "ci_lower", "ci_upper"):
            assert frame.loc[hidden, column].isna().all(), (result.name, column)


@SETTINGS
@given(data=response_frames(), threshold=st.integers(min_value=2, max_value=6))
def test_fieldwork_never_shows_a_small_count(data, threshold):
    people = response_frame.respondents(data)
    mailing = people.rename(columns={"respondent_id": "_"}).drop(columns="_")
    mailing["outcome"] = ["complete", "partial", "no_response"] * (len(mailing) // 3) + [
        "complete"
    ] * (len(mailing) % 3)
    waves = pd.DataFrame({"wave": list(WAVES), "period_label": ["a", "b", "c"]})
    for by in ((), ("site",), ("org_type",)):
        result = tables.fieldwork(mailing, waves, by=by, threshold=threshold)
        for column in ("n", "base", "partial"):
            shown = result.frame[column].dropna().astype(int)
            assert not ((shown >= 1) & (shown < threshold)).any()
