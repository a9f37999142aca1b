"""Minors through the HTTP surface: M1 (the kept reference), M2 (typed minor details, social report or companion
assessment) and M3 (linked children, the link's due date by the clock, linking in the mock's admin API)."""

from __future__ import annotations

from datetime import date

from tests.conftest import TODAY
from tests.helpers import LINKED_CHILD, create_case, days


async def _other(client, auth, case, municipality):
    response = await client.get(f"/v1/contact-groups/{case['id']}/data-areas/other", headers=auth(municipality))
    assert response.status_code == 200, response.text
    return response.json()


async def _attachments(client, auth, case, municipality):
    response = await client.get(f"/v1/contact-groups/{case['id']}/data-areas/attachments", headers=auth(municipality))
    assert response.status_code == 200, response.text
    return response.json()["data"]["attachments"]


async def _case(client, auth, persona, key, handover=None):
    """(receiving municipality, case) for a persona, handed over in 30 days unless told otherwise."""
    p = persona(key)
    return p.person.receiving_municipality, await create_case(client, auth, p, handover or TODAY + days(30))


# ---------------------------------------------------------------- M1


async def test_M1_the_special_procedure_reference_is_kept_on_the_case(client, auth, persona):
    p = persona("accompanied-minor-14")
    case = await create_case(client, auth, p, TODAY + days(7), special_procedure_ref="  LS-2026-000131 ")
    response = await client.get(f"/v1/contact-groups/{case['id']}", headers=auth(p.person.receiving_municipality))
    assert response.json()["special_procedure_ref"] == "LS-2026-000131"


# ---------------------------------------------------------------- M2


async def test_M2_unaccompanied_minor_has_representative_support_assessment_and_social_report(client, auth, persona):
    municipality, case = await _case(client, auth, persona, "unaccompanied-minor-16")

    minor = (await _other(client, auth, case, municipality))["data"]["minor"]

    assert minor["accompaniment"] == "unaccompanied"
    assert minor["personal_representative"]["name"] == "Birgitte Holm Sørensen"
    assert minor["personal_representative"]["phone"] == "+45 27 44 18 90"
    assert minor["special_support_assessment"].startswith("Vurderes at have behov for særlig støtte")
    assert minor["companion_relation"] is None
    kinds = [a["kind"] for a in await _attachments(client, auth, case, municipality)]
    assert kinds == ["social_report"]


async def test_M2_accompanied_minor_has_companion_relation_and_companion_assessment(client, auth, persona):
    municipality, case = await _case(client, auth, persona, "accompanied-minor-16")

    minor = (await _other(client, auth, case, municipality))["data"]["minor"]

    assert (minor["accompaniment"], minor["companion_relation"]) == ("accompanied", "Morbror")
    assert minor["personal_representative"]["organisation"] == "Røde Kors"
    assert minor["special_support_assessment"]
    kinds = [a["kind"] for a in await _attachments(client, auth, case, municipality)]
    assert kinds == ["companion_assessment"]


# ---------------------------------------------------------------- M3


async def test_M3_pending_link_says_when_it_is_due(client, auth, persona):
    municipality, case = await _case(client, auth, persona, "parent-children-pending")

    data = (await _other(client, auth, case, municipality))["data"]

    assert data["children_link"] == {
        "status": "pending",
        "due_date": "2026-11-30",
        "asylum_decision_date": "2026-11-16",
    }
    assert data["linked_children"] == []


async def test_M3_pending_on_the_due_date_and_overdue_the_day_after(client, auth, persona, clock):
    municipality, case = await _case(client, auth, persona, "parent-children-pending")
    clock.set(date(2026, 11, 30))
    assert (await _other(client, auth, case, municipality))["data"]["children_link"]["status"] == "pending"
    clock.set(date(2026, 12, 1))
    assert (await _other(client, auth, case, municipality))["data"]["children_link"]["status"] == "overdue"


async def test_M3_overdue_is_computed_on_a_stale_snapshot_too(client, auth, persona, clock, upstream):
    municipality, case = await _case(client, auth, persona, "parent-children-pending", handover=TODAY)
    clock.set(date(2026, 12, 2))
    upstream.down = True

    body = await _other(client, auth, case, municipality)

    assert body["provenance"]["stale"] is True and body["provenance"]["snapshot_taken_on"] == TODAY.isoformat()
    assert body["data"]["children_link"]["status"] == "overdue"


async def test_M3_link_overdue_since_14_days_after_the_asylum_decision(client, auth, persona):
    municipality, case = await _case(client, auth, persona, "parent-children-overdue")
    link = (await _other(client, auth, case, municipality))["data"]["children_link"]
    assert link == {"status": "overdue", "due_date": "2026-10-14", "asylum_decision_date": "2026-09-30"}


async def test_M3_linked_children_are_listed_with_school_or_day_care_status_and_their_documents(client, auth, persona):
    municipality, case = await _case(client, auth, persona, "parent-with-linked-children")

    data = (await _other(client, auth, case, municipality))["data"]

    assert data["children_link"]["status"] == "linked" and data["children_link"]["due_date"] is None
    assert [(c["first_name"], c["birth_date"], c["school_or_daycare_status"]) for c in data["linked_children"]] == [
        ("Adam", "2017-05-09", "Skole, 3. klasse"),
        ("Jana", "2025-04-02", "Vuggestue"),
        ("Karim", "2012-10-30", "Ikke startet"),
    ]
    children = {c["person_id"] for c in data["linked_children"]}
    concerned = {a["concerns_person_id"] for a in await _attachments(client, auth, case, municipality)}
    assert concerned == children


async def test_M3_an_adult_without_children_is_not_applicable(client, auth, persona):
    municipality, case = await _case(client, auth, persona, "complete-adult")
    link = (await _other(client, auth, case, municipality))["data"]["children_link"]
    assert link["status"] == "not_applicable" and link["due_date"] is None


async def test_M3_linking_in_the_mock_admin_api_shows_on_the_next_live_read(client, auth, persona, mock_client):
    parent = persona("parent-children-pending").person.person_id
    municipality, case = await _case(client, auth, persona, "parent-children-pending")
    child = LINKED_CHILD

    linked = await mock_client.put(f"/admin/personas/{parent}/children-link", json={"children": [child]})
    assert linked.status_code == 200, linked.text
    data = (await _other(client, auth, case, municipality))["data"]
    assert data["children_link"]["status"] == "linked"
    assert data["linked_children"] == [child]

    unlinked = await mock_client.delete(f"/admin/personas/{parent}/children-link")
    assert unlinked.status_code == 200
    data = (await _other(client, auth, case, municipality))["data"]
    assert data["children_link"]["status"] == "pending" and data["linked_children"] == []


async def test_M3_linking_an_unknown_persona_is_404(mock_client):
    response = await mock_client.delete("/admin/personas/99999999/children-link")
    assert response.status_code == 404
