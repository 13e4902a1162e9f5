"""The qualitative store: the library's project round-trips through the database, loading is
idempotent and all or nothing, and web coding survives a reload."""

from __future__ import annotations

import dataclasses

import pytest

from pioneer.errors import DataFileError
from pioneer.qualitative.demo import demo_project
from pioneer.qualitative.model import Code, CodingFrame, Document, Project, Segment
from pioneer.web.programme.registry import load_registry
from pioneer.web.qualitative.models import QualCode, QualDocument, QualSegment
from pioneer.web.qualitative.store import load_project, to_project


@pytest.fixture
def demo(db):
    load_registry()
    return demo_project()


def test_the_demo_project_round_trips(demo):
    load_project(demo)
    back = to_project()
    assert back == demo  # Project equality: frame codes, documents, segments, memos, cases
    assert back.frame.history == demo.frame.history
    assert back.frame.version == demo.frame.version
    assert [d.id for d in back.documents] == [d.id for d in demo.documents]
    # Code order on a segment is kept, not just the set.
    assert {s.id: s.code_ids for s in back.segments} == {s.id: s.code_ids for s in demo.segments}
    assert all(d.fictional for d in back.documents)
    assert back.fictional


def test_loading_twice_changes_nothing(demo):
    first = load_project(demo)
    pks = sorted(QualSegment.objects.values_list("pk", flat=True))
    again = load_project(demo)
    assert again.pk == first.pk
    assert sorted(QualSegment.objects.values_list("pk", flat=True)) == pks
    assert QualDocument.objects.count() == len(demo.documents)
    assert QualCode.objects.count() == len(demo.frame.codes)


def test_a_document_on_an_unknown_site_writes_nothing(demo):
    bad = demo.documents[0]
    bad = dataclasses.replace(bad, id="demo-99", site_id="atlantis")
    with pytest.raises(DataFileError, match="site that is not in the store") as raised:
        load_project(demo.with_documents([bad]))
    assert "atlantis" in str(raised.value)
    assert not QualDocument.objects.exists()


def test_a_changed_frame_under_the_same_version_is_refused_and_nothing_is_written(demo):
    load_project(demo)
    frame, _ = demo.frame.edit("B", label="Obstacles")
    same_version = dataclasses.replace(frame, version=demo.frame.version)
    with pytest.raises(DataFileError, match="same version"):
        load_project(Project(demo.id, demo.title, same_version, fictional=True))
    assert QualCode.objects.get(code_id="B").label == "Barriers"


def _tiny(text: str) -> Project:
    frame = CodingFrame("f", 1, (Code("A", "Alpha"), Code("A.1", "One", parent_id="A")))
    doc = Document("d1", "barnsley", "interview", "Interview", text)
    seg = Segment("s1", "d1", 0, 5, text[:5], ("A.1",), "CODER-1", "2014-01-01T00:00:00+00:00")
    return Project("tiny", "Tiny", frame, (doc,), (seg,))


def test_a_reload_with_new_text_reanchors_segments_coded_in_the_web(sites):
    from pioneer.web.qualitative.actions import code_segment

    load_project(_tiny("Hello world. Money is short."))
    document = QualDocument.objects.get()
    code_segment(document, start=13, end=27, code_ids=["A"], coder="researcher")
    # Re-imported with a new first line: the web segment moves with its words.
    load_project(_tiny("Hello world.\nPreface.\nMoney is short."))
    web = QualSegment.objects.exclude(segment_id="s1").get()
    assert (web.start, web.end, web.text) == (22, 36, "Money is short")
    assert to_project().document("d1").text[22:36] == "Money is short"
