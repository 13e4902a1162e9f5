"""The opt-out page: the link in every e-mail shows a page, and only its POST opts out.

Like the start page, a GET changes nothing, so mail scanners and link previews cannot opt
anyone out. The POST needs no CSRF token: the link's token is the only authority it
carries, and mail programs' one-click unsubscribe (RFC 8058) posts without one.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from pioneer.web.fielding import invitations, mail


@csrf_exempt
@require_http_methods(["GET", "POST"])
def opt_out(request, token: str):
    invitation = invitations.find(token)
    if invitation is None:
        return render(request, "fielding/respond/unknown.html", status=404)
    wave = invitation.contact.wave
    if request.method == "POST":
        mail.opt_out(invitation)
        return render(request, "fielding/mail/optout_done.html", {"wave": wave})
    if invitation.opted_out_at is not None:
        return render(request, "fielding/mail/optout_done.html", {"wave": wave})
    return render(
        request,
        "fielding/mail/optout_confirm.html",
        {"wave": wave, "start_url": reverse("fielding:respond_start", kwargs={"token": token})},
    )
