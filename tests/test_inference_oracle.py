"""pioneer.survey.inference against R.

Expected values come from R 4.2.2 and survey 4.1.1, written by ``tests/oracle/make_expected.R``
(see ``tests/oracle/README.md`` for the command). R is not needed to run these tests.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pioneer.survey.inference import (
    chi_square_2x2,
    chi_square_test,
    difference_interval,
    equal_site_weights,
    expected_2x2,
    mcnemar_exact,
    mcnemar_test,
    two_proportion_test,
    weighted_proportion,
    wilson_interval,
)

pytestmark = pytest.mark.oracle

ORACLE = Path(__file__).parent / "oracle"
TOL = {"rtol": 1e-10, "atol": 1e-12}
# svyciprop "logit" fits svyglm by iteratively reweighted least squares, so R's estimate is
# only as exact as its convergence tolerance (about 1e-9 here).
ITERATIVE_TOL = {"rtol": 1e-8, "atol": 1e-8}


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(ORACLE / name)


def test_wilson_matches_prop_test_conf_int():
    r = read("wilson.csv")
    assert len(r) > 100
    for confidence, group in r.groupby("confidence"):
        lower, upper = wilson_interval(group["k"], group["n"], confidence=confidence)
        np.testing.assert_allclose(lower, group["lower"], **TOL)
        np.testing.assert_allclose(upper, group["upper"], **TOL)


@pytest.mark.parametrize("correct", [False, True])
def test_two_proportion_matches_prop_test(correct):
    r = read("prop_test.csv")
    r = r[r["correct"] == correct]
    result = two_proportion_test(r["k1"], r["n1"], r["k2"], r["n2"], correction=correct)
    # R gives NaN where both groups answered all yes or all no; so must we.
    np.testing.assert_array_equal(np.isnan(result.statistic), r["statistic"].isna())
    np.testing.assert_allclose(result.statistic, r["statistic"], **TOL)
    np.testing.assert_allclose(result.p_value, r["p_value"], **TOL)
    np.testing.assert_allclose(result.z**2, r["statistic"], **TOL)
    assert result.df == 1
    assert (r["df"] == 1).all()


@pytest.mark.parametrize("correct", [False, True])
def test_chi_square_matches_chisq_test(correct):
    cells = read("chisq_tables.csv")
    expected = read("chisq.csv")
    expected = expected[expected["correct"] == correct].set_index("table_id")
    assert len(expected) >= 20
    for table_id, group in cells.groupby("table_id"):
        table = group.pivot(index="row", columns="col", values="count").to_numpy()
        row = expected.loc[table_id]
        result = chi_square_test(table, correction=correct)
        np.testing.assert_allclose(result.statistic, row["statistic"], **TOL)
        np.testing.assert_allclose(result.p_value, row["p_value"], **TOL)
        assert result.df == row["df"]
        # R warns exactly when some expected count is below 5; our note flags the same tables.
        assert bool(result.note) == bool(row["r_warned"]), table_id


def test_chi_square_2x2_matches_chisq_test_on_every_2x2_table_at_once():
    cells = read("chisq_tables.csv")
    expected = read("chisq.csv")
    expected = expected[~expected["correct"]].set_index("table_id")
    shapes = cells.groupby("table_id")[["row", "col"]].max()
    ids = shapes.index[(shapes["row"] == 2) & (shapes["col"] == 2)]
    assert len(ids) >= 7  # the 2 × 2 tables of make_expected.R
    square = cells[cells["table_id"].isin(ids)].pivot_table(
        index="table_id", columns=["row", "col"], values="count"
    )
    k1, n1 = square[(1, 1)], square[(1, 1)] + square[(1, 2)]
    k2, n2 = square[(2, 1)], square[(2, 1)] + square[(2, 2)]
    result = chi_square_2x2(k1.to_numpy(), n1.to_numpy(), k2.to_numpy(), n2.to_numpy())
    np.testing.assert_allclose(result.statistic, expected.loc[ids, "statistic"], **TOL)
    np.testing.assert_allclose(result.p_value, expected.loc[ids, "p_value"], **TOL)
    # R's warning (some expected count below 5) matches the smallest expected count.
    smallest = expected_2x2(k1, n1, k2, n2).min(axis=-1)
    np.testing.assert_allclose(smallest, expected.loc[ids, "min_expected"], **TOL)
    np.testing.assert_array_equal(smallest < 5, expected.loc[ids, "r_warned"])


@pytest.mark.parametrize("correct", [False, True])
def test_mcnemar_matches_mcnemar_test(correct):
    r = read("mcnemar.csv")
    r = r[r["correct"] == correct]
    result = mcnemar_test(r["b"], r["c"], correction=correct)
    np.testing.assert_array_equal(np.isnan(result.statistic), r["statistic"].isna())
    np.testing.assert_allclose(result.statistic, r["statistic"], **TOL)
    np.testing.assert_allclose(result.p_value, r["p_value"], **TOL)


def test_mcnemar_exact_matches_binom_test():
    r = read("binom.csv")
    result = mcnemar_exact(r["b"], r["c"])
    np.testing.assert_allclose(result.p_value, r["p_value"], **TOL)
    np.testing.assert_array_equal(result.statistic, r["b"])


def test_difference_interval_matches_newcombe_formula_on_r_wilson_limits():
    r = read("newcombe.csv")
    for confidence, group in r.groupby("confidence"):
        difference, lower, upper = difference_interval(
            group["k1"], group["n1"], group["k2"], group["n2"], confidence=confidence
        )
        np.testing.assert_allclose(difference, group["difference"], **TOL)
        np.testing.assert_allclose(lower, group["lower"], **TOL)
        np.testing.assert_allclose(upper, group["upper"], **TOL)


def svyciprop_cases():
    expected = read("svyciprop.csv")
    return [
        pytest.param(row, id=f"{row.dataset}-{row.design}-{row.method}-{row.confidence:.2f}")
        for row in expected.itertuples(index=False)
    ]


@pytest.mark.parametrize("row", svyciprop_cases())
def test_weighted_proportion_matches_svyciprop(row):
    data = read("svyciprop_data.csv")
    data = data[data["dataset"] == row.dataset]
    clusters = data["site"] if row.design == "clustered" else None
    result = weighted_proportion(
        data["y"], data["w"], clusters=clusters, confidence=row.confidence, method=row.method
    )
    tol = ITERATIVE_TOL if row.method == "logit" else TOL
    np.testing.assert_allclose(result.estimate, row.estimate, **tol)
    np.testing.assert_allclose(result.lower, row.lower, **tol)
    np.testing.assert_allclose(result.upper, row.upper, **tol)
    np.testing.assert_allclose(result.se, row.se, **TOL)
    assert result.df == row.df
    assert result.note == ""


def test_svyciprop_estimate_exact_for_beta_rows():
    # The beta method's estimate is the plain weighted mean (no iteration in R).
    data = read("svyciprop_data.csv")
    expected = read("svyciprop.csv").query("method == 'beta'")
    for row in expected.itertuples(index=False):
        sub = data[data["dataset"] == row.dataset]
        result = weighted_proportion(sub["y"], sub["w"])
        np.testing.assert_allclose(result.estimate, row.estimate, **TOL)


def test_equal_site_weights_match_the_oracle_data():
    data = read("svyciprop_data.csv")
    equal = data[data["dataset"] != 5]  # data set 5 has arbitrary weights
    weights = equal_site_weights(equal["site"], wave=equal["dataset"])
    np.testing.assert_allclose(weights, equal["w"], **TOL)
