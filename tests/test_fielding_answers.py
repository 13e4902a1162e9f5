"""Checking a submitted page; stored answers to the response frame and back."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pioneer.errors import AnalysisError
from pioneer.fielding import answers, pages
from pioneer.survey import frame as response_frame
from pioneer.survey import instrument
from test_fielding_pages import load_tiny

TINY_INSTRUMENT = load_tiny()
QUESTIONNAIRE = pages.questionnaire(TINY_INSTRUMENT, required=["role"])
ABOUT = QUESTIONNAIRE.page("about_you")
WORK = QUESTIONNAIRE.page("work")
CLOSING = QUESTIONNAIRE.page("closing")


# ---------------------------------------------------------------------------
# validate_page: hand-worked cases
# ---------------------------------------------------------------------------


def test_a_clean_work_page():
    form = {
        "tools": ["email", "phone"],
        "aims": ["c"],
        "views.x": ["agree"],
        "views.y": ["dont_know"],
        "csrfmiddlewaretoken": ["ignored"],
    }
    checked = answers.validate_page(WORK, form)
    assert checked.ok
    assert checked.errors == {}
    assert checked.answers == {
        "tools.email": "1",
        "tools.phone": "1",
        "tools.dont_know": "0",
        "aims.a": "0",
        "aims.b": "0",
        "aims.c": "1",
        "views.x": "agree",
        "views.y": "dont_know",
    }


def test_nothing_ticked_is_unanswered():
    checked = answers.validate_page(WORK, {"tools": [], "aims": [""]})
    assert checked == answers.Checked({}, {})


def test_pick_n_exceeded_names_the_question_and_the_limit():
    checked = answers.validate_page(WORK, {"aims": ["a", "b", "c"]})
    assert checked.errors == {
        "aims": "Choose up to 2 options for ‘Pick your two main aims’ – you chose 3"
    }
    assert checked.answers == {}


def test_pick_n_counts_a_repeated_code_once():
    checked = answers.validate_page(WORK, {"aims": ["a", "a", "b"]})
    assert checked.ok
    assert (checked.answers["aims.a"], checked.answers["aims.b"]) == ("1", "1")


def test_pick_one_message_is_singular():
    field = pages.Field(
        code="best",
        type="pick_n",
        label="Best one",
        hint=None,
        required=False,
        choices=(pages.Choice("a", "A"), pages.Choice("b", "B")),
        limit=1,
    )
    page = pages.Page("p", "P", 1, (field,))
    assert answers.validate_page(page, {"best": ["a", "b"]}).errors == {
        "best": "Choose up to 1 option for ‘Best one’ – you chose 2"
    }


def test_dont_know_with_other_ticks():
    checked = answers.validate_page(WORK, {"tools": ["email", "dont_know"]})
    assert checked.errors == {
        "tools": "Choose either ‘Don't know’ or other options for "
        "‘Which tools do you use?’, not both"
    }
    alone = answers.validate_page(WORK, {"tools": ["dont_know"]})
    assert alone.answers == {"tools.email": "0", "tools.phone": "0", "tools.dont_know": "1"}


def test_grid_row_dont_know_with_a_scale_point():
    checked = answers.validate_page(WORK, {"views.x": ["agree", "dont_know"]})
    assert checked.errors == {
        "views.x": "Choose either ‘Don't know’ or an answer for ‘Statement X’, not both"
    }


def test_grid_row_two_scale_points():
    checked = answers.validate_page(WORK, {"views.x": ["agree", "disagree"]})
    assert checked.errors == {"views.x": "Choose only one answer for ‘Statement X’"}


def test_grid_row_unknown_scale_value_only_that_row_fails():
    checked = answers.validate_page(WORK, {"views.x": ["strongly"], "views.y": ["agree"]})
    assert checked.errors == {
        "views.x": "‘strongly’ is not on the scale for ‘Statement X’. Choose from the list"
    }
    assert checked.answers == {"views.y": "agree"}


def test_unknown_option_codes():
    checked = answers.validate_page(WORK, {"tools": ["email", "fax"]})
    assert checked.errors == {
        "tools": "‘fax’ is not one of the options for ‘Which tools do you use?’. "
        "Choose from the list"
    }
    single = answers.validate_page(ABOUT, {"role": ["boss"]})
    assert single.errors == {
        "role": "‘boss’ is not one of the answers to ‘Your role?’. Choose from the list"
    }


def test_a_long_bad_value_is_cut_in_the_message():
    checked = answers.validate_page(ABOUT, {"role": ["x" * 100]})
    assert "‘" + "x" * 39 + "…’" in checked.errors["role"]


def test_single_choice_with_several_values():
    checked = answers.validate_page(ABOUT, {"role": ["lead", "other"]})
    assert checked.errors == {"role": "Choose only one answer for ‘Your role?’"}


def test_single_choice_as_a_plain_string():
    assert answers.validate_page(ABOUT, {"role": "lead"}).answers == {"role": "lead"}


def test_required_questions():
    assert answers.validate_page(ABOUT, {}).errors == {"role": "Choose an answer for ‘Your role?’"}
    strict = pages.questionnaire(TINY_INSTRUMENT, required=["tools", "views", "comments"])
    errors = answers.validate_page(strict.page("work"), {"views.x": ["agree"]}).errors
    assert errors == {
        "tools": "Choose at least one option for ‘Which tools do you use?’",
        "views.y": "Choose an answer for ‘Statement Y’",
    }
    assert answers.validate_page(strict.page("closing"), {"comments": ["  \n "]}).errors == {
        "comments": "Enter an answer for ‘Any comments?’"
    }


# ---------------------------------------------------------------------------
# Open text
# ---------------------------------------------------------------------------


def test_text_is_stored_exactly_as_given():
    text = "  <script>alert('x')</script>\r\n  Ünïcode — and 'quotes'  "
    assert answers.validate_page(CLOSING, {"comments": [text]}).answers == {"comments": text}


def test_white_space_only_is_unanswered():
    assert answers.validate_page(CLOSING, {"comments": [" \r\n\t"]}) == answers.Checked({}, {})


def test_text_length_limit_counts_a_browser_line_break_once():
    limit = pages.MAX_TEXT_LENGTH  # 5000
    at_limit = "a" * (limit - 2) + "\r\n" + "b"  # 4998 + 1 + 1 = 5000 as the respondent sees it
    assert answers.text_length(at_limit) == 5000
    assert answers.validate_page(CLOSING, {"comments": [at_limit]}).ok
    over = "c" * 5210
    assert answers.validate_page(CLOSING, {"comments": [over]}).errors == {
        "comments": "The answer to ‘Any comments?’ must be 5,000 characters or fewer "
        "– you entered 5,210"
    }


def test_text_with_a_null_character_or_two_values():
    assert (
        "null character"
        in answers.validate_page(CLOSING, {"comments": ["a\x00b"]}).errors["comments"]
    )
    assert answers.validate_page(CLOSING, {"comments": ["a", "b"]}).errors == {
        "comments": "Enter one answer for ‘Any comments?’"
    }


# ---------------------------------------------------------------------------
# merge, initial, missing_required
# ---------------------------------------------------------------------------


def test_merge_replaces_the_pages_items_only():
    stored = {"role": "lead", "aims.a": "1", "aims.b": "0", "aims.c": "0", "views.x": "agree"}
    clean = {"views.y": "disagree"}
    assert answers.merge(stored, WORK, clean) == {"role": "lead", "views.y": "disagree"}


def test_initial_shows_stored_answers():
    stored = {"tools.email": "1", "tools.phone": "0", "tools.dont_know": "0", "views.y": "agree"}
    assert answers.initial(WORK, stored) == {
        "tools": ["email"],
        "aims": [],
        "views.x": [],
        "views.y": ["agree"],
    }


def test_missing_required_before_submit():
    strict = pages.questionnaire(TINY_INSTRUMENT, required=["role", "aims", "views", "comments"])
    stored = {"aims.a": "1", "aims.b": "0", "aims.c": "0", "views.x": "agree"}
    assert answers.missing_required(strict, stored) == {
        "role": "Choose an answer for ‘Your role?’",
        "views.y": "Choose an answer for ‘Statement Y’",
        "comments": "Enter an answer for ‘Any comments?’",
    }


# ---------------------------------------------------------------------------
# Stored answers -> response frame -> stored answers
# ---------------------------------------------------------------------------

STORED = {
    "role": "lead",
    "tools.email": "1",
    "tools.phone": "0",
    "tools.dont_know": "0",
    "views.y": "dont_know",
    "comments": "Line one\r\nline two",
}


def test_to_frame_rows_by_hand():
    person = answers.Respondent("r-1", "ki-1", "leeds", "LA", STORED)
    frame = answers.to_frame(TINY_INSTRUMENT, [person])
    assert list(frame.columns) == list(response_frame.COLUMNS)
    assert frame["item"].tolist() == [
        "role",
        "tools.email",
        "tools.phone",
        "tools.dont_know",
        "views.y",
        "comments",
    ]
    assert frame["value"].tolist() == ["lead", "1", "0", "0", "dont_know", "Line one\r\nline two"]
    assert set(frame["wave"]) == {2019}
    assert set(frame["site"]) == {"leeds"}
    assert set(frame["org_type"]) == {"LA"}
    assert set(frame["panel_id"]) == {"ki-1"}
    pd.testing.assert_frame_equal(frame, response_frame.normalise(frame))


def test_a_wave_can_reuse_an_earlier_instrument():
    person = answers.Respondent("r-1", "ki-1", "leeds", "LA", {"role": "lead"})
    assert answers.to_frame(TINY_INSTRUMENT, [person], wave=2020)["wave"].tolist() == [2020]
    with pytest.raises(AnalysisError, match="survey year"):
        answers.to_frame(TINY_INSTRUMENT, [person], wave="2020")


def test_attribute_answers_are_not_items():
    person = answers.Respondent("r-1", "ki-1", "leeds", "CCG", {"org_type": "LA", "role": "lead"})
    frame = answers.to_frame(TINY_INSTRUMENT, [person])
    assert frame["item"].tolist() == ["role"]
    assert frame["org_type"].tolist() == ["CCG"]


def test_to_frame_checks():
    good = answers.Respondent("r-1", None, "leeds", "LA", STORED)
    with pytest.raises(AnalysisError, match="'r-1' appears twice"):
        answers.to_frame(TINY_INSTRUMENT, [good, good])
    with pytest.raises(AnalysisError, match="organisation type 'Trust'"):
        answers.to_frame(TINY_INSTRUMENT, [answers.Respondent("r-2", None, "leeds", "Trust", {})])
    with pytest.raises(AnalysisError, match="at most 2 selections"):
        answers.to_frame(
            TINY_INSTRUMENT,
            [
                answers.Respondent(
                    "r-3", None, "leeds", "LA", {"aims.a": "1", "aims.b": "1", "aims.c": "1"}
                )
            ],
        )
    with pytest.raises(AnalysisError, match="not an item"):
        answers.to_frame(
            TINY_INSTRUMENT, [answers.Respondent("r-4", None, "leeds", "LA", {"x": "1"})]
        )
    with pytest.raises(AnalysisError, match="non-empty"):
        answers.to_frame(TINY_INSTRUMENT, [answers.Respondent("", None, "leeds", "LA", {})])


def test_from_frame_reads_one_respondent_back():
    people = [
        answers.Respondent("r-1", "ki-1", "leeds", "LA", STORED),
        answers.Respondent("r-2", "ki-2", "kent", "CCG", {"role": "other"}),
    ]
    frame = answers.to_frame(TINY_INSTRUMENT, people)
    assert answers.from_frame(frame, "r-1") == STORED
    assert answers.from_frame(frame, "r-2") == {"role": "other"}
    assert answers.from_frame(frame, "r-9") == {}
    doubled = pd.concat([frame, frame.iloc[:1]])
    with pytest.raises(AnalysisError, match="'role' twice"):
        answers.from_frame(doubled, "r-1")


def test_a_packaged_instrument_round_trips():
    ki = instrument.load("ki2018")
    q = pages.questionnaire(ki)
    form = {
        "role": ["director"],
        "initiatives": ["mdt", "shared_records"],
        "objectives_top3": ["joined_up", "costs", "accessible"],
        "barriers.incompatible_it": ["very"],
        "barriers.staff_turnover": ["dont_know"],
        "comments": ["All fine."],
    }
    stored: dict[str, str] = {}
    for page in q.pages:
        checked = answers.validate_page(page, form)
        assert checked.ok, checked.errors
        stored = answers.merge(stored, page, checked.answers)
    # 1 role + 10 initiatives + 8 objectives + 2 barrier rows + 1 comment
    assert len(stored) == 22
    frame = answers.to_frame(ki, [answers.Respondent("r", "ki-x", "barnsley", "CCG", stored)])
    assert len(frame) == 22
    assert answers.from_frame(frame, "r") == stored
    for page in q.pages:
        assert answers.validate_page(page, answers.initial(page, stored)).answers == {
            k: v for k, v in stored.items() if k in page.items()
        }


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------

FIELD_NAMES = [name for page in QUESTIONNAIRE.pages for f in page.fields for name in f.names]
ANY_VALUE = st.one_of(
    st.sampled_from(["lead", "other", "email", "phone", "dont_know", "a", "b", "c", "agree"]),
    st.text(max_size=8),
)
FORMS = st.dictionaries(
    st.sampled_from(FIELD_NAMES), st.lists(ANY_VALUE, max_size=4), max_size=len(FIELD_NAMES)
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FORMS)
def test_validation_never_accepts_an_unknown_code(form):
    for page in QUESTIONNAIRE.pages:
        checked = answers.validate_page(page, form)
        for item, value in checked.answers.items():
            assert TINY_INSTRUMENT.validate_value(item, value) is None
        assert not TINY_INSTRUMENT.validate_respondent(checked.answers)
        for field in page.fields:
            if field.type in ("single", "multiple", "pick_n"):
                codes = {v for v in form.get(field.code, []) if v}
                if codes - set(field.codes):
                    assert field.code in checked.errors
        assert set(checked.errors) <= set(FIELD_NAMES)


@settings(max_examples=80, deadline=None)
@given(FORMS)
def test_answers_round_trip_through_the_form_and_the_frame(form):
    stored: dict[str, str] = {}
    for page in pages.questionnaire(TINY_INSTRUMENT).pages:  # nothing required
        checked = answers.validate_page(page, form)
        stored = answers.merge(stored, page, checked.answers)
        again = answers.validate_page(page, answers.initial(page, checked.answers))
        assert again == answers.Checked(checked.answers, {})
    frame = answers.to_frame(
        TINY_INSTRUMENT, [answers.Respondent("r", "p", "leeds", "CCG", stored)]
    )
    assert answers.from_frame(frame, "r") == stored
    flags = frame[frame["item"].str.startswith(("tools.", "aims."))]
    assert set(flags["value"]) <= {"1", "0"}
