"""The FICTIONAL demonstration corpus loads, is labelled, and its worked coding is valid."""

from __future__ import annotations

from pioneer.qualitative.agreement import agreement_table
from pioneer.qualitative.demo import CODERS, demo, demo_project
from pioneer.qualitative.queries import cell_segments, code_matrix
from pioneer.qualitative.register import table1a


def test_demo_is_labelled_fictional_everywhere():
    project = demo_project()
    assert project.fictional
    assert 6 <= len(project.documents) <= 10
    for d in project.documents:
        assert d.fictional
        assert "(FICTIONAL)" in d.title
        assert d.text.startswith("FICTIONAL TRANSCRIPT")
    assert "FICTIONAL" in project.title


def test_demo_coding_by_two_coders_against_default_frame():
    d = demo()
    coders = {s.coder for s in d.project.segments}
    assert coders == set(CODERS)
    # every document is coded by both coders
    for doc in d.project.documents:
        assert {s.coder for s in d.project.segments_of(doc.id)} == set(CODERS)
    table = agreement_table(d.project, *CODERS).frame.set_index("code_id")
    # Local leadership: both coders coded the same document (demo-04) and nothing else:
    assert table.loc["F.III.T2", "kappa"] == 1.0
    # Inconsistent messages: only CODER-1 used it, in 1 of 8 documents -> p_o = 7/8,
    # p_e = (1/8)(0) + (7/8)(1) = 7/8, kappa = 0.
    assert table.loc["B.I.B.T2", "kappa"] == 0.0


def test_demo_matrix_register_and_grid():
    d = demo()
    m = code_matrix(d.project, "site", codes="B.I", coder="CODER-1", threshold=0).frame
    cell = m[(m.code_id == "B.I") & (m.site_id == "leeds")]
    # CODER-1 in Leeds: financial cuts (demo-01) and competition/messages (demo-02)
    assert cell["references"].item() == 2
    assert cell["sources"].item() == 2
    quotes = cell_segments(d.project, "B.I", "site", "leeds", coder="CODER-1")
    assert quotes[0].text.startswith("Our budget has been cut")
    assert table1a(d.register).frame.set_index("site_id")["n"]["total"] == 8
    assert d.grid.cell("kent", "B").segment_ids


def test_demo_round_trips_through_refi_qda(tmp_path):
    # Cross-check with pioneer.qualitative.refi (part O): export, import, same project.
    from pioneer.qualitative.refi import export_qdpx, import_qdpx

    project = demo_project()
    again = import_qdpx(export_qdpx(project, tmp_path / "demo.qdpx"))
    assert again.frame.codes == project.frame.codes
    assert set(again.segments) == set(project.segments)
    assert set(again.documents) == set(project.documents)


def test_agreement_defaults_to_the_two_coders():
    project = demo_project()
    table = agreement_table(project)
    assert table.options["coder_a"] == "CODER-1"
    assert table.options["coder_b"] == "CODER-2"


def test_every_table_renders_as_a_grid():
    # The layouts must suit pioneer.reports (no several statistics beside column dims).
    from pioneer.qualitative.documents import (
        bcf_profiles,
        c1_table,
        intervention_change,
        intervention_status,
    )
    from pioneer.qualitative.queries import cooccurrence
    from pioneer.qualitative.register import published_register_2014, table1b
    from pioneer.reports.grid import build_grid

    d = demo()
    tables = [
        code_matrix(d.project, "site", threshold=0),
        code_matrix(d.project, "org_type", statistic="sources"),
        cooccurrence(d.project),
        agreement_table(d.project),
        d.grid.to_table(d.project),
        table1a(published_register_2014()),
        table1b(published_register_2014()),
        c1_table(),
        intervention_status(),
        bcf_profiles(),
        intervention_change(),
    ]
    for table in tables:
        grid = build_grid(table)
        assert grid.cells, table.name
