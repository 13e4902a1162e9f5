"""The site workbook recalculates when opened: LibreOffice computes every formula.

The workbook is written with no cached results; LibreOffice (headless) opens it, computes
it and saves a copy, whose values are read back with openpyxl (``data_only=True``) and
compared with what :mod:`pioneer.indicators.workbook` computes in Python, and with hand
values. The LibreOffice profile used sets "recalculate on load: always" for Excel files
(``OOXMLRecalcMode`` = 0), so stale cached values could not pass either.

Needs ``soffice``: ``apt-get install -y --no-install-recommends libreoffice-calc-nogui``.
Each conversion takes a few seconds, so the conversions are few and marked ``functional``.
The workbook assembled from the packaged real data is checked here too (it takes seconds
to build, so it is built once for both of its tests).
"""

from __future__ import annotations

import math
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from pioneer.indicators import ingest
from pioneer.indicators import workbook as wbk
from pioneer.programme import load
from pioneer.reports import site_workbook as sw
from test_ind_workbook import EVIL_LABEL, small_content

INSTALL = "apt-get install -y --no-install-recommends libreoffice-calc-nogui"
#: LibreOffice settings: recalculate Excel (and ODF) files on load, always.
RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


@pytest.fixture(scope="module")
def soffice() -> str:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(
        "LibreOffice (soffice) is not installed, so recalculation cannot be checked; "
        f"install it with `{INSTALL}`"
    )


@pytest.fixture(scope="module")
def profile(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("lo-profile")
    (folder / "user").mkdir()
    (folder / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
    return folder


def recalculate(soffice: str, profile: Path, path: Path) -> Path:
    """LibreOffice's recalculated copy of ``path`` (in a sibling folder)."""
    out = path.parent / "recalculated"
    command = [
        soffice,
        "--headless",
        "--norestore",
        f"-env:UserInstallation={profile.as_uri()}",
        "--convert-to",
        "xlsx",
        "--outdir",
        str(out),
        str(path),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    result = out / path.name
    if not result.exists():
        pytest.fail(f"LibreOffice did not convert {path}: {done.stdout}\n{done.stderr}")
    return result


def _number(value: object) -> float:
    """A recalculated cell as a float; #N/A (and blanks) read as NaN."""
    if value is None or (isinstance(value, str) and value.startswith("#")):
        return math.nan
    return float(value)  # type: ignore[arg-type]


def _table(workbook, name: str) -> pd.DataFrame:
    """A table of the selected sheet by its defined name, header row as column names."""
    sheet_name, cells = workbook.defined_names[name].attr_text.split("!")
    (first_col, first_row), (last_col, last_row) = (
        coordinate_from_string(c) for c in cells.replace("$", "").split(":")
    )
    values = list(
        workbook[sheet_name.strip("'")].iter_rows(
            min_row=first_row,
            max_row=last_row,
            min_col=column_index_from_string(first_col),
            max_col=column_index_from_string(last_col),
            values_only=True,
        )
    )
    return pd.DataFrame(values[1:], columns=values[0])


def _assert_matches_python(workbook, content, site_id, **choice) -> None:
    series = _table(workbook, sw.SERIES_TABLE)
    expected = wbk.selection(content, site_id, **choice)
    assert len(series) == expected[["indicator_id", "period"]].drop_duplicates().shape[0]
    for series_id in wbk.SERIES:
        label = wbk.SERIES_LABELS[series_id]
        want = expected[expected["series"] == series_id].reset_index(drop=True)
        assert list(series["Period"]) == list(want["period"])
        for column, heading in (
            ("value", "value"),
            ("lower_95", "lower 95%"),
            ("upper_95", "upper 95%"),
        ):
            got = [_number(v) for v in series[f"{label}: {heading}"]]
            assert got == pytest.approx(list(want[column]), nan_ok=True), (series_id, column)
    summary = _table(workbook, sw.SUMMARY_TABLE)
    changes = wbk.change_summary(content, site_id, **choice)
    for series_id in wbk.SERIES:
        label = wbk.SERIES_LABELS[series_id]
        want = changes[changes["series"] == series_id]
        assert list(summary["Base period"]) == list(want["baseline_period"])
        got = [_number(v) for v in summary[f"{label}: change %"]]
        assert got == pytest.approx(list(want["change_percent"]), nan_ok=True), series_id


@pytest.mark.functional
def test_default_choice_recalculates_to_the_python_values(soffice, profile, tmp_path):
    content = small_content()
    path = sw.write_site_workbook(content, tmp_path / "sites.xlsx")
    workbook = openpyxl.load_workbook(recalculate(soffice, profile, path), data_only=True)

    _assert_matches_python(workbook, content, "alpha")
    selected = workbook["Selected"]
    # hand values: alpha falls65 2011/12 = 1000 (limits 995-1005); North East 4000;
    # England 6000; no local comparator chosen.
    assert [_number(selected[c].value) for c in ("E16", "F16", "G16")] == [1000, 995, 1005]
    assert _number(selected["K16"].value) == 4000
    assert _number(selected["N16"].value) == 6000
    assert math.isnan(_number(selected["H16"].value))
    assert selected["E5"].value == sw.NOT_CHOSEN  # legend label of the unused series
    # change since 2012/13: (1030 - 1010) / 1010 x 100
    assert _number(selected["H11"].value) == pytest.approx(1.98019802)
    cover = workbook["Cover"]
    assert cover["C9"].value == "North East"
    assert cover["B13"].value == 1
    assert cover["B14"].value == datetime(2013, 11, 1)
    assert cover["B17"].value == 100


@pytest.mark.functional
def test_another_site_and_comparators_recalculate(soffice, profile, tmp_path):
    content = small_content()
    path = sw.write_site_workbook(content, tmp_path / "sites.xlsx")
    chosen = openpyxl.load_workbook(path)
    cover = chosen["Cover"]
    cover["B5"] = "Beta"
    cover["B8"] = EVIL_LABEL  # the hostile area, as the drop-down shows it
    cover["B9"] = "No"
    chosen.save(path)
    workbook = openpyxl.load_workbook(recalculate(soffice, profile, path), data_only=True)

    _assert_matches_python(workbook, content, "beta", local=EVIL_LABEL[1:], region=False)
    selected = workbook["Selected"]
    assert selected["C4"].value == "beta"
    assert selected["B5"].value == "'=1+2"  # shown as text, never run
    # hand values: beta falls65 2013/14 = 2020; the hostile area's 2013/14 is blank;
    # region not ticked; England 6020.
    assert _number(selected["E18"].value) == 2020
    assert math.isnan(_number(selected["H18"].value))
    assert _number(selected["H17"].value) == 9010
    assert math.isnan(_number(selected["K18"].value))
    assert _number(selected["N18"].value) == 6020
    # beta's base is 2013/14: (2030 - 2020) / 2020 x 100; the local base is blank
    assert selected["D11"].value == "2013/14"
    assert _number(selected["H11"].value) == pytest.approx(0.49504950)
    assert math.isnan(_number(selected["K11"].value))
    assert workbook["Cover"]["B13"].value == 2
    assert workbook["Context"]["B8"].value == 200


# --- the real data: 25 Pioneers, three Fingertips indicators --------------------------------


MEDWAY = "Medway (local authority)"


@pytest.fixture(scope="module")
def real():
    return wbk.packaged_content()


@pytest.fixture(scope="module")
def published():
    return ingest.packaged()


def _published_values(published, area_code, indicator_id):
    rows = published[
        (published["area_code"] == area_code) & (published["indicator_id"] == indicator_id)
    ]
    return dict(zip(rows["period"], rows["value"], strict=True))


def test_real_content_holds_every_site_and_its_comparators(real, published):
    programme = load("pioneers")
    assert real.site_ids == programme.site_ids
    assert len(real.sites) == 25
    assert list(real.indicators["indicator_id"]) == ["falls65", "self_harm", "alcohol_narrow"]
    codes = set(real.data["area_code"])
    assert set(real.site_ids) <= codes
    assert set(real.sites["region_area_code"]) <= codes
    kent = real.site_row("kent")
    assert (kent["region_name"], kent["region_area_code"]) == ("South East", "region_e12000008")
    # Barnsley is one whole district (E08000016): its value is the district's, as published.
    barnsley = real.data[
        (real.data["area_code"] == "barnsley") & (real.data["indicator_id"] == "falls65")
    ]
    assert dict(zip(barnsley["period"], barnsley["value"], strict=True)) == (
        _published_values(published, "E08000016", "falls65")
    )
    # England is the published England row.
    england = real.data[
        (real.data["area_code"] == kent["england_area_code"])
        & (real.data["indicator_id"] == "self_harm")
    ]
    assert dict(zip(england["period"], england["value"], strict=True)) == (
        _published_values(published, "E92000001", "self_harm")
    )
    # Bases: programme wave 1 (announced 1 Nov 2013) -> 2012/13; wave 2 (27 Jan 2015) ->
    # 2013/14, for these financial-year indicators.
    bases = real.baselines.merge(real.sites[["site_id", "programme_wave"]], on="site_id")
    assert set(bases.loc[bases["programme_wave"] == 1, "baseline_period"]) == {"2012/13"}
    assert set(bases.loc[bases["programme_wave"] == 2, "baseline_period"]) == {"2013/14"}
    labels = set(real.local_choices["label"])
    assert {"Medway (local authority)", "Non-Pioneer areas (group)", "Kent (Pioneer)"} <= labels
    assert "All Pioneers (25 sites) (group)" in labels
    assert not set(real.local_choices["area_code"]) & set(real.sites["region_area_code"])
    methods = dict(real.methods)
    assert "Non-Pioneer areas: the" in methods["Comparator groups"]
    assert "All Pioneers (25 sites): the" in methods["Comparator groups"]
    assert (
        "2.24i"
        in methods["Source: Emergency hospital admissions due to falls in people aged 65 and over"]
    )


@pytest.mark.functional
def test_real_workbook_recalculates_for_a_chosen_site(real, published, soffice, profile, tmp_path):
    path = sw.write_site_workbook(
        real, tmp_path / "pioneer-indicators.xlsx", site="kent", local=MEDWAY, england=False
    )
    recalculated = recalculate(soffice, profile, path)
    workbook = openpyxl.load_workbook(recalculated, read_only=True, data_only=True)

    _assert_matches_python(workbook, real, "kent", local=MEDWAY, england=False)
    # independently of the Python selection: the local series is Medway as published
    series = _table(workbook, sw.SERIES_TABLE)
    falls = series[series["Indicator id"] == "falls65"]
    medway = _published_values(published, "E06000035", "falls65")
    got = dict(
        zip(falls["Period"], [_number(v) for v in falls["Local comparator: value"]], strict=True)
    )
    assert got == pytest.approx(medway, nan_ok=True)
    assert workbook["Cover"]["C9"].value == "South East"
