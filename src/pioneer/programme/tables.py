"""Tables about a programme's registry, as :class:`~pioneer.results.TableResult`."""

from __future__ import annotations

import pandas as pd

from pioneer.programme.registry import Programme
from pioneer.results import TableResult


def sites_table(programme: Programme) -> TableResult:
    """One row per site: id, name, programme wave, announcement date and its local authorities.

    Local authorities are the lower-tier ones of the site's footprint (2019 names), in
    alphabetical order; those the site covers only in part are marked ``(part)``.
    """
    areas = programme.areas.sort_values(["site_id", "lad19nm"])
    labels = areas["lad19nm"].where(areas["coverage"] == "whole", areas["lad19nm"] + " (part)")
    by_site = labels.groupby(areas["site_id"]).agg(list)
    sites = programme.sites.sort_values(["programme_wave", "name"])
    frame = pd.DataFrame(
        {
            "site_id": sites["site_id"].to_numpy(),
            "name": sites["name"].to_numpy(),
            "programme_wave": sites["programme_wave"].to_numpy(),
            "announced": sites["announced"].to_numpy(),
            "n_local_authorities": [len(by_site[s]) for s in sites["site_id"]],
            "local_authorities": ["; ".join(by_site[s]) for s in sites["site_id"]],
        }
    )
    n_part = int((programme.areas["coverage"] == "part").sum())
    uncertain = sorted(
        set(programme.areas.loc[programme.areas["certainty"] != "stated", "site_id"])
    )
    notes = (
        f"{len(frame)} sites in {programme.waves.shape[0]} programme waves.",
        f"{n_part} local authorities are covered only in part (marked '(part)').",
        "Footprints not wholly stated in the documents (derived from CCGs or assumed): "
        + ", ".join(uncertain)
        + ". See docs/registry.md.",
    )
    return TableResult(
        name="programme_sites",
        title=f"{programme.name}: sites",
        frame=frame,
        method=(
            "Listing of the packaged programme registry; local authorities are lower-tier "
            "(April 2019 GSS codes)."
        ),
        notes=notes,
        source=(f"{programme.source}; ONS geography lookups (Open Government Licence v3.0)"),
        options={"programme": programme.id},
    )
