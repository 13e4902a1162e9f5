"""Invitations: issue one per contact (the token leaves once, only its hash is kept), find an
invitation from the token in a link, and mark it started.

Next increment (issue 5, item 3): sending by e-mail with editable templates, reminders
(``pioneer.fielding.reminders.due_reminders``), bounces and opt-outs.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from pioneer.fielding import tokens
from pioneer.web.fielding.models import Contact, Invitation, InvitationLink


def issue(contact: Contact) -> tuple[Invitation, str]:
    """Create ``contact``'s invitation and its first link; returns it and the link's token."""
    with transaction.atomic():
        invitation = Invitation.objects.create(contact=contact, invited_at=timezone.now())
        token = new_link(invitation)
    return invitation, token


def new_link(invitation: Invitation) -> str:
    """A fresh token for the next message (a reminder); earlier links keep working.

    The token is returned to be put in the e-mail and is not stored; only its hash is.
    """
    token, token_hash = tokens.new_token()
    InvitationLink.objects.create(invitation=invitation, token_hash=token_hash)
    return token


def find(token: str) -> Invitation | None:
    """The invitation a link's token opens, or ``None`` for a malformed or unknown token."""
    if not tokens.is_well_formed(token):
        return None
    return (
        Invitation.objects.select_related("contact__wave", "contact__site")
        .filter(links__token_hash=tokens.hash_token(token))
        .first()
    )


#: Statuses from which opening the link starts the questionnaire.
STARTABLE = (Invitation.Status.INVITED, Invitation.Status.REMINDED, Invitation.Status.BOUNCED)


def start(invitation: Invitation) -> Invitation:
    """Mark the invitation started (once; later calls change nothing) and return it fresh."""
    with transaction.atomic():
        fresh = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if fresh.status in STARTABLE:
            fresh.status = Invitation.Status.STARTED
            fresh.started_at = timezone.now()
            fresh.save(update_fields=["status", "started_at"])
    return fresh
