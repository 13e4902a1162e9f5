"""A respondent's journey and a researcher's pages in a real browser, with axe-core on each page.

Invitation link -> start page (POST) -> questionnaire pages (a pick-N question over its limit
on the way) -> save and come back later -> a new browser session on the same link -> resume
with the answers filled in -> check your answers -> submit -> thank you; then the answers are
read back from the store with ``fielded_responses``. Every page visited must have no serious
or critical axe-core violation.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.functional

ROLE = "Director/assistant director"
INITIATIVES = ("Social prescribing initiatives", "Shared IT systems")
OBJECTIVES = (
    "Reducing unplanned hospital admissions",
    "Improving quality of care for patients/service users",
    "Services becoming more accessible to patients/service users",
)
FOURTH_OBJECTIVE = "Improving quality of life for patients/service users"
PROGRESS = {
    "Unplanned admissions have reduced": "Some",
    "The quality of care for patients/service users has improved": "Substantial",
}
BARRIER = ("Increased demand for existing services", "Very significant barrier")
FACILITATOR = ("Local voluntary organisations actively involved", "Don't know")
# Open text with markup and a line break: stored as typed, shown escaped.
COMMENT = "Joint <b>teams</b> & shared records\nhelped most."


def _grid(page, row: str, point: str):
    return page.get_by_label(f"{row}: {point}", exact=True)


def _press(page, button: str, path: str) -> None:
    """Press a form's button, wait for the page it leads to, and check its address."""
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()
    assert urlsplit(page.url).path == path, (button, page.url)


def _continue(page, path: str) -> None:
    _press(page, "Continue", path)


def test_respondent_saves_resumes_and_submits(browser, live_app, axe):
    first = browser.new_context(bypass_csp=True)
    page = first.new_page()

    # The invitation link: a GET shows the start page; only its POST starts.
    page.goto(live_app.url(live_app.link))
    axe(page, "start page")
    _press(page, "Start now", "/respond/page/about_you/")
    axe(page, "page: about you")
    page.get_by_label(ROLE, exact=True).check()
    _continue(page, "/respond/page/initiatives/")
    axe(page, "page: initiatives")
    for label in INITIATIVES:
        page.get_by_label(label, exact=True).check()
    _continue(page, "/respond/page/objectives/")

    # Pick-N over its limit: the page comes back with the error summary; nothing saved.
    axe(page, "page: objectives")
    for label in (*OBJECTIVES, FOURTH_OBJECTIVE):
        page.get_by_label(label, exact=True).check()
    _continue(page, "/respond/page/objectives/")
    assert page.title().startswith("Error:")
    summary = page.locator(".govuk-error-summary")
    assert "Choose up to 3 options" in summary.inner_text()
    assert "you chose 4" in summary.inner_text()
    axe(page, "page: objectives with an error")
    page.get_by_label(FOURTH_OBJECTIVE, exact=True).uncheck()
    _continue(page, "/respond/page/progress/")

    # Answer part of the grid page, then save and leave.
    axe(page, "page: progress")
    for row, point in PROGRESS.items():
        _grid(page, row, point).check()
    _press(page, "Save and come back later", "/respond/saved/")
    axe(page, "saved page")
    first.close()

    # Days later: a new browser session, the same link; the start page offers Continue.
    second = browser.new_context(bypass_csp=True)
    page = second.new_page()
    page.goto(live_app.url(live_app.link))
    axe(page, "start page, resuming")
    _continue(page, "/respond/page/progress/")
    for row, point in PROGRESS.items():
        assert _grid(page, row, point).is_checked(), (row, point)
    assert not _grid(page, "Unplanned admissions have reduced", "Substantial").is_checked()
    # Earlier pages kept their answers too.
    page.get_by_role("link", name="Back").click()
    page.wait_for_url(re.compile(r"/respond/page/objectives/$"))
    for label in OBJECTIVES:
        assert page.get_by_label(label, exact=True).is_checked(), label
    assert not page.get_by_label(FOURTH_OBJECTIVE, exact=True).is_checked()
    _continue(page, "/respond/page/progress/")
    _continue(page, "/respond/page/barriers/")
    axe(page, "page: barriers")
    _grid(page, *BARRIER).check()
    _continue(page, "/respond/page/facilitators/")
    axe(page, "page: facilitators")
    _grid(page, *FACILITATOR).check()
    _continue(page, "/respond/page/closing/")
    axe(page, "page: closing")
    page.get_by_label(re.compile("any other comments")).fill(COMMENT)
    _continue(page, "/respond/check/")

    # Check your answers shows every answer, the open text escaped (as text, not markup).
    axe(page, "check your answers")
    body = page.locator("main").inner_text()
    for answer in (ROLE, *INITIATIVES, *OBJECTIVES, "Some", "Substantial", BARRIER[1]):
        assert answer in body, answer
    assert "Joint <b>teams</b> & shared records" in body
    assert page.locator("b", has_text="teams").count() == 0
    _press(page, "Send my answers", "/respond/done/")
    axe(page, "thank-you page")
    assert "thank" in page.inner_text("body").lower()
    second.close()

    assert axe.checked == [
        "start page",
        "page: about you",
        "page: initiatives",
        "page: objectives",
        "page: objectives with an error",
        "page: progress",
        "saved page",
        "start page, resuming",
        "page: barriers",
        "page: facilitators",
        "page: closing",
        "check your answers",
        "thank-you page",
    ]
    print("axe-core, every violation:", axe.found)
    axe.assert_clean()

    # The store holds exactly what was entered (one submitted questionnaire in 2019).
    rows = live_app.fielded_responses(2019)
    assert len({r["respondent_id"] for r in rows}) == 1
    stored = {r["item"]: r["value"] for r in rows}
    assert stored["role"] == "director"
    ticked = {"initiatives.social_prescribing", "initiatives.shared_it"}
    initiatives = {k: v for k, v in stored.items() if k.startswith("initiatives.")}
    assert len(initiatives) == 10  # every option of a ticked question is stored
    assert {k for k, v in initiatives.items() if v == "1"} == ticked
    objectives = {k for k, v in stored.items() if k.startswith("objectives_top3.") and v == "1"}
    assert objectives == {
        "objectives_top3.unplanned_admissions",
        "objectives_top3.quality_of_care",
        "objectives_top3.accessible",
    }
    assert stored["progress.unplanned_admissions"] == "some"
    assert stored["progress.quality_of_care"] == "substantial"
    assert "progress.joined_up" not in stored  # rows left blank stay unanswered
    assert stored["barriers.increased_demand"] == "very"
    assert stored["facilitators.voluntary_orgs"] == "dont_know"
    # Typed in a browser text area, the line break is posted as \r\n and kept as posted.
    assert stored["comments"] == COMMENT.replace("\n", "\r\n")
    assert {r["site"] for r in rows} == {"barnsley"}


def test_the_questionnaire_works_without_javascript(browser, live_app):
    """With scripting off, the link starts, a page saves and the next page shows."""
    link = live_app.new_link(2019, "leeds")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_app.url(link))
    _press(page, "Start now", "/respond/page/about_you/")
    page.get_by_label(ROLE, exact=True).check()
    _continue(page, "/respond/page/initiatives/")
    page.get_by_role("link", name="Back").click()
    page.wait_for_url(re.compile(r"/respond/page/about_you/$"))
    assert page.get_by_label(ROLE, exact=True).is_checked()
    context.close()


def test_researcher_pages(browser, live_app, axe):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(live_app.url("/accounts/login/"))
    axe(page, "login page")
    page.get_by_label("Username").fill("demo-researcher")
    page.get_by_label("Password").fill("not the password")
    _press(page, "Sign in", "/accounts/login/")
    assert page.locator(".govuk-error-summary").count() == 1
    axe(page, "login page with an error")
    page.get_by_label("Username").fill("demo-researcher")
    page.get_by_label("Password").fill(live_app.logins["demo-researcher"])
    _press(page, "Sign in", "/")
    axe(page, "home page (researcher)")
    page.goto(live_app.url("/waves/2019/"))
    assert page.locator("h1").count() == 1
    axe(page, "wave 2019 (researcher)")
    page.goto(live_app.url("/sites/barnsley/"))
    axe(page, "site page (researcher)")
    # The response monitor (part P's pages): the wave, one site, the analysis table.
    for path, name in (
        ("/waves/2019/monitor/", "monitor (researcher)"),
        ("/waves/2019/sites/barnsley/monitor/", "site monitor (researcher)"),
        ("/waves/2018/analysis/?question=progress", "analysis table (researcher)"),
    ):
        response = page.goto(live_app.url(path))
        assert response.status == 200, (path, response.status)
        axe(page, name)
    context.close()
    print("axe-core, every violation:", axe.found)
    axe.assert_clean()


def test_the_axe_check_catches_a_violation(browser, axe):
    """The check itself can fail: a page with an unlabelled field and an image without
    alternative text (both critical in axe-core) is reported, and assert_clean raises."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.set_content(
        '<!doctype html><html lang="en"><head><title>Bad</title></head><body><main>'
        '<h1>Bad</h1><input type="text"><img src="data:image/gif;base64,'
        'R0lGODlhAQABAAAAACw=">'
        "</main></body></html>"
    )
    axe(page, "bad page")
    context.close()
    rules = {rule for _, impact, rule in axe.found if impact in ("serious", "critical")}
    assert {"label", "image-alt"} <= rules
    with pytest.raises(AssertionError, match="bad page"):
        axe.assert_clean()


def test_site_lead_monitor(browser, live_app, axe):
    """A site lead's monitor (own site only, small numbers suppressed) passes axe-core."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(live_app.url("/accounts/login/"))
    page.get_by_label("Username").fill("demo-lead-barnsley")
    page.get_by_label("Password").fill(live_app.logins["demo-lead-barnsley"])
    _press(page, "Sign in", "/")
    response = page.goto(live_app.url("/waves/2019/monitor/"))
    assert response.status == 200
    assert "Barnsley" in page.locator("main").inner_text()
    axe(page, "monitor (site lead)")
    response = page.goto(live_app.url("/waves/2019/sites/leeds/monitor/"))
    assert response.status == 403  # another site's monitor is refused
    context.close()
    axe.assert_clean()
