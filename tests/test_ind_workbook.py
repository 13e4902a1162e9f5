"""The site workbook: its content (pioneer.indicators.workbook) and the XLSX layout.

Small hand-made frames; the expected values are written out by hand beside each test.
Recalculation by LibreOffice is in ``test_ind_workbook_recalc.py``.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import openpyxl
import pandas as pd
import pytest

from pioneer.errors import AnalysisError
from pioneer.indicators import workbook as wbk
from pioneer.reports import site_workbook as sw

FALLS_PERIODS = ("2011/12", "2012/13", "2013/14", "2014/15")
CARERS_PERIODS = ("2012", "2013", "2014", "2015")
#: area code, name, type, base value: falls65 = base + 10 k, carers = (base + 10 k + 1) / 100
#: for the k-th period.
AREAS = (
    ("alpha", "Alpha", "Pioneer site", 1000.0),
    ("beta", "Beta", "Pioneer site", 2000.0),
    ("gamma", "Gamma", "Pioneer site", 3000.0),
    ("E12000001", "North East", "Region", 4000.0),
    ("E12000002", "North West", "Region", 5000.0),
    ("E92000001", "England", "England", 6000.0),
    ("E06000001", "Hartlepool", "District & UA", 7000.0),
    ("pioneers", "All Pioneers", "Comparator group", 8000.0),
    ("@evil", "=1+2", "District & UA", 9000.0),
)
#: The label the local-comparator list gives the hostile area, as stored (neutralised).
EVIL_LABEL = "'=1+2 (local authority)"


def small_frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """data, indicators, sites, authorities for three sites and two indicators.

    Gaps: gamma has no falls65 row for 2014/15; the hostile area's falls65 value for
    2013/14 is blank (suppressed). Every value carries 95% limits of value ± 5 (± 0.05
    for carers).
    """
    rows = []
    for indicator_id, periods, scale, age in (
        ("falls65", FALLS_PERIODS, 1.0, "65+ yrs"),
        ("carers", CARERS_PERIODS, 0.01, "18+ yrs"),
    ):
        for code, name, kind, base in AREAS:
            for k, period in enumerate(periods):
                if code == "gamma" and period == "2014/15":
                    continue
                value = (base + 10 * k + (1 if indicator_id == "carers" else 0)) * scale
                lower, upper = value - 5 * scale, value + 5 * scale
                if code == "@evil" and period == "2013/14":
                    value = lower = upper = np.nan
                rows.append(
                    {
                        "indicator_id": indicator_id,
                        "area_code": code,
                        "area_name": name,
                        "area_type": kind,
                        "period": period,
                        "year": int(period[:4]),
                        "sex": "Persons",
                        "age": age,
                        "numerator": np.nan,
                        "denominator": np.nan,
                        "value": value,
                        "lower_95": lower,
                        "upper_95": upper,
                        "lower_99_8": np.nan,
                        "upper_99_8": np.nan,
                        "fingertips_comparison": "",
                        "approximation": "+weighted mean" if code == "beta" else "",
                    }
                )
    data = pd.DataFrame(rows)
    indicators = pd.DataFrame(
        {
            "indicator_id": ["falls65", "carers"],
            "title": ["Emergency admissions for falls, 65+", "Carers satisfied with support"],
            "short_title": ["Falls 65+", "@Carer satisfaction"],
            "dimension": ["Service proxies for outcomes", "User/carer experience"],
            "unit": ["per 100,000", "%"],
            "polarity": ["lower_is_better", "higher_is_better"],
            "source": ["Fingertips indicator 22401", "=made up"],
        }
    )
    sites = pd.DataFrame(
        {
            "site_id": ["alpha", "beta", "gamma"],
            "site_name": ["Alpha", "Beta", "Gamma"],
            "programme_wave": [1, 2, 1],
            "announced": [date(2013, 11, 1), date(2015, 1, 27), date(2013, 11, 1)],
            "region_code": ["E12000001", "E12000001", "E12000002"],
            "region_name": ["North East", "North East", "North West"],
            "region_area_code": ["E12000001", "E12000001", "E12000002"],
            "england_area_code": ["E92000001"] * 3,
            "n_local_authorities": [1, 2, 1],
            "local_authorities": ["A1", "B1; B2 (part)", "G1"],
            "population_all_ages": [100.0, 200.0, np.nan],
            "population_65_plus": [10.0, 20.0, np.nan],
        }
    )
    authorities = pd.DataFrame(
        {
            "site_id": ["alpha", "beta", "beta", "gamma"],
            "site_name": ["Alpha", "Beta", "Beta", "Gamma"],
            "local_authority": ["A1", "B1", "-B2", "G1"],
            "lad19cd": ["E1", "E2", "E3", "E4"],
            "lad18cd": ["E1", "E2", "E3", "E4"],
            "upper_tier": ["U"] * 4,
            "region_name": ["North East", "North East", "North East", "North West"],
            "coverage": ["whole", "whole", "part", "whole"],
            "share_of_lad_lsoas": [1.0, 1.0, 0.5, 1.0],
            "certainty": ["stated"] * 4,
            "population_all_ages": [100.0, 150.0, 100.0, np.nan],
            "population_65_plus": [10.0, 15.0, 10.0, np.nan],
        }
    )
    return data, indicators, sites, authorities


def small_content() -> wbk.WorkbookContent:
    data, indicators, sites, authorities = small_frames()
    return wbk.build_content(data, indicators, sites, authorities, population_year=2019)


# --- content ---------------------------------------------------------------------------


def test_period_end_reads_financial_calendar_and_pooled_periods():
    assert wbk.period_end("2012/13") == date(2013, 3, 31)
    assert wbk.period_end("1999/00") == date(2000, 3, 31)
    assert wbk.period_end("2013") == date(2013, 12, 31)
    assert wbk.period_end("2015/16 - 17/18") == date(2018, 3, 31)
    assert wbk.period_end("2014 - 16") == date(2016, 12, 31)
    assert wbk.period_end("Q1 2016") is None


def test_baseline_is_the_last_period_ended_before_the_announcement():
    content = small_content()
    base = {
        (s, i): p
        for s, i, p in content.baselines[["site_id", "indicator_id", "baseline_period"]].itertuples(
            index=False
        )
    }
    # alpha, announced 1 Nov 2013: 2012/13 ended 31 Mar 2013; 2013/14 ends 31 Mar 2014.
    assert base[("alpha", "falls65")] == "2012/13"
    # calendar 2012 ended 31 Dec 2012; 2013 ends 31 Dec 2013, after the announcement.
    assert base[("alpha", "carers")] == "2012"
    # beta, announced 27 Jan 2015: 2013/14 ended 31 Mar 2014; 2014 ended 31 Dec 2014.
    assert base[("beta", "falls65")] == "2013/14"
    assert base[("beta", "carers")] == "2014"


def test_a_site_announced_before_every_period_has_no_baseline():
    data, indicators, sites, authorities = small_frames()
    sites.loc[0, "announced"] = date(2010, 1, 1)
    content = wbk.build_content(data, indicators, sites, authorities)
    rows = content.baselines[content.baselines["site_id"] == "alpha"]
    assert list(rows["baseline_period"]) == ["", ""]
    summary = wbk.change_summary(content, "alpha")
    assert summary["change_percent"].isna().all()


def test_periods_keep_indicator_order_and_run_by_year():
    periods = small_content().periods()
    assert list(periods["indicator_id"]) == ["falls65"] * 4 + ["carers"] * 4
    assert list(periods["period"]) == [*FALLS_PERIODS, *CARERS_PERIODS]


def test_local_choices_label_each_area_with_its_kind_sites_first():
    choices = small_content().local_choices
    assert list(choices["label"]) == [
        "Alpha (Pioneer)",
        "Beta (Pioneer)",
        "Gamma (Pioneer)",
        "All Pioneers (group)",
        "=1+2 (local authority)",
        "Hartlepool (local authority)",
    ]
    assert "E92000001" not in set(choices["area_code"])


def test_local_choices_keep_same_named_areas_apart():
    data = pd.DataFrame(
        {
            "area_code": ["barnsley", "E08000016", "X1", "X2"],
            "area_name": ["Barnsley", "Barnsley", "Twin", "Twin"],
            "area_type": ["Pioneer site", "District & UA", "District & UA", "District & UA"],
        }
    )
    labels = list(wbk.local_choice_frame(data)["label"])
    assert labels == [
        "Barnsley (Pioneer)",
        "Barnsley (local authority)",
        "Twin (local authority) X1",
        "Twin (local authority) X2",
    ]


def test_selection_picks_the_site_and_the_ticked_comparators():
    content = small_content()
    chosen = wbk.selection(content, "beta", local="Hartlepool (local authority)", region=False)
    falls = chosen[chosen["indicator_id"] == "falls65"].pivot(
        index="period", columns="series", values="value"
    )
    # beta: 2000 + 10 k; Hartlepool 7000 + 10 k; England 6000 + 10 k; region not ticked.
    assert list(falls["site"]) == [2000, 2010, 2020, 2030]
    assert list(falls["local"]) == [7000, 7010, 7020, 7030]
    assert list(falls["england"]) == [6000, 6010, 6020, 6030]
    assert falls["region"].isna().all()
    site_row = chosen[(chosen["series"] == "site") & (chosen["period"] == "2012")]
    # carers 2012 for beta: (2000 + 0 + 1) / 100 = 20.01, limits ± 0.05.
    assert site_row[["value", "lower_95", "upper_95"]].iloc[0].tolist() == pytest.approx(
        [20.01, 19.96, 20.06]
    )


def test_selection_leaves_missing_rows_and_blank_values_empty():
    content = small_content()
    chosen = wbk.selection(content, "gamma", local=EVIL_LABEL[1:])
    falls = chosen[chosen["indicator_id"] == "falls65"].pivot(
        index="period", columns="series", values="value"
    )
    assert np.isnan(falls.loc["2014/15", "site"])  # gamma has no 2014/15 row
    assert np.isnan(falls.loc["2013/14", "local"])  # published blank
    assert falls.loc["2012/13", "local"] == 9010
    assert list(falls["region"]) == [5000, 5010, 5020, 5030]  # North West


def test_change_summary_by_hand():
    content = small_content()
    summary = wbk.change_summary(content, "alpha").set_index(["indicator_id", "series"])
    falls_site = summary.loc[("falls65", "site")]
    assert (falls_site["baseline_period"], falls_site["latest_period"]) == ("2012/13", "2014/15")
    # (1030 - 1010) / 1010 x 100 = 1.980198...
    assert falls_site["change_percent"] == pytest.approx(100 * 20 / 1010)
    # region North East: (4030 - 4010) / 4010 x 100
    assert summary.loc[("falls65", "region"), "change_percent"] == pytest.approx(100 * 20 / 4010)
    # carers, alpha: (10.31 - 10.01) / 10.01 x 100
    assert summary.loc[("carers", "site"), "change_percent"] == pytest.approx(100 * 0.30 / 10.01)
    assert np.isnan(summary.loc[("carers", "local"), "change_percent"])  # no local chosen
    gamma = wbk.change_summary(content, "gamma").set_index(["indicator_id", "series"])
    assert np.isnan(gamma.loc[("falls65", "site"), "latest_value"])  # no 2014/15 row


def test_methods_name_sources_statistics_and_the_approximations_used():
    content = small_content()
    methods = dict(content.methods)
    assert "Fingertips indicator 22401" in methods["Source: Emergency admissions for falls, 65+"]
    assert "2011/12 to 2014/15" in methods["Source: Emergency admissions for falls, 65+"]
    assert "Wilson" in methods["Statistics"]
    assert "Dobson" in methods["Statistics"]
    assert "polarity" in methods["Benchmarking"]
    # beta's 8 rows carry an approximation note
    assert methods["Approximations in the data"].startswith("8 of 71 rows are approximated;")
    assert "'+weighted mean'" in methods["Approximations in the data"]
    assert "mid-2019" in methods["Context"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d, i, s, a: (pd.concat([d, d.iloc[:1]]), i, s, a), "more than one row"),
        (lambda d, i, s, a: (d.drop(columns="value"), i, s, a), "value"),
        (lambda d, i, s, a: (d, i.iloc[:1], s, a), "does not describe"),
        (lambda d, i, s, a: (d.assign(period=d["period"] + "|x"), i, s, a), "'|'"),
        (lambda d, i, s, a: (d, i, s.assign(site_name="Same"), a), "site_name"),
    ],
)
def test_content_checks_its_frames(change, message):
    data, indicators, sites, authorities = change(*small_frames())
    with pytest.raises(AnalysisError, match=re.escape(message)):
        wbk.build_content(data, indicators, sites, authorities)


def test_unknown_default_site_and_local_label_are_refused():
    data, indicators, sites, authorities = small_frames()
    with pytest.raises(AnalysisError, match="default site 'delta'"):
        wbk.build_content(data, indicators, sites, authorities, default_site="delta")
    with pytest.raises(AnalysisError, match="not a local comparator"):
        wbk.selection(small_content(), "alpha", local="Nowhere")
    with pytest.raises(AnalysisError, match="no site 'delta'"):
        wbk.selection(small_content(), "delta")


# --- the XLSX ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    path = tmp_path_factory.mktemp("workbook") / "sites.xlsx"
    sw.write_site_workbook(small_content(), path)
    return openpyxl.load_workbook(path)


def _name(workbook, name):
    return workbook.defined_names[name].attr_text


def test_sheets_and_the_cover_inputs(written):
    assert written.sheetnames == list(sw.SHEETS)
    cover = written["Cover"]
    assert _name(written, sw.SITE_INPUT) == "'Cover'!$B$5"
    assert cover["B5"].value == "Alpha"  # the first site by default
    assert cover["B8"].value == wbk.NO_LOCAL
    assert (cover["B9"].value, cover["B10"].value) == ("Yes", "Yes")
    validations = {str(v.sqref): v.formula1 for v in cover.data_validations.dataValidation}
    assert validations == {"B5": "SiteNames", "B8": "LocalLabels", "B9": "YesNo", "B10": "YesNo"}
    assert all(v.type == "list" for v in cover.data_validations.dataValidation)


def test_defined_names_cover_the_lookup_ranges(written):
    # 3 sites in rows 2-4 of Sites; 6 local choices plus None in rows 2-8 of Lists;
    # 2 indicators x 9 areas x 4 periods, less gamma's missing row = 71 data rows.
    assert _name(written, "SiteNames") == "'Sites'!$B$2:$B$4"
    assert _name(written, "LocalLabels") == "'Lists'!$A$2:$A$8"
    assert _name(written, "DataKey") == "'Data'!$R$2:$R$72"
    assert _name(written, "DataValue") == "'Data'!$K$2:$K$72"
    assert _name(written, "BaselineKey") == "'Lists'!$H$2:$H$7"
    data = written["Data"]
    assert data.max_row == 72
    assert [c.value for c in data[1]][-1] == "lookup_key"
    assert data["R2"].value == "falls65|alpha|2011/12"
    assert data.freeze_panes == "C2"


def test_every_formula_uses_functions_excel_2010_and_libreoffice_share(written):
    allowed = {"INDEX", "MATCH", "IF", "IFERROR", "NA", "AND", "TRUE", "ISNA"}
    used = set()
    n_formulas = 0
    for sheet in written.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    n_formulas += 1
                    used |= set(re.findall(r"([A-Z][A-Z0-9.]*)\(", cell.value))
    # 4 series cells x 4 + title; 2 summary rows x (1 + 8 helpers + 12 values);
    # 8 period rows x (4 helpers + 12 values); cover and context facts.
    assert n_formulas > 150
    assert used <= allowed, used - allowed


def test_formula_cells_exist_only_where_the_writer_puts_them(written):
    for name in ("Data", "Sites", "Indicators", "Lists", "Methods"):
        sheet = written[name]
        formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
        assert formulas == [], (name, formulas)


def test_text_from_data_is_neutralised(written):
    data = written["Data"]
    names = {c.value for (c,) in data.iter_rows(min_col=3, max_col=3)}
    codes = {c.value for (c,) in data.iter_rows(min_col=2, max_col=2)}
    assert "'=1+2" in names
    assert "=1+2" not in names
    assert "'@evil" in codes
    approximations = {c.value for (c,) in data.iter_rows(min_col=17, max_col=17)}
    assert "'+weighted mean" in approximations
    # the key is built from the neutralised parts, as the formulas build it
    keys = {c.value for (c,) in data.iter_rows(min_col=18, max_col=18)}
    assert "falls65|'@evil|2012/13" in keys
    assert written["Lists"]["A7"].value == EVIL_LABEL
    assert written["Indicators"]["C3"].value == "'@Carer satisfaction"
    assert written["Indicators"]["G3"].value == "'=made up"
    authorities = [c.value for row in written["Context"].iter_rows() for c in row]
    assert "'-B2" in authorities


def test_selected_sheet_looks_values_up_by_key(written):
    sheet = written["Selected"]
    assert _name(written, sw.SERIES_TABLE) == "'Selected'!$A$15:$P$23"
    assert _name(written, sw.SUMMARY_TABLE) == "'Selected'!$A$10:$Q$12"
    assert [c.value for c in sheet[15]][:5] == [
        "Indicator id",
        "Indicator",
        "Period",
        "Year",
        "Site: value",
    ]
    assert [sheet.cell(row=r, column=3).value for r in range(16, 24)] == [
        *FALLS_PERIODS,
        *CARERS_PERIODS,
    ]
    assert sheet["V16"].value == ('=IF($D$4,IFERROR(MATCH($A16&"|"&$C$4&"|"&$C16,DataKey,0),0),0)')
    assert sheet["E16"].value == (
        '=IF(V16=0,NA(),IF(INDEX(DataValue,V16)="",NA(),INDEX(DataValue,V16)))'
    )
    assert sheet.column_dimensions["V"].hidden
    assert _name(written, "Sel_falls65_site") == "'Selected'!$E$16:$E$19"


def test_charts_follow_the_selected_cells(written):
    charts = written["Cover"]._charts
    assert len(charts) == 3  # the change summary and one per indicator
    summary, falls, _carers = charts
    refs = [s.val.numRef.f for s in falls.series]
    assert refs == [
        "'Selected'!$E$16:$E$19",
        "'Selected'!$H$16:$H$19",
        "'Selected'!$K$16:$K$19",
        "'Selected'!$N$16:$N$19",
    ]
    assert [s.tx.strRef.f for s in falls.series] == [f"'Selected'!$E${row}" for row in range(4, 8)]
    assert {s.cat.strRef.f for s in falls.series} == {"'Selected'!$C$16:$C$19"}
    assert [s.val.numRef.f for s in summary.series] == [
        f"'Selected'!${c}$11:${c}$12" for c in "HKNQ"
    ]


def test_workbook_recalculates_on_open_and_has_no_cached_values(tmp_path):
    path = sw.write_site_workbook(small_content(), tmp_path / "w.xlsx")
    workbook = openpyxl.load_workbook(path)
    assert workbook.calculation.fullCalcOnLoad
    values = openpyxl.load_workbook(path, data_only=True)["Selected"]
    assert values["E16"].value is None  # nothing cached: the spreadsheet computes it


def test_the_workbook_can_open_on_another_choice(tmp_path):
    content = small_content()
    path = sw.write_site_workbook(
        content, tmp_path / "w.xlsx", site="gamma", local=EVIL_LABEL[1:], region=False
    )
    cover = openpyxl.load_workbook(path)["Cover"]
    assert [cover[c].value for c in ("B5", "B8", "B9", "B10")] == [
        "Gamma",
        EVIL_LABEL,
        "No",
        "Yes",
    ]
    with pytest.raises(AnalysisError, match="not a local comparator"):
        sw.write_site_workbook(content, tmp_path / "x.xlsx", local="Nowhere")
    with pytest.raises(AnalysisError, match="no site 'delta'"):
        sw.write_site_workbook(content, tmp_path / "x.xlsx", site="delta")
