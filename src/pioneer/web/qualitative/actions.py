"""Writes of the qualitative pages: anchoring a coder's passage, coding it, removing a code.

:func:`anchor` turns what the coding form sends (a passage and an occurrence number, or the
offsets a script took from the selection) into code-point offsets, and says what is wrong in
words a coder can act on. :func:`code_segment` and :func:`remove_code` write inside a
transaction, through the library's checks (``make_segment``), after re-reading the document.
Views record the audit event.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from pioneer.errors import PioneerError
from pioneer.qualitative.coding import make_segment, now_iso
from pioneer.web.qualitative.models import (
    QualCode,
    QualDocument,
    QualMemo,
    QualSegment,
    QualSegmentCode,
)
from pioneer.web.qualitative.store import document_of, frame_of


class CodingError(PioneerError):
    """Something wrong with a coding request; ``field`` is the form field it concerns."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def text_version(text: str) -> str:
    """A short fingerprint of a document's text: the coding form carries it, so a page
    opened before the text was re-imported is refused rather than coded at wrong offsets."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def occurrences(text: str, passage: str) -> list[int]:
    """Every start of ``passage`` in ``text`` (overlapping ones too), in code points."""
    found, at = [], text.find(passage)
    while at >= 0:
        found.append(at)
        at = text.find(passage, at + 1)
    return found


def _whole(value: str, field: str, what: str) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise CodingError(field, f"{what} must be a whole number, like 2") from None
    return number


@dataclass(frozen=True)
class Anchored:
    start: int
    end: int


def anchor(
    text: str, *, passage: str, start: str = "", end: str = "", occurrence: str = ""
) -> Anchored:
    """The offsets (code points, end exclusive) of the passage to code.

    With ``start`` and ``end`` (filled in by the page's script from the selection) the
    passage, if given, must be exactly ``text[start:end]``. Without them the passage is
    looked up in the text; if it appears more than once, ``occurrence`` says which.
    Browsers send line breaks as CR LF: they are read as LF, as the text stores them.
    """
    passage = passage.replace("\r\n", "\n").replace("\r", "\n")
    if start.strip() or end.strip():
        first = _whole(start, "passage", "The start of the selection")
        last = _whole(end, "passage", "The end of the selection")
        if not 0 <= first < last <= len(text):
            raise CodingError(
                "passage",
                f"The selection (characters {first} to {last}) is outside the transcript, "
                f"which has {len(text)} characters. Select the passage again.",
            )
        if passage and text[first:last] != passage:
            raise CodingError(
                "passage",
                "The passage does not match the selected place in the transcript. "
                "Select it again, or clear the passage and type it.",
            )
        return Anchored(first, last)
    if not passage.strip():
        raise CodingError("passage", "Select or enter the passage to code")
    hits = occurrences(text, passage)
    if not hits:
        raise CodingError(
            "passage",
            "The passage is not in the transcript. Copy it exactly, "
            "including punctuation and line breaks.",
        )
    if not occurrence.strip():
        if len(hits) > 1:
            raise CodingError(
                "occurrence",
                f"The passage appears {len(hits)} times in the transcript. "
                f"Enter which appearance to code, from 1 to {len(hits)}.",
            )
        which = 1
    else:
        which = _whole(occurrence, "occurrence", "Which appearance")
        if not 1 <= which <= len(hits):
            raise CodingError(
                "occurrence",
                f"Which appearance must be from 1 to {len(hits)}: "
                f"the passage appears {len(hits)} time{'s' if len(hits) > 1 else ''}.",
            )
    begin = hits[which - 1]
    return Anchored(begin, begin + len(passage))


def new_segment_id(document: QualDocument) -> str:
    """A fresh segment id (the library's id syntax; unique without asking the store)."""
    return f"{document.document_id}:web-{secrets.token_hex(6)}"


@transaction.atomic
def code_segment(
    document: QualDocument,
    *,
    start: int,
    end: int,
    code_ids: Sequence[str],
    coder: str,
    memo: str = "",
) -> QualSegment:
    """Code ``document.text[start:end]`` with ``code_ids`` as ``coder``; optionally attach a
    memo about the new segment. Checked by the library (offsets in the text, codes in the
    frame); raises :class:`CodingError` and writes nothing if it fails."""
    document = QualDocument.objects.select_related("site", "project__frame").get(pk=document.pk)
    frame = frame_of(document.project.frame)
    if not code_ids:
        raise CodingError("codes", "Choose at least one code")
    unknown = [c for c in code_ids if c not in frame]
    if unknown:
        raise CodingError(
            "codes", f"The code {unknown[0]} is no longer in the coding frame. Reload the page."
        )
    created = now_iso()
    try:
        segment = make_segment(
            document_of(document),
            start,
            end,
            list(code_ids),
            coder,
            frame,
            segment_id=new_segment_id(document),
            created=created,
        )
    except PioneerError as problem:
        raise CodingError("passage", str(problem)) from None
    row = QualSegment.objects.create(
        project=document.project,
        segment_id=segment.id,
        document=document,
        start=segment.start,
        end=segment.end,
        text=segment.text,
        coder=segment.coder,
        created=segment.created,
    )
    codes = {c.code_id: c for c in QualCode.objects.filter(frame=document.project.frame)}
    QualSegmentCode.objects.bulk_create(
        QualSegmentCode(segment=row, code=codes[c], position=i)
        for i, c in enumerate(segment.code_ids)
    )
    if memo.strip():
        QualMemo.objects.create(
            project=document.project,
            memo_id=f"memo-{secrets.token_hex(6)}",
            title=f"On {segment.id}",
            text=memo.replace("\r\n", "\n"),
            author=coder,
            created=created,
            about=[segment.id, document.document_id],
        )
    return row


@transaction.atomic
def remove_code(segment: QualSegment, code_id: str) -> bool:
    """Take ``code_id`` off ``segment``; a segment left with no code is deleted. Returns
    whether the segment still exists."""
    segment = QualSegment.objects.select_for_update().get(pk=segment.pk)
    deleted, _ = QualSegmentCode.objects.filter(segment=segment, code__code_id=code_id).delete()
    if not deleted:
        raise CodingError("code", f"The passage is not coded {code_id}.")
    if not QualSegmentCode.objects.filter(segment=segment).exists():
        segment.delete()
        return False
    return True
