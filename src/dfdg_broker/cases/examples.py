"""Realistic examples for /docs. Synthetic only: the data areas are the mock's demo persona "complete-adult"."""

from __future__ import annotations

from functools import cache
from typing import Any

from dfdg_broker.domain.areas import DataArea
from dfdg_broker.domain.case_dates import FREEZING_AREAS

EXAMPLE_CASE_ID = "cg_3q2x9JkQdPk0m1vW8yZr4A"
EXAMPLE_PERSONA = "complete-adult"


@cache
def area_example(area: DataArea) -> dict[str, Any]:
    """G1 (revised): DA1/DA2 shown frozen, DA3/DA4 (which never freeze) live."""
    from dfdg_broker.mock.fixtures import load_personas
    from dfdg_broker.mock.state import MockState

    state = MockState()
    persona = next(p for p in load_personas() if p.key == EXAMPLE_PERSONA)
    state.put_persona(persona)
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
        "data": state.area(persona, area).model_dump(mode="json")
        | _broker_fields(area, state.area(persona, DataArea.OTHER).model_dump(mode="json")),
    }


def _broker_fields(area: DataArea, other: dict[str, Any]) -> dict[str, Any]:
    """What the broker adds to the operator's data (M3's link status on DA3; DA3's competence items on DA2)."""
    if area is DataArea.INTEGRATION_CONTRACT:
        source = {
            "area": "other",
            "rule": "DA3",
            "snapshot_taken_at": "2026-12-01T09:14:03Z",
            "snapshot_taken_on": "2026-12-01",
        }
        return {"supplementary_competences": [c | {"source": source} for c in other["supplementary_competences"]]}
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
