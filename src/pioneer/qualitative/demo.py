"""The demonstration corpus: eight short FICTIONAL interview transcripts written for
Pioneer (four wave-1 sites, interviewee types of Table 1b, themes of the default frame),
coded by two coders against the default barriers-and-facilitators frame, with a memo and
two framework-grid summaries.

Nothing here is real: every document title carries "(FICTIONAL)", every text opens with
a FICTIONAL line, and ``Document.fictional`` / ``Project.fictional`` are set so that
views can label it.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import yaml

from pioneer.qualitative.coding import code_passage
from pioneer.qualitative.frame import default_frame
from pioneer.qualitative.model import Case, Document, Memo, Project, Segment
from pioneer.qualitative.queries import FrameworkGrid, cell_segments, framework_grid, summarise
from pioneer.qualitative.register import InterviewRegister, register_from_documents

DEMO_FILE = "demo_corpus.yaml"
#: The two demonstration coders.
CODERS = ("CODER-1", "CODER-2")


def _load() -> dict:
    text = (resources.files("pioneer") / "data" / "qualitative" / DEMO_FILE).read_text("utf-8")
    return yaml.safe_load(text)


def demo_documents() -> tuple[Document, ...]:
    """The eight FICTIONAL transcripts as documents."""
    data = _load()
    docs = []
    for d in data["documents"]:
        docs.append(
            Document(
                id=d["id"],
                site_id=d["site_id"],
                kind="interview",
                title=d["title"],
                text=d["text"],
                round=int(data["round"]),
                interviewee_type=d["interviewee_type"],
                org_type=d["org_type"],
                date=d["date"],
                interviewer=d["interviewer"],
                topic_guide_version=str(data["topic_guide_version"]),
                consent="given",
                fictional=True,
                source=f"pioneer/data/qualitative/{DEMO_FILE}",
            )
        )
    return tuple(docs)


def demo_project() -> Project:
    """The FICTIONAL corpus with both coders' segments, a memo and site cases."""
    data = _load()
    frame = default_frame()
    docs = demo_documents()
    by_id = {d.id: d for d in docs}
    segments: list[Segment] = []
    counter: dict[tuple[str, str], int] = {}
    for entry in data["codings"]:
        doc = by_id[entry["document"]]
        key = (doc.id, entry["coder"])
        counter[key] = counter.get(key, 0) + 1
        segments.append(
            code_passage(
                doc,
                entry["quote"],
                entry["codes"],
                entry["coder"],
                frame,
                occurrence=int(entry.get("occurrence", 1)),
                segment_id=f"{doc.id}-{entry['coder']}-{counter[key]}",
                created=f"{doc.date}T17:00:00+00:00",
            )
        )
    memos = tuple(
        Memo(
            m["id"],
            m["text"],
            m["title"],
            m["author"],
            "2014-09-01T09:00:00+00:00",
            tuple(m["about"]),
        )
        for m in data["memos"]
    )
    cases = tuple(
        Case(
            id=f"site-{site}",
            label=site,
            variables=(("site", site), ("fictional", "true")),
            document_ids=tuple(d.id for d in docs if d.site_id == site),
        )
        for site in sorted({d.site_id for d in docs})
    )
    return Project(
        id="pioneer-demo",
        title="Pioneer demonstration corpus (FICTIONAL)",
        frame=frame,
        documents=docs,
        segments=tuple(segments),
        memos=memos,
        cases=cases,
        fictional=True,
    )


def demo_register() -> InterviewRegister:
    """The register of the FICTIONAL interviews."""
    return register_from_documents(demo_documents())


@dataclass(frozen=True)
class Demo:
    """Everything ``make demo`` loads for the qualitative strand."""

    project: Project
    register: InterviewRegister
    grid: FrameworkGrid


def demo() -> Demo:
    """The demonstration project, its register and a framework grid with the packaged
    summaries, each linked to CODER-1's segments in that site and theme."""
    data = _load()
    project = demo_project()
    grid = framework_grid(project, sorted({f["code"] for f in data["framework"]}))
    for f in data["framework"]:
        support = [
            s.id for s in cell_segments(project, f["code"], "site", f["site"], coder=CODERS[0])
        ]
        grid = summarise(
            grid, project, f["site"], f["code"], f["summary"], support, author=f["author"]
        )
    return Demo(project, demo_register(), grid)
