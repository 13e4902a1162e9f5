"""Every error a user can fix. The CLI prints these as ``ErrorName: message``
without a traceback and exits with status 2; anything else is a bug."""

from __future__ import annotations

from pathlib import Path


class PioneerError(Exception):
    """Base of the errors a user can fix by changing their input."""


class RegistryError(PioneerError):
    """A programme registry is unknown or inconsistent."""


class InstrumentError(PioneerError):
    """A survey instrument definition is invalid."""


class AnalysisError(PioneerError):
    """An analysis was asked for something the data cannot give."""


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
