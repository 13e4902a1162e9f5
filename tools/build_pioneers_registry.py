"""Build the packaged Pioneer programme registry from the shared reference files.

Reads the checked extracts in ``<shared>/reference/pioneers/`` and the ONS lookups in
``<shared>/data/ons-geography/`` and writes the CSVs under
``src/pioneer/data/programmes/pioneers/``. The package reads only those CSVs at run time;
this script is how they were made, kept so the build can be repeated and reviewed.

The one place where names are turned into codes is the ``FOOTPRINTS`` table below: each
authority, county or CCG the documents name is resolved to its ONS code by hand, and the
script checks the ONS name of that code against the expected name before using it. Every
later join is on codes.

Usage::

    .venv/bin/python tools/build_pioneers_registry.py [--shared /work/shared] [--check]

``--check`` rebuilds in memory and fails if the committed CSVs differ.
"""

from __future__ import annotations

import argparse
import io
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "pioneer" / "data" / "programmes" / "pioneers"

# Seed file names, shortened in source strings below.
S000 = "000_9191d1decfdc3012.txt"
S002 = "002_577e0265496db613.txt"
ONS_CCG = "ONS LSOA11→CCG (July 2015)→LAD18 lookup"
ONS_CTY = "ONS LAD→UTLA/county (Dec 2018, Apr 2019) lookups"
ONS_CODES = "codes: ONS LAD18→LAD19 and LAD19→UTLA19→RGN19 lookups"


@dataclass(frozen=True)
class Named:
    """An authority, county or CCG the documents (or general knowledge) name, resolved by hand."""

    code: str
    ons_name: str  # the ONS name the code must carry (checked)
    as_written: str
    source: str
    certainty: str = "stated"
    note: str = ""


@dataclass(frozen=True)
class Footprint:
    """How one site's lower-tier authorities are found.

    ``las``: districts/unitaries named directly (whole coverage).
    ``counties``: upper-tier or metropolitan counties named; all their districts are taken.
    ``ccgs``: the site's CCGs (July 2015 codes) with certainty ``stated`` (named in the
    documents), ``name_match`` (the site's name is the CCG's name) or ``assumed``.
    ``derive``: add every district the CCGs touch, with its LSOA share.
    ``ccgs_by_majority``: when no CCGs are known, list (as assumed) every CCG with more than
    half of its LSOAs inside the site's districts.
    ``derived_as_written``: the documents' wording for the districts reached through CCGs.
    ``area_notes``: notes for single districts, by 2018 code.
    """

    las: tuple[Named, ...] = ()
    counties: tuple[Named, ...] = ()
    ccgs: tuple[Named, ...] = ()
    derive: bool = False
    ccgs_by_majority: bool = False
    derived_as_written: str = ""
    note: str = ""
    area_notes: dict[str, str] = field(default_factory=dict)


def c1(field_no: str, quote: str = "") -> str:
    text = f"{S002} Table C1 field {field_no}"
    return f"{text} ('{quote}')" if quote else text


T3 = f"{S002} Table 3 (HWB column)"
SITE_NAME_000 = f"{S000} Table III (site name)"
SITE_NAME_000_NOTE = f"{S000} Table III note a (site name)"
NO_CONSTITUENTS = (
    "the documents list no constituents for wave-2 sites; the authority is the one the "
    "site is named after"
)

FOOTPRINTS: dict[str, Footprint] = {
    "barnsley": Footprint(
        las=(
            Named(
                "E08000016",
                "Barnsley",
                "Barnsley metropolitan district",
                c1("1.3", "Barnsley metropolitan district"),
            ),
        ),
        ccgs=(Named("E38000006", "NHS Barnsley CCG", "Barnsley CCG", c1("1.1")),),
        derive=True,
    ),
    "cheshire": Footprint(
        las=(
            Named(
                "E06000050",
                "Cheshire West and Chester",
                "Cheshire West and Chester Council",
                c1("1.3", "All of Cheshire (Cheshire West and Chester Council, ...)"),
            ),
            Named(
                "E06000049",
                "Cheshire East",
                "Cheshire East Council",
                c1("1.3", "All of Cheshire (..., Cheshire East Council)"),
            ),
        ),
        ccgs=(
            Named("E38000056", "NHS Eastern Cheshire CCG", "NHS Eastern Cheshire CCG", c1("1.1")),
            Named("E38000151", "NHS South Cheshire CCG", "South Cheshire CCG", c1("1.1")),
            Named("E38000189", "NHS Vale Royal CCG", "Vale Royal CCG", c1("1.1")),
            Named("E38000196", "NHS West Cheshire CCG", "West Cheshire CCG", c1("1.1")),
        ),
        derive=True,
    ),
    "cornwall_isles_of_scilly": Footprint(
        las=(
            Named(
                "E06000052",
                "Cornwall",
                "Cornwall",
                c1("1.3", "Cornwall and the Isles of Scilly"),
            ),
            Named(
                "E06000053",
                "Isles of Scilly",
                "Isles of Scilly",
                c1("1.3", "Cornwall and the Isles of Scilly"),
            ),
        ),
        ccgs=(
            Named(
                "E38000089",
                "NHS Kernow CCG",
                "NHS Kernow",
                c1("1.1"),
                note="listed without an organisation type; matched by name to NHS Kernow CCG",
            ),
        ),
        derive=True,
    ),
    "east_london_welc": Footprint(
        las=tuple(
            Named(
                code,
                name,
                name,
                c1("1.3", "Waltham Forest, Newham and Tower Hamlets local authority areas"),
            )
            for code, name in (
                ("E09000031", "Waltham Forest"),
                ("E09000025", "Newham"),
                ("E09000030", "Tower Hamlets"),
            )
        ),
        ccgs=tuple(
            Named(
                code,
                f"NHS {name} CCG",
                name,
                c1("1.1", "Waltham Forest, Newham, Tower Hamlets CCGs and LAs"),
            )
            for code, name in (
                ("E38000192", "Waltham Forest"),
                ("E38000113", "Newham"),
                ("E38000186", "Tower Hamlets"),
            )
        ),
        derive=True,
        note=(
            "City of London (E09000001) is not included: the site's name says 'and City' but "
            "its catchment (Table C1 1.3) and member LAs/CCGs are the three boroughs only, and "
            "the City's CCG (City and Hackney) is not named anywhere in the documents."
        ),
    ),
    "greenwich": Footprint(
        las=(
            Named(
                "E09000011",
                "Greenwich",
                "Greenwich local authority area",
                c1("1.3", "Greenwich local authority area"),
            ),
        ),
        ccgs=(Named("E38000066", "NHS Greenwich CCG", "Greenwich CCG", c1("1.1")),),
        derive=True,
    ),
    "islington": Footprint(
        las=(
            Named(
                "E09000019",
                "Islington",
                "Islington local authority",
                c1("1.3", "Islington local authority and CCG area (which are coterminous)"),
            ),
        ),
        ccgs=(Named("E38000088", "NHS Islington CCG", "Islington CCG", c1("1.1")),),
        derive=True,
    ),
    "kent": Footprint(
        counties=(
            Named(
                "E10000016",
                "Kent",
                "Kent local authority area",
                c1("1.3", "Kent local authority area"),
                note="Kent is a two-tier county: its lower tier is the 12 districts (ONS lookup)",
            ),
        ),
        ccgs=tuple(
            Named(code, ons, written, c1("1.1", "all seven CCGs in Kent"))
            for code, ons, written in (
                (
                    "E38000043",
                    "NHS Dartford, Gravesham and Swanley CCG",
                    "Dartford Gravesham and Swanley",
                ),
                ("E38000180", "NHS Swale CCG", "Swale"),
                ("E38000199", "NHS West Kent CCG", "West Kent"),
                ("E38000002", "NHS Ashford CCG", "Ashford"),
                ("E38000029", "NHS Canterbury and Coastal CCG", "Canterbury and Coastal"),
                ("E38000156", "NHS South Kent Coast CCG", "South Kent Coast"),
                ("E38000184", "NHS Thanet CCG", "Thanet"),
            )
        ),
        derive=True,
    ),
    "leeds": Footprint(
        las=(
            Named(
                "E08000035",
                "Leeds",
                "Leeds local authority area",
                c1("1.3", "Leeds local authority area"),
            ),
        ),
        ccgs=(
            Named("E38000094", "NHS Leeds North CCG", "Leeds North CCG", c1("1.1")),
            Named(
                "E38000095", "NHS Leeds South and East CCG", "Leeds South and East CCG", c1("1.1")
            ),
            Named("E38000096", "NHS Leeds West CCG", "Leeds West CCG", c1("1.1")),
        ),
        derive=True,
    ),
    "north_west_london": Footprint(
        las=tuple(
            Named(code, name, name, T3)
            for code, name in (
                ("E09000018", "Hounslow"),
                ("E09000005", "Brent"),
                ("E09000015", "Harrow"),
                ("E09000017", "Hillingdon"),
                ("E09000009", "Ealing"),
            )
        ),
        ccgs=tuple(
            Named(
                code,
                ons,
                "",
                f"general knowledge (the eight North West London CCGs); count from {c1('1.1')}",
                certainty="assumed",
                note="the documents say 'eight CCGs' but do not name them",
            )
            for code, ons in (
                ("E38000020", "NHS Brent CCG"),
                ("E38000031", "NHS Central London (Westminster) CCG"),
                ("E38000048", "NHS Ealing CCG"),
                ("E38000070", "NHS Hammersmith and Fulham CCG"),
                ("E38000074", "NHS Harrow CCG"),
                ("E38000082", "NHS Hillingdon CCG"),
                ("E38000084", "NHS Hounslow CCG"),
                ("E38000202", "NHS West London CCG"),
            )
        ),
        derive=True,
        derived_as_written="Tri-Borough (3 LAs)",
        note=(
            "The documents disagree on size: Table C1 1.1 says eight CCGs and seven local "
            "authorities, 1.3 and Section 2/Appendix A say eight boroughs, and Table 3 has five "
            "borough HWBs plus 'Tri-Borough (3 LAs)' (not named). Registry: the eight boroughs "
            "covered by the eight NW London CCGs; the three Tri-Borough authorities "
            "(Hammersmith and Fulham, Kensington and Chelsea, Westminster) are assumed."
        ),
        area_notes={
            "E09000013": "one of the unnamed 'Tri-Borough (3 LAs)' in Table 3",
            "E09000020": "one of the unnamed 'Tri-Borough (3 LAs)' in Table 3",
            "E09000033": "one of the unnamed 'Tri-Borough (3 LAs)' in Table 3",
        },
    ),
    "south_devon_torbay": Footprint(
        las=(
            Named(
                "E06000027",
                "Torbay",
                "Torbay Council",
                c1("1.1"),
                note="Torbay is also an HWB in Table 3",
            ),
        ),
        ccgs=(
            Named(
                "E38000152",
                "NHS South Devon and Torbay CCG",
                "South Devon and Torbay CCG",
                c1("1.3", "South Devon and Torbay CCG"),
            ),
        ),
        derive=True,
        note=(
            "Catchment is the South Devon and Torbay CCG (Table C1 1.3). Torbay is whole; the "
            "Devon part is the Devon districts that CCG covered (July 2015 LSOAs), so they are "
            "partial. Table 3 lists the whole Devon HWB, which is wider than the site."
        ),
    ),
    "south_tyneside": Footprint(
        las=(
            Named(
                "E08000023",
                "South Tyneside",
                "South Tyneside local authority area",
                c1("1.3", "South Tyneside local authority area"),
            ),
        ),
        ccgs=(Named("E38000163", "NHS South Tyneside CCG", "South Tyneside CCG", c1("1.1")),),
        derive=True,
    ),
    "southend": Footprint(
        las=(
            Named(
                "E06000033",
                "Southend-on-Sea",
                "Southend local authority area",
                c1("1.3", "Southend local authority area"),
            ),
        ),
        ccgs=(Named("E38000168", "NHS Southend CCG", "Southend CCG", c1("1.1")),),
        derive=True,
    ),
    "staffordshire_stoke": Footprint(
        las=(
            Named(
                "E06000021",
                "Stoke-on-Trent",
                "Stoke-on-Trent City Council",
                f"{S002} Section 2 and Table C1 field 1.2",
            ),
        ),
        ccgs=(
            Named("E38000126", "NHS North Staffordshire CCG", "North Staffordshire CCG", c1("1.1")),
            Named("E38000175", "NHS Stoke on Trent CCG", "Stoke on Trent CCG", c1("1.1")),
            Named("E38000028", "NHS Cannock Chase CCG", "Cannock Chase CCG", c1("1.1")),
            Named(
                "E38000173",
                "NHS Stafford and Surrounds CCG",
                "Stafford and Surrounds CCG",
                c1("1.1"),
            ),
        ),
        derive=True,
        note=(
            "Catchment is the population of the four named CCGs (Table C1 1.3), not the whole "
            "of Staffordshire, although Staffordshire County Council sat on the Programme "
            "Board. Districts come from those CCGs' July 2015 LSOAs. The fifth CCG that "
            "launched the programme (Section 2, Appendix A) is not named and is not included."
        ),
    ),
    "worcestershire": Footprint(
        counties=(
            Named(
                "E10000034",
                "Worcestershire",
                "Worcestershire local authority area",
                c1("1.3", "Worcestershire local authority area"),
            ),
        ),
        ccgs=(
            Named(
                "E38000139",
                "NHS Redditch and Bromsgrove CCG",
                "Redditch and Bromsgrove CCG",
                c1("1.1"),
            ),
            Named(
                "E38000166", "NHS South Worcestershire CCG", "South Worcestershire CCG", c1("1.1")
            ),
            Named("E38000211", "NHS Wyre Forest CCG", "Wyre Forest CCG", c1("1.1")),
        ),
        derive=True,
    ),
    # ---- programme wave 2: the documents give names only -------------------------------
    "airedale_wharfedale_craven": Footprint(
        ccgs=(
            Named(
                "E38000001",
                "NHS Airedale, Wharfedale and Craven CCG",
                "Airedale, Wharfedale and Craven",
                SITE_NAME_000,
                certainty="name_match",
            ),
        ),
        derive=True,
        note=(
            "Footprint taken as the Airedale, Wharfedale and Craven CCG, whose name the site "
            "carries: most of Craven and the Airedale/Wharfedale part of Bradford (LSOA shares)."
        ),
    ),
    "blackpool_fylde_coast": Footprint(
        las=(
            Named(
                "E06000009",
                "Blackpool",
                "Blackpool",
                SITE_NAME_000_NOTE,
                note="the site is named after Blackpool; " + NO_CONSTITUENTS,
            ),
        ),
        ccgs=(
            Named(
                "E38000015",
                "NHS Blackpool CCG",
                "Blackpool",
                SITE_NAME_000_NOTE,
                certainty="name_match",
            ),
            Named(
                "E38000060",
                "NHS Fylde & Wyre CCG",
                "Fylde Coast",
                "general knowledge (the Fylde Coast health economy = Blackpool CCG + Fylde "
                "and Wyre CCG)",
                certainty="assumed",
                note="'Fylde Coast' is not a CCG or authority name",
            ),
        ),
        derive=True,
        note=(
            "Blackpool is named; 'Fylde Coast' is read as the Fylde and Wyre CCG (assumed), "
            "which covers all of Fylde and most of Wyre."
        ),
    ),
    "camden": Footprint(
        las=(Named("E09000007", "Camden", "Camden", SITE_NAME_000, note=NO_CONSTITUENTS),),
        ccgs=(
            Named("E38000027", "NHS Camden CCG", "Camden", SITE_NAME_000, certainty="name_match"),
        ),
        derive=True,
    ),
    "greater_manchester": Footprint(
        counties=(
            Named(
                "E11000001",
                "Greater Manchester",
                "Greater Manchester",
                SITE_NAME_000,
                note="the site is named after the metropolitan county; its 10 districts come "
                "from the ONS county lookup; " + NO_CONSTITUENTS,
            ),
        ),
        ccgs_by_majority=True,
        note=(
            "All ten Greater Manchester districts. CCGs listed are the July 2015 CCGs lying "
            "mainly inside them (assumed); Tameside and Glossop CCG also covers Glossop in "
            "High Peak (Derbyshire), which is outside the footprint."
        ),
    ),
    "nottingham_city": Footprint(
        las=(
            Named(
                "E06000018",
                "Nottingham",
                "Nottingham City",
                SITE_NAME_000,
                note=NO_CONSTITUENTS,
            ),
        ),
        ccgs=(
            Named(
                "E38000132",
                "NHS Nottingham City CCG",
                "Nottingham City",
                SITE_NAME_000,
                certainty="name_match",
            ),
        ),
        derive=True,
    ),
    "nottingham_county": Footprint(
        counties=(
            Named(
                "E10000024",
                "Nottinghamshire",
                "Nottingham County",
                SITE_NAME_000,
                certainty="assumed",
                note="'Nottingham County' read as Nottinghamshire County Council's area (all "
                "seven districts); the documents give no constituents, and a south-"
                "Nottinghamshire reading (Broxtowe, Gedling, Rushcliffe) is possible",
            ),
        ),
        ccgs_by_majority=True,
        note=(
            "Uncertain. The 2019 paper writes only 'Nottingham County'; no document lists its "
            "partners. The registry takes the whole county (7 districts, certainty assumed). "
            "Public announcements of wave 2 list the site as 'Nottinghamshire', which supports "
            "the county reading, but a narrower south-Nottinghamshire footprint (Nottingham "
            "North and East, Nottingham West and Rushcliffe CCGs) cannot be ruled out."
        ),
    ),
    "sheffield": Footprint(
        las=(Named("E08000019", "Sheffield", "Sheffield", SITE_NAME_000, note=NO_CONSTITUENTS),),
        ccgs=(
            Named(
                "E38000146", "NHS Sheffield CCG", "Sheffield", SITE_NAME_000, certainty="name_match"
            ),
        ),
        derive=True,
    ),
    "south_somerset": Footprint(
        las=(
            Named(
                "E07000189",
                "South Somerset",
                "South Somerset",
                SITE_NAME_000,
                note=NO_CONSTITUENTS,
            ),
        ),
        note=(
            "The district of South Somerset. No CCG is listed: Somerset CCG covers the whole "
            "county, so it is not a site-level CCG."
        ),
    ),
    "vale_of_york": Footprint(
        ccgs=(
            Named(
                "E38000188",
                "NHS Vale of York CCG",
                "Vale of York",
                SITE_NAME_000,
                certainty="name_match",
            ),
        ),
        derive=True,
        note=(
            "Footprint taken as the Vale of York CCG, whose name the site carries: York and "
            "Selby whole, parts of Ryedale, Hambleton and the East Riding of Yorkshire."
        ),
    ),
    "wakefield": Footprint(
        las=(Named("E08000036", "Wakefield", "Wakefield", SITE_NAME_000, note=NO_CONSTITUENTS),),
        ccgs=(
            Named(
                "E38000190", "NHS Wakefield CCG", "Wakefield", SITE_NAME_000, certainty="name_match"
            ),
        ),
        derive=True,
    ),
    "west_norfolk": Footprint(
        ccgs=(
            Named(
                "E38000203",
                "NHS West Norfolk CCG",
                "West Norfolk",
                SITE_NAME_000,
                certainty="name_match",
            ),
        ),
        derive=True,
        note=(
            "Footprint taken as the West Norfolk CCG, whose name the site carries: all of "
            "King's Lynn and West Norfolk and a part of Breckland."
        ),
    ),
}


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _fail(message: str) -> None:
    sys.exit(f"build_pioneers_registry: {message}")


def _iso(date_text: str) -> str:
    return datetime.strptime(date_text, "%d %B %Y").date().isoformat()


def build(shared: Path) -> dict[str, pd.DataFrame]:
    """Return every packaged table, keyed by file name."""
    ref = shared / "reference" / "pioneers"
    geo = shared / "data" / "ons-geography"
    pioneers = _read(ref / "pioneers.csv")
    variants = _read(ref / "pioneer_name_variants.csv")
    constituents = _read(ref / "pioneer_constituents.csv")
    waves_stated = _read(ref / "waves.csv")
    lad18_19 = _read(geo / "lad18_to_lad19_england.csv")
    lad19 = _read(geo / "lad19_utla19_cty19_rgn19_england.csv")
    lad18 = _read(geo / "lad18_utla18_cty18_rgn18_england.csv")
    lsoa = _read(geo / "lsoa11_to_ccg15-19_lad18_lad19_england.csv")
    ccg_names = _read(geo / "ccg15-19_names_england.csv")

    if set(FOOTPRINTS) != set(pioneers["pioneer_id"]):
        _fail(
            f"FOOTPRINTS and pioneers.csv disagree: {set(FOOTPRINTS) ^ set(pioneers['pioneer_id'])}"
        )

    # ---- ONS lookup packaged for validation at load time ------------------------------
    ons = lad18_19[["LAD18CD", "LAD18NM", "LAD19CD", "LAD19NM"]].merge(
        lad19[["LAD19CD", "UTLA19CD", "UTLA19NM", "CTY19CD", "RGN19CD", "RGN19NM"]],
        on="LAD19CD",
        how="left",
        validate="many_to_one",
    )
    ons = ons.merge(lad18[["LAD18CD", "CTY18CD", "UTLA18CD"]], on="LAD18CD", validate="one_to_one")
    if ons.isna().any().any() or (ons == "").loc[:, ["UTLA19CD", "RGN19CD"]].any().any():
        _fail("LAD18→LAD19 lookup has codes with no 2019 upper tier or region")
    ons = ons.sort_values("LAD18CD").reset_index(drop=True)
    by_lad18 = ons.set_index("LAD18CD")

    ccg15_names = ccg_names[ccg_names["vintages"].str.contains("2015")].drop_duplicates("CCGCD")
    ccg15_names = ccg15_names.set_index("CCGCD")
    lad_lsoas = lsoa.groupby("LAD18CD").size()

    # ---- sites ------------------------------------------------------------------------
    sites = pd.DataFrame(
        {
            "site_id": pioneers["pioneer_id"],
            "name": pioneers["display_name"],
            "programme_wave": pioneers["wave"],
            "announced": pioneers["announcement_date_stated"].map(_iso),
            "announcement_as_stated": pioneers["announcement_date_stated"],
            "source": pioneers["announcement_source"],
            "in_interim_report_2015": pioneers["in_interim_report_2015"],
            "in_2018_table_iii": pioneers["in_2018_table_iii"],
            "note": pioneers["note"],
            "wave_basis": pioneers["wave_basis"],
            "constituent_counts_stated": pioneers["constituent_counts_stated"],
            "population_stated": pioneers["population_stated"],
            "population_source": pioneers["population_source"],
            "footprint_note": [FOOTPRINTS[s].note for s in pioneers["pioneer_id"]],
        }
    ).sort_values("site_id")

    # ---- programme waves ----------------------------------------------------------------
    precise = waves_stated[waves_stated["source"].str.startswith(S002)]
    waves = pd.DataFrame(
        {
            "programme_wave": precise["wave"],
            "n_sites": precise["n_sites_stated"],
            "announced": precise["announced_as_stated"].map(_iso),
            "announced_as_stated": precise["announced_as_stated"],
            "source": precise["source"],
            "note": precise["note"],
        }
    ).sort_values("programme_wave")
    for _, wave in waves.iterrows():
        dates = set(sites.loc[sites["programme_wave"] == wave["programme_wave"], "announced"])
        if dates != {wave["announced"]}:
            _fail(f"programme wave {wave['programme_wave']}: site dates {dates} differ")

    # ---- name variants and organisations -------------------------------------------------
    name_variants = pd.DataFrame(
        {
            "site_id": variants["pioneer_id"],
            "name": variants["name_as_written"],
            "where": variants["source"],
            "note": variants["note"],
        }
    )
    organisations = pd.DataFrame(
        {
            "site_id": constituents["pioneer_id"],
            "organisation_type": constituents["constituent_type"],
            "name": constituents["name_as_written"],
            "source": constituents["source"],
            "type_basis": constituents["type_basis"],
            "note": constituents["note"],
        }
    )

    # ---- CCGs and areas ---------------------------------------------------------------------
    ccg_rows: list[dict[str, object]] = []
    area_rows: list[dict[str, object]] = []
    lsoa_ccg19 = lsoa.groupby("CCG15CD")["CCG19CD"].agg(lambda s: ";".join(sorted(set(s))))
    ccg19_names = ccg_names.drop_duplicates("CCGCD", keep="last").set_index("CCGCD")["CCGNM"]

    for site_id, fp in sorted(FOOTPRINTS.items()):
        rows: dict[str, dict[str, object]] = {}

        def add(
            lad18cd: str,
            *,
            origin: str,
            certainty: str,
            as_written: str,
            source: str,
            note: str,
            site_id: str = site_id,
            rows: dict[str, dict[str, object]] = rows,
            fp: Footprint = fp,
        ) -> None:
            if lad18cd in rows:
                _fail(f"{site_id}: {lad18cd} added twice")
            rows[lad18cd] = {
                "site_id": site_id,
                "lad18cd": lad18cd,
                "origin": origin,
                "certainty": certainty,
                "name_as_written": as_written,
                "source": source,
                "note": note or fp.area_notes.get(lad18cd, ""),
            }

        for la in fp.las:
            if la.code not in by_lad18.index or by_lad18.at[la.code, "LAD18NM"] != la.ons_name:
                _fail(f"{site_id}: {la.code} is not {la.ons_name!r} in the ONS lookup")
            add(
                la.code,
                origin="named",
                certainty=la.certainty,
                as_written=la.as_written,
                source=f"{la.source}; {ONS_CODES}",
                note=la.note,
            )
        for county in fp.counties:
            members = ons[(ons["UTLA19CD"] == county.code) | (ons["CTY19CD"] == county.code)]
            names = set(members["UTLA19NM"]) | set(
                lad19.loc[lad19["CTY19CD"] == county.code, "CTY19NM"]
            )
            if members.empty or county.ons_name not in names:
                _fail(f"{site_id}: county {county.code} is not {county.ons_name!r}")
            for code in members["LAD18CD"]:
                add(
                    code,
                    origin="named",
                    certainty=county.certainty,
                    as_written=county.as_written,
                    source=f"{county.source}; districts of {county.code} from {ONS_CTY}; "
                    f"{ONS_CODES}",
                    note=county.note,
                )

        site_ccgs = list(fp.ccgs)
        if fp.ccgs_by_majority:
            inside = lsoa[lsoa["LAD18CD"].isin(rows)]
            share = inside.groupby("CCG15CD").size() / lsoa.groupby("CCG15CD").size()
            for code in sorted(share[share > 0.5].index):
                site_ccgs.append(
                    Named(
                        code,
                        ccg15_names.at[code, "CCGNM"],
                        "",
                        f"{ONS_CCG}: {share[code]:.0%} of the CCG's LSOAs lie in the site's "
                        "districts",
                        certainty="assumed",
                        note="not named in the documents; listed because most of the CCG "
                        "lies inside the site's districts",
                    )
                )
        codes = []
        for ccg in site_ccgs:
            if (
                ccg.code not in ccg15_names.index
                or ccg15_names.at[ccg.code, "CCGNM"] != ccg.ons_name
            ):
                _fail(f"{site_id}: CCG {ccg.code} is not {ccg.ons_name!r} (2015)")
            codes.append(ccg.code)
            ccg19 = lsoa_ccg19[ccg.code]
            ccg_rows.append(
                {
                    "site_id": site_id,
                    "ccg15cd": ccg.code,
                    "ccg15cdh": ccg15_names.at[ccg.code, "CCGCDH"],
                    "ccg15nm": ccg.ons_name,
                    "name_as_written": ccg.as_written,
                    "certainty": ccg.certainty,
                    "ccg19cd": ccg19,
                    "ccg19nm": ";".join(ccg19_names[c] for c in ccg19.split(";")),
                    "source": f"{ccg.source}; codes: ONS CCG names (July 2015) and "
                    "LSOA11→CCG15→CCG19 lookups",
                    "note": ccg.note,
                }
            )

        in_ccgs = lsoa[lsoa["CCG15CD"].isin(codes)].groupby("LAD18CD").size()
        if fp.derive:
            assumed = any(c.certainty == "assumed" for c in site_ccgs)
            for lad18cd in sorted(in_ccgs.index):
                if lad18cd in rows:
                    continue
                add(
                    lad18cd,
                    origin="ccg",
                    certainty="assumed" if assumed else "derived",
                    as_written=fp.derived_as_written
                    or "; ".join(c.as_written for c in site_ccgs if c.as_written),
                    source=f"{'; '.join(dict.fromkeys(c.source for c in site_ccgs))}; "
                    f"district from {ONS_CCG}; {ONS_CODES}",
                    note="",
                )
        for lad18cd, row in rows.items():
            n_lad = int(lad_lsoas[lad18cd])
            n_in = int(in_ccgs.get(lad18cd, 0))
            if codes:
                row["lsoas_in_site_ccgs"] = n_in
                row["lsoas_in_lad"] = n_lad
                row["share_of_lad_lsoas"] = round(n_in / n_lad, 4)
            else:
                row["lsoas_in_site_ccgs"] = row["lsoas_in_lad"] = row["share_of_lad_lsoas"] = None
            if row.pop("origin") == "named":
                row["coverage"] = "whole"
                if codes and n_in != n_lad:
                    extra = f"the site's CCGs cover {n_in} of its {n_lad} LSOAs"
                    row["note"] = f"{row['note']}; {extra}" if row["note"] else extra
            else:
                row["coverage"] = "whole" if n_in == n_lad else "part"
                if not row["note"]:
                    share_text = f"{n_in} of {n_lad} LSOAs"
                    row["note"] = f"reached through the site's CCGs ({share_text})"
            area_rows.append(row)

    areas = pd.DataFrame(area_rows)
    areas = areas.merge(
        ons, how="left", left_on="lad18cd", right_on="LAD18CD", validate="many_to_one"
    )
    areas = pd.DataFrame(
        {
            "site_id": areas["site_id"],
            "lad19cd": areas["LAD19CD"],
            "lad19nm": areas["LAD19NM"],
            "lad18cd": areas["lad18cd"],
            "lad18nm": areas["LAD18NM"],
            "utla19cd": areas["UTLA19CD"],
            "utla19nm": areas["UTLA19NM"],
            "region_code": areas["RGN19CD"],
            "region_name": areas["RGN19NM"],
            "coverage": areas["coverage"],
            "certainty": areas["certainty"],
            "share_of_lad_lsoas": areas["share_of_lad_lsoas"],
            "lsoas_in_site_ccgs": areas["lsoas_in_site_ccgs"].astype("Int64"),
            "lsoas_in_lad": areas["lsoas_in_lad"].astype("Int64"),
            "name_as_written": areas["name_as_written"],
            "source": areas["source"],
            "note": areas["note"],
        }
    ).sort_values(["site_id", "lad19cd"])
    ccgs = pd.DataFrame(ccg_rows).sort_values(["site_id", "ccg15cd"])

    programme = pd.DataFrame(
        [
            {
                "programme_id": "pioneers",
                "name": "Integrated Care and Support Pioneers",
                "country": "England",
                "period": "2013-2018",
                "source": f"{S002} Section 1; {S000} Introduction",
            }
        ]
    )
    ons_lad = ons[
        ["LAD18CD", "LAD18NM", "LAD19CD", "LAD19NM", "UTLA19CD", "UTLA19NM", "RGN19CD", "RGN19NM"]
    ]
    ons_ccg = ccg_names[["CCGCD", "CCGCDH", "CCGNM", "vintages"]]

    return {
        "programme.csv": programme,
        "sites.csv": sites,
        "waves.csv": waves,
        "name_variants.csv": name_variants,
        "organisations.csv": organisations,
        "areas.csv": areas,
        "ccgs.csv": ccgs,
        "ons_lad18_lad19.csv": ons_lad,
        "ons_ccg_names.csv": ons_ccg,
    }


def _text(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    tables = build(args.shared)
    stale = []
    for name, frame in tables.items():
        path = OUT / name
        text = _text(frame)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)} ({len(frame)} rows)")
    if stale:
        print(f"out of date: {', '.join(stale)}; rerun without --check", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
