"""Source texts from other QDA programs: decoding, line-end normalisation, and moving a
selection's positions into Pioneer's coordinates (code points of the LF-normalised text).

Programs disagree on what a position counts. A Windows program may count the CR of each
CRLF, or count UTF-16 code units (two per character outside the Basic Multilingual Plane).
When a selection carries its quoted text, the quote decides which reading is right, and if
none is, the quote is searched for near the stated position. Without a quote, positions are
read against the file as stored.
"""

from __future__ import annotations

import bisect
import unicodedata
from dataclasses import dataclass

BOM = "\ufeff"


def normalise(text: str) -> str:
    """``text`` with CRLF and lone CR line ends turned into LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def nfc_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Where ``text[start:end]`` lands once ``text`` is NFC-normalised (Pioneer's documents
    are NFC, and composing accents shortens the text)."""
    return (
        len(unicodedata.normalize("NFC", text[:start])),
        len(unicodedata.normalize("NFC", text[:end])),
    )


@dataclass(frozen=True)
class Anchor:
    """Where a selection lands in the normalised text, and how it was found."""

    start: int
    end: int
    how: str


class SourceText:
    """One source text as stored (``raw``, BOM removed) and normalised (``text``)."""

    def __init__(self, raw: str, *, nfc: bool = True) -> None:
        self.raw = raw
        self.text = normalise(raw)
        #: The document text: LF line ends and (with ``nfc``) NFC, as Pioneer's own
        #: transcript import gives.
        self.nfc = unicodedata.normalize("NFC", self.text) if nfc else self.text
        # Raw indices of characters dropped by normalisation (the CR of each CRLF).
        self._dropped = [i for i, ch in enumerate(raw) if ch == "\r" and raw[i + 1 : i + 2] == "\n"]
        self._wide_raw = [i for i, ch in enumerate(raw) if ord(ch) > 0xFFFF]
        self.has_crlf = bool(self._dropped)
        self.has_cr = "\r" in raw
        self.has_wide = bool(self._wide_raw)

    @property
    def stored_length(self) -> int:
        """The largest position any reading allows (UTF-16 units of the stored file)."""
        return len(self.raw) + len(self._wide_raw)

    def to_document(self, anchor: Anchor) -> tuple[int, int]:
        """An anchor in the LF text moved into the NFC document text."""
        if self.nfc == self.text:
            return anchor.start, anchor.end
        return nfc_span(self.text, anchor.start, anchor.end)

    def _from_raw(self, pos: int) -> int:
        return pos - bisect.bisect_left(self._dropped, pos)

    def _from_utf16(self, pos: int) -> int:
        """Raw code point index of UTF-16 unit ``pos`` of the stored file."""
        # Each wide character before the answer adds one unit; walk the sorted list.
        index = pos
        for wide in self._wide_raw:
            if wide < index:
                index -= 1
            else:
                break
        return index

    def readings(self, start: int, end: int) -> list[Anchor]:
        """Every plausible reading of ``(start, end)`` that falls inside the text, most
        likely first."""
        out: list[Anchor] = []
        if self.has_cr and end <= len(self.raw):
            out.append(Anchor(self._from_raw(start), self._from_raw(end), "stored file (CRLF)"))
        if end <= len(self.text):
            out.append(Anchor(start, end, "code points"))
        if self.has_wide and end <= self.stored_length:
            s, e = self._from_raw(self._from_utf16(start)), self._from_raw(self._from_utf16(end))
            out.append(Anchor(s, e, "UTF-16 units"))
        seen: set[tuple[int, int]] = set()
        unique = []
        for a in out:
            if (a.start, a.end) not in seen and a.start < a.end:
                seen.add((a.start, a.end))
                unique.append(a)
        return unique

    def anchor(self, start: int, end: int, quote: str | None) -> Anchor | None:
        """The selection in normalised coordinates, or None if its quote is nowhere in the
        text. The caller has already checked ``0 <= start < end <= stored_length``."""
        readings = self.readings(start, end)
        if not quote:
            return readings[0] if readings else None
        wanted = normalise(quote)
        stem = wanted.rstrip(".…").rstrip() if wanted.endswith(("...", "…")) else None
        for a in readings:
            found = self.text[a.start : a.end]
            if found == wanted or (stem and found.startswith(stem)):
                return a
        if not wanted.strip():
            return readings[0] if readings else None
        hits = _find_all(self.text, wanted)
        if not hits:
            # Some programs give a selection a label rather than its text. A name as long
            # as the selection reads as a quote that has gone missing; any other name as a
            # label, and the stated position stands.
            if readings and all(a.end - a.start != len(wanted) for a in readings):
                return Anchor(readings[0].start, readings[0].end, "stated position")
            return None
        near = readings[0].start if readings else start
        best = min(hits, key=lambda i: (abs(i - near), i))
        return Anchor(best, best + len(wanted), "re-anchored on the quoted text")


def _find_all(text: str, needle: str) -> list[int]:
    hits = []
    i = text.find(needle)
    while i != -1:
        hits.append(i)
        i = text.find(needle, i + 1)
    return hits
