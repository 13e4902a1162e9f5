"""The audit trail: every view of identifiable data writes one event per record shown."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest

from pioneer.web.accounts.models import AuditEvent


def record(
    request: HttpRequest,
    records: Iterable[Any],
    *,
    action: str = AuditEvent.Action.VIEW,
) -> int:
    """Write an audit event for each record (a model instance with a ``site_id``).

    Returns the number of events written. Call it from every view that shows contacts or
    other identifiable records, after the permission check and before rendering.
    """
    user = request.user if request.user.is_authenticated else None
    path = request.path[:500]
    events = [
        AuditEvent(
            user=user,
            username=user.get_username() if user else "",
            action=action,
            record_type=type(item)._meta.label_lower,
            record_id=str(item.pk),
            site_id=getattr(item, "site_id", None),
            path=path,
        )
        for item in records
    ]
    AuditEvent.objects.bulk_create(events)
    return len(events)
