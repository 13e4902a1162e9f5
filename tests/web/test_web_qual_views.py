"""The qualitative pages: transcripts governed like contact details (roles, audit), coding a
passage (every exit of the POST), matrices equal to the library's, and quotes."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from django.urls import reverse

from pioneer.qualitative.coding import code_passage
from pioneer.qualitative.model import Code, CodingFrame, Document, Project
from pioneer.qualitative.queries import code_matrix
from pioneer.web.accounts.models import AuditEvent, Membership
from pioneer.web.qualitative.actions import text_version
from pioneer.web.qualitative.models import QualDocument, QualMemo, QualSegment
from pioneer.web.qualitative.store import load_project, to_project

FRAME = CodingFrame(
    "tiny-frame",
    1,
    (
        Code("B", "Barriers", "What gets in the way", "#B22222"),
        Code("B.1", "Money", "Funding", "#D62728", "B"),
        Code("B.2", "Data", "Systems that do not talk", "#F28E2B", "B"),
        Code("F", "Facilitators", "What helps", "#2CA02C"),
        Code("F.1", "Trust", "Relationships", "#98DF8A", "F"),
    ),
    title="Tiny frame",
)
TEXTS = {
    "a1": "Money is short. Money is short again.\nData systems do not talk.\n"
    "<script>alert(1)</script> We trust each other.",
    "a2": "Budgets were cut \U0001f600 and money is short.",
    "b1": "Money is short here too. We trust the council.",
}
CODED = (  # document, quote, codes; hand counts below rest on these
    ("a1", "Money is short.", ("B.1",)),
    ("a1", "Data systems do not talk.", ("B.2",)),
    ("a1", "We trust each other.", ("F.1",)),
    ("a2", "Budgets were cut", ("B.1",)),
    ("b1", "Money is short here too.", ("B.1",)),
    ("b1", "We trust the council.", ("F.1",)),
)


def tiny_project() -> Project:
    meta = {"a1": ("barnsley", "CCG"), "a2": ("barnsley", "LA"), "b1": ("leeds", "CCG")}
    docs = tuple(
        Document(
            doc_id,
            meta[doc_id][0],
            "interview",
            f"Interview {doc_id} (FICTIONAL)",
            text,
            round=1,
            interviewee_type="Commissioner",
            org_type=meta[doc_id][1],
            date="2014-05-01",
            fictional=True,
        )
        for doc_id, text in TEXTS.items()
    )
    by_id = {d.id: d for d in docs}
    segments = tuple(
        code_passage(
            by_id[doc],
            quote,
            codes,
            "CODER-1",
            FRAME,
            segment_id=f"{doc}-s{i}",
            created="2014-06-01T10:00:00+00:00",
        )
        for i, (doc, quote, codes) in enumerate(CODED, start=1)
    )
    return Project("tiny", "Tiny (FICTIONAL)", FRAME, docs, segments, fictional=True)


@pytest.fixture
def qual(sites):
    load_project(tiny_project())
    return {d.document_id: d for d in QualDocument.objects.all()}


@pytest.fixture
def reader(sites, make_user):
    """A site lead of A granted A's transcripts (the transcript_reader role)."""
    user = make_user("lead_reader", "site_lead", sites["A"])
    Membership.objects.create(user=user, role="transcript_reader", site=sites["A"])
    return type(user).objects.get(pk=user.pk)


def _url(name, **kwargs):
    return reverse(f"qualitative:{name}", kwargs=kwargs)


# --- reading transcripts ----------------------------------------------------------------------


def test_a_researcher_reads_a_transcript_escaped_and_the_view_is_audited(
    client, users, sites, qual
):
    client.force_login(users["researcher"])
    url = _url("transcript", document=qual["a1"].pk)
    page = client.get(url).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page
    assert "FICTIONAL" in page
    assert page.count('class="pioneer-coded') == 3  # three coded passages, none overlapping
    event = AuditEvent.objects.get()
    assert (event.user, event.action, event.record_type, event.record_id, event.site) == (
        users["researcher"],
        "view",
        "qualitative.qualdocument",
        str(qual["a1"].pk),
        sites["A"],
    )
    assert event.path == url


def test_the_transcript_list_is_audited_one_event_per_transcript(client, users, qual):
    client.force_login(users["programme_admin"])
    page = client.get(_url("transcript_list")).content.decode()
    assert all(d.title in page for d in qual.values())
    assert sorted(AuditEvent.objects.values_list("record_id", flat=True)) == sorted(
        str(d.pk) for d in qual.values()
    )


def test_a_site_lead_never_reaches_transcripts(client, users, qual):
    client.force_login(users["site_lead"])
    for url in (
        _url("transcript_list"),
        _url("transcript", document=qual["a1"].pk),
        _url("code", document=qual["a1"].pk),
        _url("quotes") + "?code=B&by=site&value=barnsley",
    ):
        assert client.get(url).status_code == 403, url
    assert not AuditEvent.objects.exists()


def test_a_granted_site_lead_reads_their_own_sites_transcripts_only(client, reader, qual):
    client.force_login(reader)
    assert client.get(_url("transcript", document=qual["a1"].pk)).status_code == 200
    assert client.get(_url("transcript", document=qual["b1"].pk)).status_code == 403
    page = client.get(_url("transcript_list")).content.decode()
    assert "Interview a1" in page
    assert "Interview a2" in page
    assert "Interview b1" not in page
    assert "Leeds" not in page
    # Reading is granted, coding is not.
    assert client.get(_url("code", document=qual["a1"].pk)).status_code == 403
    # Quotes: only from the granted site's transcripts.
    quotes = client.get(_url("quotes") + "?code=B.1&by=org_type&value=CCG").content.decode()
    assert "Money is short." in quotes
    assert "here too" not in quotes


# --- coding a passage -------------------------------------------------------------------------


def _post(client, document, **fields):
    data = {"text_version": text_version(document.text), "codes": ["B.1"], **fields}
    return client.post(_url("code", document=document.pk), data)


def test_coding_by_offsets_saves_the_segment_and_records_a_change(client, users, qual):
    client.force_login(users["researcher"])
    a1 = qual["a1"]
    response = _post(
        client,
        a1,
        start="16",
        end="37",
        passage="Money is short again.",
        codes=["B.1", "B"],
        memo="Said twice.",
    )
    assert response.status_code == 302
    segment = QualSegment.objects.get(coder="researcher")
    assert (segment.start, segment.end, segment.text) == (16, 37, "Money is short again.")
    assert [c.code.code_id for c in segment.codings.all()] == ["B.1", "B"]
    assert response["Location"].endswith(f"#seg-{segment.pk}")
    change = AuditEvent.objects.get(action="change")
    assert (change.record_type, change.record_id, change.site_id) == (
        "qualitative.qualsegment",
        str(segment.pk),
        a1.site_id,
    )
    memo = QualMemo.objects.get(author="researcher")
    assert memo.text == "Said twice."
    assert segment.segment_id in memo.about
    # The library sees it: the project still passes its checks with the new segment.
    assert segment.segment_id in {s.id for s in to_project().segments}
    page = client.get(response["Location"]).content.decode()
    assert "Passage coded B.1, B: characters 16 to 37." in page


def test_coding_by_passage_and_occurrence(client, users, qual):
    client.force_login(users["researcher"])
    # "Money is short" appears twice in a1 (offsets 0 and 16); the second is chosen.
    assert _post(client, qual["a1"], passage="Money is short", occurrence="2").status_code == 302
    assert QualSegment.objects.get(coder="researcher").start == 16


def test_a_pasted_passage_with_browser_line_breaks_is_found(client, users, qual):
    client.force_login(users["researcher"])
    passage = "again.\r\nData systems"
    assert _post(client, qual["a1"], passage=passage).status_code == 302
    assert QualSegment.objects.get(coder="researcher").text == "again.\nData systems"


def test_offsets_count_code_points_after_an_emoji(client, users, qual):
    client.force_login(users["researcher"])
    a2 = qual["a2"]
    # "Budgets were cut " is 17 code points, the emoji one more, then " and ": money at 23.
    assert a2.text.index("money") == 23
    assert _post(client, a2, passage="money is short").status_code == 302
    segment = QualSegment.objects.get(coder="researcher")
    assert (segment.start, segment.end) == (23, 37)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"passage": "Money is tight"}, "passage", "The passage is not in the transcript"),
        ({"passage": "Money is short"}, "occurrence", "appears 2 times"),
        ({"passage": "Money is short", "occurrence": "3"}, "occurrence", "from 1 to 2"),
        ({"passage": "Money is short", "occurrence": "two"}, "occurrence", "whole number"),
        ({"passage": ""}, "passage", "Select or enter the passage to code"),
        ({"passage": "   "}, "passage", "Select or enter the passage to code"),
        ({"passage": "Money is short.", "codes": []}, "codes", "Choose at least one code"),
        ({"start": "100", "end": "400"}, "passage", "outside the transcript"),
        ({"start": "5", "end": "5"}, "passage", "outside the transcript"),
        ({"start": "0", "end": "15", "passage": "Money is short!"}, "passage", "does not match"),
        ({"start": "x", "end": "15"}, "passage", "whole number"),
        ({"text_version": "0" * 16, "passage": "Money"}, "passage-source", "has changed"),
        ({"passage": "Money is short.", "codes": ["Z.9"]}, "codes", "no longer in the coding"),
    ],
)
def test_bad_coding_requests_explain_themselves_and_change_nothing(
    client, users, qual, fields, field, message
):
    client.force_login(users["researcher"])
    before = QualSegment.objects.count()
    response = _post(client, qual["a1"], **fields)
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert f'href="#{field}"' in page or (field == "codes" and 'href="#code-B"' in page)
    assert page.count("<title>Error:") == 1
    assert QualSegment.objects.count() == before
    assert not AuditEvent.objects.filter(action="change").exists()
    assert not QualMemo.objects.exists()


def test_several_problems_are_listed_together(client, users, qual):
    client.force_login(users["researcher"])
    page = _post(client, qual["a1"], passage="", codes=[]).content.decode()
    assert "Select or enter the passage to code" in page
    assert "Choose at least one code" in page


def test_the_coding_page_is_audited_as_a_view_and_get_changes_nothing(client, users, qual):
    client.force_login(users["researcher"])
    page = client.get(_url("code", document=qual["a2"].pk)).content.decode()
    assert "\U0001f600" in page  # the text, as typed, in the read-only text area
    assert 'name="codes" type="checkbox" value="B.1"' in page
    assert AuditEvent.objects.get().action == "view"
    assert QualSegment.objects.count() == len(CODED)


def test_removing_a_code_and_then_the_last_one(client, users, qual):
    client.force_login(users["researcher"])
    _post(client, qual["b1"], passage="too", codes=["B.1", "F.1"])
    segment = QualSegment.objects.get(coder="researcher")
    url = _url("remove_code", segment=segment.pk)
    assert client.get(url).status_code == 405
    assert client.post(url, {"code": "B.1"}).status_code == 302
    assert [c.code.code_id for c in segment.codings.all()] == ["F.1"]
    client.post(url, {"code": "F.1"})
    assert not QualSegment.objects.filter(pk=segment.pk).exists()
    assert AuditEvent.objects.filter(action="change").count() == 3  # coded, two removals


def test_a_site_lead_cannot_code_or_remove(client, users, qual, reader):
    segment = QualSegment.objects.filter(document=qual["a1"]).first()
    for user in (users["site_lead"], reader):
        client.force_login(user)
        assert _post(client, qual["a1"], passage="Money is short.").status_code == 403
        url = _url("remove_code", segment=segment.pk)
        assert client.post(url, {"code": "B.1"}).status_code == 403
    assert QualSegment.objects.count() == len(CODED)


# --- matrices and quotes ----------------------------------------------------------------------


def _cells(page: str) -> list[str]:
    return re.findall(r'govuk-table__cell--numeric">(?:<a[^>]*>)?([^<]*)', page)


def test_the_researchers_matrix_is_the_librarys(client, users, qual):
    client.force_login(users["researcher"])
    page = client.get(_url("matrix") + "?by=site").content.decode()
    # The library's counts, unsuppressed (researchers read every transcript anyway).
    table = code_matrix(tiny_project(), "site", threshold=0).frame
    expected = []
    for code in FRAME.ids:
        for site in ("barnsley", "leeds"):
            row = table[(table["code_id"] == code) & (table["site_id"] == site)].iloc[0]
            expected += [str(int(row["references"])), str(int(row["sources"]))]
    assert _cells(page) == expected
    # By hand: B (with B.1 and B.2) in Barnsley = a1's two passages and a2's one: 3 segments
    # in 2 interviews; in Leeds, b1's money passage: 1 in 1.
    assert expected[:4] == ["3", "2", "1", "1"]
    assert "/qual/quotes/?project=tiny&amp;code=B&amp;by=site&amp;value=barnsley" in page


def test_the_matrix_by_organisation_type_and_a_branch(client, users, qual):
    client.force_login(users["researcher"])
    page = client.get(_url("matrix") + "?by=org_type&codes=F").content.decode()
    # F and F.1 only; columns CCG, LA: trust is coded in a1 (CCG) and b1 (CCG), never in LA.
    assert _cells(page) == ["2", "2", "0", "0"] * 2
    assert "B.1 Money</th>" not in page
    assert "F.1 Trust</th>" in page


def test_a_bad_branch_is_explained(client, users, qual):
    client.force_login(users["researcher"])
    response = client.get(_url("matrix") + "?codes=Q")
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()


def test_a_site_lead_sees_their_own_sites_matrix_aggregated_and_suppressed(client, users, qual):
    client.force_login(users["site_lead"])
    for url in (_url("matrix"), _url("site_matrix", site_id="barnsley")):
        response = client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Barnsley" in page
        assert "Leeds" not in page
        assert "/qual/quotes/" not in page
        assert "/qual/transcripts/" not in page
        # Every Barnsley count of interviewees is 1 or 2: all hidden.
        assert set(_cells(page)) == {"[c]"}
    assert client.get(_url("site_matrix", site_id="leeds")).status_code == 403
    assert not AuditEvent.objects.exists()


def test_a_cells_quotes_link_to_their_transcript_and_are_audited(client, users, qual):
    client.force_login(users["researcher"])
    page = client.get(_url("quotes") + "?code=B&by=site&value=barnsley").content.decode()
    for doc, quote, _codes in CODED[:4]:
        if quote.startswith(("Money", "Data", "Budgets")):
            segment = QualSegment.objects.get(document=qual[doc], text=quote)
            assert f"/qual/transcripts/{qual[doc].pk}/#seg-{segment.pk}" in page
    # Exactly B's Barnsley passages, in document and text order: not F.1's, not Leeds's.
    marked = re.findall(r"<mark>(.*?)</mark>", page, flags=re.DOTALL)
    assert marked == ["Money is short.", "Data systems do not talk.", "Budgets were cut"]
    assert sorted(AuditEvent.objects.values_list("record_id", flat=True)) == sorted(
        [str(qual["a1"].pk), str(qual["a2"].pk)]
    )


def test_an_unknown_cell_is_not_found(client, users, qual):
    client.force_login(users["researcher"])
    assert client.get(_url("quotes") + "?code=ZZ&by=site&value=leeds").status_code == 404
    assert client.get(_url("quotes") + "?code=B&by=colour&value=leeds").status_code == 404


# --- frame and menu ---------------------------------------------------------------------------


def test_the_frame_page_shows_ids_labels_colours_and_version(client, users, qual):
    client.force_login(users["site_lead"])
    page = client.get(_url("frame")).content.decode()
    assert "tiny-frame" in page
    assert "Version" in page
    assert "B.2" in page
    assert "Systems that do not talk" in page
    assert "#F28E2B" in page


def test_the_menu_offers_the_pages_a_user_may_open(client, users, qual, reader):
    expected = {
        "researcher": (True, True),
        "site_lead": (True, False),
        "nobody": (False, False),
    }
    for name, (evidence, transcripts) in expected.items():
        client.force_login(users[name])
        page = client.get(reverse("programme:home")).content.decode()
        assert ('href="/qual/matrix/"' in page) is evidence, name
        assert ('href="/qual/transcripts/"' in page) is transcripts, name
    client.force_login(reader)
    assert 'href="/qual/transcripts/"' in client.get(reverse("programme:home")).content.decode()


def test_the_coding_script_is_served_as_javascript(client):
    response = client.get(_url("script"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b"Array.from" in response.content


def _six_in_barnsley() -> Project:
    """Six Barnsley interviews: money in each (B.1), data in the first only (B.2)."""
    text = "Money is short. Data is poor."
    docs = tuple(
        Document(f"m{i}", "barnsley", "interview", f"Interview m{i}", text, org_type="CCG")
        for i in range(1, 7)
    )
    segments = [
        code_passage(d, "Money is short.", "B.1", "C1", FRAME, segment_id=f"{d.id}-money")
        for d in docs
    ]
    segments.append(code_passage(docs[0], "Data is poor.", "B.2", "C1", FRAME, segment_id="d"))
    return Project("six", "Six", FRAME, docs, tuple(segments))


def test_a_lone_hidden_child_gets_a_complementary_cell():
    from pioneer.qualitative.queries import complement_tree

    project = _six_in_barnsley()
    plain = code_matrix(project, "site", complementary=False)  # threshold 5
    cells = {r["code_id"]: r["references"] for r in plain.frame.to_dict("records")}
    # By hand: B = 6 money passages + 1 data passage = 7 (6 interviews: shown); B.1 = 6 in 6
    # (shown); B.2 = 1 in 1 (hidden). Shown as it is, B - B.1 = 1 gives B.2 away.
    assert (cells["B"], cells["B.1"]) == (7, 6)
    assert pd.isna(cells["B.2"])
    guarded = complement_tree(plain, project.frame)
    cells = {r["code_id"]: r["references"] for r in guarded.frame.to_dict("records")}
    assert cells["B"] == 7
    assert pd.isna(cells["B.1"])
    assert pd.isna(cells["B.2"])
    assert (cells["F"], cells["F.1"]) == (0, 0)
    assert guarded.suppression.cells_suppressed == plain.suppression.cells_suppressed + 1
    # code_matrix takes the second step by default (the CLI's and the pages' matrices).
    pd.testing.assert_frame_equal(code_matrix(project, "site").frame, guarded.frame)
    # The analysts' view (threshold 0) is left alone.
    exact = code_matrix(project, "site", threshold=0)
    assert complement_tree(exact, project.frame) is exact


def test_a_site_lead_sees_the_complementary_cell(client, users, sites):
    load_project(_six_in_barnsley())
    client.force_login(users["site_lead"])
    page = client.get(_url("site_matrix", site_id="barnsley")).content.decode()
    # Rows B, B.1, B.2, F, F.1; two cells (segments, interviewees) each.
    assert _cells(page) == ["7", "6", "[c]", "[c]", "[c]", "[c]", "0", "0", "0", "0"]
