"""Operations endpoints: ``/livez``, ``/readyz``, ``/version`` and ``/metrics``.

- ``/livez``: the process answers. Nothing else is checked, so an orchestrator restarts only a stuck process,
  never every replica because the database blinked.
- ``/readyz``: the database answers, its schema is at the revision this code was written for, and no upstream's
  circuit breaker is open. Otherwise 503, a problem naming each failing part, so the load balancer sends the
  traffic elsewhere.
- ``/version``: the release, the git revision it was built from (when known) and the schema revision it expects.
- ``/metrics``: Prometheus text format (see ``metrics``); not in the OpenAPI document, as it is for the scraper.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from dfdg_broker import __version__, correlation, metrics
from dfdg_broker.app_state import StateKey
from dfdg_broker.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE, Problem

router = APIRouter(tags=["Operations"])

DATABASE_TIMEOUT_SECONDS = 2.0

ENGINE: StateKey[AsyncEngine] = StateKey("engine")
"""Set by the lifespan: the engine, for the readiness check and the pool gauges."""
BREAKERS: StateKey[Mapping[str, Any]] = StateKey("breakers")
"""The upstream circuit breakers by system name (set by their owner, see ``breaker_states``)."""


class Liveness(BaseModel):
    status: str = Field(examples=["ok"])


class Readiness(BaseModel):
    status: str = Field(examples=["ready"])
    checks: dict[str, str] = Field(
        description="each part and its state: database, schema, and one `upstream:<system>` per circuit breaker",
        examples=[{"database": "ok", "schema": "ok", "upstream:letasyl": "closed", "upstream:jobnet": "closed"}],
    )


class VersionInfo(BaseModel):
    version: str = Field(examples=["0.1.0"])
    git_revision: str | None = Field(description="the commit the release was built from, when known")
    schema_revision: str | None = Field(description="the Alembic revision this code expects the database to be at")


@cache
def git_revision() -> str | None:
    """``DFDG_GIT_REVISION`` (set when the image is built), else the source checkout's HEAD, else None."""
    if revision := os.environ.get("DFDG_GIT_REVISION"):
        return revision
    source = Path(__file__).resolve().parents[2]
    if not (source / ".git").exists():
        return None
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],  # noqa: S607 - git from PATH in a source checkout only
            cwd=source,
            capture_output=True,
            text=True,
            timeout=2,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


@cache
def expected_schema_revision() -> str | None:
    """The head of the migration scripts shipped with this code (None when alembic.ini cannot be found)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from dfdg_broker.db.migrate import alembic_ini

    try:
        return ScriptDirectory.from_config(Config(str(alembic_ini()))).get_current_head()
    except (FileNotFoundError, OSError):
        return None


def version_info() -> VersionInfo:
    return VersionInfo(version=__version__, git_revision=git_revision(), schema_revision=expected_schema_revision())


async def database_revision(engine: AsyncEngine) -> tuple[bool, str | None]:
    """(reachable, the revision recorded in the database). Bounded: a hung database answers "unreachable"."""
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS), engine.connect() as connection:
            try:
                result = await connection.execute(text("SELECT version_num FROM alembic_version"))
            except Exception:  # no alembic_version table: never migrated
                return True, None
            return True, result.scalar_one_or_none()
    except Exception:
        return False, None


def schema_state(current: str | None, expected: str | None) -> tuple[bool, str]:
    """(ready, what to say). A database *ahead* of the code (a newer release migrated it during a rolling
    update) stays ready: migrations add before they remove, so the older code keeps working."""
    if expected is None:
        return False, "unknown: the migration scripts were not found (set DFDG_ALEMBIC_INI)"
    if current == expected:
        return True, "ok"
    if current is None:
        return False, "not migrated: run `dfdg-broker migrate`"
    if current in _known_revisions():
        return False, f"behind: at {current}, this release needs {expected}; run `dfdg-broker migrate`"
    return True, f"ahead: at {current}, newer than this release's {expected}"


@cache
def _known_revisions() -> frozenset[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from dfdg_broker.db.migrate import alembic_ini

    scripts = ScriptDirectory.from_config(Config(str(alembic_ini())))
    return frozenset(script.revision for script in scripts.walk_revisions())


def breaker_states(app: Starlette) -> dict[str, str]:
    """``{system: "closed" | "half_open" | "open"}`` from the app's circuit breakers, if it has any.

    Reads ``BREAKERS``: a mapping of system name to a breaker with a ``state`` attribute (agreed on BOARD.md with
    the circuit breaker's author), or to the state itself.
    """
    try:
        breakers = BREAKERS.get(app)
    except RuntimeError:
        return {}
    states = {}
    for system, breaker in breakers.items():
        state = getattr(breaker, "state", breaker)
        states[str(system)] = str(getattr(state, "value", state))
    return states


async def readiness(app: Starlette) -> tuple[bool, dict[str, str]]:
    reachable, current = await database_revision(ENGINE.get(app))
    checks = {"database": "ok" if reachable else "unreachable"}
    ready = reachable
    if reachable:
        schema_ready, checks["schema"] = schema_state(current, expected_schema_revision())
        ready = ready and schema_ready
    for system, state in sorted(breaker_states(app).items()):
        checks[f"upstream:{system}"] = state
        ready = ready and state != "open"
    return ready, checks


@router.get("/livez", name="liveness", response_model=Liveness)
async def livez() -> Liveness:
    """The process is up and answering. Checks nothing else (use it for restarts, not for routing)."""
    return Liveness(status="ok")


@router.get(
    "/readyz",
    name="readiness",
    response_model=Readiness,
    responses={503: {"model": Problem, "description": "`not_ready`: `failing` names the parts at fault"}},
)
async def readyz(request: Request) -> Response:
    """Ready for traffic: the database answers, its schema is at this release's revision (or newer), and no
    upstream's circuit breaker is open. 503 otherwise, naming each failing part."""
    ready, checks = await readiness(request.app)
    if ready:
        return Response(Readiness(status="ready", checks=checks).model_dump_json(), media_type="application/json")
    failing = [part for part, state in checks.items() if not _is_fine(part, state)]
    problem = Problem(
        type=PROBLEM_TYPE_BASE + "not_ready",
        title="Not ready",
        status=503,
        detail="Not ready: " + "; ".join(f"{part} {checks[part]}" for part in failing),
        instance=request.url.path,
        code="not_ready",
        correlation_id=correlation.current(),
        failing=failing,
        checks=checks,
    )
    return Response(
        problem.model_dump_json(exclude_none=True),
        status_code=503,
        media_type=PROBLEM_MEDIA_TYPE,
        headers={"Retry-After": "5"},
    )


def _is_fine(part: str, state: str) -> bool:
    if part.startswith("upstream:"):
        return state != "open"
    return state == "ok" or state.startswith("ahead")


@router.get("/version", name="version", response_model=VersionInfo)
async def version() -> VersionInfo:
    """The release, the git revision it was built from (when known), the schema revision it expects."""
    return version_info()


@router.get("/metrics", name="metrics", include_in_schema=False)
async def prometheus_metrics(request: Request) -> Response:
    """Prometheus text exposition. Pool and breaker gauges are read now, from this app."""
    metrics.record_pool(ENGINE.of(request).pool)
    metrics.record_breaker_states(breaker_states(request.app))
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)
