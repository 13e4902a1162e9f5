"""Mailing lists: import contacts from CSV, and carry a wave's list into the next wave.

Both are all-or-nothing: the whole file is checked first and written inside one transaction,
so a :class:`~pioneer.errors.DataFileError` (naming file, row, column, value and fix) means
the store is unchanged. Row numbers are spreadsheet rows: the header is row 1.

A person keeps their pseudonymous panel id across waves: carried-forward contacts keep it,
and an imported e-mail address already seen in an earlier wave reuses that person's id.
New people get a fresh random id.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from pioneer.errors import DataFileError, Problems
from pioneer.survey.frame import ORG_TYPES
from pioneer.web.accounts.permissions import Permission, has_permission
from pioneer.web.fielding.models import Contact, PanelMember, SurveyWave
from pioneer.web.programme.models import Site

#: Columns of a contacts file, in the order the template shows them.
COLUMNS: tuple[str, ...] = ("site", "name", "email", "organisation", "organisation_type", "role")
REQUIRED: tuple[str, ...] = ("site", "name", "email", "organisation", "organisation_type")
_ORG_TYPE_KEYS = {t.lower(): t for t in ORG_TYPES}
MAX_BYTES = 5 * 1024 * 1024

Source = str | Path | bytes | io.IOBase


@dataclass(frozen=True)
class ContactRow:
    """One checked row of a contacts file."""

    row: int
    site: Site
    name: str
    email: str
    organisation: str
    org_type: str
    role: str


@dataclass(frozen=True)
class ImportResult:
    """What an import wrote: contacts added, and how many of them are returning people."""

    wave: int
    added: int
    returning: int


@dataclass(frozen=True)
class CarryForwardResult:
    """What a carry-forward wrote into the new wave."""

    from_wave: int
    to_wave: int
    carried: int
    removed: int
    added: int


def normalise_email(value: str) -> str:
    return value.strip().lower()


def _read(source: Source, label: str) -> list[dict[str, str]]:
    """The rows of a CSV file as dicts keyed by normalised header (``organisation type`` ->
    ``organisation_type``)."""
    if isinstance(source, (str, Path)):
        try:
            raw = Path(source).read_bytes()
        except OSError as error:
            raise DataFileError(
                label, f"the file cannot be read ({error.strerror})", fix="check the path"
            ) from None
    elif isinstance(source, bytes):
        raw = source
    else:
        raw = source.read(MAX_BYTES + 1)
        raw = raw.encode("utf-8") if isinstance(raw, str) else raw
    if len(raw) > MAX_BYTES:
        raise DataFileError(label, "the file is larger than 5 MB", fix="split it by site")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataFileError(
            label,
            f"the file is not UTF-8 text (byte {error.start})",
            fix="save it as 'CSV UTF-8' from your spreadsheet program",
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        lines = list(reader)
    except csv.Error as error:
        raise DataFileError(label, f"the file is not valid CSV ({error})") from None
    if not lines:
        raise DataFileError(
            label, "the file is empty", fix=f"start with a header row: {','.join(COLUMNS)}"
        )
    header = [h.strip().lower().replace(" ", "_").replace("-", "") for h in lines[0]]
    header = ["email" if h == "e_mail" else h for h in header]
    for column in REQUIRED:
        if column not in header:
            raise DataFileError(
                label,
                f"the header has no {column!r} column",
                row=1,
                expected=", ".join(COLUMNS),
                fix=f"add a column headed {column!r}",
            )
    rows = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            raise DataFileError(
                label,
                f"the row has {len(cells)} cells but the header only {len(header)}",
                row=number,
                fix="quote values that contain commas",
            )
        record = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        record["_row"] = str(number)
        rows.append(record)
    if not rows:
        raise DataFileError(label, "the file has a header but no contacts", row=2)
    return rows


def _site_lookup() -> dict[str, Site]:
    lookup: dict[str, Site] = {}
    for site in Site.objects.all():
        lookup[site.site_id.lower()] = site
        lookup[site.name.lower()] = site
    return lookup


def check_rows(
    source: Source,
    wave: SurveyWave,
    *,
    label: str = "contacts.csv",
    site: Site | None = None,
    user: Any = None,
    ignore_existing: Iterable[str] = (),
) -> list[ContactRow]:
    """Read and check a contacts file against ``wave``; raise one error listing the first
    problem of every bad row (up to ``errors.MAX_LISTED``), so one upload shows them all.

    ``site`` restricts the file to one site; ``user`` (if given) must hold the import
    permission on every row's site. E-mail addresses must be well formed and appear once
    across the file and the wave's existing list (whichever site they belong to).
    """
    if not wave.is_open:
        raise DataFileError(
            label,
            f"the {wave.year} wave is closed, so its mailing list cannot change",
            fix="import into an open wave",
        )
    sites = _site_lookup()
    existing = {
        email: site_name
        for email, site_name in Contact.objects.filter(wave=wave).values_list("email", "site__name")
    }
    for email in ignore_existing:
        existing.pop(email, None)
    seen: dict[str, tuple[int, str]] = {}
    checked: list[ContactRow] = []
    problems = Problems(label)
    for record in _read(source, label):
        number = int(record["_row"])
        try:
            checked.append(_check_row(record, number, wave, sites, site, user, seen, existing))
        except _RowError as bad:
            problems.add(bad.problem, row=number, column=bad.column, value=bad.value, fix=bad.fix)
    problems.raise_if_any()  # every row's first problem, in one error; nothing written
    return checked


class _RowError(Exception):
    """The first thing wrong with one row (the row's later checks depend on it)."""

    def __init__(self, problem: str, column: str, value: str, fix: str) -> None:
        super().__init__(problem)
        self.problem, self.column, self.value, self.fix = problem, column, value, fix


def _check_row(
    record: dict[str, str],
    number: int,
    wave: SurveyWave,
    sites: dict[str, Site],
    site: Site | None,
    user: Any,
    seen: dict[str, tuple[int, str]],
    existing: dict[str, str],
) -> ContactRow:
    """One checked row, or :class:`_RowError`; records the row's address in ``seen``."""

    def bad(problem: str, column: str, value: str, fix: str) -> None:
        raise _RowError(problem, column, value, fix)

    site_text = record["site"]
    row_site = sites.get(site_text.lower())
    if row_site is None:
        bad(
            "unknown site",
            "site",
            site_text,
            "use a site id or name as the programme registry lists it (see the Sites page)",
        )
    if site is not None and row_site.pk != site.pk:
        bad(
            f"this upload is for {site.name}, not {row_site.name}",
            "site",
            site_text,
            "remove the rows of other sites or upload them on that site's page",
        )
    if user is not None and not has_permission(user, Permission.CONTACTS_IMPORT, row_site):
        bad(
            f"you may not import contacts for {row_site.name}",
            "site",
            site_text,
            "remove the row or ask a programme admin",
        )
    for column in ("name", "organisation"):
        if not record[column]:
            bad(f"the {column} is blank", column, record[column], f"fill in the {column}")
    email = normalise_email(record["email"])
    try:
        validate_email(email)
    except ValidationError:
        bad("not a valid e-mail address", "email", record["email"], "correct the address")
    if email in seen:
        first_row, first_site = seen[email]
        where = "the same site" if first_site == row_site.name else f"site {first_site}"
        bad(
            f"the e-mail address is already in row {first_row} ({where})",
            "email",
            record["email"],
            "keep one row per person; a person belongs to one site per wave",
        )
    if email in existing:
        bad(
            f"the e-mail address is already on the {wave.year} mailing list "
            f"(site {existing[email]})",
            "email",
            record["email"],
            "remove the row; the person is already invited",
        )
    seen[email] = (number, row_site.name)
    org_type = _ORG_TYPE_KEYS.get(record["organisation_type"].lower())
    if org_type is None:
        bad(
            "unknown organisation type",
            "organisation_type",
            record["organisation_type"],
            f"use one of {', '.join(ORG_TYPES)}",
        )
    return ContactRow(
        row=number,
        site=row_site,
        name=record["name"],
        email=email,
        organisation=record["organisation"],
        org_type=org_type,
        role=record.get("role", ""),
    )


def _panel_members_by_email(emails: Iterable[str], before_year: int) -> dict[str, int]:
    """Panel member of each e-mail seen in an earlier wave (the latest wave wins)."""
    found: dict[str, int] = {}
    rows = (
        Contact.objects.filter(email__in=list(emails), wave__year__lt=before_year)
        .order_by("wave__year")
        .values_list("email", "panel_member_id")
    )
    for email, member in rows:
        found[email] = member
    return found


def _write(wave: SurveyWave, rows: list[ContactRow]) -> int:
    """Create the contacts; returns how many are returning panel members."""
    known = _panel_members_by_email([r.email for r in rows], wave.year)
    fresh = [PanelMember() for r in rows if r.email not in known]
    PanelMember.objects.bulk_create(fresh)
    if any(m.pk is None for m in fresh):  # backends without RETURNING
        ids = {m.panel_id for m in fresh}
        fresh = list(PanelMember.objects.filter(panel_id__in=ids))
    new_members = iter(fresh)
    contacts = []
    for r in rows:
        member_id = known.get(r.email)
        if member_id is None:
            member_id = next(new_members).pk
        contacts.append(
            Contact(
                wave=wave,
                site=r.site,
                panel_member_id=member_id,
                name=r.name,
                email=r.email,
                organisation=r.organisation,
                org_type=r.org_type,
                role=r.role,
            )
        )
    Contact.objects.bulk_create(contacts)
    return sum(r.email in known for r in rows)


def import_contacts(
    wave: SurveyWave,
    source: Source,
    *,
    label: str | None = None,
    site: Site | None = None,
    user: Any = None,
) -> ImportResult:
    """Add the contacts of a CSV file to ``wave``'s mailing list, all or nothing."""
    label = label or (str(source) if isinstance(source, (str, Path)) else "contacts.csv")
    try:
        with transaction.atomic():
            rows = check_rows(source, wave, label=label, site=site, user=user)
            returning = _write(wave, rows)
    except IntegrityError:
        raise _changed_meanwhile(label, wave) from None
    return ImportResult(wave=wave.year, added=len(rows), returning=returning)


def _changed_meanwhile(label: str, wave: SurveyWave) -> DataFileError:
    """Another import added one of the same people between our check and our write."""
    return DataFileError(
        label,
        f"the {wave.year} mailing list changed while this file was being imported",
        fix="import the file again; rows already on the list will be reported",
    )


def carry_forward(
    from_wave: SurveyWave,
    to_wave: SurveyWave,
    *,
    removals: Source | None = None,
    additions: Source | None = None,
    removals_label: str = "removals.csv",
    additions_label: str = "additions.csv",
    user: Any = None,
) -> CarryForwardResult:
    """Start ``to_wave``'s mailing list from ``from_wave``'s, less removals, plus additions.

    ``removals`` is a CSV file with an ``email`` column naming people on ``from_wave``'s list;
    ``additions`` is a contacts file as for :func:`import_contacts`. Carried contacts keep
    their panel ids. ``to_wave`` must be open, later, and have an empty list.
    """
    if user is not None and not has_permission(user, Permission.CONTACTS_CARRY_FORWARD):
        raise DataFileError(
            "carry-forward",
            "you may not carry mailing lists between waves",
            fix="ask a programme admin or researcher",
        )
    label = f"carry-forward {from_wave.year} -> {to_wave.year}"
    if to_wave.year <= from_wave.year:
        raise DataFileError(
            label, "contacts can only be carried into a later wave", fix="swap the waves"
        )
    if not to_wave.is_open:
        raise DataFileError(label, f"the {to_wave.year} wave is closed", fix="open it first")
    if Contact.objects.filter(wave=to_wave).exists():
        raise DataFileError(
            label,
            f"the {to_wave.year} wave already has contacts",
            fix="import additions into it instead of carrying the list again",
        )
    previous = list(Contact.objects.filter(wave=from_wave).select_related("site"))
    on_list = {c.email for c in previous}
    removed: set[str] = set()
    if removals is not None:
        for record in _read_removals(removals, removals_label):
            email = normalise_email(record["email"])
            if email not in on_list:
                raise DataFileError(
                    removals_label,
                    f"the address is not on the {from_wave.year} mailing list",
                    row=int(record["_row"]),
                    column="email",
                    value=record["email"],
                    fix="remove the row or correct the address",
                )
            removed.add(email)
    kept = [c for c in previous if c.email not in removed]
    with transaction.atomic():
        Contact.objects.bulk_create(
            [
                Contact(
                    wave=to_wave,
                    site_id=c.site_id,
                    panel_member_id=c.panel_member_id,
                    name=c.name,
                    email=c.email,
                    organisation=c.organisation,
                    org_type=c.org_type,
                    role=c.role,
                )
                for c in kept
            ]
        )
        added = 0
        if additions is not None:
            rows = check_rows(additions, to_wave, label=additions_label)
            try:
                with transaction.atomic():
                    _write(to_wave, rows)
            except IntegrityError:
                raise _changed_meanwhile(additions_label, to_wave) from None
            added = len(rows)
    return CarryForwardResult(
        from_wave=from_wave.year,
        to_wave=to_wave.year,
        carried=len(kept),
        removed=len(removed),
        added=added,
    )


def _read_removals(source: Source, label: str) -> list[dict[str, str]]:
    """Rows of a removals file: only the ``email`` column is needed."""
    # Reuse the contacts reader's decoding and error messages, with a relaxed header.
    if isinstance(source, (str, Path)):
        try:
            raw = Path(source).read_bytes()
        except OSError as error:
            raise DataFileError(label, f"the file cannot be read ({error.strerror})") from None
    elif isinstance(source, bytes):
        raw = source
    else:
        raw = source.read()
        raw = raw.encode("utf-8") if isinstance(raw, str) else raw
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataFileError(
            label, "the file is not UTF-8 text", fix="save it as CSV UTF-8"
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    fields = [f.strip().lower().replace("-", "") for f in (reader.fieldnames or [])]
    if "email" not in fields:
        raise DataFileError(
            label, "the header has no 'email' column", row=1, fix="add a column headed 'email'"
        )
    reader.fieldnames = fields
    out = []
    for number, record in enumerate(reader, start=2):
        if (record.get("email") or "").strip():
            out.append({"email": record["email"].strip(), "_row": str(number)})
    return out
