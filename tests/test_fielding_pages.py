"""Questionnaire pages from an instrument, and the check-your-answers summary."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

from pioneer.errors import InstrumentError
from pioneer.fielding import pages
from pioneer.survey import instrument
from pioneer.survey.instrument import Instrument, Section

# Every question type, a tick-all with an exclusive "don't know" option, a scale with one.
TINY = """
id: tiny
wave: 2019
title: Tiny survey
source: written for the fielding tests
scales:
  agree:
    label: Agreement
    options:
      - {code: agree, label: Agree}
      - {code: disagree, label: Disagree}
    dont_know: {code: dont_know, label: "Don't know"}
sections:
  - code: about_you
    title: About you
    questions:
      - {code: org_type, type: attribute, text: "Organisation type?", wording: partial,
         source: t, options: [{code: CCG, label: CCG}, {code: LA, label: Local authority}]}
      - {code: role, type: single, text: "Your role?", wording: partial, source: t,
         options: [{code: lead, label: Lead}, {code: other, label: Other}]}
  - code: work
    title: Your work
    questions:
      - {code: tools, type: multiple, text: "Which tools do you use?", wording: partial,
         source: t, options: [{code: email, label: E-mail}, {code: phone, label: Phone},
         {code: dont_know, label: "Don't know"}]}
      - {code: aims, type: pick_n, n: 2, text: "Pick your two main aims", wording: partial,
         source: t, options: [{code: a, label: Aim A}, {code: b, label: Aim B},
         {code: c, label: Aim C}]}
      - {code: views, type: grid, scale: agree, text: "Do you agree?", wording: partial,
         source: t, rows: [{code: x, label: Statement X}, {code: y, label: Statement Y}]}
  - code: closing
    title: Comments
    questions:
      - {code: comments, type: text, text: "Any comments?", wording: partial, source: t}
"""


def load_tiny() -> Instrument:
    """The tiny instrument, loaded through the public loader from a temporary file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tiny.yaml"
        path.write_text(TINY, encoding="utf-8")
        return instrument.load_file(path)


@pytest.fixture
def tiny() -> Instrument:
    return load_tiny()


def test_one_page_per_section_attributes_left_off(tiny):
    q = pages.questionnaire(tiny)
    assert [p.code for p in q.pages] == ["about_you", "work", "closing"]
    assert [p.number for p in q.pages] == [1, 2, 3]
    assert [f.code for f in q.page("about_you").fields] == ["role"]
    assert (q.instrument, q.wave, q.title) == ("tiny", 2019, "Tiny survey")


def test_attributes_asked_when_wanted_and_then_required(tiny):
    q = pages.questionnaire(tiny, ask_attributes=True)
    org = q.page("about_you").field("org_type")
    assert org.widget == "radios"
    assert org.required is True
    assert org.codes == ("CCG", "LA")


def test_a_section_of_attributes_only_is_dropped(tiny):
    split = Instrument(
        id=tiny.id,
        wave=tiny.wave,
        title=tiny.title,
        source=tiny.source,
        sections=(Section("who", "Who", ("org_type",)), *tiny.sections[1:]),
        questions=tuple(q for q in tiny.questions if q.code != "role"),
        scales=tiny.scales,
    )
    q = pages.questionnaire(split)
    assert [(p.code, p.number) for p in q.pages] == [("work", 1), ("closing", 2)]
    asked = pages.questionnaire(split, ask_attributes=True)
    assert [p.code for p in asked.pages] == ["who", "work", "closing"]


def test_field_specs_of_every_type(tiny):
    q = pages.questionnaire(tiny, required=["role", "views"])
    role = q.page("about_you").field("role")
    assert (role.widget, role.required, role.hint, role.codes) == (
        "radios",
        True,
        None,
        ("lead", "other"),
    )
    tools = q.page("work").field("tools")
    assert tools.widget == "checkboxes"
    assert tools.required is False
    assert [c.code for c in tools.choices] == ["email", "phone"]
    assert tools.dont_know == pages.Choice("dont_know", "Don't know")
    assert tools.hint == "Choose all that apply."
    assert tools.items() == ("tools.email", "tools.phone", "tools.dont_know")
    aims = q.page("work").field("aims")
    assert (aims.limit, aims.hint, aims.dont_know) == (2, "Choose up to 2.", None)
    views = q.page("work").field("views")
    assert views.widget == "grid"
    assert views.required is True
    assert [c.label for c in views.choices] == ["Agree", "Disagree"]
    assert views.dont_know == pages.Choice("dont_know", "Don't know")
    assert views.names == ("views.x", "views.y")
    assert views.rows[1] == pages.Row("views.y", "y", "Statement Y")
    comments = q.page("closing").field("comments")
    assert comments.widget == "textarea"
    assert comments.max_length == pages.MAX_TEXT_LENGTH
    assert comments.hint == "You can enter up to 5,000 characters."


def test_items_of_a_page_are_the_instruments_variables(tiny):
    q = pages.questionnaire(tiny)
    # every stored item is a variable of the instrument, and every non-attribute one is asked
    assert set(q.items()) == set(tiny.items())


def test_packaged_instruments_give_every_item_a_field():
    for name in instrument.available():
        ins = instrument.load(name)
        q = pages.questionnaire(ins)
        assert set(q.items()) == set(ins.items()), name
        assert len(q.pages) >= 1


def test_ki2018_objectives_is_a_pick_three():
    q = pages.questionnaire(instrument.load("ki2018"))
    field = q.page("objectives").field("objectives_top3")
    assert field.limit == 3  # Table IV: the three most important objectives
    assert len(field.choices) == 8


def test_next_and_previous(tiny):
    q = pages.questionnaire(tiny)
    assert q.next("about_you").code == "work"
    assert q.next("closing") is None
    assert q.previous("work").code == "about_you"
    assert q.previous("about_you") is None


def test_unknown_page_and_required_code_are_named(tiny):
    q = pages.questionnaire(tiny)
    with pytest.raises(InstrumentError, match=r"no page 'nope'.*about_you, work, closing"):
        q.page("nope")
    with pytest.raises(InstrumentError, match="page 'work' has no question 'role'"):
        q.page("work").field("role")
    with pytest.raises(InstrumentError, match=r"\['rolee'\]"):
        pages.questionnaire(tiny, required=["rolee"])
    with pytest.raises(ValueError, match="max_text_length"):
        pages.questionnaire(tiny, max_text_length=0)


def test_no_sections_groups_by_question_section(tiny):
    bare = Instrument(
        id=tiny.id,
        wave=tiny.wave,
        title=tiny.title,
        source=tiny.source,
        sections=(),
        questions=tiny.questions,
        scales=tiny.scales,
    )
    q = pages.questionnaire(bare)
    assert [(p.code, p.title) for p in q.pages] == [
        ("about_you", "About you"),
        ("work", "Work"),
        ("closing", "Closing"),
    ]


def test_a_question_code_equal_to_a_grid_rows_name_is_refused(tiny):
    grid = tiny.question("views")
    clash = replace(tiny.question("comments"), code="views.x", section="closing")
    bad = Instrument(
        id=tiny.id,
        wave=tiny.wave,
        title=tiny.title,
        source=tiny.source,
        sections=(Section("work", "Work", ("views",)), Section("closing", "C", ("views.x",))),
        questions=(grid, clash),
        scales=tiny.scales,
    )
    with pytest.raises(InstrumentError, match=r"\['views.x'\] would be used by two questions"):
        pages.questionnaire(bad)


def test_shorten_cuts_at_a_word():
    assert pages.shorten("short") == "short"
    assert pages.shorten("one two three four", limit=10) == "one two…"
    assert pages.shorten("a  b\n c") == "a b c"


def test_summary_labels_every_answer(tiny):
    q = pages.questionnaire(tiny)
    answers = {
        "role": "lead",
        "tools.email": "1",
        "tools.phone": "0",
        "tools.dont_know": "0",
        "views.y": "dont_know",
        "comments": "<b>fine</b>\r\nthanks",
    }
    about, work, closing = pages.summary(q, answers)
    assert about.rows[0].answers == ("Lead",)
    tools, aims, x, y = work.rows
    assert (tools.answers, tools.answered) == (("E-mail",), True)
    assert (aims.answers, aims.answered) == ((), False)
    assert (x.name, x.item, x.answered) == ("views.x", "Statement X", False)
    assert (y.question, y.item, y.answers) == ("Do you agree?", "Statement Y", ("Don't know",))
    # open text comes back exactly as stored; the template escapes it
    assert closing.rows[0].answers == ("<b>fine</b>\r\nthanks",)


def test_summary_all_unticked_is_answered_with_nothing(tiny):
    q = pages.questionnaire(tiny)
    zeros = {"aims.a": "0", "aims.b": "0", "aims.c": "0"}
    aims = pages.summary(q, zeros)[1].rows[1]
    assert (aims.answers, aims.answered) == ((), True)
