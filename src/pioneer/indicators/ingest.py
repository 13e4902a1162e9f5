"""Read routinely published indicator data into the indicator frame, all or nothing.

Every reader returns the indicator frame (:data:`INDICATOR_COLUMNS`, one row per
indicator × area × period × sex × age; see ``docs/indicators/data.md``) or raises one
:class:`~pioneer.errors.DataFileError` listing every problem found in the file, each with
its row, column, value and how to put it right. Readers never write anything, so a bad
file changes nothing.

Formats:

- :func:`read_fingertips` — a Fingertips "Export data" CSV (or the same columns as
  fingertipsR names them, without spaces); Fingertips indicator ids are mapped to
  catalogue ids;
- :func:`read_tidy` — a tidy CSV ``area_code, period, numerator, denominator[, value]``
  with the indicator given as an argument or an ``indicator_id`` column; any other
  column of the indicator frame may be added (so the store's own file is a tidy CSV);
- :func:`read_fingertips_extract` — the Fingertips extract in
  ``shared/data/fingertips-la-admissions/`` (``area_code, area_name, period, value,
  indicator, measure, unit, significance``);
- :func:`read_any` — whichever of these the header shows;
- :func:`packaged` — the real data packaged with Pioneer (falls65, self_harm,
  alcohol_narrow for English districts, 2008/09–2017/18).

Row numbers are spreadsheet rows: the header is row 1, the first data row is row 2.
Each returned frame carries ``frame.attrs["source"]`` and ``frame.attrs["notes"]``
(plain-language notes such as rows left out).
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pioneer.errors import (
    AnalysisError,
    DataFileError,
    Problem,
    Problems,
    problems_error,
)
from pioneer.indicators import catalogue as catalogues
from pioneer.indicators.catalogue import Catalogue, Indicator

# ---------------------------------------------------------------------------
# The indicator frame
# ---------------------------------------------------------------------------

#: The columns of the indicator frame, in order (the contract between the indicator parts).
INDICATOR_COLUMNS: tuple[str, ...] = (
    "indicator_id",
    "area_code",
    "area_name",
    "area_type",
    "period",
    "year",
    "sex",
    "age",
    "numerator",
    "denominator",
    "value",
    "lower_95",
    "upper_95",
    "lower_99_8",
    "upper_99_8",
    "fingertips_comparison",
    "approximation",
)

#: Float columns of the frame (NaN where not published).
NUMBER_COLUMNS: tuple[str, ...] = (
    "numerator",
    "denominator",
    "value",
    "lower_95",
    "upper_95",
    "lower_99_8",
    "upper_99_8",
)
LIMIT_COLUMNS: tuple[str, ...] = NUMBER_COLUMNS[3:]
TEXT_COLUMNS: tuple[str, ...] = tuple(
    c for c in INDICATOR_COLUMNS if c not in NUMBER_COLUMNS and c != "year"
)

#: The identity of a row: at most one row per key in a frame.
KEY_COLUMNS: tuple[str, ...] = ("indicator_id", "area_code", "period", "sex", "age")

#: Extra columns kept (after the frame's own) when inequality breakdowns are asked for.
CATEGORY_COLUMNS: tuple[str, ...] = ("category_type", "category")

AREA_TYPES: tuple[str, ...] = (
    "England",
    "Region",
    "County & UA",
    "District & UA",
    "Combined authority",
    "Pioneer site",
    "Comparator group",
)
COMPARISONS: tuple[str, ...] = ("Better", "Similar", "Worse", "Higher", "Lower", "Not compared")
SEXES: tuple[str, ...] = ("Persons", "Male", "Female")

#: The columns of a Fingertips "Export data" CSV, as the site writes them. The column
#: after the England comparison names the sub-national parent and varies
#: ("Compared to percentiles", "Compared to Region value or percentiles", ...).
FINGERTIPS_COLUMNS: tuple[str, ...] = (
    "Indicator ID",
    "Indicator Name",
    "Parent Code",
    "Parent Name",
    "Area Code",
    "Area Name",
    "Area Type",
    "Sex",
    "Age",
    "Category Type",
    "Category",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Lower CI 99.8 limit",
    "Upper CI 99.8 limit",
    "Count",
    "Denominator",
    "Value note",
    "Recent Trend",
    "Compared to England value or percentiles",
    "Compared to percentiles",
    "Time period Sortable",
    "New data",
    "Compared to goal",
)

#: Columns of the extract in ``shared/data/fingertips-la-admissions/``.
EXTRACT_COLUMNS: tuple[str, ...] = (
    "area_code",
    "area_name",
    "period",
    "value",
    "indicator",
    "measure",
    "unit",
    "significance",
)

#: Indicator titles used in the extract -> catalogue ids.
EXTRACT_TITLES: dict[str, str] = {
    "emergency hospital admissions due to falls in people aged 65 and over": "falls65",
    "emergency hospital admissions for intentional self-harm": "self_harm",
    "alcohol related admissions (narrow measure)": "alcohol_narrow",
}

_GSS = re.compile(r"[EWSNK]\d{8}\Z")
_SLUG = re.compile(r"[a-z][a-z0-9_]{0,63}\Z")
_MISSING = frozenset({"", "NA"})
_UTF8_FIX = "save the file again as UTF-8 (Excel: Save As > 'CSV UTF-8 (Comma delimited)')"
_NUMBER_FIX = (
    "write plain numbers (no thousands separators, units or % signs); leave unknown cells blank"
)


def empty_indicator_frame() -> pd.DataFrame:
    """An indicator frame with no rows and the contract's dtypes."""
    return normalise(pd.DataFrame({c: [] for c in INDICATOR_COLUMNS}))


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with exactly the indicator columns, in order, typed.

    Missing number columns become NaN and missing ``fingertips_comparison`` /
    ``approximation`` / ``area_name`` become ""; the other columns are required
    (:class:`~pioneer.errors.AnalysisError` names any missing). ``year`` becomes int64,
    number columns float64, the rest strings (blank, never NaN). The category columns
    are kept after the others when present.
    """
    required = ("indicator_id", "area_code", "area_type", "period", "year", "sex", "age")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise AnalysisError(
            f"an indicator frame needs the columns {list(INDICATOR_COLUMNS)}; missing {missing}"
        )
    extra = [c for c in CATEGORY_COLUMNS if c in frame.columns]
    out = pd.DataFrame(index=range(len(frame)))
    source = frame.reset_index(drop=True)
    for column in (*INDICATOR_COLUMNS, *extra):
        if column in NUMBER_COLUMNS:
            values = source.get(column, np.nan)
            out[column] = pd.Series(values, index=out.index, dtype="float64")
        elif column == "year":
            out[column] = source[column].astype("int64")
        else:
            values = source.get(column, "")
            text = pd.Series(values, index=out.index, dtype="str")
            out[column] = text.fillna("")
    out.attrs.update(frame.attrs)
    return out


def period_year(period: str) -> int:
    """The first calendar year of a published period (``2017/18`` -> 2017).

    Accepts ``2017`` (calendar year), ``2017/18`` (financial year), ``2014 - 16`` and
    ``2015/16 - 17/18`` (pooled years), ``2017 Q3`` / ``2017/18 Q3`` (quarters) and
    ``Aug 2017`` (months). Raises :class:`ValueError` for anything else.
    """
    year = _period_year(period)
    if year is None:
        raise ValueError(
            f"not a period: {period!r}; expected e.g. 2017, 2017/18 or 2015/16 - 17/18"
        )
    return year


_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
_PERIOD_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?P<y>\d{4})\Z"),
    re.compile(r"(?P<y>\d{4})/(?P<n>\d{2})\Z"),
    re.compile(r"(?P<y>\d{4}) - (?P<e>\d{2}|\d{4})\Z"),
    re.compile(r"(?P<y>\d{4})/(?P<n>\d{2}) ?- ?(?P<e>\d{2}|\d{4})/(?P<en>\d{2})\Z"),
    re.compile(r"(?P<y>\d{4})(?:/(?P<n>\d{2}))? Q[1-4]\Z"),
    re.compile(rf"(?:{_MONTHS})[a-z]* (?P<y>\d{{4}})\Z"),
)


def _period_year(period: object) -> int | None:
    if not isinstance(period, str):
        return None
    text = period.strip()
    for pattern in _PERIOD_PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        parts = match.groupdict()
        year = int(parts["y"])
        if not 1900 <= year <= 2100:
            return None
        if parts.get("n") is not None and int(parts["n"]) != (year + 1) % 100:
            return None
        if parts.get("e") is not None:
            end = int(parts["e"])
            if end < 100:  # two digits: the next such year after the start
                end += year - year % 100
                end += 100 if end <= year else 0
            if not 0 < end - year <= 20:
                return None
            if parts.get("en") is not None and int(parts["en"]) != (end + 1) % 100:
                return None
        return year
    return None


# ---------------------------------------------------------------------------
# Problems and the error that lists them
# ---------------------------------------------------------------------------


def _fail(file: str | Path, problem: str, **where: Any) -> DataFileError:
    return problems_error(file, [Problem(problem, **where)])


# ---------------------------------------------------------------------------
# Reading CSV text
# ---------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    """The file as text: UTF-8 with or without a byte-order mark; clear errors otherwise."""
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
        byte = data[exc.start : exc.start + 1]
        before = data[: exc.start].decode("utf-8", errors="replace")
        row = len(list(csv.reader(io.StringIO(before + "x", newline=""))))
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
        raise _fail(path, "the file is empty", fix="export the data again")
    return text


@dataclass
class _Table:
    """A CSV file's header (as written and as lookup keys) and its data rows."""

    path: Path
    columns: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # cells stripped

    @property
    def keys(self) -> dict[str, str]:
        """Lookup key (lower case, letters, digits and dots only) -> column as written."""
        return {_key(c): c for c in self.columns}

    def column(self, *candidates: str) -> str | None:
        """The file's name for the first candidate key it has, or ``None``."""
        keys = self.keys
        for candidate in candidates:
            if candidate in keys:
                return keys[candidate]
        return None

    def frame(self) -> pd.DataFrame:
        """The cells (stripped text), one column per header name, plus ``_row``."""
        data = pd.DataFrame([cells for _, cells in self.rows], columns=self.columns, dtype=object)
        data["_row"] = [row for row, _ in self.rows]
        return data


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9.]", "", name.lower())


def _table(path: Path, problems: Problems) -> _Table:
    text = _read_text(path)
    records: list[list[str]] = []
    try:
        for record in csv.reader(io.StringIO(text, newline=""), strict=True):
            records.append(record)
    except csv.Error as exc:
        raise _fail(
            path,
            f"the file is not valid CSV ({exc})",
            row=len(records) + 1,
            fix="check the quotes on this row, or export the file again",
        ) from None
    columns = [c.strip() for c in records[0]]
    while columns and columns[-1] == "":
        columns.pop()
    if not columns:
        raise _fail(path, "the first row (the header) is blank", row=1, fix="add the header row")
    for index, name in enumerate(columns, start=1):
        if name == "":
            raise _fail(path, f"header cell {index} is blank", row=1, fix="name every column")
    seen: dict[str, str] = {}
    for name in columns:
        if _key(name) in seen:
            raise _fail(
                path,
                f"the header names this column twice (also as {seen[_key(name)]!r})",
                row=1,
                column=name,
                fix="give every column its own name",
            )
        seen[_key(name)] = name
    table = _Table(path, columns)
    width = len(columns)
    for row, raw in enumerate(records[1:], start=2):
        record = [cell.strip() for cell in raw]
        if not any(record):
            continue
        if len(record) > width and not any(record[width:]):
            record = record[:width]
        if len(record) != width:
            problems.add(
                f"this row has {len(record)} cells but the header has {width} columns",
                row=row,
                expected=f"{width} cells",
                fix="check for a missing or extra comma, or an unquoted comma inside a name",
            )
            continue
        table.rows.append((row, record))
    if not table.rows and not problems:
        raise _fail(
            path,
            "the file has a header but no data rows",
            row=1,
            fix="export the data again; a file without rows cannot be imported",
        )
    return table


def _require(table: _Table, wanted: dict[str, tuple[str, ...]], problems: Problems) -> None:
    """A problem for each wanted column (name as documented -> accepted keys) not in the file."""
    for name, keys in wanted.items():
        if table.column(*keys) is None:
            problems.add(
                "the file has no column " + repr(name),
                row=1,
                column=name,
                expected="a column named " + repr(name),
                fix=f"add the {name!r} column (the header has: {_listing(table.columns)})",
            )


def _lookup(keys: pd.Series, mapping: dict[str, str], default: str) -> pd.Series:
    """Text looked up by key (``default`` for keys not in ``mapping``)."""
    return pd.Series([mapping.get(k, default) for k in keys], index=keys.index, dtype="str")


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _listing(values: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f", … ({len(values)} in all)" if len(values) > limit else "")


# ---------------------------------------------------------------------------
# Checking cells (vectorised; each offending cell becomes a problem)
# ---------------------------------------------------------------------------


class _Cells:
    """The raw cells of one file with the checks every format shares."""

    def __init__(self, table: _Table, problems: Problems) -> None:
        self.table = table
        self.data = table.frame()
        self.rows = self.data["_row"]
        self.problems = problems

    def __len__(self) -> int:
        return len(self.data)

    def keep(self, mask: pd.Series) -> None:
        self.data = self.data[mask.to_numpy()].reset_index(drop=True)
        self.rows = self.data["_row"]

    def text(self, column: str | None, default: str = "") -> pd.Series:
        if column is None:
            return pd.Series(default, index=self.data.index, dtype=object)
        return self.data[column]

    def flag(self, mask: pd.Series, column: str | None, problem: str, **extra: Any) -> None:
        """One problem per row where ``mask`` holds (value = that row's cell)."""
        if not mask.any():
            return
        values = self.data[column] if column is not None else None
        for index in np.flatnonzero(mask.to_numpy()):
            value = values.iloc[index] if values is not None else None
            self.problems.add(
                problem, row=int(self.rows.iloc[index]), column=column, value=value, **extra
            )

    def number(self, column: str | None, *, count: bool = False, what: str = "") -> pd.Series:
        """The column as floats (blank or NA -> NaN); non-numbers and negative counts flagged."""
        if column is None:
            return pd.Series(np.nan, index=self.data.index, dtype="float64")
        text = self.text(column)
        blank = text.isin(_MISSING)
        parsed = pd.to_numeric(text.where(~blank, None), errors="coerce").astype("float64")
        bad = ~blank & ~np.isfinite(parsed)
        self.flag(bad, column, "not a number", expected=what or "a number", fix=_NUMBER_FIX)
        parsed = parsed.where(~bad)
        if count:
            negative = parsed < 0
            self.flag(
                negative,
                column,
                "a count cannot be negative",
                expected="zero or more",
                fix="correct the count or leave it blank if it is not known",
            )
            parsed = parsed.where(~negative)
        return parsed

    def periods(self, column: str) -> tuple[pd.Series, pd.Series]:
        """(period as written, first calendar year); malformed periods flagged."""
        text = self.text(column)
        years = {p: _period_year(p) for p in text.unique()}
        year = text.map(years)
        bad = year.isna()
        self.flag(
            bad,
            column,
            "not a period Pioneer can read",
            expected="a year (2017), a financial year (2017/18) or pooled years "
            "(2015/16 - 17/18, 2014 - 16)",
            fix="write the period as Fingertips does: financial years as 2017/18, not 2017-18",
        )
        return text, year.fillna(0).astype("int64")

    def sexes(self, column: str | None) -> pd.Series:
        text = self.text(column, "Persons")
        bad = ~text.isin(SEXES)
        self.flag(
            bad,
            column,
            "not a sex Pioneer can read",
            expected="one of " + ", ".join(SEXES),
            fix="use Persons for both sexes together",
        )
        return text

    def blank(self, series: pd.Series, column: str | None, what: str, fix: str) -> None:
        self.flag(series == "", column, f"the {what} is blank", fix=fix)


def _area_types_from_codes(codes: pd.Series) -> pd.Series:
    """Area types implied by GSS codes ("" where the code does not settle it).

    Unitary authorities, metropolitan districts and London boroughs (E06, E08, E09) are
    both districts and upper-tier authorities: they are ``District & UA`` unless the
    file holds counties (E10) and no shire districts (E07).
    """
    prefix = codes.str[:3]
    upper = prefix.eq("E10").any() and not prefix.eq("E07").any()
    table = {
        "E92": "England",
        "E12": "Region",
        "E10": "County & UA",
        "E07": "District & UA",
        "E47": "Combined authority",
        "E06": "County & UA" if upper else "District & UA",
        "E08": "County & UA" if upper else "District & UA",
        "E09": "County & UA" if upper else "District & UA",
    }
    return prefix.map(table).fillna("").astype("str")


_TYPES_OF_PREFIX: dict[str, tuple[str, ...]] = {
    "E92": ("England",),
    "E12": ("Region",),
    "E10": ("County & UA",),
    "E07": ("District & UA",),
    "E47": ("Combined authority",),
    "E06": ("County & UA", "District & UA"),
    "E08": ("County & UA", "District & UA"),
    "E09": ("County & UA", "District & UA"),
}


def _check_areas(
    cells: _Cells,
    codes: pd.Series,
    types: pd.Series,
    code_col: str,
    type_col: str | None,
    skip: pd.Series | None = None,
) -> None:
    """Codes must be GSS codes that fit their area type (site or comparator ids for those
    two area types). Rows in ``skip`` were already reported."""
    skip = skip if skip is not None else pd.Series(False, index=codes.index)
    named = types.isin(("Pioneer site", "Comparator group"))
    unique = pd.unique(codes)
    gss = codes.map({c: bool(_GSS.match(c)) for c in unique}).astype(bool)
    slug = codes.map({c: bool(_SLUG.match(c)) for c in unique}).astype(bool)
    blank = codes == ""
    cells.flag(
        ~skip & blank, code_col, "the area code is blank", fix="give every row its area's ONS code"
    )
    cells.flag(
        ~skip & ~blank & ~named & ~gss,
        code_col,
        "not an area code (ONS GSS code)",
        expected="a letter and eight digits, e.g. E06000001 (or a site id for a Pioneer site)",
        fix="use the area's ONS code; Fingertips exports give it in 'Area Code'",
    )
    cells.flag(
        ~skip & ~blank & named & ~slug,
        code_col,
        "not a site or comparator id",
        expected="a lower-case id such as 'leeds'",
        fix="use the programme registry's site id",
    )
    cells.flag(
        ~skip & (types != "") & ~types.isin(AREA_TYPES),
        type_col,
        "not an area type Pioneer holds",
        expected="one of " + ", ".join(AREA_TYPES),
        fix="use one of these area types, or leave the column out to infer it from the codes",
    )
    cells.flag(
        ~skip & (types == "") & gss,
        code_col,
        "the area type of this code cannot be told from the code",
        expected="a code of England (E92), a region (E12), a county (E10), a district or "
        "unitary authority (E06–E09) or a combined authority (E47)",
        fix="add an area_type column",
    )
    pairs = codes.str[:3] + "|" + types
    fits = pairs.isin([f"{p}|{t}" for p, allowed in _TYPES_OF_PREFIX.items() for t in allowed])
    geographic = types.isin(AREA_TYPES) & ~named
    cells.flag(
        ~skip & gss & geographic & ~fits,
        code_col,
        "the code does not fit the row's area type",
        expected="E92 codes for England, E12 for regions, E10 for counties, E07 for "
        "districts, E06/E08/E09 for unitary and metropolitan authorities, E47 for "
        "combined authorities",
        fix="check the area code and the area type",
    )


def _comparisons(text: pd.Series, notes: list[str]) -> pd.Series:
    """The publisher's comparison with England in our words ("" where not one of ours)."""
    lookup = {c.lower(): c for c in COMPARISONS}

    def one(value: str) -> str:
        clean = value.strip()
        if clean == "":
            return ""
        if clean.lower() in lookup:
            return lookup[clean.lower()]
        first = clean.split()[0].lower()
        return lookup.get(first, "")

    mapped = text.map(one).astype("str")
    dropped = sorted(set(text[(mapped == "") & (text.str.strip() != "")]))
    if dropped:
        notes.append(
            "comparisons not in Pioneer's vocabulary were left blank: " + _listing(dropped)
        )
    return mapped


def _check_limits(cells: _Cells, out: pd.DataFrame, columns: dict[str, str | None]) -> None:
    """Lower limits at or below the value, upper limits at or above it."""
    value = out["value"]
    tolerance = 1e-9 * value.abs().fillna(0)
    for limit, column in columns.items():
        if column is None:
            continue
        bound = out[limit]
        if limit.startswith("lower"):
            bad = (bound > value + tolerance).fillna(False)
            problem, expected = (
                "the lower limit is above the value",
                "a limit at or below the value",
            )
        else:
            bad = (bound < value - tolerance).fillna(False)
            problem, expected = (
                "the upper limit is below the value",
                "a limit at or above the value",
            )
        cells.flag(
            bad,
            column,
            problem,
            expected=expected,
            fix="check that the limit and value columns are not swapped or shifted",
        )


def _check_proportions(
    cells: _Cells, out: pd.DataFrame, statistics: pd.Series, numerator_col: str | None
) -> None:
    if numerator_col is None:
        return
    above = (statistics == "proportion") & (out["numerator"] > out["denominator"]).fillna(False)
    cells.flag(
        above,
        numerator_col,
        "the numerator is above the denominator, which a proportion cannot be",
        expected="a count no larger than the denominator",
        fix="check the numerator and denominator are not swapped",
    )


def _check_duplicates(cells: _Cells, out: pd.DataFrame, key: Sequence[str], column: str) -> None:
    duplicated = out.duplicated(list(key), keep="first")
    if not duplicated.any():
        return
    first_row = (
        pd.Series(cells.rows.to_numpy(), index=out.index)
        .groupby([out[k] for k in key], sort=False)
        .transform("first")
    )
    for index in np.flatnonzero(duplicated.to_numpy()):
        cells.problems.add(
            f"this indicator, area, period, sex and age already has a row (row "
            f"{int(first_row.iloc[index])})",
            row=int(cells.rows.iloc[index]),
            column=column,
            value=str(out["area_code"].iloc[index]) + " " + str(out["period"].iloc[index]),
            fix="keep one row per indicator, area, period, sex and age",
        )


def _finish(out: pd.DataFrame, path: Path, notes: Iterable[str]) -> pd.DataFrame:
    frame = normalise(out)
    frame.attrs["source"] = str(path)
    frame.attrs["notes"] = tuple(notes)
    return frame


def _catalogue(catalogue: Catalogue | None) -> Catalogue:
    return catalogue if catalogue is not None else catalogues.load()


def _override(indicator_id: str | None, cat: Catalogue, problems: Problems) -> Indicator | None:
    if indicator_id is None:
        return None
    try:
        return cat.get(indicator_id)
    except AnalysisError as exc:
        problems.add(
            f"indicator_id={indicator_id!r} is not in the catalogue: {exc}",
            fix="pass one of the catalogue's ids, or add the indicator to the catalogue",
        )
        return None


# ---------------------------------------------------------------------------
# Fingertips "Export data" CSV
# ---------------------------------------------------------------------------

_FT = {
    "Indicator ID": ("indicatorid",),
    "Area Code": ("areacode",),
    "Area Type": ("areatype",),
    "Sex": ("sex",),
    "Age": ("age",),
    "Time period": ("timeperiod",),
    "Value": ("value",),
}
_FT_OPTIONAL = {
    "area_name": ("areaname",),
    "category_type": ("categorytype",),
    "category": ("category",),
    "lower_95": ("lowerci95.0limit",),
    "upper_95": ("upperci95.0limit",),
    "lower_99_8": ("lowerci99.8limit",),
    "upper_99_8": ("upperci99.8limit",),
    "count": ("count",),
    "denominator": ("denominator",),
    "comparison": ("comparedtoenglandvalueorpercentiles",),
}


def _fingertips_area_type(name: str) -> str:
    """Pioneer's area type for a Fingertips area-type name ("" if none fits)."""
    lower = name.strip().lower()
    if lower == "england":
        return "England"
    if lower.startswith(("region", "regions")) and "nhs" not in lower:
        return "Region"
    if lower.startswith(("county", "counties", "upper tier")):
        return "County & UA"
    if lower.startswith(("district", "districts", "lower tier")):
        return "District & UA"
    if lower.startswith("combined authorit"):
        return "Combined authority"
    return ""


def read_fingertips(
    path: str | Path,
    indicator_id: str | None = None,
    *,
    categories: bool = False,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """Read a Fingertips "Export data" CSV into the indicator frame.

    Fingertips indicator ids are mapped to catalogue ids through the catalogue's
    ``fingertips_id``; a file of one indicator the catalogue does not know can be read
    under ``indicator_id``. Rows of inequality breakdowns (a ``Category``) are left out
    unless ``categories`` is true, when they are kept with ``category_type`` and
    ``category`` columns after the frame's own. The England comparison becomes
    ``fingertips_comparison``; ``Count`` becomes ``numerator``.
    """
    path = Path(path)
    cat = _catalogue(catalogue)
    problems = Problems(path)
    table = _table(path, problems)
    _require(table, _FT, problems)
    override = _override(indicator_id, cat, problems)
    problems.raise_if_any()
    col = {name: table.column(*keys) for name, keys in _FT.items()}
    opt = {name: table.column(*keys) for name, keys in _FT_OPTIONAL.items()}
    cells = _Cells(table, problems)
    notes: list[str] = []

    category_text = cells.text(opt["category_type"]) + cells.text(opt["category"])
    if not categories:
        has_category = category_text != ""
        if has_category.any():
            notes.append(
                f"left out {_rows(int(has_category.sum()))} of inequality breakdowns (a "
                "Category); pass categories=True to keep them"
            )
            cells.keep(~has_category)
        if len(cells) == 0:
            raise _fail(
                path,
                "every row is an inequality breakdown (has a Category)",
                column=opt["category"],
                fix="pass categories=True to import the breakdowns",
            )

    raw_ids = cells.text(col["Indicator ID"])
    ids = pd.to_numeric(raw_ids, errors="coerce")
    bad_id = ids.isna() | (ids != ids.round())
    cells.flag(
        bad_id,
        col["Indicator ID"],
        "not a Fingertips indicator id",
        expected="a whole number such as 22401",
    )
    distinct = sorted({int(i) for i in ids[~bad_id]})
    mapped = pd.Series("", index=cells.data.index, dtype="str")
    if override is not None:
        if len(distinct) > 1:
            problems.add(
                f"the file holds {len(distinct)} indicators "
                f"({_listing([str(d) for d in distinct])}) "
                f"but indicator_id={indicator_id!r} names one",
                column=col["Indicator ID"],
                fix="export one indicator per file, or add the others to the catalogue",
            )
            problems.raise_if_any()
        mapped[:] = override.id
        known_ft = cat.by_fingertips_id(distinct[0]) if len(distinct) == 1 else None
        if known_ft is not None and known_ft.id != override.id:
            notes.append(
                f"Fingertips indicator {distinct[0]} is {known_ft.id!r} in the catalogue; "
                f"imported as {override.id!r} as asked"
            )
    else:
        for fingertips_id in distinct:
            found = cat.by_fingertips_id(fingertips_id)
            rows = ids == fingertips_id
            if found is None:
                first = int(cells.rows[rows].iloc[0])
                problems.add(
                    f"Fingertips indicator {fingertips_id} is not in the catalogue "
                    f"({_rows(int(rows.sum()))})",
                    row=first,
                    column=col["Indicator ID"],
                    value=str(fingertips_id),
                    expected="one of the catalogue's Fingertips ids: "
                    + ", ".join(str(i.fingertips_id) for i in cat if i.fingertips_id),
                    fix="pass indicator_id=<catalogue id> to import it under a catalogue "
                    "indicator, or add it to the catalogue with this fingertips_id",
                )
            else:
                mapped[rows] = found.id

    out = pd.DataFrame(index=cells.data.index)
    out["indicator_id"] = mapped
    out["area_code"] = cells.text(col["Area Code"])
    out["area_name"] = cells.text(opt["area_name"])
    ft_types = cells.text(col["Area Type"])
    out["area_type"] = ft_types.map(_fingertips_area_type).astype("str")
    out["period"], out["year"] = cells.periods(col["Time period"])
    out["sex"] = cells.sexes(col["Sex"])
    out["age"] = cells.text(col["Age"])
    cells.blank(out["age"], col["Age"], "age", "give the age band, e.g. 'All ages' or '65+ yrs'")
    out["numerator"] = cells.number(opt["count"], count=True, what="a count")
    out["denominator"] = cells.number(opt["denominator"], count=True, what="a denominator")
    out["value"] = cells.number(col["Value"])
    for limit in LIMIT_COLUMNS:
        out[limit] = cells.number(opt[limit], what="a confidence limit")
    out["fingertips_comparison"] = _comparisons(cells.text(opt["comparison"]), notes)
    out["approximation"] = ""
    if categories:
        out["category_type"] = cells.text(opt["category_type"])
        out["category"] = cells.text(opt["category"])

    unknown_type = (out["area_type"] == "") & (ft_types != "")
    cells.flag(
        unknown_type,
        col["Area Type"],
        "not an area type Pioneer holds",
        expected="England, Region, County & UA, District & UA or Combined authority",
        fix="export the data for local authorities (Fingertips: choose 'Districts & UAs' "
        "or 'Counties & UAs' as the area type)",
    )
    cells.blank(ft_types, col["Area Type"], "area type", "export the file again from Fingertips")
    _check_areas(
        cells,
        out["area_code"],
        out["area_type"],
        col["Area Code"],
        None,
        skip=unknown_type | (ft_types == ""),
    )
    statistics = _lookup(out["indicator_id"], {i.id: i.statistic for i in cat}, "")
    _check_proportions(cells, out, statistics, opt["count"])
    _check_limits(cells, out, {k: opt[k] for k in LIMIT_COLUMNS})
    key = [*KEY_COLUMNS, *(CATEGORY_COLUMNS if categories else ())]
    _check_duplicates(cells, out, key, col["Area Code"])
    problems.raise_if_any()
    notes.insert(0, f"read {len(out)} rows from {path.name}")
    return _finish(out, path, notes)


# ---------------------------------------------------------------------------
# Tidy CSV (and the store's own file)
# ---------------------------------------------------------------------------

_TIDY_OPTIONAL = {
    "indicator_id": ("indicatorid",),
    "area_name": ("areaname",),
    "area_type": ("areatype",),
    "year": ("year",),
    "sex": ("sex",),
    "age": ("age",),
    "numerator": ("numerator",),
    "denominator": ("denominator",),
    "value": ("value",),
    "lower_95": ("lower95",),
    "upper_95": ("upper95",),
    "lower_99_8": ("lower998",),
    "upper_99_8": ("upper998",),
    "fingertips_comparison": ("fingertipscomparison",),
    "approximation": ("approximation",),
    "category_type": ("categorytype",),
    "category": ("category",),
}


def read_tidy(
    path: str | Path,
    indicator_id: str | None = None,
    *,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """Read a tidy CSV: ``area_code, period`` and either ``numerator, denominator`` or
    ``value`` (or all three), for the indicator ``indicator_id`` or an ``indicator_id``
    column.

    Optional columns: any other column of the indicator frame. ``sex`` defaults to
    Persons and ``age`` to the catalogue's age band; ``area_type`` is inferred from the
    area codes when absent. Without a ``value`` column, proportions and crude rates are
    computed from the counts (numerator / denominator × the catalogue's multiplier);
    other statistics need their value given.
    """
    return _read_tidy(Path(path), indicator_id, _catalogue(catalogue))


def read_indicator_frame(path: str | Path) -> pd.DataFrame:
    """Read a CSV of the indicator frame (the store's file) with every structural check
    but none against the catalogue, so indicators from a user's own catalogue load too."""
    return _read_tidy(Path(path), None, None)


def _read_tidy(path: Path, indicator_id: str | None, cat: Catalogue | None) -> pd.DataFrame:
    """The tidy reader; without a catalogue, indicator ids are only checked for form."""
    problems = Problems(path)
    table = _table(path, problems)
    required: dict[str, tuple[str, ...]] = {"area_code": ("areacode",), "period": ("period",)}
    if indicator_id is None:
        required["indicator_id"] = ("indicatorid",)
    _require(table, required, problems)
    opt = {name: table.column(*keys) for name, keys in _TIDY_OPTIONAL.items()}
    has_counts = opt["numerator"] is not None and opt["denominator"] is not None
    if not has_counts and opt["value"] is None:
        problems.add(
            "the file has neither numerator and denominator columns nor a value column",
            row=1,
            column="value",
            expected="numerator and denominator, or value",
            fix="add the counts (numerator, denominator) or the published value",
        )
    if cat is not None:
        _override(indicator_id, cat, problems)  # an unknown indicator_id= is a problem
    if indicator_id is not None and cat is None and not _SLUG.match(indicator_id):
        problems.add(f"indicator_id {indicator_id!r} is not a snake_case id")
    problems.raise_if_any()
    code_col = table.column("areacode") or "area_code"
    period_col = table.column("period") or "period"
    cells = _Cells(table, problems)
    notes: list[str] = []
    out = pd.DataFrame(index=cells.data.index)

    id_col = opt["indicator_id"]
    if id_col is not None:
        ids = cells.text(id_col)
        if indicator_id is None:
            cells.blank(ids, id_col, "indicator id", "give every row its catalogue indicator id")
        else:
            differs = (ids != "") & (ids != indicator_id)
            cells.flag(
                differs,
                id_col,
                f"the row's indicator differs from indicator_id={indicator_id!r}",
                fix="leave out indicator_id= or correct the column",
            )
    else:
        ids = pd.Series(indicator_id or "", index=cells.data.index, dtype=object)
    if indicator_id is not None:  # blank cells of an indicator_id column take the argument
        ids = ids.where(ids != "", indicator_id)
    if cat is not None:
        unknown = (ids != "") & ~ids.isin(cat.ids)
        for name in sorted(set(ids[unknown])):
            rows = cells.rows[ids == name]
            hint = _suggestion(name, cat.ids)
            problems.add(
                f"unknown indicator {name!r} ({_rows(len(rows))}){hint}",
                row=int(rows.iloc[0]),
                column=id_col,
                value=name,
                expected="a catalogue id: " + _listing(list(cat.ids)),
                fix="use a catalogue id, or add the indicator to the catalogue",
            )
    else:
        bad = (ids != "") & ~ids.str.fullmatch(_SLUG.pattern).fillna(False).astype(bool)
        cells.flag(bad, id_col, "not an indicator id", expected="a snake_case id such as falls65")
    indicators = {i.id: i for i in cat} if cat is not None else {}
    out["indicator_id"] = ids
    out["area_code"] = cells.text(code_col)
    out["area_name"] = cells.text(opt["area_name"])
    types = cells.text(opt["area_type"])
    inferred = _area_types_from_codes(out["area_code"])
    out["area_type"] = types.where(types != "", inferred)
    out["period"], out["year"] = cells.periods(period_col)
    if opt["year"] is not None:
        given = cells.number(opt["year"], what="a year")
        differs = given.notna() & (given != out["year"]) & (out["year"] != 0)
        cells.flag(
            differs,
            opt["year"],
            "the year is not the first year of the period",
            expected="the period's first calendar year (2017 for 2017/18)",
            fix="leave the year column out; Pioneer works it out",
        )
    out["sex"] = cells.sexes(opt["sex"])
    ages = cells.text(opt["age"])
    if opt["age"] is not None:
        cells.blank(ages, opt["age"], "age", "give the age band, e.g. 'All ages' or '65+ yrs'")
    default_age = _lookup(ids, {k: v.age for k, v in indicators.items()}, "All ages")
    out["age"] = ages.where(ages != "", default_age)
    out["numerator"] = cells.number(opt["numerator"], count=True, what="a count")
    out["denominator"] = cells.number(opt["denominator"], count=True, what="a count")
    out["value"] = cells.number(opt["value"])
    for limit in LIMIT_COLUMNS:
        out[limit] = cells.number(opt[limit], what="a confidence limit")
    comparison = cells.text(opt["fingertips_comparison"])
    out["fingertips_comparison"] = _comparisons(comparison, notes)
    out["approximation"] = cells.text(opt["approximation"])
    categories = [c for c in CATEGORY_COLUMNS if opt[c] is not None]
    for column in categories:
        out[column] = cells.text(opt[column])

    statistics = _lookup(ids, {k: v.statistic for k, v in indicators.items()}, "")
    if opt["value"] is None and has_counts:
        computable = statistics.isin(("proportion", "crude_rate"))
        cannot = ~computable & (ids != "") & ids.isin(list(indicators))
        for name in sorted(set(ids[cannot])):
            problems.add(
                f"indicator {name!r} is a {indicators[name].statistic} "
                "and its value cannot be worked out from one numerator and denominator",
                row=1,
                column="value",
                expected="a value column",
                fix="add the published value (and its limits) as a value column",
            )
        multiplier = ids.map({k: float(v.multiplier or 1) for k, v in indicators.items()})
        out["value"] = (out["numerator"] / out["denominator"] * multiplier).where(computable)
        out.loc[out["denominator"] == 0, "value"] = np.nan
        if computable.any():
            notes.append(
                f"value worked out from numerator / denominator for {int(computable.sum())} "
                "rows; limits were not computed (see pioneer.indicators.statistics)"
            )
    _check_areas(cells, out["area_code"], out["area_type"], code_col, opt["area_type"])
    _check_proportions(cells, out, statistics, opt["numerator"])
    _check_limits(cells, out, {k: opt[k] for k in LIMIT_COLUMNS})
    _check_duplicates(cells, out, [*KEY_COLUMNS, *categories], code_col)
    problems.raise_if_any()
    notes.insert(0, f"read {len(out)} rows from {path.name}")
    return _finish(out, path, notes)


def _suggestion(name: str, options: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


# ---------------------------------------------------------------------------
# The Fingertips extract in shared/data/fingertips-la-admissions/
# ---------------------------------------------------------------------------


def read_fingertips_extract(
    path: str | Path,
    indicator_id: str | None = None,
    *,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """Read a Fingertips extract of rates by local authority (the layout of
    ``shared/data/fingertips-la-admissions/``): ``area_code, area_name, period, value,
    indicator, measure, unit, significance``.

    The indicator comes from the ``indicator`` title (see :data:`EXTRACT_TITLES`) unless
    ``indicator_id`` is given. Sex is ``unit`` (always Persons), age the catalogue's;
    there are no counts or limits. England (E92) and combined-authority (E47) rows keep
    their area types; ``significance`` becomes ``fingertips_comparison``; NA values stay
    NaN.
    """
    path = Path(path)
    cat = _catalogue(catalogue)
    problems = Problems(path)
    table = _table(path, problems)
    _require(table, {c: (_key(c),) for c in EXTRACT_COLUMNS if c != "measure"}, problems)
    override = _override(indicator_id, cat, problems)
    problems.raise_if_any()
    col: dict[str, str] = {c: table.column(_key(c)) or c for c in EXTRACT_COLUMNS}
    cells = _Cells(table, problems)
    notes: list[str] = []
    titles = cells.text(col["indicator"])
    if override is not None:
        ids = pd.Series(override.id, index=cells.data.index, dtype="str")
    else:
        ids = titles.str.lower().map(EXTRACT_TITLES).fillna("").astype("str")
        unknown = (ids == "") | ~ids.isin(cat.ids)
        for title in sorted(set(titles[unknown])):
            rows = cells.rows[titles == title]
            problems.add(
                f"the indicator title is not one Pioneer knows ({_rows(len(rows))})",
                row=int(rows.iloc[0]),
                column=col["indicator"],
                value=title,
                expected="one of " + "; ".join(repr(t) for t in EXTRACT_TITLES),
                fix="pass indicator_id=<catalogue id> to say which indicator the file holds",
            )
    indicators = {i.id: i for i in cat}
    out = pd.DataFrame(index=cells.data.index)
    out["indicator_id"] = ids
    out["area_code"] = cells.text(col["area_code"])
    out["area_name"] = cells.text(col["area_name"])
    out["area_type"] = _area_types_from_codes(out["area_code"])
    out["period"], out["year"] = cells.periods(col["period"])
    out["sex"] = cells.sexes(col["unit"])
    out["age"] = _lookup(ids, {k: v.age for k, v in indicators.items()}, "")
    out["numerator"] = np.nan
    out["denominator"] = np.nan
    out["value"] = cells.number(col["value"], what="a rate")
    for limit in LIMIT_COLUMNS:
        out[limit] = np.nan
    out["fingertips_comparison"] = _comparisons(cells.text(col["significance"]), notes)
    out["approximation"] = ""
    _check_areas(cells, out["area_code"], out["area_type"], col["area_code"], None)
    _check_duplicates(cells, out, KEY_COLUMNS, col["area_code"])
    problems.raise_if_any()
    missing = int(out["value"].isna().sum())
    notes.insert(0, f"read {len(out)} rows from {path.name}")
    if missing:
        notes.append(f"{missing} rows have no value (suppressed by the publisher)")
    return _finish(out, path, notes)


# ---------------------------------------------------------------------------
# Any of them
# ---------------------------------------------------------------------------

FORMATS: dict[str, str] = {
    "fingertips": "Fingertips 'Export data' CSV (Indicator ID, Area Code, Time period, Value, ...)",
    "extract": "Fingertips extract (area_code, area_name, period, value, indicator, measure, "
    "unit, significance)",
    "tidy": "tidy CSV (area_code, period, numerator, denominator[, value][, indicator_id])",
}


def format_of(path: str | Path) -> str:
    """Which reader a file needs, from its header: ``fingertips``, ``extract`` or ``tidy``."""
    path = Path(path)
    text = _read_text(path)
    first = next(csv.reader(io.StringIO(text, newline="")), [])
    keys = {_key(c) for c in first}
    if "period" not in keys and len(keys & _FINGERTIPS_KEYS) >= 4 and "areacode" in keys:
        return "fingertips"
    if {"areacode", "period", "value", "indicator", "significance"} <= keys:
        return "extract"
    if {"areacode", "period"} <= keys:
        return "tidy"
    raise _fail(
        path,
        "cannot tell what kind of file this is from its header",
        row=1,
        value=_listing([c.strip() for c in first]),
        expected="one of: " + "; ".join(FORMATS.values()),
        fix="export the data from Fingertips, or write a tidy CSV with area_code and period",
    )


_FINGERTIPS_KEYS = frozenset(_key(c) for c in FINGERTIPS_COLUMNS)

_READERS: dict[str, Callable[..., pd.DataFrame]] = {
    "fingertips": read_fingertips,
    "extract": read_fingertips_extract,
    "tidy": read_tidy,
}


def read_any(
    path: str | Path,
    indicator_id: str | None = None,
    *,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """Read a file in whichever format its header shows (see :func:`format_of`)."""
    return _READERS[format_of(path)](path, indicator_id, catalogue=catalogue)


# ---------------------------------------------------------------------------
# The packaged real data
# ---------------------------------------------------------------------------

PACKAGED_FILE = "fingertips_la_admissions.csv"


def packaged() -> pd.DataFrame:
    """The real indicator set packaged with Pioneer: falls65, self_harm and alcohol_narrow
    for every English district (2018 codes), England and Greater Manchester, 2008/09–2017/18
    (see ``data/indicators/SOURCES.md``). A fresh copy on each call."""
    frame = _packaged().copy()
    frame.attrs.update(_packaged().attrs)
    return frame


@functools.cache
def _packaged() -> pd.DataFrame:
    resource = resources.files("pioneer") / "data" / "indicators" / PACKAGED_FILE
    with resources.as_file(resource) as path:
        frame = read_indicator_frame(path)
    frame.attrs["source"] = f"pioneer/data/indicators/{PACKAGED_FILE}"
    frame.attrs["notes"] = ()
    return frame


def to_csv_text(frame: pd.DataFrame) -> str:
    """The frame as CSV text (the store's and the packaged file's layout), row order kept."""
    out = normalise(frame)
    return out.to_csv(index=False, lineterminator="\n")
