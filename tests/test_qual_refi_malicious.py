"""Hostile and malformed REFI-QDA files are refused with one clear error, and nothing is
written. The archives are built by ``tests/fixtures/qdpx/make_fixtures.py`` (one problem
each); the member and line each error must name were read off the generated XML.
"""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import pytest

from pioneer.errors import DataFileError
from pioneer.qualitative import refi

FIXTURES = Path(__file__).parent / "fixtures" / "qdpx"
BAD = FIXTURES / "bad"
QDE = "project.qde"
SOURCE = "Sources/ae415f60-5052-4187-9e99-5f6a7b8c9d01.txt"

# (archive, member the error names or None for the archive itself, fragments of the message)
CASES = [
    ("xxe.qdpx", QDE, ["declares a DTD", "Fix:"]),
    ("billion_laughs.qdpx", QDE, ["declares a DTD"]),
    ("external_dtd.qdpx", QDE, ["declares a DTD"]),
    ("zip_bomb.qdpx", "Sources/padding.txt", ["expands 1029 times", "limit of 100", "zip bomb"]),
    ("zip_bomb_lying_header.qdpx", SOURCE, ["does not match its header", "tampered"]),
    ("dotdot_path.qdpx", "../evil.txt", ["climbs out of the archive"]),
    ("dotdot_inside_path.qdpx", "Sources/../../evil.txt", ["climbs out of the archive"]),
    ("absolute_path.qdpx", "/tmp/evil.txt", ["absolute path"]),
    ("drive_letter_path.qdpx", "C:\\Windows\\evil.txt", ["drive letter"]),
    ("symlink.qdpx", SOURCE, ["symbolic link"]),
    ("source_path_escapes.qdpx", QDE, ["source path climbs out", "internal://../../etc/passwd"]),
    ("source_outside_archive.qdpx", QDE, ["outside the archive (absolute://)", "embedded"]),
    ("missing_source.qdpx", QDE, ["not in the archive", "sources/ae415f60"]),
    ("offsets_beyond_text.qdpx", QDE, ["outside the source text", "(400, 434)", "<= 299"]),
    ("quote_not_in_text.qdpx", QDE, ["quoted text is not in the source text"]),
    ("unknown_code_ref.qdpx", QDE, ["CodeRef points to no Code", "00000000-0000-4000"]),
    ("unknown_user.qdpx", QDE, ["creatingUser refers to no User"]),
    ("duplicate_guid.qdpx", QDE, ["GUID is used twice", "first on line 12"]),
    ("not_a_zip.qdpx", None, ["not a zip archive", "export the project again"]),
    ("no_project_qde.qdpx", None, ["no project.qde"]),
    ("wrong_root.qdpx", QDE, ["root element is not a REFI-QDA Project", "CodeBook"]),
    ("schema_invalid.qdpx", QDE, ["does not follow the REFI-QDA schema", "'green'"]),
    ("not_well_formed.qdpx", QDE, ["not well formed"]),
    ("non_utf8_source.qdpx", SOURCE, ["not UTF-8", "0xe9", "save the source as UTF-8"]),
    ("utf16_source.qdpx", SOURCE, ["UTF-16"]),
    ("pdf_source.qdpx", QDE, ["PDFSource", "text sources only"]),
    ("no_site.qdpx", QDE, ["has no site", "'Site'"]),
]


def _member_text(member: str | None, path: Path) -> str:
    return str(path) if member is None else f"{path} (member {member!r})"


@pytest.mark.parametrize(("name", "member", "fragments"), CASES, ids=[c[0] for c in CASES])
def test_bad_archive_is_refused_and_nothing_written(tmp_path, monkeypatch, name, member, fragments):
    monkeypatch.chdir(tmp_path)
    path = BAD / name
    with pytest.raises(DataFileError) as info:
        refi.import_qdpx(path)
    error = info.value
    message = str(error)
    assert error.file == _member_text(member, path)
    assert message.startswith(_member_text(member, path))
    assert error.fix, "every refusal says what to do"
    for fragment in fragments:
        assert fragment in message
    assert list(tmp_path.iterdir()) == []


def test_there_are_at_least_fifteen_hostile_or_malformed_archives():
    assert len(CASES) >= 15
    assert {p.name for p in BAD.glob("*.qdpx")} == {c[0] for c in CASES}


def test_errors_give_the_line_of_the_offending_element():
    # Line numbers read off the generated project.qde (make_fixtures.project_qde).
    lines = {"unknown_code_ref.qdpx": 39, "offsets_beyond_text.qdpx": 37, "duplicate_guid.qdpx": 15}
    for name, line in lines.items():
        with pytest.raises(DataFileError) as info:
            refi.import_qdpx(BAD / name)
        assert info.value.row == line


def test_huge_member_count_is_refused(tmp_path):
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = tmp_path / "many.qdpx"
    module.many_members(path)
    with pytest.raises(DataFileError, match="10001 members, more than the limit of 10000"):
        refi.import_qdpx(path)


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(DataFileError, match="does not exist"):
        refi.import_qdpx(tmp_path / "nowhere.qdpx")


# --- codebooks ------------------------------------------------------------------------------

QDC_CASES = [
    ("xxe.qdc", ["declares a DTD"]),
    ("duplicate_guid.qdc", ["GUID is used twice"]),
    ("unknown_member_code.qdc", ["set names a code that is not in the codebook"]),
    ("project_as_codebook.qdc", ["root element is not a REFI-QDA CodeBook"]),
    ("schema_invalid.qdc", ["'isCodable' is required"]),
]


@pytest.mark.parametrize(("name", "fragments"), QDC_CASES, ids=[c[0] for c in QDC_CASES])
def test_bad_codebook_is_refused(name, fragments):
    with pytest.raises(DataFileError) as info:
        refi.import_qdc(BAD / name)
    assert info.value.file == str(BAD / name)
    assert info.value.fix
    for fragment in fragments:
        assert fragment in str(info.value)


def test_a_qdpx_given_as_codebook_is_named_as_such():
    with pytest.raises(DataFileError, match="zip archive, not a codebook"):
        refi.import_qdc(FIXTURES / "nvivo_layout.qdpx")


def test_an_oversized_codebook_is_refused():
    with pytest.raises(DataFileError, match="more than the limit of 100"):
        refi.import_qdc(FIXTURES / "other_tool.qdc", max_bytes=100)


def test_codes_nested_too_deep_are_refused(tmp_path):
    # 2,000 nested codes: libxml2 stops at 256 levels, so the import never recurses deeply.
    depth = 2000
    inner = "".join(
        f'<Code guid="00000000-0000-4000-8000-{i:012d}" name="c{i}" isCodable="true">'
        for i in range(depth)
    )
    xml = (
        '<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="deep">'
        f"<CodeBook><Codes>{inner}{'</Code>' * depth}</Codes></CodeBook></Project>"
    )
    path = tmp_path / "deep.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", xml)
    with pytest.raises(DataFileError, match="Excessive depth") as info:
        refi.import_qdpx(path)
    assert info.value.file == f"{path} (member 'project.qde')"
