"""N2 (with N4, N15, N18) on the whole CV: what Jobnet needs on every CV, and what a searchable CV needs besides.
The professional profile gives the hint where there is one."""

from __future__ import annotations

from typing import Any

from dfdg_broker.jobnet.classification import fold
from dfdg_broker.jobnet.findings import FindingCode, Severity, Suggestion
from dfdg_broker.jobnet.normaliser.collector import Run

_EMPLOYMENT_TERM_HINTS = (("fuldtid", "full_time"), ("deltid", "part_time"))


def mandatory(run: Run, cv: dict[str, Any], profile: str | None) -> None:
    """N2 on the CV as normalised (``cv`` is the result before validation)."""
    for field in ("name", "address"):
        if cv[field] is None:
            run.missing(f"$.{field}", "N15")
    hint_da, hint_en = run.hint_da, run.hint_en
    if not cv["jobs_wanted"]:
        run.report(FindingCode.N2_JOBS_WANTED_MISSING, "$.jobs_wanted", hint_da=hint_da, hint_en=hint_en)
    severity = Severity.BLOCKING if cv["searchable"] else Severity.REVIEW
    needs = (
        ("contact", cv["contact"]["phone"] is None and cv["contact"]["email"] is None,
         FindingCode.N2_SEARCHABLE_NEEDS_CONTACT),
        ("employment_terms", not cv["employment_terms"], FindingCode.N2_SEARCHABLE_NEEDS_EMPLOYMENT_TERMS),
        ("work_experience", not cv["work_experience"] and not cv["no_work_experience"],
         FindingCode.N2_SEARCHABLE_NEEDS_WORK_EXPERIENCE),
        ("education", not cv["education"] and not cv["no_education"], FindingCode.N2_SEARCHABLE_NEEDS_EDUCATION),
    )  # fmt: skip
    for field, lacking, code in needs:
        if lacking:
            suggestions = employment_term_hints(profile) if field == "employment_terms" else ()
            run.report(code, f"$.{field}", severity=severity, suggestions=suggestions, hint_da=hint_da, hint_en=hint_en)


def employment_term_hints(profile: str | None) -> tuple[Suggestion, ...]:
    folded = fold(profile or "")
    return tuple(Suggestion(term) for word, term in _EMPLOYMENT_TERM_HINTS if word in folded)
