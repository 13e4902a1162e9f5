"""Fielding tables: survey waves, panel members, contacts and invitations.

Contact details (name, e-mail, role) live only in :class:`Contact`. Everything the analysis
sees is keyed by :class:`PanelMember`'s pseudonymous id, which is random and never derived
from the e-mail address.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from pioneer.fielding import tokens
from pioneer.survey import instrument
from pioneer.survey.frame import ORG_TYPES
from pioneer.web.programme.models import Site


class SurveyWave(models.Model):
    """One annual round of the survey: its year, instrument version and fieldwork dates."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    year = models.PositiveSmallIntegerField(unique=True)
    instrument_id = models.CharField(
        max_length=64, help_text="a packaged instrument, e.g. ki2018 (pioneer.survey.instrument)"
    )
    opens = models.DateField()
    closes = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)

    class Meta:
        ordering = ("year",)
        constraints = (
            models.CheckConstraint(
                condition=models.Q(closes__gte=models.F("opens")),
                name="wave_closes_after_opens",
                violation_error_message="The wave must close on or after the day it opens.",
            ),
        )

    def __str__(self) -> str:
        return f"{self.year} wave"

    def clean(self) -> None:
        """The instrument must be a packaged one (forms and the admin call this)."""
        if self.instrument_id not in instrument.available():
            raise ValidationError(
                {
                    "instrument_id": f"There is no instrument {self.instrument_id!r}; "
                    f"use one of {', '.join(instrument.available())}."
                }
            )

    def load_instrument(self) -> instrument.Instrument:
        """The wave's questionnaire (``pioneer.survey.instrument.load``)."""
        return instrument.load(self.instrument_id)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


def new_panel_id() -> str:
    """A fresh pseudonymous panel id: 64 random bits, nothing derived from the person."""
    return tokens.new_panel_id()


class PanelMember(models.Model):
    """A key informant across waves, known to the analysis only by ``panel_id``."""

    panel_id = models.CharField(max_length=32, unique=True, default=new_panel_id)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.panel_id


class Contact(models.Model):
    """A key informant on one wave's mailing list for one site: the contact details."""

    wave = models.ForeignKey(SurveyWave, on_delete=models.PROTECT, related_name="contacts")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="contacts")
    panel_member = models.ForeignKey(PanelMember, on_delete=models.PROTECT, related_name="contacts")
    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254, help_text="stored in lower case")
    organisation = models.CharField(max_length=300)
    org_type = models.CharField(
        max_length=16, choices=[(t, t) for t in ORG_TYPES], verbose_name="organisation type"
    )
    role = models.CharField(max_length=200, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    site_path = "site"

    class Meta:
        ordering = ("site__name", "name", "pk")
        constraints = (
            models.UniqueConstraint(fields=["wave", "email"], name="contact_email_once_per_wave"),
            models.UniqueConstraint(
                fields=["wave", "panel_member"], name="contact_person_once_per_wave"
            ),
        )

    def __str__(self) -> str:
        # Deliberately not the name or e-mail: str() ends up in logs and admin messages.
        return f"contact {self.pk}"


class Invitation(models.Model):
    """The invitation of one contact to one wave: its status and when each step happened.

    Its links are :class:`InvitationLink` rows (one per message sent). Skeleton:
    :mod:`pioneer.web.fielding.invitations` issues, finds and starts one; sending,
    reminders, bounces and opt-outs come with the next increment.
    """

    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        REMINDED = "reminded", "Reminded"
        STARTED = "started", "Started"
        COMPLETED = "completed", "Completed"
        BOUNCED = "bounced", "Bounced"
        OPTED_OUT = "opted_out", "Opted out"

    contact = models.OneToOneField(Contact, on_delete=models.PROTECT, related_name="invitation")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INVITED)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    invited_at = models.DateTimeField(null=True, blank=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    opted_out_at = models.DateTimeField(null=True, blank=True)

    site_path = "contact__site"

    class Meta:
        ordering = ("contact__site__name", "pk")

    def __str__(self) -> str:
        return f"invitation {self.pk} ({self.status})"

    @property
    def status_label(self) -> str:
        if self.status == self.Status.REMINDED:
            return f"Reminded {self.reminders_sent}×"
        return self.get_status_display()


class InvitationLink(models.Model):
    """One link sent to a respondent, kept only as the SHA-256 hash of its token.

    Every message (the invitation, each reminder) carries a fresh token, and every link
    sent keeps working, so a respondent may use whichever e-mail they find first.
    """

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    site_path = "invitation__contact__site"

    def __str__(self) -> str:
        return f"link {self.pk} of invitation {self.invitation_id}"


class MessageTemplate(models.Model):
    """An edited e-mail template (subject, plain text, HTML) for one kind of message.

    Written in Django's template language; without a row for a kind, the packaged default
    under ``templates/fielding/mail/`` is used (:mod:`pioneer.web.fielding.mail`).
    """

    class Kind(models.TextChoices):
        INVITATION = "invitation", "Invitation"
        REMINDER = "reminder", "Reminder"

    kind = models.CharField(max_length=16, choices=Kind.choices, unique=True)
    subject = models.CharField(max_length=200)
    text_body = models.TextField(help_text="plain text; must contain {{ link }}")
    html_body = models.TextField(blank=True, help_text="optional HTML alternative")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("kind",)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} e-mail"

    def clean(self) -> None:
        """The templates must compile and carry the links (the admin calls this)."""
        from pioneer.web.fielding.mail import check_template

        check_template(self.subject, self.text_body, self.html_body)
