"""The questionnaire as pages: an instrument turned into field specs a web form can render.

One page per instrument section, in the instrument's order; each question becomes one
:class:`Field` that says how to show it (radios, checkboxes, a grid of radios, a text
area), what may be chosen, whether an answer is needed and the hint to show. Nothing here
knows about HTML or a web framework: templates read these frozen objects, and
:mod:`pioneer.fielding.answers` checks submitted forms against them.

Form field names: a single-choice, tick-all, pick-N or text question posts under its
question code (``role``, ``initiatives``, ``comments``); a grid posts one radio group per
row under the row's item code (``barriers.incompatible_it``). Stored answers are keyed by
item code with the response frame's values (see :mod:`pioneer.survey.frame`).

Respondent attributes (``site``, ``org_type``) come from the invitation, not from the
respondent, so they are left off the pages unless ``ask_attributes=True``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from pioneer.errors import InstrumentError
from pioneer.survey.frame import NOT_SELECTED, SELECTED
from pioneer.survey.instrument import Instrument, Question

#: Most characters an open-text answer may have (a line break counts as one).
MAX_TEXT_LENGTH = 5000
#: Option code that makes a tick-all or pick-N option exclusive ("don't know").
DONT_KNOW = "dont_know"
#: How each question type is shown.
WIDGETS: dict[str, str] = {
    "single": "radios",
    "attribute": "radios",
    "multiple": "checkboxes",
    "pick_n": "checkboxes",
    "grid": "grid",
    "text": "textarea",
}
_SHORT = 80  # longest question name quoted in a message


@dataclass(frozen=True)
class Choice:
    """One answer a respondent can pick: its code (the form value) and its label."""

    code: str
    label: str


@dataclass(frozen=True)
class Row:
    """One row of a grid question: its form field name (the item code) and its label."""

    name: str
    code: str
    label: str


@dataclass(frozen=True)
class Field:
    """One question as a form field.

    ``type`` is the instrument's question type and ``widget`` how to show it. ``choices``
    are the options (for a grid, the scale points shared by every row); ``dont_know`` is
    the separate "don't know" answer, shown after a divider, that cannot be combined with
    other answers (``None`` if the question has none). ``limit`` is the most options a
    pick-N question allows. ``rows`` are a grid's rows. ``max_length`` applies to text.
    """

    code: str
    type: str
    label: str
    hint: str | None
    required: bool
    choices: tuple[Choice, ...] = ()
    dont_know: Choice | None = None
    limit: int | None = None
    rows: tuple[Row, ...] = ()
    max_length: int | None = None

    @property
    def widget(self) -> str:
        """``radios``, ``checkboxes``, ``grid`` or ``textarea``."""
        return WIDGETS[self.type]

    @property
    def names(self) -> tuple[str, ...]:
        """The form field names this question posts: one per grid row, else its code."""
        return tuple(r.name for r in self.rows) if self.type == "grid" else (self.code,)

    @property
    def codes(self) -> tuple[str, ...]:
        """Every answer code allowed, "don't know" last."""
        return tuple(c.code for c in self.choices) + (
            (self.dont_know.code,) if self.dont_know else ()
        )

    @property
    def labels(self) -> dict[str, str]:
        """Answer code -> label, "don't know" included."""
        out = {c.code: c.label for c in self.choices}
        if self.dont_know:
            out[self.dont_know.code] = self.dont_know.label
        return out

    @property
    def short(self) -> str:
        """The question wording, shortened to quote in an error message."""
        return shorten(self.label)

    def items(self) -> tuple[str, ...]:
        """The response-frame item codes this question stores."""
        if self.type == "grid":
            return self.names
        if self.type in ("multiple", "pick_n"):
            return tuple(f"{self.code}.{c}" for c in self.codes)
        return (self.code,)


@dataclass(frozen=True)
class Page:
    """One page of the questionnaire (an instrument section)."""

    code: str
    title: str
    number: int
    fields: tuple[Field, ...]

    def field(self, code: str) -> Field:
        for field in self.fields:
            if field.code == code:
                return field
        raise InstrumentError(f"page {self.code!r} has no question {code!r}")

    def items(self) -> tuple[str, ...]:
        """Every item code stored from this page, in page order."""
        return tuple(item for f in self.fields for item in f.items())


@dataclass(frozen=True)
class Questionnaire:
    """The pages of one instrument, in order, as a respondent sees them."""

    instrument: str
    wave: int
    title: str
    pages: tuple[Page, ...]

    def page(self, code: str) -> Page:
        """The page with this code; :class:`InstrumentError` naming the codes otherwise."""
        for page in self.pages:
            if page.code == code:
                return page
        raise InstrumentError(
            f"questionnaire {self.instrument} has no page {code!r}; "
            f"its pages are {', '.join(p.code for p in self.pages)}"
        )

    def next(self, code: str) -> Page | None:
        """The page after ``code`` (``None`` after the last: go to check your answers)."""
        index = self.pages.index(self.page(code))
        return self.pages[index + 1] if index + 1 < len(self.pages) else None

    def previous(self, code: str) -> Page | None:
        """The page before ``code`` (``None`` on the first)."""
        index = self.pages.index(self.page(code))
        return self.pages[index - 1] if index > 0 else None

    def fields(self) -> tuple[Field, ...]:
        return tuple(f for p in self.pages for f in p.fields)

    def items(self) -> tuple[str, ...]:
        return tuple(i for p in self.pages for i in p.items())


def questionnaire(
    instrument: Instrument,
    *,
    required: Collection[str] = (),
    ask_attributes: bool = False,
    max_text_length: int = MAX_TEXT_LENGTH,
) -> Questionnaire:
    """The instrument as pages of field specs.

    ``required`` lists the question codes that must be answered (every row, for a grid);
    the rest are optional, as the instruments record no such rule. Attributes, when
    asked, are always required. Sections left with no question (an "about you" section
    holding only attributes) are dropped. An instrument without sections (built by hand;
    files always have them) gets one page per distinct ``Question.section``, in order of
    first appearance.
    """
    if max_text_length < 1:
        raise ValueError(f"max_text_length must be 1 or more, got {max_text_length}")
    known = {q.code for q in instrument.questions}
    unknown = sorted(set(required) - known)
    if unknown:
        raise InstrumentError(
            f"required lists {unknown}, which are not questions of instrument "
            f"{instrument.id}. Fix: use question codes such as {', '.join(sorted(known)[:3])}"
        )
    groups: list[tuple[str, str, list[Question]]] = []
    if instrument.sections:
        for section in instrument.sections:
            groups.append(
                (section.code, section.title, [instrument.question(c) for c in section.questions])
            )
    else:
        for question in instrument.questions:
            if not groups or groups[-1][0] != question.section:
                title = question.section.replace("_", " ").strip().capitalize() or "Questions"
                groups.append((question.section, title, []))
            groups[-1][2].append(question)
    pages: list[Page] = []
    for code, title, questions in groups:
        fields = tuple(
            _field(q, required=q.code in required, max_length=max_text_length)
            for q in questions
            if ask_attributes or q.type != "attribute"
        )
        if fields:
            pages.append(Page(code=code, title=title, number=len(pages) + 1, fields=fields))
    names = [name for page in pages for field in page.fields for name in field.names]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise InstrumentError(
            f"instrument {instrument.id}: the form field name(s) {twice} would be used by "
            "two questions (a question code equal to a grid row's item code). "
            "Fix: rename one of the questions"
        )
    return Questionnaire(
        instrument=instrument.id, wave=instrument.wave, title=instrument.title, pages=tuple(pages)
    )


def _field(question: Question, *, required: bool, max_length: int) -> Field:
    kind = question.type
    if kind == "text":
        return Field(
            code=question.code,
            type=kind,
            label=question.text,
            hint=f"You can enter up to {max_length:,} characters.",
            required=required,
            max_length=max_length,
        )
    if kind == "grid":
        scale = question.scale
        if scale is None:  # pragma: no cover - the loader guarantees a scale
            raise InstrumentError(f"grid question {question.code!r} has no scale")
        dont_know = (
            Choice(scale.dont_know, scale.labels[scale.dont_know]) if scale.dont_know else None
        )
        return Field(
            code=question.code,
            type=kind,
            label=question.text,
            hint="Choose one answer for each row.",
            required=required,
            choices=tuple(Choice(o.code, o.label) for o in scale.options),
            dont_know=dont_know,
            rows=tuple(Row(f"{question.code}.{r.code}", r.code, r.label) for r in question.rows),
        )
    choices = tuple(Choice(o.code, o.label) for o in question.options if o.code != DONT_KNOW)
    dont_know = next(
        (Choice(o.code, o.label) for o in question.options if o.code == DONT_KNOW), None
    )
    if kind in ("single", "attribute"):
        # a single choice is exclusive anyway: keep "don't know" in its place in the list
        return Field(
            code=question.code,
            type=kind,
            label=question.text,
            hint=None,
            required=required or kind == "attribute",
            choices=tuple(Choice(o.code, o.label) for o in question.options),
        )
    limit = question.n if kind == "pick_n" else None
    hint = f"Choose up to {limit}." if limit is not None else "Choose all that apply."
    return Field(
        code=question.code,
        type=kind,
        label=question.text,
        hint=hint,
        required=required,
        choices=choices,
        dont_know=dont_know,
        limit=limit,
    )


def shorten(text: str, limit: int = _SHORT) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with "…" if cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.?")
    return cut + "…"


# ---------------------------------------------------------------------------
# Check your answers
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryRow:
    """One line of the check-your-answers page.

    ``name`` is the form field to link back to ("Change"); ``question`` the question's
    wording and ``item`` a grid row's label (``None`` otherwise). ``answers`` are the
    labels of what was chosen, or the open text as given; ``answered`` is ``False`` when
    nothing is stored (show "Not answered"). A tick-all answered with every box unticked
    has ``answered=True`` and no labels.
    """

    page: str
    name: str
    question: str
    item: str | None
    answers: tuple[str, ...]
    answered: bool


@dataclass(frozen=True)
class SummaryPage:
    """The check-your-answers lines of one questionnaire page."""

    code: str
    title: str
    rows: tuple[SummaryRow, ...]


def summary(questionnaire: Questionnaire, answers: Mapping[str, str]) -> tuple[SummaryPage, ...]:
    """Question wording -> answer labels for every question, page by page.

    ``answers`` are stored answers (item code -> value, as :func:`answers.validate_page`
    returns them). Unknown stored codes are shown as the code itself rather than hidden.
    """
    out: list[SummaryPage] = []
    for page in questionnaire.pages:
        rows: list[SummaryRow] = []
        for field in page.fields:
            labels = field.labels
            if field.type == "grid":
                for row in field.rows:
                    value = answers.get(row.name)
                    rows.append(
                        SummaryRow(
                            page=page.code,
                            name=row.name,
                            question=field.label,
                            item=row.label,
                            answers=() if value is None else (labels.get(value, value),),
                            answered=value is not None,
                        )
                    )
            elif field.type in ("multiple", "pick_n"):
                stored = {c: answers.get(f"{field.code}.{c}") for c in field.codes}
                chosen = tuple(labels[c] for c, v in stored.items() if v == SELECTED)
                answered = any(v in (SELECTED, NOT_SELECTED) for v in stored.values())
                rows.append(SummaryRow(page.code, field.code, field.label, None, chosen, answered))
            else:
                value = answers.get(field.code)
                shown = value if field.type == "text" else labels.get(value or "", value)
                rows.append(
                    SummaryRow(
                        page=page.code,
                        name=field.code,
                        question=field.label,
                        item=None,
                        answers=() if shown is None else (shown,),
                        answered=value is not None,
                    )
                )
        out.append(SummaryPage(page.code, page.title, tuple(rows)))
    return tuple(out)
