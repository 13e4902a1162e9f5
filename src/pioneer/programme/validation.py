"""Read and check the packaged registry CSVs of one programme.

Each file has a schema (column → kind). Reading converts the typed columns and stops at the
first bad value with a :class:`~pioneer.errors.DataFileError` naming the file, row, column and
value; the cross-file checks then catch a registry that is readable but inconsistent (unknown
site ids, wave counts that do not add up, area codes missing from the ONS lookup). Row numbers
count the header as row 1, as a spreadsheet shows them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd

from pioneer.errors import DataFileError

FIX = (
    "the packaged registry is corrupt; reinstall Pioneer, or rebuild it with "
    "tools/build_pioneers_registry.py"
)

AREA_COVERAGE = ("whole", "part")
AREA_CERTAINTY = ("stated", "derived", "assumed")
CCG_CERTAINTY = ("stated", "name_match", "assumed")
ORGANISATION_TYPES = ("local_authority", "ccg", "hwb", "unspecified")
LAD_PREFIXES = ("E06", "E07", "E08", "E09")

_ID = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")
_GSS = re.compile(r"^E\d{8}$")

# column -> kind. Kinds: id, gss, text (non-empty), optional (may be blank), int, bool,
# date (ISO), share (blank or a number in (0, 1]), count (blank or a whole number).
SCHEMAS: dict[str, dict[str, str]] = {
    "programme.csv": {"programme_id": "id", "name": "text", "source": "text"},
    "sites.csv": {
        "site_id": "id",
        "name": "text",
        "programme_wave": "int",
        "announced": "date",
        "announcement_as_stated": "text",
        "source": "text",
        "in_interim_report_2015": "bool",
        "in_2018_table_iii": "bool",
        "note": "optional",
        "footprint_note": "optional",
    },
    "waves.csv": {
        "programme_wave": "int",
        "n_sites": "int",
        "announced": "date",
        "announced_as_stated": "text",
        "source": "text",
    },
    "name_variants.csv": {"site_id": "id", "name": "text", "where": "text", "note": "optional"},
    "organisations.csv": {
        "site_id": "id",
        "organisation_type": "text",
        "name": "text",
        "source": "text",
        "note": "optional",
    },
    "areas.csv": {
        "site_id": "id",
        "lad19cd": "gss",
        "lad19nm": "text",
        "lad18cd": "gss",
        "lad18nm": "text",
        "utla19cd": "gss",
        "region_code": "gss",
        "region_name": "text",
        "coverage": "text",
        "certainty": "text",
        "share_of_lad_lsoas": "share",
        "lsoas_in_site_ccgs": "count",
        "lsoas_in_lad": "count",
        "name_as_written": "optional",
        "source": "text",
        "note": "optional",
    },
    "ccgs.csv": {
        "site_id": "id",
        "ccg15cd": "gss",
        "ccg15nm": "text",
        "certainty": "text",
        "source": "text",
        "note": "optional",
    },
    "ons_lad18_lad19.csv": {
        "LAD18CD": "gss",
        "LAD18NM": "text",
        "LAD19CD": "gss",
        "LAD19NM": "text",
        "UTLA19CD": "gss",
        "RGN19CD": "gss",
        "RGN19NM": "text",
    },
    "ons_ccg_names.csv": {"CCGCD": "gss", "CCGNM": "text", "vintages": "text"},
}


def _bad(file: str, problem: str, row: int, column: str, value: object, expected: str) -> None:
    raise DataFileError(
        file, problem, row=row + 2, column=column, value=value, expected=expected, fix=FIX
    )


def _convert(file: str, column: str, kind: str, values: pd.Series) -> pd.Series:
    """Check one column's values against its kind and return them converted."""
    out: list[Any] = []
    for row, value in enumerate(values):
        text = str(value).strip()
        if kind in ("id", "gss", "text", "int", "bool", "date") and not text:
            _bad(file, "a required value is blank", row, column, value, f"a {kind} value")
        if kind == "id" and not _ID.match(text):
            _bad(file, "not an identifier", row, column, value, "lower-case words joined by _")
        elif kind == "gss" and not _GSS.match(text):
            _bad(file, "not a GSS code", row, column, value, "E followed by 8 digits")
        elif kind == "int":
            if not text.isdigit():
                _bad(file, "not a whole number", row, column, value, "a whole number")
            out.append(int(text))
            continue
        elif kind == "bool":
            if text not in ("true", "false"):
                _bad(file, "not a boolean", row, column, value, "true or false")
            out.append(text == "true")
            continue
        elif kind == "date":
            try:
                date.fromisoformat(text)
            except ValueError:
                _bad(file, "not an ISO date", row, column, value, "YYYY-MM-DD")
        elif kind == "share":
            if not text:
                out.append(float("nan"))
                continue
            try:
                share = float(text)
            except ValueError:
                share = -1.0
            if not 0 < share <= 1:
                _bad(file, "not a share", row, column, value, "a number above 0 and at most 1")
            out.append(share)
            continue
        elif kind == "count":
            if text and not text.isdigit():
                _bad(file, "not a count", row, column, value, "a whole number or blank")
            out.append(int(text) if text else None)
            continue
        out.append(text)
    if kind == "int":
        return pd.Series(out, index=values.index, dtype="int64")
    if kind == "bool":
        return pd.Series(out, index=values.index, dtype="bool")
    if kind == "share":
        return pd.Series(out, index=values.index, dtype="float64")
    if kind == "count":
        return pd.Series(out, index=values.index, dtype="Int64")
    return pd.Series(out, index=values.index, dtype="str")


def parse(file: str, raw: pd.DataFrame, schema: Mapping[str, str]) -> pd.DataFrame:
    """Check ``raw`` (all columns text) against ``schema`` and convert the typed columns."""
    missing = [c for c in schema if c not in raw.columns]
    if missing:
        raise DataFileError(
            file,
            "required column missing",
            column=missing[0],
            expected=f"columns {', '.join(schema)}",
            fix=FIX,
        )
    frame = raw.copy()
    for column, kind in schema.items():
        frame[column] = _convert(file, column, kind, raw[column])
    return frame


def _unique(file: str, frame: pd.DataFrame, columns: list[str]) -> None:
    duplicated = frame.duplicated(columns, keep="first")
    if duplicated.any():
        row = int(duplicated.to_numpy().nonzero()[0][0])
        value = " / ".join(str(frame.iloc[row][c]) for c in columns)
        _bad(file, "duplicate entry", row, columns[-1], value, f"one row per {', '.join(columns)}")


def _one_of(file: str, frame: pd.DataFrame, column: str, allowed: tuple[str, ...]) -> None:
    for row, value in enumerate(frame[column]):
        if value not in allowed:
            _bad(file, "unknown value", row, column, value, " or ".join(allowed))


def _known_sites(file: str, frame: pd.DataFrame, site_ids: set[str]) -> None:
    for row, value in enumerate(frame["site_id"]):
        if value not in site_ids:
            _bad(file, "unknown site id", row, "site_id", value, "a site_id from sites.csv")


def check(where: str, tables: Mapping[str, pd.DataFrame]) -> None:
    """Cross-file checks; ``where`` prefixes the file names in messages."""
    sites, waves, areas = tables["sites.csv"], tables["waves.csv"], tables["areas.csv"]
    ccgs, ons = tables["ccgs.csv"], tables["ons_lad18_lad19.csv"]

    def f(name: str) -> str:
        return f"{where}/{name}"

    _unique(f("sites.csv"), sites, ["site_id"])
    _unique(f("waves.csv"), waves, ["programme_wave"])
    _unique(f("areas.csv"), areas, ["site_id", "lad19cd"])
    _unique(f("ccgs.csv"), ccgs, ["site_id", "ccg15cd"])
    _unique(f("ons_lad18_lad19.csv"), ons, ["LAD18CD"])
    site_ids = set(sites["site_id"])
    for name in ("name_variants.csv", "organisations.csv", "areas.csv", "ccgs.csv"):
        _known_sites(f(name), tables[name], site_ids)

    # Programme waves: every site in a listed wave, counts and dates as the wave states.
    by_wave = waves.set_index("programme_wave")
    for row, site in enumerate(sites.itertuples(index=False)):
        if site.programme_wave not in by_wave.index:
            expected = " or ".join(str(w) for w in by_wave.index)
            _bad(
                f("sites.csv"),
                "unknown programme wave",
                row,
                "programme_wave",
                site.programme_wave,
                expected,
            )
        if site.announced != by_wave.at[site.programme_wave, "announced"]:
            _bad(
                f("sites.csv"),
                "announcement date differs from its programme wave",
                row,
                "announced",
                site.announced,
                by_wave.at[site.programme_wave, "announced"],
            )
    counts = sites["programme_wave"].value_counts()
    for row, wave in enumerate(waves.itertuples(index=False)):
        found = int(counts.get(wave.programme_wave, 0))
        if found != wave.n_sites:
            _bad(
                f("waves.csv"),
                f"sites.csv has {found} sites in this programme wave",
                row,
                "n_sites",
                wave.n_sites,
                f"{found}, or fix sites.csv",
            )

    _one_of(
        f("organisations.csv"), tables["organisations.csv"], "organisation_type", ORGANISATION_TYPES
    )
    _one_of(f("ccgs.csv"), ccgs, "certainty", CCG_CERTAINTY)
    _one_of(f("areas.csv"), areas, "coverage", AREA_COVERAGE)
    _one_of(f("areas.csv"), areas, "certainty", AREA_CERTAINTY)

    _check_areas(f("areas.csv"), areas, ons)
    missing = site_ids - set(areas["site_id"])
    if missing:
        raise DataFileError(
            f("areas.csv"),
            "a site has no local authority",
            column="site_id",
            value=sorted(missing)[0],
            expected="at least one row per site",
            fix=FIX,
        )

    ccg_codes = tables["ons_ccg_names.csv"]
    vintage_2015 = set(ccg_codes.loc[ccg_codes["vintages"].str.contains("2015"), "CCGCD"])
    for row, code in enumerate(ccgs["ccg15cd"]):
        if code not in vintage_2015:
            _bad(
                f("ccgs.csv"),
                "not a July 2015 CCG code",
                row,
                "ccg15cd",
                code,
                "a code in ons_ccg_names.csv with vintage 2015",
            )


def _check_areas(file: str, areas: pd.DataFrame, ons: pd.DataFrame) -> None:
    lookup = ons.set_index("LAD18CD")
    pairs = {
        "lad19cd": "LAD19CD",
        "lad18nm": "LAD18NM",
        "lad19nm": "LAD19NM",
        "utla19cd": "UTLA19CD",
        "region_code": "RGN19CD",
        "region_name": "RGN19NM",
    }
    for row, area in enumerate(areas.to_dict("records")):
        code = area["lad18cd"]
        if code not in lookup.index:
            _bad(
                file,
                "not a 2018 district code in the ONS lookup",
                row,
                "lad18cd",
                code,
                "a code in ons_lad18_lad19.csv",
            )
        if not code.startswith(LAD_PREFIXES):
            _bad(
                file,
                "not a lower-tier authority",
                row,
                "lad18cd",
                code,
                "an E06, E07, E08 or E09 code",
            )
        for column, ons_column in pairs.items():
            if area[column] != lookup.at[code, ons_column]:
                _bad(
                    file,
                    f"disagrees with the ONS lookup for {code}",
                    row,
                    column,
                    area[column],
                    repr(lookup.at[code, ons_column]),
                )
        share = area["share_of_lad_lsoas"]
        if area["certainty"] == "derived":
            if pd.isna(share):
                _bad(
                    file,
                    "a derived area needs its LSOA share",
                    row,
                    "share_of_lad_lsoas",
                    "",
                    "a share above 0 and at most 1",
                )
            expected = "whole" if share == 1 else "part"
            if area["coverage"] != expected:
                _bad(
                    file,
                    f"coverage disagrees with the LSOA share {share}",
                    row,
                    "coverage",
                    area["coverage"],
                    expected,
                )
        elif area["coverage"] == "part" and pd.isna(share):
            _bad(
                file,
                "a part-covered area needs its LSOA share",
                row,
                "share_of_lad_lsoas",
                "",
                "a share above 0 and below 1",
            )
