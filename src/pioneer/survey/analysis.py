"""The catalogue of named survey tables and figures over a workspace's data.

The CLI, the demo and (later) the web app ask for tables by name; this module
maps each name to the tabulation in :mod:`pioneer.survey.tables` with the
arguments that reproduce the 2019 key-informant paper's layout, choosing the
waves in which each question was asked.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from pioneer.errors import AnalysisError
from pioneer.governance import DEFAULT_THRESHOLD
from pioneer.results import Layout, TableResult
from pioneer.survey import instrument as instruments
from pioneer.survey import panel, tables
from pioneer.workspace import SurveyData


@dataclass(frozen=True)
class Options:
    """Options every table accepts (see :mod:`pioneer.survey.tables`)."""

    panel_only: int = 0
    site_weights: str = "none"
    threshold: int = DEFAULT_THRESHOLD
    confidence: float = 0.95

    @classmethod
    def build(
        cls,
        *,
        panel: int = 0,
        equal_sites: bool = False,
        threshold: int | None = None,
        confidence: float = 0.95,
    ) -> Options:
        return cls(
            panel_only=panel,
            site_weights="equal" if equal_sites else "none",
            threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
            confidence=confidence,
        )

    def kwargs(self) -> dict[str, object]:
        return {
            "panel_only": self.panel_only or False,
            "site_weights": self.site_weights,
            "threshold": self.threshold,
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class _Entry:
    description: str
    build: Callable[..., TableResult]
    figure: bool = False
    question: str | None = None


#: Reader-facing titles for the named tables (the tabulations' own titles name codes).
TITLES: dict[str, str] = {
    "fieldwork": "Fieldwork periods, mailing lists, participants and response rates",
    "response-by-site": "Response rates by site and survey wave",
    "response-by-org": "Response rates by organisation type and survey wave",
    "characteristics": "Key informants by programme wave, organisation and role",
    "initiatives": "Services and initiatives implemented, by site",
    "objectives": "Most important objectives of local integration, by organisation type",
    "progress": "Progress in meeting objectives, by survey wave",
    "progress-trend": "Substantial or some progress in meeting objectives, by survey wave",
    "barriers": "Barriers rated very significant, by survey wave",
    "facilitators": "Facilitators rated very important, by survey wave",
    "progress-change": "Change between survey waves: substantial or some progress",
    "barriers-change": "Change between survey waves: barriers rated very significant",
    "facilitators-change": "Change between survey waves: facilitators rated very important",
}

#: Figure name → (question, categories counted).
TRENDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "progress": ("progress", ("substantial", "some")),
    "barriers": ("barriers", ("very",)),
    "facilitators": ("facilitators", ("very",)),
}


def _instruments(data: SurveyData) -> list:
    found = []
    for name in data.waves["instrument"].dropna().astype(str):
        if name in instruments.available():
            found.append(instruments.load(name))
    return found


def _waves_with(data: SurveyData, question: str, waves: Sequence[int] | None) -> list[int]:
    items = data.responses["item"].astype("string")
    has = data.responses.loc[items.str.startswith(question + "."), "wave"].unique()
    asked = sorted(int(w) for w in has)
    return asked if waves is None else [w for w in asked if w in set(waves)]


def _asked(data: SurveyData, question: str, waves: Sequence[int] | None) -> tuple[int, ...]:
    """The requested waves (default: all) in which ``question`` has answers."""
    asked = _waves_with(data, question, waves)
    if not asked:
        raise AnalysisError(
            f"no answers to the {question!r} question in wave(s) "
            f"{list(waves) if waves else 'any'}; fix: choose waves in which it was asked"
        )
    return tuple(asked)


def _mailing(data: SurveyData, waves: Sequence[int] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    mailing, wave_rows = data.mailing_list, data.waves
    if waves is not None:
        mailing = mailing[mailing["wave"].isin(waves)]
        wave_rows = wave_rows[wave_rows["wave"].isin(waves)]
    return mailing, wave_rows


@dataclass(frozen=True, eq=False)
class _Coded:
    """A workspace's data with its responses coded once (:func:`tables.prepare`), so a
    table set codes the frame once rather than once per table."""

    responses: pd.DataFrame
    mailing_list: pd.DataFrame
    waves: pd.DataFrame
    prepared: tables.PreparedResponses

    @classmethod
    def of(cls, data: SurveyData | _Coded) -> _Coded:
        if isinstance(data, _Coded):
            return data
        return cls(
            responses=data.responses,
            mailing_list=data.mailing_list,
            waves=data.waves,
            prepared=tables.prepare(data.responses),
        )


def _responses(data: SurveyData, waves: Sequence[int] | None) -> pd.DataFrame:
    if waves is None:
        return data.responses
    return data.responses[data.responses["wave"].isin(waves)]


def _fieldwork(by: tuple[str, ...]):
    def build(data, waves, options, sites):
        mailing, wave_rows = _mailing(data, waves)
        return tables.fieldwork(mailing, wave_rows, by=by, **options.kwargs())

    return build


def _characteristics(data, waves, options, sites):
    return tables.characteristics(
        data.prepared,
        sites=sites,
        waves=waves,
        instrument=_instruments(data),
        **options.kwargs(),
    )


def _initiatives(data, waves, options, sites):
    asked = _asked(data, "initiatives", waves)
    return tables.presence_matrix(
        data.prepared,
        question="initiatives",
        wave=asked[-1],
        sites=sites,
        instrument=_instruments(data),
        **options.kwargs(),
    )


def _objectives(data, waves, options, sites):
    return tables.pick_n(
        data.prepared,
        question="objectives_top3",
        by="org_type",
        waves=_asked(data, "objectives_top3", waves),
        instrument=_instruments(data),
        **options.kwargs(),
    )


def _distribution(question: str):
    def build(data, waves, options, sites):
        return tables.distribution(
            data.prepared,
            question=question,
            waves=_asked(data, question, waves),
            items=_common_items(data, question, waves),
            instrument=_instruments(data),
            **options.kwargs(),
        )

    return build


def _trend(name: str):
    question, categories = TRENDS[name]

    def build(data, waves, options, sites):
        asked = _asked(data, question, waves)
        return tables.trend(
            data.prepared,
            question=question,
            categories=categories,
            waves=asked,
            items=_trend_items(data, question, asked),
            instrument=_instruments(data),
            **options.kwargs(),
        )

    return build


def _common_items(data: SurveyData, question: str, waves: Sequence[int] | None) -> list[str]:
    """Items of ``question`` answered in every requested wave (the comparable rows)."""
    asked = _asked(data, question, waves)
    answered = data.responses[data.responses["wave"].isin(asked)]
    answered = answered[answered["item"].astype("string").str.startswith(question + ".")]
    per_item = answered.groupby("item", observed=True)["wave"].nunique()
    return _in_questionnaire_order(data, per_item[per_item == len(asked)].index)


def _trend_items(data: SurveyData, question: str, asked: Sequence[int]) -> list[str]:
    """Items answered in at least two of the waves (an item new in the last wave is kept
    when it was asked in two or more, like 'high staff turnover' in 2017 and 2018)."""
    answered = data.responses[data.responses["wave"].isin(asked)]
    answered = answered[answered["item"].astype("string").str.startswith(question + ".")]
    per_item = answered.groupby("item", observed=True)["wave"].nunique()
    need = min(2, len(asked))
    return _in_questionnaire_order(data, per_item[per_item >= need].index)


def _in_questionnaire_order(data: SurveyData, codes) -> list[str]:
    """Item codes in the order the questionnaires ask them (latest wave first)."""
    order: dict[str, int] = {}
    for questionnaire in sorted(_instruments(data), key=lambda q: -q.wave):
        for code in questionnaire.variables():
            order.setdefault(code, len(order))
    return sorted((str(c) for c in codes), key=lambda c: (order.get(c, len(order)), c))


_CHANGE_TESTS = ("two-proportion z", "McNemar")


def _change(name: str):
    """Tests of change between waves for one trend figure, as a table of their own."""
    question, _ = TRENDS[name]

    def build(data, waves, options, sites):
        trend = _trend(name)(data, waves, options, sites)
        tests = trend.tests
        keep = tests["test"].astype("string").str.startswith(_CHANGE_TESTS)
        frame = tests.loc[keep].copy()
        frame["change"] = (
            frame["wave_from"].astype(str) + " to " + frame["wave_to"].astype(str)
        ).astype("string")
        frame = frame.loc[
            :,
            [
                "item",
                "item_label",
                "change",
                "test",
                "n_from",
                "n_to",
                "only_from",
                "only_to",
                "percent_from",
                "percent_to",
                "difference",
                "diff_lower",
                "diff_upper",
                "p_value",
            ],
        ].reset_index(drop=True)
        return TableResult(
            name=f"change_{question}",
            title=f"Change between survey waves: {question}",
            frame=frame,
            method=(
                "Independent waves: two-proportion z test (equivalent to Pearson's chi-square "
                "on the 2 × 2 table) with Newcombe's hybrid score interval for the difference "
                "(Newcombe 1998, method 10). Informants present in both waves: McNemar's test "
                "(exact binomial when fewer than 25 discordant pairs)."
            ),
            notes=(
                "Difference = later wave minus earlier wave, in percentage points.",
                *trend.notes,
            ),
            suppression=trend.tests_suppression,
            source=trend.source,
            layout=Layout(
                rows=("item_label", "change", "test"),
                values=("percent_from", "percent_to", "difference", "p_value"),
                headings=(
                    ("item_label", "Item"),
                    ("change", "Waves"),
                    ("test", "Test"),
                    ("percent_from", "From %"),
                    ("percent_to", "To %"),
                    ("difference", "Change (points)"),
                    ("p_value", "p"),
                ),
            ),
            options=trend.options,
        )

    return build


def _coverage(data, waves, options, sites):
    responses = _responses(data, waves)
    site_ids = None if sites is None else sites["site_id"]
    covered = panel.sites_covered(responses, site_ids)
    frame = covered.loc[:, ["wave", "sites", "respondents"]].copy()
    notes = []
    if "missing" in covered.columns:
        for _, row in covered.iterrows():
            if row["missing"]:
                notes.append(f"{row['wave']}: no respondents from {', '.join(row['missing'])}.")
    counts = panel.panel_counts(responses)
    notes.extend(
        f"Key informants responding in exactly {int(r.n_waves)} wave(s): {int(r.informants)}."
        for r in counts.itertuples()
    )
    long = frame.melt(id_vars="wave", var_name="measure", value_name="n")
    return TableResult(
        name="coverage",
        title="Sites with at least one respondent, and respondents, by survey wave",
        frame=long,
        method="Counts of respondents and of sites with at least one respondent.",
        notes=tuple(notes),
        layout=Layout(rows=("measure",), columns=("wave",), values="n"),
        source="000_9191d1decfdc3012.txt Results (sites covered; panel of 15 and 38)",
    )


_CATALOGUE: dict[str, _Entry] = {
    "fieldwork": _Entry("Table I: mailing lists, participants, response rates", _fieldwork(())),
    "response-by-site": _Entry("Response rates by site and wave", _fieldwork(("site",))),
    "response-by-org": _Entry(
        "Response rates by organisation type and wave", _fieldwork(("org_type",))
    ),
    "characteristics": _Entry("Table II: key informant characteristics", _characteristics),
    "coverage": _Entry("Sites covered and panel members across waves", _coverage),
    "initiatives": _Entry(
        "Table III: initiatives implemented, site × initiative", _initiatives, False, "initiatives"
    ),
    "objectives": _Entry(
        "Table IV: most important objectives by organisation", _objectives, False, "objectives_top3"
    ),
    "progress": _Entry(
        "Table V: progress towards objectives by wave", _distribution("progress"), False, "progress"
    ),
    "progress-trend": _Entry(
        "Figure 1: substantial or some progress by wave", _trend("progress"), True, "progress"
    ),
    "barriers": _Entry(
        'Figure 2: "very significant" barriers by wave', _trend("barriers"), True, "barriers"
    ),
    "facilitators": _Entry(
        'Figure 3: "very important" facilitators by wave',
        _trend("facilitators"),
        True,
        "facilitators",
    ),
    "progress-change": _Entry(
        "Tests of change between waves: substantial or some progress",
        _change("progress"),
        True,
        "progress",
    ),
    "barriers-change": _Entry(
        'Tests of change between waves: "very significant" barriers',
        _change("barriers"),
        True,
        "barriers",
    ),
    "facilitators-change": _Entry(
        'Tests of change between waves: "very important" facilitators',
        _change("facilitators"),
        True,
        "facilitators",
    ),
}

#: The order of the full table set (the paper's order).
TABLE_SET: tuple[str, ...] = (
    "fieldwork",
    "characteristics",
    "coverage",
    "initiatives",
    "objectives",
    "progress",
    "progress-trend",
    "progress-change",
    "barriers",
    "barriers-change",
    "facilitators",
    "facilitators-change",
)


def catalogue() -> dict[str, str]:
    """Table name → description."""
    return {name: entry.description for name, entry in _CATALOGUE.items()}


def table(
    name: str,
    data: SurveyData | _Coded,
    *,
    waves: Sequence[int] | None = None,
    options: Options | None = None,
    sites: pd.DataFrame | None = None,
) -> TableResult:
    """One named table; ``sites`` (the registry's ``sites`` frame) adds programme waves."""
    entry = _CATALOGUE.get(name)
    if entry is None:
        close = difflib.get_close_matches(name, list(_CATALOGUE), n=3)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise AnalysisError(
            f"no table called {name!r}; {hint}fix: choose one of {', '.join(_CATALOGUE)}"
        )
    return _titled(name, entry.build(_Coded.of(data), waves, options or Options(), sites))


def _titled(name: str, result: TableResult) -> TableResult:
    title = TITLES.get(name)
    if title is None:
        return result
    if name == "initiatives" and "wave" in result.options:
        title = f"{title} ({result.options['wave']})"
    return dataclasses.replace(result, title=title)


def figure_data(
    name: str,
    data: SurveyData | _Coded,
    *,
    waves: Sequence[int] | None = None,
    options: Options | None = None,
) -> TableResult:
    """The data behind a trend figure: ``progress``, ``barriers`` or ``facilitators``."""
    if name not in TRENDS:
        raise AnalysisError(f"no figure called {name!r}; fix: choose one of {', '.join(TRENDS)}")
    key = "progress-trend" if name == "progress" else name
    return _titled(key, _trend(name)(_Coded.of(data), waves, options or Options(), None))


def table_set(
    data: SurveyData | _Coded,
    *,
    waves: Sequence[int] | None = None,
    options: Options | None = None,
    sites: pd.DataFrame | None = None,
) -> list[TableResult]:
    """Every table of :data:`TABLE_SET` that the requested waves can give.

    A question not asked in the requested waves (Table IV in 2016, say) is left
    out rather than failing; trend tables need two waves and are left out for one.
    """
    data = _Coded.of(data)
    results = []
    for name in TABLE_SET:
        entry = _CATALOGUE[name]
        if entry.question is not None:
            asked = _waves_with(data, entry.question, waves)
            if not asked or (entry.figure and len(asked) < 2):
                continue
        results.append(table(name, data, waves=waves, options=options, sites=sites))
    return results
