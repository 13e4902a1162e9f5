"""Build the packaged populations and district geography used to aggregate indicators.

Reads the ONS mid-year estimates in ``<shared>/data/ons-population/`` (April 2020 boundaries)
and the December 2018 district lookup in ``<shared>/data/ons-geography/`` and writes, under
``src/pioneer/data/indicators/``:

- ``populations.csv``: one row per area × mid-year (2010–2019) for England, the nine regions
  and the 326 districts and unitary authorities on **2018 codes** (the codes the Fingertips
  extracts use). Columns: ``area_code, area_name, geography, year, population_all_ages,
  population_65_plus, source_code, note``. 65+ is known for mid-2019 only.
- ``ons_lad18_utla18_cty18_rgn18.csv``: the 2018 district → upper tier / county / region
  lookup, copied as is.

The source re-bases every year onto April 2020 boundaries, so the 18 districts that were
merged in 2019 or 2020 have no figures of their own: they are written with empty
populations, the code of the authority they became in ``source_code`` and the reason in
``note``. Nothing is split or apportioned.

Usage::

    .venv/bin/python tools/build_indicator_populations.py [--shared ../shared] [--check]

``--check`` rebuilds in memory and fails if the committed files differ.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "pioneer" / "data" / "indicators"

TOTAL = "mye_total_population_england_mid2010-2019_lad20.csv"
OLDER = "mye_population_65plus_england_mid2019_lad20.csv"
LOOKUP = "lad18_utla18_cty18_rgn18_england.csv"
LAD18_TO_LAD19 = "lad18_to_lad19_england.csv"

# Buckinghamshire's four districts became one unitary authority on 1 April 2020, after the
# 2019 codes; the 2018→2019 lookup cannot show it, so it is written here (ONS code history).
MERGED_2020 = {
    "E07000004": "E06000060",
    "E07000005": "E06000060",
    "E07000006": "E06000060",
    "E07000007": "E06000060",
}
DISTRICT_GEOGRAPHIES = (
    "Unitary Authority",
    "Non-metropolitan District",
    "Metropolitan District",
    "London Borough",
)
COLUMNS = (
    "area_code",
    "area_name",
    "geography",
    "year",
    "population_all_ages",
    "population_65_plus",
    "source_code",
    "note",
)


def build(shared: Path) -> dict[str, pd.DataFrame]:
    """The packaged tables, keyed by file name."""
    population = shared / "data" / "ons-population"
    geography = shared / "data" / "ons-geography"
    total = pd.read_csv(population / TOTAL, dtype={"code": str})
    older = pd.read_csv(population / OLDER, dtype={"code": str})
    lookup = pd.read_csv(geography / LOOKUP, dtype=str, keep_default_na=False)
    lad19 = pd.read_csv(geography / LAD18_TO_LAD19, dtype=str, keep_default_na=False)

    older = older[["code", "year", "population_65_plus"]]
    counts = total.merge(older, on=["code", "year"], how="left", validate="one_to_one")
    years = sorted(int(y) for y in counts["year"].unique())
    by_code = {code: rows for code, rows in counts.groupby("code", sort=False)}
    names_2020 = dict(zip(total["code"], total["name"], strict=False))

    successor = dict(zip(lad19["LAD18CD"], lad19["LAD19CD"], strict=True))
    successor.update(MERGED_2020)

    region_names = dict(zip(lookup["RGN18CD"], lookup["RGN18NM"], strict=False))
    region_names["E92000001"] = "England"
    parts = []
    for geography_label in ("Country", "Region"):
        kept = counts[counts["geography"] == geography_label]
        parts.append(
            pd.DataFrame(
                {
                    "area_code": kept["code"],
                    "area_name": kept["code"].map(region_names),
                    "geography": geography_label,
                    "year": kept["year"],
                    "population_all_ages": kept["population_all_ages"],
                    "population_65_plus": kept["population_65_plus"],
                    "source_code": kept["code"],
                    "note": "",
                }
            )
        )
    districts = []
    for code, name in zip(lookup["LAD18CD"], lookup["LAD18NM"], strict=True):
        rows = by_code.get(code)
        if rows is not None:
            if not set(rows["geography"]) <= set(DISTRICT_GEOGRAPHIES):
                raise SystemExit(f"{code}: not a district in {TOTAL}")
            districts.append(
                pd.DataFrame(
                    {
                        "area_code": code,
                        "area_name": name,
                        "geography": rows["geography"].to_numpy(),
                        "year": rows["year"].to_numpy(),
                        "population_all_ages": rows["population_all_ages"].to_numpy(),
                        "population_65_plus": rows["population_65_plus"].to_numpy(),
                        "source_code": code,
                        "note": "",
                    }
                )
            )
            continue
        new = successor[code]
        if new == code or new not in by_code:
            raise SystemExit(f"{code} {name}: no population and no successor in {TOTAL}")
        when = "1 April 2020" if code in MERGED_2020 else "1 April 2019"
        note = (
            f"merged into {new} {names_2020[new]} on {when}; the source gives figures on "
            "April 2020 boundaries only, so this district's own population is not known"
        )
        districts.append(
            pd.DataFrame(
                {
                    "area_code": code,
                    "area_name": name,
                    "geography": "Merged district",
                    "year": years,
                    "population_all_ages": pd.NA,
                    "population_65_plus": pd.NA,
                    "source_code": new,
                    "note": note,
                }
            )
        )
    frame = pd.concat([*parts, *districts], ignore_index=True)
    frame["population_all_ages"] = frame["population_all_ages"].astype("Int64")
    frame["population_65_plus"] = frame["population_65_plus"].astype("Int64")
    frame = frame.sort_values(["area_code", "year"], kind="stable").reset_index(drop=True)
    _check(frame, lookup, years)
    return {
        "populations.csv": frame[list(COLUMNS)],
        "ons_lad18_utla18_cty18_rgn18.csv": lookup,
    }


def _check(frame: pd.DataFrame, lookup: pd.DataFrame, years: list[int]) -> None:
    districts = frame[~frame["geography"].isin(["Country", "Region"])]
    if set(districts["area_code"]) != set(lookup["LAD18CD"]):
        raise SystemExit("district codes differ from the 2018 lookup")
    if len(districts) != len(lookup) * len(years):
        raise SystemExit("not one row per district and year")
    missing = districts[districts["population_all_ages"].isna()]["area_code"].nunique()
    if missing != 18:
        raise SystemExit(f"expected 18 districts without figures, found {missing}")


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
