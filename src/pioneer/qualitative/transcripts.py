"""Import transcripts and site documents as :class:`~pioneer.qualitative.model.Document`.

Plain text (``.txt``), Markdown (``.md``: kept as written, markup included, so offsets
match what a reader sees in the source file) and Word (``.docx``: paragraphs joined by
LF, via python-docx). The text is normalised once, here: BOM removed, CRLF and CR turned
into LF, Unicode NFC. Offsets of coded segments count code points in that text.
Bytes that are not UTF-8 are refused rather than guessed.

Transcripts are identifiable data: store the imported documents where contact details
are stored, and give access by role.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pioneer.errors import DataFileError
from pioneer.qualitative.model import CodingFrame, Document, Project

#: File suffixes :func:`import_file` reads.
SUFFIXES = (".txt", ".md", ".markdown", ".docx")

_FIELDS = {
    "site_id",
    "kind",
    "title",
    "round",
    "interviewee_type",
    "org_type",
    "date",
    "interviewer",
    "topic_guide_version",
    "consent",
    "fictional",
}


def normalise_text(text: str) -> str:
    """The coordinate-system form of ``text``: no BOM, LF line ends, NFC."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def decode_utf8(data: bytes, file: str | Path) -> str:
    """``data`` decoded as UTF-8, or a :class:`DataFileError` giving the line and byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataFileError(
            file,
            f"the file is not UTF-8 (byte 0x{data[exc.start]:02X} at offset {exc.start})",
            row=line,
            expected="UTF-8 text",
            fix="re-save the file as UTF-8 (e.g. 'Save as… UTF-8' in the editor, "
            "or iconv -f cp1252 -t utf-8)",
        ) from None


def read_text_file(path: str | Path) -> str:
    """A .txt, .md or .docx file's normalised plain text."""
    path = Path(path)
    if not path.is_file():
        raise DataFileError(path, "the file does not exist", fix="check the path")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DataFileError(
            path,
            "this kind of file cannot be imported",
            value=suffix,
            expected=", ".join(SUFFIXES),
            fix="save the transcript as plain text, Markdown or Word (.docx)",
        )
    if suffix == ".docx":
        return normalise_text(_docx_text(path))
    return normalise_text(decode_utf8(path.read_bytes(), path))


def _docx_text(path: Path) -> str:
    import zipfile

    import docx  # python-docx

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DataFileError(
            path,
            f"the Word file cannot be read ({exc.__class__.__name__})",
            fix="open it in Word or LibreOffice and save it again as .docx",
        ) from None
    return "\n".join(p.text for p in document.paragraphs)


def import_file(
    path: str | Path,
    *,
    document_id: str | None = None,
    site_id: str | None = None,
    kind: str = "interview",
    metadata: Mapping[str, object] | None = None,
) -> Document:
    """One file as a :class:`Document`. The id defaults to the file stem; ``metadata``
    fills the register fields (``site_id``, ``round``, ``interviewee_type``,
    ``org_type``, ``date``, ``interviewer``, ``topic_guide_version``, ``consent``,
    ``fictional``, ``title``); other keys become ``attributes``."""
    path = Path(path)
    text = read_text_file(path)
    meta = dict(metadata or {})
    site = site_id or meta.pop("site_id", None)
    meta.pop("site_id", None)
    if not site:
        raise DataFileError(
            path,
            "no site is given for this document",
            fix="pass site_id, or list the file in the import's metadata with a site_id",
        )
    known = {k: meta[k] for k in meta if k in _FIELDS}
    extra = {k: v for k, v in meta.items() if k not in _FIELDS}
    round_ = known.get("round")
    try:
        round_value = None if round_ in (None, "") else int(round_)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DataFileError(
            path, "the round is not a whole number", column="round", value=round_
        ) from None
    fictional = str(known.get("fictional", "")).strip().lower() in {"1", "true", "yes"}
    title = str(known.get("title") or path.stem)
    if fictional and "FICTIONAL" not in title.upper():
        title = f"{title} (FICTIONAL)"
    return Document(
        id=document_id or _id_from(path.stem),
        site_id=str(site),
        kind=str(known.get("kind", kind)),
        title=title,
        text=text,
        round=round_value,
        interviewee_type=_opt(known.get("interviewee_type")),
        org_type=_opt(known.get("org_type")),
        date=_opt(known.get("date")),
        interviewer=_opt(known.get("interviewer")),
        topic_guide_version=_opt(known.get("topic_guide_version")),
        consent=_opt(known.get("consent")),
        fictional=fictional,
        source=str(path),
        attributes=tuple((k, str(v)) for k, v in extra.items()),
    )


def _opt(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _id_from(stem: str) -> str:
    ident = re.sub(r"[^A-Za-z0-9._:\-]+", "-", stem).strip("-.")
    return ident or "document"


@dataclass(frozen=True)
class ImportResult:
    """Documents read from a folder, in file-name order, and the files skipped."""

    documents: tuple[Document, ...]
    skipped: tuple[str, ...] = ()


def import_directory(
    directory: str | Path, *, metadata_file: str = "documents.csv", kind: str = "interview"
) -> ImportResult:
    """Every .txt/.md/.docx file in ``directory`` as documents. Their metadata comes
    from ``documents.csv`` in the folder (one row per file: ``file`` then any of the
    register fields, ``site_id`` required). All-or-nothing: any bad file raises and
    nothing is returned."""
    import csv

    directory = Path(directory)
    if not directory.is_dir():
        raise DataFileError(directory, "the folder does not exist", fix="check the path")
    meta_path = directory / metadata_file
    rows: dict[str, dict[str, str]] = {}
    if meta_path.is_file():
        text = normalise_text(decode_utf8(meta_path.read_bytes(), meta_path))
        reader = csv.DictReader(text.splitlines())
        if not reader.fieldnames or "file" not in reader.fieldnames:
            raise DataFileError(
                meta_path,
                "the metadata file has no 'file' column",
                fix="add a header row with 'file' and 'site_id' columns",
            )
        for number, row in enumerate(reader, start=2):
            name = (row.get("file") or "").strip()
            if not name:
                raise DataFileError(meta_path, "a row names no file", row=number, column="file")
            if not (directory / name).is_file():
                raise DataFileError(
                    meta_path,
                    "the listed file is not in the folder",
                    row=number,
                    column="file",
                    value=name,
                )
            rows[name] = {k: v for k, v in row.items() if k != "file" and k is not None}
    documents = []
    skipped = []
    seen: set[str] = set()
    for path in sorted(directory.iterdir()):
        if path.name == metadata_file or path.name.startswith("."):
            continue
        if path.suffix.lower() not in SUFFIXES or not path.is_file():
            skipped.append(path.name)
            continue
        doc = import_file(path, kind=kind, metadata=rows.get(path.name, {}))
        if doc.id in seen:
            raise DataFileError(path, "two files give the same document id", value=doc.id)
        seen.add(doc.id)
        documents.append(doc)
    if not documents:
        raise DataFileError(
            directory, "no .txt, .md or .docx files were found", fix="check the folder"
        )
    return ImportResult(tuple(documents), tuple(skipped))


def import_project(
    directory: str | Path,
    *,
    frame: CodingFrame | None = None,
    project_id: str = "project",
    title: str | None = None,
    kind: str = "interview",
) -> Project:
    """A new, uncoded project from the documents of ``directory`` (see
    :func:`import_directory`) on ``frame`` (default: the barriers-and-facilitators frame)."""
    from pioneer.qualitative.frame import default_frame

    result = import_directory(directory, kind=kind)
    return Project(
        id=project_id,
        title=title or Path(directory).name,
        frame=frame or default_frame(),
        documents=result.documents,
        fictional=all(d.fictional for d in result.documents),
    )
