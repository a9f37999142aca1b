"""Access-log records -> API models."""

from __future__ import annotations

from dfdg_broker.audit.schemas import AccessLogEntryRead, AccessLogPage
from dfdg_broker.audit.service import AccessLogView


def access_log_page(view: AccessLogView) -> AccessLogPage:
    return AccessLogPage(
        case_id=view.case_id,
        items=[
            AccessLogEntryRead(
                at=e.at,
                subject=e.subject,
                client_id=e.client_id,
                municipality=e.municipality,
                operation=e.operation,
                detail=e.detail,
                purpose=e.purpose,
                correlation_id=e.correlation_id,
                outcome=e.outcome.value,
                status=e.status,
            )
            for e in view.entries
        ],
        next_cursor=view.next_cursor,
    )
