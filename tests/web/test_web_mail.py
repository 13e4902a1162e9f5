"""Invitations by e-mail through a real SMTP server: the message arrives, its link opens the
start page, templates are editable, refusals and bounce files are recorded, opt-out needs
a POST, and no address or token reaches the logs."""

from __future__ import annotations

import datetime as dt
import logging
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from web_smtp import smtp_server

from pioneer.errors import DataFileError
from pioneer.fielding import tokens
from pioneer.survey import instrument
from pioneer.web.fielding import mail
from pioneer.web.fielding.contacts import import_contacts
from pioneer.web.fielding.models import Invitation, InvitationLink, MessageTemplate
from pioneer.web.fielding.respond import SESSION_KEY

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2019, 9, 10, 9, 0, tzinfo=LONDON)  # the 2019 wave is open (2 Sep-29 Nov)
CONTACTS = (
    "site,name,email,organisation,organisation_type,role\n"
    "barnsley,Ann Able,ann@example.org,Barnsley CCG,CCG,director\n"
    "leeds,Bea <b>Bright</b>,bea@example.org,Leeds CCG,CCG,director\n"
)
LINK = re.compile(r"http://testserver(/s/([A-Za-z0-9_-]+)/)(?!opt-out)")
OPT_OUT = re.compile(r"http://testserver(/s/[A-Za-z0-9_-]+/opt-out/)")


@pytest.fixture
def smtp(settings):
    with smtp_server(settings) as box:
        yield box


@pytest.fixture
def listed(sites, waves):
    import_contacts(waves[2019], CONTACTS.encode(), label="contacts.csv")
    return waves[2019]


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _html(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def test_the_invitation_arrives_and_its_link_starts_the_questionnaire(client, smtp, listed):
    summary = mail.send_invitations(2019, now=NOW)
    assert (summary.sent, summary.due, summary.considered, summary.ok) == (2, 2, 2, True)
    [message] = smtp.to("ann@example.org")
    title = instrument.load("ki2018").title
    assert message["Subject"] == f"{title}: your invitation to the 2019 survey"
    body = _text(message)
    assert body.startswith("Dear Ann Able,")
    assert "Barnsley" in body
    assert "29 November 2019" in body
    path_, token = LINK.search(body).groups()
    assert tokens.is_well_formed(token)
    # Only the hash is stored.
    invitation = Invitation.objects.get(contact__email="ann@example.org")
    assert invitation.invited_at == NOW
    assert invitation.status == "invited"
    assert list(invitation.links.values_list("token_hash", flat=True)) == [tokens.hash_token(token)]
    assert not InvitationLink.objects.filter(token_hash=token).exists()
    # Both links are in the HTML alternative and in the List-Unsubscribe header too.
    html = _html(message)
    assert f'href="http://testserver{path_}"' in html
    opt_out_path = OPT_OUT.search(body).group(1)
    assert f"<http://testserver{opt_out_path}>" == message["List-Unsubscribe"]
    # The person's name is escaped in HTML and left as written in plain text.
    [bea] = smtp.to("bea@example.org")
    assert "Bea <b>Bright</b>" in _text(bea)
    assert "Bea &lt;b&gt;Bright&lt;/b&gt;" in _html(bea)
    # The link round-trips: GET shows the start page and changes nothing; POST starts.
    page = client.get(path_)
    assert page.status_code == 200
    assert "Start now" in page.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == "invited"
    response = client.post(path_)
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "started"
    assert client.session[SESSION_KEY] == invitation.pk


def test_invitations_go_once_and_reach_people_added_later(smtp, listed, sites):
    mail.send_invitations(2019, now=NOW)
    smtp.clear()
    again = mail.send_invitations(2019, now=NOW)
    assert (again.sent, dict(again.skipped)) == (0, {"already invited": 2})
    assert smtp.messages == []
    import_contacts(
        listed,
        b"site,name,email,organisation,organisation_type\n"
        b"barnsley,Cy Cole,cy@example.org,Barnsley MBC,LA\n",
        label="more.csv",
    )
    assert mail.send_invitations(2019, now=NOW).sent == 1
    assert [rcpt for rcpt, _ in smtp.messages] == [("cy@example.org",)]


def test_no_invitation_outside_the_wave_or_on_a_dry_run(smtp, listed):
    before = mail.send_invitations(2019, now=dt.datetime(2019, 9, 1, 23, 0, tzinfo=LONDON))
    assert (before.sent, dict(before.skipped)) == (0, {"wave not open": 2})
    dry = mail.send_invitations(2019, now=NOW, dry_run=True)
    assert (dry.sent, dry.due, dry.dry_run) == (0, 2, True)
    listed.status = "closed"
    listed.save()
    closed = mail.send_invitations(2019, now=NOW)
    assert dict(closed.skipped) == {"wave closed": 2}
    assert smtp.messages == []
    assert not Invitation.objects.exists()


def test_an_edited_template_is_used(smtp, listed):
    MessageTemplate.objects.create(
        kind="invitation",
        subject="Please help the {{ site }} evaluation, {{ name }}",
        text_body="Hello {{ name }}: {{ link }} (no thanks: {{ opt_out_link }})",
        html_body="",
    )
    mail.send_invitations(2019, now=NOW)
    [message] = smtp.to("ann@example.org")
    assert message["Subject"] == "Please help the Barnsley evaluation, Ann Able"
    assert _text(message).startswith("Hello Ann Able: http://testserver/s/")
    assert not message.is_multipart()  # no HTML template: plain text only


def test_templates_are_edited_in_the_admin(client, smtp, listed, users):
    add = "/admin/fielding/messagetemplate/add/"
    client.force_login(users["site_lead"])
    assert client.get(add).status_code == 403
    client.force_login(users["programme_admin"])
    page = client.get(add + "?kind=reminder").content.decode()
    assert "Reminder: {{ title }}" in page  # starts from the packaged default
    form = {"kind": "invitation", "subject": "Help {{ site }}", "text_body": "{{ link }}"}
    refused = client.post(add, form | {"html_body": ""})
    assert refused.status_code == 200
    assert "The message must contain {{ opt_out_link }}." in refused.content.decode()
    assert not MessageTemplate.objects.exists()
    form["text_body"] = "{{ link }}\nOpt out: {{ opt_out_link }}"
    assert client.post(add, form | {"html_body": ""}).status_code == 302
    mail.send_invitations(2019, now=NOW)
    assert smtp.to("ann@example.org")[0]["Subject"] == "Help Barnsley"


def test_a_template_without_the_links_is_refused():
    with pytest.raises(ValidationError) as refused:
        mail.check_template("Hi", "Hello {{ name }}: {{ link }}")
    assert "{{ opt_out_link }}" in str(refused.value)
    with pytest.raises(ValidationError, match="does not work"):
        mail.check_template("{% if %}", "{{ link }} {{ opt_out_link }}")
    mail.check_template("ok", "{{ link }} {{ opt_out_link }}")  # no error
    for kind in mail.KINDS:  # the packaged defaults pass their own check
        packaged = mail.packaged_templates(kind)
        mail.check_template(packaged.subject, packaged.text_body, packaged.html_body)


def test_a_broken_stored_template_stops_the_run_before_sending(smtp, listed):
    MessageTemplate.objects.create(kind="invitation", subject="x", text_body="no link")
    with pytest.raises(DataFileError, match="database invitation e-mail template"):
        mail.send_invitations(2019, now=NOW)
    assert smtp.messages == []
    assert not Invitation.objects.exists()


def test_an_address_the_server_refuses_is_recorded_as_bounced(smtp, listed):
    smtp.refuse.add("bea@example.org")
    summary = mail.send_invitations(2019, now=NOW)
    assert (summary.sent, summary.refused) == (1, 1)
    bea = Invitation.objects.get(contact__email="bea@example.org")
    assert bea.status == "bounced"
    assert bea.bounced_at is not None
    assert not bea.links.exists()  # the link of the refused message was never kept
    assert mail.send_invitations(2019, now=NOW).sent == 0


def test_the_mail_server_down_stops_the_run_and_keeps_nothing(settings, listed):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", web_smtp_free_port()
    summary = mail.send_invitations(2019, now=NOW)
    assert (summary.ok, summary.sent, summary.unsent) == (False, 0, 2)
    assert "ConnectionRefusedError" in summary.error
    assert not Invitation.objects.exists()


def web_smtp_free_port() -> int:
    from web_smtp import _free_port

    return _free_port()


def test_opt_out_needs_a_post(client, smtp, listed):
    mail.send_invitations(2019, now=NOW)
    [message] = smtp.to("ann@example.org")
    opt_out_path = OPT_OUT.search(_text(message)).group(1)
    start_path = LINK.search(_text(message)).group(1)
    invitation = Invitation.objects.get(contact__email="ann@example.org")
    for _ in range(2):  # a mail scanner, then the person
        page = client.get(opt_out_path)
        assert page.status_code == 200
        assert 'method="post"' in page.content.decode()
    invitation.refresh_from_db()
    assert (invitation.status, invitation.opted_out_at) == ("invited", None)
    done = client.post(opt_out_path)  # no CSRF token: one-click unsubscribe works
    assert done.status_code == 200
    assert "You have opted out" in done.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == "opted_out"
    assert invitation.opted_out_at is not None
    first = invitation.opted_out_at
    client.post(opt_out_path)
    invitation.refresh_from_db()
    assert invitation.opted_out_at == first
    # The start link now says so, and a mangled opt-out link is a 404.
    assert "You have opted out" in client.get(start_path).content.decode()
    assert client.post("/s/not-a-token/opt-out/").status_code == 404
    # A link opts out its own invitation only.
    assert Invitation.objects.get(contact__email="bea@example.org").opted_out_at is None


def test_a_bounce_file_is_all_or_nothing(smtp, listed, tmp_path):
    mail.send_invitations(2019, now=NOW)
    bad = tmp_path / "bounces.csv"
    bad.write_text("email\nANN@example.org\nnobody@example.org\n")
    with pytest.raises(DataFileError) as refused:
        mail.mark_bounced_file(2019, bad, label="bounces.csv")
    assert str(refused.value).startswith(
        "bounces.csv, row 3, column 'email': no invitation of the 2019 wave went to this address"
    )
    assert not Invitation.objects.filter(bounced_at__isnull=False).exists()
    bad.write_text("email\nnot-an-address\n")
    with pytest.raises(DataFileError, match="row 2, column 'email': not a valid e-mail address"):
        mail.mark_bounced_file(2019, bad)
    good = tmp_path / "good.csv"
    good.write_text("email\nANN@example.org\nann@example.org\n")
    call_command("mark_bounced", "--wave", "2019", str(good))
    ann = Invitation.objects.get(contact__email="ann@example.org")
    assert ann.status == "bounced"
    assert Invitation.objects.get(contact__email="bea@example.org").status == "invited"
    again = mail.mark_bounced_file(2019, good)
    assert (again.recorded, again.already) == (0, 2)


def test_no_address_name_or_token_in_the_logs(smtp, listed):
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("pioneer")
    logger.addHandler(handler)
    try:
        smtp.refuse.add("bea@example.org")
        mail.send_invitations(2019, now=NOW)
        invitation = Invitation.objects.get(contact__email="ann@example.org")
        mail.opt_out(invitation)
    finally:
        logger.removeHandler(handler)
    text = "\n".join(r.getMessage() for r in records)
    assert "2019 wave: 1 invitation e-mails sent, 1 refused" in text
    [message] = smtp.to("ann@example.org")
    token = LINK.search(_text(message)).group(2)
    for secret in ("ann@example.org", "bea@example.org", "Ann Able", "Bright", token):
        assert secret not in text
    # The settings' filter would mask them anyway (checked on a line that has both).
    from pioneer.web.logs import redact

    assert redact(f"GET /s/{token}/ for ann@example.org") == "GET /s/[token]/ for [e-mail]"
