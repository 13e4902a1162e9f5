"""Mailing lists: CSV import (good file, each bad case writing nothing) and carry-forward."""

from __future__ import annotations

import pytest

from pioneer.errors import DataFileError
from pioneer.web.fielding.contacts import carry_forward, import_contacts
from pioneer.web.fielding.models import Contact, PanelMember

HEADER = "site,name,email,organisation,organisation_type,role\n"
GOOD = HEADER + (
    "barnsley,Ann Able,ann@example.org,Barnsley CCG,CCG,director\n"
    "Barnsley,Bob Baker,BOB@Example.org ,Barnsley MBC,la,senior_manager\n"
    "leeds,Cat Cole,cat@example.org,Leeds Teaching Hospitals,NHS provider,\n"
)


def _import(wave, text, **kwargs):
    return import_contacts(wave, text.encode("utf-8"), label="contacts.csv", **kwargs)


def test_a_good_file_is_imported(sites, waves):
    result = _import(waves[2018], GOOD)
    assert (result.added, result.returning) == (3, 0)
    rows = Contact.objects.filter(wave=waves[2018]).order_by("email")
    assert [(c.site.site_id, c.email, c.org_type, c.role) for c in rows] == [
        ("barnsley", "ann@example.org", "CCG", "director"),
        ("barnsley", "bob@example.org", "LA", "senior_manager"),
        ("leeds", "cat@example.org", "NHS provider", ""),
    ]
    assert PanelMember.objects.count() == 3


def test_panel_ids_are_random_not_derived_from_the_address(sites, waves):
    _import(waves[2018], GOOD)
    ids = list(PanelMember.objects.values_list("panel_id", flat=True))
    assert all(pid.startswith("ki-") and len(pid) == 19 for pid in ids)
    assert not any("ann" in pid or "bob" in pid for pid in ids)
    # The same file into a fresh store gives different ids.
    first = set(ids)
    Contact.objects.all().delete()
    PanelMember.objects.all().delete()
    _import(waves[2018], GOOD)
    assert first.isdisjoint(PanelMember.objects.values_list("panel_id", flat=True))


def test_a_spreadsheet_header_with_spaces_and_a_bom_is_read(sites, waves):
    text = "\ufeffSite,Name,E-mail,Organisation,Organisation type,Role\n"
    text += "barnsley,Ann Able,ann@example.org,Barnsley CCG,CCG,director\n\n"
    assert _import(waves[2018], text).added == 1


BAD_CASES = {
    "malformed e-mail": (
        HEADER + "barnsley,Ann,ann@example.org,X,CCG,\nbarnsley,Bob,bob(at)example.org,X,CCG,\n",
        "contacts.csv, row 3, column 'email': not a valid e-mail address; "
        "found 'bob(at)example.org'. Fix: correct the address",
    ),
    "duplicate within a site": (
        HEADER + "barnsley,Ann,ann@example.org,X,CCG,\nbarnsley,Ann B,ANN@example.org,X,LA,\n",
        "contacts.csv, row 3, column 'email': the e-mail address is already in row 2 "
        "(the same site)",
    ),
    "duplicate across sites": (
        HEADER + "barnsley,Ann,ann@example.org,X,CCG,\nleeds,Ann,ann@example.org,Y,CCG,\n",
        "contacts.csv, row 3, column 'email': the e-mail address is already in row 2 "
        "(site Barnsley)",
    ),
    "unknown site": (
        HEADER + "barnsley,Ann,ann@example.org,X,CCG,\natlantis,Bob,bob@example.org,X,CCG,\n",
        "contacts.csv, row 3, column 'site': unknown site; found 'atlantis'",
    ),
    "unknown organisation type": (
        HEADER + "barnsley,Ann,ann@example.org,X,Charity,\n",
        "contacts.csv, row 2, column 'organisation_type': unknown organisation type; "
        "found 'Charity'. Fix: use one of CCG, LA, NHS provider, Other",
    ),
    "blank name": (
        HEADER + "barnsley,,ann@example.org,X,CCG,\n",
        "contacts.csv, row 2, column 'name': the name is blank",
    ),
    "missing column": (
        "site,name,email,organisation\nbarnsley,Ann,ann@example.org,X\n",
        "contacts.csv, row 1: the header has no 'organisation_type' column",
    ),
    "too many cells": (
        HEADER + "barnsley,Ann,ann@example.org,X,CCG,director,extra\n",
        "contacts.csv, row 2: the row has 7 cells but the header only 6",
    ),
    "empty file": ("", "contacts.csv: the file is empty"),
    "header only": (HEADER, "contacts.csv, row 2: the file has a header but no contacts"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_a_bad_file_names_the_problem_and_writes_nothing(sites, waves, case):
    text, message = BAD_CASES[case]
    with pytest.raises(DataFileError) as caught:
        _import(waves[2018], text)
    assert str(caught.value).startswith(message)
    assert Contact.objects.count() == 0
    assert PanelMember.objects.count() == 0


def test_every_bad_row_is_listed_in_one_error(sites, waves):
    text = HEADER + (
        "barnsley,Ann,ann@example.org,X,CCG,\n"  # row 2: fine
        "atlantis,Bob,bob@example.org,X,CCG,\n"  # row 3: unknown site
        "barnsley,Cy,not-an-address,X,CCG,\n"  # row 4: bad address
        "barnsley,Di,ann@example.org,X,Charity,\n"  # row 5: duplicate (first problem only)
    )
    with pytest.raises(DataFileError) as caught:
        _import(waves[2018], text)
    message = str(caught.value)
    assert message.startswith("contacts.csv: 3 problems, nothing was imported:")
    assert [p.row for p in caught.value.problems] == [3, 4, 5]
    assert "row 3, column 'site': unknown site; found 'atlantis'" in message
    assert "row 4, column 'email': not a valid e-mail address" in message
    # Addresses echoed in errors keep their domain only.
    assert "row 5, column 'email': the e-mail address is already in row 2" in message
    assert "found '…@example.org'" in message
    assert "ann@" not in message
    assert Contact.objects.count() == 0


def test_a_file_that_is_not_utf8_is_refused(sites, waves):
    data = (HEADER + "barnsley,Zoë,zoe@example.org,X,CCG,\n").encode("latin-1")
    with pytest.raises(DataFileError, match=r"not UTF-8 text.*Fix: save it as .CSV UTF-8."):
        import_contacts(waves[2018], data, label="contacts.csv")
    assert Contact.objects.count() == 0


def test_an_address_already_on_the_list_is_a_duplicate_and_nothing_more_is_written(sites, waves):
    _import(waves[2018], GOOD)
    more = HEADER + "leeds,Dan,dan@example.org,X,CCG,\nleeds,Ann,ann@example.org,X,CCG,\n"
    with pytest.raises(DataFileError, match=r"row 3.*already on the 2018 mailing list"):
        _import(waves[2018], more)
    assert Contact.objects.count() == 3
    assert not Contact.objects.filter(email="dan@example.org").exists()


def test_a_site_upload_refuses_other_sites_rows(sites, waves):
    with pytest.raises(DataFileError, match=r"row 4, column 'site': this upload is for Barnsley"):
        _import(waves[2018], GOOD, site=sites["A"])
    assert Contact.objects.count() == 0


def test_a_site_lead_cannot_import_for_another_site(sites, waves, users):
    with pytest.raises(DataFileError, match=r"row 4.*you may not import contacts for Leeds"):
        _import(waves[2018], GOOD, user=users["site_lead"])
    assert Contact.objects.count() == 0


def test_a_closed_wave_takes_no_contacts(sites, waves):
    waves[2018].status = "closed"
    waves[2018].save()
    with pytest.raises(DataFileError, match="the 2018 wave is closed"):
        _import(waves[2018], GOOD)
    assert Contact.objects.count() == 0


def test_a_returning_person_keeps_their_panel_id(sites, waves):
    _import(waves[2018], GOOD)
    ann_2018 = Contact.objects.get(wave=waves[2018], email="ann@example.org")
    result = _import(waves[2019], HEADER + "leeds,Ann Able,Ann@Example.org,Leeds CCG,CCG,\n")
    assert (result.added, result.returning) == (1, 1)
    ann_2019 = Contact.objects.get(wave=waves[2019], email="ann@example.org")
    assert ann_2019.panel_member_id == ann_2018.panel_member_id
    assert ann_2019.site == sites["B"]


# --- carry-forward --------------------------------------------------------------------------


def test_carry_forward_with_removals_and_additions_keeps_panel_ids(sites, waves):
    _import(waves[2018], GOOD)
    before = dict(
        Contact.objects.filter(wave=waves[2018]).values_list("email", "panel_member__panel_id")
    )
    result = carry_forward(
        waves[2018],
        waves[2019],
        removals=b"email\nBOB@example.org\n",
        additions=(HEADER + "leeds,Dan Dale,dan@example.org,Leeds CCG,CCG,\n").encode(),
    )
    assert (result.carried, result.removed, result.added) == (2, 1, 1)
    after = dict(
        Contact.objects.filter(wave=waves[2019]).values_list("email", "panel_member__panel_id")
    )
    assert set(after) == {"ann@example.org", "cat@example.org", "dan@example.org"}
    assert after["ann@example.org"] == before["ann@example.org"]
    assert after["cat@example.org"] == before["cat@example.org"]
    assert after["dan@example.org"] not in before.values()
    # The earlier wave's list is untouched.
    assert Contact.objects.filter(wave=waves[2018]).count() == 3


def test_carry_forward_copies_the_contact_details(sites, waves):
    _import(waves[2018], GOOD)
    carry_forward(waves[2018], waves[2019])
    old = Contact.objects.get(wave=waves[2018], email="bob@example.org")
    new = Contact.objects.get(wave=waves[2019], email="bob@example.org")
    fields = ("site_id", "name", "organisation", "org_type", "role", "panel_member_id")
    assert [getattr(new, f) for f in fields] == [getattr(old, f) for f in fields]


def test_carry_forward_with_a_bad_addition_writes_nothing(sites, waves):
    _import(waves[2018], GOOD)
    with pytest.raises(DataFileError, match=r"additions.csv, row 2.*already on the 2019"):
        carry_forward(
            waves[2018],
            waves[2019],
            additions=(HEADER + "leeds,Ann again,ann@example.org,X,CCG,\n").encode(),
        )
    assert not Contact.objects.filter(wave=waves[2019]).exists()


def test_carry_forward_refuses_an_unknown_removal(sites, waves):
    _import(waves[2018], GOOD)
    with pytest.raises(DataFileError, match=r"removals.csv, row 3.*not on the 2018 mailing list"):
        carry_forward(waves[2018], waves[2019], removals=b"email\nann@example.org\nzed@x.org\n")
    assert not Contact.objects.filter(wave=waves[2019]).exists()


def test_carry_forward_refuses_a_list_that_has_started(sites, waves):
    _import(waves[2018], GOOD)
    carry_forward(waves[2018], waves[2019])
    with pytest.raises(DataFileError, match="the 2019 wave already has contacts"):
        carry_forward(waves[2018], waves[2019])
    assert Contact.objects.filter(wave=waves[2019]).count() == 3


def test_carry_forward_goes_forward_only(sites, waves):
    with pytest.raises(DataFileError, match="only be carried into a later wave"):
        carry_forward(waves[2019], waves[2018])


def test_carry_forward_needs_the_permission(sites, waves, users):
    with pytest.raises(DataFileError, match="you may not carry mailing lists"):
        carry_forward(waves[2018], waves[2019], user=users["site_lead"])
    result = carry_forward(waves[2018], waves[2019], user=users["researcher"])
    assert result.carried == 0


def test_a_list_changed_by_another_import_meanwhile_writes_nothing(sites, waves, monkeypatch):
    """Two uploads at once: the second's check passed before the first committed."""
    from pioneer.web.fielding import contacts

    _import(waves[2018], GOOD)
    checked = contacts.check_rows
    monkeypatch.setattr(
        contacts,
        "check_rows",
        lambda source, wave, **kw: checked(source, wave, ignore_existing=["ann@example.org"], **kw),
    )
    text = HEADER + "leeds,Dan,dan@example.org,X,CCG,\nleeds,Ann,ann@example.org,X,CCG,\n"
    with pytest.raises(DataFileError, match="the 2018 mailing list changed while this file"):
        _import(waves[2018], text)
    assert Contact.objects.count() == 3
    assert not Contact.objects.filter(email="dan@example.org").exists()
