"""pioneer.reports.trend_figure: grouped bars by wave, reproducible files, data beside.

The table is the two facilitators whose 'very important' percentages the 2019 KI
paper quotes in its text (``000_9191d1decfdc3012.txt`` line 274, Figure 3):
I statements 49/27/15 and co-design 55/39/34 per cent in 2016/2017/2018, with
the Figure 3 bases 96/96/80 (line 289). The interval limits are made up for the
test; only their presence is checked.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from pioneer import reports
from pioneer.results import Layout, Suppression, TableResult

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TITLE = "'Very important' facilitator of integration by survey year (%)"
LABELS = {
    "facilitators.i_statements": "I statements to adopt a patient perspective",
    "facilitators.co_design": "Involving patients/service users/carers in co-design",
}


def _result(**changes) -> TableResult:
    frame = pd.DataFrame(
        {
            "item": ["facilitators.i_statements"] * 3 + ["facilitators.co_design"] * 3,
            "wave": [2016, 2017, 2018] * 2,
            "percent": [49.0, 27.0, 15.0, 55.0, 39.0, 34.0],
            "ci_lower": [39.0, 19.0, 8.0, 45.0, 30.0, 24.0],
            "ci_upper": [59.0, 37.0, 24.0, 65.0, 49.0, 45.0],
        }
    )
    fields = {
        "name": "figure3",
        "title": TITLE,
        "frame": frame,
        "method": "Percentage answering 'very important'",
        "bases": pd.DataFrame({"wave": [2016, 2017, 2018], "base": [96, 96, 80]}),
        "layout": Layout(rows=("item",), columns=("wave",)),
    }
    fields.update(changes)
    return TableResult(**fields)


def _svg_text(path) -> str:
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return " ".join(t for element in root.iter() for t in element.itertext())


def test_svg_is_valid_and_carries_title_values_labels_and_bases(tmp_path):
    paths = reports.trend_figure(_result(), tmp_path / "figure3.svg", labels=LABELS)
    assert paths == [tmp_path / "figure3.svg", tmp_path / "figure3.csv"]
    text = _svg_text(paths[0])
    assert TITLE in text
    assert "Bases: 2016=96; 2017=96; 2018=80" in text
    assert "I statements to adopt a patient perspective" in text
    for value in ("49", "27", "15", "55", "39", "34"):
        assert value in text.split()
    for wave in ("2016", "2017", "2018"):
        assert wave in text.split()


def test_png_has_the_png_signature(tmp_path):
    path, _ = reports.trend_figure(_result(), tmp_path / "figure3.png")
    assert path.read_bytes()[:8] == PNG_MAGIC


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_two_runs_write_identical_bytes(tmp_path, suffix):
    first, _ = reports.trend_figure(_result(), tmp_path / f"a{suffix}", intervals=True)
    second, _ = reports.trend_figure(_result(), tmp_path / f"b{suffix}", intervals=True)
    assert first.read_bytes() == second.read_bytes()


def test_svg_has_no_date(tmp_path):
    path, _ = reports.trend_figure(_result(), tmp_path / "f.svg")
    assert "<dc:date>" not in path.read_text(encoding="utf-8")


def test_interval_whiskers_change_the_drawing(tmp_path):
    plain, _ = reports.trend_figure(_result(), tmp_path / "plain.svg")
    whiskers, _ = reports.trend_figure(_result(), tmp_path / "ci.svg", intervals=True)
    assert plain.read_bytes() != whiskers.read_bytes()


def test_data_csv_beside_the_figure_is_the_frame(tmp_path):
    result = _result()
    _, data_path = reports.trend_figure(result, tmp_path / "figure3.png")
    pd.testing.assert_frame_equal(pd.read_csv(data_path), result.frame, check_dtype=False)


def test_missing_and_suppressed_bars_are_left_out(tmp_path):
    result = _result()
    frame = result.frame.copy()
    frame["percent"] = pd.array([None, 27, 15, 55, 39, 34], dtype="Float64")
    suppression = Suppression(threshold=5, cells_suppressed=1, columns=("n",))
    path, _ = reports.trend_figure(
        _result(frame=frame, suppression=suppression), tmp_path / "f.svg"
    )
    words = _svg_text(path).split()
    assert "49" not in words
    assert "27" in words
    assert "suppressed" in words


def test_render_draws_a_figure_from_the_layout(tmp_path):
    paths = reports.render(_result(), "svg", tmp_path / "from_layout.svg")
    assert paths == [tmp_path / "from_layout.svg", tmp_path / "from_layout.csv"]
    assert TITLE in _svg_text(paths[0])


def test_render_refuses_a_figure_without_a_simple_layout(tmp_path):
    with pytest.raises(ValueError, match="one row dimension"):
        reports.render(_result(layout=None), "png", tmp_path / "f.png")


def test_an_unknown_suffix_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"use a \.svg or \.png"):
        reports.trend_figure(_result(), tmp_path / "f.jpg")


def test_a_missing_column_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"no column\(s\) \['site'\]"):
        reports.trend_figure(_result(), tmp_path / "f.svg", x="site")


def test_two_rows_for_one_bar_are_refused(tmp_path):
    result = _result()
    frame = pd.concat([result.frame, result.frame.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match="more than one row"):
        reports.trend_figure(_result(frame=frame), tmp_path / "f.svg")


def test_a_count_figure_scales_to_its_largest_value(tmp_path):
    result = _result()
    frame = result.frame.drop(columns=["percent"]).assign(n=[47, 26, 12, 53, 37, 27])
    path, _ = reports.trend_figure(_result(frame=frame), tmp_path / "n.svg", value="n")
    words = _svg_text(path).split()
    assert "53" in words
    assert "100" not in words  # no percentage axis


def test_bases_come_from_the_frame_when_the_result_has_none(tmp_path):
    result = _result()
    frame = result.frame.assign(base=[96, 96, 80] * 2)
    path, _ = reports.trend_figure(_result(frame=frame, bases=None), tmp_path / "f.svg")
    assert "Bases: 2016=96; 2017=96; 2018=80" in _svg_text(path)


def test_no_bases_line_when_the_frame_bases_vary_within_a_wave(tmp_path):
    result = _result()
    frame = result.frame.assign(base=[96, 96, 80, 95, 96, 80])
    path, _ = reports.trend_figure(_result(frame=frame, bases=None), tmp_path / "f.svg")
    assert "Bases" not in _svg_text(path)
