"""Targets for :mod:`pioneer.survey.synthetic`: published figures and invented fill-ins.

Published numbers come from Erens et al. (2019), seed ``000_9191d1decfdc3012.txt``
(the "2019 KI paper"), via the clean extracts in ``shared/reference/ki_surveys_2019_paper``;
each block names its table or figure. Numbers marked *invented* are not published: they fill
the gaps the paper leaves (items it does not name, categories it does not report) so that
every stated fact still holds. ``docs/synthetic.md`` lists every choice.
"""

from __future__ import annotations

WAVES: tuple[int, ...] = (2016, 2017, 2018)

#: Programme wave of each site (``reference/pioneers/pioneers.csv`` column ``wave``).
SITE_PROGRAMME_WAVE: dict[str, int] = {
    "airedale_wharfedale_craven": 2,
    "barnsley": 1,
    "blackpool_fylde_coast": 2,
    "camden": 2,
    "cheshire": 1,
    "cornwall_isles_of_scilly": 1,
    "east_london_welc": 1,
    "greater_manchester": 2,
    "greenwich": 1,
    "islington": 1,
    "kent": 1,
    "leeds": 1,
    "north_west_london": 1,
    "nottingham_city": 2,
    "nottingham_county": 2,
    "sheffield": 2,
    "south_devon_torbay": 1,
    "south_somerset": 2,
    "south_tyneside": 1,
    "southend": 1,
    "staffordshire_stoke": 1,
    "vale_of_york": 2,
    "wakefield": 2,
    "west_norfolk": 2,
    "worcestershire": 1,
}

#: Relative size of each site's key-informant pool (invented; larger partnerships weigh more).
SITE_WEIGHT: dict[str, float] = {site: 1.0 for site in SITE_PROGRAMME_WAVE} | {
    "greater_manchester": 2.5,
    "north_west_london": 2.5,
    "kent": 2.0,
    "east_london_welc": 1.8,
    "cheshire": 1.6,
    "leeds": 1.6,
    "staffordshire_stoke": 1.5,
    "worcestershire": 1.4,
    "nottingham_county": 1.3,
    "south_devon_torbay": 1.3,
    "cornwall_isles_of_scilly": 1.2,
    "blackpool_fylde_coast": 0.6,
    "west_norfolk": 0.8,
    "south_somerset": 0.8,
}

#: Sites with no participant in a wave. 2018: Table III note a. 2017: the paper says 24 of 25
#: sites took part without naming the missing one; Blackpool and Fylde Coast is our choice.
SITES_WITHOUT_PARTICIPANTS: dict[int, tuple[str, ...]] = {
    2016: (),
    2017: ("blackpool_fylde_coast",),
    2018: ("blackpool_fylde_coast", "cornwall_isles_of_scilly"),
}

#: 2016 respondents per site range 1–9 (003 slides): the single-respondent site (our choice).
SITE_WITH_ONE_RESPONDENT_2016 = "blackpool_fylde_coast"
MAX_RESPONDENTS_PER_SITE = 9

# --- Table I: fieldwork (000 Table I) -------------------------------------------------------
MAILING_LIST_N: dict[int, int] = {2016: 337, 2017: 482, 2018: 439}
PARTICIPANTS_N: dict[int, int] = {2016: 98, 2017: 105, 2018: 85}
PERIOD_LABEL: dict[int, str] = {
    2016: "April–June 2016",
    2017: "June-September 2017",  # hyphen as printed
    2018: "September–November 2018",
}
#: Fieldwork dates: 2016 from the 003 slides (mid-April to mid-June); 2017 and 2018 days are
#: invented inside the published months.
FIELDWORK: dict[int, tuple[str, str]] = {
    2016: ("2016-04-15", "2016-06-15"),
    2017: ("2017-06-01", "2017-09-30"),
    2018: ("2018-09-01", "2018-11-30"),
}
#: Mailing-list members who started but did not finish (invented; not participants).
PARTIAL_N: dict[int, int] = {2016: 5, 2017: 7, 2018: 4}

# --- Table II: key informant characteristics (000 Table II) --------------------------------
PROGRAMME_WAVE_N: dict[int, dict[int, int]] = {
    2016: {1: 61, 2: 37},
    2017: {1: 62, 2: 43},
    2018: {1: 54, 2: 31},
}
ORG_TYPES: tuple[str, ...] = ("CCG", "LA", "NHS provider", "Other")
ORG_TYPE_N: dict[int, dict[str, int]] = {
    2016: {"CCG": 26, "LA": 24, "NHS provider": 23, "Other": 25},
    2017: {"CCG": 22, "LA": 33, "NHS provider": 22, "Other": 28},
    2018: {"CCG": 27, "LA": 22, "NHS provider": 24, "Other": 12},
}
ROLES: tuple[str, ...] = (
    "integration_lead",
    "chief_executive",
    "director",
    "locality_manager",
    "senior_manager",
    "clinician",
    "other",
)
ROLE_N: dict[int, dict[str, int]] = {
    2016: dict(zip(ROLES, (22, 17, 29, 4, 17, 5, 4), strict=True)),
    2017: dict(zip(ROLES, (19, 19, 30, 4, 21, 7, 5), strict=True)),
    2018: dict(zip(ROLES, (16, 6, 24, 5, 21, 10, 3), strict=True)),
}
#: How likely each role is in each organisation type (invented, relative weights).
ROLE_AFFINITY: dict[str, dict[str, float]] = {
    "CCG": dict(zip(ROLES, (1.2, 1.0, 1.2, 0.6, 1.0, 1.5, 0.2), strict=True)),
    "LA": dict(zip(ROLES, (1.4, 0.8, 1.5, 1.0, 1.0, 0.1, 0.2), strict=True)),
    "NHS provider": dict(zip(ROLES, (0.8, 1.0, 1.2, 1.0, 1.0, 2.0, 0.2), strict=True)),
    "Other": dict(zip(ROLES, (0.5, 1.5, 0.6, 0.4, 1.0, 0.3, 3.0), strict=True)),
}

# --- Panel (000 Results, first paragraph; Discussion) --------------------------------------
#: Informants by the set of waves they completed. 15 in all three and 38 in exactly two are
#: published; the split of the 38 is ours. 27 in both 2017 and 2018 (15 + 12) is the smallest
#: base on which 59% and 33% are both attainable (16/27 and 9/27).
PANEL_PATTERN_N: dict[tuple[int, ...], int] = {
    (2016, 2017, 2018): 15,
    (2016, 2017): 16,
    (2016, 2018): 10,
    (2017, 2018): 12,
}
#: Among informants completing both 2017 and 2018: % selecting self-management (Discussion).
PANEL_SELF_MANAGE_PCT: dict[int, int] = {2017: 59, 2018: 33}

# --- Table III: initiatives implemented, 2018 (000 Table III) ------------------------------
INITIATIVES: tuple[str, ...] = (
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
#: Initiative numbers (1–10, Table III order) marked X for each site.
TABLE_III_X: dict[str, tuple[int, ...]] = {
    "airedale_wharfedale_craven": (1, 2, 3, 7, 8, 9),
    "barnsley": (1, 2, 3, 6, 7, 8, 9),
    "camden": (1, 2, 3, 5, 6, 7, 8, 9),
    "cheshire": (1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
    "east_london_welc": (1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
    "greater_manchester": (1, 2, 3, 4, 5, 6, 7, 8, 9),
    "greenwich": (1, 2, 3, 5, 6, 8, 9),
    "islington": (1, 2, 3, 5, 6, 7, 9),
    "kent": (1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
    "leeds": (1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
    "nottingham_city": (1, 2, 3, 7, 8, 9),
    "nottingham_county": (1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
    "north_west_london": (1, 2, 3, 4, 5, 6, 7, 8, 9),
    "sheffield": (1, 2, 3, 7, 9),
    "south_devon_torbay": (1, 2, 3, 5, 6, 7, 8, 9),
    "south_somerset": (1, 2, 3, 9, 10),
    "south_tyneside": (1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
    "southend": (1, 2, 3, 4, 5, 6, 7, 8, 9),
    "staffordshire_stoke": (1, 3, 8, 9),
    "vale_of_york": (1, 2, 3, 4, 7, 9),
    "wakefield": (1, 2, 3, 5, 6, 7, 8, 9),
    "west_norfolk": (1, 2, 3, 6, 9),
    "worcestershire": (1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
}

# --- Table IV: "most important" objectives, % by organisation type (000 Table IV) ----------
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
TABLE_IV_BASE: dict[int, dict[str, int]] = {
    2017: {"CCG": 22, "LA": 33, "NHS provider": 22, "Other": 28, "All": 105},
    2018: {"CCG": 27, "LA": 22, "NHS provider": 24, "Other": 12, "All": 85},
}
#: objective -> year -> (CCG, LA, NHS provider, Other, All) %.
TABLE_IV_PCT: dict[str, dict[int, tuple[int, int, int, int, int]]] = {
    "joined_up": {2017: (55, 58, 73, 75, 65), 2018: (70, 82, 75, 83, 76)},
    "self_manage": {2017: (59, 64, 41, 50, 54), 2018: (44, 50, 33, 42, 46)},
    "unplanned_admissions": {2017: (64, 39, 73, 43, 52), 2018: (48, 36, 75, 33, 51)},
    "quality_of_care": {2017: (27, 39, 41, 46, 39), 2018: (44, 36, 63, 50, 48)},
    "costs": {2017: (50, 39, 23, 29, 35), 2018: (41, 32, 17, 0, 26)},
    "quality_of_life": {2017: (18, 36, 23, 11, 23), 2018: (37, 41, 21, 42, 34)},
    "greater_say": {2017: (9, 9, 9, 14, 11), 2018: (0, 14, 4, 17, 7)},
    "accessible": {2017: (9, 6, 14, 11, 10), 2018: (15, 9, 13, 33, 15)},
}
PICK_N = 3

# --- Table V: progress (000 Table V; bases from the Figure 1 notes) ------------------------
PROGRESS_SCALE: tuple[str, ...] = ("substantial", "some", "none", "dont_know")
PROGRESS_BASE: dict[int, int] = {2016: 90, 2017: 104, 2018: 80}
#: objective -> year -> (substantial, some, none, don't know) %.
TABLE_V_PCT: dict[str, dict[int, tuple[int, int, int, int]]] = {
    "joined_up": {2016: (9, 72, 8, 11), 2017: (15, 73, 7, 5), 2018: (21, 66, 11, 1)},
    "quality_of_care": {2016: (12, 61, 8, 9), 2017: (13, 75, 8, 5), 2018: (9, 80, 8, 4)},
    "accessible": {2016: (9, 73, 9, 9), 2017: (9, 63, 16, 13), 2018: (9, 70, 15, 6)},
    "quality_of_life": {2016: (8, 62, 9, 21), 2017: (5, 73, 12, 11), 2018: (5, 74, 11, 10)},
    "greater_say": {2016: (10, 57, 18, 16), 2017: (6, 67, 17, 10), 2018: (8, 69, 16, 8)},
    "self_manage": {2016: (9, 61, 11, 19), 2017: (5, 69, 14, 13), 2018: (4, 79, 10, 8)},
    "unplanned_admissions": {
        2016: (12, 34, 37, 17),
        2017: (7, 60, 23, 11),
        2018: (10, 70, 19, 1),
    },
    "costs": {2016: (4, 11, 30, 54), 2017: (3, 40, 30, 27), 2018: (5, 48, 29, 19)},
}
#: The printed 2016 quality-of-care row sums to 90%: 9 of the 90 grid respondents (10%)
#: skip that one row, and the four cells are reproduced over the grid base of 90.
PROGRESS_ITEM_NONRESPONSE: dict[tuple[str, int], int] = {("quality_of_care", 2016): 9}
#: No four counts summing to 104 round to 5/69/14/13 (the nearest need 105): "none" is 14
#: respondents = 13.46%, printed as 14 but 13 here (the smallest possible departure).
PROGRESS_COUNT_OVERRIDE: dict[tuple[str, int], tuple[int, int, int, int]] = {
    ("self_manage", 2017): (5, 72, 14, 13),
}
#: The seven extra 2016 rows (003 leads slide gives only a combined % for Pioneer leads);
#: invented (substantial, some, none, don't know) % for all key informants.
PROGRESS_EXTRA_2016_PCT: dict[str, tuple[int, int, int, int]] = {
    "independence": (8, 64, 12, 16),
    "carers": (6, 62, 14, 18),
    "awareness": (7, 60, 13, 20),
    "gp_centre": (10, 56, 18, 16),
    "responsiveness": (7, 58, 15, 20),
    "readmissions": (6, 44, 28, 22),
    "staff_satisfaction": (4, 42, 16, 38),
}

# --- Figure 2: barriers, % "very significant" (000 Figure 2 text) --------------------------
BARRIER_SCALE: tuple[str, ...] = ("very", "fairly", "not", "dont_know")
BARRIER_BASE: dict[int, int] = {2016: 97, 2017: 98, 2018: 80}
BARRIERS: tuple[str, ...] = (
    "financial_constraints",
    "increased_demand",
    "information_governance",
    "incompatible_it",
    "competing_demands",
    "national_policies",
    "unpublished_1",
    "unpublished_2",
    "unpublished_3",
    "unpublished_4",
    "unpublished_5",
    "unpublished_6",
    "staff_turnover",
)
#: item -> (2016, 2017, 2018) % "very"; None = not asked. Published: financial constraints
#: 64 -> 50, increased demand 44 -> 30, information governance 34 -> 16, incompatible IT
#: 47 -> 30 (2017 -> 2018). Everything else is invented to satisfy the counting facts.
BARRIER_VERY_PCT: dict[str, tuple[int | None, int, int]] = {
    "financial_constraints": (60, 64, 50),
    "increased_demand": (36, 44, 30),
    "information_governance": (38, 34, 16),
    "incompatible_it": (45, 47, 30),
    "competing_demands": (40, 45, 36),
    "national_policies": (42, 40, 26),
    "unpublished_1": (28, 37, 21),
    "unpublished_2": (14, 26, 18),
    "unpublished_3": (20, 29, 21),
    "unpublished_4": (10, 19, 10),
    "unpublished_5": (12, 22, 15),
    "unpublished_6": (26, 31, 20),
    "staff_turnover": (None, 24, 28),
}
#: The paper's 2018-vs-2016 comparison counts 7 lower + 4 higher-or-same = 11 of the 12
#: repeated items; this one is left out of that count (it is lower in 2018).
BARRIER_OUTSIDE_2016_COMPARISON = "unpublished_6"
#: Split of the answers other than "very" (invented): fairly, not, don't know.
BARRIER_REST_SPLIT: tuple[float, float, float] = (0.55, 0.37, 0.08)

# --- Figure 3: facilitators, % "very important" (000 Figure 3 text) ------------------------
FACILITATOR_SCALE: tuple[str, ...] = ("very", "fairly", "not_very", "not_at_all", "dont_know")
FACILITATOR_BASE: dict[int, int] = {2016: 96, 2017: 96, 2018: 80}
FACILITATORS: tuple[str, ...] = (
    "i_statements",
    "co_design",
    "voluntary_orgs",
    "unpublished_1",
    "unpublished_2",
    "unpublished_3",
    "unpublished_4",
    "unpublished_5",
    "unpublished_6",
)
#: item -> (2016, 2017, 2018) % "very". Published: I statements 49/27/15, co-design 55/39/34.
#: 2017 -> 2018: six lower, two within 2 points (unpublished_1, unpublished_2) and a small
#: rise for voluntary organisations (invented values).
FACILITATOR_VERY_PCT: dict[str, tuple[int, int, int]] = {
    "i_statements": (49, 27, 15),
    "co_design": (55, 39, 34),
    "voluntary_orgs": (40, 33, 38),
    "unpublished_1": (60, 52, 51),
    "unpublished_2": (45, 35, 36),
    "unpublished_3": (70, 68, 60),
    "unpublished_4": (50, 47, 40),
    "unpublished_5": (58, 54, 45),
    "unpublished_6": (35, 30, 24),
}
#: Split of the answers other than "very" (invented): fairly, not very, not at all, don't know.
FACILITATOR_REST_SPLIT: tuple[float, float, float, float] = (0.66, 0.18, 0.05, 0.11)

# --- 2016-only questions (invented, guided by the 003 slides) ------------------------------
HELPFULNESS_SCALE: tuple[str, ...] = ("very", "fairly", "not_very", "not_at_all", "dont_know")
#: Counts over all 98 respondents; very + fairly = 74% and 61% as on the 003 slides.
POLICY_HELPFULNESS_N: dict[str, tuple[int, int, int, int, int]] = {
    "new_care_models": (25, 48, 12, 3, 10),
    "bcf": (18, 42, 20, 8, 10),
}
INVOLVEMENT_SCALE: tuple[str, ...] = ("very", "fairly", "not_very", "not_at_all", "dont_know")
#: % per organisation type; CCG "very" stays under 50% (003 slides).
INVOLVEMENT_PCT: dict[str, tuple[int, int, int, int, int]] = {
    "acute_trusts": (30, 38, 20, 6, 6),
    "community_trusts": (40, 38, 12, 4, 6),
    "gps": (35, 35, 20, 5, 5),
}

# --- Mailing list (invented around Table I) -------------------------------------------------
#: Extra waves in which some participants were also invited but did not complete, by the set
#: of waves they completed: {completed waves: {other wave: how many were invited}}.
EXTRA_INVITATIONS: dict[tuple[int, ...], dict[int, int]] = {
    (2016, 2018): {2017: 10},
    (2016, 2017): {2018: 8},
    (2017, 2018): {2016: 6},
    (2016,): {2017: 30, 2018: 15},
    (2017,): {2016: 20, 2018: 30},
    (2018,): {2016: 10, 2017: 20},
}
#: Invited informants who never completed, by the waves they were invited in. Chosen so that
#: with the participants and EXTRA_INVITATIONS each wave's list has the Table I size.
NEVER_COMPLETED_N: dict[tuple[int, ...], int] = {
    (2016, 2017, 2018): 120,
    (2016, 2017): 40,
    (2017, 2018): 90,
    (2016,): 43,
    (2017,): 67,
    (2018,): 91,
}
#: Organisation mix of the informants who never completed (invented weights).
NEVER_COMPLETED_ORG_WEIGHT: dict[str, float] = {
    "CCG": 0.27,
    "LA": 0.30,
    "NHS provider": 0.25,
    "Other": 0.18,
}

# --- Open text (invented short answers; no names, no contact details) ----------------------
#: A few begin with "=", "+" or "-" so that exports must neutralise spreadsheet formulas.
ACHIEVEMENTS_2016: tuple[str, ...] = (
    "A shared vision for integrated care signed off by all partners",
    "Closer working between the council and the CCG",
    "Neighbourhood teams bringing nurses and social workers together",
    "Joint commissioning with a pooled budget",
    "New care coordinator posts tested in two localities",
    "Service users helped to redesign the discharge pathway",
    "Fewer people waiting in hospital for a care package",
    "An evaluation plan agreed across the partnership",
    "Practices taking part in multidisciplinary case reviews",
    "A single point of access for community services",
    "=shared care record now live in primary care",
    "+ more people supported at home after a fall",
    "- too early to point to results",
)
CHALLENGES_2016: tuple[str, ...] = (
    "Keeping every partner committed to the plan",
    "Recruiting and keeping community staff",
    "Budget pressures on both health and social care",
    "Short-term targets crowding out the long-term work",
    "Making pooled budgets work in practice",
    "Linking IT systems so records can be shared",
    "Changing how staff in different organisations work",
    "Showing that the new services are good value",
    "Winter pressure on the acute hospital",
    "=1+1 still has to make 3 for the finance directors",
    "+ keeping momentum once the Pioneer funding ends",
)
COMMENTS: tuple[str, ...] = (
    "Hard to separate the Pioneer work from other local programmes",
    "Momentum has slowed since national support was reduced",
    "My answers reflect my own organisation more than the whole area",
    "Good to be asked; please share the findings",
    "Some of the questions were difficult to answer for a whole system",
    "Progress is real but slower than we hoped",
    "The answers on budgets refer to the Better Care Fund",
    "+ would welcome a feedback session for the partnership board",
    "=see our annual report for details",
)
