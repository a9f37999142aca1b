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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel

from dfdg_broker.domain.errors import RuleViolation
from dfdg_broker.jobnet.classification import Classification, fold
from dfdg_broker.jobnet.contact import check_email, check_phone, check_website
from dfdg_broker.jobnet.cv import (
    Address,
    Certificate,
    Course,
    Education,
    JobnetCv,
    JobWanted,
    OtherExperience,
    PersonName,
    Qualification,
    WorkExperience,
)
from dfdg_broker.jobnet.findings import Finding, Severity, Suggestion
from dfdg_broker.jobnet.igu import IGU_PROFILE_TEXT, PersonFacts, assess_igu
from dfdg_broker.jobnet.text_rules import ended_before, is_partial_date, is_placeholder, third_person_words
from dfdg_broker.letasyl.schemas import CvArea

E = TypeVar("E", bound=BaseModel)
BLOCKING, REVIEW, INFO = Severity.BLOCKING, Severity.REVIEW, Severity.INFO
PLACEHOLDER_CODES = frozenset({"n1_placeholder_removed", "n1_entry_removed"})
HINT_LENGTH = 200

_LICENCE_WITH_NOTE = re.compile(r"^(?P<category>[^()]+?)\s*\((?P<note>[^()]*)\)$")
_LICENCE_SEPARATORS = re.compile(r"[\s+/\-]")
_LICENCE_ALIASES = {"TRMR": "TR", "MR": "TR"}
_EMPLOYMENT_TERM_HINTS = (("fuldtid", "full_time"), ("deltid", "part_time"))


@dataclass(frozen=True, slots=True)
class CvContext:
    """What the normaliser needs besides the CV: the day, the classifications, the placeholder list (N1), the CPR
    register's name and address (N15), and the facts for the IGU suggestion (N13)."""

    today: date
    classification: Classification
    placeholders: frozenset[str]
    name: PersonName | None = None
    address: Address | None = None
    person: PersonFacts | None = None


@dataclass(frozen=True, slots=True)
class NormalisedCv:
    cv: JobnetCv
    findings: tuple[Finding, ...]

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is BLOCKING)


def normalise(cv: JobnetCv, context: CvContext) -> NormalisedCv:
    """Apply every N rule to a Jobnet CV (a caseworker's edit, or a mapped DA1)."""
    return _Normaliser(context).run(cv, [(category, None) for category in cv.driving_licences])


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
    return _Normaliser(context).run(cv, licences)


def submit_refusals(result: NormalisedCv) -> tuple[Finding, ...]:
    """What makes the submit refuse a CV: any blocking finding, and any placeholder left in it (N1)."""
    return tuple(f for f in result.findings if f.severity is BLOCKING or f.code in PLACEHOLDER_CODES)


def require_consent_for_searchable(cv: JobnetCv) -> None:
    """G4, N18: a CV may be made searchable for employers only with the citizen's consent."""
    if cv.searchable and not cv.consent:
        raise RuleViolation(
            "G4",
            "searchable_without_consent",
            "A CV can be made searchable only with the citizen's consent: set consent to true, or searchable to false.",
            field="searchable",
        )


def licence_category(raw: str, allowed: frozenset[str]) -> tuple[str | None, str | None]:
    """N10: (the Danish category, a parenthesised note) for 'C+E', 'c/e', 'B (Irak)', 'TR/MR'; (None, None) when
    the value names no Danish category ('Lastbil', 'Internationalt kørekort': never guessed)."""
    found = _LICENCE_WITH_NOTE.match(raw)
    head, note = (found["category"], found["note"].strip() or None) if found else (raw, None)
    key = _LICENCE_SEPARATORS.sub("", head.upper())
    key = _LICENCE_ALIASES.get(key, key)
    return (key, note) if key in allowed else (None, None)


def _profile_hint(profile: str | None) -> tuple[str, str]:
    """N2: the professional profile as a hint for a missing field (Danish, English); empty without a profile."""
    if not profile:
        return "", ""
    excerpt = profile if len(profile) <= HINT_LENGTH else profile[: HINT_LENGTH - 1] + "…"
    return f" Den faglige profil siger: «{excerpt}»", f" The professional profile says: '{excerpt}'"


class _Normaliser:
    """One run over one CV; collects findings as it goes."""

    def __init__(self, context: CvContext) -> None:
        self.context = context
        self.classification = context.classification
        self.findings: list[Finding] = []
        self.profile_additions: list[str] = []
        self.hint = ("", "")

    def flag(
        self,
        code: str,
        rule: str,
        path: str,
        severity: Severity,
        message_da: str,
        message_en: str,
        suggestions: tuple[Suggestion, ...] = (),
    ) -> None:
        self.findings.append(Finding(code, rule, path, severity, message_da, message_en, suggestions=suggestions))

    def changed(
        self,
        code: str,
        rule: str,
        path: str,
        message_da: str,
        message_en: str,
        original: str | None,
        *,
        severity: Severity = INFO,
        suggestions: tuple[Suggestion, ...] = (),
    ) -> None:
        """A change the normaliser made: normalising its own output never reports one again."""
        finding = Finding(code, rule, path, severity, message_da, message_en, original, suggestions, changed=True)
        self.findings.append(finding)

    # ---------------------------------------------------------------- the whole CV

    def run(self, cv: JobnetCv, licences: Sequence[tuple[str | None, str | None]]) -> NormalisedCv:
        profile_in = self.text(cv.professional_profile, "$.professional_profile")
        self.hint = _profile_hint(profile_in)
        jobs_wanted = self.entries("jobs_wanted", cv.jobs_wanted, self.job_wanted)
        work_experience = self.entries("work_experience", cv.work_experience, self.work_experience)
        education = self.entries("education", cv.education, self.education)
        courses = self.entries("courses", cv.courses, self.course)
        certificates = self.entries("certificates", cv.certificates, self.certificate)
        other_experience = self.entries("other_experience", cv.other_experience, self.other_experience)
        qualifications = self.qualifications(cv.qualifications)
        driving_licences = self.driving_licences(licences)
        profile = "\n".join([profile_in or "", *self.profile_additions]).strip() or None
        if profile is not None:
            self.third_person(profile, "$.professional_profile")
        contact = {"phone": self.phone(cv), "email": self.email(cv.contact.email)}
        name, address = self.register_fields(cv)
        result: dict[str, Any] = {
            "name": name,
            "address": address,
            "jobs_wanted": jobs_wanted,
            "employment_terms": list(dict.fromkeys(cv.employment_terms)),
            "work_experience": work_experience,
            "no_work_experience": cv.no_work_experience and not work_experience,
            "education": education,
            "no_education": cv.no_education and not education,
            "courses": courses,
            "certificates": certificates,
            "qualifications": qualifications,
            "driving_licences": driving_licences,
            "other_experience": other_experience,
            "professional_profile": profile,
            "website": self.website(cv.website),
            "contact": contact,
            "searchable": cv.searchable,
            "consent": cv.consent,
        }
        self.mandatory(result, profile)
        self.igu(profile)
        return NormalisedCv(JobnetCv.model_validate(result), tuple(self.findings))

    # ---------------------------------------------------------------- N1: placeholders and empty values

    def text(self, value: str | None, path: str) -> str | None:
        """N1: the value without surrounding whitespace; None for empty values and placeholders (reported)."""
        if value is None:
            return None
        stripped = value.strip()
        if not stripped:
            return None
        if is_placeholder(stripped, self.context.placeholders):
            self.changed(
                "n1_placeholder_removed",
                "N1",
                path,
                f"Pladsholderen «{stripped}» er fjernet: feltet er tomt.",
                f"The placeholder '{stripped}' was removed: the field is empty.",
                value,
            )
            return None
        return stripped

    def prose(self, value: str | None, path: str) -> str | None:
        """A free-text description (N3): N1, then DA-Q."""
        text = self.text(value, path)
        if text is not None:
            self.third_person(text, path)
        return text

    def entries(
        self, section: str, items: Sequence[E], clean: Callable[[E, str], dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Clean each entry; drop those left with no value, reporting what they held once, on the section."""
        kept: list[dict[str, Any]] = []
        for position, item in enumerate(items, start=1):
            mark = len(self.findings)
            fields = clean(item, f"$.{section}[{len(kept)}]")
            if any(value is not None for value in fields.values()):
                kept.append(fields)
                continue
            originals = [f.original.strip() for f in self.findings[mark:] if f.original and f.original.strip()]
            del self.findings[mark:]
            if originals:
                held = " | ".join(originals)
                self.changed(
                    "n1_entry_removed",
                    "N1",
                    f"$.{section}",
                    f"Post nr. {position} indeholdt kun pladsholdere ({held}) og er fjernet.",
                    f"Entry {position} held only placeholders ({held}) and was removed.",
                    held,
                )
        return kept

    # ---------------------------------------------------------------- sections

    def job_wanted(self, job: JobWanted, path: str) -> dict[str, Any]:
        title, code = self.text(job.title, f"{path}.title"), self.text(job.occupation_code, f"{path}.occupation_code")
        if title is None and code is None:
            return {"title": None, "occupation_code": None}
        title, code = self.occupation(title, code, path, rule="N4", blocking=True)
        return {"title": title, "occupation_code": code}

    def work_experience(self, job: WorkExperience, path: str) -> dict[str, Any]:
        fields = {
            "employer": self.text(job.employer, f"{path}.employer"),
            "country": self.text(job.country, f"{path}.country"),
            "start": self.partial_date(job.start, f"{path}.start", "N5"),
            "end": self.partial_date(job.end, f"{path}.end", "N5"),
            "description": self.prose(job.description, f"{path}.description"),
        }
        title = self.text(job.title, f"{path}.title")
        code = self.text(job.occupation_code, f"{path}.occupation_code")
        if title is None and code is None and not any(fields.values()):
            return {"title": None, "occupation_code": None, **fields}
        title, code = self.occupation(title, code, path, rule="N5", blocking=False)
        return {"title": title, "occupation_code": code, **fields}

    def education(self, entry: Education, path: str) -> dict[str, Any]:
        fields = {
            "title": self.text(entry.title, f"{path}.title"),
            "level": self.text(entry.level, f"{path}.level"),
            "institution": self.text(entry.institution, f"{path}.institution"),
            "country": self.text(entry.country, f"{path}.country"),
            "start_year": self.partial_date(entry.start_year, f"{path}.start_year", "N6"),
            "end_year": self.partial_date(entry.end_year, f"{path}.end_year", "N6"),
            "description": self.prose(entry.description, f"{path}.description"),
        }
        if not any(fields.values()):
            return fields
        self.required(fields, "title", path, "N6")
        fields["level"] = self.education_level(fields["level"], f"{path}.level")
        missing = [name for name in ("start_year", "end_year") if fields[name] is None]
        if missing:
            self.flag(
                "n6_year_missing",
                "N6",
                f"{path}.{missing[0]}",
                REVIEW,
                "Start- eller slutår mangler; varigheden kan stå i beskrivelsen. Udfyld årstal, hvis de kendes.",
                f"{' and '.join(missing)} missing; the duration may be in the description. Fill in if known.",
            )
        return fields

    def course(self, entry: Course, path: str) -> dict[str, Any]:
        fields = {
            "name": self.text(entry.name, f"{path}.name"),
            "end_date": self.partial_date(entry.end_date, f"{path}.end_date", "N7"),
            "duration": self.text(entry.duration, f"{path}.duration"),
            "description": self.prose(entry.description, f"{path}.description"),
        }
        if any(fields.values()):
            self.required(fields, "name", path, "N7")
        return fields

    def certificate(self, entry: Certificate, path: str) -> dict[str, Any]:
        fields = {
            "name": self.text(entry.name, f"{path}.name"),
            "issuer": self.text(entry.issuer, f"{path}.issuer"),
            "valid_from": self.partial_date(entry.valid_from, f"{path}.valid_from", "N8"),
            "valid_to": self.partial_date(entry.valid_to, f"{path}.valid_to", "N8"),
            "description": self.prose(entry.description, f"{path}.description"),
        }
        if not any(fields.values()):
            return fields
        self.required(fields, "name", path, "N8")
        valid_from, valid_to = fields["valid_from"], fields["valid_to"]
        if valid_from and valid_to and valid_to < valid_from:
            self.flag(
                "n8_validity_reversed",
                "N8",
                f"{path}.valid_to",
                REVIEW,
                "Gyldighedsperioden slutter før den begynder.",
                "The validity period ends before it starts.",
            )
        elif valid_to and ended_before(valid_to, self.context.today):
            self.flag(
                "n8_certificate_expired",
                "N8",
                f"{path}.valid_to",
                INFO,
                f"Certifikatet er udløbet ({valid_to}); det står stadig på CV'et.",
                f"The certificate expired ({valid_to}); it stays on the CV.",
            )
        return fields

    def other_experience(self, entry: OtherExperience, path: str) -> dict[str, Any]:
        fields = {
            "where": self.text(entry.where, f"{path}.where"),
            "start": self.partial_date(entry.start, f"{path}.start", "N12"),
            "end": self.partial_date(entry.end, f"{path}.end", "N12"),
            "tasks": self.prose(entry.tasks, f"{path}.tasks"),
            "description": self.prose(entry.description, f"{path}.description"),
        }
        if any(fields.values()):
            self.required(fields, "tasks", path, "N12")
        return fields

    # ---------------------------------------------------------------- N4, N5: occupation titles

    def occupation(
        self, title: str | None, code: str | None, path: str, *, rule: str, blocking: bool
    ) -> tuple[str | None, str | None]:
        """Exact title, then case/diacritic-insensitive; free text is flagged with ranked suggestions and kept."""
        index = self.classification.occupations
        prefix = rule.lower()
        if title is None:
            by_code = index.by_code(code) if code else None
            if by_code is None:
                self.missing(f"{path}.title", rule)
                return None, code
            self.changed(
                f"{prefix}_title_from_code",
                rule,
                f"{path}.title",
                f"Titlen mangler; «{by_code.title}» er sat ud fra koden {by_code.code}.",
                f"The title was missing; '{by_code.title}' was set from code {by_code.code}.",
                None,
            )
            return by_code.title, by_code.code
        found = index.match(title)
        if found is None:
            severity = BLOCKING if blocking else REVIEW
            self.flag(
                f"{prefix}_title_not_classified",
                rule,
                f"{path}.title",
                severity,
                f"«{title}» er ikke en stillingsbetegnelse fra Jobnets klassifikation. Vælg en titel"
                + (" (forslag nedenfor)." if blocking else ", eller behold fritekst (forslag nedenfor)."),
                f"'{title}' is not an occupation title from Jobnet's classification. Choose a title"
                + (" (suggestions below)." if blocking else ", or keep the free text (suggestions below)."),
                index.suggest(title),
            )
            return title, code
        occupation = found.occupation
        if not found.exact:
            self.changed(
                f"{prefix}_title_spelling",
                rule,
                f"{path}.title",
                f"«{title}» er skrevet som i klassifikationen: «{occupation.title}».",
                f"'{title}' is written as in the classification: '{occupation.title}'.",
                title,
            )
        if code is not None and code != occupation.code:
            self.changed(
                f"{prefix}_code_corrected",
                rule,
                f"{path}.occupation_code",
                f"Koden {code} passer ikke til «{occupation.title}»; klassifikationens {occupation.code} er brugt.",
                f"Code {code} does not belong to '{occupation.title}'; the classification's {occupation.code} is used.",
                code,
            )
        return occupation.title, occupation.code

    # ---------------------------------------------------------------- N6: education level

    def education_level(self, level: str | None, path: str) -> str | None:
        levels = tuple(Suggestion(value) for value in self.classification.education_levels)
        if level is None:
            self.missing(path, "N6", suggestions=levels)
            return None
        accepted = self.classification.education_level(level)
        if accepted is None:
            andet = fold(level) == "andet"
            self.flag(
                "n6_level_andet" if andet else "n6_level_not_accepted",
                "N6",
                path,
                BLOCKING,
                f"Jobnet tillader ikke niveauet «{level}»: vælg et af niveauerne nedenfor.",
                f"Jobnet does not accept the level '{level}': choose one of the levels below.",
                levels,
            )
            return level
        if accepted != level:
            self.changed(
                "n6_level_spelling",
                "N6",
                path,
                f"Niveauet er skrevet som hos Jobnet: «{accepted}».",
                f"The level is written as Jobnet writes it: '{accepted}'.",
                level,
            )
        return accepted

    # ---------------------------------------------------------------- N7, N8, N12: dates

    def partial_date(self, value: str | None, path: str, rule: str) -> str | None:
        text = self.text(value, path)
        if text is None or is_partial_date(text):
            return text
        self.changed(
            f"{rule.lower()}_date_unreadable",
            rule,
            path,
            f"«{text}» er ikke en dato (år, år-måned eller år-måned-dag) og er fjernet.",
            f"'{text}' is not a date (year, year-month or year-month-day) and was removed.",
            text,
            severity=REVIEW,
        )
        return None

    # ---------------------------------------------------------------- N9, N10: into the professional profile

    def qualifications(self, items: Iterable[Qualification]) -> list[dict[str, Any]]:
        """N9: classified qualifications stay; the rest is written into the professional profile."""
        known = self.classification.qualifications
        kept: list[dict[str, Any]] = []
        for item in items:
            name = self.text(item.name, "$.qualifications")
            code = self.text(item.code, "$.qualifications")
            classified = known.get(code) if code else None
            if classified is not None:
                if name is not None and name != classified:
                    self.changed(
                        "n9_name_from_classification",
                        "N9",
                        f"$.qualifications[{len(kept)}].name",
                        f"Navnet er skrevet som i klassifikationen: «{classified}».",
                        f"The name is written as in the classification: '{classified}'.",
                        name,
                    )
                kept.append({"name": classified, "code": code})
            elif name is not None:
                self.profile_additions.append(f"Kvalifikation: {name}")
                self.changed(
                    "n9_moved_to_profile",
                    "N9",
                    "$.professional_profile",
                    f"Kvalifikationen «{name}» er ikke i Jobnets klassifikation og er skrevet i den faglige profil.",
                    f"The qualification '{name}' is not in Jobnet's classification; it was written into the "
                    "professional profile.",
                    name,
                )
            elif code is not None:
                self.changed(
                    "n9_unknown_code_removed",
                    "N9",
                    "$.qualifications",
                    f"Koden {code} uden navn findes ikke i klassifikationen og er fjernet.",
                    f"The code {code}, without a name, is not in the classification and was removed.",
                    code,
                )
        return kept

    def driving_licences(self, licences: Iterable[tuple[str | None, str | None]]) -> list[str]:
        """N10: Danish categories only; details and anything else go into the professional profile."""
        allowed = self.classification.driving_licence_categories
        categories: list[str] = []
        for raw_category, raw_details in licences:
            category = self.text(raw_category, "$.driving_licences")
            details = self.text(raw_details, "$.driving_licences")
            canonical, note = licence_category(category, allowed) if category else (None, None)
            if canonical is None:
                if category is None and details is None:
                    continue
                line = " – ".join(part for part in (category, details) if part)
                self.to_profile(f"Kørekort: {line}", line, "n10_moved_to_profile")
                continue
            if category != canonical and note is None:
                self.changed(
                    "n10_category_normalised",
                    "N10",
                    "$.driving_licences",
                    f"«{category}» er skrevet som den danske kategori {canonical}.",
                    f"'{category}' is written as the Danish category {canonical}.",
                    category,
                )
            extra = "; ".join(part for part in (note, details) if part)
            if extra:
                self.to_profile(f"Kørekort {canonical}: {extra}", extra, "n10_details_moved")
            if canonical not in categories:
                categories.append(canonical)
        return categories

    def to_profile(self, line: str, original: str, code: str) -> None:
        self.profile_additions.append(line)
        self.changed(
            code,
            "N10",
            "$.professional_profile",
            f"Skrevet i den faglige profil (ikke en dansk kørekortkategori, eller detaljer): «{line}».",
            f"Written into the professional profile (not a Danish licence category, or details): '{line}'.",
            original,
        )

    # ---------------------------------------------------------------- N14, N16, N17: contact

    def website(self, value: str | None) -> str | None:
        text = self.text(value, "$.website")
        if text is None:
            return None
        checked = check_website(text)
        if checked.url is None:
            self.changed(
                "n14_website_invalid",
                "N14",
                "$.website",
                f"«{text}» er ikke en gyldig webadresse (http/https) og er udeladt.",
                f"'{text}' is not a valid http(s) address and was left out.",
                text,
                severity=REVIEW,
                suggestions=(Suggestion(checked.suggestion),) if checked.suggestion else (),
            )
        return checked.url

    def phone(self, cv: JobnetCv) -> dict[str, str] | None:
        text = self.text(cv.contact.phone.number if cv.contact.phone else None, "$.contact.phone")
        if text is None:
            return None
        checked = check_phone(text)
        if checked.e164 is None:
            self.changed(
                "n16_phone_not_accepted",
                "N16",
                "$.contact.phone",
                f"«{text}» er ikke et dansk, tysk eller svensk nummer og er udeladt; det kan ses i DA3 (other).",
                f"'{text}' is not a Danish, German or Swedish number and was left out; it is visible in DA3 (other).",
                text,
                severity=REVIEW,
            )
            return None
        if checked.e164 != text:
            self.changed(
                "n16_phone_formatted",
                "N16",
                "$.contact.phone.number",
                f"Nummeret er skrevet som {checked.e164} og markeret som mobil.",
                f"The number is written as {checked.e164} and marked as mobile.",
                text,
            )
        if checked.landline:
            self.flag(
                "n16_landline_marked_mobile",
                "N16",
                "$.contact.phone.number",
                REVIEW,
                "Nummeret er et fastnetnummer, men Jobnet markerer det som mobil.",
                "The number is a landline, but Jobnet marks it as mobile.",
            )
        return {"number": checked.e164, "kind": "mobile"}

    def email(self, value: str | None) -> str | None:
        text = self.text(value, "$.contact.email")
        if text is None:
            return None
        valid = check_email(text)
        if valid is None:
            self.changed(
                "n17_email_invalid",
                "N17",
                "$.contact.email",
                f"«{text}» er ikke en gyldig e-mailadresse og er udeladt; den kan ses i DA3 (other).",
                f"'{text}' is not a valid e-mail address and was left out; it is visible in DA3 (other).",
                text,
                severity=REVIEW,
            )
        elif valid != text:
            self.changed(
                "n17_email_normalised",
                "N17",
                "$.contact.email",
                f"Adressen er skrevet som {valid}.",
                f"The address is written as {valid}.",
                text,
            )
        return valid

    # ---------------------------------------------------------------- N15: name and address

    def register_fields(self, cv: JobnetCv) -> tuple[PersonName | None, Address | None]:
        name, address = cv.name, cv.address
        register_name, register_address = self.context.name, self.context.address
        if register_name is not None:
            if name is not None and name != register_name:
                self.changed(
                    "n15_name_from_register",
                    "N15",
                    "$.name",
                    "Navnet er taget fra CPR-registret.",
                    "The name is taken from the CPR register.",
                    f"{name.first_name} {name.last_name}",
                )
            name = register_name
        if register_address is not None:
            if address is not None and address != register_address:
                self.changed(
                    "n15_address_from_register",
                    "N15",
                    "$.address",
                    "Adressen er taget fra CPR-registret.",
                    "The address is taken from the CPR register.",
                    f"{address.street}, {address.postal_code} {address.city}",
                )
            address = register_address
        return name, address

    # ---------------------------------------------------------------- N2: mandatory fields

    def required(self, fields: dict[str, Any], name: str, path: str, rule: str) -> None:
        if fields[name] is None:
            self.missing(f"{path}.{name}", rule)

    def missing(self, path: str, rule: str, *, suggestions: tuple[Suggestion, ...] = ()) -> None:
        self.flag(
            "n2_mandatory_missing",
            "N2",
            path,
            BLOCKING,
            f"Feltet er obligatorisk i Jobnet og skal udfyldes ({rule})." + self.hint[0],
            f"The field is mandatory in Jobnet and must be filled in ({rule})." + self.hint[1],
            suggestions,
        )

    def mandatory(self, cv: dict[str, Any], profile: str | None) -> None:
        """N2 on the whole CV; the professional profile gives the hint where there is one."""
        hint_da, hint_en = self.hint
        for field, rule in (("name", "N15"), ("address", "N15")):
            if cv[field] is None:
                self.missing(f"$.{field}", rule)
        if not cv["jobs_wanted"]:
            self.flag(
                "n2_jobs_wanted_missing",
                "N2",
                "$.jobs_wanted",
                BLOCKING,
                "Mindst ét job, borgeren søger («Jeg søger job som»), skal angives." + hint_da,
                "At least one job wanted ('Jeg søger job som') must be given." + hint_en,
            )
        severity = BLOCKING if cv["searchable"] else REVIEW
        needs = [
            ("contact", cv["contact"]["phone"] is None and cv["contact"]["email"] is None, "en telefon eller e-mail",
             "a phone or e-mail"),
            ("employment_terms", not cv["employment_terms"], "ansættelsesvilkår (fuldtid, deltid …)",
             "terms of employment (full time, part time, …)"),
            ("work_experience", not cv["work_experience"] and not cv["no_work_experience"],
             "erhvervserfaring, eller at der ingen er", "work experience, or that there is none"),
            ("education", not cv["education"] and not cv["no_education"], "uddannelse, eller at der ingen er",
             "education, or that there is none"),
        ]  # fmt: skip
        for field, lacking, what_da, what_en in needs:
            if lacking:
                suggestions = self.employment_term_hints(profile) if field == "employment_terms" else ()
                self.flag(
                    f"n2_searchable_needs_{field}",
                    "N2",
                    f"$.{field}",
                    severity,
                    f"Et søgbart CV kræver {what_da}." + hint_da,
                    f"A searchable CV requires {what_en}." + hint_en,
                    suggestions,
                )

    @staticmethod
    def employment_term_hints(profile: str | None) -> tuple[Suggestion, ...]:
        folded = fold(profile or "")
        return tuple(Suggestion(term) for word, term in _EMPLOYMENT_TERM_HINTS if word in folded)

    # ---------------------------------------------------------------- N13, DA-Q

    def igu(self, profile: str | None) -> None:
        person = self.context.person
        if person is None or fold(IGU_PROFILE_TEXT) in fold(profile or ""):
            return
        assessment = assess_igu(person, self.context.today)
        if not assessment.candidate:
            return
        met_da, met_en = "; ".join(c.da for c in assessment.met), "; ".join(c.en for c in assessment.met)
        unchecked_da = "; ".join(c.da for c in assessment.unchecked) or "intet"
        unchecked_en = "; ".join(c.en for c in assessment.unchecked) or "none"
        self.flag(
            "n13_igu_candidate",
            "N13",
            "$.professional_profile",
            REVIEW,
            f"Borgeren ser ud til at opfylde betingelserne for IGU. Bekræft, og skriv «{IGU_PROFILE_TEXT}» i den "
            f"faglige profil. Kontrolleret: {met_da}. Ikke kontrolleret: {unchecked_da}.",
            f"The citizen appears to meet the IGU conditions. Confirm, and write '{IGU_PROFILE_TEXT}' in the "
            f"professional profile. Checked: {met_en}. Not checked: {unchecked_en}.",
            (Suggestion(IGU_PROFILE_TEXT),),
        )

    def third_person(self, text: str, path: str) -> None:
        words = third_person_words(text)
        if words:
            listed = ", ".join(words)
            self.flag(
                "daq_third_person",
                "DA-Q",
                path,
                REVIEW,
                f"Teksten er skrevet om borgeren i tredje person ({listed}); omskriv den, før den bruges i CV'et.",
                f"The text is written about the citizen in the third person ({listed}); rewrite it before use.",
            )
