"""The app's URLs and one trivial view, the floor the questionnaire pages are compared with.

The trivial view passes through the same middleware (sessions, CSRF, security headers) but
touches no table and renders no template.
"""

from django.http import HttpResponse
from django.urls import path

from pioneer.web.urls import urlpatterns as app_urlpatterns


def trivial(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial, name="bench_trivial"), *app_urlpatterns]
