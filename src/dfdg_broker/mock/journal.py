"""The mock's request journal: every upstream call (LetAsyl, Jobnet, CPR register) with its bodies, so that an
integrator's test can assert on what its system asked, as WireMock's request verification does.

- **Bounded**: a ring buffer of ``DFDG_MOCK_JOURNAL_SIZE`` entries (the oldest fall out); each body is kept up to
  ``DFDG_MOCK_JOURNAL_BODY_BYTES`` (longer ones are cut and marked ``truncated``). A mock under load for hours
  holds a fixed amount of memory.
- **Cheap**: a pure ASGI middleware (no ``BaseHTTPMiddleware``: no extra task, no response re-streaming). Bodies are
  kept as the byte chunks the server already holds, by reference, and joined and decoded only when someone reads the
  journal; binary responses (the PDFs) are not kept, only their type and length.
- **Filterable** by system, operation (route name), person-ID, sequence number or time, and correlation ID; and
  countable ("how many calls of this operation for this person since X").

The journal names a person by person-ID, the operator's identifier; CPR numbers in bodies are shown masked
(``120488-****``), as everywhere else: filter by ``person_id`` to find a person's calls.
"""

from __future__ import annotations

import json
import re
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SYSTEMS = frozenset({"letasyl", "jobnet", "cpr"})
DEFAULT_SIZE = 10_000
DEFAULT_BODY_BYTES = 16 * 1024
_TEXTUAL = (b"application/json", b"application/problem+json", b"text/")
CORRELATION_HEADER = b"x-correlation-id"
_CPR = re.compile(r"(?<![0-9])([0-9]{6})-?[0-9]{4}(?![0-9])")


class JournalEntry(BaseModel):
    """One request the mock received: what was asked and answered, when, about whom (person-ID, not the CPR)."""

    seq: int = Field(description="increasing; never reused, not even after a clear or reset")
    at: datetime
    system: str = Field(description="letasyl, jobnet or cpr")
    operation: str = Field(description="the route's name, e.g. letasyl.area.cv")
    method: str
    path: str
    status: int = Field(description="what the client got; 0 when the connection was dropped without an answer")
    person_id: str | None = None
    correlation_id: str | None = None
    request_body: Any = Field(default=None, description="JSON as sent (text if it was not JSON); null when empty")
    response_body: Any = Field(
        default=None, description="JSON or text as answered; for binary bodies a note with type and length"
    )
    truncated: bool = Field(default=False, description="a body was longer than the journal keeps")


@dataclass(slots=True)
class _Body:
    """A body as the server saw it: its chunks, by reference, up to ``limit`` bytes."""

    limit: int
    chunks: list[bytes] = field(default_factory=list)
    kept: int = 0
    total: int = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.limit - self.kept
        if room <= 0 or not chunk:
            return
        part = chunk if len(chunk) <= room else chunk[:room]  # a copy only of what is kept of an over-long chunk
        self.chunks.append(part)
        self.kept += len(part)

    @property
    def truncated(self) -> bool:
        return self.total > self.kept

    def value(self) -> Any:
        if not self.chunks:
            return None
        raw = self.chunks[0] if len(self.chunks) == 1 else b"".join(self.chunks)
        text = _CPR.sub(r"\1-****", raw.decode("utf-8", errors="replace"))
        if self.truncated:
            return text
        try:
            return json.loads(text)
        except ValueError:
            return text


@dataclass(slots=True)
class _Record:
    seq: int
    at: float
    system: str
    operation: str
    method: str
    path: str
    status: int
    person_id: str | None
    correlation_id: str | None
    request: _Body
    response: _Body
    response_type: str
    response_binary: bool

    def entry(self) -> JournalEntry:
        if self.response_binary:
            response_body: Any = {"omitted": self.response_type, "bytes": self.response.total}
        else:
            response_body = self.response.value()
        return JournalEntry(
            seq=self.seq,
            at=datetime.fromtimestamp(self.at, UTC),
            system=self.system,
            operation=self.operation,
            method=self.method,
            path=self.path,
            status=self.status,
            person_id=self.person_id,
            correlation_id=self.correlation_id,
            request_body=self.request.value(),
            response_body=response_body,
            truncated=self.request.truncated or (not self.response_binary and self.response.truncated),
        )


@dataclass(frozen=True, slots=True)
class JournalFilter:
    system: str | None = None
    operation: str | None = None
    person_id: str | None = None
    since: int = 0  # entries with a greater seq
    since_time: datetime | None = None  # entries at or after this instant
    correlation_id: str | None = None

    def matches(self, record: _Record) -> bool:
        return (
            record.seq > self.since
            and (self.system is None or record.system == self.system)
            and (self.operation is None or record.operation == self.operation)
            and (self.person_id is None or record.person_id == self.person_id)
            and (self.correlation_id is None or record.correlation_id == self.correlation_id)
            and (self.since_time is None or record.at >= self.since_time.timestamp())
        )


class Journal:
    """A ring buffer of the last ``size`` upstream calls. Sequence numbers keep counting across clears."""

    def __init__(self, size: int = DEFAULT_SIZE, body_bytes: int = DEFAULT_BODY_BYTES) -> None:
        self._records: deque[_Record] = deque(maxlen=size)
        self.body_bytes = body_bytes
        self._seq = 0

    @property
    def size(self) -> int:
        return self._records.maxlen or 0

    def configure(self, *, size: int, body_bytes: int) -> None:
        """New bounds (settings); keeps the newest entries that fit."""
        self._records = deque(self._records, maxlen=size)
        self.body_bytes = body_bytes

    def clear(self) -> None:
        self._records.clear()

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[JournalEntry]:
        """Every entry held, oldest first (tests: ``[e for e in state.journal if e.operation == ...]``)."""
        return iter(self.entries())

    def __eq__(self, other: object) -> bool:
        """Equal to the list of its entries, so that a test can say ``assert state.journal == []``."""
        if isinstance(other, list):
            return self.entries() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _append(self, record: _Record) -> None:
        self._records.append(record)

    def _select(self, where: JournalFilter) -> Iterator[_Record]:
        return (r for r in self._records if where.matches(r))

    def entries(self, where: JournalFilter = JournalFilter(), *, limit: int | None = None) -> list[JournalEntry]:
        """Matching entries, oldest first; with ``limit``, the newest ``limit`` of them."""
        selected: Iterable[_Record] = list(self._select(where))
        if limit is not None:
            selected = list(selected)[-limit:] if limit else []
        return [r.entry() for r in selected]

    def count(self, where: JournalFilter = JournalFilter()) -> int:
        return sum(1 for _ in self._select(where))


class JournalMiddleware:
    """Records every call to an upstream route (``/letasyl``, ``/jobnet``, ``/cpr``) in ``journal``, after it is
    answered: what the client got, including faults injected further in. Everything else passes straight through."""

    def __init__(self, app: ASGIApp, journal: Journal) -> None:
        self.app = app
        self.journal = journal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        system = path.split("/", 2)[1] if path.count("/") >= 2 else ""
        if system not in SYSTEMS:
            await self.app(scope, receive, send)
            return
        journal = self.journal
        request = _Body(journal.body_bytes)
        response = _Body(journal.body_bytes)
        response_type = ""
        binary = False
        status = 0

        async def receive_and_keep() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                request.add(message.get("body", b""))
            return message

        async def send_and_keep(message: Message) -> None:
            nonlocal response, response_type, binary, status
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", ()):
                    if name == b"content-type":
                        response_type = value.decode("latin-1")
                        if not value.startswith(_TEXTUAL):
                            binary = True
                            response = _Body(0)  # counts the length, keeps nothing
                        break
            elif message["type"] == "http.response.body":
                response.add(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive_and_keep, send_and_keep)
        finally:
            route = scope.get("route")
            correlation_id = next((v.decode("latin-1") for k, v in scope["headers"] if k == CORRELATION_HEADER), None)
            journal._append(
                _Record(
                    seq=journal._next_seq(),
                    at=time.time(),
                    system=system,
                    operation=str(getattr(route, "name", "unknown")),
                    method=scope["method"],
                    path=path,
                    status=status,
                    person_id=scope.get("state", {}).get("person_id"),
                    correlation_id=correlation_id,
                    request=request,
                    response=response,
                    response_type=response_type,
                    response_binary=binary,
                )
            )
