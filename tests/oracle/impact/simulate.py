"""Write the simulated panels the R script and the tests read (run once; CSVs committed).

    .venv/bin/python tests/oracle/impact/simulate.py

Seeded, so re-running reproduces the committed files byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def linear_panel(seed: int = 20131101) -> pd.DataFrame:
    """40 areas × 8 years (2010–2017); cohorts 2013 (8 areas), 2015 (6 areas), never (26)."""
    rng = np.random.default_rng(seed)
    n_areas, years = 40, np.arange(2010, 2018)
    cohorts = np.array([2013] * 8 + [2015] * 6 + [0] * 26)
    area_effect = rng.normal(2000, 300, n_areas)
    year_effect = np.cumsum(rng.normal(25, 15, len(years)))
    population = rng.integers(20_000, 200_000, n_areas)
    rows = []
    for a in range(n_areas):
        shock = rng.normal(0, 40)  # area-level heteroskedasticity
        for t, year in enumerate(years):
            post = cohorts[a] > 0 and year >= cohorts[a]
            noise = rng.normal(0, 60 + 20 * (a % 3)) + shock * (t - 3.5) / 4
            outcome = area_effect[a] + year_effect[t] - 45.0 * post + noise
            rows.append(
                {
                    "area_code": f"A{a:03d}",
                    "year": int(year),
                    "outcome": round(float(outcome), 3),
                    "population": int(population[a] * (1 + 0.01 * t)),
                    "cohort": int(cohorts[a]),
                    "post": int(post),
                }
            )
    return pd.DataFrame(rows)


def count_panel(seed: int = 20150127) -> pd.DataFrame:
    """30 areas × 6 years (2011–2016) of event counts; cohort 2014 for 9 areas; RR 0.92."""
    rng = np.random.default_rng(seed)
    n_areas, years = 30, np.arange(2011, 2017)
    cohorts = np.array([2014] * 9 + [0] * 21)
    log_rate = np.log(0.02) + rng.normal(0, 0.25, n_areas)
    trend = np.cumsum(rng.normal(0.02, 0.02, len(years)))
    population = rng.integers(5_000, 60_000, n_areas)
    rows = []
    for a in range(n_areas):
        overdispersion = rng.gamma(20, 1 / 20, len(years))
        for t, year in enumerate(years):
            post = cohorts[a] > 0 and year >= cohorts[a]
            pop = int(population[a] * (1 + 0.015 * t))
            mean = pop * np.exp(log_rate[a] + trend[t] + np.log(0.92) * post)
            rows.append(
                {
                    "area_code": f"C{a:03d}",
                    "year": int(year),
                    "count": int(rng.poisson(mean * overdispersion[t])),
                    "population": pop,
                    "cohort": int(cohorts[a]),
                    "post": int(post),
                }
            )
    return pd.DataFrame(rows)


def main() -> None:
    linear_panel().to_csv(HERE / "panel_linear.csv", index=False)
    count_panel().to_csv(HERE / "panel_counts.csv", index=False)


if __name__ == "__main__":
    main()
