"""Converters between the store and the library: :func:`load_project` writes a library
``Project`` into the store, :func:`to_project` reads one back, so the queries the pages run
(matrices, a cell's quotes, retrieval) are the library's own.

Loading is idempotent and all or nothing: rows are matched on their stable ids (frame id,
code id, document id, segment id, memo id) and updated in place, so primary keys (and the
audit events that name them) survive a reload, and segments coded in the web since the last
load are kept. Everything runs in one transaction that ends by reading the project back
through the library's checks; any inconsistency raises and nothing is written.
"""

from __future__ import annotations

import dataclasses

from django.db import transaction
from django.db.models import Prefetch, ProtectedError

from pioneer.errors import AnalysisError, DataFileError
from pioneer.qualitative.coding import reanchor
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
from pioneer.web.programme.models import Site
from pioneer.web.qualitative.models import (
    QualCode,
    QualDocument,
    QualFrame,
    QualMemo,
    QualProject,
    QualSegment,
    QualSegmentCode,
)

#: The library document's fields held in QualDocument columns of the same names (the id,
#: site and extra attributes are stored apart).
_DOCUMENT_FIELDS = tuple(
    f.name for f in dataclasses.fields(Document) if f.name not in ("id", "site_id", "attributes")
)


# --- library -> store -------------------------------------------------------------------------


@transaction.atomic
def load_project(project: Project) -> QualProject:
    """Write ``project`` into the store (insert or update by id) and return its row.

    Raises :class:`~pioneer.errors.DataFileError` (and writes nothing) when a document names
    a site the store does not have, when the store holds a newer version of the frame or a
    different frame under the same version, when a code that stored segments still carry
    would disappear, or when the stored project would no longer pass the library's checks.
    """
    where = f"project {project.id!r}"
    sites = {s.site_id: s for s in Site.objects.filter(site_id__in=project.sites())}
    missing = sorted(set(project.sites()) - set(sites))
    if missing:
        raise DataFileError(
            where,
            "a document names a site that is not in the store",
            column="site_id",
            value=missing[0],
            fix="load the programme registry first or correct the document's site id",
        )
    frame, gone = _save_frame(project.frame, where)
    stored, created = QualProject.objects.get_or_create(
        project_id=project.id,
        defaults={"title": project.title, "frame": frame, "fictional": project.fictional},
    )
    if not created and stored.frame_id != frame.pk and stored.segments.exists():
        raise DataFileError(
            where,
            "the stored project is coded against another frame",
            column="frame",
            value=project.frame.id,
            expected=stored.frame.frame_id,
            fix="carry the segments over to the new frame with the library first",
        )
    stored.title, stored.frame, stored.fictional = project.title, frame, project.fictional
    stored.cases = [_case_json(c) for c in project.cases]
    stored.save()

    documents = _save_documents(stored, project.documents, sites)
    codes = {c.code_id: c for c in frame.codes.all()}
    incoming = {s.id for s in project.segments}
    _reanchor_others(stored, documents, incoming)
    existing = {s.segment_id: s for s in QualSegment.objects.filter(project=stored)}
    for s in project.segments:
        row = existing.get(s.id) or QualSegment(project=stored, segment_id=s.id)
        row.document = documents[s.document_id]
        row.start, row.end, row.text = s.start, s.end, s.text
        row.coder, row.created = s.coder, s.created
        row.save()
        _set_codes(row, [codes[c] for c in s.code_ids if c in codes], s)
    _drop_codes(gone, where)
    for m in project.memos:
        QualMemo.objects.update_or_create(
            project=stored,
            memo_id=m.id,
            defaults={
                "title": m.title,
                "text": m.text,
                "author": m.author,
                "created": m.created,
                "about": list(m.about),
            },
        )
    to_project(stored)  # the library's checks over everything now stored
    return stored


def _save_frame(frame: CodingFrame, where: str) -> tuple[QualFrame, list[QualCode]]:
    """The frame saved (codes upserted) and the stored codes it no longer has."""
    stored = QualFrame.objects.filter(frame_id=frame.id).first()
    if stored is not None:
        if stored.version > frame.version:
            raise DataFileError(
                where,
                "the store holds a newer version of the coding frame",
                column="version",
                value=frame.version,
                expected=f"{stored.version} or later",
                fix="load the project with the current frame (carry it over with the library)",
            )
        if stored.version == frame.version:
            if frame_of(stored).codes != frame.codes:
                raise DataFileError(
                    where,
                    "the frame differs from the stored frame of the same version",
                    column="version",
                    value=frame.version,
                    fix="give the edited frame a new version number",
                )
            return stored, []
    else:
        stored = QualFrame(frame_id=frame.id)
    stored.version, stored.title = frame.version, frame.title
    stored.history = [_change_json(c) for c in frame.history]
    stored.save()
    old = {c.code_id: c for c in stored.codes.all()}
    for position, code in enumerate(frame.codes):
        row = old.pop(code.id, None) or QualCode(frame=stored, code_id=code.id)
        row.label, row.description = code.label, code.description
        row.colour, row.parent_id = code.colour or "", code.parent_id or ""
        row.position = position
        row.save()
    return stored, list(old.values())


def _drop_codes(codes: list[QualCode], where: str) -> None:
    for gone in codes:
        try:
            gone.delete()
        except ProtectedError:
            raise DataFileError(
                where,
                "a code left out of the new frame version still has coded segments",
                column="code_ids",
                value=gone.code_id,
                fix="recode or carry those segments over (Project.with_frame) before loading",
            ) from None


def _save_documents(
    stored: QualProject, documents: tuple[Document, ...], sites: dict[str, Site]
) -> dict[str, QualDocument]:
    rows = {d.document_id: d for d in QualDocument.objects.filter(project=stored)}
    for position, d in enumerate(documents):
        row = rows.get(d.id) or QualDocument(project=stored, document_id=d.id)
        row.site = sites[d.site_id]
        for name in _DOCUMENT_FIELDS:
            setattr(row, name, getattr(d, name))
        row.attributes = [list(pair) for pair in d.attributes]
        row.position = position
        row.save()
        rows[d.id] = row
    return rows


def _reanchor_others(
    stored: QualProject, documents: dict[str, QualDocument], incoming: set[str]
) -> None:
    """Segments already stored (and not in the incoming project) move to where their
    quoted text now is, if a reload changed their document's text."""
    for row in QualSegment.objects.filter(project=stored).exclude(segment_id__in=incoming):
        document = documents[_document_id(row)]
        if document.text[row.start : row.end] == row.text:
            continue
        moved = reanchor(
            Segment(
                row.segment_id,
                document.document_id,
                row.start,
                row.end,
                row.text,
                ("x",),
                row.coder,
                row.created,
            ),
            document_of(document),
        )
        row.start, row.end = moved.start, moved.end
        row.save(update_fields=["start", "end"])


def _document_id(row: QualSegment) -> str:
    return QualDocument.objects.values_list("document_id", flat=True).get(pk=row.document_id)


def _set_codes(row: QualSegment, codes: list[QualCode], segment: Segment) -> None:
    if len(codes) != len(segment.code_ids):
        unknown = [c for c in segment.code_ids if c not in {x.code_id for x in codes}]
        raise DataFileError(
            f"segment {segment.id!r}",
            "the segment uses a code that is not in the frame",
            column="code_ids",
            value=unknown[0] if unknown else segment.code_ids,
        )
    QualSegmentCode.objects.filter(segment=row).delete()
    QualSegmentCode.objects.bulk_create(
        QualSegmentCode(segment=row, code=code, position=i) for i, code in enumerate(codes)
    )


def _change_json(change: FrameChange) -> dict:
    data = dataclasses.asdict(change)
    data["mapping"] = [[old, list(new)] for old, new in change.mapping]
    return data


def _case_json(case: Case) -> dict:
    return {
        "id": case.id,
        "label": case.label,
        "variables": [list(v) for v in case.variables],
        "document_ids": list(case.document_ids),
    }


# --- store -> library -------------------------------------------------------------------------


def frame_of(frame: QualFrame) -> CodingFrame:
    """The stored frame as a library ``CodingFrame`` (codes in reading order, history)."""
    codes = tuple(
        Code(
            id=c.code_id,
            label=c.label,
            description=c.description,
            colour=c.colour or None,
            parent_id=c.parent_id or None,
        )
        for c in frame.codes.order_by("position")
    )
    history = tuple(
        FrameChange(
            action=h["action"],
            from_version=h["from_version"],
            to_version=h["to_version"],
            code_ids=tuple(h["code_ids"]),
            result_ids=tuple(h["result_ids"]),
            mapping=tuple((old, tuple(new)) for old, new in h["mapping"]),
            note=h["note"],
        )
        for h in frame.history
    )
    return CodingFrame(
        id=frame.frame_id, version=frame.version, codes=codes, title=frame.title, history=history
    )


def document_of(row: QualDocument) -> Document:
    """A stored document as a library ``Document`` (needs ``row.site`` loaded)."""
    return Document(
        id=row.document_id,
        site_id=row.site.site_id,
        attributes=tuple(tuple(pair) for pair in row.attributes),
        **{name: getattr(row, name) for name in _DOCUMENT_FIELDS},
    )


def segment_of(row: QualSegment, document_id: str, code_ids: tuple[str, ...]) -> Segment:
    return Segment(
        id=row.segment_id,
        document_id=document_id,
        start=row.start,
        end=row.end,
        text=row.text,
        code_ids=code_ids,
        coder=row.coder,
        created=row.created,
    )


def to_project(project: QualProject | str | None = None) -> Project:
    """The stored project as a library ``Project`` (checked on construction).

    ``project`` is a row, a project id, or ``None`` for the only project in the store.
    """
    stored = project_row(project)
    documents = list(stored.documents.select_related("site"))
    ids = {d.pk: d.document_id for d in documents}
    codings = Prefetch(
        "codings", queryset=QualSegmentCode.objects.select_related("code").order_by("position")
    )
    segments = tuple(
        segment_of(s, ids[s.document_id], tuple(c.code.code_id for c in s.codings.all()))
        for s in stored.segments.order_by("pk").prefetch_related(codings)
    )
    memos = tuple(
        Memo(m.memo_id, m.text, m.title, m.author, m.created, tuple(m.about))
        for m in stored.memos.all()
    )
    cases = tuple(
        Case(c["id"], c["label"], tuple(tuple(v) for v in c["variables"]), tuple(c["document_ids"]))
        for c in stored.cases
    )
    return Project(
        id=stored.project_id,
        title=stored.title,
        frame=frame_of(stored.frame),
        documents=tuple(document_of(d) for d in documents),
        segments=segments,
        memos=memos,
        cases=cases,
        fictional=stored.fictional,
    )


def project_row(project: QualProject | str | None = None) -> QualProject:
    """The project's row: given, by id, or the only one in the store."""
    if isinstance(project, QualProject):
        return project
    if project is not None:
        try:
            return QualProject.objects.select_related("frame").get(project_id=project)
        except QualProject.DoesNotExist:
            raise AnalysisError(f"there is no coding project {project!r} in the store") from None
    rows = list(QualProject.objects.select_related("frame")[:2])
    if len(rows) != 1:
        raise AnalysisError(
            f"the store holds {'no' if not rows else 'several'} coding projects; name one"
        )
    return rows[0]
