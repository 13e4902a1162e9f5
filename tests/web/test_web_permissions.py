"""The permission policy: every role x permission x own/other site, and the scoper."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from pioneer.web.accounts.models import Membership
from pioneer.web.accounts.permissions import (
    PERMISSIONS,
    Permission,
    has_permission,
    permitted_sites,
    scope,
)
from pioneer.web.fielding.models import Contact, PanelMember
from pioneer.web.programme.models import Organisation, Site

# The policy written out by hand (docs/web.md, "Roles"), independent of the ROLES table:
# for each permission, (programme admin, researcher, site lead on own site, transcript
# reader on own site).
EXPECTED = {
    "site.view": (True, True, True, False),
    "wave.view": (True, True, True, False),
    "wave.manage": (True, False, False, False),
    "contacts.view": (True, True, True, False),
    "contacts.import": (True, True, True, False),
    "contacts.carry_forward": (True, True, False, False),
    "invitations.send": (True, True, False, False),
    "monitor.view": (True, True, True, False),
    "responses.export": (True, True, False, False),
    "audit.view": (True, False, False, False),
    "admin.access": (True, False, False, False),
    "qual.frame.view": (True, True, True, True),
    "qual.matrix.view": (True, True, True, True),
    "transcripts.view": (True, True, False, True),
    "transcripts.code": (True, True, False, False),
}
ROLE_COLUMN = {"programme_admin": 0, "researcher": 1, "site_lead": 2, "transcript_reader": 3}
SITE_ROLES = ("site_lead", "transcript_reader")


@pytest.fixture
def all_roles(users, sites, make_user):
    """One user per role: the conftest's, plus a transcript reader of site A."""
    return {**users, "transcript_reader": make_user("reader_a", "transcript_reader", sites["A"])}


def test_the_expected_table_covers_every_permission():
    assert set(EXPECTED) == PERMISSIONS


@pytest.mark.parametrize("permission", sorted(EXPECTED))
@pytest.mark.parametrize("role", sorted(ROLE_COLUMN))
def test_permission_matrix(all_roles, sites, role, permission):
    user = all_roles[role]
    allowed = EXPECTED[permission][ROLE_COLUMN[role]]
    programme_wide = role not in SITE_ROLES
    assert has_permission(user, permission, sites["A"]) is allowed  # own site
    assert has_permission(user, permission, sites["B"]) is (allowed and programme_wide)
    assert has_permission(user, permission) is (allowed and programme_wide)
    assert has_permission(user, permission, sites["B"].pk) is (allowed and programme_wide)


@pytest.mark.parametrize("permission", sorted(EXPECTED))
def test_a_user_without_roles_holds_nothing(users, sites, permission):
    assert not has_permission(users["nobody"], permission, sites["A"])
    assert not has_permission(users["nobody"], permission)


def test_anonymous_and_inactive_users_hold_nothing(users, sites):
    from django.contrib.auth.models import AnonymousUser

    admin = users["programme_admin"]
    admin.is_active = False
    assert not has_permission(admin, Permission.SITE_VIEW, sites["A"])
    assert not has_permission(AnonymousUser(), Permission.SITE_VIEW, sites["A"])
    assert not has_permission(None, Permission.SITE_VIEW)


def test_an_unknown_permission_is_a_programming_error(users):
    with pytest.raises(ValueError, match=r"unknown permission 'contacts\.delete'"):
        has_permission(users["programme_admin"], "contacts.delete")
    with pytest.raises(ValueError, match="unknown permission"):
        scope(Site.objects.all(), users["programme_admin"], "site.edit")


def test_a_lead_of_two_sites_has_both_and_no_other(sites, make_user):
    lead = make_user("lead_ac", "site_lead", sites["A"], sites["C"])
    assert has_permission(lead, Permission.CONTACTS_VIEW, sites["A"])
    assert has_permission(lead, Permission.CONTACTS_VIEW, sites["C"])
    assert not has_permission(lead, Permission.CONTACTS_VIEW, sites["B"])
    assert set(permitted_sites(lead, Permission.CONTACTS_VIEW)) == {sites["A"], sites["C"]}


def test_roles_combine(sites, make_user):
    user = make_user("both", "site_lead", sites["A"])
    Membership.objects.create(user=user, role="researcher")
    user = type(user).objects.get(pk=user.pk)
    assert has_permission(user, Permission.RESPONSES_EXPORT, sites["B"])
    assert not has_permission(user, Permission.ADMIN_ACCESS)


# --- the scoper -----------------------------------------------------------------------------


@pytest.fixture
def rows(sites, waves):
    wave = waves[2019]
    for key, site in sites.items():
        Organisation.objects.create(site=site, name=f"{key} CCG", organisation_type="ccg")
        Contact.objects.create(
            wave=wave,
            site=site,
            panel_member=PanelMember.objects.create(),
            name=f"Person {key}",
            email=f"person.{key.lower()}@example.org",
            organisation=f"{key} CCG",
            org_type="CCG",
        )


@pytest.mark.parametrize(
    ("model", "label"),
    [(Site, "name"), (Organisation, "name"), (Contact, "name")],
)
def test_scope_gives_a_site_lead_their_sites_rows_only(users, sites, rows, model, label):
    lead_rows = scope(model.objects.all(), users["site_lead"], Permission.CONTACTS_VIEW)
    assert [getattr(r, label) for r in lead_rows] == [
        getattr(r, label) for r in model.objects.all() if _site_of(r) == sites["A"]
    ]
    assert lead_rows.count() == 1


@pytest.mark.parametrize("role", ["programme_admin", "researcher"])
def test_scope_gives_programme_roles_every_row(users, rows, role):
    assert scope(Contact.objects.all(), users[role], Permission.CONTACTS_VIEW).count() == 3


def test_scope_gives_nothing_without_the_permission(users, rows):
    assert not scope(Contact.objects.all(), users["site_lead"], Permission.AUDIT_VIEW).exists()
    assert not scope(Contact.objects.all(), users["nobody"], Permission.CONTACTS_VIEW).exists()


def test_scope_refuses_a_model_without_a_site_path(users):
    with pytest.raises(TypeError, match="PanelMember has no site_path"):
        scope(PanelMember.objects.all(), users["programme_admin"], Permission.CONTACTS_VIEW)


def _site_of(row):
    return row if isinstance(row, Site) else row.site


# --- the membership table -------------------------------------------------------------------


def test_a_site_lead_membership_needs_a_site(users):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=users["nobody"], role="site_lead")


def test_a_transcript_reader_membership_needs_a_site(users):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=users["nobody"], role="transcript_reader")


def test_a_granted_site_lead_reads_their_sites_transcripts_and_still_codes_none(users, sites):
    lead = users["site_lead"]
    assert not has_permission(lead, Permission.TRANSCRIPTS_VIEW, sites["A"])
    Membership.objects.create(user=lead, role="transcript_reader", site=sites["A"])
    lead = type(lead).objects.get(pk=lead.pk)
    assert has_permission(lead, Permission.TRANSCRIPTS_VIEW, sites["A"])
    assert not has_permission(lead, Permission.TRANSCRIPTS_VIEW, sites["B"])
    assert not has_permission(lead, Permission.TRANSCRIPTS_CODE, sites["A"])
    assert has_permission(lead, Permission.CONTACTS_VIEW, sites["A"])  # the lead's role stays


def test_a_programme_role_cannot_be_tied_to_a_site(users, sites):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=users["nobody"], role="researcher", site=sites["A"])


def test_a_programme_role_is_held_once(users):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=users["researcher"], role="researcher")
