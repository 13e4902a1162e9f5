"""The Pioneer programme registry: sites, programme waves, names and footprints.

Expected values come from the documents (seed file and table named beside each) and from the
ONS lookups in ``../shared/data/ons-geography`` (read independently here, never through the
registry). Tests that need ``../shared`` skip when it is absent.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import pioneer.programme as programme
from pioneer.errors import DataFileError, RegistryError
from pioneer.programme import load, load_folder, sites_table

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REFERENCE = SHARED / "reference" / "pioneers"
ONS = SHARED / "data" / "ons-geography"
PACKAGED = ROOT / "src" / "pioneer" / "data" / "programmes" / "pioneers"

needs_shared = pytest.mark.skipif(not ONS.is_dir(), reason="../shared is not available")


@pytest.fixture(scope="module")
def pioneers():
    return load("pioneers")


def _codes(pioneers, site_id, **kwargs):
    return set(pioneers.lad_codes(site_id, **kwargs))


# ---- sites and programme waves ---------------------------------------------------------


def test_there_are_25_sites_14_in_wave_1_and_11_in_wave_2(pioneers):
    # 000 Introduction: 14 Wave 1 Pioneers (November 2013) joined by 11 Wave 2 (January 2015).
    assert len(pioneers.sites) == 25
    assert len(pioneers.sites_in(1)) == 14
    assert len(pioneers.sites_in(2)) == 11
    assert set(pioneers.sites_in(1)["site_id"]).isdisjoint(pioneers.sites_in(2)["site_id"])


def test_wave_1_is_the_14_sites_of_the_interim_report(pioneers):
    # 002 Table 1a lists the 14 first-wave sites.
    wave_1 = {
        "barnsley", "cheshire", "cornwall_isles_of_scilly", "east_london_welc", "greenwich",
        "islington", "kent", "leeds", "north_west_london", "south_devon_torbay",
        "south_tyneside", "southend", "staffordshire_stoke", "worcestershire",
    }  # fmt: skip
    assert set(pioneers.sites_in(1)["site_id"]) == wave_1
    assert pioneers.sites.loc[pioneers.sites["in_interim_report_2015"], "site_id"].tolist() == (
        sorted(wave_1)
    )


def test_announcement_dates_are_the_ones_the_interim_report_gives(pioneers):
    # 002 Section 2 and Appendix A: 1 November 2013; 002 Section 1: 27 January 2015.
    dates = pioneers.sites.groupby("programme_wave")["announced"].agg(set).to_dict()
    assert dates == {1: {"2013-11-01"}, 2: {"2015-01-27"}}
    waves = pioneers.waves.set_index("programme_wave")
    assert waves.loc[1, "announced"] == "2013-11-01"
    assert waves.loc[2, "announced"] == "2015-01-27"
    assert waves["n_sites"].to_dict() == {1: 14, 2: 11}
    assert pioneers.site("kent").announced == date(2013, 11, 1)
    assert pioneers.site("sheffield").announced == date(2015, 1, 27)


def test_two_sites_are_missing_from_the_2018_table(pioneers):
    # 000 Table III note a: Blackpool and Fylde Coast and Cornwall had no 2018 KIs.
    missing = pioneers.sites.loc[~pioneers.sites["in_2018_table_iii"], "site_id"]
    assert set(missing) == {"blackpool_fylde_coast", "cornwall_isles_of_scilly"}


def test_site_returns_its_record(pioneers):
    site = pioneers.site("east_london_welc")
    assert site.name == "Waltham Forest, East London and City (WELC)"
    assert site.programme_wave == 1
    assert "City of London" in site.footprint_note


def test_available_lists_the_pioneers():
    assert "pioneers" in programme.available()


# ---- names -----------------------------------------------------------------------------


def _reference_variants():
    if not REFERENCE.is_dir():
        return []
    with (REFERENCE / "pioneer_name_variants.csv").open(encoding="utf-8") as handle:
        return [(row["name_as_written"], row["pioneer_id"]) for row in csv.DictReader(handle)]


@needs_shared
@pytest.mark.parametrize(("name", "site_id"), _reference_variants())
def test_every_name_variant_in_the_reference_resolves(pioneers, name, site_id):
    assert pioneers.resolve(name) == site_id


def test_the_reference_has_114_name_variants():
    if not REFERENCE.is_dir():
        pytest.skip("../shared is not available")
    assert len(_reference_variants()) == 114


@pytest.mark.parametrize(
    ("name", "site_id"),
    [
        ("East London (WEL)", "east_london_welc"),  # 000 Table III
        ("BARNSELEY", "barnsley"),  # 002 Table C1 heading (sic)
        ("barnseley", "barnsley"),
        ("North Staffordshire", "staffordshire_stoke"),  # 002 Appendix A heading
        ("S Devon & Torbay", "south_devon_torbay"),  # 002 Table 3
        ("south devon and torbay", "south_devon_torbay"),
        ("  Cornwall   &  Isles of Scilly ", "cornwall_isles_of_scilly"),
        ("nottingham_county", "nottingham_county"),  # a site id resolves to itself
        ("Nottingham City", "nottingham_city"),
    ],
)
def test_resolve_ignores_case_spacing_and_ampersands(pioneers, name, site_id):
    assert pioneers.resolve(name) == site_id


def test_an_unknown_name_is_a_registry_error_with_close_names(pioneers):
    with pytest.raises(RegistryError, match=r"'Kentt'.*close names: 'kent'"):
        pioneers.resolve("Kentt")


# ---- footprints ------------------------------------------------------------------------


def test_greater_manchester_is_its_ten_metropolitan_districts(pioneers):
    # ONS LAD19→CTY19 lookup: Greater Manchester (E11000001) = E08000001..E08000010.
    expected = {f"E080000{n:02d}" for n in range(1, 11)}
    assert _codes(pioneers, "greater_manchester") == expected
    assert _codes(pioneers, "greater_manchester", vintage=2018) == expected


def test_kent_is_its_twelve_districts_not_medway(pioneers):
    # ONS Kent county (E10000016) districts: Ashford E07000105 .. Tunbridge Wells E07000116.
    expected = {f"E07000{n}" for n in range(105, 117)}
    assert _codes(pioneers, "kent") == expected
    assert "E06000035" not in _codes(pioneers, "kent")  # Medway is a separate unitary
    kent = pioneers.areas_of("kent")
    assert set(kent["certainty"]) == {"stated"}
    assert set(kent["coverage"]) == {"whole"}


def test_kents_seven_named_ccgs_cover_exactly_its_districts(pioneers):
    # 002 Table C1 1.1 names all seven Kent CCGs; with the ONS LSOA lookup they fill
    # every LSOA of the 12 districts (share 1.0), which cross-checks the two statements.
    ccgs = pioneers.ccgs[pioneers.ccgs["site_id"] == "kent"]
    assert len(ccgs) == 7
    assert set(ccgs["certainty"]) == {"stated"}
    assert (pioneers.areas_of("kent")["share_of_lad_lsoas"] == 1.0).all()


@pytest.mark.parametrize(
    ("site_id", "expected"),
    [
        ("cheshire", {"E06000049", "E06000050"}),  # 002 C1 1.3: CW&C, Cheshire East
        ("cornwall_isles_of_scilly", {"E06000052", "E06000053"}),  # 002 C1 1.3
        ("worcestershire", {f"E07000{n}" for n in range(234, 240)}),  # ONS county E10000034
        ("east_london_welc", {"E09000025", "E09000030", "E09000031"}),  # 002 C1 1.3
        ("barnsley", {"E08000016"}),
        ("leeds", {"E08000035"}),
        ("southend", {"E06000033"}),
        ("south_somerset", {"E07000189"}),
        ("nottingham_city", {"E06000018"}),
    ],
)
def test_footprints_of_named_authorities(pioneers, site_id, expected):
    assert _codes(pioneers, site_id) == expected


def test_north_west_london_is_the_eight_boroughs_of_its_eight_ccgs(pioneers):
    boroughs = {
        "E09000005",  # Brent
        "E09000009",  # Ealing
        "E09000013",  # Hammersmith and Fulham
        "E09000015",  # Harrow
        "E09000017",  # Hillingdon
        "E09000018",  # Hounslow
        "E09000020",  # Kensington and Chelsea
        "E09000033",  # Westminster
    }
    assert _codes(pioneers, "north_west_london") == boroughs
    nwl = pioneers.areas_of("north_west_london").set_index("lad19cd")["certainty"]
    # 002 Table 3 names five boroughs' HWBs; the Tri-Borough three are not named.
    assert {c for c, v in nwl.items() if v == "stated"} == {
        "E09000005", "E09000009", "E09000015", "E09000017", "E09000018",
    }  # fmt: skip
    assert {nwl["E09000013"], nwl["E09000020"], nwl["E09000033"]} == {"assumed"}
    ccgs = pioneers.ccgs[pioneers.ccgs["site_id"] == "north_west_london"]
    assert len(ccgs) == 8
    assert set(ccgs["certainty"]) == {"assumed"}
    assert "seven" in pioneers.site("north_west_london").footprint_note  # conflict recorded


def test_welc_leaves_out_the_city_of_london_and_says_why(pioneers):
    assert "E09000001" not in _codes(pioneers, "east_london_welc")
    assert "City of London (E09000001) is not included" in (
        pioneers.site("east_london_welc").footprint_note
    )


def test_south_devon_and_torbay_is_torbay_and_part_of_devon(pioneers):
    areas = pioneers.areas_of("south_devon_torbay").set_index("lad19nm")
    assert areas.loc["Torbay", "coverage"] == "whole"
    assert areas.loc["Torbay", "certainty"] == "stated"
    assert set(areas.index) == {"Torbay", "South Hams", "Teignbridge"}
    for district in ("South Hams", "Teignbridge"):
        assert areas.loc[district, "coverage"] == "part"
        assert areas.loc[district, "certainty"] == "derived"
        assert areas.loc[district, "utla19cd"] == "E10000008"  # Devon
    # ONS LSOA11→CCG15 lookup: 19 of South Hams' 49 LSOAs and 73 of Teignbridge's 84
    # were in South Devon and Torbay CCG (19/49 = 0.3878, 73/84 = 0.8690).
    assert areas.loc["South Hams", "share_of_lad_lsoas"] == pytest.approx(19 / 49, abs=5e-5)
    assert areas.loc["Teignbridge", "share_of_lad_lsoas"] == pytest.approx(73 / 84, abs=5e-5)
    assert pioneers.lad_codes("south_devon_torbay", include_part=False) == ("E06000027",)


def test_staffordshire_and_stoke_follows_its_four_ccgs(pioneers):
    areas = pioneers.areas_of("staffordshire_stoke").set_index("lad19nm")
    assert areas.loc["Stoke-on-Trent", "certainty"] == "stated"
    assert set(areas.loc[areas["coverage"] == "part"].index) == {
        "Lichfield", "South Staffordshire",
    }  # fmt: skip
    # Staffordshire Moorlands: 54 LSOAs in North Staffordshire CCG + 5 in Stoke on Trent CCG
    # = all 59, so whole.
    assert areas.loc["Staffordshire Moorlands", "coverage"] == "whole"
    assert "East Staffordshire" not in areas.index  # its CCG is not one of the four
    assert set(areas.drop(index="Stoke-on-Trent")["certainty"]) == {"derived"}


def test_nottingham_county_is_the_whole_county_but_assumed(pioneers):
    areas = pioneers.areas_of("nottingham_county")
    assert len(areas) == 7  # ONS: Nottinghamshire (E10000024) has seven districts
    assert set(areas["utla19cd"]) == {"E10000024"}
    assert set(areas["certainty"]) == {"assumed"}
    assert "Uncertain" in pioneers.site("nottingham_county").footprint_note


@pytest.mark.parametrize(
    ("site_id", "part", "whole"),
    [
        ("airedale_wharfedale_craven", {"Craven", "Bradford"}, set()),
        ("vale_of_york", {"Hambleton", "Ryedale", "East Riding of Yorkshire"}, {"York", "Selby"}),
        ("blackpool_fylde_coast", {"Wyre"}, {"Blackpool", "Fylde"}),
        ("west_norfolk", {"Breckland"}, {"King's Lynn and West Norfolk"}),
    ],
)
def test_ccg_defined_wave_2_sites_record_part_coverage(pioneers, site_id, part, whole):
    areas = pioneers.areas_of(site_id)
    assert set(areas.loc[areas["coverage"] == "part", "lad19nm"]) == part
    assert set(areas.loc[areas["coverage"] == "whole", "lad19nm"]) == whole


def test_uncertain_footprints_are_never_marked_stated(pioneers):
    # Districts reached only through CCGs, or from general knowledge.
    not_stated = {
        "airedale_wharfedale_craven": None,
        "vale_of_york": None,
        "west_norfolk": None,
        "nottingham_county": None,
        "blackpool_fylde_coast": {"Fylde", "Wyre"},
        "south_devon_torbay": {"South Hams", "Teignbridge"},
        "north_west_london": {"Hammersmith and Fulham", "Kensington and Chelsea", "Westminster"},
    }
    for site_id, districts in not_stated.items():
        areas = pioneers.areas_of(site_id)
        if districts is not None:
            areas = areas[areas["lad19nm"].isin(districts)]
            assert len(areas) == len(districts)
        assert "stated" not in set(areas["certainty"]), site_id


def test_part_coverage_always_carries_a_share_below_one(pioneers):
    part = pioneers.areas[pioneers.areas["coverage"] == "part"]
    assert len(part) > 0
    assert part["share_of_lad_lsoas"].between(0, 1, inclusive="neither").all()
    derived = pioneers.areas[pioneers.areas["certainty"] == "derived"]
    assert derived["share_of_lad_lsoas"].notna().all()


def test_every_site_has_an_area_and_every_row_a_source(pioneers):
    assert set(pioneers.areas["site_id"]) == set(pioneers.site_ids)
    for frame in (pioneers.areas, pioneers.ccgs, pioneers.organisations, pioneers.sites):
        assert (frame["source"].str.len() > 0).all()


def test_lad_codes_can_drop_part_covered_authorities(pioneers):
    assert pioneers.lad_codes("vale_of_york", include_part=False) == ("E06000014", "E07000169")
    assert len(pioneers.lad_codes("vale_of_york")) == 5


# ---- codes against the ONS lookups (read here, independently) ----------------------------


@needs_shared
def test_every_area_code_is_in_the_ons_lookups(pioneers):
    lad19 = pd.read_csv(ONS / "lad19_utla19_cty19_rgn19_england.csv", dtype=str)
    lad18 = pd.read_csv(ONS / "lad18_utla18_cty18_rgn18_england.csv", dtype=str)
    assert set(pioneers.areas["lad19cd"]) <= set(lad19["LAD19CD"])
    assert set(pioneers.areas["lad18cd"]) <= set(lad18["LAD18CD"])
    merged = pioneers.areas.merge(lad19, left_on="lad19cd", right_on="LAD19CD")
    assert (merged["lad19nm"] == merged["LAD19NM"]).all()
    assert (merged["utla19cd"] == merged["UTLA19CD"]).all()
    assert (merged["region_code"] == merged["RGN19CD"]).all()


@needs_shared
def test_2018_and_2019_codes_agree_with_the_ons_lad18_to_lad19_lookup(pioneers):
    lookup = pd.read_csv(ONS / "lad18_to_lad19_england.csv", dtype=str)
    pairs = set(zip(lookup["LAD18CD"], lookup["LAD19CD"], strict=True))
    assert set(zip(pioneers.areas["lad18cd"], pioneers.areas["lad19cd"], strict=True)) <= pairs


@needs_shared
def test_lsoa_shares_recomputed_from_the_ons_lsoa_lookup(pioneers):
    lsoa = pd.read_csv(ONS / "lsoa11_to_ccg15-19_lad18_lad19_england.csv", dtype=str)
    for area in pioneers.areas.dropna(subset=["share_of_lad_lsoas"]).itertuples():
        site_ccgs = set(pioneers.ccgs.loc[pioneers.ccgs["site_id"] == area.site_id, "ccg15cd"])
        in_lad = lsoa[lsoa["LAD18CD"] == area.lad18cd]
        share = in_lad["CCG15CD"].isin(site_ccgs).mean()
        assert area.share_of_lad_lsoas == pytest.approx(share, abs=5e-5), area


@needs_shared
def test_ccg_codes_are_july_2015_codes(pioneers):
    names = pd.read_csv(ONS / "ccg15-19_names_england.csv", dtype=str)
    in_2015 = set(names.loc[names["vintages"].str.contains("2015"), "CCGCD"])
    assert set(pioneers.ccgs["ccg15cd"]) <= in_2015


# ---- errors ----------------------------------------------------------------------------


def test_an_unknown_site_lists_close_ids(pioneers):
    with pytest.raises(RegistryError, match=r"no site 'kentt'.*did you mean kent\?"):
        pioneers.site("kentt")
    with pytest.raises(RegistryError, match="no site 'nowhere'"):
        pioneers.lad_codes("nowhere")


def test_an_unknown_programme_names_the_available_ones():
    with pytest.raises(RegistryError, match=r"unknown programme 'vanguards'.*pioneers"):
        load("vanguards")


def test_an_unknown_programme_wave_or_vintage_is_a_registry_error(pioneers):
    with pytest.raises(RegistryError, match="no programme wave 3"):
        pioneers.sites_in(3)
    with pytest.raises(RegistryError, match="use 2019 or 2018"):
        pioneers.lad_codes("kent", vintage=2020)


# ---- the sites table -------------------------------------------------------------------


def test_sites_table_has_one_row_per_site(pioneers):
    result = sites_table(pioneers)
    assert result.name == "programme_sites"
    frame = result.frame.set_index("site_id")
    assert len(frame) == 25
    assert frame.loc["kent", "n_local_authorities"] == 12
    assert frame.loc["cheshire", "local_authorities"] == "Cheshire East; Cheshire West and Chester"
    assert frame.loc["south_devon_torbay", "local_authorities"] == (
        "South Hams (part); Teignbridge (part); Torbay"
    )
    assert frame.loc["vale_of_york", "programme_wave"] == 2
    assert frame.loc["vale_of_york", "announced"] == "2015-01-27"
    assert list(result.frame["programme_wave"]) == [1] * 14 + [2] * 11
    assert any("nottingham_county" in note for note in result.notes)


# ---- validation of corrupt packaged data -------------------------------------------------


@pytest.fixture
def copy(tmp_path):
    target = tmp_path / "pioneers"
    shutil.copytree(PACKAGED, target)
    return target


def _edit(folder: Path, name: str, change) -> None:
    """Rewrite one CSV of the copy; ``change`` edits the frame in place or returns a new one."""
    path = folder / name
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    changed = change(frame)
    (frame if changed is None else changed).to_csv(path, index=False)


def test_an_intact_copy_loads(copy):
    assert len(load_folder(copy).sites) == 25


def test_a_duplicate_site_id_is_caught(copy):
    _edit(copy, "sites.csv", lambda f: f.loc.__setitem__((3, "site_id"), "barnsley"))
    with pytest.raises(DataFileError, match=r"sites\.csv, row 5, column 'site_id'.*duplicate"):
        load_folder(copy)


def test_a_wrong_programme_wave_count_is_caught(copy):
    _edit(copy, "sites.csv", lambda f: f.loc.__setitem__((0, "programme_wave"), "1"))
    with pytest.raises(DataFileError, match=r"announcement date differs|15 sites"):
        load_folder(copy)


def test_a_bad_wave_size_is_caught(copy):
    _edit(copy, "waves.csv", lambda f: f.loc.__setitem__((0, "n_sites"), "13"))
    with pytest.raises(DataFileError, match=r"waves\.csv, row 2, column 'n_sites'.*14 sites"):
        load_folder(copy)


def test_an_area_code_missing_from_the_ons_lookup_is_caught(copy):
    _edit(copy, "areas.csv", lambda f: f.loc.__setitem__((0, "lad18cd"), "E07999999"))
    with pytest.raises(DataFileError, match=r"areas\.csv, row 2, column 'lad18cd'.*E07999999"):
        load_folder(copy)


def test_a_2019_code_that_disagrees_with_the_2018_one_is_caught(copy):
    _edit(copy, "areas.csv", lambda f: f.loc.__setitem__((0, "lad19cd"), "E06000001"))
    with pytest.raises(DataFileError, match=r"column 'lad19cd'.*disagrees with the ONS lookup"):
        load_folder(copy)


def test_a_site_without_areas_is_caught(copy):
    _edit(copy, "areas.csv", lambda f: f[f["site_id"] != "camden"])
    with pytest.raises(DataFileError, match=r"no local authority.*camden"):
        load_folder(copy)


def test_a_derived_area_without_a_share_is_caught(copy):
    def change(frame):
        row = frame.index[frame["certainty"] == "derived"][0]
        frame.loc[row, "share_of_lad_lsoas"] = ""

    _edit(copy, "areas.csv", change)
    with pytest.raises(DataFileError, match="needs its LSOA share"):
        load_folder(copy)


def test_an_unknown_certainty_is_caught(copy):
    _edit(copy, "areas.csv", lambda f: f.loc.__setitem__((0, "certainty"), "probable"))
    with pytest.raises(DataFileError, match=r"unknown value; found 'probable'; expected stated"):
        load_folder(copy)


def test_a_bad_boolean_names_its_place_and_the_fix(copy):
    _edit(copy, "sites.csv", lambda f: f.loc.__setitem__((1, "in_2018_table_iii"), "yes"))
    with pytest.raises(DataFileError) as caught:
        load_folder(copy)
    message = str(caught.value)
    assert "sites.csv, row 3, column 'in_2018_table_iii'" in message
    assert "found 'yes'; expected true or false" in message
    assert "Fix:" in message


def test_a_missing_file_is_caught(copy):
    (copy / "ccgs.csv").unlink()
    with pytest.raises(DataFileError, match=r"ccgs\.csv: file missing"):
        load_folder(copy)


def test_a_name_shared_by_two_sites_is_caught(copy):
    with (copy / "name_variants.csv").open("a", encoding="utf-8") as handle:
        handle.write("leeds,Kent,made up,\n")
    with pytest.raises(RegistryError, match="used by both 'kent' and 'leeds'"):
        load_folder(copy)


@pytest.mark.parametrize(
    ("file", "row", "column", "value", "message"),
    [
        ("areas.csv", 0, "share_of_lad_lsoas", "1.5", "not a share"),
        ("areas.csv", 0, "lsoas_in_lad", "many", "not a count"),
        ("areas.csv", 0, "utla19cd", "K10000016", "not a GSS code"),
        ("areas.csv", 0, "coverage", "most", "unknown value; found 'most'"),
        ("sites.csv", 0, "site_id", "Bad Id", "not an identifier"),
        ("sites.csv", 0, "announced", "27/01/2015", "not an ISO date"),
        ("sites.csv", 0, "programme_wave", "two", "not a whole number"),
        ("sites.csv", 0, "name", "", "a required value is blank"),
        ("organisations.csv", 0, "organisation_type", "trust", "unknown value"),
        ("organisations.csv", 0, "site_id", "atlantis", "unknown site id"),
        ("ccgs.csv", 0, "ccg15cd", "E38000217", "not a July 2015 CCG code"),
    ],
)
def test_a_bad_cell_is_reported_with_its_place(copy, file, row, column, value, message):
    _edit(copy, file, lambda f: f.loc.__setitem__((row, column), value))
    with pytest.raises(DataFileError) as caught:
        load_folder(copy)
    text = str(caught.value)
    assert f"{file}, row {row + 2}, column '{column}'" in text
    assert message in text


def test_a_missing_column_is_caught(copy):
    _edit(copy, "areas.csv", lambda f: f.drop(columns=["coverage"]))
    with pytest.raises(DataFileError, match=r"column 'coverage'.*required column missing"):
        load_folder(copy)


def test_a_programme_file_must_hold_one_row(copy):
    _edit(copy, "programme.csv", lambda f: f.iloc[0:0])
    with pytest.raises(DataFileError, match="exactly one row"):
        load_folder(copy)


def test_the_programme_repr_is_short(pioneers):
    assert repr(pioneers) == (
        "Programme(id='pioneers', name='Integrated Care and Support Pioneers', sites=25, "
        "programme_waves=2, areas=83)"
    )
