"""Benchmark: TWFE DiD with clustered errors and a 9,999-draw wild cluster bootstrap.

Issue 4, performance (a): 150 areas × 10 years (staggered adoption: 30 areas treated from
year 4, 20 from year 6), two-way fixed effects with CR1 standard errors by area, then a
restricted wild cluster bootstrap (Rademacher weights, 9,999 draws) for the treatment
coefficient — by Pioneer (:func:`pioneer.impact.did.twfe_did` and
:func:`pioneer.impact.bootstrap.wild_cluster_bootstrap`) and by pyfixest (``feols`` with
``vcov={"CRV1": ...}`` and ``Feols.wildboottest``, which needs the ``wildboottest``
package) on the same data in the same run.

Reported: the median wall time of ``--repeats`` warm runs of each (after one untimed
warm-up, which for pyfixest includes numba's compilation, reported separately as the
first call), the ratio, and a check that both give the same estimate and standard error
(and bootstrap p-values within Monte Carlo error: the draws differ).

Usage::

    .venv/bin/python bench/bench_impact_did.py
    .venv/bin/python bench/bench_impact_did.py --areas 300 --years 8 --repeats 3

Target (issue 4): faster than pyfixest. See ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
import warnings

import numpy as np
import pandas as pd

from pioneer.impact.bootstrap import wild_cluster_bootstrap
from pioneer.impact.did import twfe_did


def make_panel(areas: int, years: int, seed: int = 20131101) -> pd.DataFrame:
    """A staggered-adoption panel of rates with area and year effects."""
    rng = np.random.default_rng(seed)
    cohort = np.zeros(areas, dtype=int)
    cohort[: areas // 5] = 4
    cohort[areas // 5 : areas // 3] = 6
    area = np.repeat(np.arange(areas), years)
    year = np.tile(np.arange(years), areas)
    post = (cohort[area] > 0) & (year >= cohort[area])
    outcome = (
        rng.normal(2000, 300, areas)[area]
        + np.cumsum(rng.normal(20, 10, years))[year]
        - 8.0 * post
        + rng.normal(0, 60, areas * years)
    )
    return pd.DataFrame(
        {
            "area_code": [f"E{a:08d}" for a in area],
            "cl": area,  # integer cluster codes for pyfixest's numba code
            "year": year,
            "outcome": outcome,
            "post": post.astype(int),
        }
    )


def run_pioneer(data: pd.DataFrame, draws: int) -> tuple[float, float, float]:
    did = twfe_did(data).tidy().iloc[0]
    boot = wild_cluster_bootstrap(data, draws=draws, seed=1).tidy().iloc[0]
    return float(did.estimate), float(did.std_error), float(boot.p_value)


def run_pyfixest(data: pd.DataFrame, draws: int) -> tuple[float, float, float]:
    import pyfixest as pf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.feols("outcome ~ post | area_code + year", data=data, vcov={"CRV1": "cl"})
        boot = fit.wildboottest(param="post", reps=draws, seed=1)
    row = fit.tidy().loc["post"]
    return float(row["Estimate"]), float(row["Std. Error"]), float(boot["Pr(>|t|)"])


def timed(function, *args) -> tuple[float, tuple[float, float, float]]:
    start = time.perf_counter()
    out = function(*args)
    return time.perf_counter() - start, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=150)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--draws", type=int, default=9999)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    data = make_panel(args.areas, args.years)
    first_ours, ours = timed(run_pioneer, data, args.draws)
    ours_times = [timed(run_pioneer, data, args.draws)[0] for _ in range(args.repeats)]
    ours_median = statistics.median(ours_times)

    try:
        import pyfixest
        import wildboottest  # noqa: F401
    except ImportError as error:
        print(f"pyfixest comparison skipped: {error}. Install the bench extra and wildboottest.")
        theirs = None
    else:
        first_theirs, theirs = timed(run_pyfixest, data, args.draws)
        their_times = [timed(run_pyfixest, data, args.draws)[0] for _ in range(args.repeats)]
        their_median = statistics.median(their_times)

    n_obs = len(data)
    print(
        f"TWFE DiD, CR1 by area, WCR wild cluster bootstrap (Rademacher, {args.draws} draws): "
        f"{args.areas} areas × {args.years} years = {n_obs} rows; median of {args.repeats} "
        "warm runs after one untimed first call."
    )
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"{platform.machine()}"
    )
    print()
    print("| tool | first call (s) | median (s) | estimate | std. error | bootstrap p |")
    print("|---|---:|---:|---:|---:|---:|")
    print(
        f"| Pioneer (twfe_did + wild_cluster_bootstrap) | {first_ours:.3f} | {ours_median:.3f} "
        f"| {ours[0]:.4f} | {ours[1]:.4f} | {ours[2]:.4f} |"
    )
    status = 0
    if theirs is not None:
        print(
            f"| pyfixest {pyfixest.__version__} (feols + wildboottest) | {first_theirs:.3f} "
            f"| {their_median:.3f} | {theirs[0]:.4f} | {theirs[1]:.4f} | {theirs[2]:.4f} |"
        )
        ratio = their_median / ours_median
        print()
        print(f"Pioneer is {ratio:.1f}× faster than pyfixest (median warm runs).")
        same = np.isclose(ours[0], theirs[0], rtol=1e-8) and np.isclose(
            ours[1], theirs[1], rtol=1e-8
        )
        close_p = abs(ours[2] - theirs[2]) < 0.03
        print(f"Same estimate and CR1 standard error: {same}; p-values within 0.03: {close_p}.")
        print(
            "Pioneer's time includes its bootstrap confidence interval (test inversion); "
            "pyfixest's wildboottest gives the p-value only."
        )
        if not same:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
