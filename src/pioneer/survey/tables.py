"""The key-informant analysis tables: the 2019 paper's Tables I–V and Figures 1–3.

Each function takes respondent-level data (the long response frame of
:mod:`pioneer.survey.frame`, the mailing list and the waves frame of a workspace)
and returns a :class:`~pioneer.results.TableResult` whose tidy ``frame`` holds the
dimension columns followed by ``n``, ``base``, ``percent``, ``ci_lower`` and
``ci_upper`` (percentages 0–100). The published arrangement is in ``layout``;
the options used in ``options``; the paper table mirrored in ``source``.

Options shared by every table (keyword-only):

``panel_only``   ``False``; ``True`` keeps panel members (informants who responded
                 in two or more waves of the frame given); a number *k* keeps those
                 who responded in at least *k* waves.
``site_weights`` ``"none"``, or ``"equal"`` so that every site counts equally within
                 a wave (each respondent weighted 1 / number of respondents from the
                 same site in the base); intervals then come from
                 :func:`pioneer.survey.inference.weighted_proportion`, clustered by site.
``threshold``    small-number suppression (:mod:`pioneer.governance.disclosure`);
                 ``0`` shows every count (used to reproduce the published tables).
``confidence``   level of the intervals, 0.95 by default.
``instrument``   optional: an instrument (or a mapping/sequence of them, one per
                 wave) giving the item order, the scale order and the labels.

For several tables from one large frame, call :func:`prepare` once and pass its
result in place of the response frame: the respondent table and the integer codes
are then built once instead of in every call (results are the same).

Item codes and scales follow ``notes/itemcodes.md``: grid rows are ``question.row``
items valued with scale codes; tick-all and pick-N options are ``question.option``
items valued ``"1"``/``"0"``.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from pioneer.errors import AnalysisError, PioneerError
from pioneer.governance.disclosure import DEFAULT_THRESHOLD, suppress_small_counts
from pioneer.results import Layout, Suppression, TableResult
from pioneer.survey import frame as response_frame
from pioneer.survey import inference
from pioneer.survey import panel as survey_panel

PAPER = "Erens et al. (2019), J. Integrated Care (000_9191d1decfdc3012.txt)"


NOT_ANSWERED = "not_answered"
_STATS = ("n", "base", "percent", "ci_lower", "ci_upper")
_DEPENDENT = ("percent", "ci_lower", "ci_upper")
_EXACT_BELOW = 25


# ---------------------------------------------------------------------------
# Result types with extras
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PresenceSummary:
    """Counts over a presence matrix, from the cells shown (suppressed cells left out)."""

    sites: int
    options: int
    cells: int
    filled: int
    percent_filled: float
    sites_all: int

    def describe(self) -> str:
        return (
            f"{self.filled} of {self.cells} cells filled ({self.percent_filled:.0f}%); "
            f"{self.sites_all} of {self.sites} sites ticked all {self.options} options."
        )


@dataclass(frozen=True, eq=False)
class PresenceResult(TableResult):
    """A presence matrix (Table III) with its summary counts.

    ``per_site`` has ``site, base, options_ticked`` (the number of options shown
    as present for the site; blank where the site's row is suppressed).
    """

    summary: PresenceSummary | None = None
    per_site: pd.DataFrame | None = None


@dataclass(frozen=True, eq=False)
class TrendResult(TableResult):
    """Figure data (Figures 1–3) plus ``tests``: one row per test of change.

    ``tests`` columns: ``item, item_label, comparison`` (``consecutive`` or
    ``first_last``), ``wave_from, wave_to, design`` (``independent`` or
    ``paired``), ``test, n_from, base_from, n_to, base_to, only_from, only_to``
    (discordant pairs, paired rows only), ``percent_from, percent_to, difference``
    (percentage points, to − from), ``diff_lower, diff_upper, statistic, z, df,
    p_value, note``.
    """

    tests: pd.DataFrame | None = None
    tests_suppression: Suppression | None = None


# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Options:
    panel_min: int | None
    site_weights: str
    threshold: int
    confidence: float
    record: dict[str, object]


def _options(panel_only: object, site_weights: object, threshold: object, confidence: object):
    if isinstance(panel_only, bool):
        panel_min = 2 if panel_only else None
    elif isinstance(panel_only, (int, np.integer)) and panel_only >= 0:
        panel_min = int(panel_only) or None
    else:
        raise AnalysisError(
            f"panel_only must be True, False or a number of waves (1 or more); got {panel_only!r}"
        )
    if site_weights not in ("none", "equal"):
        raise AnalysisError(f"site_weights must be 'none' or 'equal'; got {site_weights!r}")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)) or threshold < 0:
        raise AnalysisError(
            f"threshold must be a whole number of respondents, 0 or more; got {threshold!r}"
        )
    if not isinstance(confidence, (float, int)) or not 0 < float(confidence) < 1:
        raise AnalysisError(
            f"confidence must lie strictly between 0 and 1 (e.g. 0.95); got {confidence!r}"
        )
    record = {
        "panel_only": panel_only,
        "site_weights": site_weights,
        "threshold": int(threshold),
        "confidence": float(confidence),
    }
    return _Options(panel_min, str(site_weights), int(threshold), float(confidence), record)


def _method(what: str, opts: _Options) -> str:
    level = f"{opts.confidence * 100:g}%"
    parts = [what]
    if opts.site_weights == "equal":
        parts.append(
            "Sites weighted equally within each wave (each respondent weighted 1 / number "
            "of respondents from the same site in the base); "
            f"{level} intervals from a weighted proportion with site as the cluster; "
            "n and base are unweighted counts."
        )
    else:
        parts.append(f"{level} Wilson score intervals (Wilson 1927).")
    if opts.panel_min is not None:
        parts.append(
            f"Panel members only: key informants who responded in at least {opts.panel_min} waves."
        )
    return " ".join(parts)


# ---------------------------------------------------------------------------
# Input preparation
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PreparedResponses:
    """A response frame checked once and held as integer codes, for many tables.

    Build it with :func:`prepare`; every table function accepts it in place of
    the response frame, so the respondent table and the codes are made once per
    frame rather than once per table. ``people`` is
    :func:`pioneer.survey.panel.attendance` of the frame; each answer (a row with
    an item and a value) is held as its respondent's position in ``people``
    (``-1`` for a respondent without an id), an item code into ``items`` and a
    value code into ``values``. Treat it as read-only: it does not follow later
    changes to the frame it came from.
    """

    people: pd.DataFrame
    ids: pd.Index  # respondent ids in people order (categories of answer frames)
    attributes: dict[str, tuple[np.ndarray, pd.Index]]  # column -> (codes per person, labels)
    dtypes: dict[str, pd.CategoricalDtype]  # respondent_id, item, value and the attributes
    waves: np.ndarray  # the survey waves of the frame, sorted
    wave_code: np.ndarray  # per person: index into ``waves``
    items: pd.Index
    values: pd.Index
    # Answers grouped by item code (the rows of item i are start[i]:start[i + 1], in frame
    # order): respondent position, value code and wave index of each.
    start: np.ndarray
    person: np.ndarray
    value: np.ndarray
    wave: np.ndarray
    twice: np.ndarray  # per item code: some respondent has more than one answer to it
    # The answers to each grid question already gathered, keyed by question, waves, items,
    # panel subset and instruments: a table set asks for the same grid many times.
    memo: dict[tuple, Any] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.person)


def _string_ranks(categories: pd.Index) -> np.ndarray:
    """Rank of each category in string order (as ``sort_values`` on the text would put it)."""
    text = categories.astype("string")
    if text.is_monotonic_increasing:
        return np.arange(len(text), dtype=np.int64)
    ranks = np.empty(len(text), dtype=np.int64)
    ranks[np.argsort(text.to_numpy(dtype=object), kind="stable")] = np.arange(len(text))
    return ranks


def _coded_people(responses: pd.DataFrame):
    """``attendance(responses)`` made on categorical codes, with each row's respondent position.

    Returns ``None`` when a column is not categorical (or ``wave`` not integer) or when a
    check would fail: :func:`pioneer.survey.panel.attendance` then builds the table or
    raises its error, naming the respondent or panel id.
    """
    text_columns = ("respondent_id", "panel_id", "site", "org_type")
    if not all(isinstance(responses[c].dtype, pd.CategoricalDtype) for c in text_columns):
        return None
    wave = responses["wave"].to_numpy()
    ids = responses["respondent_id"].cat.codes.to_numpy()
    n = len(ids)
    if wave.dtype.kind not in "iu" or n == 0 or n >= 2**31 or (ids < 0).any():
        return None
    codes = {c: responses[c].cat.codes.to_numpy() for c in text_columns[1:]}
    low, high = int(wave.min()), int(wave.max())
    shift = 0
    if high - low < 2**15:  # compare small codes rather than 8-byte years
        wave, shift = (wave - low).astype(np.int16), low
    # Within a run of rows of one respondent, neighbours must agree (sequential passes);
    # then the first row of each run must agree with one representative row of its
    # respondent (one gather per run, not per row).
    same = ids[1:] == ids[:-1]
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    for array in (wave, *codes.values()):
        if ((array[1:] != array[:-1]) & same).any():
            return None  # a respondent with two sets of attributes
    del same
    row_of = np.full(len(responses["respondent_id"].cat.categories), -1, dtype=np.int32)
    row_of[ids[starts]] = starts.astype(np.int32)  # one representative row per respondent
    representative = row_of[ids[starts]]
    for array in (wave, *codes.values()):
        if (array[starts] != array[representative]).any():
            return None
    del representative, starts
    present = np.flatnonzero(row_of >= 0)
    rows = row_of[present]
    people_wave = wave[rows].astype(np.int64) + shift
    site = codes["site"][rows]
    site_rank = np.append(_string_ranks(responses["site"].cat.categories), np.iinfo(np.int64).max)
    id_rank = _string_ranks(responses["respondent_id"].cat.categories)[present]
    order = np.lexsort((id_rank, site_rank[site], people_wave))
    present, rows, people_wave = present[order], rows[order], people_wave[order]
    panel = codes["panel_id"][rows]
    linked = panel >= 0
    pairs = pd.DataFrame({"panel": panel[linked], "wave": people_wave[linked]})
    if pairs.duplicated().any():
        return None  # a key informant answering twice in a wave
    people: dict[str, Any] = {}
    attributes = {}
    for column in text_columns:
        categories = pd.Index(responses[column].cat.categories.astype("string"), dtype="string")
        chosen = present if column == "respondent_id" else codes[column][rows]
        values = pd.Categorical.from_codes(chosen, categories=categories, validate=False)
        people[column] = pd.Series(values).astype("string")
        if column != "respondent_id":
            attributes[column] = (chosen, categories)
    people["wave"] = people_wave
    frame = pd.DataFrame({c: people[c] for c in response_frame.RESPONDENT_COLUMNS})
    position = np.full(len(row_of), -1, dtype=np.int32)
    position[present] = np.arange(len(present), dtype=np.int32)
    return frame, position[ids], attributes


def prepare(responses: pd.DataFrame | PreparedResponses) -> PreparedResponses:
    """Check a response frame and code it once for several tables (see :class:`PreparedResponses`).

    Raises :class:`AnalysisError` as the table functions do: missing columns, a
    respondent with two sets of attributes, a key informant answering twice in a wave.
    """
    if isinstance(responses, PreparedResponses):
        return responses
    if not isinstance(responses, pd.DataFrame):
        raise AnalysisError(
            f"expected a response frame (pandas DataFrame) or prepared responses; got "
            f"{type(responses).__name__}; fix: pass the frame of pioneer.survey.frame"
        )
    missing = [c for c in response_frame.COLUMNS if c not in responses.columns]
    if missing:
        raise AnalysisError(
            f"a response frame needs the columns {list(response_frame.COLUMNS)}; "
            f"missing {missing}; fix: build it with pioneer.survey.frame.normalise"
        )
    coded = _coded_people(responses)
    if coded is not None:
        people, person, attributes = coded
        ids = pd.Index(people["respondent_id"].to_numpy(), dtype="string")
    else:
        people = survey_panel.attendance(responses)
        id_text = people["respondent_id"]
        if id_text.isna().any():  # placeholders keep the categories unique; no answer uses them
            filled = [f"\x00no id {i}" if pd.isna(v) else v for i, v in enumerate(id_text)]
            ids = pd.Index(filled, dtype="string")
        else:
            ids = pd.Index(id_text.to_numpy(), dtype="string")
        known = pd.Index(id_text.dropna().to_numpy(), dtype="string")
        position = np.flatnonzero(id_text.notna().to_numpy())
        respondent = _as_category(responses["respondent_id"])
        where = known.get_indexer(respondent.cat.categories)
        where = np.append(np.where(where >= 0, position[np.maximum(where, 0)], -1), -1)
        person = where[respondent.cat.codes.to_numpy()]
        attributes = {}
        for column in ("panel_id", "site", "org_type"):
            codes, labels = pd.factorize(people[column])
            attributes[column] = (codes, pd.Index(labels, dtype="string"))
    wave_code, waves = pd.factorize(people["wave"].to_numpy(), sort=True)
    waves = np.asarray(waves, dtype=np.int64)
    item = _as_category(responses["item"])
    value = _as_category(responses["value"])
    item_codes = item.cat.codes.to_numpy()
    value_codes = value.cat.codes.to_numpy()
    keep = (item_codes >= 0) & (value_codes >= 0)
    if not keep.all():
        person, item_codes, value_codes = person[keep], item_codes[keep], value_codes[keep]
    items = pd.Index(item.cat.categories, dtype="string")
    values = pd.Index(value.cat.categories, dtype="string")
    order = np.argsort(item_codes, kind="stable")  # a radix sort on small integer codes
    start = np.zeros(len(items) + 1, dtype=np.int64)
    np.cumsum(np.bincount(item_codes, minlength=len(items)), out=start[1:])
    person = person.astype(np.int32 if len(people) < 2**31 - 1 else np.int64)[order]
    value_codes = value_codes[order]
    del order
    twice = np.zeros(len(items), dtype=bool)
    for i in range(len(items)):
        mine = person[start[i] : start[i + 1]]
        if len(mine):
            twice[i] = np.bincount(mine + 1, minlength=len(people) + 1).max() > 1
    wave_code = wave_code.astype(np.int8 if len(waves) < 128 else np.int64)
    dtypes = {
        "respondent_id": pd.CategoricalDtype(ids),
        "item": pd.CategoricalDtype(items),
        "value": pd.CategoricalDtype(values),
        **{column: pd.CategoricalDtype(labels) for column, (_, labels) in attributes.items()},
    }
    return PreparedResponses(
        people=people,
        ids=ids,
        attributes=attributes,
        dtypes=dtypes,
        waves=waves,
        wave_code=wave_code,
        items=items,
        values=values,
        start=start,
        person=person,
        value=value_codes,
        wave=wave_code[np.maximum(person, 0)],
        twice=twice,
    )


def _people(
    responses: pd.DataFrame | PreparedResponses, opts: _Options
) -> tuple[PreparedResponses, pd.DataFrame, pd.DataFrame, np.ndarray]:
    """(prepared responses, all respondents, respondents kept by the panel option, kept mask)."""
    prep = prepare(responses)
    everyone = prep.people
    if opts.panel_min is None:
        return prep, everyone, everyone, np.ones(len(everyone), dtype=bool)
    linked = everyone[everyone["panel_id"].notna()]
    n_waves = linked.groupby("panel_id")["wave"].nunique()
    members = n_waves[n_waves >= opts.panel_min].index
    kept_mask = everyone["panel_id"].isin(members).to_numpy(dtype=bool)
    kept = everyone[kept_mask].reset_index(drop=True)
    return prep, everyone, kept, kept_mask


def _waves(requested: object, everyone: pd.DataFrame) -> tuple[int, ...]:
    available = sorted(int(w) for w in everyone["wave"].unique())
    if requested is None:
        return tuple(available)
    if isinstance(requested, (int, np.integer)):
        requested = (requested,)
    try:
        waves = tuple(sorted({int(w) for w in requested}))  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise AnalysisError(
            f"waves must be survey years such as (2016, 2017); got {requested!r}"
        ) from None
    absent = [w for w in waves if w not in available]
    if absent:
        raise AnalysisError(
            f"no respondents in wave(s) {absent}; the response frame has waves {available}; "
            "fix: choose waves from those"
        )
    if not waves:
        raise AnalysisError("waves is empty; fix: give at least one survey year")
    return waves


def _chosen_items(prep: PreparedResponses, *, prefix: str | None, exact: str | None):
    """Which item codes belong to the question (or are the item): decided per category."""
    names = prep.items.to_series().astype(str)
    if prefix is not None:
        return names.str.startswith(prefix).to_numpy(dtype=bool)
    return (names == exact).to_numpy(dtype=bool)


def _person_columns(prep: PreparedResponses, person: np.ndarray) -> dict[str, Any]:
    """Respondent columns for rows given as positions in ``prep.people`` (categoricals)."""
    out: dict[str, Any] = {
        "respondent_id": pd.Categorical.from_codes(
            person, dtype=prep.dtypes["respondent_id"], validate=False
        )
    }
    for column in ("panel_id", "wave", "site", "org_type"):
        if column == "wave":
            out[column] = prep.people["wave"].to_numpy()[person]
            continue
        codes, _ = prep.attributes[column]
        out[column] = pd.Categorical.from_codes(
            codes[person], dtype=prep.dtypes[column], validate=False
        )
    return out


@dataclass(frozen=True, eq=False)
class _Coded:
    """Answers as integer arrays: respondent position in ``prep.people``, item, value and
    wave codes (the wave as an index into ``prep.waves``)."""

    prep: PreparedResponses
    person: np.ndarray
    item: np.ndarray
    value: np.ndarray
    wave: np.ndarray
    # Answers are read-only once made, so what is derived from them is kept (see observed).
    _derived: dict[str, Any] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.person)

    @property
    def empty(self) -> bool:
        return len(self.person) == 0

    def take(self, mask: np.ndarray) -> _Coded:
        rows = np.flatnonzero(mask)
        return _Coded(
            self.prep, self.person[rows], self.item[rows], self.value[rows], self.wave[rows]
        )

    def values_in(self, allowed: Iterable[str]) -> np.ndarray:
        chosen = self.prep.values.isin(list(allowed))
        return chosen[self.value]

    def items_in(self, allowed: Iterable[str]) -> np.ndarray:
        chosen = self.prep.items.isin(list(allowed))
        return chosen[self.item]

    def observed(self, what: str) -> list[str]:
        """Item (``"item"``) or value (``"value"``) codes that occur, as text."""
        if what in self._derived:
            return list(self._derived[what])
        codes, labels = (
            (self.item, self.prep.items) if what == "item" else (self.value, self.prep.values)
        )
        present = np.bincount(codes, minlength=len(labels)) > 0
        self._derived[what] = tuple(str(c) for c in labels[present])
        return list(self._derived[what])

    def frame(self) -> pd.DataFrame:
        """Columns ``respondent_id, item, value, panel_id, wave, site, org_type`` (categorical
        but ``wave``); ``respondent_id`` codes are positions in ``prep.people``."""
        out = _person_columns(self.prep, self.person)
        out["item"] = pd.Categorical.from_codes(
            self.item, dtype=self.prep.dtypes["item"], validate=False
        )
        out["value"] = pd.Categorical.from_codes(
            self.value, dtype=self.prep.dtypes["value"], validate=False
        )
        order = ("respondent_id", "item", "value", "panel_id", "wave", "site", "org_type")
        return pd.DataFrame({c: out[c] for c in order})


def _answers(
    prep: PreparedResponses,
    kept: np.ndarray,
    waves: tuple[int, ...],
    *,
    question: str | None = None,
    item: str | None = None,
) -> _Coded:
    """Answers to one question (or one item) by the kept respondents in ``waves``."""
    chosen = _chosen_items(
        prep, prefix=f"{question}." if question is not None else None, exact=item
    )
    codes = np.flatnonzero(chosen)
    spans = [(prep.start[c], prep.start[c + 1]) for c in codes]
    lengths = np.array([b - a for a, b in spans], dtype=np.int64)

    def gather(array: np.ndarray) -> np.ndarray:
        if not len(spans):
            return array[:0]
        return np.concatenate([array[a:b] for a, b in spans])

    person = gather(prep.person)
    item_codes = np.repeat(codes.astype(np.int32), lengths)
    if prep.twice[codes].any():
        # Rows sharing a respondent and an item, found on integer keys.
        local = np.repeat(np.arange(len(codes), dtype=np.int64), lengths)
        key = (person.astype(np.int64) + 1) * len(codes) + local
        twice = np.bincount(key, minlength=(len(prep.people) + 1) * len(codes))[key] > 1
        bad_person = person[twice]
        bad = pd.DataFrame(
            {
                "respondent_id": pd.Series(
                    np.where(bad_person >= 0, prep.ids.to_numpy()[bad_person], None),
                    dtype="string",
                ),
                "item": pd.Series(prep.items.to_numpy()[item_codes[twice]], dtype="string"),
            }
        )
        bad = bad.sort_values(["respondent_id", "item"]).iloc[0]
        raise AnalysisError(
            f"respondent {bad['respondent_id']!r} has more than one answer to "
            f"{bad['item']!r}; fix: keep one row per respondent and item in the response frame"
        )
    value = gather(prep.value)
    wave = gather(prep.wave)
    wanted = np.isin(prep.waves, np.asarray(waves, dtype=np.int64))
    if kept.all() and wanted.all() and (person >= 0).all():
        return _Coded(prep, person, item_codes, value, wave)
    here = kept & wanted[prep.wave_code]
    keep = person >= 0
    keep[keep] = here[person[keep]]
    return _Coded(prep, person[keep], item_codes[keep], value[keep], wave[keep])


def _in_base(answers: _Coded) -> np.ndarray:
    """Mask over ``prep.people``: respondents with at least one of ``answers``."""
    seen = np.zeros(len(answers.prep.people), dtype=bool)
    seen[answers.person] = True
    return seen


def _respondents(answers: _Coded) -> pd.DataFrame:
    """One row per respondent among ``answers``, in people order (categorical columns)."""
    return pd.DataFrame(_person_columns(answers.prep, np.flatnonzero(_in_base(answers))))


#: Dimensions whose codes are never -1 (answers always have an item, a value and a wave).
_NEVER_MISSING = frozenset({"item", "value", "wave"})


def _count(dims: Sequence[tuple[str, np.ndarray, Any]], name: str = "n") -> pd.DataFrame:
    """Counts of each observed combination of coded dimensions, by ``np.bincount``.

    ``dims`` gives (column, codes, labels) per dimension; code -1 (missing) rows are
    left out, as ``groupby`` leaves out missing keys. Labels come back as plain values.
    """
    shape = tuple(max(len(labels), 1) for _, _, labels in dims)
    dtype = np.int32 if int(np.prod(shape)) < 2**31 else np.int64
    flat = dims[0][1].astype(dtype)  # a copy, built on in place
    missing = None
    for position, ((column, codes, _), size) in enumerate(zip(dims, shape, strict=True)):
        # Item, value and wave codes of answers are never missing; attributes may be.
        if column not in _NEVER_MISSING and len(codes) and codes.min() < 0:
            missing = codes < 0 if missing is None else missing | (codes < 0)
        if position:
            flat *= size
            flat += codes
    if missing is not None:
        flat = flat[~missing]
    counts = np.bincount(flat, minlength=int(np.prod(shape)))
    found = np.flatnonzero(counts)
    where = np.unravel_index(found, shape)
    out: dict[str, Any] = {}
    for (column, _, labels), position in zip(dims, where, strict=True):
        out[column] = (
            np.asarray(labels, dtype=object)[position]
            if not isinstance(labels, np.ndarray)
            else labels[position]
        )
    out[name] = counts[found].astype(np.int64)
    return pd.DataFrame(out)


def _dims(answers: _Coded, *names: str) -> list[tuple[str, np.ndarray, Any]]:
    """Coded dimensions of ``answers`` for :func:`_count`: item, wave, value or a respondent
    attribute (``site``, ``org_type``)."""
    prep = answers.prep
    out = []
    for name in names:
        if name == "item":
            out.append((name, answers.item, prep.items))
        elif name == "value":
            out.append((name, answers.value, prep.values))
        elif name == "wave":
            out.append((name, answers.wave, prep.waves))
        else:
            codes, labels = prep.attributes[name]
            out.append((name, codes[answers.person], labels))
    return out


def _people_dims(prep: PreparedResponses, person: np.ndarray, *names: str):
    out = []
    for name in names:
        if name == "wave":
            out.append((name, prep.wave_code[person], prep.waves))
        else:
            codes, labels = prep.attributes[name]
            out.append((name, codes[person], labels))
    return out


def _observed(values: pd.Series) -> list[str]:
    """The categories of a categorical that occur in it (its ``unique()``, from the codes)."""
    codes = values.cat.codes.to_numpy()
    present = np.bincount(codes[codes >= 0], minlength=len(values.cat.categories)) > 0
    return [str(c) for c in values.cat.categories[present]]


def _in(values: pd.Series, allowed: Iterable[str]) -> np.ndarray:
    """``values.isin(allowed)`` for a categorical, decided per category and looked up by code."""
    chosen = np.append(values.cat.categories.isin(list(allowed)), False)  # code -1: missing
    return chosen[values.cat.codes.to_numpy()]


def _as_category(values: pd.Series) -> pd.Series:
    """``values`` as a categorical with string categories (cheap when it already is one)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        if not pd.api.types.is_string_dtype(values.cat.categories):
            return values.cat.rename_categories(values.cat.categories.astype("string"))
        return values
    return values.astype("string").astype("category")


def _instruments(instrument: object) -> list[Any]:
    """The instruments given, latest wave first."""
    if instrument is None:
        return []
    if isinstance(instrument, Mapping):
        found = list(instrument.values())
    elif isinstance(instrument, (list, tuple)):
        found = list(instrument)
    else:
        found = [instrument]
    return sorted(found, key=lambda ins: -int(getattr(ins, "wave", 0) or 0))


def _instrument_variables(instruments: list[Any], question: str) -> list[Any]:
    seen: dict[str, Any] = {}
    for ins in instruments:
        for code, variable in ins.variables().items():
            if getattr(variable, "question", None) == question and code not in seen:
                seen[code] = variable
    return list(seen.values())


def _resolve_items(
    question: str,
    observed: Iterable[str],
    items: Iterable[str] | None,
    instruments: list[Any],
) -> list[str]:
    """Item codes to show: as asked for, else in questionnaire order, then alphabetical."""
    prefix = f"{question}."
    observed = set(observed)
    if items is not None:
        if isinstance(items, str):
            items = (items,)
        wanted = [i if i.startswith(prefix) else prefix + i for i in items]
        absent = [i for i in wanted if i not in observed]
        if absent:
            raise AnalysisError(
                f"no answers to {absent} in the waves asked for; items of {question!r} "
                f"found: {sorted(observed)}; fix: choose from those"
            )
        return list(dict.fromkeys(wanted))
    order = list(dict.fromkeys(v.code for v in _instrument_variables(instruments, question)))
    ranked = [code for code in order if code in observed]
    return ranked + sorted(observed - set(ranked))


def _item_labels(codes: Iterable[str], instruments: list[Any]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for code in codes:
        labels[code] = code
        for ins in instruments:
            variable = ins.variables().get(code)
            if variable is not None and getattr(variable, "label", None):
                labels[code] = str(variable.label)
                break
    return labels


def _scale(
    question: str,
    categories: Sequence[str] | None,
    instruments: list[Any],
    observed: Iterable[str],
) -> tuple[tuple[str, ...], dict[str, str], bool]:
    """(answer codes in order, labels, whether the order is known rather than guessed)."""
    labels: dict[str, str] = {}
    for variable in reversed(_instrument_variables(instruments, question)):
        labels.update({str(k): str(v) for k, v in (getattr(variable, "labels", {}) or {}).items()})
    if categories is not None:
        if isinstance(categories, str):
            categories = (categories,)
        codes = tuple(dict.fromkeys(str(c) for c in categories))
        if not codes:
            raise AnalysisError("categories is empty; fix: give the scale's answer codes")
        return codes, {c: labels.get(c, c) for c in codes}, True
    for variable in _instrument_variables(instruments, question):
        if getattr(variable, "kind", None) == "choice" and variable.values:
            codes = tuple(variable.values)
            return codes, {c: labels.get(c, c) for c in codes}, True
    codes = tuple(sorted(set(observed)))
    return codes, {c: labels.get(c, c) for c in codes}, False


def _check_codes(answers: _Coded, allowed: Sequence[str], fix: str) -> None:
    """:func:`_check_values` decided per value code; the frame is built only for the culprits."""
    bad = ~answers.values_in(allowed)
    if bad.any():
        _check_values(answers.take(bad).frame(), allowed, fix)


def _check_values(answers: pd.DataFrame, allowed: Sequence[str], fix: str) -> None:
    bad = ~_in(answers["value"], allowed)
    if bad.any():
        # the first offending answer in people order (respondent codes), then item
        found = answers.loc[bad]
        found = found.assign(_item=found["item"].astype("string"))
        row = found.sort_values(["respondent_id", "_item"], kind="stable").iloc[0]
        raise AnalysisError(
            f"respondent {row['respondent_id']!r} (wave {int(row['wave'])}) answered "
            f"{row['item']!r} with {row['value']!r}; expected one of {list(allowed)}; "
            f"fix: {fix}"
        )


# ---------------------------------------------------------------------------
# Estimation and suppression
# ---------------------------------------------------------------------------


def _typed(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    out = frame.copy()
    for key in keys:
        if key in ("wave", "wave_from", "wave_to"):
            out[key] = out[key].astype("int64")
        else:
            out[key] = out[key].astype("string")
    return out


def _summarise(
    obs: pd.DataFrame, keys: list[str], cells: pd.DataFrame, opts: _Options, *, weighted: bool
) -> pd.DataFrame:
    """Count, base, percent and interval for every cell.

    ``obs`` has one row per respondent in a cell's base: the ``keys``, ``site``
    and ``y`` (1 if the respondent is counted in ``n``).
    """
    cells = _typed(cells, keys).reset_index(drop=True)
    obs = _typed(obs.loc[:, list(dict.fromkeys([*keys, "site", "y"]))], keys)
    obs["y"] = obs["y"].astype("int64")
    if obs.empty:
        counts = pd.DataFrame({**{k: cells[k].iloc[:0] for k in keys}, "n": [], "base": []})
    else:
        grouped = obs.groupby(keys, sort=False, dropna=False)["y"]
        counts = pd.concat([grouped.sum().rename("n"), grouped.size().rename("base")], axis=1)
        counts = counts.reset_index()
    counts = _typed(counts, keys)
    out = cells.merge(counts, on=keys, how="left", validate="one_to_one")
    out["n"] = out["n"].fillna(0).astype("int64")
    out["base"] = out["base"].fillna(0).astype("int64")
    n = out["n"].to_numpy(dtype=float)
    base = out["base"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        percent = np.where(base > 0, 100.0 * n / base, np.nan)
    if weighted and opts.site_weights == "equal" and not obs.empty:
        obs["site"] = obs["site"].astype("string").fillna("(no site)")
        estimates = []
        for key, group in obs.groupby(keys, sort=True, dropna=False):
            key = key if isinstance(key, tuple) else (key,)
            estimates.append(
                {**dict(zip(keys, key, strict=True)), **_weighted_cell(group, opts.confidence)}
            )
        est = _typed(pd.DataFrame(estimates), keys)
        merged = out[keys].merge(est, on=keys, how="left", validate="one_to_one")
        out["percent"] = merged["_p"].to_numpy(dtype=float)
        out["ci_lower"] = merged["_lo"].to_numpy(dtype=float)
        out["ci_upper"] = merged["_hi"].to_numpy(dtype=float)
    else:
        lower, upper = inference.wilson_interval(n, base, opts.confidence)
        out["percent"] = percent
        out["ci_lower"] = 100.0 * np.asarray(lower, dtype=float)
        out["ci_upper"] = 100.0 * np.asarray(upper, dtype=float)
    return out


def _summarise_counts(
    counts: pd.DataFrame, keys: list[str], cells: pd.DataFrame, opts: _Options
) -> pd.DataFrame:
    """As :func:`_summarise` (unweighted) from counts already made: ``keys, n, base``."""
    cells = _typed(cells, keys).reset_index(drop=True)
    counts = _typed(counts.loc[:, [*keys, "n", "base"]], keys)
    out = cells.merge(counts, on=keys, how="left", validate="one_to_one")
    out["n"] = out["n"].fillna(0).astype("int64")
    out["base"] = out["base"].fillna(0).astype("int64")
    n = out["n"].to_numpy(dtype=float)
    base = out["base"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        percent = np.where(base > 0, 100.0 * n / base, np.nan)
    lower, upper = inference.wilson_interval(n, base, opts.confidence)
    out["percent"] = percent
    out["ci_lower"] = 100.0 * np.asarray(lower, dtype=float)
    out["ci_upper"] = 100.0 * np.asarray(upper, dtype=float)
    return out


def _weighted(opts: _Options) -> bool:
    return opts.site_weights == "equal"


def _equal_site_weights(sites: np.ndarray) -> np.ndarray:
    """Weights 1 / (respondents from the same site), scaled to whole numbers.

    Scaling by a common multiple of the site counts changes nothing in a
    weighted proportion but keeps its sums exact, so a cell where everyone
    answered alike gives exactly 0% or 100% rather than a rounding neighbour.
    """
    labels, inverse, counts = np.unique(sites.astype(str), return_inverse=True, return_counts=True)
    del labels
    common = math.lcm(*(int(c) for c in counts))
    if common > 2**40:  # too large to keep sums exact; plain reciprocals instead
        return 1.0 / counts[inverse].astype(float)
    return (common // counts[inverse]).astype(float)


def _weighted_cell(group: pd.DataFrame, confidence: float) -> dict[str, float]:
    """Equal-site weighted percentage and interval for one cell's respondents.

    With one site in the cell the weights are all equal, so the cell is an
    ordinary proportion: the interval is then unclustered (Wilson for a single
    respondent, where a design-based interval cannot be formed).
    """
    y = group["y"].to_numpy(dtype=float)
    if len(y) < 2:
        lower, upper = inference.wilson_interval(y.sum(), len(y), confidence)
        return {
            "_p": 100.0 * float(y.mean()),
            "_lo": 100.0 * float(lower),
            "_hi": 100.0 * float(upper),
        }
    sites = group["site"].to_numpy(dtype=object)
    clusters = sites if len(set(sites)) >= 2 else None
    result = inference.weighted_proportion(
        y, _equal_site_weights(sites), clusters=clusters, confidence=confidence
    )
    return {
        "_p": 100.0 * float(result.estimate),
        "_lo": 100.0 * float(result.lower),
        "_hi": 100.0 * float(result.upper),
    }


def _finish_types(frame: pd.DataFrame, counts: Iterable[str], floats: Iterable[str]):
    out = frame.copy()
    for column in counts:
        if column in out.columns:
            out[column] = pd.to_numeric(out[column]).astype("Int64")
    for column in floats:
        if column in out.columns:
            out[column] = pd.to_numeric(out[column]).astype("Float64")
    return out


def _suppress(
    frame: pd.DataFrame,
    opts: _Options,
    counts: Sequence[str] = ("n", "base"),
    dependent: Sequence[str] = _DEPENDENT,
    complementary: Sequence[str] = (),
) -> tuple[pd.DataFrame, Suppression]:
    out, record = suppress_small_counts(
        frame,
        list(counts),
        threshold=opts.threshold,
        dependent_columns=list(dependent),
        complementary=list(complementary),
    )
    return _finish_types(out, counts, dependent), record


def _suppress_bases(bases: pd.DataFrame, opts: _Options) -> pd.DataFrame:
    out, _ = suppress_small_counts(bases, ["base"], threshold=opts.threshold)
    return _finish_types(out, ["base"], ())


def _combine(records: Iterable[Suppression], threshold: int) -> Suppression:
    records = list(records)
    columns = tuple(dict.fromkeys(c for r in records for c in r.columns))
    return Suppression(
        threshold=threshold,
        cells_suppressed=sum(r.cells_suppressed for r in records),
        columns=columns,
    )


def _cross(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    return left.merge(right, how="cross")


# ---------------------------------------------------------------------------
# Table I: fieldwork
# ---------------------------------------------------------------------------


def _check_mailing(mailing: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in response_frame.MAILING_COLUMNS if c not in mailing.columns]
    if missing:
        raise AnalysisError(
            f"the mailing list needs the columns {list(response_frame.MAILING_COLUMNS)}; "
            f"missing {missing}; "
            "fix: see mailing_list.csv in the workspace"
        )
    out = mailing.loc[:, list(response_frame.MAILING_COLUMNS)].copy().reset_index(drop=True)
    try:
        out["wave"] = pd.to_numeric(out["wave"], errors="raise").astype("int64")
    except (TypeError, ValueError):
        raise AnalysisError(
            "the mailing list's wave column must hold survey years such as 2016; "
            "fix: correct the non-numeric waves"
        ) from None
    for column in ("panel_id", "site", "org_type", "outcome"):
        out[column] = out[column].astype("string")
    bad = ~out["outcome"].isin(list(response_frame.OUTCOMES))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise AnalysisError(
            f"mailing list row {row + 1}, column 'outcome': found "
            f"{out['outcome'].iloc[row]!r}; expected one of {list(response_frame.OUTCOMES)}; "
            "fix: record each invited informant's outcome with one of those codes"
        )
    linked = out[out["panel_id"].notna()]
    twice = linked.duplicated(["wave", "panel_id"], keep=False)
    if twice.any():
        row = linked.loc[twice].iloc[0]
        raise AnalysisError(
            f"mailing list: panel id {row['panel_id']!r} is listed more than once in wave "
            f"{int(row['wave'])}; fix: list each invited informant once per wave"
        )
    return out


def fieldwork(
    mailing: pd.DataFrame,
    waves: pd.DataFrame,
    by: str | Sequence[str] = (),
    *,
    panel_only: bool | int = False,
    site_weights: str = "none",
    threshold: int = DEFAULT_THRESHOLD,
    confidence: float = 0.95,
) -> TableResult:
    """Table I: per survey wave, the mailing list, participants and response rate.

    ``n`` = participants (outcome ``complete``), ``base`` = informants on the mailing
    list, ``percent`` = response rate; ``partial`` counts partial responses.
    ``by=("site",)`` or ``("org_type",)`` splits each wave for monitoring.
    With ``panel_only``, the mailing list keeps informants invited in at least that
    many waves (every participant is, by definition, a respondent).
    """
    opts = _options(panel_only, site_weights, threshold, confidence)
    by = (by,) if isinstance(by, str) else tuple(by)
    unknown = [b for b in by if b not in ("site", "org_type")]
    if unknown or len(set(by)) != len(by):
        raise AnalysisError(f"fieldwork can be split by 'site' and/or 'org_type'; got {list(by)}")
    mail = _check_mailing(mailing)
    for column in ("wave", "period_label"):
        if column not in waves.columns:
            raise AnalysisError(
                f"the waves frame needs a {column!r} column; fix: see waves.csv in the workspace"
            )
    periods = waves.loc[:, ["wave", "period_label"]].copy()
    periods["wave"] = periods["wave"].astype("int64")
    periods["period_label"] = periods["period_label"].astype("string")
    if periods["wave"].duplicated().any():
        raise AnalysisError("the waves frame lists a wave twice; fix: one row per survey wave")
    stray = sorted(set(mail["wave"]) - set(periods["wave"]))
    if stray:
        raise AnalysisError(
            f"the mailing list has wave(s) {stray} that the waves frame lacks; "
            "fix: add a row for each survey wave to waves.csv"
        )
    notes: list[str] = []
    if opts.panel_min is not None:
        linked = mail[mail["panel_id"].notna()]
        invited = linked.groupby("panel_id")["wave"].nunique()
        keep = invited[invited >= opts.panel_min].index
        mail = mail[mail["panel_id"].isin(keep)].reset_index(drop=True)
        notes.append(
            f"Panel subset: informants on the mailing list in at least {opts.panel_min} waves."
        )
    mail["y"] = (mail["outcome"] == "complete").astype("int64")
    keys = ["wave", *by]
    wave_list = sorted(int(w) for w in periods["wave"])
    if by:
        cells = mail.loc[:, keys].drop_duplicates().sort_values(keys)
    else:
        cells = pd.DataFrame({"wave": wave_list})
    table = _summarise(mail, keys, cells, opts, weighted=True)
    partial = (
        mail.assign(partial=(mail["outcome"] == "partial").astype("int64"))
        .groupby(keys)["partial"]
        .sum()
        .reset_index()
    )
    table = table.merge(_typed(partial, keys), on=keys, how="left")
    table["partial"] = table["partial"].fillna(0).astype("int64")
    table = table.merge(periods, on="wave", how="left")
    table = table.loc[:, ["wave", "period_label", *by, *_STATS, "partial"]]
    table = _finish_types(table, ("n", "base", "partial"), _DEPENDENT)
    shown, record = _suppress(table, opts)
    shown, record_partial = _suppress(shown, opts, counts=("partial",), dependent=())
    options = {**opts.record, "by": by}
    return TableResult(
        name="fieldwork" if not by else f"fieldwork_by_{'_'.join(by)}",
        title="Data collection periods, mailing list, participants and response rate"
        + (f" by {', '.join(by)}" if by else ""),
        frame=shown,
        method=_method(
            "Response rate = participants (completed questionnaires) / informants on the "
            "mailing list (the base, shown in the table).",
            opts,
        ),
        notes=tuple(notes),
        suppression=_combine([record, record_partial], opts.threshold),
        source=f"{PAPER} Table I",
        layout=Layout(
            rows=("wave", "period_label", *by),
            columns=(),
            values=("base", "n", "percent"),
            headings=(
                ("period_label", "Data collection period"),
                ("base", "Mailing list n"),
                ("n", "Participants n"),
                ("percent", "Response rate %"),
            ),
        ),
        options=options,
    )


# ---------------------------------------------------------------------------
# Table II: characteristics
# ---------------------------------------------------------------------------


def _programme_waves(sites: pd.DataFrame, people: pd.DataFrame) -> pd.Series:
    column = "site_id" if "site_id" in sites.columns else None
    if column is None or "programme_wave" not in sites.columns:
        raise AnalysisError(
            "the sites frame needs the columns 'site_id' and 'programme_wave'; "
            f"got {list(sites.columns)}; fix: pass pioneer.programme.load('pioneers').sites"
        )
    mapping = sites.loc[:, [column, "programme_wave"]].dropna()
    mapping = dict(zip(mapping[column].astype(str), mapping["programme_wave"], strict=True))
    unknown = sorted(set(people["site"].dropna()) - set(mapping))
    if unknown:
        raise AnalysisError(
            f"site(s) {unknown} of the response frame are not in the sites frame, so their "
            "programme wave is unknown; fix: add them to the sites frame or correct the "
            "site ids"
        )
    return people["site"].map(lambda s: pd.NA if pd.isna(s) else str(int(mapping[s])))


def characteristics(
    responses: pd.DataFrame,
    sites: pd.DataFrame | None = None,
    *,
    waves: Sequence[int] | None = None,
    instrument: object = None,
    panel_only: bool | int = False,
    site_weights: str = "none",
    threshold: int = DEFAULT_THRESHOLD,
    confidence: float = 0.95,
) -> TableResult:
    """Table II: respondents per wave by programme wave, organisation type and role.

    ``sites`` (``site_id, programme_wave``) supplies the programme wave of each
    site; without it that block is left out. Percentages are column percentages
    within each wave and block; the role base is those who gave a role.
    """
    opts = _options(panel_only, site_weights, threshold, confidence)
    prep, everyone, people, kept = _people(responses, opts)
    wave_list = _waves(waves, everyone)
    people = people[people["wave"].isin(wave_list)].reset_index(drop=True)
    instruments = _instruments(instrument)
    notes: list[str] = []

    # In people order (wave, site, respondent): without an instrument, role codes are
    # listed in order of first appearance there, whatever the order of the frame's rows.
    roles = _answers(prep, kept, wave_list, item="role").frame()
    roles = roles.sort_values("respondent_id", kind="stable").reset_index(drop=True)
    role_variable = None
    for ins in instruments:
        role_variable = ins.variables().get("role")
        if role_variable is not None:
            break
    if role_variable is not None and role_variable.values:
        role_codes = tuple(role_variable.values)
        role_labels = {c: str(role_variable.labels.get(c, c)) for c in role_codes}
        _check_values(roles, role_codes, "use the role codes of the instrument")
    else:  # no instrument: the codes seen, in order of first appearance
        role_codes = tuple(dict.fromkeys(roles["value"].dropna().astype(str)))
        role_labels = {c: c for c in role_codes}
    role_of = dict(zip(roles["respondent_id"], roles["value"], strict=True))

    blocks: list[tuple[str, str, pd.Series, tuple[str, ...], dict[str, str]]] = []
    blocks.append(("all", "All", pd.Series("all", index=people.index), ("all",), {"all": "All"}))
    if sites is not None:
        pw = _programme_waves(sites, people)
        pw_codes = tuple(sorted(set(pw.dropna()), key=int))
        blocks.append(
            ("programme_wave", "Programme wave", pw, pw_codes, {c: f"Wave {c}" for c in pw_codes})
        )
    else:
        notes.append("Programme wave left out: no sites frame was given.")
    unknown_org = sorted(set(people["org_type"].dropna()) - set(response_frame.ORG_TYPES))
    if unknown_org:
        raise AnalysisError(
            f"organisation type(s) {unknown_org} are not among {list(response_frame.ORG_TYPES)}; "
            "fix: recode org_type in the response frame"
        )
    blocks.append(
        (
            "org_type",
            "Organisation worked for",
            people["org_type"],
            response_frame.ORG_TYPES,
            dict(response_frame.ORG_TYPE_LABELS),
        )
    )
    if role_codes:
        blocks.append(
            (
                "role",
                "Job title/role",
                people["respondent_id"].map(role_of),
                role_codes,
                role_labels,
            )
        )
    else:
        notes.append("Job title/role left out: no respondent answered it.")

    pieces = []
    for code, label, values, categories, labels in blocks:
        member = people.loc[:, ["respondent_id", "wave", "site"]].assign(_cat=values.to_numpy())
        answered = member[member["_cat"].notna()]
        for wave in wave_list:
            skipped = int((member["wave"] == wave).sum() - (answered["wave"] == wave).sum())
            if skipped:
                notes.append(
                    f"{label}: {skipped} respondent(s) in {wave} gave no answer and are left "
                    "out of its base."
                )
        cats = pd.DataFrame({"category": list(categories)})
        obs = _cross(answered, cats)
        obs["y"] = (obs["_cat"].astype("string") == obs["category"]).astype("int64")
        cells = _cross(pd.DataFrame({"wave": list(wave_list)}), cats)
        part = _summarise(obs, ["wave", "category"], cells, opts, weighted=True)
        part.insert(0, "dimension", code)
        part.insert(1, "dimension_label", label)
        part.insert(3, "category_label", part["category"].map(labels))
        pieces.append(part)
    table = pd.concat(pieces, ignore_index=True)
    table = table.loc[
        :, ["dimension", "dimension_label", "category", "category_label", "wave", *_STATS]
    ]
    for column in ("dimension", "dimension_label", "category", "category_label"):
        table[column] = table[column].astype("string")
    table = _finish_types(table, ("n", "base"), _DEPENDENT)
    everyone_in = table[table["dimension"] == "all"]
    bases = everyone_in.loc[:, ["wave", "base"]].reset_index(drop=True)
    # Categories of one dimension partition the wave's respondents: suppress in pairs.
    shown, record = _suppress(table, opts, complementary=("dimension", "wave"))
    return TableResult(
        name="characteristics",
        title="Key informant characteristics by survey wave",
        frame=shown,
        method=_method(
            "Counts of respondents and column percentages within each block; a block's "
            "base is the wave's respondents with an answer for it (the base column; "
            "bases gives all respondents per wave).",
            opts,
        ),
        bases=_suppress_bases(bases, opts),
        notes=tuple(notes),
        suppression=record,
        source=f"{PAPER} Table II",
        layout=Layout(
            rows=("dimension_label", "category_label"),
            columns=("wave",),
            values="n",
            headings=(("dimension_label", "Characteristic"), ("category_label", "Category")),
        ),
        options={**opts.record, "waves": wave_list},
    )


# ---------------------------------------------------------------------------
# Table III: presence matrix
# ---------------------------------------------------------------------------


def presence_matrix(
    responses: pd.DataFrame,
    question: str = "initiatives",
    wave: int = 2018,
    sites: pd.DataFrame | Iterable[str] | None = None,
    *,
    items: Sequence[str] | None = None,
    instrument: object = None,
    panel_only: bool | int = False,
    site_weights: str = "none",
    threshold: int = DEFAULT_THRESHOLD,
    confidence: float = 0.95,
) -> PresenceResult:
    """Table III: site × option, ``present`` when at least one of the site's informants
    ticked the option (value ``"1"``).

    Sites without a respondent answering the question that wave are left out and
    named in a note. ``sites`` (a frame with ``site_id`` or an iterable of ids)
    lists every site of the programme, so that absent sites can be named; without
    it, sites seen in any wave of the response frame are used. ``n``/``base`` are
    the informants ticking / answering at the site; ``per_site`` gives each
    site's base and number of options ticked. Where a site's base is suppressed,
    its row of presence flags is blanked too.
    """
    opts = _options(panel_only, site_weights, threshold, confidence)
    prep, everyone, people, kept = _people(responses, opts)
    wave_list = _waves((wave,), everyone)
    wave = wave_list[0]
    instruments = _instruments(instrument)
    answers = _answers(prep, kept, wave_list, question=question)
    if answers.empty:
        raise AnalysisError(
            f"no answers to {question!r} in {wave}; fix: check the question code and wave"
        )
    _check_codes(answers, ("1", "0"), "tick-all options are valued '1' (ticked) or '0'")
    codes = _resolve_items(question, answers.observed("item"), items, instruments)
    labels = _item_labels(codes, instruments)

    if sites is None:
        universe = sorted(set(everyone["site"].dropna().unique()))
    elif isinstance(sites, pd.DataFrame):
        if "site_id" not in sites.columns:
            raise AnalysisError(
                "the sites frame needs a 'site_id' column; "
                "fix: pass pioneer.programme.load('pioneers').sites"
            )
        universe = list(dict.fromkeys(sites["site_id"].astype(str)))
    else:
        universe = list(dict.fromkeys(str(s) for s in sites))
    in_wave = people[people["wave"] == wave]
    with_respondents = set(in_wave["site"].dropna().unique())
    respondents = _respondents(answers).loc[:, ["respondent_id", "site"]]
    answering = set(_observed(respondents["site"]))
    listed = [s for s in universe if s in answering]
    listed += sorted(answering - set(listed))
    notes: list[str] = []
    absent = [s for s in universe if s not in with_respondents]
    if absent:
        notes.append(
            f"Not shown: {', '.join(absent)} — no key informant from these sites responded "
            f"in {wave}."
        )
    silent = [s for s in universe if s in with_respondents and s not in answering]
    if silent:
        notes.append(
            f"Not shown: {', '.join(silent)} — no informant from these sites answered "
            f"{question!r} in {wave}."
        )
    notes.append(
        "A blank cell means no informant from the site ticked the option, not that the site "
        "lacks it."
    )

    option_frame = pd.DataFrame({"item": codes})
    cells = _cross(pd.DataFrame({"site": listed}), option_frame)
    ticked = answers.take(answers.values_in(("1",)) & answers.items_in(codes))
    base = _count(_people_dims(prep, np.flatnonzero(_in_base(answers)), "site"), "base")
    n = _count(_dims(ticked, "site", "item"))
    counts = (
        _typed(cells, ["site", "item"])
        .merge(_typed(base, ["site"]), on="site")
        .merge(_typed(n, ["site", "item"]), on=["site", "item"], how="left")
        .fillna({"n": 0})
    )
    table = _summarise_counts(counts, ["site", "item"], cells, opts)
    table["present"] = (table["n"] > 0).astype("boolean")
    table.insert(2, "item_label", table["item"].map(labels).astype("string"))
    # Options are numbered in questionnaire order, as the published table numbers them.
    numbers = {code: i for i, code in enumerate(codes, start=1)}
    table.insert(2, "option", table["item"].map(numbers).astype("int64"))
    names = _site_names(sites)
    table.insert(1, "site_name", table["site"].map(lambda s: names.get(s, s)).astype("string"))
    table = table.loc[:, ["site", "site_name", "item", "option", "item_label", "present", *_STATS]]
    table = _finish_types(table, ("n", "base"), _DEPENDENT)
    notes.append("Key: " + "; ".join(f"{numbers[c]} = {labels.get(c, c)}" for c in codes) + ".")

    hide_site = ((table["base"] > 0) & (table["base"] < opts.threshold)).to_numpy(dtype=bool)
    shown, record = _suppress(table, opts)
    if opts.threshold > 1:
        shown.loc[hide_site, "present"] = pd.NA

    known = shown["present"].dropna()
    per_site = shown.groupby("site", sort=False)["present"]
    ticked_per_site = per_site.apply(lambda s: int(s.fillna(False).sum()))
    complete_site = per_site.apply(lambda s: bool(s.notna().all() and s.all()))
    filled = int(known.sum())
    cells_shown = len(known)
    summary = PresenceSummary(
        sites=len(listed),
        options=len(codes),
        cells=cells_shown,
        filled=filled,
        percent_filled=100.0 * filled / cells_shown if cells_shown else float("nan"),
        sites_all=int(complete_site.sum()) if len(listed) else 0,
    )
    notes.append(summary.describe())
    site_bases = (
        table.drop_duplicates("site").loc[:, ["site", "base"]].reset_index(drop=True).copy()
    )
    site_bases["options_ticked"] = site_bases["site"].map(ticked_per_site.to_dict()).astype("Int64")
    small_site = (site_bases["base"] > 0) & (site_bases["base"] < opts.threshold)
    site_bases.loc[small_site.to_numpy(dtype=bool), "options_ticked"] = pd.NA
    if opts.threshold > 1 and hide_site.any():
        notes.append(
            "Rows of sites with fewer informants than the threshold are blanked; the counts "
            "above leave those cells out."
        )
    return PresenceResult(
        name=f"presence_{question}_{wave}",
        title=f"Options reported by at least one key informant, by site ({wave})",
        frame=shown,
        method=(
            "A site shows an option when at least one of its responding informants ticked "
            "it. n = informants ticking; base = informants answering the question at the "
            f"site; {opts.confidence * 100:g}% Wilson intervals for the share ticking. "
            "Site weighting does not apply (each site is one row)."
            + (
                f" Panel members only (responded in at least {opts.panel_min} waves)."
                if opts.panel_min is not None
                else ""
            )
        ),
        bases=_suppress_bases(site_bases.loc[:, ["site", "base"]], opts),
        notes=tuple(notes),
        suppression=record,
        source=f"{PAPER} Table III",
        layout=Layout(
            rows=("site_name",),
            columns=("option",),
            values="present",
            headings=(("site_name", "Site"),),
        ),
        options={**opts.record, "question": question, "wave": int(wave)},
        summary=summary,
        per_site=_finish_types(_suppress_bases(site_bases, opts), ("base", "options_ticked"), ()),
    )


# ---------------------------------------------------------------------------
# Table IV: pick-N by group
# ---------------------------------------------------------------------------


def _site_names(sites: object) -> dict[str, str]:
    """Site id → display name, from a registry ``sites`` frame with a ``name`` column."""
    if isinstance(sites, pd.DataFrame) and {"site_id", "name"} <= set(sites.columns):
        return dict(zip(sites["site_id"].astype(str), sites["name"].astype(str), strict=True))
    return {}


def pick_n(
    responses: pd.DataFrame,
    question: str = "objectives_top3",
    by: str | None = "org_type",
    waves: Sequence[int] | None = (2017, 2018),
    *,
    items: Sequence[str] | None = None,
    instrument: object = None,
    panel_only: bool | int = False,
    site_weights: str = "none",
    threshold: int = DEFAULT_THRESHOLD,
    confidence: float = 0.95,
) -> TableResult:
    """Table IV: % selecting each option of a pick-N (or tick-all) question, by group.

    Groups are the values of ``by`` (``org_type``, ``site`` or ``None``) plus
    ``All``. The base of a group is its respondents who answered the question
    (at least one of its variables present) that wave; an option variable missing
    for such a respondent counts as not selected.
    """
    opts = _options(panel_only, site_weights, threshold, confidence)
    if by not in ("org_type", "site", None):
        raise AnalysisError(f"pick_n groups by 'org_type', 'site' or None; got {by!r}")
    prep, everyone, _, kept = _people(responses, opts)
    wave_list = _waves(waves, everyone)
    instruments = _instruments(instrument)
    answers = _answers(prep, kept, wave_list, question=question)
    if answers.empty:
        raise AnalysisError(
            f"no answers to {question!r} in waves {list(wave_list)}; "
            "fix: check the question code and waves"
        )
    _check_codes(answers, ("1", "0"), "options are valued '1' (selected) or '0'")
    codes = _resolve_items(question, answers.observed("item"), items, instruments)
    labels = _item_labels(codes, instruments)
    group_col = by or "group"
    notes: list[str] = []
    present = np.bincount(answers.wave, minlength=len(prep.waves)) > 0
    asked = [int(w) for w in prep.waves[present]]
    not_asked = [w for w in wave_list if w not in asked]
    if not_asked:
        shown = ", ".join(str(w) for w in not_asked)
        notes.append(f"{question!r} has no answers in {shown}: left out.")

    respondents = _respondents(answers).loc[:, ["respondent_id", "wave", "site", "org_type"]]
    option_frame = pd.DataFrame({"item": codes})
    if by is None:
        groups: list[str] = ["All"]
    elif by == "org_type":
        groups = [*response_frame.ORG_TYPES, "All"]
    else:
        groups = [*sorted(respondents["site"].dropna().unique()), "All"]
    keys = ["item", "wave", group_col]
    cells = _cross(
        _cross(option_frame, pd.DataFrame({"wave": asked})), pd.DataFrame({group_col: groups})
    )
    if _weighted(opts):
        obs = _cross(respondents, option_frame)
        ticked = answers.take(answers.values_in(("1",))).frame()
        ticked = ticked.loc[:, ["respondent_id", "item"]].assign(y=1)
        obs = obs.merge(ticked, on=["respondent_id", "item"], how="left")
        obs["y"] = obs["y"].fillna(0).astype("int64")
        if by is None:
            obs[group_col] = "All"
        else:
            obs_all = obs.assign(**{group_col: "All"})
            obs = pd.concat([obs.assign(**{group_col: obs[by]}), obs_all], ignore_index=True)
        table = _summarise(obs, keys, cells, opts, weighted=True)
    else:
        ticked = answers.take(answers.values_in(("1",)) & answers.items_in(codes))
        persons = np.flatnonzero(_in_base(answers))
        bases, ns = [], []
        for split in ([by] if by else []) + [None]:
            wave_keys = ["wave"] if split is None else ["wave", split]
            base = _count(_people_dims(prep, persons, *wave_keys), "base")
            n = _count(_dims(ticked, "item", *wave_keys))
            if split is None:
                base[group_col] = "All"
                n[group_col] = "All"
            bases.append(_typed(base, ["wave", group_col]).loc[:, ["wave", group_col, "base"]])
            ns.append(_typed(n, keys).loc[:, [*keys, "n"]])
        counts = (
            _typed(cells, keys)
            .merge(pd.concat(bases, ignore_index=True), on=["wave", group_col])
            .merge(pd.concat(ns, ignore_index=True), on=keys, how="left")
            .fillna({"n": 0})
        )
        table = _summarise_counts(counts, keys, cells, opts)
    table.insert(1, "item_label", table["item"].map(labels).astype("string"))
    table = table.loc[:, ["item", "item_label", "wave", group_col, *_STATS]]
    table = _finish_types(table, ("n", "base"), _DEPENDENT)

    limit = None
    for ins in instruments:
        try:
            limit = getattr(ins.question(question), "n", None)
        except PioneerError:
            continue
        if limit:
            break
    if limit:
        selected = answers.person[answers.values_in(("1",))]
        over = int((np.bincount(selected) > limit).sum())
        if over:
            notes.append(f"{over} respondent(s) selected more than {limit} options.")
    notes.append("Columns can add to more than 100%: each informant could select several.")
    bases = table.loc[:, ["wave", group_col, "base"]].drop_duplicates().reset_index(drop=True)
    shown, record = _suppress(table, opts)
    return TableResult(
        name=f"pick_n_{question}",
        title=f"Options selected ({question}) by {by or 'all respondents'} and survey wave",
        frame=shown,
        method=_method(
            "Percentage of respondents answering the question who selected the option.", opts
        ),
        bases=_suppress_bases(bases, opts),
        notes=tuple(notes),
        suppression=record,
        source=f"{PAPER} Table IV",
        layout=Layout(rows=("item_label", "wave"), columns=(group_col,), values="percent"),
        options={**opts.record, "question": question, "by": by, "waves": tuple(asked)},
    )


# ---------------------------------------------------------------------------
# Table V and Figures 1–3: grids
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Grid:
    answers: _Coded  # answers to the chosen items
    base_people: pd.DataFrame  # respondent_id, panel_id, wave, site: answered >= 1 grid row
    codes: list[str]
    labels: dict[str, str]
    asked: dict[str, tuple[int, ...]]  # item -> waves with answers
    in_base: np.ndarray  # mask over prep.people: the base people


def _grid(
    prep: PreparedResponses,
    kept: np.ndarray,
    question: str,
    wave_list: tuple[int, ...],
    items: Sequence[str] | None,
    instruments: list[Any],
) -> _Grid:
    """The answers to a grid question, its base and the waves each item was asked in.

    Memoised on ``prep`` (the arrays are made read-only): distributions and trends of one
    question, whole and split, share one gathering of its answers. The key holds the
    instruments themselves, so their ids cannot be reused while the entry lives.
    """
    key = (
        "grid",
        question,
        tuple(wave_list),
        None if items is None else tuple(items),
        hashlib.blake2b(np.packbits(kept).tobytes(), digest_size=16).digest(),
        len(kept),
        tuple(id(i) for i in instruments),
    )
    cached = prep.memo.get(key)
    if cached is not None:
        return cached[1]
    grid = _gather_grid(prep, kept, question, wave_list, items, instruments)
    for array in (
        grid.answers.person,
        grid.answers.item,
        grid.answers.value,
        grid.answers.wave,
        grid.in_base,
    ):
        array.flags.writeable = False
    prep.memo[key] = (tuple(instruments), grid)
    return grid


def _gather_grid(
    prep: PreparedResponses,
    kept: np.ndarray,
    question: str,
    wave_list: tuple[int, ...],
    items: Sequence[str] | None,
    instruments: list[Any],
) -> _Grid:
    answers = _answers(prep, kept, wave_list, question=question)
    if answers.empty:
        raise AnalysisError(
            f"no answers to {question!r} in waves {list(wave_list)}; "
            "fix: check the question code and waves"
        )
    in_base = _in_base(answers)
    base_people = prep.people.loc[in_base, ["respondent_id", "panel_id", "wave", "site"]]
    codes = _resolve_items(question, answers.observed("item"), items, instruments)
    chosen = answers.items_in(codes)
    if not chosen.all():
        answers = answers.take(chosen)
    seen = _count(_dims(answers, "item", "wave")).astype({"item": "string"})
    asked = {
        code: tuple(sorted(int(w) for w in seen.loc[seen["item"] == code, "wave"]))
        for code in codes
    }
    return _Grid(
        answers,
        base_people.reset_index(drop=True),
        codes,
        _item_labels(codes, instruments),
        asked,
        in_base,
    )


def _not_asked_notes(grid: _Grid, wave_list: tuple[int, ...]) -> list[str]:
    notes = []
    for code in grid.codes:
        missing = [w for w in wave_list if w not in grid.asked[code]]
        if missing:
            shown = ", ".join(str(w) for w in missing)
            notes.append(f"{grid.labels[code]} was not asked (no answers) in {shown}.")
    return notes


def distribution(
    responses: pd.DataFrame,
    question: str = "progress",
    waves: Sequence[int] | None = (2016, 2017, 2018),
    items: Sequence[str] | None = None,
    *,
    categories: Sequence[str] | None = None,
    by: str | None = None,
    instrument: object = None,
    panel_only: bool | int = False,
    site_weights: str = "none",
    threshold: int = DEFAULT_THRESHOLD,
    confidence: float = 0.95,
) -> TableResult:
    """Table V: % in each scale category (don't know included) by item and wave.

    Categories follow the scale order: ``categories=``, else the instrument's
    scale, else the codes seen (sorted, with a note). The base of a wave is
    the respondents who answered at least one row of the grid (as the paper's
    bases); respondents in the base who skipped a row appear in an extra
    ``not_answered`` category so that each row adds to 100%.

    ``by="site"`` or ``"org_type"`` splits each wave's base by the respondents'
    site or organisation type (column ``site``/``org_type`` after ``wave``, with
    the groups as in :func:`pick_n` and ``All`` for the whole wave).
    """
    opts = _options(panel_only, site_weights, threshold, confidence)
    if by not in ("org_type", "site", None):
        raise AnalysisError(f"distribution splits by 'org_type', 'site' or None; got {by!r}")
    prep, everyone, _, kept = _people(responses, opts)
    wave_list = _waves(waves, everyone)
    instruments = _instruments(instrument)
    grid = _grid(prep, kept, question, wave_list, items, instruments)
    scale, scale_labels, known = _scale(
        question, categories, instruments, grid.answers.observed("value")
    )
    _check_codes(
        grid.answers,
        scale,
        "pass categories= with every answer code, or correct the data",
    )
    notes = _not_asked_notes(grid, wave_list)
    if not known:
        notes.append("Category order is alphabetical: no scale was given.")

    item_waves = pd.DataFrame(
        [(code, wave) for code in grid.codes for wave in grid.asked[code]],
        columns=["item", "wave"],
    )
    wave_base = grid.base_people.groupby("wave").size().rename("base")
    answered = _count(_dims(grid.answers, "item", "wave", "value")).rename(
        columns={"value": "category"}
    )
    answered["item"] = answered["item"].astype("string")
    answered["category"] = answered["category"].astype("string")
    per_row = _typed(item_waves, ["item", "wave"]).merge(
        answered.groupby(["item", "wave"])["n"].sum().reset_index(), how="left"
    )
    per_row["base"] = per_row["wave"].map(wave_base).astype("int64")
    per_row["n"] = per_row["base"] - per_row["n"].fillna(0).astype("int64")
    skipped = sorted(set(per_row.loc[per_row["n"] > 0, "item"]))
    shown_scale = list(scale) + ([NOT_ANSWERED] if skipped else [])
    if skipped:
        notes.append(
            "'Not answered': respondents in the base (answered at least one row) who skipped "
            "this row."
        )
    cats = pd.DataFrame({"category": shown_scale})
    cells = _cross(item_waves, cats)
    keys = ["item", "wave", "category"]
    if by is not None:
        return _distribution_by(
            by, question, grid, wave_list, scale, scale_labels, shown_scale, notes, opts
        )
    if _weighted(opts):
        base = grid.base_people.loc[:, ["respondent_id", "wave", "site"]]
        answers = grid.answers.frame()
        frames = []
        for code in grid.codes:
            for wave in grid.asked[code]:
                people_w = base[base["wave"] == wave]
                mine = answers[(answers["item"] == code) & (answers["wave"] == wave)]
                value_of = dict(zip(mine["respondent_id"], mine["value"], strict=True))
                value = people_w["respondent_id"].map(value_of).fillna(NOT_ANSWERED)
                frames.append(people_w.assign(item=code, _value=value.to_numpy()))
        resp = pd.concat(frames, ignore_index=True)
        obs = _cross(resp, cats)
        obs["y"] = (obs["_value"].astype("string") == obs["category"]).astype("int64")
        table = _summarise(obs, keys, cells, opts, weighted=True)
    else:
        missing = per_row.assign(category=NOT_ANSWERED).loc[:, [*keys, "n"]]
        found = pd.concat([answered, missing[missing["n"] > 0]], ignore_index=True)
        counts = _typed(cells, keys).merge(_typed(found, keys), on=keys, how="left")
        counts["base"] = counts["wave"].map(wave_base)
        table = _summarise_counts(counts.fillna({"n": 0, "base": 0}), keys, cells, opts)
    category_labels = {**scale_labels, NOT_ANSWERED: "Not answered"}
    table.insert(1, "item_label", table["item"].map(grid.labels).astype("string"))
    table.insert(4, "category_label", table["category"].map(category_labels).astype("string"))
    table = table.loc[:, ["item", "item_label", "wave", "category", "category_label", *_STATS]]
    table = _finish_types(table, ("n", "base"), _DEPENDENT)
    bases = _wave_bases(grid.base_people, wave_list)
    # The categories of an item partition its base: suppress in pairs.
    shown, record = _suppress(table, opts, complementary=("item", "wave"))
    return TableResult(
        name=f"distribution_{question}",
        title=f"Answers to {question} by item and survey wave",
        frame=shown,
        method=_method(
            "Percentage of respondents answering at least one row of the grid that wave.",
            opts,
        ),
        bases=_suppress_bases(bases, opts),
        notes=tuple(notes),
        suppression=record,
        source=f"{PAPER} Table V",
        layout=Layout(rows=("item_label", "wave"), columns=("category_label",), values="percent"),
        options={
            **opts.record,
            "question": question,
            "waves": wave_list,
            "categories": tuple(scale),
        },
    )


def _groups(by: str, sites: Iterable[object]) -> list[str]:
    """Group labels for a split by ``by`` (as :func:`pick_n`), then ``All``."""
    if by == "org_type":
        return [*response_frame.ORG_TYPES, "All"]
    return [*sorted(str(s) for s in sites if not pd.isna(s)), "All"]


def _distribution_by(
    by: str,
    question: str,
    grid: _Grid,
    wave_list: tuple[int, ...],
    scale: tuple[str, ...],
    scale_labels: dict[str, str],
    shown_scale: list[str],
    notes: list[str],
    opts: _Options,
) -> TableResult:
    """:func:`distribution` split by site or organisation type (plus ``All``)."""
    prep = grid.answers.prep
    persons = np.flatnonzero(grid.in_base)
    people = prep.people.loc[
        grid.in_base, list(dict.fromkeys(["respondent_id", "wave", "site", by]))
    ]
    groups = _groups(by, people["site"].unique()) if by == "site" else _groups(by, ())
    keys = ["item", "wave", by, "category"]
    item_waves = pd.DataFrame(
        [(code, wave) for code in grid.codes for wave in grid.asked[code]],
        columns=["item", "wave"],
    )
    cells = _cross(
        _cross(item_waves, pd.DataFrame({by: groups})), pd.DataFrame({"category": shown_scale})
    )
    if _weighted(opts):
        answers = grid.answers.frame()
        frames = []
        for code in grid.codes:
            for wave in grid.asked[code]:
                people_w = people[people["wave"] == wave]
                mine = answers[(answers["item"] == code) & (answers["wave"] == wave)]
                value_of = dict(zip(mine["respondent_id"], mine["value"], strict=True))
                value = people_w["respondent_id"].map(value_of).fillna(NOT_ANSWERED)
                frames.append(people_w.assign(item=code, _value=value.to_numpy()))
        resp = pd.concat(frames, ignore_index=True)
        # The group goes in a column of its own: the site column still drives the weights.
        resp = pd.concat(
            [resp.assign(_group=resp[by]), resp.assign(_group="All")], ignore_index=True
        )
        obs = _cross(resp, pd.DataFrame({"category": shown_scale}))
        obs["y"] = (obs["_value"].astype("string") == obs["category"]).astype("int64")
        inner = ["item", "wave", "_group", "category"]
        table = _summarise(
            obs.loc[:, [*inner, "site", "y"]],
            inner,
            cells.rename(columns={by: "_group"}),
            opts,
            weighted=True,
        ).rename(columns={"_group": by})
    else:
        base_parts, found_parts = [], []
        for split in (by, None):
            dims = ["wave"] if split is None else ["wave", split]
            base = _count(_people_dims(prep, persons, *dims), "base")
            answered = _count(_dims(grid.answers, "item", *dims, "value"))
            answered = answered.rename(columns={"value": "category"})
            if split is None:
                base[by] = "All"
                answered[by] = "All"
            base = _typed(base, ["wave", by]).loc[:, ["wave", by, "base"]]
            answered = _typed(answered, keys).loc[:, [*keys, "n"]]
            per_row = (
                _typed(item_waves, ["item", "wave"])
                .merge(base, on="wave")
                .merge(
                    answered.groupby(["item", "wave", by])["n"].sum().reset_index(),
                    on=["item", "wave", by],
                    how="left",
                )
            )
            per_row["n"] = per_row["base"] - per_row["n"].fillna(0).astype("int64")
            missing = per_row.assign(category=NOT_ANSWERED).loc[:, [*keys, "n"]]
            base_parts.append(base)
            found_parts += [answered, missing[missing["n"] > 0]]
        bases_found = pd.concat(base_parts, ignore_index=True)
        found = pd.concat(found_parts, ignore_index=True)
        counts = (
            _typed(cells, keys)
            .merge(found, on=keys, how="left")
            .merge(bases_found, on=["wave", by], how="left")
        )
        table = _summarise_counts(counts.fillna({"n": 0, "base": 0}), keys, cells, opts)
    category_labels = {**scale_labels, NOT_ANSWERED: "Not answered"}
    table.insert(1, "item_label", table["item"].map(grid.labels).astype("string"))
    table.insert(5, "category_label", table["category"].map(category_labels).astype("string"))
    table = table.loc[:, ["item", "item_label", "wave", by, "category", "category_label", *_STATS]]
    table = _finish_types(table, ("n", "base"), _DEPENDENT)
    bases = table.loc[:, ["wave", by, "base"]].drop_duplicates().reset_index(drop=True)
    # The categories of an item partition its base within each group: suppress in pairs.
    shown, record = _suppress(table, opts, complementary=("item", "wave", by))
    return TableResult(
        name=f"distribution_{question}_by_{by}",
        title=f"Answers to {question} by item, survey wave and {by}",
        frame=shown,
        method=_method(
            "Percentage of respondents answering at least one row of the grid that wave, "
            f"within each {by} (All: the whole wave).",
            opts,
        ),
        bases=_suppress_bases(bases, opts),
        notes=tuple(notes),
        suppression=record,
        source=f"{PAPER} Table V",
        layout=Layout(
            rows=("item_label", "wave", by), columns=("category_label",), values="percent"
        ),
        options={
            **opts.record,
            "question": question,
            "waves": wave_list,
            "categories": tuple(scale),
            "by": by,
        },
    )


def _wave_bases(base_people: pd.DataFrame, wave_list: tuple[int, ...]) -> pd.DataFrame:
    counts = base_people.groupby("wave").size()
    return pd.DataFrame(
        {
            "wave": pd.Series(wave_list, dtype="int64"),
            "base": pd.Series([int(counts.get(w, 0)) for w in wave_list], dtype="int64"),
        }
    )


def trend(
    responses: pd.DataFrame,
    question: str,
    categories: str | Sequence[str],
    waves: Sequence[int] | None = None,
    items: Sequence[str] | None = None,
    *,
    by: str | None = None,
    instrument: object = None,
    panel_only: bool | int = False,
    site_weights: str = "none",
    threshold: int = DEFAULT_THRESHOLD,
    confidence: float = 0.95,
) -> TrendResult:
    """Figures 1–3: % answering any of ``categories`` by item and wave, with tests of change.

    E.g. progress ``("substantial", "some")``; barriers and facilitators
    ``("very",)``. The base of a wave is the respondents who answered at least one
    row of the grid. ``tests`` compares consecutive waves and the first with the
    last: *independent* rows (two-proportion z and chi-square) use every
    respondent in the table; *paired* rows (McNemar) use the informants in the
    base of both waves, exact when there are fewer than 25 discordant pairs.
    Tests use unweighted counts.

    ``by="site"`` or ``"org_type"`` repeats the table and the tests within each
    group (column ``site``/``org_type``; groups as in :func:`pick_n`, plus ``All``);
    a paired test then uses the informants in the group's base in both waves.
    """
    opts = _options(panel_only, site_weights, threshold, confidence)
    if by not in ("org_type", "site", None):
        raise AnalysisError(f"trend splits by 'org_type', 'site' or None; got {by!r}")
    prep, everyone, _, kept = _people(responses, opts)
    wave_list = _waves(waves, everyone)
    instruments = _instruments(instrument)
    grid = _grid(prep, kept, question, wave_list, items, instruments)
    wanted = (categories,) if isinstance(categories, str) else tuple(categories)
    if not wanted:
        raise AnalysisError("categories is empty; fix: e.g. ('very',) or ('substantial', 'some')")
    scale, _, known = _scale(question, None, instruments, grid.answers.observed("value"))
    if known:
        stray = [c for c in wanted if c not in scale]
        if stray:
            raise AnalysisError(
                f"categories {stray} are not answer codes of {question!r}; its scale is "
                f"{list(scale)}; fix: choose from those"
            )
        _check_codes(grid.answers, scale, "correct the data or the instrument's scale")
    notes = _not_asked_notes(grid, wave_list)

    key = ("hits", id(grid), wanted)
    if key not in prep.memo:  # the answers in the categories, shared by whole and split trends
        prep.memo[key] = (grid, grid.answers.take(grid.answers.values_in(wanted)))
    hits = prep.memo[key][1]
    cells = pd.DataFrame(
        [(code, wave) for code in grid.codes for wave in grid.asked[code]],
        columns=["item", "wave"],
    )
    if by is None:
        table, tests = _trend_whole(grid, hits, cells, wanted, opts)
        bases = _wave_bases(grid.base_people, wave_list)
    else:
        prep = grid.answers.prep
        group_of, labels = prep.attributes[by]
        people = prep.people.loc[grid.in_base]
        groups = _groups(by, people["site"].unique()) if by == "site" else _groups(by, ())
        tables_, tests_, bases_ = [], [], []
        if not _weighted(opts):  # every group's table and tests in one pass over the answers
            split = [g for g in groups if g != "All"]
            table, tests, base = _trend_split(grid, hits, cells, by, split, wave_list, opts)
            tables_.append(table)
            tests_.append(tests)
            bases_.append(base)
            groups = ["All"]
        for group in groups:
            if group == "All":
                table, tests = _trend_whole(grid, hits, cells, wanted, opts)
                part_grid = grid
            else:
                where = labels.get_indexer([group])[0]
                member = group_of == where if where >= 0 else np.zeros(len(group_of), bool)
                in_base = grid.in_base & member
                part_grid = replace(
                    grid,
                    in_base=in_base,
                    base_people=prep.people.loc[
                        in_base, ["respondent_id", "panel_id", "wave", "site"]
                    ].reset_index(drop=True),
                )
                part_hits = hits.take(member[hits.person])
                table, tests = _trend_part(part_grid, part_hits, cells, opts)
            table.insert(3, by, group)
            tests.insert(2, by, group)
            base = _wave_bases(part_grid.base_people, wave_list)
            base.insert(1, by, group)
            tables_.append(table)
            tests_.append(tests)
            bases_.append(base)
        table = pd.concat(tables_, ignore_index=True).astype({by: "string"})
        tests = pd.concat(tests_, ignore_index=True).astype({by: "string"})
        bases = pd.concat(bases_, ignore_index=True).astype({by: "string"})
    tests_shown, tests_record = suppress_small_counts(
        tests,
        list(_TEST_COUNTS),
        threshold=opts.threshold,
        dependent_columns=[c for c in _TEST_FLOATS if c != "df"],
    )
    tests_shown = _finish_types(
        tests_shown,
        _TEST_COUNTS,
        _TEST_FLOATS,
    )
    shown, record = _suppress(table, opts)
    label = " or ".join(f"'{c}'" for c in wanted)
    extra = {} if by is None else {"by": by}
    return TrendResult(
        name=f"trend_{question}" + ("" if by is None else f"_by_{by}"),
        title=f"Answering {label} to {question} by survey wave"
        + ("" if by is None else f" and {by}"),
        frame=shown,
        method=_method(
            f"Percentage answering {label} among respondents who answered at least one row "
            "of the grid that wave. Tests of change (unweighted): two-proportion z and "
            "chi-square (independent samples); McNemar for informants in both waves "
            f"(exact binomial when fewer than {_EXACT_BELOW} discordant pairs).",
            opts,
        ),
        bases=_suppress_bases(bases, opts),
        notes=tuple(notes),
        suppression=record,
        source=f"{PAPER} Figures 1–3",
        layout=Layout(
            rows=("item_label",) if by is None else ("item_label", by),
            columns=("wave",),
            values="percent",
        ),
        options={
            **opts.record,
            "question": question,
            "categories": wanted,
            "waves": wave_list,
            **extra,
        },
        tests=tests_shown,
        tests_suppression=tests_record,
    )


def _trend_whole(
    grid: _Grid, hits: _Coded, cells: pd.DataFrame, wanted: tuple[str, ...], opts: _Options
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`_trend_part` for the whole grid, memoised on the prepared responses (the
    ``All`` rows of a split trend are the unsplit trend); returns copies."""
    key = ("trend", id(grid), wanted, opts.confidence, opts.site_weights)
    memo = grid.answers.prep.memo
    if key not in memo:
        memo[key] = (grid, *_trend_part(grid, hits, cells, opts))
    _, table, tests = memo[key]
    return table.copy(), tests.copy()


def _trend_part(
    grid: _Grid, hits: _Coded, cells: pd.DataFrame, opts: _Options
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The figure table and the tests of change for the respondents of ``grid`` and ``hits``."""
    table = _trend_figure(grid, hits, cells, opts)
    return table, _tests_of_change(_paired_counts(hits, grid), table, grid, opts)


def _trend_split(
    grid: _Grid,
    hits: _Coded,
    cells: pd.DataFrame,
    by: str,
    groups: list[str],
    wave_list: tuple[int, ...],
    opts: _Options,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The unweighted figure table, tests and bases of every group of ``by`` at once.

    Rows come group by group in ``groups`` order, each as :func:`_trend_part` would give
    it for that group alone (with the ``by`` column inserted).
    """
    prep = grid.answers.prep
    base_counts = _count(_people_dims(prep, np.flatnonzero(grid.in_base), "wave", by), "base")
    hit_counts = _count(_dims(hits, "item", "wave", by))
    paired_by = _paired_counts(hits, grid, by=by)
    n_cells = len(cells)
    split_cells = pd.DataFrame(
        {
            "item": np.tile(cells["item"].to_numpy(object), len(groups)),
            "wave": np.tile(cells["wave"].to_numpy(np.int64), len(groups)),
            by: np.repeat(np.asarray(groups, dtype=object), n_cells),
        }
    )
    keys = ["item", "wave", by]
    counts = _typed(split_cells, keys).merge(_typed(hit_counts, keys), how="left")
    counts = counts.merge(_typed(base_counts, ["wave", by]), how="left", on=["wave", by])
    counts = counts.fillna({"n": 0, "base": 0})
    table = _summarise_counts(counts, keys, split_cells, opts)
    table.insert(1, "item_label", table["item"].map(grid.labels).astype("string"))
    table = _finish_types(
        table.loc[:, ["item", "item_label", "wave", by, *_STATS]], ("n", "base"), _DEPENDENT
    )
    tests = _tests_of_change(paired_by, table, grid, opts, by=by)
    bases = pd.DataFrame(
        {
            "wave": np.tile(np.asarray(wave_list, dtype=np.int64), len(groups)),
            by: np.repeat(np.asarray(groups, dtype=object), len(wave_list)),
        }
    )
    bases = _typed(bases, ["wave", by]).merge(
        _typed(base_counts, ["wave", by]), how="left", on=["wave", by]
    )
    bases["base"] = bases["base"].fillna(0).astype("int64")
    return table, tests, bases


def _trend_figure(grid: _Grid, hits: _Coded, cells: pd.DataFrame, opts: _Options) -> pd.DataFrame:
    """The figure table (``item, item_label, wave`` and the statistics)."""
    base = grid.base_people
    if _weighted(opts):
        hit_frame = hits.frame().loc[:, ["respondent_id", "panel_id", "item", "wave"]]
        rows = []
        for code in grid.codes:
            for wave in grid.asked[code]:
                people_w = base[base["wave"] == wave]
                mine = hit_frame[(hit_frame["item"] == code) & (hit_frame["wave"] == wave)]
                hit = set(mine["respondent_id"])
                rows.append(
                    people_w.assign(
                        item=code,
                        y=people_w["respondent_id"].isin(hit).astype("int64").to_numpy(),
                    )
                )
        obs = pd.concat(rows, ignore_index=True)
        table = _summarise(obs, ["item", "wave"], cells, opts, weighted=True)
    else:
        wave_base = base.groupby("wave").size()
        return _trend_table(cells, _count(_dims(hits, "item", "wave")), wave_base, grid, opts)
    table.insert(1, "item_label", table["item"].map(grid.labels).astype("string"))
    table = table.loc[:, ["item", "item_label", "wave", *_STATS]]
    table = _finish_types(table, ("n", "base"), _DEPENDENT)
    return table


def _trend_table(
    cells: pd.DataFrame, counts: pd.DataFrame, wave_base: pd.Series, grid: _Grid, opts: _Options
) -> pd.DataFrame:
    """The unweighted figure table from counts (``item, wave, n``) and bases per wave."""
    counts = _typed(cells, ["item", "wave"]).merge(_typed(counts, ["item", "wave"]), how="left")
    counts["base"] = counts["wave"].map(wave_base)
    table = _summarise_counts(counts.fillna({"n": 0}), ["item", "wave"], cells, opts)
    table.insert(1, "item_label", table["item"].map(grid.labels).astype("string"))
    table = table.loc[:, ["item", "item_label", "wave", *_STATS]]
    return _finish_types(table, ("n", "base"), _DEPENDENT)


#: Count and statistic columns of a tests-of-change frame.
_TEST_COUNTS = ("n_from", "base_from", "n_to", "base_to", "only_from", "only_to")
_TEST_FLOATS = (
    "percent_from",
    "percent_to",
    "difference",
    "diff_lower",
    "diff_upper",
    "statistic",
    "z",
    "df",
    "p_value",
)
_TEST_COLUMNS = (
    "item",
    "item_label",
    "comparison",
    "wave_from",
    "wave_to",
    "design",
    "test",
    "n_from",
    "base_from",
    "n_to",
    "base_to",
    "only_from",
    "only_to",
    "percent_from",
    "percent_to",
    "difference",
    "diff_lower",
    "diff_upper",
    "statistic",
    "z",
    "df",
    "p_value",
    "note",
)


def _comparisons(waves: tuple[int, ...]) -> list[tuple[str, int, int]]:
    pairs = [("consecutive", a, b) for a, b in pairwise(waves)]
    if len(waves) >= 3:
        pairs.append(("first_last", waves[0], waves[-1]))
    return pairs


def _answer_cube(hits: _Coded, grid: _Grid, n_waves: int, n_panels: int) -> np.ndarray:
    """Wave × item × panel member: True where the informant's answer is among ``hits``."""
    prep = hits.prep
    panel_of, _ = prep.attributes["panel_id"]
    item_at = np.full(len(prep.items), -1, dtype=np.int64)
    item_at[prep.items.get_indexer(pd.Index(grid.codes, dtype="string"))] = np.arange(
        len(grid.codes)
    )
    n_items = max(len(grid.codes), 1)
    # Flat positions in the cube, in place and in 32 bits where the cube allows (these
    # arrays are as long as the answers).
    wide = np.int32 if n_waves * n_items * n_panels < 2**31 else np.int64
    panel = panel_of[hits.person]
    item = item_at.astype(wide)[hits.item]
    flat = hits.wave.astype(wide)
    flat *= n_items
    flat += item
    flat *= n_panels
    flat += panel
    keep = (panel >= 0) & (item >= 0)
    y = np.zeros((n_waves, n_items, n_panels), dtype=bool)
    y.reshape(-1)[flat if keep.all() else flat[keep]] = True
    y.flags.writeable = False
    return y


def _paired_counts(hits: _Coded, grid: _Grid, by: str | None = None) -> dict:
    """For each item and pair of waves it was asked in: (pairs, a1, a2, only_from, only_to).

    Pairs are panel members in the base of both waves; ``a1``/``a2`` those answering in the
    categories each wave; the discordant counts are those who changed. Counted on boolean
    arrays (wave × panel member, and wave × item × panel member). With ``by``, a dict of
    such dicts, one per group: a pair then needs the informant in the group both waves.
    """
    prep = hits.prep
    panel_of, panel_labels = prep.attributes["panel_id"]
    base = np.flatnonzero(grid.in_base)
    base = base[panel_of[base] >= 0]
    n_waves, n_panels = len(prep.waves), max(len(panel_labels), 1)
    if by is not None:
        group_of, group_labels = prep.attributes[by]
        group = np.full((n_waves, n_panels), -1, dtype=np.int64)
        group[prep.wave_code[base], panel_of[base]] = group_of[base]
    # The base and answer cubes depend only on the grid and the answers: kept on the answers
    # (read-only once made), so the whole and split trends of one table set build them once.
    key = ("cube", id(grid))
    if key not in hits._derived:
        in_base = np.zeros((n_waves, n_panels), dtype=bool)
        in_base[prep.wave_code[base], panel_of[base]] = True
        hits._derived[key] = (grid, in_base, _answer_cube(hits, grid, n_waves, n_panels))
    _, in_base, y = hits._derived[key]
    waves = [int(w) for w, any_ in zip(prep.waves, in_base.any(axis=1), strict=True) if any_]
    position = {int(w): i for i, w in enumerate(prep.waves)}
    size = len(group_labels) if by is not None else 1
    wanted: dict[tuple[int, int], list[tuple[int, str]]] = {}
    for i, code in enumerate(grid.codes):
        for _, w1, w2 in _comparisons(grid.asked[code]):
            if w1 in waves and w2 in waves:
                wanted.setdefault((w1, w2), []).append((i, code))
    out: dict = {}
    for (w1, w2), chosen in wanted.items():
        p1, p2 = position[w1], position[w2]
        both = in_base[p1] & in_base[p2]
        if by is not None:
            g1, g2 = group[p1], group[p2]
            both &= (g1 == g2) & (g1 >= 0)
        members = np.flatnonzero(both)
        # One tally per wave pair: item × group × (answer in w1, answer in w2).
        rows = np.asarray([i for i, _ in chosen], dtype=np.int64)
        cells = np.ix_(rows, members)
        key = y[p1][cells].astype(np.int32)
        key <<= 1
        key |= y[p2][cells]
        key += (np.arange(len(rows), dtype=np.int32) * (size * 4))[:, None]
        if by is not None:
            key += (g1[members] * 4).astype(np.int32)[None, :]
        tally = np.bincount(key.ravel(), minlength=len(rows) * size * 4)
        tally = tally.reshape(len(rows), size, 4)  # (no, no), (no, yes), (yes, no), (yes, yes)
        for r, (_, code) in enumerate(chosen):
            for g in range(size):
                nn, ny, yn, yy = (int(t) for t in tally[r, g])
                pairs = nn + ny + yn + yy
                counts = (pairs, yn + yy, ny + yy, yn, ny)
                if by is None:
                    out[(code, w1, w2)] = counts
                elif pairs:
                    out.setdefault(str(group_labels[g]), {})[(code, w1, w2)] = counts
    return out


def _tests_of_change(
    paired_counts: dict,
    table: pd.DataFrame,
    grid: _Grid,
    opts: _Options,
    by: str | None = None,
) -> pd.DataFrame:
    """The tests-of-change rows of a trend table, computed as arrays.

    For each item and comparison, in that order: the two-proportion z and Pearson
    chi-square rows (independent samples, when both waves have a base), then the McNemar
    row (paired, when some informant is in the base of both waves). With ``by``, ``table``
    holds several groups (column ``by``), ``paired_counts`` is keyed by group first, and
    the rows come group by group with the ``by`` column third.
    """
    group_col = table[by].astype(object).tolist() if by else [None] * len(table)
    counts = {
        (g, str(i), int(w)): (int(n), int(b))
        for g, i, w, n, b in zip(
            group_col, table["item"], table["wave"], table["n"], table["base"], strict=True
        )
    }
    groups = list(dict.fromkeys(group_col)) if by else [None]
    slots = []
    paired = []
    for group in groups:
        pairs_of = paired_counts.get(group, {}) if by else paired_counts
        for code in grid.codes:
            for comparison, w1, w2 in _comparisons(grid.asked[code]):
                slots.append(
                    (group, code, comparison, w1, w2, *counts[(group, code, w1)])
                    + counts[(group, code, w2)]
                )
                paired.append(pairs_of.get((code, w1, w2), (0,) * 5))
    columns = ["group", "item", "comparison", "wave_from", "wave_to", "k1", "n1", "k2", "n2"]
    slot = pd.DataFrame(slots, columns=columns)
    if slot.empty:
        return _test_frame(pd.DataFrame(columns=list(_TEST_COLUMNS)), by)
    slot["item_label"] = slot["item"].map(grid.labels)
    keys = ["item", "item_label", "comparison", "wave_from", "wave_to"]
    if by:
        slot[by] = slot["group"]
        keys.insert(2, by)
    k1, n1, k2, n2 = (slot[c].to_numpy(np.int64) for c in ("k1", "n1", "k2", "n2"))
    parts = [
        _independent_rows(slot, keys, k1, n1, k2, n2, opts),
        _paired_rows(slot, keys, np.asarray(paired, dtype=np.int64).reshape(-1, 5)),
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        return _test_frame(pd.DataFrame(columns=list(_TEST_COLUMNS)), by)
    tests = pd.concat(parts, ignore_index=True)
    tests = tests.sort_values(["_slot", "_order"], kind="stable").reset_index(drop=True)
    return _test_frame(tests, by)


def _independent_rows(slot, keys, k1, n1, k2, n2, opts: _Options) -> pd.DataFrame:
    """Two-proportion z and chi-square rows for the slots where both waves have a base."""
    use = (n1 > 0) & (n2 > 0)
    at = np.flatnonzero(use)
    if not len(at):
        return pd.DataFrame()
    k1, n1, k2, n2 = k1[at], n1[at], k2[at], n2[at]
    p1, p2 = 100.0 * k1 / n1, 100.0 * k2 / n2
    # difference_interval gives k1/n1 - k2/n2: pass the later wave first, so that a positive
    # difference (and z) means an increase, as McNemar's z does.
    _, lower, upper = inference.difference_interval(k2, n2, k1, n1, opts.confidence)
    z_test = inference.two_proportion_test(k2, n2, k1, n1)
    chi = inference.chi_square_2x2(k1, n1, k2, n2)
    alike = (k1 + k2 == 0) | (k1 + k2 == n1 + n2)
    expected = inference.expected_2x2(k1, n1, k2, n2)
    small = (expected < 5).sum(axis=-1)
    smallest = expected.min(axis=-1)
    chi_notes = np.where(
        alike,
        "no test: every respondent answered alike in both waves",
        [
            (
                f"{s} of 4 expected counts are below 5 (smallest {m:.2f}); the chi-square "
                "approximation may be poor"
            )
            if s
            else ""
            for s, m in zip(small.tolist(), smallest.tolist(), strict=True)
        ],
    )
    z_notes = np.where(alike, "no test: both groups answered all yes or all no", "")
    common = (
        slot.loc[at, keys]
        .reset_index(drop=True)
        .assign(
            design="independent",
            n_from=k1,
            base_from=n1,
            n_to=k2,
            base_to=n2,
            percent_from=p1,
            percent_to=p2,
            difference=p2 - p1,
            diff_lower=100.0 * lower,
            diff_upper=100.0 * upper,
            df=1.0,
            _slot=at,
        )
    )
    z_rows = common.assign(
        test=z_test.test,
        statistic=z_test.statistic,
        z=z_test.z,
        p_value=z_test.p_value,
        note=z_notes,
        _order=0,
    )
    chi_rows = common.assign(
        test=chi.test,
        statistic=chi.statistic,
        z=np.nan,
        p_value=chi.p_value,
        note=chi_notes,
        _order=1,
    )
    return pd.concat([z_rows, chi_rows], ignore_index=True)


def _paired_rows(slot, keys, paired: np.ndarray) -> pd.DataFrame:
    """McNemar rows (exact below ``_EXACT_BELOW`` discordant pairs) where pairs exist."""
    at = np.flatnonzero(paired[:, 0] > 0)
    if not len(at):
        return pd.DataFrame()
    pairs, a1, a2, only_from, only_to = (paired[at, i] for i in range(5))
    exact = (only_from + only_to) < _EXACT_BELOW
    none = (only_from + only_to) == 0
    approx = inference.mcnemar_test(only_from, only_to)
    binom = inference.mcnemar_exact(only_from, only_to)
    exact_note = f"exact binomial test: fewer than {_EXACT_BELOW} discordant pairs"
    no_change = "no test: no informant changed answer (b + c = 0)"
    notes = np.where(exact, np.where(none, f"{exact_note}; {no_change}", exact_note), "")
    return (
        slot.loc[at, keys]
        .reset_index(drop=True)
        .assign(
            design="paired",
            test=np.where(exact, binom.test, approx.test),
            n_from=a1,
            base_from=pairs,
            n_to=a2,
            base_to=pairs,
            only_from=only_from,
            only_to=only_to,
            percent_from=100.0 * a1 / pairs,
            percent_to=100.0 * a2 / pairs,
            difference=100.0 * (a2 - a1) / pairs,
            diff_lower=np.nan,
            diff_upper=np.nan,
            statistic=np.where(exact, binom.statistic, approx.statistic),
            z=np.where(exact, np.nan, approx.z),
            df=np.where(exact, np.nan, 1.0),
            p_value=np.where(exact, binom.p_value, approx.p_value),
            note=notes,
            _slot=at,
            _order=2,
        )
    )


def _test_frame(tests: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """A tests-of-change frame with its column types (``by`` third when given)."""
    columns = list(_TEST_COLUMNS)
    if by:
        columns.insert(2, by)
    tests = tests.reindex(columns=columns)
    for column in ("item", "item_label", "comparison", "design", "test", "note", by):
        if column is None:
            continue
        tests[column] = tests[column].astype("string")
    for column in ("wave_from", "wave_to"):
        tests[column] = tests[column].astype("int64")
    return _finish_types(tests, _TEST_COUNTS, _TEST_FLOATS)
