"""Programme registries: the sites of a programme, its programme waves and footprints.

A registry is packaged as CSV under ``pioneer/data/programmes/<id>/`` (see SOURCES.md
there) and read by :func:`load`, which checks it before handing it out. The footprint of
each site is in ``Programme.areas``: one row per site and lower-tier local authority, with
2019 and 2018 GSS codes, whether the authority is covered whole or in part, and how sure
the registry is (``stated`` / ``derived`` / ``assumed``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from pioneer.errors import DataFileError, RegistryError
from pioneer.programme import validation

VINTAGES = (2018, 2019)


def normalise_name(name: str) -> str:
    """The form names are matched in: case-folded, '&' read as 'and', punctuation dropped."""
    text = name.casefold().replace("&", " and ")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


@dataclass(frozen=True)
class Site:
    """One site of a programme (a Pioneer), as the registry records it."""

    id: str
    name: str
    programme_wave: int
    announced: date
    announcement_as_stated: str
    in_interim_report_2015: bool
    in_2018_table_iii: bool
    note: str
    footprint_note: str


@dataclass(frozen=True, eq=False)
class Programme:
    """A programme's registry: sites, programme waves, names, organisations and footprints.

    The frames are the packaged tables (see ``docs/registry.md`` for their columns); the
    methods answer the questions other modules ask of them. Build one with :func:`load`.
    """

    id: str
    name: str
    sites: pd.DataFrame
    waves: pd.DataFrame
    name_variants: pd.DataFrame
    organisations: pd.DataFrame
    areas: pd.DataFrame
    ccgs: pd.DataFrame
    source: str = ""
    _names: Mapping[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        for attribute in ("sites", "waves", "name_variants", "organisations", "areas", "ccgs"):
            if not isinstance(getattr(self, attribute), pd.DataFrame):
                raise TypeError(f"Programme.{attribute} must be a DataFrame")
        index: dict[str, str] = {}
        candidates = [
            *zip(self.sites["site_id"], self.sites["site_id"], strict=True),
            *zip(self.sites["name"], self.sites["site_id"], strict=True),
            *zip(self.name_variants["name"], self.name_variants["site_id"], strict=True),
        ]
        for name, site_id in candidates:
            key = normalise_name(name)
            if index.setdefault(key, site_id) != site_id:
                raise RegistryError(
                    f"programme {self.id!r}: the name {name!r} is used by both "
                    f"{index[key]!r} and {site_id!r}; give each site distinct names"
                )
        object.__setattr__(self, "_names", MappingProxyType(index))

    def __repr__(self) -> str:
        return (
            f"Programme(id={self.id!r}, name={self.name!r}, sites={len(self.sites)}, "
            f"programme_waves={len(self.waves)}, areas={len(self.areas)})"
        )

    @property
    def site_ids(self) -> tuple[str, ...]:
        """Every site id, in registry order."""
        return tuple(self.sites["site_id"])

    def site(self, site_id: str) -> Site:
        """The site with this id; a :class:`RegistryError` suggests close ids if unknown."""
        rows = self.sites[self.sites["site_id"] == site_id]
        if rows.empty:
            raise RegistryError(self._unknown_site_message(site_id))
        row = rows.iloc[0]
        return Site(
            id=row["site_id"],
            name=row["name"],
            programme_wave=int(row["programme_wave"]),
            announced=date.fromisoformat(row["announced"]),
            announcement_as_stated=row["announcement_as_stated"],
            in_interim_report_2015=bool(row["in_interim_report_2015"]),
            in_2018_table_iii=bool(row["in_2018_table_iii"]),
            note=row["note"],
            footprint_note=row["footprint_note"],
        )

    def resolve(self, name: str) -> str:
        """The site id for any name the documents use for a site (case and '&' ignored)."""
        site_id = self._names.get(normalise_name(name))
        if site_id is None:
            close = difflib.get_close_matches(normalise_name(name), list(self._names), n=3)
            hint = (
                f"close names: {', '.join(repr(c) for c in close)}"
                if close
                else f"site ids: {', '.join(self.site_ids)}"
            )
            raise RegistryError(
                f"no site of programme {self.id!r} is called {name!r}; {hint}. "
                "Names are matched ignoring case and punctuation."
            )
        return site_id

    def sites_in(self, programme_wave: int) -> pd.DataFrame:
        """The sites of one programme wave (1 or 2 for the Pioneers), in registry order."""
        waves = tuple(int(w) for w in self.waves["programme_wave"])
        if programme_wave not in waves:
            raise RegistryError(
                f"programme {self.id!r} has no programme wave {programme_wave!r}; "
                f"use one of {', '.join(str(w) for w in waves)}"
            )
        chosen = self.sites[self.sites["programme_wave"] == programme_wave]
        return chosen.reset_index(drop=True)

    def areas_of(self, site_id: str) -> pd.DataFrame:
        """The footprint rows (lower-tier authorities) of one site."""
        self._require(site_id)
        return self.areas[self.areas["site_id"] == site_id].reset_index(drop=True)

    def lad_codes(
        self, site_id: str, vintage: int = 2019, include_part: bool = True
    ) -> tuple[str, ...]:
        """GSS codes of a site's lower-tier authorities, sorted.

        ``vintage`` 2019 gives April 2019 codes, 2018 the December 2018 codes that the
        Fingertips extracts use. ``include_part=False`` drops authorities the site covers
        only in part.
        """
        if vintage not in VINTAGES:
            raise RegistryError(
                f"no {vintage!r} local authority codes in the registry; use 2019 or 2018"
            )
        areas = self.areas_of(site_id)
        if not include_part:
            areas = areas[areas["coverage"] == "whole"]
        return tuple(sorted(areas[f"lad{vintage % 100}cd"]))

    def _require(self, site_id: str) -> None:
        if site_id not in set(self.sites["site_id"]):
            raise RegistryError(self._unknown_site_message(site_id))

    def _unknown_site_message(self, site_id: str) -> str:
        close = difflib.get_close_matches(str(site_id), list(self.site_ids), n=3, cutoff=0.5)
        hint = (
            f"did you mean {', '.join(close)}?"
            if close
            else (f"site ids are: {', '.join(self.site_ids)}.")
        )
        return (
            f"no site {site_id!r} in programme {self.id!r}; {hint} "
            "To look a site up by a name rather than its id, use Programme.resolve()."
        )


def _root() -> Traversable:
    return resources.files("pioneer.data").joinpath("programmes")


def available() -> tuple[str, ...]:
    """Ids of the programmes packaged with Pioneer."""
    root = _root()
    return tuple(
        sorted(
            entry.name
            for entry in root.iterdir()
            if entry.is_dir() and entry.joinpath("programme.csv").is_file()
        )
    )


def load(programme_id: str) -> Programme:
    """Read and check a packaged programme registry, e.g. ``load("pioneers")``."""
    known = available()
    if programme_id not in known:
        raise RegistryError(
            f"unknown programme {programme_id!r}; the packaged programmes are: {', '.join(known)}"
        )
    return _read(_root().joinpath(programme_id), f"pioneer/data/programmes/{programme_id}")


def load_folder(folder: str | Path) -> Programme:
    """Read and check a registry kept in a folder of CSVs laid out like the packaged ones.

    For a programme not shipped with Pioneer, or a modified copy of one.
    """
    path = Path(folder)
    return _read(path, str(path))


def _read(folder: Traversable | Path, where: str) -> Programme:
    tables: dict[str, pd.DataFrame] = {}
    for name, schema in validation.SCHEMAS.items():
        if not folder.joinpath(name).is_file():
            raise DataFileError(f"{where}/{name}", "file missing", fix=validation.FIX)
        with folder.joinpath(name).open("r", encoding="utf-8") as handle:
            raw = pd.read_csv(handle, dtype=str, keep_default_na=False)
        tables[name] = validation.parse(f"{where}/{name}", raw, schema)
    validation.check(where, tables)
    if len(tables["programme.csv"]) != 1:
        raise DataFileError(
            f"{where}/programme.csv",
            "must hold exactly one row",
            value=len(tables["programme.csv"]),
            expected="1 row",
            fix=validation.FIX,
        )
    header = tables["programme.csv"].iloc[0]
    return Programme(
        id=header["programme_id"],
        name=header["name"],
        sites=tables["sites.csv"],
        waves=tables["waves.csv"],
        name_variants=tables["name_variants.csv"],
        organisations=tables["organisations.csv"],
        areas=tables["areas.csv"],
        ccgs=tables["ccgs.csv"],
        source=header["source"],
    )
