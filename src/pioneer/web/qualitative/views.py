"""Pages of the qualitative evidence: the coding frame, transcripts (read and code), code
matrices and the quotes behind a cell.

Access. Transcripts are identifiable, like contact details: reading one needs
``transcripts.view`` on its site (programme admins and researchers; a site lead only when a
programme admin grants them the ``transcript_reader`` role on that site); coding needs
``transcripts.code``. Every page that shows transcript text, or the register details of
interviews, writes one audit event per document shown. Site leads see the coding frame and
the matrix of their own sites only, with small counts suppressed and no way into quotes.

The matrices and quotes are the library's (:func:`pioneer.qualitative.queries.code_matrix`,
``cell_segments``, ``retrieve``), run on the project read back from the store.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pioneer.errors import AnalysisError
from pioneer.governance.disclosure import DEFAULT_THRESHOLD
from pioneer.qualitative import queries
from pioneer.qualitative.model import Project
from pioneer.web.accounts import audit
from pioneer.web.accounts.models import AuditEvent
from pioneer.web.accounts.permissions import (
    Permission,
    has_permission,
    permitted_sites,
    require,
    require_any_site,
    scope,
)
from pioneer.web.programme.models import Site
from pioneer.web.qualitative.actions import CodingError, anchor, code_segment, remove_code
from pioneer.web.qualitative.actions import text_version as fingerprint
from pioneer.web.qualitative.models import QualDocument, QualFrame, QualProject, QualSegment
from pioneer.web.qualitative.store import frame_of, to_project

#: ``?by=`` of the matrix pages -> the library's field and a heading.
MATRIX_BY: dict[str, str] = {"site": "Site", "org_type": "Organisation type"}
#: Characters of context either side of a quote.
QUOTE_CONTEXT = 160
SCRIPT = Path(__file__).resolve().parent.parent / "static" / "qualitative" / "coding.js"


# --- shared -----------------------------------------------------------------------------------


def _project_row(request) -> QualProject | None:
    """The project a page is about: ``?project=<id>``, else the first in the store."""
    wanted = request.GET.get("project", "").strip()
    rows = QualProject.objects.select_related("frame")
    if wanted:
        return get_object_or_404(rows, project_id=wanted)
    return rows.order_by("project_id").first()


def _frame_tree(frame, *, selected: set[str] = frozenset()) -> list[dict]:
    """Codes in reading order with their depth, for an indented list."""
    return [
        {
            "code": code,
            "depth": frame.depth(code.id),
            "indent": frame.depth(code.id) * 2,
            "checked": code.id in selected,
            "field_id": "code-" + code.id.replace(".", "-").replace(":", "-"),
        }
        for code in frame.codes
    ]


def _runs(text: str, segments: list[QualSegment]) -> list[dict]:
    """The text cut at every segment boundary: each run with whether it is coded and the
    segments starting there (for their anchors). Escaped by the template, never here."""
    cuts = {0, len(text)}
    for s in segments:
        cuts.update((s.start, s.end))
    bounds = sorted(cuts)
    starts: dict[int, list[QualSegment]] = {}
    for s in segments:
        starts.setdefault(s.start, []).append(s)
    runs = []
    for left, right in itertools.pairwise(bounds):
        covering = [s for s in segments if s.start <= left and right <= s.end]
        runs.append(
            {
                "text": text[left:right],
                "coded": bool(covering),
                "overlap": len(covering) > 1,
                "anchors": starts.get(left, []),
            }
        )
    return runs


def _segments_of(document: QualDocument) -> list[QualSegment]:
    segments = list(
        QualSegment.objects.filter(document=document)
        .prefetch_related("codings__code")
        .order_by("start", "end", "pk")
    )
    for number, s in enumerate(segments, start=1):
        s.number = number
        s.code_list = [c.code for c in s.codings.all()]
    return segments


# --- the frame --------------------------------------------------------------------------------


@login_required
@require_GET
def frame_view(request):
    require_any_site(request.user, Permission.QUAL_FRAME_VIEW)
    frames = []
    for row in QualFrame.objects.all():
        frame = frame_of(row)
        frames.append({"row": row, "frame": frame, "tree": _frame_tree(frame)})
    return render(request, "qualitative/frame.html", {"frames": frames})


# --- transcripts ------------------------------------------------------------------------------


@login_required
@require_GET
def transcript_list(request):
    require_any_site(request.user, Permission.TRANSCRIPTS_VIEW)
    documents = list(
        scope(QualDocument.objects.all(), request.user, Permission.TRANSCRIPTS_VIEW)
        .select_related("site", "project")
        .order_by("project__project_id", "position", "document_id")
    )
    # The register details together (site, organisation and interviewee type, date) can point
    # to a person, so listing them is audited like reading the transcript.
    audit.record(request, documents)
    return render(
        request,
        "qualitative/transcript_list.html",
        {"documents": documents, "fictional": any(d.fictional for d in documents)},
    )


def _document(request, document: int, permission: str) -> QualDocument:
    row = get_object_or_404(QualDocument.objects.select_related("site", "project"), pk=document)
    require(request.user, permission, row.site)
    return row


@login_required
@require_GET
def transcript(request, document: int):
    row = _document(request, document, Permission.TRANSCRIPTS_VIEW)
    segments = _segments_of(row)
    audit.record(request, [row])
    memos = [
        m
        for m in row.project.memos.all()
        if row.document_id in m.about or {s.segment_id for s in segments} & set(m.about)
    ]
    return render(
        request,
        "qualitative/transcript.html",
        {
            "document": row,
            "runs": _runs(row.text, segments),
            "segments": segments,
            "memos": memos,
            "can_code": has_permission(request.user, Permission.TRANSCRIPTS_CODE, row.site),
            "fictional": row.fictional,
        },
    )


FIELDS = ("passage", "occurrence", "start", "end", "memo", "text_version")


@login_required
@require_http_methods(["GET", "POST"])
def code_passage(request, document: int):
    row = _document(request, document, Permission.TRANSCRIPTS_CODE)
    frame = frame_of(row.project.frame)
    posted = {name: request.POST.get(name, "") for name in FIELDS}
    chosen = request.POST.getlist("codes")
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        errors, place = _check_coding(row, posted, chosen)
        if not errors:
            try:
                segment = code_segment(
                    row,
                    start=place.start,
                    end=place.end,
                    code_ids=chosen,
                    coder=request.user.get_username(),
                    memo=posted["memo"],
                )
            except CodingError as problem:
                errors = [(problem.field, problem.message)]
            else:
                audit.record(request, [segment], action=AuditEvent.Action.CHANGE)
                messages.success(
                    request,
                    f"Passage coded {', '.join(chosen)}: "
                    f"characters {segment.start} to {segment.end}.",
                )
                url = reverse("qualitative:transcript", kwargs={"document": row.pk})
                return redirect(f"{url}#seg-{segment.pk}")
    audit.record(request, [row])
    tree = _frame_tree(frame, selected=set(chosen))
    return render(
        request,
        "qualitative/code.html",
        {
            "document": row,
            "frame": frame,
            "tree": tree,
            "posted": posted,
            # The codes' error leads to the first code's box; every other to its field.
            "errors": [
                (f"#{tree[0]['field_id'] if field == 'codes' and tree else field}", message)
                for field, message in errors
            ],
            "error": dict(errors),
            "stale": dict(errors).get("passage-source", ""),
            "text_version": fingerprint(row.text),
            "fictional": row.fictional,
        },
        status=400 if errors else 200,
    )


def _check_coding(row: QualDocument, posted: dict[str, str], chosen: list[str]):
    """The form's problems as (field, message) pairs, and the anchored passage."""
    if posted["text_version"] != fingerprint(row.text):
        message = (
            "The transcript has changed since this page was opened. "
            "Select the passage again on the page as it is now."
        )
        return [("passage-source", message)], None
    errors, place = [], None
    try:
        place = anchor(
            row.text,
            passage=posted["passage"],
            start=posted["start"],
            end=posted["end"],
            occurrence=posted["occurrence"],
        )
    except CodingError as problem:
        errors.append((problem.field, problem.message))
    if not chosen:
        errors.append(("codes", "Choose at least one code"))
    return errors, place


@login_required
@require_POST
def remove_segment_code(request, segment: int):
    row = get_object_or_404(
        QualSegment.objects.select_related("document__site", "document"), pk=segment
    )
    require(request.user, Permission.TRANSCRIPTS_CODE, row.document.site)
    code_id = request.POST.get("code", "")
    try:
        kept = remove_code(row, code_id)
    except CodingError as problem:
        messages.error(request, problem.message)
    else:
        audit.record(request, [row], action=AuditEvent.Action.CHANGE)
        messages.success(
            request,
            f"Code {code_id} removed"
            + ("." if kept else "; the passage had no other code, so it is no longer coded."),
        )
    return redirect("qualitative:transcript", document=row.document.pk)


# --- matrices ---------------------------------------------------------------------------------


def _threshold(user) -> int:
    """0 for those who may read every transcript anyway, else the disclosure threshold."""
    return 0 if has_permission(user, Permission.TRANSCRIPTS_VIEW) else DEFAULT_THRESHOLD


def _matrix_page(request, sites: list[str] | None, site: Site | None):
    row = _project_row(request)
    by = request.GET.get("by", "site")
    codes = request.GET.get("codes", "").strip() or None
    errors = []
    if by not in MATRIX_BY:
        errors.append(("#by", f"Choose how to break the matrix down: {', '.join(MATRIX_BY)}"))
        by = "site"
    context = {
        "project": row,
        "site": site,
        "by": by,
        "by_choices": MATRIX_BY.items(),
        "codes": codes or "",
        "errors": errors,
        "matrix": None,
        "can_read": permitted_sites(request.user, Permission.TRANSCRIPTS_VIEW).exists(),
    }
    if row is None:
        return render(request, "qualitative/matrix.html", context)
    project = to_project(row)
    context["branches"] = [c for c in project.frame.codes if project.frame.depth(c.id) <= 1]
    context["fictional"] = project.fictional or any(d.fictional for d in project.documents)
    if sites is not None:
        sites = [s for s in sites if s in project.sites()]
        if not sites:
            context["no_documents"] = True
            return render(request, "qualitative/matrix.html", context)
    threshold = _threshold(request.user)
    try:
        # Site roles' cells hidden one by one and down the code tree (queries.complement_tree).
        result = queries.code_matrix(project, by, codes=codes, sites=sites, threshold=threshold)
    except AnalysisError as problem:
        context["errors"] = [*errors, ("#codes", str(problem))]
        return render(request, "qualitative/matrix.html", context, status=400)
    context["matrix"] = _grid(result, project, by, request, links=threshold == 0)
    context["threshold"] = threshold
    context["notes"] = result.notes
    return render(
        request, "qualitative/matrix.html", context, status=400 if context["errors"] else 200
    )


def _grid(result, project: Project, by: str, request, *, links: bool) -> dict:
    """The tidy matrix as rows of cells (segments and interviewees per column)."""
    field = result.options["by"]
    frame = result.frame
    columns = sorted(frame[field].unique())
    names = dict(Site.objects.values_list("site_id", "name")) if field == "site_id" else {}
    quotes = reverse("qualitative:quotes")
    rows = []
    for code_id, part in frame.groupby("code_id", sort=False):
        cells = []
        values = {r[field]: r for r in part.to_dict("records")}
        for column in columns:
            record = values[column]
            suppressed = pd.isna(record["sources"])
            references = None if suppressed else int(record["references"])
            link = None
            if links and references:
                query = {"project": project.id, "code": code_id, "by": by, "value": column}
                link = f"{quotes}?{urlencode(query)}"
            cells.append(
                {
                    "suppressed": suppressed,
                    "references": references,
                    "sources": None if suppressed else int(record["sources"]),
                    "link": link,
                }
            )
        first = part.iloc[0]
        rows.append(
            {
                "code_id": code_id,
                "label": first["label"],
                "indent": int(first["depth"]) * 2,
                "cells": cells,
            }
        )
    return {
        "columns": [{"value": c, "label": names.get(c, c)} for c in columns],
        "rows": rows,
        "heading": MATRIX_BY[by],
    }


@login_required
@require_GET
def matrix(request):
    require_any_site(request.user, Permission.QUAL_MATRIX_VIEW)
    sites = None
    if not has_permission(request.user, Permission.QUAL_MATRIX_VIEW):
        sites = list(
            permitted_sites(request.user, Permission.QUAL_MATRIX_VIEW).values_list(
                "site_id", flat=True
            )
        )
    return _matrix_page(request, sites, None)


@login_required
@require_GET
def site_matrix(request, site_id: str):
    site = get_object_or_404(Site, site_id=site_id)
    require(request.user, Permission.QUAL_MATRIX_VIEW, site)
    return _matrix_page(request, [site.site_id], site)


@login_required
@require_GET
def quotes(request):
    require_any_site(request.user, Permission.TRANSCRIPTS_VIEW)
    row = _project_row(request)
    if row is None:
        raise Http404("no coding project")
    code_id = request.GET.get("code", "")
    by = request.GET.get("by", "site")
    value = request.GET.get("value", "")
    project = to_project(row)
    if by not in MATRIX_BY or code_id not in project.frame:
        raise Http404("no such matrix cell")
    allowed = dict(
        scope(QualDocument.objects.filter(project=row), request.user, Permission.TRANSCRIPTS_VIEW)
        .select_related("site")
        .values_list("document_id", "pk")
    )
    cell = {s.id for s in queries.cell_segments(project, code_id, by, value)}
    found = [
        r
        for r in queries.retrieve(project, code_id, context=QUOTE_CONTEXT)
        if r.segment.id in cell and r.segment.document_id in allowed
    ]
    pks = dict(
        QualSegment.objects.filter(
            project=row, segment_id__in=[r.segment.id for r in found]
        ).values_list("segment_id", "pk")
    )
    shown = {r.segment.document_id for r in found}
    audit.record(request, QualDocument.objects.filter(project=row, document_id__in=shown))
    names = dict(Site.objects.values_list("site_id", "name"))
    items = [
        {
            "quote": r,
            "site": names.get(r.site_id, r.site_id),
            "url": reverse(
                "qualitative:transcript", kwargs={"document": allowed[r.segment.document_id]}
            )
            + f"#seg-{pks[r.segment.id]}",
        }
        for r in found
    ]
    label = names.get(value, value) if by == "site" else value
    return render(
        request,
        "qualitative/quotes.html",
        {
            "project": row,
            "code": project.frame.code(code_id),
            "path": project.frame.path(code_id),
            "by": MATRIX_BY[by],
            "value": label,
            "items": items,
            "fictional": any(r.fictional for r in found) or project.fictional,
        },
    )


# --- the page script --------------------------------------------------------------------------


@require_GET
def script(request):
    """The coding page's small script (progressive enhancement; the page works without it).
    Served from the package: the settings serve no static files."""
    response = HttpResponse(SCRIPT.read_bytes(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "max-age=3600"
    return response
