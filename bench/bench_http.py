"""What clients see: the broker's hot paths over real HTTP, as a ratio of a bare FastAPI app's throughput.

Starts, on loopback, the floor (bench/floor.py: FastAPI + uvicorn checking an HS256 JWT, ~350 bytes), the mock
upstream (with synthetic personas, bench/mock_server.py) and the broker (``dfdg-broker serve``) on SQLite, plus a
second broker on PostgreSQL when ``DFDG_BENCH_DATABASE_URL`` is set (that database is dropped and recreated). It seeds
cases through the broker's API, then measures each path with wrk (1 thread, 50 connections) in interleaved rounds:
each round measures the floor, then every path, so a path's ratio compares two figures taken seconds apart on the
same (shared, noisy) machine. Prints, per path, ``ratio <path> <median> (min-max) p99=<ms>`` and the floor's req/s,
then the goals of issue 14 and a Markdown table for the README.

``--scale N`` (``make bench-scale``): a second database per kind, seeded alike and then given N more cases, served by
a broker of its own; its reads join the same interleaved rounds, each right beside the same read on the small
database, and both databases are first brought to the state a production one is in (see ``steady_state``). The
slowdown at scale is then one round's two figures, taken seconds apart, not rounds before and after minutes apart.

Bounded: a fixed number of rounds of fixed length, and a hard deadline for the whole run.

    .venv/bin/python bench/bench_http.py [--rounds 3] [--duration 3] [--warmup 1] [--connections 50]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from personas import MUNICIPALITY, bench_personas  # noqa: E402

from dfdg_broker.auth import issue_token  # noqa: E402
from dfdg_broker.db.migrate import recreate_postgres_database  # noqa: E402
from dfdg_broker.settings import Environment, Settings  # noqa: E402

TODAY = date(2026, 11, 23)
BIN = Path(sys.executable).parent
PORT_BASE = int(os.environ.get("DFDG_BENCH_PORT_BASE", "18710"))
PERSONAS = 20000
SEED_CASES = 60  # per kind (live, frozen) and database

# path -> (minimum ratio to the floor, p99 limit in ms or None): issue 14's goals
GOALS: dict[str, tuple[float, float | None]] = {
    "frozen-read": (0.5, 50.0),
    "live-read": (0.25, 100.0),
    "case-read": (0.4, None),
    "cv-draft": (0.1, None),
    "create": (0.05, None),
    "mock-lookup": (0.5, None),
}


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    used: int
    requests: int = 0
    cpu_seconds: float = 0.0  # the server's process group, from the start of the load to the end of its backlog


@dataclass
class Target:
    name: str  # e.g. "sqlite/frozen-read"
    port: int
    requests_file: Path
    consumes: bool = False  # each request is used once (creates): later runs start where the last one stopped
    offset: int = 0
    server_pid: int | None = None  # its process group's CPU time is measured (brokers started here)
    runs: list[Run] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)


class Processes:
    """The servers this benchmark started; each is stopped by its own process group, nothing else."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> None:
        log = (self.logs / f"{name}.log").open("wb")
        self.started.append(
            subprocess.Popen(  # noqa: S603 - our own executables, no shell
                command, env=os.environ | env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        )

    def stop(self) -> None:
        for process in self.started:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)


def wait_until_up(port: int, processes: Processes, name: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return
        except httpx.TransportError:
            if any(p.poll() is not None for p in processes.started):
                break
            time.sleep(0.1)
    raise SystemExit(f"{name} did not start on port {port}; see {processes.logs / (name + '.log')}")


def settle(port: int, limit_ms: float = 50, timeout: float = 15) -> None:
    """Wait until the server has drained what the last run left queued (wrk stops; the server finishes its
    backlog): a probe must answer within ``limit_ms``. Otherwise the backlog would be charged to the next path."""
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=timeout) as client:
        while time.monotonic() < deadline:
            began = time.perf_counter()
            client.get("/bench-probe")
            if (time.perf_counter() - began) * 1000 < limit_ms:
                return
            time.sleep(0.05)


def write_requests(path: Path, lines: Iterator[tuple[str, str, str]]) -> Path:
    path.write_text("".join(f"{method}\t{target}\t{body}\n" for method, target, body in lines), encoding="utf-8")
    return path


def create_body(cpr: str, handover: date) -> str:
    return json.dumps(
        {
            "cpr": cpr,
            "receiving_municipality": MUNICIPALITY,
            "contact_group": 27,
            "handover_date": handover.isoformat(),
        }
    )


async def seed(port: int, token: str, cprs: list[str], handover: date) -> list[str]:
    """Create one case per CPR number through the broker's API; returns the case ids."""
    headers = {"Authorization": f"Bearer {token}"}
    ids: list[str] = []
    gate = asyncio.Semaphore(8)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60) as client:

        async def one(cpr: str) -> None:
            async with gate:
                response = await client.post(
                    "/v1/contact-groups",
                    content=create_body(cpr, handover),
                    headers={"Content-Type": "application/json"},
                )
            if response.status_code != 201:
                raise SystemExit(f"seeding failed: {response.status_code} {response.text[:300]}")
            ids.append(response.json()["id"])

        await asyncio.gather(*(one(c) for c in cprs))
    return ids


async def add_filler_cases(url: str, template_case_id: str, count: int) -> None:
    """``count`` more cases, copies of a seeded one (its snapshots too) under new ids and look-up keys, inserted
    straight into the database: the scale check (the hot paths must use index scans only)."""
    from sqlalchemy import MetaData, select

    from dfdg_broker.db.session import create_engine

    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            metadata = MetaData()
            await connection.run_sync(lambda sync: metadata.reflect(sync, only=["cases", "snapshots"]))
            cases, snapshots = metadata.tables["cases"], metadata.tables["snapshots"]
            case = (await connection.execute(select(cases).where(cases.c.id == template_case_id))).mappings().one()
            shots = (
                (await connection.execute(select(snapshots).where(snapshots.c.case_id == template_case_id)))
                .mappings()
                .all()
            )
            unique = [c.name for c in cases.columns if "lookup" in c.name]
            for start in range(0, count, 2000):
                ids = [f"cg_filler{n:012d}" for n in range(start, min(start + 2000, count))]
                await connection.execute(
                    cases.insert(),
                    [
                        dict(case)
                        | {"id": i}
                        | {u: secrets.token_hex(32)[: cases.c[u].type.length or 64] for u in unique}
                        for i in ids
                    ],
                )
                await connection.execute(
                    snapshots.insert(),
                    [{k: v for k, v in shot.items() if k != "id"} | {"case_id": i} for i in ids for shot in shots],
                )
    finally:
        await engine.dispose()


async def steady_state(url: str) -> None:
    """What a database serving for a while is in, and one that was just filled is not, so that the small and the
    large database are measured alike: on PostgreSQL every table vacuumed and analysed (autovacuum's work, which
    may be off or not yet done; the visibility map lets index-only scans skip the heap) and a checkpoint (no flush of
    the bulk insert's dirty pages during the rounds); on SQLite the write-ahead log checkpointed and truncated (the
    readers no longer look pages up in a log of the whole insert). SQLite is not analysed: the broker never does,
    so its plans are the ones without statistics."""
    if url.startswith("postgresql"):
        import asyncpg
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        connection = await asyncpg.connect(
            host=parsed.host,
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            database=parsed.database,
        )
        try:
            await connection.execute("VACUUM (ANALYZE)")
            await connection.execute("CHECKPOINT")
        finally:
            await connection.close()
    else:
        import sqlite3

        path = url.split("///", 1)[1]
        with contextlib.closing(sqlite3.connect(path, timeout=30)) as connection:
            busy, _log, _moved = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise SystemExit(f"{path}: the write-ahead log could not be checkpointed (a reader held it)")


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of every process in the process group (a server and its workers), from /proc."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def wrk(target: Target, token: str, seconds: float, connections: int) -> Run:
    cpu_before = group_cpu_seconds(target.server_pid) if target.server_pid else 0.0
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-H",
        f"Authorization: Bearer {token}",
        "-H",
        "Content-Type: application/json",
        "-s",
        str(HERE / "requests.lua"),
        f"http://127.0.0.1:{target.port}",
        "--",
        str(target.requests_file),
        str(target.offset),
    ]
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=True).stdout  # noqa: S603
    line = next((x for x in output.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no summary for {target.name}:\n{output}")
    summary = json.loads(line.removeprefix("WRKJSON "))
    settle(target.port)
    cpu = group_cpu_seconds(target.server_pid) - cpu_before if target.server_pid else 0.0
    if target.consumes:
        target.offset += summary["used"]
    errors = sum(summary[k] for k in ("connect", "read", "write", "status", "timeout"))
    return Run(
        rps=summary["requests"] / (summary["duration_us"] / 1e6),
        p50_ms=summary["p50_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000,
        errors=errors,
        used=summary["used"],
        requests=summary["requests"],
        cpu_seconds=cpu,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=3.0, help="seconds measured per path and round")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of load before each path's first round")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--only", default="", help="comma-separated path names (e.g. frozen-read,create)")
    parser.add_argument("--deadline", type=float, default=170, help="seconds; later rounds are skipped after it")
    parser.add_argument(
        "--scale",
        type=int,
        default=0,
        help="measure the reads also on a second database with this many more cases, in the same rounds "
        "(make bench-scale)",
    )
    parser.add_argument("--keep-logs", default="", help="copy the servers' logs and request files to this folder")
    parser.add_argument(
        "--baseline",
        default="",
        help="the bin folder of another checkout's virtualenv (e.g. main's): its broker serves the same database "
        "beside this one, and every path is measured on both in the same rounds (before/after in one run)",
    )
    args = parser.parse_args()
    started = time.monotonic()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk; `make bench` does it)")

    databases: dict[str, str | None] = {"sqlite": None}
    if os.environ.get("DFDG_BENCH_DATABASE_URL"):
        databases["postgresql"] = os.environ["DFDG_BENCH_DATABASE_URL"]
    if args.scale:  # each database's twin, which gets the filler cases: "<kind>-scaled", served by its own broker
        databases |= {f"{kind}-scaled": url and scaled_url(url) for kind, url in databases.items()}
    secret = "bench-" + secrets.token_hex(32)
    settings = Settings(environment=Environment.DEVELOPMENT, jwt_secret=secret)
    token = issue_token(settings, MUNICIPALITY, ttl=timedelta(hours=1))

    with tempfile.TemporaryDirectory(prefix="dfdg-bench-") as folder_name:
        folder = Path(folder_name)
        processes = Processes(folder)
        try:
            floor_port, mock_port = PORT_BASE, PORT_BASE + 1
            # The rate limits are the deployment's business, not the measurement's: at their defaults most of the
            # load would be answered 429 and the figures would measure the limiter.
            common = {
                "DFDG_JWT_SECRET": secret,
                "DFDG_LOG_LEVEL": "WARNING",
                "DFDG_RATE_LIMIT_READ": "1000000/second",
                "DFDG_RATE_LIMIT_WRITE": "1000000/second",
            }
            processes.start(
                "floor",
                [str(BIN / "python"), str(HERE / "floor.py"), "--port", str(floor_port)],
                common,
            )
            processes.start(
                "mock",
                [
                    str(BIN / "python"),
                    str(HERE / "mock_server.py"),
                    "--port",
                    str(mock_port),
                    "--personas",
                    str(PERSONAS),
                ],
                common,
            )
            brokers: dict[str, int] = {}
            baselines: dict[str, int] = {}
            pids: dict[int, int] = {}
            urls: dict[str, str] = {}
            templates: dict[str, str] = {}
            for i, (kind, url) in enumerate(databases.items()):
                url = url or f"sqlite+aiosqlite:///{folder / (kind.replace('sqlite', 'bench') + '.db')}"
                if url.startswith("postgresql"):
                    asyncio.run(recreate_postgres_database(url))
                env = common | {
                    "DFDG_DATABASE_URL": url,
                    "DFDG_UPSTREAM_BASE_URL": f"http://127.0.0.1:{mock_port}",
                    "DFDG_FIXED_TODAY": TODAY.isoformat(),
                    "DFDG_ENVIRONMENT": "development",
                    # One municipality sends every request here: at the default limits (1200 reads, 120 writes a
                    # minute) the seeding alone uses up the write window and wrk would time fast 429s. The limiter
                    # still counts every request, so its cost stays in the figures.
                    "DFDG_RATE_LIMIT_READ": "10000000/minute",
                    "DFDG_RATE_LIMIT_WRITE": "10000000/minute",
                }
                subprocess.run(  # noqa: S603 - our own executable, no shell
                    [str(BIN / "dfdg-broker"), "migrate"],
                    env=os.environ | env,
                    check=True,
                    timeout=120,
                    capture_output=True,
                )
                urls[kind] = url
                port = PORT_BASE + 2 + i
                processes.start(f"broker-{kind}", [str(BIN / "dfdg-broker"), "serve", "--port", str(port)], env)
                brokers[kind] = port
                pids[port] = processes.started[-1].pid
                if args.baseline and not kind.endswith(SCALED):
                    baseline_port = PORT_BASE + 10 + i
                    command = [str(Path(args.baseline) / "dfdg-broker"), "serve", "--port", str(baseline_port)]
                    processes.start(f"broker-{kind}-baseline", command, env)
                    baselines[kind] = baseline_port
                    pids[baseline_port] = processes.started[-1].pid
            for name, port in [("floor", floor_port), ("mock", mock_port)] + [
                (f"broker-{k}", p) for k, p in (brokers | {f"{k}-baseline": p for k, p in baselines.items()}).items()
            ]:
                wait_until_up(port, processes, name)

            personas = [p.cpr for p in bench_personas(PERSONAS)]
            used = 0
            targets: list[Target] = []
            floor = Target("floor", floor_port, write_requests(folder / "floor.txt", iter([("GET", "/floor", "")])))
            for kind, port in brokers.items():
                live_cprs, frozen_cprs = (
                    personas[used : used + SEED_CASES],
                    personas[used + SEED_CASES : used + 2 * SEED_CASES],
                )
                used += 2 * SEED_CASES
                seed_started = time.monotonic()
                live = asyncio.run(seed(port, token, live_cprs, TODAY + timedelta(days=5)))
                frozen = asyncio.run(seed(port, token, frozen_cprs, TODAY - timedelta(days=10)))
                templates[kind] = frozen[0]
                print(
                    f"{kind}: seeded {len(live) + len(frozen)} cases in {time.monotonic() - seed_started:.1f} s",
                    flush=True,
                )
                base = "/v1/contact-groups"
                scaled = kind.endswith(SCALED)  # the reads only (the paths the scale check is about)
                targets += [
                    Target(
                        f"{kind}/frozen-read",
                        port,
                        write_requests(
                            folder / f"{kind}-frozen.txt", (("GET", f"{base}/{c}/data-areas/cv", "") for c in frozen)
                        ),
                    ),
                    Target(
                        f"{kind}/live-read",
                        port,
                        write_requests(
                            folder / f"{kind}-live.txt", (("GET", f"{base}/{c}/data-areas/cv", "") for c in live)
                        ),
                    ),
                    Target(
                        f"{kind}/case-read",
                        port,
                        write_requests(folder / f"{kind}-case.txt", (("GET", f"{base}/{c}", "") for c in live)),
                    ),
                    *(
                        []
                        if scaled
                        else [
                            Target(
                                f"{kind}/cv-draft",
                                port,
                                write_requests(
                                    folder / f"{kind}-draft.txt",
                                    (("POST", f"{base}/{c}/jobnet-cv/draft", "") for c in frozen),
                                ),
                            )
                        ]
                    ),
                ]
            # Creates: every request a new person; the databases share the pool, each run continues the last one.
            pool = personas[used:]
            create_file = write_requests(
                folder / "create.txt",
                (("POST", "/v1/contact-groups", create_body(c, TODAY + timedelta(days=5))) for c in pool),
            )
            shared_offset = Target("create", 0, create_file, consumes=True)
            for kind, port in brokers.items():
                if not kind.endswith(SCALED):
                    targets.append(Target(f"{kind}/create", port, create_file, consumes=True))
            targets.append(
                Target(
                    "mock-lookup",
                    mock_port,
                    write_requests(
                        folder / "lookup.txt",
                        (
                            (
                                "POST",
                                "/letasyl/v1/person-lookups",
                                json.dumps({"cpr": c, "receiving_municipality": MUNICIPALITY}),
                            )
                            for c in personas[:2000]
                        ),
                    ),
                )
            )
            if args.only:
                wanted = set(args.only.split(","))
                targets = [t for t in targets if t.name.split("/")[-1] in wanted]
            targets += [  # each path once more on the baseline broker (same database, same requests; creates
                # take the next persons of the shared pool, so neither broker repeats one)
                Target(f"{kind}-baseline/{t.name.split('/')[-1]}", baselines[kind], t.requests_file, t.consumes)
                for t in list(targets)
                if (kind := t.name.split("/")[0]) in baselines
            ]
            for target in targets:
                target.server_pid = pids.get(target.port)
            if args.scale:
                targets = beside_their_twins(targets)
                for kind, url in urls.items():
                    if kind.endswith(SCALED):
                        began = time.monotonic()
                        asyncio.run(add_filler_cases(url, templates[kind], args.scale))
                        print(f"{kind}: added {args.scale} cases in {time.monotonic() - began:.0f} s", flush=True)
                for kind, url in urls.items():
                    began = time.monotonic()
                    asyncio.run(steady_state(url))
                    print(f"{kind}: steady state (see steady_state) in {time.monotonic() - began:.0f} s", flush=True)

            print(
                f"rounds {args.rounds} x ({len(targets)} paths + floor), {args.duration:g} s each, "
                f"{args.connections} connections, wrk 1 thread",
                flush=True,
            )
            for round_number in range(args.rounds):
                # Every other round in reverse order, so that no path is always measured right after the floor.
                for target in [floor, *(targets if round_number % 2 == 0 else targets[::-1])]:
                    if target.consumes:
                        target.offset = shared_offset.offset
                    if round_number == 0 and args.warmup > 0:
                        wrk(target, token, args.warmup, args.connections)
                    run = wrk(target, token, args.duration, args.connections)
                    if target.consumes:
                        shared_offset.offset = target.offset
                    target.runs.append(run)
                    if target is not floor:
                        target.ratios.append(run.rps / floor.runs[-1].rps)
                    if time.monotonic() - started > args.deadline:
                        print("deadline reached; reporting the rounds done so far", flush=True)
                        break
                else:
                    continue
                break
            if shared_offset.offset > len(pool):
                print(f"warning: {shared_offset.offset} creates but {len(pool)} persons: later ones were 409s")
            report(floor, targets, args, started)
            if args.scale:
                report_scale(targets, args.scale)
        finally:
            processes.stop()
            if args.keep_logs:
                shutil.copytree(folder, args.keep_logs, dirs_exist_ok=True)


SCALED = "-scaled"


def scaled_url(url: str) -> str:
    """The PostgreSQL database beside ``url``'s that gets the filler cases (``--scale``): its name + ``_scaled``."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_scaled").render_as_string(hide_password=False)


def beside_their_twins(targets: list[Target]) -> list[Target]:
    """Each scaled read right after the same read on the small database, so that the two are measured seconds
    apart in every round (and, as every other round runs in reverse, each goes first in turn)."""
    twins = {t.name: t for t in targets if t.name.split("/")[0].endswith(SCALED)}
    ordered: list[Target] = []
    for target in targets:
        if target.name in twins:
            continue
        ordered.append(target)
        kind, _, path = target.name.partition("/")
        twin = twins.get(f"{kind}{SCALED}/{path}")
        if twin is not None:
            ordered.append(twin)
    return ordered


def report_scale(targets: list[Target], scale: int) -> None:
    """``--scale``: per read, its latency on the database with ``scale`` more cases over its latency on the small
    one, round by round (wrk keeps the same 50 connections busy, so latency is the inverse of throughput), and the
    two brokers' CPU time per request. Issue 14: at most 1.2."""
    by_name = {t.name: t for t in targets}
    print(f"\nat {scale} more cases (latency at scale / latency on the small database, per round; goal <= 1.2):")
    for target in targets:
        kind, _, path = target.name.partition("/")
        if kind.endswith(SCALED) or (twin := by_name.get(f"{kind}{SCALED}/{path}")) is None:
            continue
        quotients = [small / large for small, large in zip(target.ratios, twin.ratios, strict=False) if large > 0]
        if not quotients:
            continue
        line = (
            f"scale {target.name} {statistics.median(quotients):.2f} ({min(quotients):.2f}-{max(quotients):.2f}) "
            f"(ratio to floor {statistics.median(target.ratios):.3f} vs {statistics.median(twin.ratios):.3f})"
        )
        cpu, cpu_at_scale = cpu_per_request_us(target), cpu_per_request_us(twin)
        if cpu:
            line += f"; CPU per request {cpu:.0f} -> {cpu_at_scale:.0f} us ({cpu_at_scale / cpu:.2f}x)"
        print(line, flush=True)


def report(floor: Target, targets: list[Target], args: argparse.Namespace, started: float) -> None:
    def spread(values: list[float], digits: int) -> str:
        return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"

    floor_rps = [r.rps for r in floor.runs]
    print(f"\nfloor {spread(floor_rps, 0)} req/s p99={statistics.median(r.p99_ms for r in floor.runs):.1f}ms")
    rows = []
    for target in targets:
        if not target.ratios:
            continue
        p99 = statistics.median(r.p99_ms for r in target.runs)
        errors = sum(r.errors for r in target.runs)
        rps = statistics.median(r.rps for r in target.runs)
        path = target.name.split("/")[-1]
        goal, p99_limit = GOALS.get(path, (0.0, None))
        ratio = statistics.median(target.ratios)
        met = ratio >= goal and (p99_limit is None or p99 < p99_limit) and errors == 0
        verdict = "met" if met else "NOT MET"
        goal_text = f">= {goal:g}" + (f", p99 < {p99_limit:g} ms" if p99_limit else "")
        print(
            f"ratio {target.name} {spread(target.ratios, 3)} p99={p99:.1f}ms  [{rps:.0f} req/s; goal {goal_text}: "
            f"{verdict}]"
            + (f" errors={errors}" if errors else "")
            + (f" cpu={cpu:.0f}us/req" if (cpu := cpu_per_request_us(target)) else ""),
            flush=True,
        )
        rows.append((target.name, spread(target.ratios, 3), f"{p99:.0f}", f"{rps:.0f}", goal_text, verdict))
    print(
        f"\nMarkdown ({datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}; floor {statistics.median(floor_rps):.0f} req/s; "
        f"{args.rounds} rounds x {args.duration:g} s, {args.connections} connections; "
        f"{time.monotonic() - started:.0f} s):"
    )
    print("| path | ÷ floor, median (range) | p99 ms | req/s | goal | |\n|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    compare_with_baseline(targets)


def compare_with_baseline(targets: list[Target]) -> None:
    """``--baseline``: per path, this broker's ratio over the baseline's, round by round (the same rounds)."""
    by_name = {t.name: t for t in targets}
    for target in targets:
        kind, _, path = target.name.partition("/")
        baseline = by_name.get(f"{kind}-baseline/{path}")
        if baseline is None or not target.ratios or not baseline.ratios:
            continue
        quotients = [a / b for a, b in zip(target.ratios, baseline.ratios, strict=False) if b > 0]
        cpu, baseline_cpu = cpu_per_request_us(target), cpu_per_request_us(baseline)
        print(
            f"vs-baseline {target.name} this/baseline {statistics.median(quotients):.3f} "
            f"({min(quotients):.3f}-{max(quotients):.3f}) per round; CPU per request {cpu:.0f} us vs "
            f"{baseline_cpu:.0f} us ({cpu / baseline_cpu - 1:+.1%})",
            flush=True,
        )


def cpu_per_request_us(target: Target) -> float:
    """The server's CPU time per answered request over every round: unlike req/s, the other processes on a
    shared machine barely move it."""
    requests = sum(r.requests for r in target.runs)
    return 1e6 * sum(r.cpu_seconds for r in target.runs) / requests if requests else 0.0


if __name__ == "__main__":
    main()
