"""A large synthetic key-informant response frame for the tabulation benchmark.

The frame has the columns of :data:`pioneer.survey.frame.COLUMNS` and the shape of a
patient-survey-sized data set: every respondent answers 60 items, so 700,000 respondents
give 42 million rows. It is built with numpy from one seeded generator, so the same
arguments always give the same frame, and its columns are compact: ids, site, organisation
type, item and value are categoricals (``int32``/``int8`` codes), which
:func:`pioneer.survey.frame.normalise` keeps as they are.

The 60 items (see :data:`ITEMS`):

- ``progress.*``: a 20-row rating grid on the progress scale (the 15 rows of the item-code
  contract plus five extra rows ``progress.extra_1`` … ``extra_5``);
- ``barriers.*``: a 20-row grid on the barrier scale (the 13 contract rows plus
  ``barriers.extra_1`` … ``extra_7``);
- ``objectives_top3.*``: pick 3 of 10 (the 8 objectives plus ``extra_1``, ``extra_2``),
  one ``"1"``/``"0"`` variable per option;
- ``initiatives.*``: tick-all of the 10 contract initiatives, ``"1"``/``"0"``.

Every respondent answers every item in every wave (no skipped rows), and key informants
are drawn from a pool so that most appear in two or three waves: the panel (paired) tests
have plenty of pairs. Percentages drift across waves so that trends are not flat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pioneer.survey import frame as response_frame

WAVES: tuple[int, ...] = (2016, 2017, 2018)
N_SITES = 25
SEED = 20190601

# Item and answer codes from the item-code contract (notes/itemcodes.md), plus extra rows
# so that each grid has 20 rows and the pick-N question 10 options.
OBJECTIVES: tuple[str, ...] = (
    "joined_up",
    "self_manage",
    "unplanned_admissions",
    "quality_of_care",
    "costs",
    "quality_of_life",
    "greater_say",
    "accessible",
)
#: Progress rows in Table V order (000_9191d1decfdc3012.txt), then the 2016-only rows.
PROGRESS_ROWS: tuple[str, ...] = (
    "joined_up",
    "quality_of_care",
    "accessible",
    "quality_of_life",
    "greater_say",
    "self_manage",
    "unplanned_admissions",
    "costs",
    "independence",
    "carers",
    "awareness",
    "gp_centre",
    "responsiveness",
    "readmissions",
    "staff_satisfaction",
    *(f"extra_{i}" for i in range(1, 6)),
)
BARRIER_ROWS: tuple[str, ...] = (
    "financial_constraints",
    "increased_demand",
    "information_governance",
    "incompatible_it",
    "competing_demands",
    "national_policies",
    *(f"unpublished_{i}" for i in range(1, 7)),
    "staff_turnover",
    *(f"extra_{i}" for i in range(1, 8)),
)
PICK_OPTIONS: tuple[str, ...] = (*OBJECTIVES, "extra_1", "extra_2")
TICK_OPTIONS: tuple[str, ...] = (
    "mdt",
    "social_prescribing",
    "care_navigators",
    "generic_workers",
    "shared_it",
    "shared_records",
    "pooled_budgets",
    "community_hubs",
    "voluntary_sector",
    "international_model",
)
PICK_LIMIT = 3

ITEMS: tuple[str, ...] = (
    *(f"progress.{r}" for r in PROGRESS_ROWS),
    *(f"barriers.{r}" for r in BARRIER_ROWS),
    *(f"objectives_top3.{o}" for o in PICK_OPTIONS),
    *(f"initiatives.{o}" for o in TICK_OPTIONS),
)

#: Answer codes of the two grids, in scale order.
SCALES: dict[str, tuple[str, ...]] = {
    "progress": ("substantial", "some", "none", "dont_know"),
    "barriers": ("very", "fairly", "not", "dont_know"),
}
PROGRESS_SCALE = SCALES["progress"]
BARRIER_SCALE = SCALES["barriers"]
#: Every value code of the frame, in one categorical.
VALUES: tuple[str, ...] = tuple(
    dict.fromkeys(
        (*PROGRESS_SCALE, *BARRIER_SCALE, response_frame.SELECTED, response_frame.NOT_SELECTED)
    )
)

#: Per wave, the chance of each progress answer (substantial, some, none, don't know).
_PROGRESS_P = np.array(
    [[0.10, 0.50, 0.30, 0.10], [0.15, 0.52, 0.25, 0.08], [0.22, 0.53, 0.18, 0.07]]
)
#: Per wave, the chance of each barrier answer (very, fairly, not, don't know).
_BARRIER_P = np.array(
    [[0.40, 0.35, 0.20, 0.05], [0.45, 0.33, 0.18, 0.04], [0.50, 0.30, 0.16, 0.04]]
)
_ORG_P = np.array([0.25, 0.30, 0.30, 0.15])


@dataclass(frozen=True)
class Shape:
    """How big a frame to build."""

    respondents: int
    seed: int = SEED

    @property
    def rows(self) -> int:
        return self.respondents * len(ITEMS)


def _categorical(codes: np.ndarray, categories: list[str] | tuple[str, ...]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=pd.Index(list(categories), dtype="string"))


def _scale_codes(
    rng: np.random.Generator, wave_index: np.ndarray, rows: int, probabilities: np.ndarray
) -> np.ndarray:
    """(respondents, rows) int8 answer positions drawn with the wave's probabilities."""
    uniform = rng.random((len(wave_index), rows), dtype=np.float32)
    out = np.empty(uniform.shape, dtype=np.int8)
    for w in range(probabilities.shape[0]):
        mine = wave_index == w
        cumulative = np.cumsum(probabilities[w])[:-1].astype(np.float32)
        out[mine] = np.searchsorted(cumulative, uniform[mine], side="right").astype(np.int8)
    return out


def build(shape: Shape) -> pd.DataFrame:
    """The long response frame for ``shape`` (deterministic for a given seed)."""
    rng = np.random.default_rng(shape.seed)
    n = shape.respondents
    # Informant pool: each key informant belongs to one site and organisation type and
    # answers in some of the waves (at most once per wave).
    # A pool 1.5 times a wave's size: an informant answers in two waves on average.
    pool = max(1, (3 * n) // (2 * len(WAVES)))
    site_weights = rng.uniform(0.5, 1.5, N_SITES)
    informant_site = rng.choice(N_SITES, size=pool, p=site_weights / site_weights.sum())
    informant_org = rng.choice(len(_ORG_P), size=pool, p=_ORG_P)
    per_wave = np.full(len(WAVES), n // len(WAVES))
    per_wave[: n % len(WAVES)] += 1
    panel = np.concatenate([rng.permutation(pool)[:k] for k in per_wave]).astype(np.int32)
    wave_index = np.repeat(np.arange(len(WAVES), dtype=np.int8), per_wave)

    n_items = len(ITEMS)
    value_index = {v: i for i, v in enumerate(VALUES)}
    answers = np.empty((n, n_items), dtype=np.int8)
    col = 0
    for rows, scale, probabilities in (
        (len(PROGRESS_ROWS), PROGRESS_SCALE, _PROGRESS_P),
        (len(BARRIER_ROWS), BARRIER_SCALE, _BARRIER_P),
    ):
        lookup = np.array([value_index[v] for v in scale], dtype=np.int8)
        answers[:, col : col + rows] = lookup[_scale_codes(rng, wave_index, rows, probabilities)]
        col += rows
    one, zero = value_index[response_frame.SELECTED], value_index[response_frame.NOT_SELECTED]
    # Pick 3 of 10 with unequal popularity: the 3 largest of u ** (1 / weight).
    popularity = np.linspace(2.0, 0.5, len(PICK_OPTIONS))
    keys = rng.random((n, len(PICK_OPTIONS)), dtype=np.float32) ** (1.0 / popularity)
    top = np.argpartition(-keys, PICK_LIMIT - 1, axis=1)[:, :PICK_LIMIT]
    picked = np.zeros((n, len(PICK_OPTIONS)), dtype=bool)
    np.put_along_axis(picked, top, True, axis=1)
    answers[:, col : col + len(PICK_OPTIONS)] = np.where(picked, one, zero)
    col += len(PICK_OPTIONS)
    # Tick-all: each initiative with its own chance, a little higher each wave.
    chance = np.linspace(0.8, 0.2, len(TICK_OPTIONS))[None, :] + 0.05 * wave_index[:, None]
    ticked = rng.random((n, len(TICK_OPTIONS)), dtype=np.float32) < chance
    answers[:, col : col + len(TICK_OPTIONS)] = np.where(ticked, one, zero)
    del keys, top, picked, ticked, chance

    site_codes = [f"site_{i:02d}" for i in range(1, N_SITES + 1)]
    data = {
        "respondent_id": _categorical(
            np.repeat(np.arange(n, dtype=np.int32), n_items), [f"r{i:07d}" for i in range(n)]
        ),
        "panel_id": _categorical(np.repeat(panel, n_items), [f"k{i:07d}" for i in range(pool)]),
        "wave": np.repeat(np.asarray(WAVES, dtype=np.int64)[wave_index], n_items),
        "site": _categorical(np.repeat(informant_site[panel].astype(np.int8), n_items), site_codes),
        "org_type": _categorical(
            np.repeat(informant_org[panel].astype(np.int8), n_items), response_frame.ORG_TYPES
        ),
        "item": _categorical(np.tile(np.arange(n_items, dtype=np.int8), n), ITEMS),
        "value": _categorical(answers.reshape(-1), VALUES),
    }
    del answers
    return response_frame.normalise(pd.DataFrame(data, copy=False))
