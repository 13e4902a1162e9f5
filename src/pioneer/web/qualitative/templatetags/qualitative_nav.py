"""``{% qualitative_nav user as nav %}``: which qualitative pages the menu offers a user."""

from __future__ import annotations

from django import template

from pioneer.web.accounts.permissions import Permission, permitted_sites

register = template.Library()


@register.simple_tag
def qualitative_nav(user) -> dict[str, bool]:
    """``evidence``: the matrix and frame (``qual.matrix.view`` on some site);
    ``transcripts``: the transcript list (``transcripts.view`` on some site)."""
    if not getattr(user, "is_authenticated", False):
        return {"evidence": False, "transcripts": False}
    return {
        "evidence": permitted_sites(user, Permission.QUAL_MATRIX_VIEW).exists(),
        "transcripts": permitted_sites(user, Permission.TRANSCRIPTS_VIEW).exists(),
    }
