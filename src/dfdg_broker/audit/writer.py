"""Group commit (issue 14 item 6): the access-log rows of concurrent reads are inserted together, in one
transaction, by one writer task per worker process; each read is answered only after its own row is committed.

A read puts its rows on a bounded queue and waits for its batch. The writer takes everything waiting (up to
``batch_rows`` rows), inserts it in one transaction and wakes each waiter: with success when the commit succeeded,
with ``AccessLogUnavailable`` when it did not; so a failed batch fails every request in it, and a request is never
told its row is written when it is not. A full queue answers 503 at once rather than piling reads up in memory.
While one batch commits, the next one gathers, and the writer lingers ``linger_seconds`` after
the first row of a batch (``DFDG_ACCESS_LOG_LINGER_MS``) so the reads being served right then join it: a commit
costs a round trip (and on SQLite a sync to disk) whatever its size, so under load one commit serves many reads;
alone, a read waits for one commit plus the linger. (On SQLite the default is no linger: its commit runs on the
connection's thread, and the rows that arrive meanwhile already make the next batch.)

Each worker process has its own writer (the lifespan starts it, ``aclose`` stops it after draining what is
queued); there is nothing to share between processes but the database. The writer has a driver of its own with
one connection: it must never queue for a pooled connection behind the very requests that are waiting for it. A
batch is one round trip on the driver itself (``db.driver``): asyncpg's atomic ``executemany`` in autocommit; on
SQLite BEGIN IMMEDIATE, the rows and COMMIT in one hop to the connection's thread (through SQLAlchemy and
aiosqlite a batch made about eight hops, and under load each waited for a turn of the event loop, which every read
of the batch waited for in turn). A batch that fails is tried once more on a fresh connection (the server may have
dropped an idle one) before its requests are failed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from dfdg_broker import metrics
from dfdg_broker.audit import repository
from dfdg_broker.audit.errors import AccessLogUnavailable
from dfdg_broker.audit.records import AccessEntry
from dfdg_broker.db.driver import Driver, DriverStatement

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Waiting:
    entries: Sequence[AccessEntry]
    done: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


def _time_out(done: asyncio.Future[None]) -> None:
    if not done.done():
        metrics.ACCESS_LOG_UNAVAILABLE.labels(reason="timeout").inc()
        done.set_exception(AccessLogUnavailable("The access log did not confirm the row in time."))


class GroupCommitWriter:
    def __init__(
        self,
        driver: Driver,
        *,
        queue_size: int,
        batch_rows: int,
        linger_seconds: float = 0.002,
        wait_seconds: float = 10.0,
    ) -> None:
        self._linger = linger_seconds
        self._wait = wait_seconds
        self._driver = driver  # one connection is enough: batches are written one at a time
        self._insert_entry = DriverStatement(repository.INSERT_ENTRY, driver.dialect)
        self._queue: asyncio.Queue[_Waiting | None] = asyncio.Queue(queue_size)
        self._batch_rows = batch_rows
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.batches = 0
        """How many transactions the writer has committed or tried (for tests and metrics)."""

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="access-log-writer")

    async def write(self, entries: Sequence[AccessEntry]) -> None:
        """Return once ``entries`` are committed; raise ``AccessLogUnavailable`` if they are not (then nothing may
        be sent). Rows of one call are always committed together."""
        if not entries:
            return
        if self._closing or self._task is None or self._task.done():
            metrics.ACCESS_LOG_UNAVAILABLE.labels(reason="stopping").inc()
            raise AccessLogUnavailable("The access log is not accepting rows (the worker is stopping).")
        waiting = _Waiting(entries)
        try:
            self._queue.put_nowait(waiting)
        except asyncio.QueueFull:
            metrics.ACCESS_LOG_UNAVAILABLE.labels(reason="queue_full").inc()
            raise AccessLogUnavailable("Too many reads are waiting for the access log.") from None
        # Bounded: a database that hangs (a lock, a network partition) answers 503, never a request that hangs.
        # The rows stay in their batch and are written when the database comes back; nothing was sent. A plain
        # timer rather than ``asyncio.timeout``, whose set-up costs a cached read ~1 % (issue 14).
        timer = asyncio.get_running_loop().call_later(self._wait, _time_out, waiting.done)
        try:
            await waiting.done  # cancelled (the client went away): its rows are still written, likewise
        finally:
            timer.cancel()

    async def aclose(self) -> None:
        """Stop accepting rows, write what is queued, stop the task."""
        if self._task is None:
            return
        self._closing = True
        await self._queue.put(None)
        await self._task
        self._task = None

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            first = await self._queue.get()
            if first is None:
                break
            if self._linger > 0 and not self._closing:
                await asyncio.sleep(self._linger)  # the reads being answered right now join this batch
            batch, rows = [first], len(first.entries)
            while rows < self._batch_rows and not self._queue.empty():
                more = self._queue.get_nowait()
                if more is None:
                    stopping = True
                    break
                batch.append(more)
                rows += len(more.entries)
            await self._commit(batch)

    async def _commit(self, batch: list[_Waiting]) -> None:
        self.batches += 1
        error: BaseException | None = None
        entries = [entry for waiting in batch for entry in waiting.entries]
        for _attempt in (1, 2):
            try:
                await self._insert(entries)
                error = None
                break
            except Exception as exc:  # the driver's, OSError: every one means "not committed" (and a new connection)
                error = exc
        metrics.ACCESS_LOG_BATCHES.labels(result="failed" if error else "committed").inc()
        metrics.ACCESS_LOG_BATCH_ROWS.observe(len(entries))
        if error is not None:
            metrics.ACCESS_LOG_UNAVAILABLE.labels(reason="failed").inc(len(batch))
            log.error(
                "access log: a batch of %d request(s) could not be committed: %s", len(batch), type(error).__name__
            )
        for waiting in batch:
            if waiting.done.done():
                continue
            if error is None:
                waiting.done.set_result(None)
            else:
                waiting.done.set_exception(AccessLogUnavailable())

    async def _insert(self, entries: list[AccessEntry]) -> None:
        await self._driver.insert_all(self._insert_entry, [repository.entry_values(entry) for entry in entries])
