"""The whole chain reproduces the 2019 paper: synthetic panel → workspace → named tables.

Where ``test_paper_tables`` counts the generated frames by hand, this module asks the
library's own tables (:mod:`pioneer.survey.analysis`, as ``pioneer survey tables`` and
``make demo`` do) and compares the cells a reader sees — percentages rounded half up —
with the published values. Expected values are the constants of ``test_paper_tables``,
each copied there from Erens et al. (2019), ``000_9191d1decfdc3012.txt``, with its table
named beside it.
"""

from __future__ import annotations

import pytest
from test_paper_tables import (
    BARRIER_BASES,
    BARRIER_VERY,
    FACILITATOR_BASES,
    FACILITATOR_VERY,
    INITIATIVES,
    ORGS,
    PROGRESS_BASES,
    PROGRESS_SCALE,
    ROLES,
    SITES_COVERED,
    TABLE_I,
    TABLE_II_ORG,
    TABLE_II_PROGRAMME_WAVE,
    TABLE_II_ROLE,
    TABLE_III,
    TABLE_III_ALL_TEN,
    TABLE_III_X_CELLS,
    TABLE_IV,
    TABLE_IV_ALL_FROM_ORGS,
    TABLE_IV_BASES,
    TABLE_V,
    TABLE_V_DEPARTURES,
    WAVES,
)

from pioneer import programme
from pioneer import workspace as ws
from pioneer.reports.grid import round_half_up
from pioneer.survey import analysis, panel, synthetic

pytestmark = pytest.mark.spec

PUBLISHED = analysis.Options.build(threshold=0)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """The demo workspace, written and read back as ``make demo`` does."""
    path = tmp_path_factory.mktemp("workspace")
    ws.save(synthetic.generate(seed=2019).to_survey_data(), path)
    return ws.load(path)


@pytest.fixture(scope="module")
def sites():
    return programme.load("pioneers").sites


def shown(value: float) -> int:
    return int(round_half_up(value))


def cells(result, *keys: str) -> dict:
    frame = result.frame
    return {tuple(row[k] for k in keys[:-1]): row[keys[-1]] for _, row in frame.iterrows()}


def test_table_i(data):
    result = analysis.table("fieldwork", data, options=PUBLISHED)
    for _, row in result.frame.iterrows():
        period, mailing, participants, rate = TABLE_I[int(row["wave"])]  # Table I
        assert row["period_label"] == period
        assert (int(row["base"]), int(row["n"]), shown(row["percent"])) == (
            mailing,
            participants,
            rate,
        )


def test_table_ii(data, sites):
    result = analysis.table("characteristics", data, options=PUBLISHED, sites=sites)
    got = {(r.dimension, str(r.category), int(r.wave)): int(r.n) for r in result.frame.itertuples()}
    for wave in WAVES:
        wave1, wave2 = TABLE_II_PROGRAMME_WAVE[wave]  # Table II, Pioneer wave
        assert got[("programme_wave", "1", wave)] == wave1
        assert got[("programme_wave", "2", wave)] == wave2
        for org, n in zip(ORGS, TABLE_II_ORG[wave], strict=True):  # Table II, organisation
            assert got[("org_type", org, wave)] == n
        for role, n in zip(ROLES, TABLE_II_ROLE[wave], strict=True):  # Table II, job title/role
            assert got[("role", role, wave)] == n


def test_sites_covered_and_panel(data, sites):
    covered = panel.sites_covered(data.responses, sites["site_id"])
    assert dict(zip(covered["wave"], covered["sites"], strict=True)) == SITES_COVERED
    counts = panel.panel_counts(data.responses).set_index("n_waves")["informants"]
    assert counts[3] == 15  # 000 Results: "15 KIs participated in all three surveys"
    assert counts[2] == 38  # 000 Results: "a further 38 participated in two of the three"


def test_table_iii(data, sites):
    result = analysis.table("initiatives", data, options=PUBLISHED, sites=sites)
    got = {(r.site, r.item.split(".")[1]): bool(r.present) for r in result.frame.itertuples()}
    expected = {
        (site, code): mark == "X"
        for site, pattern in TABLE_III.items()
        for code, mark in zip(INITIATIVES, pattern, strict=True)
    }
    assert got == expected  # Table III, 23 sites x 10 initiatives
    assert result.summary.filled == TABLE_III_X_CELLS
    assert result.summary.sites_all == TABLE_III_ALL_TEN
    assert "blackpool_fylde_coast" not in {site for site, _ in got}


def test_table_iv(data):
    result = analysis.table("objectives", data, options=PUBLISHED)
    got = {
        (int(r.wave), r.item.split(".")[1], r.org_type): shown(r.percent)
        for r in result.frame.itertuples()
    }
    bases = {(int(r.wave), r.org_type): int(r.base) for r in result.bases.itertuples()}
    for wave, table in TABLE_IV.items():
        for org, base in zip((*ORGS, "All"), TABLE_IV_BASES[wave], strict=True):
            assert bases[(wave, org)] == base  # Table IV notes
        for objective, row in table.items():
            for org, published in zip((*ORGS, "All"), row, strict=True):
                expected = TABLE_IV_ALL_FROM_ORGS.get((wave, objective), published)
                expected = published if org != "All" else expected
                assert got[(wave, objective, org)] == expected, (wave, objective, org)


def test_table_v(data):
    result = analysis.table("progress", data, options=PUBLISHED)
    got = {
        (r.item.split(".")[1], int(r.wave), r.category): shown(r.percent)
        for r in result.frame.itertuples()
    }
    bases = {int(r.wave): int(r.base) for r in result.bases.itertuples()}
    assert bases == PROGRESS_BASES  # Figure 1 notes (Table V bases)
    for objective, by_wave in TABLE_V.items():
        for wave, row in by_wave.items():
            for category, published in zip(PROGRESS_SCALE, row, strict=True):
                expected = TABLE_V_DEPARTURES.get((objective, wave, category), published)
                assert got[(objective, wave, category)] == expected, (objective, wave, category)


def test_figure_2_and_3_values_stated_in_the_text(data):
    barriers = analysis.figure_data("barriers", data, options=PUBLISHED)
    got = {
        (r.item.split(".")[1], int(r.wave)): shown(r.percent) for r in barriers.frame.itertuples()
    }
    for key, value in BARRIER_VERY.items():  # Figure 2 text
        assert got[key] == value, key
    assert {int(r.wave): int(r.base) for r in barriers.bases.itertuples()} == BARRIER_BASES

    facilitators = analysis.figure_data("facilitators", data, options=PUBLISHED)
    got = {
        (r.item.split(".")[1], int(r.wave)): shown(r.percent)
        for r in facilitators.frame.itertuples()
    }
    for code, values in FACILITATOR_VERY.items():  # Figure 3 text
        assert tuple(got[(code, wave)] for wave in WAVES) == values
    bases = {int(r.wave): int(r.base) for r in facilitators.bases.itertuples()}
    assert bases == FACILITATOR_BASES  # Figure 3 notes
