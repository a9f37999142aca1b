"""The follow-up feature's dependency: its service over the policies loaded at start-up."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from dfdg_broker.followup.registry import PolicyRegistry
from dfdg_broker.followup.service import FollowUpService


async def get_follow_up_service(request: Request) -> FollowUpService:
    policies: PolicyRegistry = request.app.state.followup_policies
    return FollowUpService(policies)


FollowUpServiceDep = Annotated[FollowUpService, Depends(get_follow_up_service)]
