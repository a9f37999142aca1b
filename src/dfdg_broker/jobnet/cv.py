"""The Jobnet CV: what the broker sends to Jobnet under the citizen's CV number, and what a caseworker edits.

The shape follows the operator's early competence assessment (DA1) section by section, so a caseworker can see where
each value came from; where Jobnet is stricter the model says so: classified occupation titles (N4, N5), a chosen
education level (N6), driving-licence categories only (N10), one phone marked as mobile (N16), name and address from
the CPR register (N15). Languages and formal education are not here: they belong to the integration contract (N11,
I1). Values stay strings where the operator's data is partial (a year, a year-month); the normaliser checks them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class CvModel(BaseModel):
    """Base: unknown fields are refused, so a misspelt field in a caseworker's edit is an error, not lost data."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PersonName(CvModel):
    """N15: as the CPR register holds it."""

    first_name: str
    last_name: str


class Address(CvModel):
    """N15: as the CPR register holds it."""

    street: str
    postal_code: str
    city: str


class JobWanted(CvModel):
    """N4: 'Jeg søger job som', a title from the occupation classification."""

    title: str | None = None
    occupation_code: str | None = Field(default=None, description="ISCO-08 (DISCO-08) unit group")


class WorkExperience(CvModel):
    """N5: a classified title, or free text flagged for review."""

    title: str | None = None
    occupation_code: str | None = None
    employer: str | None = None
    country: str | None = None
    start: str | None = Field(default=None, description="YYYY, YYYY-MM or YYYY-MM-DD")
    end: str | None = None
    description: str | None = None


class Education(CvModel):
    """N6: the level must be one Jobnet accepts; missing years are allowed (flagged)."""

    title: str | None = None
    level: str | None = None
    institution: str | None = None
    country: str | None = None
    start_year: str | None = None
    end_year: str | None = None
    description: str | None = None


class Course(CvModel):
    """N7: end date and duration; documentation stays in the description."""

    name: str | None = None
    end_date: str | None = None
    duration: str | None = None
    description: str | None = None


class Certificate(CvModel):
    """N8: name, issuer and validity period; documentation stays in the description."""

    name: str | None = None
    issuer: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    description: str | None = None


class Qualification(CvModel):
    """N9: only qualifications in the classification."""

    name: str | None = None
    code: str | None = None


class OtherExperience(CvModel):
    """N12: where, when, which tasks; documentation stays in the description."""

    where: str | None = None
    start: str | None = None
    end: str | None = None
    tasks: str | None = None
    description: str | None = None


class Phone(CvModel):
    """N16: E.164, always marked as mobile."""

    number: str = Field(examples=["+4915123456789"])
    kind: Literal["mobile"] = "mobile"


class Contact(CvModel):
    phone: Phone | None = None
    email: str | None = None


EmploymentTerm = Literal["full_time", "part_time", "flexible", "temporary"]


class JobnetCv(CvModel):
    """A Jobnet CV (the broker's model of it)."""

    name: PersonName | None = Field(default=None, description="N15: set from the CPR register; edits are overwritten")
    address: Address | None = Field(default=None, description="N15: set from the CPR register")
    jobs_wanted: list[JobWanted] = []
    employment_terms: list[EmploymentTerm] = Field(
        default=[], description="ansættelsesvilkår; required for a searchable CV"
    )
    work_experience: list[WorkExperience] = []
    no_work_experience: bool = Field(default=False, description="'none' stated explicitly (for a searchable CV)")
    education: list[Education] = []
    no_education: bool = Field(default=False, description="'none' stated explicitly (for a searchable CV)")
    courses: list[Course] = []
    certificates: list[Certificate] = []
    qualifications: list[Qualification] = []
    driving_licences: list[str] = Field(default=[], description="N10: Danish categories only, e.g. B, CE, TR")
    other_experience: list[OtherExperience] = []
    professional_profile: str | None = Field(default=None, description="faglig profil (N13)")
    website: str | None = Field(default=None, description="N14: a valid http(s) URL")
    contact: Contact = Contact()
    searchable: bool = Field(default=False, description="visible to employers; requires consent (G4, N18)")
    consent: bool = Field(default=False, description="the citizen's consent to a searchable CV (G4)")
