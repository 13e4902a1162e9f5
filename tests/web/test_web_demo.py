"""The demo programme: synthetic waves, an open 2019 wave carried forward, one login per role."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from pioneer.survey import synthetic
from pioneer.web import demo
from pioneer.web.fielding.models import Contact, Invitation, SurveyWave
from pioneer.web.programme.registry import load_registry


@pytest.fixture(scope="module")
def survey():
    return synthetic.generate(seed=2019)


@pytest.fixture
def made(db, survey, monkeypatch, settings, tmp_path):
    settings.WORKSPACE = tmp_path  # the demo writes its invitation e-mail there
    load_registry()
    monkeypatch.setattr(demo.synthetic, "generate", lambda seed: survey)
    return demo.create_demo_programme(seed=2019)


def test_the_demo_has_three_closed_waves_and_an_open_2019_wave(made, survey):
    assert made.waves == (2016, 2017, 2018, 2019)
    assert list(SurveyWave.objects.values_list("status", flat=True)) == ["closed"] * 3 + ["open"]
    assert SurveyWave.objects.get(year=2019).instrument_id == "ki2018"

    # The closed waves' mailing lists are the synthetic ones, whose sizes are those of
    # 000_9191d1decfdc3012.txt Table I (invited key informants): 337, 482, 439.
    for year, size in ((2016, 337), (2017, 482), (2018, 439)):
        assert Contact.objects.filter(wave__year=year).count() == size
    completed = Invitation.objects.filter(contact__wave__year=2018, status="completed").count()
    mailing = survey.mailing_list
    expected = int(((mailing["wave"] == 2018) & (mailing["outcome"] == "complete")).sum())
    assert completed == expected

    # The open wave is carried forward from 2018: 439 on the 2018 list, 3 removed, 2 added.
    assert Contact.objects.filter(wave__year=2019).count() == 439 - 3 + 2
    carried = Contact.objects.filter(wave__year=2019, email__endswith="@example.org")
    panel_2018 = set(
        Contact.objects.filter(wave__year=2018).values_list("panel_member__panel_id", flat=True)
    )
    assert {c.panel_member.panel_id for c in carried if c.email.startswith("ki")} <= panel_2018


def test_each_demo_login_signs_in_with_its_printed_password_renewed_on_each_run(
    made, client, capsys
):
    demo.print_logins(made)
    printed = capsys.readouterr().out
    assert [login.role for login in made.logins] == [
        "programme_admin",
        "researcher",
        "site_lead",
        "site_lead",
    ]
    for login in made.logins:
        assert login.password in printed
        response = client.post(
            reverse("accounts:login"), {"username": login.username, "password": login.password}
        )
        assert response.status_code == 302
        client.logout()

    # The printed respondent's link opens the start page of the open wave.
    assert made.respondent_link in printed
    page = client.get(made.respondent_link).content.decode()
    assert "Start now" in page
    assert "2019 survey" in page

    # Running the demo again keeps the data and renews the passwords and the link; the
    # earlier link still works.
    again = demo.create_demo_programme(seed=2019)
    assert again.contacts == made.contacts
    assert {a.password for a in again.logins}.isdisjoint(m.password for m in made.logins)
    assert again.respondent_link != made.respondent_link
    assert client.get(made.respondent_link).status_code == 200
    assert Invitation.objects.filter(contact__wave__year=2019).count() == 1


def test_the_demo_loads_the_fictional_interviews_once_and_keeps_web_coding(made, client):
    from pioneer.qualitative.demo import demo_project
    from pioneer.web.qualitative.actions import code_segment
    from pioneer.web.qualitative.models import QualDocument, QualSegment
    from pioneer.web.qualitative.store import to_project

    library = demo_project()
    assert made.transcripts == len(library.documents) == 8
    assert to_project() == library
    document = QualDocument.objects.order_by("pk").first()
    code_segment(document, start=0, end=9, code_ids=["B"], coder="demo-researcher")
    again = demo.create_demo_programme(seed=2019)
    assert again.transcripts == 8
    assert QualSegment.objects.count() == len(library.segments) + 1
    assert QualSegment.objects.filter(coder="demo-researcher").exists()

    # The demo researcher reads them, labelled FICTIONAL.
    client.force_login(get_user_model().objects.get(username="demo-researcher"))
    page = client.get(reverse("qualitative:transcript_list")).content.decode()
    assert page.count("(FICTIONAL)") == 8
    assert "demonstration interviews written for Pioneer" in page


def test_the_demo_writes_the_invitation_e_mail_whose_link_starts_the_questionnaire(
    made, client, settings, tmp_path
):
    import email
    from email import policy

    path = tmp_path / "outbox" / "demo-invitation-2019.eml"
    assert made.invitation_email == str(path)
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"].endswith("@example.org")
    text = message.get_body(preferencelist=("plain",)).get_content()
    link = settings.PIONEER_BASE_URL.rstrip("/") + made.respondent_link
    assert link in text
    # The link in the e-mail opens the start page, which changes nothing until a POST.
    page = client.get(made.respondent_link)
    assert page.status_code == 200
    assert 'method="post"' in page.content.decode()
    # Run again: a new link, and the e-mail file is replaced with it.
    again = demo.create_demo_programme(seed=2019)
    assert again.respondent_link in path.read_text(encoding="utf-8")
    assert made.respondent_link not in path.read_text(encoding="utf-8")
