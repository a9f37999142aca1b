"""C2 (revised): who may create a case, and that a refusal tells a stranger nothing.

Only the receiving municipality, or a jobcenter municipality in a binding cooperation with it that the broker knows,
may create the case. The persona ``binding-cooperation`` is settled in Samsø (741), whose jobcenter tasks Aarhus (751)
carries out: a pair in the shipped ``data/binding_cooperations.csv``. Esbjerg (561) is a stranger to that case.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import TODAY
from tests.helpers import create_body, days
from tests.sidefx import journal_size, row_counts

HANDOVER = TODAY + days(10)
RECEIVING, PARTNER, STRANGER = "741", "751", "561"
UNKNOWN_BUT_VALID_CPR = "0101902235"  # synthetic, well-formed, no persona of the mock has it

VOLATILE = ("correlation_id", "instance")


def _stable(problem: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in problem.items() if k not in VOLATILE}


async def _create(client, auth, body: dict[str, Any], caller: str):
    return await client.post("/v1/contact-groups", json=body, headers=auth(caller))


async def _seed_existing(client, auth, persona, existing: str) -> str | None:
    """``none``: no case; ``alone``: the receiving municipality's own case; ``with-partner``: 751 as jobcenter."""
    if existing == "none":
        return None
    overrides = {"jobcenter_municipality": PARTNER} if existing == "with-partner" else {}
    response = await _create(client, auth, create_body(persona, HANDOVER, **overrides), RECEIVING)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


# ---------------------------------------------------------------- the hijack and the oracle, as reported


async def test_C2_jobcenter_without_cooperation_cannot_hijack_a_case(client, auth, persona, mock_state, database_url):
    """The reported hole: a 751 token named itself jobcenter for a citizen settled in 561 and got a 201."""
    p = persona("german-phone")
    assert p.person.receiving_municipality == "561"
    before = await row_counts(database_url)
    response = await _create(client, auth, create_body(p, HANDOVER, jobcenter_municipality="751"), "751")
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "caller_not_party_to_case" and response.json()["rule"] == "C2"
    assert await row_counts(database_url) == before
    assert journal_size(mock_state) == 0, "a refused create must not reach the operator, Jobnet or the register"


@pytest.mark.parametrize("jobcenter", [None, STRANGER, PARTNER])
async def test_C2_stranger_create_gets_same_answer_whether_or_not_case_exists(client, auth, persona, jobcenter):
    """No oracle: the same status, body and headers for an existing case, no case, and a person nobody knows."""
    p = persona("binding-cooperation")
    body = create_body(p, HANDOVER, jobcenter_municipality=jobcenter)
    unknown_person = {**body, "cpr": UNKNOWN_BUT_VALID_CPR}
    without_case = await _create(client, auth, body, STRANGER)
    without_person = await _create(client, auth, unknown_person, STRANGER)
    await _seed_existing(client, auth, p, "with-partner")
    with_case = await _create(client, auth, body, STRANGER)
    answers = [without_case, without_person, with_case]
    assert {r.status_code for r in answers} == {403}
    assert _stable(without_case.json()) == _stable(without_person.json()) == _stable(with_case.json())
    headers = [{k: v for k, v in r.headers.items() if k not in ("x-correlation-id", "date")} for r in answers]
    assert headers[0] == headers[1] == headers[2]


async def test_C2_stranger_naming_itself_receiving_learns_nothing_about_another_municipalitys_case(
    client, auth, persona
):
    """Naming itself as receiving municipality, the stranger is asking about its own citizens only: the operator
    does not know this person there, and the answer is the same whether or not 741 has a case."""
    p = persona("binding-cooperation")
    body = create_body(p, HANDOVER, receiving_municipality=STRANGER)
    before = await _create(client, auth, body, STRANGER)
    await _seed_existing(client, auth, p, "alone")
    after = await _create(client, auth, body, STRANGER)
    assert before.status_code == after.status_code == 422
    assert _stable(before.json()) == _stable(after.json())
    assert before.json()["code"] == "person_unknown_at_operator"


# ---------------------------------------------------------------- the full matrix

# (caller, jobcenter named in the body) -> expected answer with no case / with the case already there.
# 409+ = 409 with the existing case's id (the caller may see it); 409- = 409 without it.
MATRIX: dict[tuple[str, str | None], dict[str, str]] = {
    (RECEIVING, None): {"none": "201", "alone": "409+", "with-partner": "409+"},
    (RECEIVING, RECEIVING): {"none": "201", "alone": "409+", "with-partner": "409+"},
    (RECEIVING, PARTNER): {"none": "201", "alone": "409+", "with-partner": "409+"},
    (RECEIVING, STRANGER): {e: "422 binding_cooperation_unknown" for e in ("none", "alone", "with-partner")},
    (PARTNER, None): {e: "403" for e in ("none", "alone", "with-partner")},
    (PARTNER, RECEIVING): {e: "403" for e in ("none", "alone", "with-partner")},
    (PARTNER, PARTNER): {"none": "201", "alone": "409-", "with-partner": "409+"},
    (PARTNER, STRANGER): {e: "403" for e in ("none", "alone", "with-partner")},
    (STRANGER, None): {e: "403" for e in ("none", "alone", "with-partner")},
    (STRANGER, RECEIVING): {e: "403" for e in ("none", "alone", "with-partner")},
    (STRANGER, PARTNER): {e: "403" for e in ("none", "alone", "with-partner")},
    (STRANGER, STRANGER): {e: "403" for e in ("none", "alone", "with-partner")},
}
CASES = [
    pytest.param(caller, jobcenter, existing, expected, id=f"caller{caller}-jobcenter{jobcenter}-{existing}")
    for (caller, jobcenter), answers in MATRIX.items()
    for existing, expected in answers.items()
]


@pytest.mark.parametrize(("caller", "jobcenter", "existing", "expected"), CASES)
async def test_C2_creation_matrix(
    client, auth, persona, mock_state, database_url, caller, jobcenter, existing, expected
):
    p = persona("binding-cooperation")
    existing_id = await _seed_existing(client, auth, p, existing)
    rows, calls = await row_counts(database_url), journal_size(mock_state)
    response = await _create(client, auth, create_body(p, HANDOVER, jobcenter_municipality=jobcenter), caller)
    body = response.json()
    status = int(expected[:3])
    assert response.status_code == status, response.text
    if status == 201:
        assert body["receiving_municipality"]["code"] == RECEIVING
        assert body["jobcenter_municipality"]["code"] == (jobcenter or RECEIVING)
        assert (await client.get(f"/v1/contact-groups/{body['id']}", headers=auth(caller))).status_code == 200
        return
    assert body["rule"] == "C2"
    assert await row_counts(database_url) == rows, "a refused create writes nothing"
    if status == 403:
        assert body["code"] == "caller_not_party_to_case"
        assert set(body) <= {"type", "title", "status", "detail", "code", "rule", "correlation_id", "instance"}
        assert journal_size(mock_state) == calls, "a stranger's create must not reach any upstream"
    elif status == 422:
        assert body["code"] == expected.split()[1]
        assert body["field"] == "body.jobcenter_municipality"
        assert journal_size(mock_state) == calls
    else:
        assert body["code"] == "contact_group_exists"
        assert body.get("existing_id") == (existing_id if expected == "409+" else None)
