"""REFI-QDA exchange: every export validates against the packaged QDA-XML 1.0 schemas
(checked here with lxml directly, not through Pioneer's own validator), exports are
deterministic, export → import gives the same project, and the hand-built NVivo-layout and
MAXQDA-layout archives (``tests/fixtures/qdpx/make_fixtures.py``) import to one project.

Expected positions and quotes below are counted by hand in the fixture transcript
(``make_fixtures.TEXT``) and in the small texts written in this file.
"""

from __future__ import annotations

import hashlib
import sys
import uuid
import zipfile
from dataclasses import replace
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from pioneer.errors import DataFileError
from pioneer.qualitative import refi
from pioneer.qualitative._refi_text import SourceText
from pioneer.qualitative.frame import default_frame
from pioneer.qualitative.model import Case, Code, CodingFrame, Document, Memo, Project, Segment

FIXTURES = Path(__file__).parent / "fixtures" / "qdpx"
NS = "{urn:QDA-XML:project:1.0}"
SCHEMAS = resources.files("pioneer.data") / "qualitative" / "refi"


def _schema(name: str) -> etree.XMLSchema:
    with (SCHEMAS / name).open("rb") as stream:
        return etree.XMLSchema(etree.parse(stream))


def _assert_valid(xml: bytes, schema_name: str) -> etree._Element:
    schema = _schema(schema_name)
    root = etree.fromstring(xml)
    assert schema.validate(etree.ElementTree(root)), schema.error_log
    return root


# A small fictional project on the default frame. Positions counted by hand:
# TEXT_1 = "Q: What helped?\nA: Shared records helped a lot. Budgets did not.\n"
#           0123456789012345 6789...
# "Shared records" starts after "Q: What helped?\n" (16 characters) and "A: " (3): 19..33.
# "Budgets did not" starts at 19 + len("Shared records helped a lot. ") = 19 + 29 = 48..63.
TEXT_1 = "Q: What helped?\nA: Shared records helped a lot. Budgets did not.\n"
# TEXT_2 has a character outside the Basic Multilingual Plane before the quote: "😀 " is two
# code points, so "Café culture" runs 2..14 in code points (it would be 3..15 in UTF-16).
TEXT_2 = "😀 Café culture matters.\n"


def _project(*, cases: bool = True) -> Project:
    frame = default_frame()
    docs = (
        Document(
            "int-001",
            "barnsley",
            "interview",
            "Interview 1 (fictional)",
            TEXT_1,
            round=1,
            interviewee_type="senior manager",
            org_type="CCG",
            date="2014-06-12",
            interviewer="RA",
            topic_guide_version="2014-v1",
            consent="written",
            fictional=True,
            attributes={"programme wave": "1"},
        ),
        Document("doc-002", "cornwall", "site_document", "Site plan", TEXT_2, fictional=True),
    )
    segments = (
        Segment(
            "seg-1",
            "int-001",
            19,
            33,
            "Shared records",
            ("F.III.T1", "F.III"),
            "RA",
            "2014-07-01T10:00:00+00:00",
        ),
        Segment("seg-2", "int-001", 48, 63, "Budgets did not", ("B.I.B.T1",), "RB", "2014-07-02"),
        Segment("seg-3", "doc-002", 2, 14, "Café culture", ("B.II.A.T1",), "RA", "2014-07-03"),
    )
    memos = (
        Memo(
            "memo-1", "Records come up often.\nCheck other sites.", "Records", "RA", "", ("seg-1",)
        ),
        Memo("memo-2", "Frame note", about=("F.III", "barnsley")),
    )
    project_cases = (
        (
            Case("site-barnsley", "Barnsley", {"Site": "barnsley"}, ("int-001",)),
            Case("site-cornwall", "Cornwall", {"Site": "cornwall"}, ("doc-002",)),
            Case(
                "ki-001", "Interviewee 1", {"Organisation type": "CCG", "Round": "1"}, ("int-001",)
            ),
        )
        if cases
        else ()
    )
    return Project("demo-refi", "Fictional demo", frame, docs, segments, memos, project_cases, True)


def _qde(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read("project.qde")


def test_packaged_schemas_are_the_refi_originals():
    # SHA-256 values recorded in src/pioneer/data/qualitative/refi/SOURCE.md.
    expected = {
        "Project.xsd": "a2cc1ffb4ab1c07c51d6c78e69f2c9968458a9f0ad3b317ddde27f1e86f15a15",
        "Codebook.xsd": "62a941a02df90991fd9e18bd97c571b88e3c493a722ef1e45a7247f787849c75",
    }
    for name, digest in expected.items():
        assert hashlib.sha256((SCHEMAS / name).read_bytes()).hexdigest() == digest


def test_export_validates_against_project_xsd(tmp_path):
    path = refi.export_qdpx(_project(), tmp_path / "p.qdpx")
    root = _assert_valid(_qde(path), "Project.xsd")
    assert root.tag == f"{NS}Project"
    assert root.get("name") == "Fictional demo"
    # Two documents, each stored under Sources/ as UTF-8 with LF, beside project.qde.
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        sources = [n for n in names if n.startswith("Sources/")]
        assert names[0] == "project.qde"
        assert len(sources) == 2
        texts = {archive.read(n).decode("utf-8") for n in sources}
    assert texts == {TEXT_1, TEXT_2}


def test_codebook_export_validates_against_codebook_xsd(tmp_path):
    frame = default_frame()
    path = refi.export_qdc(frame, tmp_path / "frame.qdc")
    root = _assert_valid(path.read_bytes(), "Codebook.xsd")
    codes = root.iter("{urn:QDA-XML:codebook:1.0}Code")
    assert sum(1 for _ in codes) == len(frame.codes) == 38


def test_codes_are_nested_with_name_colour_and_description(tmp_path):
    frame = default_frame()
    root = etree.fromstring(_qde(refi.export_qdpx(_project(), tmp_path / "p.qdpx")))
    top = root.find(f"{NS}CodeBook/{NS}Codes")
    assert [c.get("name") for c in top.findall(f"{NS}Code")] == ["Barriers", "Facilitators"]
    barriers = top.find(f"{NS}Code")
    assert barriers.get("color") == frame.code("B").colour
    assert barriers.find(f"{NS}Description").text == frame.code("B").description
    # B.I.A.T1 sits three levels below B: Codes/Code(B)/Code(B.I)/Code(B.I.A)/Code(B.I.A.T1)
    leaf = top.find(f"{NS}Code/{NS}Code/{NS}Code/{NS}Code")
    assert leaf.get("name") == frame.code("B.I.A.T1").label


def test_guids_are_uuid5_of_pioneer_ids_and_exports_are_byte_identical(tmp_path):
    project = _project()
    first = refi.export_qdpx(project, tmp_path / "a.qdpx").read_bytes()
    second = refi.export_qdpx(project, tmp_path / "b.qdpx").read_bytes()
    assert first == second
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, "urn:pioneer:refi-qda")
    code_guid = str(uuid.uuid5(namespace, f"code/{project.frame.id}/F.III.T1"))
    seg_guid = str(uuid.uuid5(namespace, "segment/demo-refi/seg-1"))
    root = etree.fromstring(_qde(tmp_path / "a.qdpx"))
    selection = root.find(f".//{NS}PlainTextSelection[@guid='{seg_guid}']")
    assert selection is not None
    refs = [r.get("targetGUID") for r in selection.iter(f"{NS}CodeRef")]
    assert code_guid in refs


def test_selections_count_code_points_and_carry_their_quote(tmp_path):
    root = etree.fromstring(_qde(refi.export_qdpx(_project(), tmp_path / "p.qdpx")))
    selections = {s.get("name"): s for s in root.iter(f"{NS}PlainTextSelection")}
    # Hand-counted in TEXT_1 and TEXT_2 above.
    assert (
        selections["Shared records"].get("startPosition"),
        selections["Shared records"].get("endPosition"),
    ) == ("19", "33")
    assert (
        selections["Café culture"].get("startPosition"),
        selections["Café culture"].get("endPosition"),
    ) == ("2", "14")
    # Two codes on one segment: two Coding elements by the same user.
    codings = selections["Shared records"].findall(f"{NS}Coding")
    assert len(codings) == 2
    assert {c.get("creatingUser") for c in codings} == {
        selections["Shared records"].get("creatingUser")
    }


def test_sites_and_organisation_types_are_case_variables(tmp_path):
    root = etree.fromstring(_qde(refi.export_qdpx(_project(), tmp_path / "p.qdpx")))
    variables = {v.get("guid"): v.get("name") for v in root.iter(f"{NS}Variable")}
    cases = {}
    for case in root.iter(f"{NS}Case"):
        values = {}
        for vv in case.findall(f"{NS}VariableValue"):
            name = variables[vv.find(f"{NS}VariableRef").get("targetGUID")]
            values[name] = next(iter(vv.iterchildren(f"{NS}TextValue", f"{NS}IntegerValue"))).text
        cases[case.get("name")] = values
    assert cases["Barnsley"] == {"Site": "barnsley"}
    assert cases["Interviewee 1"] == {"Organisation type": "CCG", "Round": "1"}
    # The users are the coders and memo authors.
    assert sorted(u.get("name") for u in root.iter(f"{NS}User")) == ["RA", "RB"]
    # Memos are Notes, referenced from the selection they are about.
    note = root.find(f"{NS}Notes/{NS}Note[@name='Records']")
    assert note.find(f"{NS}PlainTextContent").text == "Records come up often.\nCheck other sites."
    seg_ref = root.find(f".//{NS}PlainTextSelection[@name='Shared records']/{NS}NoteRef")
    assert seg_ref.get("targetGUID") == note.get("guid")


def test_a_project_without_cases_gets_one_case_per_document(tmp_path):
    project = _project(cases=False)
    root = etree.fromstring(_qde(refi.export_qdpx(project, tmp_path / "p.qdpx")))
    _assert_valid(etree.tostring(root), "Project.xsd")
    names = sorted(c.get("name") for c in root.iter(f"{NS}Case"))
    assert names == ["Interview 1 (fictional)", "Site plan"]
    back = refi.import_qdpx(tmp_path / "p.qdpx")
    assert back.cases == ()  # the derived cases are not brought back as cases
    assert back == project


def test_round_trip_gives_the_same_project(tmp_path):
    project = _project()
    back = refi.import_qdpx(refi.export_qdpx(project, tmp_path / "p.qdpx"))
    assert back.frame.codes == project.frame.codes
    assert back.frame == project.frame  # with its history
    assert back.frame.id == project.frame.id
    assert back.frame.version == project.frame.version
    assert back.documents == project.documents
    assert back.segments == project.segments
    assert back.cases == project.cases
    assert back.memos == project.memos
    assert back == project


def test_re_export_of_an_import_is_byte_identical(tmp_path):
    first = refi.export_qdpx(_project(), tmp_path / "a.qdpx")
    again = refi.export_qdpx(refi.import_qdpx(first), tmp_path / "b.qdpx")
    assert first.read_bytes() == again.read_bytes()


def test_codebook_round_trip_keeps_ids_version_and_title(tmp_path):
    frame = default_frame()
    frame2, _change = frame.edit("B.I", label="National context")
    back = refi.import_qdc(refi.export_qdc(frame2, tmp_path / "f.qdc"))
    assert back.codes == frame2.codes
    assert (back.id, back.version, back.title) == (frame2.id, 2, frame2.title)
    # The history (create, then the edit) travels in the exchange record.
    assert back.history == frame2.history
    assert [c.action for c in back.history] == ["create", "edit"]
    assert back == frame2


def test_codebook_from_another_program():
    frame = refi.import_qdc(FIXTURES / "other_tool.qdc")
    assert [c.label for c in frame.codes] == ["Facilitators", "Co-location", "Shared records"]
    # Ids made from the GUIDs (braces and case ignored); #9C6 written out as #99CC66.
    assert frame.codes[0].id == "code-a3e5b1c2"
    assert frame.codes[1] == Code("code-b4f6c2d3", "Co-location", "", "#99CC66", "code-a3e5b1c2")
    assert frame.codes[2].colour is None


# --- NVivo and MAXQDA layouts -------------------------------------------------------------


def test_nvivo_and_maxqda_layouts_import_to_the_same_project():
    nvivo = refi.import_qdpx(FIXTURES / "nvivo_layout.qdpx")
    maxqda = refi.import_qdpx(FIXTURES / "maxqda_layout.qdpx")
    assert nvivo.frame.codes == maxqda.frame.codes
    assert nvivo.documents == maxqda.documents
    assert nvivo.segments == maxqda.segments
    assert nvivo.cases == maxqda.cases
    assert nvivo.memos == maxqda.memos


def test_nvivo_layout_crlf_bom_and_utf16_positions_are_re_anchored():
    project = refi.import_qdpx(FIXTURES / "nvivo_layout.qdpx")
    (doc,) = project.documents
    assert "\r" not in doc.text
    assert not doc.text.startswith("\ufeff")
    assert doc.site_id == "barnsley"
    assert doc.org_type == "LA"
    # The quotes as written in make_fixtures.py; two coders on the huddles selection.
    found = sorted((s.text, s.coder) for s in project.segments)
    assert found == [
        ("Co-location of the community teams", "Researcher A"),
        ("Separate budgets for health and social care", "Researcher A"),
        ("huddles every morning", "Researcher A"),
        ("huddles every morning", "Researcher B"),
    ]
    for segment in project.segments:
        assert doc.text[segment.start : segment.end] == segment.text
    # Researcher B's coding of the huddles has its own time (2015-03-04 in the fixture).
    by_b = next(s for s in project.segments if s.coder == "Researcher B")
    assert by_b.created == "2015-03-04T11:00:00Z"
    # Counted by hand in TEXT (LF): line 1 is 59 characters with its LF, line 2 is 44, and
    # "Respondent: " is 12, so "Co-location" starts at 59 + 44 + 12 = 115.
    first = next(s for s in project.segments if s.text.startswith("Co-location"))
    assert (first.start, first.end) == (115, 115 + 34)
    labels = {c.id: c.label for c in project.frame.codes}
    assert {labels[c] for s in project.segments for c in s.code_ids} == {
        "Co-location",
        "Financial barriers",
    }
    assert project.frame.code(project.frame.codes[1].id).colour == "#99CC66"
    (case,) = project.cases
    assert dict(case.variables) == {"Organisation type": "LA", "Site": "barnsley"}
    (memo,) = project.memos
    assert memo.author == "Researcher B"
    assert memo.about == (first.id,)


def test_maxqda_layout_reads_the_lowercase_sources_folder():
    with zipfile.ZipFile(FIXTURES / "maxqda_layout.qdpx") as archive:
        assert any(n.startswith("sources/") for n in archive.namelist())
        assert not any(n.startswith("Sources/") for n in archive.namelist())
    project = refi.import_qdpx(FIXTURES / "maxqda_layout.qdpx")
    assert len(project.segments) == 4


def test_fixture_qde_files_are_schema_valid():
    for name in ("nvivo_layout.qdpx", "maxqda_layout.qdpx"):
        _assert_valid(_qde(FIXTURES / name), "Project.xsd")


# --- positions -----------------------------------------------------------------------------


def test_crlf_positions_are_moved_to_the_lf_text():
    raw = "ab\r\ncd\r\nef"
    text = SourceText(raw)
    assert text.text == "ab\ncd\nef"
    # "ef" is at 8..10 in the stored file and 6..8 in the LF text.
    anchor = text.anchor(8, 10, "ef")
    assert (anchor.start, anchor.end) == (6, 8)
    # Without a quote, positions are read against the file as stored.
    anchor = text.anchor(8, 10, None)
    assert (anchor.start, anchor.end) == (6, 8)


def test_utf16_positions_are_moved_to_code_points():
    text = SourceText("😀 ok")
    # "ok" is 2..4 in code points (😀, space, o, k) and 3..5 in UTF-16 units (😀 is two).
    anchor = text.anchor(3, 5, "ok")
    assert (anchor.start, anchor.end, anchor.how) == (2, 4, "UTF-16 units")


def test_a_shifted_quote_is_found_near_its_stated_position():
    text = SourceText("one two three two")
    # Stated 0..3 but the quote "two" is at 4 and 14; the nearer one wins.
    anchor = text.anchor(0, 3, "two")
    assert (anchor.start, anchor.end, anchor.how) == (4, 7, "re-anchored on the quoted text")


def test_a_label_name_keeps_the_stated_position():
    text = SourceText("one two three")
    anchor = text.anchor(4, 7, "A label")
    assert (anchor.start, anchor.end) == (4, 7)


# --- nothing written on import, atomic export ----------------------------------------------


def test_import_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    refi.import_qdpx(FIXTURES / "nvivo_layout.qdpx")
    refi.import_qdc(FIXTURES / "other_tool.qdc")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_export_leaves_no_file(tmp_path):
    project = _project()
    bad = replace(project, memos=(Memo("memo-x", "bell \x07 character"),))
    target = tmp_path / "p.qdpx"
    with pytest.raises(DataFileError, match="control character") as info:
        refi.export_qdpx(bad, target)
    assert "memo 'memo-x'" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_archive_limits_apply(tmp_path):
    with pytest.raises(DataFileError, match="more than the limit of 1"):
        refi.import_qdpx(FIXTURES / "nvivo_layout.qdpx", limits=refi.ArchiveLimits(max_members=1))
    with pytest.raises(DataFileError, match="add up to more than 100 bytes"):
        refi.import_qdpx(
            FIXTURES / "nvivo_layout.qdpx", limits=refi.ArchiveLimits(max_total_bytes=100)
        )


# --- property: random small projects survive the round trip --------------------------------

_ALPHABET = st.sampled_from(list("abc xyzé—\n😀"))


@st.composite
def _projects(draw) -> Project:
    n_codes = draw(st.integers(1, 5))
    codes = []
    for i in range(n_codes):
        parent = draw(st.sampled_from([None, *[c.id for c in codes]]))
        colour = draw(st.sampled_from([None, "#1F77B4", "#abcdef"]))
        description = draw(st.sampled_from(["", "why it matters", '<&> "quoted"']))
        codes.append(Code(f"C{i}", f"Code {i} & <x>", description, colour, parent))
    frame = CodingFrame("rand", draw(st.integers(1, 3)), tuple(codes), "Random frame")
    docs, segments = [], []
    for d in range(draw(st.integers(1, 3))):
        text = draw(st.text(_ALPHABET, min_size=1, max_size=40))
        doc = Document(
            f"d{d}",
            draw(st.sampled_from(["barnsley", "cornwall"])),
            draw(st.sampled_from(["interview", "site_document"])),
            draw(st.sampled_from(["", f"Doc {d}", 'Ünïcode & <tags> "q"'])),
            text,
            org_type=draw(st.sampled_from([None, "CCG", "LA", "NHS provider", "Other"])),
            round=draw(st.sampled_from([None, 1, 2])),
        )
        docs.append(doc)
        for k in range(draw(st.integers(0, 3))):
            start = draw(st.integers(0, len(text) - 1))
            end = draw(st.integers(start + 1, len(text)))
            picked = draw(st.lists(st.sampled_from(frame.ids), min_size=1, max_size=3))
            segments.append(
                Segment(
                    f"s{d}-{k}",
                    doc.id,
                    start,
                    end,
                    text[start:end],
                    tuple(picked),
                    draw(st.sampled_from(["RA", "RB"])),
                    "2015-01-01T00:00:00Z",
                )
            )
    cases = ()
    if draw(st.booleans()):
        cases = tuple(Case(f"case-{d.id}", d.title, {"Site": d.site_id}, (d.id,)) for d in docs)
    memos = ()
    if segments and draw(st.booleans()):
        memos = (Memo("m1", "note", "", "RA", "", (segments[0].id, frame.ids[0])),)
    return Project("rand", "Random", frame, tuple(docs), tuple(segments), memos, cases)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(project=_projects())
def test_property_round_trip(tmp_path, project):
    path = refi.export_qdpx(project, tmp_path / "r.qdpx")
    _assert_valid(_qde(path), "Project.xsd")
    back = refi.import_qdpx(path)
    assert back == project
    assert back.frame.codes == project.frame.codes


def test_python_is_311():
    # The project pins Python 3.11; zipfile's behaviour checked above is that version's.
    assert sys.version_info[:2] == (3, 11)


def test_the_demonstration_project_round_trips(tmp_path):
    from pioneer.qualitative.demo import demo_project

    project = demo_project()
    path = refi.export_qdpx(project, tmp_path / "demo.qdpx")
    _assert_valid(_qde(path), "Project.xsd")
    back = refi.import_qdpx(path)
    assert back == project
    assert back.segments == project.segments


# --- other shapes a foreign project.qde may take --------------------------------------------

_FOREIGN = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Inline">
  <CodeBook><Codes>
    <Code guid="11111111-1111-4111-8111-111111111111" name="Trust" isCodable="true"/>
  </Codes></CodeBook>
  <Variables>
    <Variable guid="22222222-2222-4222-8222-222222222222" name="site" typeOfVariable="Text"/>
    <Variable guid="22222222-2222-4222-8222-222222222223" name="Team" typeOfVariable="Text"/>
  </Variables>
  <Sources>
    <TextSource guid="33333333-3333-4333-8333-333333333333" name="Notes"{path}>{content}
      <PlainTextSelection guid="44444444-4444-4444-8444-444444444444"
          startPosition="4" endPosition="9">
        <Coding guid="55555555-5555-4555-8555-555555555555">
          <CodeRef targetGUID="11111111-1111-4111-8111-111111111111"/>
        </Coding>
      </PlainTextSelection>
      <Coding guid="66666666-6666-4666-8666-666666666666">
        <CodeRef targetGUID="11111111-1111-4111-8111-111111111111"/>
      </Coding>
      <VariableValue><VariableRef targetGUID="22222222-2222-4222-8222-222222222222"/>
        <TextValue>cornwall</TextValue></VariableValue>
      <VariableValue><VariableRef targetGUID="22222222-2222-4222-8222-222222222223"/>
        <TextValue>GP</TextValue></VariableValue>
    </TextSource>
  </Sources>
</Project>
"""


def _foreign(tmp_path, *, content: str = "", path: str = "", files=()) -> Path:
    target = tmp_path / "foreign.qdpx"
    xml = _FOREIGN.replace("{path}", path).replace("{content}", content)
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("project.qde", xml)
        for name, data in files:
            archive.writestr(name, data)
    return target


def test_inline_text_source_level_coding_and_no_users(tmp_path):
    path = _foreign(
        tmp_path, content="\n      <PlainTextContent>The trust board met.</PlainTextContent>"
    )
    project = refi.import_qdpx(path)
    (doc,) = project.documents
    assert doc.text == "The trust board met."
    assert doc.site_id == "cornwall"  # from a lower-case 'site' variable on the source
    assert doc.attributes == (("Team", "GP"),)
    assert doc.kind == "interview"
    # "trust" is text[4:9]; the source-level coding covers the whole text.
    spans = sorted((s.start, s.end, s.text) for s in project.segments)
    assert spans == [(0, 20, "The trust board met."), (4, 9, "trust")]
    assert {s.coder for s in project.segments} == {"unknown"}
    assert project.id == "foreign"
    assert project.frame.codes == (Code("code-11111111", "Trust"),)


def test_a_bare_relative_source_path_is_read(tmp_path):
    path = _foreign(
        tmp_path,
        path=' plainTextPath="notes.txt"',
        files=[("sources/notes.txt", b"The trust board met.")],
    )
    assert refi.import_qdpx(path).documents[0].text == "The trust board met."


def test_text_in_both_places_is_refused(tmp_path):
    path = _foreign(
        tmp_path,
        path=' plainTextPath="internal://notes.txt"',
        content="<PlainTextContent>x</PlainTextContent>",
        files=[("Sources/notes.txt", b"The trust board met.")],
    )
    with pytest.raises(DataFileError, match="both PlainTextContent and plainTextPath"):
        refi.import_qdpx(path)


def test_an_attribute_named_like_a_document_field_is_refused_on_export(tmp_path):
    project = _project()
    doc = replace(project.documents[1], attributes={"Organization type": "LA"})
    bad = replace(project, documents=(project.documents[0], doc))
    with pytest.raises(DataFileError, match="name of a document field"):
        refi.export_qdpx(bad, tmp_path / "p.qdpx")
    assert list(tmp_path.iterdir()) == []


def test_decomposed_accents_from_another_program_are_composed(tmp_path):
    # "Cafe\u0301 trust": the accent is a separate code point (NFD), so "trust" is 6..11 in
    # the stored text and 5..10 once "e\u0301" is composed into "é" (NFC).
    path = tmp_path / "nfd.qdpx"
    xml = _FOREIGN.replace("{path}", ' plainTextPath="internal://n.txt"').replace("{content}", "")
    xml = xml.replace('startPosition="4" endPosition="9"', 'startPosition="6" endPosition="11"')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", xml)
        archive.writestr("Sources/n.txt", "Cafe\u0301 trust".encode())
    project = refi.import_qdpx(path)
    assert project.documents[0].text == "Café trust"
    selection = next(s for s in project.segments if s.text != project.documents[0].text)
    assert (selection.start, selection.end, selection.text) == (5, 10, "trust")


def test_a_damaged_exchange_record_costs_only_the_ids(tmp_path):
    source = refi.export_qdpx(_project(), tmp_path / "p.qdpx")
    with zipfile.ZipFile(source) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    root = etree.fromstring(members["project.qde"])
    record = root.find(f"{NS}Sets/{NS}Set[@name='Pioneer exchange record']/{NS}Description")
    record.text = '{"format": 1, "frame": "x", "ids": [1, 2], "order": 5, "project": {"id": 3}}'
    members["project.qde"] = etree.tostring(root, xml_declaration=True, encoding="utf-8")
    damaged = tmp_path / "damaged.qdpx"
    with zipfile.ZipFile(damaged, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    project = refi.import_qdpx(damaged)
    assert project.id == "damaged"
    assert len(project.segments) == 3
    assert sorted(s.text for s in project.segments) == sorted(s.text for s in _project().segments)
    assert all(c.id.startswith("code-") for c in project.frame.codes)


@st.composite
def _crlf_selection(draw):
    text = draw(st.text(st.sampled_from(list("ab \n😀é")), min_size=1, max_size=30))
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, len(text)))
    counting = draw(st.sampled_from(["crlf code points", "crlf utf-16", "lf code points"]))
    return text, start, end, counting


@settings(max_examples=60, deadline=None)
@given(case=_crlf_selection())
def test_property_positions_from_windows_programs_land_on_their_quote(case):
    text, start, end, counting = case
    quote = text[start:end]
    raw = text.replace("\n", "\r\n")

    def stored(i: int) -> int:  # position i of the LF text counted the chosen way
        if counting == "lf code points":
            return i
        prefix = text[:i].replace("\n", "\r\n")
        return (
            len(prefix) if counting == "crlf code points" else len(prefix.encode("utf-16-le")) // 2
        )

    anchor = SourceText(raw).anchor(stored(start), stored(end), quote)
    assert text[anchor.start : anchor.end] == quote
    if text.count(quote) == 1:
        assert (anchor.start, anchor.end) == (start, end)


def test_the_public_validators(tmp_path):
    data = _qde(refi.export_qdpx(_project(), tmp_path / "p.qdpx"))
    refi.validate_project_xml(data)  # passes
    with pytest.raises(DataFileError, match="attribute 'color'"):
        refi.validate_project_xml(data.replace(b'color="#B22222"', b'color="red"', 1))
    codebook = refi.export_qdc(default_frame(), tmp_path / "f.qdc").read_bytes()
    refi.validate_codebook_xml(codebook)
    with pytest.raises(DataFileError, match="No matching global declaration"):
        refi.validate_codebook_xml(data)
