"""Who gets a reminder now: a table of hand-worked cases."""

from __future__ import annotations

import datetime as dt

import pytest

from pioneer.fielding.reminders import (
    DUE,
    REASONS,
    InvitationState,
    ReminderRule,
    decide,
    due_reminders,
    progress_status,
)

UTC = dt.UTC
# Wave open 1-30 September 2019; at most 3 reminders, at least 7 days apart.
RULE = ReminderRule(
    opens=dt.date(2019, 9, 1),
    closes=dt.date(2019, 9, 30),
    max_reminders=3,
    min_gap=dt.timedelta(days=7),
)
NOW = dt.datetime(2019, 9, 15, 9, 0, tzinfo=UTC)
WEEK_AGO = NOW - dt.timedelta(days=7)  # exactly the gap: due
SIX_DAYS_AGO = NOW - dt.timedelta(days=6, hours=23)  # one hour short: too soon


def inv(**kw) -> InvitationState:
    base = {"key": 1, "status": "not_started", "reminders_sent": 0, "last_sent": WEEK_AGO}
    return InvitationState(**{**base, **kw})


CASES = [
    # (case, invitation, now, expected)
    ("invited a week ago, nothing saved", inv(), NOW, DUE),
    ("partial answers are reminded too", inv(status="partial"), NOW, DUE),
    ("complete", inv(status="complete"), NOW, "complete"),
    ("bounced", inv(bounced=True), NOW, "bounced"),
    ("opted out", inv(opted_out=True), NOW, "opted out"),
    ("invitation never sent", inv(last_sent=None), NOW, "not invited yet"),
    ("two reminders of three sent", inv(reminders_sent=2), NOW, DUE),
    ("three reminders of three sent", inv(reminders_sent=3), NOW, "reminder limit reached"),
    ("last message 6 days 23 hours ago", inv(last_sent=SIX_DAYS_AGO), NOW, "too soon"),
    (
        "before the wave opens",
        inv(),
        dt.datetime(2019, 8, 31, 23, 59, tzinfo=UTC),
        "wave not open",
    ),
    (
        "on the opening day, invited a week before",
        inv(last_sent=dt.datetime(2019, 8, 25, 0, 0, tzinfo=UTC)),
        dt.datetime(2019, 9, 1, 0, 0, tzinfo=UTC),
        DUE,
    ),
    ("on the closing day", inv(), dt.datetime(2019, 9, 30, 23, 0, tzinfo=UTC), DUE),
    ("the day after closing", inv(), dt.datetime(2019, 10, 1, 0, 0, tzinfo=UTC), "wave closed"),
    # complete and bounced: the first failing rule is reported
    ("complete and bounced", inv(status="complete", bounced=True), NOW, "complete"),
    (
        "closed beats complete",
        inv(status="complete"),
        dt.datetime(2019, 10, 2, tzinfo=UTC),
        "wave closed",
    ),
]


@pytest.mark.parametrize(
    ("case", "invitation", "now", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_decide(case, invitation, now, expected):
    assert decide(invitation, RULE, now) == expected
    assert expected in REASONS


def test_due_reminders_keeps_the_given_order():
    invitations = [
        inv(key="c"),
        inv(key="a", status="complete"),
        inv(key="b", status="partial", reminders_sent=1),
        inv(key="d", last_sent=SIX_DAYS_AGO),
        inv(key="e", opted_out=True),
    ]
    assert due_reminders(invitations, RULE, NOW) == ("c", "b")
    # deterministic: the same inputs give the same answer
    assert due_reminders(invitations, RULE, NOW) == due_reminders(invitations, RULE, NOW)


def test_zero_reminders_allowed_sends_none():
    rule = ReminderRule(RULE.opens, RULE.closes, max_reminders=0, min_gap=RULE.min_gap)
    assert due_reminders([inv()], rule, NOW) == ()


def test_datetime_open_and_close_are_exact_instants():
    rule = ReminderRule(
        opens=dt.datetime(2019, 9, 1, 12, 0, tzinfo=UTC),
        closes=dt.datetime(2019, 9, 30, 17, 0, tzinfo=UTC),
        max_reminders=3,
        min_gap=dt.timedelta(days=7),
    )
    assert decide(inv(), rule, dt.datetime(2019, 9, 1, 11, 59, tzinfo=UTC)) == "wave not open"
    assert decide(inv(), rule, dt.datetime(2019, 9, 30, 17, 1, tzinfo=UTC)) == "wave closed"
    assert decide(inv(), rule, NOW) == DUE


@pytest.mark.parametrize(
    ("started", "completed", "expected"),
    [
        (False, False, "not_started"),
        (True, False, "partial"),
        (True, True, "complete"),
        (False, True, "complete"),  # submitted in one go: complete all the same
    ],
)
def test_progress_status(started, completed, expected):
    assert progress_status(started=started, completed=completed) == expected


def test_bad_records_and_rules_are_refused():
    with pytest.raises(ValueError, match="status 'done'"):
        inv(status="done")
    with pytest.raises(ValueError, match="0 or more"):
        inv(reminders_sent=-1)
    with pytest.raises(ValueError, match="whole number"):
        inv(reminders_sent=1.5)
    with pytest.raises(ValueError, match="max_reminders must be 0 or more"):
        ReminderRule(RULE.opens, RULE.closes, -1, RULE.min_gap)
    with pytest.raises(ValueError, match="max_reminders must be a whole number"):
        ReminderRule(RULE.opens, RULE.closes, True, RULE.min_gap)
    with pytest.raises(ValueError, match="min_gap"):
        ReminderRule(RULE.opens, RULE.closes, 3, dt.timedelta(days=-1))
    with pytest.raises(ValueError, match="closes"):
        ReminderRule(RULE.closes, RULE.opens, 3, RULE.min_gap)
    with pytest.raises(TypeError, match="time zone"):
        decide(inv(last_sent=dt.datetime(2019, 9, 1)), RULE, NOW)
    with pytest.raises(TypeError, match="now must be a datetime"):
        decide(inv(), RULE, dt.date(2019, 9, 15))
