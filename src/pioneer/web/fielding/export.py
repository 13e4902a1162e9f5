"""Fielded answers as the library's response frame, read straight from the store.

``fielded_responses(2019)`` is what ``pioneer.survey.tables`` and ``pioneer.survey.analysis``
take, so the analysis runs on fielded data with no export or import step. Only submitted
questionnaires are included, and the frame carries pseudonymous ids only: the random
respondent id of the questionnaire and the panel member's id, never a name or an address.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from pioneer.errors import AnalysisError
from pioneer.fielding import answers as answers_lib
from pioneer.web.fielding.answers_store import Answer, QuestionnaireResponse
from pioneer.web.fielding.models import SurveyWave


def fielded_responses(wave_year: int) -> pd.DataFrame:
    """The submitted questionnaires of survey wave ``wave_year`` as a response frame.

    Columns as :mod:`pioneer.survey.frame` (respondent_id, panel_id, wave, site, org_type,
    item, value); ``site`` is the programme site id and ``org_type`` the contact's
    organisation type, both taken from the invitation. Raises :class:`AnalysisError` if
    there is no such wave, or (via ``answers.to_frame``) if a stored answer does not fit the
    wave's instrument.
    """
    wave = SurveyWave.objects.filter(year=wave_year).first()
    if wave is None:
        known = ", ".join(str(y) for y in SurveyWave.objects.values_list("year", flat=True))
        raise AnalysisError(
            f"there is no {wave_year} survey wave in the store; the waves are {known or 'none'}"
        )
    submitted = list(
        QuestionnaireResponse.objects.filter(
            invitation__contact__wave=wave, submitted_at__isnull=False
        )
        .order_by("submitted_at", "pk")
        .values_list(
            "invitation_id",
            "respondent_id",
            "invitation__contact__panel_member__panel_id",
            "invitation__contact__site__site_id",
            "invitation__contact__org_type",
        )
    )
    stored: dict[int, dict[str, str]] = defaultdict(dict)
    rows = Answer.objects.filter(invitation_id__in=[s[0] for s in submitted]).values_list(
        "invitation_id", "item", "value"
    )
    for invitation_id, item, value in rows.iterator(chunk_size=5000):
        stored[invitation_id][item] = value
    respondents = [
        answers_lib.Respondent(respondent_id, panel_id, site, org_type, stored[invitation_id])
        for invitation_id, respondent_id, panel_id, site, org_type in submitted
    ]
    return answers_lib.to_frame(wave.load_instrument(), respondents, wave=wave.year)
