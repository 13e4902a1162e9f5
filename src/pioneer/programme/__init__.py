"""Programme registries: sites, programme waves, organisations and local-authority footprints.

``load("pioneers")`` gives the 25 Integrated Care and Support Pioneers; see
``docs/registry.md`` for what the registry holds and how each footprint was decided.
"""

from pioneer.programme.registry import (
    Programme,
    Site,
    available,
    load,
    load_folder,
    normalise_name,
)
from pioneer.programme.tables import sites_table

__all__ = [
    "Programme",
    "Site",
    "available",
    "load",
    "load_folder",
    "normalise_name",
    "sites_table",
]
