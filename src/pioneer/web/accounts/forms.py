"""The login form, throttled per user name and address."""

from __future__ import annotations

import logging
from typing import ClassVar

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from pioneer.web.accounts import throttle

log = logging.getLogger(__name__)


def client_address(request) -> str | None:
    """The peer address. Proxies' X-Forwarded-For is not trusted: it is client-supplied."""
    return request.META.get("REMOTE_ADDR") or None


class ThrottledAuthenticationForm(AuthenticationForm):
    """Refuses without checking the password while the user name and address are locked."""

    error_messages: ClassVar[dict[str, str]] = {
        **AuthenticationForm.error_messages,
        "locked": (
            "Too many failed sign-in attempts. Wait %(minutes)s minutes and try again, "
            "or ask your programme admin to reset your password."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request) if self.request is not None else None
        wait = throttle.locked_for(username, address)
        if wait:
            log.warning("login refused: account and address locked after repeated failures")
            raise forms.ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": max(1, -(-wait // 60))},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if self.cleaned_data.get("password"):
                throttle.record_failure(username, address)
            raise
        throttle.clear(username, address)
        return cleaned
