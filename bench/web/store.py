"""The store side of the web load benchmark, run in a child process with the bench's
environment (``PIONEER_WORKSPACE``, ``DATABASE_URL``, ``DJANGO_SETTINGS_MODULE``).

``prepare COUNT OUT.json``   migrate, load the registry, open a wave and issue COUNT
                             invitations to invented contacts; writes the tokens and
                             invitation ids.
``verify IN.json OUT.json``  check what the clients saw acknowledged against the tables,
                             and count duplicates; writes the findings.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections import Counter

BENCH_YEAR = 2019
INSTRUMENT = "ki2018"


def prepare(count: int) -> dict:
    from pioneer.web.server import configure, prepare_store

    configure()
    prepare_store()
    from django.db import transaction

    from pioneer.web.fielding import invitations
    from pioneer.web.fielding.models import Contact, PanelMember, SurveyWave
    from pioneer.web.programme.models import Site

    sites = list(Site.objects.order_by("site_id"))
    out = []
    with transaction.atomic():
        wave, _ = SurveyWave.objects.get_or_create(
            year=BENCH_YEAR,
            defaults={
                "instrument_id": INSTRUMENT,
                "opens": dt.date(2019, 9, 2),
                "closes": dt.date(2019, 11, 29),
                "status": SurveyWave.Status.OPEN,
            },
        )
        first = Contact.objects.filter(wave=wave).count()
        for i in range(first, first + count):
            site = sites[i % len(sites)]
            contact = Contact.objects.create(
                wave=wave,
                site=site,
                panel_member=PanelMember.objects.create(),
                name=f"Bench Respondent {i}",
                email=f"bench{i}@example.org",
                organisation=f"{site.name} CCG",
                org_type="CCG",
                role="director",
            )
            invitation, token = invitations.issue(contact)
            out.append({"token": token, "invitation": invitation.pk})
    return {"invitations": out}


def verify(expected: dict) -> dict:
    """``expected``: {"answers": {invitation: {item: value}}, "submitted": [invitation...]}."""
    from pioneer.web.server import configure

    configure()
    from pioneer.web.fielding.answers_store import Answer, QuestionnaireResponse
    from pioneer.web.fielding.models import Invitation

    wanted = {int(k): v for k, v in expected["answers"].items()}
    submitted = {int(k) for k in expected["submitted"]}
    ids = set(wanted) | submitted
    stored: dict[int, dict[str, str]] = {}
    per_item: Counter = Counter()
    for inv, item, value in Answer.objects.filter(invitation_id__in=ids).values_list(
        "invitation_id", "item", "value"
    ):
        stored.setdefault(inv, {})[item] = value
        per_item[(inv, item)] += 1
    lost = [
        (inv, item)
        for inv, items in wanted.items()
        for item, value in items.items()
        if stored.get(inv, {}).get(item) != value
    ]
    responses = Counter(
        QuestionnaireResponse.objects.filter(invitation_id__in=ids).values_list(
            "invitation_id", flat=True
        )
    )
    done = dict(
        QuestionnaireResponse.objects.filter(invitation_id__in=submitted).values_list(
            "invitation_id", "submitted_at"
        )
    )
    status = dict(Invitation.objects.filter(pk__in=submitted).values_list("pk", "status"))
    return {
        "acknowledged_answers": sum(len(v) for v in wanted.values()),
        "acknowledged_submissions": len(submitted),
        "lost_answers": len(lost),
        "lost_examples": lost[:5],
        "duplicate_answers": sum(n - 1 for n in per_item.values() if n > 1),
        "duplicate_responses": sum(n - 1 for n in responses.values() if n > 1),
        "submissions_missing": sum(
            1 for inv in submitted if done.get(inv) is None or status.get(inv) != "completed"
        ),
        "answers_stored": sum(per_item.values()),
    }


def main(argv: list[str]) -> None:
    command = argv[0]
    if command == "prepare":
        result = prepare(int(argv[1]))
        target = argv[2]
    elif command == "verify":
        with open(argv[1], encoding="utf-8") as handle:
            result = verify(json.load(handle))
        target = argv[2]
    else:
        raise SystemExit(f"unknown command {command!r}; use prepare or verify")
    with open(target, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main(sys.argv[1:])
