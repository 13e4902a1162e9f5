"""Write response frames to files for people and statistics packages.

- :func:`write_csv` and :func:`write_xlsx` write the long or the wide layout with every
  text cell neutralised against spreadsheet formula injection
  (:func:`pioneer.governance.spreadsheet.neutralise_formulas`): an answer typed as
  ``=SUM(A1)`` is written ``'=SUM(A1)``. Numbers stay numbers.
- :func:`write_spss` writes an SPSS ``.sav`` file in the wide layout, with variable and
  value labels from the instrument and names made from item codes by
  :func:`spss_name` (``progress.joined_up`` -> ``progress_joined_up``); the file reads
  back with :func:`pioneer.survey.imports.read_spss`.

Neutralised files are for reading, not for re-importing: the leading quote becomes part
of the text. Machines exchange the unneutralised long CSV of a workspace.

Each writer writes beside the target and moves the file into place when it is complete,
so a failed export never leaves half a file; each returns the path written.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from pioneer.errors import AnalysisError
from pioneer.governance.spreadsheet import neutralise_formulas
from pioneer.survey import frame as response_frame
from pioneer.survey import instrument as instruments
from pioneer.survey.instrument import Instrument

LAYOUTS: tuple[str, ...] = ("long", "wide")

#: Labels of the respondent columns in SPSS files.
PERSON_LABELS: dict[str, str] = {
    "respondent_id": "Respondent id (one completed questionnaire)",
    "panel_id": "Panel id (pseudonymous key informant)",
    "wave": "Survey wave (year)",
    "site": "Site (programme site id)",
    "org_type": "Organisation type",
}

_SPSS_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}\Z")
_SPSS_VARIABLE_LABEL_MAX = 255
_SPSS_VALUE_LABEL_MAX = 120
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def write_csv(
    frame: pd.DataFrame,
    path: str | Path,
    layout: str = "long",
    instrument: Instrument | str | None = None,
) -> Path:
    """Write ``frame`` as UTF-8 CSV (long or wide), text cells neutralised.

    With an ``instrument`` the wide layout lists items in questionnaire order.
    """
    table = neutralise_formulas(_layout(frame, layout, instrument))
    return _atomic(Path(path), lambda temp: table.to_csv(temp, index=False, lineterminator="\n"))


def write_xlsx(
    frame: pd.DataFrame,
    path: str | Path,
    layout: str = "long",
    instrument: Instrument | str | None = None,
) -> Path:
    """Write ``frame`` as an Excel workbook (sheet ``responses``), text cells neutralised.

    The wave is a number; in the wide layout tick-box columns (only ``1``/``0``) are
    numbers too, so they can be summed. Other answers are text.
    """
    from openpyxl import Workbook

    table = neutralise_formulas(_layout(frame, layout, instrument))
    flags = [
        c
        for c in table.columns
        if layout == "wide"
        and c not in response_frame.RESPONDENT_COLUMNS
        and table[c].dropna().isin(["0", "1"]).all()
        and table[c].notna().any()
    ]

    def cell(column: str, value: object) -> object:
        if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
            return None
        if column == "wave" or column in flags:
            return int(value)  # type: ignore[call-overload]
        text = str(value)
        return _ILLEGAL_XLSX.sub("\N{REPLACEMENT CHARACTER}", text)

    def save(temp: str) -> None:
        book = Workbook(write_only=True)
        sheet = book.create_sheet("responses")
        sheet.append(list(table.columns))
        columns = list(table.columns)
        for values in table.itertuples(index=False, name=None):
            sheet.append([cell(c, v) for c, v in zip(columns, values, strict=True)])
        book.save(temp)

    return _atomic(Path(path), save)


def spss_name(code: str) -> str:
    """The SPSS (and Stata) variable name of an item code: ``.`` becomes ``_``."""
    return code.replace(".", "_")


def spss_names(instrument: Instrument | str) -> dict[str, str]:
    """Item code -> SPSS variable name for every item of ``instrument``, checked unique."""
    ins = _instrument(instrument)
    names = {code: spss_name(code) for code in ins.items()}
    seen: dict[str, str] = {}
    for code, name in names.items():
        if not _SPSS_NAME.fullmatch(name) or name.lower() in response_frame.RESPONDENT_COLUMNS:
            raise AnalysisError(f"item {code!r} gives {name!r}, which SPSS cannot use as a name")
        if name.lower() in seen:
            raise AnalysisError(
                f"items {seen[name.lower()]!r} and {code!r} both become SPSS variable {name!r}"
            )
        seen[name.lower()] = code
    return names


def write_spss(frame: pd.DataFrame, path: str | Path, instrument: Instrument | str) -> Path:
    """Write ``frame`` as an SPSS ``.sav`` file: one case per respondent, wide.

    Every item of the instrument gets a variable (in questionnaire order), named by
    :func:`spss_name`, labelled with its wording. Choice answers are numbered 1, 2, ...
    in the instrument's order, with the option labels as value labels; tick boxes are
    1/0 labelled Selected / Not selected; open text is a string. Text is not
    neutralised (SPSS does not run formulas).
    """
    import pyreadstat

    ins = _instrument(instrument)
    names = spss_names(ins)
    long = response_frame.normalise(frame)
    waves = sorted(set(long["wave"].tolist()))
    if waves and waves != [ins.wave]:
        raise AnalysisError(
            f"the frame holds waves {waves} but instrument {ins.id} is for {ins.wave}. "
            "Fix: export one wave at a time with its instrument"
        )
    unknown = sorted(set(long["item"].astype(str)) - set(names))
    if unknown:
        raise AnalysisError(
            f"the frame holds items that instrument {ins.id} does not define: "
            f"{', '.join(unknown[:5])}. Fix: export with the instrument of the frame's wave"
        )
    wide = response_frame.to_wide(long) if len(long) else pd.DataFrame()
    out = pd.DataFrame(index=range(len(wide)))
    for column in response_frame.RESPONDENT_COLUMNS:
        series = wide[column] if column in wide else pd.Series([], dtype="string")
        if column == "wave":
            out[column] = pd.Series(series.to_numpy(dtype="float64"))
        else:
            out[column] = pd.Series([str(v) for v in series], dtype=object)
    labels = [PERSON_LABELS[c] for c in response_frame.RESPONDENT_COLUMNS]
    value_labels: dict[str, dict[float | int, str]] = {}
    measure: dict[str, str] = {"wave": "scale"}
    items = ins.items()
    for code, variable in items.items():
        name = names[code]
        answers = wide[code] if code in wide else pd.Series([pd.NA] * len(wide), dtype="string")
        if variable.kind == "text":
            out[name] = pd.Series([a if isinstance(a, str) else "" for a in answers], dtype=object)
        else:
            numbers = _numbering(variable.values, variable.kind)
            out[name] = pd.Series(
                [numbers.get(a) if isinstance(a, str) else None for a in answers],
                dtype="float64",
            )
            value_labels[name] = _value_labels(variable.labels, numbers)
        measure[name] = "nominal"
        question = ins.question(variable.question)
        label = (
            variable.label
            if len(question.variables) == 1
            else (f"{question.text} - {variable.label}")
        )
        labels.append(_cut(label, _SPSS_VARIABLE_LABEL_MAX))
    for column in ("respondent_id", "panel_id", "site", "org_type"):
        measure[column] = "nominal"

    def save(temp: str) -> None:
        pyreadstat.write_sav(
            out,
            temp,
            file_label=_cut(f"{ins.id}: {ins.title}", 64),
            column_labels=labels,
            variable_value_labels=value_labels,
            variable_measure=measure,
        )

    return _atomic(Path(path), save, suffix=".sav")


def _numbering(values: tuple[str, ...], kind: str) -> dict[str, int]:
    """Answer code -> number stored in SPSS: flags keep 1/0, choices count from 1."""
    if kind == "flag":
        return {"1": 1, "0": 0}
    return {code: number for number, code in enumerate(values, start=1)}


def _value_labels(labels: dict[str, str], numbers: dict[str, int]) -> dict[float | int, str]:
    """Number -> label, made unique (a repeated label gets its code appended)."""
    texts = [labels.get(code, code) for code in numbers]
    out: dict[float | int, str] = {}
    for code, number in numbers.items():
        text = labels.get(code, code)
        if texts.count(text) > 1:
            text = f"{text} ({code})"
        out[number] = _cut(text, _SPSS_VALUE_LABEL_MAX)
    return out


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _instrument(instrument: Instrument | str) -> Instrument:
    return instruments.load(instrument) if isinstance(instrument, str) else instrument


def _layout(frame: pd.DataFrame, layout: str, instrument: Instrument | str | None) -> pd.DataFrame:
    """The long frame, or its wide form (items in questionnaire order if known)."""
    if layout not in LAYOUTS:
        raise AnalysisError(f"unknown layout {layout!r}. Fix: use one of {', '.join(LAYOUTS)}")
    long = response_frame.normalise(frame)
    if layout == "long":
        return long
    wide = (
        response_frame.to_wide(long)
        if len(long)
        else pd.DataFrame(columns=list(response_frame.RESPONDENT_COLUMNS))
    )
    items = [c for c in wide.columns if c not in response_frame.RESPONDENT_COLUMNS]
    if instrument is not None:
        order = {code: i for i, code in enumerate(_instrument(instrument).items())}
        items.sort(key=lambda c: (order.get(c, len(order)), c))
    return wide.loc[:, [*response_frame.RESPONDENT_COLUMNS, *items]]


def _atomic(path: Path, write: Callable[[str], object], suffix: str | None = None) -> Path:
    """Run ``write`` on a temporary file beside ``path``, then move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=suffix or path.suffix or ".tmp"
    )
    os.close(handle)
    try:
        write(temp)
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
