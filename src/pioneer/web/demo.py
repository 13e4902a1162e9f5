"""The demo programme: the synthetic panel's three closed waves, an open 2019 wave, logins, and
the FICTIONAL interview corpus with its worked coding (``pioneer.qualitative.demo``).

Contacts are invented (``@example.org`` addresses, reserved for examples) and keep the
synthetic panel ids, so fielded data and the synthetic response frame agree on who is who.
Passwords are random on every run and printed once; nothing here is fit for real data.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

from pioneer.qualitative.demo import demo_project
from pioneer.survey import synthetic
from pioneer.web.accounts.models import Membership, Role
from pioneer.web.fielding import invitations, mail
from pioneer.web.fielding.contacts import carry_forward
from pioneer.web.fielding.models import Contact, Invitation, PanelMember, SurveyWave
from pioneer.web.programme.models import Organisation, Site
from pioneer.web.qualitative.models import QualDocument
from pioneer.web.qualitative.store import load_project

OPEN_YEAR = 2019
#: No 2019 instrument is packaged; the open wave reuses the latest (2018) questionnaire.
OPEN_INSTRUMENT = "ki2018"
OPEN_DATES = (dt.date(2019, 9, 2), dt.date(2019, 11, 29))

#: Username, role, site ids: one login per role, and a site lead with two sites.
DEMO_USERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("demo-admin", Role.PROGRAMME_ADMIN, ()),
    ("demo-researcher", Role.RESEARCHER, ()),
    ("demo-lead-barnsley", Role.SITE_LEAD, ("barnsley",)),
    ("demo-lead-leeds-wakefield", Role.SITE_LEAD, ("leeds", "wakefield")),
)

_OUTCOME_STATUS = {
    "complete": Invitation.Status.COMPLETED,
    "partial": Invitation.Status.STARTED,
    "no_response": Invitation.Status.REMINDED,
}
_REGISTRY_TYPE = {"CCG": "ccg", "LA": "local_authority"}

_ADDITIONS_2019 = (
    "site,name,email,organisation,organisation_type,role\n"
    "barnsley,Demo Newcomer One,newcomer.one@example.org,Barnsley CCG,CCG,director\n"
    "leeds,Demo Newcomer Two,newcomer.two@example.org,Leeds City Council,LA,senior_manager\n"
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    sites: tuple[str, ...]


@dataclass(frozen=True)
class DemoProgramme:
    """What :func:`demo_setup` made: the waves, the contact count and the logins."""

    waves: tuple[int, ...]
    contacts: int
    logins: tuple[DemoLogin, ...]
    #: Path of one respondent's link in the open wave (a new token on every run).
    respondent_link: str
    #: FICTIONAL interview transcripts in the store (the demonstration corpus).
    transcripts: int = 0
    #: The invitation e-mail carrying ``respondent_link`` (an .eml file; nothing is sent).
    invitation_email: str = ""


def demo_setup(*, seed: int = 2019, echo: bool = True) -> DemoProgramme:
    """Configure Django, prepare the store and create the demo programme (idempotent)."""
    from pioneer.web.server import configure, prepare_store

    configure()
    prepare_store()
    result = create_demo_programme(seed=seed)
    if echo:
        print_logins(result)
    return result


def print_logins(result: DemoProgramme, url: str | None = None) -> None:
    if url is None:  # the address the site is served on (PIONEER_BASE_URL)
        from django.conf import settings

        url = settings.PIONEER_BASE_URL.rstrip("/") + "/"
    print(f"Demo programme: waves {', '.join(map(str, result.waves))}; {result.contacts} contacts")
    print(f"Sign in at {url}accounts/login/ with (passwords are new on every run):")
    for login in result.logins:
        where = ", ".join(login.sites) or "whole programme"
        print(f"  {login.username:<28} {login.password:<16} {login.role} ({where})")
    link = url.rstrip("/") + result.respondent_link
    print(f"A respondent's link in the open {OPEN_YEAR} wave: {link}")
    if result.invitation_email:
        print(
            f"  the invitation e-mail that carries it (nothing was sent): {result.invitation_email}"
        )
    if result.transcripts:
        print(
            f"Interview evidence: {result.transcripts} FICTIONAL transcripts, coded, at "
            f"{url}qual/matrix/ (researchers and admins code them at {url}qual/transcripts/)"
        )


def create_demo_programme(*, seed: int = 2019) -> DemoProgramme:
    """Fill an empty store with the demo (sites must be loaded); reset the demo logins."""
    with transaction.atomic():
        if not SurveyWave.objects.exists():
            _create_waves_and_contacts(seed)
        logins = tuple(_demo_login(*spec) for spec in DEMO_USERS)
        link, invitation, token = _respondent_link()
        email = _write_invitation_email(invitation, token)
        # Idempotent: matched on ids; passages coded in the web since are kept.
        load_project(demo_project())
    return DemoProgramme(
        waves=tuple(SurveyWave.objects.values_list("year", flat=True)),
        contacts=Contact.objects.count(),
        logins=logins,
        respondent_link=link,
        invitation_email=str(email),
        transcripts=QualDocument.objects.filter(fictional=True).count(),
    )


def _write_invitation_email(invitation: Invitation, token: str) -> Path:
    """The invitation e-mail for ``token`` as ``workspace/outbox/*.eml`` (replaced each run).

    Built by the same code and templates as a real invitation (``mail.build_message``) but
    written to a file, so a newcomer can open the e-mail and follow its link with no mail
    server; the contact's address is an invented ``@example.org`` one.
    """
    from django.conf import settings

    message = mail.build_message(invitation, token, mail.message_templates("invitation"))
    outbox = Path(settings.WORKSPACE) / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"demo-invitation-{OPEN_YEAR}.eml"
    path.write_bytes(message.message().as_bytes())
    return path


def _respondent_link() -> tuple[str, Invitation, str]:
    """A fresh link for the first Barnsley contact of the open wave (invited if need be):
    its path, the invitation and the token."""
    contact = (
        Contact.objects.filter(wave__year=OPEN_YEAR, site__site_id="barnsley")
        .order_by("pk")
        .first()
    )
    invitation = Invitation.objects.filter(contact=contact).first()
    if invitation is None:
        invitation, token = invitations.issue(contact)
    else:
        token = invitations.new_link(invitation)
    return reverse("fielding:respond_start", kwargs={"token": token}), invitation, token


def _create_waves_and_contacts(seed: int) -> None:
    survey = synthetic.generate(seed=seed)
    sites = {s.site_id: s for s in Site.objects.all()}
    organisations: dict[tuple[str, str], str] = {}
    for o in Organisation.objects.select_related("site").order_by("name"):
        organisations.setdefault((o.site.site_id, o.organisation_type), o.name)
    roles = {
        (int(r.wave), str(r.panel_id)): str(r.value)
        for r in survey.responses[survey.responses["item"] == "role"].itertuples(index=False)
    }
    waves: dict[int, SurveyWave] = {}
    for w in survey.waves.itertuples(index=False):
        waves[int(w.wave)] = SurveyWave.objects.create(
            year=int(w.wave),
            instrument_id=str(w.instrument),
            opens=dt.date.fromisoformat(str(w.fieldwork_start)),
            closes=dt.date.fromisoformat(str(w.fieldwork_end)),
            status=SurveyWave.Status.CLOSED,
        )
    mailing = survey.mailing_list
    members = {
        pid: PanelMember(panel_id=pid) for pid in sorted(set(mailing["panel_id"].astype(str)))
    }
    PanelMember.objects.bulk_create(members.values())
    member_pk = dict(PanelMember.objects.values_list("panel_id", "pk"))
    contacts = []
    for m in mailing.itertuples(index=False):
        pid, site_id, org_type = str(m.panel_id), str(m.site), str(m.org_type)
        site = sites[site_id]
        organisation = organisations.get(
            (site_id, _REGISTRY_TYPE.get(org_type, "")), f"{site.name} {org_type} organisation"
        )
        contacts.append(
            Contact(
                wave=waves[int(m.wave)],
                site=site,
                panel_member_id=member_pk[pid],
                name=f"Demo Informant {pid.upper()}",
                email=f"{pid}@example.org",
                organisation=organisation,
                org_type=org_type,
                role=roles.get((int(m.wave), pid), ""),
            )
        )
    Contact.objects.bulk_create(contacts)
    outcome = {(int(m.wave), str(m.panel_id)): str(m.outcome) for m in mailing.itertuples()}
    invitations = []
    for c in Contact.objects.select_related("wave", "panel_member"):
        fieldwork = dt.datetime.combine(c.wave.opens, dt.time(9), tzinfo=dt.UTC)
        status = _OUTCOME_STATUS[outcome[(c.wave.year, c.panel_member.panel_id)]]
        invitations.append(
            Invitation(
                contact=c,
                status=status,
                reminders_sent=2 if status == Invitation.Status.REMINDED else 0,
                invited_at=fieldwork,
                started_at=fieldwork if status != Invitation.Status.REMINDED else None,
                completed_at=fieldwork if status == Invitation.Status.COMPLETED else None,
            )
        )
    Invitation.objects.bulk_create(invitations)
    open_wave = SurveyWave.objects.create(
        year=OPEN_YEAR,
        instrument_id=OPEN_INSTRUMENT,
        opens=OPEN_DATES[0],
        closes=OPEN_DATES[1],
        status=SurveyWave.Status.OPEN,
    )
    last = max(waves)
    leaving = (
        Contact.objects.filter(wave=waves[last]).order_by("pk").values_list("email", flat=True)[:3]
    )
    removals = ("email\n" + "\n".join(leaving) + "\n").encode()
    carry_forward(waves[last], open_wave, removals=removals, additions=_ADDITIONS_2019.encode())


def _demo_login(username: str, role: str, site_ids: tuple[str, ...]) -> DemoLogin:
    user, _ = get_user_model().objects.get_or_create(username=username)
    password = secrets.token_urlsafe(12)
    user.set_password(password)
    user.is_active = True
    user.save()
    Membership.objects.filter(user=user).delete()
    if site_ids:
        for site in Site.objects.filter(site_id__in=site_ids):
            Membership.objects.create(user=user, role=role, site=site)
    else:
        Membership.objects.create(user=user, role=role)
    return DemoLogin(username, password, str(role), site_ids)
