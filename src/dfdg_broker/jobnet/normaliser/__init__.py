"""The Jobnet CV normaliser (N1-N18, DA-Q): the operator's early competence assessment in, a Jobnet-ready CV and
the findings for the caseworker out. Pure: no I/O, time and register data are passed in.

One implementation serves both directions: ``draft_from_operator`` maps DA1 onto the Jobnet CV and normalises it;
the submit runs ``normalise`` on the caseworker's edited CV and refuses what ``submit_refusals`` returns. Normalising
a normalised CV changes nothing (no finding with ``changed=True``), so a draft without blocking findings passes.

Readings (where DOMAIN.md is silent):
- Paths point into the returned CV. A value dropped together with its whole entry is reported once, on the section.
- Empty and whitespace-only values are dropped silently (nothing is lost); placeholders are reported (N1).
- Mandatory on every Jobnet CV (blocking when missing, N2): name and address (N15), at least one job wanted (N4),
  and per entry: a title (jobs wanted, work experience, education), an education level, a course or certificate
  name, the tasks of other experience. A searchable CV (N18) also needs a phone or e-mail, terms of employment, and
  work experience and education entries or an explicit "none": blocking when ``searchable`` is set, else review.
- A date that is not a year, year-month or ISO date is dropped with a review finding (the original is kept in it).

Layout: this module runs the whole CV; each CV section has its module (``jobs``: N4, N5, N12; ``education``: N6-N8;
``profile``: N9, N10, N13; ``personal``: N14-N17; ``mandatory``: N2), sharing one ``collector.Run`` (N1, dates,
DA-Q). Every finding code, with its severity and messages, is in ``jobnet.findings.FindingCode``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dfdg_broker.domain.errors import RuleViolation
from dfdg_broker.jobnet.cv import JobnetCv, PersonName
from dfdg_broker.jobnet.findings import Finding, FindingCode, Severity
from dfdg_broker.jobnet.normaliser import education, jobs, mandatory, personal, profile
from dfdg_broker.jobnet.normaliser.collector import CvContext, NormalisedCv, Run, profile_hint
from dfdg_broker.jobnet.normaliser.profile import licence_category
from dfdg_broker.letasyl.schemas import CvArea

__all__ = [
    "PLACEHOLDER_CODES",
    "CvContext",
    "NormalisedCv",
    "draft_from_operator",
    "licence_category",
    "normalise",
    "require_consent_for_searchable",
    "submit_refusals",
]

PLACEHOLDER_CODES = frozenset({FindingCode.N1_PLACEHOLDER_REMOVED, FindingCode.N1_ENTRY_REMOVED})


def normalise(cv: JobnetCv, context: CvContext) -> NormalisedCv:
    """Apply every N rule to a Jobnet CV (a caseworker's edit, or a mapped DA1)."""
    return _run(Run(context), cv, [(category, None) for category in cv.driving_licences])


def draft_from_operator(area: CvArea, context: CvContext, *, operator_name: PersonName | None = None) -> NormalisedCv:
    """DA1 -> a Jobnet CV draft. The operator's licence descriptions go to the professional profile (N10); the name
    LetAsyl holds is replaced by the CPR register's (N15), reported when they differ."""
    sections = area.model_dump(exclude={"driving_licences", "contact"})
    phone = area.contact.phone
    cv = JobnetCv.model_validate(
        {
            **sections,
            "name": operator_name,
            "contact": {"phone": {"number": phone} if phone is not None else None, "email": area.contact.email},
        }
    )
    licences = [(licence.category, licence.description) for licence in area.driving_licences]
    return _run(Run(context), cv, licences)


def submit_refusals(result: NormalisedCv) -> tuple[Finding, ...]:
    """What makes the submit refuse a CV: any blocking finding, and any placeholder left in it (N1)."""
    return tuple(f for f in result.findings if f.severity is Severity.BLOCKING or f.code in PLACEHOLDER_CODES)


def require_consent_for_searchable(cv: JobnetCv) -> None:
    """G4, N18: a CV may be made searchable for employers only with the citizen's consent."""
    if cv.searchable and not cv.consent:
        raise RuleViolation(
            "G4",
            "searchable_without_consent",
            "A CV can be made searchable only with the citizen's consent: set consent to true, or searchable to false.",
            field="searchable",
        )


def _run(run: Run, cv: JobnetCv, licences: Sequence[tuple[str | None, str | None]]) -> NormalisedCv:
    """The whole CV, section by section, in the order the findings are listed."""
    profile_in = run.text(cv.professional_profile, "$.professional_profile")
    run.hint_da, run.hint_en = profile_hint(profile_in)
    jobs_wanted = run.entries("jobs_wanted", cv.jobs_wanted, jobs.job_wanted)
    work_experience = run.entries("work_experience", cv.work_experience, jobs.work_experience)
    educations = run.entries("education", cv.education, education.education)
    courses = run.entries("courses", cv.courses, education.course)
    certificates = run.entries("certificates", cv.certificates, education.certificate)
    other_experience = run.entries("other_experience", cv.other_experience, jobs.other_experience)
    qualifications = profile.qualifications(run, cv.qualifications)
    driving_licences = profile.driving_licences(run, licences)
    professional_profile = "\n".join([profile_in or "", *run.profile_additions]).strip() or None
    if professional_profile is not None:
        run.third_person(professional_profile, "$.professional_profile")
    contact = {"phone": personal.phone(run, cv), "email": personal.email(run, cv.contact.email)}
    name, address = personal.register_fields(run, cv)
    result: dict[str, Any] = {
        "name": name,
        "address": address,
        "jobs_wanted": jobs_wanted,
        "employment_terms": list(dict.fromkeys(cv.employment_terms)),
        "work_experience": work_experience,
        "no_work_experience": cv.no_work_experience and not work_experience,
        "education": educations,
        "no_education": cv.no_education and not educations,
        "courses": courses,
        "certificates": certificates,
        "qualifications": qualifications,
        "driving_licences": driving_licences,
        "other_experience": other_experience,
        "professional_profile": professional_profile,
        "website": personal.website(run, cv.website),
        "contact": contact,
        "searchable": cv.searchable,
        "consent": cv.consent,
    }
    mandatory.mandatory(run, result, professional_profile)
    profile.igu(run, professional_profile)
    return NormalisedCv(JobnetCv.model_validate(result), tuple(run.findings))
