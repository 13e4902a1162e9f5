"""Read survey responses from files into the tidy response frame, all or nothing.

Every reader returns a validated long response frame (see :mod:`pioneer.survey.frame`)
or raises one :class:`~pioneer.errors.DataFileError`; readers never write anything,
so a bad file changes nothing. The checks run over the whole file and every problem
found is reported together (the first :data:`pioneer.errors.MAX_LISTED` are listed, the total is
counted), each with its row, column, value and what was expected. The error's own
``row``/``column``/``value``/``expected``/``fix`` attributes describe the first
problem and ``error.problems`` holds them all as :class:`Problem` records.

Formats (``docs/importing.md`` describes them for users):

- :func:`read_csv_long` — Pioneer's long CSV, the columns of ``frame.COLUMNS``;
- :func:`read_csv_wide` — one row per respondent, one column per item code;
- :func:`read_csv` — either of the two, chosen from the header;
- :func:`read_qualtrics` — a Qualtrics CSV export with its three header rows, through a
  mapping file (:func:`read_mapping`);
- :func:`read_spss` / :func:`read_stata` — ``.sav`` / ``.dta`` files in the wide layout.

Row numbers are those a user sees: for CSV files the spreadsheet row, counting the
header rows (the first data row of a plain CSV is row 2); for ``.sav`` and ``.dta``
files the case (observation) number shown by SPSS or Stata.

Contact details never enter the frame: Qualtrics contact columns are dropped unread,
a panel id holding an ``@`` or looking like a name is rejected, and error messages
mask the part of a value before any ``@``. Text answers are kept exactly as typed —
including a leading ``=``; formula neutralisation happens only on export
(:mod:`pioneer.survey.exports`).

Each returned frame carries ``frame.attrs["source"]`` (the file read) and
``frame.attrs["notes"]`` (a tuple of plain-language notes, e.g. responses skipped).
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import math
import numbers
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from pioneer.errors import DataFileError, Problems, problems_error, shown
from pioneer.survey import frame as response_frame
from pioneer.survey import instrument as instruments
from pioneer.survey.instrument import Instrument, Variable

#: The most problems listed in one error message (all are counted).

#: Frame columns describing the respondent (not items).
PERSON_COLUMNS: tuple[str, ...] = response_frame.RESPONDENT_COLUMNS

#: Columns every Qualtrics CSV export starts with (current export format).
QUALTRICS_COLUMNS: tuple[str, ...] = (
    "StartDate",
    "EndDate",
    "Status",
    "IPAddress",
    "Progress",
    "Duration (in seconds)",
    "Finished",
    "RecordedDate",
    "ResponseId",
    "RecipientLastName",
    "RecipientFirstName",
    "RecipientEmail",
    "ExternalReference",
    "LocationLatitude",
    "LocationLongitude",
    "DistributionChannel",
    "UserLanguage",
)

#: Qualtrics columns holding contact details or locations: never read into the frame.
CONTACT_COLUMNS: tuple[str, ...] = (
    "IPAddress",
    "RecipientLastName",
    "RecipientFirstName",
    "RecipientEmail",
    "LocationLatitude",
    "LocationLongitude",
)

#: Mapping targets that are frame columns rather than items.
MAPPING_PERSON_TARGETS: tuple[str, ...] = ("respondent_id", "panel_id", "site", "org_type")

_UTF8_FIX = (
    "re-export the file as UTF-8 (Qualtrics: Export Data > CSV, which writes UTF-8; "
    "Excel: Save As > 'CSV UTF-8 (Comma delimited)')"
)
_QUALTRICS_FIX = (
    "export again from Qualtrics (Data & Analysis > Export & Import > Export Data > CSV) "
    "without editing the file: it then has three header rows (column ids, question text, "
    'import ids such as {"ImportId":"QID5_1"})'
)
_PANEL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}\Z")
_WAVE = re.compile(r"\d{4}\Z")
_TRUE = frozenset({"1", "true", "yes"})
_SKIPPED_CHANNELS = frozenset({"preview", "test"})
_STATA_NAME_LIMIT = 32


# ---------------------------------------------------------------------------
# Problems and the error that lists them
# ---------------------------------------------------------------------------


def _fail(file: str | Path, problem: str, **where: Any) -> DataFileError:
    """An error for a single problem that stops reading at once."""
    collected = Problems(file)
    collected.add(problem, **where)
    return problems_error(file, collected.items)


def _suggest(name: str, candidates: Iterable[str]) -> str | None:
    """``did you mean 'x'?`` for the closest candidate, or ``None``."""
    options = list(candidates)
    folded = name.strip().lower()
    close = [c for c in options if c.lower() == folded]
    close = close or [c for c in options if folded and c.lower().startswith(folded)][:2]
    if len(close) != 1:
        close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def _listing(values: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f", … ({len(values)} in all)" if len(values) > limit else "")


# ---------------------------------------------------------------------------
# Reading text files
# ---------------------------------------------------------------------------


def _read_text(path: str | Path) -> str:
    """The file decoded as UTF-8 (a byte-order mark is allowed); clear errors otherwise."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _fail(path, "there is no such file", fix="check the path") from None
    except OSError as exc:
        raise _fail(path, f"cannot read the file ({exc.strerror or exc})") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise _fail(path, "the file is UTF-16 text, not UTF-8", expected="UTF-8", fix=_UTF8_FIX)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = _row_at(data, exc.start)
        byte = data[exc.start : exc.start + 1]
        raise _fail(
            path,
            "the file is not UTF-8 text (it looks like Windows-1252 or another older encoding)",
            row=row,
            value=f"byte 0x{byte.hex().upper()} ({byte.decode('cp1252', 'replace')!r} "
            "in Windows-1252)",
            expected="UTF-8",
            fix=_UTF8_FIX,
        ) from None
    if not text.strip():
        raise _fail(path, "the file is empty", fix="export the responses again")
    return text


def _row_at(data: bytes, offset: int) -> int:
    """The spreadsheet row (CSV record) holding byte ``offset``."""
    before = data[:offset].decode("utf-8", errors="replace")
    try:
        return len(list(csv.reader(io.StringIO(before + "x", newline=""))))
    except csv.Error:
        return data.count(b"\n", 0, offset) + 1


def _csv_records(path: str | Path, text: str) -> list[list[str]]:
    """Every CSV record; blank lines are kept as ``[]`` so indexes stay row numbers - 1."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
    except csv.Error as exc:
        raise _fail(
            path,
            f"the file is not valid CSV ({exc})",
            row=len(records) + 1,
            fix="check the quotes on this row, or export the file again",
        ) from None
    return records


@dataclass
class _Table:
    """A CSV body: header names and the data rows as (row number, cells)."""

    columns: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def _table(
    path: str | Path, records: list[list[str]], header_rows: int, problems: Problems
) -> _Table:
    """Split header and data rows; ragged rows become problems and are left out."""
    columns = [c.strip() for c in records[0]]
    while (
        columns
        and columns[-1] == ""
        and all(
            len(r) < len(columns) or r[len(columns) - 1].strip() == ""
            for r in records[header_rows:]
        )
    ):
        columns.pop()
    for index, name in enumerate(columns, start=1):
        if name == "":
            raise _fail(path, f"header cell {index} is blank", row=1, fix="name every column")
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            raise _fail(
                path,
                "the header names this column twice",
                row=1,
                column=name,
                fix="give every column its own name",
            )
        seen.add(name)
    table = _Table(columns)
    width = len(columns)
    for index, record in enumerate(records[header_rows:], start=header_rows + 1):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > width and not any(c.strip() for c in record[width:]):
            record = record[:width]
        if len(record) != width:
            problems.add(
                f"this row has {len(record)} cells but the header has {width} columns",
                row=index,
                expected=f"{width} cells",
                fix="check for a missing or extra comma, or an unquoted comma inside a text answer",
            )
            continue
        table.rows.append((index, record))
    if not table.rows and not problems:
        raise _fail(
            path,
            "the file has a header but no data rows",
            row=header_rows,
            fix="export the responses again; a file with no responses cannot be imported",
        )
    return table


# ---------------------------------------------------------------------------
# Checking values against the instrument
# ---------------------------------------------------------------------------


def _instrument(instrument: Instrument | str) -> Instrument:
    return instruments.load(instrument) if isinstance(instrument, str) else instrument


class _Checker:
    """Cell checks shared by every format; problems go to one collector."""

    def __init__(self, instrument: Instrument, problems: Problems) -> None:
        self.instrument = instrument
        self.problems = problems
        self.items = instrument.items()
        attributes = instrument.attributes()
        self.sites: tuple[str, ...] = attributes["site"].values if "site" in attributes else ()
        self.org_types: tuple[str, ...] = (
            attributes["org_type"].values if "org_type" in attributes else ()
        ) or response_frame.ORG_TYPES
        self.pick_n = [q for q in instrument.questions if q.type == "pick_n" and q.n]

    def person(self, row: int, cells: dict[str, tuple[str, str]]) -> dict[str, object] | None:
        """Check the respondent columns; ``cells`` maps frame column -> (source column, raw)."""
        before = len(self.problems.items)
        out: dict[str, object] = {}
        add = self.problems.add
        for target in PERSON_COLUMNS:
            column, raw = cells[target]
            value = raw.strip()
            out[target] = value
            if target in ("respondent_id", "panel_id") and value == "":
                add(
                    f"the {target.replace('_', ' ')} is blank",
                    row=row,
                    column=column,
                    fix="every response needs "
                    + (
                        "its own id"
                        if target == "respondent_id"
                        else "the key informant's pseudonymous panel id (from the mailing list)"
                    ),
                )
            elif target == "respondent_id" and "@" in value:
                add(
                    "the respondent id is an e-mail address; contact details must not "
                    "enter Pioneer",
                    row=row,
                    column=column,
                    value=value,
                    fix="use the survey tool's response id",
                )
            elif target == "panel_id":
                problem = _panel_id_problem(value)
                if problem:
                    add(
                        problem,
                        row=row,
                        column=column,
                        value=value,
                        expected="a pseudonymous id such as KI-0042 (letters, digits, "
                        "'-', '_', '.', with at least one digit)",
                        fix="use the panel id from the mailing list, never a name or "
                        "e-mail address",
                    )
            elif target == "wave":
                if not _WAVE.fullmatch(value):
                    add(
                        "the wave is not a survey year",
                        row=row,
                        column=column,
                        value=raw,
                        expected=f"a four-digit year such as {self.instrument.wave}",
                    )
                elif int(value) != self.instrument.wave:
                    add(
                        f"the wave does not match instrument {self.instrument.id} "
                        f"(wave {self.instrument.wave})",
                        row=row,
                        column=column,
                        value=raw,
                        expected=str(self.instrument.wave),
                        fix="import the file with the instrument of its wave, or correct the wave",
                    )
                else:
                    out[target] = int(value)
            elif target == "site" and value not in self.sites:
                add(
                    "unknown site" if value else "the site is blank",
                    row=row,
                    column=column,
                    value=raw if value else None,
                    expected=f"a site id of the programme ({_listing(self.sites, 4)})",
                    fix=_suggest(value, self.sites) if value else None,
                )
            elif target == "org_type" and value not in self.org_types:
                add(
                    "unknown organisation type" if value else "the organisation type is blank",
                    row=row,
                    column=column,
                    value=raw if value else None,
                    expected="one of " + ", ".join(self.org_types),
                    fix=_suggest(value, self.org_types) if value else None,
                )
        return out if len(self.problems.items) == before else None

    def unknown_item(self, row: int | None, column: str, item: str, *, as_column: bool) -> None:
        """Report an item code the instrument does not define, with a close match."""
        if item in PERSON_COLUMNS or item in self.instrument.attributes():
            problem = f"{item!r} is a respondent column, not an item"
            fix = f"give {item} its own column"
        else:
            problem = (
                f"{'this column' if as_column else 'the item'} is not an item code of "
                f"instrument {self.instrument.id}"
            )
            hint = _suggest(item, self.items)
            fix = hint or f"use the codes of instrument {self.instrument.id} (see its YAML)"
        self.problems.add(
            problem, row=row, column=column, value=None if as_column else item, fix=fix
        )

    def answer(
        self, row: int, column: str, item: str, raw: str, fix: str | None = None
    ) -> str | None:
        """The answer to store, or ``None`` (with a problem) if it is not valid.

        The instrument decides (``validate_value``); the message is phrased here so
        that the value and the allowed codes appear once, in their own fields.
        """
        variable = self.items[item]
        value = raw if variable.kind == "text" else raw.strip()
        problem = self.instrument.validate_value(item, value)
        if problem is None:
            return value
        if variable.kind == "flag":
            problem = f"{item!r} is a tick box"
        elif variable.kind == "choice":
            problem = f"not an answer code of {item!r}"
            fix = fix or _suggest(value, variable.values)
        self.problems.add(
            problem, row=row, column=column, value=raw, expected=_expected(variable), fix=fix
        )
        return None

    def pick_n_limits(self, row: int, column_of: dict[str, str], answers: dict[str, str]) -> None:
        """No more than ``n`` options selected in a pick-N question."""
        for question in self.pick_n:
            ticked = [v.code for v in question.variables if answers.get(v.code) == "1"]
            if question.n is not None and len(ticked) > question.n:
                self.problems.add(
                    f"{len(ticked)} options of {question.code!r} are selected "
                    f"({', '.join(t.split('.', 1)[1] for t in ticked)}); at most {question.n} "
                    "may be",
                    row=row,
                    column=column_of.get(ticked[question.n], ticked[question.n]),
                    expected=f"at most {question.n} options marked 1",
                )


def _expected(variable: Variable) -> str:
    if variable.kind == "flag":
        return "1 (selected) or 0 (not selected)"
    if variable.kind == "text":
        return "any non-empty text"
    return "one of " + ", ".join(variable.values)


def _panel_id_problem(value: str) -> str | None:
    if value == "":
        return None
    if "@" in value:
        return "the panel id is an e-mail address; contact details must not enter Pioneer"
    if re.search(r"\s|,", value) or not re.search(r"\d", value):
        return "the panel id looks like a name, not a pseudonymous id"
    if not _PANEL_ID.fullmatch(value):
        return "the panel id has characters a pseudonymous id does not use"
    return None


def _finish(
    rows: list[dict[str, object]], source: str | Path, notes: Sequence[str]
) -> pd.DataFrame:
    """The long frame of checked rows, with its source and notes in ``attrs``."""
    if rows:
        out = response_frame.normalise(pd.DataFrame(rows, columns=list(response_frame.COLUMNS)))
    else:
        out = response_frame.empty()
    out.attrs["source"] = str(source)
    out.attrs["notes"] = tuple(notes)
    return out


# ---------------------------------------------------------------------------
# Wide records (CSV wide, Qualtrics, SPSS, Stata)
# ---------------------------------------------------------------------------


@dataclass
class _Record:
    """One respondent of a wide file, before checking."""

    row: int
    person: dict[str, tuple[str, str]]
    answers: list[tuple[str, str, str]]  # (source column, item code, raw value)
    hints: dict[str, str] = field(default_factory=dict)  # source column -> fix


def _check_wide(records: list[_Record], checker: _Checker) -> list[dict[str, object]]:
    """Check wide records; return the long rows (unanswered items left out)."""
    problems = checker.problems
    rows: list[dict[str, object]] = []
    first_row: dict[str, int] = {}
    for record in records:
        person = checker.person(record.row, record.person)
        rid_column, rid = record.person["respondent_id"]
        rid = rid.strip()
        if rid:
            if rid in first_row:
                problems.add(
                    f"respondent id repeated (first on row {first_row[rid]})",
                    row=record.row,
                    column=rid_column,
                    value=rid,
                    fix="each respondent must appear once; remove the duplicate response",
                )
            else:
                first_row[rid] = record.row
        answers: dict[str, str] = {}
        column_of: dict[str, str] = {}
        for column, item, raw in record.answers:
            if raw.strip() == "":
                continue
            value = checker.answer(record.row, column, item, raw, record.hints.get(column))
            if value is not None:
                answers[item] = value
                column_of[item] = column
        checker.pick_n_limits(record.row, column_of, answers)
        if person is not None:
            rows.extend({**person, "item": item, "value": value} for item, value in answers.items())
    return rows


def _resolve_columns(
    names: Sequence[str], instrument: Instrument
) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """Match wide column names to frame columns and item codes.

    Returns (person column -> source name, source name -> item code, unmatched names).
    Names may use ``_`` for ``.`` (SPSS and Stata allow no dots), differ in case, or be
    cut to Stata's 32 characters; each is matched against the instrument's own codes.
    """
    items = instrument.items()
    exact = {code.lower(): code for code in items}
    underscored: dict[str, list[str]] = {}
    for code in items:
        underscored.setdefault(code.replace(".", "_").lower(), []).append(code)
    person: dict[str, str] = {}
    found: dict[str, str] = {}
    unmatched: list[str] = []
    for name in names:
        key = name.strip().lower()
        if key in PERSON_COLUMNS:
            person[key] = name
            continue
        if key in exact:
            found[name] = exact[key]
            continue
        if len(underscored.get(key, ())) == 1:
            found[name] = underscored[key][0]
            continue
        if len(key) == _STATA_NAME_LIMIT:
            prefixed = [c for u, cs in underscored.items() if u.startswith(key) for c in cs]
            if len(prefixed) == 1:
                found[name] = prefixed[0]
                continue
        unmatched.append(name)
    return person, found, unmatched


def _wide_columns(
    names: Sequence[str],
    instrument: Instrument,
    checker: _Checker,
    path: str | Path,
    overrides: dict[str, str] | None = None,
) -> tuple[dict[str, str], dict[str, str]]:
    """Resolve wide columns; missing person columns stop, unknown items are problems."""
    person, found, unmatched = _resolve_columns(
        [n for n in names if not overrides or n not in overrides], instrument
    )
    found.update({n: t for n, t in (overrides or {}).items() if t not in MAPPING_PERSON_TARGETS})
    person.update({t: n for n, t in (overrides or {}).items() if t in MAPPING_PERSON_TARGETS})
    missing = [c for c in PERSON_COLUMNS if c not in person]
    if missing:
        raise _fail(
            path,
            f"required column{'s' if len(missing) > 1 else ''} missing: {', '.join(missing)}",
            row=1,
            expected="the columns " + ", ".join(PERSON_COLUMNS) + " then one per item code",
            fix="add the missing column" + ("s" if len(missing) > 1 else ""),
        )
    for name in unmatched:
        checker.unknown_item(None, name, name.strip(), as_column=True)
    holders: dict[str, str] = {}
    for name, code in found.items():
        if code in holders:
            checker.problems.add(
                f"two columns hold item {code!r} (also {holders[code]!r})",
                column=name,
                fix="keep one of them",
            )
        holders[code] = name
    return person, found


# ---------------------------------------------------------------------------
# Pioneer CSV: long and wide
# ---------------------------------------------------------------------------


def read_csv_long(path: str | Path, instrument: Instrument | str) -> pd.DataFrame:
    """Read Pioneer's long CSV (the columns of ``frame.COLUMNS``, one answer a row)."""
    ins = _instrument(instrument)
    text = _read_text(path)
    records = _csv_records(path, text)
    problems = Problems(path)
    table = _table(path, records, 1, problems)
    return _check_long(table, ins, problems, path)


def validate_frame(
    frame: pd.DataFrame, instrument: Instrument | str, *, source: str = "response frame"
) -> pd.DataFrame:
    """Check an in-memory long frame as :func:`read_csv_long` checks a file.

    Row numbers in problems are those the frame would have written as a CSV with a
    header (position + 2).
    """
    ins = _instrument(instrument)
    missing = [c for c in response_frame.COLUMNS if c not in frame.columns]
    if missing:
        raise _fail(source, f"missing columns: {', '.join(missing)}")
    columns = list(response_frame.COLUMNS)
    cells = frame.loc[:, columns].astype("string").fillna("")
    table = _Table(columns, [(i + 2, list(r)) for i, r in enumerate(cells.itertuples(False))])
    return _check_long(table, ins, Problems(source), source)


def _check_long(
    table: _Table, ins: Instrument, problems: Problems, path: str | Path
) -> pd.DataFrame:
    names = {c.lower(): c for c in table.columns}
    missing = [c for c in response_frame.COLUMNS if c not in names]
    if missing:
        raise _fail(
            path,
            f"required column{'s' if len(missing) > 1 else ''} missing: {', '.join(missing)}",
            row=1,
            expected="the columns " + ", ".join(response_frame.COLUMNS),
            fix=_suggest(missing[0], table.columns) or "add the missing column",
        )
    extra = [c for c in table.columns if c.lower() not in response_frame.COLUMNS]
    for name in extra:
        problems.add(
            "unexpected column in a long response file",
            row=1,
            column=name,
            expected="only the columns " + ", ".join(response_frame.COLUMNS),
            fix="remove it (a wide file has no 'item' and 'value' columns)",
        )
    index = {c: table.columns.index(names[c]) for c in response_frame.COLUMNS}
    checker = _Checker(ins, problems)
    first: dict[str, tuple[int, dict[str, str]]] = {}
    seen_item: dict[tuple[str, str], int] = {}
    answers: dict[str, dict[str, str]] = {}
    item_rows: dict[str, dict[str, int]] = {}
    out: list[dict[str, object]] = []
    checked_people: dict[str, dict[str, object] | None] = {}
    for row, cells in table.rows:
        raw = {c: cells[index[c]] for c in response_frame.COLUMNS}
        rid = raw["respondent_id"].strip()
        if rid in first:
            first_row, first_raw = first[rid]
            for column in PERSON_COLUMNS[1:]:
                if raw[column].strip() != first_raw[column].strip():
                    problems.add(
                        f"{column} differs from the respondent's first row (row {first_row}: "
                        f"{shown(first_raw[column])!r})",
                        row=row,
                        column=names[column],
                        value=raw[column],
                        fix="a respondent's panel_id, wave, site and org_type must be the "
                        "same on every row",
                    )
            person = checked_people[rid]
        else:
            person = checker.person(row, {c: (names[c], raw[c]) for c in PERSON_COLUMNS})
            if rid:
                first[rid] = (row, raw)
                checked_people[rid] = person
        item = raw["item"].strip()
        if item not in checker.items:
            if item == "":
                problems.add("the item is blank", row=row, column=names["item"])
            else:
                checker.unknown_item(row, names["item"], item, as_column=False)
            continue
        key = (rid, item)
        if key in seen_item:
            problems.add(
                f"this respondent already has an answer to this item (row {seen_item[key]})",
                row=row,
                column=names["item"],
                value=item,
                fix="keep one row per respondent and item",
            )
            continue
        seen_item[key] = row
        if raw["value"].strip() == "":
            problems.add(
                "the value is blank",
                row=row,
                column=names["value"],
                expected=_expected(checker.items[item]),
                fix="an unanswered item has no row: delete the row",
            )
            continue
        value = checker.answer(row, names["value"], item, raw["value"])
        if value is None:
            continue
        answers.setdefault(rid, {})[item] = value
        item_rows.setdefault(rid, {})[item] = row
        if person is not None:
            out.append({**person, "item": item, "value": value})
    for rid, given in answers.items():
        for question in checker.pick_n:
            ticked = [v.code for v in question.variables if given.get(v.code) == "1"]
            if question.n is not None and len(ticked) > question.n:
                problems.add(
                    f"respondent {rid!r} has {len(ticked)} options of {question.code!r} "
                    f"selected ({', '.join(t.split('.', 1)[1] for t in ticked)}); at most "
                    f"{question.n} may be",
                    row=item_rows[rid][ticked[question.n]],
                    column=names["value"],
                    expected=f"at most {question.n} options marked 1",
                )
    problems.raise_if_any()
    return _finish(out, path, ())


def read_csv_wide(path: str | Path, instrument: Instrument | str) -> pd.DataFrame:
    """Read a wide CSV: one row per respondent, the respondent columns then one per item.

    Tick-all and pick-N options are ``1``/``0``; a blank cell is an unanswered item.
    Column names may use ``_`` for ``.`` (``progress_joined_up``).
    """
    ins = _instrument(instrument)
    text = _read_text(path)
    records = _csv_records(path, text)
    problems = Problems(path)
    table = _table(path, records, 1, problems)
    checker = _Checker(ins, problems)
    person, found = _wide_columns(table.columns, ins, checker, path)
    position = {name: i for i, name in enumerate(table.columns)}
    wide = [
        _Record(
            row,
            {t: (person[t], cells[position[person[t]]]) for t in PERSON_COLUMNS},
            [(name, code, cells[position[name]]) for name, code in found.items()],
        )
        for row, cells in table.rows
    ]
    out = _check_wide(wide, checker)
    problems.raise_if_any()
    return _finish(out, path, ())


def read_csv(path: str | Path, instrument: Instrument | str) -> pd.DataFrame:
    """Read Pioneer's CSV in either layout: long if the header has ``item`` and ``value``."""
    text = _read_text(path)
    header = {c.strip().lower() for c in (_csv_records(path, text) or [[]])[0]}
    if {"item", "value"} <= header:
        return read_csv_long(path, instrument)
    return read_csv_wide(path, instrument)


# ---------------------------------------------------------------------------
# Mapping files (Qualtrics, SPSS, Stata)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnMap:
    """One source column: the item (or respondent column) it holds and its value recodes."""

    column: str
    target: str
    values: tuple[tuple[str, str], ...] = ()
    line: int | None = None

    @property
    def recode(self) -> dict[str, str]:
        return dict(self.values)


@dataclass(frozen=True)
class Mapping:
    """How the columns of an export become items: read from a CSV or YAML mapping file."""

    file: str
    columns: tuple[ColumnMap, ...]
    instrument: str | None = None  # the instrument id the mapping was written for

    def target(self, name: str) -> ColumnMap | None:
        return next((c for c in self.columns if c.target == name), None)


def read_mapping(path: str | Path) -> Mapping:
    """Read a mapping file: CSV (``qualtrics_column,item,value_map``) or YAML (``.yaml``).

    The CSV ``value_map`` cell lists recodes as ``1=substantial; 2=some``; the YAML form
    is described in ``docs/importing.md``. Targets are item codes or ``respondent_id``,
    ``panel_id``, ``site``, ``org_type``.
    """
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        return _mapping_yaml(path)
    text = _read_text(path)
    records = _csv_records(path, text)
    problems = Problems(path)
    table = _table(path, records, 1, problems)
    problems.raise_if_any()
    lower = [c.lower() for c in table.columns]
    column_key = next((k for k in ("qualtrics_column", "column") if k in lower), None)
    if column_key is None or "item" not in lower:
        raise _fail(
            path,
            "a mapping file needs the columns qualtrics_column (or column) and item",
            row=1,
            value=", ".join(table.columns),
            expected="qualtrics_column,item,value_map",
        )
    at = {k: lower.index(k) for k in (column_key, "item", "value_map") if k in lower}
    entries = []
    for row, cells in table.rows:
        recode = _parse_value_map(cells[at["value_map"]] if "value_map" in at else "")
        if isinstance(recode, str):
            problems.add(recode, row=row, column="value_map", value=cells[at["value_map"]])
            continue
        entries.append(
            ColumnMap(cells[at[column_key]].strip(), cells[at["item"]].strip(), recode, row)
        )
    problems.raise_if_any()
    return _checked_mapping(path, entries)


def _parse_value_map(text: str) -> tuple[tuple[str, str], ...] | str:
    """``"1=a; 2=b"`` as pairs, or a problem string."""
    pairs: list[tuple[str, str]] = []
    for part in text.split(";"):
        if not part.strip():
            continue
        if "=" not in part:
            return "a value_map entry has no '=' (write source=code; source=code)"
        source, code = part.rsplit("=", 1)
        pairs.append((source.strip(), code.strip()))
    keys = [s for s, _ in pairs]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        return f"the value_map recodes {repeated[0]!r} twice"
    return tuple(pairs)


def _mapping_yaml(path: Path) -> Mapping:
    text = _read_text(path)
    try:
        raw = yaml.load(text, Loader=yaml.BaseLoader)  # every scalar stays text
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise _fail(
            path,
            f"not valid YAML ({getattr(exc, 'problem', None) or exc})",
            row=mark.line + 1 if mark is not None else None,
        ) from None
    if not isinstance(raw, dict):
        raise _fail(path, "a YAML mapping file must be a mapping of keys to entries")
    known = {*MAPPING_PERSON_TARGETS, "value_maps", "columns", "instrument"}
    unknown = [k for k in raw if k not in known]
    if unknown:
        raise _fail(
            path,
            "unknown key",
            column=unknown[0],
            expected=", ".join(sorted(known)),
            fix=_suggest(unknown[0], known),
        )
    named = raw.get("value_maps") or {}
    if not isinstance(named, dict) or not all(isinstance(v, dict) for v in named.values()):
        raise _fail(path, "value_maps must map names to {source: code} mappings")

    def entry(key: str, body: Any, target: str | None) -> ColumnMap:
        if isinstance(body, str):
            return ColumnMap(body if target else key, target or body)
        if not isinstance(body, dict):
            raise _fail(path, "an entry must be a code or a mapping", column=key)
        values = body.get("values", {})
        if isinstance(values, str):
            if values not in named:
                raise _fail(
                    path,
                    "unknown value map",
                    column=key,
                    value=values,
                    expected="a name under value_maps",
                    fix=_suggest(values, named),
                )
            values = named[values]
        if not isinstance(values, dict):
            raise _fail(path, "values must be a {source: code} mapping", column=key)
        column = body.get("column", key) if target else key
        item = target or body.get("item")
        if not item:
            raise _fail(path, "the entry names no item", column=key, fix="add `item: <code>`")
        return ColumnMap(str(column), str(item), tuple((str(k), str(v)) for k, v in values.items()))

    entries = [entry(t, raw[t], t) for t in MAPPING_PERSON_TARGETS if t in raw]
    columns = raw.get("columns") or {}
    if not isinstance(columns, dict):
        raise _fail(path, "columns must map export columns to items", column="columns")
    entries += [entry(k, v, None) for k, v in columns.items()]
    return _checked_mapping(path, entries, raw.get("instrument") or None)


def _checked_mapping(
    path: Path, entries: list[ColumnMap], instrument: str | None = None
) -> Mapping:
    problems = Problems(path)
    columns: dict[str, ColumnMap] = {}
    targets: dict[str, ColumnMap] = {}
    for entry in entries:
        where = {"row": entry.line, "column": "qualtrics_column" if entry.line else entry.column}
        if not entry.column:
            problems.add("the source column is blank", **where)
            continue
        if entry.column in CONTACT_COLUMNS:
            problems.add(
                "this column holds contact details and is never imported",
                **where,
                value=entry.column,
                fix="remove the entry; link people by a pseudonymous panel id instead",
            )
        if entry.column in columns:
            problems.add("the column is mapped twice", **where, value=entry.column)
        if entry.target in targets:
            problems.add(
                f"two columns hold {entry.target!r} (also {targets[entry.target].column!r})",
                **where,
                value=entry.column,
            )
        columns[entry.column] = entry
        targets[entry.target] = entry
    problems.raise_if_any()
    return Mapping(str(path), tuple(entries), instrument)


def _check_mapping(
    mapping: Mapping, instrument: Instrument, available: Sequence[str], source: Path
) -> None:
    """Every mapped column exists in the export and every target and recode is known."""
    problems = Problems(mapping.file)
    if mapping.instrument and mapping.instrument != instrument.id:
        raise _fail(
            mapping.file,
            f"the mapping is for instrument {mapping.instrument}, not {instrument.id}",
            column="instrument",
            fix="use the mapping written for this wave's instrument",
        )
    items = instrument.items()
    attributes = instrument.attributes()
    for entry in mapping.columns:
        column_field = "qualtrics_column" if entry.line else entry.column
        item_field = "item" if entry.line else entry.column
        if entry.column not in available:
            problems.add(
                f"names a column that {source.name} does not have",
                row=entry.line,
                column=column_field,
                value=entry.column,
                expected=f"a column of {source.name}",
                fix=_suggest(entry.column, available) or "correct or remove the entry",
            )
        if entry.target in MAPPING_PERSON_TARGETS:
            allowed: Sequence[str] | None = (
                attributes[entry.target].values if entry.target in attributes else None
            )
        elif entry.target in items:
            allowed = items[entry.target].values or None
            if items[entry.target].kind == "text" and entry.values:
                problems.add(
                    "a text item cannot have a value_map",
                    row=entry.line,
                    column=item_field,
                    value=entry.target,
                )
        else:
            problems.add(
                f"unknown item code for instrument {instrument.id}",
                row=entry.line,
                column=item_field,
                value=entry.target,
                expected="an item code, or respondent_id, panel_id, site, org_type",
                fix=_suggest(entry.target, [*items, *MAPPING_PERSON_TARGETS]),
            )
            continue
        for src, code in entry.values:
            if allowed is not None and code not in allowed:
                problems.add(
                    f"recodes {src!r} to a code {entry.target!r} does not have",
                    row=entry.line,
                    column="value_map" if entry.line else entry.column,
                    value=code,
                    expected="one of " + _listing(allowed),
                    fix=_suggest(code, allowed),
                )
    for target in ("panel_id", "site", "org_type"):
        if mapping.target(target) is None:
            problems.add(
                f"the mapping does not say which column holds {target}",
                fix=f"add a row naming the column and {target!r} as its item",
            )
    problems.raise_if_any()


def _as_mapping(mapping: Mapping | str | Path) -> Mapping:
    return mapping if isinstance(mapping, Mapping) else read_mapping(mapping)


# ---------------------------------------------------------------------------
# Qualtrics
# ---------------------------------------------------------------------------


def read_qualtrics(
    path: str | Path,
    mapping: Mapping | str | Path,
    instrument: Instrument | str,
    wave: int | None = None,
    *,
    include_partial: bool = False,
) -> pd.DataFrame:
    """Read a Qualtrics CSV export (three header rows) through a mapping file.

    Only finished responses are read unless ``include_partial``; preview and test
    responses are skipped, each with a note. Contact columns are dropped unread. The
    respondent id is Qualtrics' ``ResponseId`` unless the mapping names another column.
    Blank tick boxes of a tick-all or pick-N question become ``0`` when the respondent
    ticked another option of it (Qualtrics leaves unticked boxes blank).
    """
    path = Path(path)
    ins = _instrument(instrument)
    if wave is not None and int(wave) != ins.wave:
        raise _fail(
            path,
            f"wave {wave} does not match instrument {ins.id} (wave {ins.wave})",
            expected=str(ins.wave),
            fix="use the instrument of that wave",
        )
    spec = _as_mapping(mapping)
    text = _read_text(path)
    records = _csv_records(path, text)
    header = _qualtrics_header(path, records)
    problems = Problems(path)
    table = _table(path, records, 3, problems)
    import_ids = _import_ids(records[2], len(table.columns))
    available = [*table.columns, *(i for i in import_ids if i)]
    _check_mapping(spec, ins, available, path)
    position = {name: i for i, name in enumerate(table.columns)}
    for i, import_id in enumerate(import_ids):
        if import_id and import_id not in position:
            position[import_id] = i
    entries = list(spec.columns)
    if spec.target("respondent_id") is None:
        if "ResponseId" not in position:
            raise _fail(
                spec.file,
                "the export has no ResponseId column; name the respondent id column",
                fix="add a row mapping a column to respondent_id",
            )
        entries.append(ColumnMap("ResponseId", "respondent_id"))
    by_target = {e.target: e for e in entries}
    items = ins.items()
    flag_questions: dict[str, list[ColumnMap]] = {}
    for entry in entries:
        if entry.target in items and items[entry.target].kind == "flag":
            flag_questions.setdefault(items[entry.target].question, []).append(entry)

    checker = _Checker(ins, problems)
    skipped_preview: list[int] = []
    skipped_partial: list[int] = []
    wide: list[_Record] = []
    for row, cells in table.rows:
        channel = _cell(cells, position, "DistributionChannel").strip().lower()
        status = _cell(cells, position, "Status").strip().lower()
        if channel in _SKIPPED_CHANNELS or status in ("survey preview", "survey test"):
            skipped_preview.append(row)
            continue
        finished = _cell(cells, position, "Finished").strip().lower() in _TRUE
        if not finished and not include_partial:
            skipped_partial.append(row)
            continue
        person: dict[str, tuple[str, str]] = {"wave": ("wave", str(ins.wave))}
        for target in MAPPING_PERSON_TARGETS:
            entry = by_target[target]
            raw = cells[position[entry.column]]
            person[target] = (entry.column, _recode(entry, raw, row, problems))
        answers: list[tuple[str, str, str]] = []
        for entry in entries:
            if entry.target in items:
                raw = cells[position[entry.column]]
                answers.append((entry.column, entry.target, _recode(entry, raw, row, problems)))
        _fill_unticked(answers, flag_questions)
        wide.append(_Record(row, person, answers))
    if not wide and not problems:
        raise _fail(
            path,
            f"no responses left to import: {len(skipped_preview)} preview/test and "
            f"{len(skipped_partial)} unfinished response(s) were skipped",
            fix="pass include_partial=True to import unfinished responses",
        )
    out = _check_wide(wide, checker)
    problems.raise_if_any()
    notes = [f"read {len(wide)} responses from {path.name}"]
    if skipped_preview:
        notes.append(
            f"skipped {len(skipped_preview)} preview/test response(s) ({_rows(skipped_preview)})"
        )
    if skipped_partial:
        notes.append(
            f"skipped {len(skipped_partial)} unfinished response(s) "
            f"({_rows(skipped_partial)}); pass include_partial=True to import them"
        )
    present = [c for c in CONTACT_COLUMNS if c in header]
    if present:
        notes.append(f"contact columns dropped unread: {', '.join(present)}")
    mapped = {e.column for e in entries} | {
        table.columns[position[e.column]] for e in entries if e.column in position
    }
    ignored = [c for c in table.columns if c not in mapped and c not in QUALTRICS_COLUMNS]
    if ignored:
        notes.append(f"columns not in the mapping were ignored: {_listing(ignored)}")
    return _finish(out, path, notes)


def _qualtrics_header(path: Path, records: list[list[str]]) -> list[str]:
    """Check the three Qualtrics header rows; return the column ids (row 1)."""
    first = [c.strip() for c in records[0]]
    if "ResponseId" not in first and "Finished" not in first:
        raise _fail(
            path,
            "this is not a Qualtrics export with its header rows: row 1 does not name the "
            "Qualtrics columns (ResponseId, Finished, ...)",
            row=1,
            fix=_QUALTRICS_FIX,
        )
    if len(records) < 2 or not any(c.strip() for c in records[1]):
        raise _fail(path, "the export has one header row and no responses", fix=_QUALTRICS_FIX)
    third = records[2] if len(records) > 2 else []
    if any(c.strip().startswith('{"ImportId"') for c in third):
        return first
    second = records[1]
    column = first.index("ResponseId") if "ResponseId" in first else first.index("Finished")
    label = second[column].strip() if column < len(second) else ""
    if label in ("Response ID", "Response Id", "ResponseId", "Finished"):
        raise _fail(
            path,
            "the export has two header rows, not three: the import-id row "
            '({"ImportId":...}) is missing',
            row=3,
            fix=_QUALTRICS_FIX,
        )
    raise _fail(
        path,
        "the export has only one header row: row 2 holds a response, not the question text",
        row=2,
        fix=_QUALTRICS_FIX,
    )


def _import_ids(row: list[str], width: int) -> list[str]:
    """The ``QID`` of each column from header row 3 (``""`` where there is none)."""
    ids = []
    for cell in (row + [""] * width)[:width]:
        try:
            parsed = json.loads(cell) if cell.strip().startswith("{") else {}
        except json.JSONDecodeError:
            parsed = {}
        ids.append(str(parsed.get("ImportId", "")) if isinstance(parsed, dict) else "")
    return ids


def _cell(cells: list[str], position: dict[str, int], name: str) -> str:
    return cells[position[name]] if name in position else ""


def _recode(entry: ColumnMap, raw: str, row: int, problems: Problems) -> str:
    """Apply the entry's value map; unmapped non-blank values are problems."""
    recode = entry.recode
    if not recode or raw.strip() == "":
        return raw
    key = raw.strip()
    if key in recode:
        return recode[key]
    problems.add(
        f"the value is not in the mapping's value_map for {entry.target!r}",
        row=row,
        column=entry.column,
        value=raw,
        expected="one of " + _listing(list(recode)),
        fix="add it to the value_map or correct the export",
    )
    return ""


def _fill_unticked(
    answers: list[tuple[str, str, str]], flag_questions: dict[str, list[ColumnMap]]
) -> None:
    """Blank tick boxes become "0" in questions where the respondent ticked something."""
    ticked_questions = set()
    for entries in flag_questions.values():
        targets = {e.target for e in entries}
        if any(a[1] in targets and a[2].strip() == "1" for a in answers):
            ticked_questions.add(frozenset(targets))
    for index, (column, item, value) in enumerate(answers):
        if value.strip() == "" and any(item in t for t in ticked_questions):
            answers[index] = (column, item, "0")


def _rows(rows: Sequence[int]) -> str:
    listed = ", ".join(str(r) for r in rows[:10]) + (", …" if len(rows) > 10 else "")
    return ("row " if len(rows) == 1 else "rows ") + listed


# ---------------------------------------------------------------------------
# SPSS and Stata
# ---------------------------------------------------------------------------


def read_spss(
    path: str | Path, instrument: Instrument | str, mapping: Mapping | str | Path | None = None
) -> pd.DataFrame:
    """Read an SPSS ``.sav`` file in the wide layout; value labels become answer codes.

    Variable names may use ``_`` for ``.``; a numeric answer with a value label is
    matched to the instrument's codes by label (or by code). ``mapping`` optionally
    names columns and recodes values as for Qualtrics.
    """
    return _read_stat(path, instrument, mapping, "SPSS")


def read_stata(
    path: str | Path, instrument: Instrument | str, mapping: Mapping | str | Path | None = None
) -> pd.DataFrame:
    """Read a Stata ``.dta`` file as :func:`read_spss` reads ``.sav`` files.

    Names cut to Stata's 32 characters are matched when only one item code fits.
    """
    return _read_stat(path, instrument, mapping, "Stata")


def _read_stat(
    path: str | Path,
    instrument: Instrument | str,
    mapping: Mapping | str | Path | None,
    kind: str,
) -> pd.DataFrame:
    import pyreadstat

    path = Path(path)
    ins = _instrument(instrument)
    if not path.is_file():
        raise _fail(path, "there is no such file", fix="check the path")
    reader = pyreadstat.read_sav if kind == "SPSS" else pyreadstat.read_dta
    try:
        data, meta = reader(str(path), apply_value_formats=False)
    except Exception as exc:  # pyreadstat raises several unrelated types
        raise _fail(
            path,
            f"cannot read this as a {kind} file ({exc})",
            fix=f"save it again from {kind} as a {'.sav' if kind == 'SPSS' else '.dta'} file",
        ) from None
    if len(data) == 0:
        raise _fail(path, "the file has variables but no cases", fix="export the responses again")
    spec = _as_mapping(mapping) if mapping is not None else None
    problems = Problems(path)
    checker = _Checker(ins, problems)
    names = list(data.columns)
    overrides: dict[str, str] = {}
    recodes: dict[str, ColumnMap] = {}
    if spec is not None:
        _check_mapping_stat(spec, ins, names, path)
        overrides = {e.column: e.target for e in spec.columns}
        recodes = {e.column: e for e in spec.columns}
    person, found = _wide_columns(names, ins, checker, path, overrides)
    labels: dict[str, dict[Any, str]] = meta.variable_value_labels or {}
    attributes = ins.attributes()
    targets = {**{name: code for name, code in found.items()}, **{v: k for k, v in person.items()}}
    lookups = {
        name: _label_lookup(ins.items()[code] if code in ins.items() else attributes.get(code))
        for name, code in targets.items()
    }
    records: list[_Record] = []
    for case, values in enumerate(data.itertuples(index=False, name=None), start=1):
        row = dict(zip(names, values, strict=True))
        cells: dict[str, str] = {}
        hints: dict[str, str] = {}
        for name in targets:
            value, entry = row[name], recodes.get(name)
            cells[name] = _stat_value(
                value, labels.get(name, {}), lookups[name], entry, case, problems
            )
            if entry is None and isinstance(value, numbers.Real) and not pd.isna(value):
                hints[name] = (
                    "give the numbers value labels worded as the instrument's options, "
                    "or recode them with a mapping file (value_map)"
                )
        records.append(
            _Record(
                case,
                {t: (person[t], cells[person[t]]) for t in PERSON_COLUMNS},
                [(name, code, cells[name]) for name, code in found.items()],
                hints,
            )
        )
    out = _check_wide(records, checker)
    problems.raise_if_any()
    return _finish(out, path, ())


def _check_mapping_stat(
    mapping: Mapping, instrument: Instrument, names: Sequence[str], path: Path
) -> None:
    """Like the Qualtrics check, but panel_id/site/org_type may come from named columns."""
    implied = [
        ColumnMap(t, t)
        for t in ("panel_id", "site", "org_type")
        if mapping.target(t) is None and t in {n.lower() for n in names}
    ]
    full = Mapping(mapping.file, (*mapping.columns, *implied), mapping.instrument)
    _check_mapping(full, instrument, [*names, *(c.column for c in implied)], path)


def _label_lookup(variable: Variable | None) -> dict[str, str]:
    """Value label (lower case) -> code, plus each code to itself."""
    if variable is None:
        return {}
    lookup = {label.strip().lower(): code for code, label in variable.labels.items()}
    lookup.update({f"{label} ({code})".lower(): code for code, label in variable.labels.items()})
    lookup.update({code.lower(): code for code in variable.values})
    return lookup


def _stat_value(
    value: object,
    labels: dict[Any, str],
    lookup: dict[str, str],
    entry: ColumnMap | None,
    case: int,
    problems: Problems,
) -> str:
    """One SPSS/Stata cell as the text code the checks expect (``""`` if missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
    else:
        text = str(value)
    label = labels.get(value)
    if entry is not None and entry.values:
        recode = entry.recode
        for key in (text.strip(), (label or "").strip()):
            if key and key in recode:
                return recode[key]
        if text.strip():
            problems.add(
                f"the value is not in the mapping's value_map for {entry.target!r}",
                row=case,
                column=entry.column,
                value=f"{text} ({label})" if label else text,
                expected="one of " + _listing(list(entry.recode)),
            )
        return ""
    if label is not None:
        code = lookup.get(label.strip().lower())
        if code is None:
            return f"{text} ({label})"
        return code
    return text


# ---------------------------------------------------------------------------
# Small helpers for other modules
# ---------------------------------------------------------------------------


def notes(frame: pd.DataFrame) -> tuple[str, ...]:
    """The notes an importer attached to ``frame`` (empty if none)."""
    return tuple(frame.attrs.get("notes", ()))
