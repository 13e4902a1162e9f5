"""Views: a sweep over every URL pattern (site A's lead never reaches site B), the audit
trail on every view of contacts, and the contacts upload page."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from pioneer.qualitative.model import Code, CodingFrame, Document, Project, Segment
from pioneer.web.accounts.models import AuditEvent, Membership
from pioneer.web.fielding.contacts import import_contacts
from pioneer.web.fielding.models import Contact
from pioneer.web.qualitative.models import QualDocument, QualSegment
from pioneer.web.qualitative.store import load_project

HEADER = "site,name,email,organisation,organisation_type,role\n"
CONTACTS = HEADER + (
    "barnsley,Ann Able,ann@example.org,Barnsley CCG,CCG,director\n"
    "leeds,Bea Bright,bea@example.org,Leeds CCG,CCG,director\n"
    "leeds,Ben Burr,ben@example.org,Leeds City Council,LA,\n"
)


def _transcripts() -> Project:
    """One coded interview in Barnsley (site A) and one in Leeds (site B)."""
    frame = CodingFrame("sweep", 1, (Code("B", "Barriers"),))
    text = "Money is short."
    docs, segments = [], []
    for site_id in ("barnsley", "leeds"):
        docs.append(Document(f"doc-{site_id}", site_id, "interview", f"Interview {site_id}", text))
        segments.append(
            Segment(f"seg-{site_id}", f"doc-{site_id}", 0, 5, "Money", ("B",), "C1", "2014-01-01")
        )
    return Project("sweep", "Sweep", frame, tuple(docs), tuple(segments))


@pytest.fixture
def listed(sites, waves):
    import_contacts(waves[2019], CONTACTS.encode(), label="contacts.csv")
    load_project(_transcripts())
    return {
        "A": Contact.objects.get(email="ann@example.org"),
        "B": Contact.objects.get(email="bea@example.org"),
    }


def _patterns(resolvers=None, prefix=""):
    """(namespaced name, keyword names) of every named URL pattern."""
    found = []
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            found += _patterns(entry.url_patterns, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            found.append((prefix + entry.name, tuple(entry.pattern.regex.groupindex)))
    return found


ALL = _patterns()
ADMIN = [(name, keys) for name, keys in ALL if name.startswith("admin:")]
APP = [(name, keys) for name, keys in ALL if not name.startswith("admin:")]
#: Pages about no site's objects: open to any signed-in user with a role, or to everyone.
UNSCOPED = {
    "accounts:login",
    "accounts:logout",
    "programme:home",
    "programme:site_list",
    "fielding:wave_list",
    "fielding:wave_detail",
    "fielding:monitor",
    "fielding:monitor_export",
    "qualitative:frame",
    "qualitative:matrix",
    "qualitative:script",
}
#: Programme-wide pages (no site in the URL): refused to site leads altogether.
PROGRAMME_ONLY = {
    "fielding:responses_export",
    "fielding:analysis",
    "fielding:close_wave",
}


#: The respondent's pages: opened by a token, then the session (test_web_respond.py).
#: (test_web_questionnaire.py sweeps them: a session reaches its own answers only.)
RESPONDENT = {name for name, _ in APP if name.startswith("fielding:respond_")}
#: Interview transcripts are identifiable: read only by programme roles and by site leads
#: granted the ``transcript_reader`` role on that site (not by site leads as such).
TRANSCRIPT_READ = {
    "qualitative:transcript_list",
    "qualitative:transcript",
    "qualitative:quotes",
}
#: Coding writes to transcripts' segments: programme roles only, granted or not.
TRANSCRIPT_CODE = {"qualitative:code", "qualitative:remove_code"}
SCOPED = [
    p
    for p in APP
    if p[0] not in UNSCOPED | RESPONDENT | PROGRAMME_ONLY | TRANSCRIPT_READ | TRANSCRIPT_CODE
]
#: Query strings some pages need to show anything (a matrix cell's quotes).
QUERY = {"qualitative:quotes": "?project=sweep&code=B&by=site&value={site_id}"}


def _kwargs(keys, site, contact, wave=2019):
    fill = {"site_id": site.site_id, "year": wave, "pk": contact.pk}
    if "document" in keys:
        fill["document"] = QualDocument.objects.get(site=site).pk
    if "segment" in keys:
        fill["segment"] = QualSegment.objects.get(document__site=site).pk
    missing = set(keys) - set(fill)
    assert not missing, f"the URL sweep does not know how to fill {missing}: add them to _kwargs"
    return {k: fill[k] for k in keys}


def _url(name, site, contact):
    keys = next(k for n, k in APP if n == name)
    url = reverse(name, kwargs=_kwargs(keys, site, contact))
    return url + QUERY.get(name, "").format(site_id=site.site_id)


def test_the_sweep_sees_the_app_and_admin_urls():
    names = {name for name, _ in ALL}
    assert {"fielding:contact_list", "fielding:contact_detail", "admin:index"} <= names
    assert len(ADMIN) > 20
    assert names >= TRANSCRIPT_READ | TRANSCRIPT_CODE
    assert "qualitative:site_matrix" in {name for name, _ in SCOPED}


@pytest.mark.parametrize(("name", "keys"), SCOPED, ids=[n for n, _ in SCOPED])
def test_a_site_lead_reaches_their_own_sites_objects(client, users, sites, listed, name, keys):
    client.force_login(users["site_lead"])
    response = client.get(reverse(name, kwargs=_kwargs(keys, sites["A"], listed["A"])))
    assert response.status_code == 200


@pytest.mark.parametrize(("name", "keys"), SCOPED, ids=[n for n, _ in SCOPED])
def test_a_site_lead_of_A_is_refused_site_Bs_objects(client, users, sites, listed, name, keys):
    client.force_login(users["site_lead"])
    url = reverse(name, kwargs=_kwargs(keys, sites["B"], listed["B"]))
    assert client.get(url).status_code in (403, 404)
    assert client.post(url).status_code in (403, 404, 405)
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("name", sorted(UNSCOPED - {"accounts:logout"}))
def test_unscoped_pages_show_a_site_lead_nothing_of_site_B(client, users, sites, listed, name):
    keys = next(k for n, k in APP if n == name)
    client.force_login(users["site_lead"])
    response = client.get(reverse(name, kwargs=_kwargs(keys, sites["A"], listed["A"])), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Leeds" not in page
    assert "bea@example.org" not in page


@pytest.mark.parametrize("name", sorted(PROGRAMME_ONLY))
def test_programme_only_pages_refuse_site_leads(client, users, sites, listed, name):
    keys = next(k for n, k in APP if n == name)
    url = reverse(name, kwargs=_kwargs(keys, sites["A"], listed["A"]))
    for user in (users["site_lead"], users["nobody"]):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(("name", "keys"), ADMIN, ids=[n for n, _ in ADMIN])
def test_every_admin_url_is_refused_to_a_site_lead(client, users, sites, listed, name, keys):
    client.force_login(users["site_lead"])
    fill = {
        "app_label": "programme",
        "object_id": str(sites["B"].pk),
        "id": str(sites["B"].pk),
        "content_type_id": 1,
        "url": "anything/",
    }
    url = reverse(name, kwargs={k: fill[k] for k in keys})
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(("name", "keys"), SCOPED, ids=[n for n, _ in SCOPED])
def test_a_user_without_a_role_is_refused_everything(client, users, sites, listed, name, keys):
    client.force_login(users["nobody"])
    url = reverse(name, kwargs=_kwargs(keys, sites["A"], listed["A"]))
    assert client.get(url).status_code == 403


# --- transcripts: read when granted, coded by programme roles only ---------------------------


@pytest.fixture
def granted(sites, users):
    """Site A's lead, granted A's transcripts by a programme admin (a membership row)."""
    lead = users["site_lead"]
    Membership.objects.create(user=lead, role="transcript_reader", site=sites["A"])
    return type(lead).objects.get(pk=lead.pk)


@pytest.mark.parametrize("name", sorted(TRANSCRIPT_READ | TRANSCRIPT_CODE))
def test_transcripts_are_refused_to_site_leads_who_are_not_granted(
    client, users, sites, listed, name
):
    post_only = name == "qualitative:remove_code"
    for user in (users["site_lead"], users["nobody"]):
        client.force_login(user)
        for key in ("A", "B"):
            url = _url(name, sites[key], listed[key])
            assert client.get(url).status_code == (405 if post_only else 403), (user, url)
            assert client.post(url).status_code in (403, 405), (user, url)
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("name", sorted(TRANSCRIPT_READ))
def test_a_granted_site_lead_reads_their_own_sites_transcripts_only(
    client, sites, listed, granted, name
):
    client.force_login(granted)
    response = client.get(_url(name, sites["A"], listed["A"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Leeds" not in page
    assert "Interview leeds" not in page
    events = set(AuditEvent.objects.values_list("site__site_id", "record_type"))
    assert events == {("barnsley", "qualitative.qualdocument")}
    AuditEvent.objects.all().delete()
    other = client.get(_url(name, sites["B"], listed["B"]))
    # Site B's transcript is refused; the list and a Leeds cell's quotes show nothing of B.
    assert other.status_code in (200, 403, 404)
    assert "Interview leeds" not in other.content.decode()
    assert not AuditEvent.objects.filter(site=sites["B"]).exists()
    if "document" in next(k for n, k in APP if n == name):
        assert other.status_code in (403, 404)


@pytest.mark.parametrize("name", sorted(TRANSCRIPT_CODE))
def test_coding_is_refused_to_site_leads_even_when_granted(client, sites, listed, granted, name):
    client.force_login(granted)
    for key in ("A", "B"):
        url = _url(name, sites[key], listed[key])
        assert client.get(url).status_code in (403, 405)
        assert client.post(url).status_code == 403
    assert QualSegment.objects.count() == 2


@pytest.mark.parametrize("name", sorted(TRANSCRIPT_READ | {"qualitative:code"}))
def test_a_researcher_reads_and_codes_every_sites_transcripts(client, users, sites, listed, name):
    client.force_login(users["researcher"])
    for key in ("A", "B"):
        assert client.get(_url(name, sites[key], listed[key])).status_code == 200


@pytest.mark.parametrize("name", ["qualitative:frame", "qualitative:matrix"])
def test_qualitative_pages_refuse_a_user_without_a_role(client, users, listed, name):
    client.force_login(users["nobody"])
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", ["programme:site_list", "fielding:wave_list"])
def test_list_pages_refuse_a_user_without_a_role(client, users, name):
    client.force_login(users["nobody"])
    assert client.get(reverse(name)).status_code == 403


def test_a_researcher_sees_every_site(client, users, sites, listed):
    client.force_login(users["researcher"])
    page = client.get(reverse("programme:site_list")).content.decode()
    assert all(site.name in page for site in sites.values())


# --- the audit trail ------------------------------------------------------------------------


def test_the_mailing_list_writes_one_event_per_contact_shown(client, users, sites, waves, listed):
    client.force_login(users["researcher"])
    url = reverse("fielding:contact_list", kwargs={"year": 2019, "site_id": "leeds"})
    response = client.get(url)
    assert "bea@example.org" in response.content.decode()
    events = AuditEvent.objects.order_by("record_id")
    assert [(e.user, e.action, e.record_type, e.site, e.path) for e in events] == [
        (users["researcher"], "view", "fielding.contact", sites["B"], url)
    ] * 2
    assert {e.record_id for e in events} == {
        str(c.pk) for c in Contact.objects.filter(site=sites["B"])
    }


def test_a_contact_page_writes_an_event(client, users, sites, listed):
    client.force_login(users["site_lead"])
    client.get(reverse("fielding:contact_detail", kwargs={"pk": listed["A"].pk}))
    event = AuditEvent.objects.get()
    assert (event.user, event.username, event.record_id, event.site) == (
        users["site_lead"],
        "lead_a",
        str(listed["A"].pk),
        sites["A"],
    )


def test_open_text_in_contact_details_is_escaped(client, users, sites, waves):
    text = HEADER + 'barnsley,<script>alert(1)</script>,x@example.org,"A & B",CCG,\n'
    import_contacts(waves[2019], text.encode(), label="contacts.csv")
    client.force_login(users["site_lead"])
    url = reverse("fielding:contact_list", kwargs={"year": 2019, "site_id": "barnsley"})
    page = client.get(url).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- the upload page ------------------------------------------------------------------------


def _upload(client, site_id, text, name="contacts.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("fielding:contact_import", kwargs={"year": 2019, "site_id": site_id})
    return client.post(url, {"contacts": SimpleUploadedFile(name, text.encode())})


def test_a_site_lead_uploads_their_sites_contacts(client, users, sites, waves):
    client.force_login(users["site_lead"])
    response = _upload(client, "barnsley", HEADER + "barnsley,Ann,ann@example.org,X,CCG,\n")
    assert response.status_code == 302
    assert Contact.objects.get().site == sites["A"]


def test_a_bad_upload_explains_itself_and_adds_nothing(client, users, sites, waves):
    client.force_login(users["site_lead"])
    response = _upload(client, "barnsley", HEADER + "barnsley,Ann,not-an-address,X,CCG,\n")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was added" in page
    assert "row 2, column &#x27;email&#x27;: not a valid e-mail address" in page
    assert not Contact.objects.exists()


def test_an_upload_without_a_file_is_refused(client, users, sites, waves):
    client.force_login(users["site_lead"])
    url = reverse("fielding:contact_import", kwargs={"year": 2019, "site_id": "barnsley"})
    response = client.post(url, {})
    assert response.status_code == 400
    assert "Choose a CSV file" in response.content.decode()


def test_a_site_lead_cannot_upload_to_another_site(client, users, sites, waves):
    client.force_login(users["site_lead"])
    response = _upload(client, "leeds", HEADER + "leeds,Bea,bea@example.org,X,CCG,\n")
    assert response.status_code == 403
    assert not Contact.objects.exists()
