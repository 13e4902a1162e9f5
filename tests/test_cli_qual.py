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


def test_export_qdc_of_the_default_frame_validates_and_reads_back(capsys, tmp_path):
    from pioneer.qualitative import frame

    out = tmp_path / "frame.qdc"
    code, stdout, err = run(
        capsys, "qual", "export-qdc", "--default-frame", "-o", str(out), "-w", str(tmp_path)
    )
    assert code == 0, err
    refi.validate_codebook_xml(out.read_bytes(), str(out))  # Codebook.xsd
    expected = frame.default_frame()
    assert f"({len(expected.codes)} codes" in stdout
    assert refi.import_qdc(out).codes == expected.codes


def test_import_qdc_carries_segments_through_a_merge(capsys, tmp_path, demo_qdpx):
    workspace = str(tmp_path / "ws")
    assert run(capsys, "qual", "import-qdpx", str(demo_qdpx), "-w", workspace)[0] == 0
    before = refi.import_qdpx(tmp_path / "ws" / "qualitative.qdpx")
    # Merge two used codes in the frame (as another tool's codebook would arrive) and import it.
    used = sorted({c for s in before.segments for c in s.code_ids})
    frame = before.frame
    keep, gone = next(
        (a, b)
        for a in used
        for b in used
        if a != b and b not in frame.subtree_ids(a) and a not in frame.subtree_ids(b)
    )
    merged, _ = frame.merge([gone], into=keep)
    codebook = refi.export_qdc(merged, tmp_path / "merged.qdc")
    code, out, err = run(capsys, "qual", "import-qdc", str(codebook), "-w", workspace)
    assert code == 0, err
    assert f"version {merged.version}" in out
    after = refi.import_qdpx(tmp_path / "ws" / "qualitative.qdpx")
    assert gone not in {c.id for c in after.frame.codes}
    assert not any(gone in s.code_ids for s in after.segments)
    # Every segment coded with the merged-away code now carries the kept one.
    moved = {s.id for s in before.segments if gone in s.code_ids}
    assert moved
    recoded = [s for s in after.segments if s.id in moved]
    assert all(keep in s.code_ids for s in recoded)
    assert len(after.segments) == len(before.segments)


def test_import_qdc_that_drops_a_used_code_changes_nothing(capsys, tmp_path, demo_qdpx):
    from pioneer.qualitative.model import CodingFrame

    workspace = tmp_path / "ws"
    assert run(capsys, "qual", "import-qdpx", str(demo_qdpx), "-w", str(workspace))[0] == 0
    archive = workspace / "qualitative.qdpx"
    before = archive.read_bytes()
    project = refi.import_qdpx(archive)
    used = sorted({c for s in project.segments for c in s.code_ids})
    # A codebook from elsewhere: another frame id, without the first used code (a leaf kept
    # out with its descendants, so the tree stays whole).
    dropped = used[0]
    codes = tuple(c for c in project.frame.codes if c.id != dropped and c.parent_id != dropped)
    other = CodingFrame(id="elsewhere", version=1, codes=codes, title="Another tool's frame")
    codebook = refi.export_qdc(other, tmp_path / "other.qdc")
    code, _, err = run(capsys, "qual", "import-qdc", str(codebook), "-w", str(workspace))
    assert code == 2
    assert "DataFileError" in err
    assert "other.qdc" in err
    assert dropped in err
    assert archive.read_bytes() == before
