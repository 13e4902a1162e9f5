"""The qualitative model, the default frame, transcript import and coding."""

from __future__ import annotations

import pytest

from pioneer.errors import AnalysisError, DataFileError
from pioneer.qualitative.coding import code_passage, codings_frame, make_segment, reanchor, recode
from pioneer.qualitative.frame import default_frame, frame_from_text, frame_to_yaml, load_frame
from pioneer.qualitative.model import Case, Code, CodingFrame, Document, Project, Segment
from pioneer.qualitative.transcripts import import_directory, import_file, normalise_text

T = "2014-06-01T10:00:00+00:00"


def small_frame() -> CodingFrame:
    return CodingFrame(
        "f",
        1,
        (
            Code("A", "Alpha"),
            Code("A.1", "Alpha one", parent_id="A"),
            Code("A.2", "Alpha two", parent_id="A"),
            Code("B", "Beta", colour="#112233"),
        ),
    )


def test_frame_tree_helpers():
    f = small_frame()
    assert [c.id for c in f.children("A")] == ["A.1", "A.2"]
    assert [c.id for c in f.roots()] == ["A", "B"]
    assert f.path("A.2") == "Alpha / Alpha two"
    assert f.depth("A.1") == 1
    assert f.select("A") == ("A", "A.1", "A.2")
    with pytest.raises(AnalysisError, match="not in frame"):
        f.select("Z")


def test_frame_rejects_bad_structure():
    with pytest.raises(DataFileError, match="used twice"):
        CodingFrame("f", 1, (Code("A", "a"), Code("A", "b")))
    with pytest.raises(DataFileError, match="parent"):
        CodingFrame("f", 1, (Code("A", "a", parent_id="Q"),))
    with pytest.raises(DataFileError, match="cycle"):
        CodingFrame("f", 1, (Code("A", "a", parent_id="B"), Code("B", "b", parent_id="A")))
    with pytest.raises(DataFileError, match="hex colour"):
        Code("A", "a", colour="red")


def test_merge_split_edit_history_and_segments_carried_over():
    f = small_frame()
    doc = Document("d1", "s1", "interview", "T", "one two three")
    seg = Segment("s1", "d1", 0, 3, "one", ("A.2",), "c1", T)
    p = Project("p", "P", f, (doc,), (seg,))
    f2, change = f.merge(["A.2"], "A.1")
    assert f2.version == 2
    assert "A.2" not in f2
    assert change.moves() == {"A.2": ("A.1",)}
    f3, _ = f2.split("B", [Code("B.x", "Bx"), Code("B.y", "By")])
    f4, _edit = f3.edit("A.1", label="Alpha first")
    assert f4.version == 4
    assert [h.action for h in f4.history] == ["merge", "split", "edit"]
    assert f4.code("A.1").label == "Alpha first"
    assert f.code("A.1").label == "Alpha one"
    carried = p.with_frame(f4)
    assert carried.segments[0].code_ids == ("A.1",)
    # split: segments of B get both parts
    p2 = Project("p", "P", f, (doc,), (Segment("s2", "d1", 4, 7, "two", ("B",), "c1", T),))
    assert p2.with_frame(f3).segments[0].code_ids == ("B.x", "B.y")
    with pytest.raises(AnalysisError, match="itself"):
        f.merge(["A"], "A")
    with pytest.raises(AnalysisError, match="own descendant"):
        f.merge(["A"], "A.1")


def test_default_frame_matches_appendix_d_structure():
    f = default_frame()
    # 002 Appendix D: barriers have levels I-III with subheadings A-C / A-B / A-E;
    # facilitators levels I-III, with four named themes at level III.
    assert [c.id for c in f.children("B")] == ["B.I", "B.II", "B.III"]
    assert [c.id for c in f.children("B.III")] == [f"B.III.{x}" for x in "ABCDE"]
    assert len(f.children("F.III")) == 4
    assert f.code("B.II.A.T2").label == "Structure of primary care"
    assert all(c.description and c.colour for c in f.codes)
    assert frame_from_text(frame_to_yaml(f)).codes == f.codes


def test_load_frame_errors(tmp_path):
    bad = tmp_path / "f.yaml"
    bad.write_text("id: x\ncodes:\n- {id: A, label: a, colour: blue}\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"row 1.*hex colour"):
        load_frame(bad)


def test_document_requires_normalised_text():
    with pytest.raises(DataFileError, match="not normalised"):
        Document("d", "s", "interview", "T", "a\r\nb")
    with pytest.raises(DataFileError, match="kind"):
        Document("d", "s", "letter", "T", "a")


def test_import_text_markdown_docx_and_reject_cp1252(tmp_path):
    (tmp_path / "a.txt").write_bytes("\ufeffline one\r\nline two – ok\r\n".encode())
    (tmp_path / "b.md").write_text("# Notes\n\nsome *text*\n", encoding="utf-8")
    import docx

    d = docx.Document()
    d.add_paragraph("First para")
    d.add_paragraph("Second para")
    d.save(tmp_path / "c.docx")
    (tmp_path / "documents.csv").write_text(
        "file,site_id,round,org_type,fictional\na.txt,barnsley,1,LA,true\n"
        "b.md,cheshire,1,CCG,\nc.docx,leeds,2,Other,\n",
        encoding="utf-8",
    )
    result = import_directory(tmp_path)
    a, b, c = result.documents
    assert a.text == "line one\nline two – ok\n"
    assert a.round == 1
    assert a.fictional
    assert "FICTIONAL" in a.title
    assert b.text.startswith("# Notes")
    assert b.site_id == "cheshire"
    assert c.text == "First para\nSecond para"
    assert c.round == 2
    bad = tmp_path / "bad.txt"
    bad.write_bytes("caf\xe9\n".encode("cp1252"))
    with pytest.raises(DataFileError, match=r"not UTF-8.*0xE9") as err:
        import_file(bad, site_id="x")
    assert err.value.row == 1
    assert "iconv" in (err.value.fix or "")
    assert normalise_text("a\rb\r\nc") == "a\nb\nc"


def test_coding_checks_offsets_quotes_and_codes():
    f = small_frame()
    doc = Document("d1", "s1", "interview", "T", "héllo wörld, héllo")
    s = code_passage(doc, "héllo", ["A", "B"], "c1", f, occurrence=2, created=T)
    assert (s.start, s.end) == (13, 18)
    with pytest.raises(DataFileError, match="not in the frame"):
        make_segment(doc, 0, 5, "Q", "c1", f)
    with pytest.raises(AnalysisError, match="beyond the end"):
        make_segment(doc, 0, 99, "A", "c1", f)
    bad = Segment("x", "d1", 0, 5, "HELLO", ("A",), "c1", T)
    with pytest.raises(DataFileError, match="quotes text that is not at its offsets"):
        Project("p", "P", f, (doc,), (bad,))
    moved = Document("d1", "s1", "interview", "T", "\n\nhéllo wörld, héllo")
    assert reanchor(make_segment(doc, 0, 5, "A", "c1", f, created=T), moved).start == 2
    assert recode(s, add=["A.1"], remove=["B"]).code_ids == ("A", "A.1")
    p = Project("p", "P", f, (doc,), (s,))
    table = codings_frame(p, "A")
    assert list(table["code_id"]) == ["A"]


def test_project_rejects_duplicates_and_unknown_references():
    f = small_frame()
    doc = Document("d1", "s1", "interview", "T", "one two")
    seg = Segment("s1", "d1", 0, 3, "one", ("A",), "c1", T)
    with pytest.raises(DataFileError, match="document id is used twice"):
        Project("p", "P", f, (doc, doc))
    with pytest.raises(DataFileError, match="segment id is used twice"):
        Project("p", "P", f, (doc,), (seg, seg))
    with pytest.raises(DataFileError, match="not in the project"):
        Project("p", "P", f, (), (seg,))
    with pytest.raises(DataFileError, match="ends beyond the text"):
        Project("p", "P", f, (doc,), (Segment("s2", "d1", 4, 9, "two!!", ("A",), "c1", T),))
    with pytest.raises(DataFileError, match="at least one code"):
        Segment("s3", "d1", 0, 3, "one", (), "c1", T)
    with pytest.raises(DataFileError, match="ISO 8601"):
        Segment("s3", "d1", 0, 3, "one", ("A",), "c1", "yesterday")
    with pytest.raises(DataFileError, match="not a valid identifier"):
        Document("bad id", "s1", "interview", "T", "x")
    p = Project(
        "p", "P", f, (doc,), (seg,), cases=(Case("site-s1", "s1", {"site": "s1"}, ("d1",)),)
    )
    assert p.cases[0].variable("site") == "s1"
    assert p == Project("p", "P", f, (doc,), (seg,), cases=p.cases)


def test_import_project_from_folder(tmp_path):
    from pioneer.qualitative.transcripts import import_project

    (tmp_path / "x.txt").write_text("hello\n", encoding="utf-8")
    (tmp_path / "documents.csv").write_text("file,site_id\nx.txt,kent\n", encoding="utf-8")
    project = import_project(tmp_path, project_id="p1")
    assert project.documents[0].site_id == "kent"
    assert project.frame.id == "barriers_facilitators"
    assert project.segments == ()
    (tmp_path / "documents.csv").write_text("file,site_id\nmissing.txt,kent\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="not in the folder"):
        import_project(tmp_path)
