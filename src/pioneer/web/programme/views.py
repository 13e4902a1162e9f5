"""The programme pages: home, sites, one site."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import get_object_or_404, render

from pioneer.web.accounts.permissions import Permission, require, require_any_site, scope
from pioneer.web.fielding.models import Contact, SurveyWave
from pioneer.web.programme.models import Site


@login_required
def home(request):
    sites = scope(Site.objects.all(), request.user, Permission.SITE_VIEW)
    waves = SurveyWave.objects.all() if sites.exists() else SurveyWave.objects.none()
    return render(request, "programme/home.html", {"sites": sites, "waves": waves})


@login_required
def site_list(request):
    require_any_site(request.user, Permission.SITE_VIEW)
    sites = scope(Site.objects.all(), request.user, Permission.SITE_VIEW)
    return render(request, "programme/site_list.html", {"sites": sites})


@login_required
def site_detail(request, site_id: str):
    site = get_object_or_404(Site, site_id=site_id)
    require(request.user, Permission.SITE_VIEW, site)
    counts = dict(
        Contact.objects.filter(site=site)
        .values_list("wave__year")
        .annotate(n=Count("pk"))
        .values_list("wave__year", "n")
    )
    waves = [(wave, counts.get(wave.year, 0)) for wave in SurveyWave.objects.all()]
    return render(
        request,
        "programme/site_detail.html",
        {"site": site, "organisations": site.organisations.all(), "waves": waves},
    )
