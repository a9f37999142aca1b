"""The learning sections: education (N6: title, a level Jobnet accepts, the years), courses (N7) and certificates
(N8: the validity period)."""

from __future__ import annotations

from typing import Any

from dfdg_broker.jobnet.classification import fold
from dfdg_broker.jobnet.cv import Certificate, Course, Education
from dfdg_broker.jobnet.findings import FindingCode, Suggestion
from dfdg_broker.jobnet.normaliser.collector import Run
from dfdg_broker.jobnet.text_rules import ended_before


def education(run: Run, entry: Education, path: str) -> dict[str, Any]:
    fields = {
        "title": run.text(entry.title, f"{path}.title"),
        "level": run.text(entry.level, f"{path}.level"),
        "institution": run.text(entry.institution, f"{path}.institution"),
        "country": run.text(entry.country, f"{path}.country"),
        "start_year": run.partial_date(entry.start_year, f"{path}.start_year", "N6"),
        "end_year": run.partial_date(entry.end_year, f"{path}.end_year", "N6"),
        "description": run.prose(entry.description, f"{path}.description"),
    }
    if not any(fields.values()):
        return fields
    run.required(fields, "title", path, "N6")
    fields["level"] = education_level(run, fields["level"], f"{path}.level")
    missing = [name for name in ("start_year", "end_year") if fields[name] is None]
    if missing:
        run.report(FindingCode.N6_YEAR_MISSING, f"{path}.{missing[0]}", missing=" and ".join(missing))
    return fields


def education_level(run: Run, level: str | None, path: str) -> str | None:
    """N6: one of the levels Jobnet accepts, written as Jobnet writes it ("Andet" is not one)."""
    levels = tuple(Suggestion(value) for value in run.classification.education_levels)
    if level is None:
        run.missing(path, "N6", suggestions=levels)
        return None
    accepted = run.classification.education_level(level)
    if accepted is None:
        code = FindingCode.N6_LEVEL_ANDET if fold(level) == "andet" else FindingCode.N6_LEVEL_NOT_ACCEPTED
        run.report(code, path, suggestions=levels, level=level)
        return level
    if accepted != level:
        run.report(FindingCode.N6_LEVEL_SPELLING, path, original=level, level=accepted)
    return accepted


def course(run: Run, entry: Course, path: str) -> dict[str, Any]:
    fields = {
        "name": run.text(entry.name, f"{path}.name"),
        "end_date": run.partial_date(entry.end_date, f"{path}.end_date", "N7"),
        "duration": run.text(entry.duration, f"{path}.duration"),
        "description": run.prose(entry.description, f"{path}.description"),
    }
    if any(fields.values()):
        run.required(fields, "name", path, "N7")
    return fields


def certificate(run: Run, entry: Certificate, path: str) -> dict[str, Any]:
    fields = {
        "name": run.text(entry.name, f"{path}.name"),
        "issuer": run.text(entry.issuer, f"{path}.issuer"),
        "valid_from": run.partial_date(entry.valid_from, f"{path}.valid_from", "N8"),
        "valid_to": run.partial_date(entry.valid_to, f"{path}.valid_to", "N8"),
        "description": run.prose(entry.description, f"{path}.description"),
    }
    if not any(fields.values()):
        return fields
    run.required(fields, "name", path, "N8")
    valid_from, valid_to = fields["valid_from"], fields["valid_to"]
    if valid_from and valid_to and valid_to < valid_from:
        run.report(FindingCode.N8_VALIDITY_REVERSED, f"{path}.valid_to")
    elif valid_to and ended_before(valid_to, run.context.today):
        run.report(FindingCode.N8_CERTIFICATE_EXPIRED, f"{path}.valid_to", valid_to=valid_to)
    return fields
