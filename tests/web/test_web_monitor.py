"""The response monitor: what each role sees, suppression for site leads, the exports, the
audit trail, closing a wave, and an analysis table on the fielded answers.

Figures are counted by hand from the fixtures below (see each test's docstring).
"""

from __future__ import annotations

import io
import re

import openpyxl
import pandas as pd
import pytest
from django.test import Client
from django.urls import reverse

from pioneer.fielding.monitor import response_rates
from pioneer.web.accounts.models import AuditEvent
from pioneer.web.fielding import invitations
from pioneer.web.fielding.answers_store import Answer, QuestionnaireResponse
from pioneer.web.fielding.contacts import import_contacts
from pioneer.web.fielding.models import Contact, Invitation, SurveyWave
from pioneer.web.fielding.monitor_views import complement

HEADER = "site,name,email,organisation,organisation_type,role\n"


def _contacts(site: str, org: str, org_type: str, n: int, prefix: str) -> str:
    return "".join(
        f"{site},Person {prefix}{i},{prefix}{i}@example.org,{org},{org_type},lead\n"
        for i in range(n)
    )


#: Barnsley: 6 CCG (5 completed; 1 started, 2 reminders) and 3 LA (1 completed; 2 not
#: started, 1 reminder each). Leeds: 6 CCG (5 completed, 1 not started, no reminders).
CONTACTS = HEADER + (
    _contacts("barnsley", "Barnsley CCG", "CCG", 6, "bc")
    + _contacts("barnsley", "Barnsley Council", "LA", 3, "bl")
    + _contacts("leeds", "Leeds CCG", "CCG", 6, "lc")
)
STATUSES = {
    "bc0": ("completed", 0),
    "bc1": ("completed", 0),
    "bc2": ("completed", 0),
    "bc3": ("completed", 0),
    "bc4": ("completed", 0),
    "bc5": ("started", 2),
    "bl0": ("completed", 0),
    "bl1": ("reminded", 1),
    "bl2": ("reminded", 1),
    "lc0": ("completed", 0),
    "lc1": ("completed", 0),
    "lc2": ("completed", 0),
    "lc3": ("completed", 0),
    "lc4": ("completed", 0),
    "lc5": ("invited", 0),
}


@pytest.fixture
def invited(sites, waves):
    """The 15 invitations above, their statuses set directly (no questionnaire needed)."""
    import_contacts(waves[2019], CONTACTS.encode(), label="contacts.csv")
    for contact in Contact.objects.all():
        invitation, _ = invitations.issue(contact)
        status, reminders = STATUSES[contact.email.split("@")[0]]
        Invitation.objects.filter(pk=invitation.pk).update(status=status, reminders_sent=reminders)
    return waves[2019]


def _page(client, user, name="fielding:monitor", **kwargs):
    client.force_login(user)
    response = client.get(reverse(name, kwargs={"year": 2019, **kwargs}))
    return response, response.content.decode()


def _row(page: str, label: str) -> list[str]:
    """The cells of the table row headed ``label`` (first table that has it)."""
    match = re.search(
        rf'<th scope="row" class="govuk-table__header">(?:<a [^>]*>)?{re.escape(label)}'
        r"(?:</a>)?</th>(.*?)</tr>",
        page,
        re.S,
    )
    assert match, f"no row {label!r}"
    return [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)]


# --- what each role sees --------------------------------------------------------------------


def test_a_researcher_sees_every_site_with_exact_counts(client, users, invited):
    """Barnsley: invited 9, started 1, completed 6, 6/9 = 66.7% -> 67; reminders 2+1+1 = 4.

    Wilson 95% interval for 6/9 by hand (z = 1.96, z^2 = 3.8416):
    centre = (6/9 + 3.8416/18) / (1 + 3.8416/9) = 0.88009 / 1.42684 = 0.61681;
    half = 1.96 * sqrt(0.22222/9 + 3.8416/324) / 1.42684 = 0.26261 -> 35.4% to 87.9%.
    Leeds: 6, 0, 5, 83 (5/6), 0. LA overall: 3 invited, 1 completed (shown: threshold 0),
    1/3 -> 33%, Wilson: centre (1/3 + 3.8416/6) / (1 + 3.8416/3) = 0.97360 / 2.28053 = 0.42692,
    half 1.96 * sqrt(0.074074 + 0.106711) / 2.28053 = 0.36543 -> 6.1% to 79.2%.
    """
    response, page = _page(client, users["researcher"])
    assert response.status_code == 200
    assert _row(page, "Barnsley") == ["9", "1", "6", "67 (35–88)", "4"]
    assert _row(page, "Leeds")[:3] == ["6", "0", "5"]
    assert _row(page, "Leeds")[3].startswith("83 ")
    assert _row(page, "LA") == ["3", "0", "1", "33 (6–79)", "2"]
    assert _row(page, "All invitations")[:3] == ["15", "1", "11"]
    assert "[c]" not in page
    assert "Close the 2019 wave" not in page  # researchers cannot close


def test_a_site_lead_sees_only_their_site_with_small_counts_suppressed(client, users, invited):
    """Lead of Barnsley: Barnsley's 9 invited and 6 completed shown, its 1 started
    suppressed; LA (3 invited, 1 completed) suppressed whole, and CCG with it, since
    Barnsley's total (9 invited, 6 completed) less CCG's would give LA away; no Leeds."""
    response, page = _page(client, users["site_lead"])
    assert response.status_code == 200
    assert _row(page, "Barnsley") == ["9", "[c]", "6", "67 (35–88)", "4"]
    assert _row(page, "LA") == ["[c]", "0", "[c]", "[c]", "[c]"]  # zero started is shown
    assert _row(page, "CCG") == ["[c]"] * 5
    assert _row(page, "All invitations")[:3] == ["9", "[c]", "6"]
    assert "Leeds" not in page
    assert "leeds" not in page
    assert "Counts from 1 to 4 are not shown" in page


def test_a_site_lead_of_A_is_refused_B_site_monitor(client, users, invited):
    response, _ = _page(client, users["site_lead"], "fielding:monitor_site", site_id="leeds")
    assert response.status_code == 403
    response, page = _page(client, users["site_lead"], "fielding:monitor_site", site_id="barnsley")
    assert response.status_code == 200
    assert _row(page, "CCG") == ["[c]"] * 5  # as on the wave's page
    assert _row(page, "All invitations") == ["9", "[c]", "6", "67 (35–88)", "4"]


def test_a_site_page_shows_one_sites_organisation_types(client, users, invited):
    """Leeds alone for a researcher: CCG 6 invited, 5 completed; no LA row."""
    _, page = _page(client, users["researcher"], "fielding:monitor_site", site_id="leeds")
    assert _row(page, "CCG")[:3] == ["6", "0", "5"]
    assert '<th scope="row" class="govuk-table__header">LA</th>' not in page


def test_a_lone_suppressed_row_gets_a_complement():
    """CCG 6 invited / 5 completed, LA 3 / 1, NHS provider 7 / 6 at threshold 5: LA alone
    is small, so the shown row with the fewest completed (CCG, 5) is hidden too; NHS
    provider stays. Threshold 0 hides nothing."""
    records = (
        [("barnsley", "CCG", "complete", 0)] * 5
        + [("barnsley", "CCG", "not_started", 1)]
        + [("barnsley", "LA", "complete", 0)]
        + [("barnsley", "LA", "not_started", 0)] * 2
        + [("barnsley", "NHS provider", "complete", 0)] * 6
        + [("barnsley", "NHS provider", "not_started", 0)]
    )
    invitations_ = pd.DataFrame(records, columns=["site", "org_type", "status", "reminders_sent"])
    plain = response_rates(invitations_, by="org_type", threshold=5)
    result = complement(plain)
    frame = result.frame.set_index("org_type")
    assert frame["base"].isna().tolist() == [True, True, False]
    assert frame.loc["NHS provider", ["base", "n"]].tolist() == [7, 6]
    assert result.suppression.cells_suppressed == plain.suppression.cells_suppressed + 2
    assert complement(response_rates(invitations_, by="org_type", threshold=0)).frame[
        "base"
    ].tolist() == [6, 3, 7]


def test_users_without_a_role_and_unknown_waves(client, users, invited):
    response, _ = _page(client, users["nobody"])
    assert response.status_code == 403
    assert _export(client, users["nobody"]).status_code == 403
    client.force_login(users["researcher"])
    assert client.get(reverse("fielding:monitor", kwargs={"year": 2031})).status_code == 404


def test_a_lead_of_a_site_without_invitations_sees_an_empty_table(
    client, users, make_user, sites, invited
):
    lead = make_user("lead_c", "site_lead", sites["C"])
    response, page = _page(client, lead)
    assert response.status_code == 200
    assert "No invitations yet." in page
    assert "Barnsley" not in page
    assert "Leeds" not in page


def test_partial_counts_a_saved_page_not_yet_submitted(client, users, sites, waves):
    """An invitation only *invited* that has saved answers counts as started."""
    import_contacts(waves[2019], CONTACTS.encode(), label="contacts.csv")
    invitation, _ = invitations.issue(Contact.objects.get(email="lc0@example.org"))
    QuestionnaireResponse.objects.create(invitation=invitation)
    _, page = _page(client, users["researcher"])
    assert _row(page, "Leeds")[:3] == ["1", "1", "0"]


def test_a_submitted_questionnaire_stays_complete_after_an_opt_out(client, users, sites, waves):
    import_contacts(waves[2019], CONTACTS.encode(), label="contacts.csv")
    invitation, token = invitations.issue(Contact.objects.get(email="lc0@example.org"))
    _respond(token, "some")
    Invitation.objects.filter(pk=invitation.pk).update(status="opted_out")
    _, page = _page(client, users["researcher"])
    assert _row(page, "Leeds")[:3] == ["1", "0", "1"]


# --- exports --------------------------------------------------------------------------------


def _export(client, user, **params):
    client.force_login(user)
    return client.get(reverse("fielding:monitor_export", kwargs={"year": 2019}), params)


def test_the_csv_export_is_the_scoped_suppressed_table(client, users, invited):
    response = _export(client, users["site_lead"], format="csv", by="org_type")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    table = pd.read_csv(io.BytesIO(response.content), keep_default_na=False)
    assert list(table["org_type"]) == ["CCG", "LA"]
    rows = table.set_index("org_type")
    # LA (3, 1) suppressed, CCG (6, 5) as its complement; started: CCG's 1 hidden, LA's 0 shown
    assert rows.loc["CCG", ["base", "n", "partial", "percent"]].tolist() == ["", "", "", ""]
    assert rows.loc["LA", ["base", "n", "partial", "percent"]].tolist() == ["", "", "0", ""]
    response = _export(client, users["site_lead"], format="csv", by="all")
    total = pd.read_csv(io.BytesIO(response.content), keep_default_na=False)
    assert total[["base", "n", "partial"]].values.tolist() == [[9, 6, ""]]
    response = _export(client, users["researcher"], format="csv", by="site")
    table = pd.read_csv(io.BytesIO(response.content)).set_index("site")
    assert table.loc["barnsley", ["base", "n", "partial", "reminders_sent"]].tolist() == [
        9,
        6,
        1,
        4,
    ]
    assert table.loc["leeds", ["base", "n"]].tolist() == [6, 5]
    assert round(table.loc["barnsley", "ci_lower"], 1) == 35.4  # hand calculation above


def test_the_xlsx_export_holds_every_split(client, users, invited):
    response = _export(client, users["site_lead"], format="xlsx")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    text = " ".join(
        str(cell)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )
    assert "barnsley" in text
    assert "leeds" not in text.lower()
    assert "Invitations, responses and response rate by site" in text


def test_an_unknown_export_is_refused(client, users, invited):
    assert _export(client, users["researcher"], format="pdf").status_code == 400
    assert _export(client, users["researcher"], by="people").status_code == 400


# --- the response frame, its audit trail, and an analysis table ----------------------------

#: Eleven people submit progress.joined_up: six in Barnsley "substantial", five in Leeds
#: "some" (cells of 5 or more, so the analysis table shows them all at threshold 5).
RESPONDENTS = {
    **{f"bc{i}@example.org": "substantial" for i in range(6)},
    **{f"lc{i}@example.org": "some" for i in range(5)},
}


def _respond(token: str, value: str, *, submit: bool = True) -> Client:
    client = Client()
    client.post(reverse("fielding:respond_start", kwargs={"token": token}))
    url = reverse("fielding:respond_page", kwargs={"page": "progress"})
    assert client.post(url, {"progress.joined_up": value, "action": "continue"}).status_code == 302
    if submit:
        assert client.post(reverse("fielding:respond_check")).status_code == 302
    return client


@pytest.fixture
def fielded(sites, waves):
    import_contacts(waves[2019], CONTACTS.encode(), label="contacts.csv")
    for email, value in RESPONDENTS.items():
        _, token = invitations.issue(Contact.objects.get(email=email))
        _respond(token, value)
    return waves[2019]


def test_the_response_frame_export_is_for_programme_roles_only(client, users, fielded):
    url = reverse("fielding:responses_export", kwargs={"year": 2019})
    client.force_login(users["site_lead"])
    assert client.get(url).status_code == 403
    assert not AuditEvent.objects.exists()
    client.force_login(users["researcher"])
    response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    frame = pd.read_csv(io.StringIO(text))
    assert list(frame.columns) == [
        "respondent_id",
        "panel_id",
        "wave",
        "site",
        "org_type",
        "item",
        "value",
    ]
    assert frame["respondent_id"].nunique() == 11
    joined_up = frame[frame["item"] == "progress.joined_up"]["value"].value_counts()
    assert joined_up.to_dict() == {"substantial": 6, "some": 5}
    assert set(frame["site"]) == {"barnsley", "leeds"}
    for detail in ("example.org", "Person", "Barnsley CCG"):
        assert detail not in text


def test_the_response_frame_export_writes_audit_events(client, users, sites, fielded):
    client.force_login(users["programme_admin"])
    url = reverse("fielding:responses_export", kwargs={"year": 2019})
    client.get(url)
    events = list(AuditEvent.objects.all())
    assert {e.action for e in events} == {"export"}
    assert {e.username for e in events} == {"admin"}
    assert {e.path for e in events} == {url}
    wave_events = [e for e in events if e.record_type == "fielding.surveywave"]
    assert [e.record_id for e in wave_events] == [str(fielded.pk)]
    exported = [e for e in events if e.record_type == "fielding.questionnaireresponse"]
    assert {e.record_id for e in exported} == {
        str(pk) for pk in QuestionnaireResponse.objects.values_list("pk", flat=True)
    }
    assert len(exported) == 11
    assert {e.site for e in exported} == {sites["A"], sites["B"]}


def test_the_analysis_page_tabulates_fielded_answers(client, users, fielded):
    """Table V on the store, by hand: base 11 (everyone answered joined_up);
    substantial 6/11 = 54.5% -> 55, some 5/11 = 45.5% -> 45, none and don't know 0."""
    client.force_login(users["researcher"])
    url = reverse("fielding:analysis", kwargs={"year": 2019})
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    label = "Patients/service users are now able to experience services that are more joined up"
    assert _row(page, label) == ["55", "45", "0", "0"]
    assert "Answers to progress by item and survey wave" in page
    client.force_login(users["site_lead"])
    assert client.get(url).status_code == 403


def test_the_analysis_page_explains_a_wave_without_answers(client, users, waves):
    client.force_login(users["researcher"])
    response = client.get(reverse("fielding:analysis", kwargs={"year": 2018}))
    assert response.status_code == 200
    assert "No table:" in response.content.decode()


# --- closing a wave -------------------------------------------------------------------------


def test_closing_needs_a_programme_admin_and_a_post(client, users, invited):
    url = reverse("fielding:close_wave", kwargs={"year": 2019})
    for role in ("site_lead", "researcher"):
        client.force_login(users[role])
        assert client.post(url).status_code == 403
    client.force_login(users["programme_admin"])
    assert client.get(url).status_code == 405
    assert SurveyWave.objects.get(year=2019).is_open
    wave_pk = SurveyWave.objects.get(year=2019).pk
    _, page = _page(client, users["programme_admin"])
    assert "Close the 2019 wave" in page
    response = client.post(url)
    assert response.status_code == 302
    assert not SurveyWave.objects.get(year=2019).is_open
    _, page = _page(client, users["programme_admin"])
    assert "these figures are final" in page
    assert "Close the 2019 wave" not in page
    # The closing is in the audit trail, and the monitor says who closed the wave and when.
    event = AuditEvent.objects.get(action="change")
    assert (event.record_type, event.record_id) == ("fielding.surveywave", str(wave_pk))
    assert event.username == users["programme_admin"].username
    assert f"by {users['programme_admin'].username}" in page
    assert client.post(url).status_code == 302  # closing again changes nothing
    assert AuditEvent.objects.filter(action="change").count() == 1
    assert _row(page, "Barnsley") == ["9", "1", "6", "67 (35–88)", "4"]


def test_after_closing_no_answer_is_saved_or_submitted(client, users, sites, waves):
    import_contacts(waves[2019], CONTACTS.encode(), label="contacts.csv")
    _, token = invitations.issue(Contact.objects.get(email="bc0@example.org"))
    respondent = _respond(token, "substantial", submit=False)
    before = list(Answer.objects.values_list("item", "value"))
    assert before == [("progress.joined_up", "substantial")]
    client.force_login(users["programme_admin"])
    client.post(reverse("fielding:close_wave", kwargs={"year": 2019}))
    url = reverse("fielding:respond_page", kwargs={"page": "progress"})
    response = respondent.post(url, {"progress.joined_up": "none", "action": "continue"})
    assert response.status_code == 410
    assert respondent.post(reverse("fielding:respond_check")).status_code == 410
    assert list(Answer.objects.values_list("item", "value")) == before
    assert not QuestionnaireResponse.objects.filter(submitted_at__isnull=False).exists()
    assert Invitation.objects.get().status == "started"


# --- the command line -----------------------------------------------------------------------


def _command(capsys, *args: str) -> tuple[int, str, str]:
    from pioneer.cli import main

    try:
        main(["survey", *args])
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_monitor_command_counts_as_the_page(invited, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    out = tmp_path / "rates.csv"
    code, _, err = _command(
        capsys, "monitor", "--wave", "2019", "--threshold", "0", "-f", "csv", "-o", str(out)
    )
    assert code == 0, err
    frame = pd.read_csv(out).set_index("site")
    # Barnsley as in test_a_researcher_sees_every_site_with_exact_counts: 9 invited, 6
    # completed, 1 started, 4 reminders; Wilson 35.4% to 87.9% by hand there.
    barnsley = frame.loc["barnsley"]
    assert [barnsley[c] for c in ("base", "n", "partial", "reminders_sent")] == [9, 6, 1, 4]
    assert barnsley["percent"] == pytest.approx(100 * 6 / 9)
    assert (barnsley["ci_lower"], barnsley["ci_upper"]) == (
        pytest.approx(35.4, abs=0.05),
        pytest.approx(87.9, abs=0.05),
    )
    # By default the printed table is suppressed as outputs are: LA's 1 of 3 is hidden.
    code, printed, err = _command(capsys, "monitor", "--wave", "2019", "--by", "org_type")
    assert code == 0, err
    la = next(line for line in printed.splitlines() if line.startswith("│ LA "))
    assert "33" not in la  # 1 of 3 completed: not shown
    assert "are suppressed" in printed


def test_the_monitor_command_names_the_waves_it_knows(invited, capsys):
    code, _, err = _command(capsys, "monitor", "--wave", "2031")
    assert code == 2
    assert "AnalysisError: no 2031 wave in the fielding store; its waves: " in err
    assert "2019" in err
