"""API models and schema helpers shared by more than one feature (a feature's own live in its ``schemas.py``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

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


EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)
RequestDate = Annotated[
    date,
    Field(
        ge=EARLIEST_DATE,
        le=LATEST_DATE,
        json_schema_extra={"formatMinimum": EARLIEST_DATE.isoformat(), "formatMaximum": LATEST_DATE.isoformat()},
    ),
]
"""A date a client sends: far from the calendar's ends, so that the date rules' arithmetic (+60 days, +1 year)
never overflows; outside, a plain 422 (issue 10)."""

SHORT_TEXT = 200
LONG_TEXT = 4000
ShortText = Annotated[str, Field(max_length=SHORT_TEXT)]
"""A name, a title, a code, a reference: at most 200 characters."""
LongText = Annotated[str, Field(max_length=LONG_TEXT)]
"""A description or a profile: at most 4,000 characters."""
