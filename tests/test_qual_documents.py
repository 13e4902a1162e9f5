"""Site documents: Table C1 records, Table 2 statuses, Table 3 BCF profiles, change."""

from __future__ import annotations

import pytest

from pioneer.errors import AnalysisError, DataFileError
from pioneer.qualitative.documents import (
    C1_FIELDS,
    SiteRecord,
    bcf_profiles,
    c1_table,
    intervention_change,
    intervention_status,
    site_record,
    site_records,
)


@pytest.mark.spec
def test_c1_template_and_2014_records():
    # 002 Appendix C: 19 numbered fields from 1.1 to 4.2; 14 wave-1 sites.
    assert len(C1_FIELDS) == 19
    assert next(iter(C1_FIELDS)) == "1.1"
    assert list(C1_FIELDS)[-1] == "4.2"
    records = site_records(2014)
    assert len(records) == 14
    leeds = site_record("leeds")
    # Table C1, Leeds 1.1 lists the council, three CCGs and three trusts (7 bodies).
    assert len(leeds.organisations) == 7
    assert "Leeds West CCG" in leeds.organisations
    assert leeds.get("2.2") == "horizontal"
    assert site_record("south_tyneside").get("3.3.3") == "no"
    table = c1_table(fields=("1.3",)).frame
    assert len(table) == 14


def test_site_record_validation():
    with pytest.raises(DataFileError, match="unknown Table C1 field"):
        SiteRecord("x", 2014, (("9.9", "a"),))
    with pytest.raises(DataFileError, match="breadth"):
        SiteRecord("x", 2014, (("2.2", "diagonal"),))
    with pytest.raises(AnalysisError, match="years: 2014"):
        site_records(2016)


@pytest.mark.spec
def test_table2_september_2014():
    frame = intervention_status().frame
    # 002 Table 2: 14 sites x 14 interventions.
    assert len(frame) == 196
    cell = frame[(frame.site_id == "staffordshire_stoke") & (frame.intervention_no == 9)]
    assert cell["status"].item() == "3"  # multi-disciplinary teams: to be developed
    assert set(frame["status"]) <= {"1", "2", "3", "-"}


@pytest.mark.spec
def test_table3_bcf_profiles():
    frame = bcf_profiles().frame
    # 002 Table 3: Barnsley HWB population 233,700, pooled BCF 20.3 (GBP m).
    barnsley = frame[frame.site_id == "barnsley"].iloc[0]
    assert barnsley["population_n"] == 233700
    assert barnsley["total_bcf_pooled_gbp_m"] == pytest.approx(20.3)
    assert len(frame) == 22


def test_change_2014_to_2018():
    frame = intervention_change().frame.set_index(["site_id", "intervention"])
    # Staffordshire: MDTs "to be developed" in 2014 (Table 2), X in 2018 Table III.
    row = frame.loc[("staffordshire_stoke", "Multi-disciplinary teams")]
    assert row["change"] == "to be developed → implemented"
    cornwall = frame.loc[("cornwall_isles_of_scilly", "Multi-disciplinary teams")]
    assert cornwall["change"].endswith("not in the 2018 table")
