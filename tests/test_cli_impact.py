"""``pioneer impact`` and ``pioneer admissions`` end to end (functional tests)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cli_runner import run
from pioneer.impact import event_study, panel
from pioneer.indicators import ingest

pytestmark = pytest.mark.functional

ADMISSIONS = Path(__file__).parent / "fixtures" / "admissions"


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")


def test_event_study_prints_the_library_result_and_draws_it(capsys, tmp_path):
    figure = tmp_path / "es.svg"
    csv = tmp_path / "es.csv"
    code, _, err = run(
        capsys, "impact", "event-study", "--outcome", "falls65", "-w", str(tmp_path / "none"),
        "--figure", str(figure), "-f", "csv", "-o", str(tmp_path / "terms.csv"),
    )  # fmt: skip
    assert code == 0, err
    assert figure.exists()
    assert csv.exists()
    terms = pd.read_csv(tmp_path / "terms.csv")
    # The command is a thin layer: the same numbers as the library called directly.
    direct = event_study.event_study(
        panel.build_panel(ingest.packaged(), outcome="falls65").frame, leads=3, lags=3
    ).tidy()
    pd.testing.assert_series_equal(terms["estimate"], direct["estimate"], check_names=False)


def test_match_and_synth_run_on_the_real_data(capsys, tmp_path):
    code, out, err = run(
        capsys, "impact", "match", "--outcome", "self_harm", "-w", str(tmp_path / "none")
    )
    assert code == 0, err
    assert "Propensity-score matching: self_harm" in out
    assert "smd_after" in out
    code, out, err = run(
        capsys, "impact", "synth", "--outcome", "falls65", "--site", "Barnsley",
        "--figure", str(tmp_path / "s.svg"), "-w", str(tmp_path / "none"),
    )  # fmt: skip
    assert code == 0, err
    assert (tmp_path / "s.svg").exists()
    assert (tmp_path / "s_placebos.svg").exists()


def test_an_unknown_outcome_is_a_user_error(capsys, tmp_path):
    code, _, err = run(
        capsys, "impact", "event-study", "--outcome", "falls", "-w", str(tmp_path / "none")
    )
    assert code == 2
    assert "falls65" in err  # the message names the close catalogue id
    assert "Traceback" not in err


def test_admissions_aggregate_writes_counts_and_refuses_a_bad_extract(capsys, tmp_path):
    out = tmp_path / "counts.parquet"
    code, text, err = run(
        capsys, "admissions", "aggregate", str(ADMISSIONS / "good.csv"), "-o", str(out)
    )
    assert code == 0, err
    assert out.exists()
    assert "admissions" in text
    bad = sorted((ADMISSIONS / "malformed").glob("*.csv"))[0]
    code, _, err = run(
        capsys, "admissions", "aggregate", str(bad), "-o", str(tmp_path / "bad.parquet")
    )
    assert code == 2
    assert err.startswith("DataFileError:")
    assert not (tmp_path / "bad.parquet").exists()


def test_admissions_generate_then_aggregate_round_trips(capsys, tmp_path):
    extract = tmp_path / "extract.parquet"
    code, _, err = run(capsys, "admissions", "generate", str(extract), "--rows", "5000")
    assert code == 0, err
    counts = tmp_path / "counts.parquet"
    code, _, err = run(
        capsys, "admissions", "aggregate", str(extract), "-o", str(counts),
        "--period", "financial_year",
    )  # fmt: skip
    assert code == 0, err
    from pioneer.impact import admissions

    frame = admissions.read_counts(counts, admission_group="all", age_band="all")
    assert frame["numerator"].sum() == 5000  # every generated admission is counted once


def test_impact_run_writes_the_report(capsys, tmp_path):
    out = tmp_path / "report"
    code, text, err = run(
        capsys, "impact", "run", "--outcome", "falls65", "--design", "keeble2019",
        "--draws", "199", "-o", str(out), "-w", str(tmp_path / "none"),
    )  # fmt: skip
    assert code == 0, err
    assert (out / "report.md").exists()
    summary = pd.read_csv(out / "impact_summary.csv")
    assert len(summary) >= 10  # one row per headline estimate
    assert "Keeble" in text
