"""Sign-in: throttling per user name and address, and the admin for programme admins only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from pioneer.web.accounts.models import LoginAttempt

PASSWORD = "correct horse 42"


def _login(client, username, password, address="10.0.0.1"):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_the_right_password_signs_in(client, users):
    response = _login(client, "researcher", PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("programme:home")
    assert client.session.get("_auth_user_id") == str(users["researcher"].pk)


def test_a_wrong_password_is_counted(client, users):
    response = _login(client, "researcher", "wrong")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert LoginAttempt.objects.filter(username="researcher", address="10.0.0.1").count() == 1


def test_five_failures_lock_the_pair_even_for_the_right_password(client, users, settings):
    settings.PIONEER_LOGIN_MAX_FAILURES = 5
    for _ in range(5):
        _login(client, "researcher", "wrong")
    response = _login(client, "researcher", PASSWORD)
    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Refusals while locked are not counted again (the lock does not extend itself).
    assert LoginAttempt.objects.count() == 5


def test_four_failures_do_not_lock(client, users, settings):
    settings.PIONEER_LOGIN_MAX_FAILURES = 5
    for _ in range(4):
        _login(client, "researcher", "wrong")
    assert _login(client, "researcher", PASSWORD).status_code == 302


def test_the_lock_is_per_address_and_per_user_name(client, users, settings):
    settings.PIONEER_LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        _login(client, "researcher", "wrong", address="10.0.0.1")
    assert _login(client, "researcher", PASSWORD, address="10.0.0.2").status_code == 302
    client.logout()
    assert _login(client, "admin", PASSWORD, address="10.0.0.1").status_code == 302


def test_user_names_are_counted_without_case(client, users, settings):
    settings.PIONEER_LOGIN_MAX_FAILURES = 2
    _login(client, "Researcher", "wrong")
    _login(client, "RESEARCHER", "wrong")
    assert _login(client, "researcher", PASSWORD).status_code == 200


def test_the_lock_lifts_after_the_lock_period(client, users, settings):
    settings.PIONEER_LOGIN_MAX_FAILURES = 3
    settings.PIONEER_LOGIN_LOCK_SECONDS = 600
    for _ in range(3):
        _login(client, "researcher", "wrong")
    assert _login(client, "researcher", PASSWORD).status_code == 200
    for attempt in LoginAttempt.objects.all():
        attempt.at -= timedelta(seconds=601)
        attempt.save()
    assert _login(client, "researcher", PASSWORD).status_code == 302


def test_success_clears_the_failures(client, users, settings):
    settings.PIONEER_LOGIN_MAX_FAILURES = 3
    _login(client, "researcher", "wrong")
    _login(client, "researcher", "wrong")
    assert _login(client, "researcher", PASSWORD).status_code == 302
    assert not LoginAttempt.objects.filter(username="researcher").exists()


def test_unknown_user_names_are_throttled_too(client, db, settings):
    settings.PIONEER_LOGIN_MAX_FAILURES = 2
    _login(client, "ghost", "a")
    _login(client, "ghost", "b")
    response = _login(client, "ghost", "c")
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_pages_need_a_signed_in_user(client, sites):
    response = client.get(reverse("programme:site_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_sign_out_needs_a_post(client, users):
    client.force_login(users["researcher"])
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


# --- the admin ------------------------------------------------------------------------------

ADMIN_PAGES = [
    "admin:index",
    "admin:auth_user_changelist",
    "admin:accounts_membership_changelist",
    "admin:programme_site_changelist",
    "admin:fielding_surveywave_changelist",
    "admin:accounts_auditevent_changelist",
]


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_the_admin_opens_for_a_programme_admin(client, users, page):
    client.force_login(users["programme_admin"])
    assert client.get(reverse(page)).status_code == 200


@pytest.mark.parametrize("role", ["researcher", "site_lead", "nobody"])
@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_the_admin_is_closed_to_everyone_else(client, users, role, page):
    user = users[role]
    user.is_staff = True  # Django's staff flag opens nothing: only the role does.
    user.save()
    client.force_login(user)
    assert client.get(reverse(page)).status_code == 403


def test_the_admin_sends_anonymous_users_to_the_throttled_login(client, db):
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))


def test_the_audit_trail_cannot_be_edited_in_the_admin(client, users):
    client.force_login(users["programme_admin"])
    assert client.get(reverse("admin:accounts_auditevent_add")).status_code == 403


def test_contacts_are_not_in_the_admin(client, users):
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        reverse("admin:fielding_contact_changelist")


def test_a_programme_admin_grants_roles_on_the_users_admin_page(client, users):
    client.force_login(users["programme_admin"])
    url = reverse("admin:auth_user_change", args=[users["site_lead"].pk])
    page = client.get(url).content.decode()
    assert "memberships-0-role" in page
    assert 'value="site_lead"' in page
