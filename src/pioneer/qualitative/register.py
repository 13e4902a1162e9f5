"""The interview register: who was interviewed, where, when, by whom, with which topic
guide and with what consent — and the interim report's Tables 1a and 1b from it.

A register holds row-level :class:`Interview` records and, for rounds known only from
published tables, :class:`PublishedCount` totals (one per site, or per interviewee type).
The first round (April to November 2014, 140 interviews in the 14 wave-1 sites) is
packaged that way from 002_577e0265496db613.txt Tables 1a and 1b: the report gives the two
margins, not who of which type was seen where, so no row-level records are invented.

Interviewee types are the categories of Table 1b; :data:`ORG_TYPE_OF_INTERVIEWEE` maps
them onto the survey's organisation types (``CCG``, ``LA``, ``NHS provider``,
``Other``) — our mapping, for comparing interviews with the key informant survey.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from importlib import resources

import pandas as pd
import yaml

from pioneer.errors import AnalysisError, DataFileError
from pioneer.qualitative.model import Document
from pioneer.results import Layout, TableResult

#: Table 1b's interviewee types, in the report's order.
INTERVIEWEE_TYPES = (
    "Primary care providers",
    "Clinical Commissioning Groups",
    "Acute care providers",
    "Community/mental health providers",
    "Local authorities",
    "Voluntary sector",
    "Pioneer staff",
)
#: Interviewee type → survey organisation type (our mapping, not the report's).
ORG_TYPE_OF_INTERVIEWEE = {
    "Primary care providers": "Other",
    "Clinical Commissioning Groups": "CCG",
    "Acute care providers": "NHS provider",
    "Community/mental health providers": "NHS provider",
    "Local authorities": "LA",
    "Voluntary sector": "Other",
    "Pioneer staff": "Other",
}
ORG_TYPES = ("CCG", "LA", "NHS provider", "Other")
CONSENT = ("given", "withdrawn", "not recorded")
#: Rounds of interviews: number → fieldwork period.
ROUNDS = {1: "April to November 2014"}
SOURCE_2014 = "002_577e0265496db613.txt Tables 1a and 1b"


@dataclass(frozen=True)
class Interview:
    """One interview as the register records it (no transcript text)."""

    id: str
    site_id: str
    round: int
    interviewee_type: str
    date: str | None = None
    interviewer: str | None = None
    topic_guide_version: str = "2014"
    consent: str = "given"
    org_type: str | None = None
    document_id: str | None = None
    fictional: bool = False

    def __post_init__(self) -> None:
        where = f"interview {self.id!r}"
        if self.interviewee_type not in INTERVIEWEE_TYPES:
            raise DataFileError(
                where,
                "unknown interviewee type",
                column="interviewee_type",
                value=self.interviewee_type,
                expected="one of the Table 1b types: " + "; ".join(INTERVIEWEE_TYPES),
            )
        if self.org_type is None:
            object.__setattr__(self, "org_type", ORG_TYPE_OF_INTERVIEWEE[self.interviewee_type])
        if self.org_type not in ORG_TYPES:
            raise DataFileError(
                where,
                "unknown organisation type",
                column="org_type",
                value=self.org_type,
                expected=", ".join(ORG_TYPES),
            )
        if self.consent not in CONSENT:
            raise DataFileError(
                where,
                "unknown consent status",
                column="consent",
                value=self.consent,
                expected=", ".join(CONSENT),
            )
        if not isinstance(self.round, int) or self.round < 1:
            raise DataFileError(where, "the round must be a whole number from 1", value=self.round)
        if self.date is not None:
            try:
                date.fromisoformat(self.date)
            except ValueError:
                raise DataFileError(
                    where,
                    "the date is not a date",
                    column="date",
                    value=self.date,
                    expected="YYYY-MM-DD",
                ) from None


@dataclass(frozen=True)
class PublishedCount:
    """A published total for a round: ``dimension`` is ``site`` or ``interviewee_type``."""

    round: int
    dimension: str
    category: str
    n: int
    source: str = ""


@dataclass(frozen=True)
class InterviewRegister:
    """Interviews (row level) and published totals for rounds without rows."""

    interviews: tuple[Interview, ...] = ()
    published: tuple[PublishedCount, ...] = field(default=())

    def __post_init__(self) -> None:
        ids = Counter(i.id for i in self.interviews)
        twice = [k for k, v in ids.items() if v > 1]
        if twice:
            raise DataFileError(
                "interview register", "an interview id is used twice", value=twice[0]
            )

    def rounds(self) -> tuple[int, ...]:
        return tuple(sorted({i.round for i in self.interviews} | {p.round for p in self.published}))

    def frame(self) -> pd.DataFrame:
        """Row-level interviews as a DataFrame (one row per interview)."""
        columns = [
            "id",
            "site_id",
            "round",
            "interviewee_type",
            "org_type",
            "date",
            "interviewer",
            "topic_guide_version",
            "consent",
            "document_id",
            "fictional",
        ]
        return pd.DataFrame(
            [{c: getattr(i, c) for c in columns} for i in self.interviews], columns=columns
        )

    def with_interviews(self, interviews: Iterable[Interview]) -> InterviewRegister:
        return replace(self, interviews=(*self.interviews, *interviews))

    def counts(self, dimension: str, round: int) -> dict[str, int]:
        """Interviews per category of ``dimension`` in ``round``: row-level records
        plus published totals (a round has one or the other)."""
        if dimension not in ("site", "interviewee_type", "org_type"):
            raise AnalysisError(f"cannot count interviews by {dimension!r}")
        if round not in self.rounds():
            raise AnalysisError(f"round {round} is not in the register; rounds: {self.rounds()}")
        attr = "site_id" if dimension == "site" else dimension
        counts: Counter[str] = Counter(
            getattr(i, attr) for i in self.interviews if i.round == round and i.consent == "given"
        )
        for p in self.published:
            if p.round == round and p.dimension == dimension:
                counts[p.category] += p.n
        return dict(counts)


def _read_csv(name: str) -> list[dict[str, str]]:
    text = (resources.files("pioneer") / "data" / "qualitative" / name).read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def published_register_2014() -> InterviewRegister:
    """The first round (2014) as published: 140 interviews by site (Table 1a) and by
    interviewee type (Table 1b)."""
    published = [
        PublishedCount(1, "site", r["pioneer_id"], int(r["individuals_interviewed"]), r["source"])
        for r in _read_csv("register_2014_by_site.csv")
    ]
    published += [
        PublishedCount(
            1, "interviewee_type", r["interviewee_type"], int(r["number_interviewed"]), r["source"]
        )
        for r in _read_csv("register_2014_by_type.csv")
    ]
    return InterviewRegister(published=tuple(published))


def register_from_documents(documents: Iterable[Document]) -> InterviewRegister:
    """A row-level register from interview documents carrying register fields."""
    interviews = []
    for d in documents:
        if d.kind != "interview":
            continue
        if d.round is None or d.interviewee_type is None:
            raise DataFileError(
                d.source or f"document {d.id!r}",
                "an interview document lacks its round or interviewee type",
                fix="add round and interviewee_type to the document's metadata",
            )
        interviews.append(
            Interview(
                id=d.id,
                site_id=d.site_id,
                round=d.round,
                interviewee_type=d.interviewee_type,
                date=d.date,
                interviewer=d.interviewer,
                topic_guide_version=d.topic_guide_version or "2014",
                consent=d.consent or "not recorded",
                org_type=d.org_type,
                document_id=d.id,
                fictional=d.fictional,
            )
        )
    return InterviewRegister(tuple(interviews))


def _site_names() -> dict[str, str]:
    try:
        rows = _read_csv("register_2014_by_site.csv")
    except FileNotFoundError:  # pragma: no cover - packaged
        return {}
    return {r["pioneer_id"]: r["pioneer_as_written"] for r in rows}


def table1a(register: InterviewRegister, round: int = 1) -> TableResult:
    """Table 1a: individuals interviewed per site in ``round``, with the total."""
    counts = register.counts("site", round)
    names = _site_names()
    rows = [
        {"site_id": s, "site": names.get(s, s), "n": counts[s]}
        for s in sorted(counts, key=lambda s: names.get(s, s).lower())
    ]
    rows.append({"site_id": "total", "site": "Total", "n": sum(counts.values())})
    return TableResult(
        name="qual_table1a",
        title=f"Individuals interviewed per site, round {round} ({ROUNDS.get(round, '')})".strip(),
        frame=pd.DataFrame(rows, columns=["site_id", "site", "n"]),
        method="Count of interviews in the register (consent given)",
        source=SOURCE_2014 if any(p.round == round for p in register.published) else None,
        layout=Layout(rows=("site",), values="n", headings=(("n", "Individuals interviewed"),)),
        options={"round": round},
    )


def table1b(register: InterviewRegister, round: int = 1) -> TableResult:
    """Table 1b: interviewees by type in ``round``, in the report's order, with the total."""
    counts = register.counts("interviewee_type", round)
    rows = [{"interviewee_type": t, "n": counts.get(t, 0)} for t in INTERVIEWEE_TYPES]
    rows.append({"interviewee_type": "Total", "n": sum(counts.values())})
    return TableResult(
        name="qual_table1b",
        title=f"Types of interviewee, round {round} ({ROUNDS.get(round, '')})".strip(),
        frame=pd.DataFrame(rows, columns=["interviewee_type", "n"]),
        method="Count of interviews in the register (consent given)",
        source=SOURCE_2014 if any(p.round == round for p in register.published) else None,
        layout=Layout(
            rows=("interviewee_type",), values="n", headings=(("n", "Number interviewed"),)
        ),
        options={"round": round},
    )


@dataclass(frozen=True)
class TopicGuideItem:
    id: str
    section: int
    heading: str
    kind: str  # topic | question | note
    text: str
    prompts: tuple[str, ...] = ()


@dataclass(frozen=True)
class TopicGuide:
    """An interview topic guide by version (``2014``: 002 Appendix B)."""

    version: str
    title: str
    items: tuple[TopicGuideItem, ...]
    source: str = ""

    def sections(self) -> tuple[tuple[int, str], ...]:
        return tuple(dict.fromkeys((i.section, i.heading) for i in self.items))


TOPIC_GUIDES = {"2014": "topic_guide_2014.yaml"}


def topic_guide(version: str = "2014") -> TopicGuide:
    """The packaged topic guide ``version``."""
    if version not in TOPIC_GUIDES:
        raise AnalysisError(f"no topic guide {version!r}; versions: {', '.join(TOPIC_GUIDES)}")
    text = (resources.files("pioneer") / "data" / "qualitative" / TOPIC_GUIDES[version]).read_text(
        "utf-8"
    )
    data = yaml.safe_load(text)
    items = tuple(
        TopicGuideItem(
            id=item.get("item_id") or f"B{int(section['section_no']):02d}.note{k}",
            section=int(section["section_no"]),
            heading=section["heading"],
            kind=item["type"],
            text=item["text"],
            prompts=tuple(item.get("prompts") or ()),
        )
        for section in data["sections"]
        for k, item in enumerate(section["items"], start=1)
    )
    return TopicGuide(version, data.get("title", ""), items, data.get("source", ""))
