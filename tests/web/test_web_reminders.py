"""Reminders through a real SMTP server: only the due get one (not completed, not bounced or
opted out, below the limit, gap elapsed, wave open), each with a fresh working link; a
repeated run sends nothing; a dry run sends nothing; the command prints its summary."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from web_smtp import smtp_server

from pioneer.fielding import tokens
from pioneer.web.fielding import mail
from pioneer.web.fielding.contacts import import_contacts
from pioneer.web.fielding.models import Invitation, MessageTemplate, SurveyWave

LONDON = ZoneInfo("Europe/London")
INVITED = dt.datetime(2019, 9, 10, 9, 0, tzinfo=LONDON)
WEEK = dt.timedelta(days=7)
PEOPLE = ("ann", "bea", "cy", "dee", "eve")
LINK = re.compile(r"http://testserver/s/([A-Za-z0-9_-]+)/(?!opt-out)")


@pytest.fixture
def smtp(settings):
    with smtp_server(settings) as box:
        yield box


def _contacts(wave, people=PEOPLE):
    rows = "".join(f"barnsley,{p.title()},{p}@example.org,Barnsley CCG,CCG,\n" for p in people)
    import_contacts(wave, ("site,name,email,organisation,organisation_type,role\n" + rows).encode())


@pytest.fixture
def invited(smtp, sites, waves):
    """Five invited people: Ann not started, Bea started, Cy completed, Dee's address
    bounced, Eve opted out."""
    _contacts(waves[2019])
    assert mail.send_invitations(2019, now=INVITED).sent == 5
    smtp.clear()
    by = {p: Invitation.objects.get(contact__email=f"{p}@example.org") for p in PEOPLE}
    Invitation.objects.filter(pk=by["bea"].pk).update(status="started", started_at=INVITED)
    Invitation.objects.filter(pk=by["cy"].pk).update(
        status="completed", started_at=INVITED, completed_at=INVITED
    )
    mail.mark_bounced(by["dee"])
    mail.opt_out(by["eve"])
    return by


def _remind(at, **kwargs):
    kwargs.setdefault("max_reminders", 2)
    kwargs.setdefault("min_gap", WEEK)
    return mail.send_reminders(2019, now=at, **kwargs)


def _recipients(smtp):
    return sorted(rcpt[0].split("@")[0] for rcpt, _ in smtp.messages)


def test_only_the_unfinished_are_reminded_and_never_twice_a_day(client, smtp, invited):
    at = INVITED + WEEK
    summary = _remind(at)
    assert (summary.sent, summary.due, summary.considered) == (2, 2, 5)
    assert dict(summary.skipped) == {"bounced": 1, "complete": 1, "opted out": 1}
    assert _recipients(smtp) == ["ann", "bea"]
    ann = Invitation.objects.get(pk=invited["ann"].pk)
    assert (ann.status, ann.reminders_sent, ann.last_reminded_at) == ("reminded", 1, at)
    bea = Invitation.objects.get(pk=invited["bea"].pk)
    assert (bea.status, bea.reminders_sent) == ("started", 1)  # progress is kept
    # The reminder carries a fresh link; the invitation's link keeps working too.
    [message] = [m for rcpt, m in smtp.messages if rcpt == ("ann@example.org",)]
    assert message["Subject"].startswith("Reminder: ")
    body = message.get_body(preferencelist=("plain",)).get_content()
    token = LINK.search(body).group(1)
    assert ann.links.count() == 2
    assert ann.links.filter(token_hash=tokens.hash_token(token)).exists()
    assert client.get(f"/s/{token}/").status_code == 200
    # Run again the same day (cron, twice): nothing is due.
    smtp.clear()
    again = _remind(at + dt.timedelta(hours=6))
    assert (again.sent, dict(again.skipped)["too soon"]) == (0, 2)
    assert smtp.messages == []


def test_the_reminder_limit_and_the_gap(smtp, invited):
    assert _remind(INVITED + dt.timedelta(days=6, hours=23)).sent == 0  # gap not yet over
    assert _remind(INVITED + WEEK).sent == 2
    assert _remind(INVITED + 2 * WEEK - dt.timedelta(minutes=1)).sent == 0
    assert _remind(INVITED + 2 * WEEK).sent == 2
    smtp.clear()
    third = _remind(INVITED + 3 * WEEK)
    assert (third.sent, dict(third.skipped)["reminder limit reached"]) == (0, 2)
    assert smtp.messages == []
    assert Invitation.objects.get(pk=invited["ann"].pk).reminders_sent == 2
    # A higher limit later allows one more; min_gap may be given in whole days.
    assert _remind(INVITED + 3 * WEEK, max_reminders=3, min_gap=7).sent == 2


def test_a_limit_of_one(smtp, invited):
    assert _remind(INVITED + WEEK, max_reminders=1).sent == 2
    assert _remind(INVITED + 5 * WEEK, max_reminders=1).sent == 0
    assert len(smtp.messages) == 2


def test_a_dry_run_sends_and_changes_nothing(smtp, invited):
    dry = _remind(INVITED + WEEK, dry_run=True)
    assert (dry.dry_run, dry.due, dry.sent) == (True, 2, 0)
    assert "would be sent, nothing sent" in str(dry)
    assert smtp.messages == []
    assert not Invitation.objects.filter(reminders_sent__gt=0).exists()
    assert Invitation.objects.get(pk=invited["ann"].pk).links.count() == 1


def test_nothing_after_the_wave_closes(smtp, invited, waves):
    late = _remind(dt.datetime(2019, 11, 30, 0, 5, tzinfo=LONDON))  # the day after closing
    assert (late.sent, dict(late.skipped)) == (0, {"wave closed": 5})
    SurveyWave.objects.filter(year=2019).update(status="closed")
    closed = _remind(INVITED + WEEK)
    assert (closed.sent, dict(closed.skipped)) == (0, {"wave closed": 5})
    assert smtp.messages == []


def test_an_edited_reminder_template_numbers_the_reminders(smtp, invited):
    MessageTemplate.objects.create(
        kind="reminder",
        subject="Reminder {{ reminder }} for {{ name }}",
        text_body="{{ link }}\nOpt out: {{ opt_out_link }}\n",
    )
    _remind(INVITED + WEEK)
    _remind(INVITED + 2 * WEEK)
    subjects = sorted(m["Subject"] for rcpt, m in smtp.messages if rcpt == ("ann@example.org",))
    assert subjects == ["Reminder 1 for Ann", "Reminder 2 for Ann"]


def test_the_command_is_cron_friendly(smtp, sites):
    today = timezone.localdate()
    wave = SurveyWave.objects.create(
        year=2030,
        instrument_id="ki2018",
        opens=today - dt.timedelta(days=30),
        closes=today + dt.timedelta(days=30),
    )
    _contacts(wave, ("ann", "bea"))
    out = io.StringIO()
    call_command("send_invitations", "--wave", "2030", stdout=out)
    assert out.getvalue().startswith("2030 wave, invitations: 2 sent of 2 due")
    Invitation.objects.update(invited_at=timezone.now() - dt.timedelta(days=8))
    smtp.clear()
    args = ("send_reminders", "--wave", "2030", "--max", "2", "--min-gap-days", "7")
    out = io.StringIO()
    call_command(*args, "--dry-run", stdout=out)
    assert "2030 wave, reminders (dry run): 2 would be sent, nothing sent" in out.getvalue()
    assert smtp.messages == []
    out = io.StringIO()
    call_command(*args, stdout=out)  # returns normally: exit status 0
    assert out.getvalue().splitlines()[:2] == [
        "2030 wave, reminders: 2 sent of 2 due",
        "  invitations considered: 2",
    ]
    out = io.StringIO()
    call_command(*args, stdout=out)
    assert out.getvalue().splitlines()[0] == "2030 wave, reminders: 0 sent of 0 due"
    assert "skipped, too soon: 2" in out.getvalue()
    assert len(smtp.messages) == 2


def test_a_refused_reminder_is_undone_and_recorded_as_a_bounce(smtp, invited):
    smtp.refuse.add("ann@example.org")
    summary = _remind(INVITED + WEEK)
    assert (summary.sent, summary.refused) == (1, 1)
    ann = Invitation.objects.get(pk=invited["ann"].pk)
    assert (ann.status, ann.reminders_sent, ann.last_reminded_at) == ("bounced", 0, None)
    assert ann.links.count() == 1  # the refused message's link is gone
    assert _recipients(smtp) == ["bea"]
    assert _remind(INVITED + 3 * WEEK).sent == 1  # Bea only, from now on


def test_a_mail_server_failure_stops_the_run_and_undoes_that_message(smtp, invited):
    smtp.fail.add("bea@example.org")
    summary = _remind(INVITED + WEEK)
    assert (summary.ok, summary.sent, summary.unsent) == (False, 1, 1)
    assert summary.error == "mail server error SMTPDataError (451)"
    assert "stopped early: mail server error SMTPDataError (451); 1 left" in str(summary)
    bea = Invitation.objects.get(pk=invited["bea"].pk)
    assert (bea.status, bea.reminders_sent, bea.last_reminded_at) == ("started", 0, None)
    assert bea.links.count() == 1
    smtp.fail.clear()
    assert _recipients(smtp) == ["ann"]
    retry = _remind(INVITED + WEEK + dt.timedelta(hours=1))  # the next cron run
    assert (retry.sent, retry.ok) == (1, True)
    assert _recipients(smtp) == ["ann", "bea"]


def test_a_reminder_sent_meanwhile_by_another_run_is_not_repeated(smtp, invited, monkeypatch):
    """The list of the due is re-checked, row by row under a lock, just before sending."""
    at = INVITED + WEEK
    checked = mail._checked

    def another_run_first(templates):
        # Between this run's listing and its sending, another run reminds Ann.
        Invitation.objects.filter(pk=invited["ann"].pk).update(
            status="reminded", reminders_sent=1, last_reminded_at=at
        )
        return checked(templates)

    monkeypatch.setattr(mail, "_checked", another_run_first)
    summary = _remind(at)
    assert (summary.due, summary.sent, dict(summary.skipped)["changed meanwhile"]) == (2, 1, 1)
    assert _recipients(smtp) == ["bea"]
    assert Invitation.objects.get(pk=invited["ann"].pk).reminders_sent == 1


@pytest.mark.skipif(
    os.environ.get("PIONEER_TEST_POSTGRES") != "1",
    reason="threads need a real server: the in-memory SQLite test database reports "
    "'table is locked' instead of waiting (a file database waits, busy timeout 20 s)",
)
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_reminder_once(settings, sites):
    """Two cron runs overlapping: the rule is re-checked under the invitation's lock."""
    import threading

    from django.db import connection

    with smtp_server(settings) as box:
        wave = SurveyWave.objects.create(
            year=2019,
            instrument_id="ki2018",
            opens=dt.date(2019, 9, 2),
            closes=dt.date(2019, 11, 29),
        )
        _contacts(wave, ("ann", "bea", "cy"))
        mail.send_invitations(2019, now=INVITED)
        box.clear()
        box.delay = 0.05
        results, errors = [], []

        def run():
            try:
                results.append(_remind(INVITED + WEEK))
            except Exception as error:  # reported below, not swallowed
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    assert sorted(s.sent for s in results) in ([0, 3], [1, 2])  # each person once in all
    assert sorted(rcpt for rcpt, _ in box.messages) == [
        ("ann@example.org",),
        ("bea@example.org",),
        ("cy@example.org",),
    ]
    assert set(Invitation.objects.values_list("reminders_sent", flat=True)) == {1}


def _pioneer(capsys, *args: str) -> str:
    from pioneer.cli import main

    with pytest.raises(SystemExit) as exited:
        main(list(args))
    assert exited.value.code in (0, None)
    return capsys.readouterr().out


def test_the_pioneer_command_sends_invitations_once(smtp, sites, capsys):
    today = timezone.localdate()
    wave = SurveyWave.objects.create(
        year=2031,
        instrument_id="ki2018",
        opens=today - dt.timedelta(days=30),
        closes=today + dt.timedelta(days=30),
    )
    _contacts(wave, ("ann", "bea"))
    command = ("survey", "send-invitations", "--wave", "2031")
    assert "2 would be sent, nothing sent" in _pioneer(capsys, *command, "--dry-run")
    assert smtp.messages == []
    assert _pioneer(capsys, *command).startswith("2031 wave, invitations: 2 sent of 2 due")
    assert len(smtp.messages) == 2
    # Run again (as cron would): nobody is left to invite.
    assert _pioneer(capsys, *command).startswith("2031 wave, invitations: 0 sent of 0 due")
    assert len(smtp.messages) == 2
