"""Benchmark: the key-informant tables on a patient-survey-sized response frame.

Builds a synthetic long response frame (``bench/survey_frame.py``; 700,000 respondents ×
60 items = 42 million rows by default), then runs two workloads on it, each in a fresh
subprocess so that their peak memory can be read separately:

``library``   the tables of :mod:`pioneer.survey.tables`: distributions (Table V) and trends
              with tests of change (Figures 1–3) of both grids, for all respondents and
              split by organisation type and by site, pick-N and tick-all by
              organisation type and by site (Table IV), and the site presence matrix
              (Table III); all with 95% intervals. ``tables.prepare`` runs once first
              (the respondent table and the integer codes), timed as a row of its own
              and counted in the total; every table then gets the prepared responses.
``baseline``  the same counts, bases and Wilson intervals (and the same paired discordant
              counts for the trends) written directly with ``pandas.groupby`` and numpy.

Every count and base of the two workloads is compared; the run fails if any differ. Wall
time (``time.perf_counter``) and peak resident memory (``VmHWM``, reset after the frame is
built, so the peak covers the tables only but includes the frame held in memory) are
reported with the ratio library / baseline. Frame generation is timed separately and not
counted. A memory ceiling (``--memory-limit``) stops a workload that would exhaust the
machine; it is then reported as failed, not hidden.

Usage::

    .venv/bin/python bench/bench_tabulate.py            # the full benchmark (make bench)
    .venv/bin/python bench/bench_tabulate.py --quick    # 50,000 respondents, a smoke run
    .venv/bin/python bench/bench_tabulate.py --json out.json

See ``docs/performance.md`` for the results and how to read them.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import survey_frame  # noqa: E402

FULL_RESPONDENTS = 700_000
QUICK_RESPONDENTS = 50_000
TARGET_SECONDS = 10.0
TARGET_BYTES = 4 * 1024**3
CONFIDENCE = 0.95

#: Grid questions: (question, categories counted by the trend).
GRIDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("progress", ("substantial", "some")),
    ("barriers", ("very",)),
)
#: Option questions tabulated by group: (question, group).
OPTION_TABLES: tuple[tuple[str, str], ...] = (
    ("objectives_top3", "org_type"),
    ("objectives_top3", "site"),
    ("initiatives", "org_type"),
    ("initiatives", "site"),
)
PRESENCE_WAVE = 2018
#: Respondent groups every grid table is also split by.
GROUPS: tuple[str, ...] = ("org_type", "site")
#: The library's once-per-frame step (``tables.prepare``), timed as a row of its own.
PREPARE = "prepare"


def table_names() -> list[str]:
    """The tables of one workload, in the order they run."""
    names = [f"distribution:{q}" for q, _ in GRIDS]
    names += [f"trend:{q}" for q, _ in GRIDS]
    names += [f"distribution:{q}:{by}" for q, _ in GRIDS for by in GROUPS]
    names += [f"trend:{q}:{by}" for q, _ in GRIDS for by in GROUPS]
    names += [f"pick_n:{q}:{by}" for q, by in OPTION_TABLES]
    names.append(f"presence_matrix:initiatives:{PRESENCE_WAVE}")
    return names


# ---------------------------------------------------------------------------
# Memory
# ---------------------------------------------------------------------------


def _status(field: str) -> int:
    """A ``/proc/self/status`` memory field in bytes (0 where /proc is not available)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _reset_peak() -> bool:
    """Reset the peak resident set size (Linux ≥ 4.0); False where that is impossible."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


def _peak_bytes() -> int:
    hwm = _status("VmHWM")
    return hwm or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# ---------------------------------------------------------------------------
# Workload: the library
# ---------------------------------------------------------------------------


def _library_tables(frame: pd.DataFrame) -> dict[str, Callable[[], dict[str, pd.DataFrame]]]:
    from pioneer.survey import tables

    out: dict[str, Callable[[], dict[str, pd.DataFrame]]] = {}
    # The respondent table and the codes are made once per frame and timed as a step of
    # their own; a library without ``prepare`` gets the frame in every call.
    held: dict[str, object] = {"responses": frame}
    if hasattr(tables, "prepare"):

        def prepare():
            held["responses"] = tables.prepare(frame)
            return {}

        out[PREPARE] = prepare
    for question, _ in GRIDS:

        def run(question=question):
            result = tables.distribution(
                held["responses"],
                question,
                waves=None,
                categories=survey_frame.SCALES[question],
                threshold=0,
                confidence=CONFIDENCE,
            )
            keep = ["item", "wave", "category", "n", "base", "percent", "ci_lower", "ci_upper"]
            return {"table": result.frame.loc[:, keep]}

        out[f"distribution:{question}"] = run
    for question, wanted in GRIDS:

        def run(question=question, wanted=wanted):
            result = tables.trend(
                held["responses"], question, wanted, threshold=0, confidence=CONFIDENCE
            )
            keep = ["item", "wave", "n", "base", "percent", "ci_lower", "ci_upper"]
            tests = result.tests
            paired = tests.loc[
                tests["design"] == "paired",
                ["item", "wave_from", "wave_to", "base_from", "only_from", "only_to"],
            ]
            return {"table": result.frame.loc[:, keep], "paired": paired}

        out[f"trend:{question}"] = run
    for question, _ in GRIDS:
        for by in GROUPS:

            def run(question=question, by=by):
                result = tables.distribution(
                    held["responses"],
                    question,
                    waves=None,
                    categories=survey_frame.SCALES[question],
                    by=by,
                    threshold=0,
                    confidence=CONFIDENCE,
                )
                keep = ["item", "wave", by, "category", "n", "base"]
                return {"table": result.frame.loc[:, [*keep, "percent", "ci_lower", "ci_upper"]]}

            out[f"distribution:{question}:{by}"] = run

    for question, wanted in GRIDS:
        for by in GROUPS:

            def run(question=question, wanted=wanted, by=by):
                result = tables.trend(
                    held["responses"], question, wanted, by=by, threshold=0, confidence=CONFIDENCE
                )
                keep = ["item", "wave", by, "n", "base", "percent", "ci_lower", "ci_upper"]
                tests = result.tests
                paired = tests.loc[
                    tests["design"] == "paired",
                    ["item", by, "wave_from", "wave_to", "base_from", "only_from", "only_to"],
                ]
                return {"table": result.frame.loc[:, keep], "paired": paired}

            out[f"trend:{question}:{by}"] = run

    for question, by in OPTION_TABLES:

        def run(question=question, by=by):
            result = tables.pick_n(
                held["responses"], question, by=by, waves=None, threshold=0, confidence=CONFIDENCE
            )
            keep = ["item", "wave", by, "n", "base", "percent", "ci_lower", "ci_upper"]
            return {"table": result.frame.loc[:, keep]}

        out[f"pick_n:{question}:{by}"] = run

    def presence():
        result = tables.presence_matrix(
            held["responses"], "initiatives", PRESENCE_WAVE, threshold=0, confidence=CONFIDENCE
        )
        keep = ["site", "item", "present", "n", "base", "percent", "ci_lower", "ci_upper"]
        return {"table": result.frame.loc[:, keep]}

    out[f"presence_matrix:initiatives:{PRESENCE_WAVE}"] = presence
    return out


# ---------------------------------------------------------------------------
# Workload: the plain pandas / numpy baseline
# ---------------------------------------------------------------------------


def _z(confidence: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def wilson(n: np.ndarray, base: np.ndarray, confidence: float = CONFIDENCE):
    """Wilson score interval in percent, written out with numpy (Wilson 1927)."""
    z = _z(confidence)
    n = np.asarray(n, dtype=float)
    base = np.asarray(base, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = n / base
        denom = 1 + z * z / base
        centre = (p + z * z / (2 * base)) / denom
        half = z * np.sqrt(p * (1 - p) / base + z * z / (4 * base * base)) / denom
        lower = np.clip(centre - half, 0, 1)
        upper = np.clip(centre + half, 0, 1)
    lower = np.where(n == 0, 0.0, lower)
    upper = np.where(n == base, 1.0, upper)
    return 100 * p, 100 * lower, 100 * upper


def _with_stats(counts: pd.DataFrame) -> pd.DataFrame:
    percent, lower, upper = wilson(counts["n"].to_numpy(), counts["base"].to_numpy())
    return counts.assign(percent=percent, ci_lower=lower, ci_upper=upper)


def _question_rows(frame: pd.DataFrame, question: str) -> pd.DataFrame:
    items = frame["item"].cat.categories
    wanted = items[items.str.startswith(question + ".")]
    return frame[frame["item"].isin(wanted)]


def _baseline_distribution(rows: pd.DataFrame) -> pd.DataFrame:
    """Counts and bases of one grid (the rows of one question), before the intervals."""
    base = rows.groupby("wave")["respondent_id"].nunique().rename("base")
    counts = (
        rows.groupby(["item", "wave", "value"], observed=True).size().rename("n")
    ).reset_index()
    counts = counts.merge(base.reset_index(), on="wave")
    # Respondents in a wave's base who skipped a row: the "not answered" category.
    answered = counts.groupby(["item", "wave"], observed=True)["n"].sum()
    skipped = (base.reindex(answered.index.get_level_values("wave")).to_numpy()) - (
        answered.to_numpy()
    )
    if skipped.any():
        extra = answered.reset_index().assign(value="not_answered", n=skipped)
        extra["base"] = base.reindex(extra["wave"]).to_numpy()
        counts = pd.concat([counts, extra.loc[:, counts.columns]], ignore_index=True)
    counts = counts.rename(columns={"value": "category"})
    return counts


def _baseline_trend(rows: pd.DataFrame, wanted: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """Counts, intervals and paired discordant counts of one grid's trend."""
    from scipy import stats

    base = rows.groupby("wave")["respondent_id"].nunique().rename("base")
    y = rows["value"].isin(wanted).to_numpy()
    counts = (
        rows.assign(y=y).groupby(["item", "wave"], observed=True)["y"].sum().rename("n")
    ).reset_index()
    counts = counts.merge(base.reset_index(), on="wave")
    table = _with_stats(counts)
    # Tests of change between waves, computed so that both workloads do the same
    # work; only their counts are compared. Independent samples (two-proportion z) …
    waves = sorted(int(w) for w in base.index)
    pairs = list(pairwise(waves))
    if len(waves) >= 3:
        pairs.append((waves[0], waves[-1]))
    wide = table.pivot(index="item", columns="wave", values=["n", "base"])
    for a, b in pairs:
        k1, n1 = wide[("n", a)].to_numpy(float), wide[("base", a)].to_numpy(float)
        k2, n2 = wide[("n", b)].to_numpy(float), wide[("base", b)].to_numpy(float)
        pooled = (k1 + k2) / (n1 + n2)
        z = (k2 / n2 - k1 / n1) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        stats.chi2.sf(z * z, 1)
    # … and paired (McNemar) on the informants in the base of both waves.
    linked = rows["panel_id"].cat.codes.to_numpy() >= 0
    item_codes = rows["item"].cat.codes.to_numpy()[linked]
    panel_codes = rows["panel_id"].cat.codes.to_numpy()[linked]
    wave_index = np.searchsorted(waves, rows["wave"].to_numpy()[linked])
    y = y[linked]
    n_panel = len(rows["panel_id"].cat.categories)
    n_item = len(rows["item"].cat.categories)
    answers = np.full((n_panel, n_item, len(waves)), -1, dtype=np.int8)
    answers[panel_codes, item_codes, wave_index] = y
    # Respondents in the base of a wave count 0 on rows they skipped.
    in_base = np.zeros((n_panel, len(waves)), dtype=bool)
    in_base[panel_codes, wave_index] = True
    answers = np.where(in_base[:, None, :] & (answers < 0), 0, answers)
    paired = []
    present = np.unique(item_codes)
    names = rows["item"].cat.categories
    for a, b in pairs:
        ya = answers[:, present, waves.index(a)]
        yb = answers[:, present, waves.index(b)]
        both = (ya >= 0) & (yb >= 0)
        only_from = (both & (ya == 1) & (yb == 0)).sum(axis=0)
        only_to = (both & (ya == 0) & (yb == 1)).sum(axis=0)
        gap = np.abs(only_from - only_to) - 1.0
        stats.chi2.sf(gap**2 / np.maximum(only_from + only_to, 1), 1)
        paired.append(
            pd.DataFrame(
                {
                    "item": np.asarray(names[present]),
                    "wave_from": a,
                    "wave_to": b,
                    "base_from": both.sum(axis=0),
                    "only_from": only_from,
                    "only_to": only_to,
                }
            )
        )
    return {"table": table, "paired": pd.concat(paired, ignore_index=True)}


def _by_group(rows: pd.DataFrame, by: str, tabulate: Callable) -> dict[str, pd.DataFrame]:
    """``tabulate`` within each group of ``by`` and for everyone (``All``), stacked."""
    parts: dict[str, list[pd.DataFrame]] = {}
    groups = [(str(g), sub) for g, sub in rows.groupby(by, observed=True)] + [("All", rows)]
    for group, sub in groups:
        for name, table in tabulate(sub).items():
            parts.setdefault(name, []).append(table.assign(**{by: group}))
    return {name: pd.concat(tables, ignore_index=True) for name, tables in parts.items()}


def _baseline_tables(frame: pd.DataFrame) -> dict[str, Callable[[], dict[str, pd.DataFrame]]]:

    out: dict[str, Callable[[], dict[str, pd.DataFrame]]] = {}

    for question, _ in GRIDS:

        def run(question=question):
            rows = _question_rows(frame, question)
            return {"table": _with_stats(_baseline_distribution(rows))}

        out[f"distribution:{question}"] = run

    for question, wanted in GRIDS:

        def run(question=question, wanted=wanted):
            return _baseline_trend(_question_rows(frame, question), wanted)

        out[f"trend:{question}"] = run

    for question, _ in GRIDS:
        for by in GROUPS:

            def run(question=question, by=by):
                rows = _question_rows(frame, question)
                split = _by_group(rows, by, lambda sub: {"table": _baseline_distribution(sub)})
                return {"table": _with_stats(split["table"])}

            out[f"distribution:{question}:{by}"] = run

    for question, wanted in GRIDS:
        for by in GROUPS:

            def run(question=question, wanted=wanted, by=by):
                rows = _question_rows(frame, question)
                return _by_group(rows, by, lambda sub: _baseline_trend(sub, wanted))

            out[f"trend:{question}:{by}"] = run

    for question, by in OPTION_TABLES:

        def run(question=question, by=by):
            rows = _question_rows(frame, question)
            ticked = rows["value"] == "1"
            pieces = []
            for keys in (["wave", by], ["wave"]):
                base = rows.groupby(keys, observed=True)["respondent_id"].nunique().rename("base")
                n = rows[ticked].groupby(["item", *keys], observed=True).size().rename("n")
                counts = n.reset_index().merge(base.reset_index(), on=keys)
                if by not in keys:
                    counts[by] = "All"
                pieces.append(counts)
            return {"table": _with_stats(pd.concat(pieces, ignore_index=True))}

        out[f"pick_n:{question}:{by}"] = run

    def presence():
        rows = _question_rows(frame, "initiatives")
        rows = rows[rows["wave"] == PRESENCE_WAVE]
        base = rows.groupby("site", observed=True)["respondent_id"].nunique().rename("base")
        n = (
            rows.assign(y=(rows["value"] == "1").to_numpy())
            .groupby(["site", "item"], observed=True)["y"]
            .sum()
            .rename("n")
        )
        table = n.reset_index().merge(base.reset_index(), on="site")
        table["present"] = table["n"] > 0
        return {"table": _with_stats(table)}

    out[f"presence_matrix:initiatives:{PRESENCE_WAVE}"] = presence
    return out


# ---------------------------------------------------------------------------
# Workers (one per subprocess)
# ---------------------------------------------------------------------------


def worker(kind: str, respondents: int, seed: int, out_dir: Path | None) -> dict[str, object]:
    """Build the frame, run one workload, and return its timings and memory."""
    start = time.perf_counter()
    frame = survey_frame.build(survey_frame.Shape(respondents, seed))
    generation_seconds = time.perf_counter() - start
    gc.collect()
    record: dict[str, object] = {
        "kind": kind,
        "respondents": respondents,
        "rows": len(frame),
        "generation_seconds": generation_seconds,
        "generation_peak_bytes": _peak_bytes(),
        "frame_bytes": int(frame.memory_usage(index=True, deep=True).sum()),
        "rss_with_frame_bytes": _status("VmRSS"),
        "peak_reset": _reset_peak(),
        "tables": {},
    }
    if kind == "generate":
        return record
    workload = _library_tables(frame) if kind == "library" else _baseline_tables(frame)
    peak = 0
    for name, run in workload.items():
        gc.collect()
        _reset_peak()
        start = time.perf_counter()
        entry: dict[str, object] = {}
        try:
            result = run()
        except MemoryError:
            entry["error"] = "MemoryError: the workload hit the memory ceiling"
            result = None
        except Exception as error:  # a failed table is reported, not hidden
            entry["error"] = f"{type(error).__name__}: {error}"
            traceback.print_exc()
            result = None
        entry["seconds"] = time.perf_counter() - start
        entry["peak_bytes"] = _peak_bytes()
        peak = max(peak, int(entry["peak_bytes"]))
        if result is not None and out_dir is not None:
            for part, table in result.items():
                table.to_pickle(out_dir / f"{kind}__{name.replace(':', '_')}__{part}.pkl")
        del result
        record["tables"][name] = entry  # type: ignore[index]
    record["seconds"] = sum(float(e["seconds"]) for e in record["tables"].values())  # type: ignore[union-attr]
    record["peak_bytes"] = peak
    record["failed"] = [n for n, e in record["tables"].items() if "error" in e]  # type: ignore[union-attr]
    return record


def _limit_memory(limit: int) -> Callable[[], None] | None:
    if limit <= 0:
        return None

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def run_worker(
    kind: str, respondents: int, seed: int, out_dir: Path, memory_limit: int
) -> dict[str, object]:
    """Run :func:`worker` in a fresh Python process and return its record."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        kind,
        "--respondents",
        str(respondents),
        "--seed",
        str(seed),
        "--out-dir",
        str(out_dir),
    ]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=_limit_memory(memory_limit),
        env={**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")},
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {
            "kind": kind,
            "error": f"worker exited with {done.returncode}: {done.stderr.strip()[-2000:]}",
            "tables": {},
        }
    record = json.loads(lines[-1])
    if done.stderr.strip():
        record["stderr"] = done.stderr.strip()[-2000:]
    return record


# ---------------------------------------------------------------------------
# Checks and report
# ---------------------------------------------------------------------------

_KEYS = {
    "distribution": ["item", "wave", "category"],
    "trend": ["item", "wave"],
    "presence_matrix": ["site", "item"],
}


def _normal(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = table.copy()
    for key in keys:
        out[key] = out[key].astype(int) if key.startswith("wave") else out[key].astype(str)
    for column in out.columns:
        if column not in keys and column != "present":
            out[column] = pd.to_numeric(out[column]).astype(float)
    return out.sort_values(keys).reset_index(drop=True)


def compare(out_dir: Path) -> list[str]:
    """Differences between the library's and the baseline's counts (empty: they agree)."""
    problems: list[str] = []
    for name in table_names():
        kind = name.split(":")[0]
        stem = name.replace(":", "_")
        parts = ["table", "paired"] if kind == "trend" else ["table"]
        for part in parts:
            paths = [out_dir / f"{who}__{stem}__{part}.pkl" for who in ("library", "baseline")]
            if not all(p.exists() for p in paths):
                problems.append(f"{name} {part}: no output to compare")
                continue
            library, baseline = (pd.read_pickle(p) for p in paths)
            if part == "paired":
                keys = ["item", "wave_from", "wave_to"]
                if name.count(":") == 2:
                    keys.append(name.split(":")[-1])
                columns = ["base_from", "only_from", "only_to"]
            else:
                keys = _KEYS.get(kind, ["item", "wave", name.split(":")[-1]])
                if kind in ("distribution", "trend") and name.count(":") == 2:
                    keys = [*keys[:2], name.split(":")[-1], *keys[2:]]  # split by a group
                columns = ["n", "base"]
            library, baseline = _normal(library, keys), _normal(baseline, keys)
            if kind in ("distribution", "pick_n"):
                # the library lists empty cells too; the baseline only the cells seen
                library = library[library["n"] > 0].reset_index(drop=True)
                baseline = baseline[baseline["n"] > 0].reset_index(drop=True)
            elif part == "table":  # a group without respondents in a wave: library only
                library = library[library["base"] > 0].reset_index(drop=True)
                baseline = baseline[baseline["base"] > 0].reset_index(drop=True)
            else:  # no informant in both waves: no paired test in the library
                baseline = baseline[baseline["base_from"] > 0].reset_index(drop=True)
            if len(library) != len(baseline):
                problems.append(f"{name} {part}: {len(library)} rows vs {len(baseline)}")
                continue
            for column in keys:
                if not (library[column] == baseline[column]).all():
                    problems.append(f"{name} {part}: the {column} values differ")
            for column in columns:
                if not np.array_equal(library[column], baseline[column]):
                    problems.append(f"{name} {part}: {column} differs")
            if part == "table":
                for column in ("percent", "ci_lower", "ci_upper"):
                    if not np.allclose(library[column], baseline[column], rtol=0, atol=1e-9):
                        problems.append(f"{name} {part}: {column} differs")
    return problems


def _gb(value: object) -> str:
    return "—" if value in (None, 0) else f"{float(value) / 1024**3:.2f} GB"  # type: ignore[arg-type]


def _s(value: object) -> str:
    return "—" if value is None else f"{float(value):.2f} s"  # type: ignore[arg-type]


def _ratio(a: object, b: object) -> str:
    if not a or not b:
        return "—"
    return f"{float(a) / float(b):.1f}×"  # type: ignore[arg-type]


def markdown(library: dict, baseline: dict) -> str:
    """The results as a Markdown table (per table, then the whole workload)."""
    lines = [
        "| table | library time | baseline time | time ratio | library peak RSS "
        "| baseline peak RSS | RSS ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    steps = [PREPARE] if PREPARE in library.get("tables", {}) else []
    for name in steps + table_names():
        lib = library.get("tables", {}).get(name, {})
        base = baseline.get("tables", {}).get(name, {})
        note = f" ({lib['error'].split(':')[0]})" if "error" in lib else ""
        lines.append(
            f"| `{name}`{note} | {_s(lib.get('seconds'))} | {_s(base.get('seconds'))} "
            f"| {_ratio(lib.get('seconds'), base.get('seconds'))} "
            f"| {_gb(lib.get('peak_bytes'))} | {_gb(base.get('peak_bytes'))} "
            f"| {_ratio(lib.get('peak_bytes'), base.get('peak_bytes'))} |"
        )
    lines.append(
        f"| **all tables** | **{_s(library.get('seconds'))}** "
        f"| **{_s(baseline.get('seconds'))}** "
        f"| **{_ratio(library.get('seconds'), baseline.get('seconds'))}** "
        f"| **{_gb(library.get('peak_bytes'))}** | **{_gb(baseline.get('peak_bytes'))}** "
        f"| **{_ratio(library.get('peak_bytes'), baseline.get('peak_bytes'))}** |"
    )
    return "\n".join(lines)


def provenance() -> dict[str, object]:
    """Which library code was measured: where it was imported from, and its git state."""
    import pioneer

    source = Path(pioneer.__file__).resolve().parent
    record: dict[str, object] = {"pioneer": str(source)}
    try:
        commit = subprocess.run(
            ["git", "-C", str(source), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(source), "status", "--porcelain", "--", "."],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return record
    record["commit"] = commit
    record["uncommitted_changes"] = bool(dirty)
    return record


def machine() -> dict[str, object]:
    """What the numbers were measured on."""
    memory = 0
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            memory = int(handle.readline().split()[1]) * 1024
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "memory_bytes": memory,
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="50,000 respondents (smoke run)")
    parser.add_argument("--respondents", type=int, default=None)
    parser.add_argument("--seed", type=int, default=survey_frame.SEED)
    parser.add_argument(
        "--memory-limit",
        type=float,
        default=12.0,
        help="address-space ceiling per workload in GB (0: none); default 12",
    )
    parser.add_argument("--only", choices=("library", "baseline"), default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the record here")
    parser.add_argument(
        "--worker", choices=("generate", "library", "baseline"), help=argparse.SUPPRESS
    )
    parser.add_argument("--out-dir", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    respondents = args.respondents or (QUICK_RESPONDENTS if args.quick else FULL_RESPONDENTS)

    if args.worker:
        record = worker(args.worker, respondents, args.seed, args.out_dir)
        print(json.dumps(record))
        return 0

    limit = int(args.memory_limit * 1024**3)
    info = machine()
    code = provenance()
    print(
        f"Tabulation benchmark: {respondents:,} respondents × {len(survey_frame.ITEMS)} items "
        f"= {respondents * len(survey_frame.ITEMS):,} rows; {info['cores']} cores, "
        f"{_gb(info['memory_bytes'])}, Python {info['python']}, pandas {info['pandas']}",
        flush=True,
    )
    state = ""
    if "commit" in code:
        state = f" at commit {code['commit']}" + (
            " with uncommitted changes" if code["uncommitted_changes"] else ""
        )
    print(f"library: {code['pioneer']}{state}", flush=True)
    with tempfile.TemporaryDirectory(prefix="pioneer-bench-") as tmp:
        out_dir = Path(tmp)
        kinds = [args.only] if args.only else ["baseline", "library"]
        records = {}
        for kind in kinds:
            print(f"running the {kind} workload in a fresh process …", flush=True)
            records[kind] = run_worker(kind, respondents, args.seed, out_dir, limit)
            if "error" in records[kind]:
                print(records[kind]["error"], file=sys.stderr)
        problems = compare(out_dir) if not args.only else []
    library = records.get("library", {})
    baseline = records.get("baseline", {})
    first = library or baseline
    print(
        f"\nframe: {first.get('rows', 0):,} rows, {_gb(first.get('frame_bytes'))} "
        f"(process RSS with the frame {_gb(first.get('rss_with_frame_bytes'))}); "
        f"generated in {_s(first.get('generation_seconds'))} (not counted), "
        f"generation peak RSS {_gb(first.get('generation_peak_bytes'))}\n"
    )
    print(markdown(library, baseline))
    verdict = []
    if respondents < FULL_RESPONDENTS:
        verdict.append(
            f"target not assessed: it applies to the full run ({FULL_RESPONDENTS:,} respondents)"
        )
    elif library.get("seconds") is not None and not library.get("failed"):
        within = library["seconds"] < TARGET_SECONDS and library["peak_bytes"] < TARGET_BYTES
        verdict.append(
            f"target (< {TARGET_SECONDS:g} s and < {_gb(TARGET_BYTES)} for all tables): "
            + ("met" if within else "missed")
        )
    elif library:
        verdict.append(f"library tables failed: {library.get('failed') or library.get('error')}")
    if problems:
        verdict.append("counts differ between library and baseline:\n  " + "\n  ".join(problems))
    elif len(records) == 2:
        verdict.append("every count, base and interval agrees between library and baseline")
    print("\n" + "\n".join(verdict))
    if args.json:
        args.json.write_text(
            json.dumps(
                {"machine": info, "code": code, "records": records, "problems": problems},
                indent=2,
            ),
            encoding="utf-8",
        )
    return 1 if problems or library.get("failed") or "error" in library else 0


if __name__ == "__main__":
    sys.exit(main())
