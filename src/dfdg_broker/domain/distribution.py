"""P2: which municipal unit gets which documents (DA4) and which parts of DA3.

After fetching DA3/DA4 (or receiving them as PDF, P1) the municipality routes the information and the attachments
to the units concerned: health visitors (sundhedsplejen), the jobcenter, schools and day care (dagtilbud).

**Reading** (DOMAIN.md says which units, not which document goes where; this table is ours). A document goes by its
kind and by the age, on the clock's today, of the linked child it concerns (M3):

| kind                   | child 0-5 (day-care age)  | child 6-16 (school age)  | no child: the citizen   |
|------------------------|---------------------------|--------------------------|-------------------------|
| school_statement       | day care                  | school                   | jobcenter               |
| wellbeing              | day care, health visitor  | school, health visitor   | jobcenter               |
| health                 | health visitor            | health visitor           | jobcenter               |
| social_report          | day care, health visitor, | school, health visitor,  | jobcenter (+ children   |
|                        | children and youth (P2)   | children and youth (P2)  | and youth, for a minor) |
| companion_assessment   | day care, health visitor  | school, health visitor   | jobcenter               |
| other                  | day care                  | school                   | jobcenter               |

- Health visitors follow children from birth through school age (skolesundhedspleje), hence every child's health
  document goes to them, and wellbeing and social documents as well since they watch the child's development.
- A document that concerns no child, or a person-ID that is not among the linked children, or a "child" of 17 or
  more, is the citizen's own business: it goes to the jobcenter, which holds the case.
- **Reading (added, P2):** a minor's social report and support assessment (M2) go to the children and youth
  services (børne- og ungeforvaltningen) as well: every ``social_report`` about a linked child, and, when the
  citizen is a minor (DA3 holds the M2 details), the citizen's own ``social_report`` and the DA3 ``minor`` part
  (which holds the support assessment).
- DA3: the jobcenter gets the citizen's parts (``notes``, ``raw_contact``, ``minor``: the M2 details) and the
  overview of the children's link (``children_link``); each linked child's entry (``child:<person-ID>``: name, birth
  date, school or day-care status) goes to the day care (0-5) or the school (6-16) and to the health visitor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from dfdg_broker.domain.cpr import age_on


class MunicipalUnit(StrEnum):
    """P2: the municipal units that receive parts of the information."""

    HEALTH_VISITOR = "health-visitor"  # sundhedsplejen
    JOBCENTER = "jobcenter"
    SCHOOL = "school"
    DAY_CARE = "day-care"  # dagtilbud: vuggestue, børnehave
    CHILDREN_AND_YOUTH_SERVICES = "children-and-youth-services"  # børne- og ungeforvaltningen (P2, added)

    @property
    def danish_name(self) -> str:
        """The unit as a Danish sentence names it ("modtaget af sundhedsplejen")."""
        return _DANISH_NAMES[self]


UNITS: tuple[MunicipalUnit, ...] = tuple(MunicipalUnit)
"""The units in their order, once (iterating an enum class walks its members anew each time)."""

_DANISH_NAMES = {
    MunicipalUnit.HEALTH_VISITOR: "sundhedsplejen",
    MunicipalUnit.JOBCENTER: "jobcentret",
    MunicipalUnit.SCHOOL: "skolen",
    MunicipalUnit.DAY_CARE: "dagtilbuddet",
    MunicipalUnit.CHILDREN_AND_YOUTH_SERVICES: "børne- og ungeforvaltningen",
}


class AgeBand(StrEnum):
    DAY_CARE_AGE = "0-5"
    SCHOOL_AGE = "6-16"
    CITIZEN = "citizen"  # no child concerned: the citizen's own document


DAY_CARE_MAX_AGE = 5
SCHOOL_MAX_AGE = 16

_H, _J, _S, _D = MunicipalUnit.HEALTH_VISITOR, MunicipalUnit.JOBCENTER, MunicipalUnit.SCHOOL, MunicipalUnit.DAY_CARE
_B = MunicipalUnit.CHILDREN_AND_YOUTH_SERVICES

ROUTING: Mapping[str, Mapping[AgeBand, frozenset[MunicipalUnit]]] = {
    "school_statement": {AgeBand.DAY_CARE_AGE: frozenset({_D}), AgeBand.SCHOOL_AGE: frozenset({_S})},
    "wellbeing": {AgeBand.DAY_CARE_AGE: frozenset({_D, _H}), AgeBand.SCHOOL_AGE: frozenset({_S, _H})},
    "health": {AgeBand.DAY_CARE_AGE: frozenset({_H}), AgeBand.SCHOOL_AGE: frozenset({_H})},
    "social_report": {AgeBand.DAY_CARE_AGE: frozenset({_D, _H, _B}), AgeBand.SCHOOL_AGE: frozenset({_S, _H, _B})},
    "companion_assessment": {AgeBand.DAY_CARE_AGE: frozenset({_D, _H}), AgeBand.SCHOOL_AGE: frozenset({_S, _H})},
    "other": {AgeBand.DAY_CARE_AGE: frozenset({_D}), AgeBand.SCHOOL_AGE: frozenset({_S})},
}
"""P2: the table in the module docstring, kind -> age band -> units. The citizen's own documents: jobcenter."""

CITIZEN_PARTS = ("notes", "raw_contact", "minor", "children_link")
"""P2: the DA3 parts about the citizen, for the jobcenter."""

MINOR_PART = "minor"
"""P2 (added): the DA3 part with a minor's M2 details (the support assessment), also for the children and youth
services when the citizen is a minor."""

MINOR_CITIZEN_KINDS = frozenset({"social_report"})
"""P2 (added): the citizen's own documents that also go to the children and youth services when the citizen is a
minor."""


@dataclass(frozen=True, slots=True)
class Child:
    """M3: a linked child under 15, as DA3 lists it."""

    person_id: str
    birth_date: date


@dataclass(frozen=True, slots=True)
class Document:
    """DA4: what routing needs of an attachment."""

    attachment_id: str
    kind: str
    concerns_person_id: str | None


@dataclass(frozen=True, slots=True)
class Package:
    """P2: what one unit should receive: attachment IDs and DA3 part names."""

    unit: MunicipalUnit
    documents: tuple[str, ...]
    other_parts: tuple[str, ...]


def age_band(age: int | None) -> AgeBand:
    """P2: the band of the child a document concerns; ``None`` (no child) is the citizen's own."""
    if age is None or age > SCHOOL_MAX_AGE:
        return AgeBand.CITIZEN
    return AgeBand.DAY_CARE_AGE if age <= DAY_CARE_MAX_AGE else AgeBand.SCHOOL_AGE


def units_for(kind: str, band: AgeBand, *, citizen_is_minor: bool = False) -> frozenset[MunicipalUnit]:
    """P2: the units a document of this kind about a child in this band goes to (see the table above)."""
    if band is AgeBand.CITIZEN:
        if citizen_is_minor and kind in MINOR_CITIZEN_KINDS:
            return frozenset({MunicipalUnit.JOBCENTER, MunicipalUnit.CHILDREN_AND_YOUTH_SERVICES})
        return frozenset({MunicipalUnit.JOBCENTER})
    return ROUTING.get(kind, ROUTING["other"])[band]


CHILD_PART_PREFIX = "child:"


def child_part(person_id: str) -> str:
    """P2: the DA3 part holding one linked child's entry."""
    return CHILD_PART_PREFIX + person_id


def plan(
    documents: Iterable[Document], children: Iterable[Child], *, today: date, citizen_is_minor: bool = False
) -> dict[MunicipalUnit, Package]:
    """P2: every unit's package, derived from each document's kind and the concerned child's age on ``today``;
    ``citizen_is_minor`` (DA3 holds M2 details) sends a minor's own social report and DA3 ``minor`` part to the
    children and youth services as well."""
    ages = {c.person_id: age_on(c.birth_date, today) for c in children}
    docs: dict[MunicipalUnit, list[str]] = {unit: [] for unit in UNITS}
    parts: dict[MunicipalUnit, list[str]] = {unit: [] for unit in UNITS}
    parts[MunicipalUnit.JOBCENTER].extend(CITIZEN_PARTS)
    if citizen_is_minor:
        parts[MunicipalUnit.CHILDREN_AND_YOUTH_SERVICES].append(MINOR_PART)
    for document in documents:
        age = ages.get(document.concerns_person_id) if document.concerns_person_id else None
        for unit in units_for(document.kind, age_band(age), citizen_is_minor=citizen_is_minor):
            docs[unit].append(document.attachment_id)
    for person_id, age in ages.items():
        band = age_band(age)
        if band is AgeBand.CITIZEN:
            continue  # a linked "child" past school age has no unit besides the jobcenter's overview
        unit = MunicipalUnit.DAY_CARE if band is AgeBand.DAY_CARE_AGE else MunicipalUnit.SCHOOL
        for receiver in (unit, MunicipalUnit.HEALTH_VISITOR):
            parts[receiver].append(child_part(person_id))
    return {unit: Package(unit, tuple(docs[unit]), tuple(parts[unit])) for unit in UNITS}


def undistributed(package: Mapping[str, str], received: Iterable[Mapping[str, str]]) -> list[str]:
    """P2: the items of a package (item key -> content SHA-256) that no receipt for the unit covered with the same
    content. A document that changed after a receipt (new checksum) is undistributed again."""
    covered = {(key, sha) for receipt in received for key, sha in receipt.items()}
    return [key for key, sha in package.items() if (key, sha) not in covered]
