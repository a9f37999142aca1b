"""P2: routing documents and DA3 parts to the municipal units, and the receipts, through the HTTP surface."""

from __future__ import annotations

from datetime import date

from tests.conftest import TODAY
from tests.helpers import create_case, days

LINKED = "parent-with-linked-children"  # Adam 9 (school), Jana 1 (nursery), Karim 14 (school); municipality 101


async def _distribution(client, auth, case, municipality="101"):
    response = await client.get(f"/v1/contact-groups/{case['id']}/distribution", headers=auth(municipality))
    assert response.status_code == 200, response.text
    return {u["unit"]: u for u in response.json()["units"]}


async def _receipt(client, auth, case, unit, municipality="101", **body):
    return await client.post(
        f"/v1/contact-groups/{case['id']}/distribution/{unit}/receipts", json=body or None, headers=auth(municipality)
    )


def _documents(unit):
    return sorted(d["attachment_id"] for d in unit["documents"])


async def test_P2_each_unit_gets_documents_by_kind_and_the_childs_age(client, auth, persona):
    case = await create_case(client, auth, persona(LINKED), TODAY + days(10))

    units = await _distribution(client, auth, case)

    assert _documents(units["school"]) == ["att-70001501-1", "att-70001501-2"]  # Adam's statement, Karim's wellbeing
    assert _documents(units["health-visitor"]) == ["att-70001501-2", "att-70001501-3"]  # Karim's wellbeing, Jana's
    assert _documents(units["day-care"]) == []
    assert _documents(units["jobcenter"]) == []
    assert units["school"]["other_parts"] == ["child:70001502", "child:70001504"]
    assert [c["school_or_daycare_status"] for c in units["school"]["children"]] == ["Skole, 3. klasse", "Ikke startet"]
    assert units["day-care"]["other_parts"] == ["child:70001503"]
    assert units["jobcenter"]["other_parts"] == ["notes", "raw_contact", "minor", "children_link"]
    assert units["children-and-youth-services"]["documents"] == []  # no social report among the children's
    youth = "children-and-youth-services"
    assert all(not u["complete"] and u["receipts"] == [] for k, u in units.items() if k != youth)


async def test_P2_the_citizens_own_documents_go_to_the_jobcenter(client, auth, persona):
    p = persona("pdf-route-attachments")  # Ayaan is 5: day care; the mother's health note is her own
    case = await create_case(client, auth, p, TODAY + days(10))

    units = await _distribution(client, auth, case, p.person.receiving_municipality)

    assert _documents(units["jobcenter"]) == ["att-70003401-4"]
    assert _documents(units["day-care"]) == ["att-70003401-1", "att-70003401-2"]
    assert _documents(units["health-visitor"]) == ["att-70003401-1", "att-70003401-3"]
    assert _documents(units["school"]) == []


async def test_P2_a_child_who_turns_6_is_routed_to_school_instead_of_day_care(client, auth, persona, clock):
    p = persona("pdf-route-attachments")
    case = await create_case(client, auth, p, TODAY + days(10))
    clock.set(date(2027, 2, 11))  # Ayaan's 6th birthday

    units = await _distribution(client, auth, case, p.person.receiving_municipality)

    assert _documents(units["school"]) == ["att-70003401-1", "att-70003401-2"]
    assert _documents(units["day-care"]) == []


async def test_P2_a_receipt_completes_the_unit_and_keeps_who_and_when(client, auth, persona):
    case = await create_case(client, auth, persona(LINKED), TODAY + days(10))

    response = await _receipt(client, auth, case, "school", note="Modtaget af skolesekretær")

    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["recorded_by_municipality"] == "101" and receipt["received_on"] == TODAY.isoformat()
    assert receipt["items"] == [
        "attachments/att-70001501-1",
        "attachments/att-70001501-2",
        "other/child:70001502",
        "other/child:70001504",
    ]
    units = await _distribution(client, auth, case)
    assert units["school"]["complete"] is True and units["school"]["undistributed"] == []
    assert all(d["distributed"] for d in units["school"]["documents"])
    assert units["health-visitor"]["complete"] is False  # a receipt is per unit


async def test_P2_a_document_changed_after_the_receipt_is_undistributed_again(client, auth, persona, mock_client):
    p = persona(LINKED)
    case = await create_case(client, auth, p, TODAY + days(10))
    assert (await _receipt(client, auth, case, "school")).status_code == 201
    fixtures = [a.model_dump(mode="json") for a in p.attachments]
    fixtures[0]["text"] += " Tilføjet: Adam har fået plads i 4. klasse."
    changed = await mock_client.put(f"/admin/personas/{p.person.person_id}/data-areas/attachments", json=fixtures)
    assert changed.status_code == 200, changed.text
    read = await client.get(f"/v1/contact-groups/{case['id']}/data-areas/attachments", headers=auth("101"))
    assert read.status_code == 200  # the live read takes the new snapshot

    school = (await _distribution(client, auth, case))["school"]

    assert school["undistributed"] == ["attachments/att-70001501-1"]
    assert [d["distributed"] for d in school["documents"]] == [False, True]


async def test_P2_a_unit_with_nothing_to_receive_cannot_be_marked(client, auth, persona):
    case = await create_case(client, auth, persona(LINKED), TODAY + days(10))
    response = await _receipt(client, auth, case, "day-care")
    assert response.status_code == 201  # Jana's DA3 entry
    adult = await create_case(client, auth, persona("complete-adult"), TODAY + days(10))
    response = await _receipt(client, auth, adult, "school")
    assert response.status_code == 409 and response.json()["code"] == "distribution_package_empty"
    assert response.json()["rule"] == "P2"


async def test_P2_an_unknown_unit_is_422_and_another_municipality_sees_no_case(client, auth, persona):
    case = await create_case(client, auth, persona(LINKED), TODAY + days(10))
    assert (await _receipt(client, auth, case, "library")).status_code == 422
    response = await client.get(f"/v1/contact-groups/{case['id']}/distribution", headers=auth("751"))
    assert response.status_code == 404


async def test_P2_distribution_does_not_ask_the_operator(client, auth, persona, upstream):
    case = await create_case(client, auth, persona(LINKED), TODAY + days(10))
    upstream.down = True
    units = await _distribution(client, auth, case)
    assert _documents(units["school"]) == ["att-70001501-1", "att-70001501-2"]
