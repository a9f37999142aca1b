"""The follow-up feature's dependencies: its service over the policies loaded at start-up."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from dfdg_broker.app_state import StateKey
from dfdg_broker.followup.registry import PolicyRegistry
from dfdg_broker.followup.service import FollowUpService

POLICIES: StateKey[PolicyRegistry] = StateKey("followup_policies")
"""The policies loaded and checked once, at start-up (``followup.registry.load_policies``)."""


async def get_follow_up_service(request: Request) -> FollowUpService:
    return FollowUpService(POLICIES.of(request))


FollowUpServiceDep = Annotated[FollowUpService, Depends(get_follow_up_service)]
