"""Where a respondent's answers live between pages, and how a questionnaire is submitted once.

Two tables, both keyed by the invitation (never by the person):

* :class:`Answer` — one row per invitation and item code, in the response frame's coding
  (``pioneer.fielding.answers``), updated in place when a page is saved again;
* :class:`QuestionnaireResponse` — one row per invitation that saved a page: the random
  respondent id the analysis will see, the page to continue on, and when it was submitted.

Every write takes the invitation's row lock first (``FOR UPDATE``; on SQLite the
``IMMEDIATE`` transaction does the same job) and re-reads its status under the lock, so a
page saved in one tab while another submits, a double click on *Submit* and a replayed POST
all see the submission and write nothing. On PostgreSQL the wave's row is share-locked too:
saves do not wait for one another, but closing the wave waits for the saves under way, and
a save that comes after the close sees it.

The respondent's pages are the busiest in the application (a page viewed and a page saved
for every section, by every respondent at once), so reads and writes here are a few fixed
SQL statements rather than ORM queries (``docs/performance.md``, the web section); the rest
of the application reads these tables through the models as usual.

The models are registered when the fielding app is ready (``FieldingConfig.ready``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.utils import timezone

from pioneer.fielding import answers as answers_lib
from pioneer.fielding import tokens
from pioneer.fielding.pages import Page, Questionnaire
from pioneer.web.fielding import invitations
from pioneer.web.fielding.models import Contact, Invitation, InvitationLink, SurveyWave

#: ``QuestionnaireResponse.resume_page`` for "go to check your answers".
CHECK = "check-your-answers"


def new_respondent_id() -> str:
    """A random respondent id (``r-`` + 16 hex digits), nothing derived from the person."""
    return tokens.new_respondent_id()


class QuestionnaireResponse(models.Model):
    """One invitation's questionnaire: where to continue, and whether it was submitted."""

    invitation = models.OneToOneField(
        Invitation, on_delete=models.CASCADE, related_name="questionnaire"
    )
    respondent_id = models.CharField(max_length=32, unique=True, default=new_respondent_id)
    resume_page = models.CharField(
        max_length=64, blank=True, help_text="page code to continue on; blank: the first page"
    )
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    site_path = "invitation__contact__site"

    class Meta:
        app_label = "fielding"

    def __str__(self) -> str:
        return f"questionnaire of invitation {self.invitation_id}"


class Answer(models.Model):
    """One stored answer: an item code and its value, for one invitation."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="answers")
    item = models.CharField(max_length=200)
    value = models.TextField()
    saved_at = models.DateTimeField(auto_now=True)

    site_path = "invitation__contact__site"

    class Meta:
        app_label = "fielding"
        constraints = (
            models.UniqueConstraint(fields=["invitation", "item"], name="answer_once_per_item"),
        )

    def __str__(self) -> str:
        # Not the value: open text may identify someone, and str() reaches logs.
        return f"answer {self.item} of invitation {self.invitation_id}"


class NotWritableError(Exception):
    """The invitation can no longer take answers; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- the respondent's pages read and write through a few fixed SQL statements ----------------
#
# Each questionnaire page used to build 3 (view) to 12 (save) ORM queries; building a query
# cost 10-20 times running it, and under load that was most of a page's time. The
# statements below are plain SQL that SQLite (3.24+) and PostgreSQL both accept, with the
# table and column names taken from the models, so the tables stay the models' own.


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@dataclass(frozen=True)
class Standing:
    """Where an invitation stands, as the questionnaire pages need it (one query).

    ``wave`` is the invitation's survey wave (a read-only copy, not to be saved);
    ``responded`` says whether it has a :class:`QuestionnaireResponse` (a page was saved),
    and ``resume_page`` is that row's page to continue on (see :func:`resume_page`).
    """

    invitation_pk: int
    status: str
    wave: SurveyWave
    responded: bool
    resume_page: str


def _standing_sql(*, by_link: bool = False) -> str:
    link = f"JOIN {_table(InvitationLink)} l ON l.invitation_id = i.id " if by_link else ""
    return (
        "SELECT i.id, i.status, w.id, w.year, w.instrument_id, w.opens, w.closes, w.status, "
        "r.id, r.resume_page "
        f"FROM {_table(Invitation)} i "
        f"JOIN {_table(Contact)} c ON c.id = i.contact_id "
        f"JOIN {_table(SurveyWave)} w ON w.id = c.wave_id "
        f"LEFT JOIN {_table(QuestionnaireResponse)} r ON r.invitation_id = i.id "
        + link
        + ("WHERE l.token_hash = %s" if by_link else "WHERE i.id = %s")
    )


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _read_standing(key, *, lock: bool = False, by_link: bool = False) -> Standing | None:
    sql = _standing_sql(by_link=by_link)
    if lock and connection.vendor == "postgresql":
        # The invitation row for this transaction alone; the wave row shared, so that
        # saves from different respondents run side by side while closing the wave (an
        # UPDATE of that row) waits for them, and they for it.
        sql += " FOR UPDATE OF i FOR SHARE OF w"
    elif lock and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    # On SQLite the transaction is IMMEDIATE (pioneer.web.database): the database's write
    # lock is held from BEGIN, which does the row lock's job.
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    if row is None:
        return None
    pk, status, wave_pk, year, instrument_id, opens, closes, wave_status, response, resume = row
    wave = SurveyWave(
        pk=wave_pk,
        year=year,
        instrument_id=instrument_id,
        opens=_date(opens),
        closes=_date(closes),
        status=wave_status,
    )
    return Standing(pk, status, wave, response is not None, resume or "")


def standing(invitation_pk: int) -> Standing | None:
    """The invitation's status, wave and resume page; ``None`` if there is no such invitation."""
    return _read_standing(invitation_pk, lock=False)


def standing_by_link(token: str) -> Standing | None:
    """Where the invitation a link's token opens stands; ``None`` for a malformed or unknown
    token (the query of ``invitations.find``, in one statement)."""
    if not tokens.is_well_formed(token):
        return None
    return _read_standing(tokens.hash_token(token), by_link=True)


def mark_started(invitation_pk: int) -> None:
    """Mark the invitation started, once: later calls, and invitations already completed or
    opted out, change nothing (``invitations.start`` in one statement)."""
    startable = list(invitations.STARTABLE)
    marks = ", ".join(["%s"] * len(startable))
    _, now = _now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table(Invitation)} SET status = %s, started_at = %s "
            f"WHERE id = %s AND status IN ({marks})",
            [Invitation.Status.STARTED.value, now, invitation_pk, *startable],
        )


def _locked(invitation_pk: int) -> Standing:
    """The invitation, row-locked for this transaction, refused if it takes no answers."""
    found = _read_standing(invitation_pk, lock=True)
    if found is None:
        raise Invitation.DoesNotExist(f"no invitation {invitation_pk}")
    if found.status == Invitation.Status.COMPLETED:
        raise NotWritableError("completed")
    if found.status == Invitation.Status.OPTED_OUT:
        raise NotWritableError("opted_out")
    if not found.wave.is_open:
        raise NotWritableError("closed")
    return found


def stored(invitation_pk: int) -> dict[str, str]:
    """The invitation's stored answers: item code -> value."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT item, value FROM {_table(Answer)} WHERE invitation_id = %s", [invitation_pk]
        )
        return dict(cursor.fetchall())


def resume_page(invitation_pk: int) -> str:
    """The page code to continue on (``""`` for the first page, :data:`CHECK` at the end)."""
    found = standing(invitation_pk)
    return found.resume_page if found is not None else ""


def _now() -> tuple[dt.datetime, object]:
    """Now, and now as the database driver takes a datetime column's value."""
    now = timezone.now()
    return now, connection.ops.adapt_datetimefield_value(now)


def _progress(cursor, invitation_pk: int, resume: str, now, *, submitted: bool) -> None:
    """Insert or update the invitation's :class:`QuestionnaireResponse` in one statement."""
    sets = "resume_page = excluded.resume_page, updated_at = excluded.updated_at"
    if submitted:
        sets += ", submitted_at = excluded.submitted_at"
    cursor.execute(
        f"INSERT INTO {_table(QuestionnaireResponse)} "
        "(invitation_id, respondent_id, resume_page, updated_at, submitted_at) "
        "VALUES (%s, %s, %s, %s, %s) "
        f"ON CONFLICT (invitation_id) DO UPDATE SET {sets}",
        [invitation_pk, new_respondent_id(), resume, now, now if submitted else None],
    )


def save_page(invitation_pk: int, page: Page, clean: Mapping[str, str], *, resume: str) -> Standing:
    """Store one checked page (``answers.validate_page(...).answers``) and the resume point.

    The page's items missing from ``clean`` are deleted (a cleared answer stays cleared);
    the others are updated in place when changed (keeping ``saved_at`` when not) or
    inserted. Raises :class:`NotWritableError` for a completed, opted-out or closed
    invitation, writing nothing. Returns the invitation's standing, read under the lock.
    """
    items = page.items()
    unknown = sorted(set(clean) - set(items))
    if unknown:
        raise ValueError(f"answers {unknown} are not items of page {page.code!r}")
    gone = [item for item in items if item not in clean]
    table = _table(Answer)
    with transaction.atomic():
        found = _locked(invitation_pk)
        _, now = _now()
        with connection.cursor() as cursor:
            if gone:
                marks = ", ".join(["%s"] * len(gone))
                cursor.execute(
                    f"DELETE FROM {table} WHERE invitation_id = %s AND item IN ({marks})",
                    [invitation_pk, *gone],
                )
            if clean:
                rows = ", ".join(["(%s, %s, %s, %s)"] * len(clean))
                cursor.execute(
                    f"INSERT INTO {table} (invitation_id, item, value, saved_at) VALUES {rows} "
                    "ON CONFLICT (invitation_id, item) DO UPDATE "
                    "SET value = excluded.value, saved_at = excluded.saved_at "
                    f"WHERE {table}.value <> excluded.value",
                    [v for item, value in clean.items() for v in (invitation_pk, item, value, now)],
                )
            _progress(cursor, invitation_pk, resume, now, submitted=False)
    return found


@dataclass(frozen=True)
class Submitted:
    """The outcome of a submission: ``created`` is False when it had already been submitted."""

    created: bool
    missing: dict[str, str]


def submit(invitation_pk: int, questionnaire: Questionnaire) -> Submitted:
    """Submit the questionnaire once: mark the invitation completed and stamp the response.

    Returns ``Submitted(created=False)`` without writing when it was already submitted (a
    double click or a replay), and ``missing`` (field name -> message) without writing when
    a required question is unanswered. Raises :class:`NotWritableError` for an opted-out
    invitation or a closed wave.
    """
    with transaction.atomic():
        try:
            _locked(invitation_pk)
        except NotWritableError as refused:
            if refused.reason == "completed":
                return Submitted(created=False, missing={})
            raise
        missing = answers_lib.missing_required(questionnaire, stored(invitation_pk))
        if missing:
            return Submitted(created=False, missing=missing)
        _, now = _now()
        with connection.cursor() as cursor:
            _progress(cursor, invitation_pk, CHECK, now, submitted=True)
            cursor.execute(
                f"UPDATE {_table(Invitation)} SET status = %s, completed_at = %s WHERE id = %s",
                [Invitation.Status.COMPLETED.value, now, invitation_pk],
            )
    return Submitted(created=True, missing={})
