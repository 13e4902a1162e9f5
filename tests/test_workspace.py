"""The workspace folder: atomic writes, clear errors, adding a wave."""

from __future__ import annotations

import pandas as pd
import pytest

from pioneer import workspace as ws
from pioneer.errors import DataFileError
from pioneer.survey import frame


def _data() -> ws.SurveyData:
    responses = frame.normalise(
        pd.DataFrame(
            {
                "respondent_id": ["r1", "r1", "r2"],
                "panel_id": ["ki1", "ki1", "ki2"],
                "wave": [2016, 2016, 2016],
                "site": ["kent", "kent", "leeds"],
                "org_type": ["CCG", "CCG", "LA"],
                "item": ["role", "comments", "role"],
                "value": ["director", "=1+1 stays as typed", "other"],
            }
        )
    )
    mailing = pd.DataFrame(
        {
            "wave": [2016, 2016, 2016],
            "panel_id": ["ki1", "ki2", "ki3"],
            "site": ["kent", "leeds", "leeds"],
            "org_type": ["CCG", "LA", "Other"],
            "outcome": ["complete", "complete", "no_response"],
        }
    )
    waves = pd.DataFrame(
        {
            "wave": [2016],
            "instrument": ["ki2016"],
            "fieldwork_start": ["2016-04-15"],
            "fieldwork_end": ["2016-06-15"],
            "period_label": ["April–June 2016"],
        }
    )
    return ws.SurveyData(responses=responses, mailing_list=mailing, waves=waves)


def test_save_then_load_round_trips(tmp_path):
    written = ws.save(_data(), tmp_path)
    assert sorted(p.name for p in written) == ["mailing_list.csv", "responses.csv", "waves.csv"]
    back = ws.load(tmp_path)
    pd.testing.assert_frame_equal(back.responses, _data().responses)
    assert back.mailing_list["wave"].tolist() == [2016, 2016, 2016]
    assert back.wave_numbers() == (2016,)
    assert back.responses["value"].iloc[1] == "=1+1 stays as typed", "no neutralisation in store"
    assert not list(tmp_path.glob(".*.tmp")), "no temporary files left behind"


def test_a_missing_folder_says_how_to_make_one(tmp_path):
    with pytest.raises(DataFileError, match="pioneer demo"):
        ws.load(tmp_path / "nowhere")


def test_a_missing_file_is_named(tmp_path):
    ws.save(_data(), tmp_path)
    (tmp_path / "waves.csv").unlink()
    with pytest.raises(DataFileError, match=r"waves\.csv"):
        ws.load(tmp_path)


def test_a_bad_wave_names_row_and_column(tmp_path):
    ws.save(_data(), tmp_path)
    text = (tmp_path / "mailing_list.csv").read_text(encoding="utf-8")
    (tmp_path / "mailing_list.csv").write_text(text.replace("2016,ki3", "20x6,ki3"), "utf-8")
    with pytest.raises(DataFileError) as error:
        ws.load(tmp_path)
    assert error.value.row == 4  # header is row 1; ki3 is the third data row
    assert error.value.column == "wave"
    assert error.value.value == "20x6"


def test_adding_a_wave_refuses_to_overwrite_unless_asked():
    data = _data()
    incoming = data.responses.assign(respondent_id="r9")
    with pytest.raises(DataFileError, match="--replace"):
        ws.with_wave(data, incoming)
    replaced = ws.with_wave(data, incoming.iloc[:1], replace=True)
    assert replaced.responses["respondent_id"].tolist() == ["r9"]


def test_adding_a_new_wave_registers_it():
    data = _data()
    incoming = data.responses.assign(wave=2017, respondent_id="r2017")
    merged = ws.with_wave(data, incoming)
    assert merged.wave_numbers() == (2016, 2017)
    assert merged.waves.set_index("wave").loc[2017, "instrument"] == "ki2017"
    assert len(merged.responses) == 2 * len(data.responses)


def test_a_first_import_starts_from_an_empty_workspace(tmp_path):
    target = tmp_path / "new"
    data = ws.load_or_empty(target)
    assert data.wave_numbers() == ()
    merged = ws.with_wave(data, _data().responses)
    ws.save(merged, target)
    back = ws.load(target)
    assert back.wave_numbers() == (2016,)
    assert back.responses["respondent_id"].nunique() == 2
