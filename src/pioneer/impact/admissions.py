"""Patient-level admissions extracts: a HES-like schema, checked ingest, area × period counts.

An extract has one row per hospital admission with five columns modelled on Hospital
Episode Statistics (HES) admitted patient care (see :data:`ADMISSION_COLUMNS` and
``docs/impact/admissions.md``). :func:`aggregate_extract` reads a CSV or Parquet extract
with DuckDB, checks every row in SQL (all or nothing: the first problem raises
:class:`~pioneer.errors.DataFileError` naming the file, the 1-based data row, the column
and the fix), and counts admissions by local authority of residence × month (or financial
year) × age band × admission group. Populations are joined to give rates, and
:meth:`AdmissionCounts.tidy` gives the ``area_code, period, year, outcome, numerator,
population`` frame the panel builder takes. :func:`generate_extract` writes synthetic
extracts of any size for tests and benchmarks.

The work is done in DuckDB over the whole file, so 50 million rows never enter pandas;
only the counts (areas × periods × bands × groups) do.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import itertools
import math
import os
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd

from pioneer.errors import AnalysisError, DataFileError

# --- the schema --------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the admissions schema: its HES field, accepted types and values."""

    name: str
    hes_field: str
    types: str
    allowed: str
    description: str


#: Admission method codes (NHS Data Dictionary, ADMISSION METHOD; HES field ADMIMETH).
EMERGENCY_METHODS = ("21", "22", "23", "24", "25", "2A", "2B", "2C", "2D", "28")
ELECTIVE_METHODS = ("11", "12", "13")
MATERNITY_METHODS = ("31", "32")
OTHER_METHODS = ("81", "82", "83")
#: Admission group of every accepted ADMIMETH code.
ADMISSION_GROUPS: dict[str, tuple[str, ...]] = {
    "emergency": EMERGENCY_METHODS,
    "elective": ELECTIVE_METHODS,
    "maternity": MATERNITY_METHODS,
    "other": OTHER_METHODS,
}
ADMISSION_METHODS = tuple(code for codes in ADMISSION_GROUPS.values() for code in codes)
#: HES STARTAGE codes for infants under one year (7001 under 1 day … 7007 9–11 months);
#: they are accepted and counted as age 0.
INFANT_AGE_CODES = tuple(range(7001, 7008))
MAX_AGE = 120
#: HES SEX codes: 1 male, 2 female, 9 not specified, 0 not known.
SEX_CODES = ("1", "2", "9", "0")
#: GSS codes of English districts and unitary authorities (E06 unitary, E07 non-metropolitan
#: district, E08 metropolitan district, E09 London borough).
LA_CODE_PATTERN = "E0[6-9][0-9]{6}"
_LA_CODE = re.compile(LA_CODE_PATTERN)
#: HES placeholder dates (null and invalid date submitted), refused by name.
HES_NULL_DATES = ("1800-01-01", "1801-01-01")
#: Earliest accepted admission date: the start of HES (1989/90).
FIRST_DATE = dt.date(1989, 4, 1)

ADMISSION_COLUMNS: dict[str, ColumnSpec] = {
    spec.name: spec
    for spec in (
        ColumnSpec(
            "admidate",
            "ADMIDATE",
            "DATE, TIMESTAMP (date part) or text YYYY-MM-DD",
            f"{FIRST_DATE.isoformat()} to today; not the HES null dates 1800-01-01/1801-01-01",
            "date of admission",
        ),
        ColumnSpec(
            "admimeth",
            "ADMIMETH",
            "text (or integer for the numeric codes)",
            ", ".join(ADMISSION_METHODS),
            "admission method; grouped as emergency (2x), elective (1x), maternity (3x), "
            "other (8x)",
        ),
        ColumnSpec(
            "startage",
            "STARTAGE",
            "integer (or text of digits)",
            f"0 to {MAX_AGE}, or the infant codes 7001 to 7007 (counted as age 0)",
            "age in years at the start of the episode",
        ),
        ColumnSpec(
            "sex",
            "SEX",
            "text or integer",
            "1 male, 2 female, 9 not specified, 0 not known",
            "sex",
        ),
        ColumnSpec(
            "resladst_ons",
            "RESLADST_ONS",
            "text",
            "GSS code E06/E07/E08/E09 followed by six digits (e.g. E06000001)",
            "local authority district of residence",
        ),
    )
}
#: Accepted other names of schema columns (matched case-insensitively, like the names).
COLUMN_ALIASES = {"la_code": "resladst_ons"}

#: Lower bounds of the default age bands: 0–17, 18–64, 65–74, 75–84, 85+.
DEFAULT_AGE_BANDS = (0, 18, 65, 75, 85)
ALL = "all"
#: Columns of :attr:`AdmissionCounts.frame`.
COUNT_COLUMNS = (
    "area_code",
    "period",
    "year",
    "age_band",
    "admission_group",
    "numerator",
    "population",
    "outcome",
)
#: Columns of :meth:`AdmissionCounts.tidy`: the panel builder's tidy input.
PANEL_COLUMNS = ("area_code", "period", "year", "outcome", "numerator", "population")
PER = 100_000
Period = Literal["month", "financial_year"]

_FORMATS = {".csv": "csv", ".gz": "csv", ".parquet": "parquet", ".pq": "parquet"}


def age_band_labels(age_bands: Sequence[int] = DEFAULT_AGE_BANDS) -> tuple[str, ...]:
    """Labels of the bands starting at ``age_bands``: ``("0-17", …, "85+")``."""
    bounds = _check_bands(age_bands)
    labels = [f"{low}-{high - 1}" for low, high in itertools.pairwise(bounds)]
    return (*labels, f"{bounds[-1]}+")


def _check_bands(age_bands: Sequence[int]) -> tuple[int, ...]:
    bounds = tuple(int(b) for b in age_bands)
    if not bounds or bounds[0] != 0:
        raise AnalysisError(f"age_bands must start at 0; got {list(age_bands)!r}.")
    if any(low >= high for low, high in itertools.pairwise(bounds)) or bounds[-1] > MAX_AGE:
        raise AnalysisError(
            f"age_bands must be increasing lower bounds between 0 and {MAX_AGE}; "
            f"got {list(age_bands)!r}."
        )
    return bounds


# --- reading and checking ----------------------------------------------------------------


def _format_of(path: Path, fmt: str | None) -> str:
    if fmt is not None:
        if fmt not in ("csv", "parquet"):
            raise DataFileError(
                path, "unknown extract format", value=fmt, expected="csv or parquet"
            )
        return fmt
    suffix = path.suffix.lower()
    if suffix in _FORMATS:
        return _FORMATS[suffix]
    raise DataFileError(
        path,
        "cannot tell the extract's format from its name",
        value=path.suffix,
        expected=".csv, .csv.gz, .parquet or .pq",
        fix="rename the file or pass format='csv' or format='parquet'.",
    )


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _csv_header(path: Path) -> list[str]:
    """The header row of a CSV (or gzipped CSV) extract, read with Python's csv module."""
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), None)
    except (OSError, UnicodeDecodeError) as error:
        raise DataFileError(
            path, f"cannot read the header row ({error})", fix="save the extract as UTF-8 CSV."
        ) from error
    if not header:
        raise DataFileError(
            path, "the file is empty", fix="export the admissions with a header row."
        )
    return header


def _reader(path: Path, fmt: str, *, header: Sequence[str] = (), row_numbers: bool = False) -> str:
    if fmt == "parquet":
        extra = ", file_row_number = true" if row_numbers else ""
        return f"read_parquet({_quote(str(path))}{extra})"
    columns = ", ".join(f"{_quote(name)}: 'VARCHAR'" for name in header)
    return (
        f"read_csv({_quote(str(path))}, header = true, auto_detect = false, "
        f"columns = {{{columns}}}, delim = ',', quote = '\"', escape = '\"', "
        "strict_mode = true)"
    )


#: Limit on DuckDB's spill files, so that a runaway query cannot fill the disk.
MAX_TEMP = "8GB"


def _connect(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"threads": threads or os.cpu_count() or 1})
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    con.execute(f"SET max_temp_directory_size = '{MAX_TEMP}'")
    return con


def _duckdb_problem(error: duckdb.Error) -> str:
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"DuckDB cannot read it ({first})"


@dataclass(frozen=True)
class _Source:
    path: Path
    format: str
    names: dict[str, str]  # schema name -> name in the file
    types: dict[str, str]  # schema name -> DuckDB type
    header: tuple[str, ...] = ()  # a CSV's header, as read

    def reader(self, *, row_numbers: bool = False) -> str:
        return _reader(self.path, self.format, header=self.header, row_numbers=row_numbers)


def _describe(con: duckdb.DuckDBPyConnection, path: Path, fmt: str) -> _Source:
    if not path.is_file():
        raise DataFileError(path, "no such file", fix="check the path of the extract.")
    header = tuple(_csv_header(path)) if fmt == "csv" else ()
    try:
        if fmt == "csv":
            described = [(name, "VARCHAR") for name in header]
        else:
            described = con.execute(f"DESCRIBE SELECT * FROM {_reader(path, fmt)}").fetchall()
    except duckdb.Error as error:
        raise DataFileError(
            path,
            _duckdb_problem(error),
            fix="save the extract as "
            + ("a comma-separated CSV with a header row." if fmt == "csv" else "Parquet."),
        ) from error
    names: dict[str, str] = {}
    types: dict[str, str] = {}
    unknown: list[str] = []
    for name, kind, *_ in described:
        key = name.strip().lower()
        key = COLUMN_ALIASES.get(key, key)
        if key not in ADMISSION_COLUMNS:
            unknown.append(name)
            continue
        if key in names:
            raise DataFileError(
                path,
                "the column appears twice",
                column=key,
                value=[names[key], name],
                fix="keep one of them (la_code is another name for resladst_ons).",
            )
        names[key] = name
        types[key] = str(kind).upper()
    if unknown:
        raise DataFileError(
            path,
            f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}",
            column=unknown[0],
            expected=f"only {', '.join(ADMISSION_COLUMNS)}",
            fix="drop or rename the other columns (names are not case-sensitive; "
            "la_code may stand for resladst_ons).",
        )
    missing = [name for name in ADMISSION_COLUMNS if name not in names]
    if missing:
        raise DataFileError(
            path,
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}",
            column=missing[0],
            expected=f"the columns {', '.join(ADMISSION_COLUMNS)}",
            fix="add the missing columns to the extract (see docs/impact/admissions.md).",
        )
    return _Source(path, fmt, names, types, header)


_INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT")
_INTEGER_TYPES += ("UINTEGER", "UBIGINT")
_FLOAT_TYPES = ("FLOAT", "DOUBLE", "REAL")


def _clean_expressions(source: _Source) -> dict[str, str]:
    """SQL giving each column's clean value (NULL where it is not acceptable)."""
    path = source.path
    raw = {name: _ident(source.names[name]) for name in ADMISSION_COLUMNS}
    out: dict[str, str] = {}

    kind = source.types["admidate"]
    if kind == "DATE":
        out["admidate"] = raw["admidate"]
    elif kind.startswith("TIMESTAMP"):
        out["admidate"] = f"CAST({raw['admidate']} AS DATE)"
    elif kind == "VARCHAR":
        out["admidate"] = (
            f"CASE WHEN regexp_full_match({raw['admidate']}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') "
            f"THEN TRY_CAST({raw['admidate']} AS DATE) END"
        )
    else:
        raise _type_error(path, "admidate", kind)

    kind = source.types["startage"]
    if kind in _INTEGER_TYPES:
        out["startage"] = f"CAST({raw['startage']} AS INTEGER)"
    elif kind in _FLOAT_TYPES or kind.startswith("DECIMAL"):
        out["startage"] = (
            f"CASE WHEN {raw['startage']} = trunc({raw['startage']}) "
            f"AND abs({raw['startage']}) < 100000 THEN CAST({raw['startage']} AS INTEGER) END"
        )
    elif kind == "VARCHAR":
        out["startage"] = (
            f"CASE WHEN regexp_full_match({raw['startage']}, '-?[0-9]{{1,5}}') "
            f"THEN CAST({raw['startage']} AS INTEGER) END"
        )
    else:
        raise _type_error(path, "startage", kind)

    for name in ("admimeth", "sex", "resladst_ons"):
        kind = source.types[name]
        if kind == "VARCHAR":
            out[name] = raw[name]
        elif kind in _INTEGER_TYPES and name != "resladst_ons":
            out[name] = f"CAST({raw[name]} AS VARCHAR)"
        else:
            raise _type_error(path, name, kind)
    return out


def _type_error(path: Path, column: str, kind: str) -> DataFileError:
    return DataFileError(
        path,
        "the column has a type the schema does not accept",
        column=column,
        value=kind,
        expected=ADMISSION_COLUMNS[column].types,
        fix=f"store {column} as {ADMISSION_COLUMNS[column].types}.",
    )


@dataclass(frozen=True)
class _Check:
    column: str
    problem: str
    condition: str  # SQL true for a bad row; columns: raw_<name> and <name> (clean)
    expected: str
    fix: str
    #: For a column with few distinct values: the same test in Python on a clean value,
    #: so that the check runs once per distinct value rather than once per row.
    value_test: Callable[[str | None], bool] | None = None


def _in_list(values: Iterable[str]) -> str:
    return ", ".join(_quote(v) for v in values)


def _checks(today: dt.date) -> tuple[_Check, ...]:
    infant = ", ".join(str(c) for c in INFANT_AGE_CODES)
    return (
        _Check(
            "admidate",
            "missing admission date",
            "raw_admidate IS NULL",
            "a date YYYY-MM-DD",
            "fill in the admission date or drop the row.",
        ),
        _Check(
            "admidate",
            "not a date in the form YYYY-MM-DD",
            "raw_admidate IS NOT NULL AND admidate IS NULL",
            "an ISO date such as 2014-04-01",
            "write dates as YYYY-MM-DD (four-digit year, two-digit month and day).",
        ),
        _Check(
            "admidate",
            "a HES null or invalid date placeholder",
            "admidate IN (" + ", ".join(f"DATE '{day}'" for day in HES_NULL_DATES) + ")",
            "a real admission date",
            "drop rows whose admission date was not recorded.",
        ),
        _Check(
            "admidate",
            "admission date out of range",
            f"admidate < DATE '{FIRST_DATE.isoformat()}' OR admidate > DATE '{today.isoformat()}'",
            f"a date from {FIRST_DATE.isoformat()} to {today.isoformat()}",
            "check the date (day and month swapped? wrong century?).",
        ),
        _Check(
            "admimeth",
            "missing admission method",
            "raw_admimeth IS NULL",
            "an ADMIMETH code",
            "fill in the admission method or drop the row.",
            lambda value: value is None,
        ),
        _Check(
            "admimeth",
            "unknown admission method",
            f"raw_admimeth IS NOT NULL AND admimeth NOT IN ({_in_list(ADMISSION_METHODS)})",
            f"one of the HES codes {', '.join(ADMISSION_METHODS)}",
            "recode the method to a HES code (98 not applicable and 99 not known cannot "
            "be grouped: drop those rows).",
            lambda value: value is not None and value not in ADMISSION_METHODS,
        ),
        _Check(
            "startage",
            "missing age",
            "raw_startage IS NULL",
            f"an age 0 to {MAX_AGE} or an infant code 7001 to 7007",
            "fill in the age at admission or drop the row.",
        ),
        _Check(
            "startage",
            "age is not a whole number",
            "raw_startage IS NOT NULL AND startage IS NULL",
            f"a whole number of years 0 to {MAX_AGE} or an infant code 7001 to 7007",
            "write the age in whole years, without decimals or units.",
        ),
        _Check(
            "startage",
            "age out of range",
            f"NOT (startage BETWEEN 0 AND {MAX_AGE} OR startage IN ({infant}))",
            f"0 to {MAX_AGE}, or an infant code 7001 to 7007",
            "check the age; HES codes ages under one year as 7001 to 7007.",
        ),
        _Check(
            "sex",
            "missing sex",
            "raw_sex IS NULL",
            "1, 2, 9 or 0",
            "code an unknown sex as 0 (not known) or 9 (not specified).",
            lambda value: value is None,
        ),
        _Check(
            "sex",
            "unknown sex code",
            f"raw_sex IS NOT NULL AND sex NOT IN ({_in_list(SEX_CODES)})",
            "1 male, 2 female, 9 not specified or 0 not known",
            "recode sex to the HES codes (M/F become 1/2).",
            lambda value: value is not None and value not in SEX_CODES,
        ),
        _Check(
            "resladst_ons",
            "missing local authority of residence",
            "raw_resladst_ons IS NULL",
            "a GSS district code such as E06000001",
            "fill in the district of residence or drop the row.",
            lambda value: value is None,
        ),
        _Check(
            "resladst_ons",
            "malformed local authority code",
            f"raw_resladst_ons IS NOT NULL AND NOT regexp_full_match(resladst_ons, "
            f"'{LA_CODE_PATTERN}')",
            "an English district GSS code E06/E07/E08/E09 and six digits, e.g. E07000240",
            "use ONS GSS district codes (not names, ONS old-style codes or county codes); "
            "rows resident outside England must be dropped.",
            lambda value: value is not None and not _LA_CODE.fullmatch(value),
        ),
    )


def _clean_sql(source: _Source, *, row_numbers: bool = False) -> str:
    """A query of the extract with raw_<column> and clean <column> for every column."""
    exprs = _clean_expressions(source)
    selected = []
    for name in ADMISSION_COLUMNS:
        raw = _ident(source.names[name])
        selected.append(f"{raw} AS raw_{name}")
        selected.append(f"{exprs[name]} AS {name}")
    if row_numbers:
        if source.format == "parquet":
            selected.append("file_row_number + 1 AS data_row")
        else:
            selected.append("row_number() OVER () AS data_row")
    reader = source.reader(row_numbers=row_numbers)
    return f"SELECT {', '.join(selected)} FROM {reader}"


@dataclass(frozen=True)
class ExtractSummary:
    """What a checked extract holds."""

    path: Path
    format: str
    rows: int
    first_date: dt.date
    last_date: dt.date
    areas: int


_VALUE_COLUMNS = ("resladst_ons", "admimeth", "sex")


def _duckdb_read_error(source: _Source, error: duckdb.Error) -> DataFileError:
    line = re.search(r"CSV Error on Line: (\d+)", str(error))
    return DataFileError(
        source.path,
        _duckdb_problem(error),
        row=int(line.group(1)) - 1 if line else None,
        fix="check the file is a well-formed extract (every row with the header's "
        "number of fields, text with commas in double quotes).",
    )


@dataclass(frozen=True)
class _Checked:
    summary: ExtractSummary
    areas: tuple[str, ...]


def _check_extract(
    con: duckdb.DuckDBPyConnection, source: _Source, *, today: dt.date | None = None
) -> _Checked:
    """Run every check over the whole file; on failure find the first bad row and raise.

    Two cheap scans: one summarises the dates and ages (counts, smallest and largest
    date, ages out of range), one groups the codes (district, method, sex) so that each
    distinct value is tested once. Only when the summary shows a problem does a third
    scan count each row check exactly, and a fourth find the first bad row.
    """
    today = today or dt.date.today()
    checks = _checks(today)
    clean = _clean_sql(source)
    summary_sql = (
        "SELECT count(*), count(admidate), min(admidate), max(admidate), "
        "count(startage), count(*) FILTER (WHERE NOT (startage BETWEEN "
        f"0 AND {MAX_AGE} OR startage BETWEEN {INFANT_AGE_CODES[0]} AND {INFANT_AGE_CODES[-1]}))"
        f" FROM ({clean})"
    )
    keys = ", ".join(_VALUE_COLUMNS)
    sets = ", ".join(f"({name})" for name in _VALUE_COLUMNS)
    values_sql = (
        f"SELECT {keys}, {', '.join(f'GROUPING({n})' for n in _VALUE_COLUMNS)}, count(*) "
        f"FROM ({clean}) GROUP BY GROUPING SETS ({sets})"
    )
    try:
        # Missing and malformed dates and ages are NULL once cleaned: fewer than n_rows.
        (n_rows, dates, first, last, ages, bad_ages) = con.execute(summary_sql).fetchall()[0]
        rows = con.execute(values_sql).fetchall()
    except duckdb.Error as error:
        raise _duckdb_read_error(source, error) from error
    width = len(_VALUE_COLUMNS)
    values: dict[str, list[tuple[str | None, int]]] = {name: [] for name in _VALUE_COLUMNS}
    for row in rows:
        column = _VALUE_COLUMNS[list(row[width : 2 * width]).index(0)]
        values[column].append((row[_VALUE_COLUMNS.index(column)], int(row[2 * width])))
    suspect = (
        dates < n_rows
        or ages < n_rows
        or bad_ages > 0
        or (first is not None and (first < FIRST_DATE or last > today))
    )
    exact: dict[int, int] = {}
    if suspect:
        exact = _row_check_counts(con, source, checks)
    for index, check in enumerate(checks):
        if check.value_test is None:
            count = exact.get(index, 0)
        else:
            count = sum(n for value, n in values[check.column] if check.value_test(value))
        if count:
            _raise_first(con, source, check, count)
    if n_rows == 0:
        raise DataFileError(
            source.path,
            "the extract has no data rows",
            fix="export the admissions with their header row and at least one admission.",
        )
    areas = tuple(sorted(str(value) for value, _ in values["resladst_ons"]))
    summary = ExtractSummary(source.path, source.format, int(n_rows), first, last, len(areas))
    return _Checked(summary, areas)


def _row_check_counts(
    con: duckdb.DuckDBPyConnection, source: _Source, checks: Sequence[_Check]
) -> dict[int, int]:
    """How many rows fail each row check (the checks without a value test)."""
    row_checks = [(i, c) for i, c in enumerate(checks) if c.value_test is None]
    counts = ", ".join(f"count(*) FILTER (WHERE {check.condition})" for _, check in row_checks)
    found = con.execute(f"SELECT {counts} FROM ({_clean_sql(source)})").fetchall()[0]
    return {i: int(n) for (i, _), n in zip(row_checks, found, strict=True)}


def _raise_first(
    con: duckdb.DuckDBPyConnection, source: _Source, check: _Check, count: int
) -> None:
    order_con = con
    if source.format == "csv":
        # A single-threaded scan numbers CSV rows in file order.
        order_con = _connect(threads=1)
        order_con.execute("SET preserve_insertion_order = true")
    sql = (
        f"SELECT data_row, raw_{check.column} FROM ({_clean_sql(source, row_numbers=True)}) "
        f"WHERE {check.condition} ORDER BY data_row LIMIT 1"
    )
    data_row, value = order_con.execute(sql).fetchone() or (None, None)
    more = f" (and {count - 1:,} more row{'s' if count > 2 else ''})" if count > 1 else ""
    raise DataFileError(
        source.path,
        check.problem + more,
        row=int(data_row) if data_row is not None else None,
        column=check.column,
        value=value if value is not None else None,
        expected=check.expected,
        fix=check.fix,
    )


def validate_extract(
    path: str | Path,
    *,
    format: str | None = None,
    threads: int | None = None,
    today: dt.date | None = None,
) -> ExtractSummary:
    """Check a whole extract against :data:`ADMISSION_COLUMNS`; raise on the first problem.

    Raises :class:`~pioneer.errors.DataFileError` naming the file, the 1-based data row
    (the header is not counted), the column, the value and the fix. ``today`` (default
    the current date) is the latest admission date accepted.
    """
    path = Path(path)
    con = _connect(threads)
    try:
        source = _describe(con, path, _format_of(path, format))
        return _check_extract(con, source, today=today).summary
    finally:
        con.close()


# --- aggregation -------------------------------------------------------------------------


def _band_sql(bounds: tuple[int, ...]) -> str:
    """Index of the age band (infant codes 7001–7007 fall in the first band)."""
    parts = ["CASE WHEN startage >= 7001 THEN 0"]
    for index in reversed(range(len(bounds))):
        parts.append(f"WHEN startage >= {bounds[index]} THEN {index}")
    return " ".join(parts) + " END"


def _check_period(period: str) -> None:
    if period not in ("month", "financial_year"):
        raise AnalysisError(f"period must be 'month' or 'financial_year'; got {period!r}.")


#: Largest count array (cells) built in numpy; beyond it DuckDB groups the keys itself.
MAX_CELLS = 40_000_000
#: DuckDB vectors (of 2,048 rows) fetched at a time while counting.
_CHUNK_VECTORS = 512


def _month(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _count_cells(
    con: duckdb.DuckDBPyConnection,
    source: _Source,
    checked: _Checked,
    bounds: tuple[int, ...],
) -> tuple[np.ndarray, int]:
    """Admissions by district × month × age band × admission method, as an array.

    Every row gets one integer, its cell's position in the array: DuckDB computes it,
    finding the district's and the method's positions by joins to small tables (cheap on
    Parquet's dictionary-encoded strings), and numpy counts the integers with
    ``bincount``. Returns the array and the first month.
    """
    first, last = _month(checked.summary.first_date), _month(checked.summary.last_date)
    shape = (len(checked.areas), last - first + 1, len(bounds), len(ADMISSION_METHODS))
    cells = math.prod(shape)
    for name, codes in (("pioneer_areas", checked.areas), ("pioneer_methods", ADMISSION_METHODS)):
        con.register(
            name,
            pd.DataFrame({"code": np.asarray(codes, dtype=object), "idx": np.arange(len(codes))}),
        )
    exprs = _clean_expressions(source)
    inner = (
        f"SELECT {exprs['admidate']} AS admidate, {exprs['startage']} AS startage, "
        f"{exprs['resladst_ons']} AS area, {exprs['admimeth']} AS method "
        f"FROM {source.reader()}"
    )
    key = (
        f"((a.idx * {shape[1]} + year(admidate) * 12 + month(admidate) - 1 - {first}) "
        f"* {shape[2]} + {_band_sql(bounds)}) * {shape[3]} + m.idx"
    )
    sql = (
        f"SELECT CAST({key} AS INTEGER) AS cell FROM ({inner}) x "
        "JOIN pioneer_areas a ON a.code = x.area JOIN pioneer_methods m ON m.code = x.method"
    )
    if cells <= MAX_CELLS:
        counts = np.zeros(cells, dtype=np.int64)
        cursor = con.execute(sql)
        while True:  # a million rows at a time, so memory does not grow with the extract
            chunk = cursor.fetch_df_chunk(_CHUNK_VECTORS)
            if chunk.empty:
                break
            counts += np.bincount(chunk["cell"].to_numpy(dtype=np.int64), minlength=cells)
        counts = counts.astype(float)
    else:
        grouped = con.execute(f"SELECT cell, count(*) AS n FROM ({sql}) GROUP BY cell").fetchnumpy()
        counts = np.zeros(cells)
        counts[np.asarray(grouped["cell"], dtype=np.int64)] = np.asarray(grouped["n"])
    return counts.reshape(shape), first


def _finish(
    cube: np.ndarray,
    areas: Sequence[str],
    first: int,
    period: Period,
    labels: tuple[str, ...],
    populations: pd.DataFrame,
) -> pd.DataFrame:
    """Groups, totals, periods, populations and rates from the district × month × band ×
    method array; every area × period × band × group cell becomes one row, in order."""
    groups = np.stack(
        [
            cube[..., [ADMISSION_METHODS.index(code) for code in codes]].sum(axis=-1)
            for codes in ADMISSION_GROUPS.values()
        ],
        axis=-1,
    )
    months = np.arange(first, first + cube.shape[1])
    if period == "month":
        slot_of = np.arange(len(months))
        years = months // 12
        names = [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in months]
    else:
        financial = (months - 3) // 12  # April (month index 3) starts the year
        years = np.arange(financial.min(), financial.max() + 1)
        slot_of = financial - years[0]
        names = [f"{y:04d}/{(y + 1) % 100:02d}" for y in years]
    n_areas, n_bands, n_groups = groups.shape[0], len(labels), len(ADMISSION_GROUPS)
    full = np.zeros((n_areas, len(years), n_bands + 1, n_groups + 1))
    np.add.at(full[:, :, :n_bands, :n_groups], (slice(None), slot_of), groups)
    full[:, :, n_bands, :n_groups] = full[:, :, :n_bands, :n_groups].sum(axis=2)
    full[:, :, :, n_groups] = full[:, :, :, :n_groups].sum(axis=3)
    area_of, period_of, band_of, group_of = (
        index.reshape(-1) for index in np.indices(full.shape, sparse=False)
    )
    bands = np.array([*labels, ALL], dtype=object)
    group_names = np.array([*ADMISSION_GROUPS, ALL], dtype=object)
    frame = pd.DataFrame(
        {
            "area_code": pd.array(np.asarray(areas, dtype=object)[area_of], dtype="str"),
            "period": pd.array(np.array(names, dtype=object)[period_of], dtype="str"),
            "year": years[period_of].astype(int),
            "age_band": pd.array(bands[band_of], dtype="str"),
            "admission_group": pd.array(group_names[group_of], dtype="str"),
            "numerator": full.reshape(-1),
        }
    )
    # Populations by index arithmetic: an area × year × band array, read at each row.
    unique_years, year_of_period = np.unique(years, return_inverse=True)
    positions = [
        populations["area_code"].map({code: i for i, code in enumerate(areas)}),
        populations["year"].map({int(y): i for i, y in enumerate(unique_years)}),
        populations["age_band"].map({label: i for i, label in enumerate(bands)}),
    ]
    known = positions[0].notna() & positions[1].notna() & positions[2].notna()
    table = np.full((n_areas, len(unique_years), n_bands + 1), np.nan)
    table[tuple(p[known].to_numpy(dtype=int) for p in positions)] = populations.loc[
        known, "population"
    ].to_numpy(dtype=float)
    population = table[area_of, year_of_period[period_of], band_of]
    frame["population"] = population
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["outcome"] = np.where(
            population > 0, frame["numerator"].to_numpy() * PER / population, np.nan
        )
    return frame


def _with_progress(
    con: duckdb.DuckDBPyConnection, work: Any, description: str, progress: bool
) -> Any:
    """Call ``work()``; with ``progress``, poll DuckDB's progress into a rich bar."""
    if not progress:
        return work()
    from rich.progress import Progress

    outcome: dict[str, Any] = {}

    def worker() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # re-raised in the caller's thread
            outcome["error"] = error

    thread = threading.Thread(target=worker, daemon=True)
    with Progress() as bar:
        task = bar.add_task(description, total=100)
        thread.start()
        while thread.is_alive():
            thread.join(0.2)
            try:
                done = con.query_progress()
            except duckdb.Error:
                done = -1
            if done is not None and done >= 0:
                bar.update(task, completed=min(done, 100.0))
        bar.update(task, completed=100)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


@dataclass(frozen=True, eq=False)
class AdmissionCounts:
    """Admissions by area × period × age band × admission group, with rates.

    ``frame`` has :data:`COUNT_COLUMNS`: ``age_band`` and ``admission_group`` include the
    total ``"all"``; every area × period × band × group appears (zero where none);
    ``outcome`` is admissions per 100,000 population in the period (NaN without a
    population). ``year`` is the calendar year of a month, the first year of a financial
    year; populations are the mid-year estimates for ``year``.
    """

    frame: pd.DataFrame
    period: str
    age_bands: tuple[str, ...]
    source: str
    rows: int
    notes: tuple[str, ...] = field(default=())

    def tidy(
        self,
        admission_group: str = "emergency",
        age_band: str = ALL,
    ) -> pd.DataFrame:
        """One outcome for the panel builder: ``area_code, period, year, outcome,
        numerator, population`` (the rate per 100,000 as ``outcome``)."""
        groups = (*ADMISSION_GROUPS, ALL)
        if admission_group not in groups:
            raise AnalysisError(
                f"admission_group must be one of {', '.join(groups)}; got {admission_group!r}."
            )
        if age_band not in (*self.age_bands, ALL):
            raise AnalysisError(
                f"age_band must be one of {', '.join((*self.age_bands, ALL))}; got {age_band!r}."
            )
        keep = (self.frame["admission_group"] == admission_group) & (
            self.frame["age_band"] == age_band
        )
        return self.frame.loc[keep, list(PANEL_COLUMNS)].reset_index(drop=True)


def _packaged_populations() -> pd.DataFrame:
    from pioneer.indicators.areas import populations

    frame = populations()
    return frame.loc[:, ["area_code", "year", "population_all_ages"]].rename(
        columns={"population_all_ages": "population"}
    )


def _check_populations(populations: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("area_code", "year", "population") if c not in populations.columns]
    if missing:
        raise AnalysisError(
            f"populations lacks columns {missing}; give area_code, year, population "
            "(and optionally age_band)."
        )
    columns = ["area_code", "year", "population"]
    if "age_band" in populations.columns:
        columns.insert(2, "age_band")
    frame = populations.loc[:, columns].copy()
    frame["area_code"] = frame["area_code"].astype(str)
    frame["year"] = pd.to_numeric(frame["year"], errors="raise").astype(int)
    frame["population"] = pd.to_numeric(frame["population"], errors="raise").astype(float)
    if "age_band" not in frame.columns:
        frame["age_band"] = ALL
    else:
        frame["age_band"] = frame["age_band"].astype(str)
    keys = ["area_code", "year", "age_band"]
    if frame.duplicated(keys).any():
        first = frame.loc[frame.duplicated(keys, keep=False), keys].iloc[0].tolist()
        raise AnalysisError(f"populations has more than one row for {first}.")
    return frame


def _population_notes(frame: pd.DataFrame) -> tuple[str, ...]:
    totals = frame[frame["age_band"] == ALL]
    lacking = totals.loc[totals["outcome"].isna()]
    if not len(lacking):
        return ()
    areas = sorted(lacking["area_code"].unique())
    years = sorted(int(y) for y in lacking["year"].unique())
    shown = ", ".join(areas[:5]) + (f" and {len(areas) - 5} more" if len(areas) > 5 else "")
    return (
        f"No population for {len(areas)} area(s) in some years ({shown}; years "
        f"{years[0]}–{years[-1]}): their rates are NaN.",
    )


def aggregate_extract(
    path: str | Path,
    *,
    period: Period = "month",
    age_bands: Sequence[int] = DEFAULT_AGE_BANDS,
    populations: pd.DataFrame | None = None,
    format: str | None = None,
    progress: bool = False,
    threads: int | None = None,
    today: dt.date | None = None,
) -> AdmissionCounts:
    """Check an extract and count its admissions by area × period × age band × group.

    ``populations`` (``area_code, year, population[, age_band]``) gives the rates'
    denominators; by default the packaged ONS mid-year populations of
    :func:`pioneer.indicators.areas.populations` (all ages only, so band rates are NaN).
    Raises :class:`~pioneer.errors.DataFileError` on the first problem in the file; the
    check and the count are two scans of the file in DuckDB.
    """
    path = Path(path)
    bounds = _check_bands(age_bands)
    labels = age_band_labels(bounds)
    _check_period(period)
    pops = _check_populations(_packaged_populations() if populations is None else populations)
    con = _connect(threads)
    try:
        source = _describe(con, path, _format_of(path, format))
        checked = _with_progress(
            con,
            lambda: _check_extract(con, source, today=today),
            f"Checking {path.name}",
            progress,
        )
        cube, first = _with_progress(
            con,
            lambda: _count_cells(con, source, checked, bounds),
            f"Counting {checked.summary.rows:,} admissions",
            progress,
        )
    finally:
        con.close()
    frame = _finish(cube, checked.areas, first, period, labels, pops)
    return AdmissionCounts(
        frame, period, labels, str(path), checked.summary.rows, _population_notes(frame)
    )


def write_counts(counts: AdmissionCounts, path: str | Path) -> Path:
    """Write ``counts.frame`` to Parquet with DuckDB, atomically (a temporary file, then
    a rename), and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    frame = counts.frame
    con = duckdb.connect()
    try:
        con.register("counts_frame", frame)
        con.execute(
            "COPY (SELECT area_code::VARCHAR AS area_code, period::VARCHAR AS period, "
            "year::INTEGER AS year, age_band::VARCHAR AS age_band, "
            "admission_group::VARCHAR AS admission_group, numerator::DOUBLE AS numerator, "
            "population::DOUBLE AS population, outcome::DOUBLE AS outcome FROM counts_frame) "
            f"TO {_quote(str(temporary))} (FORMAT parquet)"
        )
        os.replace(temporary, path)
    finally:
        con.close()
        if temporary.exists():
            temporary.unlink()
    return path


def aggregate_to_parquet(
    extract: str | Path, output: str | Path, **options: Any
) -> AdmissionCounts:
    """Aggregate ``extract`` (see :func:`aggregate_extract`) and write ``output`` only if
    the whole extract passed its checks. What ``pioneer admissions aggregate`` calls."""
    counts = aggregate_extract(extract, **options)
    write_counts(counts, output)
    return counts


def read_counts(
    path: str | Path, *, admission_group: str | None = None, age_band: str | None = None
) -> pd.DataFrame:
    """Read a ``counts.parquet``; with a group and band, only the panel's tidy columns."""
    path = Path(path)
    try:
        frame = duckdb.sql(f"SELECT * FROM read_parquet({_quote(str(path))})").df()
    except duckdb.Error as error:
        raise DataFileError(path, _duckdb_problem(error)) from error
    missing = [c for c in COUNT_COLUMNS if c not in frame.columns]
    if missing:
        raise DataFileError(
            path,
            f"not an admissions counts file (lacks {', '.join(missing)})",
            fix="write it with pioneer.impact.admissions.write_counts.",
        )
    if admission_group is None and age_band is None:
        return frame
    keep = pd.Series(True, index=frame.index)
    if admission_group is not None:
        keep &= frame["admission_group"] == admission_group
    if age_band is not None:
        keep &= frame["age_band"] == age_band
    return frame.loc[keep, list(PANEL_COLUMNS)].reset_index(drop=True)


# --- synthetic extracts ------------------------------------------------------------------

#: Share of admissions by ADMIMETH code in the synthetic extracts (roughly HES's mix:
#: most emergencies through A&E, most electives from the waiting list or booked).
METHOD_MIX = {
    "21": 0.280,
    "22": 0.040,
    "23": 0.003,
    "24": 0.020,
    "25": 0.002,
    "2A": 0.005,
    "2B": 0.008,
    "2C": 0.001,
    "2D": 0.011,
    "28": 0.005,
    "11": 0.300,
    "12": 0.080,
    "13": 0.150,
    "31": 0.030,
    "32": 0.010,
    "81": 0.015,
    "82": 0.035,
    "83": 0.005,
}
# Age-band weights (lower bound -> weight) by admission group; ages are uniform in a band.
_AGE_MIX: dict[str, dict[tuple[int, int], float]] = {
    "emergency": {
        (0, 5): 0.08,
        (5, 18): 0.05,
        (18, 45): 0.17,
        (45, 65): 0.18,
        (65, 75): 0.14,
        (75, 85): 0.20,
        (85, 101): 0.18,
    },
    "elective": {
        (0, 18): 0.05,
        (18, 45): 0.16,
        (45, 65): 0.32,
        (65, 75): 0.24,
        (75, 85): 0.17,
        (85, 101): 0.06,
    },
    "maternity": {(16, 20): 0.05, (20, 30): 0.45, (30, 40): 0.45, (40, 46): 0.05},
}
# Month-of-year factors: emergencies peak in winter; electives dip in August and December.
_SEASON = {
    "emergency": tuple(1 + 0.08 * math.cos(2 * math.pi * (m - 1) / 12) for m in range(1, 13)),
    "elective": (1.0, 1.0, 1.05, 0.95, 1.0, 1.0, 1.0, 0.9, 1.0, 1.05, 1.05, 0.85),
}
_BUCKETS = 100_000
#: Districts missing a population in the packaged table (merged 2019–2020) are weighted as
#: if they had this many residents.
FALLBACK_POPULATION = 100_000.0


def _group_of(code: str) -> str:
    return next(g for g, codes in ADMISSION_GROUPS.items() if code in codes)


def _buckets(weights: np.ndarray, buckets: int = _BUCKETS) -> np.ndarray:
    """Index of the item covering each of ``buckets`` equal slices of the weights' total."""
    cumulative = np.cumsum(weights) / weights.sum()
    points = (np.arange(buckets) + 0.5) / buckets
    return np.minimum(np.searchsorted(cumulative, points), len(weights) - 1)


def _district_weights() -> tuple[list[str], np.ndarray]:
    text = resources.files("pioneer.data").joinpath("programmes/pioneers/ons_lad18_lad19.csv")
    with text.open("r", encoding="utf-8") as handle:
        districts = pd.read_csv(handle, dtype=str, keep_default_na=False)
    codes = sorted(set(districts["LAD18CD"]))
    codes = [c for c in codes if re.fullmatch(LA_CODE_PATTERN, c)]
    pops = _packaged_populations()
    latest = pops[pops["year"] == 2018].set_index("area_code")["population"]
    weights = np.array([latest.get(code, np.nan) for code in codes], dtype=float)
    weights = np.where(np.isnan(weights) | (weights <= 0), FALLBACK_POPULATION, weights)
    return codes, weights


_GROUP_INDEX = {group: i for i, group in enumerate(ADMISSION_GROUPS)}
_SUB = _BUCKETS // 10


def _lookup_tables(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date) -> None:
    """Register the sampling tables: each maps an integer key to one value.

    Age and month keys are ``group index × 10,000 + bucket``: one integer per join, so
    that DuckDB cannot join two lookup tables to each other.
    """
    codes = list(METHOD_MIX)
    method_index = _buckets(np.array([METHOD_MIX[c] for c in codes]), _SUB)
    con.register(
        "lut_method",
        pd.DataFrame(
            {
                "b": np.arange(_SUB),
                "admimeth": np.array(codes, dtype=object)[method_index],
                "gi": np.array([_GROUP_INDEX[_group_of(c)] for c in codes])[method_index],
                "maternity": np.array([_group_of(c) == "maternity" for c in codes])[method_index],
            }
        ),
    )
    ages_by_group = []
    for group, gi in _GROUP_INDEX.items():
        if group == "other":
            # Transfers and births: mostly new-borns (infant codes), some of every age.
            pool = np.concatenate(
                [np.full(6_000, 7001), np.arange(7002, 7008).repeat(200), np.arange(101).repeat(28)]
            )
            ages = np.resize(pool, _SUB)
        else:
            mix = _AGE_MIX[group]
            per_age = np.concatenate(
                [np.full(hi - lo, w / (hi - lo)) for (lo, hi), w in mix.items()]
            )
            values = np.concatenate([np.arange(lo, hi) for lo, hi in mix])
            ages = values[_buckets(per_age, _SUB)]
        ages_by_group.append(pd.DataFrame({"k": gi * _SUB + np.arange(_SUB), "age": ages}))
    con.register("lut_age", pd.concat(ages_by_group, ignore_index=True))
    months = []
    cursor = dt.date(start.year, start.month, 1)
    while cursor <= end:
        following = dt.date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
        low, high = max(cursor, start), min(following - dt.timedelta(days=1), end)
        months.append((low, (high - low).days + 1, cursor.month))
        cursor = following
    months_by_group = []
    for group, gi in _GROUP_INDEX.items():
        season = _SEASON.get(group, (1.0,) * 12)
        index = _buckets(np.array([days * season[m - 1] for _, days, m in months]), _SUB)
        months_by_group.append(
            pd.DataFrame(
                {
                    "k": gi * _SUB + np.arange(_SUB),
                    "month_start": np.array([(months[i][0] - FIRST_DATE).days for i in index]),
                    "days": np.array([months[i][1] for i in index]),
                }
            )
        )
    con.register("lut_month", pd.concat(months_by_group, ignore_index=True))
    codes, weights = _district_weights()
    con.register(
        "lut_area",
        pd.DataFrame(
            {
                "b": np.arange(_BUCKETS),
                "resladst_ons": np.array(codes, dtype=object)[_buckets(weights)],
            }
        ),
    )


def _generate_sql(rows: int, seed: int, fmt: str) -> str:
    seed = int(seed)

    def draw(k: int, buckets: int) -> str:
        return f"CAST(hash(i, {seed}, {k}) % {buckets} AS BIGINT)"

    day = (
        f"DATE '{FIRST_DATE.isoformat()}' + CAST(m.month_start AS INTEGER) "
        f"+ CAST(hash(i, {seed}, 5) % m.days AS INTEGER)"
    )
    if fmt == "csv":
        day = f"strftime({day}, '%Y-%m-%d')"
    sex = (
        f"CASE WHEN g.maternity THEN '2' WHEN hash(i, {seed}, 6) % 1000 < 2 THEN '9' "
        f"WHEN hash(i, {seed}, 6) % 1000 < 3 THEN '0' "
        f"WHEN hash(i, {seed}, 6) % 1000 < 475 THEN '1' ELSE '2' END"
    )
    return (
        f"SELECT {day} AS admidate, g.admimeth AS admimeth, "
        f"CAST(a.age AS SMALLINT) AS startage, {sex} AS sex, l.resladst_ons AS resladst_ons "
        f"FROM range({int(rows)}) r(i) "
        f"JOIN lut_method g ON g.b = {draw(1, _SUB)} "
        f"JOIN lut_age a ON a.k = g.gi * {_SUB} + {draw(2, _SUB)} "
        f"JOIN lut_month m ON m.k = g.gi * {_SUB} + {draw(3, _SUB)} "
        f"JOIN lut_area l ON l.b = {draw(4, _BUCKETS)}"
    )


def generate_extract(
    path: str | Path,
    rows: int,
    *,
    seed: int = 20130401,
    start: dt.date = dt.date(2010, 4, 1),
    end: dt.date = dt.date(2018, 3, 31),
    format: str | None = None,
    progress: bool = False,
    threads: int | None = None,
) -> Path:
    """Write a synthetic extract of ``rows`` admissions (CSV or Parquet, from the name).

    Deterministic for a seed (and DuckDB version): each row's values are hashes of its
    row number. Districts are the 2018 English districts weighted by their 2018
    population; methods follow :data:`METHOD_MIX`; emergencies are older and peak in
    winter; maternity admissions are women aged 16–45; transfers and births (8x) are mostly
    infants (codes 7001–7007). DuckDB streams the rows to the file, so memory stays small
    whatever ``rows`` is.
    """
    path = Path(path)
    fmt = _format_of(path, format)
    if rows < 1:
        raise AnalysisError(f"rows must be at least 1; got {rows}.")
    if end < start:
        raise AnalysisError(f"end ({end}) is before start ({start}).")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    options = (
        "FORMAT csv, HEADER true" if fmt == "csv" else "FORMAT parquet, ROW_GROUP_SIZE 1000000"
    )
    if fmt == "csv" and path.suffix.lower() == ".gz":
        options += ", COMPRESSION gzip"
    con = _connect(threads)
    con.execute("SET preserve_insertion_order = true")
    try:
        _lookup_tables(con, start, end)
        sql = f"COPY ({_generate_sql(rows, seed, fmt)}) TO {_quote(str(temporary))} ({options})"
        _with_progress(con, lambda: con.execute(sql), f"Writing {rows:,} admissions", progress)
        os.replace(temporary, path)
    finally:
        con.close()
        if temporary.exists():
            temporary.unlink()
    return path


__all__ = [
    "ADMISSION_COLUMNS",
    "ADMISSION_GROUPS",
    "ADMISSION_METHODS",
    "COLUMN_ALIASES",
    "COUNT_COLUMNS",
    "DEFAULT_AGE_BANDS",
    "INFANT_AGE_CODES",
    "METHOD_MIX",
    "PANEL_COLUMNS",
    "SEX_CODES",
    "AdmissionCounts",
    "ColumnSpec",
    "ExtractSummary",
    "age_band_labels",
    "aggregate_extract",
    "aggregate_to_parquet",
    "generate_extract",
    "read_counts",
    "validate_extract",
    "write_counts",
]
