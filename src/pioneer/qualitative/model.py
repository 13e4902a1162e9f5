"""The qualitative data model: codes, the coding frame, documents, coded segments, memos
and the project that holds them. Every type is a frozen dataclass; edits return new
objects. Other modules (register, coding, queries, agreement, REFI-QDA exchange) read and
build only these types.

Coordinates. A :class:`Document`'s ``text`` is the coordinate system: a Python ``str``
(stored as UTF-8), line ends normalised to LF, no BOM. A :class:`Segment` covers
``text[start:end]`` — 0-based, end exclusive, counted in Unicode code points (the same
convention as REFI-QDA's ``PlainTextSelection`` start/end positions), and carries that
quoted text so it can be re-anchored if a text is re-imported.

Public types (stable; field order is part of the contract):

``Code(id, label, description="", colour=None, parent_id=None)``
    One node of the frame. ``id`` is stable (``B.I.A.T1``); ``colour`` is ``#RRGGBB``.
``FrameChange(action, from_version, to_version, code_ids, result_ids, mapping, note)``
    One history entry. ``action`` in :data:`FRAME_ACTIONS`; ``mapping`` pairs each old
    code id with the ids its segments move to (merge/split/remove), so coded segments
    can be carried over with :meth:`Project.with_frame`.
``CodingFrame(id, version, codes, title="", history=())``
    The versioned tree; helpers ``code``, ``children``, ``roots``, ``descendants``,
    ``ancestors``, ``path``, ``depth``, ``select``; edits ``add``, ``edit``,
    ``remove``, ``merge``, ``split`` each return ``(new_frame, FrameChange)``.
``Document(id, site_id, kind, title, text, round=None, interviewee_type=None,
org_type=None, date=None, interviewer=None, topic_guide_version=None, consent=None,
fictional=False, source=None, attributes=())``
    An interview transcript or a site document. ``kind`` in :data:`DOCUMENT_KINDS`;
    ``attributes`` holds any further ``(name, value)`` pairs, sorted by name.
``Segment(id, document_id, start, end, text, code_ids, coder, created)``
    A coded passage; several codes per segment; ``created`` is ISO 8601 UTC text.
``Memo(id, text, title="", author="", created="", about=())``
    An analyst's note; ``about`` lists the ids (document, segment, code, site) it is on.
``Case(id, label, variables=(), document_ids=())``
    A unit of analysis (a site, an interviewee) with its case variables as ``(name,
    value)`` pairs — sites and organisation types travel to REFI-QDA as these.
``Project(id, title, frame, documents=(), segments=(), memos=(), cases=(),
fictional=False)``
    Everything together, checked on construction (unique ids, known documents and codes,
    offsets inside the text, quoted text equal to ``text[start:end]``).

Identifiable data. Transcripts are personal data: hold them like contact details
(access by role, views audited) — this module stores, it does not grant access.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from pioneer.errors import AnalysisError, DataFileError

#: The kinds of document a project holds.
DOCUMENT_KINDS = ("interview", "site_document")
#: The edits a coding frame records in its history.
FRAME_ACTIONS = ("create", "add", "edit", "remove", "merge", "split")

_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]*$")


def _check_id(value: object, what: str, where: str) -> None:
    if not isinstance(value, str) or not _ID.match(value):
        raise DataFileError(
            where,
            f"{what} is not a valid identifier",
            value=value,
            expected="letters, digits, '.', '_', ':' or '-', starting with a letter or digit",
            fix=f"give the {what} a short stable id such as 'B.I.A.T1' or 'doc-001'",
        )


def _pairs(values: Mapping[str, object] | Iterable[tuple[str, object]]) -> tuple:
    items = values.items() if isinstance(values, Mapping) else values
    return tuple(sorted((str(k), "" if v is None else str(v)) for k, v in items))


@dataclass(frozen=True)
class Code:
    """One code of a frame; ``parent_id`` is ``None`` at the top level."""

    id: str
    label: str
    description: str = ""
    colour: str | None = None
    parent_id: str | None = None

    def __post_init__(self) -> None:
        _check_id(self.id, "code id", f"code {self.id!r}")
        if not isinstance(self.label, str) or not self.label.strip():
            raise DataFileError(
                f"code {self.id!r}", "the code has no label", fix="give it a short label"
            )
        if self.colour is not None and not _COLOUR.match(self.colour):
            raise DataFileError(
                f"code {self.id!r}",
                "the colour is not a hex colour",
                column="colour",
                value=self.colour,
                expected="#RRGGBB",
                fix="write the colour as '#' and six hex digits, e.g. '#1F77B4'",
            )
        if self.parent_id == self.id:
            raise DataFileError(f"code {self.id!r}", "a code cannot be its own parent")


@dataclass(frozen=True)
class FrameChange:
    """One entry of a frame's history: what changed, between which versions, and where
    the segments of each affected code go (``mapping``: old id → new ids)."""

    action: str
    from_version: int
    to_version: int
    code_ids: tuple[str, ...] = ()
    result_ids: tuple[str, ...] = ()
    mapping: tuple[tuple[str, tuple[str, ...]], ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        if self.action not in FRAME_ACTIONS:
            raise AnalysisError(
                f"unknown frame action {self.action!r}; expected one of {FRAME_ACTIONS}"
            )

    def moves(self) -> dict[str, tuple[str, ...]]:
        """The mapping as a dict: old code id → the code ids its segments now carry."""
        return dict(self.mapping)


@dataclass(frozen=True)
class CodingFrame:
    """A versioned tree of codes. Codes are kept in reading order (parents before their
    children); edits return a new frame with ``version + 1`` and a history entry."""

    id: str
    version: int
    codes: tuple[Code, ...]
    title: str = ""
    history: tuple[FrameChange, ...] = ()
    _index: dict = field(default=None, init=False, repr=False, compare=False, hash=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        where = f"coding frame {self.id!r}"
        _check_id(self.id, "frame id", where)
        if not isinstance(self.version, int) or self.version < 1:
            raise DataFileError(
                where, "the version must be a whole number from 1", value=self.version
            )
        codes = tuple(self.codes)
        object.__setattr__(self, "codes", codes)
        object.__setattr__(self, "history", tuple(self.history))
        index: dict[str, Code] = {}
        for code in codes:
            if not isinstance(code, Code):
                raise DataFileError(where, "every entry of codes must be a Code", value=repr(code))
            if code.id in index:
                raise DataFileError(
                    where, "a code id is used twice", value=code.id, fix="give each code its own id"
                )
            index[code.id] = code
        for code in codes:
            if code.parent_id is not None and code.parent_id not in index:
                raise DataFileError(
                    where,
                    f"code {code.id!r} names a parent that is not in the frame",
                    column="parent_id",
                    value=code.parent_id,
                    fix="add the parent code or set parent_id to None",
                )
        for code in codes:  # cycles
            seen = {code.id}
            parent = code.parent_id
            while parent is not None:
                if parent in seen:
                    raise DataFileError(where, "the parent links form a cycle", value=code.id)
                seen.add(parent)
                parent = index[parent].parent_id
        object.__setattr__(self, "_index", index)

    # -- reading -------------------------------------------------------------------
    def __contains__(self, code_id: object) -> bool:
        return code_id in self._index

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.codes)

    def code(self, code_id: str) -> Code:
        """The code with this id; an :class:`AnalysisError` naming close ids if unknown."""
        try:
            return self._index[code_id]
        except KeyError:
            near = [i for i in self._index if i.startswith(str(code_id)[:3])][:5]
            raise AnalysisError(
                f"code {code_id!r} is not in frame {self.id!r} version {self.version}"
                + (f"; codes starting alike: {', '.join(near)}" if near else "")
            ) from None

    def roots(self) -> tuple[Code, ...]:
        return tuple(c for c in self.codes if c.parent_id is None)

    def children(self, code_id: str | None) -> tuple[Code, ...]:
        """Direct children of ``code_id`` (``None``: the top-level codes)."""
        if code_id is not None:
            self.code(code_id)
        return tuple(c for c in self.codes if c.parent_id == code_id)

    def descendants(self, code_id: str) -> tuple[Code, ...]:
        """Every code below ``code_id``, in frame order (not the code itself)."""
        self.code(code_id)
        below: set[str] = {code_id}
        changed = True
        while changed:
            changed = False
            for code in self.codes:
                if code.parent_id in below and code.id not in below:
                    below.add(code.id)
                    changed = True
        return tuple(c for c in self.codes if c.id in below and c.id != code_id)

    def ancestors(self, code_id: str) -> tuple[Code, ...]:
        """Parents of ``code_id`` from the top down (not the code itself)."""
        chain = []
        parent = self.code(code_id).parent_id
        while parent is not None:
            chain.append(self._index[parent])
            parent = self._index[parent].parent_id
        return tuple(reversed(chain))

    def path(self, code_id: str, sep: str = " / ") -> str:
        """The labels from the top down to ``code_id``, joined by ``sep``."""
        return sep.join(c.label for c in (*self.ancestors(code_id), self.code(code_id)))

    def depth(self, code_id: str) -> int:
        """0 for a top-level code."""
        return len(self.ancestors(code_id))

    def select(self, spec: str | Sequence[str] | None = None) -> tuple[str, ...]:
        """Code ids named by ``spec``: ``None`` for all; a comma-separated string or a
        list of ids, each taken with its descendants (``"B.I"`` → B.I and all below).
        Unknown ids raise :class:`AnalysisError`."""
        if spec is None:
            return self.ids
        wanted = [s.strip() for s in spec.split(",")] if isinstance(spec, str) else list(spec)
        keep: set[str] = set()
        for code_id in wanted:
            if not code_id:
                continue
            keep.add(self.code(code_id).id)
            keep.update(c.id for c in self.descendants(code_id))
        return tuple(c.id for c in self.codes if c.id in keep)

    def subtree_ids(self, code_id: str) -> tuple[str, ...]:
        """``code_id`` and every code below it."""
        return (code_id, *(c.id for c in self.descendants(code_id)))

    # -- editing -------------------------------------------------------------------
    def _next(self, codes: Iterable[Code], change: FrameChange) -> tuple[CodingFrame, FrameChange]:
        frame = CodingFrame(
            id=self.id,
            version=self.version + 1,
            codes=_ordered(tuple(codes)),
            title=self.title,
            history=(*self.history, change),
        )
        return frame, change

    def add(self, code: Code, note: str = "") -> tuple[CodingFrame, FrameChange]:
        """A new frame with ``code`` added (its parent must exist)."""
        if code.id in self._index:
            raise AnalysisError(f"code {code.id!r} is already in frame {self.id!r}")
        change = FrameChange("add", self.version, self.version + 1, (), (code.id,), (), note)
        return self._next((*self.codes, code), change)

    def edit(
        self, code_id: str, note: str = "", **changes: object
    ) -> tuple[CodingFrame, FrameChange]:
        """A new frame with ``code_id``'s label, description, colour or parent changed.
        The id itself never changes (segments refer to it)."""
        old = self.code(code_id)
        allowed = {"label", "description", "colour", "parent_id"}
        bad = set(changes) - allowed
        if bad:
            raise AnalysisError(
                f"cannot edit {sorted(bad)} of a code; editable fields: {sorted(allowed)}"
            )
        if changes.get("parent_id") is not None and changes["parent_id"] in self.subtree_ids(
            code_id
        ):
            raise AnalysisError(f"cannot move {code_id!r} under itself or one of its descendants")
        new = replace(old, **changes)  # type: ignore[arg-type]
        what = ", ".join(f"{k}={v!r}" for k, v in sorted(changes.items()))
        change = FrameChange(
            "edit", self.version, self.version + 1, (code_id,), (code_id,), (), note or what
        )
        return self._next((new if c.id == code_id else c for c in self.codes), change)

    def remove(self, code_id: str, note: str = "") -> tuple[CodingFrame, FrameChange]:
        """A new frame without ``code_id``; its children move up to its parent and its
        segments lose the code (``mapping`` sends it to no code)."""
        old = self.code(code_id)
        codes = [
            replace(c, parent_id=old.parent_id) if c.parent_id == code_id else c
            for c in self.codes
            if c.id != code_id
        ]
        change = FrameChange(
            "remove", self.version, self.version + 1, (code_id,), (), ((code_id, ()),), note
        )
        return self._next(codes, change)

    def merge(
        self, code_ids: Sequence[str], into: str, note: str = ""
    ) -> tuple[CodingFrame, FrameChange]:
        """A new frame where the codes ``code_ids`` are folded into the code ``into``:
        they disappear, their children move under ``into`` and their segments are
        recoded to ``into``."""
        target = self.code(into)
        sources = [self.code(i).id for i in code_ids]
        if not sources:
            raise AnalysisError("merge needs at least one code to fold in")
        if into in sources:
            raise AnalysisError(f"cannot merge {into!r} into itself")
        for source in sources:
            if into in self.subtree_ids(source):
                raise AnalysisError(f"cannot merge {source!r} into its own descendant {into!r}")
        gone = set(sources)
        codes = [
            replace(c, parent_id=target.id) if c.parent_id in gone else c
            for c in self.codes
            if c.id not in gone
        ]
        mapping = tuple((s, (into,)) for s in sources)
        change = FrameChange(
            "merge", self.version, self.version + 1, tuple(sources), (into,), mapping, note
        )
        return self._next(codes, change)

    def split(
        self, code_id: str, parts: Sequence[Code], note: str = ""
    ) -> tuple[CodingFrame, FrameChange]:
        """A new frame where ``code_id`` is replaced by ``parts`` (new codes at its place
        in the tree; their ``parent_id`` is set to the old code's parent). The old code's
        children go under the first part. Its segments are given every part, for a
        coder to narrow down; ``mapping`` records this."""
        old = self.code(code_id)
        if len(parts) < 2:
            raise AnalysisError("a split needs at least two parts")
        part_ids = tuple(p.id for p in parts)
        clash = [p for p in part_ids if p in self._index and p != code_id]
        if clash or len(set(part_ids)) != len(part_ids):
            raise AnalysisError(f"split parts must have new, distinct ids; clashing: {clash}")
        new_parts = [replace(p, parent_id=old.parent_id) for p in parts]
        codes: list[Code] = []
        for c in self.codes:
            if c.id == code_id:
                codes.extend(new_parts)
            elif c.parent_id == code_id:
                codes.append(replace(c, parent_id=part_ids[0]))
            else:
                codes.append(c)
        change = FrameChange(
            "split",
            self.version,
            self.version + 1,
            (code_id,),
            part_ids,
            ((code_id, part_ids),),
            note,
        )
        return self._next(codes, change)


def _ordered(codes: tuple[Code, ...]) -> tuple[Code, ...]:
    """Codes with every parent before its children, otherwise in the given order."""
    ids = {c.id for c in codes}
    placed: set[str] = set()
    out: list[Code] = []
    pending = list(codes)
    while pending:
        rest = []
        for c in pending:
            if c.parent_id is None or c.parent_id in placed or c.parent_id not in ids:
                out.append(c)
                placed.add(c.id)
            else:
                rest.append(c)
        if len(rest) == len(pending):  # a cycle: leave it for the frame check
            out.extend(rest)
            break
        pending = rest
    return tuple(out)


@dataclass(frozen=True)
class Document:
    """An interview transcript (``kind="interview"``) or a site document. ``text`` is the
    normalised plain text that segment offsets count into. ``fictional`` marks the
    demonstration corpus; views must label such documents as fictional."""

    id: str
    site_id: str
    kind: str
    title: str
    text: str
    round: int | None = None
    interviewee_type: str | None = None
    org_type: str | None = None
    date: str | None = None
    interviewer: str | None = None
    topic_guide_version: str | None = None
    consent: str | None = None
    fictional: bool = False
    source: str | None = None
    attributes: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        where = self.source or f"document {self.id!r}"
        _check_id(self.id, "document id", where)
        if self.kind not in DOCUMENT_KINDS:
            raise DataFileError(
                where,
                "unknown document kind",
                column="kind",
                value=self.kind,
                expected=" or ".join(DOCUMENT_KINDS),
            )
        if not isinstance(self.text, str):
            raise DataFileError(where, "the text must be a str", value=type(self.text).__name__)
        if "\r" in self.text or self.text.startswith("\ufeff"):
            raise DataFileError(
                where,
                "the text is not normalised (it has CR line ends or a byte-order mark)",
                fix="build documents through pioneer.qualitative.transcripts, which normalises",
            )
        if self.date is not None:
            try:
                datetime.fromisoformat(self.date)
            except (TypeError, ValueError):
                raise DataFileError(
                    where,
                    "the interview date is not a date",
                    column="date",
                    value=self.date,
                    expected="YYYY-MM-DD",
                ) from None
        if self.round is not None and (not isinstance(self.round, int) or self.round < 1):
            raise DataFileError(
                where, "the round must be a whole number from 1", column="round", value=self.round
            )
        object.__setattr__(self, "attributes", _pairs(self.attributes))

    def attribute(self, name: str, default: str | None = None) -> str | None:
        return dict(self.attributes).get(name, default)

    def __len__(self) -> int:
        return len(self.text)


@dataclass(frozen=True)
class Segment:
    """A coded passage ``text == document.text[start:end]`` with one or more codes."""

    id: str
    document_id: str
    start: int
    end: int
    text: str
    code_ids: tuple[str, ...]
    coder: str
    created: str

    def __post_init__(self) -> None:
        where = f"segment {self.id!r}"
        _check_id(self.id, "segment id", where)
        codes = (self.code_ids,) if isinstance(self.code_ids, str) else tuple(self.code_ids)
        object.__setattr__(self, "code_ids", tuple(dict.fromkeys(codes)))
        if not self.code_ids:
            raise DataFileError(where, "a segment needs at least one code", fix="name a code")
        if not (isinstance(self.start, int) and isinstance(self.end, int)) or not (
            0 <= self.start < self.end
        ):
            raise DataFileError(
                where,
                "the offsets are not a passage",
                value=(self.start, self.end),
                expected="0 <= start < end (code points, end exclusive)",
            )
        if len(self.text) != self.end - self.start:
            raise DataFileError(
                where,
                "the quoted text is not end - start characters long",
                value=self.text,
                expected=f"{self.end - self.start} characters",
            )
        if not isinstance(self.coder, str) or not self.coder.strip():
            raise DataFileError(where, "the segment has no coder", fix="name who coded it")
        try:
            datetime.fromisoformat(self.created)
        except (TypeError, ValueError):
            raise DataFileError(
                where,
                "the creation time is not ISO 8601",
                column="created",
                value=self.created,
                expected="e.g. 2014-06-01T10:00:00+00:00",
            ) from None

    def overlaps(self, other: Segment) -> bool:
        return (
            self.document_id == other.document_id
            and self.start < other.end
            and other.start < self.end
        )


@dataclass(frozen=True)
class Memo:
    """An analyst's note, attached to the ids in ``about`` (documents, segments, codes,
    sites)."""

    id: str
    text: str
    title: str = ""
    author: str = ""
    created: str = ""
    about: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_id(self.id, "memo id", f"memo {self.id!r}")
        object.__setattr__(self, "about", tuple(self.about))


@dataclass(frozen=True)
class Case:
    """A case (a site, an interviewee) with its case variables and its documents."""

    id: str
    label: str
    variables: tuple[tuple[str, str], ...] = ()
    document_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_id(self.id, "case id", f"case {self.id!r}")
        object.__setattr__(self, "variables", _pairs(self.variables))
        object.__setattr__(self, "document_ids", tuple(self.document_ids))

    def variable(self, name: str, default: str | None = None) -> str | None:
        return dict(self.variables).get(name, default)


@dataclass(frozen=True, eq=False)
class Project:
    """A coding project: the frame, documents, segments, memos and cases. Checked on
    construction, so a Project in hand is always consistent."""

    id: str
    title: str
    frame: CodingFrame
    documents: tuple[Document, ...] = ()
    segments: tuple[Segment, ...] = ()
    memos: tuple[Memo, ...] = ()
    cases: tuple[Case, ...] = ()
    fictional: bool = False

    def __post_init__(self) -> None:
        for name in ("documents", "segments", "memos", "cases"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        check_project(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Project):
            return NotImplemented
        return (
            self.id == other.id
            and self.title == other.title
            and self.frame.codes == other.frame.codes
            and set(self.documents) == set(other.documents)
            and set(self.segments) == set(other.segments)
            and set(self.memos) == set(other.memos)
            and set(self.cases) == set(other.cases)
            and self.fictional == other.fictional
        )

    __hash__ = None  # type: ignore[assignment]

    def document(self, document_id: str) -> Document:
        for d in self.documents:
            if d.id == document_id:
                return d
        raise AnalysisError(f"document {document_id!r} is not in project {self.id!r}")

    def segments_of(self, document_id: str) -> tuple[Segment, ...]:
        return tuple(s for s in self.segments if s.document_id == document_id)

    def sites(self) -> tuple[str, ...]:
        return tuple(sorted({d.site_id for d in self.documents}))

    def with_segments(self, segments: Iterable[Segment]) -> Project:
        """A new project with ``segments`` added (checked)."""
        return replace(self, segments=(*self.segments, *segments))

    def with_documents(self, documents: Iterable[Document]) -> Project:
        return replace(self, documents=(*self.documents, *documents))

    def with_frame(self, frame: CodingFrame) -> Project:
        """A new project on ``frame``, carrying segments over through the history
        entries newer than the current frame's version (merge, split, remove).
        Segments left with no code are dropped."""
        if frame.id != self.frame.id or frame.version < self.frame.version:
            return replace(self, frame=frame)
        moves: dict[str, tuple[str, ...]] = {}
        for change in frame.history:
            if change.from_version < self.frame.version:
                continue
            for old, new in change.mapping:
                moves[old] = new
        segments = []
        for s in self.segments:
            codes: list[str] = []
            for c in s.code_ids:
                seen = {c}
                current: tuple[str, ...] = (c,)
                while any(x in moves for x in current):
                    nxt: list[str] = []
                    for x in current:
                        if x in moves and x not in frame:
                            nxt.extend(y for y in moves[x] if y not in seen)
                            seen.update(moves[x])
                        else:
                            nxt.append(x)
                    if tuple(nxt) == current:
                        break
                    current = tuple(nxt)
                codes.extend(current)
            codes = [c for c in dict.fromkeys(codes) if c in frame]
            if codes:
                segments.append(replace(s, code_ids=tuple(codes)))
        return replace(self, frame=frame, segments=tuple(segments))


def check_project(project: Project) -> None:
    """Raise :class:`DataFileError` at the first inconsistency: duplicate ids, a segment
    on an unknown document or code, offsets outside the text, quoted text that differs
    from ``text[start:end]``, a case naming an unknown document."""
    where = f"project {project.id!r}"
    docs: dict[str, Document] = {}
    for d in project.documents:
        if d.id in docs:
            raise DataFileError(where, "a document id is used twice", value=d.id)
        docs[d.id] = d
    seen: set[str] = set()
    for row, s in enumerate(project.segments, start=1):
        if s.id in seen:
            raise DataFileError(where, "a segment id is used twice", row=row, value=s.id)
        seen.add(s.id)
        check_segment(s, docs.get(s.document_id), project.frame, where=where, row=row)
    memo_ids: set[str] = set()
    for m in project.memos:
        if m.id in memo_ids:
            raise DataFileError(where, "a memo id is used twice", value=m.id)
        memo_ids.add(m.id)
    case_ids: set[str] = set()
    for c in project.cases:
        if c.id in case_ids:
            raise DataFileError(where, "a case id is used twice", value=c.id)
        case_ids.add(c.id)
        unknown = [d for d in c.document_ids if d not in docs]
        if unknown:
            raise DataFileError(
                where,
                f"case {c.id!r} names documents that are not in the project",
                value=unknown[0],
            )


def check_segment(
    segment: Segment,
    document: Document | None,
    frame: CodingFrame,
    *,
    where: str = "segment",
    row: int | None = None,
) -> None:
    """Raise :class:`DataFileError` unless ``segment`` lies inside ``document``, quotes
    it exactly and uses only codes of ``frame``."""
    if document is None or document.id != segment.document_id:
        raise DataFileError(
            where,
            f"segment {segment.id!r} is on a document that is not in the project",
            row=row,
            column="document_id",
            value=segment.document_id,
            fix="import the document first or correct the document id",
        )
    if segment.end > len(document.text):
        raise DataFileError(
            where,
            f"segment {segment.id!r} ends beyond the text of {document.id!r}",
            row=row,
            column="end",
            value=segment.end,
            expected=f"at most {len(document.text)} (the text length in code points)",
        )
    quoted = document.text[segment.start : segment.end]
    if quoted != segment.text:
        raise DataFileError(
            where,
            f"segment {segment.id!r} quotes text that is not at its offsets",
            row=row,
            column="text",
            value=segment.text,
            expected=f"{quoted!r} (text[{segment.start}:{segment.end}])",
            fix="re-anchor the segment or correct its offsets",
        )
    unknown = [c for c in segment.code_ids if c not in frame]
    if unknown:
        raise DataFileError(
            where,
            f"segment {segment.id!r} uses a code that is not in the frame",
            row=row,
            column="code_ids",
            value=unknown[0],
            fix=f"add the code to frame {frame.id!r} or correct the code id",
        )
