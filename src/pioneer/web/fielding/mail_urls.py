"""The opt-out address, for ``fielding/urls.py`` to take into the ``fielding`` namespace.

``mail.links`` reverses ``fielding:respond_opt_out``, so the pattern must live in that
namespace: add ``*mail_urls.urlpatterns`` to ``fielding.urls.urlpatterns`` (or the same
``path(...)`` line).
"""

from django.urls import path

from pioneer.web.fielding import optout

urlpatterns = [
    path("s/<str:token>/opt-out/", optout.opt_out, name="respond_opt_out"),
]
