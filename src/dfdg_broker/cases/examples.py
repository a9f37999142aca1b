"""Realistic examples for /docs, written out here (static: building them must not run the mock). Synthetic only:
the data areas are what the mock serves for its demo persona "complete-adult" (a test keeps them valid against the
wire models)."""

from __future__ import annotations

from typing import Any

from dfdg_broker.domain.areas import DataArea
from dfdg_broker.domain.case_dates import FREEZING_AREAS

EXAMPLE_CASE_ID = "cg_3q2x9JkQdPk0m1vW8yZr4A"

AREA_DATA_EXAMPLES: dict[DataArea, dict[str, Any]] = {
    DataArea.CV: {
        "jobs_wanted": [
            {"title": "Elektriker", "occupation_code": "7411"},
            {"title": "Lagerarbejder", "occupation_code": "9333"},
        ],
        "work_experience": [
            {
                "title": "Elektriker",
                "occupation_code": "7411",
                "employer": "Al-Nour Elektro",
                "country": "Syrien",
                "start": "2010-09",
                "end": "2022-12",
                "description": (
                    "El-installationer i nye og ældre boliger samt mindre erhvervsbygninger. Ansvar for to lærlinge de "
                    "sidste fire år. Anbefalingsbrev fra arbejdsgiver medbragt (på arabisk)."
                ),
            },
            {
                "title": "Lagerarbejder",
                "occupation_code": "9333",
                "employer": "Yildiz Lojistik, Gaziantep",
                "country": "Tyrkiet",
                "start": "2023-02",
                "end": "2024-11",
                "description": "Pakning, plukning og læsning af lastbiler. Kørte gaffeltruck. Ingen dokumentation.",
            },
        ],
        "education": [
            {
                "title": "Elektriker (teknisk institut)",
                "level": "Erhvervsuddannelse",
                "institution": "Teknisk Institut, Aleppo",
                "country": "Syrien",
                "start_year": "2006",
                "end_year": "2009",
                "description": "3-årig praktisk og teoretisk uddannelse. Eksamensbevis medbragt i kopi.",
            },
            {
                "title": "Grundskole",
                "level": "Grundskole",
                "institution": "Al-Firdaws skole, Aleppo",
                "country": "Syrien",
                "start_year": "1994",
                "end_year": "2003",
                "description": "9 års skolegang.",
            },
        ],
        "courses": [
            {
                "name": "Arbejdsmiljø og sikkerhed på danske arbejdspladser",
                "end_date": "2026-06-20",
                "duration": "3 dage",
                "description": "Afholdt af Røde Kors på asylcentret. Kursusbevis udleveret.",
            }
        ],
        "certificates": [
            {
                "name": "Førstehjælp (12 timer)",
                "issuer": "Dansk Førstehjælpsråd",
                "valid_from": "2026-05-12",
                "valid_to": "2028-05-12",
                "description": "Certifikat udleveret, kopi ligger i sagen.",
            }
        ],
        "qualifications": [
            {"name": "El-installation i boliger", "code": "10412"},
            {"name": "Fejlfinding på el-anlæg", "code": "10418"},
            {"name": "Gaffeltruckkørsel", "code": "20871"},
        ],
        "driving_licences": [{"category": "B", "description": "Udstedt i Syrien 2008."}],
        "other_experience": [
            {
                "where": "Center Sandholm (Røde Kors)",
                "start": "2025-09",
                "end": "2026-10",
                "tasks": "Hjalp centrets pedel med småreparationer og udskiftning af lamper og stikkontakter.",
                "description": "Bekræftet af centrets driftsleder.",
            }
        ],
        "professional_profile": (
            "Uddannet elektriker med 12 års erfaring fra Syrien med el-installationer i boliger og erhverv. Har også "
            "erfaring fra lager i Tyrkiet. Mødestabil og vant til at arbejde både selvstændigt og i team. Ønsker "
            "fuldtidsarbejde."
        ),
        "website": "https://www.linkedin.com/in/omar-haddad-elektriker",
        "contact": {"phone": "+45 20 12 34 56", "email": "omar.haddad@example.com"},
    },
    DataArea.INTEGRATION_CONTRACT: {
        "languages": [
            {
                "language": "Arabisk",
                "reading": "Modersmål",
                "speaking": "Modersmål",
                "writing": "Modersmål",
                "understanding": "Modersmål",
                "experience": "Modersmål.",
            },
            {
                "language": "Engelsk",
                "reading": "B1",
                "speaking": "B1",
                "writing": "A2",
                "understanding": "B1",
                "experience": "Lært i skolen og brugt på arbejde med udenlandske leverandører.",
            },
            {
                "language": "Dansk",
                "reading": "A1",
                "speaking": "A1",
                "writing": "A1",
                "understanding": "A2",
                "experience": "Har gået til danskundervisning på centret i 12 måneder.",
            },
        ],
        "formal_education_assessment": {"informed": True, "case_started": False},
        "notes": (
            "Borgeren er orienteret om muligheden for at få sin medbragte uddannelse vurderet hos Uddannelses- og "
            "Forskningsstyrelsen."
        ),
    },
    DataArea.OTHER: {
        "notes": "Enlig. Ingen børn. Motiveret for hurtigt at komme i arbejde.",
        "raw_contact": {"phone": "+45 20 12 34 56", "email": "omar.haddad@example.com"},
        "minor": None,
        "children_link_status": "not_applicable",
        "linked_children": [],
        "supplementary_competences": [
            {
                "kind": "competence",
                "title": "Frivillig elektriker i asylcentret",
                "description": "Har siden marts 2026 repareret lamper og stikkontakter i centret under opsyn af "
                "pedellen.",
            },
            {
                "kind": "qualification",
                "title": "Syrisk svendebrev som elektriker (ikke dokumenteret)",
                "description": "Oplyser at have svendebrev fra Aleppo 2010; papirerne er ikke medbragt.",
            },
        ],
    },
    DataArea.ATTACHMENTS: {
        "attachments": [
            {
                "attachment_id": "att-70000101-1",
                "title": "Helbredsoplysninger (med samtykke)",
                "kind": "health",
                "concerns_person_id": None,
                "media_type": "application/pdf",
                "size_bytes": 1585,
                "sha256": "6480aeb85b3fffe2589fce5c0ee96502eb1454ddba09442783a81b39d25126f2",
                "created_on": "2026-10-08",
            },
            {
                "attachment_id": "att-70000101-2",
                "title": "Eksamensbevis, elektriker (oversat)",
                "kind": "other",
                "concerns_person_id": None,
                "media_type": "application/pdf",
                "size_bytes": 1577,
                "sha256": "1db00ee21b1020236f3131f71307d2c61db08a301f84014d5f6d5ba79fc7b38a",
                "created_on": "2026-10-09",
            },
        ]
    },
}
"""The operator's data per area as LetAsyl sends it."""


def area_example(area: DataArea) -> dict[str, Any]:
    """G1 (revised): DA1/DA2 shown frozen, DA3/DA4 (which never freeze) live."""
    return {
        "case_id": EXAMPLE_CASE_ID,
        "area": area.value,
        "provenance": {
            "mode": "frozen" if area in FREEZING_AREAS else "live",
            "takeover_date": "2026-12-01",
            "frozen_since": "2026-12-02" if area in FREEZING_AREAS else None,
            "snapshot_taken_at": "2026-12-01T09:14:03Z",
            "snapshot_taken_on": "2026-12-01",
            "retrieved_at": None,
            "final_snapshot_after_takeover": False,
            "stale": False,
            "stale_reason": None,
        },
        "data": AREA_DATA_EXAMPLES[area] | _broker_fields(area),
    }


def _broker_fields(area: DataArea) -> dict[str, Any]:
    """What the broker adds to the operator's data (M3's link status on DA3; DA3's competence items on DA2)."""
    if area is DataArea.INTEGRATION_CONTRACT:
        source = {
            "area": "other",
            "rule": "DA3",
            "snapshot_taken_at": "2026-12-01T09:14:03Z",
            "snapshot_taken_on": "2026-12-01",
        }
        competences = AREA_DATA_EXAMPLES[DataArea.OTHER]["supplementary_competences"]
        return {"supplementary_competences": [item | {"source": source} for item in competences]}
    if area is not DataArea.OTHER:
        return {}
    return {"children_link": {"status": "not_applicable", "due_date": None, "asylum_decision_date": "2026-09-14"}}


CONTACT_GROUP_EXAMPLE: dict[str, Any] = {
    "id": EXAMPLE_CASE_ID,
    "cpr_masked": "120488-****",
    "person_id": "70000101",
    "receiving_municipality": {"code": "101", "name": "København"},
    "jobcenter_municipality": {"code": "101", "name": "København"},
    "contact_group": {"code": 27, "name": "Integrationsydelsesmodtager omfattet af integrationsprogrammet"},
    "special_procedure_ref": None,
    "asylum_decision_date": "2026-09-14",
    "dates": {
        "handover_date": "2026-12-07",
        "early_takeover_cv": "2026-12-01",
        "early_takeover_contract": None,
        "effective_cv_date": "2026-12-01",
        "effective_contract_date": "2026-12-07",
        "cv_update_deadline": "2027-02-05",
    },
    "areas": [
        {"area": "cv", "takeover_date": "2026-12-01", "mode": "frozen", "frozen_since": "2026-12-02"},
        {"area": "integration-contract", "takeover_date": "2026-12-07", "mode": "live", "frozen_since": "2026-12-08"},
        {"area": "other", "takeover_date": "2026-12-07", "mode": "live", "frozen_since": None},
        {"area": "attachments", "takeover_date": "2026-12-07", "mode": "live", "frozen_since": None},
    ],
    "cv_window": {
        "opens_on": "2026-12-01",
        "closes_on": "2027-02-05",
        "state": "jobcenter",
        "jobcenter_may_edit": True,
    },
    "integration_contract": {"can_be_formed_from": "2026-12-07", "can_be_formed_now": False},
    "jobnet": {"cv_number": 4100001, "created_by_broker": False},
    "tasks": [],
    "attention": [
        {
            "code": "undistributed_jobcenter",
            "rule": "P2",
            "text": "2 document(s) not yet received by the jobcenter unit.",
            "due_date": None,
            "href": f"/v1/contact-groups/{EXAMPLE_CASE_ID}/distribution",
        }
    ],
    "created_at": "2026-11-23T10:02:11Z",
    "as_of": "2026-12-03",
}
