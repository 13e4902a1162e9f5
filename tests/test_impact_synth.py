"""Synthetic control: exact recovery of known weights, invariance, and the placebo p-value
worked by hand (no R package for synthetic control here)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pioneer.errors import AnalysisError
from pioneer.impact.synth import site_synthetic_control, synth_weights, synthetic_control

YEARS = list(range(2010, 2018))  # treatment 2015: 5 pre-periods, 3 post


def _long(series: dict[str, list[float]], years: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"area_code": a, "year": y, "outcome": v}
            for a, values in series.items()
            for y, v in zip(years, values, strict=True)
        ]
    )


@pytest.fixture(scope="module")
def convex() -> tuple[pd.DataFrame, dict[str, float]]:
    """Five donors (random walks); the site is 0.5·D1 + 0.3·D3 + 0.2·D4 before 2015 and that
    plus 4 after."""
    rng = np.random.default_rng(2015)
    donors = {f"D{j}": np.cumsum(rng.normal(0, 1, len(YEARS))) + 10 * j for j in range(5)}
    true = {"D1": 0.5, "D3": 0.3, "D4": 0.2}
    site = sum(w * donors[d] for d, w in true.items())
    site = site + 4.0 * (np.array(YEARS) >= 2015)
    return _long({"SITE": site.tolist(), **{d: v.tolist() for d, v in donors.items()}}, YEARS), true


def test_recovers_exact_convex_weights(convex):
    frame, true = convex
    result = synthetic_control(frame, treated_unit="SITE", treatment_year=2015)
    weights = result.details["weights"].set_index("donor")["weight"]
    for donor in weights.index:
        assert weights[donor] == pytest.approx(true.get(donor, 0.0), abs=1e-6)
    fit = result.details["fit"].iloc[0]
    assert fit["pre_rmspe"] == pytest.approx(0.0, abs=1e-6)
    path = result.details["path"]
    np.testing.assert_allclose(path.loc[path["post"], "gap"], 4.0, atol=1e-5)
    assert result.tidy().iloc[0]["estimate"] == pytest.approx(4.0, abs=1e-5)
    assert result.tidy()["term"].tolist() == [
        "mean post-period gap",
        "gap 2015",
        "gap 2016",
        "gap 2017",
    ]


def test_invariant_to_donor_order_and_labels(convex):
    frame, _ = convex
    base = synthetic_control(frame, treated_unit="SITE", treatment_year=2015)
    codes = {"SITE": "S", "D0": "z0", "D1": "a1", "D2": "m2", "D3": "b3", "D4": "y4"}
    shuffled = frame.sample(frac=1.0, random_state=3)
    got = synthetic_control(
        shuffled.assign(area_code=shuffled["area_code"].map(codes)),
        treated_unit="S",
        treatment_year=2015,
    )
    back = {v: k for k, v in codes.items()}
    w_got = got.details["weights"].assign(donor=lambda d: d["donor"].map(back))
    pd.testing.assert_series_equal(
        w_got.set_index("donor")["weight"].sort_index(),
        base.details["weights"].set_index("donor")["weight"].sort_index(),
        atol=1e-7,
    )
    pd.testing.assert_frame_equal(got.tidy(), base.tidy(), atol=1e-6)


def _hand_example(site_post: float) -> pd.DataFrame:
    """Two pre-periods and one post. Pre-period points: B (0, 0), C (1, 1), D (2, 0), site
    A (1, 2). Post values: B 0, C 1, D 0, A ``site_post``.

    By hand (nearest point of the donors' convex hull): A's synthetic control is C (A lies
    straight above C, outside the triangle BCD), pre-gaps (0, 1), pre-RMSPE √½. Placebos
    (donor pool without A): B → C (gaps −1, −1; RMSPE 1; post gap 0 − 1 = −1; ratio 1);
    C → ½B + ½D (pre-gaps 0, 1; RMSPE √½; post gap 1 − 0 = 1; ratio √2 ≈ 1.414);
    D → C (gaps 1, −1; RMSPE 1; post gap −1; ratio 1).
    """
    return _long(
        {
            "A": [1.0, 2.0, site_post],
            "B": [0.0, 0.0, 0.0],
            "C": [1.0, 1.0, 1.0],
            "D": [2.0, 0.0, 0.0],
        },
        [2012, 2013, 2014],
    )


@pytest.mark.parametrize(
    ("site_post", "ratio", "p_value"),
    [
        # post gap 5 - 1 = 4: ratio 4/√½ ≈ 5.66, the largest of 4 → p = 1/4
        (5.0, 4 / np.sqrt(0.5), 0.25),
        # post gap 0.9: ratio 0.9/√½ ≈ 1.27, below C's 1.414 → rank 2 → p = 2/4
        (1.9, 0.9 / np.sqrt(0.5), 0.5),
        # post gap 0.5: ratio ≈ 0.71, the smallest → p = 4/4
        (1.5, 0.5 / np.sqrt(0.5), 1.0),
    ],
)
def test_placebo_p_value_by_hand(site_post, ratio, p_value):
    result = synthetic_control(_hand_example(site_post), treated_unit="A", treatment_year=2014)
    weights = result.details["weights"].set_index("donor")["weight"]
    assert weights["C"] == pytest.approx(1.0, abs=1e-7)
    placebo = result.details["placebo"].set_index("unit")
    assert placebo.loc["B", "ratio"] == pytest.approx(1.0, abs=1e-6)
    assert placebo.loc["C", "ratio"] == pytest.approx(np.sqrt(2), abs=1e-6)
    assert placebo.loc["D", "ratio"] == pytest.approx(1.0, abs=1e-6)
    assert placebo.loc["A", "pre_rmspe"] == pytest.approx(np.sqrt(0.5), abs=1e-7)
    row = result.tidy().iloc[0]
    assert row["statistic"] == pytest.approx(ratio, rel=1e-6)
    assert row["p_value"] == pytest.approx(p_value)
    assert f"p = {p_value:.3g}" in result.summary()


def test_synth_weights_on_the_simplex():
    rng = np.random.default_rng(0)
    donors = rng.normal(size=(6, 10))  # more donors than periods: many exact fits
    w = synth_weights(rng.normal(size=6), donors)
    assert w.min() >= 0
    assert w.sum() == pytest.approx(1.0)


def test_period_weights_change_the_fit():
    frame = _hand_example(5.0)
    # Unweighted, A's synthetic control is C with a first-period gap of 0 and a second of 1.
    # Weighting only the first pre-period, any mix with first value 1 fits it exactly (gap
    # 0); weighting only the second, the best is still C (largest second value, 1).
    result = synthetic_control(
        frame, treated_unit="A", treatment_year=2014, period_weights=[1.0, 0.0]
    )
    path = result.details["path"]
    assert path["gap"].iloc[0] == pytest.approx(0.0, abs=1e-6)
    second = synthetic_control(
        frame, treated_unit="A", treatment_year=2014, period_weights=[0.0, 1.0]
    )
    assert second.details["path"]["gap"].iloc[1] == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(AnalysisError, match="period_weights"):
        synthetic_control(frame, treated_unit="A", treatment_year=2014, period_weights=[1.0])


def test_other_treated_areas_leave_the_default_pool(convex):
    frame, _ = convex
    frame = frame.assign(cohort=np.where(frame["area_code"].isin(["SITE", "D1"]), 2015, 0))
    result = synthetic_control(frame, treated_unit="SITE", treatment_year=2015)
    assert "D1" not in set(result.details["weights"]["donor"])
    assert any("other treated" in n for n in result.notes)


def test_bad_input(convex):
    frame, _ = convex
    with pytest.raises(AnalysisError, match="not in column"):
        synthetic_control(frame, treated_unit="NOPE", treatment_year=2015)
    with pytest.raises(AnalysisError, match="at least 2 donor"):
        synthetic_control(frame, treated_unit="SITE", treatment_year=2015, donors=["D1"])
    with pytest.raises(AnalysisError, match="period"):
        synthetic_control(frame, treated_unit="SITE", treatment_year=2010)
    with pytest.raises(AnalysisError, match="repeat an area-period"):
        synthetic_control(
            pd.concat([frame, frame.iloc[[0]]]), treated_unit="SITE", treatment_year=2015
        )
    with pytest.raises(AnalysisError, match="unbalanced"):
        synthetic_control(frame.iloc[1:], treated_unit="SITE", treatment_year=2015)
    with pytest.raises(AnalysisError, match="must be numeric"):
        synthetic_control(frame.assign(outcome="*"), treated_unit="SITE", treatment_year=2015)


def test_synth_figures_are_reproducible_svg(convex, tmp_path):
    import xml.etree.ElementTree as ET

    from pioneer.reports.impact_figures import synth_figure, synth_placebo_figure

    result = synthetic_control(convex[0], treated_unit="SITE", treatment_year=2015)
    for draw, words in (
        (synth_figure, "synthetic control"),
        (synth_placebo_figure, "placebo (each donor)"),
    ):
        first = draw(result, tmp_path / "a" / f"{draw.__name__}.svg")
        second = draw(result, tmp_path / "b" / f"{draw.__name__}.svg")
        assert first[0].read_bytes() == second[0].read_bytes()
        root = ET.parse(first[0]).getroot()
        assert words in " ".join(t for e in root.iter() for t in e.itertext())
        assert first[1].exists()
    placebo_data = pd.read_csv(tmp_path / "a" / "synth_placebo_figure.csv")
    assert set(placebo_data["unit"]) == {"SITE", "D0", "D1", "D2", "D3", "D4"}
    with pytest.raises(ValueError, match="synthetic_control"):
        synth_figure(
            result.__class__(**{**result.__dict__, "name": "matching"}), tmp_path / "x.svg"
        )


def test_site_series_is_the_population_weighted_mean(convex):
    frame, _ = convex
    # Split the site into two areas: SITE = (1·P + 3·Q)/4 with populations 1 and 3.
    site = frame[frame["area_code"] == "SITE"].reset_index(drop=True)
    p_area = site.assign(area_code="P", outcome=site["outcome"] + 3.0, population=1.0)
    q_area = site.assign(area_code="Q", outcome=site["outcome"] - 1.0, population=3.0)
    donors = frame[frame["area_code"] != "SITE"].assign(population=10.0)
    panel = pd.concat([p_area, q_area, donors], ignore_index=True)
    panel["cohort"] = np.where(panel["area_code"].isin(["P", "Q"]), 2015, 0)
    panel["site_id"] = np.where(panel["area_code"].isin(["P", "Q"]), "north;south", "")
    result = site_synthetic_control(panel, "south")
    whole = synthetic_control(frame, treated_unit="SITE", treatment_year=2015)
    np.testing.assert_allclose(
        result.details["path"]["treated"], whole.details["path"]["treated"], atol=1e-12
    )
    pd.testing.assert_frame_equal(result.tidy(), whole.tidy(), atol=1e-6)
    assert "2 area(s) combined" in result.notes[0]
    with pytest.raises(AnalysisError, match="sites present: north, south"):
        site_synthetic_control(panel, "east")


def test_nnls_weights_are_optimal_against_a_general_solver():
    # Independent check of the NNLS construction: SLSQP on the constrained problem, from
    # several starts, never finds a lower loss.
    from scipy import optimize

    rng = np.random.default_rng(42)
    for n_periods, n_donors in ((3, 12), (6, 4), (8, 8)):
        donors = rng.normal(size=(n_periods, n_donors))
        target = rng.normal(size=n_periods) * 1.5
        w = synth_weights(target, donors)
        loss = float(np.sum((target - donors @ w) ** 2))
        for start in (np.full(n_donors, 1 / n_donors), rng.dirichlet(np.ones(n_donors))):
            other = optimize.minimize(
                lambda x, t=target, d=donors: float(np.sum((t - d @ x) ** 2)),
                start,
                method="SLSQP",
                bounds=[(0, 1)] * n_donors,
                constraints=[{"type": "eq", "fun": lambda x: x.sum() - 1}],
                options={"ftol": 1e-14, "maxiter": 500},
            )
            assert loss <= other.fun + 1e-9
