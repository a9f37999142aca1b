"""The access log's problems."""

from __future__ import annotations

from dfdg_broker.errors import ProblemError


class AccessLogUnavailable(ProblemError):
    """The access-log row could not be committed, so nothing was sent (no unlogged read) and nothing changed."""

    status = 503
    code = "access_log_unavailable"
    title = "The access log cannot be written; nothing was read or changed"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"Retry-After": "5"})


class PurposeInvalid(ProblemError):
    status = 422
    code = "purpose_invalid"
    title = "X-Purpose must be 1 to 200 printable characters on one line"

    def __init__(self) -> None:
        super().__init__(field="X-Purpose")


class AccessLogCursorInvalid(ProblemError):
    status = 422
    code = "access_log_cursor_invalid"
    title = "The cursor is not one this access log gave out"

    def __init__(self) -> None:
        super().__init__(field="cursor")


ACCESS_LOG_PROBLEMS = (PurposeInvalid, AccessLogUnavailable)
"""What an access-logged route can answer because of the log (its ``responses_for``)."""
