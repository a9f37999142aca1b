"""The job sections: jobs wanted (N4: classified occupation titles only), work experience (N5: free text allowed)
and other experience (N12)."""

from __future__ import annotations

from typing import Any

from dfdg_broker.jobnet.cv import JobWanted, OtherExperience, WorkExperience
from dfdg_broker.jobnet.findings import FindingCode
from dfdg_broker.jobnet.normaliser.collector import Run

_CODES = {
    "N4": (
        FindingCode.N4_TITLE_FROM_CODE,
        FindingCode.N4_TITLE_NOT_CLASSIFIED,
        FindingCode.N4_TITLE_SPELLING,
        FindingCode.N4_CODE_CORRECTED,
    ),
    "N5": (
        FindingCode.N5_TITLE_FROM_CODE,
        FindingCode.N5_TITLE_NOT_CLASSIFIED,
        FindingCode.N5_TITLE_SPELLING,
        FindingCode.N5_CODE_CORRECTED,
    ),
}


def job_wanted(run: Run, job: JobWanted, path: str) -> dict[str, Any]:
    title, code = run.text(job.title, f"{path}.title"), run.text(job.occupation_code, f"{path}.occupation_code")
    if title is None and code is None:
        return {"title": None, "occupation_code": None}
    title, code = occupation(run, title, code, path, rule="N4")
    return {"title": title, "occupation_code": code}


def work_experience(run: Run, job: WorkExperience, path: str) -> dict[str, Any]:
    fields = {
        "employer": run.text(job.employer, f"{path}.employer"),
        "country": run.text(job.country, f"{path}.country"),
        "start": run.partial_date(job.start, f"{path}.start", "N5"),
        "end": run.partial_date(job.end, f"{path}.end", "N5"),
        "description": run.prose(job.description, f"{path}.description"),
    }
    title = run.text(job.title, f"{path}.title")
    code = run.text(job.occupation_code, f"{path}.occupation_code")
    if title is None and code is None and not any(fields.values()):
        return {"title": None, "occupation_code": None, **fields}
    title, code = occupation(run, title, code, path, rule="N5")
    return {"title": title, "occupation_code": code, **fields}


def other_experience(run: Run, entry: OtherExperience, path: str) -> dict[str, Any]:
    fields = {
        "where": run.text(entry.where, f"{path}.where"),
        "start": run.partial_date(entry.start, f"{path}.start", "N12"),
        "end": run.partial_date(entry.end, f"{path}.end", "N12"),
        "tasks": run.prose(entry.tasks, f"{path}.tasks"),
        "description": run.prose(entry.description, f"{path}.description"),
    }
    if any(fields.values()):
        run.required(fields, "tasks", path, "N12")
    return fields


def occupation(run: Run, title: str | None, code: str | None, path: str, *, rule: str) -> tuple[str | None, str | None]:
    """N4, N5: exact title, then case/diacritic-insensitive; free text is flagged with ranked suggestions and kept
    (blocking for a job wanted, N4; for review in work experience, N5)."""
    from_code, not_classified, spelling, code_corrected = _CODES[rule]
    index = run.classification.occupations
    if title is None:
        by_code = index.by_code(code) if code else None
        if by_code is None:
            run.missing(f"{path}.title", rule)
            return None, code
        run.report(from_code, f"{path}.title", title=by_code.title, code=by_code.code)
        return by_code.title, by_code.code
    found = index.match(title)
    if found is None:
        run.report(not_classified, f"{path}.title", suggestions=index.suggest(title), title=title)
        return title, code
    occupation = found.occupation
    if not found.exact:
        run.report(spelling, f"{path}.title", original=title, title=title, classified=occupation.title)
    if code is not None and code != occupation.code:
        run.report(
            code_corrected,
            f"{path}.occupation_code",
            original=code,
            code=code,
            title=occupation.title,
            classified_code=occupation.code,
        )
    return occupation.title, occupation.code
