"""A workspace: one programme's survey data as a folder of tidy CSV files.

Until the web application's database arrives, the ``pioneer`` command reads and
writes a workspace. Files:

``responses.csv``     the long response frame (``pioneer.survey.frame.COLUMNS``)
``mailing_list.csv``  one row per invited key informant per wave (``MAILING_COLUMNS``)
``waves.csv``         one row per survey wave (``WAVE_COLUMNS``)

Writes are all-or-nothing: files are written beside their targets and moved into
place only when every one of them has been written.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pioneer.errors import DataFileError
from pioneer.survey import frame as response_frame

MAILING_COLUMNS = response_frame.MAILING_COLUMNS
WAVE_COLUMNS: tuple[str, ...] = (
    "wave",
    "instrument",
    "fieldwork_start",
    "fieldwork_end",
    "period_label",
)
FILES = {"responses": "responses.csv", "mailing_list": "mailing_list.csv", "waves": "waves.csv"}
DEFAULT_PATH = Path("workspace")


@dataclass(frozen=True, eq=False)
class SurveyData:
    """The survey data of one programme: responses, mailing lists and waves."""

    responses: pd.DataFrame
    mailing_list: pd.DataFrame
    waves: pd.DataFrame

    def __post_init__(self) -> None:
        for name, columns in (("mailing_list", MAILING_COLUMNS), ("waves", WAVE_COLUMNS)):
            missing = [c for c in columns if c not in getattr(self, name).columns]
            if missing:
                raise ValueError(f"{name} lacks the columns {missing}")

    def wave_numbers(self) -> tuple[int, ...]:
        return tuple(sorted(int(w) for w in self.waves["wave"]))


def empty() -> SurveyData:
    """A workspace with no waves, for a programme's first import."""

    def table(columns: tuple[str, ...]) -> pd.DataFrame:
        return pd.DataFrame(
            {c: pd.Series([], dtype="int64" if c == "wave" else "string") for c in columns}
        )

    return SurveyData(
        responses=response_frame.empty(),
        mailing_list=table(MAILING_COLUMNS),
        waves=table(WAVE_COLUMNS),
    )


def load_or_empty(path: str | Path = DEFAULT_PATH) -> SurveyData:
    """The workspace at ``path``, or an empty one when the folder does not exist yet."""
    return load(path) if Path(path).exists() else empty()


def load(path: str | Path = DEFAULT_PATH) -> SurveyData:
    """Read a workspace folder; names the missing file and how to make one."""
    root = Path(path)
    if not root.is_dir():
        raise DataFileError(
            root,
            "no workspace folder here",
            fix="run `pioneer demo` to build the demo workspace, or pass --workspace PATH",
        )
    tables = {}
    for key, filename in FILES.items():
        file = root / filename
        if not file.is_file():
            raise DataFileError(
                file, "the workspace has no such file", fix="rebuild it with `pioneer demo`"
            )
        tables[key] = pd.read_csv(file, dtype=str, keep_default_na=False, na_values=[""])
    responses = response_frame.normalise(tables["responses"])
    mailing = tables["mailing_list"]
    waves = tables["waves"]
    for table, file in ((mailing, FILES["mailing_list"]), (waves, FILES["waves"])):
        if "wave" in table.columns:
            bad = ~table["wave"].fillna("").str.fullmatch(r"\d{4}")
            if bad.any():
                row = int(bad.to_numpy().argmax()) + 2
                raise DataFileError(
                    root / file,
                    "the wave must be a four-digit survey year",
                    row=row,
                    column="wave",
                    value=table["wave"].iloc[row - 2],
                )
            table["wave"] = table["wave"].astype("int64")
    return SurveyData(responses=responses, mailing_list=mailing, waves=waves)


def save(data: SurveyData, path: str | Path = DEFAULT_PATH) -> list[Path]:
    """Write the workspace atomically (all files or none); returns the paths written."""
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    frames = {
        "responses": response_frame.normalise(data.responses),
        "mailing_list": data.mailing_list.loc[:, list(MAILING_COLUMNS)],
        "waves": data.waves.loc[:, list(WAVE_COLUMNS)],
    }
    staged: list[tuple[Path, Path]] = []
    try:
        for key, table in frames.items():
            target = root / FILES[key]
            handle, temp = tempfile.mkstemp(dir=root, prefix=f".{target.name}.", suffix=".tmp")
            os.close(handle)
            table.to_csv(temp, index=False, lineterminator="\n")
            staged.append((Path(temp), target))
    except BaseException:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        raise
    for temp, target in staged:
        temp.replace(target)
    return [target for _, target in staged]


def with_wave(data: SurveyData, responses: pd.DataFrame, *, replace: bool = False) -> SurveyData:
    """Add one imported wave of responses; refuses to overwrite a wave unless ``replace``."""
    incoming = response_frame.normalise(responses)
    waves = sorted(incoming["wave"].unique().tolist())
    existing = set(data.responses["wave"].unique().tolist())
    clash = [w for w in waves if w in existing]
    if clash and not replace:
        raise DataFileError(
            "workspace",
            f"wave {clash[0]} already has responses",
            fix="pass --replace to overwrite that wave's responses",
        )
    kept = data.responses[~data.responses["wave"].isin(waves)]
    merged = pd.concat([kept, incoming], ignore_index=True)
    wave_rows = data.waves
    for wave in waves:
        if wave not in set(wave_rows["wave"].tolist()):
            row = pd.DataFrame(
                [
                    {
                        "wave": wave,
                        "instrument": f"ki{wave}",
                        "fieldwork_start": "",
                        "fieldwork_end": "",
                        "period_label": str(wave),
                    }
                ]
            )
            wave_rows = pd.concat([wave_rows, row], ignore_index=True)
    return SurveyData(
        responses=response_frame.normalise(merged),
        mailing_list=data.mailing_list,
        waves=wave_rows.astype({"wave": "int64"}).sort_values("wave").reset_index(drop=True),
    )
