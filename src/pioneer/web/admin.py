"""The staff admin, open to programme admins only (by role, not by Django's staff flag).

Contacts and invitations are deliberately absent: identifiable data is seen only through
views that write audit events.
"""

from __future__ import annotations

from functools import update_wrapper
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse

from pioneer.web.accounts.models import AuditEvent, Membership
from pioneer.web.accounts.permissions import Permission, has_permission
from pioneer.web.fielding.mail_admin import MessageTemplateAdmin
from pioneer.web.fielding.models import MessageTemplate, SurveyWave
from pioneer.web.programme.models import Organisation, Site


class PioneerAdminSite(admin.AdminSite):
    site_header = "Pioneer administration"
    site_title = "Pioneer admin"

    def has_permission(self, request) -> bool:
        return has_permission(request.user, Permission.ADMIN_ACCESS)

    def admin_view(self, view, cacheable=False):
        """Signed-in users without the role get 403 rather than a sign-in loop."""
        inner = super().admin_view(view, cacheable)

        def checked(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return update_wrapper(checked, inner)

    def login(self, request, extra_context=None):
        """Sign-in goes through the throttled login page."""
        if request.user.is_authenticated:
            raise PermissionDenied
        query = urlencode({"next": request.GET.get("next", reverse("admin:index"))})
        return HttpResponseRedirect(f"{reverse('accounts:login')}?{query}")


class ProgrammeAdminOnly:
    """Every model permission follows the programme-admin role."""

    def has_module_permission(self, request):
        return has_permission(request.user, Permission.ADMIN_ACCESS)

    def has_view_permission(self, request, obj=None):
        return has_permission(request.user, Permission.ADMIN_ACCESS)

    def has_add_permission(self, request, *args):
        return has_permission(request.user, Permission.ADMIN_ACCESS)

    def has_change_permission(self, request, obj=None):
        return has_permission(request.user, Permission.ADMIN_ACCESS)

    def has_delete_permission(self, request, obj=None):
        return has_permission(request.user, Permission.ADMIN_ACCESS)


class MembershipInline(ProgrammeAdminOnly, admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ("site",)


class PioneerUserAdmin(ProgrammeAdminOnly, UserAdmin):
    inlines = (MembershipInline,)
    list_display = ("username", "first_name", "last_name", "is_active", "last_login")


class SiteAdmin(ProgrammeAdminOnly, admin.ModelAdmin):
    list_display = ("name", "site_id", "programme_wave")
    search_fields = ("name", "site_id")


class OrganisationAdmin(ProgrammeAdminOnly, admin.ModelAdmin):
    list_display = ("name", "organisation_type", "site")
    list_filter = ("organisation_type",)
    search_fields = ("name",)


class MembershipAdmin(ProgrammeAdminOnly, admin.ModelAdmin):
    list_display = ("user", "role", "site")
    list_filter = ("role",)


class SurveyWaveAdmin(ProgrammeAdminOnly, admin.ModelAdmin):
    list_display = ("year", "instrument_id", "opens", "closes", "status")


class AuditEventAdmin(ProgrammeAdminOnly, admin.ModelAdmin):
    """Read-only: the trail is written by the application, never edited."""

    list_display = ("at", "username", "action", "record_type", "record_id", "site")
    list_filter = ("action", "record_type")

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


site = PioneerAdminSite(name="admin")
site.register(get_user_model(), PioneerUserAdmin)
site.register(Site, SiteAdmin)
site.register(Organisation, OrganisationAdmin)
site.register(Membership, MembershipAdmin)
site.register(SurveyWave, SurveyWaveAdmin)
site.register(AuditEvent, AuditEventAdmin)
site.register(MessageTemplate, MessageTemplateAdmin)
