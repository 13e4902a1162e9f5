"""The ``pioneer`` command: a thin layer over the library.

Every command parses its options, calls library functions and hands the
results to ``pioneer.reports``. Errors a user can fix (``PioneerError``) print
as ``ErrorName: message`` without a traceback and exit with status 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from pioneer.errors import PioneerError

app = typer.Typer(
    help="Evaluate integrated health and social care programmes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
programme_app = typer.Typer(
    help="The programme registry: sites, waves, areas.", no_args_is_help=True
)
survey_app = typer.Typer(
    help="The key-informant survey: tables, figures, imports.", no_args_is_help=True
)
import_app = typer.Typer(
    help="Import a wave of responses into the workspace.", no_args_is_help=True
)
indicators_app = typer.Typer(
    help="Area indicators: import, site profiles, charts and the site workbook.",
    no_args_is_help=True,
)
chart_app = typer.Typer(
    help="Draw an indicator chart (SVG or PNG) with its data.", no_args_is_help=True
)
app.add_typer(programme_app, name="programme")
app.add_typer(survey_app, name="survey")
survey_app.add_typer(import_app, name="import")
app.add_typer(indicators_app, name="indicators")
indicators_app.add_typer(chart_app, name="chart")
impact_app = typer.Typer(
    help="Impact evaluation: Pioneer areas against comparison areas.", no_args_is_help=True
)
admissions_app = typer.Typer(
    help="Patient-level admissions extracts (HES-like): check and aggregate.",
    no_args_is_help=True,
)
app.add_typer(impact_app, name="impact")
app.add_typer(admissions_app, name="admissions")
qual_app = typer.Typer(
    help="Qualitative evidence: transcripts, coding, matrices, agreement, REFI-QDA.",
    no_args_is_help=True,
)
app.add_typer(qual_app, name="qual")

WorkspaceOption = Annotated[
    Path, typer.Option("--workspace", "-w", help="Workspace folder (responses, mailing lists).")
]
FormatOption = Annotated[
    str, typer.Option("--format", "-f", help="terminal, csv, md or xlsx (figures: svg or png).")
]
OutOption = Annotated[Path | None, typer.Option("--output", "-o", help="File to write.")]
PanelOption = Annotated[
    int,
    typer.Option("--panel", help="Keep informants present in at least this many waves (0 = all)."),
]
EqualSitesOption = Annotated[
    bool, typer.Option("--equal-sites", help="Weight every site equally within a wave.")
]
ThresholdOption = Annotated[
    int | None,
    typer.Option("--threshold", help="Suppress counts below this (default 5; 0 shows all)."),
]


@app.callback()
def _root() -> None:
    """Evaluate integrated health and social care programmes."""


@app.command()
def version() -> None:
    """Print the Pioneer version."""
    from pioneer import __version__

    typer.echo(__version__)


@programme_app.command("sites")
def programme_sites(
    programme: Annotated[str, typer.Option(help="Programme registry name.")] = "pioneers",
    fmt: FormatOption = "terminal",
    output: OutOption = None,
) -> None:
    """List a programme's sites with their programme wave and local authorities."""
    from pioneer import programme as registry

    result = registry.sites_table(registry.load(programme))
    _emit(result, fmt, output)


def _options(panel: int, equal_sites: bool, threshold: int | None):
    from pioneer.survey.analysis import Options

    return Options.build(panel=panel, equal_sites=equal_sites, threshold=threshold)


def _sites():
    """The programme's sites (names, programme waves) for labelling survey tables."""
    from pioneer import programme as registry

    return registry.load("pioneers").sites


def _parse_waves(text: str | None) -> tuple[int, ...] | None:
    if not text:
        return None
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise typer.BadParameter(f"waves are years separated by commas, got {text!r}") from None


@survey_app.command("tables")
def survey_tables(
    wave: Annotated[int | None, typer.Option(help="One survey wave (year); default all.")] = None,
    workspace: WorkspaceOption = Path("workspace"),
    panel: PanelOption = 0,
    equal_sites: EqualSitesOption = False,
    threshold: ThresholdOption = None,
    fmt: FormatOption = "terminal",
    output: OutOption = None,
) -> None:
    """Print (or write) the full set of survey tables."""
    from pioneer import workspace as ws
    from pioneer.survey import analysis

    data = ws.load(workspace)
    waves = (wave,) if wave is not None else None
    results = analysis.table_set(
        data, waves=waves, options=_options(panel, equal_sites, threshold), sites=_sites()
    )
    _emit_many(results, fmt, output)


@survey_app.command("table")
def survey_table(
    name: Annotated[str, typer.Argument(help="Table name; `pioneer survey list` shows them.")],
    waves: Annotated[str | None, typer.Option(help="Survey waves, e.g. 2016,2017,2018.")] = None,
    workspace: WorkspaceOption = Path("workspace"),
    panel: PanelOption = 0,
    equal_sites: EqualSitesOption = False,
    threshold: ThresholdOption = None,
    fmt: FormatOption = "terminal",
    output: OutOption = None,
) -> None:
    """Print (or write) one named survey table."""
    from pioneer import workspace as ws
    from pioneer.survey import analysis

    data = ws.load(workspace)
    result = analysis.table(
        name,
        data,
        waves=_parse_waves(waves),
        options=_options(panel, equal_sites, threshold),
        sites=_sites(),
    )
    _emit(result, fmt, output)


@survey_app.command("figure")
def survey_figure(
    name: Annotated[str, typer.Argument(help="progress, barriers or facilitators.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="SVG or PNG file to write.")],
    waves: Annotated[str | None, typer.Option(help="Survey waves, e.g. 2016,2017,2018.")] = None,
    workspace: WorkspaceOption = Path("workspace"),
    panel: PanelOption = 0,
    equal_sites: EqualSitesOption = False,
    threshold: ThresholdOption = None,
) -> None:
    """Draw a trend figure (with its data table beside it)."""
    from pioneer import reports
    from pioneer import workspace as ws
    from pioneer.survey import analysis

    data = ws.load(workspace)
    result = analysis.figure_data(
        name, data, waves=_parse_waves(waves), options=_options(panel, equal_sites, threshold)
    )
    for path in reports.trend_figure(result, output, series="item_label"):
        typer.echo(f"wrote {path}")


@survey_app.command("list")
def survey_list() -> None:
    """List the named tables and figures."""
    from pioneer.survey import analysis

    for name, description in analysis.catalogue().items():
        typer.echo(f"{name:<22} {description}")


def _import(kind: str, file: Path, wave: int, workspace: Path, replace: bool, **kwargs) -> None:
    from pioneer import workspace as ws
    from pioneer.survey import imports, instrument

    data = ws.load_or_empty(workspace)
    questionnaire = instrument.load(_instrument_for(data, wave))
    reader = {
        "csv": imports.read_csv,
        "qualtrics": imports.read_qualtrics,
        "spss": imports.read_spss,
        "stata": imports.read_stata,
    }[kind]
    frame = reader(file, instrument=questionnaire, **kwargs)
    updated = ws.with_wave(data, frame, replace=replace)
    ws.save(updated, workspace)
    people = frame["respondent_id"].nunique()
    typer.echo(f"imported {people} respondents ({len(frame)} answers) for wave {wave}")


def _instrument_for(data, wave: int) -> str:
    rows = data.waves[data.waves["wave"] == wave]
    return str(rows["instrument"].iloc[0]) if len(rows) else f"ki{wave}"


ReplaceOption = Annotated[bool, typer.Option(help="Overwrite the wave's existing responses.")]
WaveOption = Annotated[int, typer.Option(help="Survey wave (year) the file holds.")]


@import_app.command("qualtrics")
def import_qualtrics(
    file: Path,
    mapping: Annotated[Path, typer.Option(help="Mapping of Qualtrics columns to item codes.")],
    wave: WaveOption,
    workspace: WorkspaceOption = Path("workspace"),
    replace: ReplaceOption = False,
) -> None:
    """Import a Qualtrics CSV export (three header rows)."""
    _import("qualtrics", file, wave, workspace, replace, mapping=mapping)


@import_app.command("csv")
def import_csv(
    file: Path,
    wave: WaveOption,
    workspace: WorkspaceOption = Path("workspace"),
    replace: ReplaceOption = False,
) -> None:
    """Import Pioneer's own CSV (long or wide layout, detected from the header)."""
    _import("csv", file, wave, workspace, replace)


@import_app.command("spss")
def import_spss(
    file: Path,
    wave: WaveOption,
    workspace: WorkspaceOption = Path("workspace"),
    replace: ReplaceOption = False,
) -> None:
    """Import an SPSS .sav file (wide layout)."""
    _import("spss", file, wave, workspace, replace)


@import_app.command("stata")
def import_stata(
    file: Path,
    wave: WaveOption,
    workspace: WorkspaceOption = Path("workspace"),
    replace: ReplaceOption = False,
) -> None:
    """Import a Stata .dta file (wide layout)."""
    _import("stata", file, wave, workspace, replace)


def _fielding_store():
    """Configure Django on the workspace's store (``PIONEER_WORKSPACE``/``DATABASE_URL``)."""
    from pioneer.web import server

    server.configure()  # before the fielding models are imported
    server.prepare_store()


@survey_app.command("monitor")
def survey_monitor(
    wave: Annotated[int, typer.Option(help="Survey wave (year) being fielded.")],
    by: Annotated[str, typer.Option(help="site, org_type, site_org_type or all.")] = "site",
    threshold: ThresholdOption = None,
    fmt: FormatOption = "terminal",
    output: OutOption = None,
) -> None:
    """Response rates of a fielded wave (Table I style), as the web monitor shows them."""
    from pioneer.errors import AnalysisError
    from pioneer.fielding.monitor import response_rates
    from pioneer.governance.disclosure import DEFAULT_THRESHOLD

    _fielding_store()
    from pioneer.web.fielding.models import Invitation, SurveyWave
    from pioneer.web.fielding.monitor_views import EXPORT_SPLITS, complement, invitations_frame

    if by not in EXPORT_SPLITS:
        raise typer.BadParameter(f"--by must be one of {', '.join(EXPORT_SPLITS)}; got {by!r}")
    found = SurveyWave.objects.filter(year=wave).first()
    if found is None:
        years = ", ".join(str(y) for y in SurveyWave.objects.values_list("year", flat=True))
        raise AnalysisError(
            f"no {wave} wave in the fielding store; its waves: {years or 'none'}. Fix: choose "
            "one of them, or create the wave in the web app (pioneer serve)"
        )
    frame = invitations_frame(Invitation.objects.filter(contact__wave=found))
    result = response_rates(
        frame,
        by=EXPORT_SPLITS[by],
        threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
    )
    _emit(complement(result), fmt, output)


@survey_app.command("send-invitations")
def survey_send_invitations(
    wave: Annotated[int, typer.Option(help="Survey wave (year) being fielded.")],
    dry_run: Annotated[bool, typer.Option(help="Say who is due; send nothing.")] = False,
) -> None:
    """E-mail the invitation to every contact of the wave not yet invited (cron-friendly)."""
    _fielding_store()
    from pioneer.web.fielding import mail

    summary = mail.send_invitations(wave, dry_run=dry_run)
    typer.echo(str(summary))
    if not summary.ok:
        sys.exit(1)


@survey_app.command("send-reminders")
def survey_send_reminders(
    wave: Annotated[int, typer.Option(help="Survey wave (year) being fielded.")],
    max_reminders: Annotated[int, typer.Option("--max", help="Reminders per informant.")] = 3,
    min_gap_days: Annotated[int, typer.Option(help="Days between messages to one person.")] = 7,
    dry_run: Annotated[bool, typer.Option(help="Say who is due; send nothing.")] = False,
) -> None:
    """Remind, by e-mail, the informants who have not completed (cron-friendly)."""
    import datetime as dt

    _fielding_store()
    from pioneer.web.fielding import mail

    summary = mail.send_reminders(
        wave,
        max_reminders=max_reminders,
        min_gap=dt.timedelta(days=min_gap_days),
        dry_run=dry_run,
    )
    typer.echo(str(summary))
    if not summary.ok:
        sys.exit(1)


@survey_app.command("export")
def survey_export(
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    wave: Annotated[int, typer.Option(help="Survey wave (year) to export.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv, xlsx or sav.")] = "csv",
    layout: Annotated[str, typer.Option(help="long or wide (sav is always wide).")] = "long",
    workspace: WorkspaceOption = Path("workspace"),
) -> None:
    """Export one wave's responses (pseudonymous ids only) to CSV, XLSX or SPSS."""
    from pioneer import workspace as ws
    from pioneer.errors import AnalysisError
    from pioneer.survey import exports, instrument

    data = ws.load(workspace)
    responses = data.responses[data.responses["wave"] == wave]
    if responses.empty:
        raise AnalysisError(
            f"the workspace has no responses for wave {wave}; "
            f"fix: choose one of {list(data.wave_numbers())}"
        )
    questionnaire = instrument.load(_instrument_for(data, wave))
    fmt = fmt.lower()
    if fmt == "csv":
        path = exports.write_csv(responses, output, layout=layout, instrument=questionnaire)
    elif fmt == "xlsx":
        path = exports.write_xlsx(responses, output, layout=layout, instrument=questionnaire)
    elif fmt == "sav":
        path = exports.write_spss(responses, output, questionnaire)
    else:
        raise typer.BadParameter(f"--format must be csv, xlsx or sav; got {fmt!r}")
    typer.echo(f"wrote {path} ({responses['respondent_id'].nunique()} respondents)")


# ---------------------------------------------------------------------------------------------
# Indicators

SiteOption = Annotated[str, typer.Option("--site", help="Site id or name, e.g. kent.")]
IndicatorOption = Annotated[str, typer.Option("--indicator", help="Indicator id, e.g. falls65.")]
ComparatorsOption = Annotated[
    str,
    typer.Option(
        "--comparators",
        help="Comma-separated: england, region, pioneers, non_pioneers, matched, group.",
    ),
]
GroupOption = Annotated[
    str | None,
    typer.Option("--group", help="Area codes of a user-defined comparator group, comma-separated."),
]


def _indicator_data(workspace: Path):
    """The workspace's indicator store, or the packaged real data when it holds none."""
    from pioneer.indicators import ingest, store

    data = store.load(workspace)
    if data.empty:
        typer.echo(
            f"(no indicators imported into {workspace}: using the packaged Fingertips data)",
            err=True,
        )
        return ingest.packaged()
    return data


def _site_id(programme, name: str) -> str:
    return name if name in programme.site_ids else programme.resolve(name)


def _programme_site(name: str):
    """The Pioneer registry and the id of the site ``name`` (an id or any of its names)."""
    from pioneer import programme as registry

    programme = registry.load("pioneers")
    return programme, _site_id(programme, name)


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


@indicators_app.command("import")
def indicators_import(
    file: Annotated[Path, typer.Argument(help="Fingertips export, tidy CSV or extract CSV.")],
    indicator: Annotated[
        str | None, typer.Option("--indicator", help="Catalogue id, if the file lacks one.")
    ] = None,
    workspace: WorkspaceOption = Path("workspace"),
) -> None:
    """Import an indicator file into the workspace (all or nothing; re-imports replace)."""
    from pioneer.indicators import store

    _, summary = store.import_file(workspace, file, indicator)
    typer.echo(f"{file}: {summary.describe()} in {store.path_of(workspace)}")


@indicators_app.command("list")
def indicators_list(fmt: FormatOption = "terminal", output: OutOption = None) -> None:
    """List the indicator catalogue: ids, titles, dimensions, polarity, statistic."""
    from pioneer.indicators import catalogue

    _emit(catalogue.catalogue_table(catalogue.load()), fmt, output)


@indicators_app.command("profile")
def indicators_profile(
    site: SiteOption,
    comparators: ComparatorsOption = "england,region,pioneers",
    group: GroupOption = None,
    period: Annotated[
        str | None, typer.Option(help="Period, e.g. 2016/17; default latest.")
    ] = None,
    workspace: WorkspaceOption = Path("workspace"),
    fmt: FormatOption = "terminal",
    output: OutOption = None,
) -> None:
    """A site's profile: every indicator against the chosen comparators."""
    from pioneer.indicators import profile

    programme, site_id = _programme_site(site)
    result = profile.site_profile(
        _indicator_data(workspace),
        programme,
        site_id,
        _split(comparators),
        period=period,
        group=_split(group) or None,
    )
    _emit(result, fmt, output)


@chart_app.command("trend")
def chart_trend(
    indicator: IndicatorOption,
    site: SiteOption,
    output: Annotated[Path, typer.Option("--output", "-o", help="SVG or PNG file.")],
    comparators: ComparatorsOption = "england,region",
    group: GroupOption = None,
    workspace: WorkspaceOption = Path("workspace"),
) -> None:
    """A site's values over time against its comparators."""
    from pioneer.indicators import catalogue, profile, views
    from pioneer.reports import indicator_figures

    programme, site_id = _programme_site(site)
    meta = catalogue.load().get(indicator)
    frame, ids = profile.trend_series(
        _indicator_data(workspace),
        programme,
        site_id,
        meta,
        _split(comparators),
        group=_split(group) or None,
    )
    result = views.trend_view(frame, meta, site_id, list(ids))
    for path in indicator_figures.trend_chart(result, output):
        typer.echo(f"wrote {path}")


@chart_app.command("spine")
def chart_spine(
    site: SiteOption,
    output: Annotated[Path, typer.Option("--output", "-o", help="SVG or PNG file.")],
    period: Annotated[str | None, typer.Option(help="Period; default each one's latest.")] = None,
    workspace: WorkspaceOption = Path("workspace"),
) -> None:
    """Every indicator of a site against the spread of English districts."""
    from pioneer.indicators import profile, views
    from pioneer.reports import indicator_figures

    programme, site_id = _programme_site(site)
    data = _indicator_data(workspace)
    site_profile = profile.site_profile(data, programme, site_id, ("england",), period=period)
    result = views.spine_view(site_profile, views.england_distributions(data, site_profile))
    for path in indicator_figures.spine_chart(result, output):
        typer.echo(f"wrote {path}")


@chart_app.command("funnel")
def chart_funnel(
    indicator: IndicatorOption,
    output: Annotated[Path, typer.Option("--output", "-o", help="SVG or PNG file.")],
    period: Annotated[str | None, typer.Option(help="Period; default the latest.")] = None,
    site: Annotated[
        str | None, typer.Option("--site", help="Highlight this site's districts.")
    ] = None,
    workspace: WorkspaceOption = Path("workspace"),
) -> None:
    """Districts' values against their size, with 95% and 99.8% control limits."""
    from pioneer import programme as registry
    from pioneer.indicators import catalogue, views
    from pioneer.reports import indicator_figures

    highlight: tuple[str, ...] = ()
    if site:
        programme = registry.load("pioneers")
        highlight = programme.lad_codes(_site_id(programme, site), vintage=2018)
    meta = catalogue.load().get(indicator)
    points = views.funnel_view(_indicator_data(workspace), meta, period=period, highlight=highlight)
    for path in indicator_figures.funnel_plot(points, views.funnel_curve(points), output):
        typer.echo(f"wrote {path}")


@indicators_app.command("workbook")
def indicators_workbook(
    output: Annotated[Path, typer.Option("--output", "-o", help="XLSX file to write.")] = Path(
        "pioneer-indicators.xlsx"
    ),
    site: Annotated[str | None, typer.Option(help="Site the workbook opens on.")] = None,
    workspace: WorkspaceOption = Path("workspace"),
) -> None:
    """The site workbook: pick a site and comparators; charts follow by formulas."""
    from pioneer import programme as registry
    from pioneer.indicators import workbook
    from pioneer.reports import site_workbook

    programme = registry.load("pioneers")
    content = workbook.assemble(_indicator_data(workspace), programme)
    chosen = _site_id(programme, site) if site else None
    typer.echo(f"wrote {site_workbook.write_site_workbook(content, output, site=chosen)}")


# ---------------------------------------------------------------------------------------------
# Impact evaluation

OutcomeOption = Annotated[
    str, typer.Option("--outcome", help="Indicator id of the outcome, e.g. falls65.")
]
WavesOption = Annotated[
    str, typer.Option("--waves", help="Programme waves treated, e.g. 1 or 1,2.")
]


def _panel(workspace: Path, outcome: str, waves: str):
    from pioneer.impact import panel

    try:
        chosen = tuple(int(w) for w in _split(waves))
    except ValueError:
        raise typer.BadParameter(
            f"--waves takes programme waves such as 1 or 1,2; got {waves!r}"
        ) from None
    return panel.build_panel(_indicator_data(workspace), outcome=outcome, programme_waves=chosen)


def _emit_impact(results, fmt: str, output: Path | None, outcome: str | None = None) -> None:
    from pioneer.impact.results import to_table

    _emit_many([to_table(r, outcome) for r in results], fmt, output)


@impact_app.command("run")
def impact_run(
    outcome: OutcomeOption,
    design: Annotated[str, typer.Option(help="keeble2019 (wave 1, Keeble et al.'s windows).")] = (
        "keeble2019"
    ),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Folder for the report, tables, plots.")
    ] = None,
    draws: Annotated[int, typer.Option(help="Wild-bootstrap draws.")] = 9999,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap and placebos.")] = 2019,
    workspace: WorkspaceOption = Path("workspace"),
) -> None:
    """Run a whole design on one outcome: every estimator, a summary and a report."""
    from pioneer import reports
    from pioneer.impact import design as designs

    report = designs.run(_indicator_data(workspace), outcome, design, draws=draws, seed=seed)
    reports.to_terminal(report.summary)
    if output is not None:
        written = designs.write_report(report, output)
        typer.echo(f"wrote {len(written)} files to {output}")


@impact_app.command("event-study")
def impact_event_study(
    outcome: OutcomeOption,
    waves: WavesOption = "1",
    leads: Annotated[int, typer.Option(help="Leads (years before); the rest are binned.")] = 3,
    lags: Annotated[int, typer.Option(help="Lags (years after); the rest are binned.")] = 3,
    figure: Annotated[Path | None, typer.Option("--figure", help="SVG or PNG plot.")] = None,
    workspace: WorkspaceOption = Path("workspace"),
    fmt: FormatOption = "terminal",
    output: OutOption = None,
) -> None:
    """Leads and lags of treatment with a joint pre-trend test (and its plot)."""
    from pioneer.impact.event_study import event_study
    from pioneer.reports import impact_figures

    result = event_study(_panel(workspace, outcome, waves).frame, leads=leads, lags=lags)
    _emit_impact([result], fmt, output, outcome)
    if figure is not None:
        for path in impact_figures.event_study_figure(result, figure):
            typer.echo(f"wrote {path}")


@impact_app.command("match")
def impact_match(
    outcome: OutcomeOption,
    method: Annotated[str, typer.Option(help="propensity or mahalanobis.")] = "propensity",
    k: Annotated[int, typer.Option("-k", help="Comparison areas per Pioneer area.")] = 1,
    replace: Annotated[bool, typer.Option(help="Match with replacement.")] = False,
    caliper: Annotated[
        float | None, typer.Option(help="Caliper in SDs of the logit propensity score.")
    ] = None,
    waves: WavesOption = "1",
    workspace: WorkspaceOption = Path("workspace"),
    fmt: FormatOption = "terminal",
    output: OutOption = None,
) -> None:
    """Matched comparison areas on baseline level and trend, with the balance table."""
    from pioneer.impact.matching import match_panel

    panel = _panel(workspace, outcome, waves)
    result = match_panel(
        panel.frame,
        baseline=panel.baseline,
        follow_up=panel.follow_up,
        method=method,
        k=k,
        replace=replace,
        caliper=caliper,
    )
    _emit_impact([result], fmt, output, outcome)
    if fmt == "terminal" and "balance" in result.details:
        from rich.console import Console

        Console().print(result.details["balance"].to_string(index=False))


@impact_app.command("synth")
def impact_synth(
    outcome: OutcomeOption,
    site: SiteOption,
    figure: Annotated[
        Path | None, typer.Option("--figure", help="SVG or PNG plot (and its placebos).")
    ] = None,
    workspace: WorkspaceOption = Path("workspace"),
    fmt: FormatOption = "terminal",
    output: OutOption = None,
) -> None:
    """Synthetic control for one site, with the placebo-in-space p-value."""
    from pioneer.impact.synth import site_synthetic_control
    from pioneer.reports import impact_figures

    programme, site_id = _programme_site(site)
    waves = str(programme.site(site_id).programme_wave)
    result = site_synthetic_control(_panel(workspace, outcome, waves).frame, site_id)
    _emit_impact([result], fmt, output, outcome)
    if figure is not None:
        placebo = figure.with_name(f"{figure.stem}_placebos{figure.suffix}")
        for path in (
            *impact_figures.synth_figure(result, figure),
            *impact_figures.synth_placebo_figure(result, placebo),
        ):
            typer.echo(f"wrote {path}")


@admissions_app.command("aggregate")
def admissions_aggregate(
    extract: Annotated[Path, typer.Argument(help="Admissions extract, CSV or Parquet.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Parquet file of counts.")],
    period: Annotated[str, typer.Option(help="month or financial_year.")] = "month",
) -> None:
    """Check an extract (all or nothing) and count admissions by area, period and age band."""
    from pioneer.impact import admissions

    counts = admissions.aggregate_to_parquet(extract, output, period=period, progress=True)
    typer.echo(
        f"wrote {output}: {len(counts.frame)} area × {counts.period} × age-band × group rows "
        f"from {counts.rows} admissions"
    )


@admissions_app.command("generate")
def admissions_generate(
    output: Annotated[Path, typer.Argument(help="Extract to write (.csv or .parquet).")],
    rows: Annotated[int, typer.Option(help="Number of admissions.")] = 1_000_000,
    seed: Annotated[int, typer.Option(help="Seed of the generator.")] = 20130401,
) -> None:
    """Write a synthetic HES-like admissions extract (deterministic for a seed)."""
    from pioneer.impact import admissions

    path = admissions.generate_extract(output, rows, seed=seed, progress=True)
    typer.echo(f"wrote {path} ({rows} synthetic admissions)")


# ---------------------------------------------------------------------------------------------
# Qualitative evidence

#: The workspace keeps the qualitative project as a REFI-QDA archive.
QUAL_PROJECT = "qualitative.qdpx"


def _qual_project(workspace: Path):
    from pioneer.errors import AnalysisError
    from pioneer.qualitative import refi

    path = Path(workspace) / QUAL_PROJECT
    if not path.exists():
        raise AnalysisError(
            f"no qualitative project in {workspace}; fix: pioneer qual import DIR, "
            "pioneer qual import-qdpx FILE, or make demo (the fictional demonstration corpus)"
        )
    return refi.import_qdpx(path)


def _save_qual(project, workspace: Path) -> Path:
    import os
    import tempfile

    from pioneer.qualitative import refi

    Path(workspace).mkdir(parents=True, exist_ok=True)
    target = Path(workspace) / QUAL_PROJECT
    handle, temporary = tempfile.mkstemp(dir=workspace, suffix=".qdpx")
    os.close(handle)
    refi.export_qdpx(project, temporary)
    os.replace(temporary, target)  # all or nothing: the old project stays until this
    return target


@qual_app.command("import")
def qual_import(
    folder: Annotated[Path, typer.Argument(help="Transcripts (.txt, .md, .docx) + documents.csv")],
    workspace: WorkspaceOption = Path("workspace"),
) -> None:
    """Import a folder of transcripts as the workspace's project (default coding frame)."""
    from pioneer.qualitative import transcripts

    project = transcripts.import_project(folder)
    path = _save_qual(project, workspace)
    typer.echo(f"{len(project.documents)} documents imported into {path}")


@qual_app.command("import-qdpx")
def qual_import_qdpx(
    file: Annotated[Path, typer.Argument(help="A .qdpx project from NVivo, MAXQDA, ATLAS.ti…")],
    workspace: WorkspaceOption = Path("workspace"),
) -> None:
    """Import a REFI-QDA project (checked safely, all or nothing)."""
    from pioneer.qualitative import refi

    project = refi.import_qdpx(file)
    path = _save_qual(project, workspace)
    typer.echo(
        f"{len(project.documents)} documents, {len(project.frame.codes)} codes, "
        f"{len(project.segments)} coded segments imported into {path}"
    )


@qual_app.command("export-qdpx")
def qual_export_qdpx(
    output: Annotated[Path, typer.Option("--output", "-o", help="The .qdpx file to write.")],
    workspace: WorkspaceOption = Path("workspace"),
) -> None:
    """Export the workspace's project as REFI-QDA (.qdpx) for other tools."""
    from pioneer.qualitative import refi

    typer.echo(f"wrote {refi.export_qdpx(_qual_project(workspace), output)}")


@qual_app.command("export-qdc")
def qual_export_qdc(
    output: Annotated[Path, typer.Option("--output", "-o", help="The .qdc file to write.")],
    default_frame: Annotated[
        bool,
        typer.Option("--default-frame", help="The packaged barriers-and-facilitators frame."),
    ] = False,
    workspace: WorkspaceOption = Path("workspace"),
) -> None:
    """Export the coding frame as a REFI-QDA codebook (.qdc) for other tools."""
    from pioneer.qualitative import frame, refi

    coding_frame = frame.default_frame() if default_frame else _qual_project(workspace).frame
    path = refi.export_qdc(coding_frame, output)
    typer.echo(f"wrote {path} ({len(coding_frame.codes)} codes, version {coding_frame.version})")


@qual_app.command("import-qdc")
def qual_import_qdc(
    file: Annotated[Path, typer.Argument(help="A .qdc codebook from NVivo, MAXQDA, ATLAS.ti…")],
    workspace: WorkspaceOption = Path("workspace"),
) -> None:
    """Make a REFI-QDA codebook the project's coding frame (all or nothing).

    Coded segments follow the frame's merges and splits; a codebook that drops a code still
    in use is refused, naming the code.
    """
    from pioneer.errors import DataFileError
    from pioneer.qualitative import refi
    from pioneer.qualitative.model import Project

    coding_frame = refi.import_qdc(file)
    if (Path(workspace) / QUAL_PROJECT).exists():
        project = _qual_project(workspace)
        used = {c for segment in project.segments for c in segment.code_ids}
        try:
            project = project.with_frame(coding_frame)
        except DataFileError as error:
            missing = sorted(used - {code.id for code in coding_frame.codes})
            raise DataFileError(
                file,
                f"the codebook lacks codes that coded segments use: {', '.join(missing[:10])}"
                if missing
                else f"the codebook does not fit the project ({error})",
                fix="keep those codes in the codebook, or merge them into others in Pioneer "
                "first so the history carries their segments over",
            ) from None
    else:
        project = Project(id="project", title="Qualitative evidence", frame=coding_frame)
    path = _save_qual(project, workspace)
    typer.echo(
        f"coding frame {coding_frame.id} version {coding_frame.version} "
        f"({len(coding_frame.codes)} codes) is now the frame of {path}"
    )


@qual_app.command("matrix")
def qual_matrix(
    by: Annotated[str, typer.Option(help="site or org_type.")] = "site",
    codes: Annotated[
        str | None, typer.Option(help="A code and what is below it, e.g. B.I.")
    ] = None,
    statistic: Annotated[str, typer.Option(help="references or sources.")] = "references",
    threshold: ThresholdOption = None,
    workspace: WorkspaceOption = Path("workspace"),
    fmt: FormatOption = "terminal",
    output: OutOption = None,
) -> None:
    """Code × site (or organisation type) matrix of coded references or sources."""
    from pioneer.qualitative import queries

    options = {} if threshold is None else {"threshold": threshold}
    result = queries.code_matrix(
        _qual_project(workspace), by, codes=codes, statistic=statistic, **options
    )
    _emit(result, fmt, output)


@qual_app.command("agreement")
def qual_agreement(
    coders: Annotated[
        str | None, typer.Option(help="Two coders, comma-separated; default the project's two.")
    ] = None,
    workspace: WorkspaceOption = Path("workspace"),
    fmt: FormatOption = "terminal",
    output: OutOption = None,
) -> None:
    """Inter-coder agreement: Cohen's kappa per code, Krippendorff's alpha by character."""
    from pioneer.qualitative import agreement

    pair = _split(coders)
    if pair and len(pair) != 2:
        raise typer.BadParameter(f"--coders takes two coders, got {coders!r}")
    result = agreement.agreement_table(_qual_project(workspace), *pair)
    _emit(result, fmt, output)


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8000,
    demo_programme: Annotated[
        bool,
        typer.Option("--demo", help="First create the demo programme and print demo logins."),
    ] = False,
) -> None:
    """Serve the fielding web app on http://127.0.0.1:PORT (Ctrl-C stops it)."""
    import os

    from pioneer import web
    from pioneer.web.server import check_port_free

    check_port_free("127.0.0.1", port)  # before the demo is built, not after
    # Links in e-mails and the demo's printout point at the port actually served.
    os.environ.setdefault("PIONEER_BASE_URL", f"http://127.0.0.1:{port}")
    if demo_programme:
        web.demo_setup()
    web.serve(port)


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the tables and figures.")] = Path("out"),
    workspace: WorkspaceOption = Path("workspace"),
    seed: Annotated[int, typer.Option(help="Seed of the synthetic panel.")] = 2019,
) -> None:
    """Build the demo workspace and write every table and figure."""
    from pioneer import demo as demo_job

    summary = demo_job.run(out=out, workspace=workspace, seed=seed)
    from rich.console import Console

    demo_job.print_summary(summary, Console())


def _emit(result, fmt: str, output: Path | None) -> None:
    _emit_many([result], fmt, output)


def _emit_many(results, fmt: str, output: Path | None) -> None:
    from pioneer import reports

    fmt = fmt.lower()
    if fmt not in ("terminal", "csv", "md", "xlsx"):
        raise typer.BadParameter(f"--format must be terminal, csv, md or xlsx; got {fmt!r}")
    if fmt == "terminal":
        for result in results:
            reports.to_terminal(result)
        return
    if output is None:
        raise typer.BadParameter(f"--format {fmt} needs --output FILE")
    if fmt == "xlsx":
        written = [reports.to_xlsx(results, output)]
    elif len(results) == 1:
        written = reports.render(results[0], fmt, output)
    else:  # several tables: --output names a folder
        written = reports.write_all(results, output, formats=(fmt,))
    for path in written:
        typer.echo(f"wrote {path}")


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors print ``ErrorName: message`` and exit 2."""
    try:
        app(args=argv)
    except PioneerError as error:
        typer.echo(f"{type(error).__name__}: {error}", err=True)
        sys.exit(2)
