"""One run of the normaliser over one CV: the findings collected so far, and what every section uses — N1 (empty
values and placeholders, entries left empty), N2 (a mandatory field missing), dates (N5-N8, N12) and DA-Q (text
about the citizen)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel

from dfdg_broker.jobnet.classification import Classification
from dfdg_broker.jobnet.cv import Address, JobnetCv, PersonName
from dfdg_broker.jobnet.findings import Finding, FindingCode, Severity, Suggestion
from dfdg_broker.jobnet.igu import PersonFacts
from dfdg_broker.jobnet.text_rules import is_partial_date, is_placeholder, third_person_words

E = TypeVar("E", bound=BaseModel)
HINT_LENGTH = 200

_DATE_UNREADABLE = {
    "N5": FindingCode.N5_DATE_UNREADABLE,
    "N6": FindingCode.N6_DATE_UNREADABLE,
    "N7": FindingCode.N7_DATE_UNREADABLE,
    "N8": FindingCode.N8_DATE_UNREADABLE,
    "N12": FindingCode.N12_DATE_UNREADABLE,
}


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
        return tuple(f for f in self.findings if f.severity is Severity.BLOCKING)


def profile_hint(profile: str | None) -> tuple[str, str]:
    """N2: the professional profile as a hint for a missing field (Danish, English); empty without a profile."""
    if not profile:
        return "", ""
    excerpt = profile if len(profile) <= HINT_LENGTH else profile[: HINT_LENGTH - 1] + "…"
    return f" Den faglige profil siger: «{excerpt}»", f" The professional profile says: '{excerpt}'"


class Run:
    """One run over one CV; collects findings as the sections report them."""

    def __init__(self, context: CvContext) -> None:
        self.context = context
        self.classification = context.classification
        self.findings: list[Finding] = []
        self.profile_additions: list[str] = []
        """Lines the sections write into the professional profile (N9, N10)."""
        self.hint_da, self.hint_en = "", ""

    def report(
        self,
        code: FindingCode,
        path: str,
        /,
        *,
        original: str | None = None,
        suggestions: tuple[Suggestion, ...] = (),
        severity: Severity | None = None,
        **values: Any,
    ) -> None:
        """A finding from the catalogue; ``values`` fill its messages."""
        self.findings.append(
            code.finding(path, original=original, suggestions=suggestions, severity=severity, **values)
        )

    # ---------------------------------------------------------------- N1: placeholders and empty values

    def text(self, value: str | None, path: str) -> str | None:
        """N1: the value without surrounding whitespace; None for empty values and placeholders (reported)."""
        if value is None:
            return None
        stripped = value.strip()
        if not stripped:
            return None
        if is_placeholder(stripped, self.context.placeholders):
            self.report(FindingCode.N1_PLACEHOLDER_REMOVED, path, original=value, value=stripped)
            return None
        return stripped

    def prose(self, value: str | None, path: str) -> str | None:
        """A free-text description (N3): N1, then DA-Q."""
        text = self.text(value, path)
        if text is not None:
            self.third_person(text, path)
        return text

    def entries(
        self, section: str, items: Sequence[E], clean: Callable[[Run, E, str], dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Clean each entry; drop those left with no value, reporting what they held once, on the section."""
        kept: list[dict[str, Any]] = []
        for position, item in enumerate(items, start=1):
            mark = len(self.findings)
            fields = clean(self, item, f"$.{section}[{len(kept)}]")
            if any(value is not None for value in fields.values()):
                kept.append(fields)
                continue
            originals = [f.original.strip() for f in self.findings[mark:] if f.original and f.original.strip()]
            del self.findings[mark:]
            if originals:
                held = " | ".join(originals)
                self.report(FindingCode.N1_ENTRY_REMOVED, f"$.{section}", original=held, position=position, held=held)
        return kept

    # ---------------------------------------------------------------- N2: mandatory fields

    def required(self, fields: dict[str, Any], name: str, path: str, rule: str) -> None:
        if fields[name] is None:
            self.missing(f"{path}.{name}", rule)

    def missing(self, path: str, rule: str, *, suggestions: tuple[Suggestion, ...] = ()) -> None:
        """N2: a mandatory field is empty; ``rule`` is the rule that makes it mandatory (named in the message)."""
        self.report(
            FindingCode.N2_MANDATORY_MISSING,
            path,
            suggestions=suggestions,
            rule=rule,
            hint_da=self.hint_da,
            hint_en=self.hint_en,
        )

    # ---------------------------------------------------------------- N5-N8, N12: dates

    def partial_date(self, value: str | None, path: str, rule: str) -> str | None:
        text = self.text(value, path)
        if text is None or is_partial_date(text):
            return text
        self.report(_DATE_UNREADABLE[rule], path, original=text, value=text)
        return None

    # ---------------------------------------------------------------- DA-Q: text about the citizen

    def third_person(self, text: str, path: str) -> None:
        words = third_person_words(text)
        if words:
            self.report(FindingCode.DAQ_THIRD_PERSON, path, words=", ".join(words))
