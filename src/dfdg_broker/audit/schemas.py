"""The access log's API models."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

_EXAMPLE_ENTRY: JsonDict = {
    "at": "2026-11-23T12:00:00Z",
    "subject": "caseworker-4711",
    "client_id": "kommune-101",
    "municipality": "101",
    "operation": "read-area",
    "detail": "cv",
    "purpose": "Sagsbehandling: opfølgningssamtale",
    "correlation_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "outcome": "ok",
    "status": 200,
}


class AccessLogEntryRead(BaseModel):
    """One read or change of the case, or a refused attempt. No CPR number, no data: who, what, when, why."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE_ENTRY]})

    at: datetime = Field(description="when the request was answered (UTC)")
    subject: str = Field(description="the token's subject: the caseworker or system that called")
    client_id: str = Field(description="the token's client (the case system)")
    municipality: str = Field(description="the calling municipality (a refused stranger's too)")
    operation: str = Field(description="read-case, read-area, download-attachment, update-case, search-cpr, ...")
    detail: str | None = Field(description="the data area or document, where the operation has one")
    purpose: str = Field(description="the caller's X-Purpose, or `scope <scope>` when none was sent")
    correlation_id: str | None = Field(description="the request's X-Correlation-ID (in the broker's own logs too)")
    outcome: Literal["ok", "denied", "failed"] = Field(
        description="ok: the data was sent or the change made; denied: refused (403/404), nothing shown; "
        "failed: another error, nothing sent or changed"
    )
    status: int = Field(description="the HTTP status answered")


class AccessLogPage(BaseModel):
    """The case's access log, newest first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "case_id": "cg_3q2v8WZrQ1y0mJ6T9xq4bA",
                    "order": "newest_first",
                    "items": [_EXAMPLE_ENTRY],
                    "next_cursor": "YWwxOjQy",
                }
            ]
        }
    )

    case_id: str
    order: Literal["newest_first"] = "newest_first"
    items: list[AccessLogEntryRead]
    next_cursor: str | None = Field(description="pass as `cursor` for the next (older) page; null on the last page")
