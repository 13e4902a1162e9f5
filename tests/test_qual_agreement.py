"""Agreement statistics against hand-worked examples (and R's irr package, see
tests/oracle/qualitative/)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pioneer.errors import AnalysisError
from pioneer.qualitative.agreement import (
    agreement_table,
    character_ratings,
    cohen_kappa,
    document_ratings,
    krippendorff_alpha_nominal,
)
from pioneer.qualitative.model import Code, CodingFrame, Document, Project, Segment

T = "2014-06-01T10:00:00+00:00"


def test_kappa_hand_worked_two_by_two():
    # 10 documents; both coded 4, neither 4, a only 1, b only 1.
    # p_o = 8/10 = 0.8; each coder's marginal "yes" = 5/10, so
    # p_e = 0.5*0.5 + 0.5*0.5 = 0.5; kappa = (0.8 - 0.5) / (1 - 0.5) = 0.6.
    a = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    b = [1, 1, 1, 1, 0, 1, 0, 0, 0, 0]
    assert cohen_kappa(a, b) == pytest.approx(0.6)


def test_kappa_hand_worked_unequal_margins():
    # a: 6 yes of 10, b: 3 yes of 10; both yes on 3, so a-only 3, neither 4.
    # p_o = (3 + 4)/10 = 0.7; p_e = 0.6*0.3 + 0.4*0.7 = 0.18 + 0.28 = 0.46
    # kappa = (0.7 - 0.46)/(0.54) = 0.24/0.54 = 4/9
    a = [1, 1, 1, 1, 1, 1, 0, 0, 0, 0]
    b = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    assert cohen_kappa(a, b) == pytest.approx(4 / 9)


def test_kappa_undefined_and_errors():
    assert math.isnan(cohen_kappa([0, 0, 0], [0, 0, 0]))
    with pytest.raises(AnalysisError, match="same"):
        cohen_kappa([1], [1, 0])


def test_alpha_hand_worked_from_coincidence_matrix():
    # Same units as the first kappa example: N = 10 units, n = 20 values.
    # Coincidences: o_11 = 2*4 = 8, o_00 = 2*4 = 8, o_01 = o_10 = 2 (two disagreeing units).
    # n_1 = n_0 = 10. D_o = (o_01 + o_10)/n = 4/20 = 0.2;
    # D_e = (n_0 n_1 + n_1 n_0)/(n(n-1)) = 200/380; alpha = 1 - 0.2*380/200 = 1 - 0.38 = 0.62.
    a = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    b = [1, 1, 1, 1, 0, 1, 0, 0, 0, 0]
    assert krippendorff_alpha_nominal(a, b) == pytest.approx(0.62)


def test_alpha_krippendorff_2011_style_three_values():
    # Four units, values a/b/c: (a,a), (b,b), (c,c), (a,b).
    # n = 8; margins n_a = 3, n_b = 3, n_c = 2; disagreements: o_ab = o_ba = 1.
    # D_o = 2/8 = 0.25; sum_{c!=k} n_c n_k = 8*8 - (9 + 9 + 4) = 42; D_e = 42/56 = 0.75
    # alpha = 1 - 0.25/0.75 = 2/3.
    assert krippendorff_alpha_nominal(list("abca"), list("abcb")) == pytest.approx(2 / 3)
    assert math.isnan(krippendorff_alpha_nominal([1, 1], [1, 1]))


def corpus() -> Project:
    frame = CodingFrame("f", 1, (Code("X", "x"), Code("Y", "y"), Code("Y.1", "y1", parent_id="Y")))
    docs = (
        Document("d1", "s1", "interview", "D1", "0123456789"),
        Document("d2", "s1", "interview", "D2", "abcdefghij"),
    )

    def seg(i, d, s, e, codes, coder):
        text = {"d1": docs[0].text, "d2": docs[1].text}[d][s:e]
        return Segment(i, d, s, e, text, codes, coder, T)

    segments = (
        seg("a1", "d1", 0, 5, ("X",), "ann"),
        seg("b1", "d1", 2, 6, ("X",), "ben"),
        seg("a2", "d2", 0, 4, ("Y.1",), "ann"),
        seg("b2", "d2", 0, 4, ("X", "Y"), "ben"),
    )
    return Project("p", "P", frame, docs, segments)


def test_document_and_character_ratings_and_table():
    p = corpus()
    r = document_ratings(p, "ann", "ben", "X")
    assert list(r["a"]) == [1, 0]
    assert list(r["b"]) == [1, 1]
    a, b = character_ratings(p, "ann", "ben", "X")
    # 20 characters: ann covers d1[0:5]; ben covers d1[2:6] and d2[0:4].
    assert a.tolist() == [1] * 5 + [0] * 15
    assert b.tolist() == [0, 0, 1, 1, 1, 1] + [0] * 4 + [1] * 4 + [0] * 6
    table = agreement_table(p, "ann", "ben").frame.set_index("code_id")
    # X at document level: a = (1,0), b = (1,1): p_o = 1/2, p_e = .5*1 + .5*0 = .5 -> 0
    assert table.loc["X", "kappa"] == pytest.approx(0.0)
    # X at character level: 20 units, disagreements at 0,1,5 and 10-13: D = 7;
    # n = 40, n_1 = 5 + 8 = 13, n_0 = 27; D_o = 14/40; D_e = 2*13*27/(40*39) = 702/1560
    # alpha = 1 - (14/40) / (702/1560) = 1 - 0.35/0.45 = 2/9
    assert table.loc["X", "alpha"] == pytest.approx(2 / 9, abs=1e-4)
    # Y.1 used only by ann in d2; with children, Y covers both coders' d2[0:4]
    with_children = agreement_table(p, "ann", "ben", codes="Y", include_children=True)
    y = with_children.frame.set_index("code_id").loc["Y"]
    assert y["alpha"] == pytest.approx(1.0)
    assert y["both"] == 1


def test_agreement_errors():
    p = corpus()
    with pytest.raises(AnalysisError, match="coders present: ann, ben"):
        agreement_table(p, "ann", "zoe")
    with pytest.raises(AnalysisError, match="two different"):
        agreement_table(p, "ann", "ann")


def test_alpha_published_binary_example():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section A
    # (binary data, two observers, no missing data) gives alpha = 0.095 for these ten
    # units. By hand: 4 disagreeing units, n = 20, n_0 = 14, n_1 = 6,
    # alpha = 1 - (n - 1) * o_01 / (n_0 * n_1) = 1 - 19 * 4 / 84 = 0.0952.
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert round(krippendorff_alpha_nominal(a, b), 3) == 0.095
    # Cohen's kappa on the same ratings: p_o = 0.6, p_e = 0.2*0.4 + 0.8*0.6 = 0.56,
    # kappa = 0.04 / 0.44 = 1/11.
    assert cohen_kappa(a, b) == pytest.approx(1 / 11)


ORACLE = Path(__file__).parent / "oracle" / "qualitative"


@pytest.mark.oracle
def test_against_r_vcd_kappa_and_r_alpha():
    ratings = pd.read_csv(ORACLE / "agreement_ratings.csv")
    expected = pd.read_csv(ORACLE / "agreement_expected.csv").set_index("set")
    assert len(expected) == 9
    for name, d in ratings.groupby("set"):
        row = expected.loc[name]
        assert cohen_kappa(list(d["a"]), list(d["b"])) == pytest.approx(row["kappa"], rel=1e-12)
        assert krippendorff_alpha_nominal(list(d["a"]), list(d["b"])) == pytest.approx(
            row["alpha"], rel=1e-12
        )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=2, max_size=40))
def test_agreement_properties(pairs):
    a = [p[0] for p in pairs]
    b = [p[1] for p in pairs]
    kappa, alpha = cohen_kappa(a, b), krippendorff_alpha_nominal(a, b)
    # both are symmetric in the coders and at most 1
    assert cohen_kappa(b, a) == pytest.approx(kappa, nan_ok=True)
    assert krippendorff_alpha_nominal(b, a) == pytest.approx(alpha, nan_ok=True)
    assert math.isnan(alpha) or alpha <= 1 + 1e-12
    if len(set(a)) > 1:
        assert cohen_kappa(a, a) == pytest.approx(1.0)
        assert krippendorff_alpha_nominal(a, a) == pytest.approx(1.0)
