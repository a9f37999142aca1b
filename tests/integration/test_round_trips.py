"""Database round trips per request on the hot paths (issue 14): each statement and each commit is a round trip
(a thread hop on SQLite), so these counts are pinned; a change that adds one must say why. A statement run on the
driver itself (``db.driver``: autocommit, a batch's transaction whole) is one round trip, counted as ``driver ...``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import async_sessionmaker

from dfdg_broker import app_state
from dfdg_broker.db.driver import AsyncpgDriver, SqliteDriver
from tests.conftest import TODAY
from tests.helpers import create_case, days


@contextmanager
def round_trips(app, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The statements, commits and rollbacks of the request's engine, and the round trips made on the driver (the
    frozen-read check, the access-log writer's batches)."""
    engine = app_state.SESSIONS.get(app).kw["bind"].sync_engine
    seen: list[str] = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        verb = statement.split()[0].upper()
        if verb != "BEGIN":  # SQLite's BEGIN is a statement here, PostgreSQL's is not: leave both out
            seen.append(verb)

    def on_commit(conn):  # type: ignore[no-untyped-def]
        seen.append("COMMIT")

    def on_rollback(conn):  # type: ignore[no-untyped-def]
        seen.append("ROLLBACK")

    def counted(method):  # type: ignore[no-untyped-def]
        async def run(self, statement, values):  # type: ignore[no-untyped-def]
            seen.append("driver " + statement.sql.split()[0].upper())
            return await method(self, statement, values)

        return run

    def counted_batch(method):  # type: ignore[no-untyped-def]
        async def run(self, batch):  # type: ignore[no-untyped-def]
            verbs = [type(statement).__name__.upper() for statement, _rows in batch.steps]
            seen.append("driver transaction: " + " ".join(verbs))
            return await method(self, batch)

        return run

    with monkeypatch.context() as patch:
        for driver in (SqliteDriver, AsyncpgDriver):
            patch.setattr(driver, "fetch_one", counted(driver.fetch_one))
            patch.setattr(driver, "insert_all", counted(driver.insert_all))
            patch.setattr(driver, "write", counted_batch(driver.write))
        event.listen(engine, "before_cursor_execute", on_execute)
        event.listen(engine, "commit", on_commit)
        event.listen(engine, "rollback", on_rollback)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", on_execute)
            event.remove(engine, "commit", on_commit)
            event.remove(engine, "rollback", on_rollback)


async def test_round_trips_of_the_hot_paths(app, client, auth, persona, clock, monkeypatch):
    p = persona("complete-adult")
    handover = TODAY + days(2)
    counts = {}
    with round_trips(app, monkeypatch) as seen:
        case = await create_case(client, auth, p, handover)
    counts["create"] = list(seen)
    base = f"/v1/contact-groups/{case['id']}"
    with round_trips(app, monkeypatch) as seen:
        assert (await client.get(f"{base}/data-areas/cv", headers=auth("101"))).status_code == 200
    counts["live read"] = list(seen)
    with round_trips(app, monkeypatch) as seen:
        assert (await client.get(base, headers=auth("101"))).status_code == 200
    counts["case read"] = list(seen)
    clock.set(handover + days(1))
    assert (await client.get(f"{base}/data-areas/cv", headers=auth("101"))).status_code == 200
    with round_trips(app, monkeypatch) as seen:
        assert (await client.get(f"{base}/data-areas/cv", headers=auth("101"))).status_code == 200
    counts["cached frozen read"] = list(seen)
    # Is there a case already (one SELECT on the driver, in autocommit: no session), then, after the operator calls,
    # one INSERT per table in one transaction on the driver (the case, its look-up keys, the snapshots, the
    # documents, its worklist row and items, its access-log row), one round trip on SQLite: a case created by this
    # request has nothing else stored about it to read back (``created_here``). On PostgreSQL that transaction is one
    # statement (``db.driver.data_modifying_ctes``), so the whole create is two round trips on either database.
    assert counts["create"] == ["driver SELECT", "driver transaction: " + " ".join(["INSERT"] * 7)], counts
    # A draft drafted before, on the same day: the register's and the operator's facts are held (N15).
    assert (await client.post(f"{base}/jobnet-cv/draft", headers=auth("101"))).status_code == 200
    with round_trips(app, monkeypatch) as seen:
        assert (await client.post(f"{base}/jobnet-cv/draft", headers=auth("101"))).status_code == 200
    counts["draft of a frozen DA1"] = list(seen)
    # A case created after its takeover date: its only snapshot is the frozen one (the final snapshot, G1).
    settled = persona("long-settled")
    late = await create_case(client, auth, settled, TODAY - days(30))
    draft, municipality = f"/v1/contact-groups/{late['id']}/jobnet-cv/draft", settled.person.receiving_municipality
    assert (await client.post(draft, headers=auth(municipality))).status_code == 200
    with round_trips(app, monkeypatch) as seen:
        response = await client.post(draft, headers=auth(municipality))
    assert response.status_code == 200 and response.json()["source"]["da1_mode"] == "frozen", response.text
    counts["draft of a DA1 frozen before the case"] = list(seen)
    # One SELECT on the driver, in autocommit (case and latest snapshot together): the read phase opens no session,
    # so nothing is rolled back before the operator call; the content is unchanged, so nothing is written.
    # Every read then adds its access-log row, in a batch the group-commit writer inserts and commits in one round
    # trip on the driver (shared with the concurrent reads of other requests; alone here).
    log_row = ["driver INSERT"]
    assert counts["live read"] == ["driver SELECT", *log_row], counts
    # One SELECT on the driver, in autocommit: the case with everything its summary needs (PDF requests, DA3, DA4,
    # receipts, tasks done).
    assert counts["case read"] == ["driver SELECT", *log_row], counts
    # One SELECT on the driver (the case, and "is the cached snapshot still stored"), in autocommit: no session,
    # no BEGIN or COMMIT.
    assert counts["cached frozen read"] == ["driver SELECT", *log_row], counts
    # One SELECT on the driver (the case and DA1's latest snapshot, the frozen one here); nothing upstream.
    assert counts["draft of a frozen DA1"] == ["driver SELECT", *log_row], counts
    assert counts["draft of a DA1 frozen before the case"] == ["driver SELECT", *log_row], counts


async def test_a_live_read_whose_answer_changed_nothing_makes_no_session(app, client, auth, persona, monkeypatch):
    """The read phase runs on the driver and nothing is written, so the unit of work never needs its session: none
    is made (building one cost a live read ~2 % of its CPU, issue 14)."""
    case = await create_case(client, auth, persona("complete-adult"), TODAY + days(2))
    area = f"/v1/contact-groups/{case['id']}/data-areas/cv"
    assert (await client.get(area, headers=auth("101"))).status_code == 200
    made: list[object] = []
    make = async_sessionmaker.__call__

    def counting(self, **local_kw):  # type: ignore[no-untyped-def]
        made.append(self)
        return make(self, **local_kw)

    monkeypatch.setattr(async_sessionmaker, "__call__", counting)
    response = await client.get(area, headers=auth("101"))
    assert response.status_code == 200 and response.json()["provenance"]["mode"] == "live", response.text
    assert made == []
    # The control: a create does use its session, and the patch sees it (else ``made == []`` would prove nothing).
    await create_case(client, auth, persona("parent-with-linked-children"), TODAY + days(2))
    assert made


async def test_a_create_on_postgresql_writes_its_rows_in_one_statement(app, client, auth, persona, database_url):
    """The staged batch (the case, its look-up keys, snapshots, documents, worklist rows, access-log row) reaches
    PostgreSQL as one statement in autocommit: no BEGIN, no statement per table, no COMMIT."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's write batch; on SQLite it is one hop to the driver's thread")
    import asyncpg

    sent: list[str] = []

    def counted(name: str, method):  # type: ignore[no-untyped-def]
        def run(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            sent.append(f"{name} {str(args[0]).split()[0].upper()}" if args else name)
            return method(self, *args, **kwargs)

        return run

    await create_case(client, auth, persona("long-settled"), TODAY + days(2))  # the driver's connections opened
    with pytest.MonkeyPatch.context() as patch:
        for name in ("execute", "executemany", "fetchrow", "transaction"):
            patch.setattr(asyncpg.Connection, name, counted(name, getattr(asyncpg.Connection, name)))
        await create_case(client, auth, persona("complete-adult"), TODAY + days(2))
    assert sent == ["fetchrow SELECT", "execute WITH"], sent
