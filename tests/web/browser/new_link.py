"""Print a fresh respondent's link (path) for another contact of the open wave, for the tests.

Run as ``python new_link.py YEAR SITE`` with ``PIONEER_WORKSPACE`` set to the app's folder:
invites the first contact of that wave and site who has no invitation yet.
"""

from __future__ import annotations

import sys


def main(year: int, site_id: str) -> None:
    from pioneer.web.server import configure

    configure()
    from django.urls import reverse

    from pioneer.web.fielding import invitations
    from pioneer.web.fielding.models import Contact

    contact = (
        Contact.objects.filter(wave__year=year, site__site_id=site_id, invitation__isnull=True)
        .order_by("pk")
        .first()
    )
    if contact is None:
        raise SystemExit(f"no uninvited contact in the {year} wave at {site_id}")
    _, token = invitations.issue(contact)
    print(reverse("fielding:respond_start", kwargs={"token": token}))


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
