"""The packaged key-informant instruments and the instrument API.

Expected codes, counts and labels are written out here from the item-code contract and
the sources it cites (000_9191d1decfdc3012.txt = Erens et al. 2019; 003_b374c34e765bec6e.txt
= the 2017 slide deck), so that a change to a YAML file has to be made twice to pass.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pioneer.errors import InstrumentError, PioneerError
from pioneer.survey import frame, instrument
from pioneer.survey.instrument import Instrument

WAVES = {"ki2016": 2016, "ki2017": 2017, "ki2018": 2018}

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
# 2016 leads slide (003, 'Progress of programme reported by Pioneer leads, summer 2016'):
# the seven items beyond the eight objectives.
PROGRESS_2016_EXTRA = (
    "independence",
    "carers",
    "awareness",
    "gp_centre",
    "responsiveness",
    "readmissions",
    "staff_satisfaction",
)
# 000 Figure 2 text: 12 barrier items repeated in all years; six are named in the sources.
BARRIERS_ALL_YEARS = (
    "financial_constraints",
    "increased_demand",
    "information_governance",
    "incompatible_it",
    "competing_demands",
    "national_policies",
    *(f"unpublished_{i}" for i in range(1, 7)),
)
# 000 Figure 3 text: nine facilitators; three are named.
FACILITATORS = (
    "i_statements",
    "co_design",
    "voluntary_orgs",
    *(f"unpublished_{i}" for i in range(1, 7)),
)
# 000 Table III note b, initiatives 1-10 in order.
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
# 000 Table II, 'Job title/role' rows in order.
ROLES = {
    "integration_lead": "Pioneer/other local integration lead",
    "chief_executive": "Chief executive",
    "director": "Director/assistant director",
    "locality_manager": "Locality manager",
    "senior_manager": "Other senior manager",
    "clinician": "Health care professional (clinical)",
    "other": "Other (including lay representatives)",
}


@pytest.fixture(scope="module")
def instruments() -> dict[str, Instrument]:
    return {name: instrument.load(name) for name in instrument.available()}


def codes_under(ins: Instrument, prefix: str) -> tuple[str, ...]:
    return tuple(code.split(".", 1)[1] for code in ins.variables() if code.startswith(prefix + "."))


# --- loading -----------------------------------------------------------------------


def test_available_lists_the_three_packaged_waves():
    assert instrument.available() == ("ki2016", "ki2017", "ki2018")


@pytest.mark.parametrize(("name", "wave"), WAVES.items())
def test_each_packaged_instrument_loads_with_its_wave(name, wave):
    ins = instrument.load(name)
    assert (ins.id, ins.wave) == (name, wave)
    assert ins.title
    assert ins.source


def test_load_unknown_name_lists_the_available_ones():
    with pytest.raises(InstrumentError, match=r"'ki2019'.*did you mean.*Fix: use one of ki2016"):
        instrument.load("ki2019")


def test_load_file_missing_names_the_path(tmp_path):
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(InstrumentError, match=r"nowhere\.yaml: cannot read"):
        instrument.load_file(missing)


def test_instrument_errors_are_pioneer_errors():
    assert issubclass(InstrumentError, PioneerError)


def test_objects_are_frozen(instruments):
    ins = instruments["ki2018"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ins.wave = 2019  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ins.variable("role").kind = "text"  # type: ignore[misc]


# --- stability across waves ------------------------------------------------------------


def test_codes_shared_by_waves_have_the_same_kind_values_and_scale(instruments):
    first_seen: dict[str, tuple[str, tuple[str, ...], str | None]] = {}
    shared = 0
    for ins in instruments.values():
        for code, v in ins.variables().items():
            signature = (v.kind, v.values, v.scale)
            if code in first_seen:
                shared += 1
                assert signature == first_seen[code], code
            else:
                first_seen[code] = signature
    # 2016∩2017: 3 about-you + 8 progress + 12 barriers + 9 facilitators + comments = 33;
    # 2018 adds those 33, staff_turnover and the 8 objectives_top3 flags shared with 2017.
    assert shared == 33 + (33 + 1 + 8)
    instrument.check_consistent(instruments.values())


def test_check_consistent_names_a_code_whose_answers_changed(tmp_path):
    fixture = Path(__file__).parent / "fixtures" / "instruments" / "good_minimal.yaml"
    changed = tmp_path / "changed.yaml"
    changed.write_text(
        fixture.read_text(encoding="utf-8")
        .replace("id: mini", "id: mini2")
        .replace("{code: other, label: Other}", "{code: other_role, label: Other}"),
        encoding="utf-8",
    )
    a, b = instrument.load_file(fixture), instrument.load_file(changed)
    with pytest.raises(InstrumentError, match=r"'role' has values .* in mini but .* in mini2"):
        instrument.check_consistent([a, b])


# --- content from the sources ------------------------------------------------------------


def test_barriers_twelve_in_every_wave_and_staff_turnover_from_2017(instruments):
    for name, ins in instruments.items():
        rows = codes_under(ins, "barriers")
        assert set(BARRIERS_ALL_YEARS) <= set(rows), name
        # Figure 2 note: "High staff turnover" was not asked in 2016.
        assert ("staff_turnover" in rows) == (name != "ki2016"), name
        assert len(rows) == (12 if name == "ki2016" else 13)
        assert ins.question("barriers").scale.codes == ("very", "fairly", "not", "dont_know")


def test_nine_facilitators_each_wave(instruments):
    for ins in instruments.values():
        assert codes_under(ins, "facilitators") == FACILITATORS
        assert ins.question("facilitators").scale.codes == (
            "very",
            "fairly",
            "not_very",
            "not_at_all",
            "dont_know",
        )


def test_objectives_top3_is_pick_three_of_eight_in_2017_and_2018_only(instruments):
    assert "objectives_top3" not in {q.code for q in instruments["ki2016"].questions}
    for name in ("ki2017", "ki2018"):
        question = instruments[name].question("objectives_top3")
        assert question.type == "pick_n"
        assert question.n == 3
        assert tuple(o.code for o in question.options) == OBJECTIVES
        v = instruments[name].variable("objectives_top3.costs")
        assert (v.kind, v.values, v.labels) == ("flag", ("1", "0"), frame_flag_labels())
        # Table IV wording (000 lines 167-168, joined over the line break).
        assert v.label == "Reducing, on average, per patient health and social care costs"


def frame_flag_labels() -> dict[str, str]:
    return {frame.SELECTED: "Selected", frame.NOT_SELECTED: "Not selected"}


# The progress rows in the order Table V prints them (000_9191d1decfdc3012.txt lines 199-230).
PROGRESS_TABLE_V_ORDER = (
    "joined_up",
    "quality_of_care",
    "accessible",
    "quality_of_life",
    "greater_say",
    "self_manage",
    "unplanned_admissions",
    "costs",
)


def test_progress_rows_per_wave_use_table_v_wording(instruments):
    assert codes_under(instruments["ki2016"], "progress") == (
        PROGRESS_TABLE_V_ORDER + PROGRESS_2016_EXTRA
    )
    for name in ("ki2017", "ki2018"):
        assert codes_under(instruments[name], "progress") == PROGRESS_TABLE_V_ORDER
    for ins in instruments.values():
        v = ins.variable("progress.unplanned_admissions")
        assert v.label == "Unplanned admissions have reduced"  # 000 Table V
        assert v.values == ("substantial", "some", "none", "dont_know")
        assert v.labels["dont_know"] == "Do not know"  # Table V column heading
        assert v.scale == "progress"


def test_initiatives_ten_in_table_iii_order_in_2018_only(instruments):
    assert codes_under(instruments["ki2018"], "initiatives") == INITIATIVES
    for name in ("ki2016", "ki2017"):
        assert codes_under(instruments[name], "initiatives") == ()
    question = instruments["ki2018"].question("initiatives")
    assert question.type == "multiple"
    assert question.options[-1].label.endswith("(e.g. the Buurtzorg model)")


def test_role_has_the_seven_table_ii_categories(instruments):
    for ins in instruments.values():
        v = ins.variable("role")
        assert ins.question("role").type == "single"
        assert v.kind == "choice"
        assert v.labels == ROLES
        assert v.values == tuple(ROLES)


def test_site_and_org_type_are_attributes_not_items(instruments):
    for ins in instruments.values():
        assert set(ins.attributes()) == {"site", "org_type"}
        assert "site" not in ins.items()
        assert "role" in ins.items()
        site = ins.variable("site")
        assert len(site.values) == 25
        assert {"barnsley", "east_london_welc", "worcestershire"} <= set(site.values)
        assert site.labels["east_london_welc"] == "Waltham Forest, East London and City (WELC)"
        org = ins.variable("org_type")
        assert org.values == frame.ORG_TYPES
        assert org.labels == frame.ORG_TYPE_LABELS


def test_2016_only_items(instruments):
    only_2016 = {
        "policy_helpfulness.new_care_models",
        "policy_helpfulness.bcf",
        "involvement.acute_trusts",
        "involvement.community_trusts",
        "involvement.gps",
        "achievements",
        "challenge",
    }
    assert only_2016 <= set(instruments["ki2016"].variables())
    for name in ("ki2017", "ki2018"):
        assert not only_2016 & set(instruments[name].variables())
    ki2016 = instruments["ki2016"]
    assert ki2016.variable("achievements").kind == "text"
    assert ki2016.variable("policy_helpfulness.bcf").values == (
        "very",
        "fairly",
        "not_very",
        "not_at_all",
        "dont_know",
    )
    assert ki2016.variable("involvement.gps").scale == "involvement"


def test_comments_is_open_text_in_every_wave(instruments):
    for ins in instruments.values():
        v = ins.variable("comments")
        assert (v.kind, v.values, v.labels) == ("text", (), {})


def test_variables_are_in_questionnaire_order(instruments):
    ins = instruments["ki2018"]
    codes = list(ins.variables())
    assert codes[:3] == ["site", "org_type", "role"]
    assert codes[-1] == "comments"
    order = [q.code for s in ins.sections for q in ins.questions if q.section == s.code]
    assert order == [q.code for q in ins.questions]
    assert [c for s in ins.sections for c in s.questions] == order


# --- wording status ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("barriers.unpublished_1", "unpublished"),
        ("facilitators.unpublished_6", "unpublished"),
        ("barriers.competing_demands", "partial"),  # short form in the text (line 268)
        ("barriers.national_policies", "partial"),  # 2016 slide summary only
        ("barriers.financial_constraints", "stated"),  # quoted in full (line 268)
        ("barriers.incompatible_it", "stated"),
        ("facilitators.i_statements", "stated"),
        ("facilitators.voluntary_orgs", "partial"),
        ("progress.joined_up", "stated"),  # Table V
        ("role", "partial"),  # stem written from the Table II heading
        ("comments", "partial"),
    ],
)
def test_wording_status(instruments, code, status):
    assert instruments["ki2017"].variable(code).wording == status


def test_wording_status_of_2016_extras_and_2018_options(instruments):
    assert instruments["ki2016"].variable("progress.carers").wording == "stated"
    assert instruments["ki2016"].variable("involvement.gps").wording == "partial"
    assert instruments["ki2018"].variable("initiatives.community_hubs").wording == "stated"
    assert instruments["ki2018"].variable("objectives_top3.costs").wording == "stated"


def test_unpublished_items_say_so_and_stems_written_here_have_notes(instruments):
    for ins in instruments.values():
        for v in ins.variables().values():
            assert v.source, v.code
            if v.wording == "unpublished":
                assert "(wording not published)" in v.label, v.code
        for q in ins.questions:
            assert "000_" in q.source or "003_" in q.source, q.code
            if q.wording != "stated":
                assert q.note, q.code


# --- lookups and validation --------------------------------------------------------------


def test_variable_lookup_suggests_close_codes(instruments):
    ins = instruments["ki2018"]
    assert ins.variable("barriers.incompatible_it").question == "barriers"
    with pytest.raises(InstrumentError, match=r"ki2018 has no item 'barriers\.incompatible_IT'"):
        ins.variable("barriers.incompatible_IT")
    with pytest.raises(InstrumentError, match=r"did you mean 'barriers\.incompatible_it'"):
        ins.variable("barriers.incompatible_IT")
    with pytest.raises(InstrumentError, match=r"no question 'barrier'.*did you mean 'barriers'"):
        ins.question("barrier")


@pytest.mark.parametrize(
    ("code", "value"),
    [
        ("barriers.incompatible_it", "very"),
        ("barriers.staff_turnover", "dont_know"),
        ("facilitators.co_design", "not_at_all"),
        ("progress.costs", "none"),
        ("objectives_top3.joined_up", "1"),
        ("initiatives.mdt", "0"),
        ("role", "clinician"),
        ("site", "barnsley"),
        ("org_type", "NHS provider"),
        ("comments", "Anything at all, even 'very'."),
    ],
)
def test_validate_value_accepts(instruments, code, value):
    assert instruments["ki2018"].validate_value(code, value) is None


@pytest.mark.parametrize(
    ("code", "value", "fragment"),
    [
        ("barriers.incompatible_it", "Very", "allowed codes are very, fairly, not, dont_know"),
        ("barriers.incompatible_it", "not_very", "is not an answer code"),
        ("progress.costs", "", "is empty"),
        ("objectives_top3.joined_up", "yes", "must be '1' (selected) or '0'"),
        ("initiatives.mdt", "2", "tick box"),
        ("initiatives.mdt", 1, "must be a text code, not int 1"),
        ("site", "Barnsley", "'Barnsley' is not an answer code of 'site'"),
        ("org_type", "nhs provider", "not an answer code"),
        ("barriers.staf_turnover", "very", "did you mean 'barriers.staff_turnover'"),
        ("comments", None, "not NoneType None"),
    ],
)
def test_validate_value_rejects(instruments, code, value, fragment):
    problem = instruments["ki2018"].validate_value(code, value)
    assert problem is not None
    assert fragment in problem


def test_validate_value_against_the_wave(instruments):
    # staff_turnover was not asked in 2016 (Figure 2 note), so it is no item there.
    problem = instruments["ki2016"].validate_value("barriers.staff_turnover", "very")
    assert problem is not None
    assert "not an item of instrument ki2016" in problem


def test_validate_respondent_counts_pick_n_selections(instruments):
    ins = instruments["ki2017"]
    three = {f"objectives_top3.{c}": "1" for c in OBJECTIVES[:3]}
    three |= {f"objectives_top3.{c}": "0" for c in OBJECTIVES[3:]}
    assert ins.validate_respondent(three | {"role": "director"}) == ()
    four = three | {"objectives_top3.costs": "1"}
    (problem,) = ins.validate_respondent(four)
    assert "at most 3 selections, found 4" in problem
    problems = ins.validate_respondent(four | {"role": "boss"})
    assert len(problems) == 2


def test_each_load_returns_fresh_objects():
    # Packaged YAML is parsed once and cached; the objects built from it must not be shared.
    first = instrument.load("ki2017")
    first.variable("role").labels["director"] = "changed by a caller"
    second = instrument.load("ki2017")
    assert second.variable("role").labels["director"] == "Director/assistant director"
    assert second == instrument.load("ki2017")
