"""The instrument validator: every bad fixture fails naming the file, the item and the fix.

Each ``tests/fixtures/instruments/bad_*.yaml`` breaks one rule of ``good_minimal.yaml``
(the first comment line of each file says which).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pioneer.errors import InstrumentError
from pioneer.survey import instrument

FIXTURES = Path(__file__).parent / "fixtures" / "instruments"

# file, the item the message must name, the problem, the fix
BAD = [
    (
        "bad_repeated_question.yaml",
        "question 'role'",
        "question code 'role' is repeated",
        "Fix: give each question its own code",
    ),
    (
        "bad_repeated_variable.yaml",
        "question 'barriers.other'",
        "variable code 'barriers.other' is repeated (also made by question 'barriers')",
        "Fix: rename the question, row or option",
    ),
    (
        "bad_unknown_scale.yaml",
        "question 'barriers'",
        "unknown scale 'barier' (did you mean 'barrier'?)",
        "Fix: define it under `scales:`",
    ),
    (
        "bad_pick_n_too_large.yaml",
        "question 'aims'",
        "pick_n needs n between 1 and the number of options (3); found n=4",
        "Fix: set `n:` to a whole number from 1 to 3",
    ),
    (
        "bad_pick_n_zero.yaml",
        "question 'aims'",
        "found n=0",
        "Fix: set `n:` to a whole number from 1 to 3",
    ),
    (
        "bad_grid_no_rows.yaml",
        "question 'barriers'",
        "the grid has no rows",
        "Fix: list the items rated on the scale under `rows:`",
    ),
    (
        "bad_choice_no_options.yaml",
        "question 'role'",
        "the single question has no options",
        "Fix: list its answer options under `options:`",
    ),
    (
        "bad_unknown_type.yaml",
        "question 'initiatives'",
        "unknown question type 'checkboxes'",
        "Fix: use one of single, multiple, pick_n, grid, text, attribute",
    ),
    (
        "bad_missing_key.yaml",
        "question 'initiatives'",
        "missing the required key 'source'",
        "Fix: add `source:`",
    ),
    (
        "bad_missing_title.yaml",
        "the instrument",
        "missing the required key 'title'",
        "Fix: add `title:`",
    ),
    (
        "bad_option_code.yaml",
        "question 'initiatives', option 2",
        "option code 'Community-Hubs' is not a valid code",
        "Fix: use lowercase letters, digits and underscores",
    ),
    (
        "bad_option_code_bool.yaml",
        "question 'role', option 2",
        "option code False (read by YAML as a bool) is not a valid code",
        "quote codes YAML would read as numbers or true/false",
    ),
    (
        "bad_wave.yaml",
        ", wave:",
        "wave '2016/17' is not an integer year",
        "Fix: set `wave:` to the survey year",
    ),
    (
        "bad_duplicate_option.yaml",
        "question 'aims', option 'joined_up'",
        "option code 'joined_up' appears twice",
        "Fix: give each option its own code",
    ),
    (
        "bad_empty_wording.yaml",
        "question 'barriers', row 'money'",
        "`label` is empty",
        "set `wording: partial` or `unpublished`",
    ),
    (
        "bad_wording_status.yaml",
        "question 'role'",
        "wording status 'published' is not one of stated, partial, unpublished",
        "Fix: set `wording: stated`",
    ),
    (
        "bad_unknown_key.yaml",
        "question 'org_type'",
        "unknown key 'opitons' (did you mean 'options'?)",
        "Fix: remove it",
    ),
    (
        "bad_yaml_syntax.yaml",
        "not valid YAML at line 4",
        "mapping values are not allowed here",
        "Fix: check the indentation",
    ),
]


def test_good_fixture_loads_every_question_type():
    ins = instrument.load_file(FIXTURES / "good_minimal.yaml")
    assert list(ins.variables()) == [
        "org_type",
        "role",
        "aims.joined_up",
        "aims.costs",
        "aims.access",
        "initiatives.mdt",
        "initiatives.hubs",
        "barriers.money",
        "barriers.unpublished_1",
        "barriers.other",
    ]
    assert {q.type for q in ins.questions} == set(instrument.QUESTION_TYPES)
    # Options and rows inherit the question's wording and source unless they set their own.
    assert ins.variable("aims.joined_up").wording == "partial"
    assert ins.variable("aims.costs").wording == "unpublished"
    assert ins.variable("aims.costs").source == "elsewhere"
    assert ins.variable("aims.access").source == "test fixture"
    assert ins.variable("barriers.money").values == ("very", "not", "dont_know")
    assert ins.question("aims").n == 2


def test_every_bad_fixture_is_checked_and_there_are_at_least_twelve():
    on_disk = {p.name for p in FIXTURES.glob("bad_*.yaml")}
    assert on_disk == {name for name, *_ in BAD}
    assert len(on_disk) >= 12


@pytest.mark.parametrize(("name", "item", "problem", "fix"), BAD, ids=[b[0] for b in BAD])
def test_bad_fixture_message_names_file_item_and_fix(name, item, problem, fix):
    with pytest.raises(InstrumentError) as caught:
        instrument.load_file(FIXTURES / name)
    message = str(caught.value)
    assert message.startswith(str(FIXTURES / name))
    assert item in message
    assert problem in message
    assert fix in message


def test_a_code_that_is_not_text_is_rejected_in_a_grid_scale(tmp_path):
    text = (FIXTURES / "good_minimal.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "numeric_scale.yaml"
    bad.write_text(text.replace("{code: very,", "{code: 1,"), encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"scale 'barrier', option 1: option code 1 \(read"):
        instrument.load_file(bad)


def test_attribute_values_may_be_frame_values_but_not_blank(tmp_path):
    text = (FIXTURES / "good_minimal.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "blank_attribute.yaml"
    bad.write_text(text.replace("{code: CCG,", "{code: ' CCG',"), encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"question 'org_type', option 1: attribute value"):
        instrument.load_file(bad)


def test_a_wave_given_as_true_is_not_a_year(tmp_path):
    text = (FIXTURES / "good_minimal.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bool_wave.yaml"
    bad.write_text(text.replace("wave: 2020", "wave: true"), encoding="utf-8")
    with pytest.raises(InstrumentError, match="wave True is not an integer year"):
        instrument.load_file(bad)


def test_a_dont_know_code_that_repeats_an_option_is_rejected(tmp_path):
    text = (FIXTURES / "good_minimal.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "dont_know_twice.yaml"
    bad.write_text(text.replace("{code: dont_know,", "{code: very,"), encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"scale 'barrier', dont_know: code 'very' is both"):
        instrument.load_file(bad)
