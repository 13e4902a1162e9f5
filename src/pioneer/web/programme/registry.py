"""Copy a programme registry (``pioneer.programme.load``) into the store."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from pioneer import programme as registry
from pioneer.web.programme.models import Organisation, Site


@dataclass(frozen=True)
class RegistryLoad:
    """What :func:`load_registry` changed."""

    programme_id: str
    sites_created: int
    sites_updated: int
    organisations_created: int


@transaction.atomic
def load_registry(programme_id: str = "pioneers") -> RegistryLoad:
    """Create or update every site and organisation of the registry; safe to run again.

    Nothing is deleted: a site that has contacts must not vanish because a registry changed.
    """
    programme = registry.load(programme_id)
    created = updated = 0
    sites: dict[str, Site] = {}
    for row in programme.sites.itertuples(index=False):
        site, was_created = Site.objects.update_or_create(
            site_id=str(row.site_id),
            defaults={"name": str(row.name), "programme_wave": int(row.programme_wave)},
        )
        sites[site.site_id] = site
        created += was_created
        updated += not was_created
    existing = set(Organisation.objects.values_list("site__site_id", "name", "organisation_type"))
    new = [
        Organisation(
            site=sites[str(o.site_id)], name=str(o.name), organisation_type=str(o.organisation_type)
        )
        for o in programme.organisations.drop_duplicates(
            ["site_id", "name", "organisation_type"]
        ).itertuples(index=False)
        if (str(o.site_id), str(o.name), str(o.organisation_type)) not in existing
    ]
    Organisation.objects.bulk_create(new)
    return RegistryLoad(programme_id, created, updated, len(new))
