"""Coding passages: make checked segments, recode them, and list codings as a frame.

A segment is valid when its offsets lie inside its document's text, its quoted text is
exactly ``text[start:end]`` and every code is in the frame. :func:`code_passage` finds
offsets from a quote (for people and imports that have the words but not positions).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

import pandas as pd

from pioneer.errors import AnalysisError, DataFileError
from pioneer.qualitative.model import CodingFrame, Document, Project, Segment, check_segment

#: Columns of :func:`codings_frame` (one row per segment × code).
CODING_COLUMNS = (
    "segment_id",
    "document_id",
    "site_id",
    "org_type",
    "interviewee_type",
    "code_id",
    "start",
    "end",
    "coder",
    "created",
    "text",
)


def now_iso() -> str:
    """The current UTC time as ISO 8601 text (seconds), for ``Segment.created``."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def make_segment(
    document: Document,
    start: int,
    end: int,
    code_ids: str | Sequence[str],
    coder: str,
    frame: CodingFrame,
    *,
    segment_id: str | None = None,
    created: str | None = None,
) -> Segment:
    """A checked segment covering ``document.text[start:end]`` with ``code_ids``."""
    if not (isinstance(start, int) and isinstance(end, int)) or not 0 <= start < end:
        raise AnalysisError(
            f"offsets {start}..{end} are not a passage of {document.id!r}: need 0 <= start < end"
        )
    if end > len(document.text):
        raise AnalysisError(
            f"offset {end} is beyond the end of {document.id!r} ({len(document.text)} characters)"
        )
    codes = (code_ids,) if isinstance(code_ids, str) else tuple(code_ids)
    segment = Segment(
        id=segment_id or f"{document.id}:{start}-{end}:{coder}",
        document_id=document.id,
        start=start,
        end=end,
        text=document.text[start:end],
        code_ids=codes,
        coder=coder,
        created=created or now_iso(),
    )
    check_segment(segment, document, frame, where=f"document {document.id!r}")
    return segment


def code_passage(
    document: Document,
    quote: str,
    code_ids: str | Sequence[str],
    coder: str,
    frame: CodingFrame,
    *,
    occurrence: int = 1,
    segment_id: str | None = None,
    created: str | None = None,
) -> Segment:
    """A segment for the ``occurrence``-th appearance of ``quote`` in the document."""
    if not quote:
        raise AnalysisError("the quote to code is empty")
    start = -1
    for _ in range(occurrence):
        start = document.text.find(quote, start + 1)
        if start < 0:
            raise AnalysisError(
                f"{quote[:40]!r} does not occur {occurrence} time(s) in {document.id!r}"
            )
    return make_segment(
        document,
        start,
        start + len(quote),
        code_ids,
        coder,
        frame,
        segment_id=segment_id,
        created=created,
    )


def reanchor(segment: Segment, document: Document, window: int = 200) -> Segment:
    """``segment`` moved to where its quoted text now is in ``document`` (the nearest
    occurrence to the old start, within ``window`` characters either side); used when a
    text was re-imported with different line ends. Raises if the quote is not found."""
    if document.text[segment.start : segment.end] == segment.text:
        return segment
    lo = max(0, segment.start - window)
    hits = []
    pos = document.text.find(segment.text, lo)
    while 0 <= pos <= segment.start + window:
        hits.append(pos)
        pos = document.text.find(segment.text, pos + 1)
    if not hits:
        raise DataFileError(
            f"document {document.id!r}",
            f"the quoted text of segment {segment.id!r} is not near its offsets",
            value=segment.text,
            fix="recode the passage by hand",
        )
    best = min(hits, key=lambda p: abs(p - segment.start))
    return replace(segment, start=best, end=best + len(segment.text))


def add_codes(project: Project, segments: Iterable[Segment]) -> Project:
    """A new project with ``segments`` added (checked; ids must be new)."""
    return project.with_segments(segments)


def recode(segment: Segment, add: Sequence[str] = (), remove: Sequence[str] = ()) -> Segment:
    """``segment`` with codes added and removed (at least one must remain)."""
    codes = [c for c in (*segment.code_ids, *add) if c not in set(remove)]
    if not codes:
        raise AnalysisError(f"removing {list(remove)} would leave segment {segment.id!r} uncoded")
    return replace(segment, code_ids=tuple(dict.fromkeys(codes)))


def codings_frame(project: Project, codes: Sequence[str] | str | None = None) -> pd.DataFrame:
    """One row per segment × code (columns :data:`CODING_COLUMNS`), optionally only the
    codes ``codes`` select (each with its descendants, see ``CodingFrame.select``)."""
    keep = set(project.frame.select(codes))
    docs = {d.id: d for d in project.documents}
    rows = []
    for s in project.segments:
        d = docs[s.document_id]
        for c in s.code_ids:
            if c in keep:
                rows.append(
                    (
                        s.id,
                        s.document_id,
                        d.site_id,
                        d.org_type,
                        d.interviewee_type,
                        c,
                        s.start,
                        s.end,
                        s.coder,
                        s.created,
                        s.text,
                    )
                )
    return pd.DataFrame(rows, columns=list(CODING_COLUMNS))
