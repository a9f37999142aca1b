"""Side effects and our commit (issue 12): the operator accepted a PDF request, then our commit failed (a fault
injected at the commit, as a crash or a lost database connection would). The next call finds the operator's
request by our idempotency key instead of making a second one, and records it once."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dfdg_broker.db.models import JobnetCvSubmissionRow, PdfRequestRow
from tests.conftest import TODAY
from tests.helpers import create_case, days

PERSONA = "pdf-route-attachments"


@pytest.fixture
def fail_next_commit(monkeypatch):
    """Arm it, and the next commit of any request is lost: rolled back, and the request fails."""
    armed = {"on": False}
    commit = AsyncSession.commit

    async def maybe_fail(self: AsyncSession) -> None:
        if armed["on"]:
            armed["on"] = False
            await self.rollback()
            raise ConnectionResetError("the database connection was lost at commit (injected)")
        await commit(self)

    monkeypatch.setattr(AsyncSession, "commit", maybe_fail)
    return armed


async def _rows(app) -> list[str]:
    async with app.state.sessions() as session:
        return list(await session.scalars(select(PdfRequestRow.operator_request_id)))


async def test_P1_a_pdf_request_the_operator_accepted_but_we_did_not_commit_is_found_again_not_made_twice(
    app, client, auth, persona, mock_state, fail_next_commit
):
    p = persona(PERSONA)
    municipality = p.person.receiving_municipality
    case = await create_case(client, auth, p, TODAY + days(10))
    path = f"/v1/contact-groups/{case['id']}/pdf-requests"
    body = {"person_id": p.person.person_id, "areas": ["other", "attachments"]}

    fail_next_commit["on"] = True
    crash_safe = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://broker.test"
    )
    async with crash_safe:
        lost = await crash_safe.post(path, json=body, headers=auth(municipality))
    assert lost.status_code == 500 and "Traceback" not in lost.text
    assert len(mock_state.pdf_requests) == 1, "the operator accepted it"
    assert await _rows(app) == [], "and we did not record it"

    again = await client.post(path, json=body, headers=auth(municipality))
    assert again.status_code == 201, again.text
    (operator_request,) = mock_state.pdf_requests
    assert await _rows(app) == [operator_request], "found by our key and recorded, not made twice"

    once_more = await client.post(path, json=body, headers=auth(municipality))
    assert once_more.status_code == 201 and once_more.json()["id"] == again.json()["id"]
    assert len(mock_state.pdf_requests) == 1 and await _rows(app) == [operator_request]


async def test_P1_a_different_request_is_a_new_one(client, auth, persona, mock_state):
    p = persona(PERSONA)
    municipality = p.person.receiving_municipality
    case = await create_case(client, auth, p, TODAY + days(10))
    path = f"/v1/contact-groups/{case['id']}/pdf-requests"
    for areas in (["other"], ["attachments"], ["other", "attachments"]):
        response = await client.post(
            path, json={"person_id": p.person.person_id, "areas": areas}, headers=auth(municipality)
        )
        assert response.status_code == 201
    assert len(mock_state.pdf_requests) == 3


async def test_G3_a_cv_jobnet_accepted_but_we_did_not_commit_is_recorded_from_its_receipt_not_sent_twice(
    app, client, auth, persona, mock_state, fail_next_commit
):
    p = persona("complete-adult")
    case = await create_case(client, auth, p, TODAY + days(10), early_takeover_cv=TODAY)
    headers = auth("101")
    draft = (await client.post(f"/v1/contact-groups/{case['id']}/jobnet-cv/draft", headers=headers)).json()
    path = f"/v1/contact-groups/{case['id']}/jobnet-cv"

    fail_next_commit["on"] = True
    crash_safe = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://broker.test"
    )
    async with crash_safe:
        lost = await crash_safe.put(path, json=draft["cv"], headers=headers)
    assert lost.status_code == 500
    assert mock_state.jobnet_cvs[4100001].version == 1, "Jobnet accepted it"
    assert (await client.get(path, headers=headers)).status_code == 404, "and we did not record it"

    again = await client.put(path, json=draft["cv"], headers=headers)
    assert again.status_code == 200, again.text
    assert mock_state.jobnet_cvs[4100001].version == 1, "recorded from Jobnet's receipt, not sent twice"

    once_more = await client.put(path, json=draft["cv"], headers=headers)
    assert once_more.status_code == 200 and mock_state.jobnet_cvs[4100001].version == 1
    async with app.state.sessions() as session:
        rows = list(await session.scalars(select(JobnetCvSubmissionRow.id)))
    assert len(rows) == 1, "one upload, one record"

    changed = draft["cv"] | {"professional_profile": "Elektriker med 10 års erfaring fra Aleppo."}
    response = await client.put(path, json=changed, headers=headers)
    assert response.status_code == 200 and mock_state.jobnet_cvs[4100001].version == 2, "a changed CV is sent"
