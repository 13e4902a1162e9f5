"""The site workbook: pick a site and comparators, and formulas and charts follow.

The XLSX holds no macros and no cached results: every selected value is an INDEX/MATCH
formula over the long data sheet, so Excel (2010 onwards) and LibreOffice compute it
when the file is opened, and again whenever a drop-down changes. Sheets:

- ``Cover`` — the site drop-down, the local-comparator drop-down, Yes/No cells for the
  regional and national comparators, a few facts about the chosen site, and the charts;
- ``Selected`` — the chosen series, the change-since-announcement summary and one block
  of rows per indicator (periods × series: value and 95% limits), all formulas;
- ``Data`` — the long indicator frame for every site, comparator and local area, with the
  lookup key the formulas match on;
- ``Sites``, ``Context``, ``Indicators``, ``Lists``, ``Methods`` — the site list with
  regions, contextual information, the indicator metadata, the drop-down lists and the
  methods text.

Every text cell that comes from data is made formula-safe
(:func:`pioneer.governance.spreadsheet.neutralise_cell`); the only formulas are the ones
this module builds from cell references and defined names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, LineChart, Reference, Series
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.chart.series import SeriesLabel
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from pioneer.errors import AnalysisError
from pioneer.governance.spreadsheet import neutralise_cell
from pioneer.indicators.workbook import (
    DATA_COLUMNS,
    KEY_SEPARATOR,
    NO_LOCAL,
    SERIES,
    SERIES_LABELS,
    WorkbookContent,
)
from pioneer.reports.grid import plain

COVER = "Cover"
SELECTED = "Selected"
DATA = "Data"
SITES = "Sites"
CONTEXT = "Context"
INDICATORS = "Indicators"
LISTS = "Lists"
METHODS = "Methods"
SHEETS: tuple[str, ...] = (COVER, SELECTED, DATA, SITES, CONTEXT, INDICATORS, LISTS, METHODS)

#: Defined names of the input cells on the cover sheet.
SITE_INPUT = "SelectedSite"
LOCAL_INPUT = "LocalComparator"
REGION_INPUT = "ShowRegion"
ENGLAND_INPUT = "ShowEngland"
#: Defined names of the selected sheet's two tables (header row included).
SUMMARY_TABLE = "SummaryTable"
SERIES_TABLE = "SeriesTable"
YES, NO = "Yes", "No"
#: Legend label of a comparator series that is switched off.
NOT_CHOSEN = "(not chosen)"

TITLE_FONT = Font(bold=True, size=14)
HEADING_FONT = Font(bold=True, size=12)
BOLD = Font(bold=True)
MUTED = Font(color="808080", italic=True)
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="7F7F7F")
INPUT_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
VALUE_FORMAT = "#,##0.0"
COUNT_FORMAT = "#,##0"
PERCENT_CHANGE_FORMAT = "+0.0;-0.0;0.0"
DATE_FORMAT = "d mmm yyyy"

#: First row of the series block on the selected sheet (site, local, region, England).
_SERIES_ROW = 4
#: First column of the hidden lookup-row helpers on the selected sheet.
_HELPER_COLUMN = 22
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


@dataclass(frozen=True)
class _Layout:
    """Where the selected sheet's blocks sit (1-based rows)."""

    summary_header: int
    summary_first: int
    summary_last: int
    series_header: int
    blocks: tuple[tuple[str, str, str, int, int], ...]  # id, title, unit, first, last


def write_site_workbook(
    content: WorkbookContent,
    path: str | Path,
    *,
    site: str | None = None,
    local: str | None = None,
    region: bool = True,
    england: bool = True,
) -> Path:
    """Write the site workbook for ``content`` to ``path`` (XLSX); return the path.

    The keywords set the choice the workbook opens on: ``site`` a site id (default
    ``content.default_site``), ``local`` a label of ``content.local_choices`` (default
    none), ``region`` and ``england`` the Yes/No of the regional and national comparators.
    """
    site_id = content.default_site if site is None else site
    choice = {
        "site": str(content.site_row(site_id)["site_name"]),
        "local": NO_LOCAL,
        "region": YES if region else NO,
        "england": YES if england else NO,
    }
    if local not in (None, NO_LOCAL):
        if local not in set(content.local_choices["label"]):
            raise AnalysisError(
                f"{local!r} is not a local comparator of the workbook; use a label from "
                "its local_choices frame"
            )
        choice["local"] = str(local)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook()
    workbook.remove(workbook.active)
    sheets = {name: workbook.create_sheet(name) for name in SHEETS}

    _write_data(workbook, sheets[DATA], content)
    _write_sites(workbook, sheets[SITES], content)
    _write_lists(workbook, sheets[LISTS], content)
    _write_indicators(sheets[INDICATORS], content)
    layout = _write_selected(workbook, sheets[SELECTED], content)
    _write_cover(workbook, sheets[COVER], content, layout, choice)
    _write_context(sheets[CONTEXT], content)
    _write_methods(sheets[METHODS], content)

    workbook.calculation.fullCalcOnLoad = True
    workbook.active = 0
    workbook.save(path)
    return path


# --- data and lists ----------------------------------------------------------------


def _write_data(workbook: Workbook, sheet: Worksheet, content: WorkbookContent) -> None:
    columns = [*DATA_COLUMNS, "lookup_key"]
    sheet.append([_text(c) for c in columns])
    _style_header(sheet, 1, len(columns))
    frame = content.data
    records = frame[list(DATA_COLUMNS)].itertuples(index=False, name=None)
    for record in records:
        values = [*(_value(v) for v in record), _key(record[0], record[1], record[4])]
        # only the cells that hold something: blank limits and counts stay uncreated
        sheet.append({i: v for i, v in enumerate(values, start=1) if v is not None})
    last = max(sheet.max_row, 2)
    position = {c: i for i, c in enumerate(columns, start=1)}
    for name, column in (
        ("DataKey", "lookup_key"),
        ("DataValue", "value"),
        ("DataLower95", "lower_95"),
        ("DataUpper95", "upper_95"),
        ("DataAreaName", "area_name"),
    ):
        _define(workbook, name, DATA, position[column], 2, position[column], last)
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last}"
    widths = {c: max(10, min(len(c) + 3, 14)) for c in columns}
    widths.update(area_name=28, area_type=16, approximation=48, lookup_key=34, indicator_id=16)
    _set_widths(sheet, {position[c]: w for c, w in widths.items()})


_SITE_HEADINGS = {
    "site_id": "Site id",
    "site_name": "Site",
    "programme_wave": "Programme wave",
    "announced": "Announced",
    "region_code": "Region code",
    "region_name": "Region",
    "region_area_code": "Regional comparator code",
    "england_area_code": "National comparator code",
    "n_local_authorities": "Local authorities (n)",
    "local_authorities": "Local authorities",
    "population_all_ages": "Population, all ages",
    "population_65_plus": "Population aged 65+",
}
_SITE_NAMES = {
    "site_id": "SiteIds",
    "site_name": "SiteNames",
    "programme_wave": "SiteWaves",
    "announced": "SiteAnnounced",
    "region_name": "SiteRegionNames",
    "region_area_code": "SiteRegionCodes",
    "england_area_code": "SiteEnglandCodes",
    "n_local_authorities": "SiteAuthorityCounts",
    "local_authorities": "SiteAuthorities",
    "population_all_ages": "SitePopulation",
    "population_65_plus": "SitePopulation65",
}


def _write_sites(workbook: Workbook, sheet: Worksheet, content: WorkbookContent) -> None:
    columns = list(_SITE_HEADINGS)
    sheet.append([_text(_SITE_HEADINGS[c]) for c in columns])
    _style_header(sheet, 1, len(columns))
    for record in content.sites[columns].itertuples(index=False, name=None):
        sheet.append([_value(v) for v in record])
    last = sheet.max_row
    for offset, column in enumerate(columns, start=1):
        if column in _SITE_NAMES:
            _define(workbook, _SITE_NAMES[column], SITES, offset, 2, offset, last)
        if column == "announced":
            _format_column(sheet, offset, 2, last, DATE_FORMAT)
        elif column.startswith("population"):
            _format_column(sheet, offset, 2, last, COUNT_FORMAT)
    sheet.freeze_panes = "C2"
    _set_widths(sheet, {1: 26, 2: 40, 3: 10, 4: 13, 5: 12, 6: 26, 7: 14, 8: 14, 9: 10, 10: 70})
    _set_widths(sheet, {11: 14, 12: 14})


def _write_lists(workbook: Workbook, sheet: Worksheet, content: WorkbookContent) -> None:
    """Drop-down lists and the base-period lookup, used by the formulas."""
    heads = ["Local comparator", "Area code", "Area", "Area type", "", "Yes/No", ""]
    heads += ["Base key", "Site id", "Indicator id", "Base period"]
    sheet.append([_text(h) if h else None for h in heads])
    _style_header(sheet, 1, len(heads))
    local = content.local_choices
    rows = [(NO_LOCAL, "", "", "")]
    rows += list(local[["label", "area_code", "area_name", "area_type"]].itertuples(index=False))
    for offset, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=offset, column=column, value=_value(value) if value != "" else "")
    last_local = len(rows) + 1
    _define(workbook, "LocalLabels", LISTS, 1, 2, 1, last_local)
    _define(workbook, "LocalCodes", LISTS, 2, 2, 2, last_local)
    _define(workbook, "LocalNames", LISTS, 3, 2, 3, last_local)
    sheet.cell(row=2, column=6, value=YES)
    sheet.cell(row=3, column=6, value=NO)
    _define(workbook, "YesNo", LISTS, 6, 2, 6, 3)
    baselines = content.baselines
    for offset, (site_id, indicator_id, period) in enumerate(
        baselines[["site_id", "indicator_id", "baseline_period"]].itertuples(index=False),
        start=2,
    ):
        sheet.cell(row=offset, column=8, value=_key(site_id, indicator_id))
        sheet.cell(row=offset, column=9, value=_text(site_id))
        sheet.cell(row=offset, column=10, value=_text(indicator_id))
        sheet.cell(row=offset, column=11, value=_text(period))
    last_base = max(len(baselines) + 1, 2)
    _define(workbook, "BaselineKey", LISTS, 8, 2, 8, last_base)
    _define(workbook, "BaselinePeriod", LISTS, 11, 2, 11, last_base)
    sheet.freeze_panes = "A2"
    _set_widths(sheet, {1: 44, 2: 14, 3: 34, 4: 18, 5: 3, 6: 8, 7: 3, 8: 34, 9: 24, 10: 16})
    _set_widths(sheet, {11: 12})


_INDICATOR_HEADINGS = {
    "indicator_id": "Indicator id",
    "title": "Indicator",
    "short_title": "Short title",
    "dimension": "Dimension",
    "unit": "Unit",
    "polarity": "Polarity",
    "source": "Source",
}


def _write_indicators(sheet: Worksheet, content: WorkbookContent) -> None:
    columns = list(_INDICATOR_HEADINGS)
    sheet.append([_text(_INDICATOR_HEADINGS[c]) for c in columns])
    _style_header(sheet, 1, len(columns))
    for record in content.indicators[columns].itertuples(index=False, name=None):
        sheet.append([_value(v) for v in record])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "B2"
    _set_widths(sheet, {1: 18, 2: 50, 3: 28, 4: 30, 5: 26, 6: 18, 7: 60})


# --- the selected sheet ----------------------------------------------------------------


def _series_row(index: int) -> int:
    return _SERIES_ROW + index


def _write_selected(workbook: Workbook, sheet: Worksheet, content: WorkbookContent) -> _Layout:
    site_match = f"MATCH({SITE_INPUT},SiteNames,0)"
    sheet["A1"] = f'="Selected: "&{SITE_INPUT}'
    sheet["A1"].font = TITLE_FONT
    heads = ["Series", "Area", "Area code", "Shown", "Chart label"]
    for column, head in enumerate(heads, start=1):
        sheet.cell(row=_SERIES_ROW - 1, column=column, value=head)
    _style_header(sheet, _SERIES_ROW - 1, len(heads))
    formulas = {
        "site": (f"={SITE_INPUT}", f"=INDEX(SiteIds,{site_match})", "=TRUE()"),
        "local": (
            f'=IFERROR(INDEX(LocalNames,MATCH({LOCAL_INPUT},LocalLabels,0))&"","")',
            f'=IFERROR(INDEX(LocalCodes,MATCH({LOCAL_INPUT},LocalLabels,0))&"","")',
            f'=C{_series_row(1)}<>""',
        ),
        "region": (
            f"=INDEX(SiteRegionNames,{site_match})",
            f"=INDEX(SiteRegionCodes,{site_match})",
            f'={REGION_INPUT}="{YES}"',
        ),
        "england": (
            '="England"',
            f"=INDEX(SiteEnglandCodes,{site_match})",
            f'={ENGLAND_INPUT}="{YES}"',
        ),
    }
    for index, series in enumerate(SERIES):
        row = _series_row(index)
        name, code, shown = formulas[series]
        sheet.cell(row=row, column=1, value=SERIES_LABELS[series]).font = BOLD
        sheet.cell(row=row, column=2, value=name)
        sheet.cell(row=row, column=3, value=code)
        sheet.cell(row=row, column=4, value=shown)
        sheet.cell(row=row, column=5, value=f'=IF(D{row},B{row},"{NOT_CHOSEN}")')
    _define(workbook, "SelectedSiteId", SELECTED, 3, _series_row(0), 3, _series_row(0))

    indicators = content.indicators
    n_indicators = len(indicators)
    summary_header = _series_row(len(SERIES)) + 2
    sheet.cell(
        row=summary_header - 1, column=1, value="Change since announcement"
    ).font = HEADING_FONT
    heads = ["Indicator id", "Indicator", "Unit", "Base period", "Latest period"]
    for series in SERIES:
        label = SERIES_LABELS[series]
        heads += [f"{label}: base", f"{label}: latest", f"{label}: change %"]
    for column, head in enumerate(heads, start=1):
        sheet.cell(row=summary_header, column=column, value=head)
    _style_header(sheet, summary_header, len(heads))
    periods = content.periods()
    first = summary_header + 1
    for offset, row_data in enumerate(indicators.itertuples(index=False)):
        row = first + offset
        own = periods[periods["indicator_id"] == row_data.indicator_id]
        latest = own["period"].iloc[-1] if not own.empty else ""
        sheet.cell(row=row, column=1, value=_text(row_data.indicator_id))
        sheet.cell(row=row, column=2, value=_text(row_data.short_title))
        sheet.cell(row=row, column=3, value=_text(row_data.unit))
        sheet.cell(
            row=row,
            column=4,
            value=(
                f'=IFERROR(INDEX(BaselinePeriod,MATCH($C${_series_row(0)}&"{KEY_SEPARATOR}"'
                f'&$A{row},BaselineKey,0))&"","")'
            ),
        )
        sheet.cell(row=row, column=5, value=_text(latest))
        for index, _series in enumerate(SERIES):
            series_row = _series_row(index)
            base_helper = get_column_letter(_HELPER_COLUMN + 2 * index)
            latest_helper = get_column_letter(_HELPER_COLUMN + 2 * index + 1)
            for helper, period_column in ((base_helper, "D"), (latest_helper, "E")):
                sheet[f"{helper}{row}"] = (
                    f'=IF(AND($D${series_row},${period_column}{row}<>""),'
                    f"{_match(f'$A{row}', f'$C${series_row}', f'${period_column}{row}')},0)"
                )
            base_column = 6 + 3 * index
            base, latest_cell, change = (get_column_letter(base_column + k) for k in range(3))
            sheet[f"{base}{row}"] = _pick("DataValue", f"{base_helper}{row}")
            sheet[f"{latest_cell}{row}"] = _pick("DataValue", f"{latest_helper}{row}")
            sheet[f"{change}{row}"] = (
                f"=IFERROR(({latest_cell}{row}-{base}{row})/{base}{row}*100,NA())"
            )
            sheet[f"{base}{row}"].number_format = VALUE_FORMAT
            sheet[f"{latest_cell}{row}"].number_format = VALUE_FORMAT
            sheet[f"{change}{row}"].number_format = PERCENT_CHANGE_FORMAT
    summary_last = first + n_indicators - 1
    _define(workbook, SUMMARY_TABLE, SELECTED, 1, summary_header, len(heads), summary_last)
    _grey_errors(sheet, f"F{first}:{get_column_letter(len(heads))}{summary_last}", f"F{first}")

    series_header = summary_last + 3
    sheet.cell(row=series_header - 1, column=1, value="Indicators by period").font = HEADING_FONT
    heads = ["Indicator id", "Indicator", "Period", "Year"]
    for series in SERIES:
        label = SERIES_LABELS[series]
        heads += [f"{label}: value", f"{label}: lower 95%", f"{label}: upper 95%"]
    for column, head in enumerate(heads, start=1):
        sheet.cell(row=series_header, column=column, value=head)
    _style_header(sheet, series_header, len(heads))
    titles = dict(zip(indicators["indicator_id"], indicators["short_title"], strict=True))
    units = dict(zip(indicators["indicator_id"], indicators["unit"], strict=True))
    row = series_header + 1
    blocks = []
    for indicator_id in indicators["indicator_id"]:
        own = periods[periods["indicator_id"] == indicator_id]
        block_first = row
        for period, year in zip(own["period"], own["year"], strict=True):
            sheet.cell(row=row, column=1, value=_text(indicator_id))
            sheet.cell(row=row, column=2, value=_text(titles[indicator_id]))
            sheet.cell(row=row, column=3, value=_text(period))
            sheet.cell(row=row, column=4, value=int(year))
            for index, _series in enumerate(SERIES):
                series_row = _series_row(index)
                helper = f"{get_column_letter(_HELPER_COLUMN + index)}{row}"
                sheet[helper] = (
                    f"=IF($D${series_row},{_match(f'$A{row}', f'$C${series_row}', f'$C{row}')},0)"
                )
                for k, source in enumerate(("DataValue", "DataLower95", "DataUpper95")):
                    cell = sheet.cell(row=row, column=5 + 3 * index + k)
                    cell.value = _pick(source, helper)
                    cell.number_format = VALUE_FORMAT
            row += 1
        if row > block_first:
            blocks.append(
                (
                    indicator_id,
                    str(titles[indicator_id]),
                    str(units[indicator_id]),
                    block_first,
                    row - 1,
                )
            )
            safe = _NAME_UNSAFE.sub("_", str(indicator_id))
            for index, series in enumerate(SERIES):
                column = 5 + 3 * index
                _define(
                    workbook, f"Sel_{safe}_{series}", SELECTED, column, block_first, column, row - 1
                )
    last = max(row - 1, series_header)
    _define(workbook, SERIES_TABLE, SELECTED, 1, series_header, len(heads), last)
    if last > series_header:
        _grey_errors(
            sheet,
            f"E{series_header + 1}:{get_column_letter(len(heads))}{last}",
            f"E{series_header + 1}",
        )

    helper_heads = []
    for series in SERIES:
        helper_heads += [f"{series}: base row", f"{series}: latest row"]
    for offset, head in enumerate(helper_heads):
        sheet.cell(row=summary_header, column=_HELPER_COLUMN + offset, value=head)
    for offset, series in enumerate(SERIES):
        sheet.cell(row=series_header, column=_HELPER_COLUMN + offset, value=f"{series}: data row")
    for offset in range(len(helper_heads)):
        letter = get_column_letter(_HELPER_COLUMN + offset)
        sheet.column_dimensions[letter].hidden = True
    sheet.freeze_panes = f"C{_SERIES_ROW}"
    _set_widths(sheet, {1: 18, 2: 34, 3: 14, 4: 10, 5: 14})
    _set_widths(sheet, {c: 13 for c in range(6, 6 + 3 * len(SERIES))})
    return _Layout(
        summary_header=summary_header,
        summary_first=first,
        summary_last=summary_last,
        series_header=series_header,
        blocks=tuple(blocks),
    )


def _match(indicator: str, code: str, period: str) -> str:
    """The data-sheet row (1-based within DataKey) of one lookup key, or 0."""
    sep = f'"{KEY_SEPARATOR}"'
    return f"IFERROR(MATCH({indicator}&{sep}&{code}&{sep}&{period},DataKey,0),0)"


def _pick(source: str, helper: str) -> str:
    """A value from a data column by helper row; #N/A when absent or blank (gaps in charts)."""
    return f'=IF({helper}=0,NA(),IF(INDEX({source},{helper})="",NA(),INDEX({source},{helper})))'


def _grey_errors(sheet: Worksheet, cells: str, top_left: str) -> None:
    sheet.conditional_formatting.add(
        cells, FormulaRule(formula=[f"ISNA({top_left})"], font=Font(color="BFBFBF"))
    )


# --- the cover sheet ---------------------------------------------------------------------


def _write_cover(
    workbook: Workbook,
    sheet: Worksheet,
    content: WorkbookContent,
    layout: _Layout,
    choice: dict[str, str],
) -> None:
    site_match = f"MATCH({SITE_INPUT},SiteNames,0)"
    sheet["A1"] = _text(content.title)
    sheet["A1"].font = TITLE_FONT
    sheet["A2"] = _text(
        f"{len(content.sites)} sites; {len(content.indicators)} indicators. Choose a site and "
        "its comparators in the yellow cells: the charts below and the Selected sheet follow."
    )
    sheet["A2"].font = MUTED

    sheet["A4"] = "1. Site"
    sheet["A4"].font = HEADING_FONT
    _input(sheet, "B5", _text(choice["site"]), "SiteNames", "Choose a site from the list.")
    sheet["A5"] = "Site"
    _define_cell(workbook, SITE_INPUT, COVER, "B5")

    sheet["A7"] = "2. Comparators"
    sheet["A7"].font = HEADING_FONT
    sheet["A8"] = "Local comparator"
    _input(
        sheet,
        "B8",
        _text(choice["local"]),
        "LocalLabels",
        "Choose another site, a group or an authority.",
    )
    sheet["C8"] = "another Pioneer, a comparator group or a local authority"
    sheet["C8"].font = MUTED
    _define_cell(workbook, LOCAL_INPUT, COVER, "B8")
    sheet["A9"] = "Regional comparator"
    _input(sheet, "B9", choice["region"], "YesNo", "Yes or No.")
    sheet["C9"] = f'=IFERROR(INDEX(SiteRegionNames,{site_match}),"")'
    _define_cell(workbook, REGION_INPUT, COVER, "B9")
    sheet["A10"] = "National comparator (England)"
    _input(sheet, "B10", choice["england"], "YesNo", "Yes or No.")
    _define_cell(workbook, ENGLAND_INPUT, COVER, "B10")

    sheet["A12"] = "3. About the site"
    sheet["A12"].font = HEADING_FONT
    year = f" (mid-{content.population_year})" if content.population_year else ""
    facts = (
        ("Programme wave", "SiteWaves", "0"),
        ("Announced", "SiteAnnounced", DATE_FORMAT),
        ("Region", "SiteRegionNames", None),
        ("Local authorities", "SiteAuthorities", None),
        (f"Population, all ages{year}", "SitePopulation", COUNT_FORMAT),
        (f"Population aged 65+{year}", "SitePopulation65", COUNT_FORMAT),
    )
    for offset, (label, name, number_format) in enumerate(facts):
        row = 13 + offset
        sheet.cell(row=row, column=1, value=_text(label))
        cell = sheet.cell(row=row, column=2, value=f'=IFERROR(INDEX({name},{site_match}),"")')
        cell.alignment = Alignment(horizontal="left", wrap_text=name == "SiteAuthorities")
        if number_format:
            cell.number_format = number_format
    sheet.merge_cells("B16:C16")
    sheet.row_dimensions[16].height = 30
    sheet["A20"] = _text(
        "The numbers behind the charts are on the Selected sheet; every area's data is on the "
        "Data sheet; sources and methods on the Methods sheet. Not for league tables."
    )
    sheet["A20"].font = MUTED

    _add_charts(sheet, content, layout)
    _set_widths(sheet, {1: 32, 2: 44, 3: 52})
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _input(sheet: Worksheet, ref: str, value: str, list_name: str, prompt: str) -> None:
    cell = sheet[ref]
    cell.value = value
    cell.fill = INPUT_FILL
    cell.border = INPUT_BORDER
    cell.font = BOLD
    validation = DataValidation(
        type="list",
        formula1=list_name,
        allow_blank=False,
        showErrorMessage=True,
        errorTitle="Not in the list",
        error="Pick a value from the drop-down list.",
        showInputMessage=True,
        prompt=prompt,
    )
    sheet.add_data_validation(validation)
    validation.add(ref)


def _add_charts(sheet: Worksheet, content: WorkbookContent, layout: _Layout) -> None:
    selected = quote_sheetname(SELECTED)
    labels = [f"{selected}!$E${_series_row(i)}" for i in range(len(SERIES))]
    anchor_row = 22
    bar = BarChart()
    bar.type = "col"
    bar.title = "Change since announcement (%)"
    bar.y_axis.title = "% change, latest period against base"
    for index, label in enumerate(labels):
        column = 6 + 3 * index + 2
        values = Reference(
            sheet.parent[SELECTED],
            min_col=column,
            min_row=layout.summary_first,
            max_row=layout.summary_last,
        )
        series = Series(values)
        series.tx = SeriesLabel(strRef=StrRef(label))
        bar.series.append(series)
    _text_categories(bar, 2, layout.summary_first, layout.summary_last)
    _finish_chart(bar)
    bar.x_axis.tickLblPos = "low"  # indicator names below the bars, even when negative
    sheet.add_chart(bar, f"A{anchor_row}")
    for number, (_indicator_id, title, unit, first, last) in enumerate(layout.blocks, start=1):
        line = LineChart()
        line.title = _chart_text(title)
        line.y_axis.title = _chart_text(unit)
        for index, label in enumerate(labels):
            values = Reference(
                sheet.parent[SELECTED], min_col=5 + 3 * index, min_row=first, max_row=last
            )
            series = Series(values)
            series.tx = SeriesLabel(strRef=StrRef(label))
            series.marker.symbol = "circle"
            series.smooth = False
            line.series.append(series)
        _text_categories(line, 3, first, last)
        _finish_chart(line)
        sheet.add_chart(line, f"A{anchor_row + 18 * number}")


def _text_categories(chart: BarChart | LineChart, column: int, first: int, last: int) -> None:
    """Category labels read as text (periods, indicator names) from the selected sheet."""
    letter = get_column_letter(column)
    ref = f"{quote_sheetname(SELECTED)}!${letter}${first}:${letter}${last}"
    for series in chart.series:
        series.cat = AxDataSource(strRef=StrRef(ref))


def _finish_chart(chart: BarChart | LineChart) -> None:
    chart.height = 8.5
    chart.width = 20
    chart.legend.position = "b"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.display_blanks = "gap"


def _chart_text(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", str(text))


# --- context and methods ------------------------------------------------------------------

_AUTHORITY_HEADINGS = {
    "site_name": "Site",
    "local_authority": "Local authority",
    "lad19cd": "Code (2019)",
    "lad18cd": "Code (2018)",
    "upper_tier": "Upper-tier authority",
    "region_name": "Region",
    "coverage": "Coverage",
    "share_of_lad_lsoas": "Share of LSOAs in the site",
    "certainty": "Footprint certainty",
    "population_all_ages": "Population, all ages",
    "population_65_plus": "Population aged 65+",
}


def _write_context(sheet: Worksheet, content: WorkbookContent) -> None:
    site_match = f"MATCH({SITE_INPUT},SiteNames,0)"
    sheet["A1"] = f'="Context: "&{SITE_INPUT}'
    sheet["A1"].font = TITLE_FONT
    year = f" (mid-{content.population_year})" if content.population_year else ""
    facts = (
        ("Programme wave", "SiteWaves", "0"),
        ("Announced", "SiteAnnounced", DATE_FORMAT),
        ("Region", "SiteRegionNames", None),
        ("Number of member local authorities", "SiteAuthorityCounts", "0"),
        ("Member local authorities", "SiteAuthorities", None),
        (f"Population, all ages{year}", "SitePopulation", COUNT_FORMAT),
        (f"Population aged 65+{year}", "SitePopulation65", COUNT_FORMAT),
    )
    for offset, (label, name, number_format) in enumerate(facts):
        row = 3 + offset
        sheet.cell(row=row, column=1, value=_text(label)).font = BOLD
        cell = sheet.cell(row=row, column=2, value=f'=IFERROR(INDEX({name},{site_match}),"")')
        cell.alignment = Alignment(horizontal="left", wrap_text=True)
        if number_format:
            cell.number_format = number_format
    row = 3 + len(facts) + 1
    sheet.cell(
        row=row, column=1, value="Member local authorities of every site"
    ).font = HEADING_FONT
    sheet.cell(
        row=row + 1,
        column=1,
        value=_text(
            "Populations of authorities covered in part are whole-authority figures; a "
            "site's population counts them by their share of LSOAs."
        ),
    ).font = MUTED
    header = row + 2
    columns = list(_AUTHORITY_HEADINGS)
    for column, name in enumerate(columns, start=1):
        sheet.cell(row=header, column=column, value=_text(_AUTHORITY_HEADINGS[name]))
    _style_header(sheet, header, len(columns))
    for offset, record in enumerate(
        content.authorities[columns].itertuples(index=False, name=None), start=1
    ):
        for column, value in enumerate(record, start=1):
            cell = sheet.cell(row=header + offset, column=column, value=_value(value))
            name = columns[column - 1]
            if name.startswith("population"):
                cell.number_format = COUNT_FORMAT
            elif name == "share_of_lad_lsoas":
                cell.number_format = "0.0%"
    sheet.freeze_panes = f"B{header + 1}"
    _set_widths(sheet, {1: 40, 2: 60, 3: 12, 4: 12, 5: 26, 6: 24, 7: 10, 8: 12, 9: 12})
    _set_widths(sheet, {10: 14, 11: 14})


def _write_methods(sheet: Worksheet, content: WorkbookContent) -> None:
    sheet["A1"] = "Methods and sources"
    sheet["A1"].font = TITLE_FONT
    row = 3
    for heading, text in content.methods:
        sheet.cell(row=row, column=1, value=_text(heading)).font = BOLD
        cell = sheet.cell(row=row, column=2, value=_text(text))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[row].height = max(15, 15 * (len(text) // 95 + 1))
        row += 1
    _set_widths(sheet, {1: 30, 2: 110})


# --- cells and names ------------------------------------------------------------------------


def _text(value: object) -> str:
    """A text cell: illegal XML characters dropped, formulas neutralised."""
    return neutralise_cell(ILLEGAL_CHARACTERS_RE.sub("", str(value)))  # type: ignore[return-value]


def _value(value: object) -> object:
    """A data cell: numbers as numbers, dates as dates, text made safe, missing as empty."""
    value = plain(value)
    if value is None or isinstance(value, bool | int | float | date):
        return value
    return _text(value)


def _key(*parts: object) -> str:
    """The lookup key exactly as the formulas build it from the (safe) cells."""
    return _text(KEY_SEPARATOR.join(_text(p) for p in parts))


def _define(
    workbook: Workbook,
    name: str,
    sheet: str,
    min_col: int,
    min_row: int,
    max_col: int,
    max_row: int,
) -> None:
    ref = (
        f"{quote_sheetname(sheet)}!${get_column_letter(min_col)}${min_row}:"
        f"${get_column_letter(max_col)}${max_row}"
    )
    workbook.defined_names[name] = DefinedName(name, attr_text=ref)


def _define_cell(workbook: Workbook, name: str, sheet: str, ref: str) -> None:
    column = re.match(r"[A-Z]+", ref)[0]  # type: ignore[index]
    row = ref[len(column) :]
    workbook.defined_names[name] = DefinedName(
        name, attr_text=f"{quote_sheetname(sheet)}!${column}${row}"
    )


def _style_header(sheet: Worksheet, row: int, n_columns: int) -> None:
    for column in range(1, n_columns + 1):
        cell = sheet.cell(row=row, column=column)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _format_column(sheet: Worksheet, column: int, first: int, last: int, fmt: str) -> None:
    for (cell,) in sheet.iter_rows(min_row=first, max_row=last, min_col=column, max_col=column):
        cell.number_format = fmt


def _set_widths(sheet: Worksheet, widths: dict[int, int]) -> None:
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = width
