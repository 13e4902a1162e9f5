"""Panel membership and site coverage across survey waves.

A key informant is linked across waves by their pseudonymous ``panel_id``; a
*panel member* is one who completed the questionnaire in two or more waves
(or in at least a given number of waves). These helpers work on the long
response frame of :mod:`pioneer.survey.frame` and look only at who responded
in which wave, never at the answers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pioneer.errors import AnalysisError
from pioneer.survey import frame as response_frame


def attendance(responses: pd.DataFrame) -> pd.DataFrame:
    """One row per respondent: ``respondent_id, panel_id, wave, site, org_type``.

    Checks that each respondent belongs to one wave, site and organisation
    type, and that no key informant answered twice in the same wave: the
    panel analyses pair answers by ``panel_id`` and would be wrong otherwise.
    Respondents without a ``panel_id`` are kept (they count in their wave but
    cannot be linked across waves).
    """
    missing = [c for c in response_frame.RESPONDENT_COLUMNS if c not in responses.columns]
    if missing:
        raise AnalysisError(
            f"a response frame needs the columns {list(response_frame.COLUMNS)}; missing {missing}"
        )
    # De-duplicate before the string cast: on categorical columns this hashes integer
    # codes, and the cast then touches one row per respondent instead of one per answer.
    people = _first_rows(responses.loc[:, list(response_frame.RESPONDENT_COLUMNS)])
    people["wave"] = people["wave"].astype("int64")
    for column in ("respondent_id", "panel_id", "site", "org_type"):
        people[column] = people[column].astype("string")
    people = people.drop_duplicates()
    clash = people["respondent_id"].duplicated(keep=False)
    if clash.any():
        bad = people.loc[clash].sort_values("respondent_id").iloc[0]
        raise AnalysisError(
            f"respondent {bad['respondent_id']!r} has more than one wave, site, panel id or "
            "organisation type in the response frame; fix: give each completed "
            "questionnaire its own respondent_id and one set of respondent attributes"
        )
    linked = people[people["panel_id"].notna()]
    twice = linked.duplicated(["panel_id", "wave"], keep=False)
    if twice.any():
        bad = linked.loc[twice].sort_values(["wave", "panel_id"]).iloc[0]
        raise AnalysisError(
            f"panel id {bad['panel_id']!r} has more than one respondent in wave "
            f"{int(bad['wave'])}; a key informant answers once per wave; fix: keep one "
            "questionnaire per informant and wave (for example the most complete) or give "
            "the other a different panel id"
        )
    return people.sort_values(["wave", "site", "respondent_id"]).reset_index(drop=True)


def _first_rows(people: pd.DataFrame) -> pd.DataFrame:
    """Distinct respondent rows, found on integer codes when ``respondent_id`` is categorical.

    With a categorical id, each row is compared with the first row of its respondent: rows
    that agree are dropped, rows that differ are kept so that the clash check below sees
    them. Otherwise (or when a column has no compact codes) this is ``drop_duplicates``.
    """
    ids = people["respondent_id"]
    if not isinstance(ids.dtype, pd.CategoricalDtype) or ids.isna().any():
        return people.drop_duplicates().copy()
    codes = ids.cat.codes.to_numpy()
    n = len(codes)
    starts = np.flatnonzero(~pd.Series(codes).duplicated().to_numpy())
    first = np.full(len(ids.cat.categories), n, dtype=np.int64)
    first[codes[starts]] = starts
    first_of_row = first[codes]
    differs = np.zeros(n, dtype=bool)
    for column in people.columns.drop("respondent_id"):
        values = people[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            array = values.cat.codes.to_numpy()
        else:
            array = values.to_numpy()
            if array.dtype == object:
                return people.drop_duplicates().copy()
        differs |= array != array[first_of_row]
    keep = differs | (first_of_row == np.arange(n))
    return people.loc[keep].drop_duplicates().copy()


def panel_members(responses: pd.DataFrame, min_waves: int = 2) -> pd.DataFrame:
    """Key informants who responded in at least ``min_waves`` waves.

    Returns ``panel_id, n_waves, waves`` (``waves`` a sorted tuple of survey
    years), sorted by ``panel_id``.
    """
    if isinstance(min_waves, bool) or not isinstance(min_waves, int) or min_waves < 1:
        raise AnalysisError(
            f"min_waves must be a whole number of waves, 1 or more; got {min_waves!r}"
        )
    people = attendance(responses)
    people = people[people["panel_id"].notna()]
    grouped = people.groupby("panel_id", sort=True)["wave"]
    out = pd.DataFrame(
        {
            "panel_id": pd.Series(grouped.size().index, dtype="string"),
            "n_waves": grouped.nunique().to_numpy().astype("int64"),
            "waves": [tuple(sorted(int(w) for w in set(ws))) for _, ws in grouped],
        }
    )
    return out[out["n_waves"] >= min_waves].reset_index(drop=True)


def panel_counts(responses: pd.DataFrame) -> pd.DataFrame:
    """How many key informants responded in exactly 1, 2, … waves.

    Returns ``n_waves, informants`` with one row for every count from 1 to the
    number of waves in the frame (zeros included). Respondents without a
    ``panel_id`` count as single-wave informants.
    """
    people = attendance(responses)
    n_waves_total = int(people["wave"].nunique())
    linked = people[people["panel_id"].notna()]
    per_informant = linked.groupby("panel_id")["wave"].nunique()
    counts = per_informant.value_counts()
    unlinked = int(people["panel_id"].isna().sum())
    rows = []
    for k in range(1, n_waves_total + 1):
        informants = int(counts.get(k, 0)) + (unlinked if k == 1 else 0)
        rows.append({"n_waves": k, "informants": informants})
    return pd.DataFrame(rows, columns=["n_waves", "informants"]).astype("int64")


def sites_covered(responses: pd.DataFrame, sites: object = None) -> pd.DataFrame:
    """Per wave, the number of sites with at least one respondent.

    Returns ``wave, sites, respondents`` and, when ``sites`` (an iterable of
    all the programme's site ids) is given, ``missing``: a tuple of the site
    ids with no respondent that wave.
    """
    people = attendance(responses)
    rows = []
    all_sites = None if sites is None else sorted({str(s) for s in sites})
    for wave, group in people.groupby("wave", sort=True):
        present = set(group["site"].dropna())
        row: dict[str, object] = {
            "wave": int(wave),
            "sites": len(present),
            "respondents": len(group),
        }
        if all_sites is not None:
            row["missing"] = tuple(s for s in all_sites if s not in present)
        rows.append(row)
    columns = ["wave", "sites", "respondents"] + ([] if all_sites is None else ["missing"])
    out = pd.DataFrame(rows, columns=columns)
    for column in ("wave", "sites", "respondents"):
        out[column] = out[column].astype("int64")
    return out
