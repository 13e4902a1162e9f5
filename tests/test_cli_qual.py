"""``pioneer qual`` end to end (functional tests) on the FICTIONAL demonstration corpus."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cli_runner import run
from pioneer.qualitative import demo, queries, refi

pytestmark = pytest.mark.functional


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def demo_qdpx(tmp_path) -> Path:
    return refi.export_qdpx(demo.demo_project(), tmp_path / "demo.qdpx")


def test_no_project_is_a_user_error(capsys, tmp_path):
    code, _, err = run(capsys, "qual", "matrix", "-w", str(tmp_path / "ws"))
    assert code == 2
    assert "pioneer qual import" in err


def test_import_qdpx_then_matrix_and_agreement(capsys, tmp_path, demo_qdpx):
    workspace = str(tmp_path / "ws")
    code, out, err = run(capsys, "qual", "import-qdpx", str(demo_qdpx), "-w", workspace)
    assert code == 0, err
    project = demo.demo_project()
    assert f"{len(project.documents)} documents" in out
    matrix_csv = tmp_path / "m.csv"
    code, _, err = run(
        capsys, "qual", "matrix", "--codes", "B.I", "--threshold", "0", "-w", workspace,
        "-f", "csv", "-o", str(matrix_csv),
    )  # fmt: skip
    assert code == 0, err
    # Through the archive and back: the same counts as the library on the original project.
    expected = queries.code_matrix(project, "site", codes="B.I", threshold=0).frame
    got = pd.read_csv(matrix_csv)
    assert list(got.columns) == list(expected.columns)
    assert got.iloc[:, 2:].to_numpy().tolist() == expected.iloc[:, 2:].to_numpy().tolist()
    code, out, err = run(capsys, "qual", "agreement", "-w", workspace)
    assert code == 0, err
    assert "kappa" in out


def test_export_qdpx_round_trips(capsys, tmp_path, demo_qdpx):
    workspace = str(tmp_path / "ws")
    assert run(capsys, "qual", "import-qdpx", str(demo_qdpx), "-w", workspace)[0] == 0
    out = tmp_path / "again.qdpx"
    code, _, err = run(capsys, "qual", "export-qdpx", "-o", str(out), "-w", workspace)
    assert code == 0, err
    again = refi.import_qdpx(out)
    assert len(again.segments) == len(demo.demo_project().segments)


def test_a_hostile_archive_changes_nothing(capsys, tmp_path, demo_qdpx):
    workspace = tmp_path / "ws"
    assert run(capsys, "qual", "import-qdpx", str(demo_qdpx), "-w", str(workspace))[0] == 0
    before = (workspace / "qualitative.qdpx").read_bytes()
    bad = tmp_path / "bad.qdpx"
    bad.write_bytes(b"not a zip archive")
    code, _, err = run(capsys, "qual", "import-qdpx", str(bad), "-w", str(workspace))
    assert code == 2
    assert err.startswith("DataFileError:")
    assert (workspace / "qualitative.qdpx").read_bytes() == before
