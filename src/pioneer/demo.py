"""The demo job behind ``make demo``: build the demo workspace from the Pioneer
programme's registry and the synthetic three-wave key-informant panel, then
write every survey table and figure.

The synthetic panel reproduces the published marginals of the 2019 key-informant
paper, so the tables printed here can be read against the paper. Because the
data are synthetic, the published tables are reproduced without small-number
suppression; the per-site monitoring table shows suppression at work.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from pioneer import programme, reports
from pioneer import workspace as ws
from pioneer.governance import DEFAULT_THRESHOLD
from pioneer.results import TableResult
from pioneer.survey import analysis, synthetic

FIGURES = ("progress", "barriers", "facilitators")


@dataclass(frozen=True)
class DemoSummary:
    """What the demo built and where it put it."""

    workspace: tuple[Path, ...]
    tables: tuple[Path, ...]
    figures: tuple[Path, ...]
    results: tuple[TableResult, ...]
    shown: tuple[TableResult, ...]


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
    return DemoSummary(
        workspace=tuple(written),
        tables=tuple(tables),
        figures=tuple(figures),
        results=tuple(all_results),
        shown=tuple(results),
    )


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
    console.print("Next: .venv/bin/pioneer survey tables --wave 2018 · .venv/bin/pioneer --help")


def _folder(paths: tuple[Path, ...]) -> str:
    return str(paths[0].parent) if paths else "(none)"
