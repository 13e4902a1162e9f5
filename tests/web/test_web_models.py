"""The store: registry load, waves, contacts' constraints, invitations, management commands,
and (under PIONEER_TEST_POSTGRES=1) proof that the database really is PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from pioneer import programme
from pioneer.fielding import tokens
from pioneer.web.fielding import invitations
from pioneer.web.fielding.models import (
    Contact,
    Invitation,
    InvitationLink,
    PanelMember,
    SurveyWave,
)
from pioneer.web.programme.models import Organisation, Site
from pioneer.web.programme.registry import load_registry


def test_the_database_is_the_one_asked_for(db):
    expected = "postgresql" if os.environ.get("PIONEER_TEST_POSTGRES") == "1" else "sqlite"
    assert connection.vendor == expected


def test_the_registry_is_loaded_and_a_second_load_changes_nothing(db):
    registry = programme.load("pioneers")
    first = load_registry("pioneers")
    distinct = registry.organisations.drop_duplicates(["site_id", "name", "organisation_type"])
    assert (first.sites_created, first.organisations_created) == (25, len(distinct))
    assert Site.objects.count() == 25
    assert Site.objects.get(site_id="barnsley").programme_wave == 1
    assert Organisation.objects.filter(site__site_id="barnsley", name="Barnsley CCG").exists()
    again = load_registry("pioneers")
    assert (again.sites_created, again.sites_updated, again.organisations_created) == (0, 25, 0)
    assert Organisation.objects.count() == len(distinct)


def test_the_load_registry_command(db, capsys):
    call_command("load_registry")
    assert "pioneers: 25 sites created" in capsys.readouterr().out
    with pytest.raises(CommandError, match="RegistryError"):
        call_command("load_registry", "atlantis")


def test_a_wave_cannot_close_before_it_opens(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyWave.objects.create(
            year=2020, instrument_id="ki2018", opens=dt.date(2020, 9, 1), closes=dt.date(2020, 8, 1)
        )


def test_a_wave_year_is_unique(waves):
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyWave.objects.create(
            year=2019, instrument_id="ki2018", opens=dt.date(2019, 1, 1), closes=dt.date(2019, 2, 1)
        )


@pytest.fixture
def contact(sites, waves):
    return Contact.objects.create(
        wave=waves[2019],
        site=sites["A"],
        panel_member=PanelMember.objects.create(),
        name="Ann Able",
        email="ann@example.org",
        organisation="Barnsley CCG",
        org_type="CCG",
    )


def test_an_address_appears_once_per_wave(contact, sites):
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(
            wave=contact.wave,
            site=sites["B"],
            panel_member=PanelMember.objects.create(),
            name="Ann again",
            email="ann@example.org",
            organisation="Leeds CCG",
            org_type="CCG",
        )


def test_a_person_appears_once_per_wave(contact):
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(
            wave=contact.wave,
            site=contact.site,
            panel_member=contact.panel_member,
            name="Ann Able",
            email="ann.other@example.org",
            organisation="Barnsley CCG",
            org_type="CCG",
        )


def test_a_contacts_text_form_carries_no_personal_data(contact):
    assert "Ann" not in str(contact)
    assert "example.org" not in str(contact)


def test_an_invitation_keeps_only_the_tokens_hash(contact):
    invitation, token = invitations.issue(contact)
    assert tokens.is_well_formed(token)
    stored = [
        *Invitation.objects.filter(pk=invitation.pk).values(),
        *InvitationLink.objects.values(),
    ]
    assert token not in {str(v) for row in stored for v in row.values()}
    assert InvitationLink.objects.get().token_hash == tokens.hash_token(token)
    assert stored[0]["status"] == "invited"
    assert invitations.find(token) == invitation


def test_every_link_sent_keeps_working(contact):
    invitation, first = invitations.issue(contact)
    second = invitations.new_link(invitation)
    assert first != second
    assert invitations.find(first) == invitation
    assert invitations.find(second) == invitation
    assert invitation.links.count() == 2


def test_an_unknown_or_malformed_token_finds_nothing(contact):
    invitations.issue(contact)
    assert invitations.find(tokens.new_token()[0]) is None
    assert invitations.find("short") is None
    assert invitations.find("x" * 5000) is None


def test_a_contact_has_one_invitation(contact):
    invitations.issue(contact)
    with pytest.raises(IntegrityError), transaction.atomic():
        invitations.issue(contact)


def test_invitation_status_labels(contact):
    invitation, _ = invitations.issue(contact)
    invitation.status, invitation.reminders_sent = Invitation.Status.REMINDED, 2
    assert invitation.status_label == "Reminded 2×"
    invitation.status = Invitation.Status.OPTED_OUT
    assert invitation.status_label == "Opted out"


def test_the_contacts_command_imports_and_carries_forward(sites, waves, tmp_path, capsys):
    people = tmp_path / "people.csv"
    people.write_text(
        "site,name,email,organisation,organisation_type,role\n"
        "barnsley,Ann,ann@example.org,X,CCG,\nleeds,Bea,bea@example.org,Y,LA,\n",
        encoding="utf-8",
    )
    leaving = tmp_path / "leaving.csv"
    leaving.write_text("email\nbea@example.org\n", encoding="utf-8")
    call_command("contacts", "import", "2018", str(people))
    call_command("contacts", "carry-forward", "2018", "2019", "--remove", str(leaving))
    out = capsys.readouterr().out
    assert "2 contacts added to the 2018 wave (0 from earlier waves)" in out
    assert "1 contacts carried from 2018 to 2019, 1 removed, 0 added" in out
    with pytest.raises(
        CommandError,
        match=r"(?s)DataFileError: .*people.csv: 2 problems, nothing was imported:\n"
        r"  - row 2, .*already on the 2018.*\n  - row 3, .*already on the 2018",
    ):
        call_command("contacts", "import", "2018", str(people))
    with pytest.raises(CommandError, match="there is no 2030 wave; the waves are: 2018, 2019"):
        call_command("contacts", "import", "2030", str(people))


def test_a_wave_names_a_packaged_instrument(waves):
    from django.core.exceptions import ValidationError

    wave = SurveyWave(year=2020, instrument_id="ki2099", opens=dt.date(2020, 9, 1))
    wave.closes = dt.date(2020, 8, 1)
    with pytest.raises(ValidationError) as caught:
        wave.full_clean()
    assert "There is no instrument 'ki2099'; use one of ki2016, ki2017, ki2018." in str(
        caught.value
    )
    assert "close on or after" in str(caught.value)
    assert waves[2019].load_instrument().id == "ki2018"
