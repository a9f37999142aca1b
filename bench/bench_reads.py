"""Benchmark of the broker's hot paths: data-area reads, frozen (database only) and live (operator + snapshot), and
the case read that case systems poll (its summary of what needs a human is computed from the database on each read).

In-process (ASGITransport, the mock upstream in the same process), one core, a fresh SQLite file or the database
in DFDG_BENCH_DATABASE_URL (a PostgreSQL one is dropped and recreated).
Bounded: a fixed number of requests, then it stops. Prints requests per second.

    .venv/bin/python bench/bench_reads.py [--reads 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from dfdg_broker.app import create_app
from dfdg_broker.clock import FixedClock
from dfdg_broker.db.migrate import recreate_postgres_database, upgrade
from dfdg_broker.mock.app import create_mock_app
from dfdg_broker.mock.identity import default_identity_provider
from dfdg_broker.mock.state import MockState
from dfdg_broker.settings import Environment, Settings

TODAY = date(2026, 11, 23)


async def main(reads: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("DFDG_BENCH_DATABASE_URL") or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        if url.startswith("postgresql"):
            await recreate_postgres_database(url)
        await asyncio.to_thread(upgrade, url, configure_logging=False)
        settings = Settings(environment=Environment.TEST, database_url=url, upstream_base_url="http://mock")
        mock = MockState.with_demo_fixtures()
        clock = FixedClock(TODAY)
        app = create_app(settings, clock=clock, upstream_transport=httpx.ASGITransport(app=create_mock_app(mock)))
        async with (
            LifespanManager(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://broker") as client,
        ):
            cases = []
            for persona in mock.personas.values():
                if persona.person.birth_date > TODAY.replace(year=TODAY.year - 15):
                    continue  # minors under 15 need the special procedure (M1); not the point here
                municipality = persona.person.receiving_municipality
                token = default_identity_provider().issue(str(settings.oidc_issuer), municipality)
                headers = {"Authorization": f"Bearer {token}"}
                body = {
                    "cpr": persona.cpr,
                    "receiving_municipality": municipality,
                    "contact_group": 27,
                    "handover_date": (TODAY + timedelta(days=5)).isoformat(),
                }
                response = await client.post("/v1/contact-groups", json=body, headers=headers)
                response.raise_for_status()
                cases.append((response.json()["id"], headers))

            async def run(label: str, resource: str) -> None:
                latencies: list[float] = []
                queue = [cases[i % len(cases)] for i in range(reads)]

                async def worker() -> None:
                    while queue:
                        case_id, headers = queue.pop()
                        started = time.perf_counter()
                        r = await client.get(f"/v1/contact-groups/{case_id}{resource}", headers=headers)
                        latencies.append(time.perf_counter() - started)
                        assert r.status_code == 200, r.text

                started = time.perf_counter()
                await asyncio.gather(*(worker() for _ in range(concurrency)))
                elapsed = time.perf_counter() - started
                latencies.sort()
                print(
                    f"{label:<34} {reads / elapsed:8.0f} req/s   p50 {statistics.median(latencies) * 1000:6.2f} ms"
                    f"   p99 {latencies[int(len(latencies) * 0.99) - 1] * 1000:6.2f} ms"
                )

            print(
                f"{len(cases)} cases, {reads} reads each run, concurrency {concurrency}, database {url.split(':')[0]}"
            )
            await run("live read (operator + snapshot)", "/data-areas/cv")
            await run("case read (with its summary)", "")
            clock.set(TODAY + timedelta(days=30))
            await run("frozen read (database only)", "/data-areas/cv")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(args.reads, args.concurrency))
