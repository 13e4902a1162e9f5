"""The design runner: one outcome through every impact estimator, one summary, one report.

:func:`run` builds the analysis panels of a named design (``keeble2019``: the windows of
Keeble et al., BMJ Open 2019;9:e026509; ``staggered``: the whole data window) and runs
the estimators of :mod:`pioneer.impact` on them with the choices an evaluation of the
Pioneer programme needs (standard errors clustered by site, Webb bootstrap weights, a
single-district site for the synthetic control). :func:`write_report` writes the summary
table, each estimator's tidy table, the figures and a ``report.md`` whose numbers are all
read from the results. The choices and their reasons are in ``docs/examples/README.md``.
"""

from __future__ import annotations

import math
import time as _time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from pioneer.errors import AnalysisError
from pioneer.impact.bootstrap import wild_cluster_bootstrap
from pioneer.impact.did import poisson_did, twfe_did
from pioneer.impact.event_study import event_study
from pioneer.impact.keeble import keeble_two_group
from pioneer.impact.matching import match_panel
from pioneer.impact.panel import AnalysisPanel, build_panel
from pioneer.impact.placebo import placebo_in_time
from pioneer.impact.results import ImpactResult
from pioneer.impact.staggered import staggered_att
from pioneer.impact.synth import site_synthetic_control
from pioneer.results import Layout, TableResult

__all__ = ["DESIGNS", "KEEBLE_PUBLISHED", "DesignReport", "DesignSpec", "run", "write_report"]


@dataclass(frozen=True)
class DesignSpec:
    """The windows of a named design. ``follow_up=None`` runs to the last year of data."""

    name: str
    title: str
    baseline: tuple[int, int]
    follow_up: tuple[int, int] | None
    keeble_follow_ups: tuple[int, ...]
    description: str


DESIGNS: dict[str, DesignSpec] = {
    "keeble2019": DesignSpec(
        name="keeble2019",
        title="Keeble et al. (2019) design",
        baseline=(2010, 2012),
        follow_up=(2013, 2015),
        keeble_follow_ups=(2014, 2015),
        description=(
            "Programme wave 1 Pioneer districts against non-Pioneer districts (programme "
            "wave 2 areas left out); baseline 2010/11-2012/13, treatment from 2013/14, "
            "follow-ups 2014/15 and 2015/16 as in Keeble et al. (BMJ Open 2019;9:e026509). "
            "The panel ends in 2015/16."
        ),
    ),
    "staggered": DesignSpec(
        name="staggered",
        title="Staggered design (both programme waves, whole window)",
        baseline=(2010, 2012),
        follow_up=None,
        keeble_follow_ups=(2014, 2015),
        description=(
            "The whole data window from 2010/11: the Callaway-Sant'Anna estimate uses both "
            "programme waves (wave 1 from 2013/14, wave 2 from 2015/16); the other "
            "estimators compare programme wave 1 with non-Pioneer districts over the same "
            "longer window."
        ),
    ),
}

#: What Keeble et al. (2019) published for emergency admissions (HES), wave 1 against
#: non-Pioneer authorities: % change from the 2010/11-2012/13 baseline, and the p-value.
KEEBLE_PUBLISHED: dict[str, tuple[float, float, float]] = {
    "2014/15": (1.93, 4.84, 0.0379),
}
KEEBLE_PUBLISHED_2015_P = 0.1879

#: Why Barnsley is the default synthetic-control site (also in the report).
SYNTH_SITE_REASON = (
    "Barnsley is a programme wave 1 site made of one whole metropolitan district, "
    "coterminous with its CCG, so the district's published rate is the site's rate with no "
    "footprint approximation; its baseline rates sit inside the range of the comparison "
    "districts, so a weighted average of donors can track them (sites such as Islington or "
    "Leeds lie near the top of the falls distribution, where no convex combination fits)."
)


@dataclass(frozen=True, eq=False)
class DesignReport:
    """Everything :func:`run` produced for one outcome and design.

    ``results`` maps a name (``keeble_two_group``, ``twfe_did``, ``twfe_did_cr2``,
    ``twfe_did_by_area``, ``poisson_did``, ``wild_bootstrap``, ``event_study``,
    ``staggered_att``, ``staggered_att_by_area``, ``matching``, ``synthetic_control``,
    ``placebo_in_time``) to its :class:`ImpactResult`; ``summary`` is the ``impact_summary``
    table (one row per headline estimate); ``limitations`` says what rate-only, area-level
    data cannot show; ``timings`` are seconds per step (not written to files, which stay
    reproducible).
    """

    design: DesignSpec
    outcome: str
    outcome_title: str
    unit: str
    panel: AnalysisPanel
    staggered_panel: AnalysisPanel
    results: Mapping[str, ImpactResult]
    summary: TableResult
    limitations: tuple[str, ...]
    options: Mapping[str, object] = field(default_factory=dict)
    timings: Mapping[str, float] = field(default_factory=dict)

    def result(self, name: str) -> ImpactResult:
        """One estimator's result by its name in :attr:`results`."""
        if name not in self.results:
            raise AnalysisError(
                f"no result {name!r} in this report; it has {', '.join(self.results)}"
            )
        return self.results[name]


def run(
    data: pd.DataFrame,
    outcome: str,
    design: str = "keeble2019",
    *,
    programme: str = "pioneers",
    cluster: str | None = "site_id",
    seed: int = 2019,
    draws: int = 9999,
    weight_type: str = "webb",
    synth_site: str = "barnsley",
    placebo: bool = True,
    fake_year: int = 2011,
    match_k: int = 3,
    confidence: float = 0.95,
) -> DesignReport:
    """Run the named ``design`` on ``outcome`` (an indicator id of ``data``, or a column of a
    tidy frame) and return every estimate with a summary table.

    Standard errors are clustered by ``cluster`` (``site_id``: the districts of one site form
    one cluster, comparison districts stand alone; ``None``: by district). ``draws`` and
    ``seed`` drive the wild cluster bootstrap (``weight_type`` ``webb`` or ``rademacher``) and
    the uniform bands of the staggered estimate; ``placebo=False`` skips the synthetic
    control's placebo-in-space runs. Raises :class:`AnalysisError` for an unknown design.
    """
    if design not in DESIGNS:
        raise AnalysisError(f"unknown design {design!r}; use one of {', '.join(sorted(DESIGNS))}")
    spec = DESIGNS[design]
    timings: dict[str, float] = {}
    clock = _time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = _time.perf_counter()
        timings[name] = now - clock
        clock = now

    panel = build_panel(
        data, programme, outcome=outcome, baseline=spec.baseline, follow_up=spec.follow_up
    )
    both = build_panel(
        data,
        programme,
        outcome=outcome,
        programme_waves=(1, 2),
        baseline=spec.baseline,
        follow_up=panel.follow_up,
    )
    lap("panels")
    # The frame-based estimators name the outcome after its column: call it by its id.
    frame, both_frame, column = panel.frame, both.frame, "outcome"
    if outcome not in frame.columns:
        frame = frame.rename(columns={"outcome": outcome})
        both_frame = both_frame.rename(columns={"outcome": outcome})
        column = outcome
    results: dict[str, ImpactResult] = {}
    results["keeble_two_group"] = keeble_two_group(
        panel, baseline=spec.baseline, follow_ups=spec.keeble_follow_ups, confidence=confidence
    )
    lap("keeble_two_group")
    results["twfe_did"] = twfe_did(panel, cluster=cluster, confidence=confidence)
    results["twfe_did_cr2"] = twfe_did(panel, se="CR2", cluster=cluster, confidence=confidence)
    if cluster is not None:
        results["twfe_did_by_area"] = twfe_did(panel, confidence=confidence)
    lap("twfe_did")
    results["poisson_did"] = poisson_did(panel, cluster=cluster, confidence=confidence)
    lap("poisson_did")
    results["wild_bootstrap"] = wild_cluster_bootstrap(
        panel,
        cluster=cluster,
        weight_type=weight_type,  # type: ignore[arg-type]
        draws=draws,
        seed=seed,
        confidence=confidence,
    )
    lap("wild_bootstrap")
    results["event_study"] = event_study(
        frame, outcome=column, leads=3, lags=None, confidence=confidence
    )
    lap("event_study")
    results["staggered_att"] = staggered_att(
        both_frame,
        outcome=column,
        cluster=cluster,
        uniform_bands=True,
        n_boot=max(99, min(draws, 999)),
        seed=seed,
        confidence=confidence,
    )
    if cluster is not None:
        results["staggered_att_by_area"] = staggered_att(
            both_frame, outcome=column, confidence=confidence
        )
    lap("staggered_att")
    results["matching"] = match_panel(
        frame,
        outcome=column,
        baseline=spec.baseline,
        follow_up=panel.follow_up,
        method="mahalanobis",
        k=match_k,
        replace=True,
        confidence=confidence,
    )
    lap("matching")
    results["synthetic_control"] = site_synthetic_control(
        frame, synth_site, outcome=column, placebo=placebo
    )
    lap("synthetic_control")
    results["placebo_in_time"] = placebo_in_time(
        frame, outcome=column, fake_year=fake_year, confidence=confidence
    )
    lap("placebo_in_time")

    title, unit = _outcome_labels(outcome)
    options = {
        "design": design,
        "programme": programme,
        "cluster": cluster or "area",
        "seed": seed,
        "draws": draws,
        "weight_type": weight_type,
        "synth_site": synth_site,
        "fake_year": fake_year,
        "match_k": match_k,
        "confidence": confidence,
    }
    limitations = _limitations(panel, spec)
    summary = _summary_table(spec, outcome, title, unit, panel, results, cluster, options)
    lap("summary")
    return DesignReport(
        design=spec,
        outcome=outcome,
        outcome_title=title,
        unit=unit,
        panel=panel,
        staggered_panel=both,
        results=MappingProxyType(results),
        summary=summary,
        limitations=limitations,
        options=MappingProxyType(options),
        timings=MappingProxyType(timings),
    )


# ---------------------------------------------------------------------------
# Summary table
# ---------------------------------------------------------------------------

SUMMARY_COLUMNS = (
    "estimator",
    "term",
    "estimate",
    "conf_low",
    "conf_high",
    "p_value",
    "scale",
    "estimate_text",
    "interval",
    "method",
)


def _summary_table(
    spec: DesignSpec,
    outcome: str,
    title: str,
    unit: str,
    panel: AnalysisPanel,
    results: Mapping[str, ImpactResult],
    cluster: str | None,
    options: Mapping[str, object],
) -> TableResult:
    by = _cluster_words(cluster)
    rows: list[dict[str, object]] = []

    def add(label: str, result: ImpactResult, term: str, scale: str, method: str) -> None:
        tidy = result.tidy().set_index("term")
        if term not in tidy.index:
            raise AnalysisError(f"{result.name} has no term {term!r}; it has {list(tidy.index)}")
        row = tidy.loc[term]
        rows.append(
            {
                "estimator": label,
                "term": term,
                "estimate": float(row["estimate"]),
                "conf_low": float(row["conf_low"]),
                "conf_high": float(row["conf_high"]),
                "p_value": float(row["p_value"]),
                "scale": scale,
                "method": method,
            }
        )

    keeble = results["keeble_two_group"]
    for term in keeble.tidy()["term"]:
        if term.startswith("difference to "):
            add(
                f"Keeble two-group: {term}",
                keeble,
                term,
                "percentage points",
                "Welch t test on area % changes",
            )
    twfe = results["twfe_did"]
    rate = f"rate {unit}"
    add(
        f"TWFE DiD, CR1 {by}",
        twfe,
        "post",
        rate,
        f"CR1, {twfe.n_clusters} clusters, t(G-1)",
    )
    cr2 = results["twfe_did_cr2"]
    add(f"TWFE DiD, CR2 {by}", cr2, "post", rate, "CR2 (Bell-McCaffrey), Satterthwaite df")
    if "twfe_did_by_area" in results:
        area = results["twfe_did_by_area"]
        add(
            "TWFE DiD, CR1 by district",
            area,
            "post",
            rate,
            f"CR1, {area.n_clusters} clusters, t(G-1)",
        )
    boot = results["wild_bootstrap"]
    kind = str(options["weight_type"]).capitalize()
    add(
        f"Wild cluster bootstrap ({kind}) {by}",
        boot,
        "post",
        rate,
        f"WCR bootstrap-t, {options['draws']} draws, interval by test inversion",
    )
    add(
        f"Poisson DiD (rate ratio) {by}",
        results["poisson_did"],
        "post",
        "rate ratio",
        "PPML on the rate, no offset; CR1, normal interval",
    )
    es = results["event_study"]
    pretrend = es.details["pretrend_test"].iloc[0]
    rows.append(
        {
            "estimator": "Event study: joint pre-trend test",
            "term": str(pretrend["hypothesis"]),
            "estimate": float(pretrend["f_statistic"]),
            "conf_low": math.nan,
            "conf_high": math.nan,
            "p_value": float(pretrend["p_value"]),
            "scale": f"F on ({int(pretrend['df1'])}, {int(pretrend['df2'])}) df",
            "method": "Wald test of the leads, CR1 by district",
        }
    )
    cs = results["staggered_att"]
    add(
        f"Callaway-Sant'Anna ATT (both programme waves) {by}",
        cs,
        "ATT (simple)",
        rate,
        f"never-treated controls; influence-function SE, {cs.n_clusters} clusters"
        + (", factor G/(G-1)" if cluster else ""),
    )
    if "staggered_att_by_area" in results:
        add(
            "Callaway-Sant'Anna ATT (both programme waves) by district",
            results["staggered_att_by_area"],
            "ATT (simple)",
            rate,
            "never-treated controls; influence-function SE by district",
        )
    add(
        f"Matched DiD (Mahalanobis 1:{options['match_k']} on baseline level and trend)",
        results["matching"],
        str(results["matching"].tidy()["term"].iloc[0]),
        rate,
        "weighted regression, HC1 (matching with replacement)",
    )
    synth = results["synthetic_control"]
    site = str(options["synth_site"])
    add(
        f"Synthetic control: {site}",
        synth,
        "mean post-period gap",
        rate,
        "placebo-in-space p (post/pre RMSPE rank)",
    )
    placebo = results["placebo_in_time"]
    add(
        "Placebo in time",
        placebo,
        str(placebo.tidy()["term"].iloc[0]),
        rate,
        "baseline years only; CR1 by district",
    )
    frame = pd.DataFrame(rows)
    frame["estimate_text"] = [
        _number(v) if not s.startswith("F on") else f"F = {_number(v)}"
        for v, s in zip(frame["estimate"], frame["scale"], strict=True)
    ]
    frame["interval"] = [
        "" if math.isnan(lo) else f"{_number(lo)} to {_number(hi)}"
        for lo, hi in zip(frame["conf_low"], frame["conf_high"], strict=True)
    ]
    frame = frame.loc[:, list(SUMMARY_COLUMNS)]
    level = f"{100 * float(options['confidence']):g}%"  # type: ignore[arg-type]
    return TableResult(
        name="impact_summary",
        title=f"{spec.title}: {title}",
        frame=frame,
        method=(
            f"One row per headline estimate; intervals are {level}. Rates are directly "
            f"age-standardised rates {unit}. TWFE: area and year fixed effects; "
            "the Poisson row models the published rate with no offset (no counts)."
        ),
        notes=(
            f"{panel.n_treated} programme wave 1 districts against "
            f"{panel.n_areas - panel.n_treated} non-Pioneer districts, "
            f"{panel.frame['period'].iloc[0]} to {panel.frame['period'].iloc[-1]}.",
            *panel.notes,
        ),
        source="PHE Fingertips (Hospital Episode Statistics), packaged with Pioneer",
        layout=Layout(
            rows=("estimator",),
            values=("estimate_text", "interval", "p_value", "scale", "method"),
            headings=(
                ("estimator", "Estimator"),
                ("estimate_text", "Estimate"),
                ("interval", f"{level} interval"),
                ("p_value", "p"),
                ("scale", "Scale"),
                ("method", "Method"),
            ),
        ),
        options=dict(options),
    )


def _cluster_words(cluster: str | None) -> str:
    if cluster is None:
        return "by district"
    if cluster == "site_id":
        return "by site"
    return f"by {cluster}"


def _number(value: float) -> str:
    """A readable number: 3 significant figures, at most 2 decimals for large values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    magnitude = abs(value)
    if magnitude >= 100:
        text = f"{value:.0f}"
    elif magnitude >= 10:
        text = f"{value:.1f}"
    elif magnitude >= 0.01 or magnitude == 0:
        text = f"{value:.3g}" if magnitude >= 1 else f"{value:.3f}"
    else:
        text = f"{value:.2g}"
    return "0" if text in ("-0", "-0.0", "-0.000") else text


def _p(value: float) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _p_is(value: float) -> str:
    """``p = 0.047`` or ``p < 0.001``, for running text."""
    shown = _p(value)
    return f"p {shown}" if shown.startswith("<") else f"p = {shown}"


def _outcome_labels(outcome: str) -> tuple[str, str]:
    """The catalogue title and unit of an indicator; the id itself otherwise."""
    from pioneer.indicators import catalogue

    try:
        indicator = catalogue.load().get(outcome)
    except AnalysisError:  # a tidy frame's column is not in the catalogue
        return outcome, "(outcome units)"
    return indicator.title, indicator.unit


# ---------------------------------------------------------------------------
# What the data can and cannot show
# ---------------------------------------------------------------------------


def _limitations(panel: AnalysisPanel, spec: DesignSpec) -> tuple[str, ...]:
    rates_only = panel.frame[["numerator", "population"]].isna().all().all()
    out = []
    if rates_only:
        out.append(
            "Rate-only data: the packaged Fingertips extract publishes each district's "
            "directly age-standardised rate without its count of admissions or its "
            "population. So no estimate here is weighted by population (a district of "
            "40,000 people counts as much as Birmingham), the Poisson model is fitted to the "
            "rate itself with no log-population offset (a rate ratio without the count "
            "model's variance), and nothing can be said about numbers of admissions avoided."
        )
    out += [
        "Ecological: these are area averages. A difference between Pioneer and non-Pioneer "
        "districts is a difference in population rates, not evidence about the people who "
        "received integrated care; most residents of a Pioneer area were never touched by "
        "its initiatives, which dilutes any effect towards zero.",
        "Footprints: the outcomes are published for local authority districts, while many "
        "Pioneers were organised around CCGs and partnerships. Districts covered only in "
        "part (e.g. parts of Devon and Staffordshire) are counted as treated, and upper-tier "
        "counties (Kent, Worcestershire) enter as their districts, so the treated group is "
        "an approximation of the programme's reach (decision record 0004).",
        "Published rates are rounded (falls and alcohol to whole numbers per 100,000, "
        "self-harm to about one decimal place) and suppressed for the smallest areas, which "
        "are then left out; rounding adds noise of at most half a unit, negligible beside "
        "year-to-year variation, but the exclusions are listed in the panel notes.",
        "Few treated clusters: programme wave 1 has 14 sites. Treatment was assigned by "
        "site, so standard errors clustered by district overstate precision; with 14 treated "
        "clusters even site-clustered CR1 errors can be too small, which is why CR2 and the "
        "wild cluster bootstrap are reported beside them.",
        f"Short baseline: three baseline years ({spec.baseline[0]}/"
        f"{(spec.baseline[0] + 1) % 100:02d}-{spec.baseline[1]}/"
        f"{(spec.baseline[1] + 1) % 100:02d}) give the pre-trend test two leads and little "
        "power, and let the synthetic control fit the pre-period exactly with many different "
        "donor weightings; a passed pre-trend test does not show that trends were parallel.",
        "Other programmes: Vanguards (from 2015), the Better Care Fund and local schemes "
        "changed comparison areas too; a difference-in-differences attributes to the "
        "Pioneers whatever else differed between the groups after 2013.",
    ]
    return tuple(out)


# ---------------------------------------------------------------------------
# Writing the report
# ---------------------------------------------------------------------------

#: Extra detail frames written as CSV beside the tidy tables: (result, details key).
DETAIL_TABLES = (
    ("keeble_two_group", "group_rates"),
    ("event_study", "pretrend_test"),
    ("matching", "balance"),
    ("synthetic_control", "weights"),
    ("synthetic_control", "fit"),
    ("staggered_att", "group_time"),
)


def write_report(report: DesignReport, out_dir: str | Path) -> list[Path]:
    """Write the summary (CSV + Markdown), each estimator's tidy table (CSV), the figures
    (SVG with their data CSV) and ``report.md`` to ``out_dir``; return the files written."""
    from pioneer import reports
    from pioneer.reports import impact_figures
    from pioneer.reports.csvfile import write_frame_csv

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = list(reports.write_all([report.summary], out, formats=("csv", "md")))
    for name, result in report.results.items():
        written.append(write_frame_csv(result.tidy(), out / f"{name}.csv"))
    for name, key in DETAIL_TABLES:
        frame = report.results[name].details.get(key)
        if frame is not None:
            written.append(write_frame_csv(frame, out / f"{name}_{key}.csv"))
    figures: dict[str, Path] = {}
    site = str(report.options.get("synth_site", "site"))
    for key, draw, result_name, title in (
        (
            "event_study",
            impact_figures.event_study_figure,
            "event_study",
            f"Event study: {report.outcome_title}",
        ),
        (
            "staggered_dynamic",
            impact_figures.dynamic_effects_figure,
            "staggered_att",
            f"Callaway-Sant'Anna ATT by event time: {report.outcome_title}",
        ),
        (
            "synthetic_control",
            impact_figures.synth_figure,
            "synthetic_control",
            f"Synthetic control for {site}: {report.outcome_title}",
        ),
        (
            "synthetic_control_placebos",
            impact_figures.synth_placebo_figure,
            "synthetic_control",
            f"Placebo gaps for {site}: {report.outcome_title}",
        ),
    ):
        result = report.results[result_name]
        if key == "synthetic_control_placebos" and "placebo_gaps" not in result.details:
            continue
        paths = draw(result, out / f"{key}.svg", title=title)
        figures[key] = paths[0]
        written += paths
    text = report_markdown(report, figures={k: p.name for k, p in figures.items()})
    path = out / "report.md"
    path.write_text(text, encoding="utf-8", newline="\n")
    written.append(path)
    return written


def report_markdown(report: DesignReport, figures: Mapping[str, str] | None = None) -> str:
    """The worked-example page: every number read from ``report``."""
    from pioneer.reports import to_markdown

    figures = dict(figures or {})
    r = report.results
    panel = report.panel
    spec = report.design
    unit = report.unit
    keeble = r["keeble_two_group"].tidy().set_index("term")
    periods = dict(zip(panel.frame["year"], panel.frame["period"], strict=False))
    first_follow = periods.get(spec.keeble_follow_ups[0], str(spec.keeble_follow_ups[0]))
    n_sites = len({s for s in panel.frame["site_id"] if s})
    lines: list[str] = [
        f"# {spec.title}: {report.outcome_title}",
        "",
        f"Outcome `{report.outcome}`: {report.outcome_title} (directly age-standardised rate "
        f"{unit}). {spec.description}",
        "",
        f"Regenerate: `pioneer impact run --outcome {report.outcome} --design {spec.name} "
        f"-o docs/examples/{spec.name}-{report.outcome}` (seed {report.options['seed']}, "
        f"{report.options['draws']} bootstrap draws).",
        "",
        "## Panel",
        "",
        f"- {panel.n_areas} districts: {panel.n_treated} in {n_sites} programme wave 1 "
        f"sites and {panel.n_areas - panel.n_treated} non-Pioneer districts; "
        f"{panel.frame['period'].iloc[0]} to {panel.frame['period'].iloc[-1]} "
        f"({len(panel.years)} years, {len(panel.frame)} district-years).",
        f"- Baseline {periods[panel.baseline[0]]}–{periods[panel.baseline[1]]}; treated from "
        f"{periods[panel.follow_up[0]]}.",
    ]
    lines += [f"- {note}" for note in panel.notes]
    lines += [
        f"- The staggered panel adds programme wave 2 ({report.staggered_panel.n_treated} "
        f"treated districts in both waves, {report.staggered_panel.n_areas} districts).",
        "",
        "## Summary",
        "",
        to_markdown(report.summary, heading_level=2).split("\n", 2)[2].rstrip(),
        "",
        "Each row's full table is in the CSV of the same name "
        "(`keeble_two_group.csv`, `twfe_did.csv`, ...).",
        "",
        "## Keeble two-group comparison",
        "",
        r["keeble_two_group"].summary(),
        "",
        "| Follow-up | Group | Districts | Baseline rate | Follow-up rate | % change |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in r["keeble_two_group"].details["group_rates"].itertuples(index=False):
        lines.append(
            f"| {row.follow_up} | {row.group} | {row.areas} | {row.baseline_rate:.1f} | "
            f"{row.follow_up_rate:.1f} | {row.pct_change:.2f} |"
        )
    treated_pct = keeble.loc[f"treated % change to {first_follow}", "estimate"]
    control_pct = keeble.loc[f"comparison % change to {first_follow}", "estimate"]
    diff = keeble.loc[f"difference to {first_follow}"]
    rates = r["keeble_two_group"].details["group_rates"]
    pooled = rates[rates["follow_up"] == first_follow].set_index("group")["pct_change"]
    published = KEEBLE_PUBLISHED.get(first_follow)
    lines += [
        "",
        "Group rates above give districts equal weight (no populations in the data); the "
        "test uses each district's own % change.",
    ]
    if published is not None:
        same_sign = np.sign(diff["estimate"]) == np.sign(published[0] - published[1])
        lines += [
            "",
            f"Keeble et al. (2019) reported, for all emergency admissions (Hospital Episode "
            f"Statistics) to {first_follow}, a rise of {published[0]:.2f}% in wave 1 Pioneer "
            f"areas against {published[1]:.2f}% elsewhere (difference "
            f"{published[0] - published[1]:.2f} points, p = {published[2]}), and a smaller, "
            f"non-significant difference to 2015/16 (p = {KEEBLE_PUBLISHED_2015_P}). Here, for "
            f"{report.outcome_title.lower()}, Pioneer districts changed by {treated_pct:.2f}% "
            f"and non-Pioneer districts by {control_pct:.2f}% (difference "
            f"{diff['estimate']:.2f} points, Welch {_p_is(diff['p_value'])}; the group "
            f"rates above give {pooled['treated']:.2f}% against {pooled['comparison']:.2f}%): "
            + (
                "the same direction as the published difference"
                if same_sign
                else "the opposite direction to the published difference"
            )
            + ". The outcome is not the paper's: this is one Fingertips indicator, "
            "age-standardised and published by district, not all emergency admissions by "
            "local authority, so the comparison is of direction and rough size only.",
        ]
    # Difference-in-differences and clustering.
    area = r.get("twfe_did_by_area")
    twfe, cr2, boot = r["twfe_did"], r["twfe_did_cr2"], r["wild_bootstrap"]
    t1, t2, tb = twfe.tidy().iloc[0], cr2.tidy().iloc[0], boot.tidy().iloc[0]
    lines += [
        "",
        "## Difference-in-differences and the choice of clusters",
        "",
        twfe.summary(),
        "",
        "Treatment was assigned by site, and the districts of one site share its "
        "commissioners, providers and shocks, so the site is the cluster; comparison "
        "districts stand alone.",
    ]
    if area is not None:
        ta = area.tidy().iloc[0]
        lines += [
            "",
            "| Standard errors | Clusters | Std. error | p |",
            "|---|---:|---:|---:|",
            f"| CR1 by district | {area.n_clusters} | {_number(ta['std_error'])} | "
            f"{_p(ta['p_value'])} |",
            f"| CR1 by site | {twfe.n_clusters} | {_number(t1['std_error'])} | "
            f"{_p(t1['p_value'])} |",
            f"| CR2 by site (Satterthwaite df) | {cr2.n_clusters} | {_number(t2['std_error'])} "
            f"| {_p(t2['p_value'])} |",
            f"| Wild cluster bootstrap by site ({str(report.options['weight_type']).capitalize()}) "
            f"| {boot.n_clusters} | | {_p(tb['p_value'])} |",
            "",
            f"The estimate is the same in every row ({_number(t1['estimate'])} {unit}); only "
            f"its uncertainty changes. Clustering by site raises the standard error by a "
            f"factor of {t1['std_error'] / ta['std_error']:.2f} over clustering by district.",
        ]
    lines += [
        "",
        "Wild bootstrap weights: Webb's six-point distribution. Only 14 clusters are "
        "treated; the bootstrap distribution of the t statistic is driven mostly by their "
        "weights, and two-point (Rademacher) weights give those 14 clusters only "
        "2^14 = 16,384 sign patterns, so the distribution is lumpy; the six-point weights "
        "smooth it (MacKinnon and Webb 2017). With this few treated clusters even the "
        "bootstrap can mislead, so no single p-value here should be read as decisive.",
        "",
        f"Method (TWFE): {twfe.method}",
        "",
        f"Method (bootstrap): {boot.method}",
        "",
        "### Poisson (rate ratio)",
        "",
        r["poisson_did"].summary(),
        "",
        "The data carry rates only, so the Poisson model is fitted to the rate with no "
        "population offset; the rate ratio keeps its meaning, but the model cannot use "
        "counts or give larger districts more weight.",
    ]
    # Event study.
    es = r["event_study"]
    lines += ["", "## Event study", "", es.summary(), ""]
    if "event_study" in figures:
        lines += [f"![Event study]({figures['event_study']})", ""]
    # Staggered.
    cs = r["staggered_att"]
    lines += [
        "## Staggered adoption (Callaway–Sant'Anna, both programme waves)",
        "",
        cs.summary(),
        "",
    ]
    if "staggered_dynamic" in figures:
        lines += [f"![ATT by event time]({figures['staggered_dynamic']})", ""]
    # Matching.
    match = r["matching"]
    balance = match.details["balance"]
    lines += ["## Matched comparison districts", "", match.summary(), ""]
    lines += [
        "| Covariate | SMD before | SMD after |",
        "|---|---:|---:|",
    ]
    for row in balance.itertuples(index=False):
        lines.append(f"| {row.covariate} | {row.smd_before:.3f} | {row.smd_after:.3f} |")
    # Synthetic control.
    sc = r["synthetic_control"]
    site = str(report.options["synth_site"])
    weights = sc.details.get("weights")
    lines += ["", f"## Synthetic control: {site}", "", sc.summary(), ""]
    if site == "barnsley":
        lines += [SYNTH_SITE_REASON, ""]
    if weights is not None and len(weights):
        names = dict(zip(panel.frame["area_code"], panel.frame["area_name"], strict=False))
        top = weights[weights["weight"] >= 0.005].sort_values("weight", ascending=False)
        parts = [
            f"{names.get(str(donor), donor)} ({donor}) {weight:.2f}"
            for donor, weight in zip(top["donor"], top["weight"], strict=True)
        ]
        lines += [f"Donors with weight of at least 0.005: {', '.join(parts)}.", ""]
    fit = sc.details.get("fit")
    if fit is not None and len(fit):
        pre = float(fit["pre_rmspe"].iloc[0])
        scale = float(np.nanmean(np.abs(sc.details["path"]["treated"])))
        if pre <= 1e-6 * scale:
            lines += [
                "The donors reproduce the three baseline years exactly, and so would many "
                "other weightings: the post/pre RMSPE ratio is then not informative, and the "
                "placebo p-value in effect ranks the size of the post-period gaps among "
                "districts that were all fitted exactly. One district's series, with rounded "
                "rates and three baseline points, is a fragile basis for a causal claim.",
                "",
            ]
    for key, label in (
        ("synthetic_control", "Synthetic control"),
        ("synthetic_control_placebos", "Placebo gaps"),
    ):
        if key in figures:
            lines += [f"![{label}]({figures[key]})", ""]
    # Placebo.
    lines += ["## Placebo in time", "", r["placebo_in_time"].summary(), ""]
    lines += ["## What these data can and cannot show", ""]
    lines += [f"- {text}" for text in report.limitations]
    lines += [
        "",
        "## Files",
        "",
        "`impact_summary.csv` (with `.notes.txt`) and `impact_summary.md`; one CSV per "
        "estimator (its tidy terms); `*_group_rates.csv`, `*_balance.csv`, `*_weights.csv`, "
        "`*_fit.csv`, `*_group_time.csv`, `*_pretrend_test.csv` (details); each SVG figure "
        "with the CSV of the data it plots.",
        "",
    ]
    return "\n".join(lines)
