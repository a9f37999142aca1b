"""create_app(settings) -> FastAPI: wiring only."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from functools import partial

import httpx
from fastapi import FastAPI, Request, Response
from fastapi_offline import FastAPIOffline
from opentelemetry.sdk.trace import TracerProvider
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine

from dfdg_broker import __version__, app_state, correlation, time_travel, tracing
from dfdg_broker.audit.dependencies import ACCESS_LOG_WRITER, log_replay
from dfdg_broker.audit.direct_reads import install_direct_reads
from dfdg_broker.audit.writer import GroupCommitWriter
from dfdg_broker.auth import AUTHENTICATOR, Authenticator, DevTokenVerifier
from dfdg_broker.cases.answer_cache import LiveAnswerCache
from dfdg_broker.cases.cooperations import load_cooperations
from dfdg_broker.cases.dependencies import (
    AREA_READS,
    CASE_LISTENER,
    CASE_READ_CACHE,
    CASE_READER,
    CASE_SUMMARY,
    COOPERATIONS,
    CREATE_SLOTS,
    FROZEN_CACHE,
    FROZEN_READS,
    LIVE_ANSWERS,
)
from dfdg_broker.cases.direct_create import install_direct_create
from dfdg_broker.cases.frozen_cache import FrozenAreaCache
from dfdg_broker.cases.read_cache import CaseReadCache
from dfdg_broker.cases.repository import AreaReadRepository, FrozenCheckRepository
from dfdg_broker.cases.router import router as cases_router
from dfdg_broker.cases.schemas import ContactGroupCreate
from dfdg_broker.cases.service import FrozenAreaReads
from dfdg_broker.clock import Clock, FixedClock, MovableClock, SystemClock
from dfdg_broker.correlation import outermost
from dfdg_broker.db.driver import Driver, driver_for
from dfdg_broker.db.session import check_database, create_engine, create_sessionmaker
from dfdg_broker.distribution.router import router as distribution_router
from dfdg_broker.edge import EdgeMiddleware
from dfdg_broker.erasure.router import router as erasure_router
from dfdg_broker.errors import InsufficientScope, Problem, ProblemError, Unauthenticated, responses_for
from dfdg_broker.followup.dependencies import POLICIES
from dfdg_broker.followup.registry import load_policies
from dfdg_broker.followup.router import router as followup_router
from dfdg_broker.followup.schemas import FollowUpPlanCreate, WorkloadRequest
from dfdg_broker.health import ENGINE, database_revision, expected_schema_revision, schema_state
from dfdg_broker.health import router as operations_router
from dfdg_broker.idempotency import IdempotencyMiddleware, IdempotentReplay, replay_response
from dfdg_broker.identity import OidcVerifier, load_cvr_table
from dfdg_broker.jobnet.classification import load_classification
from dfdg_broker.jobnet.text_rules import DEFAULT_PLACEHOLDERS, placeholder_set
from dfdg_broker.jobnet_cv.dependencies import CITIZEN_FACTS, CLASSIFICATION, CV_PLACEHOLDERS
from dfdg_broker.jobnet_cv.facts_cache import CitizenFactsCache
from dfdg_broker.jobnet_cv.router import router as jobnet_cv_router
from dfdg_broker.lifecycle.dependencies import case_listener
from dfdg_broker.lifecycle.router import router as lifecycle_router
from dfdg_broker.lifecycle.schemas import ContactGroupPatch, ConversationWrite
from dfdg_broker.logging_setup import silence_personal_data_loggers
from dfdg_broker.openapi_names import install_readable_schema_names
from dfdg_broker.pdf_requests.router import router as pdf_requests_router
from dfdg_broker.pdf_requests.schemas import PdfRequestCreate
from dfdg_broker.problem_handlers import install_problem_handlers, problem_response
from dfdg_broker.protection import Protection
from dfdg_broker.rate_limits import RATE_LIMITS, RateLimited, RateLimits
from dfdg_broker.request_limits import RequestLimitsMiddleware, RequestTooLarge
from dfdg_broker.route_table import include_flat, index_routes
from dfdg_broker.security import install_openapi_security
from dfdg_broker.settings import Environment, Settings
from dfdg_broker.summary.dependencies import case_summary
from dfdg_broker.summary.repository import SummaryRepository
from dfdg_broker.summary.service import CaseReader
from dfdg_broker.tracing import TracingMiddleware
from dfdg_broker.upstream import breakers_of, create_upstreams

DESCRIPTION = """
The DFDG broker: municipal case systems create the contact group (case) for a newly settled refugee and then fetch
what the asylum operator (LetAsyl) recorded, area by area, with the legal date rules applied.

Every call carries `Authorization: Bearer <token>`: an access token from the identity provider (OAuth2 client
credentials) naming the calling municipality and its scopes (`cases:read`, `cases:write`, `access-log:read`). A case
is visible only to its receiving and jobcenter municipality. In development the mock upstream is the identity
provider: client `kommune-<code>` (e.g. `kommune-101`), secret `mock-client-secret`.

Errors are RFC 9457 problem details with a stable `code` and, where a domain rule applies, its `rule` ID.
CPR numbers travel in request bodies only and are never echoed in full.
All examples are synthetic.
"""


CONTACT = {"name": "dfdg-broker maintainers", "url": "https://dfdg-broker.example/support"}
LICENSE = {"name": "MPL-2.0", "identifier": "MPL-2.0"}
TAGS = [
    {
        "name": "Contact groups",
        "description": "Create the case (contact group) for a newly settled refugee (C1-C8), read it and its data "
        "areas: live while the municipality has not taken over, frozen from the takeover date on (G1).",
    },
    {
        "name": "PDF route",
        "description": "P1: ask the asylum operator for DA3/DA4 as PDF and collect the delivery.",
    },
    {
        "name": "Distribution to municipal units",
        "description": "P2: which documents and DA3 parts each municipal unit should receive, and receipts.",
    },
    {"name": "Jobnet CV", "description": "Draft the Jobnet CV from DA1 (N1-N18) and submit the reviewed CV (G2-G4)."},
    {"name": "Follow-up plans", "description": "F1-F7: the follow-up conversations due and the workload they cost."},
    {
        "name": "Erasure",
        "description": "Erase a case and everything about it (GDPR Art. 17, retention); see docs/data-protection.md.",
    },
    {
        "name": "Operations",
        "description": "Liveness, readiness and version for the platform (and `/metrics`, Prometheus text, "
        "not listed here). No token needed; nothing personal is served.",
    },
]


def protection_from(settings: Settings) -> Protection:
    """The key rings of the settings at work (one per process: the ciphers are built once)."""
    return Protection(settings.data_key_ring(), settings.cpr_lookup_key_ring())


log = logging.getLogger("dfdg_broker.start_up")


HOT_READ_CONNECTIONS = 8
"""Per worker: the hot paths' single-statement reads (frozen check, case read, a data-area read's or a CV draft's
read phase) are one short round trip each, so a few connections serve every concurrent one."""


BATCH_WRITE_CONNECTIONS = 4
"""Per worker, on PostgreSQL: the creates writing at once (each a few short round trips)."""


def _batch_write_connections(engine: AsyncEngine) -> int:
    return 1 if engine.dialect.name == "sqlite" else BATCH_WRITE_CONNECTIONS


def _own_engine(settings: Settings, *, connections: int) -> AsyncEngine:
    return create_engine(
        settings.database_url,
        pool_size=connections,
        max_overflow=0,
        pool_recycle_seconds=settings.db_pool_recycle_seconds,
    )


@asynccontextmanager
async def _own_driver(settings: Settings, *, connections: int) -> AsyncIterator[Driver]:
    """A driver (``db.driver``) on connections of its own, which never queue for the pool behind the requests that
    wait for it; closed, then its engine disposed, when the block ends."""
    engine = _own_engine(settings, connections=connections)
    driver = driver_for(engine, connections)
    try:
        yield driver
    finally:
        await driver.aclose()
        await engine.dispose()


async def _check_schema(engine: AsyncEngine) -> None:
    """Says at start-up (in each worker process) whether the schema is at this release's revision. A schema behind
    does not stop the process: /readyz answers 503 until `dfdg-broker migrate` has run (a migration job running
    next to a rolling update then needs no restart), but the operator sees why in the first lines of the log."""
    _reachable, current = await database_revision(engine)
    ready, schema = schema_state(current, expected_schema_revision())
    if ready:
        log.info("start-up checks passed: database ok, schema %s", schema)
    else:
        log.warning("start-up: database ok, schema %s; /readyz answers 503 until then", schema)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    upstream_transport: httpx.AsyncBaseTransport | None = None,
    tracer_provider: TracerProvider | None = None,
    own_process: bool = False,
) -> FastAPI:
    """The broker. ``tracer_provider`` (tests) replaces the one ``DFDG_OTEL_ENDPOINT`` would make. ``own_process``:
    the app is all its process serves (``dfdg-broker serve``), so its start-up may tune the process's garbage
    collector (``_tune_garbage_collector``); tests and tools that build many apps in one process leave it off."""
    settings = settings or Settings()
    silence_personal_data_loggers()
    own_provider = tracer_provider is None and settings.otel_endpoint is not None
    if own_provider and settings.otel_endpoint is not None:
        tracer_provider = tracing.provider_for(settings.otel_endpoint, settings.otel_service_name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:  # everything opened here is closed in reverse order
            if own_provider and tracer_provider is not None:
                stack.callback(tracer_provider.shutdown)  # last: sends the spans still buffered
            engine = create_engine(
                settings.database_url,
                pool_size=settings.db_pool_size,
                max_overflow=settings.db_max_overflow,
                pool_recycle_seconds=settings.db_pool_recycle_seconds,
            )
            stack.push_async_callback(engine.dispose)
            await check_database(engine)  # fail fast, with the reason, rather than on the first request
            await _check_schema(engine)
            upstreams = await create_upstreams(settings, upstream_transport)
            stack.push_async_callback(upstreams.aclose)
            ENGINE.put(app, engine)
            if tracer_provider is not None:
                tracing.trace_statements(engine)
            identity_http = httpx.AsyncClient(transport=upstream_transport, follow_redirects=False)
            stack.push_async_callback(identity_http.aclose)
            # A create's whole write phase is one batch on a driver of its own (db.unit_of_work); on SQLite one
            # connection, since SQLite writes one transaction at a time anyway.
            writer = await stack.enter_async_context(
                _own_driver(settings, connections=_batch_write_connections(engine))
            )
            app_state.SESSIONS.put(app, create_sessionmaker(engine, protection, writer=writer))
            # The hot paths' reads and the access-log writer have connections of their own (db.driver): none may
            # queue for the pool behind the very requests waiting for them.
            hot_reads = await stack.enter_async_context(_own_driver(settings, connections=HOT_READ_CONNECTIONS))
            clock = app_state.CLOCK.get(app)
            FROZEN_READS.put(app, FrozenAreaReads(FROZEN_CACHE.get(app), FrozenCheckRepository(hot_reads), clock))
            CASE_READER.put(app, CaseReader(SummaryRepository(hot_reads, protection), clock, CASE_READ_CACHE.get(app)))
            AREA_READS.put(app, AreaReadRepository(hot_reads, protection))
            access_log = GroupCommitWriter(
                await stack.enter_async_context(_own_driver(settings, connections=1)),
                queue_size=settings.access_log_queue_size,
                batch_rows=settings.access_log_batch_rows,
                linger_seconds=settings.access_log_linger_seconds,
                wait_seconds=settings.access_log_wait_seconds,
            )
            access_log.start()
            stack.push_async_callback(access_log.aclose)  # rows still queued are written before its driver goes
            ACCESS_LOG_WRITER.put(app, access_log)
            app_state.UPSTREAM.put(app, upstreams)
            app_state.BREAKERS.put(app, breakers_of(upstreams))  # read by /readyz and metrics
            oidc = OidcVerifier(settings, identity_http, cvr_table)
            AUTHENTICATOR.put(app, Authenticator(oidc, DevTokenVerifier(settings) if settings.jwt_secret else None))
            await oidc.keys.prefetch()
            if own_process:
                _tune_garbage_collector()
            yield

    # Outside production the clock can be moved at run time (/dev/clock); in production that route does not exist.
    development = settings.environment is not Environment.PRODUCTION
    cvr_table = load_cvr_table(settings.oidc_cvr_table_file)
    docs = bool(settings.api_docs)
    # With docs: Swagger UI and ReDoc from packaged assets (fastapi-offline), so they work in a closed network.
    app = (FastAPIOffline if docs else FastAPI)(
        title="dfdg-broker",
        version=__version__,
        description=DESCRIPTION,
        contact=CONTACT,
        license_info=LICENSE,
        openapi_tags=[*TAGS, time_travel.DEV_TAG_ENTRY] if development else TAGS,
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
        generate_unique_id_function=lambda route: route.name,
        separate_input_output_schemas=False,  # one schema per model: clients get JobnetCv, not JobnetCv-Input
        responses={"default": {"model": Problem, "description": "Any error, as problem details (RFC 9457)"}},
        # The broker traces with its own middleware (DFDG_OTEL_ENDPOINT, ``tracing``). FastAPI's own telemetry would
        # add a second span per request wherever a global OpenTelemetry provider is set, and asks for the global
        # providers on every request to find out (~4 µs, issue 14).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app_state.SETTINGS.put(app, settings)
    protection = protection_from(settings)
    app_state.PROTECTION.put(app, protection)
    base_clock = clock or (FixedClock(settings.fixed_today) if settings.fixed_today else SystemClock())
    app_state.CLOCK.put(app, MovableClock(base_clock) if development else base_clock)
    # Reference data is read and checked once, here: a broken file fails start-up, not a caseworker's request.
    POLICIES.put(app, load_policies(settings.followup_policy_dir))
    CLASSIFICATION.put(app, load_classification(settings.occupations_file))
    placeholders = DEFAULT_PLACEHOLDERS if settings.cv_placeholders is None else settings.cv_placeholders
    CV_PLACEHOLDERS.put(app, placeholder_set(placeholders))
    # The case summary depends on cases, PDF requests and distribution; cases shows it through this port.
    CASE_SUMMARY.put(app, case_summary)
    CASE_LISTENER.put(app, case_listener)
    COOPERATIONS.put(app, load_cooperations(settings.binding_cooperations_file))
    CREATE_SLOTS.put(app, asyncio.Semaphore(settings.concurrent_creates))
    RATE_LIMITS.put(
        app,
        RateLimits.from_settings(
            settings.rate_limit_storage, {"read": settings.rate_limit_read, "write": settings.rate_limit_write}
        ),
    )
    CITIZEN_FACTS.put(app, CitizenFactsCache(settings.citizen_facts_cache_size))
    FROZEN_CACHE.put(app, FrozenAreaCache(settings.frozen_cache_bytes) if settings.frozen_cache_bytes else None)
    CASE_READ_CACHE.put(app, CaseReadCache(settings.case_read_cache_bytes) if settings.case_read_cache_bytes else None)
    LIVE_ANSWERS.put(
        app, LiveAnswerCache(settings.live_answer_cache_bytes) if settings.live_answer_cache_bytes else None
    )

    # Each route the app's own (route_table): a request is matched once, not twice as through an included router.
    for router in (
        cases_router,
        lifecycle_router,
        pdf_requests_router,
        distribution_router,
        followup_router,
        jobnet_cv_router,
        erasure_router,
        operations_router,
    ):
        include_flat(app, router)
    if development:
        include_flat(app, time_travel.broker_router())
    install_direct_reads(app)  # the access-logged reads that need nothing else, past FastAPI's solver (issue 14)
    install_direct_create(app)  # the create's fixed dependencies and its body, past FastAPI's solver (issue 14)
    index_routes(app)  # a request tries only the routes that can match its path

    install_problem_handlers(
        app,
        field_rules=_field_rules(
            ContactGroupCreate,
            ContactGroupPatch,
            ConversationWrite,
            PdfRequestCreate,
            FollowUpPlanCreate,
            WorkloadRequest,
        ),
    )
    install_openapi_security(
        app,
        token_url=settings.oidc_token_url or f"{settings.oidc_issuer}/token",
        extra_responses=responses_for(Unauthenticated, InsufficientScope, RequestTooLarge, RateLimited),
    )
    app.add_exception_handler(IdempotentReplay, _replay)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(RequestLimitsMiddleware, max_body_bytes=settings.max_body_bytes)
    install_readable_schema_names(app)
    # Outside Starlette's error middleware, so that 500s carry the correlation ID and the security headers, and
    # are counted and logged (and traced).
    outermost(
        app,
        partial(EdgeMiddleware, hsts=settings.environment is Environment.PRODUCTION),
        *([partial(TracingMiddleware, provider=tracer_provider)] if tracer_provider is not None else []),
    )
    return app


GC_YOUNG_THRESHOLD = 10_000
"""Net new container objects before a young collection (CPython's default: 700)."""


def _tune_garbage_collector() -> None:
    """Two changes to the process's garbage collector, measured on the cached frozen read under load (issue 14):

    - What start-up made (the modules, the app and its routes, the schemas, the reference data: ~200,000 objects)
      is moved out of the collector's sight (``gc.freeze``): it lives as long as the process, yet every full
      collection walked it again; under load one ran every second or so and stopped every request for 100-400 ms.
    - Young collections run after ``GC_YOUNG_THRESHOLD`` net new objects instead of 700: a request's objects are
      nearly all freed by reference counting, and at 700 the collector ran several times per hundred requests
      (~45 µs of CPU per request with the middle generation's). At 10,000: a few per second, for about a tenth
      of the CPU, and a few MB at most of cyclic garbage waiting for them."""
    gc.collect()  # start-up's garbage is freed, not frozen
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


async def _replay(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, IdempotentReplay)
    try:
        await log_replay(request, exc)
    except ProblemError as refused:  # purpose_invalid, access_log_unavailable: the stored answer is not sent
        problem = refused.to_problem(instance=request.url.path, correlation_id=correlation.current())
        return problem_response(problem, refused.headers)
    return replay_response(exc)


def _field_rules(*models: type[BaseModel]) -> dict[str, str]:
    """Body field name -> rule ID, from the ``x-rule`` marks on the request models (see dfdg_broker.schemas.rule).

    The map is keyed by field name alone, so two request models marking a same-named field with different rules
    would make schema failures name the wrong rule: that is refused here, at start-up.
    """
    rules: dict[str, str] = {}
    for model in models:
        for name, field in model.model_fields.items():
            extra = field.json_schema_extra
            if isinstance(extra, dict) and "x-rule" in extra:
                rule = str(extra["x-rule"])
                if rules.setdefault(name, rule) != rule:
                    raise ValueError(f"request field {name!r} is marked {rules[name]} and {rule}; rename one")
    return rules
