"""Where a respondent's answers live between pages, and how a questionnaire is submitted once.

Two tables, both keyed by the invitation (never by the person):

* :class:`Answer` — one row per invitation and item code, in the response frame's coding
  (``pioneer.fielding.answers``), updated in place when a page is saved again;
* :class:`QuestionnaireResponse` — one row per invitation that saved a page: the random
  respondent id the analysis will see, the page to continue on, and when it was submitted.

Every write takes the invitation's row lock first (``select_for_update``; on SQLite the
``IMMEDIATE`` transaction does the same job) and re-reads its status under the lock, so a
page saved in one tab while another submits, a double click on *Submit* and a replayed POST
all see the submission and write nothing.

The models are registered when the fielding app is ready (``FieldingConfig.ready``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone

from pioneer.fielding import answers as answers_lib
from pioneer.fielding import tokens
from pioneer.fielding.pages import Page, Questionnaire
from pioneer.web.fielding.models import Invitation

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


def _locked(invitation_pk: int) -> Invitation:
    """The invitation, row-locked for this transaction, refused if it takes no answers."""
    invitation = (
        Invitation.objects.select_for_update().select_related("contact__wave").get(pk=invitation_pk)
    )
    if invitation.status == Invitation.Status.COMPLETED:
        raise NotWritableError("completed")
    if invitation.status == Invitation.Status.OPTED_OUT:
        raise NotWritableError("opted_out")
    if not invitation.contact.wave.is_open:
        raise NotWritableError("closed")
    return invitation


def stored(invitation_pk: int) -> dict[str, str]:
    """The invitation's stored answers: item code -> value."""
    return dict(Answer.objects.filter(invitation_id=invitation_pk).values_list("item", "value"))


def resume_page(invitation_pk: int) -> str:
    """The page code to continue on (``""`` for the first page, :data:`CHECK` at the end)."""
    row = QuestionnaireResponse.objects.filter(invitation_id=invitation_pk).first()
    return row.resume_page if row is not None else ""


def save_page(invitation_pk: int, page: Page, clean: Mapping[str, str], *, resume: str) -> None:
    """Store one checked page (``answers.validate_page(...).answers``) and the resume point.

    The page's items missing from ``clean`` are deleted (a cleared answer stays cleared);
    the others are updated in place or inserted. Raises :class:`NotWritableError` for a
    completed, opted-out or closed invitation, writing nothing.
    """
    items = page.items()
    unknown = sorted(set(clean) - set(items))
    if unknown:
        raise ValueError(f"answers {unknown} are not items of page {page.code!r}")
    with transaction.atomic():
        invitation = _locked(invitation_pk)
        rows = {a.item: a for a in Answer.objects.filter(invitation=invitation, item__in=items)}
        gone = [item for item in rows if item not in clean]
        if gone:
            Answer.objects.filter(invitation=invitation, item__in=gone).delete()
        changed = [rows[i] for i, v in clean.items() if i in rows and rows[i].value != v]
        for row in changed:
            row.value = clean[row.item]
        now = timezone.now()
        for row in changed:
            row.saved_at = now
        if changed:
            Answer.objects.bulk_update(changed, ["value", "saved_at"])
        Answer.objects.bulk_create(
            Answer(invitation=invitation, item=i, value=v)
            for i, v in clean.items()
            if i not in rows
        )
        progress, _ = QuestionnaireResponse.objects.get_or_create(invitation=invitation)
        progress.resume_page = resume
        progress.save(update_fields=["resume_page", "updated_at"])


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
            invitation = _locked(invitation_pk)
        except NotWritableError as refused:
            if refused.reason == "completed":
                return Submitted(created=False, missing={})
            raise
        answers = stored(invitation.pk)
        missing = answers_lib.missing_required(questionnaire, answers)
        if missing:
            return Submitted(created=False, missing=missing)
        now = timezone.now()
        progress, _ = QuestionnaireResponse.objects.get_or_create(invitation=invitation)
        progress.resume_page = CHECK
        progress.submitted_at = now
        progress.save(update_fields=["resume_page", "submitted_at", "updated_at"])
        invitation.status = Invitation.Status.COMPLETED
        invitation.completed_at = now
        invitation.save(update_fields=["status", "completed_at"])
    return Submitted(created=True, missing={})
