"""The `pioneer` command end to end (functional tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from cli_runner import run
from pioneer import workspace as ws
from pioneer.survey import synthetic

pytestmark = pytest.mark.functional

FIXTURES = Path(__file__).parent / "fixtures" / "imports"


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    """rich wraps at the terminal width; a fixed width keeps assertions about text stable."""
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("workspace")
    ws.save(synthetic.generate(seed=2019).to_survey_data(), path)
    return path


def test_programme_sites_lists_the_25_pioneers(capsys, tmp_path):
    code, out, _ = run(capsys, "programme", "sites")
    assert code == 0
    assert "Integrated Care and Support Pioneers" in out
    code, out, _ = run(capsys, "programme", "sites", "-f", "csv", "-o", str(tmp_path / "s.csv"))
    assert code == 0
    sites = pd.read_csv(tmp_path / "s.csv")
    assert len(sites) == 25
    assert "Greater Manchester" in set(sites.iloc[:, 1])


def test_survey_tables_for_one_wave_print_the_2018_columns(capsys, workspace):
    code, out, _ = run(capsys, "survey", "tables", "--wave", "2018", "-w", str(workspace))
    assert code == 0
    # Table I, 2018: mailing list 439, participants 85, 19% (000_9191d1decfdc3012.txt Table I)
    assert "September–November 2018" in out
    assert "439" in out
    # Table II's programme-wave block needs the registry: 2018 wave 1 = 54, wave 2 = 31
    assert "Wave 1" in out
    assert "Programme wave left out" not in out
    assert "2016" not in out.split("Key informant characteristics")[0]


def test_survey_table_progress_to_xlsx(capsys, workspace, tmp_path):
    target = tmp_path / "progress.xlsx"
    code, out, _ = run(
        capsys,
        "survey",
        "table",
        "progress",
        "--waves",
        "2016,2017,2018",
        "--format",
        "xlsx",
        "-o",
        str(target),
        "-w",
        str(workspace),
        "--threshold",
        "0",
    )
    assert code == 0, out
    book = openpyxl.load_workbook(target)
    data = pd.DataFrame(book["data"].values)
    header = data.iloc[0].tolist()
    data = data.iloc[1:]
    data.columns = header
    joined = data[(data["item"] == "progress.joined_up") & (data["category"] == "substantial")]
    # Table V, joined-up services, substantial: 9 / 15 / 21 % (000_9191d1decfdc3012.txt Table V)
    shown = {
        int(w): round(float(p)) for w, p in zip(joined["wave"], joined["percent"], strict=True)
    }
    assert shown == {2016: 9, 2017: 15, 2018: 21}


def test_survey_figure_writes_svg_and_its_data(capsys, workspace, tmp_path):
    target = tmp_path / "barriers.svg"
    code, out, _ = run(
        capsys, "survey", "figure", "barriers", "-o", str(target), "-w", str(workspace)
    )
    assert code == 0, out
    assert target.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    data = pd.read_csv(target.with_suffix(".csv"))
    # Figure 2 text: information governance 34% (2017) -> 16% (2018), base 98 and 80
    ig = data[data["item"] == "barriers.information_governance"].set_index("wave")
    assert round(ig.loc[2017, "percent"]) == 34
    assert round(ig.loc[2018, "percent"]) == 16


def test_import_qualtrics_adds_a_wave_all_or_nothing(capsys, workspace, tmp_path):
    target = tmp_path / "ws"
    ws.save(ws.load(workspace), target)
    before = (target / "responses.csv").read_bytes()
    bad = sorted((FIXTURES / "malformed").glob("qualtrics_*.csv"))[0]
    code, _, err = run(
        capsys,
        "survey",
        "import",
        "qualtrics",
        str(bad),
        "--mapping",
        str(FIXTURES / "qualtrics_ki2018_mapping.csv"),
        "--wave",
        "2018",
        "-w",
        str(target),
        "--replace",
    )
    assert code == 2
    assert err.startswith("DataFileError: ")
    assert "Traceback" not in err
    assert (target / "responses.csv").read_bytes() == before, "a bad file must change nothing"

    code, out, err = run(
        capsys,
        "survey",
        "import",
        "qualtrics",
        str(FIXTURES / "qualtrics_ki2018.csv"),
        "--mapping",
        str(FIXTURES / "qualtrics_ki2018_mapping.csv"),
        "--wave",
        "2018",
        "-w",
        str(target),
        "--replace",
    )
    assert code == 0, err
    assert "imported" in out
    after = ws.load(target).responses
    assert set(after["wave"]) == {2016, 2017, 2018}
    assert after[after["wave"] == 2018]["respondent_id"].nunique() < 85


def test_a_missing_workspace_is_a_user_error(capsys, tmp_path):
    code, _, err = run(capsys, "survey", "tables", "-w", str(tmp_path / "nowhere"))
    assert code == 2
    assert "DataFileError" in err
    assert "pioneer demo" in err


def test_an_unknown_table_names_the_choices(capsys, workspace):
    code, _, err = run(capsys, "survey", "table", "progres", "-w", str(workspace))
    assert code == 2
    assert "AnalysisError: no table called 'progres'" in err
    assert "did you mean progress" in err


def test_the_installed_command_prints_errors_without_a_traceback(tmp_path):
    command = Path(sys.executable).with_name("pioneer")
    done = subprocess.run(
        [str(command), "survey", "tables", "-w", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("DataFileError: ")
    assert "Traceback" not in done.stderr


def test_demo_builds_the_workspace_tables_and_figures(capsys, tmp_path):
    code, out, err = run(
        capsys, "demo", "--out", str(tmp_path / "out"), "--workspace", str(tmp_path / "ws")
    )
    assert code == 0, err
    assert (tmp_path / "ws" / "responses.csv").exists()
    assert (tmp_path / "out" / "tables" / "tables.xlsx").exists()
    for name in ("progress", "barriers", "facilitators"):
        assert (tmp_path / "out" / "figures" / f"{name}.svg").exists()
        assert (tmp_path / "out" / "figures" / f"{name}.png").exists()
    assert "out/tables" in out.replace("\\", "/")
    # Issue 3: every site's indicator profile and the site workbook, from the real data.
    indicators = tmp_path / "out" / "indicators"
    assert len(list((indicators / "profiles").glob("profile_*.csv"))) == 25
    assert (indicators / "pioneer-indicators.xlsx").exists()
    assert (tmp_path / "ws" / "indicators.csv").exists()
    # Issue 6: the FICTIONAL demonstration corpus, coded, kept as REFI-QDA in the workspace.
    assert (tmp_path / "ws" / "qualitative.qdpx").exists()
    assert (tmp_path / "out" / "qualitative" / "qual_matrix_barriers_by_site.csv").exists()
    # The site documents beside the interviews, including change from 2014 to 2018.
    change = pd.read_csv(tmp_path / "out" / "qualitative" / "qual_intervention_change.csv")
    from pioneer.qualitative import documents

    assert len(change) == len(documents.intervention_change().frame) > 0
    for name in ("qual_table_c1", "qual_table2", "qual_table3"):
        assert (tmp_path / "out" / "qualitative" / f"{name}.md").exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav"])
def test_export_a_wave_round_trips_through_the_importers(capsys, workspace, tmp_path, fmt):
    from pioneer.survey import imports

    target = tmp_path / f"wave2018.{fmt}"
    layout = "wide" if fmt == "sav" else "long"
    code, out, err = run(
        capsys, "survey", "export", "--wave", "2018", "-f", fmt, "--layout", layout,
        "-o", str(target), "-w", str(workspace),
    )  # fmt: skip
    assert code == 0, err
    assert "85 respondents" in out  # Table I: 85 participants in 2018
    if fmt == "sav":
        back = imports.read_spss(target, instrument="ki2018")
        assert back["respondent_id"].nunique() == 85
    elif fmt == "csv":
        back = pd.read_csv(target, dtype=str)
        assert back["respondent_id"].nunique() == 85
        # the synthetic 2018 comments include answers typed as formulas (e.g. "=...")
        assert back["value"].str.startswith("'").any(), "formula-like answers are quoted"
        assert not back["value"].str.startswith(("=", "+", "@")).any(), "formulas neutralised"
    else:
        book = openpyxl.load_workbook(target)
        assert book.sheetnames == ["responses"]


def test_export_of_an_absent_wave_names_the_waves(capsys, workspace, tmp_path):
    code, _, err = run(
        capsys, "survey", "export", "--wave", "2015", "-o", str(tmp_path / "x.csv"),
        "-w", str(workspace),
    )  # fmt: skip
    assert code == 2
    assert "[2016, 2017, 2018]" in err


def _pioneer(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """The installed command in its own process (Django is configured once per process)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PIONEER_"))}
    env["PIONEER_WORKSPACE"] = str(cwd / "workspace")
    command = [str(Path(sys.executable).with_name("pioneer")), *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_send_reminders_dry_run_on_the_demo_programme(tmp_path):
    missing = _pioneer(tmp_path, "survey", "send-reminders", "--wave", "2019", "--dry-run")
    assert missing.returncode == 2
    assert missing.stderr.startswith("PioneerError: there is no 2019 wave")
    setup = (
        "from pioneer.web import server; server.configure(); server.prepare_store(); "
        "from pioneer.web import demo_setup; demo_setup(echo=False)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PIONEER_"))}
    env["PIONEER_WORKSPACE"] = str(tmp_path / "workspace")
    subprocess.run([sys.executable, "-c", setup], cwd=tmp_path, env=env, check=True, timeout=300)
    dry = _pioneer(tmp_path, "survey", "send-reminders", "--wave", "2019", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "2019" in dry.stdout
