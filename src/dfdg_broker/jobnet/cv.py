"""The Jobnet CV: what the broker sends to Jobnet under the citizen's CV number, and what a caseworker edits.

The shape follows the operator's early competence assessment (DA1) section by section, so a caseworker can see where
each value came from; where Jobnet is stricter the model says so: classified occupation titles (N4, N5), a chosen
education level (N6), driving-licence categories only (N10), one phone marked as mobile (N16), name and address from
the CPR register (N15). Languages and formal education are not here: they belong to the integration contract (N11,
I1). Values stay strings where the operator's data is partial (a year, a year-month); the normaliser checks them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_ENTRIES = 100
"""Entries per CV section: far more than any CV holds, few enough to check at once (issue 10: 20,000 job titles
blocked the event loop)."""
Text = Annotated[str, Field(max_length=200)]
"""A title, a name, a code, a date as text."""
LongText = Annotated[str, Field(max_length=10_000)]
"""A description, the tasks, the professional profile."""


class CvModel(BaseModel):
    """Base: unknown fields are refused, so a misspelt field in a caseworker's edit is an error, not lost data."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PersonName(CvModel):
    """N15: as the CPR register holds it."""

    first_name: Text
    last_name: Text


class Address(CvModel):
    """N15: as the CPR register holds it."""

    street: Text
    postal_code: Text
    city: Text


class JobWanted(CvModel):
    """N4: 'Jeg søger job som', a title from the occupation classification."""

    title: Text | None = None
    occupation_code: Text | None = Field(default=None, description="ISCO-08 (DISCO-08) unit group")


class WorkExperience(CvModel):
    """N5: a classified title, or free text flagged for review."""

    title: Text | None = None
    occupation_code: Text | None = None
    employer: Text | None = None
    country: Text | None = None
    start: Text | None = Field(default=None, description="YYYY, YYYY-MM or YYYY-MM-DD")
    end: Text | None = None
    description: LongText | None = None


class Education(CvModel):
    """N6: the level must be one Jobnet accepts; missing years are allowed (flagged)."""

    title: Text | None = None
    level: Text | None = None
    institution: Text | None = None
    country: Text | None = None
    start_year: Text | None = None
    end_year: Text | None = None
    description: LongText | None = None


class Course(CvModel):
    """N7: end date and duration; documentation stays in the description."""

    name: Text | None = None
    end_date: Text | None = None
    duration: Text | None = None
    description: LongText | None = None


class Certificate(CvModel):
    """N8: name, issuer and validity period; documentation stays in the description."""

    name: Text | None = None
    issuer: Text | None = None
    valid_from: Text | None = None
    valid_to: Text | None = None
    description: LongText | None = None


class Qualification(CvModel):
    """N9: only qualifications in the classification."""

    name: Text | None = None
    code: Text | None = None


class OtherExperience(CvModel):
    """N12: where, when, which tasks; documentation stays in the description."""

    where: Text | None = None
    start: Text | None = None
    end: Text | None = None
    tasks: LongText | None = None
    description: LongText | None = None


class Phone(CvModel):
    """N16: E.164, always marked as mobile."""

    number: Text = Field(examples=["+4915123456789"])
    kind: Literal["mobile"] = "mobile"


class Contact(CvModel):
    phone: Phone | None = None
    email: Text | None = None


EmploymentTerm = Literal["full_time", "part_time", "flexible", "temporary"]


class JobnetCv(CvModel):
    """A Jobnet CV (the broker's model of it)."""

    name: PersonName | None = Field(default=None, description="N15: set from the CPR register; edits are overwritten")
    address: Address | None = Field(default=None, description="N15: set from the CPR register")
    jobs_wanted: list[JobWanted] = Field(default=[], max_length=MAX_ENTRIES)
    employment_terms: list[EmploymentTerm] = Field(
        default=[], max_length=4, description="ansættelsesvilkår; required for a searchable CV"
    )
    work_experience: list[WorkExperience] = Field(default=[], max_length=MAX_ENTRIES)
    no_work_experience: bool = Field(default=False, description="'none' stated explicitly (for a searchable CV)")
    education: list[Education] = Field(default=[], max_length=MAX_ENTRIES)
    no_education: bool = Field(default=False, description="'none' stated explicitly (for a searchable CV)")
    courses: list[Course] = Field(default=[], max_length=MAX_ENTRIES)
    certificates: list[Certificate] = Field(default=[], max_length=MAX_ENTRIES)
    qualifications: list[Qualification] = Field(default=[], max_length=MAX_ENTRIES)
    driving_licences: list[Annotated[str, Field(max_length=10)]] = Field(
        default=[], max_length=30, description="N10: Danish categories only, e.g. B, CE, TR"
    )
    other_experience: list[OtherExperience] = Field(default=[], max_length=MAX_ENTRIES)
    professional_profile: LongText | None = Field(default=None, description="faglig profil (N13)")
    website: Text | None = Field(default=None, description="N14: a valid http(s) URL")
    contact: Contact = Contact()
    searchable: bool = Field(default=False, description="visible to employers; requires consent (G4, N18)")
    consent: bool = Field(default=False, description="the citizen's consent to a searchable CV (G4)")
