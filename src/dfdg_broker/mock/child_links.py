"""Mock admin API for M3: link a parent's children under 15 in LetAsyl, or undo the link.

Linking is what the operator does within 14 days of the asylum decision; testers use these routes to watch the
broker's DA3 turn from ``pending``/``overdue`` to ``linked`` on the next live read.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from dfdg_broker.errors import NotFound, responses_for
from dfdg_broker.letasyl.schemas import LinkedChild, OtherArea
from dfdg_broker.mock import examples
from dfdg_broker.mock.common import ADMIN_PREFIX, StateDep, UnknownFields, refuse_unknown_fields
from dfdg_broker.mock.state import MockState

router = APIRouter(prefix=ADMIN_PREFIX, tags=["Admin (mock only)"])


class ChildrenLinkUpdate(BaseModel):
    """M3: the children under 15 to link to this parent (replaces any earlier link)."""

    model_config = ConfigDict(extra="forbid")

    children: list[LinkedChild] = Field(min_length=1)


@router.put(
    "/personas/{person_id}/children-link",
    response_model=OtherArea,
    name="admin.link_children",
    openapi_extra=examples.CHILDREN_LINK,
    responses=responses_for(NotFound, UnknownFields),
)
async def link_children(person_id: str, body: ChildrenLinkUpdate, request: Request, state: StateDep) -> OtherArea:
    """M3: link the children to this parent; DA3 then says ``linked`` and lists them. Returns the new DA3."""
    await refuse_unknown_fields(request, body)  # the wire model ignores unknown fields; a tester's typo must not
    return _set_link(state, person_id, "linked", body.children)


@router.delete(
    "/personas/{person_id}/children-link",
    response_model=OtherArea,
    name="admin.unlink_children",
    responses=responses_for(NotFound),
)
async def unlink_children(person_id: str, state: StateDep) -> OtherArea:
    """M3: undo the link; DA3 then says ``pending`` with no children listed. Returns the new DA3."""
    return _set_link(state, person_id, "pending", [])


def _set_link(state: MockState, person_id: str, status: str, children: list[LinkedChild]) -> OtherArea:
    persona = state.personas.get(person_id)
    if persona is None:
        raise NotFound("No persona with that person-ID.")
    other = persona.other.model_copy(update={"children_link_status": status, "linked_children": children})
    state.put_persona(persona.model_copy(update={"other": other}))
    return other
