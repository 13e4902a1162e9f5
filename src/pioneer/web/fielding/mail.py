"""Invitations and reminders by e-mail, bounces and opt-outs.

Every message carries a fresh link (``invitations.new_link``: only the token's hash is
stored) to the respondent's start page and a second link to the opt-out page. Who gets a
reminder is decided by :func:`pioneer.fielding.reminders.decide`, the library's rule, and is
checked again inside each invitation's transaction just before sending, so two runs at once
or a run repeated the same day send nothing twice. Messages are rendered from the
:class:`~pioneer.web.fielding.models.MessageTemplate` rows programme admins edit, else from
the packaged defaults in ``templates/fielding/mail/``.

Nothing here logs an address, a name or a token: log lines carry counts and the wave only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.template import TemplateSyntaxError, engines
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone

from pioneer.errors import DataFileError, PioneerError
from pioneer.fielding import tokens
from pioneer.fielding.reminders import DUE, InvitationState, ReminderRule, decide, progress_status
from pioneer.web.fielding import invitations
from pioneer.web.fielding.contacts import Source, _read_removals, normalise_email
from pioneer.web.fielding.models import Contact, Invitation, MessageTemplate, SurveyWave

log = logging.getLogger(__name__)

KINDS: tuple[str, ...] = (MessageTemplate.Kind.INVITATION, MessageTemplate.Kind.REMINDER)

#: Variables a template may use (shown to editors; checked by :func:`check_template`).
VARIABLES: dict[str, str] = {
    "name": "the person's name",
    "organisation": "their organisation",
    "site": "the site's name",
    "year": "the survey wave (year)",
    "closes": "the closing date (a date: {{ closes|date:'j F Y' }})",
    "title": "the questionnaire's title",
    "link": "the personal link to the questionnaire (required)",
    "opt_out_link": "the link to opt out of reminders (required)",
    "reminder": "the reminder's number (1, 2, ...); empty in an invitation",
}

#: Statuses a bounce or an opt-out may overwrite (later progress is kept, the time recorded).
_OVERWRITABLE = (Invitation.Status.INVITED, Invitation.Status.REMINDED)


# --- templates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Templates:
    """The three template sources of one kind of message, and where they came from."""

    kind: str
    subject: str
    text_body: str
    html_body: str
    source: str  # "database" or "packaged"


def packaged_templates(kind: str) -> Templates:
    """The packaged default templates of ``kind`` (``invitation`` or ``reminder``)."""
    _check_kind(kind)

    def source(name: str) -> str:
        return get_template(f"fielding/mail/{kind}_{name}").template.source

    return Templates(
        kind, source("subject.txt").strip(), source("body.txt"), source("body.html"), "packaged"
    )


def message_templates(kind: str) -> Templates:
    """The templates in use for ``kind``: the edited ones if any, else the packaged ones."""
    _check_kind(kind)
    row = MessageTemplate.objects.filter(kind=kind).first()
    if row is None:
        return packaged_templates(kind)
    return Templates(kind, row.subject, row.text_body, row.html_body, "database")


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"message kind {kind!r} is not one of {list(KINDS)}")


def _compile(source: str, *, escape: bool):
    if not escape:
        source = "{% autoescape off %}" + source + "{% endautoescape %}"
    return engines["django"].from_string(source)


_SAMPLE = {
    "name": "Sample Name",
    "organisation": "Sample Organisation",
    "site": "Sample Site",
    "year": 2000,
    "closes": dt.date(2000, 12, 31),
    "title": "Sample survey",
    "link": "https://example.invalid/s/START-SENTINEL/",
    "opt_out_link": "https://example.invalid/s/OPT-OUT-SENTINEL/",
    "reminder": 1,
}


def check_template(subject: str, text_body: str, html_body: str = "") -> None:
    """Raise ``ValidationError`` unless the templates compile and the bodies carry both links.

    Rendered with sample values: the plain-text body (and the HTML one, if given) must show
    ``{{ link }}`` and ``{{ opt_out_link }}``, so no message goes out without its opt-out.
    """
    errors: dict[str, str] = {}
    for field, source, escape in (
        ("subject", subject, False),
        ("text_body", text_body, False),
        ("html_body", html_body, True),
    ):
        if field == "html_body" and not source.strip():
            continue
        try:
            shown = _compile(source, escape=escape).render(_SAMPLE)
        except TemplateSyntaxError as error:
            errors[field] = f"The template does not work: {error}"
            continue
        if field != "subject":
            missing = [
                f"{{{{ {name} }}}}"
                for name in ("link", "opt_out_link")
                if _SAMPLE[name] not in shown
            ]
            if missing:
                errors[field] = f"The message must contain {' and '.join(missing)}."
    if errors:
        raise ValidationError(errors)


def _checked(templates: Templates) -> Templates:
    try:
        check_template(templates.subject, templates.text_body, templates.html_body)
    except ValidationError as error:
        problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
        raise DataFileError(
            f"{templates.source} {templates.kind} e-mail template",
            problems,
            fix="correct the template in the admin (Message templates), or delete it to use "
            "the packaged default",
        ) from None
    return templates


def absolute_url(path: str) -> str:
    """``path`` on the site's public address (``PIONEER_BASE_URL``)."""
    return settings.PIONEER_BASE_URL.rstrip("/") + path


def links(token: str) -> tuple[str, str]:
    """The start-page and opt-out addresses for a link token."""
    return (
        absolute_url(reverse("fielding:respond_start", kwargs={"token": token})),
        absolute_url(reverse("fielding:respond_opt_out", kwargs={"token": token})),
    )


def build_message(
    invitation: Invitation,
    token: str,
    templates: Templates,
    *,
    reminder: int | None = None,
    connection=None,
) -> EmailMultiAlternatives:
    """The e-mail for one invitation and link token, ready to send."""
    contact = invitation.contact
    wave = contact.wave
    link, opt_out_link = links(token)
    context = {
        "name": contact.name,
        "organisation": contact.organisation,
        "site": contact.site.name,
        "year": wave.year,
        "closes": wave.closes,
        "title": wave.load_instrument().title,
        "link": link,
        "opt_out_link": opt_out_link,
        "reminder": reminder or "",
    }
    subject = " ".join(_compile(templates.subject, escape=False).render(context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=_compile(templates.text_body, escape=False).render(context),
        to=[contact.email],
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{opt_out_link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    if templates.html_body.strip():
        html = _compile(templates.html_body, escape=True).render(context)
        message.attach_alternative(html, "text/html")
    return message


# --- sending --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """What one run did: counts only, never who.

    ``skipped`` counts the invitations left out by reason (the library's reasons, such as
    ``complete`` or ``too soon``); ``refused`` the addresses the mail server refused, now
    recorded as bounced; ``error`` says why a run stopped early (the mail server failed),
    with ``unsent`` messages left for the next run.
    """

    wave: int
    kind: str
    dry_run: bool
    considered: int
    due: int
    sent: int
    refused: int = 0
    unsent: int = 0
    skipped: tuple[tuple[str, int], ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def lines(self) -> list[str]:
        """The summary as short lines for a terminal or a cron mail."""
        head = f"{self.wave} wave, {self.kind}s"
        if self.dry_run:
            head += f" (dry run): {self.due} would be sent, nothing sent"
        else:
            head += f": {self.sent} sent of {self.due} due"
        out = [head, f"  invitations considered: {self.considered}"]
        if self.refused:
            out.append(f"  refused by the mail server (recorded as bounced): {self.refused}")
        out += [f"  skipped, {reason}: {count}" for reason, count in self.skipped]
        if self.error:
            out.append(f"  stopped early: {self.error}; {self.unsent} left for the next run")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _wave(year: int) -> SurveyWave:
    wave = SurveyWave.objects.filter(year=year).first()
    if wave is None:
        years = ", ".join(str(y) for y in SurveyWave.objects.values_list("year", flat=True))
        raise PioneerError(f"there is no {year} wave; the waves are: {years or 'none'}")
    return wave


def _rule(wave: SurveyWave, max_reminders: int, min_gap: dt.timedelta) -> ReminderRule:
    return ReminderRule(
        opens=wave.opens, closes=wave.closes, max_reminders=max_reminders, min_gap=min_gap
    )


def _decide(wave: SurveyWave, invitation: InvitationState, rule: ReminderRule, now) -> str:
    """The library's decision, except that a wave closed by hand is closed whatever its dates."""
    return "wave closed" if not wave.is_open else decide(invitation, rule, now)


def state(invitation: Invitation) -> InvitationState:
    """The library's view of an invitation (``pioneer.fielding.reminders``)."""
    sent = [t for t in (invitation.invited_at, invitation.last_reminded_at) if t is not None]
    return InvitationState(
        key=invitation.pk,
        status=progress_status(
            started=invitation.started_at is not None
            or invitation.status == Invitation.Status.STARTED,
            completed=invitation.completed_at is not None
            or invitation.status == Invitation.Status.COMPLETED,
        ),
        reminders_sent=invitation.reminders_sent,
        last_sent=max(sent) if sent else None,
        bounced=invitation.bounced_at is not None or invitation.status == Invitation.Status.BOUNCED,
        opted_out=invitation.opted_out_at is not None
        or invitation.status == Invitation.Status.OPTED_OUT,
    )


class _RefusedError(Exception):
    """The mail server refused the recipient."""


def _send(message: EmailMultiAlternatives) -> None:
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused:
        raise _RefusedError from None


def _failure(error: BaseException) -> str:
    # The exception's text may quote an address; its type and code are enough.
    code = getattr(error, "smtp_code", None) or getattr(error, "errno", None)
    return f"mail server error {type(error).__name__}" + (f" ({code})" if code else "")


@dataclass(frozen=True)
class _Claim:
    """A message recorded as sent before it goes: ``undo`` if it fails, ``refused`` if the
    server refuses the address (undo, and record the bounce)."""

    invitation: Invitation
    token: str
    reminder: int | None
    undo: Callable[[], None]
    refused: Callable[[], None]


def _run(
    wave: SurveyWave,
    kind: str,
    due: list[int],
    claim: Callable[[int], _Claim | None],
    *,
    considered: int,
    skipped: Counter[str],
) -> Summary:
    """Claim, then send, each message of ``due`` (contact pks or invitation pks).

    Each claim re-checks the rule under the row's lock and records the message in its own
    short transaction; the e-mail goes after the commit, so no database lock is held while
    talking to the mail server, and an overlapping run finds the message already recorded.
    A failed send is undone. (A crash between the commit and the send loses that one
    message rather than sending it twice.)
    """
    templates = _checked(message_templates(kind))
    sent = refused = unsent = 0
    error = None
    connection = get_connection()
    try:
        connection.open()
    except (smtplib.SMTPException, OSError) as failure:
        error, unsent = _failure(failure), len(due)
    for position, key in enumerate(due if error is None else ()):
        with transaction.atomic():
            claimed = claim(key)
        if claimed is None:
            skipped["changed meanwhile"] += 1
            continue
        try:
            message = build_message(
                claimed.invitation,
                claimed.token,
                templates,
                reminder=claimed.reminder,
                connection=connection,
            )
            _send(message)
        except _RefusedError:
            claimed.refused()
            refused += 1
        except (smtplib.SMTPException, OSError) as failure:
            claimed.undo()
            error, unsent = _failure(failure), len(due) - position
            break
        except BaseException:
            claimed.undo()
            raise
        else:
            sent += 1
    with contextlib.suppress(smtplib.SMTPException, OSError):
        connection.close()
    log.info(
        "%s wave: %d %s e-mails sent, %d refused%s",
        wave.year,
        sent,
        kind,
        refused,
        f", stopped: {error}" if error else "",
    )
    return Summary(
        wave=wave.year,
        kind=kind,
        dry_run=False,
        considered=considered,
        due=len(due),
        sent=sent,
        refused=refused,
        unsent=unsent,
        skipped=tuple(sorted(skipped.items())),
        error=error,
    )


def send_invitations(
    wave_year: int, *, now: dt.datetime | None = None, dry_run: bool = False
) -> Summary:
    """E-mail the invitation to every contact of the wave who has none yet.

    Only while the wave is open (status open, ``opens <= today <= closes``, London time).
    A failed send leaves the contact uninvited for the next run; an address the server
    refuses gets a *bounced* invitation and is not tried again. Returns counts; sends
    nothing on ``dry_run``. ``now`` (time-zone aware) defaults to the clock.
    """
    now = now or timezone.now()
    wave = _wave(wave_year)
    rule = _rule(wave, max_reminders=0, min_gap=dt.timedelta(0))
    local = timezone.localtime(now)
    contacts = list(
        Contact.objects.filter(wave=wave, invitation__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # A contact without an invitation is, to the rule, an invitation not yet sent.
    reason = _decide(wave, InvitationState(key=None, status="not_started"), rule, local)
    skipped: Counter[str] = Counter()
    due = contacts if reason == "not invited yet" else []
    if not due and contacts:
        skipped[reason] = len(contacts)
    considered = Contact.objects.filter(wave=wave).count()
    if considered > len(contacts):
        skipped["already invited"] = considered - len(contacts)
    if dry_run or not due:
        return Summary(
            wave=wave.year,
            kind="invitation",
            dry_run=dry_run,
            considered=considered,
            due=len(due),
            sent=0,
            skipped=tuple(sorted(skipped.items())),
        )

    def claim(pk: int) -> _Claim | None:
        contact = Contact.objects.select_for_update().select_related("wave", "site").get(pk=pk)
        if Invitation.objects.filter(contact=contact).exists():
            return None
        invitation = Invitation.objects.create(contact=contact, invited_at=now)
        token = invitations.new_link(invitation)

        def undo() -> None:
            invitation.delete()  # and its link: the token never left

        def refused() -> None:
            with transaction.atomic():
                invitation.links.all().delete()
                Invitation.objects.filter(pk=invitation.pk).update(invited_at=None)
                mark_bounced(invitation, now=now)

        return _Claim(invitation, token, None, undo, refused)

    return _run(wave, "invitation", due, claim, considered=considered, skipped=skipped)


def send_reminders(
    wave_year: int,
    *,
    max_reminders: int,
    min_gap: dt.timedelta | int,
    now: dt.datetime | None = None,
    dry_run: bool = False,
) -> Summary:
    """Remind everyone the library's rule says is due (``reminders.decide``), once.

    Due: the wave is open, the questionnaire not submitted, the address not bounced and the
    person not opted out, the invitation sent, fewer than ``max_reminders`` reminders so far,
    and ``min_gap`` (a timedelta, or whole days) since the last message. Each reminder
    carries a fresh link. Safe to run from cron as often as liked: the rule is re-checked
    under a row lock as each message is recorded, so repeated or overlapping runs send
    nothing twice. ``now`` (time-zone aware) defaults to the clock.
    """
    now = now or timezone.now()
    if not isinstance(min_gap, dt.timedelta):
        min_gap = dt.timedelta(days=min_gap)
    wave = _wave(wave_year)
    rule = _rule(wave, max_reminders, min_gap)
    local = timezone.localtime(now)
    states = [state(i) for i in Invitation.objects.filter(contact__wave=wave).order_by("pk")]
    decisions = [(s.key, _decide(wave, s, rule, local)) for s in states]
    reasons = Counter(reason for _, reason in decisions)
    due = [key for key, reason in decisions if reason == DUE]
    skipped = Counter({r: n for r, n in reasons.items() if r != DUE})
    if dry_run or not due:
        return Summary(
            wave=wave.year,
            kind="reminder",
            dry_run=dry_run,
            considered=len(states),
            due=len(due),
            sent=0,
            skipped=tuple(sorted(skipped.items())),
        )

    def claim(pk: int) -> _Claim | None:
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("contact__wave", "contact__site")
            .get(pk=pk)
        )
        if _decide(wave, state(invitation), rule, local) != DUE:
            return None
        before = (invitation.reminders_sent, invitation.last_reminded_at, invitation.status)
        token = invitations.new_link(invitation)
        invitation.reminders_sent += 1
        invitation.last_reminded_at = now
        if invitation.status in _OVERWRITABLE:
            invitation.status = Invitation.Status.REMINDED
        invitation.save(update_fields=["reminders_sent", "last_reminded_at", "status"])

        def undo() -> None:
            with transaction.atomic():
                invitation.links.filter(token_hash=tokens.hash_token(token)).delete()
                fresh = Invitation.objects.select_for_update().get(pk=invitation.pk)
                if (fresh.reminders_sent, fresh.last_reminded_at) == (before[0] + 1, now):
                    fresh.reminders_sent, fresh.last_reminded_at = before[:2]
                    if fresh.status == Invitation.Status.REMINDED:
                        fresh.status = before[2]
                    fresh.save(update_fields=["reminders_sent", "last_reminded_at", "status"])

        def refused() -> None:
            undo()
            mark_bounced(invitation, now=now)

        return _Claim(invitation, token, invitation.reminders_sent, undo, refused)

    return _run(wave, "reminder", due, claim, considered=len(states), skipped=skipped)


# --- bounces and opt-outs -------------------------------------------------------------------


def mark_bounced(invitation: Invitation, *, now: dt.datetime | None = None) -> bool:
    """Record that mail to the invitation's address bounced; ``False`` if already recorded.

    The status becomes *bounced* unless the person has already started or finished (that
    progress is kept); the time is recorded either way, and no reminder goes to it again.
    """
    with transaction.atomic():
        fresh = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if fresh.bounced_at is not None:
            return False
        fresh.bounced_at = now or timezone.now()
        fields = ["bounced_at"]
        if fresh.status in _OVERWRITABLE:
            fresh.status = Invitation.Status.BOUNCED
            fields.append("status")
        fresh.save(update_fields=fields)
    return True


@dataclass(frozen=True)
class BounceResult:
    """What a bounce file recorded."""

    wave: int
    recorded: int
    already: int


def mark_bounced_file(
    wave_year: int, source: Source, *, label: str = "bounces.csv", now: dt.datetime | None = None
) -> BounceResult:
    """Record the bounced addresses of a CSV file (an ``email`` column) for one wave.

    All or nothing: every address must be well formed and belong to an invited contact of
    the wave, else :class:`DataFileError` names the row and nothing is recorded. An address
    listed twice, or bounced before, is counted in ``already``.
    """
    wave = _wave(wave_year)
    rows = _read_removals(source, label)
    if not rows:
        raise DataFileError(label, "the file has a header but no addresses", row=2)
    by_email = {
        i.contact.email: i
        for i in Invitation.objects.filter(contact__wave=wave).select_related("contact")
    }
    chosen: dict[str, Invitation] = {}
    for row in rows:
        email = normalise_email(row["email"])
        try:
            validate_email(email)
        except ValidationError:
            raise DataFileError(
                label,
                "not a valid e-mail address",
                row=int(row["_row"]),
                column="email",
                value=row["email"],
                fix="correct the address or remove the row",
            ) from None
        if email not in by_email:
            raise DataFileError(
                label,
                f"no invitation of the {wave.year} wave went to this address",
                row=int(row["_row"]),
                column="email",
                value=row["email"],
                fix=f"check the address, or the wave (this file was read for {wave.year})",
            )
        chosen.setdefault(email, by_email[email])
    recorded = 0
    with transaction.atomic():
        for invitation in chosen.values():
            recorded += mark_bounced(invitation, now=now)
    log.info("%s wave: %d bounces recorded", wave.year, recorded)
    return BounceResult(wave=wave.year, recorded=recorded, already=len(rows) - recorded)


def opt_out(invitation: Invitation, *, now: dt.datetime | None = None) -> bool:
    """Record that the person wants no more messages for this wave; ``False`` if already.

    A submitted questionnaire stays submitted (the time is recorded); otherwise the status
    becomes *opted out*, and the start link says so.
    """
    with transaction.atomic():
        fresh = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if fresh.opted_out_at is not None:
            return False
        fresh.opted_out_at = now or timezone.now()
        fields = ["opted_out_at"]
        if fresh.status != Invitation.Status.COMPLETED:
            fresh.status = Invitation.Status.OPTED_OUT
            fields.append("status")
        fresh.save(update_fields=fields)
    log.info("an invitation was opted out")
    return True
