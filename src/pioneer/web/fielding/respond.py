"""The respondent's side: the link opens a start page, then the questionnaire, one page per
section, check your answers, submit once, thank you.

Mail scanners and link previews fetch links with GET, so GET of the link shows a page and
changes nothing. Its POST records the start and puts the invitation in a renewed session;
every later page reads the invitation from the session only, so no address carries an id
another respondent could change, and the token appears in no further address.

Pages come from ``pioneer.fielding.pages.questionnaire`` and posted pages are checked by
``pioneer.fielding.answers.validate_page``: a page with a problem is shown again with an
error summary and nothing of it is saved. The posted form data are read as posted (no
Django form field trims them), so open text is stored exactly as typed; templates escape it
whenever it is shown. Storage and the submit-once rule are in
:mod:`pioneer.web.fielding.answers_store`.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_http_methods

from pioneer.errors import InstrumentError
from pioneer.fielding import answers as answers_lib
from pioneer.fielding import pages as pages_lib
from pioneer.web.fielding import answers_store
from pioneer.web.fielding.models import Invitation, SurveyWave

#: Session key holding the pk of the invitation the respondent opened.
SESSION_KEY = "pioneer_respondent_invitation"
#: Session key the "saved" page reads after the respondent's session has ended.
SAVED_KEY = "pioneer_respondent_saved_until"


@functools.lru_cache(maxsize=16)
def questionnaire_for(instrument_id: str) -> pages_lib.Questionnaire:
    """The pages of a packaged instrument (packaged instruments do not change at run time)."""
    from pioneer.survey import instrument

    return pages_lib.questionnaire(instrument.load(instrument_id))


def _refusal(request, status: str, wave: SurveyWave):
    """The page that explains why an invitation in ``status`` cannot take answers, if any."""
    if not wave.is_open:
        return render(request, "fielding/respond/closed.html", {"wave": wave}, status=410)
    if status == Invitation.Status.OPTED_OUT:
        return render(request, "fielding/respond/opted_out.html", {"wave": wave})
    if status == Invitation.Status.COMPLETED:
        return render(request, "fielding/respond/completed.html", {"wave": wave})
    return None


@require_http_methods(["GET", "POST"])
def start(request, token: str):
    invitation = answers_store.standing_by_link(token)
    if invitation is None:
        return render(request, "fielding/respond/unknown.html", status=404)
    refusal = _refusal(request, invitation.status, invitation.wave)
    if refusal is not None:
        return refusal
    if request.method == "POST":
        answers_store.mark_started(invitation.invitation_pk)
        # A new session key, keeping what the session held (as cycle_key does), written
        # once by the middleware rather than once here and again with the invitation.
        kept = dict(request.session.items())
        request.session.flush()
        request.session.update(kept)
        request.session[SESSION_KEY] = invitation.invitation_pk
        return redirect("fielding:respond_questionnaire")
    wave = invitation.wave
    return render(
        request,
        "fielding/respond/start.html",
        {
            "wave": wave,
            "title": questionnaire_for(wave.instrument_id).title,
            "resuming": invitation.status == Invitation.Status.STARTED or invitation.responded,
        },
    )


def _session_invitation(request) -> answers_store.Standing:
    """Where the invitation this browser session opened through its link stands; 403
    without one."""
    try:
        pk = int(request.session.get(SESSION_KEY))
    except (TypeError, ValueError):
        raise PermissionDenied from None
    found = answers_store.standing(pk)
    if found is None:
        raise PermissionDenied
    return found


@functools.lru_cache(maxsize=1024)
def _page_path(code: str, prefix: str) -> str:
    """The page's address (``reverse`` is slow, and check your answers links every row)."""
    return reverse("fielding:respond_page", kwargs={"page": code})


def _page_url(code: str, *, from_check: bool = False, anchor: str = "") -> str:
    url = _page_path(code, get_script_prefix())
    if from_check:
        url += "?from=check"
    return url + (f"#{anchor}" if anchor else "")


@require_GET
def questionnaire(request):
    """Send the respondent to where they were: their resume page, or the first page."""
    invitation = _session_invitation(request)
    refusal = _refusal(request, invitation.status, invitation.wave)
    if refusal is not None:
        return refusal
    q = questionnaire_for(invitation.wave.instrument_id)
    where = invitation.resume_page
    if where == answers_store.CHECK:
        return redirect("fielding:respond_check")
    codes = [p.code for p in q.pages]
    return redirect(_page_url(where if where in codes else codes[0]))


# --- one page of questions ----------------------------------------------------------------


def field_id(name: str) -> str:
    """The HTML id of a form field's first input (error summary links point at it)."""
    return "q-" + name.replace(".", "-")


@dataclass
class _Option:
    id: str
    value: str
    label: str
    checked: bool
    exclusive: bool = False


@dataclass
class _GridRow:
    name: str
    id: str
    label: str
    error: str | None
    error_id: str
    cells: list[_Option] = field(default_factory=list)


@dataclass
class _FieldView:
    """What a template needs to draw one question.

    ``options`` (radios, checkboxes) and ``rows`` (a grid) are ready-made HTML, one piece per
    answer or row, drawn by ``_choice.html`` and ``_grid_row.html``.
    """

    spec: pages_lib.Field
    id: str
    hint_id: str
    error_id: str
    error: str | None
    options: list[SafeString] = field(default_factory=list)
    dont_know: SafeString | None = None
    rows: list[SafeString] = field(default_factory=list)
    row_errors: bool = False
    text: str = ""

    @property
    def invalid(self) -> bool:
        """The question, or one of its grid rows, has a problem."""
        return self.error is not None or self.row_errors

    @property
    def describedby(self) -> str:
        ids = [self.hint_id] if self.spec.hint else []
        return " ".join(ids + ([self.error_id] if self.error else []))


# Most of a questionnaire page is the same HTML again and again: one radio button of one
# grid row, checked or not. Those pieces are rendered once and kept, keyed by the question
# (its identity: a question spec is immutable), the row or answer and whether it is
# chosen. Nothing a respondent typed is ever kept: open text and error messages (which may
# quote what was posted) are drawn afresh every time. Bounded: emptied when full.
_FRAGMENTS: dict[tuple, tuple[pages_lib.Field, SafeString]] = {}
_FRAGMENTS_MAX = 20_000


def _fragment(template: str, spec: pages_lib.Field, key: tuple, context) -> SafeString:
    """``template`` rendered with ``context()``, kept under ``(spec, *key)``."""
    full = (id(spec), template, *key)
    hit = _FRAGMENTS.get(full)
    if hit is not None and hit[0] is spec:
        return hit[1]
    html = render_to_string(template, context())
    if len(_FRAGMENTS) >= _FRAGMENTS_MAX:
        _FRAGMENTS.clear()
    # The entry holds the spec itself, so its id cannot be reused while the entry lives.
    _FRAGMENTS[full] = (spec, html)
    return html


def _options(base: str, field_spec, chosen: list[str]) -> tuple[list[_Option], _Option | None]:
    options = [
        _Option(base if i == 0 else f"{base}-{i + 1}", c.code, c.label, c.code in chosen)
        for i, c in enumerate(field_spec.choices)
    ]
    dk = field_spec.dont_know
    dont_know = (
        _Option(f"{base}-dont-know", dk.code, dk.label, dk.code in chosen, exclusive=True)
        if dk is not None
        else None
    )
    return options, dont_know


def _grid_row(spec: pages_lib.Field, row: pages_lib.Row, chosen: list[str], error: str | None):
    row_id = field_id(row.name)
    cells, dont_know = _options(row_id, spec, chosen)
    return {
        "row": _GridRow(
            name=row.name,
            id=row_id,
            label=row.label,
            error=error,
            error_id=f"{row_id}-error",
            cells=cells + ([dont_know] if dont_know else []),
        )
    }


def _choices(
    spec: pages_lib.Field, chosen: list[str]
) -> tuple[list[SafeString], SafeString | None]:
    """One radio or checkbox (with its label) per answer, and "don't know" apart."""
    options, dont_know = _options(field_id(spec.code), spec, chosen)
    widget = spec.widget

    def draw(option: _Option) -> SafeString:
        return _fragment(
            "fielding/respond/_choice.html",
            spec,
            (option.value, option.checked),
            lambda: {"o": option, "name": spec.code, "widget": widget},
        )

    return [draw(o) for o in options], (draw(dont_know) if dont_know is not None else None)


def _field_views(
    page: pages_lib.Page, values: dict[str, list[str]], errors: dict[str, str]
) -> list[_FieldView]:
    views = []
    for spec in page.fields:
        base = field_id(spec.code)
        view = _FieldView(
            spec=spec,
            id=base,
            hint_id=f"{base}-hint",
            error_id=f"{base}-error",
            error=errors.get(spec.code),
        )
        if spec.widget == "grid":
            for row in spec.rows:
                chosen = values.get(row.name, [])
                error = errors.get(row.name)
                if error is None:
                    html = _fragment(
                        "fielding/respond/_grid_row.html",
                        spec,
                        (row.name, *(c for c in spec.codes if c in chosen)),
                        lambda spec=spec, row=row, chosen=chosen: _grid_row(
                            spec, row, chosen, None
                        ),
                    )
                else:  # never kept: the message may quote what was posted
                    view.row_errors = True
                    html = render_to_string(
                        "fielding/respond/_grid_row.html", _grid_row(spec, row, chosen, error)
                    )
                view.rows.append(html)
        elif spec.widget == "textarea":
            view.text = next(iter(values.get(spec.code, [])), "")
        else:
            view.options, view.dont_know = _choices(spec, values.get(spec.code, []))
        views.append(view)
    return views


def _error_list(page: pages_lib.Page, errors: dict[str, str]) -> list[tuple[str, str]]:
    """(link to the field, message) in page order, for the error summary."""
    names = [n for f in page.fields for n in f.names]
    return [(f"#{field_id(n)}", errors[n]) for n in names if n in errors]


def _writable(request):
    """(invitation, questionnaire) of the session, or (None, refusal page)."""
    invitation = _session_invitation(request)
    refusal = _refusal(request, invitation.status, invitation.wave)
    if refusal is not None:
        return None, refusal
    return invitation, questionnaire_for(invitation.wave.instrument_id)


def _after_refused_write(request, invitation: answers_store.Standing):
    """The explanation when a write found the invitation closed, completed or opted out."""
    fresh = answers_store.standing(invitation.invitation_pk)
    if fresh is None:
        raise PermissionDenied
    return _refusal(request, fresh.status, fresh.wave) or redirect("fielding:respond_questionnaire")


@require_http_methods(["GET", "POST"])
def page(request, page: str):
    """One section of the questionnaire: shown with saved answers, checked and saved on POST."""
    invitation, q = _writable(request)
    if invitation is None:
        return q  # the refusal page
    try:
        this = q.page(page)
    except InstrumentError:
        raise Http404("no such page") from None
    from_check = request.GET.get("from") == "check"
    errors: dict[str, str] = {}
    if request.method == "POST":
        posted = {name: request.POST.getlist(name) for name in request.POST}
        checked = answers_lib.validate_page(this, posted)
        if checked.ok:
            saving = request.POST.get("action") == "save"
            following = q.next(this.code)
            if saving:
                resume = this.code
            elif from_check or following is None:
                resume = answers_store.CHECK
            else:
                resume = following.code
            try:
                answers_store.save_page(
                    invitation.invitation_pk, this, checked.answers, resume=resume
                )
            except answers_store.NotWritableError:
                return _after_refused_write(request, invitation)
            if saving:
                closes = invitation.wave.closes
                request.session.flush()  # a shared computer: the next person starts afresh
                request.session[SAVED_KEY] = closes.isoformat()
                return redirect("fielding:respond_saved")
            if resume == answers_store.CHECK:
                return redirect("fielding:respond_check")
            return redirect(_page_url(resume))
        values, errors = posted, checked.errors
    else:
        values = answers_lib.initial(this, answers_store.stored(invitation.invitation_pk))
    previous = q.previous(this.code)
    return render(
        request,
        "fielding/respond/page.html",
        {
            "wave": invitation.wave,
            "title": q.title,
            "page": this,
            "total": len(q.pages),
            "fields": _field_views(this, values, errors),
            "errors": _error_list(this, errors),
            "action": _page_url(this.code, from_check=from_check),
            "back": (
                reverse("fielding:respond_check")
                if from_check
                else (_page_url(previous.code) if previous else None)
            ),
        },
    )


# --- check your answers, submit, thank you -------------------------------------------------


@dataclass
class _SummaryBlock:
    """A run of check-your-answers rows: one grid question under its heading, or plain rows."""

    heading: str | None
    rows: list[dict] = field(default_factory=list)


def _summary_blocks(q: pages_lib.Questionnaire, stored: dict[str, str]):
    out = []
    for summary_page in pages_lib.summary(q, stored):
        blocks: list[_SummaryBlock] = []
        for row in summary_page.rows:
            heading = row.question if row.item is not None else None
            if not blocks or blocks[-1].heading != heading:
                blocks.append(_SummaryBlock(heading))
            blocks[-1].rows.append(
                {
                    "key": row.item if row.item is not None else row.question,
                    "answers": row.answers,
                    "answered": row.answered,
                    "change": _page_url(row.page, from_check=True, anchor=field_id(row.name)),
                }
            )
        out.append({"title": summary_page.title, "blocks": blocks})
    return out


@require_http_methods(["GET", "POST"])
def check(request):
    """Check your answers (GET); submit them, once (POST)."""
    invitation = _session_invitation(request)
    if invitation.status == Invitation.Status.COMPLETED:
        # a double click or a replayed submission: nothing more to do
        return redirect("fielding:respond_done")
    refusal = _refusal(request, invitation.status, invitation.wave)
    if refusal is not None:
        return refusal
    q = questionnaire_for(invitation.wave.instrument_id)
    missing: dict[str, str] = {}
    if request.method == "POST":
        try:
            outcome = answers_store.submit(invitation.invitation_pk, q)
        except answers_store.NotWritableError:
            return _after_refused_write(request, invitation)
        if not outcome.missing:
            return redirect("fielding:respond_done")
        missing = outcome.missing
    stored = answers_store.stored(invitation.invitation_pk)
    page_of = {n: p.code for p in q.pages for f in p.fields for n in f.names}
    return render(
        request,
        "fielding/respond/check.html",
        {
            "wave": invitation.wave,
            "title": q.title,
            "pages": _summary_blocks(q, stored),
            "errors": [
                (_page_url(page_of[n], from_check=True, anchor=field_id(n)), message)
                for n, message in missing.items()
            ],
        },
    )


@require_GET
def done(request):
    """Thank you, once the questionnaire is submitted."""
    invitation = _session_invitation(request)
    if invitation.status != Invitation.Status.COMPLETED:
        return redirect("fielding:respond_questionnaire")
    return render(
        request,
        "fielding/respond/done.html",
        {
            "wave": invitation.wave,
            "title": questionnaire_for(invitation.wave.instrument_id).title,
        },
    )


@require_GET
def saved(request):
    """Answers saved for later: how to come back. The respondent's session has ended."""
    closes = request.session.get(SAVED_KEY)
    return render(
        request,
        "fielding/respond/saved.html",
        {"closes": dt.date.fromisoformat(closes) if closes else None},
    )
