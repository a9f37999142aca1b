"""Benchmark of the caseworker's worklist (GET /v1/contact-groups): the time of one page at 1,000 and at 100,000
cases, for the default order and for each filter, through the real HTTP route. Keyset pagination on an index per
filter should make the page time independent of the number of cases: the ratio 100k/1k is printed, near 1.

In-process (ASGITransport), a fresh SQLite file or the database in DFDG_BENCH_DATABASE_URL (a PostgreSQL one is
dropped and recreated). The cases are written straight into the tables (the create route would take minutes).
Bounded: a fixed number of page reads per size, then it stops.

    .venv/bin/python bench/bench_worklist.py [--sizes 1000 100000] [--reads 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import delete, insert

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
    "contact_group": {"contact_group": 20},
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
                            "case_id": case_id,
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
            async with engine.connect() as connection:
                await connection.exec_driver_sql("ANALYZE")
    finally:
        await engine.dispose()


async def measure(url: str, reads: int) -> dict[str, float]:
    settings = Settings(
        environment=Environment.DEVELOPMENT,
        database_url=url,
        upstream_base_url="http://upstream.test",
        jwt_secret=secrets.token_urlsafe(32),  # development HS256 tokens for the bench only
    )
    app = create_app(settings, clock=FixedClock(TODAY))
    headers = {"Authorization": f"Bearer {issue_token(settings, '101', subject='bench')}"}
    timings: dict[str, float] = {}
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://broker") as client,
    ):
        for name, params in QUERIES.items():
            first = await client.get("/v1/contact-groups", params=params | {"limit": 50}, headers=headers)
            assert first.status_code == 200, first.text
            cursor = first.json()["next_cursor"]
            samples = []
            for i in range(reads):
                page = params | {"limit": 50} | ({"cursor": cursor} if cursor and i % 2 else {})
                began = time.perf_counter()
                response = await client.get("/v1/contact-groups", params=page, headers=headers)
                samples.append(time.perf_counter() - began)
                assert response.status_code == 200, response.text
            timings[name] = statistics.median(samples) * 1000
    return timings


async def main(sizes: list[int], reads: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("DFDG_BENCH_DATABASE_URL") or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        if url.startswith("postgresql"):
            await recreate_postgres_database(url)
        await asyncio.to_thread(upgrade, url, configure_logging=False)
        results: dict[int, dict[str, float]] = {}
        for size in sizes:
            began = time.perf_counter()
            await fill(url, size)
            print(f"worklist: {size:,} cases written in {time.perf_counter() - began:.1f} s")
            results[size] = await measure(url, reads)
        small, large = min(sizes), max(sizes)
        print(f"worklist page of 50 (median ms, {reads} reads each; first pages and cursor pages alternate)")
        print(f"{'query':<18}" + "".join(f"{size:>12,}" for size in sizes) + f"{'ratio':>8}")
        for name in QUERIES:
            row = "".join(f"{results[size][name]:>12.1f}" for size in sizes)
            print(f"{name:<18}{row}{results[large][name] / results[small][name]:>8.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--reads", type=int, default=50)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.sizes, arguments.reads))
