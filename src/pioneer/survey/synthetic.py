"""The published-marginals generator: a synthetic key-informant panel for 2016–2018.

:func:`generate` builds respondent-level answers whose tabulations give back the figures
printed in Erens et al. (2019) (seed ``000_9191d1decfdc3012.txt``): fieldwork and mailing
lists (Table I), informant characteristics (Table II), initiatives by site (Table III), the
"most important" objectives by organisation type (Table IV), progress (Table V) and the facts
the text gives about Figures 1–3 and the panel. The real answers are not public, so the demo,
the tests and the documentation run on this stand-in.

How: every published percentage is turned into a respondent count (the count whose
percentage, rounded half up, prints as published); the counts are then handed to respondents
with a seeded random generator. Where the published figures cannot all be true at once the
choice made is listed in :attr:`SyntheticSurvey.notes` and ``docs/synthetic.md``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pioneer.errors import AnalysisError
from pioneer.survey import _synthetic_targets as targets
from pioneer.survey import frame as response_frame

if TYPE_CHECKING:
    from pioneer.workspace import SurveyData

__all__ = ["SyntheticSurvey", "generate", "percent_half_up"]

INSTRUMENT: dict[int, str] = {wave: f"ki{wave}" for wave in targets.WAVES}


@dataclass(frozen=True, eq=False)
class SyntheticSurvey:
    """A synthetic survey: response frame, mailing lists, wave table and design notes."""

    responses: pd.DataFrame
    mailing_list: pd.DataFrame
    waves: pd.DataFrame
    notes: tuple[str, ...]

    def to_survey_data(self) -> SurveyData:
        """The same data as a :class:`pioneer.workspace.SurveyData` (to save as a workspace)."""
        from pioneer.workspace import SurveyData

        return SurveyData(
            responses=self.responses, mailing_list=self.mailing_list, waves=self.waves
        )


NOTES: tuple[str, ...] = (
    "Synthetic data: every published figure of Erens et al. (2019) is reproduced, the "
    "respondents and their answers are invented.",
    "Percentages are rounded half up (15/24 = 62.5% prints as 63, as in Table IV).",
    "2017: Blackpool and Fylde Coast is the site with no participant (the paper does not say "
    "which). 2018: Blackpool and Fylde Coast and Cornwall have none (Table III note a).",
    "Panel: 15 informants completed all three waves; of the 38 in exactly two, 16 did 2016 and "
    "2017, 10 did 2016 and 2018, 12 did 2017 and 2018. The 27 who did 2017 and 2018 are the "
    "base of the self-management panel fact (16/27 = 59%, 9/27 = 33%).",
    "Table IV All column: 2017 greater say (printed 11%) and 2018 self-management (printed "
    "46%) cannot agree with the organisation-type cells; they come out as 10% and 42%.",
    "Table V 2016 quality of care (printed 12/61/8/9, summing to 90): 9 of the 90 progress-grid "
    "respondents skip that row; over the grid base of 90 the printed cells are reproduced "
    "(over the 81 who answered the row they are 14/68/9/10).",
    "Table V 2017 self-management (printed 5/69/14/13): no counts summing to 104 give all four; "
    "'none' is 14/104 = 13.46%, which rounds to 13.",
    "Figure 2: staff turnover is the one barrier not lower in 2018 than in 2017. Of the 12 "
    "barriers asked every year, 7 are lower in 2018 than in 2016 and 4 higher or the same "
    "leaving out unpublished_6, which is also lower (the paper's counts add up to 11).",
    "Items the paper does not name (barriers and facilitators unpublished_1-6, the seven extra "
    "2016 progress rows, the 2016-only questions) carry invented values.",
)


def percent_half_up(count: int, base: int) -> int:
    """``100 * count / base`` rounded half up, in exact integer arithmetic."""
    return (200 * count + base) // (2 * base)


def generate(seed: int = 2019) -> SyntheticSurvey:
    """Build the synthetic 2016–2018 key-informant survey.

    The same ``seed`` gives identical frames; every seed reproduces the published tables
    (only who gave which answer changes).
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise AnalysisError(f"the seed must be a non-negative whole number; got {seed!r}")
    rng = np.random.default_rng(int(seed))
    site_counts = _site_counts(rng)
    people = _participants(rng, site_counts)
    never = _never_completed(rng)
    _assign_panel_ids(rng, people + never)
    by_wave = _respondents(rng, people)

    answers: dict[str, dict[str, str]] = {}
    for wave, group in by_wave.items():
        for person, rid in group:
            answers[rid] = {"role": person.roles[wave]}
        _grids(rng, wave, group, answers)
        if wave in targets.TABLE_IV_BASE:
            _objectives(rng, wave, group, answers)
        if wave == 2018:
            _initiatives(rng, group, answers)
        if wave == 2016:
            _questions_2016(rng, group, answers)
        _comments(rng, group, answers)

    rows = [
        (rid, person.panel_id, wave, person.site, person.org, item, value)
        for wave, group in by_wave.items()
        for person, rid in group
        for item, value in answers[rid].items()
    ]
    responses = response_frame.normalise(pd.DataFrame(rows, columns=response_frame.COLUMNS))
    _extra_invitations(rng, people)
    return SyntheticSurvey(
        responses=responses,
        mailing_list=_mailing_frame(rng, people + never),
        waves=_waves_frame(),
        notes=NOTES,
    )


# --- people ---------------------------------------------------------------------------------


@dataclass(eq=False)
class _Person:
    """One key informant (internal, mutable while building)."""

    site: str
    org: str
    completed: tuple[int, ...]
    roles: dict[int, str] = field(default_factory=dict)
    invited: set[int] = field(default_factory=set)
    panel_id: str = ""


def _choice(rng: np.random.Generator, options: Sequence, weights: Iterable[float]):
    """One option drawn with probability proportional to ``weights``."""
    w = np.asarray(list(weights), dtype=float)
    if len(options) == 0 or w.sum() <= 0:
        raise RuntimeError("synthetic generator: nothing left to choose from (targets clash)")
    return options[int(rng.choice(len(options), p=w / w.sum()))]


def _site_counts(rng: np.random.Generator) -> dict[int, dict[str, int]]:
    """Participants per site and wave, adding up to Table II's programme-wave counts."""
    out: dict[int, dict[str, int]] = {}
    for wave in targets.WAVES:
        absent = set(targets.SITES_WITHOUT_PARTICIPANTS[wave])
        counts: dict[str, int] = {}
        for programme_wave, total in targets.PROGRAMME_WAVE_N[wave].items():
            sites = [
                s
                for s, pw in targets.SITE_PROGRAMME_WAVE.items()
                if pw == programme_wave and s not in absent
            ]
            fixed: dict[str, int] = {}
            if wave == 2016:
                if targets.SITE_WITH_ONE_RESPONDENT_2016 in sites:
                    fixed[targets.SITE_WITH_ONE_RESPONDENT_2016] = 1
                if programme_wave == 1:  # the largest 2016 site has the slide's maximum
                    biggest = _choice(rng, sites, (targets.SITE_WEIGHT[s] for s in sites))
                    fixed[biggest] = targets.MAX_RESPONDENTS_PER_SITE
            part = {s: fixed.get(s, 1) for s in sites}
            free = [s for s in sites if s not in fixed]
            for _ in range(total - sum(part.values())):
                open_ = [s for s in free if part[s] < targets.MAX_RESPONDENTS_PER_SITE]
                part[_choice(rng, open_, (targets.SITE_WEIGHT[s] for s in open_))] += 1
            counts.update(part)
        out[wave] = counts
    return out


def _participants(rng: np.random.Generator, site_counts: dict[int, dict[str, int]]):
    """Everyone who completed at least one wave, with site, organisation type and role."""
    site_room = {w: dict(c) for w, c in site_counts.items()}
    org_room = {w: dict(targets.ORG_TYPE_N[w]) for w in targets.WAVES}
    role_room = {w: dict(targets.ROLE_N[w]) for w in targets.WAVES}
    people: list[_Person] = []

    # Panel members first: they keep their site and organisation type in every wave.
    for pattern, n in targets.PANEL_PATTERN_N.items():
        for _ in range(n):
            sites = [
                s
                for s in targets.SITE_PROGRAMME_WAVE
                if all(site_room[w].get(s, 0) for w in pattern)
            ]
            site = _choice(rng, sites, (min(site_room[w][s] for w in pattern) for s in sites))
            orgs = [o for o in targets.ORG_TYPES if all(org_room[w][o] for w in pattern)]
            org = _choice(rng, orgs, (min(org_room[w][o] for w in pattern) for o in orgs))
            person = _Person(site, org, pattern)
            roles = [r for r in targets.ROLES if all(role_room[w][r] for w in pattern)]
            if roles:  # same job in every wave where the role counts allow it
                weights = (
                    targets.ROLE_AFFINITY[org][r] * min(role_room[w][r] for w in pattern)
                    for r in roles
                )
                kept = _choice(rng, roles, weights)
                person.roles = dict.fromkeys(pattern, kept)
            for wave in pattern:
                site_room[wave][site] -= 1
                org_room[wave][org] -= 1
                if wave not in person.roles:
                    person.roles[wave] = _role(rng, org, role_room[wave])
                role_room[wave][person.roles[wave]] -= 1
            people.append(person)

    # Everyone else answered one wave only: fill the remaining places.
    for wave in targets.WAVES:
        places = [s for s, n in site_room[wave].items() for _ in range(n)]
        orgs = [o for o, n in org_room[wave].items() for _ in range(n)]
        rng.shuffle(orgs)
        for site, org in zip(places, orgs, strict=True):
            role = _role(rng, org, role_room[wave])
            role_room[wave][role] -= 1
            people.append(_Person(site, org, (wave,), roles={wave: role}))
    for person in people:
        person.invited.update(person.completed)
    return people


def _role(rng: np.random.Generator, org: str, room: dict[str, int]) -> str:
    roles = [r for r in targets.ROLES if room[r] > 0]
    return _choice(rng, roles, (targets.ROLE_AFFINITY[org][r] * room[r] for r in roles))


def _never_completed(rng: np.random.Generator) -> list[_Person]:
    """Invited informants who never completed a questionnaire (mailing list only)."""
    sites = list(targets.SITE_PROGRAMME_WAVE)
    orgs = list(targets.NEVER_COMPLETED_ORG_WEIGHT)
    out: list[_Person] = []
    for pattern, n in targets.NEVER_COMPLETED_N.items():
        for i in range(n):
            if len(pattern) == len(targets.WAVES) and i < len(sites):
                site = sites[i]  # every site has someone on every wave's list
            else:
                site = _choice(rng, sites, (targets.SITE_WEIGHT[s] for s in sites))
            org = _choice(rng, orgs, targets.NEVER_COMPLETED_ORG_WEIGHT.values())
            out.append(_Person(site, org, (), invited=set(pattern)))
    return out


def _assign_panel_ids(rng: np.random.Generator, people: list[_Person]) -> None:
    """Pseudonymous ids in random order, so an id says nothing about the person."""
    order = rng.permutation(len(people))
    for person, number in zip(people, order, strict=True):
        person.panel_id = f"ki{int(number) + 1:04d}"


def _respondents(rng: np.random.Generator, people: list[_Person]):
    """Per wave, the participants in random order with their respondent ids."""
    out: dict[int, list[tuple[_Person, str]]] = {}
    for wave in targets.WAVES:
        group = [p for p in people if wave in p.completed]
        order = rng.permutation(len(group))
        out[wave] = [(group[j], f"r{wave}-{i + 1:03d}") for i, j in enumerate(order)]
    return out


# --- counts ---------------------------------------------------------------------------------


def _count_for(percent: int, base: int) -> int:
    """The smallest count whose percentage of ``base`` prints as ``percent``."""
    for count in range(base + 1):
        if percent_half_up(count, base) == percent:
            return count
    raise RuntimeError(f"synthetic targets: {percent}% cannot be printed from a base of {base}")


def _apportion(weights: Sequence[float], total: int) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder, ties by order)."""
    w = np.asarray(weights, dtype=float)
    exact = w / w.sum() * total
    counts = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - counts), kind="stable")[: total - int(counts.sum())]:
        counts[i] += 1
    return [int(c) for c in counts]


def _row_counts(percents: Sequence[int], base: int, answered: int) -> tuple[int, ...]:
    """Counts summing to ``answered`` whose percentages of ``base`` print as ``percents``."""
    options = [[k for k in range(base + 1) if percent_half_up(k, base) == p] for p in percents]
    for combo in itertools.product(*options):
        if sum(combo) == answered:
            return tuple(combo)
    raise RuntimeError(f"synthetic targets: no counts of {answered} give {list(percents)}%")


def _progress_counts(objective: str, wave: int) -> tuple[int, ...]:
    base = targets.PROGRESS_BASE[wave]
    override = targets.PROGRESS_COUNT_OVERRIDE.get((objective, wave))
    if override is not None:
        return override
    skipped = targets.PROGRESS_ITEM_NONRESPONSE.get((objective, wave), 0)
    return _row_counts(targets.TABLE_V_PCT[objective][wave], base, base - skipped)


def _rate(
    rng: np.random.Generator,
    rids: Sequence[str],
    counts: Sequence[int],
    scale: Sequence[str],
    latent: dict[str, float],
) -> dict[str, str]:
    """Hand out answer codes in ``counts`` (aligned with ``scale``; a trailing ``dont_know``
    goes to random respondents, the ordered codes follow each respondent's noisy latent
    leaning so that answers hang together across rows)."""
    if sum(counts) != len(rids):
        raise RuntimeError("synthetic generator: counts do not match the respondents")
    ordered, n_dont_know = list(zip(scale, counts, strict=True)), 0
    if scale[-1] == "dont_know":
        ordered, n_dont_know = ordered[:-1], counts[-1]
    shuffled = [rids[i] for i in rng.permutation(len(rids))]
    out = dict.fromkeys(shuffled[:n_dont_know], "dont_know")
    rest = shuffled[n_dont_know:]
    keys = np.array([latent[r] for r in rest]) + rng.normal(0.0, 1.0, len(rest))
    ranked = [rest[i] for i in np.argsort(-keys, kind="stable")]
    start = 0
    for code, n in ordered:
        out.update(dict.fromkeys(ranked[start : start + n], code))
        start += n
    return out


# --- answers --------------------------------------------------------------------------------


def _grids(rng, wave: int, group, answers: dict[str, dict[str, str]]) -> None:
    """Progress (Table V), barriers (Figure 2) and facilitators (Figure 3)."""
    rids = [rid for _, rid in group]
    n = len(rids)
    # Respondents who stop early skip whole grids; the skippers of a grid with a smaller base
    # include those of a grid with a larger one.
    dropout = [rids[i] for i in rng.permutation(n)]

    def answering(base: int) -> list[str]:
        skip = set(dropout[: n - base])
        return [r for r in rids if r not in skip]

    optimism = dict(zip(rids, rng.normal(0.0, 1.0, n), strict=True))
    takers = answering(targets.PROGRESS_BASE[wave])
    for objective in targets.OBJECTIVES:
        counts = _progress_counts(objective, wave)
        skipped = len(takers) - sum(counts)
        row_takers = [takers[i] for i in sorted(rng.permutation(len(takers))[skipped:])]
        coded = _rate(rng, row_takers, counts, targets.PROGRESS_SCALE, optimism)
        for rid in row_takers:
            answers[rid][f"progress.{objective}"] = coded[rid]
    if wave == 2016:
        for extra, percents in targets.PROGRESS_EXTRA_2016_PCT.items():
            coded = _rate(
                rng, takers, _apportion(percents, len(takers)), targets.PROGRESS_SCALE, optimism
            )
            for rid in takers:
                answers[rid][f"progress.{extra}"] = coded[rid]

    index = targets.WAVES.index(wave)
    strain = dict(zip(rids, rng.normal(0.0, 1.0, n), strict=True))
    takers = answering(targets.BARRIER_BASE[wave])
    for barrier, by_wave in targets.BARRIER_VERY_PCT.items():
        percent = by_wave[index]
        if percent is None:
            continue
        very = _count_for(percent, len(takers))
        counts = [very, *_apportion(targets.BARRIER_REST_SPLIT, len(takers) - very)]
        coded = _rate(rng, takers, counts, targets.BARRIER_SCALE, strain)
        for rid in takers:
            answers[rid][f"barriers.{barrier}"] = coded[rid]

    keen = dict(zip(rids, rng.normal(0.0, 1.0, n), strict=True))
    takers = answering(targets.FACILITATOR_BASE[wave])
    for facilitator, by_wave in targets.FACILITATOR_VERY_PCT.items():
        very = _count_for(by_wave[index], len(takers))
        counts = [very, *_apportion(targets.FACILITATOR_REST_SPLIT, len(takers) - very)]
        coded = _rate(rng, takers, counts, targets.FACILITATOR_SCALE, keen)
        for rid in takers:
            answers[rid][f"facilitators.{facilitator}"] = coded[rid]


def _objectives(rng, wave: int, group, answers: dict[str, dict[str, str]]) -> None:
    """Pick-N objectives (Table IV): exact counts per organisation type, at most 3 each."""
    chosen: dict[str, set[str]] = {rid: set() for _, rid in group}
    members = {o: [(p, rid) for p, rid in group if p.org == o] for o in targets.ORG_TYPES}
    index = targets.ORG_TYPES.index
    counts = {
        o: {
            obj: _count_for(targets.TABLE_IV_PCT[obj][wave][index(o)], len(members[o]))
            for obj in targets.OBJECTIVES
        }
        for o in targets.ORG_TYPES
    }

    # Self-management first: the informants who completed both 2017 and 2018 have their own
    # published percentage (Discussion), so split each organisation's count between them and
    # everyone else.
    both = {o: [rid for p, rid in members[o] if {2017, 2018} <= set(p.completed)] for o in members}
    target = _count_for(targets.PANEL_SELF_MANAGE_PCT[wave], sum(len(v) for v in both.values()))
    low = {o: max(0, counts[o]["self_manage"] - (len(members[o]) - len(both[o]))) for o in both}
    high = {o: min(len(both[o]), counts[o]["self_manage"]) for o in both}
    share = dict(low)
    for _ in range(target - sum(low.values())):
        open_ = [o for o in targets.ORG_TYPES if share[o] < high[o]]
        share[_choice(rng, open_, (high[o] - share[o] for o in open_))] += 1
    for o, people in members.items():
        inside = set(both[o])
        outside = [rid for _, rid in people if rid not in inside]
        picked = list(rng.permutation(both[o])[: share[o]])
        picked += list(rng.permutation(outside)[: counts[o]["self_manage"] - share[o]])
        for rid in picked:
            chosen[str(rid)].add("self_manage")

    # The rest: each objective goes to the informants with the fewest choices so far, so
    # nobody exceeds three as long as the counts add up to no more than 3 x base.
    for o, people in members.items():
        rids = [rid for _, rid in people]
        if sum(counts[o].values()) > targets.PICK_N * len(rids):
            raise RuntimeError(f"synthetic targets: {o} {wave} needs more than 3 choices each")
        rest = sorted(
            (obj for obj in targets.OBJECTIVES if obj != "self_manage"),
            key=lambda obj: -counts[o][obj],
        )
        for obj in rest:
            tiebreak = rng.random(len(rids))
            ranked = sorted(range(len(rids)), key=lambda i: (len(chosen[rids[i]]), tiebreak[i]))
            for i in ranked[: counts[o][obj]]:
                chosen[rids[i]].add(obj)
    for rid, picks in chosen.items():
        for obj in targets.OBJECTIVES:
            selected = response_frame.SELECTED if obj in picks else response_frame.NOT_SELECTED
            answers[rid][f"objectives_top3.{obj}"] = selected


def _initiatives(rng, group, answers: dict[str, dict[str, str]]) -> None:
    """Tick-all initiatives (Table III): a site has an X iff at least one informant ticked."""
    by_site: dict[str, list[str]] = {}
    for person, rid in group:
        by_site.setdefault(person.site, []).append(rid)
    for site, rids in by_site.items():
        marked = {targets.INITIATIVES[i - 1] for i in targets.TABLE_III_X[site]}
        for code in targets.INITIATIVES:
            ticks = rng.random(len(rids)) < 0.6 if code in marked else np.zeros(len(rids), bool)
            if code in marked and not ticks.any():
                ticks[int(rng.integers(len(rids)))] = True
            for rid, tick in zip(rids, ticks, strict=True):
                answers[rid][f"initiatives.{code}"] = "1" if tick else "0"


def _questions_2016(rng, group, answers: dict[str, dict[str, str]]) -> None:
    """The 2016-only questions: policy helpfulness, involvement, achievements, challenge."""
    rids = [rid for _, rid in group]
    for policy, counts in targets.POLICY_HELPFULNESS_N.items():
        codes = [
            c for c, n in zip(targets.HELPFULNESS_SCALE, counts, strict=True) for _ in range(n)
        ]
        for rid, code in zip(rng.permutation(rids), codes, strict=True):
            answers[str(rid)][f"policy_helpfulness.{policy}"] = code
    for org in targets.ORG_TYPES:
        members = [rid for person, rid in group if person.org == org]
        for body, percents in targets.INVOLVEMENT_PCT.items():
            counts = _apportion(percents, len(members))
            codes = [
                c for c, n in zip(targets.INVOLVEMENT_SCALE, counts, strict=True) for _ in range(n)
            ]
            for rid, code in zip(rng.permutation(members), codes, strict=True):
                answers[str(rid)][f"involvement.{body}"] = code
    for item, pool, share in (
        ("achievements", targets.ACHIEVEMENTS_2016, 0.85),
        ("challenge", targets.CHALLENGES_2016, 0.8),
    ):
        for rid in rids:
            if rng.random() < share:
                answers[rid][item] = str(pool[int(rng.integers(len(pool)))])


def _comments(rng, group, answers: dict[str, dict[str, str]]) -> None:
    for _, rid in group:
        if rng.random() < 0.25:
            answers[rid]["comments"] = targets.COMMENTS[int(rng.integers(len(targets.COMMENTS)))]


# --- mailing list and waves -----------------------------------------------------------------


def _extra_invitations(rng: np.random.Generator, people: list[_Person]) -> None:
    """List some participants in waves they did not complete as well."""
    for pattern, extra in targets.EXTRA_INVITATIONS.items():
        group = [p for p in people if p.completed == pattern]
        for wave, n in extra.items():
            for j in rng.permutation(len(group))[:n]:
                group[int(j)].invited.add(wave)


def _mailing_frame(rng: np.random.Generator, people: list[_Person]) -> pd.DataFrame:
    """One row per invited informant per wave with the Table I list sizes."""
    rows = [
        (wave, p.panel_id, p.site, p.org, "complete" if wave in p.completed else "no_response")
        for p in people
        for wave in sorted(p.invited)
    ]
    mailing = pd.DataFrame(rows, columns=["wave", "panel_id", "site", "org_type", "outcome"])
    for wave, n in targets.PARTIAL_N.items():
        idle = mailing.index[(mailing["wave"] == wave) & (mailing["outcome"] == "no_response")]
        mailing.loc[rng.choice(idle, size=n, replace=False), "outcome"] = "partial"
    sizes = mailing.groupby("wave").size().to_dict()
    if sizes != targets.MAILING_LIST_N:
        raise RuntimeError(
            f"synthetic targets: mailing lists of {sizes}, not {targets.MAILING_LIST_N}"
        )
    mailing = mailing.sort_values(["wave", "site", "panel_id"]).reset_index(drop=True)
    mailing["wave"] = mailing["wave"].astype("int64")
    for column in ("panel_id", "site", "org_type", "outcome"):
        mailing[column] = mailing[column].astype("string")
    return mailing


def _waves_frame() -> pd.DataFrame:
    rows = [
        (wave, INSTRUMENT[wave], *targets.FIELDWORK[wave], targets.PERIOD_LABEL[wave])
        for wave in targets.WAVES
    ]
    waves = pd.DataFrame(
        rows,
        columns=["wave", "instrument", "fieldwork_start", "fieldwork_end", "period_label"],
    )
    waves["wave"] = waves["wave"].astype("int64")
    for column in waves.columns[1:]:
        waves[column] = waves[column].astype("string")
    return waves
