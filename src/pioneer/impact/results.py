"""The frozen result every impact estimator returns.

One shape for all estimators, so that the CLI, the reports and the worked example read
them alike: a tidy table of terms (estimate, standard error, statistic, p-value and
interval, the columns of R's ``broom::tidy``), the design facts a reader needs (outcome,
observations, clusters, the standard-error method) and a plain-language summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pioneer.results import Layout, TableResult

#: Columns of :meth:`ImpactResult.tidy`, in order.
TIDY_COLUMNS = ("term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high")


@dataclass(frozen=True, eq=False)
class ImpactResult:
    """An estimator's answer.

    ``terms`` has the :data:`TIDY_COLUMNS` (NaN where a column does not apply, e.g. no
    standard error for a permutation p-value); ``method`` names the estimator, the
    standard errors and any small-sample correction; ``details`` holds estimator-specific
    frames (donor weights, balance tables, the placebo distribution…) by name.
    """

    name: str
    estimator: str
    outcome: str
    terms: pd.DataFrame
    method: str
    n_obs: int
    n_clusters: int | None = None
    confidence: float = 0.95
    notes: tuple[str, ...] = ()
    details: dict[str, pd.DataFrame] = field(default_factory=dict)
    summary_text: str = ""

    def __post_init__(self) -> None:
        missing = [c for c in TIDY_COLUMNS if c not in self.terms.columns]
        if missing:
            raise ValueError(f"ImpactResult.terms lacks columns {missing}")

    def tidy(self) -> pd.DataFrame:
        """The terms as a tidy frame (a copy), one row per term."""
        return self.terms.loc[:, list(TIDY_COLUMNS)].reset_index(drop=True).copy()

    def summary(self) -> str:
        """A plain-language paragraph: what was estimated, the answer, and how sure it is."""
        if self.summary_text:
            return self.summary_text
        lines = [f"{self.estimator} on {self.outcome} ({self.n_obs} observations"]
        if self.n_clusters is not None:
            lines[0] += f", {self.n_clusters} clusters"
        lines[0] += ")."
        level = f"{100 * self.confidence:g}%"
        for row in self.tidy().itertuples(index=False):
            lines.append(
                f"{row.term}: {row.estimate:.4g} ({level} interval {row.conf_low:.4g} to "
                f"{row.conf_high:.4g}; p = {row.p_value:.3g})."
            )
        lines.append(f"Method: {self.method}")
        return " ".join(lines)


def to_table(result: ImpactResult, outcome: str | None = None) -> TableResult:
    """The result's terms as a :class:`~pioneer.results.TableResult`, for the renderers
    (``outcome`` names the outcome in the title when the result holds only its column)."""
    columns = {
        "term": "Term",
        "estimate": "Estimate",
        "std_error": "Std. error",
        "statistic": "Statistic",
        "p_value": "p_value",
        "conf_low": f"{100 * result.confidence:g}% lower",
        "conf_high": f"{100 * result.confidence:g}% upper",
    }
    size = f"{result.n_obs} observations" + (
        f", {result.n_clusters} clusters" if result.n_clusters is not None else ""
    )
    return TableResult(
        name=result.name,
        title=f"{result.estimator}: {outcome or result.outcome}",
        frame=result.tidy(),
        method=result.method,
        notes=(size, *result.notes),
        layout=Layout(
            rows=("term",), values=tuple(list(columns)[1:]), headings=tuple(columns.items())
        ),
    )
