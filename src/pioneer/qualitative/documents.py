"""Site documents: the Table C1 extraction template, the intervention-status matrix
(Table 2) and the Better Care Fund profiles (Table 3) of the interim report, and change
over time per site.

* :data:`C1_FIELDS` is the template (fields 1.1–4.2); a :class:`SiteRecord` holds one
  site's entries for one year. The packaged 2014 records (002 Appendix C) are short
  structured values — lists of organisations, categories, brief labels — for the fields
  that condense to facts (1.1, 1.2, 1.3, 1.4, 2.2, 3.3.2, 3.3.3); other fields are left
  empty rather than quoting the report.
* :func:`intervention_status` is Table 2 (status 1/2/3/– per site and intervention, as
  the sites coded themselves in September 2014).
* :func:`bcf_profiles` is Table 3 (one row per Health and Wellbeing Board).
* :func:`intervention_change` sets the 2014 status beside the 2018 key informant survey
  (000_9191d1decfdc3012.txt Table III) for the two interventions the lists share.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from importlib import resources

import pandas as pd
import yaml

from pioneer.errors import AnalysisError, DataFileError
from pioneer.results import Layout, TableResult

#: Table C1 template: field number → label (002 Appendix C, Table C1).
C1_FIELDS = {
    "1.1": "Lead and other organisations involved",
    "1.2": "Overall governance model",
    "1.3": "Pioneer catchment area",
    "1.4": "Target population",
    "1.4.1": "Inclusion criteria",
    "2.1": "Vision/general aim of programme",
    "2.2": "Breadth of integration",
    "2.3": "Types of services involved",
    "2.4": "Patient and public involvement",
    "2.5": "Timelines (priorities/targets)",
    "3.1.1": "Shared electronic patient/client records (IT)",
    "3.1.2": "Risk stratification",
    "3.2.1": "Workforce development",
    "3.2.2": "Integrated working (e.g. joint staff, co-location)",
    "3.3.1": "Joint commissioning",
    "3.3.2": "Financial arrangements",
    "3.3.3": "Integrated personal commissioning (personal budgets)",
    "4.1": "Evaluation/monitoring plans",
    "4.2": "Outcome measures",
}
#: Sections of the template.
C1_SECTIONS = {
    "1": "About the Pioneer",
    "2": "Integration process",
    "3": "Infrastructure and enablers",
    "4": "Evaluation",
}
BREADTH = ("horizontal", "vertical", "horizontal and vertical", "whole system")
PERSONAL_BUDGETS = ("yes", "no", "planned", "piloting", "under consideration")
#: Table 2 status codes (002 Table 2 legend).
STATUS_LABELS = {
    "1": "Currently 'live'/in operation",
    "2": "In active planning stage",
    "3": "To be developed",
    "-": "Not applicable",
}
#: Table 2 intervention → 2018 Table III initiative number: our crosswalk of the two
#: lists' overlapping items (the sources do not link them).
INTERVENTION_TO_INITIATIVE_2018 = {
    "multi_disciplinary_teams": 1,
    "care_coordinators_case_managers": 3,
}
SOURCE_C1 = "002_577e0265496db613.txt Appendix C Table C1"
SOURCE_T2 = "002_577e0265496db613.txt Table 2"
SOURCE_T3 = "002_577e0265496db613.txt Table 3"
SOURCE_2018 = "000_9191d1decfdc3012.txt Table III"


def _data(name: str) -> str:
    return (resources.files("pioneer") / "data" / "qualitative" / name).read_text("utf-8")


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(_data(name)), dtype=str, keep_default_na=False)


@dataclass(frozen=True)
class SiteRecord:
    """One site's Table C1 entries for one year: ``fields`` maps field numbers to a
    short text or a tuple of items (organisations); unrecorded fields are absent."""

    site_id: str
    year: int
    fields: tuple[tuple[str, str | tuple[str, ...]], ...]
    source: str = ""

    def __post_init__(self) -> None:
        where = f"site record {self.site_id!r} {self.year}"
        for number, value in self.fields:
            if number not in C1_FIELDS:
                raise DataFileError(
                    where,
                    "unknown Table C1 field",
                    column=number,
                    value=number,
                    expected=", ".join(C1_FIELDS),
                )
            if number == "2.2" and value not in BREADTH:
                raise DataFileError(
                    where,
                    "unknown breadth of integration",
                    column=number,
                    value=value,
                    expected=", ".join(BREADTH),
                )
            if number == "3.3.3" and value not in PERSONAL_BUDGETS:
                raise DataFileError(
                    where,
                    "unknown personal-budget status",
                    column=number,
                    value=value,
                    expected=", ".join(PERSONAL_BUDGETS),
                )

    def get(self, number: str) -> str | tuple[str, ...] | None:
        if number not in C1_FIELDS:
            raise AnalysisError(
                f"{number!r} is not a Table C1 field; fields: {', '.join(C1_FIELDS)}"
            )
        return dict(self.fields).get(number)

    @property
    def organisations(self) -> tuple[str, ...]:
        value = self.get("1.1")
        return value if isinstance(value, tuple) else ()


def site_records(year: int = 2014) -> tuple[SiteRecord, ...]:
    """The packaged Table C1 records for ``year`` (2014: the 14 wave-1 sites)."""
    if year != 2014:
        raise AnalysisError(f"no site records packaged for {year}; years: 2014")
    data = yaml.safe_load(_data("site_records_2014.yaml"))
    records = []
    for site, entries in data["sites"].items():
        fields = tuple(
            (str(k), tuple(str(x) for x in v) if isinstance(v, list) else str(v))
            for k, v in entries.items()
        )
        records.append(SiteRecord(site, year, fields, data.get("source", SOURCE_C1)))
    return tuple(records)


def site_record(site_id: str, year: int = 2014) -> SiteRecord:
    for r in site_records(year):
        if r.site_id == site_id:
            return r
    raise AnalysisError(f"no {year} site record for {site_id!r}")


def c1_table(year: int = 2014, fields: tuple[str, ...] | None = None) -> TableResult:
    """The site records as a tidy table: ``site_id``, ``field``, ``label``, ``value``
    (lists joined with ``; ``), one row per recorded site × field."""
    wanted = fields or tuple(C1_FIELDS)
    rows = []
    for r in site_records(year):
        for number in wanted:
            value = r.get(number)
            if value is None:
                continue
            rows.append(
                {
                    "site_id": r.site_id,
                    "field": number,
                    "label": C1_FIELDS[number],
                    "value": "; ".join(value) if isinstance(value, tuple) else value,
                }
            )
    return TableResult(
        name="qual_table_c1",
        title=f"Key features of the Pioneers, {year} (Table C1 fields)",
        frame=pd.DataFrame(rows, columns=["site_id", "field", "label", "value"]),
        method="Document extraction template, condensed to short structured values",
        source=SOURCE_C1,
        layout=Layout(rows=("site_id",), columns=("field",), values="value"),
        options={"year": year},
    )


def intervention_status(as_of: str = "2014-09") -> TableResult:
    """Table 2: status code per site and intervention (tidy: ``site_id``,
    ``intervention_no``, ``intervention_id``, ``intervention``, ``status``,
    ``status_label``), as the sites reported them in September 2014."""
    if as_of != "2014-09":
        raise AnalysisError(f"no intervention-status data for {as_of!r}; dates: 2014-09")
    raw = _csv("interventions_sep2014.csv")
    bad = raw[~raw["status_code"].isin(list(STATUS_LABELS))]
    if not bad.empty:
        raise DataFileError(
            "interventions_sep2014.csv",
            "unknown status code",
            row=int(bad.index[0]) + 2,
            column="status_code",
            value=bad["status_code"].iloc[0],
            expected="1, 2, 3 or -",
        )
    frame = pd.DataFrame(
        {
            "site_id": raw["pioneer_id"],
            "intervention_no": raw["intervention_no"].astype(int),
            "intervention_id": raw["intervention_id"],
            "intervention": raw["intervention"],
            "status": raw["status_code"],
            "status_label": raw["status_code"].map(STATUS_LABELS),
        }
    )
    return TableResult(
        name="qual_table2",
        title="Status of interventions by site, September 2014",
        frame=frame,
        method="Sites' own coding: 1 live, 2 active planning, 3 to be developed, - not applicable",
        source=SOURCE_T2,
        layout=Layout(rows=("site_id",), columns=("intervention",), values="status"),
        options={"as_of": as_of},
    )


def bcf_profiles() -> TableResult:
    """Table 3: the Better Care Fund profile of each Pioneer's Health and Wellbeing
    Board(s), values as published (text columns ``*_as_written`` kept beside the
    numbers where the source format is unambiguous)."""
    raw = _csv("bcf_profiles_2014.csv")
    frame = raw.drop(columns=["source"]).rename(columns={"pioneer_id": "site_id"})
    for column in ("population_n", "min_bcf_funding_gbp_m", "total_bcf_pooled_gbp_m"):
        frame[column] = pd.to_numeric(frame[column].replace("", pd.NA), errors="coerce")
    return TableResult(
        name="qual_table3",
        title="Better Care Fund profiles of the Pioneers' Health and Wellbeing Boards",
        frame=frame,
        method="As published",
        source=SOURCE_T3,
        notes=("Tri-Borough population is '560,00' in the source and is not parsed.",),
        layout=Layout(
            rows=("site_id", "hwb"), values=("population_as_written", "total_bcf_pooled_gbp_m")
        ),
    )


def intervention_change() -> TableResult:
    """Per wave-1 site, the September 2014 status of the interventions that the 2018 key
    informant survey also asked about, beside whether any 2018 key informant reported it
    implemented. ``change`` reads e.g. ``planned → implemented``; "not reported" is a blank
    2018 cell (not the same as not implemented); Cornwall is not in the 2018 table."""
    status = intervention_status().frame
    later = _csv("initiatives_2018.csv")
    labels = dict(
        zip(
            _csv("initiative_labels_2018.csv")["initiative_no"],
            _csv("initiative_labels_2018.csv")["label"],
            strict=True,
        )
    )
    rows = []
    for intervention_id, number in INTERVENTION_TO_INITIATIVE_2018.items():
        part = status[status["intervention_id"] == intervention_id]
        for r in part.itertuples():
            match = later[
                (later["pioneer_id"] == r.site_id) & (later["initiative_no"] == str(number))
            ]
            implemented = None if match.empty else match["implemented"].iloc[0] == "true"
            rows.append(
                {
                    "site_id": r.site_id,
                    "intervention": r.intervention,
                    "status_2014": r.status,
                    "initiative_2018": labels[str(number)],
                    "implemented_2018": implemented,
                    "change": _change(r.status, implemented),
                }
            )
    frame = pd.DataFrame(
        rows,
        columns=[
            "site_id",
            "intervention",
            "status_2014",
            "initiative_2018",
            "implemented_2018",
            "change",
        ],
    )
    frame["implemented_2018"] = frame["implemented_2018"].astype("boolean")
    return TableResult(
        name="qual_intervention_change",
        title="Interventions in 2014 (site reports) and 2018 (key informant survey)",
        frame=frame,
        method="Table 2 status (Sept 2014) beside Table III (2018); crosswalk of two items is ours",
        source=f"{SOURCE_T2}; {SOURCE_2018}",
        notes=(
            "2018: implemented = at least one key informant said so; blank = not reported.",
            "Blackpool and Fylde Coast and Cornwall are not in the 2018 table (its note a).",
        ),
        layout=Layout(rows=("site_id",), columns=("intervention",), values="change"),
    )


_STAGE = {"1": "live", "2": "planned", "3": "to be developed", "-": "not applicable"}


def _change(status: str, implemented: bool | None) -> str:
    then = _STAGE[status]
    if implemented is None:
        return f"{then} → site not in the 2018 table"
    return f"{then} → {'implemented' if implemented else 'not reported'}"
