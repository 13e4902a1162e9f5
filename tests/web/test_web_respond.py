"""The respondent's link: GET changes nothing, POST starts; closed waves, unknown links,
completed and opted-out invitations explain themselves; a token opens only its own
invitation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pioneer.fielding import tokens
from pioneer.survey import instrument
from pioneer.web.fielding import invitations
from pioneer.web.fielding.contacts import import_contacts
from pioneer.web.fielding.models import Contact, Invitation
from pioneer.web.fielding.respond import SESSION_KEY

CONTACTS = (
    "site,name,email,organisation,organisation_type,role\n"
    "barnsley,Ann Able,ann@example.org,Barnsley CCG,CCG,director\n"
    "leeds,Bea Bright,bea@example.org,Leeds CCG,CCG,director\n"
)


@pytest.fixture
def links(sites, waves):
    """Invitation and token for Ann (site A) and Bea (site B) in the open 2019 wave."""
    import_contacts(waves[2019], CONTACTS.encode(), label="contacts.csv")
    return {
        key: invitations.issue(Contact.objects.get(email=email))
        for key, email in (("A", "ann@example.org"), ("B", "bea@example.org"))
    }


def _url(token):
    return reverse("fielding:respond_start", kwargs={"token": token})


def test_opening_the_link_changes_nothing(client, links):
    invitation, token = links["A"]
    for _ in range(3):  # a mail scanner, a preview, the person
        response = client.get(_url(token))
        assert response.status_code == 200
    page = response.content.decode()
    assert "Start now" in page
    assert 'method="post"' in page
    invitation.refresh_from_db()
    assert (invitation.status, invitation.started_at) == ("invited", None)
    assert SESSION_KEY not in client.session


def test_the_post_starts_once_and_opens_the_questionnaire(client, links):
    invitation, token = links["A"]
    response = client.post(_url(token))
    assert response.status_code == 302
    assert response.url == reverse("fielding:respond_questionnaire")
    invitation.refresh_from_db()
    assert invitation.status == "started"
    first_start = invitation.started_at
    assert client.session[SESSION_KEY] == invitation.pk
    page = client.get(response.url, follow=True).content.decode()
    first = instrument.load("ki2018").sections[0]
    assert f'<h1 class="govuk-heading-l">{first.title}</h1>' in page
    # Coming back days later: the page offers to continue; a second POST changes nothing.
    assert "Continue" in client.get(_url(token)).content.decode()
    client.post(_url(token))
    invitation.refresh_from_db()
    assert (invitation.status, invitation.started_at) == ("started", first_start)


def test_a_reminded_invitation_starts_too(client, links):
    invitation, token = links["A"]
    Invitation.objects.filter(pk=invitation.pk).update(status="reminded", reminders_sent=2)
    client.post(_url(token))
    invitation.refresh_from_db()
    assert (invitation.status, invitation.reminders_sent) == ("started", 2)


@pytest.mark.parametrize("token", ["not-a-token", "A" * 22, "x" * 300])
def test_an_unknown_or_mangled_link_explains_itself(client, links, token):
    for method in (client.get, client.post):
        response = method(_url(token))
        assert response.status_code == 404
        assert "This link does not work" in response.content.decode()
    assert not Invitation.objects.exclude(status="invited").exists()


def test_a_closed_wave_explains_itself_and_starts_nothing(client, links, waves):
    invitation, token = links["A"]
    waves[2019].status = "closed"
    waves[2019].save()
    for method in (client.get, client.post):
        response = method(_url(token))
        assert response.status_code == 410
        assert "The 2019 survey has closed" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == "invited"


@pytest.mark.parametrize(
    ("status", "message"),
    [("completed", "You have already completed"), ("opted_out", "You have opted out")],
)
def test_completed_and_opted_out_links_explain_themselves(client, links, status, message):
    invitation, token = links["A"]
    Invitation.objects.filter(pk=invitation.pk).update(status=status)
    for method in (client.get, client.post):
        assert message in method(_url(token)).content.decode()
    invitation.refresh_from_db()
    assert invitation.status == status
    assert SESSION_KEY not in client.session


def test_a_token_opens_its_own_invitation_only(client, links):
    (a, token_a), (b, _) = links["A"], links["B"]
    client.post(_url(token_a))
    assert client.session[SESSION_KEY] == a.pk
    b.refresh_from_db()
    assert b.status == "invited"


def test_the_questionnaire_needs_a_started_invitation_in_the_session(client, links):
    assert client.get(reverse("fielding:respond_questionnaire")).status_code == 403


def test_the_questionnaire_closes_with_the_wave(client, links, waves):
    client.post(_url(links["A"][1]))
    waves[2019].status = "closed"
    waves[2019].save()
    assert client.get(reverse("fielding:respond_questionnaire")).status_code == 410


def test_starting_renews_the_session_key(client, links, users):
    client.force_login(users["nobody"])  # any existing session
    before = client.session.session_key
    assert before
    client.post(_url(links["A"][1]))
    assert client.session.session_key != before


def test_the_token_is_not_stored(links):
    for invitation, token in links.values():
        stored = invitation.links.values().get()
        assert token not in {str(v) for v in stored.values()}
        assert tokens.matches(token, stored["token_hash"])


def test_a_reminders_link_opens_the_same_invitation(client, links):
    invitation, first = links["A"]
    second = invitations.new_link(invitation)
    client.post(_url(second))
    assert client.session[SESSION_KEY] == invitation.pk
    assert "Continue" in client.get(_url(first)).content.decode()


# --- the respondent's pages read the store with their own SQL (answers_store) ----------------


def test_the_link_query_opens_what_invitations_find_opens(links):
    """answers_store.standing_by_link agrees with invitations.find on every kind of token."""
    from pioneer.web.fielding import answers_store

    invitation, token = links["A"]
    second = invitations.new_link(invitation)
    for good in (token, second):
        found = answers_store.standing_by_link(good)
        assert found.invitation_pk == invitations.find(good).pk == invitation.pk
        assert (found.status, found.wave.year, found.wave.is_open) == ("invited", 2019, True)
    for bad in (tokens.new_token()[0], "short", "x" * 5000, token[:-1] + "*"):
        assert invitations.find(bad) is None
        assert answers_store.standing_by_link(bad) is None


@pytest.mark.parametrize(
    ("status", "after"),
    [
        ("invited", "started"),
        ("reminded", "started"),
        ("bounced", "started"),
        ("started", "started"),
        ("completed", "completed"),
        ("opted_out", "opted_out"),
    ],
)
def test_marking_started_changes_only_startable_invitations_once(links, status, after):
    """The same rule as invitations.start: once, and never a completed or opted-out one."""
    from pioneer.web.fielding import answers_store

    invitation, _ = links["A"]
    Invitation.objects.filter(pk=invitation.pk).update(status=status)
    answers_store.mark_started(invitation.pk)
    invitation.refresh_from_db()
    assert invitation.status == after
    assert (invitation.started_at is not None) == (status in ("invited", "reminded", "bounced"))
    first = invitation.started_at
    answers_store.mark_started(invitation.pk)
    invitation.refresh_from_db()
    assert invitation.started_at == first


def test_sessions_are_kept_server_side_and_end_everywhere(client, links):
    """The session engine keeps the session in the table (the file cache only spares the
    read); once 'save and come back later' ends it, the old key opens nothing, even for a
    server process whose cache had it."""
    from django.conf import settings
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.contrib.sessions.models import Session

    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    assert settings.SESSION_COOKIE_HTTPONLY
    client.post(_url(links["A"][1]))
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    assert SessionStore(key)[SESSION_KEY] == links["A"][0].pk  # read through the cache
    page = reverse("fielding:respond_page", kwargs={"page": "about_you"})
    response = client.post(page, {"role": "director", "action": "save"})
    assert response.url == reverse("fielding:respond_saved")
    assert not Session.objects.filter(session_key=key).exists()
    assert SESSION_KEY not in SessionStore(key).load()
    client.cookies[settings.SESSION_COOKIE_NAME] = key  # the old cookie, replayed
    assert client.get(page).status_code == 403
