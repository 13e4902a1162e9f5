"""Matrices, cells, co-occurrence, retrieval and the framework grid on a hand-built corpus."""

from __future__ import annotations

import pandas as pd
import pytest

from pioneer.errors import AnalysisError
from pioneer.qualitative.model import Code, CodingFrame, Document, Project, Segment
from pioneer.qualitative.queries import (
    cell_segments,
    code_matrix,
    cooccurrence,
    framework_grid,
    retrieve,
    summarise,
)

T = "2014-06-01T10:00:00+00:00"
TEXT = "alpha beta gamma delta"


def corpus() -> Project:
    frame = CodingFrame(
        "f",
        1,
        (Code("B", "Barriers"), Code("B.1", "Money", parent_id="B"), Code("F", "Facilitators")),
    )
    docs = (
        Document("d1", "s1", "interview", "D1", TEXT, org_type="LA"),
        Document("d2", "s1", "interview", "D2", TEXT, org_type="CCG"),
        Document("d3", "s2", "interview", "D3", TEXT, org_type="LA"),
    )

    def seg(i, d, s, e, codes):
        return Segment(i, d, s, e, TEXT[s:e], codes, "ann", T)

    segments = (
        seg("x1", "d1", 0, 5, ("B.1",)),  # alpha
        seg("x2", "d1", 6, 10, ("B",)),  # beta
        seg("x3", "d2", 0, 10, ("B.1", "F")),  # alpha beta
        seg("x4", "d3", 11, 16, ("F",)),  # gamma
        seg("x5", "d3", 13, 22, ("B.1",)),  # mma delta, overlaps x4
    )
    return Project("p", "P", frame, docs, segments)


def test_matrix_by_site_references_and_sources_by_hand():
    p = corpus()
    m = code_matrix(p, "site", threshold=0).frame.set_index(["code_id", "site_id"])
    # B aggregates B.1: site s1 has x1, x2 (d1) and x3 (d2) -> 3 references, 2 sources
    assert m.loc[("B", "s1"), "references"] == 3
    assert m.loc[("B", "s1"), "sources"] == 2
    assert m.loc[("B.1", "s2"), "references"] == 1
    assert m.loc[("F", "s1"), "sources"] == 1
    flat = code_matrix(p, "site", include_children=False, threshold=0).frame
    b = flat.set_index(["code_id", "site_id"]).loc[("B", "s1")]
    assert b["references"] == 1


def test_matrix_by_org_type_with_suppression():
    p = corpus()
    result = code_matrix(p, "org_type", codes="B", threshold=2)
    m = result.frame.set_index(["code_id", "org_type"])
    # B x LA: d1 and d3 -> 2 sources (shown); B x CCG: d2 only -> 1 source (blanked)
    assert m.loc[("B", "LA"), "sources"] == 2
    assert pd.isna(m.loc[("B", "CCG"), "sources"])
    assert pd.isna(m.loc[("B", "CCG"), "references"])
    assert result.suppression.cells_suppressed == 2  # B.1 x CCG as well


def test_cells_open_to_quotes():
    p = corpus()
    quotes = [s.text for s in cell_segments(p, "B", "site", "s1")]
    assert quotes == ["alpha", "beta", "alpha beta"]
    assert [s.id for s in cell_segments(p, "B.1", "org_type", "LA")] == ["x1", "x5"]
    with pytest.raises(AnalysisError, match="cannot break"):
        cell_segments(p, "B", "colour", "x")


def test_cooccurrence_same_segment_and_overlap():
    p = corpus()
    table = cooccurrence(p).frame
    pairs = {(r.code_a, r.code_b): (r.references, r.sources) for r in table.itertuples()}
    # B.1 & F: x3 carries both (d2), x4/x5 overlap (d3) -> 2 references, 2 sources
    assert pairs[("B.1", "F")] == (2, 2)
    assert ("B", "B.1") not in pairs  # x1 and x2 do not overlap
    assert ("B", "F") not in pairs  # B on its own is only x2, which meets no F
    nested = cooccurrence(p, include_children=True).frame
    pairs = {(r.code_a, r.code_b): (r.references, r.sources) for r in nested.itertuples()}
    assert pairs[("B", "F")] == (2, 2)  # B now counts B.1
    assert ("B", "B.1") not in pairs  # a code and its own child are not a pair


def test_retrieve_with_context_and_filters():
    p = corpus()
    hits = retrieve(p, "F", context=3)
    assert [(h.before, h.text, h.after) for h in hits] == [
        ("", "alpha beta", " ga"),
        ("ta ", "gamma", " de"),
    ]
    assert [h.segment.id for h in retrieve(p, "B", site="s2")] == ["x5"]
    assert [h.segment.id for h in retrieve(p, "B", org_type="CCG")] == ["x3"]


def test_framework_grid_links_summaries_to_segments():
    p = corpus()
    grid = framework_grid(p, "B,F")
    grid = summarise(grid, p, "s1", "B", "Money worries in both bodies", ["x1", "x3"], author="ann")
    assert grid.cell("s1", "B").segment_ids == ("x1", "x3")
    assert grid.cell("s2", "F").summary == ""
    with pytest.raises(AnalysisError, match="not coded 'B'"):
        summarise(grid, p, "s2", "B", "x", ["x4"], author="ann")
    table = grid.to_table(p).frame.set_index(["site_id", "code_id"])
    assert table.loc[("s1", "B"), "available"] == 3
    assert table.loc[("s1", "B"), "segment_ids"] == "x1 x3"


def test_matrix_for_one_site_only():
    p = corpus()
    m = code_matrix(p, "org_type", sites=["s1"], threshold=0).frame
    assert set(m["org_type"]) == {"CCG", "LA"}
    b = m.set_index(["code_id", "org_type"]).loc[("B", "LA")]
    assert b["references"] == 2  # x1 and x2 in d1; d3 (s2) is left out
    with pytest.raises(AnalysisError, match="no documents"):
        code_matrix(p, sites=["nowhere"])
