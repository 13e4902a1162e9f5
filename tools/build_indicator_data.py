"""Build the packaged real indicator set from the shared Fingertips extract.

Reads the three files in ``<shared>/data/fingertips-la-admissions/`` (falls 65+,
self-harm, alcohol-related admissions by English district, 2008/09–2017/18) with
:func:`pioneer.indicators.ingest.read_fingertips_extract`, the same reader users get, and
writes them as one indicator frame to
``src/pioneer/data/indicators/fingertips_la_admissions.csv``, sorted by indicator
(catalogue order), area code and year. The package reads only that file at run time;
this script is how it was made, kept so the build can be repeated and reviewed.

Usage::

    .venv/bin/python tools/build_indicator_data.py [--shared ../shared] [--check]

``--shared`` defaults to ``shared/`` beside the repository. ``--check`` rebuilds in
memory and exits with status 1 if the committed file differs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from pioneer.indicators import catalogue, ingest

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "pioneer" / "data" / "indicators" / ingest.PACKAGED_FILE
FOLDER = Path("data") / "fingertips-la-admissions"

#: Source file -> the catalogue id its indicator title must map to.
SOURCES: dict[str, str] = {
    "admissions_falls.csv": "falls65",
    "admissions_self_harm.csv": "self_harm",
    "alcohol_related_admissions.csv": "alcohol_narrow",
}


def build(shared: Path) -> pd.DataFrame:
    """The packaged frame, rebuilt from the shared extract."""
    frames = []
    for name, expected in SOURCES.items():
        frame = ingest.read_fingertips_extract(shared / FOLDER / name)
        found = set(frame["indicator_id"])
        if found != {expected}:
            raise SystemExit(f"{name}: expected indicator {expected!r}, read {sorted(found)}")
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    order = {i: n for n, i in enumerate(catalogue.load().ids)}
    out = out.sort_values(
        ["indicator_id", "area_code", "year"],
        key=lambda s: s.map(order) if s.name == "indicator_id" else s,
        kind="stable",
    )
    return ingest.normalise(out.reset_index(drop=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    frame = build(args.shared)
    text = ingest.to_csv_text(frame)
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"out of date: {OUT.relative_to(ROOT)}; rerun without --check", file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({len(frame)} rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
