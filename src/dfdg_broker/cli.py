"""`dfdg-broker ...`: serve, mock, dev, migrate, export-openapi, token, demo, workload, access-log export."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import uvicorn
from pydantic import ValidationError

from dfdg_broker.settings import Settings, SettingsError, deployment_problems, describe_errors

if TYPE_CHECKING:
    from fastapi import FastAPI

    from dfdg_broker.mock.state import MockState

app = typer.Typer(no_args_is_help=True, help="The DFDG broker and its mock upstream.")

OPENAPI_DIR = Path("openapi")
README = Path("README.md")
log = logging.getLogger("dfdg_broker.cli")


def _version(value: bool) -> None:
    if value:
        from dfdg_broker.health import version_info

        info = version_info()
        typer.echo(
            f"dfdg-broker {info.version} (git revision {info.git_revision or 'unknown'}, "
            f"schema revision {info.schema_revision or 'unknown'})"
        )
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="version, git and schema revision")
    ] = False,
) -> None:
    """The DFDG broker and its mock upstream."""


MOCK_EXTRA_MODULES = frozenset({"fpdf"})
"""What ``pip install 'dfdg-broker[mock]'`` adds (pyproject's ``[mock]`` extra); the broker itself imports none."""


def _settings() -> Settings:
    """The settings, or a plain message naming each variable at fault and exit 2 when they are refused."""
    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(describe_errors(exc))
    except SettingsError as exc:
        problems = str(exc)
    else:
        if not (problems := "; ".join(deployment_problems(settings))):
            return settings
    typer.echo(f"dfdg-broker: refusing to start: {problems}", err=True)
    raise typer.Exit(2)


def _start(settings: Settings) -> None:
    """Logging as configured, then a warning for each DFDG_* variable that is no setting (likely misspelt)."""
    from dfdg_broker.logging_setup import configure_logging
    from dfdg_broker.settings import unknown_variables

    configure_logging(settings.log_level, settings.effective_log_format)
    for warning in unknown_variables():
        log.warning("%s", warning)


def _require_database(settings: Settings) -> None:
    """Fail fast, with where and why, when the database does not answer (exit 2)."""
    from dfdg_broker.db.session import DatabaseUnreachable, check_database, create_engine

    async def check() -> None:
        engine = create_engine(settings.database_url)
        try:
            await check_database(engine)
        finally:
            await engine.dispose()

    try:
        asyncio.run(check())
    except DatabaseUnreachable as exc:
        typer.echo(f"dfdg-broker: refusing to start: {exc}", err=True)
        raise typer.Exit(2) from None


def _uvicorn_config(asgi: Any, host: str, port: int, settings: Settings) -> uvicorn.Config:
    # Our own access log names route templates; uvicorn's would print raw paths. The event loop is uvloop where
    # installed ("auto"); the HTTP protocol is httptools' with a response's writes made as one (``_http_protocol``).
    return uvicorn.Config(
        asgi,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        log_level=settings.log_level.lower(),
        http=_http_protocol(),
    )


def _http_protocol() -> Any:
    """uvicorn's httptools protocol, writing each response's head and body in one system call (one TCP segment:
    the client reads once, issue 14; ``http_coalescing``)."""
    from dfdg_broker.http_coalescing import CoalescingHttpToolsProtocol

    return CoalescingHttpToolsProtocol


def _mock_app_factory() -> Callable[..., FastAPI]:
    """The mock upstream's app factory. The mock is not part of the production install: it needs the ``[mock]``
    extra (fpdf2 renders its PDFs), so without it the command says so instead of printing a traceback."""
    try:
        from dfdg_broker.mock.app import create_mock_app
    except ModuleNotFoundError as missing:
        if missing.name not in MOCK_EXTRA_MODULES:
            raise
        typer.echo(
            f"dfdg-broker: the mock upstream needs the [mock] extra ({missing.name} is missing): "
            "pip install 'dfdg-broker[mock]'",
            err=True,
        )
        raise typer.Exit(2) from None
    return create_mock_app


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="default: DFDG_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default: DFDG_PORT")] = None,
) -> None:
    """Run the broker (migrate first: `dfdg-broker migrate`)."""
    from dfdg_broker.app import create_app

    settings = _settings()
    _start(settings)
    _require_database(settings)
    host, port = host or settings.host, port or settings.port
    if settings.workers > 1:
        # Each worker process builds its own app (and pools) from the same environment: see ``worker_app``.
        uvicorn.run(
            "dfdg_broker.cli:worker_app",
            factory=True,
            host=host,
            port=port,
            workers=settings.workers,
            log_config=None,
            access_log=False,
            log_level=settings.log_level.lower(),
            http=_http_protocol(),
        )
        return
    uvicorn.Server(_uvicorn_config(create_app(settings, own_process=True), host, port, settings)).run()


def worker_app() -> FastAPI:
    """The app of one uvicorn worker process (``DFDG_WORKERS`` > 1). uvicorn spawns each worker as a fresh
    interpreter, which inherits the environment but not the parent's logging configuration: without this, a
    worker's log lines would be neither JSON nor carry the correlation ID, and its INFO lines would be lost. The
    start-up checks (database reachable, schema revision) run in the app's lifespan, so in every worker."""
    from dfdg_broker.app import create_app
    from dfdg_broker.logging_setup import configure_logging

    settings = Settings()  # the parent validated the same environment before it spawned the workers
    configure_logging(settings.log_level, settings.effective_log_format)
    return create_app(settings, own_process=True)


@app.command()
def mock(
    host: Annotated[str | None, typer.Option(help="default: DFDG_MOCK_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default: DFDG_MOCK_PORT")] = None,
    personas: Annotated[
        list[Path] | None,
        typer.Option(
            "--personas",
            help="a directory of persona files (*.json, one persona each) to add to the demo personas; repeatable "
            "(after DFDG_MOCK_PERSONAS_DIR)",
        ),
    ] = None,
) -> None:
    """Run the mock upstream (LetAsyl, Jobnet, CPR register, admin API) with the demo personas and your own."""

    create_mock_app = _mock_app_factory()
    settings = _settings()
    _start(settings)
    state = _mock_state(settings, personas or [])
    config = _uvicorn_config(
        create_mock_app(state, settings=settings), host or settings.mock_host, port or settings.mock_port, settings
    )
    uvicorn.Server(config).run()


def _mock_state(settings: Settings, directories: list[Path]) -> MockState:
    """The mock's state from the demo persona files and the municipality's; a file that does not load stops the
    command (exit 2) with the file and the field at fault."""
    from dfdg_broker.mock.fixtures import PersonaFileError
    from dfdg_broker.mock.state import MockState

    dirs = [settings.mock_personas_dir] if settings.mock_personas_dir else []
    try:
        return MockState.with_demo_fixtures([*dirs, *directories])
    except PersonaFileError as exc:
        typer.echo(f"dfdg-broker mock: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command()
def dev() -> None:
    """Run the mock upstream and the broker together, and seed the demo cases once both answer."""
    from dfdg_broker import app_state
    from dfdg_broker.app import create_app
    from dfdg_broker.demo import seed_demo

    create_mock_app = _mock_app_factory()
    settings = _settings()
    _start(settings)
    broker_app = create_app(settings)
    mock_app = create_mock_app(_mock_state(settings, []), settings=settings)
    mock_server = uvicorn.Server(_uvicorn_config(mock_app, settings.mock_host, settings.mock_port, settings))
    broker_server = uvicorn.Server(_uvicorn_config(broker_app, settings.host, settings.port, settings))
    broker_url = f"http://{settings.host}:{settings.port}"
    mock_url = f"http://{settings.mock_host}:{settings.mock_port}"

    async def main() -> None:
        servers = [asyncio.create_task(mock_server.serve()), asyncio.create_task(broker_server.serve())]
        while not (mock_server.started and broker_server.started):
            if any(task.done() for task in servers):
                break
            await asyncio.sleep(0.05)
        else:
            lines = await seed_demo(settings, broker_url, mock_url, app_state.CLOCK.get(broker_app).today())
            typer.echo(
                f"\nBroker: {broker_url}/docs   Mock upstream: {mock_url}/docs   Today: "
                f"{app_state.CLOCK.get(broker_app).today()}\nDemo cases:\n"
                + "\n".join(lines)
                + "\nA token: dfdg-broker token --municipality 101\n"
            )
        await asyncio.gather(*servers)

    asyncio.run(main())


@app.command()
def migrate(revision: str = "head") -> None:
    """Apply the Alembic migrations to DFDG_DATABASE_URL. Safe to run from several replicas at once: on
    PostgreSQL an advisory lock lets one migrate while the others wait, then find nothing left to do."""
    from dfdg_broker.app import protection_from
    from dfdg_broker.db.migrate import upgrade

    settings = _settings()
    _start(settings)
    _require_database(settings)
    upgrade(settings.database_url, revision, protection=protection_from(settings))


@app.command("sweep")
def sweep_command() -> None:
    """The scheduled work (cron, Kubernetes CronJob): G1 final snapshots on takeover dates, due PDF deliveries.
    Idempotent. Exit 1 when something could not be done (an upstream outage): the next run tries again."""
    from dfdg_broker.app import protection_from
    from dfdg_broker.clock import FixedClock, SystemClock
    from dfdg_broker.db.session import create_engine, create_sessionmaker
    from dfdg_broker.sweep import sweep
    from dfdg_broker.upstream import create_upstreams

    settings = _settings()
    _start(settings)
    _require_database(settings)
    clock = FixedClock(settings.fixed_today) if settings.fixed_today else SystemClock()

    async def run() -> int:
        engine = create_engine(settings.database_url)
        upstreams = await create_upstreams(settings)
        try:
            report = await sweep(create_sessionmaker(engine, protection_from(settings)), upstreams, clock, settings)
        finally:
            await upstreams.aclose()
            await engine.dispose()
        typer.echo(report.summary())
        return 1 if report.failures else 0

    raise typer.Exit(asyncio.run(run()))


keys = typer.Typer(
    no_args_is_help=True, help="The data and CPR lookup key rings (DFDG_DATA_KEYS, DFDG_CPR_LOOKUP_KEYS)."
)
app.add_typer(keys, name="keys")


@keys.command("new")
def keys_new(key_id: Annotated[str, typer.Argument(help="the new key's id, e.g. 2026-11")]) -> None:
    """Print a new ring entry (id:base64 of 32 random bytes) to add to DFDG_DATA_KEYS or DFDG_CPR_LOOKUP_KEYS."""
    from dfdg_broker.protection import KeyRingError, new_key_entry

    try:
        typer.echo(new_key_entry(key_id))
    except KeyRingError as exc:
        typer.echo(f"dfdg-broker keys new: {exc}", err=True)
        raise typer.Exit(2) from None


@keys.command("rotate")
def keys_rotate(
    batch_size: Annotated[
        int | None, typer.Option(min=1, max=10_000, help="rows per transaction (DFDG_KEY_ROTATION_BATCH_SIZE)")
    ] = None,
) -> None:
    """Re-seal every value not under the current data key and re-hash every case under the current CPR lookup key,
    in short transactions, while the service runs. Resumable: run it again to continue; exit 1 when some value
    could not be opened (its key is missing from the ring)."""
    from dfdg_broker.app import protection_from
    from dfdg_broker.db.key_rotation import rotate_keys
    from dfdg_broker.db.session import create_engine, create_sessionmaker

    settings = _settings()
    _start(settings)
    _require_database(settings)

    async def run() -> int:
        engine = create_engine(settings.database_url, pool_size=1)
        try:
            sessions = create_sessionmaker(engine, protection_from(settings))
            report = await rotate_keys(sessions, batch_size or settings.key_rotation_batch_size, typer.echo)
        finally:
            await engine.dispose()
        for problem in report.unreadable[:20]:
            typer.echo(f"  {problem}", err=True)
        typer.echo(report.summary())
        return 1 if report.unreadable else 0

    raise typer.Exit(asyncio.run(run()))


access_log_app = typer.Typer(no_args_is_help=True, help="The access log: who read or changed which case (issue 11).")
app.add_typer(access_log_app, name="access-log")


def _instant(value: str, option: str) -> datetime:
    """An ISO 8601 date or date-time; without a zone it is UTC."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO 8601 date or date-time", param_hint=option) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


@access_log_app.command("export")
def access_log_export(
    since: Annotated[str, typer.Option(help="from this instant (inclusive), ISO 8601; no zone: UTC")],
    until: Annotated[str, typer.Option(help="to this instant (exclusive), ISO 8601; no zone: UTC")],
    municipality: Annotated[str | None, typer.Option(help="only the calls of this municipality (3-digit code)")] = None,
) -> None:
    """The access log as JSON lines on stdout, oldest first (for a SIEM): one object per read, change or refused
    attempt, with who, which case, what, why and the outcome; never a CPR number. Streamed: memory stays flat.
    The row count goes to stderr."""
    from dfdg_broker.audit.export import write_json_lines
    from dfdg_broker.db.session import create_engine
    from dfdg_broker.domain.municipalities import is_municipality

    start, end = _instant(since, "--since"), _instant(until, "--until")
    if start >= end:
        raise typer.BadParameter("--since must be before --until", param_hint="--since")
    if municipality is not None and not is_municipality(municipality):
        raise typer.BadParameter(f"{municipality!r} is not an official municipality code", param_hint="--municipality")
    settings = _settings()
    _start(settings)
    _require_database(settings)

    async def run() -> int:
        engine = create_engine(settings.database_url)
        try:
            return await write_json_lines(engine, sys.stdout, start, end, municipality)
        finally:
            await engine.dispose()

    typer.echo(f"{asyncio.run(run())} access-log rows", err=True)


@app.command("purge")
def purge_command(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only count what would be erased")] = False,
) -> None:
    """Erase the cases past DFDG_CASE_RETENTION_DAYS since their last activity (each leaves an erasure record with
    the reason `retention`), in batches. Idempotent; prints the counts. The sweep runs it too."""
    from dfdg_broker.app import protection_from
    from dfdg_broker.clock import FixedClock, SystemClock
    from dfdg_broker.db.session import create_engine, create_sessionmaker
    from dfdg_broker.erasure.purge import purge

    settings = _settings()
    _start(settings)
    _require_database(settings)
    clock = FixedClock(settings.fixed_today) if settings.fixed_today else SystemClock()

    async def run() -> str:
        engine = create_engine(settings.database_url)
        try:
            report = await purge(
                create_sessionmaker(engine, protection_from(settings)), clock, settings, dry_run=dry_run
            )
        finally:
            await engine.dispose()
        return report.summary()

    typer.echo(asyncio.run(run()))


@app.command("settings-table")
def settings_table_command(
    readme: Annotated[Path, typer.Option(help="the README whose settings table is rewritten")] = README,
    check: Annotated[bool, typer.Option(help="only check that the README's table is current (exit 1 if not)")] = False,
) -> None:
    """Rewrite the README's settings table from the settings model (`make settings-table`)."""
    from dfdg_broker.settings import settings_table

    current = readme.read_text(encoding="utf-8")
    updated = replace_generated_section(current, SETTINGS_BEGIN, SETTINGS_END, settings_table())
    if check:
        if updated != current:
            typer.echo(f"{readme}: the settings table is out of date; run `make settings-table`", err=True)
            raise typer.Exit(1)
        return
    readme.write_text(updated, encoding="utf-8")
    typer.echo(f"wrote the settings table in {readme}")


SETTINGS_BEGIN = "<!-- settings-table: generated from src/dfdg_broker/settings.py by `make settings-table` -->"
SETTINGS_END = "<!-- /settings-table -->"


def replace_generated_section(text: str, begin: str, end: str, content: str) -> str:
    head, found, rest = text.partition(begin)
    if not found or end not in rest:
        raise typer.BadParameter(f"the markers {begin!r} and {end!r} are missing")
    _old, _, tail = rest.partition(end)
    return f"{head}{begin}\n{content}{end}{tail}"


@app.command("export-openapi")
def export_openapi(
    out: Annotated[Path, typer.Option(help="folder for broker.json, mock-upstream.json and the upstream contracts")] = (
        OPENAPI_DIR
    ),
) -> None:
    """Write the OpenAPI documents (committed; a test fails when code and files drift)."""
    out.mkdir(parents=True, exist_ok=True)
    for name, document in openapi_documents().items():
        (out / name).write_text(render_openapi(document), encoding="utf-8")
        typer.echo(f"wrote {out / name}")


def openapi_documents() -> dict[str, dict[str, Any]]:
    """The broker's document, the mock's, and the upstream contracts (``letasyl.json``, ``jobnet.json``,
    ``cpr-register.json``; see ``mock/contracts.py``)."""
    from dfdg_broker.app import create_app

    create_mock_app = _mock_app_factory()
    from dfdg_broker.mock.contracts import upstream_contracts
    from dfdg_broker.mock.state import MockState

    mock_app = create_mock_app(MockState())
    return {
        "broker.json": create_app(_document_settings()).openapi(),
        "mock-upstream.json": mock_app.openapi(),
        **upstream_contracts(mock_app),
    }


def _document_settings() -> Settings:
    """The committed document does not depend on the environment it is exported in: development defaults."""
    from dfdg_broker.settings import Environment

    return Settings(
        _env_file=None,
        environment=Environment.DEVELOPMENT,
        upstream_base_url="http://127.0.0.1:8001",
        oidc_issuer=None,
        oidc_token_url=None,
        api_docs=True,
    )


def render_openapi(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


MOCK_CLIENT_SECRET = "mock-client-secret"  # noqa: S105 - the mock identity provider's published test secret


@app.command()
def token(
    municipality: Annotated[str, typer.Option(help="official 3-digit municipality code, e.g. 101")],
    scope: Annotated[
        list[str] | None, typer.Option("--scope", help="repeatable; default: every scope the client may have")
    ] = None,
    client_id: Annotated[str | None, typer.Option(help="default: kommune-<municipality>")] = None,
    client_secret: Annotated[
        str | None,
        typer.Option(envvar="DFDG_CLIENT_SECRET", help="default outside production: the mock provider's"),
    ] = None,
    local: Annotated[bool, typer.Option(help="sign locally with DFDG_JWT_SECRET (development HS256)")] = False,
) -> None:
    """Print an access token: asked from the identity provider (DFDG_OIDC_ISSUER; in development the mock
    upstream's) by OAuth2 client credentials, or with --local signed with the development HS256 secret."""
    from dfdg_broker.domain.municipalities import is_municipality
    from dfdg_broker.settings import Environment

    settings = _settings()
    if not is_municipality(municipality):
        raise typer.BadParameter(f"{municipality!r} is not an official municipality code")
    production = settings.environment is Environment.PRODUCTION
    if local:
        from dfdg_broker.auth import ALL_SCOPES, issue_token

        if production or settings.jwt_secret is None:
            raise typer.BadParameter("--local needs DFDG_JWT_SECRET, outside production only")
        typer.echo(issue_token(settings, municipality, scopes=scope or ALL_SCOPES))
        return
    secret = client_secret or (None if production else MOCK_CLIENT_SECRET)
    if secret is None:
        raise typer.BadParameter("--client-secret (or DFDG_CLIENT_SECRET) is needed in production")
    typer.echo(asyncio.run(_ask_token(settings, client_id or f"kommune-{municipality}", secret, scope)))


async def _ask_token(settings: Settings, client_id: str, secret: str, scopes: list[str] | None) -> str:
    import httpx

    from dfdg_broker.identity import fetch_client_credentials_token

    assert settings.oidc_issuer is not None
    async with httpx.AsyncClient() as http:
        try:
            return await fetch_client_credentials_token(http, settings.oidc_issuer, client_id, secret, scopes)
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            typer.echo(f"dfdg-broker token: no token from {settings.oidc_issuer}: {exc}", err=True)
            raise typer.Exit(1) from None


@app.command()
def demo(
    broker_url: str = "http://127.0.0.1:8000",
    mock_url: str = "http://127.0.0.1:8001",
) -> None:
    """Seed the demo cases into a running broker (as `dev` does at start)."""
    from dfdg_broker.clock import FixedClock, SystemClock
    from dfdg_broker.demo import seed_demo

    settings = _settings()
    clock = FixedClock(settings.fixed_today) if settings.fixed_today else SystemClock()
    typer.echo("\n".join(asyncio.run(seed_demo(settings, broker_url, mock_url, clock.today()))))


@app.command()
def workload(
    policy: Annotated[str, typer.Option(help="a policy with workload groups and norm minutes")] = "copenhagen",
    persons: Annotated[
        Path | None, typer.Option(help='JSON file {"<group key>": <full-time persons>}; default: the policy\'s')
    ] = None,
    group: Annotated[
        list[str] | None, typer.Option("--group", help="KEY=PERSONS for one group, repeatable; wins over --persons")
    ] = None,
    basis: Annotated[str, typer.Option(help="first-year (upper estimate) or ongoing")] = "first-year",
) -> None:
    """Conversations and norm hours (not caseworker hours) per year per group and in total (F7); default:
    Copenhagen's tables."""
    from dfdg_broker.errors import ProblemError
    from dfdg_broker.followup.presenters import workload_read
    from dfdg_broker.followup.registry import load_policies, validation_summary
    from dfdg_broker.followup.report import workload_table
    from dfdg_broker.followup.schemas import WorkloadRequest
    from dfdg_broker.followup.service import FollowUpService

    try:
        figures: dict[str, Any] = json.loads(persons.read_text(encoding="utf-8")) if persons else {}
        for item in group or []:
            key, _, value = item.partition("=")
            figures[key.strip()] = value.strip()
        request = WorkloadRequest(policy=policy, full_time_persons=figures, basis=basis)
        result = FollowUpService(load_policies(_settings().followup_policy_dir)).workload(request)
    except (OSError, ValueError, ProblemError) as exc:  # ValueError: bad JSON, a bad figure, F7 broken
        detail = validation_summary(exc) if isinstance(exc, ValidationError) else str(exc)
        typer.echo(f"dfdg-broker workload: {detail}", err=True)
        raise typer.Exit(2) from None
    typer.echo(workload_table(workload_read(result)))


if __name__ == "__main__":
    app()
