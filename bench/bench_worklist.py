"""Benchmark of the caseworker's worklist (GET /v1/contact-groups): the time of one page at 1,000 and at 100,000
cases, for the default order and for each filter, through the real HTTP route. Keyset pagination on an index per
filter should make the page time independent of the number of cases: the ratio 100k/1k is printed, near 1.

In-process (ASGITransport), one broker and one database per size: a fresh SQLite file, or DFDG_BENCH_DATABASE_URL's
database with ``_<size>`` appended to its name (PostgreSQL; dropped and recreated). The brokers are read in turn, so
a change in the machine's load falls on every size alike; the process's CPU time per read is printed too. The cases
are written straight into the tables (the create route would take minutes). Bounded: a fixed number of page reads
per size, then it stops.

    .venv/bin/python bench/bench_worklist.py [--sizes 1000 100000] [--reads 50]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import delete, insert
from sqlalchemy.engine import make_url

from dfdg_broker.app import create_app, protection_from
from dfdg_broker.auth import issue_token
from dfdg_broker.clock import FixedClock
from dfdg_broker.db.migrate import recreate_postgres_database, upgrade
from dfdg_broker.db.models import CaseRow, WorklistAttentionRow, WorklistRow
from dfdg_broker.db.sealed import CASE_CPR
from dfdg_broker.db.session import create_engine
from dfdg_broker.settings import Environment, Settings

TODAY = date(2026, 11, 23)
MUNICIPALITIES = ("101", "751", "461", "561", "851")
QUERIES = {
    "default": {},
    "due_before": {"due_before": "2027-03-01"},
    "contact_group": {"contact_group": 17},  # the group of every case of the caller's municipality (101)
    "state=frozen": {"state": "frozen"},
    "created_between": {"created_from": "2026-06-01", "created_to": "2026-08-31"},
    "attention": {"attention": "children_link_overdue"},
}
BATCH = 5000


async def fill(url: str, cases: int) -> None:
    """``cases`` cases spread over five municipalities, with worklist rows and an attention item on every tenth."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    protection = protection_from(Settings(environment=Environment.TEST))
    try:
        async with engine.begin() as connection:
            for table in (WorklistAttentionRow, WorklistRow, CaseRow):
                await connection.execute(delete(table))
        for start in range(0, cases, BATCH):
            rows, worklist, attention = [], [], []
            for n in range(start, min(start + BATCH, cases)):
                case_id = f"cg_bench{n:07d}"
                municipality = MUNICIPALITIES[n % len(MUNICIPALITIES)]
                created = TODAY - timedelta(days=n % 365)
                handover = created + timedelta(days=10)
                rows.append(
                    {
                        "id": case_id,
                        "cpr": protection.seal_text("1204882211", CASE_CPR.at(case_id)),
                        "receiving_municipality": municipality,
                        "jobcenter_municipality": municipality,
                        "contact_group": (17, 18, 19, 20, 27)[n % 5],
                        "handover_date": handover,
                        "cv_update_deadline": handover + timedelta(days=60),
                        "person_id": f"7{n:07d}",
                        "asylum_decision_date": created - timedelta(days=30),
                        "jobnet_cv_number": 4100000 + n,
                        "jobnet_profile_created": False,
                        "created_on": created,
                        "created_at": now,
                        "created_by_municipality": municipality,
                    }
                )
                worklist.append(
                    {
                        "municipality": municipality,
                        "case_id": case_id,
                        "next_due_on": handover + timedelta(days=90 + n % 200),
                        "contact_group": (17, 18, 19, 20, 27)[n % 5],
                        "frozen_from": handover + timedelta(days=1),
                        "created_on": created,
                        "handover_date": handover,
                        "person_id": f"7{n:07d}",
                        "cpr_masked": "120488-****",
                    }
                )
                if n % 10 == 0:
                    attention.append(
                        {
                            "municipality": municipality,
                            "case_id": case_id,
                            "next_due_on": worklist[-1]["next_due_on"],
                            "code": "children_link_overdue",
                            "rule": "M3",
                            "active_from": created,
                            "active_until": None,
                            "due_date": created,
                        }
                    )
            async with engine.begin() as connection:
                await connection.execute(insert(CaseRow), rows)
                await connection.execute(insert(WorklistRow), worklist)
                await connection.execute(insert(WorklistAttentionRow), attention)
        if engine.dialect.name == "postgresql":
            # Committed: an ANALYZE rolled back with its transaction leaves the planner without statistics.
            async with engine.begin() as connection:
                await connection.exec_driver_sql("ANALYZE")
    finally:
        await engine.dispose()


@dataclass
class Timing:
    wall: list[float]
    cpu: list[float]
    rows: int = 0  # the page's items (a next page may be short: its time is then no page's of 50)

    def median_ms(self, which: str) -> float:
        return float(statistics.median(getattr(self, which))) * 1000


def app_for(url: str) -> tuple[FastAPI, dict[str, str]]:
    settings = Settings(
        environment=Environment.DEVELOPMENT,
        database_url=url,
        upstream_base_url="http://upstream.test",
        jwt_secret=secrets.token_urlsafe(32),  # development HS256 tokens for the bench only
    )
    headers = {"Authorization": f"Bearer {issue_token(settings, '101', subject='bench')}"}
    return create_app(settings, clock=FixedClock(TODAY)), headers


async def measure(urls: dict[int, str], reads: int) -> dict[str, dict[int, Timing]]:
    """Each query's page, read from every size's broker in turn (so a change in the machine's load falls on all
    sizes alike): the wall time and process CPU time per read, the first page (``<query>``) and the page after it
    (``<query> next``) apart. Together they made two clusters, and the median of reads half in each fell anywhere
    between them: a filter whose first page costs more than its next one (created_between skips the entries that
    come due before the window's first case) moved by up to 1.5 from one run to the next."""
    timings: dict[str, dict[int, Timing]] = {}
    async with contextlib.AsyncExitStack() as stack:
        brokers = {}
        for size, url in urls.items():
            app, headers = app_for(url)
            await stack.enter_async_context(LifespanManager(app))
            transport = httpx.ASGITransport(app=app)
            client = await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://broker"))
            brokers[size] = (client, headers)
        for name, params in QUERIES.items():
            cursors = {}
            samples = {page: {size: Timing([], []) for size in urls} for page in (name, f"{name} next")}
            for size, (client, headers) in brokers.items():
                first = await client.get("/v1/contact-groups", params=params | {"limit": 50}, headers=headers)
                assert first.status_code == 200, first.text
                assert len(first.json()["items"]) == 50, f"{name}: not a full page at {size:,} cases"
                cursors[size] = first.json()["next_cursor"]
            for i in range(reads):
                for size, (client, headers) in brokers.items():
                    after = cursors[size] if i % 2 else None
                    page = params | {"limit": 50} | ({"cursor": after} if after else {})
                    wall, cpu = time.perf_counter(), time.process_time()
                    response = await client.get("/v1/contact-groups", params=page, headers=headers)
                    timing = samples[f"{name} next" if after else name][size]
                    timing.wall.append(time.perf_counter() - wall)
                    timing.cpu.append(time.process_time() - cpu)
                    assert response.status_code == 200, response.text
                    timing.rows = len(response.json()["items"])
            timings |= {page: by_size for page, by_size in samples.items() if all(t.wall for t in by_size.values())}
    return timings


def database_for(size: int, folder: str) -> str:
    """A database per size: a SQLite file, or DFDG_BENCH_DATABASE_URL's database with ``_<size>`` appended."""
    base = os.environ.get("DFDG_BENCH_DATABASE_URL")
    if not base:
        return f"sqlite+aiosqlite:///{Path(folder) / f'bench_{size}.db'}"
    url = make_url(base)
    return url.set(database=f"{url.database}_{size}").render_as_string(hide_password=False)


async def main(sizes: list[int], reads: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        urls = {size: database_for(size, folder) for size in sorted(sizes)}
        for size, url in urls.items():
            if url.startswith("postgresql"):
                await recreate_postgres_database(url)
            await asyncio.to_thread(upgrade, url, configure_logging=False)
            began = time.perf_counter()
            await fill(url, size)
            print(f"worklist: {size:,} cases written in {time.perf_counter() - began:.1f} s")
        results = await measure(urls, reads)
    small, large = min(sizes), max(sizes)
    print(f"worklist page of 50: median wall ms over {reads} reads per size, the sizes in turn; first pages and")
    print("the pages after them (next) alternate. CPU: the process's CPU time per read (the access log's writer too)")
    header = "".join(f"{size:>10,}" for size in urls)
    print(f"{'query':<21}{header}{'ratio':>7}   CPU ms{header}{'ratio':>7}")
    for name, timing in results.items():
        walls = [timing[size].median_ms("wall") for size in urls]
        cpus = [timing[size].median_ms("cpu") for size in urls]
        wall_ratio = timing[large].median_ms("wall") / timing[small].median_ms("wall")
        cpu_ratio = timing[large].median_ms("cpu") / timing[small].median_ms("cpu")
        rows = [timing[size].rows for size in urls]
        print(
            f"{name:<21}{''.join(f'{w:>10.1f}' for w in walls)}{wall_ratio:>7.2f}"
            f"         {''.join(f'{c:>10.1f}' for c in cpus)}{cpu_ratio:>7.2f}"
            + ("" if len(set(rows)) == 1 else f"  (not comparable: {' vs '.join(map(str, rows))} items)")
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--reads", type=int, default=50)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.sizes, arguments.reads))
