"""REFI-QDA exchange: a :class:`~pioneer.qualitative.model.Project` to and from a ``.qdpx``
archive (``project.qde`` plus ``Sources/*.txt``), and a coding frame to and from a ``.qdc``
codebook, per the QDA-XML 1.0 schemas packaged in ``pioneer/data/qualitative/refi``.

What goes where (details in ``docs/qualitative/refi-qda.md``):

- codes → nested ``Code`` elements (label as ``name``, colour, ``Description``);
- documents → ``TextSource`` with the text in ``Sources/<guid>.txt`` (UTF-8, LF) and the
  document's fields (site, organisation type, round, ...) as ``VariableValue``;
- segments → ``PlainTextSelection`` (code point positions, the quote as ``name``) holding
  one ``Coding``/``CodeRef`` per code; coders and memo authors → ``Users``;
- cases → ``Cases`` with ``VariableValue`` and ``SourceRef``; a project without cases gets
  one case per document carrying its site and organisation type;
- memos → ``Notes`` with ``NoteRef`` from the code, source or selection they are about;
- Pioneer ids, frame version and project id → a ``Set`` named ``Pioneer exchange record``
  whose description is JSON, so a Pioneer → Pioneer round trip keeps every id.

GUIDs are UUID 5 of the Pioneer ids, so exporting the same project twice gives the same
bytes. Imports trust nothing: archives are checked for zip bombs and escaping paths, XML is
parsed without DTDs or entities and validated against the schema, every reference is
resolved, and any problem is one :class:`~pioneer.errors.DataFileError` naming the archive,
the member and the fix. Imports write nothing; exports replace the target file atomically.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import uuid
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from importlib import resources
from pathlib import Path

from lxml import etree

from pioneer.errors import AnalysisError, DataFileError, PioneerError
from pioneer.qualitative._refi_safety import (
    DEFAULT_LIMITS,
    ArchiveLimits,
    SafeArchive,
    parse_xml,
    unsafe_member_name,
    where,
)
from pioneer.qualitative._refi_text import BOM, SourceText
from pioneer.qualitative.model import (
    Case,
    Code,
    CodingFrame,
    Document,
    FrameChange,
    Memo,
    Project,
    Segment,
)

__all__ = [
    "DEFAULT_LIMITS",
    "GUID_NAMESPACE",
    "RECORD_NAME",
    "ArchiveLimits",
    "codebook_xml",
    "export_qdc",
    "export_qdpx",
    "guid_for",
    "import_qdc",
    "import_qdpx",
    "project_xml",
    "validate_codebook_xml",
    "validate_project_xml",
]

NS_PROJECT = "urn:QDA-XML:project:1.0"
NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"
#: Namespace of every GUID Pioneer writes (UUID 5 of ``kind/scope/id``).
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:pioneer:refi-qda")
#: Name of the Set whose description carries Pioneer's ids through the exchange.
RECORD_NAME = "Pioneer exchange record"
RECORD_FORMAT = 1
ORIGIN = "Pioneer"
PROJECT_MEMBER = "project.qde"
SOURCE_FOLDER = "Sources"
#: Largest .qdc file read (bytes).
MAX_CODEBOOK_BYTES = 16 * 1024 * 1024

_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_XSD_DATETIME = re.compile(r"^-?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
_XSD_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_XML_BAD = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SAFE_ID = re.compile(r"[^A-Za-z0-9._:\-]+")
_VALID_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]*$")  # as pioneer.qualitative.model

# Document fields carried as source variables: (variable name, field, REFI type).
_DOCUMENT_VARIABLES = (
    ("Site", "site_id", "Text"),
    ("Document kind", "kind", "Text"),
    ("Round", "round", "Integer"),
    ("Interviewee type", "interviewee_type", "Text"),
    ("Organisation type", "org_type", "Text"),
    ("Interview date", "date", "Date"),
    ("Interviewer", "interviewer", "Text"),
    ("Topic guide version", "topic_guide_version", "Text"),
    ("Consent", "consent", "Text"),
    ("Fictional", "fictional", "Boolean"),
    ("Source file", "source", "Text"),
)
# Names other programs use for the same fields (compared case-folded, '_'/'-' as spaces).
_ALIASES = {
    "site_id": {"site", "site id", "pioneer site", "pioneer"},
    "kind": {"document kind", "kind"},
    "round": {"round", "interview round"},
    "interviewee_type": {"interviewee type", "interviewee", "role"},
    "org_type": {
        "organisation type",
        "organization type",
        "org type",
        "organisation",
        "organization",
    },
    "date": {"interview date", "date"},
    "interviewer": {"interviewer"},
    "topic_guide_version": {"topic guide version", "topic guide"},
    "consent": {"consent", "consent status"},
    "fictional": {"fictional"},
    "source": {"source file"},
}
_VALUE_ELEMENT = {
    "Text": "TextValue",
    "Boolean": "BooleanValue",
    "Integer": "IntegerValue",
    "Float": "FloatValue",
    "Date": "DateValue",
    "DateTime": "DateTimeValue",
}


def _fold(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", name).strip().casefold()


def _field_of(variable_name: str) -> str | None:
    folded = _fold(variable_name)
    for field_name, names in _ALIASES.items():
        if folded in names:
            return field_name
    return None


def guid_for(kind: str, *parts: str) -> str:
    """The GUID Pioneer gives an object: UUID 5 of ``kind/part/...`` in
    :data:`GUID_NAMESPACE`, so it is the same on every export."""
    return str(uuid.uuid5(GUID_NAMESPACE, "/".join((kind, *parts))))


def _norm_guid(value: str) -> str:
    return value.strip().strip("{}").lower()


# --------------------------------------------------------------------------------------
# Schemas


@functools.cache
def _schema(name: str) -> etree.XMLSchema:
    resource = resources.files("pioneer.data") / "qualitative" / "refi" / name
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    with resource.open("rb") as stream:
        return etree.XMLSchema(etree.parse(stream, parser))


def _validate(tree: etree._ElementTree, schema_name: str, file: str) -> None:
    schema = _schema(schema_name)
    if schema.validate(tree):
        return
    errors = list(schema.error_log)
    first = errors[0]
    more = f" ({len(errors) - 1} more problems)" if len(errors) > 1 else ""
    raise DataFileError(
        file,
        f"the XML does not follow the REFI-QDA schema {schema_name}: "
        f"{first.message.rstrip('.')}{more}",
        row=first.line,
        fix="export the file again from the QDA program, choosing the REFI-QDA 1.0 format",
    )


def validate_project_xml(data: bytes, file: str = PROJECT_MEMBER) -> None:
    """Raise :class:`DataFileError` unless ``data`` is a ``project.qde`` valid against
    ``Project.xsd`` (parsed safely: no DTDs, entities or network)."""
    _validate(parse_xml(data, file), "Project.xsd", file)


def validate_codebook_xml(data: bytes, file: str = "codebook.qdc") -> None:
    """Raise :class:`DataFileError` unless ``data`` is a ``.qdc`` codebook valid against
    ``Codebook.xsd``."""
    _validate(parse_xml(data, file), "Codebook.xsd", file)


# --------------------------------------------------------------------------------------
# Export


def _xml_text(value: str, what: str) -> str:
    bad = _XML_BAD.search(value)
    if bad:
        raise DataFileError(
            what,
            "the text holds a control character that XML cannot carry",
            value=f"U+{ord(bad.group()):04X}",
            fix="remove the character before exporting",
        )
    return value


def _xsd_datetime(value: str, guid: str, times: dict[str, str]) -> str | None:
    """``value`` as an xsd:dateTime; the original is kept in ``times`` when it had to be
    rewritten, so the import gives it back unchanged."""
    if not value:
        return None
    if _XSD_DATETIME.match(value):
        return value
    try:
        written = datetime.fromisoformat(value).isoformat()
    except ValueError:
        times[guid] = value
        return None
    times[guid] = value
    return written


def _sub(parent: etree._Element, ns: str, tag: str, **attrs: str | None) -> etree._Element:
    return etree.SubElement(
        parent, f"{{{ns}}}{tag}", {k: v for k, v in attrs.items() if v is not None}
    )


def _code_elements(
    parent: etree._Element,
    ns: str,
    frame: CodingFrame,
    guids: dict[str, str],
    notes_on: dict[str, list[str]] | None = None,
) -> None:
    children: dict[str | None, list[Code]] = {}
    for code in frame.codes:
        children.setdefault(code.parent_id, []).append(code)

    def add(into: etree._Element, code: Code) -> None:
        where_ = f"code {code.id!r}"
        element = _sub(
            into,
            ns,
            "Code",
            guid=guids[code.id],
            name=_xml_text(code.label, where_),
            isCodable="true",
            color=code.colour,
        )
        if code.description:
            _sub(element, ns, "Description").text = _xml_text(code.description, where_)
        for note in (notes_on or {}).get(code.id, []):
            _sub(element, ns, "NoteRef", targetGUID=note)
        for child in children.get(code.id, []):
            add(element, child)

    for root in children.get(None, []):
        add(parent, root)


def _record_set(parent: etree._Element, ns: str, guid: str, record: dict) -> None:
    element = _sub(parent, ns, "Set", guid=guid, name=RECORD_NAME)
    text = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    _sub(element, ns, "Description").text = _xml_text(text, RECORD_NAME)


def _document_values(doc: Document) -> list[tuple[str, str]]:
    values: list[tuple[str, str]] = []
    for name, field_name, _type in _DOCUMENT_VARIABLES:
        value = getattr(doc, field_name)
        if value is None:
            continue
        if isinstance(value, bool):
            values.append((name, "true" if value else "false"))
        else:
            values.append((name, str(value)))
    for name, value in doc.attributes:
        if _field_of(name) is not None:
            raise DataFileError(
                f"document {doc.id!r}",
                "an attribute has the name of a document field, so it would be read back as "
                "that field",
                column="attributes",
                value=name,
                fix="rename the attribute",
            )
        values.append((name, value))
    return values


def _conforms(kind: str, value: str) -> bool:
    if kind == "Integer":
        return re.fullmatch(r"[+-]?\d+", value) is not None
    if kind == "Boolean":
        return value in {"true", "false", "1", "0"}
    if kind == "Date":
        if not _XSD_DATE.match(value):
            return False
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
        return True
    return True


def _derived_cases(project: Project) -> tuple[Case, ...]:
    cases = []
    for doc in project.documents:
        variables = {"Site": doc.site_id}
        if doc.org_type:
            variables["Organisation type"] = doc.org_type
        if doc.interviewee_type:
            variables["Interviewee type"] = doc.interviewee_type
        cases.append(Case(f"case-{doc.id}", doc.title or doc.id, variables, (doc.id,)))
    return tuple(cases)


def project_xml(project: Project) -> tuple[bytes, dict[str, str]]:
    """The ``project.qde`` bytes for ``project`` and the source files to store beside it
    (archive member → text). Valid against ``Project.xsd`` (checked here)."""
    ns = NS_PROJECT
    pid = project.id
    frame = project.frame
    times: dict[str, str] = {}
    ids: dict[str, str] = {}

    code_guid = {c.id: guid_for("code", frame.id, c.id) for c in frame.codes}
    doc_guid = {d.id: guid_for("document", pid, d.id) for d in project.documents}
    seg_guid = {s.id: guid_for("segment", pid, s.id) for s in project.segments}
    memo_guid = {m.id: guid_for("memo", pid, m.id) for m in project.memos}
    for table in (code_guid, doc_guid, seg_guid, memo_guid):
        ids.update({g: i for i, g in table.items()})

    derived = not project.cases and bool(project.documents)
    cases = _derived_cases(project) if derived else project.cases
    case_guid = {c.id: guid_for("case", pid, c.id) for c in cases}
    if not derived:
        ids.update({g: i for i, g in case_guid.items()})

    users = sorted(
        {s.coder for s in project.segments} | {m.author for m in project.memos if m.author}
    )
    user_guid = {u: guid_for("user", u) for u in users}

    # Which memos hang on which objects (NoteRef); ids may name a code, document or segment.
    notes_on: dict[str, list[str]] = {}
    for memo in project.memos:
        for target in memo.about:
            notes_on.setdefault(target, []).append(memo_guid[memo.id])
    code_notes = {k: v for k, v in notes_on.items() if k in code_guid}

    # Variables: one per name, typed when every value fits the type.
    doc_values = {d.id: _document_values(d) for d in project.documents}
    builtin_type = {name: kind for name, _f, kind in _DOCUMENT_VARIABLES}
    seen_values: dict[str, list[str]] = {}
    for values in doc_values.values():
        for name, value in values:
            seen_values.setdefault(name, []).append(value)
    for case in cases:
        for name, value in case.variables:
            seen_values.setdefault(name, []).append(value)
    var_type = {}
    for name, values in seen_values.items():
        kind = builtin_type.get(name, "Text")
        var_type[name] = kind if all(_conforms(kind, v) for v in values) else "Text"
    var_guid = {name: guid_for("variable", name) for name in seen_values}

    root = etree.Element(f"{{{ns}}}Project", nsmap={None: ns}, name=project.title, origin=ORIGIN)
    _xml_text(project.title, f"project {pid!r}")
    if users:
        users_el = _sub(root, ns, "Users")
        for u in users:
            _sub(users_el, ns, "User", guid=user_guid[u], name=_xml_text(u, "coder"), id=u)
    if frame.codes:
        codes_el = _sub(_sub(root, ns, "CodeBook"), ns, "Codes")
        _code_elements(codes_el, ns, frame, code_guid, code_notes)
    if var_guid:
        vars_el = _sub(root, ns, "Variables")
        for name in sorted(var_guid):
            _sub(
                vars_el,
                ns,
                "Variable",
                guid=var_guid[name],
                name=_xml_text(name, "variable name"),
                typeOfVariable=var_type[name],
            )

    def add_values(parent: etree._Element, values: Iterable[tuple[str, str]], what: str) -> None:
        for name, value in values:
            vv = _sub(parent, ns, "VariableValue")
            _sub(vv, ns, "VariableRef", targetGUID=var_guid[name])
            _sub(vv, ns, _VALUE_ELEMENT[var_type[name]]).text = _xml_text(value, what)

    if cases:
        cases_el = _sub(root, ns, "Cases")
        for case in cases:
            case_el = _sub(
                cases_el, ns, "Case", guid=case_guid[case.id], name=_xml_text(case.label, "case")
            )
            add_values(case_el, case.variables, f"case {case.id!r}")
            for doc_id in case.document_ids:
                _sub(case_el, ns, "SourceRef", targetGUID=doc_guid[doc_id])

    files: dict[str, str] = {}
    if project.documents:
        sources_el = _sub(root, ns, "Sources")
        for doc in project.documents:
            guid = doc_guid[doc.id]
            member = f"{SOURCE_FOLDER}/{guid}.txt"
            files[member] = doc.text
            src = _sub(
                sources_el,
                ns,
                "TextSource",
                guid=guid,
                name=_xml_text(doc.title, f"document {doc.id!r}"),
                plainTextPath=f"internal://{guid}.txt",
            )
            segments = sorted(project.segments_of(doc.id), key=lambda s: (s.start, s.end, s.id))
            for seg in segments:
                sguid = seg_guid[seg.id]
                created = _xsd_datetime(seg.created, sguid, times)
                sel = _sub(
                    src,
                    ns,
                    "PlainTextSelection",
                    guid=sguid,
                    name=_xml_text(seg.text, f"segment {seg.id!r}"),
                    startPosition=str(seg.start),
                    endPosition=str(seg.end),
                    creatingUser=user_guid[seg.coder],
                    creationDateTime=created,
                )
                for code_id in seg.code_ids:
                    coding = _sub(
                        sel,
                        ns,
                        "Coding",
                        guid=guid_for("coding", pid, seg.id, code_id),
                        creatingUser=user_guid[seg.coder],
                        creationDateTime=created,
                    )
                    _sub(coding, ns, "CodeRef", targetGUID=code_guid[code_id])
                for note in notes_on.get(seg.id, []):
                    _sub(sel, ns, "NoteRef", targetGUID=note)
            for note in notes_on.get(doc.id, []):
                _sub(src, ns, "NoteRef", targetGUID=note)
            add_values(src, doc_values[doc.id], f"document {doc.id!r}")

    if project.memos:
        notes_el = _sub(root, ns, "Notes")
        for memo in project.memos:
            mguid = memo_guid[memo.id]
            note = _sub(
                notes_el,
                ns,
                "Note",
                guid=mguid,
                name=_xml_text(memo.title, f"memo {memo.id!r}") or None,
                creatingUser=user_guid.get(memo.author),
                creationDateTime=_xsd_datetime(memo.created, mguid, times),
            )
            _sub(note, ns, "PlainTextContent").text = _xml_text(memo.text, f"memo {memo.id!r}")

    record = {
        "format": RECORD_FORMAT,
        "project": {"id": pid, "fictional": project.fictional},
        "frame": _frame_record(frame),
        "ids": ids,
        "order": {
            "documents": [d.id for d in project.documents],
            "segments": [s.id for s in project.segments],
            "memos": [m.id for m in project.memos],
            "cases": [] if derived else [c.id for c in cases],
        },
        "memo_about": {m.id: list(m.about) for m in project.memos if m.about},
        "times": times,
        "derived_cases": sorted(case_guid.values()) if derived else [],
    }
    _record_set(_sub(root, ns, "Sets"), ns, guid_for("record", pid), record)

    tree = etree.ElementTree(root)
    data = etree.tostring(tree, xml_declaration=True, encoding="utf-8", pretty_print=True)
    _validate(tree, "Project.xsd", f"export of project {pid!r}")
    return data, files


def _frame_record(frame: CodingFrame) -> dict:
    """The frame's id, version, title, code order and edit history for the record."""
    return {
        "id": frame.id,
        "version": frame.version,
        "title": frame.title,
        "codes": list(frame.ids),
        "history": [
            {
                "action": c.action,
                "from_version": c.from_version,
                "to_version": c.to_version,
                "code_ids": list(c.code_ids),
                "result_ids": list(c.result_ids),
                "mapping": [[old, list(new)] for old, new in c.mapping],
                "note": c.note,
            }
            for c in frame.history
        ],
    }


def _history_from(entries: object) -> tuple[FrameChange, ...]:
    """The frame history written by :func:`_frame_record`; empty if any entry is damaged."""
    if not isinstance(entries, list):
        return ()
    out = []
    try:
        for e in entries:
            mapping = tuple((str(old), tuple(map(str, new))) for old, new in e["mapping"])
            ints = (e["from_version"], e["to_version"])
            if not all(type(i) is int for i in ints):
                return ()
            out.append(
                FrameChange(
                    str(e["action"]),
                    ints[0],
                    ints[1],
                    tuple(map(str, e["code_ids"])),
                    tuple(map(str, e["result_ids"])),
                    mapping,
                    str(e["note"]),
                )
            )
    except (PioneerError, KeyError, TypeError, ValueError):
        return ()
    return tuple(out)


def codebook_xml(frame: CodingFrame) -> bytes:
    """The ``.qdc`` bytes for ``frame``, valid against ``Codebook.xsd`` (checked here)."""
    if not frame.codes:
        raise AnalysisError(f"frame {frame.id!r} has no codes; a REFI-QDA codebook needs one")
    ns = NS_CODEBOOK
    code_guid = {c.id: guid_for("code", frame.id, c.id) for c in frame.codes}
    root = etree.Element(f"{{{ns}}}CodeBook", nsmap={None: ns}, origin=ORIGIN)
    _code_elements(_sub(root, ns, "Codes"), ns, frame, code_guid)
    record = {
        "format": RECORD_FORMAT,
        "frame": _frame_record(frame),
        "ids": {g: i for i, g in code_guid.items()},
    }
    _record_set(_sub(root, ns, "Sets"), ns, guid_for("record", "frame", frame.id), record)
    tree = etree.ElementTree(root)
    _validate(tree, "Codebook.xsd", f"export of frame {frame.id!r}")
    return etree.tostring(tree, xml_declaration=True, encoding="utf-8", pretty_print=True)


@contextlib.contextmanager
def _atomic(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as stream:
            yield stream
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    return info


def export_qdpx(project: Project, path: str | Path) -> Path:
    """Write ``project`` as a REFI-QDA ``.qdpx`` archive at ``path`` (replaced atomically)
    and return the path. The same project always gives the same bytes."""
    path = Path(path)
    data, files = project_xml(project)
    with _atomic(path) as stream, zipfile.ZipFile(stream, "w") as archive:
        archive.writestr(_member(PROJECT_MEMBER), data)
        for member in sorted(files):
            archive.writestr(_member(member), files[member].encode("utf-8"))
    return path


def export_qdc(frame: CodingFrame, path: str | Path) -> Path:
    """Write ``frame`` as a REFI-QDA ``.qdc`` codebook at ``path`` and return the path."""
    path = Path(path)
    data = codebook_xml(frame)
    with _atomic(path) as stream:
        stream.write(data)
    return path


# --------------------------------------------------------------------------------------
# Import


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


class _Reader:
    """State for one import: the archive, the member being read and error helpers."""

    def __init__(self, file: Path, member: str | None) -> None:
        self.file = file
        self.member = member

    def fail(
        self,
        problem: str,
        *,
        element: etree._Element | None = None,
        member: str | None = None,
        value: object = None,
        expected: str | None = None,
        fix: str | None = None,
    ) -> DataFileError:
        return DataFileError(
            where(self.file, member or self.member),
            problem,
            row=element.sourceline if element is not None else None,
            value=value,
            expected=expected,
            fix=fix,
        )


def _check_root(tree: etree._ElementTree, ns: str, tag: str, reader: _Reader) -> etree._Element:
    root = tree.getroot()
    if root.tag != _q(ns, tag):
        raise reader.fail(
            "the root element is not a REFI-QDA " + tag,
            element=root,
            value=root.tag,
            expected=f"{{{ns}}}{tag}",
            fix="choose the REFI-QDA 1.0 export of the QDA program"
            + (" (a .qdc codebook is imported with import_qdc)" if tag == "Project" else ""),
        )
    return root


def _check_unique_guids(root: etree._Element, reader: _Reader, skip: Iterable[str] = ()) -> dict:
    skipped = set(skip)
    seen: dict[str, etree._Element] = {}
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag in skipped:
            continue
        guid = element.get("guid")
        if guid is None:
            continue
        key = _norm_guid(guid)
        if key in seen:
            raise reader.fail(
                f"the GUID is used twice (first on line {seen[key].sourceline})",
                element=element,
                value=guid,
                fix="every element needs its own GUID; export the project again or edit "
                "the duplicate",
            )
        seen[key] = element
    return seen


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _string_map(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(v, str)}


def _read_record(root: etree._Element, ns: str) -> dict:
    """Pioneer's exchange record, with every part of the wrong shape dropped (the file is
    untrusted, and a damaged record only costs the original ids)."""
    for s in root.iter(_q(ns, "Set")):
        if s.get("name") != RECORD_NAME:
            continue
        desc = s.find(_q(ns, "Description"))
        try:
            record = json.loads(desc.text or "") if desc is not None else None
        except ValueError:
            return {}
        if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
            return {}
        project = record.get("project") if isinstance(record.get("project"), dict) else {}
        frame = record.get("frame") if isinstance(record.get("frame"), dict) else {}
        order = record.get("order") if isinstance(record.get("order"), dict) else {}
        about = record.get("memo_about") if isinstance(record.get("memo_about"), dict) else {}
        return {
            "project": {
                "id": project.get("id") if isinstance(project.get("id"), str) else None,
                "fictional": project.get("fictional") is True,
            },
            "frame": {
                "id": frame.get("id") if isinstance(frame.get("id"), str) else None,
                "version": frame.get("version") if type(frame.get("version")) is int else None,
                "title": frame.get("title") if isinstance(frame.get("title"), str) else None,
                "codes": _strings(frame.get("codes")),
                "history": _history_from(frame.get("history")),
            },
            "ids": _string_map(record.get("ids")),
            "order": {k: _strings(v) for k, v in order.items()},
            "memo_about": {k: _strings(v) for k, v in about.items() if isinstance(v, list)},
            "times": _string_map(record.get("times")),
            "derived_cases": _strings(record.get("derived_cases")),
        }
    return {}


def _colour(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) == 4:  # #RGB
        return "#" + "".join(ch * 2 for ch in value[1:])
    return value


class _Ids:
    """Pioneer ids for GUIDs: from the exchange record when present, else made from the
    GUID (``code-1a2b3c4d``), unique within their kind."""

    def __init__(self, record: dict) -> None:
        raw = record.get("ids", {})
        self.known = {_norm_guid(k): v for k, v in raw.items() if isinstance(v, str)}
        self.used: dict[str, set[str]] = {}

    def get(self, kind: str, guid: str) -> str:
        used = self.used.setdefault(kind, set())
        key = _norm_guid(guid)
        candidate = self.known.get(key)
        if candidate is None or candidate in used or not _VALID_ID.match(candidate):
            hexed = key.replace("-", "")
            candidate = f"{kind}-{hexed[:8]}"
            if candidate in used:
                candidate = f"{kind}-{hexed}"
        used.add(candidate)
        return candidate


def _wrap_model_error(exc: DataFileError, reader: _Reader, element=None) -> DataFileError:
    return reader.fail(
        f"the imported project does not hold together: {exc}",
        element=element,
        fix="correct the project in the QDA program and export it again",
    )


def _codes_from(
    codes_el: etree._Element | None,
    ns: str,
    ids: _Ids,
    reader: _Reader,
    record: dict,
) -> tuple[list[Code], dict[str, str]]:
    """The codes under ``codes_el`` (parents first) and a map GUID → code id."""
    codes: list[Code] = []
    by_guid: dict[str, str] = {}
    lines: dict[str, etree._Element] = {}

    def walk(element: etree._Element, parent: str | None) -> None:
        for code_el in element.findall(_q(ns, "Code")):
            guid = code_el.get("guid")
            code_id = ids.get("code", guid)
            by_guid[_norm_guid(guid)] = code_id
            lines[code_id] = code_el
            desc = code_el.find(_q(ns, "Description"))
            label = (code_el.get("name") or "").strip()
            if not label:
                raise reader.fail("a code has an empty name", element=code_el, fix="name the code")
            try:
                codes.append(
                    Code(
                        code_id,
                        code_el.get("name"),
                        (desc.text or "") if desc is not None else "",
                        _colour(code_el.get("color")),
                        parent,
                    )
                )
            except DataFileError as exc:
                raise _wrap_model_error(exc, reader, code_el) from None
            walk(code_el, code_id)

    if codes_el is not None:
        walk(codes_el, None)
    order = record.get("frame", {}).get("codes", [])
    if order:
        position = {c: i for i, c in enumerate(order)}
        codes.sort(key=lambda c: position.get(c.id, len(position)))
        codes = _parents_first(codes)
    return codes, by_guid


def _parents_first(codes: list[Code]) -> list[Code]:
    """``codes`` in their order, except that a code waits until its parent is placed."""
    placed: set[str] = set()
    out: list[Code] = []
    pending = list(codes)
    while pending:
        rest = []
        for code in pending:
            if code.parent_id is None or code.parent_id in placed:
                out.append(code)
                placed.add(code.id)
            else:
                rest.append(code)
        if len(rest) == len(pending):  # cannot happen for a tree read from nested XML
            return out + rest
        pending = rest
    return out


def _frame_from(codes: list[Code], record: dict, reader: _Reader, default_id: str) -> CodingFrame:
    meta = record.get("frame", {})
    frame_id = meta.get("id") or default_id
    version = meta.get("version") or 1
    title = meta.get("title") or ""
    try:
        return CodingFrame(frame_id, version, tuple(codes), title, meta.get("history", ()))
    except DataFileError as exc:
        raise _wrap_model_error(exc, reader) from None


def _safe_id(text: str, default: str) -> str:
    out = _SAFE_ID.sub("-", text).strip("-._:")
    return out if out and out[0].isalnum() else default


def _value_text(vv: etree._Element, ns: str) -> str:
    for tag in _VALUE_ELEMENT.values():
        el = vv.find(_q(ns, tag))
        if el is not None:
            return (el.text or "").strip() if tag != "TextValue" else (el.text or "")
    return ""


def _decode_source(data: bytes, reader: _Reader, member: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise reader.fail(
            "the source text is UTF-16, not UTF-8",
            member=member,
            fix="save the source as UTF-8 and export again",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise reader.fail(
            f"the source text is not UTF-8 (byte {exc.start} is {data[exc.start]:#04x})",
            member=member,
            expected="UTF-8 text",
            fix="save the source as UTF-8 (e.g. 'Save as… UTF-8' in a text editor) and "
            "export again",
        ) from None
    return text[1:] if text.startswith(BOM) else text


def _source_member(archive: SafeArchive, path: str, reader: _Reader, element) -> str:
    """The archive member a ``plainTextPath`` names, in ``Sources/`` or ``sources/``."""
    if "://" in path:
        scheme, rest = path.split("://", 1)
        if scheme.casefold() != "internal":
            raise reader.fail(
                f"the source text is outside the archive ({scheme}://)",
                element=element,
                value=path,
                fix="export the project with its sources embedded (internal://)",
            )
    else:
        rest = path
    reason = unsafe_member_name(rest)
    if reason or not rest.strip():
        raise reader.fail(
            f"the source path {reason or 'is empty'}",
            element=element,
            value=path,
            fix="refuse this archive: source paths must stay inside Sources/",
        )
    rest = rest.replace("\\", "/")
    for folder in (SOURCE_FOLDER, SOURCE_FOLDER.lower()):
        if f"{folder}/{rest}" in archive.names:
            return f"{folder}/{rest}"
    for candidate in (f"{SOURCE_FOLDER}/{rest}", rest):
        found = archive.find(candidate)
        if found is not None:
            return found
    raise reader.fail(
        "the source file named by plainTextPath is not in the archive",
        element=element,
        value=path,
        expected=f"a member {SOURCE_FOLDER}/{rest} or {SOURCE_FOLDER.lower()}/{rest}",
        fix="export the project again with its sources included",
    )


def _created(
    element: etree._Element, fallback: str, times: dict[str, str], guid: str | None = None
) -> str:
    if guid and _norm_guid(guid) in times:
        return times[_norm_guid(guid)]
    value = element.get("creationDateTime")
    return value if value else fallback


def import_qdpx(path: str | Path, *, limits: ArchiveLimits = DEFAULT_LIMITS) -> Project:
    """Read a REFI-QDA ``.qdpx`` archive into a :class:`Project`; writes nothing.

    Accepts NVivo's (``Sources/``) and MAXQDA's (``sources/``) layouts, UTF-8 texts with
    or without a BOM and with CRLF line ends (positions are moved to the LF text, checked
    against each selection's quote). Raises :class:`DataFileError` for anything unsafe or
    inconsistent.
    """
    path = Path(path)
    with SafeArchive(path, limits) as archive:
        return _import(archive, path)


def _import(archive: SafeArchive, path: Path) -> Project:
    ns = NS_PROJECT
    member = archive.find(PROJECT_MEMBER)
    reader = _Reader(path, member)
    if member is None:
        listed = ", ".join(archive.names[:5]) or "nothing"
        raise DataFileError(
            path,
            "the archive has no project.qde",
            value=listed,
            expected="project.qde at the top of the archive",
            fix="choose the .qdpx file the QDA program exported (REFI-QDA project exchange)",
        )
    qde_file = where(path, member)
    tree = parse_xml(archive.read(member), qde_file)
    root = _check_root(tree, ns, "Project", reader)
    _validate(tree, "Project.xsd", qde_file)
    guids = _check_unique_guids(root, reader)

    def kind_of(guid: str) -> str | None:
        el = guids.get(_norm_guid(guid))
        return etree.QName(el).localname if el is not None else None

    # Every reference must land on the right kind of element.
    expect = {"CodeRef": "Code", "MemberCode": "Code", "VariableRef": "Variable", "NoteRef": "Note"}
    for tag, target in expect.items():
        for ref in root.iter(_q(ns, tag)):
            if kind_of(ref.get("targetGUID")) != target:
                raise _ref_error(reader, ref, tag, target)
    for tag in ("SourceRef", "MemberSource"):
        for ref in root.iter(_q(ns, tag)):
            if kind_of(ref.get("targetGUID")) not in {"TextSource"}:
                raise _ref_error(reader, ref, tag, "TextSource")
    for element in root.iter():
        for attr in ("creatingUser", "modifyingUser"):
            value = element.get(attr)
            if value is not None and kind_of(value) != "User":
                raise reader.fail(
                    f"{attr} refers to no User of the project",
                    element=element,
                    value=value,
                    fix="add the user to <Users> or remove the attribute",
                )

    sources_el = root.find(_q(ns, "Sources"))
    if sources_el is not None:
        for other in sources_el:
            if isinstance(other.tag, str) and other.tag != _q(ns, "TextSource"):
                raise reader.fail(
                    f"the project holds a {etree.QName(other).localname}; Pioneer exchanges "
                    "text sources only",
                    element=other,
                    value=other.get("name"),
                    fix="remove picture, PDF, audio and video sources (or convert them to "
                    "text) before exporting",
                )

    record = _read_record(root, ns)
    ids = _Ids(record)
    times = {_norm_guid(k): v for k, v in record.get("times", {}).items()}
    derived = {_norm_guid(g) for g in record.get("derived_cases", [])}

    qde_time = datetime(*archive.info(member).date_time).isoformat()
    fallback_time = root.get("creationDateTime") or qde_time

    users = {}
    for user in root.iter(_q(ns, "User")):
        name = user.get("name") or user.get("id") or f"user-{_norm_guid(user.get('guid'))[:8]}"
        users[_norm_guid(user.get("guid"))] = name.strip() or "unknown"

    def coder_of(*elements: etree._Element) -> str:
        for el in elements:
            value = el.get("creatingUser")
            if value:
                return users[_norm_guid(value)]
        project_user = root.get("creatingUserGUID")
        if project_user and _norm_guid(project_user) in users:
            return users[_norm_guid(project_user)]
        return "unknown"

    codebook = root.find(_q(ns, "CodeBook"))
    codes_el = codebook.find(_q(ns, "Codes")) if codebook is not None else None
    codes, code_of = _codes_from(codes_el, ns, ids, reader, record)
    frame = _frame_from(codes, record, reader, "refi")

    variables = {_norm_guid(v.get("guid")): v.get("name") for v in root.iter(_q(ns, "Variable"))}

    def values_of(element: etree._Element) -> list[tuple[str, str]]:
        out = []
        for vv in element.findall(_q(ns, "VariableValue")):
            name = variables[_norm_guid(vv.find(_q(ns, "VariableRef")).get("targetGUID"))]
            out.append((name, _value_text(vv, ns)))
        return out

    # Cases first: a document without its own site takes the site of its case.
    case_values_for_doc: dict[str, list[tuple[str, str, etree._Element]]] = {}
    case_rows = []
    for case_el in root.iter(_q(ns, "Case")):
        values = values_of(case_el)
        refs = [_norm_guid(r.get("targetGUID")) for r in case_el.findall(_q(ns, "SourceRef"))]
        for ref in refs:
            for name, value in values:
                case_values_for_doc.setdefault(ref, []).append((name, value, case_el))
        if _norm_guid(case_el.get("guid")) not in derived:
            case_rows.append((case_el, values, refs))

    # Memo ids, needed for NoteRefs.
    note_ids = {
        _norm_guid(n.get("guid")): ids.get("memo", n.get("guid")) for n in root.iter(_q(ns, "Note"))
    }
    about: dict[str, list[str]] = {}

    def collect_notes(element: etree._Element, target_id: str) -> None:
        for ref in element.findall(_q(ns, "NoteRef")):
            about.setdefault(note_ids[_norm_guid(ref.get("targetGUID"))], []).append(target_id)

    if codes_el is not None:
        for code_el in codes_el.iter(_q(ns, "Code")):
            collect_notes(code_el, code_of[_norm_guid(code_el.get("guid"))])

    documents: list[Document] = []
    segments: list[Segment] = []
    doc_of: dict[str, str] = {}
    for src in root.iter(_q(ns, "TextSource")):
        if src.getparent() is None or src.getparent().tag != _q(ns, "Sources"):
            continue
        guid = src.get("guid")
        doc_id = ids.get("document", guid)
        doc_of[_norm_guid(guid)] = doc_id
        content = src.find(_q(ns, "PlainTextContent"))
        text_path = src.get("plainTextPath")
        if content is not None and text_path:
            raise reader.fail(
                "the text source has both PlainTextContent and plainTextPath",
                element=src,
                value=src.get("name"),
                fix="keep one of them (the schema allows either, not both)",
            )
        if text_path:
            source_member = _source_member(archive, text_path, reader, src)
            raw = _decode_source(archive.read(source_member), reader, source_member)
        elif content is not None:
            source_member = member
            raw = content.text or ""
            if raw.startswith(BOM):
                raw = raw[1:]
        else:
            raise reader.fail(
                "the text source has no plain text (no plainTextPath, no PlainTextContent)",
                element=src,
                value=src.get("name"),
                fix="export the project with plain-text versions of its documents",
            )
        # Texts from other programs are made NFC like Pioneer's own imports; a Pioneer
        # export is taken exactly as written.
        text = SourceText(raw, nfc=_norm_guid(guid) not in ids.known)
        fields = _document_fields(
            src, values_of(src), case_values_for_doc.get(_norm_guid(guid)), reader
        )
        fields.setdefault("kind", "interview")
        try:
            doc = Document(
                id=doc_id,
                title=src.get("name", source_member or doc_id),
                text=text.nfc,
                **fields,
            )
        except DataFileError as exc:
            raise _wrap_model_error(exc, reader, src) from None
        documents.append(doc)
        collect_notes(src, doc_id)

        for sel in src.findall(_q(ns, "PlainTextSelection")):
            segments.extend(
                _selection_segments(
                    sel,
                    doc,
                    text,
                    ns,
                    ids,
                    code_of,
                    coder_of,
                    times,
                    fallback_time,
                    reader,
                    collect_notes,
                )
            )
        whole = src.findall(_q(ns, "Coding"))
        for coding in whole:  # codings of the whole source
            seg_id = ids.get("segment", coding.get("guid"))
            try:
                segments.append(
                    Segment(
                        seg_id,
                        doc_id,
                        0,
                        len(doc.text),
                        doc.text,
                        (code_of[_norm_guid(coding.find(_q(ns, "CodeRef")).get("targetGUID"))],),
                        coder_of(coding, src),
                        _created(coding, fallback_time, times, coding.get("guid")),
                    )
                )
            except DataFileError as exc:
                raise _wrap_model_error(exc, reader, coding) from None

    cases = []
    for case_el, values, refs in case_rows:
        case_id = ids.get("case", case_el.get("guid"))
        try:
            cases.append(
                Case(
                    case_id,
                    case_el.get("name", case_id),
                    values,
                    tuple(doc_of[r] for r in refs),
                )
            )
        except DataFileError as exc:
            raise _wrap_model_error(exc, reader, case_el) from None

    memo_about = record.get("memo_about", {})
    memos = []
    for note in root.iter(_q(ns, "Note")):
        memo_id = note_ids[_norm_guid(note.get("guid"))]
        content = note.find(_q(ns, "PlainTextContent"))
        if content is None and note.get("plainTextPath"):
            note_member = _source_member(archive, note.get("plainTextPath"), reader, note)
            body = _normalise_memo(_decode_source(archive.read(note_member), reader, note_member))
        else:
            body = (content.text or "") if content is not None else ""
        recorded = memo_about.get(memo_id)
        found = list(dict.fromkeys(about.get(memo_id, [])))
        targets = recorded if recorded is not None and set(found) <= set(recorded) else found
        user = note.get("creatingUser")
        try:
            memos.append(
                Memo(
                    memo_id,
                    body,
                    note.get("name") or "",
                    users[_norm_guid(user)] if user else "",
                    _created(note, "", times, note.get("guid")),
                    tuple(str(t) for t in targets),
                )
            )
        except DataFileError as exc:
            raise _wrap_model_error(exc, reader, note) from None

    # Keep Pioneer's own order (the record lists the ids of each kind in project order).
    order = record.get("order", {})
    for kind, items in (
        ("documents", documents),
        ("segments", segments),
        ("memos", memos),
        ("cases", cases),
    ):
        position = {v: i for i, v in enumerate(order.get(kind, []))}
        items.sort(key=lambda x, position=position: position.get(x.id, len(position)))

    meta = record.get("project", {})
    project_id = meta.get("id") or _safe_id(path.stem, "refi-import")
    try:
        return Project(
            project_id,
            root.get("name"),
            frame,
            tuple(documents),
            tuple(segments),
            tuple(memos),
            tuple(cases),
            bool(meta.get("fictional", False)),
        )
    except DataFileError as exc:
        raise _wrap_model_error(exc, reader) from None


def _normalise_memo(text: str) -> str:
    """A memo read from a file: CRLF as LF (as the XML parser does for inline notes)."""
    return text.replace("\r\n", "\n")


def _ref_error(reader: _Reader, ref: etree._Element, tag: str, target: str) -> DataFileError:
    return reader.fail(
        f"{tag} points to no {target} of the project",
        element=ref,
        value=ref.get("targetGUID"),
        fix=f"add the missing {target} or remove the reference, then export again",
    )


def _document_fields(
    src: etree._Element,
    own: list[tuple[str, str]],
    from_cases: list[tuple[str, str, etree._Element]] | None,
    reader: _Reader,
) -> dict:
    fields: dict[str, object] = {}
    attributes: list[tuple[str, str]] = []
    for name, value in own:
        field_name = _field_of(name)
        if field_name is None:
            attributes.append((name, value))
        else:
            fields[field_name] = value
    for name, value, case_el in from_cases or []:
        field_name = _field_of(name)
        if field_name not in {"site_id", "org_type", "interviewee_type"} or field_name in fields:
            continue
        others = {v for n, v, _ in from_cases or [] if _field_of(n) == field_name}
        if len(others) > 1:
            raise reader.fail(
                f"the cases of this source disagree on its {name}",
                element=case_el,
                value=sorted(others),
                fix="give each source one case, or give the source its own variable",
            )
        fields[field_name] = value
    if not fields.get("site_id"):
        raise reader.fail(
            "the source has no site",
            element=src,
            value=src.get("name"),
            expected="a variable 'Site' on the source or on a case that refers to it",
            fix="classify the source (or its case) with a 'Site' attribute in the QDA "
            "program and export again",
        )
    if "round" in fields:
        try:
            fields["round"] = int(str(fields["round"]))
        except ValueError:
            raise reader.fail(
                "the round is not a whole number", element=src, value=fields["round"]
            ) from None
    if "fictional" in fields:
        fields["fictional"] = str(fields["fictional"]).strip() in {"true", "1"}
    if attributes:
        fields["attributes"] = tuple(attributes)
    return fields


def _selection_segments(
    sel, doc, text, ns, ids, code_of, coder_of, times, fallback_time, reader, collect_notes
) -> list[Segment]:
    stated = int(sel.get("startPosition")), int(sel.get("endPosition"))
    if not 0 <= stated[0] < stated[1] <= text.stored_length:
        raise reader.fail(
            "the selection's positions are outside the source text",
            element=sel,
            value=stated,
            expected=f"0 <= start < end <= {text.stored_length} (the text's length)",
            fix="check that the archive holds the right version of the source file",
        )
    anchor = text.anchor(*stated, sel.get("name"))
    if anchor is None:
        raise reader.fail(
            "the selection's quoted text is not in the source text",
            element=sel,
            value=sel.get("name"),
            fix="check that the archive holds the right version of the source file",
        )
    start, end = text.to_document(anchor)
    quote = doc.text[start:end]
    groups: dict[str, list[etree._Element]] = {}
    for coding in sel.findall(_q(ns, "Coding")):
        groups.setdefault(coder_of(coding, sel), []).append(coding)
    base = ids.get("segment", sel.get("guid"))
    out = []
    for n, (coder, codings) in enumerate(groups.items()):
        seg_id = base if n == 0 else f"{base}-{n + 1}"
        code_ids = tuple(
            code_of[_norm_guid(c.find(_q(ns, "CodeRef")).get("targetGUID"))] for c in codings
        )
        # The exchange record's original time, else the coding's, the selection's, the file's.
        created = _created(codings[0], "", times, sel.get("guid")) or _created(
            sel, fallback_time, times
        )
        try:
            out.append(Segment(seg_id, doc.id, start, end, quote, code_ids, coder, created))
        except DataFileError as exc:
            raise _wrap_model_error(exc, reader, sel) from None
        collect_notes(sel, seg_id)
        for coding in codings:
            collect_notes(coding, seg_id)
    return out


# --------------------------------------------------------------------------------------
# Codebook import


def import_qdc(path: str | Path, *, max_bytes: int = MAX_CODEBOOK_BYTES) -> CodingFrame:
    """Read a REFI-QDA ``.qdc`` codebook into a :class:`CodingFrame`; writes nothing.

    Codes keep their Pioneer ids when the file was written by :func:`export_qdc`; codes from
    other programs get ids made from their GUIDs (``code-1a2b3c4d``).
    """
    path = Path(path)
    reader = _Reader(path, None)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise DataFileError(path, "the file does not exist", fix="check the path") from None
    if size > max_bytes:
        raise DataFileError(
            path,
            f"the codebook is {size} bytes, more than the limit of {max_bytes}",
            fix="a codebook is small; check that this is the right file",
        )
    with open(path, "rb") as stream:
        data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DataFileError(path, f"the codebook is larger than {max_bytes} bytes")
    if data[:4] == b"PK\x03\x04":
        raise DataFileError(
            path,
            "this is a zip archive, not a codebook",
            fix="a .qdpx project is read with import_qdpx (pioneer qual import-qdpx)",
        )
    ns = NS_CODEBOOK
    tree = parse_xml(data, str(path))
    root = _check_root(tree, ns, "CodeBook", reader)
    _validate(tree, "Codebook.xsd", str(path))
    guids = _check_unique_guids(root, reader, skip={_q(ns, "MemberCode")})
    for member in root.iter(_q(ns, "MemberCode")):
        target = guids.get(_norm_guid(member.get("guid")))
        if target is None or target.tag != _q(ns, "Code"):
            raise reader.fail(
                "a set names a code that is not in the codebook",
                element=member,
                value=member.get("guid"),
                fix="remove the member from the set or add the code",
            )
    record = _read_record(root, ns)
    codes, _ = _codes_from(root.find(_q(ns, "Codes")), ns, _Ids(record), reader, record)
    return _frame_from(codes, record, reader, _safe_id(path.stem, "refi"))
