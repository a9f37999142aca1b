"""API models and schema helpers shared by more than one feature (a feature's own live in its ``schemas.py``)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field
from pydantic.config import JsonDict

from dfdg_broker.domain.case_dates import CvWindowState


def rule(rule_id: str) -> JsonDict:
    """Marks a request field with the rule a schema failure on it breaks (shown in OpenAPI as ``x-rule``)."""
    return {"x-rule": rule_id}


class CvWindow(BaseModel):
    """G2, G3: who may create and update the Jobnet CV."""

    opens_on: date = Field(description="effective CV date (G2)")
    closes_on: date = Field(description="the deadline, last day for the jobcenter (G3)")
    state: CvWindowState
    jobcenter_may_edit: bool
