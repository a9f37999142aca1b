"""create_app(settings) -> FastAPI: wiring only."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import httpx
from fastapi import FastAPI, Request, Response
from fastapi_offline import FastAPIOffline
from opentelemetry.sdk.trace import TracerProvider
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine

from dfdg_broker import __version__, app_state, time_travel, tracing
from dfdg_broker.audit.dependencies import ACCESS_LOG_WRITER
from dfdg_broker.audit.writer import GroupCommitWriter
from dfdg_broker.auth import AUTHENTICATOR, Authenticator, DevTokenVerifier
from dfdg_broker.cases.cooperations import load_cooperations
from dfdg_broker.cases.dependencies import (
    CASE_LISTENER,
    CASE_READER,
    CASE_SUMMARY,
    COOPERATIONS,
    CREATE_SLOTS,
    FROZEN_CACHE,
    FROZEN_READS,
)
from dfdg_broker.cases.frozen_cache import FrozenAreaCache
from dfdg_broker.cases.repository import FrozenCheckRepository
from dfdg_broker.cases.router import router as cases_router
from dfdg_broker.cases.schemas import ContactGroupCreate
from dfdg_broker.cases.service import FrozenAreaReads
from dfdg_broker.clock import Clock, FixedClock, MovableClock, SystemClock
from dfdg_broker.correlation import CorrelationIdMiddleware, outermost
from dfdg_broker.db.driver import driver_for
from dfdg_broker.db.session import check_database, create_engine, create_sessionmaker
from dfdg_broker.distribution.router import router as distribution_router
from dfdg_broker.erasure.router import router as erasure_router
from dfdg_broker.errors import InsufficientScope, Problem, Unauthenticated, responses_for
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
from dfdg_broker.logging_setup import AccessLogMiddleware, silence_personal_data_loggers
from dfdg_broker.metrics import RequestMetricsMiddleware
from dfdg_broker.openapi_names import install_readable_schema_names
from dfdg_broker.pdf_requests.router import router as pdf_requests_router
from dfdg_broker.pdf_requests.schemas import PdfRequestCreate
from dfdg_broker.problem_handlers import install_problem_handlers
from dfdg_broker.protection import Protection
from dfdg_broker.rate_limits import RATE_LIMITS, RateLimited, RateLimits
from dfdg_broker.request_limits import RequestLimitsMiddleware, RequestTooLarge
from dfdg_broker.security import SecurityHeadersMiddleware, install_openapi_security
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


FROZEN_CHECK_CONNECTIONS = 4
"""Per worker: a check is one short round trip, so a few connections serve every concurrent frozen read."""
CASE_READ_CONNECTIONS = 4
"""Per worker: a case read is one round trip too (``summary.repository``)."""


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
) -> FastAPI:
    """The broker. ``tracer_provider`` (tests) replaces the one ``DFDG_OTEL_ENDPOINT`` would make."""
    settings = settings or Settings()
    silence_personal_data_loggers()
    own_provider = tracer_provider is None and settings.otel_endpoint is not None
    if own_provider and settings.otel_endpoint is not None:
        tracer_provider = tracing.provider_for(settings.otel_endpoint, settings.otel_service_name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(
            settings.database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_recycle_seconds=settings.db_pool_recycle_seconds,
        )
        await check_database(engine)  # fail fast, with the reason, rather than on the first request
        await _check_schema(engine)
        upstreams = await create_upstreams(settings, upstream_transport)
        ENGINE.put(app, engine)
        if tracer_provider is not None:
            tracing.trace_statements(engine)
        identity_http = httpx.AsyncClient(transport=upstream_transport, follow_redirects=False)
        # A create's whole write phase is one batch on a driver of its own (db.unit_of_work); on SQLite one
        # connection, since SQLite writes one transaction at a time anyway.
        writes_engine = _own_engine(settings, connections=_batch_write_connections(engine))
        writer = driver_for(writes_engine, _batch_write_connections(engine))
        app_state.SESSIONS.put(app, create_sessionmaker(engine, protection, writer=writer))
        # The access-log writer and the frozen-read check have connections of their own (db.driver): neither may
        # queue for the pool behind the very reads waiting for them.
        access_log_engine = _own_engine(settings, connections=1)
        frozen_engine = _own_engine(settings, connections=FROZEN_CHECK_CONNECTIONS)
        frozen_check = FrozenCheckRepository(driver_for(frozen_engine, FROZEN_CHECK_CONNECTIONS))
        FROZEN_READS.put(app, FrozenAreaReads(FROZEN_CACHE.get(app), frozen_check, app_state.CLOCK.get(app)))
        case_read_engine = _own_engine(settings, connections=CASE_READ_CONNECTIONS)
        case_reads = SummaryRepository(driver_for(case_read_engine, CASE_READ_CONNECTIONS), protection)
        CASE_READER.put(app, CaseReader(case_reads, app_state.CLOCK.get(app)))
        access_log = GroupCommitWriter(
            access_log_engine,
            queue_size=settings.access_log_queue_size,
            batch_rows=settings.access_log_batch_rows,
            linger_seconds=settings.access_log_linger_ms / 1000,
            wait_seconds=settings.access_log_wait_seconds,
        )
        access_log.start()
        ACCESS_LOG_WRITER.put(app, access_log)
        app_state.UPSTREAM.put(app, upstreams)
        app_state.BREAKERS.put(app, breakers_of(upstreams))  # read by /readyz and metrics
        oidc = OidcVerifier(settings, identity_http, cvr_table)
        AUTHENTICATOR.put(app, Authenticator(oidc, DevTokenVerifier(settings) if settings.jwt_secret else None))
        await oidc.keys.prefetch()
        try:
            yield
        finally:
            await access_log.aclose()  # rows still queued are written before the engine goes
            await frozen_check.aclose()
            await case_reads.aclose()
            await writer.aclose()
            for own in (access_log_engine, frozen_engine, case_read_engine, writes_engine):
                await own.dispose()
            await identity_http.aclose()
            await upstreams.aclose()
            await engine.dispose()
            if own_provider and tracer_provider is not None:
                tracer_provider.shutdown()  # sends the spans still buffered

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

    app.include_router(cases_router)
    app.include_router(lifecycle_router)
    app.include_router(pdf_requests_router)
    app.include_router(distribution_router)
    app.include_router(followup_router)
    app.include_router(jobnet_cv_router)
    app.include_router(erasure_router)

    app.include_router(operations_router)
    if development:
        app.include_router(time_travel.broker_router())

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
    # are counted and logged.
    outermost(
        app,
        CorrelationIdMiddleware,
        *([partial(TracingMiddleware, provider=tracer_provider)] if tracer_provider is not None else []),
        RequestMetricsMiddleware,
        AccessLogMiddleware,
        partial(SecurityHeadersMiddleware, hsts=settings.environment is Environment.PRODUCTION),
    )
    return app


async def _replay(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, IdempotentReplay)
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
