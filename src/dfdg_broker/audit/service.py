"""Reading the access log of a case: pages, newest first, with an opaque cursor. The caller's right to the case
(C2) is the calling feature's to check first (``lifecycle``: the same 404 as every other case route)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from dfdg_broker.audit import repository
from dfdg_broker.audit.errors import AccessLogCursorInvalid
from dfdg_broker.audit.records import AccessEntry

MAX_PAGE = 200
_CURSOR_PREFIX = "al1:"


@dataclass(frozen=True, slots=True)
class AccessLogView:
    case_id: str
    entries: list[AccessEntry]
    next_cursor: str | None


async def case_page(session: AsyncSession, case_id: str, cursor: str | None, limit: int) -> AccessLogView:
    """Newest first (a citizen's or an officer's question is usually about the latest look-ups): keyset on the
    row id, so a page is an index range scan however long the log, and rows added meanwhile never shift a page."""
    limit = max(1, min(limit, MAX_PAGE))
    found = await repository.page_for_case(session, case_id, decode_cursor(cursor), limit + 1)
    page, more = found[:limit], len(found) > limit
    return AccessLogView(case_id, page, encode_cursor(page[-1]) if more and page else None)


def encode_cursor(entry: AccessEntry) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{entry.id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise AccessLogCursorInvalid() from None
    number = text.removeprefix(_CURSOR_PREFIX)
    if not text.startswith(_CURSOR_PREFIX) or not number.isdigit() or len(number) > 19:
        raise AccessLogCursorInvalid()
    return int(number)
