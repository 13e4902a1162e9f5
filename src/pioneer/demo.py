"""The demo job behind ``make demo``: build the demo workspace from the Pioneer
programme's registry, the synthetic three-wave key-informant panel and the real
Fingertips indicator data; write every survey table and figure, all 25 site
indicator profiles, example indicator charts and the site workbook.

The synthetic panel reproduces the published marginals of the 2019 key-informant
paper, so the tables printed here can be read against the paper. Because the
data are synthetic, the published tables are reproduced without small-number
suppression; the per-site monitoring table shows suppression at work.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from rich.console import Console

from pioneer import programme, reports
from pioneer import workspace as ws
from pioneer.governance import DEFAULT_THRESHOLD
from pioneer.indicators import catalogue, ingest, profile, store, views, workbook
from pioneer.reports import indicator_figures, site_workbook
from pioneer.results import TableResult
from pioneer.survey import analysis, synthetic

FIGURES = ("progress", "barriers", "facilitators")
#: Example indicator charts: (indicator, site) trend charts, and sites with a spine chart.
TREND_CHARTS = (("falls65", "leeds"), ("falls65", "kent"), ("self_harm", "greater_manchester"))
SPINE_CHARTS = ("kent", "leeds", "greater_manchester")


@dataclass(frozen=True)
class DemoSummary:
    """What the demo built and where it put it."""

    workspace: tuple[Path, ...]
    tables: tuple[Path, ...]
    figures: tuple[Path, ...]
    results: tuple[TableResult, ...]
    shown: tuple[TableResult, ...]
    profiles: tuple[Path, ...] = ()
    indicator_figures: tuple[Path, ...] = ()
    workbook: Path | None = None
    qualitative: tuple[Path, ...] = ()


def run(*, out: Path, workspace: Path = ws.DEFAULT_PATH, seed: int = 2019) -> DemoSummary:
    """Build the workspace at ``workspace`` and write tables and figures to ``out``."""
    registry = programme.load("pioneers")
    survey = synthetic.generate(seed=seed)
    data = ws.SurveyData(
        responses=survey.responses, mailing_list=survey.mailing_list, waves=survey.waves
    )
    written = ws.save(data, workspace)

    published = analysis.Options.build(threshold=0)
    results = analysis.table_set(data, options=published, sites=registry.sites)
    monitoring = analysis.table(
        "response-by-site",
        data,
        options=analysis.Options.build(threshold=DEFAULT_THRESHOLD),
        sites=registry.sites,
    )
    all_results = (*results, monitoring)

    out = Path(out)
    tables = reports.write_all(all_results, out / "tables")
    figures: list[Path] = []
    for name in FIGURES:
        figure = analysis.figure_data(name, data, options=published)
        for suffix in (".svg", ".png"):
            figures.extend(
                reports.trend_figure(
                    figure, out / "figures" / f"{name}{suffix}", series="item_label"
                )
            )
    indicators = write_indicators(registry, workspace, out / "indicators")
    qualitative = write_qualitative(workspace, out / "qualitative")
    return DemoSummary(
        workspace=(*written, indicators.store),
        tables=tuple(tables),
        figures=tuple(figures),
        results=tuple(all_results),
        shown=tuple(results),
        profiles=indicators.profiles,
        indicator_figures=indicators.figures,
        workbook=indicators.workbook,
        qualitative=qualitative,
    )


def write_qualitative(workspace: Path, out: Path) -> tuple[Path, ...]:
    """Load the FICTIONAL demonstration corpus and its worked coding into the workspace (as
    REFI-QDA) and write its code × site matrix, agreement table and interview tables, with
    the packaged site documents: Table C1 facts, the Table 2 intervention status, the Table 3
    Better Care Fund profiles and the 2014 status beside the 2018 survey (real, not fictional).
    """
    from pioneer.qualitative import agreement, demo, documents, queries, refi, register

    corpus = demo.demo()
    project = refi.export_qdpx(corpus.project, Path(workspace) / "qualitative.qdpx")
    results = [
        replace(
            queries.code_matrix(corpus.project, "site", codes="B", threshold=0),
            name="qual_matrix_barriers_by_site",
        ),
        agreement.agreement_table(corpus.project),
        register.table1a(register.published_register_2014()),
        register.table1b(register.published_register_2014()),
        documents.c1_table(2014),
        documents.intervention_status("2014-09"),
        documents.bcf_profiles(),
        documents.intervention_change(),
    ]
    return (project, *reports.write_all(results, out, formats=("csv", "md")))


@dataclass(frozen=True)
class IndicatorOutputs:
    """What the indicator part of the demo wrote."""

    store: Path
    profiles: tuple[Path, ...]
    figures: tuple[Path, ...]
    workbook: Path


def write_indicators(registry: programme.Programme, workspace: Path, out: Path) -> IndicatorOutputs:
    """Store the packaged Fingertips data in the workspace; write every site's profile
    (CSV, Markdown and one XLSX), example trend and spine charts, and the site workbook."""
    data = ingest.packaged()
    stored = store.save(workspace, data)
    profiles = [
        replace(result, name=f"profile_{site_id}")
        for site_id in registry.site_ids
        for result in (profile.site_profile(data, registry, site_id),)
    ]
    profile_files = reports.write_all(profiles, out / "profiles")
    figures: list[Path] = []
    cat = catalogue.load()
    for indicator_id, site_id in TREND_CHARTS:
        meta = cat.get(indicator_id)
        frame, ids = profile.trend_series(data, registry, site_id, meta, ("england", "region"))
        result = views.trend_view(frame, meta, site_id, list(ids))
        figures += indicator_figures.trend_chart(
            result, out / "charts" / f"trend_{indicator_id}_{site_id}.svg"
        )
    for site_id in SPINE_CHARTS:
        site_profile = next(p for p in profiles if p.options["site"] == site_id)
        result = views.spine_view(site_profile, views.england_distributions(data, site_profile))
        figures += indicator_figures.spine_chart(result, out / "charts" / f"spine_{site_id}.svg")
    book = site_workbook.write_site_workbook(
        workbook.assemble(data, registry), out / "pioneer-indicators.xlsx"
    )
    return IndicatorOutputs(stored, tuple(profile_files), tuple(figures), book)


def print_summary(summary: DemoSummary, console: Console) -> None:
    """Show the published tables, then say where everything was written."""
    for result in summary.shown:
        reports.to_terminal(result, console=console)
    console.print()
    console.print(f"[bold]Workspace[/bold]: {summary.workspace[0].parent}")
    console.print(f"[bold]Tables[/bold] ({len(summary.tables)} files): {_folder(summary.tables)}")
    console.print(
        f"[bold]Figures[/bold] ({len(summary.figures)} files): {_folder(summary.figures)}"
    )
    console.print(
        f"[bold]Site indicator profiles[/bold] ({len(summary.profiles)} files): "
        f"{_folder(summary.profiles)}"
    )
    console.print(
        f"[bold]Indicator charts[/bold] ({len(summary.indicator_figures)} files): "
        f"{_folder(summary.indicator_figures)}"
    )
    if summary.workbook is not None:
        console.print(f"[bold]Site workbook[/bold]: {summary.workbook}")
    if summary.qualitative:
        console.print(
            "[bold]Qualitative[/bold] (FICTIONAL demonstration corpus): "
            f"{summary.qualitative[0]} and {_folder(summary.qualitative[1:])}"
        )
    console.print(
        "Next: .venv/bin/pioneer survey tables --wave 2018 · "
        ".venv/bin/pioneer indicators profile --site kent · .venv/bin/pioneer --help"
    )


def _folder(paths: tuple[Path, ...]) -> str:
    return str(paths[0].parent) if paths else "(none)"
