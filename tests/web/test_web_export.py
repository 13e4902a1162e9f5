"""Fielded answers as the response frame: submitted questionnaires only, pseudonymous ids
only, and the survey tables run on it with no export step."""

from __future__ import annotations

import pandas as pd
import pytest
from django.test import Client
from django.urls import reverse

from pioneer.errors import AnalysisError
from pioneer.survey import frame as response_frame
from pioneer.survey import instrument, tables
from pioneer.web.fielding import invitations
from pioneer.web.fielding.answers_store import QuestionnaireResponse
from pioneer.web.fielding.contacts import import_contacts
from pioneer.web.fielding.export import fielded_responses
from pioneer.web.fielding.models import Contact

CONTACTS = (
    "site,name,email,organisation,organisation_type,role\n"
    "barnsley,Ann Able,ann@example.org,Barnsley CCG,CCG,Head of Integration\n"
    "leeds,Bea Bright,bea@example.org,Leeds City Council,LA,Assistant Director Adults\n"
    "barnsley,Cal Crisp,cal@example.org,Barnsley Hospital,NHS provider,Ward Sister\n"
)
#: What each person posts, page by page; Ann and Bea submit, Cal stops after saving.
ANSWERS = {
    "ann@example.org": {
        "about_you": {"role": "director"},
        "objectives": {"objectives_top3": ["joined_up", "costs"]},
        "progress": {"progress.joined_up": "substantial", "progress.costs": "some"},
        "closing": {"comments": "Ann's comment\r\nsecond line "},
    },
    "bea@example.org": {
        "about_you": {"role": "clinician"},
        "progress": {"progress.joined_up": "dont_know"},
    },
    "cal@example.org": {"progress": {"progress.joined_up": "none"}},
}


def _answer(email, token, *, submit):
    client = Client()
    client.post(reverse("fielding:respond_start", kwargs={"token": token}))
    for page, data in ANSWERS[email].items():
        url = reverse("fielding:respond_page", kwargs={"page": page})
        assert client.post(url, {**data, "action": "continue"}).status_code == 302
    if submit:
        assert client.post(reverse("fielding:respond_check")).status_code == 302


@pytest.fixture
def fielded(sites, waves):
    import_contacts(waves[2019], CONTACTS.encode(), label="contacts.csv")
    for email in ANSWERS:
        _, token = invitations.issue(Contact.objects.get(email=email))
        _answer(email, token, submit=email != "cal@example.org")
    return {c.email: c for c in Contact.objects.select_related("panel_member", "site")}


def test_the_frame_holds_the_submitted_questionnaires_only(fielded):
    frame = fielded_responses(2019)
    assert list(frame.columns) == list(response_frame.COLUMNS)
    pd.testing.assert_frame_equal(frame, response_frame.normalise(frame))
    ann, bea = fielded["ann@example.org"], fielded["bea@example.org"]
    ids = {
        QuestionnaireResponse.objects.get(invitation__contact=c).respondent_id: c
        for c in (ann, bea)
    }
    people = frame.drop_duplicates("respondent_id").set_index("respondent_id")
    assert set(people.index) == set(ids)
    for respondent_id, contact in ids.items():
        assert people.loc[respondent_id, "panel_id"] == contact.panel_member.panel_id
        assert people.loc[respondent_id, "site"] == contact.site.site_id
        assert people.loc[respondent_id, "org_type"] == contact.org_type
    assert set(frame["wave"]) == {2019}
    # Ann: role, 8 pick-N options stored 1/0, two grid rows, the comment = 12 rows; Bea: 2
    counts = frame.groupby("respondent_id").size()
    ann_id = next(r for r, c in ids.items() if c == ann)
    assert counts.to_dict() == {ann_id: 12, next(r for r in ids if r != ann_id): 2}
    mine = frame[frame["respondent_id"] == ann_id].set_index("item")["value"]
    assert mine["objectives_top3.joined_up"] == mine["objectives_top3.costs"] == "1"
    assert mine["objectives_top3.accessible"] == "0"
    assert mine["comments"] == "Ann's comment\r\nsecond line "  # exactly as typed
    assert fielded["cal@example.org"].panel_member.panel_id not in set(frame["panel_id"])


def test_no_contact_details_reach_the_frame(fielded):
    frame = fielded_responses(2019)
    text = frame.astype(str).to_csv()
    for contact in fielded.values():
        for detail in (contact.name, contact.email, contact.organisation, contact.role):
            assert detail not in text
    assert "example.org" not in text


def test_the_survey_tables_run_on_fielded_data(fielded):
    """Table V on the fielded 2019 wave, counted by hand from ANSWERS.

    Base: the respondents who answered at least one progress row, Ann and Bea (Cal did not
    submit) = 2. joined_up: Ann substantial, Bea don't know -> 1/2 = 50% each. costs: Ann
    some -> 50%; Bea skipped the row -> not answered 50%.
    """
    result = tables.distribution(
        fielded_responses(2019),
        "progress",
        waves=[2019],
        instrument=instrument.load("ki2018"),
        threshold=0,
    )
    cells = result.frame.set_index(["item", "category"])
    expected = {
        ("progress.joined_up", "substantial"): (1, 50.0),
        ("progress.joined_up", "dont_know"): (1, 50.0),
        ("progress.joined_up", "none"): (0, 0.0),
        ("progress.costs", "some"): (1, 50.0),
        ("progress.costs", "not_answered"): (1, 50.0),
    }
    for key, (n, percent) in expected.items():
        assert (cells.loc[key, "n"], cells.loc[key, "percent"], cells.loc[key, "base"]) == (
            n,
            percent,
            2,
        )


def test_a_wave_with_nothing_submitted_gives_an_empty_frame(sites, waves):
    frame = fielded_responses(2018)
    assert frame.empty
    assert list(frame.columns) == list(response_frame.COLUMNS)


def test_an_unknown_wave_is_named(waves):
    with pytest.raises(AnalysisError, match=r"there is no 2031 survey wave.*2018, 2019"):
        fielded_responses(2031)
