"""Live response rates while a wave is in the field (Table I style), from invitation records.

The input is an *invitations frame*: one row per invitation (one key informant invited to
one survey wave) with the columns

``site``            programme site id
``org_type``        organisation type (``CCG``, ``LA``, ``NHS provider``, ``Other``)
``status``          ``not_started``, ``partial`` (answers saved, not submitted) or ``complete``
``reminders_sent``  reminders sent so far (whole number, 0 or more)

and optionally ``wave`` (survey year) and ``panel_id``. No names or e-mail addresses are
needed, and none should be passed.

:func:`response_rates` counts, per cell: ``base`` (invited), ``n`` (completed),
``partial`` (started but not submitted), ``percent`` (response rate, completed/invited,
with a Wilson interval) and ``reminders_sent`` (messages, not people). The statistic names
are those of :func:`pioneer.survey.tables.fieldwork`, so the two tables line up.
:func:`mailing_list` turns the invitations into the mailing list the analysis tables take.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd

from pioneer.errors import AnalysisError
from pioneer.fielding.reminders import STATUSES
from pioneer.governance.disclosure import DEFAULT_THRESHOLD, suppress_small_counts
from pioneer.results import Layout, Suppression, TableResult
from pioneer.survey import frame as response_frame
from pioneer.survey import inference

#: Columns an invitations frame must have (``wave`` and ``panel_id`` are optional).
INVITATION_COLUMNS: tuple[str, ...] = ("site", "org_type", "status", "reminders_sent")
#: Invitation status -> outcome on the mailing list (``pioneer.survey.frame.OUTCOMES``).
OUTCOME_OF_STATUS: dict[str, str] = {
    "not_started": "no_response",
    "partial": "partial",
    "complete": "complete",
}
_BY = ("site", "org_type")


def _check(invitations: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in INVITATION_COLUMNS if c not in invitations.columns]
    if missing:
        raise AnalysisError(
            f"the invitations frame needs the columns {list(INVITATION_COLUMNS)}; "
            f"missing {missing}; fix: select them from the invitation records"
        )
    keep = [c for c in ("wave", "panel_id", *INVITATION_COLUMNS) if c in invitations.columns]
    out = invitations.loc[:, keep].copy().reset_index(drop=True)
    for column in ("site", "org_type", "status", *(["panel_id"] if "panel_id" in keep else [])):
        out[column] = out[column].astype("string")
    checks = (
        ("status", STATUSES, "record each invitation's status with one of those codes"),
        ("org_type", response_frame.ORG_TYPES, "correct the contact's organisation type"),
    )
    for column, allowed, fix in checks:
        bad = ~out[column].isin(list(allowed))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise AnalysisError(
                f"invitations row {row + 1}, column {column!r}: found "
                f"{out[column].iloc[row]!r}; expected one of {list(allowed)}; fix: {fix}"
            )
    if out["site"].isna().any():
        row = int(np.flatnonzero(out["site"].isna().to_numpy())[0])
        raise AnalysisError(
            f"invitations row {row + 1}, column 'site': the site is missing; "
            "fix: every invitation belongs to one site"
        )
    sent = pd.to_numeric(out["reminders_sent"], errors="coerce")
    bad = sent.isna() | (sent < 0) | (sent != sent.round())
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise AnalysisError(
            f"invitations row {row + 1}, column 'reminders_sent': found "
            f"{out['reminders_sent'].iloc[row]!r}; expected a whole number, 0 or more"
        )
    out["reminders_sent"] = sent.astype("int64")
    if "wave" in keep:
        out["wave"] = pd.to_numeric(out["wave"]).astype("int64")
    return out


def mailing_list(invitations: pd.DataFrame, *, wave: int | None = None) -> pd.DataFrame:
    """The mailing list (``pioneer.survey.frame.MAILING_COLUMNS``) for Table I and panels.

    ``wave`` fills the wave column when the invitations frame has none.
    """
    out = _check(invitations)
    if "wave" not in out.columns:
        if wave is None:
            raise AnalysisError(
                "the invitations frame has no 'wave' column; fix: pass wave=<survey year>"
            )
        out["wave"] = int(wave)
    elif wave is not None:
        out = out[out["wave"] == int(wave)]
    if "panel_id" not in out.columns:
        out["panel_id"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out["outcome"] = out["status"].map(OUTCOME_OF_STATUS).astype("string")
    return out.loc[:, list(response_frame.MAILING_COLUMNS)].reset_index(drop=True)


def response_rates(
    invitations: pd.DataFrame,
    *,
    by: str | Sequence[str] = _BY,
    sites: Collection[str] | None = None,
    wave: int | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    confidence: float = 0.95,
) -> TableResult:
    """Invited, completed, started-not-completed, response rate and reminders, per cell.

    ``by`` splits by ``site`` and/or ``org_type`` (``()`` for one overall row); a
    ``wave`` column, when present, always splits too. ``sites`` keeps only those sites —
    the scope of a site lead, applied before counting so nothing else is seen. ``wave``
    keeps one survey wave. Counts of 1 to ``threshold - 1`` are suppressed as in
    Table I: ``base``, ``n`` and every figure on their row together, ``partial`` on its
    own; ``threshold=0`` shows everything (researchers following fieldwork).
    """
    keys_by = (by,) if isinstance(by, str) else tuple(by)
    if any(b not in _BY for b in keys_by) or len(set(keys_by)) != len(keys_by):
        raise AnalysisError(
            f"response rates can be split by 'site' and/or 'org_type'; got {list(keys_by)}"
        )
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
        raise AnalysisError(f"threshold must be a whole number, 0 or more; got {threshold!r}")
    if not 0 < float(confidence) < 1:
        raise AnalysisError(f"confidence must lie strictly between 0 and 1; got {confidence!r}")
    data = _check(invitations)
    notes: list[str] = []
    if wave is not None:
        if "wave" not in data.columns:
            raise AnalysisError("wave= was given but the invitations frame has no 'wave' column")
        data = data[data["wave"] == int(wave)]
    if sites is not None:
        if isinstance(sites, str):
            sites = [sites]
        data = data[data["site"].isin(list(sites))]
        notes.append(f"Limited to site(s): {', '.join(sorted(sites))}.")
    keys = (["wave"] if "wave" in data.columns else []) + list(keys_by)

    data = data.assign(
        _complete=(data["status"] == "complete").astype("int64"),
        _partial=(data["status"] == "partial").astype("int64"),
        _one=1,
    )
    if keys:
        grouped = data.groupby(keys, sort=False, dropna=False)
        table = pd.DataFrame(
            {
                "base": grouped["_one"].sum(),
                "n": grouped["_complete"].sum(),
                "partial": grouped["_partial"].sum(),
                "reminders_sent": grouped["reminders_sent"].sum(),
            }
        ).reset_index()
        table = _ordered(table, keys)
    else:
        table = pd.DataFrame(
            {
                "base": [int(data["_one"].sum())],
                "n": [int(data["_complete"].sum())],
                "partial": [int(data["_partial"].sum())],
                "reminders_sent": [int(data["reminders_sent"].sum())],
            }
        )
    n = table["n"].to_numpy(dtype=float)
    base = table["base"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["percent"] = np.where(base > 0, 100.0 * n / base, np.nan)
    if len(table):
        lower, upper = inference.wilson_interval(n, base, float(confidence))
        table["ci_lower"] = 100.0 * np.asarray(lower, dtype=float)
        table["ci_upper"] = 100.0 * np.asarray(upper, dtype=float)
    else:  # no invitations in scope (a site with none yet): an empty table
        table["ci_lower"] = table["ci_upper"] = np.empty(0, dtype=float)
    table = table.loc[
        :, [*keys, "base", "n", "partial", "percent", "ci_lower", "ci_upper", "reminders_sent"]
    ]
    if "site" in keys:
        table["site"] = table["site"].astype("string")
    if "org_type" in keys:  # categorical, so renderers keep the glossary's order
        table["org_type"] = pd.Categorical(
            table["org_type"].astype(str), categories=list(response_frame.ORG_TYPES)
        )

    shown, first = suppress_small_counts(
        table,
        ["n", "base"],
        threshold=threshold,
        dependent_columns=["percent", "ci_lower", "ci_upper", "reminders_sent"],
    )
    shown, second = suppress_small_counts(shown, ["partial"], threshold=threshold)
    for column in ("base", "n", "partial", "reminders_sent"):
        shown[column] = pd.to_numeric(shown[column]).astype("Int64")
    for column in ("percent", "ci_lower", "ci_upper"):
        shown[column] = pd.to_numeric(shown[column]).astype("Float64")
    suppression = Suppression(
        threshold=threshold,
        cells_suppressed=first.cells_suppressed + second.cells_suppressed,
        columns=("n", "base", "partial"),
    )
    level = f"{float(confidence) * 100:g}%"
    return TableResult(
        name="response_rates" if not keys_by else f"response_rates_by_{'_'.join(keys_by)}",
        title="Invitations, responses and response rate"
        + (f" by {' and '.join(k.replace('_', ' ') for k in keys_by)}" if keys_by else ""),
        frame=shown.reset_index(drop=True),
        method=(
            "Response rate = completed questionnaires / invitations (the base). "
            "Started = answers saved but not submitted. "
            f"{level} Wilson score intervals (Wilson 1927)."
        ),
        notes=tuple(notes),
        suppression=suppression,
        source="Invitation records of the fielding system (live)",
        layout=Layout(
            rows=tuple(keys),
            values=("base", "n", "partial", "percent", "reminders_sent"),
            headings=(
                ("base", "Invited n"),
                ("n", "Completed n"),
                ("partial", "Started, not completed n"),
                ("percent", "Response rate %"),
                ("reminders_sent", "Reminders sent"),
            ),
        ),
        options={
            "by": keys_by,
            "sites": None if sites is None else tuple(sorted(sites)),
            "wave": wave,
            "threshold": threshold,
            "confidence": float(confidence),
        },
    )


def _ordered(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows by wave, then site name, then organisation type in the glossary's order."""
    rank = {code: i for i, code in enumerate(response_frame.ORG_TYPES)}
    sort = table.copy()
    columns = []
    for key in keys:
        if key == "org_type":
            sort["_org_rank"] = sort["org_type"].map(rank)
            columns.append("_org_rank")
        else:
            columns.append(key)
    order = sort.sort_values(columns, kind="stable").index
    return table.loc[order].reset_index(drop=True)
