"""N13: is the citizen a candidate for IGU (integrationsgrunduddannelse)? Facts from DOMAIN.md "IGU" (L 82, 2024):
age 18 to 50, refugee or family-reunified, resident in Denmark for up to 20 years, scheme open until 31 December
2027. The broker only suggests; the caseworker confirms, so the answer names what it could and could not check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dfdg_broker.domain.cpr import age_on

IGU_MIN_AGE = 18
IGU_MAX_AGE = 50
IGU_MAX_YEARS_RESIDENT = 20
IGU_SCHEME_ENDS = date(2027, 12, 31)
IGU_PROFILE_TEXT = "Kandidat til IGU"
IGU_SHORT_TEXT = "IGU"
"""N13 (revised): 'kandidat til IGU' — or simply 'IGU' — can be written in the profile for employers to search."""


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """What the broker knows of the citizen for N13: birth date (from the CPR number), the asylum decision (the
    case), the date of entry (LetAsyl; may be unknown)."""

    birth_date: date
    asylum_decision_date: date | None
    date_of_entry: date | None


@dataclass(frozen=True, slots=True)
class IguCondition:
    """One condition as the caseworker reads it (Danish) and as the English message gives it."""

    da: str
    en: str


@dataclass(frozen=True, slots=True)
class IguAssessment:
    met: tuple[IguCondition, ...]
    failed: tuple[IguCondition, ...]
    unchecked: tuple[IguCondition, ...]

    @property
    def candidate(self) -> bool:
        """No condition is known to fail (some may be unchecked)."""
        return not self.failed


def assess_igu(person: PersonFacts, today: date) -> IguAssessment:
    """Reading: the age is taken on the day of the assessment; a granted asylum decision shows refugee status;
    residence counts from the date of entry, and "up to 20 years" means fewer than 20 completed years."""
    met: list[IguCondition] = []
    failed: list[IguCondition] = []
    unchecked: list[IguCondition] = []

    def check(da: str, en: str, ok: bool | None) -> None:
        (unchecked if ok is None else met if ok else failed).append(IguCondition(da, en))

    age = age_on(person.birth_date, today)
    ages = f"{IGU_MIN_AGE}-{IGU_MAX_AGE}"
    check(f"alder {ages} år (er {age})", f"age {ages} (is {age})", IGU_MIN_AGE <= age <= IGU_MAX_AGE)
    refugee = True if person.asylum_decision_date is not None else None
    check("flygtning eller familiesammenført", "refugee or family-reunified", refugee)
    years_da, years_en = (
        f"bosat i Danmark højst {IGU_MAX_YEARS_RESIDENT} år",
        f"resident in Denmark at most {IGU_MAX_YEARS_RESIDENT} years",
    )
    if person.date_of_entry is None:
        check(years_da, years_en, None)
    else:
        years = age_on(person.date_of_entry, today)  # completed years since entry, leap days handled
        check(f"{years_da} (er {years})", f"{years_en} (is {years})", years < IGU_MAX_YEARS_RESIDENT)
    until = IGU_SCHEME_ENDS.isoformat()
    check(f"ordningen gælder (til {until})", f"scheme open (until {until})", today <= IGU_SCHEME_ENDS)
    return IguAssessment(tuple(met), tuple(failed), tuple(unchecked))
