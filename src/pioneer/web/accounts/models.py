"""Who may do what (memberships holding role names), failed logins, and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from pioneer.web.programme.models import Site


class Role(models.TextChoices):
    """The role names stored in memberships; their permissions are in ``permissions.ROLES``."""

    PROGRAMME_ADMIN = "programme_admin", "Programme admin"
    RESEARCHER = "researcher", "Researcher"
    SITE_LEAD = "site_lead", "Site lead"
    #: Granted by a programme admin: read one site's interview transcripts (not code them).
    TRANSCRIPT_READER = "transcript_reader", "Transcript reader"


#: Roles that hold across the whole programme (their memberships have no site).
PROGRAMME_ROLES = (Role.PROGRAMME_ADMIN, Role.RESEARCHER)
#: Roles held on one site (their memberships always name it).
SITE_ROLES = (Role.SITE_LEAD, Role.TRANSCRIPT_READER)


class Membership(models.Model):
    """A user holds a role, on the whole programme (no site) or on one site."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("user__username", "role", "site__name")
        constraints = (
            # Programme-wide roles carry no site; a site role always names one.
            models.CheckConstraint(
                condition=(
                    models.Q(role__in=[r.value for r in PROGRAMME_ROLES], site__isnull=True)
                    | models.Q(role__in=[r.value for r in SITE_ROLES], site__isnull=False)
                ),
                name="membership_site_matches_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "site"], name="membership_unique_with_site"
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(site__isnull=True),
                name="membership_unique_programme_wide",
            ),
        )

    def __str__(self) -> str:
        where = self.site.name if self.site_id else "whole programme"
        return f"{self.user} — {self.get_role_display()} ({where})"


class LoginAttempt(models.Model):
    """One failed login for a user name from an address; counted to lock the pair."""

    username = models.CharField(max_length=150)
    address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = (models.Index(fields=["username", "address", "at"]),)


class AuditEvent(models.Model):
    """Someone saw (or changed) an identifiable record: who, what, which site, when."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        IMPORT = "import", "Imported"
        EXPORT = "export", "Exported"
        CHANGE = "change", "Changed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    #: Kept so the trail still says who after a user account is deleted.
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    record_type = models.CharField(max_length=64)
    record_id = models.CharField(max_length=64)
    site = models.ForeignKey(
        Site, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    path = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-at", "-id")
        indexes = (models.Index(fields=["record_type", "record_id"]),)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.record_type} {self.record_id}"
