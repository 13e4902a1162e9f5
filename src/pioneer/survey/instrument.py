"""Survey instruments as data: each questionnaire is a YAML file, loaded and checked here.

An instrument describes one survey wave's questionnaire: its scales, its sections (one page
each in a web questionnaire) and its questions. Every question expands into one or more
*variables* — the item codes of the response frame (``barriers.incompatible_it``,
``objectives_top3.costs``, ``role``). Codes are the contract between waves: the same code
in two waves means the same question with the same answer codes.

Each question, row and option records how fully the source documents give its wording
(``stated``, ``partial`` or ``unpublished``) and where it comes from, so that nobody
mistakes a reconstructed stem for the published one. The YAML format is described in
``docs/instruments.md``.

Packaged instruments live in ``pioneer/data/instruments/<id>.yaml``.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from pioneer.errors import InstrumentError

QUESTION_TYPES: tuple[str, ...] = ("single", "multiple", "pick_n", "grid", "text", "attribute")
WORDING_STATUSES: tuple[str, ...] = ("stated", "partial", "unpublished")
KINDS: tuple[str, ...] = ("choice", "flag", "text")

#: Values of a tick-all / pick-N variable (see ``pioneer.survey.frame``).
FLAG_VALUES: tuple[str, ...] = ("1", "0")
FLAG_LABELS: dict[str, str] = {"1": "Selected", "0": "Not selected"}

#: Question types whose answers are one code out of a list of options.
CHOICE_TYPES: tuple[str, ...] = ("single", "attribute")
#: Question types whose options each become a "1"/"0" variable.
FLAG_TYPES: tuple[str, ...] = ("multiple", "pick_n")

_PACKAGE = "pioneer.data"
_FOLDER = "instruments"
_CODE = re.compile(r"[a-z][a-z0-9_]*\Z")
_QUESTION_CODE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\Z")
_MIN_YEAR, _MAX_YEAR = 1900, 2100


# ---------------------------------------------------------------------------
# The domain objects
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One answer option, grid row or scale point: a stable code and its wording.

    ``wording``, ``source`` and ``note`` say how fully, and where, the sources give
    ``label``; scale points leave them at their defaults.
    """

    code: str
    label: str
    wording: str = "stated"
    source: str = ""
    note: str | None = None


@dataclass(frozen=True)
class Scale:
    """A named rating scale shared by the rows of grid questions.

    ``options`` are the substantive points in order; ``dont_know`` is the code of the
    separate "don't know" answer (``None`` if the scale has none).
    """

    code: str
    label: str
    options: tuple[Option, ...]
    dont_know: str | None
    dont_know_label: str | None = None
    source: str = ""
    note: str | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        """Every answer code of the scale, "don't know" last."""
        codes = tuple(o.code for o in self.options)
        return codes + ((self.dont_know,) if self.dont_know else ())

    @property
    def labels(self) -> dict[str, str]:
        """Answer code -> label, in scale order."""
        labels = {o.code: o.label for o in self.options}
        if self.dont_know:
            labels[self.dont_know] = self.dont_know_label or "Don't know"
        return labels


@dataclass(frozen=True)
class Variable:
    """One item of the response frame, as a question expands into it.

    ``kind`` is ``choice`` (one code out of ``values``), ``flag`` (``"1"``/``"0"``, one per
    option of a tick-all or pick-N question) or ``text`` (free text, ``values == ()``).
    ``label`` is the wording shown for this variable: the row or option for grids and
    tick boxes, the question text otherwise. ``scale`` is the scale code for grid rows.
    """

    code: str
    question: str
    kind: str
    values: tuple[str, ...]
    labels: dict[str, str] = field(hash=False)
    label: str
    wording: str
    source: str = ""
    note: str | None = None
    scale: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InstrumentError(
                f"variable {self.code!r}: kind {self.kind!r} is not one of {list(KINDS)}"
            )
        if self.wording not in WORDING_STATUSES:
            raise InstrumentError(
                f"variable {self.code!r}: wording {self.wording!r} is not one of "
                f"{list(WORDING_STATUSES)}"
            )


@dataclass(frozen=True)
class Question:
    """One question of an instrument and the variables it expands into.

    ``n`` is set for ``pick_n`` questions (the most options a respondent may select);
    ``scale`` for ``grid`` questions. ``options`` holds the answer options of choice,
    tick-all and pick-N questions; ``rows`` the rows of a grid.
    """

    code: str
    type: str
    text: str
    section: str
    variables: tuple[Variable, ...]
    n: int | None
    scale: Scale | None
    wording: str
    source: str
    note: str | None
    options: tuple[Option, ...] = ()
    rows: tuple[Option, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in QUESTION_TYPES:
            raise InstrumentError(
                f"question {self.code!r}: type {self.type!r} is not one of {list(QUESTION_TYPES)}"
            )


@dataclass(frozen=True)
class Section:
    """A group of questions shown together (one page of a web questionnaire)."""

    code: str
    title: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Instrument:
    """One wave's questionnaire: scales, sections and questions, with lookups by code."""

    id: str
    wave: int
    title: str
    source: str
    sections: tuple[Section, ...]
    questions: tuple[Question, ...]
    scales: dict[str, Scale] = field(hash=False)
    note: str | None = None
    _by_code: dict[str, Variable] = field(
        init=False, repr=False, compare=False, hash=False, default_factory=dict
    )
    _by_question: dict[str, Question] = field(
        init=False, repr=False, compare=False, hash=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        for question in self.questions:
            self._by_question[question.code] = question
            for variable in question.variables:
                self._by_code[variable.code] = variable

    def variables(self) -> dict[str, Variable]:
        """Every variable by code, in questionnaire order (attributes included)."""
        return dict(self._by_code)

    def items(self) -> dict[str, Variable]:
        """The variables stored as ``item`` rows of the response frame.

        That is every variable except the respondent attributes (``site``,
        ``org_type``), which the frame carries as columns.
        """
        return {
            code: v
            for code, v in self._by_code.items()
            if self._by_question[v.question].type != "attribute"
        }

    def attributes(self) -> dict[str, Variable]:
        """The respondent attributes (frame columns such as ``site``), by code."""
        return {
            code: v
            for code, v in self._by_code.items()
            if self._by_question[v.question].type == "attribute"
        }

    def variable(self, code: str) -> Variable:
        """The variable with this code; :class:`InstrumentError` if there is none."""
        try:
            return self._by_code[code]
        except KeyError:
            raise InstrumentError(
                f"instrument {self.id} has no item {code!r}{_close(code, self._by_code)}. "
                f"Fix: use one of the codes listed by load({self.id!r}).variables()"
            ) from None

    def question(self, code: str) -> Question:
        """The question with this code; :class:`InstrumentError` if there is none."""
        try:
            return self._by_question[code]
        except KeyError:
            raise InstrumentError(
                f"instrument {self.id} has no question {code!r}"
                f"{_close(code, self._by_question)}. "
                f"Fix: use one of the question codes of load({self.id!r}).questions"
            ) from None

    def validate_value(self, code: str, value: object) -> str | None:
        """Check one answer: ``None`` if ``value`` is allowed for ``code``, else the problem.

        Answers are strings as stored in the response frame: an option code for choices,
        ``"1"``/``"0"`` for tick boxes, any non-empty text for open questions.
        """
        variable = self._by_code.get(code)
        if variable is None:
            return f"{code!r} is not an item of instrument {self.id}{_close(code, self._by_code)}"
        if not isinstance(value, str):
            return (
                f"the answer to {code!r} must be a text code, not {type(value).__name__} {value!r}"
            )
        if value == "":
            return (
                f"the answer to {code!r} is empty; an unanswered item has no row "
                "in the response frame"
            )
        if variable.kind == "text" or value in variable.values:
            return None
        if variable.kind == "flag":
            return (
                f"{code!r} is a tick box: its answer must be '1' (selected) "
                f"or '0' (not selected), not {value!r}"
            )
        return (
            f"{value!r} is not an answer code of {code!r}; allowed codes are "
            f"{', '.join(variable.values)}"
        )

    def validate_respondent(self, answers: Mapping[str, object]) -> tuple[str, ...]:
        """Check one respondent's answers (item code -> value); return every problem found.

        Adds to :meth:`validate_value` the checks that span variables: no more than
        ``n`` options ticked in a pick-N question.
        """
        problems = [
            problem
            for code, value in answers.items()
            if (problem := self.validate_value(code, value)) is not None
        ]
        for question in self.questions:
            if question.type != "pick_n" or question.n is None:
                continue
            ticked = [v.code for v in question.variables if answers.get(v.code) == "1"]
            if len(ticked) > question.n:
                problems.append(
                    f"question {question.code!r} allows at most {question.n} selections, "
                    f"found {len(ticked)} ({', '.join(ticked)})"
                )
        return tuple(problems)


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


def available() -> tuple[str, ...]:
    """The ids of the packaged instruments, sorted (e.g. ``("ki2016", "ki2017", "ki2018")``)."""
    folder = resources.files(_PACKAGE) / _FOLDER
    return tuple(
        sorted(
            entry.name.removesuffix(".yaml")
            for entry in folder.iterdir()
            if entry.name.endswith(".yaml")
        )
    )


def load(name: str) -> Instrument:
    """Load a packaged instrument by id, e.g. ``load("ki2018")``."""
    names = available()
    if name not in names:
        raise InstrumentError(
            f"there is no packaged instrument {name!r}{_close(name, names)}. "
            f"Fix: use one of {', '.join(names)}, or load your own file with load_file(path)"
        )
    label = f"pioneer/data/{_FOLDER}/{name}.yaml"
    instrument = _build(_packaged_yaml(name), label)
    if instrument.id != name:
        raise _error(
            label,
            "id",
            f"the file is named {name}.yaml but declares id {instrument.id!r}",
            f"set `id: {name}` or rename the file",
        )
    return instrument


@functools.cache
def _packaged_yaml(name: str) -> Any:
    """The parsed YAML of a packaged instrument, read once per process.

    Parsing is the slow part of loading; building the objects from the parsed data is
    cheap and never changes it, so each ``load`` still returns fresh objects.
    """
    resource = resources.files(_PACKAGE) / _FOLDER / f"{name}.yaml"
    return _read_yaml(resource.read_text(encoding="utf-8"), f"pioneer/data/{_FOLDER}/{name}.yaml")


def load_file(path: str | Path) -> Instrument:
    """Load and check an instrument from any YAML file.

    Raises :class:`InstrumentError` naming the file, the question or item, and the fix.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InstrumentError(
            f"{path}: cannot read the instrument file ({exc.strerror or exc}). "
            "Fix: check the path and that the file is readable"
        ) from None
    except UnicodeDecodeError:
        raise InstrumentError(
            f"{path}: the instrument file is not UTF-8 text. Fix: save it as UTF-8"
        ) from None
    return _build(_read_yaml(text, str(path)), str(path))


def check_consistent(instruments: Iterable[Instrument]) -> None:
    """Check that codes shared by several instruments mean the same thing in each.

    A variable code present in more than one instrument must have the same kind, the
    same answer codes and the same scale everywhere; otherwise cross-wave comparisons
    would silently compare different questions. Raises :class:`InstrumentError`
    naming the code, the instruments and what differs.
    """
    seen: dict[str, tuple[str, Variable]] = {}
    problems: list[str] = []
    for instrument in instruments:
        for code, variable in instrument.variables().items():
            if code not in seen:
                seen[code] = (instrument.id, variable)
                continue
            first_id, first = seen[code]
            for attribute in ("kind", "values", "scale"):
                a, b = getattr(first, attribute), getattr(variable, attribute)
                if a != b:
                    problems.append(
                        f"{code!r} has {attribute} {a!r} in {first_id} but {b!r} in {instrument.id}"
                    )
    if problems:
        raise InstrumentError(
            "item codes are not stable across instruments: "
            + "; ".join(problems)
            + ". Fix: give a changed question a new code, or make the answers the same"
        )


# ---------------------------------------------------------------------------
# Parsing and validation (private)
# ---------------------------------------------------------------------------

_TOP_REQUIRED = ("id", "wave", "title", "source", "sections")
_TOP_OPTIONAL = ("scales", "note")
_SECTION_KEYS = ("code", "title", "questions")
_QUESTION_REQUIRED = ("code", "type", "text", "wording", "source")
_QUESTION_OPTIONAL = ("note",)
_TYPE_KEYS: dict[str, tuple[str, ...]] = {
    "single": ("options",),
    "attribute": ("options",),
    "multiple": ("options",),
    "pick_n": ("options", "n"),
    "grid": ("scale", "rows"),
    "text": (),
}
_OPTION_REQUIRED = ("code", "label")
_OPTION_OPTIONAL = ("wording", "source", "note")
_SCALE_REQUIRED = ("label", "options")
_SCALE_OPTIONAL = ("dont_know", "source", "note")
_UNPUBLISHED_FIX = (
    "write the wording from the sources; if they give none, write a neutral "
    "wording or placeholder label and set `wording: partial` or `unpublished` with a note"
)


def _error(file: str, where: str | None, problem: str, fix: str) -> InstrumentError:
    """An :class:`InstrumentError` naming the file, the place in it, the problem and the fix."""
    location = f"{file}, {where}" if where else file
    return InstrumentError(f"{location}: {problem}. Fix: {fix}")


def _close(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for near matches, else an empty string."""
    matches = difflib.get_close_matches(str(word), list(candidates), n=3, cutoff=0.6)
    if not matches:
        return ""
    return " (did you mean " + " or ".join(repr(m) for m in matches) + "?)"


def _mapping(value: Any, file: str, where: str | None, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _error(
            file,
            where,
            f"{what} must be a mapping of `key: value` lines, found {type(value).__name__}",
            f"write {what} as indented `key: value` lines",
        )
    return value


def _check_keys(
    mapping: dict[str, Any],
    file: str,
    where: str | None,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    what: str,
) -> None:
    for key in required:
        if key not in mapping:
            raise _error(
                file, where, f"{what} is missing the required key {key!r}", f"add `{key}:`"
            )
    allowed = required + optional
    for key in mapping:
        if key not in allowed:
            raise _error(
                file,
                where,
                f"{what} has the unknown key {key!r}{_close(str(key), allowed)}",
                f"remove it or use one of {', '.join(allowed)}",
            )


def _code(value: Any, file: str, where: str | None, what: str, pattern: re.Pattern[str]) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        shown = (
            repr(value)
            if isinstance(value, str)
            else f"{value!r} (read by YAML as a {type(value).__name__})"
        )
        dotted = " separated by dots" if pattern is _QUESTION_CODE else ""
        raise _error(
            file,
            where,
            f"{what} {shown} is not a valid code",
            "use lowercase letters, digits and underscores, starting with a letter"
            f"{dotted} (e.g. `staff_turnover`); quote codes YAML would read as "
            "numbers or true/false",
        )
    return value


def _text(value: Any, file: str, where: str | None, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _error(file, where, f"`{key}` is empty", _UNPUBLISHED_FIX)
    return value.strip()


def _optional_text(value: Any, file: str, where: str | None, key: str) -> str | None:
    if value is None:
        return None
    return _text(value, file, where, key)


def _wording(value: Any, file: str, where: str | None) -> str:
    if value not in WORDING_STATUSES:
        raise _error(
            file,
            where,
            f"wording status {value!r} is not one of {', '.join(WORDING_STATUSES)}",
            "set `wording: stated` (sources give the full wording), `partial` (a short "
            "form, or a stem written for this instrument) or `unpublished`",
        )
    return value


def _read_yaml(text: str, file: str) -> Any:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise _error(
            file,
            None,
            f"not valid YAML{line} ({problem})",
            "check the indentation and quote text containing ': ' or '#'",
        ) from None
    return raw


def _build(raw: Any, file: str) -> Instrument:
    """Check the parsed YAML and build the instrument; never modifies ``raw``."""
    top = _mapping(raw, file, None, "the instrument file")
    _check_keys(top, file, None, _TOP_REQUIRED, _TOP_OPTIONAL, "the instrument")

    instrument_id = _code(top["id"], file, "id", "instrument id", _CODE)
    wave = top["wave"]
    if isinstance(wave, bool) or not isinstance(wave, int) or not _MIN_YEAR <= wave <= _MAX_YEAR:
        raise _error(
            file,
            "wave",
            f"wave {wave!r} is not an integer year",
            "set `wave:` to the survey year as a four-digit number, e.g. `wave: 2018`",
        )
    title = _text(top["title"], file, "title", "title")
    source = _text(top["source"], file, "source", "source")
    note = _optional_text(top.get("note"), file, "note", "note")

    scales = _parse_scales(top.get("scales") or {}, file)

    raw_sections = top["sections"]
    if not isinstance(raw_sections, list) or not raw_sections:
        raise _error(
            file, "sections", "the instrument has no sections", "list at least one section"
        )
    sections: list[Section] = []
    questions: list[Question] = []
    question_at: dict[str, str] = {}
    variable_at: dict[str, str] = {}
    for index, raw_section in enumerate(raw_sections, start=1):
        where = f"section {index}"
        section_map = _mapping(raw_section, file, where, "a section")
        _check_keys(section_map, file, where, _SECTION_KEYS, (), "the section")
        code = _code(section_map["code"], file, where, "section code", _CODE)
        where = f"section {code!r}"
        if any(s.code == code for s in sections):
            raise _error(
                file,
                where,
                f"section code {code!r} is used twice",
                "give each section its own code",
            )
        section_title = _text(section_map["title"], file, where, "title")
        raw_questions = section_map["questions"]
        if not isinstance(raw_questions, list) or not raw_questions:
            raise _error(
                file, where, "the section has no questions", "list its questions or remove it"
            )
        codes: list[str] = []
        for raw_question in raw_questions:
            question = _parse_question(raw_question, file, code, scales)
            if question.code in question_at:
                raise _error(
                    file,
                    f"question {question.code!r}",
                    f"question code {question.code!r} is repeated "
                    f"(first in {question_at[question.code]})",
                    "give each question its own code; a code must mean the same "
                    "question in every wave",
                )
            question_at[question.code] = f"section {code!r}"
            for variable in question.variables:
                if variable.code in variable_at:
                    raise _error(
                        file,
                        f"question {question.code!r}",
                        f"variable code {variable.code!r} is repeated "
                        f"(also made by question {variable_at[variable.code]!r})",
                        "rename the question, row or option so that every variable code is unique",
                    )
                variable_at[variable.code] = question.code
            questions.append(question)
            codes.append(question.code)
        sections.append(Section(code=code, title=section_title, questions=tuple(codes)))

    return Instrument(
        id=instrument_id,
        wave=wave,
        title=title,
        source=source,
        sections=tuple(sections),
        questions=tuple(questions),
        scales=scales,
        note=note,
    )


def _parse_scales(raw: Any, file: str) -> dict[str, Scale]:
    raw = _mapping(raw, file, "scales", "`scales`")
    scales: dict[str, Scale] = {}
    for key, body in raw.items():
        code = _code(key, file, "scales", "scale code", _CODE)
        where = f"scale {code!r}"
        body = _mapping(body, file, where, "a scale")
        _check_keys(body, file, where, _SCALE_REQUIRED, _SCALE_OPTIONAL, "the scale")
        label = _text(body["label"], file, where, "label")
        source = _optional_text(body.get("source"), file, where, "source") or ""
        options = _parse_options(body["options"], file, where, "option", None, source)
        dont_know = dont_know_label = None
        if body.get("dont_know") is not None:
            dk_where = f"{where}, dont_know"
            dk = _mapping(body["dont_know"], file, dk_where, "`dont_know`")
            _check_keys(dk, file, dk_where, ("code", "label"), (), "`dont_know`")
            dont_know = _code(dk["code"], file, dk_where, "code", _CODE)
            dont_know_label = _text(dk["label"], file, dk_where, "label")
            if dont_know in {o.code for o in options}:
                raise _error(
                    file,
                    dk_where,
                    f"code {dont_know!r} is both an option and the don't-know code",
                    "use a code that no option of the scale uses",
                )
        scales[code] = Scale(
            code=code,
            label=label,
            options=options,
            dont_know=dont_know,
            dont_know_label=dont_know_label,
            source=source,
            note=_optional_text(body.get("note"), file, where, "note"),
        )
    return scales


def _parse_options(
    raw: Any,
    file: str,
    where: str,
    noun: str,
    default_wording: str | None,
    default_source: str,
) -> tuple[Option, ...]:
    """Parse a list of options or rows; rows and options inherit the question's wording."""
    plural = f"{noun}s"
    if not isinstance(raw, list) or not raw:
        raise _error(file, where, f"there are no {plural}", f"list at least one under `{plural}:`")
    options: list[Option] = []
    seen: set[str] = set()
    for index, item in enumerate(raw, start=1):
        item_where = f"{where}, {noun} {index}"
        body = _mapping(item, file, item_where, f"a {noun}")
        _check_keys(body, file, item_where, _OPTION_REQUIRED, _OPTION_OPTIONAL, f"the {noun}")
        code = _code(body["code"], file, item_where, f"{noun} code", _CODE)
        item_where = f"{where}, {noun} {code!r}"
        if code in seen:
            raise _error(
                file,
                item_where,
                f"{noun} code {code!r} appears twice in the same list",
                f"give each {noun} its own code",
            )
        seen.add(code)
        wording = body.get("wording", default_wording)
        options.append(
            Option(
                code=code,
                label=_text(body["label"], file, item_where, "label"),
                wording="stated" if wording is None else _wording(wording, file, item_where),
                source=_optional_text(body.get("source"), file, item_where, "source")
                or default_source,
                note=_optional_text(body.get("note"), file, item_where, "note"),
            )
        )
    return tuple(options)


def _parse_attribute_options(
    raw: Any, file: str, where: str, wording: str, source: str
) -> tuple[Option, ...]:
    """Attribute values are frame column values (``NHS provider``): any non-blank text."""
    if not isinstance(raw, list) or not raw:
        raise _error(file, where, "there are no options", "list at least one under `options:`")
    options: list[Option] = []
    for index, item in enumerate(raw, start=1):
        item_where = f"{where}, option {index}"
        body = _mapping(item, file, item_where, "an option")
        _check_keys(body, file, item_where, _OPTION_REQUIRED, _OPTION_OPTIONAL, "the option")
        code = body["code"]
        if not isinstance(code, str) or not code.strip() or code != code.strip():
            raise _error(
                file,
                item_where,
                f"attribute value {code!r} is not a non-blank text code",
                "write the value exactly as the response frame stores it, in quotes",
            )
        if any(o.code == code for o in options):
            raise _error(
                file,
                f"{where}, option {code!r}",
                f"option code {code!r} appears twice in the same list",
                "give each option its own code",
            )
        options.append(
            Option(
                code=code,
                label=_text(body["label"], file, item_where, "label"),
                wording=_wording(body.get("wording", wording), file, item_where),
                source=_optional_text(body.get("source"), file, item_where, "source") or source,
                note=_optional_text(body.get("note"), file, item_where, "note"),
            )
        )
    return tuple(options)


def _parse_question(raw: Any, file: str, section: str, scales: dict[str, Scale]) -> Question:
    where = f"section {section!r}, a question"
    body = _mapping(raw, file, where, "a question")
    if "code" not in body:
        raise _error(file, where, "the question is missing the required key 'code'", "add `code:`")
    code = _code(body["code"], file, where, "question code", _QUESTION_CODE)
    where = f"question {code!r}"
    if "type" not in body:
        raise _error(file, where, "the question is missing the required key 'type'", "add `type:`")
    kind = body["type"]
    if kind not in QUESTION_TYPES:
        raise _error(
            file,
            where,
            f"unknown question type {kind!r}{_close(str(kind), QUESTION_TYPES)}",
            f"use one of {', '.join(QUESTION_TYPES)}",
        )
    type_keys = _TYPE_KEYS[kind]
    # A choice without options / a grid without rows get their own message.
    list_key = "rows" if kind == "grid" else "options"
    required = _QUESTION_REQUIRED + tuple(k for k in type_keys if k != list_key)
    optional = _QUESTION_OPTIONAL + ((list_key,) if list_key in type_keys else ())
    _check_keys(body, file, where, required, optional, f"the {kind} question")

    text = _text(body["text"], file, where, "text")
    wording = _wording(body["wording"], file, where)
    source = _text(body["source"], file, where, "source")
    note = _optional_text(body.get("note"), file, where, "note")
    common = {
        "code": code,
        "type": kind,
        "text": text,
        "section": section,
        "wording": wording,
        "source": source,
        "note": note,
    }

    if kind == "text":
        variable = Variable(code, code, "text", (), {}, text, wording, source, note)
        return Question(variables=(variable,), n=None, scale=None, **common)

    if kind == "grid":
        scale_code = body["scale"]
        if scale_code not in scales:
            raise _error(
                file,
                where,
                f"unknown scale {scale_code!r}{_close(str(scale_code), scales)}",
                f"define it under `scales:` or use one of {', '.join(scales) or '(none defined)'}",
            )
        scale = scales[scale_code]
        if body.get("rows") is None or body.get("rows") == []:
            raise _error(
                file,
                where,
                "the grid has no rows",
                "list the items rated on the scale under `rows:`",
            )
        rows = _parse_options(body["rows"], file, where, "row", wording, source)
        variables = tuple(
            Variable(
                code=f"{code}.{row.code}",
                question=code,
                kind="choice",
                values=scale.codes,
                labels=scale.labels,
                label=row.label,
                wording=row.wording,
                source=row.source,
                note=row.note,
                scale=scale.code,
            )
            for row in rows
        )
        return Question(variables=variables, n=None, scale=scale, rows=rows, **common)

    if body.get("options") is None or body.get("options") == []:
        raise _error(
            file,
            where,
            f"the {kind} question has no options",
            "list its answer options under `options:`, each with a `code` and a `label`",
        )
    if kind == "attribute":
        options = _parse_attribute_options(body["options"], file, where, wording, source)
    else:
        options = _parse_options(body["options"], file, where, "option", wording, source)

    if kind in CHOICE_TYPES:
        variable = Variable(
            code=code,
            question=code,
            kind="choice",
            values=tuple(o.code for o in options),
            labels={o.code: o.label for o in options},
            label=text,
            wording=wording,
            source=source,
            note=note,
        )
        return Question(variables=(variable,), n=None, scale=None, options=options, **common)

    n = None
    if kind == "pick_n":
        n = body["n"]
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= len(options):
            raise _error(
                file,
                where,
                f"pick_n needs n between 1 and the number of options ({len(options)}); "
                f"found n={n!r}",
                f"set `n:` to a whole number from 1 to {len(options)}, or add options",
            )
    variables = tuple(
        Variable(
            code=f"{code}.{option.code}",
            question=code,
            kind="flag",
            values=FLAG_VALUES,
            labels=dict(FLAG_LABELS),
            label=option.label,
            wording=option.wording,
            source=option.source,
            note=option.note,
        )
        for option in options
    )
    return Question(variables=variables, n=n, scale=None, options=options, **common)
