"""The design runner on the packaged falls65 data: numbers checked by hand, files, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pioneer.errors import AnalysisError
from pioneer.impact.design import DESIGNS, run, write_report
from pioneer.impact.did import twfe_did
from pioneer.indicators.ingest import packaged

DRAWS = 199  # small: the bootstrap's own accuracy is tested in test_impact_bootstrap


@pytest.fixture(scope="module")
def report():
    return run(packaged(), "falls65", draws=DRAWS, placebo=False)


def test_keeble_changes_equal_a_hand_computation_from_the_panel(report):
    frame = report.panel.frame
    # Each district's % change: its 2014/15 rate over its own 2010/11-2012/13 mean, minus 1.
    base = frame[frame["year"].between(2010, 2012)].groupby("area_code")["outcome"].mean()
    follow = frame[frame["year"] == 2014].set_index("area_code")["outcome"]
    change = 100 * (follow / base - 1)
    treated = frame.groupby("area_code")["treated"].first()
    by_hand_treated = change[treated].mean()
    by_hand_comparison = change[~treated].mean()
    terms = report.result("keeble_two_group").tidy().set_index("term")["estimate"]
    assert terms["treated % change to 2014/15"] == pytest.approx(by_hand_treated, rel=1e-12)
    assert terms["comparison % change to 2014/15"] == pytest.approx(by_hand_comparison, rel=1e-12)
    summary = report.summary.frame.set_index("estimator")
    assert summary.loc["Keeble two-group: difference to 2014/15", "estimate"] == pytest.approx(
        by_hand_treated - by_hand_comparison, rel=1e-12
    )
    # Keeble's windows and groups: wave 1 (48 districts of 14 sites) against non-Pioneers.
    assert report.panel.baseline == (2010, 2012)
    assert report.panel.follow_up == (2013, 2015)
    assert report.panel.n_treated == 48
    assert len({s for s in frame["site_id"] if s}) == 14
    assert not frame["group"].str.contains("wave 2").any()


def test_summary_has_one_row_per_headline_estimate(report):
    summary = report.summary
    assert summary.name == "impact_summary"
    assert list(summary.frame["estimator"]) == [
        "Keeble two-group: difference to 2014/15",
        "Keeble two-group: difference to 2015/16",
        "TWFE DiD, CR1 by site",
        "TWFE DiD, CR2 by site",
        "TWFE DiD, CR1 by district",
        "Wild cluster bootstrap (Webb) by site",
        "Poisson DiD (rate ratio) by site",
        "Event study: joint pre-trend test",
        "Callaway-Sant'Anna ATT (both programme waves) by site",
        "Callaway-Sant'Anna ATT (both programme waves) by district",
        "Matched DiD (Mahalanobis 1:3 on baseline level and trend)",
        "Synthetic control: barnsley",
        "Placebo in time",
    ]
    for column in ("estimate", "p_value", "interval", "method"):
        assert column in summary.frame.columns
    p_values = summary.frame.set_index("estimator")["p_value"]
    # The synthetic control's p-value comes from its placebos, switched off here.
    assert np.isnan(p_values["Synthetic control: barnsley"])
    assert p_values.drop("Synthetic control: barnsley").between(0, 1).all()


def test_twfe_rows_equal_calling_the_estimator_directly(report):
    direct = twfe_did(report.panel, cluster="site_id").tidy().iloc[0]
    cr2 = twfe_did(report.panel, cluster="site_id", se="CR2").tidy().iloc[0]
    by_area = twfe_did(report.panel).tidy().iloc[0]
    summary = report.summary.frame.set_index("estimator")
    for label, expected in (
        ("TWFE DiD, CR1 by site", direct),
        ("TWFE DiD, CR2 by site", cr2),
        ("TWFE DiD, CR1 by district", by_area),
    ):
        row = summary.loc[label]
        assert row["estimate"] == expected["estimate"]
        assert row["p_value"] == expected["p_value"]
        assert row["conf_low"] == expected["conf_low"]
    # Site clusters: 14 sites plus one cluster per comparison district.
    assert report.result("twfe_did").n_clusters == 14 + (report.panel.n_areas - 48)
    # Same point estimate, wider interval when clustering by site.
    assert direct["std_error"] > by_area["std_error"]


def test_notes_say_what_rate_only_data_cannot_show(report):
    text = " ".join(report.limitations)
    assert "Rate-only" in text
    assert "offset" in text
    assert "Ecological" in text
    assert "no offset" in report.result("poisson_did").method
    assert "Webb" in report.result("wild_bootstrap").method


def test_staggered_estimate_uses_both_programme_waves(report):
    both = report.staggered_panel
    assert set(both.frame.loc[both.frame["treated"], "cohort"]) == {2013, 2015}
    cohorts = report.result("staggered_att").tidy()["term"]
    assert {"ATT(g=2013)", "ATT(g=2015)"} <= set(cohorts)
    # Clustered by site like the other headline rows, with the by-district row beside it.
    by_site, by_area = report.result("staggered_att"), report.result("staggered_att_by_area")
    treated_sites = {s for s in both.frame.loc[both.frame["treated"], "site_id"] if s}
    comparison_areas = both.frame.loc[~both.frame["treated"], "area_code"].nunique()
    assert by_site.n_clusters == len(treated_sites) + comparison_areas
    assert by_area.n_clusters == both.frame["area_code"].nunique()
    first_site, first_area = by_site.tidy().iloc[0], by_area.tidy().iloc[0]
    assert first_site["estimate"] == pytest.approx(first_area["estimate"], rel=1e-12)
    assert first_site["std_error"] != pytest.approx(first_area["std_error"], rel=1e-3)


def test_write_report_writes_the_summary_tables_figures_and_page(report, tmp_path):
    written = write_report(report, tmp_path)
    names = {p.name for p in written}
    expected = {
        "impact_summary.csv",
        "impact_summary.notes.txt",
        "impact_summary.md",
        "keeble_two_group.csv",
        "twfe_did.csv",
        "twfe_did_cr2.csv",
        "poisson_did.csv",
        "wild_bootstrap.csv",
        "event_study.csv",
        "event_study.svg",
        "staggered_dynamic.svg",
        "synthetic_control.svg",
        "matching_balance.csv",
        "report.md",
    }
    assert expected <= names
    assert all(p.exists() for p in written)
    back = pd.read_csv(tmp_path / "impact_summary.csv")
    np.testing.assert_allclose(back["estimate"], report.summary.frame["estimate"], rtol=1e-12)
    page = (tmp_path / "report.md").read_text(encoding="utf-8")
    diff = report.result("keeble_two_group").tidy().set_index("term").loc["difference to 2014/15"]
    assert f"difference {diff['estimate']:.2f} points" in page
    assert "![Event study](event_study.svg)" in page
    assert "1.93%" in page  # Keeble et al.'s published figures
    assert "4.84%" in page


def test_same_seed_gives_the_same_summary(report):
    again = run(packaged(), "falls65", draws=DRAWS, placebo=False)
    pd.testing.assert_frame_equal(again.summary.frame, report.summary.frame)


def test_unknown_design_is_a_clear_error():
    with pytest.raises(AnalysisError, match=r"unknown design 'keeble'.*keeble2019"):
        run(packaged(), "falls65", "keeble")
    assert set(DESIGNS) == {"keeble2019", "staggered"}


def test_worked_example_readme_quotes_the_falls65_numbers(report):
    """docs/examples/README.md is prose; its falls65 figures must match a fresh run."""
    from pathlib import Path

    readme = Path(__file__).parents[1] / "docs" / "examples" / "README.md"
    text = readme.read_text(encoding="utf-8")
    summary = report.summary.frame.set_index("estimator")
    keeble = summary.loc["Keeble two-group: difference to 2014/15"]
    twfe = summary.loc["TWFE DiD, CR1 by site"]
    assert f"{keeble['estimate']:.2f}, p = {keeble['p_value']:.3f}".replace("-", "−") in text
    assert f"| {twfe['estimate']:.1f} |".replace("-", "−") in text
    ladder = [
        summary.loc[label, "p_value"]
        for label in ("TWFE DiD, CR1 by district", "TWFE DiD, CR1 by site", "TWFE DiD, CR2 by site")
    ]
    assert " / ".join(f"{p:.2f}" for p in ladder) in text  # the clustering sensitivity row
