"""Database round trips per request on the hot paths (issue 14): each statement and each commit is a round trip
(a thread hop on SQLite), so these counts are pinned; a change that adds one must say why."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from dfdg_broker import app_state
from dfdg_broker.audit.dependencies import ACCESS_LOG_WRITER
from tests.conftest import TODAY
from tests.helpers import create_case, days


@contextmanager
def round_trips(app) -> Iterator[list[str]]:
    """The statements and commits of the request's engine and of the access-log writer's (its own connection)."""
    engines = {app_state.SESSIONS.get(app).kw["bind"].sync_engine, ACCESS_LOG_WRITER.get(app).engine.sync_engine}
    seen: list[str] = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        verb = statement.split()[0].upper()
        if verb != "BEGIN":  # SQLite's BEGIN is a statement here, PostgreSQL's is not: leave both out
            seen.append(verb)

    def on_commit(conn):  # type: ignore[no-untyped-def]
        seen.append("COMMIT")

    for engine in engines:
        event.listen(engine, "before_cursor_execute", on_execute)
        event.listen(engine, "commit", on_commit)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", on_execute)
            event.remove(engine, "commit", on_commit)


async def test_round_trips_of_the_hot_paths(app, client, auth, persona, clock):
    p = persona("complete-adult")
    handover = TODAY + days(2)
    case = await create_case(client, auth, p, handover)
    base = f"/v1/contact-groups/{case['id']}"
    counts = {}
    with round_trips(app) as seen:
        assert (await client.get(f"{base}/data-areas/cv", headers=auth("101"))).status_code == 200
    counts["live read"] = list(seen)
    with round_trips(app) as seen:
        assert (await client.get(base, headers=auth("101"))).status_code == 200
    counts["case read"] = list(seen)
    clock.set(handover + days(1))
    assert (await client.get(f"{base}/data-areas/cv", headers=auth("101"))).status_code == 200
    with round_trips(app) as seen:
        assert (await client.get(f"{base}/data-areas/cv", headers=auth("101"))).status_code == 200
    counts["cached frozen read"] = list(seen)
    # One SELECT (case and latest snapshot together); the read phase then ends before the operator call.
    # Every read then adds its access-log row: one INSERT and its COMMIT, made by the group-commit writer (shared
    # with the concurrent reads of other requests; alone here).
    log_row = ["INSERT", "COMMIT"]
    assert counts["live read"] == ["SELECT", *log_row], counts
    # One SELECT: the case with everything its summary needs (PDF requests, DA3, DA4, receipts, tasks done).
    assert counts["case read"] == ["SELECT", "COMMIT", *log_row], counts
    # One SELECT (the case and "is the cached snapshot still stored") and the commit.
    assert counts["cached frozen read"] == ["SELECT", "COMMIT", *log_row], counts
