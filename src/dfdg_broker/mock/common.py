"""What every part of the mock upstream shares: the state dependency, the journal's subject, the admin prefix, and
the problems a tester's request can get whatever the route."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from pydantic import BaseModel

from dfdg_broker.errors import NotFound, ProblemError
from dfdg_broker.mock.fixtures import unknown_fields
from dfdg_broker.mock.state import MockState

ADMIN_PREFIX = "/admin"


class PersonUnknown(NotFound):
    code = "person_unknown"
    title = "No person with that CPR number (and receiving municipality) is known here"


class UnknownFields(ProblemError):
    status = 422
    code = "unknown_fields"
    title = "The body has fields the upstream contract does not know (misspelled?)"


async def refuse_unknown_fields(request: Request, parsed: BaseModel | list[BaseModel]) -> None:
    """The wire models ignore unknown fields (as the broker must); a tester's misspelled field must not vanish."""
    unknown = unknown_fields(await request.json(), parsed)
    if unknown:
        raise UnknownFields(", ".join(unknown), field=unknown[0])


async def get_state(request: Request) -> MockState:
    """``async``: a plain ``def`` dependency would cost a threadpool hop on every request."""
    state: MockState = request.app.state.mock
    return state


StateDep = Annotated[MockState, Depends(get_state)]


def journal_subject(request: Request, person_id: str) -> None:
    """Tell the journal whom this request was about: ``request.state.person_id``, written to the scope's state
    directly (Starlette's ``State`` wrapper is built anew per request; issue 14)."""
    request.scope.setdefault("state", {})["person_id"] = person_id
