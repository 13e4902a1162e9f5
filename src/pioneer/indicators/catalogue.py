"""The indicator catalogue: what each routinely collected indicator measures and how to read it.

One :class:`Indicator` per indicator, loaded from the packaged
``data/indicators/catalogue.csv`` (or from a user's file of the same shape) by :func:`load`.
Each entry carries the facts a profile needs to present and benchmark a value: its
dimension (the evaluation's six), unit and multiplier, polarity (whether a higher value is
better), the statistic behind it, the age and sex it covers, its period type and where it
is published (with the Fingertips indicator id when there is one). Facts that could not be
checked against a publisher's own metadata say ``unconfirmed`` in the entry's ``note``.

Entries check themselves on creation: a wrong polarity, statistic or dimension fails at
once (:class:`~pioneer.errors.AnalysisError`) naming the field, what came and what is
allowed; so does asking for an unknown id, which names the closest ids.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path

import pandas as pd

from pioneer.errors import AnalysisError, DataFileError
from pioneer.results import Layout, TableResult

#: The evaluation's six dimensions of candidate indicators, id -> label as written
#: (``004_64464799fe2d0c37.txt`` lines 26–31; ``reference/evaluation/indicator_dimensions.csv``).
DIMENSIONS: dict[str, str] = {
    "community_well_being_and_population_health": "Community well-being and population health",
    "organisational_processes_and_systems": "Organisational processes and systems",
    "personal_outcomes": "Personal outcomes",
    "resource_use_balance_of_care": "Resource use/balance of care",
    "service_proxies_for_outcomes": "Service proxies for outcomes",
    "user_carer_experience": "User/carer experience",
}

#: Polarity: which direction of a value is better. ``not_applicable`` is only for
#: user-defined indicators and means the value is never compared.
POLARITIES: tuple[str, ...] = (
    "lower_is_better",
    "higher_is_better",
    "no_judgement",
    "not_applicable",
)

#: Polarities the packaged catalogue may use (every published indicator has a judgement
#: or explicitly none).
CATALOGUE_POLARITIES: tuple[str, ...] = POLARITIES[:3]

#: Fingertips' own polarity labels (indicator metadata ``Polarity``) -> ours.
FINGERTIPS_POLARITIES: dict[str, str] = {
    "RAG - Low is good": "lower_is_better",
    "RAG - High is good": "higher_is_better",
    "BOB - Blue orange blue": "no_judgement",
    "Not applicable": "not_applicable",
}

#: The statistic behind an indicator's value (the methods of
#: :mod:`pioneer.indicators.statistics`).
STATISTICS: dict[str, str] = {
    "proportion": "proportion (Wilson score interval)",
    "crude_rate": "crude rate (Byar's method / exact Poisson interval)",
    "dsr": "directly standardised rate (Dobson's method)",
    "isr": "indirectly standardised rate or percentage",
    "smr": "standardised ratio (observed / expected)",
    "mean": "mean (t-interval)",
}

#: How an indicator's periods run.
PERIOD_TYPES: tuple[str, ...] = (
    "financial_year",
    "calendar_year",
    "pooled_financial_years",
    "pooled_calendar_years",
    "quarter",
    "month",
)

SEXES: tuple[str, ...] = ("Persons", "Male", "Female")

#: Columns of a catalogue file, in order (the fields of :class:`Indicator`).
CATALOGUE_COLUMNS: tuple[str, ...] = (
    "id",
    "title",
    "short_title",
    "dimension",
    "unit",
    "multiplier",
    "polarity",
    "statistic",
    "age",
    "sex",
    "period_type",
    "fingertips_id",
    "source",
    "source_url",
    "has_packaged_data",
    "note",
)

_ID = re.compile(r"[a-z][a-z0-9_]{0,63}\Z")
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0", ""}


def polarity_from_fingertips(label: str) -> str:
    """Our polarity for a Fingertips ``Polarity`` label (surrounding spaces ignored)."""
    key = label.strip()
    if key not in FINGERTIPS_POLARITIES:
        raise AnalysisError(
            f"unknown Fingertips polarity {label!r}; expected one of "
            f"{', '.join(repr(k) for k in FINGERTIPS_POLARITIES)}"
        )
    return FINGERTIPS_POLARITIES[key]


@dataclass(frozen=True)
class Indicator:
    """One indicator's metadata; checks its own fields on creation."""

    id: str
    title: str
    short_title: str
    dimension: str
    unit: str
    multiplier: int | None
    polarity: str
    statistic: str
    age: str
    sex: str
    period_type: str
    fingertips_id: int | None
    source: str
    source_url: str
    has_packaged_data: bool = False
    note: str = ""

    def __post_init__(self) -> None:
        problems = _field_problems(self)
        if problems:
            raise AnalysisError(f"indicator {self.id!r}: " + "; ".join(problems))

    @property
    def dimension_label(self) -> str:
        """The dimension as the evaluation wrote it."""
        return DIMENSIONS[self.dimension]

    @property
    def compared(self) -> bool:
        """Whether values of this indicator are judged better/worse against a comparator."""
        return self.polarity in ("lower_is_better", "higher_is_better")


def _field_problems(ind: Indicator) -> list[str]:
    problems: list[str] = []

    def check(name: str, ok: bool, expected: str) -> None:
        if not ok:
            problems.append(f"{name} is {getattr(ind, name)!r}, expected {expected}")

    check("id", isinstance(ind.id, str) and bool(_ID.match(ind.id)), "a snake_case id")
    for name in ("title", "short_title", "unit", "age", "source"):
        value = getattr(ind, name)
        check(name, isinstance(value, str) and value.strip() != "", "non-blank text")
    check("dimension", ind.dimension in DIMENSIONS, "one of " + ", ".join(DIMENSIONS))
    check("polarity", ind.polarity in POLARITIES, "one of " + ", ".join(POLARITIES))
    check("statistic", ind.statistic in STATISTICS, "one of " + ", ".join(STATISTICS))
    check("sex", ind.sex in SEXES, "one of " + ", ".join(SEXES))
    check("period_type", ind.period_type in PERIOD_TYPES, "one of " + ", ".join(PERIOD_TYPES))
    check(
        "multiplier",
        ind.multiplier is None or _positive_int(ind.multiplier),
        "a positive whole number or None",
    )
    check(
        "fingertips_id",
        ind.fingertips_id is None or _positive_int(ind.fingertips_id),
        "a positive whole number or None",
    )
    check("has_packaged_data", isinstance(ind.has_packaged_data, bool), "True or False")
    check("source_url", isinstance(ind.source_url, str), "text (may be blank)")
    check("note", isinstance(ind.note, str), "text (may be blank)")
    if ind.statistic == "proportion" and ind.multiplier not in (1, 100):
        problems.append(
            f"multiplier is {ind.multiplier!r}, expected 1 or 100 for a proportion "
            "(a fraction or a percentage)"
        )
    return problems


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


@dataclass(frozen=True)
class Catalogue:
    """A set of indicators with unique ids, in file order."""

    indicators: tuple[Indicator, ...]
    source: str = "packaged"

    def __post_init__(self) -> None:
        seen: set[str] = set()
        fingertips: dict[int, str] = {}
        for ind in self.indicators:
            if ind.id in seen:
                raise AnalysisError(f"indicator id {ind.id!r} appears twice in {self.source}")
            seen.add(ind.id)
            if ind.fingertips_id is not None:
                other = fingertips.get(ind.fingertips_id)
                if other is not None:
                    raise AnalysisError(
                        f"Fingertips indicator {ind.fingertips_id} is given to both "
                        f"{other!r} and {ind.id!r} in {self.source}"
                    )
                fingertips[ind.fingertips_id] = ind.id

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.indicators)

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self.indicators)

    def __len__(self) -> int:
        return len(self.indicators)

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self.ids

    def get(self, indicator_id: str) -> Indicator:
        """The indicator with this id; an unknown id fails naming the closest ids."""
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        close = difflib.get_close_matches(str(indicator_id), self.ids, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise AnalysisError(
            f"unknown indicator {indicator_id!r}{hint} The catalogue has: {', '.join(self.ids)}"
        )

    def by_fingertips_id(self, fingertips_id: int) -> Indicator | None:
        """The indicator published under this Fingertips indicator id, or ``None``."""
        for ind in self.indicators:
            if ind.fingertips_id == fingertips_id:
                return ind
        return None

    def with_data(self) -> Catalogue:
        """The indicators that have packaged real data."""
        return Catalogue(tuple(i for i in self.indicators if i.has_packaged_data), self.source)

    def frame(self) -> pd.DataFrame:
        """One row per indicator, the columns of :data:`CATALOGUE_COLUMNS` plus
        ``dimension_label``; missing multipliers and Fingertips ids are ``<NA>``."""
        rows = [{f.name: getattr(i, f.name) for f in fields(Indicator)} for i in self.indicators]
        out = pd.DataFrame(rows, columns=list(CATALOGUE_COLUMNS))
        for column in ("multiplier", "fingertips_id"):
            out[column] = pd.array(out[column].tolist(), dtype="Int64")
        out["has_packaged_data"] = out["has_packaged_data"].astype(bool)
        out["dimension_label"] = [DIMENSIONS[d] for d in out["dimension"]]
        return out


def catalogue_table(catalogue: Catalogue) -> TableResult:
    """The catalogue as a table to read: id, title, dimension, unit, polarity, statistic,
    source and whether real data are packaged."""
    columns = {
        "id": "Id",
        "short_title": "Indicator",
        "dimension_label": "Dimension",
        "unit": "Unit",
        "polarity": "Polarity",
        "statistic": "Statistic",
        "fingertips_id": "Fingertips id",
        "has_packaged_data": "Real data packaged",
        "source": "Source",
    }
    frame = catalogue.frame().loc[:, list(columns)]
    return TableResult(
        name="indicator_catalogue",
        title="Indicator catalogue",
        frame=frame,
        method="Metadata as published by Fingertips and NHS Digital (see each source).",
        notes=("Entries whose facts could not be checked say 'unconfirmed' in their note.",),
        source=f"pioneer indicator catalogue ({catalogue.source})",
        layout=Layout(
            rows=("id",), values=tuple(list(columns)[1:]), headings=tuple(columns.items())
        ),
    )


def load(path: str | Path | None = None) -> Catalogue:
    """The packaged catalogue, or a catalogue file of the same columns at ``path``.

    A user's file may give polarity ``not_applicable``; the packaged one may not.
    Every problem in the file is reported at once as a :class:`DataFileError`.
    """
    if path is None:
        resource = resources.files("pioneer") / "data" / "indicators" / "catalogue.csv"
        text = resource.read_text(encoding="utf-8")
        return _parse(text, "pioneer/data/indicators/catalogue.csv", packaged=True)
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise DataFileError(path, "there is no such file", fix="check the path") from None
    except UnicodeDecodeError:
        raise DataFileError(
            path,
            "the file is not UTF-8 text",
            expected="UTF-8",
            fix="save it again as 'CSV UTF-8'",
        ) from None
    return _parse(text, str(path), packaged=False)


def _parse(text: str, name: str, *, packaged: bool) -> Catalogue:
    records = list(csv.reader(io.StringIO(text, newline="")))
    if not records or not any(c.strip() for c in records[0]):
        raise DataFileError(name, "the catalogue file is empty", fix="add the header row")
    header = [c.strip() for c in records[0]]
    missing = [c for c in CATALOGUE_COLUMNS if c not in header]
    if missing:
        raise DataFileError(
            name,
            f"missing column(s) {', '.join(missing)}",
            row=1,
            column=missing[0],
            expected="the columns " + ", ".join(CATALOGUE_COLUMNS),
            fix="add the missing columns to the header",
        )
    position = {c: header.index(c) for c in CATALOGUE_COLUMNS}
    problems: list[str] = []
    first: dict[str, object] = {}
    indicators: list[Indicator] = []
    allowed = CATALOGUE_POLARITIES if packaged else POLARITIES

    def add(row: int, column: str, problem: str, value: object = None) -> None:
        if not first:
            first.update(row=row, column=column, value=value)
        found = f"; found {value!r}" if value is not None else ""
        problems.append(f"row {row}, column {column!r}: {problem}{found}")

    for row, record in enumerate(records[1:], start=2):
        if not any(c.strip() for c in record):
            continue
        if len(record) != len(header):
            add(row, header[0], f"{len(record)} cells, but the header has {len(header)}")
            continue
        cell = {c: record[position[c]].strip() for c in CATALOGUE_COLUMNS}
        values: dict[str, object] = dict(cell)
        for column in ("multiplier", "fingertips_id"):
            raw = cell[column]
            if raw == "":
                values[column] = None
            elif raw.isdigit():
                values[column] = int(raw)
            else:
                add(row, column, "not a whole number", raw)
                values[column] = None
        flag = cell["has_packaged_data"].lower()
        if flag not in _TRUE | _FALSE:
            add(row, "has_packaged_data", "expected true or false", cell["has_packaged_data"])
        values["has_packaged_data"] = flag in _TRUE
        if cell["polarity"] not in allowed:
            add(row, "polarity", "expected one of " + ", ".join(allowed), cell["polarity"])
            continue
        try:
            indicators.append(Indicator(**values))  # type: ignore[arg-type]
        except AnalysisError as exc:
            add(row, "id", str(exc))
    if not problems:
        try:
            return Catalogue(tuple(indicators), name)
        except AnalysisError as exc:
            raise DataFileError(name, str(exc), fix="give every indicator its own id") from None
    head = (
        problems[0] if len(problems) == 1 else f"{len(problems)} problems: " + "; ".join(problems)
    )
    error = DataFileError(name, head, fix="correct the catalogue file")
    error.row = first.get("row")  # type: ignore[assignment]
    error.column = first.get("column")  # type: ignore[assignment]
    raise error
