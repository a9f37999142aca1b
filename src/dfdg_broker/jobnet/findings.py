"""Findings: what the normaliser tells the caseworker, field by field, with the rule behind each one.

A finding's ``code`` is stable (vendors switch on it) and starts with the rule ID in lower case (``n16_…``,
``daq_…``); its ``path`` is a JSON path into the Jobnet CV (``$.jobs_wanted[0].title``).

``FindingCode`` is the one catalogue of finding codes (after OS2mo's ``ErrorCodes``): every code the normaliser can
report is written out here once, as a literal, with its rule, its severity, whether it reports a change the
normaliser made, and its Danish and English messages. A new finding is a new line here; the normaliser only says
which code, where, and the values its message names (``FindingCode.N4_TITLE_NOT_CLASSIFIED.finding(path,
title=…)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from string import Formatter
from typing import Any


class Severity(StrEnum):
    """How much a finding asks of the caseworker."""

    INFO = "info"  # the broker changed or dropped something; nothing to do unless they disagree
    REVIEW = "review"  # a human should look before the CV is used (DA-Q)
    BLOCKING = "blocking"  # Jobnet would refuse the CV as it stands


BLOCKING, REVIEW, INFO = Severity.BLOCKING, Severity.REVIEW, Severity.INFO
CHANGED, FLAGGED = True, False
"""Whether a code reports a change the normaliser made (the value changed or dropped is kept in ``original``), or
only flags the value as it stands."""


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A value the caseworker may choose; ``code`` where the value is classified, ``score`` 0-100 when ranked."""

    value: str
    code: str | None = None
    score: float | None = None


class FindingCode(StrEnum):
    """Every finding code, with its rule, severity, kind (changed or flagged) and messages.

    A message names the values it shows in braces (``str.format`` fields); both languages get the same values, so a
    value shown differently in Danish and English has one field per language (``{checked_da}``, ``{checked_en}``).
    ``{hint}``/``{hint_da}``/``{hint_en}`` is the professional profile as a hint for a missing field (N2), or empty.
    """

    rule: str
    severities: tuple[Severity, ...]
    """The first is the finding's severity; another listed one may be asked for where the catalogue says when."""
    changed: bool
    message_da: str
    message_en: str

    def __new__(
        cls,
        code: str,
        rule: str,
        severity: Severity | tuple[Severity, ...],
        changed: bool,
        message_da: str,
        message_en: str,
    ) -> FindingCode:
        member = str.__new__(cls, code)
        member._value_ = code
        member.rule = rule
        member.severities = severity if isinstance(severity, tuple) else (severity,)
        member.changed = changed
        member.message_da = message_da
        member.message_en = message_en
        return member

    @property
    def severity(self) -> Severity:
        return self.severities[0]

    @property
    def fields(self) -> frozenset[str]:
        """The values the messages name."""
        return frozenset(
            name
            for template in (self.message_da, self.message_en)
            for _, name, _, _ in Formatter().parse(template)
            if name is not None
        )

    def finding(
        self,
        path: str,
        /,
        *,
        original: str | None = None,
        suggestions: tuple[Suggestion, ...] = (),
        severity: Severity | None = None,
        **values: Any,
    ) -> Finding:
        """This code at ``path``; ``values`` fill the messages' fields."""
        if severity is None:
            severity = self.severities[0]
        elif severity not in self.severities:
            raise ValueError(f"{self.value} is never {severity.value}")
        return Finding(
            self,
            self.rule,
            path,
            severity,
            self.message_da.format_map(values),
            self.message_en.format_map(values),
            original,
            suggestions,
            self.changed,
        )

    # fmt: off
    # ---------------------------------------------------------------- N1: placeholders

    N1_PLACEHOLDER_REMOVED = (
        "n1_placeholder_removed", "N1", INFO, CHANGED,
        "Pladsholderen «{value}» er fjernet: feltet er tomt.",
        "The placeholder '{value}' was removed: the field is empty.",
    )
    N1_ENTRY_REMOVED = (
        "n1_entry_removed", "N1", INFO, CHANGED,
        "Post nr. {position} indeholdt kun pladsholdere ({held}) og er fjernet.",
        "Entry {position} held only placeholders ({held}) and was removed.",
    )

    # ---------------------------------------------------------------- N2: mandatory fields
    # n2_searchable_needs_*: blocking when the CV is searchable (N18), else review.

    N2_MANDATORY_MISSING = (
        "n2_mandatory_missing", "N2", BLOCKING, FLAGGED,
        "Feltet er obligatorisk i Jobnet og skal udfyldes ({rule}).{hint_da}",
        "The field is mandatory in Jobnet and must be filled in ({rule}).{hint_en}",
    )
    N2_JOBS_WANTED_MISSING = (
        "n2_jobs_wanted_missing", "N2", BLOCKING, FLAGGED,
        "Mindst ét job, borgeren søger («Jeg søger job som»), skal angives.{hint_da}",
        "At least one job wanted ('Jeg søger job som') must be given.{hint_en}",
    )
    N2_SEARCHABLE_NEEDS_CONTACT = (
        "n2_searchable_needs_contact", "N2", (BLOCKING, REVIEW), FLAGGED,
        "Et søgbart CV kræver en telefon eller e-mail.{hint_da}",
        "A searchable CV requires a phone or e-mail.{hint_en}",
    )
    N2_SEARCHABLE_NEEDS_EMPLOYMENT_TERMS = (
        "n2_searchable_needs_employment_terms", "N2", (BLOCKING, REVIEW), FLAGGED,
        "Et søgbart CV kræver ansættelsesvilkår (fuldtid, deltid …).{hint_da}",
        "A searchable CV requires terms of employment (full time, part time, …).{hint_en}",
    )
    N2_SEARCHABLE_NEEDS_WORK_EXPERIENCE = (
        "n2_searchable_needs_work_experience", "N2", (BLOCKING, REVIEW), FLAGGED,
        "Et søgbart CV kræver erhvervserfaring, eller at der ingen er.{hint_da}",
        "A searchable CV requires work experience, or that there is none.{hint_en}",
    )
    N2_SEARCHABLE_NEEDS_EDUCATION = (
        "n2_searchable_needs_education", "N2", (BLOCKING, REVIEW), FLAGGED,
        "Et søgbart CV kræver uddannelse, eller at der ingen er.{hint_da}",
        "A searchable CV requires education, or that there is none.{hint_en}",
    )

    # ---------------------------------------------------------------- N4: jobs wanted (classified titles only)

    N4_TITLE_FROM_CODE = (
        "n4_title_from_code", "N4", INFO, CHANGED,
        "Titlen mangler; «{title}» er sat ud fra koden {code}.",
        "The title was missing; '{title}' was set from code {code}.",
    )
    N4_TITLE_NOT_CLASSIFIED = (
        "n4_title_not_classified", "N4", BLOCKING, FLAGGED,
        "«{title}» er ikke en stillingsbetegnelse fra Jobnets klassifikation. Vælg en titel (forslag nedenfor).",
        "'{title}' is not an occupation title from Jobnet's classification. Choose a title (suggestions below).",
    )
    N4_TITLE_SPELLING = (
        "n4_title_spelling", "N4", INFO, CHANGED,
        "«{title}» er skrevet som i klassifikationen: «{classified}».",
        "'{title}' is written as in the classification: '{classified}'.",
    )
    N4_CODE_CORRECTED = (
        "n4_code_corrected", "N4", INFO, CHANGED,
        "Koden {code} passer ikke til «{title}»; klassifikationens {classified_code} er brugt.",
        "Code {code} does not belong to '{title}'; the classification's {classified_code} is used.",
    )

    # ---------------------------------------------------------------- N5: work experience (free text allowed)

    N5_TITLE_FROM_CODE = (
        "n5_title_from_code", "N5", INFO, CHANGED,
        "Titlen mangler; «{title}» er sat ud fra koden {code}.",
        "The title was missing; '{title}' was set from code {code}.",
    )
    N5_TITLE_NOT_CLASSIFIED = (
        "n5_title_not_classified", "N5", REVIEW, FLAGGED,
        "«{title}» er ikke en stillingsbetegnelse fra Jobnets klassifikation. Vælg en titel, eller behold fritekst "
        "(forslag nedenfor).",
        "'{title}' is not an occupation title from Jobnet's classification. Choose a title, or keep the free text "
        "(suggestions below).",
    )
    N5_TITLE_SPELLING = (
        "n5_title_spelling", "N5", INFO, CHANGED,
        "«{title}» er skrevet som i klassifikationen: «{classified}».",
        "'{title}' is written as in the classification: '{classified}'.",
    )
    N5_CODE_CORRECTED = (
        "n5_code_corrected", "N5", INFO, CHANGED,
        "Koden {code} passer ikke til «{title}»; klassifikationens {classified_code} er brugt.",
        "Code {code} does not belong to '{title}'; the classification's {classified_code} is used.",
    )
    N5_DATE_UNREADABLE = (
        "n5_date_unreadable", "N5", REVIEW, CHANGED,
        "«{value}» er ikke en dato (år, år-måned eller år-måned-dag) og er fjernet.",
        "'{value}' is not a date (year, year-month or year-month-day) and was removed.",
    )

    # ---------------------------------------------------------------- N6: education

    N6_YEAR_MISSING = (
        "n6_year_missing", "N6", REVIEW, FLAGGED,
        "Start- eller slutår mangler; varigheden kan stå i beskrivelsen. Udfyld årstal, hvis de kendes.",
        "{missing} missing; the duration may be in the description. Fill in if known.",
    )
    N6_LEVEL_ANDET = (
        "n6_level_andet", "N6", BLOCKING, FLAGGED,
        "Jobnet tillader ikke niveauet «{level}»: vælg et af niveauerne nedenfor.",
        "Jobnet does not accept the level '{level}': choose one of the levels below.",
    )
    N6_LEVEL_NOT_ACCEPTED = (
        "n6_level_not_accepted", "N6", BLOCKING, FLAGGED,
        "Jobnet tillader ikke niveauet «{level}»: vælg et af niveauerne nedenfor.",
        "Jobnet does not accept the level '{level}': choose one of the levels below.",
    )
    N6_LEVEL_SPELLING = (
        "n6_level_spelling", "N6", INFO, CHANGED,
        "Niveauet er skrevet som hos Jobnet: «{level}».",
        "The level is written as Jobnet writes it: '{level}'.",
    )
    N6_DATE_UNREADABLE = (
        "n6_date_unreadable", "N6", REVIEW, CHANGED,
        "«{value}» er ikke en dato (år, år-måned eller år-måned-dag) og er fjernet.",
        "'{value}' is not a date (year, year-month or year-month-day) and was removed.",
    )

    # ---------------------------------------------------------------- N7: courses

    N7_DATE_UNREADABLE = (
        "n7_date_unreadable", "N7", REVIEW, CHANGED,
        "«{value}» er ikke en dato (år, år-måned eller år-måned-dag) og er fjernet.",
        "'{value}' is not a date (year, year-month or year-month-day) and was removed.",
    )

    # ---------------------------------------------------------------- N8: certificates

    N8_VALIDITY_REVERSED = (
        "n8_validity_reversed", "N8", REVIEW, FLAGGED,
        "Gyldighedsperioden slutter før den begynder.",
        "The validity period ends before it starts.",
    )
    N8_CERTIFICATE_EXPIRED = (
        "n8_certificate_expired", "N8", INFO, FLAGGED,
        "Certifikatet er udløbet ({valid_to}); det står stadig på CV'et.",
        "The certificate expired ({valid_to}); it stays on the CV.",
    )
    N8_DATE_UNREADABLE = (
        "n8_date_unreadable", "N8", REVIEW, CHANGED,
        "«{value}» er ikke en dato (år, år-måned eller år-måned-dag) og er fjernet.",
        "'{value}' is not a date (year, year-month or year-month-day) and was removed.",
    )

    # ---------------------------------------------------------------- N9: qualifications

    N9_NAME_FROM_CLASSIFICATION = (
        "n9_name_from_classification", "N9", INFO, CHANGED,
        "Navnet er skrevet som i klassifikationen: «{classified}».",
        "The name is written as in the classification: '{classified}'.",
    )
    N9_MOVED_TO_PROFILE = (
        "n9_moved_to_profile", "N9", INFO, CHANGED,
        "Kvalifikationen «{name}» er ikke i Jobnets klassifikation og er skrevet i den faglige profil.",
        "The qualification '{name}' is not in Jobnet's classification; it was written into the professional profile.",
    )
    N9_UNKNOWN_CODE_REMOVED = (
        "n9_unknown_code_removed", "N9", INFO, CHANGED,
        "Koden {code} uden navn findes ikke i klassifikationen og er fjernet.",
        "The code {code}, without a name, is not in the classification and was removed.",
    )

    # ---------------------------------------------------------------- N10: driving licences

    N10_CATEGORY_NORMALISED = (
        "n10_category_normalised", "N10", INFO, CHANGED,
        "«{category}» er skrevet som den danske kategori {canonical}.",
        "'{category}' is written as the Danish category {canonical}.",
    )
    N10_MOVED_TO_PROFILE = (
        "n10_moved_to_profile", "N10", INFO, CHANGED,
        "Skrevet i den faglige profil (ikke en dansk kørekortkategori, eller detaljer): «{line}».",
        "Written into the professional profile (not a Danish licence category, or details): '{line}'.",
    )
    N10_DETAILS_MOVED = (
        "n10_details_moved", "N10", INFO, CHANGED,
        "Skrevet i den faglige profil (ikke en dansk kørekortkategori, eller detaljer): «{line}».",
        "Written into the professional profile (not a Danish licence category, or details): '{line}'.",
    )

    # ---------------------------------------------------------------- N12: other experience

    N12_DATE_UNREADABLE = (
        "n12_date_unreadable", "N12", REVIEW, CHANGED,
        "«{value}» er ikke en dato (år, år-måned eller år-måned-dag) og er fjernet.",
        "'{value}' is not a date (year, year-month or year-month-day) and was removed.",
    )

    # ---------------------------------------------------------------- N13: IGU

    N13_IGU_CANDIDATE = (
        "n13_igu_candidate", "N13", REVIEW, FLAGGED,
        "Borgeren ser ud til at opfylde betingelserne for IGU. Bekræft, og skriv «{igu_text}» i den faglige profil. "
        "Kontrolleret: {checked_da}. Ikke kontrolleret: {unchecked_da}.",
        "The citizen appears to meet the IGU conditions. Confirm, and write '{igu_text}' in the professional "
        "profile. Checked: {checked_en}. Not checked: {unchecked_en}.",
    )

    # ---------------------------------------------------------------- N14, N16, N17: website, phone, e-mail

    N14_WEBSITE_INVALID = (
        "n14_website_invalid", "N14", REVIEW, CHANGED,
        "«{value}» er ikke en gyldig webadresse (http/https) og er udeladt.",
        "'{value}' is not a valid http(s) address and was left out.",
    )
    N16_PHONE_NOT_ACCEPTED = (
        "n16_phone_not_accepted", "N16", REVIEW, CHANGED,
        "«{value}» er ikke et dansk, tysk eller svensk nummer og er udeladt; det kan ses i DA3 (other).",
        "'{value}' is not a Danish, German or Swedish number and was left out; it is visible in DA3 (other).",
    )
    N16_PHONE_FORMATTED = (
        "n16_phone_formatted", "N16", INFO, CHANGED,
        "Nummeret er skrevet som {number} og markeret som mobil.",
        "The number is written as {number} and marked as mobile.",
    )
    N16_LANDLINE_MARKED_MOBILE = (  # N16 (revised): "it must be corrected before the CV is saved on Jobnet"
        "n16_landline_marked_mobile", "N16", BLOCKING, FLAGGED,
        "Nummeret er et tysk eller svensk fastnetnummer, men Jobnet markerer det som mobil: ret det til et "
        "mobilnummer (eller fjern det), før CV'et gemmes på Jobnet.",
        "The number is a German or Swedish fixed line, but Jobnet marks it as mobile: correct it to a mobile "
        "number (or remove it) before the CV is saved on Jobnet.",
    )
    N17_EMAIL_INVALID = (
        "n17_email_invalid", "N17", REVIEW, CHANGED,
        "«{value}» er ikke en gyldig e-mailadresse og er udeladt; den kan ses i DA3 (other).",
        "'{value}' is not a valid e-mail address and was left out; it is visible in DA3 (other).",
    )
    N17_EMAIL_NORMALISED = (
        "n17_email_normalised", "N17", INFO, CHANGED,
        "Adressen er skrevet som {address}.",
        "The address is written as {address}.",
    )

    # ---------------------------------------------------------------- N15: name and address from the CPR register

    N15_NAME_FROM_REGISTER = (
        "n15_name_from_register", "N15", INFO, CHANGED,
        "Navnet er taget fra CPR-registret.",
        "The name is taken from the CPR register.",
    )
    N15_ADDRESS_FROM_REGISTER = (
        "n15_address_from_register", "N15", INFO, CHANGED,
        "Adressen er taget fra CPR-registret.",
        "The address is taken from the CPR register.",
    )

    # ---------------------------------------------------------------- DA-Q: text quality

    DAQ_THIRD_PERSON = (
        "daq_third_person", "DA-Q", REVIEW, FLAGGED,
        "Teksten er skrevet om borgeren i tredje person ({words}); omskriv den, før den bruges i CV'et.",
        "The text is written about the citizen in the third person ({words}); rewrite it before use.",
    )
    # fmt: on


@dataclass(frozen=True, slots=True)
class Finding:
    code: FindingCode
    rule: str
    path: str
    severity: Severity
    message_da: str
    message_en: str
    original: str | None = None
    """The operator's (or caseworker's) value where the normaliser changed or dropped it."""
    suggestions: tuple[Suggestion, ...] = ()
    changed: bool = False
    """True when the normaliser changed or dropped a value: normalising its own output yields no such finding."""
