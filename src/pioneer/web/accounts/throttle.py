"""Login throttling: too many failed logins for one user name from one address lock the pair.

Failures are rows in the database (``LoginAttempt``), so the count holds across worker
processes and restarts. A success clears the pair's failures.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from pioneer.web.accounts.models import LoginAttempt


def _key(username: str) -> str:
    return username.strip().lower()[:150]


def _window_start():
    return timezone.now() - timedelta(seconds=settings.PIONEER_LOGIN_LOCK_SECONDS)


def locked_for(username: str, address: str | None) -> int:
    """Seconds until this user name may try again from this address (0: not locked)."""
    recent = LoginAttempt.objects.filter(
        username=_key(username), address=address, at__gte=_window_start()
    ).order_by("-at")
    times = list(recent.values_list("at", flat=True)[: settings.PIONEER_LOGIN_MAX_FAILURES])
    if len(times) < settings.PIONEER_LOGIN_MAX_FAILURES:
        return 0
    unlock = times[0] + timedelta(seconds=settings.PIONEER_LOGIN_LOCK_SECONDS)
    return max(0, int((unlock - timezone.now()).total_seconds()) + 1)


def record_failure(username: str, address: str | None) -> None:
    LoginAttempt.objects.create(username=_key(username), address=address, at=timezone.now())


def clear(username: str, address: str | None) -> None:
    LoginAttempt.objects.filter(username=_key(username), address=address).delete()
    # Old rows of everyone else are of no further use.
    LoginAttempt.objects.filter(at__lt=_window_start()).delete()
