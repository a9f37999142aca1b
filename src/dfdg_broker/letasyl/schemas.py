"""LetAsyl wire format: what the asylum operator's system sends and accepts.

These models are the contract between the broker and the operator (and the mock of it). Operator data is messy by
nature: free text everywhere, dates that may be a year, a year-month or a placeholder such as "Ikke angivet". The
wire models keep such values as strings; cleaning them is the Jobnet normaliser's job (N1), not the transport's.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dfdg_broker.domain.areas import DataArea
from dfdg_broker.domain.minors import MinorKind

UPSTREAM_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"
"""Identifiers the operator gives us travel into URLs, file names and database keys: letters, digits and ``._:-``
only, never quotes, CR/LF, NUL or spaces. An answer breaking this is a contract violation, refused at the client."""
MEDIA_TYPE_PATTERN = r"^[a-z]+/[A-Za-z0-9.+-]+$"


def person_id_field(description: str | None = None) -> Any:
    return Field(pattern=UPSTREAM_ID_PATTERN, max_length=40, description=description)


def document_id_field(description: str | None = None) -> Any:
    return Field(pattern=UPSTREAM_ID_PATTERN, max_length=80, description=description)


class WireModel(BaseModel):
    """Base for wire models: unknown fields from the operator are ignored, never fatal."""

    model_config = ConfigDict(extra="ignore", frozen=True)


# ---------------------------------------------------------------- look-ups (CPR in the body, never in the URL)


class PersonLookupRequest(WireModel):
    """Find a person by CPR number and receiving municipality (C2)."""

    cpr: str = Field(description="CPR number, 10 digits (cpr-nummer)")
    receiving_municipality: str = Field(pattern=r"^[0-9]{3}$", description="modtagekommune")


class Person(WireModel):
    """The person as LetAsyl knows them (EksterneData.AsyldataService)."""

    person_id: str = person_id_field("asylPersonId: the immigration service's person-ID, not the CPR number")
    first_name: str
    last_name: str
    gender: Literal["female", "male", "unknown"]
    birth_date: date
    nationality: str | None = None
    mother_tongue: str | None = None
    date_of_entry: date | None = Field(default=None, description="date of entry to Denmark (indrejsedato)")
    asylum_decision_date: date = Field(description="date asylum was granted (meddelelse af asyl)")
    receiving_municipality: str = Field(pattern=r"^[0-9]{3}$")
    minor_kind: MinorKind | None = Field(
        default=None,
        description="for a minor: unaccompanied, accompanied by adults other than parents, or accompanied by parents "
        "(M1: a child under 15 who came with its parents gets no case)",
    )


# ---------------------------------------------------------------- DA1: early competence assessment (CV)


class JobWanted(WireModel):
    """N4: 'Jeg søger job som'. A classified title carries its occupation code."""

    title: str | None = None
    occupation_code: str | None = Field(default=None, description="DISCO-08/ISCO-08 code when classified")


class WorkExperience(WireModel):
    """N5: a classified occupation title, or free text that matches none."""

    title: str | None = None
    occupation_code: str | None = None
    employer: str | None = None
    country: str | None = None
    start: str | None = Field(default=None, description="ISO date, year-month or year; may be a placeholder")
    end: str | None = None
    description: str | None = None


class Education(WireModel):
    """N6: the level may be 'Andet'; start or end year may be missing."""

    title: str | None = None
    level: str | None = Field(default=None, description="operator's education level, possibly 'Andet'")
    institution: str | None = None
    country: str | None = None
    start_year: str | None = None
    end_year: str | None = None
    description: str | None = None


class Course(WireModel):
    """N7: end date and duration; documentation in the description."""

    name: str | None = None
    end_date: str | None = None
    duration: str | None = None
    description: str | None = None


class Certificate(WireModel):
    """N8: name, issuer and validity period."""

    name: str | None = None
    issuer: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    description: str | None = None


class Qualification(WireModel):
    """N9: a qualification, classified (with code) or not."""

    name: str | None = None
    code: str | None = None


class DrivingLicence(WireModel):
    """N10: a category, and details (issuing country, international licence) in the description."""

    category: str | None = None
    description: str | None = None


class OtherExperience(WireModel):
    """N12: where, when, which tasks."""

    where: str | None = None
    start: str | None = None
    end: str | None = None
    tasks: str | None = None
    description: str | None = None


class RawContact(WireModel):
    """Phone and e-mail exactly as the operator recorded them (N16, N17)."""

    phone: str | None = None
    email: str | None = None


class CvArea(WireModel):
    """DA1 `cv`: the early competence assessment (tidlig kompetenceafdækning)."""

    jobs_wanted: list[JobWanted] = []
    work_experience: list[WorkExperience] = []
    education: list[Education] = []
    courses: list[Course] = []
    certificates: list[Certificate] = []
    qualifications: list[Qualification] = []
    driving_licences: list[DrivingLicence] = []
    other_experience: list[OtherExperience] = []
    professional_profile: str | None = Field(default=None, description="faglig profil (N13)")
    website: str | None = None
    contact: RawContact = RawContact()


# ---------------------------------------------------------------- DA2: integration contract data


class Language(WireModel):
    """N11/I2: a language with a level for each skill and the 'experience with the language' text."""

    language: str
    reading: str | None = None
    speaking: str | None = None
    writing: str | None = None
    understanding: str | None = None
    experience: str | None = Field(default=None, description="e.g. mother tongue, dialect, illiterate in it")


class FormalEducationAssessment(WireModel):
    """I1: was the citizen told about assessment of formal education brought along, and was a case started."""

    informed: bool | None = None
    case_started: bool | None = None


class IntegrationContractArea(WireModel):
    """DA2 `integration-contract`."""

    languages: list[Language] = []
    formal_education_assessment: FormalEducationAssessment = FormalEducationAssessment()
    notes: str | None = None


# ---------------------------------------------------------------- DA3: other information


class PersonalRepresentative(WireModel):
    """M2: the appointed personal representative of a minor over 15."""

    name: str
    organisation: str | None = None
    phone: str | None = None
    email: str | None = None


class MinorDetails(WireModel):
    """M2: what DA3 holds for a minor of 15-17."""

    accompaniment: Literal["unaccompanied", "accompanied"]
    personal_representative: PersonalRepresentative | None = None
    companion_relation: str | None = Field(default=None, description="accompanied minors: relation to companion")
    special_support_assessment: str | None = None


class LinkedChild(WireModel):
    """M3: a child under 15 linked to this parent in LetAsyl."""

    person_id: str = person_id_field()
    first_name: str
    last_name: str
    birth_date: date
    school_or_daycare_status: str | None = None


class SupplementaryCompetence(WireModel):
    """DA3: a supplementary competence or qualification outside the CV. Seed 000: such data *must* go into the
    integration contract ('Min plan'), so the broker also lists it in the integration-contract area."""

    kind: Literal["competence", "qualification"]
    title: str
    description: str | None = None


class OtherArea(WireModel):
    """DA3 `other`: everything else relevant to integration; shown to caseworkers only."""

    notes: str | None = None
    raw_contact: RawContact = Field(
        default=RawContact(), description="phone and e-mail as recorded, whether or not they pass into the CV"
    )
    minor: MinorDetails | None = None
    children_link_status: Literal["not_applicable", "pending", "linked"] = "not_applicable"
    linked_children: list[LinkedChild] = []
    supplementary_competences: list[SupplementaryCompetence] = Field(
        default=[], description="competence and qualification data outside the CV (for the integration contract)"
    )


# ---------------------------------------------------------------- DA4: attachments


class AttachmentKind(StrEnum):
    SCHOOL_STATEMENT = "school_statement"
    WELLBEING = "wellbeing"
    SOCIAL_REPORT = "social_report"
    COMPANION_ASSESSMENT = "companion_assessment"
    HEALTH = "health"
    OTHER = "other"


class Attachment(WireModel):
    """DA4: one document's metadata; the bytes are downloaded separately."""

    attachment_id: str = document_id_field()
    title: str
    kind: AttachmentKind
    concerns_person_id: str | None = Field(
        default=None, pattern=UPSTREAM_ID_PATTERN, max_length=40, description="the linked child it concerns, if any"
    )
    media_type: str = Field(default="application/pdf", pattern=MEDIA_TYPE_PATTERN, max_length=100)
    size_bytes: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    created_on: date | None = None


class AttachmentsArea(WireModel):
    """DA4 `attachments`."""

    attachments: list[Attachment] = []


AREA_MODELS: dict[DataArea, type[WireModel]] = {
    DataArea.CV: CvArea,
    DataArea.INTEGRATION_CONTRACT: IntegrationContractArea,
    DataArea.OTHER: OtherArea,
    DataArea.ATTACHMENTS: AttachmentsArea,
}


# ---------------------------------------------------------------- P1: the PDF route


class PdfRequestCreate(WireModel):
    """P1: a municipality asks the operator for DA3/DA4 as PDF, naming the refugee by person-ID."""

    person_id: str = Field(description="asylPersonId, from the immigration service's letter")
    areas: list[Literal["other", "attachments"]] = Field(min_length=1)
    requesting_municipality: str = Field(pattern=r"^[0-9]{3}$")
    client_reference: str | None = Field(
        default=None,
        pattern=UPSTREAM_ID_PATTERN,
        max_length=80,
        description="the requester's idempotency key: a request with a key already used answers the request made "
        "then (200) instead of making another, so a request whose answer was lost can be sent again safely",
    )


class PdfDocument(WireModel):
    """P1: the delivered PDF of the requested areas."""

    media_type: str = Field(default="application/pdf", pattern=MEDIA_TYPE_PATTERN, max_length=100)
    size_bytes: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class PdfRequestState(WireModel):
    """P1: a PDF request as the operator holds it. Once delivered, the PDF's and the attachments' checksums."""

    request_id: str = document_id_field()
    person_id: str = person_id_field()
    areas: list[Literal["other", "attachments"]]
    status: Literal["requested", "delivered"]
    delivered_on: date | None = None
    document: PdfDocument | None = None
    attachments: list[Attachment] = []
