"""The interview register and the interim report's Tables 1a and 1b."""

from __future__ import annotations

import pytest

from pioneer.errors import AnalysisError, DataFileError
from pioneer.qualitative.model import Document
from pioneer.qualitative.register import (
    Interview,
    published_register_2014,
    register_from_documents,
    table1a,
    table1b,
    topic_guide,
)


@pytest.mark.spec
def test_table1a_reproduces_the_interim_report():
    # 002_577e0265496db613.txt Table 1a: stated total 140; Cheshire 18, Leeds 15,
    # Islington 4 (April to November 2014).
    t = table1a(published_register_2014()).frame.set_index("site_id")["n"]
    assert t["total"] == 140
    assert t["cheshire"] == 18
    assert t["leeds"] == 15
    assert t["islington"] == 4
    assert len(t) == 15  # 14 wave-1 sites and the total


@pytest.mark.spec
def test_table1b_reproduces_the_interim_report():
    # 002 Table 1b: CCGs 42, local authorities 49, Pioneer staff 8; total 140.
    t = table1b(published_register_2014()).frame.set_index("interviewee_type")["n"]
    assert t["Clinical Commissioning Groups"] == 42
    assert t["Local authorities"] == 49
    assert t["Pioneer staff"] == 8
    assert t["Total"] == 140
    assert t.index[0] == "Primary care providers"


def test_row_level_register_counts_only_consented_interviews():
    docs = [
        Document(
            "i1",
            "leeds",
            "interview",
            "T",
            "x",
            round=2,
            interviewee_type="Local authorities",
            consent="given",
        ),
        Document(
            "i2",
            "leeds",
            "interview",
            "T",
            "x",
            round=2,
            interviewee_type="Voluntary sector",
            consent="withdrawn",
        ),
        Document(
            "i3",
            "kent",
            "interview",
            "T",
            "x",
            round=2,
            interviewee_type="Acute care providers",
            consent="given",
        ),
    ]
    reg = register_from_documents(docs)
    assert reg.interviews[2].org_type == "NHS provider"
    t = table1a(reg, round=2).frame.set_index("site_id")["n"]
    assert t.to_dict() == {"kent": 1, "leeds": 1, "total": 2}
    with pytest.raises(AnalysisError, match="round 3"):
        table1b(reg, round=3)


def test_register_rejects_bad_values():
    with pytest.raises(DataFileError, match="Table 1b"):
        Interview("x", "leeds", 1, "GPs")
    with pytest.raises(DataFileError, match="consent"):
        Interview("x", "leeds", 1, "Pioneer staff", consent="maybe")


def test_topic_guide_2014():
    guide = topic_guide("2014")
    # 002 Appendix B: 11 sections, 58 items; section 1 is "The interviewee".
    assert len(guide.sections()) == 11
    assert len(guide.items) == 58
    assert guide.sections()[0] == (1, "The interviewee")
    with pytest.raises(AnalysisError, match="versions"):
        topic_guide("1999")
