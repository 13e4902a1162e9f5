"""Survey waves and their mailing lists. Every view of contacts writes audit events."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from pioneer.errors import DataFileError
from pioneer.web.accounts import audit
from pioneer.web.accounts.permissions import (
    Permission,
    has_permission,
    require,
    require_any_site,
    scope,
)
from pioneer.web.fielding.contacts import COLUMNS, import_contacts
from pioneer.web.fielding.models import Contact, Invitation, SurveyWave
from pioneer.web.programme.models import Site


@login_required
def wave_list(request):
    require_any_site(request.user, Permission.WAVE_VIEW)
    return render(request, "fielding/wave_list.html", {"waves": SurveyWave.objects.all()})


@login_required
def wave_detail(request, year: int):
    wave = get_object_or_404(SurveyWave, year=year)
    require_any_site(request.user, Permission.WAVE_VIEW)
    sites = scope(Site.objects.all(), request.user, Permission.WAVE_VIEW)
    counts = dict(
        Contact.objects.filter(wave=wave, site__in=sites)
        .values("site")
        .annotate(n=Count("pk"))
        .values_list("site", "n")
    )
    rows = [(site, counts.get(site.pk, 0)) for site in sites]
    return render(request, "fielding/wave_detail.html", {"wave": wave, "rows": rows})


@login_required
def contact_list(request, year: int, site_id: str):
    wave = get_object_or_404(SurveyWave, year=year)
    site = get_object_or_404(Site, site_id=site_id)
    require(request.user, Permission.CONTACTS_VIEW, site)
    contacts = list(Contact.objects.filter(wave=wave, site=site).select_related("panel_member"))
    audit.record(request, contacts)
    can_import = wave.is_open and has_permission(request.user, Permission.CONTACTS_IMPORT, site)
    return render(
        request,
        "fielding/contact_list.html",
        {"wave": wave, "site": site, "contacts": contacts, "can_import": can_import},
    )


@login_required
def contact_detail(request, pk: int):
    contact = get_object_or_404(
        Contact.objects.select_related("site", "wave", "panel_member"), pk=pk
    )
    require(request.user, Permission.CONTACTS_VIEW, contact.site)
    audit.record(request, [contact])
    invitation = Invitation.objects.filter(contact=contact).first()
    return render(
        request, "fielding/contact_detail.html", {"contact": contact, "invitation": invitation}
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_import(request, year: int, site_id: str):
    wave = get_object_or_404(SurveyWave, year=year)
    site = get_object_or_404(Site, site_id=site_id)
    require(request.user, Permission.CONTACTS_IMPORT, site)
    error = None
    if request.method == "POST":
        upload = request.FILES.get("contacts")
        if upload is None:
            error = "Choose a CSV file of contacts to upload."
        else:
            try:
                result = import_contacts(
                    wave, upload, label=upload.name, site=site, user=request.user
                )
            except DataFileError as problem:
                error = str(problem)
            else:
                messages.success(
                    request,
                    f"{result.added} contacts added ({result.returning} from earlier waves).",
                )
                return redirect("fielding:contact_list", year=wave.year, site_id=site.site_id)
    return render(
        request,
        "fielding/contact_import.html",
        {"wave": wave, "site": site, "error": error, "columns": COLUMNS},
        status=400 if error else 200,
    )
