"""Coding a passage in a real browser: select it with the keyboard in the read-only
transcript, tick a code, save, and find the segment at the right offsets (code points, after
an emoji that JavaScript counts as two). Then the same without JavaScript, the researchers'
and a site lead's qualitative pages, each under axe-core.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.functional

# A FICTIONAL transcript with an astral character before the passage: in UTF-16 (what the
# browser's selection offsets count) the emoji is two units, in the store one code point.
TEXT = (
    "FICTIONAL TRANSCRIPT - written for the browser test.\n"
    "A: We were told \U0001f600 funding is short.\n"
    "A: And funding is short again next year.\n"
)
PASSAGE = "funding is short"
CODE_LABEL = "B.I.C.T1 Effect of financial cuts"

LOAD = """
import sys
from pioneer.web.server import configure
configure()
from pioneer.qualitative.demo import demo_project
from pioneer.qualitative.model import Document
from pioneer.web.qualitative.models import QualDocument
from pioneer.web.qualitative.store import load_project

text = sys.argv[1]
document = Document(
    "demo-emoji", "leeds", "interview", "Interview 99, browser test (FICTIONAL)", text,
    org_type="CCG", fictional=True,
)
row = load_project(demo_project().with_documents([document]))
print(QualDocument.objects.get(project=row, document_id="demo-emoji").pk)
"""

SEGMENTS = """
import json, sys
from pioneer.web.server import configure
configure()
from pioneer.web.qualitative.models import QualSegment
rows = QualSegment.objects.filter(document__document_id="demo-emoji").order_by("pk")
print(json.dumps([
    [s.start, s.end, s.text, s.coder, [c.code.code_id for c in s.codings.all()]] for s in rows
]))
"""


@pytest.fixture(scope="module")
def emoji_document(live_app) -> int:
    return int(live_app.run_python(LOAD, TEXT).strip())


def _sign_in(browser, live_app, username: str, *, javascript: bool = True):
    context = browser.new_context(bypass_csp=True, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(live_app.url("/accounts/login/"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(live_app.logins[username])
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    return context, page


def _segments(live_app) -> list:
    return json.loads(live_app.run_python(SEGMENTS))


def test_a_researcher_codes_a_passage_selected_with_the_keyboard(
    browser, live_app, emoji_document, axe
):
    context, page = _sign_in(browser, live_app, "demo-researcher")
    page.goto(live_app.url(f"/qual/transcripts/{emoji_document}/code/"))
    assert "FICTIONAL" in page.locator("main").inner_text()
    axe(page, "code a passage")

    # Keyboard only: to the end of the second line, back over the full stop, then select
    # the sixteen characters before it with Shift + Left arrow.
    source = page.locator("#passage-source")
    source.focus()
    page.keyboard.press("Control+Home")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    for _ in range(len(PASSAGE)):
        page.keyboard.press("Shift+ArrowLeft")

    start = TEXT.index(PASSAGE)  # code points, as Python and the store count them
    assert page.locator("#passage").input_value() == PASSAGE
    assert page.locator("#start").input_value() == str(start)
    assert page.locator("#end").input_value() == str(start + len(PASSAGE))
    assert page.locator("#occurrence").input_value() == "1"  # it appears twice: the first
    assert (
        f"Selected characters {start} to {start + len(PASSAGE)}"
        in page.locator("#selection-status").inner_text()
    )

    # Sent without a code: the error summary, and the selection is kept in the fields.
    page.get_by_role("button", name="Code the passage").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.title().startswith("Error:")
    assert "Choose at least one code" in page.locator(".govuk-error-summary").inner_text()
    assert page.locator("#start").input_value() == str(start)
    axe(page, "code a passage with an error")

    page.get_by_label(CODE_LABEL).focus()
    page.keyboard.press("Space")
    assert page.get_by_label(CODE_LABEL).is_checked()
    page.get_by_role("button", name="Code the passage").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert urlsplit(page.url).path == f"/qual/transcripts/{emoji_document}/"
    banner = page.locator(".govuk-notification-banner").inner_text()
    assert f"characters {start} to {start + len(PASSAGE)}" in banner
    axe(page, "transcript after coding")
    saved = _segments(live_app)
    assert saved == [[start, start + len(PASSAGE), PASSAGE, "demo-researcher", ["B.I.C.T1"]]]
    context.close()
    axe.assert_clean()


def test_coding_works_without_javascript(browser, live_app, emoji_document):
    context, page = _sign_in(browser, live_app, "demo-researcher", javascript=False)
    page.goto(live_app.url(f"/qual/transcripts/{emoji_document}/code/"))
    # Without the script the passage is typed; it appears twice, so the page asks which.
    page.get_by_label("Passage to code").fill(PASSAGE)
    page.get_by_label(CODE_LABEL).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Code the passage").click()
    assert page.title().startswith("Error:")
    assert "appears 2 times" in page.locator(".govuk-error-summary").inner_text()
    # (axe-core needs JavaScript: the error state is checked in the keyboard test's page.)
    page.get_by_label("Which appearance (optional)").fill("2")
    with page.expect_navigation():
        page.get_by_role("button", name="Code the passage").click()
    second = TEXT.index(PASSAGE, TEXT.index(PASSAGE) + 1)
    assert f"characters {second} to {second + len(PASSAGE)}" in page.locator("main").inner_text()
    assert [second, second + len(PASSAGE)] in [s[:2] for s in _segments(live_app)]
    context.close()


def test_researcher_qualitative_pages(browser, live_app, emoji_document, axe):
    context, page = _sign_in(browser, live_app, "demo-researcher")
    page.goto(live_app.url("/qual/frame/"))
    assert "B.I.C.T1" in page.locator("main").inner_text()
    axe(page, "coding frame")
    page.goto(live_app.url("/qual/transcripts/"))
    assert "(FICTIONAL)" in page.locator("main").inner_text()
    axe(page, "transcript list")
    page.goto(live_app.url("/qual/matrix/?by=org_type&codes=B.I"))
    assert "FICTIONAL" in page.locator("main").inner_text()
    axe(page, "matrix by organisation type")
    page.goto(live_app.url("/qual/matrix/"))
    axe(page, "matrix by site")
    with page.expect_navigation():
        page.locator("a[href*='/qual/quotes/']").first.click()
    assert urlsplit(page.url).path == "/qual/quotes/"
    axe(page, "quotes of a cell")
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("Open in the transcript")).first.click()
    assert re.fullmatch(r"/qual/transcripts/\d+/", urlsplit(page.url).path)
    assert re.fullmatch(r"seg-\d+", urlsplit(page.url).fragment)
    axe(page, "transcript")
    context.close()
    axe.assert_clean()


def test_site_lead_sees_the_matrix_of_their_sites_only(browser, live_app, axe):
    context, page = _sign_in(browser, live_app, "demo-lead-leeds-wakefield")
    response = page.goto(live_app.url("/qual/matrix/"))
    assert response.status == 200
    main = page.locator("main").inner_text()
    assert "Leeds" in main
    assert "Kent" not in main
    assert "[c]" in main
    assert page.locator("a[href*='/qual/quotes/']").count() == 0
    axe(page, "site lead's matrix")
    assert page.goto(live_app.url("/qual/transcripts/")).status == 403
    assert page.goto(live_app.url("/qual/sites/kent/matrix/")).status == 403
    context.close()
    axe.assert_clean()
