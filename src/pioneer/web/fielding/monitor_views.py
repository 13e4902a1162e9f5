"""The live response monitor of a survey wave, its exports, closing a wave, and one analysis
table run straight on the fielded answers.

Counts come from :func:`pioneer.fielding.monitor.response_rates` over the wave's invitations,
narrowed by :func:`~pioneer.web.accounts.permissions.scope` before anything is counted, so a
site lead's figures never include another site's invitations. Site leads see counts of 1-4
suppressed (threshold 5, as in the published tables); programme admins and researchers,
who already see the mailing lists, follow fieldwork with exact counts (threshold 0).
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import pandas as pd
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render

from pioneer import reports
from pioneer.errors import AnalysisError
from pioneer.fielding.monitor import response_rates
from pioneer.governance.disclosure import DEFAULT_THRESHOLD
from pioneer.reports.csvfile import safe_frame
from pioneer.reports.grid import build_grid, format_value, reader_notes
from pioneer.results import TableResult
from pioneer.survey import tables
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
from pioneer.web.fielding.answers_store import QuestionnaireResponse
from pioneer.web.fielding.export import fielded_responses
from pioneer.web.fielding.models import Invitation, SurveyWave
from pioneer.web.programme.models import Site

#: Threshold for site leads: counts of 1 to 4 are not shown.
SITE_LEAD_THRESHOLD = DEFAULT_THRESHOLD
#: Grid questions the analysis page tabulates (``tables.distribution``, Table V style).
ANALYSIS_QUESTIONS: tuple[str, ...] = ("progress", "barriers", "facilitators")
#: ``?by=`` of the table export -> the split passed to ``response_rates``.
EXPORT_SPLITS: dict[str, tuple[str, ...]] = {
    "site": ("site",),
    "org_type": ("org_type",),
    "site_org_type": ("site", "org_type"),
    "all": (),
}


# --- data -----------------------------------------------------------------------------------


def invitations_frame(invitations) -> pd.DataFrame:
    """The invitations frame ``response_rates`` takes, from an Invitation queryset.

    Status: ``complete`` once submitted (also if the person opted out afterwards);
    ``partial`` when the respondent started (pressed *Start*, or saved a page) without
    submitting; else ``not_started`` (bounced and opted-out invitations stay in the base:
    they were invited).
    """
    rows = invitations.values_list(
        "contact__site__site_id",
        "contact__org_type",
        "status",
        "reminders_sent",
        "questionnaire__pk",
        "questionnaire__submitted_at",
    )
    records = []
    for site_id, org_type, status, reminders, progress, submitted in rows:
        if status == Invitation.Status.COMPLETED or submitted is not None:
            state = "complete"
        elif status == Invitation.Status.STARTED or progress is not None:
            state = "partial"
        else:
            state = "not_started"
        records.append((site_id, org_type, state, reminders))
    return pd.DataFrame.from_records(
        records, columns=["site", "org_type", "status", "reminders_sent"]
    )


def threshold_for(user) -> int:
    """0 for programme-wide monitors (admins, researchers), 5 for site leads."""
    return 0 if has_permission(user, Permission.MONITOR_VIEW) else SITE_LEAD_THRESHOLD


def _scoped_invitations(user, wave: SurveyWave, site: Site | None = None):
    invitations = scope(
        Invitation.objects.filter(contact__wave=wave), user, Permission.MONITOR_VIEW
    )
    if site is not None:
        invitations = invitations.filter(contact__site=site)
    return invitations


def rates(user, wave: SurveyWave, by: tuple[str, ...], site: Site | None = None) -> TableResult:
    """The wave's response rates as ``user`` may see them, split ``by``."""
    frame = invitations_frame(_scoped_invitations(user, wave, site))
    sites = None
    if site is not None:
        sites = [site.site_id]
    elif not has_permission(user, Permission.MONITOR_VIEW):
        sites = list(
            permitted_sites(user, Permission.MONITOR_VIEW).values_list("site_id", flat=True)
        )
    return complement(response_rates(frame, by=by, sites=sites, threshold=threshold_for(user)))


_ROW = ("base", "n", "percent", "ci_lower", "ci_upper", "reminders_sent")


def _complement_once(frame: pd.DataFrame, group_key: str | None) -> tuple[pd.DataFrame, int]:
    """Within each group of rows that add up to a published total, a lone suppressed
    row (or lone suppressed ``partial``) gets a second one beside it: the shown row with
    the smallest positive count. Otherwise the total less the rows shown gives it away."""
    added = 0
    groups = (
        frame.groupby(group_key, sort=False, observed=True).groups
        if group_key
        else {(): frame.index}
    )
    for index in groups.values():
        rows = frame.loc[index]
        for hidden, count, columns in (("base", "n", _ROW), ("partial", "partial", ("partial",))):
            if int(rows[hidden].isna().sum()) != 1:
                continue
            shown = rows[rows[hidden].notna() & rows[count].notna()]
            positive = shown[shown[count] > 0]
            candidates = positive if len(positive) else shown[shown["base"] > 0]
            if candidates.empty or (not len(positive) and hidden == "partial"):
                continue
            choice = candidates.sort_values([count, "base"], kind="stable").index[0]
            for column in columns:
                if pd.notna(frame.at[choice, column]):
                    frame.at[choice, column] = pd.NA
                    added += column in ("base", "n", "partial")
    return frame, added


def complement(result: TableResult) -> TableResult:
    """``result`` with complementary suppression across the rows of each published total.

    ``response_rates`` hides small counts cell by cell; the monitor also shows totals, so a
    single hidden row could be recovered by subtraction. Splits by one dimension are
    checked as one group; by site and organisation type, within each site and each
    organisation type, repeated until nothing changes.
    """
    if not result.suppression or result.suppression.threshold <= 1:
        return result
    keys = [k for k in ("site", "org_type") if k in result.frame.columns]
    if not keys:
        return result
    frame = result.frame.copy()
    passes = [None] if len(keys) == 1 else ["site", "org_type"]
    added = 0
    for _ in range(10):
        changed = 0
        for group_key in passes:
            frame, n = _complement_once(frame, group_key)
            changed += n
        added += changed
        if not changed:
            break
    if not added:
        return result
    suppression = dataclasses.replace(
        result.suppression, cells_suppressed=result.suppression.cells_suppressed + added
    )
    return dataclasses.replace(result, frame=frame, suppression=suppression)


def _wave(year: int) -> SurveyWave:
    return get_object_or_404(SurveyWave, year=year)


# --- presentation ---------------------------------------------------------------------------


def _cell(value) -> str:
    return "" if pd.isna(value) else str(int(value))


def _display_rows(result: TableResult, names: dict[str, str]) -> list[dict[str, object]]:
    """One dict per row of a response-rate table, ready for the template."""
    rows = []
    by = [k for k in ("site", "org_type") if k in result.frame.columns]
    for record in result.frame.to_dict("records"):
        label = " / ".join(
            names.get(str(record[k]), str(record[k])) if k == "site" else str(record[k]) for k in by
        )
        suppressed = pd.isna(record["base"])
        rate = ""
        if not suppressed and not pd.isna(record["percent"]):
            rate = (
                f"{format_value(record['percent'], 'percent')} "
                f"({format_value(record['ci_lower'], 'percent')}–"
                f"{format_value(record['ci_upper'], 'percent')})"
            )
        rows.append(
            {
                "label": label or "All invitations",
                "site": record.get("site"),
                "base": _cell(record["base"]),
                "partial": _cell(record["partial"]),
                "n": _cell(record["n"]),
                "rate": rate,
                "reminders": _cell(record["reminders_sent"]),
                "suppressed": suppressed,
                "partial_suppressed": pd.isna(record["partial"]),
            }
        )
    return rows


def _table(result: TableResult, names: dict[str, str], heading: str) -> dict[str, object]:
    return {
        "heading": heading,
        "title": result.title,
        "rows": _display_rows(result, names),
        # The page marks suppressed cells "[c]" (the library's notes say blank, as in files).
        "notes": [n.replace("shown as blank", "shown as [c]") for n in result.all_notes()],
    }


def _site_names() -> dict[str, str]:
    return dict(Site.objects.values_list("site_id", "name"))


def _monitor_context(request, wave: SurveyWave, site: Site | None) -> dict[str, object]:
    user = request.user
    names = _site_names()
    tables_shown = []
    if site is None:
        tables_shown.append(_table(rates(user, wave, ("site",)), names, "Site"))
    tables_shown.append(_table(rates(user, wave, ("org_type",), site), names, "Organisation type"))
    tables_shown.append(_table(rates(user, wave, (), site), names, "Total"))
    programme_wide = has_permission(user, Permission.MONITOR_VIEW)
    closing = None
    if not wave.is_open:
        # Written by close_wave; waves closed some other way (the admin, the demo) have none.
        closing = AuditEvent.objects.filter(
            action=AuditEvent.Action.CHANGE,
            record_type=SurveyWave._meta.label_lower,
            record_id=str(wave.pk),
        ).first()
    return {
        "wave": wave,
        "closing": closing,
        "show_closer": programme_wide,
        "site": site,
        "tables": tables_shown,
        "threshold": threshold_for(user),
        "can_close": wave.is_open and has_permission(user, Permission.WAVE_MANAGE),
        "can_export_responses": has_permission(user, Permission.RESPONSES_EXPORT),
        "can_analyse": programme_wide,
    }


# --- views ----------------------------------------------------------------------------------


@login_required
def monitor(request, year: int):
    """Response rates of the wave by site, by organisation type and in total (scoped)."""
    wave = _wave(year)
    require_any_site(request.user, Permission.MONITOR_VIEW)
    return render(request, "fielding/monitor/wave.html", _monitor_context(request, wave, None))


@login_required
def monitor_site(request, year: int, site_id: str):
    """One site's response rates by organisation type."""
    wave = _wave(year)
    site = get_object_or_404(Site, site_id=site_id)
    require(request.user, Permission.MONITOR_VIEW, site)
    return render(request, "fielding/monitor/wave.html", _monitor_context(request, wave, site))


def _attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def monitor_export(request, year: int):
    """The response-rate table as CSV (``?by=`` one split) or XLSX (every split), scoped
    and suppressed exactly as the page, written by ``pioneer.reports``."""
    wave = _wave(year)
    require_any_site(request.user, Permission.MONITOR_VIEW)
    fmt = request.GET.get("format", "csv")
    by = request.GET.get("by", "site")
    if fmt not in ("csv", "xlsx") or by not in EXPORT_SPLITS:
        return HttpResponse(
            "Unknown export: format is csv or xlsx, by is one of " + ", ".join(EXPORT_SPLITS),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    stem = f"response-rates-{wave.year}"
    with tempfile.TemporaryDirectory(prefix="pioneer-monitor-") as folder:
        if fmt == "csv":
            result = rates(request.user, wave, EXPORT_SPLITS[by])
            written = reports.render(result, "csv", Path(folder) / f"{stem}.csv")
            content = Path(written[0]).read_bytes()
            return _attachment(content, f"{stem}-by-{by}.csv", "text/csv; charset=utf-8")
        # Every split with a row dimension (the workbook renderer needs one).
        results = [rates(request.user, wave, split) for split in EXPORT_SPLITS.values() if split]
        path = reports.to_xlsx(results, Path(folder) / f"{stem}.xlsx")
        return _attachment(
            path.read_bytes(),
            f"{stem}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )


@login_required
def responses_export(request, year: int):
    """The wave's submitted answers as the response frame (CSV), for programme roles only.

    Pseudonymous ids only (``fielded_responses``); one audit event for the wave and one
    per questionnaire exported.
    """
    require(request.user, Permission.RESPONSES_EXPORT)
    wave = _wave(year)
    frame = fielded_responses(wave.year)
    exported = list(
        QuestionnaireResponse.objects.filter(
            invitation__contact__wave=wave, submitted_at__isnull=False
        ).annotate(site_id=F("invitation__contact__site_id"))
    )
    audit.record(request, [wave, *exported], action=AuditEvent.Action.EXPORT)
    content = safe_frame(frame).to_csv(index=False, lineterminator="\n").encode("utf-8")
    return _attachment(content, f"responses-{wave.year}.csv", "text/csv; charset=utf-8")


@login_required
def close_wave(request, year: int):
    """Close the wave (POST, programme admins): no answers saved or submitted after this."""
    require(request.user, Permission.WAVE_MANAGE)
    wave = _wave(year)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    changed = SurveyWave.objects.filter(pk=wave.pk, status=SurveyWave.Status.OPEN).update(
        status=SurveyWave.Status.CLOSED
    )
    if changed:
        audit.record(request, [wave], action=AuditEvent.Action.CHANGE)
        messages.success(request, f"The {wave.year} wave is closed; its figures are final.")
    else:
        messages.info(request, f"The {wave.year} wave was already closed.")
    return redirect("fielding:monitor", year=wave.year)


def _grid_rows(result: TableResult) -> dict[str, object]:
    grid = build_grid(result)
    headers = [grid.dimension_heading(d) for d in grid.row_dims] + grid.column_headers()
    rows = []
    for key, cells in zip(grid.row_keys, grid.cells, strict=True):
        labels = [format_value(part) for part in key]
        values = [
            format_value(cell, statistic)
            for cell, statistic in zip(cells, grid.column_statistics, strict=True)
        ]
        rows.append({"labels": labels, "values": values})
    return {
        "headers": headers,
        "row_dims": len(grid.row_dims),
        "rows": rows,
        "notes": reader_notes(result, grid),
    }


@login_required
def analysis(request, year: int):
    """A foundation table (``tables.distribution``, Table V style) on the fielded answers.

    Programme roles only; published-table suppression (threshold 5) applies.
    """
    require(request.user, Permission.MONITOR_VIEW)
    wave = _wave(year)
    question = request.GET.get("question", ANALYSIS_QUESTIONS[0])
    if question not in ANALYSIS_QUESTIONS:
        question = ANALYSIS_QUESTIONS[0]
    result = None
    problem = None
    try:
        result = tables.distribution(
            fielded_responses(wave.year),
            question,
            waves=[wave.year],
            instrument=wave.load_instrument(),
        )
    except AnalysisError as error:
        problem = str(error)
    return render(
        request,
        "fielding/monitor/analysis.html",
        {
            "wave": wave,
            "question": question,
            "questions": ANALYSIS_QUESTIONS,
            "result": result,
            "grid": _grid_rows(result) if result is not None else None,
            "problem": problem,
        },
    )
