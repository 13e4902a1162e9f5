"""The questionnaire pages: every question type of ki2018 renders with labelled inputs;
pick-N over its limit is refused with its message; answers are saved on every page and
resume from the same link in a new session; check your answers; submit once; closed waves;
open text kept exactly and escaped; a session reaches only its own invitation's answers."""

from __future__ import annotations

import os
from html.parser import HTMLParser

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.html import escape

from pioneer.fielding import pages
from pioneer.survey import instrument
from pioneer.web.fielding import invitations
from pioneer.web.fielding.answers_store import Answer, QuestionnaireResponse
from pioneer.web.fielding.contacts import import_contacts
from pioneer.web.fielding.models import Contact, Invitation
from pioneer.web.fielding.respond import SESSION_KEY

CONTACTS = (
    "site,name,email,organisation,organisation_type,role\n"
    "barnsley,Ann Able,ann@example.org,Barnsley CCG,CCG,director\n"
    "leeds,Bea Bright,bea@example.org,Leeds CCG,CCG,director\n"
)
Q = pages.questionnaire(instrument.load("ki2018"))
PIECES = "Patients/service users are now able to experience services that are more joined up"


@pytest.fixture
def links(sites, waves):
    """Invitation and token for Ann (site A) and Bea (site B) in the open 2019 wave."""
    import_contacts(waves[2019], CONTACTS.encode(), label="contacts.csv")
    return {
        key: invitations.issue(Contact.objects.get(email=email))
        for key, email in (("A", "ann@example.org"), ("B", "bea@example.org"))
    }


def _start(client, token):
    """Open the link and press Start: the questionnaire's first URL after redirects."""
    response = client.post(reverse("fielding:respond_start", kwargs={"token": token}), follow=True)
    assert response.status_code == 200
    return response


def _page(code):
    return reverse("fielding:respond_page", kwargs={"page": code})


CHECK = reverse("fielding:respond_check")


def _rows(invitation):
    return {a.item: a.value for a in Answer.objects.filter(invitation=invitation)}


def _snapshot():
    """Every stored answer and response row, with the times they were written."""
    return (
        sorted(Answer.objects.values_list("pk", "invitation_id", "item", "value", "saved_at")),
        sorted(
            QuestionnaireResponse.objects.values_list(
                "pk", "invitation_id", "respondent_id", "resume_page", "updated_at", "submitted_at"
            )
        ),
        sorted(Invitation.objects.values_list("pk", "status", "started_at", "completed_at")),
    )


class _Form(HTMLParser):
    """Inputs, labels, ids, fieldsets/legends and the error summary of a page."""

    def __init__(self, html):
        super().__init__()
        self.inputs: list[dict] = []
        self.label_for: list[str] = []
        self.ids: list[str] = []
        self.fieldsets = self.legends = 0
        self.summary_links: list[str] = []
        self._summary_depth = 0  # > 0 inside the error summary's <div>
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        named = a.get("name") not in (None, "csrfmiddlewaretoken")
        if tag in ("input", "textarea") and a.get("type") != "hidden" and named:
            self.inputs.append({"tag": tag, **a})
        if tag == "label":
            self.label_for.append(a.get("for"))
        self.fieldsets += tag == "fieldset"
        self.legends += tag == "legend"
        if tag == "div" and (
            self._summary_depth or "govuk-error-summary" in (a.get("class") or "").split()
        ):
            self._summary_depth += 1
        if tag == "a" and self._summary_depth:
            self.summary_links.append(a["href"])

    def handle_endtag(self, tag):
        if tag == "div" and self._summary_depth:
            self._summary_depth -= 1


@pytest.mark.parametrize("page", Q.pages, ids=[p.code for p in Q.pages])
def test_every_page_renders_every_question_type_with_labelled_inputs(client, links, page):
    _start(client, links["A"][1])
    response = client.get(_page(page.code))
    assert response.status_code == 200
    html = response.content.decode()
    form = _Form(html)
    assert f'<h1 class="govuk-heading-l">{page.title}</h1>' in html
    assert f"Section {page.number} of {len(Q.pages)}" in html
    # every input has exactly one label pointing at it, and ids are unique
    assert len(form.ids) == len(set(form.ids))
    ids = [i["id"] for i in form.inputs]
    assert sorted(ids) == sorted(form.label_for)
    for field in page.fields:
        mine = [i for i in form.inputs if i["name"] in field.names]
        if field.widget == "radios":
            assert {i["type"] for i in mine} == {"radio"}
            assert [i["value"] for i in mine] == [c.code for c in field.choices]
        elif field.widget == "checkboxes":
            assert {i["type"] for i in mine} == {"checkbox"}
            assert [i["value"] for i in mine] == list(field.codes)
            assert field.hint in html
        elif field.widget == "grid":
            # a table of radios: one group per row, each with the whole scale and don't know
            assert '<table class="govuk-table pioneer-grid">' in html
            assert len(mine) == len(field.rows) * len(field.codes)
            for row in field.rows:
                values = [i["value"] for i in mine if i["name"] == row.name]
                assert values == list(field.codes)
                assert escape(f"{row.label}: {field.dont_know.label}") in html
            assert f"{escape(field.dont_know.label)}</th>" in html
        else:
            assert [i["tag"] for i in mine] == ["textarea"]
            assert f'<label class="govuk-label govuk-label--m" for="{mine[0]["id"]}">' in html
        # the wording, escaped by the template as any text is
        assert escape(field.label) in html
    choice_fields = [f for f in page.fields if f.widget != "textarea"]
    assert form.fieldsets == form.legends == len(choice_fields)
    assert "<script" not in html  # works without JavaScript
    assert 'value="continue"' in html
    assert "Save and come back later" in html


def test_the_question_types_are_all_covered():
    assert {f.type for f in Q.fields()} == {"single", "multiple", "pick_n", "grid", "text"}


def test_pick_n_over_the_limit_shows_the_message_and_saves_nothing(client, links):
    invitation, token = links["A"]
    _start(client, token)
    field = Q.page("objectives").field("objectives_top3")
    chosen = list(field.codes[:4])
    response = client.post(_page("objectives"), {"objectives_top3": chosen, "action": "continue"})
    assert response.status_code == 200
    html = response.content.decode()
    message = f"Choose up to 3 options for ‘{field.short}’ – you chose 4"
    assert escape(message) in html
    form = _Form(html)
    assert form.summary_links == ["#q-objectives_top3"]
    assert "q-objectives_top3" in form.ids
    assert "<title>Error: " in html
    # the four ticks are shown again, so the respondent can untick one
    ticked = [i["value"] for i in form.inputs if "checked" in i]
    assert ticked == [c for c in field.codes if c in chosen]
    assert _rows(invitation) == {}
    # with three, the page saves and moves on
    response = client.post(
        _page("objectives"), {"objectives_top3": chosen[:3], "action": "continue"}
    )
    assert response.status_code == 302
    assert response.url == _page("progress")
    stored = _rows(invitation)
    assert sum(v == "1" for v in stored.values()) == 3
    assert len(stored) == len(field.codes)


def test_save_then_a_new_session_through_the_same_link_resumes_prefilled(client, links):
    from django.test import Client

    invitation, token = links["A"]
    first = _start(client, token)
    assert first.redirect_chain[-1][0] == _page("about_you")
    response = client.post(_page("about_you"), {"role": "director", "action": "continue"})
    assert response.url == _page("initiatives")
    response = client.post(
        _page("initiatives"), {"initiatives": ["mdt", "care_navigators"], "action": "save"}
    )
    assert response.url == reverse("fielding:respond_saved")
    assert "Your answers have been saved" in client.get(response.url).content.decode()
    # the session no longer opens the questionnaire (a shared computer)
    assert SESSION_KEY not in client.session
    assert client.get(_page("about_you")).status_code == 403

    days_later = Client()
    assert (
        "Continue"
        in days_later.get(
            reverse("fielding:respond_start", kwargs={"token": token})
        ).content.decode()
    )
    resumed = _start(days_later, token)
    assert resumed.redirect_chain[-1][0] == _page("initiatives")  # where they stopped
    ticked = [i["value"] for i in _Form(resumed.content.decode()).inputs if "checked" in i]
    assert ticked == ["mdt", "care_navigators"]
    earlier = _Form(days_later.get(_page("about_you")).content.decode())
    assert [i["value"] for i in earlier.inputs if "checked" in i] == ["director"]
    stored = _rows(invitation)
    assert stored["role"] == "director"
    assert stored["initiatives.mdt"] == stored["initiatives.care_navigators"] == "1"
    assert stored["initiatives.social_prescribing"] == "0"


def test_saving_again_updates_in_place_and_clearing_clears(client, links):
    invitation, token = links["A"]
    _start(client, token)
    client.post(_page("about_you"), {"role": "director", "action": "continue"})
    row = Answer.objects.get(invitation=invitation, item="role")
    client.post(_page("about_you"), {"role": "clinician", "action": "continue"})
    again = Answer.objects.get(invitation=invitation, item="role")
    assert (again.pk, again.value) == (row.pk, "clinician")
    client.post(_page("about_you"), {"action": "continue"})
    assert not Answer.objects.filter(invitation=invitation).exists()


def _fill(client):
    """Answer four pages (a single choice, a pick-N, a grid with don't know, open text)."""
    for code, data in (
        ("about_you", {"role": "director"}),
        ("objectives", {"objectives_top3": ["joined_up", "costs"]}),
        ("progress", {"progress.joined_up": "substantial", "progress.costs": "dont_know"}),
        ("closing", {"comments": "Thank you"}),
    ):
        response = client.post(_page(code), {**data, "action": "continue"})
        assert response.status_code == 302, response.content.decode()[:2000]


def test_check_your_answers_lists_them_with_change_links(client, links):
    _start(client, links["A"][1])
    _fill(client)
    response = client.get(CHECK)
    html = response.content.decode()
    assert "Check your answers before sending them" in html
    for label in ("Director/assistant director", "Substantial", "Do not know", "Thank you"):
        assert label in html
    assert PIECES in html
    assert "Not answered" in html  # the initiatives page was skipped
    assert f'href="{_page("about_you")}?from=check#q-role"' in html
    assert f'href="{_page("progress")}?from=check#q-progress-costs"' in html
    # a change link returns to check your answers after Continue
    response = client.post(
        _page("about_you") + "?from=check", {"role": "clinician", "action": "continue"}
    )
    assert response.url == CHECK
    assert "Health care professional (clinical)" in client.get(CHECK).content.decode()


def test_the_last_page_leads_to_check_your_answers(client, links):
    _start(client, links["A"][1])
    response = client.post(_page("closing"), {"comments": "", "action": "continue"})
    assert response.url == CHECK
    # and coming back through the link later lands there too
    assert client.get(reverse("fielding:respond_questionnaire")).url == CHECK


def test_submit_once_double_submit_and_replay_change_nothing(client, links):
    invitation, token = links["A"]
    _start(client, token)
    _fill(client)
    response = client.post(CHECK)
    assert response.url == reverse("fielding:respond_done")
    done = client.get(response.url).content.decode()
    assert "Answers sent" in done
    assert "Thank you for taking part in the 2019 survey" in done
    invitation.refresh_from_db()
    assert invitation.status == "completed"
    assert invitation.completed_at is not None
    response_row = QuestionnaireResponse.objects.get(invitation=invitation)
    assert response_row.submitted_at is not None
    before = _snapshot()

    assert client.post(CHECK).url == reverse("fielding:respond_done")  # the double click
    replay = client.post(_page("about_you"), {"role": "other", "action": "continue"})
    assert "You have already completed the 2019 survey" in replay.content.decode()
    assert client.post(_page("closing"), {"comments": "more", "action": "save"}).status_code == 200
    assert "You have already completed" in client.get(_page("about_you")).content.decode()
    # the link itself, in a new session
    from django.test import Client

    other = Client()
    assert "You have already completed" in _start(other, token).content.decode()
    assert _snapshot() == before
    assert QuestionnaireResponse.objects.count() == 1


def test_two_tabs_one_submits_the_other_cannot_save(client, links):
    from django.test import Client

    token = links["A"][1]
    tab_one, tab_two = client, Client()
    _start(tab_one, token)
    _start(tab_two, token)
    tab_one.post(_page("about_you"), {"role": "director", "action": "continue"})
    tab_one.post(CHECK)
    before = _snapshot()
    response = tab_two.post(_page("about_you"), {"role": "other", "action": "continue"})
    assert "You have already completed" in response.content.decode()
    assert tab_two.post(CHECK).url == reverse("fielding:respond_done")
    assert _snapshot() == before


def test_a_closed_wave_explains_itself_and_takes_nothing(client, links, waves):
    token = links["A"][1]
    _start(client, token)
    client.post(_page("about_you"), {"role": "director", "action": "continue"})
    waves[2019].status = "closed"
    waves[2019].save()
    before = _snapshot()
    for response in (
        client.get(_page("initiatives")),
        client.post(_page("about_you"), {"role": "other", "action": "continue"}),
        client.get(CHECK),
        client.post(CHECK),
        client.get(reverse("fielding:respond_questionnaire")),
    ):
        assert response.status_code == 410
        assert "The 2019 survey has closed" in response.content.decode()
    assert _snapshot() == before


def test_open_text_is_stored_exactly_and_always_escaped(client, links):
    invitation, token = links["A"]
    _start(client, token)
    text = '\n  <script>alert("x")</script>\r\n\r\nA & B <b>bold</b> \t'
    client.post(_page("closing"), {"comments": text, "action": "continue"})
    assert _rows(invitation) == {"comments": text}
    for url in (CHECK, _page("closing")):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html
        assert "<b>bold</b>" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
        assert "A &amp; B &lt;b&gt;bold&lt;/b&gt;" in html
    # shown again in its text area after the line break that HTML parsers drop, so a
    # browser posts it back unchanged
    html = client.get(_page("closing")).content.decode()
    assert f'aria-describedby="q-comments-hint">\n{escape(text)}</textarea>' in html


def test_a_grid_row_with_two_answers_is_refused_and_nothing_of_the_page_saved(client, links):
    invitation, token = links["A"]
    _start(client, token)
    response = client.post(
        _page("progress"),
        {
            "progress.joined_up": ["substantial", "dont_know"],
            "progress.costs": "some",
            "action": "continue",
        },
    )
    html = response.content.decode()
    assert "Choose either ‘Do not know’ or an answer for ‘" in html
    assert _Form(html).summary_links == ["#q-progress-joined_up"]
    assert 'class="govuk-form-group govuk-form-group--error"' in html
    assert 'aria-describedby="q-progress-joined_up-error"' in html
    assert _rows(invitation) == {}


def test_an_unknown_page_is_not_found(client, links):
    _start(client, links["A"][1])
    assert client.get(_page("nonsense")).status_code == 404


# --- a session reaches its own answers only -------------------------------------------------


def _respondent_urls():
    """Every named respondent URL (``fielding:respond_*``) but the link and its opt-out."""
    found = []

    def walk(entries, prefix=""):
        for entry in entries:
            if isinstance(entry, URLResolver):
                walk(
                    entry.url_patterns, f"{prefix}{entry.namespace}:" if entry.namespace else prefix
                )
            elif isinstance(entry, URLPattern) and entry.name:
                name = prefix + entry.name
                # The link and its opt-out are opened by the token, not the session (the
                # opt-out's own tests check that a link opts out only its own invitation).
                if name.startswith("fielding:respond_") and name not in (
                    "fielding:respond_start",
                    "fielding:respond_opt_out",
                ):
                    found.append((name, tuple(entry.pattern.regex.groupindex)))

    walk(get_resolver().url_patterns)
    return found


RESPONDENT_URLS = _respondent_urls()


def test_the_sweep_sees_the_questionnaire_urls():
    names = {n for n, _ in RESPONDENT_URLS}
    assert {"fielding:respond_page", "fielding:respond_check", "fielding:respond_done"} <= names


def _urls(keys):
    if not keys:
        return [None]
    assert set(keys) == {"page"}, f"teach the sweep to fill {set(keys) - {'page'}}"
    return [{"page": p.code} for p in Q.pages]


@pytest.mark.parametrize(("name", "keys"), RESPONDENT_URLS, ids=[n for n, _ in RESPONDENT_URLS])
def test_a_session_reaches_only_its_own_invitations_answers(client, links, name, keys):
    from django.test import Client

    (a, token_a), token_b = links["A"], links["B"][1]
    ann = Client()
    _start(ann, token_a)
    secret = "Ann's own words 7f3a"
    ann.post(_page("closing"), {"comments": secret, "action": "continue"})
    ann.post(_page("about_you"), {"role": "chief_executive", "action": "continue"})
    ann_rows = _rows(a)
    stranger = Client()  # no session at all
    _start(client, token_b)  # Bea, in her own session
    assert "Chief executive" not in client.get(CHECK).content.decode()
    before = _snapshot()
    for kwargs in _urls(keys):
        url = reverse(name, kwargs=kwargs)
        if name != "fielding:respond_saved":
            assert stranger.get(url).status_code == 403
            assert stranger.post(url, {"comments": "x", "action": "continue"}).status_code in (
                403,
                405,
            )
        for response in (client.get(url, follow=True), client.get(CHECK)):
            html = response.content.decode()
            assert "7f3a" not in html
            assert 'value="chief_executive" checked' not in html
        client.post(url, {"comments": "Bea's", "role": "other", "action": "continue"})
    assert _rows(a) == ann_rows  # Ann's answers untouched whatever Bea posts
    assert Invitation.objects.get(pk=a.pk).status == "started"
    after = _snapshot()
    ann_before = [r for r in before[0] if r[1] == a.pk]
    assert [r for r in after[0] if r[1] == a.pk] == ann_before


def test_a_stale_view_of_the_invitation_cannot_write(client, links):
    """The store re-reads the invitation under its lock: what the view saw does not count."""
    from pioneer.web.fielding import answers_store

    invitation, token = links["A"]
    _start(client, token)
    page = Q.page("about_you")
    answers_store.save_page(invitation.pk, page, {"role": "director"}, resume="initiatives")
    assert answers_store.submit(invitation.pk, Q).created
    before = _snapshot()
    with pytest.raises(answers_store.NotWritableError, match="completed"):
        answers_store.save_page(invitation.pk, page, {"role": "other"}, resume="initiatives")
    assert answers_store.submit(invitation.pk, Q) == answers_store.Submitted(False, {})
    assert _snapshot() == before


def test_a_required_question_left_unanswered_stops_the_submission(client, links, monkeypatch):
    from pioneer.web.fielding import respond

    strict = pages.questionnaire(instrument.load("ki2018"), required=("role",))
    monkeypatch.setattr(respond, "questionnaire_for", lambda _id: strict)
    invitation, token = links["A"]
    _start(client, token)
    response = client.post(CHECK)
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(f"Choose an answer for ‘{strict.page('about_you').field('role').short}’") in html
    assert _Form(html).summary_links == [f"{_page('about_you')}?from=check#q-role"]
    invitation.refresh_from_db()
    assert invitation.status == "started"
    assert not QuestionnaireResponse.objects.filter(submitted_at__isnull=False).exists()


@pytest.mark.skipif(
    os.environ.get("PIONEER_TEST_POSTGRES") != "1",
    reason="threads need a real server: the in-memory SQLite test database reports "
    "'table is locked' instead of waiting",
)
@pytest.mark.django_db(transaction=True)
def test_two_tabs_submitting_at_once_submit_once(sites, waves, monkeypatch):
    """Four requests race (two submits, two page saves): one submission, nothing after it."""
    import threading

    from django.db import connection
    from django.test import Client

    from pioneer.web.fielding import answers_store

    submitted = []
    real_submit = answers_store.submit

    def submit(*args):
        outcome = real_submit(*args)
        submitted.append(outcome.created)
        return outcome

    monkeypatch.setattr(answers_store, "submit", submit)

    import_contacts(waves[2019], CONTACTS.encode(), label="contacts.csv")
    invitation, token = invitations.issue(Contact.objects.get(email="ann@example.org"))
    tabs = [Client() for _ in range(4)]
    for tab in tabs:
        _start(tab, token)
    tabs[0].post(_page("about_you"), {"role": "director", "action": "continue"})
    barrier = threading.Barrier(len(tabs))
    outcomes, errors = [], []

    def act(tab, submit):
        try:
            barrier.wait(timeout=30)
            if submit:
                outcomes.append(("submit", tab.post(CHECK).url))
            else:
                body = tab.post(_page("about_you"), {"role": "other", "action": "continue"})
                outcomes.append(("save", body.status_code))
        except Exception as error:  # reported below, not swallowed
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(tab, i < 2)) for i, tab in enumerate(tabs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert (
        sorted(o for o in outcomes if o[0] == "submit")
        == [("submit", reverse("fielding:respond_done"))] * 2
    )
    assert sorted(submitted) in ([True], [False, True])  # the loser may see it done before it asks
    invitation.refresh_from_db()
    assert invitation.status == "completed"
    response = QuestionnaireResponse.objects.get(invitation=invitation)
    # a save that won the race came before the submission; none came after it
    assert (
        Answer.objects.filter(invitation=invitation, saved_at__gt=response.submitted_at).count()
        == 0
    )
    assert Answer.objects.filter(invitation=invitation).count() == 1


def test_a_browser_with_csrf_checks_completes_the_questionnaire(links):
    """The whole journey as a browser makes it, each POST carrying its form's CSRF token."""
    import re

    from django.test import Client

    invitation, token = links["A"]
    browser = Client(enforce_csrf_checks=True)

    def post(url, data=None):
        html = browser.get(url, follow=True).content.decode()
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        return browser.post(url, {**(data or {}), "csrfmiddlewaretoken": csrf})

    start = reverse("fielding:respond_start", kwargs={"token": token})
    assert browser.post(start).status_code == 403  # no token: refused
    assert post(start).status_code == 302
    assert post(_page("about_you"), {"role": "director", "action": "save"}).status_code == 302
    assert post(start).status_code == 302  # back through the link after saving
    assert post(_page("closing"), {"comments": "Fine", "action": "continue"}).url == CHECK
    assert post(CHECK).url == reverse("fielding:respond_done")
    invitation.refresh_from_db()
    assert invitation.status == "completed"
    assert _rows(invitation) == {"role": "director", "comments": "Fine"}


def test_kept_pieces_of_a_grid_show_each_respondents_own_answers(client, links):
    """Grid rows are rendered once and kept (respond._fragment): the same page then shows
    another respondent's answers, or none, correctly checked."""
    from django.test import Client

    _start(client, links["A"][1])
    blank = _Form(client.get(_page("progress")).content.decode())  # rows kept unanswered
    assert not [i for i in blank.inputs if "checked" in i]
    answers = {"progress.joined_up": "substantial", "progress.costs": "dont_know"}
    client.post(_page("progress"), {**answers, "action": "continue"})
    mine = _Form(client.get(_page("progress")).content.decode())
    assert {i["name"]: i["value"] for i in mine.inputs if "checked" in i} == answers
    other = Client()
    _start(other, links["B"][1])
    theirs = _Form(other.get(_page("progress")).content.decode())
    assert not [i for i in theirs.inputs if "checked" in i]


def test_nothing_posted_is_kept_between_requests(client, links):
    """A refused value is echoed (escaped) in its error message, and is never part of the
    rendered pieces kept for later pages."""
    from pioneer.web.fielding import respond

    _start(client, links["A"][1])
    bogus = "<i>posted-zq</i>"
    response = client.post(
        _page("progress"), {"progress.joined_up": bogus, "role": bogus, "action": "continue"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(bogus) in html
    assert bogus not in html
    client.post(_page("about_you"), {"role": bogus, "action": "continue"})
    kept = repr(list(respond._FRAGMENTS)) + "".join(h for _, h in respond._FRAGMENTS.values())
    assert respond._FRAGMENTS
    assert "posted-zq" not in kept
