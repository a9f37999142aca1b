"""Prometheus metrics: the one module every feature registers its metrics in, served at ``/metrics``.

Labels take values from fixed vocabularies only (route templates, system and operation names, outcomes, areas):
never a case id, a person id, a CPR number or anything else a caller chose. A label with unbounded values would
also grow the process's memory without end.

Register a new metric here, next to the others, on ``REGISTRY`` (not prometheus-client's global default registry),
and increment it where the event happens: ``metrics.SNAPSHOTS_WRITTEN.labels(area="cv").inc()``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from starlette.types import Scope

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)  # memory, CPU, open files: what an operator looks at first

UNMATCHED_ROUTE = "<unmatched>"
"""The route label of a request no route matched (404, 405): raw paths would be unbounded and may hold ids."""

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "dfdg_http_requests",
    "HTTP requests answered, by route template, method and status code.",
    ["route", "method", "status"],
    registry=REGISTRY,
)
HTTP_REQUEST_DURATION = Histogram(
    "dfdg_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response, by route template and method.",
    ["route", "method"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
HTTP_REQUESTS_IN_PROGRESS = Gauge(
    "dfdg_http_requests_in_progress", "HTTP requests being answered now.", registry=REGISTRY
)

UPSTREAM_CALLS = Counter(
    "dfdg_upstream_calls",
    "Calls to an upstream system (retries included in one call), by system, operation and outcome: ok (an answer "
    "below 400), rejected (4xx: the upstream refused or does not know), failed (5xx, transport error, timeout, "
    "broken contract), short_circuited (the circuit breaker refused to call).",
    ["system", "operation", "outcome"],
    registry=REGISTRY,
)
UPSTREAM_CALL_DURATION = Histogram(
    "dfdg_upstream_call_duration_seconds",
    "Duration of an upstream call, retries included, by system and operation.",
    ["system", "operation"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)

BREAKER_STATES = ("closed", "half_open", "open")
BREAKER_STATE = Gauge(
    "dfdg_upstream_breaker_state",
    "Circuit breaker state per upstream system: 1 for the state it is in, 0 for the others.",
    ["system", "state"],
    registry=REGISTRY,
)

DB_POOL_CHECKED_OUT = Gauge(
    "dfdg_db_pool_connections_in_use", "Database connections lent out by the pool now.", registry=REGISTRY
)
DB_POOL_SIZE = Gauge(
    "dfdg_db_pool_connections_open", "Database connections the pool holds open now (in use or idle).", registry=REGISTRY
)
DB_POOL_OVERFLOW = Gauge(
    "dfdg_db_pool_overflow", "Connections open beyond the pool's size now (negative: room left).", registry=REGISTRY
)

SNAPSHOTS_WRITTEN = Counter(
    "dfdg_snapshots_written", "Data-area snapshots stored (insert-only, G1), by area.", ["area"], registry=REGISTRY
)

RATE_LIMIT_REFUSALS = Counter(
    "dfdg_rate_limit_refusals",
    "Requests refused by a rate limit (429), by route class (read, write).",
    ["limit"],
    registry=REGISTRY,
)

ACCESS_LOG_BATCHES = Counter(
    "dfdg_access_log_batches",
    "Group commits of the access-log writer, by result: committed, or failed (every read in it answered 503).",
    ["result"],
    registry=REGISTRY,
)
ACCESS_LOG_BATCH_ROWS = Histogram(
    "dfdg_access_log_batch_rows",
    "Rows per access-log group commit (how many reads shared one commit: DFDG_ACCESS_LOG_LINGER_MS tunes it).",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
    registry=REGISTRY,
)
ACCESS_LOG_UNAVAILABLE = Counter(
    "dfdg_access_log_unavailable",
    "Requests whose access-log row was not committed (a read then answers 503; a refused attempt keeps its "
    "answer), by reason: failed (the batch failed), timeout (DFDG_ACCESS_LOG_WAIT_SECONDS), queue_full, stopping.",
    ["reason"],
    registry=REGISTRY,
)


def observe_upstream(system: str, operation: str, outcome: str, seconds: float) -> None:
    calls, duration = _upstream_series(system, operation, outcome)
    calls.inc()
    duration.observe(seconds)


@functools.lru_cache(maxsize=512)  # the labels' vocabularies are fixed and small: the bound is only a guard
def _upstream_series(system: str, operation: str, outcome: str) -> tuple[Counter, Histogram]:
    """One call's series, looked up once: ``labels(...)`` costs 2-5 us a series (keyword arguments, a lock), the
    increment itself under 1 us, and an upstream call is counted on every live read."""
    return (
        UPSTREAM_CALLS.labels(system=system, operation=operation, outcome=outcome),
        UPSTREAM_CALL_DURATION.labels(system=system, operation=operation),
    )


def count_snapshots_written(areas: Iterable[str]) -> None:
    """``SNAPSHOTS_WRITTEN`` by one for each area given (a create stores four snapshots at once)."""
    for area in areas:
        _snapshots_written(area).inc()


@functools.lru_cache(maxsize=64)  # four areas: the bound is only a guard
def _snapshots_written(area: str) -> Counter:
    """The area's series, looked up once (``labels(...)`` costs more than the increment, see ``_upstream_series``)."""
    return SNAPSHOTS_WRITTEN.labels(area=area)


def record_breaker_states(states: Mapping[str, str]) -> None:
    """Set the breaker gauge from ``{system: state}`` (read at scrape time from the running app)."""
    for system, state in states.items():
        for candidate in BREAKER_STATES:
            BREAKER_STATE.labels(system=system, state=candidate).set(1 if candidate == state else 0)


def record_pool(pool: Any) -> None:
    """Pool figures from a SQLAlchemy ``QueuePool`` (SQLite's other pool kinds report what they can)."""
    checked_out = getattr(pool, "checkedout", None)
    checked_in = getattr(pool, "checkedin", None)
    overflow = getattr(pool, "overflow", None)
    if callable(checked_out):
        DB_POOL_CHECKED_OUT.set(checked_out())
        if callable(checked_in):
            DB_POOL_SIZE.set(checked_in() + checked_out())
    if callable(overflow):
        DB_POOL_OVERFLOW.set(overflow())


def exposition() -> tuple[bytes, str]:
    """The text exposition of every metric, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


SKIPPED_PATHS = frozenset({"/metrics"})
"""Requests not counted: the scrapes themselves."""


def observe_request(scope: Scope, status: int, seconds: float) -> None:
    """Count and time an HTTP request by route template (``scope["route"]`` once routing has matched);
    ``edge.EdgeMiddleware`` calls it as each request ends (not for ``SKIPPED_PATHS``), and keeps
    ``HTTP_REQUESTS_IN_PROGRESS``."""
    route = getattr(scope.get("route"), "path", UNMATCHED_ROUTE)
    method = scope["method"] if scope["method"] in _METHODS else "other"
    counted, timed = _request_series(route, method, status)
    counted.inc()
    timed.observe(seconds)


@functools.cache  # bounded: route templates x methods x status codes; prometheus-client keeps the series anyway
def _request_series(route: str, method: str, status: int) -> tuple[Counter, Histogram]:
    """The request counter's and histogram's series for these labels, looked up once (``labels`` takes a lock and
    builds its key on every call: ~1 % of a cached read's time, issue 14)."""
    return (
        HTTP_REQUESTS.labels(route=route, method=method, status=str(status)),
        HTTP_REQUEST_DURATION.labels(route=route, method=method),
    )


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
