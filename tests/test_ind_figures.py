"""pioneer.reports.indicator_figures: the trend chart, spine chart and funnel plot files.

The tables come from the hand-made frames of ``tests/test_ind_views.py``. The tests check that
each SVG is valid and carries its title, the site's and comparators' names and notes as text,
that each figure's data is written beside it, and that two runs write identical bytes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from pioneer.indicators import views
from pioneer.reports import indicator_figures as figures
from test_ind_views import (
    DISTRIBUTIONS,
    UPTAKE,
    Ind,
    _profile,
    _proportion_data,
    _trend_data,
    real_store,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _svg_text(path) -> str:
    """All text of the SVG, one space between text elements (wrapped lines rejoined)."""
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    pieces = [t.strip() for element in root.iter() for t in element.itertext() if t.strip()]
    return " ".join(pieces)


def _trend():
    return views.trend_view(_trend_data(), Ind(), "leeds", ["E92000001", "E12000003"])


def _funnel():
    data, _ = _proportion_data()
    points = views.funnel_view(data, UPTAKE, highlight=["kent"])
    return points, views.funnel_curve(points, points=80)


def _draw(chart: str, path):
    if chart == "trend":
        return figures.trend_chart(_trend(), path)
    if chart == "spine":
        return figures.spine_chart(views.spine_view(_profile(), DISTRIBUTIONS), path)
    return figures.funnel_plot(*_funnel(), path)


@pytest.fixture(scope="module")
def drawn(tmp_path_factory) -> dict[str, tuple[list, list]]:
    """Each chart drawn twice as SVG (the figures are slow to draw: draw them once here)."""
    folder = tmp_path_factory.mktemp("indicator_figures")
    return {
        chart: (_draw(chart, folder / f"{chart}_a.svg"), _draw(chart, folder / f"{chart}_b.svg"))
        for chart in ("trend", "spine", "funnel")
    }


def test_trend_chart_svg_names_the_site_and_comparators(drawn):
    result = _trend()
    paths = drawn["trend"][0]
    assert [p.name for p in paths] == ["trend_a.svg", "trend_a.csv"]
    text = _svg_text(paths[0])
    assert result.title in text
    for name in ("Leeds", "England", "Yorkshire and the Humber", "per 100,000"):
        assert name in text
    for period in ("2015/16", "2016/17", "2017/18"):
        assert period in text
    # the legend names each comparison seen, against the benchmark
    for outcome in ("Better (vs England)", "Similar (vs England)", "Worse (vs England)"):
        assert outcome in text
    assert "Lower (vs England)" not in text
    # the Fingertips colours of the site's points are in the drawing
    svg = paths[0].read_text(encoding="utf-8")
    for colour in ("#92d050", "#ffc000", "#c00000"):
        assert colour in svg.lower()
    data = pd.read_csv(paths[1])
    assert data["comparison"].fillna("").tolist() == result.frame["comparison"].tolist()
    np.testing.assert_allclose(data["value"], result.frame["value"])


def test_trend_chart_of_rate_only_data_says_so_on_the_figure(tmp_path):
    data = _trend_data()
    site = data["area_code"] == "leeds"
    data.loc[site, ["lower_95", "upper_95"]] = np.nan
    data.loc[site, "approximation"] = "population-weighted mean of 5 district rates"
    result = views.trend_view(data, Ind(), "leeds")
    path, _ = figures.trend_chart(result, tmp_path / "leeds.svg")
    text = _svg_text(path)
    assert "No 95% confidence intervals exist for Leeds" in text
    assert "Not compared (vs England)" in text


def test_spine_chart_svg_carries_the_table(drawn):
    result = views.spine_view(_profile(), DISTRIBUTIONS)
    paths = drawn["spine"][0]
    text = _svg_text(paths[0])
    assert result.title in text
    for word in ("Falls 65+", "Uptake", "Mystery", "Leeds", "England", "2017/18", "120", "60"):
        assert word in text
    assert "Leeds: Better (compared with England)" in text
    assert "Leeds: not compared" in text
    data = pd.read_csv(paths[1])
    assert data["value_pos"].tolist()[0] == pytest.approx(0.625)


def test_funnel_plot_writes_figure_points_and_lines(drawn):
    points, curve = _funnel()
    paths = drawn["funnel"][0]
    assert [p.name for p in paths] == ["funnel_a.svg", "funnel_a.csv", "funnel_a_limits.csv"]
    text = _svg_text(paths[0])
    assert points.title in text
    for word in ("Kent", "95% control limits", "99.8% control limits", "Denominator"):
        assert word in text
    assert "Target: England value in 2017/18 (30)" in text
    lines = pd.read_csv(paths[2])
    assert list(lines.columns) == list(curve.frame.columns)
    assert len(lines) == len(curve.frame)
    flags = pd.read_csv(paths[1])
    assert flags["position"].tolist() == points.frame["position"].tolist()


@pytest.mark.parametrize("chart", ["trend", "spine", "funnel"])
def test_two_svg_runs_write_identical_bytes(drawn, chart):
    first, second = drawn[chart][0][0], drawn[chart][1][0]
    assert first.read_bytes() == second.read_bytes()
    assert b"<dc:date>" not in first.read_bytes()


def test_two_png_runs_write_identical_bytes(tmp_path):
    result = views.spine_view(_profile(), DISTRIBUTIONS)
    first = figures.spine_chart(result, tmp_path / "a.png", dpi=60)[0]
    second = figures.spine_chart(result, tmp_path / "b.png", dpi=60)[0]
    assert first.read_bytes()[:8] == PNG_MAGIC
    assert first.read_bytes() == second.read_bytes()


def test_renderers_refuse_the_wrong_file_or_table(tmp_path):
    with pytest.raises(ValueError, match=r"\.svg or \.png"):
        figures.trend_chart(_trend(), tmp_path / "leeds.pdf")
    with pytest.raises(ValueError, match="indicator_spine"):
        figures.spine_chart(_trend(), tmp_path / "x.svg")
    points, _ = _funnel()
    with pytest.raises(ValueError, match="funnel_curve"):
        figures.funnel_plot(points, points, tmp_path / "x.svg")


def test_trend_chart_on_the_packaged_real_data(tmp_path):
    real = real_store()
    result = views.trend_view(
        real["store"], real["falls"], "kent", ["E92000001", "region_e12000008"]
    )
    path, data = figures.trend_chart(result, tmp_path / "kent.svg")
    text = _svg_text(path)
    for words in ("Kent", "England", "South East", "2010/11", "2017/18", "per 100,000"):
        assert words in text
    assert "No 95% confidence intervals exist for Kent" in text
    assert "Not compared (vs England)" in text
    assert len(pd.read_csv(data)) == 3 * 8  # Kent, England, South East over 8 years
