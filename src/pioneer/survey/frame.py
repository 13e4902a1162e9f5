"""The tidy response frame: one row per respondent × item, pseudonymous ids only.

Columns (in this order):

``respondent_id``  one completed questionnaire in one wave (string)
``panel_id``       pseudonymous id linking the same key informant across waves
``wave``           survey year (int)
``site``           programme site id (``pioneer.programme`` ids, e.g. ``barnsley``)
``org_type``       organisation type code: ``CCG``, ``LA``, ``NHS provider``, ``Other``
``item``           variable code from the instrument (``progress.joined_up``)
``value``          the answer as a code (string); option codes for choices,
                   ``1``/``0`` for each option of tick-all and pick-N questions,
                   free text for open questions

A respondent who did not answer an item has no row for it. Names, e-mail
addresses and other contact details never enter this frame.
"""

from __future__ import annotations

import pandas as pd

from pioneer.errors import AnalysisError

COLUMNS: tuple[str, ...] = (
    "respondent_id",
    "panel_id",
    "wave",
    "site",
    "org_type",
    "item",
    "value",
)

#: Respondent-level columns (constant within a respondent).
RESPONDENT_COLUMNS: tuple[str, ...] = COLUMNS[:5]

ORG_TYPES: tuple[str, ...] = ("CCG", "LA", "NHS provider", "Other")

ORG_TYPE_LABELS: dict[str, str] = {
    "CCG": "Clinical Commissioning Group (CCG)",
    "LA": "Local Authority (LA)",
    "NHS provider": "NHS provider (e.g. primary care, acute trust)",
    "Other": "Other (e.g. Healthwatch, voluntary organisation, private provider)",
}

#: Columns of the mailing list: one row per invited key informant per wave.
MAILING_COLUMNS: tuple[str, ...] = ("wave", "panel_id", "site", "org_type", "outcome")
#: Outcomes of an invitation; participants are the ``complete`` ones.
OUTCOMES: tuple[str, ...] = ("complete", "partial", "no_response")

#: Value codes for the two options of a tick-all / pick-N variable.
SELECTED, NOT_SELECTED = "1", "0"


def empty() -> pd.DataFrame:
    """A response frame with no rows and the right dtypes."""
    return normalise(pd.DataFrame({c: [] for c in COLUMNS}))


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with exactly the response columns, in order, typed.

    ``wave`` becomes int64; every other column a string, except that
    categorical columns stay categorical (large frames keep their memory use
    low). Raises :class:`AnalysisError` naming any missing column.
    """
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise AnalysisError(
            f"a response frame needs the columns {list(COLUMNS)}; missing {missing}"
        )
    out = frame.loc[:, list(COLUMNS)].copy()
    out["wave"] = out["wave"].astype("int64")
    for column in COLUMNS:
        if column != "wave" and not isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype("string")
    return out.reset_index(drop=True)


def respondents(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per respondent with the respondent-level columns."""
    return (
        frame.loc[:, list(RESPONDENT_COLUMNS)]
        .drop_duplicates("respondent_id")
        .sort_values(["wave", "site", "respondent_id"])
        .reset_index(drop=True)
    )


def to_wide(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per respondent, one column per item (missing answers as <NA>)."""
    people = respondents(frame)
    answers = frame.pivot(index="respondent_id", columns="item", values="value")
    answers.columns.name = None
    wide = people.merge(answers, left_on="respondent_id", right_index=True, how="left")
    return wide.reset_index(drop=True)


def from_wide(wide: pd.DataFrame) -> pd.DataFrame:
    """Inverse of :func:`to_wide`: melt item columns, drop missing answers."""
    items = [c for c in wide.columns if c not in RESPONDENT_COLUMNS]
    long = wide.melt(
        id_vars=list(RESPONDENT_COLUMNS), value_vars=items, var_name="item", value_name="value"
    )
    long = long[long["value"].notna() & (long["value"].astype("string") != "")]
    return normalise(long)
