"""Benchmark: proportions and crude rates at 95% and 99.8% for a million area-period rows.

Generates ``--rows`` area × period rows (default 1,000,000: 7,000 areas × 143 periods, cut
to size) with populations from 500 to 400,000 and event rates spread so that about a quarter
of the rows have fewer than 10 events (the exact-limit branch), then times
:func:`pioneer.indicators.statistics.proportion` and :func:`~.crude_rate`, each computing
both levels in one call. Reported per workload:

- time: median wall time of ``--repeats`` runs (``time.perf_counter``);
- peak memory: the largest memory traced by ``tracemalloc`` during one further run, above
  what was held before it (the input frame is not counted; the output frame is);
- the same statistics by a per-row Python loop over scipy, in two versions: calling
  ``norm.ppf`` on every row and level for the normal quantile of Wilson's and Byar's limits
  (and ``chi2.ppf`` for the exact limits below 10 events), and with that quantile computed
  once per level (``chi2.ppf`` still per small-count row). Each is timed on the first
  ``--loop-rows`` rows and extrapolated per row to all rows; its results are compared with
  the vectorised ones on those rows, and the run fails if they differ.

Usage::

    .venv/bin/python bench/bench_indicators.py              # 1,000,000 rows
    .venv/bin/python bench/bench_indicators.py --rows 50000 # a smoke run

Target (issue 3): under 2 s for the million rows. See ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import math
import platform
import resource
import statistics
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd
import scipy
from scipy import stats

from pioneer.indicators.statistics import EXACT_BELOW, crude_rate, proportion

LEVELS = (0.95, 0.998)
TARGET_SECONDS = 2.0
AREAS = 7_000


def make_rows(rows: int, seed: int = 20180401) -> pd.DataFrame:
    """Area-period rows with counts for a proportion and for a rate."""
    rng = np.random.default_rng(seed)
    area = np.arange(rows) % AREAS
    period = np.arange(rows) // AREAS
    population = rng.integers(500, 400_000, rows).astype(float)
    # Rates from 0.5 to 5,000 per 100,000: small areas with rare events give counts below 10.
    rate = 10 ** rng.uniform(math.log10(5e-6), math.log10(5e-2), rows)
    events = rng.poisson(population * rate).astype(float)
    return pd.DataFrame(
        {
            "area_code": pd.Series(np.char.add("E", area.astype(str)), dtype="str"),
            "year": 2008 + period,
            "numerator": np.minimum(events, population),
            "denominator": population,
        }
    )


# ---------------------------------------------------------------------------------------------
# The per-row loop: what one would write without vectorising


def _z(level: float, cache: dict | None) -> float:
    if cache is None:
        return stats.norm.ppf(1 - (1 - level) / 2)  # a scipy call on every row
    if level not in cache:
        cache[level] = stats.norm.ppf(1 - (1 - level) / 2)
    return cache[level]


def loop_proportions(x: np.ndarray, n: np.ndarray, hoist: bool) -> list[tuple[float, ...]]:
    cache = {} if hoist else None
    out = []
    for k, m in zip(x.tolist(), n.tolist(), strict=True):
        row = [k / m]
        for level in LEVELS:
            z = _z(level, cache)
            spread = z * math.sqrt(z * z + 4 * k * (1 - k / m))
            denominator = 2 * (m + z * z)
            row += [(2 * k + z * z - spread) / denominator, (2 * k + z * z + spread) / denominator]
        out.append(tuple(row))
    return out


def loop_rates(x: np.ndarray, n: np.ndarray, hoist: bool) -> list[tuple[float, ...]]:
    cache = {} if hoist else None
    out = []
    for k, m in zip(x.tolist(), n.tolist(), strict=True):
        row = [k / m * 100_000]
        for level in LEVELS:
            alpha = 1 - level
            if k < EXACT_BELOW:
                low = stats.chi2.ppf(alpha / 2, 2 * k) / 2 if k > 0 else 0.0
                high = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
            else:
                z = _z(level, cache)
                low = k * (1 - 1 / (9 * k) - z / (3 * math.sqrt(k))) ** 3
                high = (k + 1) * (1 - 1 / (9 * (k + 1)) + z / (3 * math.sqrt(k + 1))) ** 3
            row += [low / m * 100_000, high / m * 100_000]
        out.append(tuple(row))
    return out


# ---------------------------------------------------------------------------------------------


def timed(function, frame: pd.DataFrame, repeats: int) -> tuple[float, pd.DataFrame]:
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function(frame, confidence=LEVELS)
        times.append(time.perf_counter() - start)
        del result
    result = function(frame, confidence=LEVELS)
    return statistics.median(times), result


def peak_bytes(function, frame: pd.DataFrame) -> int:
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    result = function(frame, confidence=LEVELS)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return peak - before


def run(rows: int, loop_rows: int, repeats: int) -> list[dict]:
    start = time.perf_counter()
    frame = make_rows(rows)
    generated = time.perf_counter() - start
    small = float((frame["numerator"] < EXACT_BELOW).mean())
    print(
        f"Generated {rows:,} area-period rows in {generated:.1f} s "
        f"({small:.0%} with fewer than {EXACT_BELOW} events).",
        file=sys.stderr,
    )
    subsample = frame.iloc[: min(loop_rows, rows)]
    x = subsample["numerator"].to_numpy()
    n = subsample["denominator"].to_numpy()
    columns = ["value", "lower_95", "upper_95", "lower_99_8", "upper_99_8"]
    results = []
    for name, function, loop in (
        ("proportion (Wilson)", proportion, loop_proportions),
        ("crude rate (exact < 10, Byar's)", crude_rate, loop_rates),
    ):
        seconds, output = timed(function, frame, repeats)
        peak = peak_bytes(function, frame)
        got = output[columns].iloc[: len(subsample)].to_numpy()
        loop_seconds = {}
        for hoist in (False, True):
            start = time.perf_counter()
            looped = loop(x, n, hoist)
            loop_seconds[hoist] = time.perf_counter() - start
            if not np.allclose(got, np.asarray(looped), rtol=1e-10, atol=1e-12):
                raise SystemExit(f"{name}: the vectorised results differ from the per-row loop")
        extrapolated = loop_seconds[False] / len(subsample) * rows
        hoisted = loop_seconds[True] / len(subsample) * rows
        results.append(
            {
                "workload": name,
                "rows": rows,
                "seconds": seconds,
                "peak_mib": peak / 2**20,
                "loop_rows": len(subsample),
                "loop_seconds": loop_seconds[False],
                "loop_extrapolated_seconds": extrapolated,
                "ratio": extrapolated / seconds,
                "hoisted_seconds": loop_seconds[True],
                "hoisted_extrapolated_seconds": hoisted,
                "hoisted_ratio": hoisted / seconds,
            }
        )
    return results


def report(results: list[dict], repeats: int) -> str:
    rows = results[0]["rows"]
    lines = [
        f"Proportions and crude rates, 95% and 99.8% limits in one call, {rows:,} rows "
        f"(median of {repeats} runs).",
        "",
        "| workload | vectorised (s) | peak memory (MiB) | per-row loop, scipy on every "
        "row (s) | ratio | per-row loop, z computed once (s) | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['workload']} | {r['seconds']:.3f} | {r['peak_mib']:.0f} | "
            f"{r['loop_extrapolated_seconds']:.0f} | {r['ratio']:,.0f}× | "
            f"{r['hoisted_extrapolated_seconds']:.1f} | {r['hoisted_ratio']:,.0f}× |"
        )
    total = sum(r["seconds"] for r in results)
    verdict = "met" if total < TARGET_SECONDS else "MISSED"
    lines += [
        "",
        f"The loops were timed on the first {results[0]['loop_rows']:,} rows and extrapolated "
        f"per row to {rows:,}; their results equal the vectorised ones on those rows.",
        f"Both workloads together: {total:.2f} s for {rows:,} rows; target under "
        f"{TARGET_SECONDS:g} s: {verdict}.",
        f"Process peak resident memory (input frame included): "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB.",
        f"Python {platform.python_version()}, numpy {np.__version__}, pandas "
        f"{pd.__version__}, scipy {scipy.__version__}; {platform.machine()}, "
        f"{platform.system()}.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="area-period rows")
    parser.add_argument(
        "--loop-rows", type=int, default=20_000, help="rows timed with the per-row loop"
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per workload")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.loop_rows < 1 or args.repeats < 1:
        parser.error("--rows, --loop-rows and --repeats must be at least 1")
    results = run(args.rows, args.loop_rows, args.repeats)
    print(report(results, args.repeats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
