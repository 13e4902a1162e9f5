"""Who gets a reminder now: one deterministic rule over invitation records and a clock.

A reminder goes to an invitation when, at ``now``:

1. the survey wave is open (``opens <= now <= closes``; dates are whole days, read in
   ``now``'s time zone, so pass the local time of the programme, Europe/London);
2. the questionnaire is not complete (``not_started`` and ``partial`` are reminded);
3. the address has not bounced and the person has not opted out;
4. the invitation itself has gone out (``last_sent`` is set) — the first message is the
   invitation, never a reminder;
5. fewer than ``max_reminders`` reminders have been sent;
6. at least ``min_gap`` has passed since the last message (invitation or reminder).

The rule is checked in that order; :func:`decide` reports the first that fails, so an
admin page or a dry run can say why someone was skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

#: Invitation statuses: no answer saved, some answers saved, submitted.
STATUSES: tuple[str, ...] = ("not_started", "partial", "complete")


def progress_status(*, started: bool, completed: bool) -> str:
    """The status code of an invitation from whether answers were saved and submitted.

    For a store that keeps times (``started_at``, ``completed_at``) rather than a code:
    ``progress_status(started=inv.started_at is not None, completed=inv.completed_at
    is not None)``.
    """
    if completed:
        return "complete"
    return "partial" if started else "not_started"


#: Reasons :func:`decide` gives, "due" meaning send a reminder now.
DUE = "due"
REASONS: tuple[str, ...] = (
    "wave not open",
    "wave closed",
    "complete",
    "bounced",
    "opted out",
    "not invited yet",
    "reminder limit reached",
    "too soon",
    DUE,
)


@dataclass(frozen=True)
class InvitationState:
    """What the reminder rule needs to know about one invitation.

    ``key`` identifies it to the caller (a database id); ``last_sent`` is when the last
    message (invitation or reminder) went, ``None`` if the invitation has not been sent.
    """

    key: Hashable
    status: str
    reminders_sent: int = 0
    last_sent: dt.datetime | None = None
    bounced: bool = False
    opted_out: bool = False

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(
                f"invitation {self.key!r}: status {self.status!r} is not one of {list(STATUSES)}"
            )
        if isinstance(self.reminders_sent, bool) or not isinstance(self.reminders_sent, int):
            raise ValueError(f"invitation {self.key!r}: reminders_sent must be a whole number")
        if self.reminders_sent < 0:
            raise ValueError(f"invitation {self.key!r}: reminders_sent must be 0 or more")


@dataclass(frozen=True)
class ReminderRule:
    """The wave's fieldwork dates and the reminder policy."""

    opens: dt.date | dt.datetime
    closes: dt.date | dt.datetime
    max_reminders: int
    min_gap: dt.timedelta

    def __post_init__(self) -> None:
        if isinstance(self.max_reminders, bool) or not isinstance(self.max_reminders, int):
            raise ValueError(f"max_reminders must be a whole number, got {self.max_reminders!r}")
        if self.max_reminders < 0:
            raise ValueError(f"max_reminders must be 0 or more, got {self.max_reminders}")
        if self.min_gap < dt.timedelta(0):
            raise ValueError(f"min_gap must not be negative, got {self.min_gap}")
        if _day(self.closes) < _day(self.opens):
            raise ValueError(f"the wave closes ({self.closes}) before it opens ({self.opens})")


def _day(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _before_open(rule: ReminderRule, now: dt.datetime) -> bool:
    if isinstance(rule.opens, dt.datetime):
        return now < rule.opens
    return now.date() < rule.opens


def _after_close(rule: ReminderRule, now: dt.datetime) -> bool:
    if isinstance(rule.closes, dt.datetime):
        return now > rule.closes
    return now.date() > rule.closes


def decide(invitation: InvitationState, rule: ReminderRule, now: dt.datetime) -> str:
    """``"due"`` if a reminder should go now, else the first reason it should not."""
    if not isinstance(now, dt.datetime):
        raise TypeError(f"now must be a datetime, got {type(now).__name__}")
    if _before_open(rule, now):
        return "wave not open"
    if _after_close(rule, now):
        return "wave closed"
    if invitation.status == "complete":
        return "complete"
    if invitation.bounced:
        return "bounced"
    if invitation.opted_out:
        return "opted out"
    if invitation.last_sent is None:
        return "not invited yet"
    if (invitation.last_sent.tzinfo is None) != (now.tzinfo is None):
        raise TypeError(
            f"invitation {invitation.key!r}: last_sent and now must both carry a time zone "
            "or both not; use time-zone-aware datetimes throughout"
        )
    if invitation.reminders_sent >= rule.max_reminders:
        return "reminder limit reached"
    if now - invitation.last_sent < rule.min_gap:
        return "too soon"
    return DUE


def due_reminders(
    invitations: Iterable[InvitationState], rule: ReminderRule, now: dt.datetime
) -> tuple[Hashable, ...]:
    """The keys of the invitations to remind at ``now``, in the order given."""
    return tuple(inv.key for inv in invitations if decide(inv, rule, now) == DUE)
