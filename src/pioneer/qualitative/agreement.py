"""Inter-coder agreement between two coders of the same documents.

Two views, per code:

* **Cohen's kappa at document level.** Each document is a unit; each coder's rating is
  1 if they applied the code anywhere in it, else 0. kappa = (p_o − p_e) / (1 − p_e),
  with p_o the observed proportion of agreement and p_e the agreement expected from the
  two coders' marginal proportions (Cohen, J. 1960, "A coefficient of agreement for
  nominal scales", *Educational and Psychological Measurement* 20(1), 37–46).
* **Krippendorff's alpha (nominal) at character level.** Each character of each
  document is a unit; each coder's value is 1 if a segment of theirs with the code
  covers it, else 0. alpha = 1 − D_o / D_e computed from the coincidence matrix
  (Krippendorff, K. 2011, "Computing Krippendorff's alpha-reliability", Annenberg School
  for Communication, University of Pennsylvania; Krippendorff, K. 2019, *Content
  Analysis: An Introduction to Its Methodology*, 4th ed., ch. 12). Character units make
  alpha sensitive to where a passage starts and ends, not only to whether it was coded.

A code neither coder used, or used by both on every unit, has no variation: kappa and
alpha are undefined there and reported as blank, with the counts still shown.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from pioneer.errors import AnalysisError
from pioneer.qualitative.model import Project
from pioneer.results import Layout, TableResult


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Cohen's (1960) unweighted kappa for two coders' nominal ratings of the same units;
    ``nan`` when expected agreement is 1 (no variation)."""
    x, y, n = _pair(a, b)
    p_o = float(np.count_nonzero(x == y)) / n
    codes, size = _category_codes(np.concatenate([x, y]))
    ca = np.bincount(codes[:n], minlength=size).astype(float)
    cb = np.bincount(codes[n:], minlength=size).astype(float)
    p_e = float(ca @ cb) / (n * n)
    if p_e == 1:
        return float("nan")
    return (p_o - p_e) / (1 - p_e)


def _category_codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Values as category numbers 0..k-1 (small non-negative integers, such as the 0/1
    character ratings, are used as they are, which avoids sorting millions of units)."""
    if values.dtype.kind in "iub" and values.size and values.min() >= 0 and values.max() < 1024:
        codes = values.astype(np.intp)
        return codes, int(codes.max()) + 1
    uniques, codes = np.unique(values, return_inverse=True)
    return codes, len(uniques)


def _pair(a: Sequence[Hashable], b: Sequence[Hashable]) -> tuple[np.ndarray, np.ndarray, int]:
    if len(a) != len(b):
        raise AnalysisError(f"the two coders rated {len(a)} and {len(b)} units; need the same")
    if len(a) == 0:
        raise AnalysisError("no units to compare")
    x, y = np.asarray(a), np.asarray(b)
    if x.dtype != y.dtype:
        x, y = x.astype(object), y.astype(object)
    if x.dtype == object:  # mixed or non-numeric values: compare as text
        x, y = x.astype(str), y.astype(str)
    return x, y, len(x)


def krippendorff_alpha_nominal(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Krippendorff's alpha for nominal data, two coders, no missing values.

    Every unit contributes the pairs (a, b) and (b, a) to the coincidence matrix
    (weight 1/(m_u − 1) = 1 with two coders); n = 2N pairable values;
    D_o = Σ_{c≠k} o_ck / n and D_e = Σ_{c≠k} n_c n_k / (n (n − 1)).
    ``nan`` when every value is the same (D_e = 0).
    """
    x, y, units = _pair(a, b)
    n = 2 * units
    disagreements = 2 * float(np.count_nonzero(x != y))  # sum over c != k of o_ck
    codes, size = _category_codes(np.concatenate([x, y]))
    margins = np.bincount(codes, minlength=size).astype(float)
    expected = float(n * n - margins @ margins)  # sum over c != k of n_c n_k
    if expected == 0:
        return float("nan")
    d_o = disagreements / n
    d_e = expected / (n * (n - 1))
    return 1 - d_o / d_e


def _pair_documents(
    project: Project, coder_a: str, coder_b: str, documents: Sequence[str] | None
) -> tuple[str, ...]:
    coders = {s.coder for s in project.segments}
    for coder in (coder_a, coder_b):
        if coder not in coders:
            raise AnalysisError(
                f"coder {coder!r} has no segments in project {project.id!r}; "
                f"coders present: {', '.join(sorted(coders)) or 'none'}"
            )
    if coder_a == coder_b:
        raise AnalysisError("agreement needs two different coders")
    if documents is not None:
        for d in documents:
            project.document(d)
        return tuple(documents)
    by_a = {s.document_id for s in project.segments if s.coder == coder_a}
    by_b = {s.document_id for s in project.segments if s.coder == coder_b}
    both = tuple(d.id for d in project.documents if d.id in by_a and d.id in by_b)
    if not both:
        raise AnalysisError(f"no document was coded by both {coder_a!r} and {coder_b!r}")
    return both


def document_ratings(
    project: Project,
    coder_a: str,
    coder_b: str,
    code_id: str,
    *,
    documents: Sequence[str] | None = None,
    include_children: bool = False,
) -> pd.DataFrame:
    """Per document, whether each coder applied ``code_id`` (columns ``document_id``,
    ``a``, ``b``, values 0/1). ``include_children`` counts codes below it too."""
    docs = _pair_documents(project, coder_a, coder_b, documents)
    codes = set(project.frame.subtree_ids(code_id) if include_children else (code_id,))
    project.frame.code(code_id)
    used = {
        (s.coder, s.document_id)
        for s in project.segments
        if s.coder in (coder_a, coder_b) and codes.intersection(s.code_ids)
    }
    return pd.DataFrame(
        {
            "document_id": list(docs),
            "a": [int((coder_a, d) in used) for d in docs],
            "b": [int((coder_b, d) in used) for d in docs],
        }
    )


def character_ratings(
    project: Project,
    coder_a: str,
    coder_b: str,
    code_id: str,
    *,
    documents: Sequence[str] | None = None,
    include_children: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Two 0/1 arrays, one entry per character of the compared documents (in order):
    whether coder a / coder b has a segment with ``code_id`` covering that character."""
    docs = _pair_documents(project, coder_a, coder_b, documents)
    project.frame.code(code_id)
    codes = set(project.frame.subtree_ids(code_id) if include_children else (code_id,))
    lengths = {d.id: len(d.text) for d in project.documents}
    offsets: dict[str, int] = {}
    total = 0
    for d in docs:
        offsets[d] = total
        total += lengths[d]
    a = np.zeros(total, dtype=np.int8)
    b = np.zeros(total, dtype=np.int8)
    for s in project.segments:
        if s.document_id in offsets and codes.intersection(s.code_ids):
            target = a if s.coder == coder_a else b if s.coder == coder_b else None
            if target is not None:
                base = offsets[s.document_id]
                target[base + s.start : base + s.end] = 1
    return a, b


def coder_pair(project: Project) -> tuple[str, str]:
    """The two coders of a project that has exactly two (for a default comparison)."""
    coders = sorted({s.coder for s in project.segments})
    if len(coders) != 2:
        listed = ", ".join(coders) or "none"
        raise AnalysisError(
            f"project {project.id!r} has {len(coders)} coder(s) ({listed}); name the two to compare"
        )
    return coders[0], coders[1]


def agreement_table(
    project: Project,
    coder_a: str | None = None,
    coder_b: str | None = None,
    *,
    codes: str | Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
    include_children: bool = False,
) -> TableResult:
    """Kappa (document level) and alpha (character level) per code for two coders.

    ``codes`` selects codes as ``CodingFrame.select`` does (default: every code either
    coder used); without coders, the project's two (:func:`coder_pair`). Columns:
    ``code_id``, ``label``, ``documents``, ``both``, ``a_only``, ``b_only``, ``neither``,
    ``kappa``, ``characters``, ``alpha``.
    """
    if coder_a is None or coder_b is None:
        coder_a, coder_b = coder_pair(project)
    docs = _pair_documents(project, coder_a, coder_b, documents)
    frame = project.frame
    if codes is None:
        used = {c for s in project.segments if s.coder in (coder_a, coder_b) for c in s.code_ids}
        selected = tuple(c for c in frame.ids if c in used)
    else:
        selected = frame.select(codes)
    rows = []
    for code_id in selected:
        r = document_ratings(
            project, coder_a, coder_b, code_id, documents=docs, include_children=include_children
        )
        ca, cb = character_ratings(
            project, coder_a, coder_b, code_id, documents=docs, include_children=include_children
        )
        kappa = cohen_kappa(list(r["a"]), list(r["b"]))
        alpha = krippendorff_alpha_nominal(ca, cb)
        rows.append(
            {
                "code_id": code_id,
                "label": frame.code(code_id).label,
                "documents": len(r),
                "both": int(((r["a"] == 1) & (r["b"] == 1)).sum()),
                "a_only": int(((r["a"] == 1) & (r["b"] == 0)).sum()),
                "b_only": int(((r["a"] == 0) & (r["b"] == 1)).sum()),
                "neither": int(((r["a"] == 0) & (r["b"] == 0)).sum()),
                "kappa": None if np.isnan(kappa) else round(kappa, 4),
                "characters": len(ca),
                "alpha": None if np.isnan(alpha) else round(alpha, 4),
            }
        )
    table = pd.DataFrame(
        rows,
        columns=[
            "code_id",
            "label",
            "documents",
            "both",
            "a_only",
            "b_only",
            "neither",
            "kappa",
            "characters",
            "alpha",
        ],
    )
    for column in ("kappa", "alpha"):
        table[column] = table[column].astype("Float64")
    return TableResult(
        name="qual_agreement",
        title=f"Inter-coder agreement: {coder_a} and {coder_b}, {len(docs)} documents",
        frame=table,
        method=(
            "Cohen's kappa (Cohen 1960) on code presence per document; Krippendorff's "
            "alpha, nominal (Krippendorff 2011, 2019), on code presence per character"
        ),
        notes=(
            "Blank kappa or alpha: no variation for that code (neither coder used it, or "
            "both used it everywhere), so agreement is undefined.",
        ),
        layout=Layout(
            rows=("code_id", "label"),
            values=("both", "a_only", "b_only", "neither", "kappa", "alpha"),
        ),
        options={
            "coder_a": coder_a,
            "coder_b": coder_b,
            "documents": docs,
            "include_children": include_children,
        },
    )
