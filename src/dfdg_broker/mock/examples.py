"""Request examples for the mock's OpenAPI document (its /docs): synthetic data of the demo personas
``complete-adult`` (person-ID 70000101), ``parent-with-linked-children`` (70001501) and
``no-jobnet-profile-minimal``.

Static, so that building the document loads no persona; ``tests/contract/test_mock_examples.py`` sends every one of
them to the mock and expects it accepted, so they cannot rot.
"""

from __future__ import annotations

from typing import Any

ADULT_CPR = "1204882211"  # synthetic: the demo persona complete-adult
NEW_PERSONA_CPR = "0505900123"  # synthetic, no demo persona has it: for the example of a persona of your own
ADULT_ID = "70000101"
PARENT_ID = "70001501"
NO_PROFILE_CPR = "1407772799"  # synthetic: the demo persona no-jobnet-profile-minimal (no Jobnet profile yet)


def body_examples(*examples: tuple[str, str, Any]) -> dict[str, Any]:
    """``openapi_extra`` for a route: named request body examples ``(name, summary, value)``."""
    return {
        "requestBody": {
            "content": {
                "application/json": {
                    "examples": {name: {"summary": summary, "value": value} for name, summary, value in examples}
                }
            }
        }
    }


LOOKUP = body_examples(
    ("complete-adult", "the demo persona complete-adult", {"cpr": ADULT_CPR, "receiving_municipality": "101"})
)
CPR_ONLY = body_examples(("complete-adult", "the demo persona complete-adult", {"cpr": ADULT_CPR}))

PERSONA = body_examples(
    (
        "new-persona",
        "a persona of your own (the schema of the persona files; all areas optional)",
        {
            "key": "our-own-adult",
            "purpose": "Our test of a citizen without a Jobnet profile (C7)",
            "rules": ["C7"],
            "cpr": NEW_PERSONA_CPR,
            "person": {
                "person_id": "79990001",
                "first_name": "Rania",
                "last_name": "Saleh",
                "gender": "female",
                "birth_date": "1990-05-05",
                "nationality": "Syrien",
                "asylum_decision_date": "2026-09-01",
                "receiving_municipality": "101",
            },
            "cpr_register": {
                "first_name": "Rania",
                "last_name": "Saleh",
                "street": "Testvej 1",
                "postal_code": "2300",
                "city": "København S",
                "municipality": "101",
            },
        },
    )
)

CV_AREA = body_examples(
    (
        "new-profile",
        "DA1 with one job wanted and a new professional profile (e.g. to show that a frozen area stays, G1)",
        {
            "jobs_wanted": [{"title": "Elektriker", "occupation_code": "7411"}],
            "professional_profile": "Uddannet elektriker med 12 års erfaring.",
        },
    ),
    ("empty", "DA1 emptied", {}),
)
INTEGRATION_CONTRACT_AREA = body_examples(
    (
        "languages",
        "DA2 with one language",
        {
            "languages": [
                {
                    "language": "Arabisk",
                    "reading": "Modersmål",
                    "speaking": "Modersmål",
                    "writing": "Modersmål",
                    "understanding": "Modersmål",
                }
            ]
        },
    )
)
OTHER_AREA = body_examples(
    (
        "contact",
        "DA3 with raw contact data (N16/N17 normalise them)",
        {"notes": "Ny note fra operatøren.", "raw_contact": {"phone": "20 12 34 56", "email": "rania@example.com"}},
    )
)
ATTACHMENTS_AREA = body_examples(
    (
        "one-attachment",
        "DA4 with one document (rendered as a PDF; its size and SHA-256 are listed)",
        [
            {
                "attachment_id": "att-70000101-9",
                "title": "Sundhedsvurdering",
                "kind": "health",
                "created_on": "2026-10-01",
                "text": "Syntetisk testdokument.",
            }
        ],
    )
)
CHILDREN_LINK = body_examples(
    (
        "one-child",
        "M3: link one child under 15 to the parent 70001501",
        {
            "children": [
                {
                    "person_id": "70001502",
                    "first_name": "Adam",
                    "last_name": "Mansour",
                    "birth_date": "2017-05-09",
                    "school_or_daycare_status": "Skole, 3. klasse",
                }
            ]
        },
    )
)
DELIVERY = body_examples(
    ("today", "deliver on the mock clock's today", {}),
    ("on-a-day", "deliver on a given day", {"delivered_on": "2026-12-01"}),
)
CV_UPLOAD = body_examples(
    (
        "minimal",
        "a CV under complete-adult's CV number 4100001",
        {"cv": {"jobs_wanted": [{"title": "Elektriker"}]}, "submitted_by_municipality": "101"},
    )
)
PROFILE_CREATE = body_examples(
    (
        "no-jobnet-profile-minimal",
        "C7: a profile for the demo persona without one",
        {"cpr": NO_PROFILE_CPR, "first_name": "Hamza Yusuf", "last_name": "Omar"},
    )
)
PDF_REQUEST = body_examples(
    (
        "da3-and-da4",
        "P1: DA3 and DA4 as PDF for complete-adult",
        {"person_id": ADULT_ID, "areas": ["other", "attachments"], "requesting_municipality": "101"},
    )
)
