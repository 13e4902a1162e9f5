"""The programme in the store: its sites and their organisations, copied from the registry."""

from __future__ import annotations

from django.db import models


class Site(models.Model):
    """One local site of the programme (a Pioneer), keyed by the registry's site id."""

    site_id = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    programme_wave = models.PositiveSmallIntegerField()

    #: Empty: a site is its own site for permission checks (see accounts.permissions).
    site_path = ""

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """A partner organisation of a site as the registry lists it (type in registry terms)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="organisations")
    name = models.CharField(max_length=300)
    organisation_type = models.CharField(max_length=64)

    #: Permission checks find the site of a row through this path (see accounts.permissions).
    site_path = "site"

    class Meta:
        ordering = ("site__name", "name")
        constraints = (
            models.UniqueConstraint(
                fields=["site", "name", "organisation_type"], name="organisation_unique"
            ),
        )

    def __str__(self) -> str:
        return self.name
