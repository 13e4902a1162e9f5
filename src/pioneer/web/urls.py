"""URL configuration: the programme pages, fielding, qualitative evidence, accounts, admin."""

from django.urls import include, path

from pioneer.web.admin import site as admin_site

urlpatterns = [
    path("", include("pioneer.web.programme.urls")),
    path("", include("pioneer.web.fielding.urls")),
    path("qual/", include("pioneer.web.qualitative.urls")),
    path("accounts/", include("pioneer.web.accounts.urls")),
    path("admin/", admin_site.urls),
]
