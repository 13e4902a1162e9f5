"""Every error a user can fix. The CLI prints these as ``ErrorName: message``
without a traceback and exits with status 2; anything else is a bug."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: How many problems one error lists (the total is always given).
MAX_LISTED = 20


class PioneerError(Exception):
    """Base of the errors a user can fix by changing their input."""


class RegistryError(PioneerError):
    """A programme registry is unknown or inconsistent."""


class InstrumentError(PioneerError):
    """A survey instrument definition is invalid."""


class AnalysisError(PioneerError):
    """An analysis was asked for something the data cannot give."""


class ServiceError(PioneerError):
    """A server Pioneer starts cannot start (its port is taken, for one)."""


class DataFileError(PioneerError):
    """A data file cannot be read; names the place and the fix.

    Imports are all-or-nothing: raising this means nothing was changed.
    """

    def __init__(
        self,
        file: str | Path,
        problem: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
        expected: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.file = str(file)
        self.problem = problem
        self.row = row
        self.column = column
        self.value = value
        self.expected = expected
        self.fix = fix
        super().__init__(self._message())

    def _message(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        parts = [f"{', '.join(where)}: {self.problem}"]
        if self.value is not None:
            parts.append(f"found {self.value!r}")
        if self.expected:
            parts.append(f"expected {self.expected}")
        message = "; ".join(parts) + "."
        if self.fix:
            message += f" Fix: {self.fix}"
        return message


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, where it is and how to put it right."""

    problem: str
    row: int | None = None
    column: str | None = None
    value: object = None
    expected: str | None = None
    fix: str | None = None

    def describe(self) -> str:
        """One line: ``row 4, column 'wave': problem; found 'x'; expected ...``."""
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = (", ".join(where) + ": " if where else "") + self.problem
        if self.value is not None:
            text += f"; found {self.value!r}"
        if self.expected:
            text += f"; expected {self.expected}"
        if self.fix:
            text += f". Fix: {self.fix}"
        return text


class Problems:
    """Collects everything wrong with one file, to raise it as one error (all-or-nothing
    imports check the whole file before they change anything)."""

    def __init__(self, file: str | Path) -> None:
        self.file = file
        self.items: list[Problem] = []

    def add(self, problem: str, **where: Any) -> None:
        if "value" in where:
            where["value"] = shown(where["value"])
        self.items.append(Problem(problem, **where))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise problems_error(self.file, self.items)


def problems_error(file: str | Path, problems: Sequence[Problem]) -> DataFileError:
    """One :class:`DataFileError` for ``problems``, sorted by row; the first one fills its
    fields and ``problems`` holds them all."""
    ordered = sorted(problems, key=lambda p: -1 if p.row is None else p.row)
    first = ordered[0]
    if len(ordered) == 1:
        error = DataFileError(
            file,
            first.problem,
            row=first.row,
            column=first.column,
            value=first.value,
            expected=first.expected,
            fix=first.fix,
        )
    else:
        head = f"{len(ordered)} problems, nothing was imported"
        if len(ordered) > MAX_LISTED:
            head += f" (the first {MAX_LISTED} are listed)"
        lines = [head + ":"] + [f"  - {p.describe()}" for p in ordered[:MAX_LISTED]]
        error = DataFileError(file, "\n".join(lines))
        error.row, error.column, error.value = first.row, first.column, first.value
        error.expected, error.fix = first.expected, first.fix
    error.problems = tuple(ordered)  # type: ignore[attr-defined]
    return error


def shown(value: object) -> object:
    """A value as echoed in an error: e-mail local parts masked, long text shortened."""
    if not isinstance(value, str):
        return value
    text = re.sub(r"[^\s@,;<>\"']+@", "…@", value)
    return text if len(text) <= 60 else text[:57] + "…"
