"""The respondent's side: the link in the e-mail opens a start page; only a POST starts.

Mail scanners and link previews fetch links with GET, so GET shows a page and changes nothing.
The POST records the start and puts the invitation in the respondent's session; from then on
the questionnaire pages (next increment, built on ``pioneer.fielding.pages``) read it from
the session, so the token need not appear in any further address.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from pioneer.web.fielding import invitations
from pioneer.web.fielding.models import Invitation

#: Session key holding the pk of the invitation the respondent opened.
SESSION_KEY = "pioneer_respondent_invitation"


def _refusal(request, invitation: Invitation | None):
    """The page that explains why this link cannot start the questionnaire, if any."""
    if invitation is None:
        return render(request, "fielding/respond/unknown.html", status=404)
    wave = invitation.contact.wave
    if not wave.is_open:
        return render(request, "fielding/respond/closed.html", {"wave": wave}, status=410)
    if invitation.status == Invitation.Status.OPTED_OUT:
        return render(request, "fielding/respond/opted_out.html", {"wave": wave})
    if invitation.status == Invitation.Status.COMPLETED:
        return render(request, "fielding/respond/completed.html", {"wave": wave})
    return None


@require_http_methods(["GET", "POST"])
def start(request, token: str):
    invitation = invitations.find(token)
    refusal = _refusal(request, invitation)
    if refusal is not None:
        return refusal
    if request.method == "POST":
        invitation = invitations.start(invitation)
        request.session.cycle_key()
        request.session[SESSION_KEY] = invitation.pk
        return redirect("fielding:respond_questionnaire")
    wave = invitation.contact.wave
    return render(
        request,
        "fielding/respond/start.html",
        {
            "wave": wave,
            "title": wave.load_instrument().title,
            "resuming": invitation.status == Invitation.Status.STARTED,
        },
    )


def questionnaire(request):
    """Placeholder for the questionnaire: proves the session opens this invitation only."""
    pk = request.session.get(SESSION_KEY)
    invitation = (
        Invitation.objects.select_related("contact__wave").filter(pk=pk).first() if pk else None
    )
    if invitation is None:
        raise PermissionDenied
    refusal = _refusal(request, invitation)
    if refusal is not None:
        return refusal
    wave = invitation.contact.wave
    instrument = wave.load_instrument()
    return render(
        request,
        "fielding/respond/questionnaire.html",
        {"wave": wave, "title": instrument.title, "sections": instrument.sections},
    )
