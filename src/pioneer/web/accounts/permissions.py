"""Permissions in one place: named permissions, roles that bundle them, and the two checks.

Every view asks :func:`has_permission` about one object's site, or narrows a list with
:func:`scope`. Nothing else decides access; the role table below is the whole policy.

A programme-wide role (programme admin, researcher) grants its permissions on every site
and on programme-wide things. A site lead's permissions hold only on the sites named in
their memberships, and never programme-wide.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet

from pioneer.web.accounts.models import PROGRAMME_ROLES, Membership, Role
from pioneer.web.programme.models import Site


class Permission:
    """The permission names (strings, so roles can be stored and listed as data)."""

    SITE_VIEW = "site.view"
    WAVE_VIEW = "wave.view"
    WAVE_MANAGE = "wave.manage"
    CONTACTS_VIEW = "contacts.view"
    CONTACTS_IMPORT = "contacts.import"
    CONTACTS_CARRY_FORWARD = "contacts.carry_forward"
    INVITATIONS_SEND = "invitations.send"
    MONITOR_VIEW = "monitor.view"
    RESPONSES_EXPORT = "responses.export"
    AUDIT_VIEW = "audit.view"
    ADMIN_ACCESS = "admin.access"
    #: Qualitative evidence: the coding frame, code matrices, transcripts, coding.
    QUAL_FRAME_VIEW = "qual.frame.view"
    QUAL_MATRIX_VIEW = "qual.matrix.view"
    TRANSCRIPTS_VIEW = "transcripts.view"
    TRANSCRIPTS_CODE = "transcripts.code"


PERMISSIONS: frozenset[str] = frozenset(
    value for name, value in vars(Permission).items() if name.isupper()
)

#: Role name -> the permissions it grants.
ROLES: dict[str, frozenset[str]] = {
    Role.PROGRAMME_ADMIN: PERMISSIONS,
    Role.RESEARCHER: frozenset(
        {
            Permission.SITE_VIEW,
            Permission.WAVE_VIEW,
            Permission.CONTACTS_VIEW,
            Permission.CONTACTS_IMPORT,
            Permission.CONTACTS_CARRY_FORWARD,
            Permission.INVITATIONS_SEND,
            Permission.MONITOR_VIEW,
            Permission.RESPONSES_EXPORT,
            Permission.QUAL_FRAME_VIEW,
            Permission.QUAL_MATRIX_VIEW,
            Permission.TRANSCRIPTS_VIEW,
            Permission.TRANSCRIPTS_CODE,
        }
    ),
    # Site leads see the frame and their own sites' matrices (aggregated, suppressed), never
    # transcripts: interview texts are identifiable, like contact details.
    Role.SITE_LEAD: frozenset(
        {
            Permission.SITE_VIEW,
            Permission.WAVE_VIEW,
            Permission.CONTACTS_VIEW,
            Permission.CONTACTS_IMPORT,
            Permission.MONITOR_VIEW,
            Permission.QUAL_FRAME_VIEW,
            Permission.QUAL_MATRIX_VIEW,
        }
    ),
    # Granted per site by a programme admin (a membership row), usually to that site's lead:
    # read the site's transcripts; coding stays with the programme's researchers.
    Role.TRANSCRIPT_READER: frozenset(
        {
            Permission.QUAL_FRAME_VIEW,
            Permission.QUAL_MATRIX_VIEW,
            Permission.TRANSCRIPTS_VIEW,
        }
    ),
}


def _check_name(permission: str) -> None:
    if permission not in PERMISSIONS:
        raise ValueError(
            f"unknown permission {permission!r}; use one of {', '.join(sorted(PERMISSIONS))}"
        )


def _memberships(user: Any) -> list[Membership]:
    """The user's memberships, read once per user object (request) and cached on it."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_pioneer_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).only("role", "site_id"))
        user._pioneer_memberships = cached
    return cached


def _site_key(site: Site | int | None) -> int | None:
    if site is None or isinstance(site, int):
        return site
    return site.pk


def has_permission(user: Any, permission: str, site: Site | int | None = None) -> bool:
    """Whether ``user`` holds ``permission`` on ``site`` (or programme-wide if ``site`` is None).

    Anonymous and inactive users hold nothing; an unknown permission name is a programming
    error (:class:`ValueError`), not a silent refusal.
    """
    _check_name(permission)
    site_pk = _site_key(site)
    for membership in _memberships(user):
        if permission not in ROLES.get(membership.role, frozenset()):
            continue
        if membership.role in PROGRAMME_ROLES:
            return True
        if site_pk is not None and membership.site_id == site_pk:
            return True
    return False


def permitted_sites(user: Any, permission: str) -> QuerySet[Site]:
    """The sites on which ``user`` holds ``permission`` (all of them for programme roles)."""
    _check_name(permission)
    site_pks: set[int] = set()
    for membership in _memberships(user):
        if permission not in ROLES.get(membership.role, frozenset()):
            continue
        if membership.role in PROGRAMME_ROLES:
            return Site.objects.all()
        site_pks.add(membership.site_id)
    return Site.objects.filter(pk__in=site_pks)


def scope(queryset: QuerySet[Any], user: Any, permission: str) -> QuerySet[Any]:
    """``queryset`` narrowed to the rows whose site ``user`` holds ``permission`` on.

    The model names the way to its site in a ``site_path`` attribute (``""`` for the site
    itself, ``"site"``, ``"contact__site"``...). A model without one cannot be scoped.
    """
    model: type[Model] = queryset.model
    path = getattr(model, "site_path", None)
    if path is None:
        raise TypeError(f"{model.__name__} has no site_path; it cannot be scoped to sites")
    sites = permitted_sites(user, permission)
    if path == "":
        return queryset.filter(pk__in=sites.values("pk"))
    return queryset.filter(**{f"{path}__in": sites.values("pk")})


def require(user: Any, permission: str, site: Site | int | None = None) -> None:
    """Raise :class:`~django.core.exceptions.PermissionDenied` unless :func:`has_permission`."""
    if not has_permission(user, permission, site):
        raise PermissionDenied


def require_any_site(user: Any, permission: str) -> QuerySet[Site]:
    """The permitted sites for a list view; refuse users who hold the permission nowhere."""
    sites = permitted_sites(user, permission)
    if not sites.exists():
        raise PermissionDenied
    return sites
