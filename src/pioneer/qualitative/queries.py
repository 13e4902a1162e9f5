"""Queries over a coded project: code matrices, their quotes, co-occurrence, retrieval
with context, and the framework grid (site × theme summaries).

Counts follow NVivo's two senses: **references** = coded segments, **sources** = distinct
documents (for interviews, one interviewee each) holding at least one such segment. By
default a code counts its own segments and those of every code below it (aggregate
coding), so ``B.I`` totals all national-level barriers.

Disclosure. A cell saying that one or two interviewees of one organisation type in one
site raised a theme can point to a person. Matrices pass ``sources`` through
:func:`pioneer.governance.disclosure.suppress_small_counts` (``references`` is blanked
with it); ``threshold=0`` turns it off for the analysts' own working view.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import pandas as pd

from pioneer.errors import AnalysisError
from pioneer.governance.disclosure import DEFAULT_THRESHOLD, suppress_small_counts
from pioneer.qualitative.model import CodingFrame, Document, Project, Segment
from pioneer.results import Layout, TableResult

#: Document fields a matrix can be broken down by.
BY_FIELDS = ("site_id", "org_type", "interviewee_type", "round", "kind", "interviewer")
_ALIASES = {"site": "site_id", "org": "org_type", "organisation_type": "org_type"}


def _by(by: str) -> str:
    field = _ALIASES.get(by, by)
    if field not in BY_FIELDS:
        raise AnalysisError(
            f"cannot break a matrix down by {by!r}; choose one of: site, "
            + ", ".join(BY_FIELDS[1:])
        )
    return field


def _value(document: Document, field: str) -> str:
    value = getattr(document, field)
    return "(not recorded)" if value is None or value == "" else str(value)


def _code_sets(project: Project, codes: str | Sequence[str] | None, include_children: bool):
    """Selected code ids and, for each, the set of code ids whose segments it counts."""
    frame = project.frame
    selected = frame.ids if codes is None else frame.select(codes)
    return selected, {c: set(frame.subtree_ids(c)) if include_children else {c} for c in selected}


def _segments(project: Project, coder: str | None) -> tuple[Segment, ...]:
    if coder is None:
        return project.segments
    found = tuple(s for s in project.segments if s.coder == coder)
    if not found:
        coders = sorted({s.coder for s in project.segments})
        raise AnalysisError(f"coder {coder!r} has no segments; coders: {', '.join(coders)}")
    return found


def code_matrix(
    project: Project,
    by: str = "site",
    *,
    codes: str | Sequence[str] | None = None,
    coder: str | None = None,
    include_children: bool = True,
    threshold: int = DEFAULT_THRESHOLD,
    statistic: str = "references",
    sites: Sequence[str] | None = None,
    complementary: bool = True,
) -> TableResult:
    """Codes × ``by`` (site, org_type, interviewee_type, round...): references and
    sources per cell, tidy (``code_id``, ``label``, ``depth``, ``<by>``,
    ``references``, ``sources``), every combination present (zero cells included).
    Open a cell with :func:`cell_segments`. ``statistic`` (``references`` or
    ``sources``) is the one the grid layout shows; the tidy frame has both. ``sites``
    limits the documents counted (a site lead's view of their own site). Small counts are
    hidden cell by cell and then, with ``include_children``, by :func:`complement_tree`
    (``complementary=False`` leaves that second step out, for checking it)."""
    if statistic not in ("references", "sources"):
        raise AnalysisError(f"statistic must be 'references' or 'sources', got {statistic!r}")
    field = _by(by)
    selected, members = _code_sets(project, codes, include_children)
    documents = project.documents
    if sites is not None:
        unknown = sorted(set(sites) - set(project.sites()))
        if unknown:
            raise AnalysisError(f"sites with no documents in the project: {unknown}")
        documents = tuple(d for d in documents if d.site_id in set(sites))
    docs = {d.id: d for d in documents}
    columns = sorted({_value(d, field) for d in documents})
    segments = tuple(s for s in _segments(project, coder) if s.document_id in docs)
    rows = []
    for code_id in selected:
        wanted = members[code_id]
        hits = [s for s in segments if wanted.intersection(s.code_ids)]
        for column in columns:
            cell = [s for s in hits if _value(docs[s.document_id], field) == column]
            rows.append(
                {
                    "code_id": code_id,
                    "label": project.frame.code(code_id).label,
                    "depth": project.frame.depth(code_id),
                    field: column,
                    "references": len(cell),
                    "sources": len({s.document_id for s in cell}),
                }
            )
    table = pd.DataFrame(
        rows, columns=["code_id", "label", "depth", field, "references", "sources"]
    )
    table, suppression = suppress_small_counts(
        table, ["sources"], threshold=threshold, dependent_columns=["references"]
    )
    notes = [
        "References: coded passages. Sources: documents (interviews) with at least one.",
    ]
    if include_children:
        notes.append("A code's counts include the codes below it.")
    if any(d.fictional for d in project.documents):
        notes.append("FICTIONAL: includes demonstration transcripts written for Pioneer.")
    result = TableResult(
        name=f"qual_matrix_{field}",
        title=f"Coding by {field.replace('_id', '').replace('_', ' ')}",
        frame=table,
        method="Counts of coded segments (references) and of documents (sources)",
        notes=tuple(notes),
        suppression=suppression,
        layout=Layout(rows=("code_id", "label"), columns=(field,), values=statistic),
        options={
            "by": field,
            "codes": codes,
            "coder": coder,
            "include_children": include_children,
            "statistic": statistic,
            "sites": None if sites is None else tuple(sites),
        },
    )
    if include_children and complementary:
        return complement_tree(result, project.frame)
    return result


def _next_cell(table: pd.DataFrame, field: str, children: dict[str, list[str]], order: dict):
    """The index of one more cell to hide, or None when no group gives a hidden cell away."""
    for _column, part in table.groupby(field, sort=False):
        hidden = {r.code_id: pd.isna(r.sources) for r in part.itertuples()}
        references = {r.code_id: r.references for r in part.itertuples()}
        where = {r.code_id: r.Index for r in part.itertuples()}
        for parent, kids in children.items():
            if not kids or hidden[parent] or sum(hidden[k] for k in kids) != 1:
                continue
            shown = [k for k in kids if not hidden[k] and references[k] > 0]
            if shown:
                return where[min(shown, key=lambda k: (references[k], order[k]))]
            return where[parent]  # only zeros beside it: the parent is the hidden child
    return None


def complement_tree(result: TableResult, frame: CodingFrame) -> TableResult:
    """``result`` (a ``code_matrix``) with complementary suppression down the code tree.

    A code counts the passages of the codes below it, so where one child's cell is hidden
    and its parent's shown, the parent less the shown siblings gives the child away (exactly
    when nothing is coded on the parent itself). Within each column this hides one more
    cell — the smallest shown sibling, else the parent — until no shown parent keeps
    exactly one hidden child (as the response monitor protects its totals)."""
    if not result.suppression or result.suppression.threshold <= 1:
        return result
    field = result.options["by"]
    table = result.frame.copy()
    codes = list(dict.fromkeys(table["code_id"]))
    order = {c: i for i, c in enumerate(codes)}
    children = {c: [k for k in codes if frame.code(k).parent_id == c] for c in codes}
    added = 0
    while (cell := _next_cell(table, field, children, order)) is not None:
        table.loc[cell, ["references", "sources"]] = pd.NA
        added += 1
    if not added:
        return result
    suppression = replace(
        result.suppression, cells_suppressed=result.suppression.cells_suppressed + added
    )
    return replace(result, frame=table, suppression=suppression)


def cell_segments(
    project: Project,
    code_id: str,
    by: str,
    value: str,
    *,
    coder: str | None = None,
    include_children: bool = True,
) -> tuple[Segment, ...]:
    """The segments behind one matrix cell (code ``code_id`` × ``by`` = ``value``), in
    document and text order — the quotes a cell opens to."""
    field = _by(by)
    wanted = (
        set(project.frame.subtree_ids(code_id))
        if include_children
        else {project.frame.code(code_id).id}
    )
    docs = {d.id: d for d in project.documents}
    order = {d.id: i for i, d in enumerate(project.documents)}
    found = [
        s
        for s in _segments(project, coder)
        if wanted.intersection(s.code_ids) and _value(docs[s.document_id], field) == str(value)
    ]
    return tuple(sorted(found, key=lambda s: (order[s.document_id], s.start, s.end, s.id)))


def cooccurrence(
    project: Project,
    *,
    codes: str | Sequence[str] | None = None,
    coder: str | None = None,
    include_children: bool = False,
) -> TableResult:
    """Pairs of codes found together: on one segment, or on overlapping segments of the
    same document. ``references`` counts such segment pairs (a segment carrying both
    counts once), ``sources`` the documents. Only pairs seen at least once are listed."""
    selected, members = _code_sets(project, codes, include_children)
    segments = _segments(project, coder)
    by_doc: dict[str, list[Segment]] = {}
    for s in segments:
        by_doc.setdefault(s.document_id, []).append(s)
    order = {c: i for i, c in enumerate(selected)}
    holders: dict[str, set[str]] = {}  # code id on a segment -> selected codes it counts for
    for code_id, wanted in members.items():
        for member in wanted:
            holders.setdefault(member, set()).add(code_id)
    counts: dict[tuple[str, str], set[tuple[str, str]]] = {}
    docs: dict[tuple[str, str], set[str]] = {}
    for document_id, segs in by_doc.items():
        segs = sorted(segs, key=lambda x: (x.start, x.end))
        covered = [set().union(*(holders.get(c, set()) for c in x.code_ids)) for x in segs]
        for i, s in enumerate(segs):
            for j in range(i, len(segs)):
                t = segs[j]
                if t.start >= s.end and j > i:
                    break  # sorted by start: no later segment overlaps s
                for x in covered[i]:
                    for y in covered[j]:
                        if x == y or (include_children and (y in members[x] or x in members[y])):
                            continue
                        key = (x, y) if order[x] < order[y] else (y, x)
                        counts.setdefault(key, set()).add(tuple(sorted((s.id, t.id))))
                        docs.setdefault(key, set()).add(document_id)
    rows = [
        {
            "code_a": a,
            "label_a": project.frame.code(a).label,
            "code_b": b,
            "label_b": project.frame.code(b).label,
            "references": len(pairs),
            "sources": len(docs[(a, b)]),
        }
        for (a, b), pairs in counts.items()
    ]
    rows.sort(key=lambda r: (order[r["code_a"]], order[r["code_b"]]))
    return TableResult(
        name="qual_cooccurrence",
        title="Codes found together",
        frame=pd.DataFrame(
            rows, columns=["code_a", "label_a", "code_b", "label_b", "references", "sources"]
        ),
        method="Segment pairs carrying both codes or overlapping in one document",
        layout=Layout(rows=("code_a", "code_b"), values=("references", "sources")),
        options={"codes": codes, "coder": coder, "include_children": include_children},
    )


@dataclass(frozen=True)
class Retrieval:
    """A coded passage with the text around it."""

    segment: Segment
    site_id: str
    document_title: str
    before: str
    after: str
    fictional: bool = False

    @property
    def text(self) -> str:
        return self.segment.text


def retrieve(
    project: Project,
    codes: str | Sequence[str],
    *,
    context: int = 120,
    site: str | None = None,
    org_type: str | None = None,
    coder: str | None = None,
    include_children: bool = True,
) -> tuple[Retrieval, ...]:
    """Every segment with one of ``codes`` (each with its descendants unless
    ``include_children=False``), with ``context`` characters before and after, optionally
    limited to one site or organisation type."""
    if context < 0:
        raise AnalysisError(f"context must be 0 or more characters, got {context}")
    _selected, members = _code_sets(project, codes, include_children)
    wanted = set().union(*members.values()) if members else set()
    docs = {d.id: d for d in project.documents}
    order = {d.id: i for i, d in enumerate(project.documents)}
    out = []
    for s in _segments(project, coder):
        d = docs[s.document_id]
        if not wanted.intersection(s.code_ids):
            continue
        if site is not None and d.site_id != site:
            continue
        if org_type is not None and d.org_type != org_type:
            continue
        out.append(
            Retrieval(
                segment=s,
                site_id=d.site_id,
                document_title=d.title,
                before=d.text[max(0, s.start - context) : s.start],
                after=d.text[s.end : s.end + context],
                fictional=d.fictional,
            )
        )
    out.sort(key=lambda r: (order[r.segment.document_id], r.segment.start, r.segment.id))
    return tuple(out)


@dataclass(frozen=True)
class FrameworkCell:
    """One site × theme cell: the analyst's summary and the segments it rests on."""

    site_id: str
    code_id: str
    summary: str = ""
    segment_ids: tuple[str, ...] = ()
    author: str = ""
    updated: str = ""


@dataclass(frozen=True)
class FrameworkGrid:
    """A framework-analysis grid: sites down, themes across, summaries in the cells."""

    sites: tuple[str, ...]
    code_ids: tuple[str, ...]
    cells: tuple[FrameworkCell, ...] = ()

    def cell(self, site_id: str, code_id: str) -> FrameworkCell:
        self._check(site_id, code_id)
        for c in self.cells:
            if c.site_id == site_id and c.code_id == code_id:
                return c
        return FrameworkCell(site_id, code_id)

    def _check(self, site_id: str, code_id: str) -> None:
        if site_id not in self.sites:
            raise AnalysisError(f"site {site_id!r} is not a row of the grid: {self.sites}")
        if code_id not in self.code_ids:
            raise AnalysisError(f"code {code_id!r} is not a column of the grid")

    def to_table(self, project: Project | None = None) -> TableResult:
        """The grid tidy: one row per site × theme with the summary, the supporting
        segment ids and (given the project) the number of segments available."""
        rows = []
        for site in self.sites:
            for code_id in self.code_ids:
                c = self.cell(site, code_id)
                row = {
                    "site_id": site,
                    "code_id": code_id,
                    "summary": c.summary,
                    "segment_ids": " ".join(c.segment_ids),
                    "author": c.author,
                }
                if project is not None:
                    row["available"] = len(cell_segments(project, code_id, "site", site))
                rows.append(row)
        return TableResult(
            name="qual_framework_grid",
            title="Framework grid: sites by theme",
            frame=pd.DataFrame(rows),
            method="Analysts' summaries per site and theme, linked to coded segments",
            layout=Layout(rows=("site_id",), columns=("code_id",), values="summary"),
        )


def framework_grid(
    project: Project, codes: str | Sequence[str], *, sites: Iterable[str] | None = None
) -> FrameworkGrid:
    """An empty grid for ``codes`` (only the named codes, not their descendants) and the
    project's sites (or ``sites``)."""
    names = [c.strip() for c in codes.split(",")] if isinstance(codes, str) else list(codes)
    ids = tuple(project.frame.code(c).id for c in names if c)
    site_ids = tuple(sites) if sites is not None else project.sites()
    unknown = [s for s in site_ids if s not in project.sites()]
    if unknown:
        raise AnalysisError(f"sites with no documents in the project: {unknown}")
    return FrameworkGrid(site_ids, ids)


def summarise(
    grid: FrameworkGrid,
    project: Project,
    site_id: str,
    code_id: str,
    summary: str,
    segment_ids: Sequence[str],
    *,
    author: str,
    updated: str = "",
) -> FrameworkGrid:
    """A new grid with the cell's summary set. Every supporting segment must exist, be
    in that site and carry that code (or one below it)."""
    grid._check(site_id, code_id)
    if not summary.strip():
        raise AnalysisError("the summary is empty")
    allowed = {s.id for s in cell_segments(project, code_id, "site", site_id)}
    known = {s.id for s in project.segments}
    for sid in segment_ids:
        if sid not in known:
            raise AnalysisError(f"segment {sid!r} is not in the project")
        if sid not in allowed:
            raise AnalysisError(
                f"segment {sid!r} is not coded {code_id!r} (or below) in site {site_id!r}"
            )
    new = FrameworkCell(site_id, code_id, summary, tuple(segment_ids), author, updated)
    cells = tuple(c for c in grid.cells if (c.site_id, c.code_id) != (site_id, code_id))
    return replace(grid, cells=(*cells, new))
