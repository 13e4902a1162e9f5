"""Benchmark: a 50,000,000-row admissions extract to local authority × month counts.

Writes a synthetic extract with :func:`pioneer.impact.admissions.generate_extract`
(Parquet, under ``--dir``, deleted afterwards unless ``--keep``), then runs each workload
in a fresh Python subprocess and reports its wall time (``time.perf_counter`` around the
workload only, after imports) and its peak memory (the subprocess's resident-set
high-water mark, ``ru_maxrss``, which includes the interpreter and imports):

- ``pioneer``: :func:`~pioneer.impact.admissions.aggregate_extract` — every row checked
  against the schema, then counts by district × month × age band × admission group,
  totals, zero cells and rates (populations packaged);
- ``pandas``: ``pd.read_parquet`` of the four columns used, ``pd.to_datetime``, age bands
  with ``pd.cut``, groups with ``map`` and one ``groupby(...).size()`` over district ×
  month × band × group — the same counts, with no checks, totals, zero cells or rates;
- ``pandas (arrow dtypes)``: the same with ``dtype_backend="pyarrow"``, a stronger
  baseline that keeps dates and codes in Arrow arrays.

The two counts are compared and the run fails if they differ. pandas needs a Parquet
engine (``pip install pyarrow``; pyarrow is not a dependency of Pioneer).

Usage::

    .venv/bin/python bench/bench_admissions.py                  # 50,000,000 rows
    .venv/bin/python bench/bench_admissions.py --rows 1000000   # a smoke run

Targets (issue 4, Performance b): at least 5× faster than pandas, under 2 GB peak.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SPEED_UP = 5.0
TARGET_PEAK_GB = 2.0
WORKLOADS = ("pioneer", "pandas", "pandas (arrow dtypes)")


def _peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: kilobytes


def _worker(name: str, extract: Path, counts_out: Path) -> dict[str, float]:
    """Run one workload in this process; write its detailed counts for the comparison."""
    import numpy as np
    import pandas as pd

    if name == "pioneer":
        import pioneer.indicators.areas  # noqa: F401 - imported before the clock starts
        from pioneer.impact import admissions

        before = _peak_bytes()
        start = time.perf_counter()
        counts = admissions.aggregate_extract(extract)
        seconds = time.perf_counter() - start
        f = counts.frame
        detail = f[(f["age_band"] != "all") & (f["admission_group"] != "all")]
        detail = detail[detail["numerator"] > 0]
        out = detail.loc[:, ["area_code", "period", "age_band", "admission_group", "numerator"]]
    else:
        from pioneer.impact.admissions import ADMISSION_GROUPS, age_band_labels

        groups = {code: g for g, codes in ADMISSION_GROUPS.items() for code in codes}
        labels = list(age_band_labels())
        backend = {"dtype_backend": "pyarrow"} if "arrow" in name else {}
        before = _peak_bytes()
        start = time.perf_counter()
        frame = pd.read_parquet(
            extract, columns=["admidate", "admimeth", "startage", "resladst_ons"], **backend
        )
        date = pd.to_datetime(frame["admidate"])
        month = date.dt.year * 12 + date.dt.month - 1
        age = frame["startage"].where(frame["startage"] < 7001, 0)
        band = pd.cut(age, [0, 18, 65, 75, 85, np.inf], right=False, labels=labels)
        group = frame["admimeth"].map(groups)
        size = (
            pd.DataFrame(
                {"area_code": frame["resladst_ons"], "month": month, "band": band, "group": group}
            )
            .groupby(["area_code", "month", "band", "group"], observed=True)
            .size()
        )
        seconds = time.perf_counter() - start
        out = size.reset_index(name="numerator")
        out = out[out["numerator"] > 0]
        slot = out["month"].astype(int)
        out = pd.DataFrame(
            {
                "area_code": out["area_code"].astype(str),
                "period": [f"{s // 12:04d}-{s % 12 + 1:02d}" for s in slot],
                "age_band": out["band"].astype(str),
                "admission_group": out["group"].astype(str),
                "numerator": out["numerator"].astype(float),
            }
        )
    out.sort_values(["area_code", "period", "age_band", "admission_group"]).to_csv(
        counts_out, index=False
    )
    return {"seconds": seconds, "peak_bytes": _peak_bytes(), "before_bytes": before}


def _run_worker(name: str, extract: Path, scratch: Path) -> dict[str, float]:
    counts = scratch / f"counts-{WORKLOADS.index(name)}.csv"
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            name,
            "--extract",
            str(extract),
            "--counts",
            str(counts),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["counts"] = str(counts)
    return result


def _versions() -> str:
    import duckdb
    import numpy
    import pandas

    try:
        import pyarrow

        arrow = pyarrow.__version__
    except ImportError:
        arrow = "absent"
    return (
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, pandas "
        f"{pandas.__version__}, numpy {numpy.__version__}, pyarrow {arrow}; "
        f"{os.cpu_count()} CPUs"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--seed", type=int, default=20130401)
    parser.add_argument("--keep", action="store_true", help="keep the extract afterwards")
    parser.add_argument("--extract", type=Path, help="use this extract instead of writing one")
    parser.add_argument("--skip", action="append", default=[], help="a workload to leave out")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--counts", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        print(json.dumps(_worker(args.worker, args.extract, args.counts)))
        return 0

    import pandas as pd

    from pioneer.impact.admissions import generate_extract

    scratch = Path(tempfile.mkdtemp(prefix="bench-admissions-", dir=args.dir))
    try:
        if args.extract:
            extract, generated = args.extract, None
        else:
            extract = scratch / f"extract-{args.rows}.parquet"
            start = time.perf_counter()
            generate_extract(extract, args.rows, seed=args.seed, progress=sys.stdout.isatty())
            generated = time.perf_counter() - start
        size_mb = extract.stat().st_size / 1e6
        results = {}
        for name in WORKLOADS:
            if name not in args.skip:
                results[name] = _run_worker(name, extract, scratch)
        names = list(results)
        reference = pd.read_csv(results[names[0]]["counts"])
        for name in names[1:]:
            other = pd.read_csv(results[name]["counts"])
            pd.testing.assert_frame_equal(reference, other, check_dtype=False)
        print(f"# Admissions extract to district × month counts: {args.rows:,} rows\n")
        print(f"Extract: Parquet, {size_mb:,.0f} MB", end="")
        print(f", generated in {generated:.1f} s" if generated is not None else "", end=".\n")
        print(f"Machine: {_versions()}.\n")
        print("| workload | time (s) | peak RSS (GB) | pandas time ÷ this |")
        print("|---|---:|---:|---:|")
        base = results.get("pandas", {}).get("seconds")
        for name in names:
            r = results[name]
            ratio = f"{base / r['seconds']:.1f}×" if base else "—"
            print(f"| {name} | {r['seconds']:.1f} | {r['peak_bytes'] / 1e9:.2f} | {ratio} |")
        print(f"\nCounts agree across {', '.join(names)} ({len(reference):,} non-zero cells).")
        if "pioneer" in results and base:
            pioneer = results["pioneer"]
            speed_up = base / pioneer["seconds"]
            peak = pioneer["peak_bytes"] / 1e9
            print(
                f"Targets: ≥ {TARGET_SPEED_UP:g}× faster than pandas — {speed_up:.1f}× "
                f"({'met' if speed_up >= TARGET_SPEED_UP else 'missed'}); under "
                f"{TARGET_PEAK_GB:g} GB — {peak:.2f} GB "
                f"({'met' if peak < TARGET_PEAK_GB else 'missed'})."
            )
    finally:
        if args.keep:
            print(f"\nKept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
