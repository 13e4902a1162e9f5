"""Checking one submitted page, and moving answers between the form, the store and the frame.

Three shapes of the same answers:

* **form data** — what a web form posts: field name -> list of strings
  (``{"initiatives": ["mdt", "shared_it"], "barriers.incompatible_it": ["very"]}``);
* **stored answers** — item code -> value in the response frame's coding
  (``{"initiatives.mdt": "1", "initiatives.shared_it": "1", "initiatives.care_navigators":
  "0", ..., "barriers.incompatible_it": "very"}``); an unanswered item has no key;
* **response frame rows** — :mod:`pioneer.survey.frame`, one row per respondent × item.

Rules (see ``docs/fielding.md``): empty strings in form data count as nothing chosen; a
tick-all or pick-N question with nothing ticked is unanswered (no items stored), with at
least one ticked every option is stored as ``"1"`` or ``"0"``; open text is stored exactly
as posted, except that text with nothing but white space is unanswered. Its length is
counted with a browser's ``\\r\\n`` line break as one character. Form keys that are not
fields of the page (the CSRF token, buttons) are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import pandas as pd

from pioneer.errors import AnalysisError
from pioneer.fielding.pages import Field, Page, Questionnaire
from pioneer.survey import frame as response_frame
from pioneer.survey.frame import NOT_SELECTED, SELECTED
from pioneer.survey.instrument import Instrument

_SHOWN = 40  # longest submitted value echoed in a message


class Checked(NamedTuple):
    """The result of checking one page: clean stored answers and errors by field name.

    ``answers`` holds the answers of the fields that passed (item code -> value);
    ``errors`` maps a form field name to one plain-language message. Save the page only
    when ``errors`` is empty; otherwise show the form again with the messages.
    """

    answers: dict[str, str]
    errors: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.errors


def validate_page(page: Page, form: Mapping[str, Sequence[str]]) -> Checked:
    """Check the form data posted for one page against its field specs.

    ``form`` maps field names to lists of strings (a single string is taken as a list of
    one). Returns :class:`Checked`: the stored answers of every valid field, and one
    message per field name in error (grid errors are keyed by the row's name).
    """
    answers: dict[str, str] = {}
    errors: dict[str, str] = {}
    for field in page.fields:
        if field.type == "grid":
            for row in field.rows:
                values = _values(form, row.name)
                problem, value = _one_of(field, values, row.label, grid=True)
                if problem is None and value is None and field.required:
                    problem = f"Choose an answer for ‘{row.label}’"
                if problem is not None:
                    errors[row.name] = problem
                elif value is not None:
                    answers[row.name] = value
            continue
        values = _values(form, field.code)
        if field.type in ("multiple", "pick_n"):
            problem, stored = _ticks(field, values)
        elif field.type == "text":
            problem, stored = _text(field, values)
        else:
            problem, value = _one_of(field, values, field.short, grid=False)
            stored = {} if value is None else {field.code: value}
        if problem is None and not stored and field.required:
            problem = _missing(field)
        if problem is not None:
            errors[field.code] = problem
        else:
            answers.update(stored)
    return Checked(answers, errors)


def _values(form: Mapping[str, Sequence[str]], name: str) -> list[str]:
    raw = form.get(name, [])
    if isinstance(raw, str):
        raw = [raw]
    return [v for v in raw if v != ""]


def _echo(value: str) -> str:
    return value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…"


def _one_of(
    field: Field, values: list[str], name: str, *, grid: bool
) -> tuple[str | None, str | None]:
    """One code out of the field's answers: (problem, value)."""
    distinct = list(dict.fromkeys(values))
    allowed = field.labels
    for value in distinct:
        if value not in allowed:
            where = "on the scale for" if grid else "one of the answers to"
            return f"‘{_echo(value)}’ is not {where} ‘{name}’. Choose from the list", None
    if len(distinct) > 1:
        if field.dont_know is not None and field.dont_know.code in distinct:
            return (
                f"Choose either ‘{field.dont_know.label}’ or an answer for ‘{name}’, not both",
                None,
            )
        return f"Choose only one answer for ‘{name}’", None
    return None, (distinct[0] if distinct else None)


def _ticks(field: Field, values: list[str]) -> tuple[str | None, dict[str, str]]:
    chosen = list(dict.fromkeys(values))
    allowed = field.labels
    unknown = [v for v in chosen if v not in allowed]
    if unknown:
        return (
            f"‘{_echo(unknown[0])}’ is not one of the options for ‘{field.short}’. "
            "Choose from the list"
        ), {}
    if not chosen:
        return None, {}
    dk = field.dont_know
    if dk is not None and dk.code in chosen and len(chosen) > 1:
        return (
            f"Choose either ‘{dk.label}’ or other options for ‘{field.short}’, not both",
            {},
        )
    if field.limit is not None and len(chosen) > field.limit:
        plural = "option" if field.limit == 1 else "options"
        return (
            f"Choose up to {field.limit} {plural} for ‘{field.short}’ – you chose {len(chosen)}",
            {},
        )
    return None, {
        f"{field.code}.{code}": SELECTED if code in chosen else NOT_SELECTED for code in field.codes
    }


def _text(field: Field, values: list[str]) -> tuple[str | None, dict[str, str]]:
    if len(values) > 1:
        return f"Enter one answer for ‘{field.short}’", {}
    if not values or not values[0].strip():
        return None, {}
    text = values[0]
    if "\x00" in text:
        return (
            f"The answer to ‘{field.short}’ contains a character that cannot be saved "
            "(a null character). Remove it and try again",
            {},
        )
    length = text_length(text)
    if field.max_length is not None and length > field.max_length:
        return (
            f"The answer to ‘{field.short}’ must be {field.max_length:,} characters or "
            f"fewer – you entered {length:,}",
            {},
        )
    return None, {field.code: text}


def text_length(text: str) -> int:
    """Characters in an open answer as the respondent sees them (``\\r\\n`` counts once)."""
    return len(text.replace("\r\n", "\n"))


def _missing(field: Field) -> str:
    if field.type == "text":
        return f"Enter an answer for ‘{field.short}’"
    if field.type in ("multiple", "pick_n"):
        return f"Choose at least one option for ‘{field.short}’"
    return f"Choose an answer for ‘{field.short}’"


def merge(stored: Mapping[str, str], page: Page, clean: Mapping[str, str]) -> dict[str, str]:
    """The respondent's answers after saving one page: that page's items are replaced.

    Items of the page missing from ``clean`` (a question left blank this time) are
    removed, so clearing an answer and saving clears it in the store too.
    """
    mine = set(page.items())
    out = {k: v for k, v in stored.items() if k not in mine}
    out.update(clean)
    return out


def initial(page: Page, answers: Mapping[str, str]) -> dict[str, list[str]]:
    """Form data that shows the stored ``answers`` on ``page`` (for resuming).

    The inverse of :func:`validate_page`: checking the result gives the page's answers
    back. Fields without a stored answer get an empty list.
    """
    out: dict[str, list[str]] = {}
    for field in page.fields:
        if field.type == "grid":
            for row in field.rows:
                value = answers.get(row.name)
                out[row.name] = [] if value is None else [value]
        elif field.type in ("multiple", "pick_n"):
            out[field.code] = [
                code for code in field.codes if answers.get(f"{field.code}.{code}") == SELECTED
            ]
        else:
            value = answers.get(field.code)
            out[field.code] = [] if value is None else [value]
    return out


def missing_required(questionnaire: Questionnaire, answers: Mapping[str, str]) -> dict[str, str]:
    """Required questions with no stored answer, as field name -> message (for submit).

    Check this before accepting the final submission, since a respondent may have skipped
    a page; ``SummaryRow.page`` or ``Questionnaire.pages`` give the page to send them to.
    """
    errors: dict[str, str] = {}
    for field in questionnaire.fields():
        if not field.required:
            continue
        if field.type == "grid":
            for row in field.rows:
                if row.name not in answers:
                    errors[row.name] = f"Choose an answer for ‘{row.label}’"
        elif not any(item in answers for item in field.items()):
            errors[field.code] = _missing(field)
    return errors


# ---------------------------------------------------------------------------
# Stored answers <-> response frame
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Respondent:
    """One completed questionnaire: who (pseudonymously) and their stored answers."""

    respondent_id: str
    panel_id: str | None
    site: str
    org_type: str
    answers: Mapping[str, str]


def to_frame(
    instrument: Instrument, respondents: Iterable[Respondent], *, wave: int | None = None
) -> pd.DataFrame:
    """Response-frame rows for the respondents' stored answers.

    ``wave`` is the survey wave (year) being fielded; it defaults to the instrument's own
    wave, but a wave may reuse an earlier year's instrument. Items come out in
    questionnaire order. Attribute answers (``site``, ``org_type``, if
    asked) are not items: the respondent's ``site`` and ``org_type`` fill those columns.
    Raises :class:`AnalysisError` naming the respondent and the problem if an answer is
    not allowed by the instrument, an item is unknown, or an id or org type is wrong.
    """
    items = instrument.items()
    year = instrument.wave if wave is None else wave
    if isinstance(year, bool) or not isinstance(year, int):
        raise AnalysisError(f"wave must be a survey year such as 2019, got {year!r}")
    rows: dict[str, list[object]] = {c: [] for c in response_frame.COLUMNS}
    seen: set[str] = set()
    for person in respondents:
        who = f"respondent {person.respondent_id!r}"
        if not isinstance(person.respondent_id, str) or not person.respondent_id:
            raise AnalysisError(f"{who}: the respondent id must be non-empty text")
        if person.respondent_id in seen:
            raise AnalysisError(f"{who} appears twice; fix: give each questionnaire one id")
        seen.add(person.respondent_id)
        if person.org_type not in response_frame.ORG_TYPES:
            raise AnalysisError(
                f"{who}: organisation type {person.org_type!r} is not one of "
                f"{list(response_frame.ORG_TYPES)}; fix: correct the contact's organisation type"
            )
        problems = instrument.validate_respondent(dict(person.answers))
        if problems:
            raise AnalysisError(f"{who}: " + "; ".join(problems))
        for code in items:
            value = person.answers.get(code)
            if value is None:
                continue
            for column, cell in (
                ("respondent_id", person.respondent_id),
                ("panel_id", person.panel_id),
                ("wave", year),
                ("site", person.site),
                ("org_type", person.org_type),
                ("item", code),
                ("value", value),
            ):
                rows[column].append(cell)
    return response_frame.normalise(pd.DataFrame(rows))


def from_frame(frame: pd.DataFrame, respondent_id: str) -> dict[str, str]:
    """One respondent's stored answers read back from a response frame (item -> value)."""
    mine = frame[frame["respondent_id"] == respondent_id]
    if mine["item"].duplicated().any():
        twice = mine.loc[mine["item"].duplicated(), "item"].iloc[0]
        raise AnalysisError(
            f"respondent {respondent_id!r} has item {twice!r} twice in the response frame; "
            "fix: keep one answer per respondent and item"
        )
    return {str(i): str(v) for i, v in zip(mine["item"], mine["value"], strict=True)}
