"""``pioneer indicators`` end to end (functional tests): import, profile, charts, workbook."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from cli_runner import run

pytestmark = pytest.mark.functional

FIXTURES = Path(__file__).parent / "fixtures" / "indicators"


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")


def test_import_then_reimport_replaces_and_a_bad_file_changes_nothing(capsys, tmp_path):
    workspace = str(tmp_path / "ws")
    # 11 data rows, the last an inequality breakdown (a Category), which is kept out: 10 stored.
    export = str(FIXTURES / "fingertips_falls_export.csv")
    code, out, err = run(capsys, "indicators", "import", export, "-w", workspace)
    assert code == 0, err
    assert "10 rows added" in out
    stored = (tmp_path / "ws" / "indicators.csv").read_bytes()
    code, out, _ = run(capsys, "indicators", "import", export, "-w", workspace)
    assert code == 0
    assert "0 rows added" in out
    assert "10 unchanged" in out
    bad = FIXTURES / "malformed" / "ft_bad_area_code.csv"
    code, _, err = run(capsys, "indicators", "import", str(bad), "-w", workspace)
    assert code == 2
    assert err.startswith("DataFileError:")
    assert "ft_bad_area_code.csv" in err
    assert "Traceback" not in err
    assert (tmp_path / "ws" / "indicators.csv").read_bytes() == stored


def test_profile_of_leeds_from_the_packaged_data(capsys, tmp_path):
    out_file = tmp_path / "leeds.csv"
    code, _, err = run(
        capsys, "indicators", "profile", "--site", "Leeds", "-w", str(tmp_path / "none"),
        "-f", "csv", "-o", str(out_file),
    )  # fmt: skip
    assert code == 0, err
    assert "packaged Fingertips data" in err
    profile = pd.read_csv(out_file)
    row = profile[(profile["indicator_id"] == "falls65") & (profile["comparator_id"] == "england")]
    # ../shared/data/fingertips-la-admissions/admissions_falls.csv, 2017/18: Leeds (E08000035)
    # 2401, England 2170, published comparison "Worse".
    assert row["period"].item() == "2017/18"
    assert row["value"].item() == 2401
    assert row["comparator_value"].item() == 2170
    assert row["comparison"].item() == "Worse"
    assert set(profile["comparator_id"]) == {"england", "region_e12000003", "other_pioneers"}


def test_trend_chart_writes_the_figure_and_its_data(capsys, tmp_path):
    svg = tmp_path / "leeds.svg"
    code, _out, err = run(
        capsys, "indicators", "chart", "trend", "--indicator", "falls65", "--site", "leeds",
        "-o", str(svg), "-w", str(tmp_path / "none"),
    )  # fmt: skip
    assert code == 0, err
    assert svg.exists()
    assert "Leeds" in svg.read_text(encoding="utf-8")
    data = pd.read_csv(tmp_path / "leeds.csv")
    site = data[data["role"] == "site"]
    assert list(site["period"]) == [f"{y}/{(y + 1) % 100:02d}" for y in range(2010, 2018)]


def test_funnel_needs_counts_and_says_how_to_get_them(capsys, tmp_path):
    code, _, err = run(
        capsys, "indicators", "chart", "funnel", "--indicator", "falls65",
        "-o", str(tmp_path / "f.svg"), "-w", str(tmp_path / "none"),
    )  # fmt: skip
    assert code == 2
    assert "needs counts" in err
    assert "pioneer indicators import" in err
    assert not (tmp_path / "f.svg").exists()


def test_funnel_from_an_imported_export_with_counts(capsys, tmp_path):
    workspace = str(tmp_path / "ws")
    export = str(FIXTURES / "fingertips_falls_export.csv")
    assert run(capsys, "indicators", "import", export, "-w", workspace)[0] == 0
    svg = tmp_path / "funnel.svg"
    code, _, err = run(
        capsys, "indicators", "chart", "funnel", "--indicator", "falls65", "-o", str(svg),
        "-w", workspace,
    )  # fmt: skip
    assert code == 0, err
    assert svg.exists()
    points = pd.read_csv(tmp_path / "funnel.csv")
    assert "Trafford" in set(points["area_name"])


def test_workbook_has_its_sheets(capsys, tmp_path):
    path = tmp_path / "book.xlsx"
    code, _, err = run(
        capsys, "indicators", "workbook", "-o", str(path), "--site", "kent",
        "-w", str(tmp_path / "none"),
    )  # fmt: skip
    assert code == 0, err
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:3] == ["Cover", "Selected", "Data"]
    assert "Kent" in [c.value for row in book["Cover"].iter_rows() for c in row]


def test_an_unknown_site_is_a_user_error(capsys, tmp_path):
    code, _, err = run(capsys, "indicators", "profile", "--site", "Atlantis")
    assert code == 2
    assert err.startswith("RegistryError:")


def test_list_shows_the_catalogue(capsys):
    code, out, _ = run(capsys, "indicators", "list")
    assert code == 0
    for indicator in ("falls65", "self_harm", "alcohol_narrow"):
        assert indicator in out
