"""The one settings object. Every value comes from an environment variable with the prefix ``DFDG_``.

A value may also come from a file: ``DFDG_<NAME>_FILE=/run/secrets/x`` (the file's content, without the trailing
newline), or from a file named ``dfdg_<name>`` in the folder ``DFDG_SECRETS_DIR`` (Docker and Kubernetes secrets).
Precedence: the variable itself, then its ``_FILE``, then ``.env``, then the secrets folder. Each value is checked
at start-up; a refusal names the variable and the rule (see ``describe_errors``). The README's settings table is
generated from this class (``make settings-table``): give every setting a ``description``.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from limits import parse_many
from pydantic import AfterValidator, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from dfdg_broker.protection.keys import KeyRing, KeyRingError, parse_key_ring

DEVELOPMENT_JWT_SECRET = "dev-only-secret-change-me-in-production-0123456789"  # noqa: S105 - a known dev value
DEVELOPMENT_DATA_KEYS = "dev-1:ZGZkZy1icm9rZXIgZGV2ZWxvcG1lbnQgZGF0YSAwMSE="
"""The public development data key (the bytes ``dfdg-broker development data 01!``); refused in production."""
DEVELOPMENT_CPR_LOOKUP_KEYS = "dev-1:ZGZkZy1icm9rZXIgZGV2IENQUiBsb29rdXAga2V5IDE="
"""The public development CPR lookup key (``dfdg-broker dev CPR lookup key 1``); refused in production."""
MIN_SECRET_LENGTH = 32
"""A secret shorter than this (in characters) is refused: 32 random characters carry well over 128 bits."""
ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"})


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


ENV_PREFIX = "DFDG_"
FILE_SUFFIX = "_FILE"
NOT_SETTINGS = frozenset(
    {
        "DFDG_TEST_DATABASE_URL",  # the test suite's database
        "DFDG_BENCH_DATABASE_URL",  # the benchmark's database
        "DFDG_CI_POSTGRES_URL",  # .ci/run's PostgreSQL
        "DFDG_ALEMBIC_INI",  # where alembic.ini is (db/migrate.py)
        "DFDG_SECRETS_DIR",  # the secrets folder (this module)
        "DFDG_GIT_REVISION",  # set when the image is built (/version)
    }
)
"""``DFDG_*`` variables that are read elsewhere and are not settings: never warned about."""


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host, e.g. https://letasyl.example")
    if parts.query or parts.fragment:
        raise ValueError("must not carry a query or a fragment")
    return value.rstrip("/")


HttpUrl = Annotated[str, AfterValidator(_http_url)]
"""An http(s) base URL with a host, checked at start-up, without a trailing slash. Use it for every URL setting."""

Port = Annotated[int, Field(ge=1, le=65535)]

DATABASE_DRIVERS = {"sqlite+aiosqlite", "postgresql+asyncpg"}


@dataclass(frozen=True, slots=True)
class UpstreamSettings:
    """How to reach one upstream (see ``Settings.upstream``)."""

    base_url: str
    connect_timeout_seconds: float
    read_timeout_seconds: float
    deadline_seconds: float
    bearer_token: str | None
    client_cert_file: Path | None
    client_key_file: Path | None
    ca_file: Path | None


class MunicipalityClaimFormat(StrEnum):
    CODE = "code"
    """the claim holds the official 3-digit municipality code"""
    CVR = "cvr"
    """the claim holds the municipality's CVR number, mapped to the code through a table"""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")

    environment: Environment = Field(
        default=Environment.PRODUCTION,
        description="production (the default: secure), development (make run) or test (make test)",
    )
    database_url: str = Field(
        default="sqlite+aiosqlite:///./dfdg.db",
        description="SQLAlchemy URL: `sqlite+aiosqlite:///path` (development) or "
        "`postgresql+asyncpg://user:password@host:5432/dfdg` (required in production).",
    )

    host: str = Field(default="127.0.0.1", description="the broker's listen address (`0.0.0.0` in a container)")
    port: Port = Field(default=8000, description="the broker's port")
    mock_host: str = Field(default="127.0.0.1", description="the mock upstream's listen address")
    mock_port: Port = Field(default=8001, description="the mock upstream's port")

    upstream_base_url: HttpUrl = Field(
        default="http://127.0.0.1:8001",
        description="Where LetAsyl, Jobnet and the CPR register answer (the mock upstream in development).",
    )
    upstream_call_deadline_seconds: float = Field(
        default=8.0, gt=0, description="Default for every upstream: a whole call, retries included."
    )
    upstream_attempts: int = Field(default=3, ge=1, le=10, description="Attempts per idempotent upstream call.")
    upstream_breaker_failures: int = Field(
        default=5, ge=1, le=1000, description="Failed calls in a row after which an upstream's circuit opens."
    )
    upstream_breaker_cooldown_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="How long an open circuit fails fast before one probe call may go (half-open).",
    )
    letasyl_base_url: str | None = Field(
        default=None, description="Where LetAsyl answers; unset: DFDG_UPSTREAM_BASE_URL."
    )
    letasyl_connect_timeout_seconds: float = Field(
        default=2.0, gt=0, le=60, description="LetAsyl: time to open a connection."
    )
    letasyl_read_timeout_seconds: float = Field(
        default=5.0, gt=0, le=300, description="LetAsyl: time to wait for each chunk of an answer."
    )
    letasyl_deadline_seconds: float | None = Field(
        default=None,
        gt=0,
        le=300,
        description="LetAsyl: a whole call, retries included; unset: DFDG_UPSTREAM_CALL_DEADLINE_SECONDS.",
    )
    letasyl_bearer_token: SecretStr | None = Field(
        default=None, description="LetAsyl: a bearer token sent with every call (unset: none)."
    )
    letasyl_client_cert_file: Path | None = Field(
        default=None, description="LetAsyl: client certificate (PEM) for mutual TLS; with _CLIENT_KEY_FILE."
    )
    letasyl_client_key_file: Path | None = Field(
        default=None, description="LetAsyl: the client certificate's private key (PEM), if not in the cert file."
    )
    letasyl_ca_file: Path | None = Field(
        default=None, description="LetAsyl: CA bundle (PEM) to verify the server with, instead of the system's."
    )
    jobnet_base_url: str | None = Field(
        default=None, description="Where Jobnet answers; unset: DFDG_UPSTREAM_BASE_URL."
    )
    jobnet_connect_timeout_seconds: float = Field(
        default=2.0, gt=0, le=60, description="Jobnet: time to open a connection."
    )
    jobnet_read_timeout_seconds: float = Field(
        default=5.0, gt=0, le=300, description="Jobnet: time to wait for each chunk of an answer."
    )
    jobnet_deadline_seconds: float | None = Field(
        default=None,
        gt=0,
        le=300,
        description="Jobnet: a whole call, retries included; unset: DFDG_UPSTREAM_CALL_DEADLINE_SECONDS.",
    )
    jobnet_bearer_token: SecretStr | None = Field(
        default=None, description="Jobnet: a bearer token sent with every call (unset: none)."
    )
    jobnet_client_cert_file: Path | None = Field(
        default=None, description="Jobnet: client certificate (PEM) for mutual TLS; with _CLIENT_KEY_FILE."
    )
    jobnet_client_key_file: Path | None = Field(
        default=None, description="Jobnet: the client certificate's private key (PEM), if not in the cert file."
    )
    jobnet_ca_file: Path | None = Field(
        default=None, description="Jobnet: CA bundle (PEM) to verify the server with, instead of the system's."
    )
    cpr_base_url: str | None = Field(
        default=None, description="Where the CPR register answers; unset: DFDG_UPSTREAM_BASE_URL."
    )
    cpr_connect_timeout_seconds: float = Field(
        default=2.0, gt=0, le=60, description="the CPR register: time to open a connection."
    )
    cpr_read_timeout_seconds: float = Field(
        default=5.0, gt=0, le=300, description="the CPR register: time to wait for each chunk of an answer."
    )
    cpr_deadline_seconds: float | None = Field(
        default=None,
        gt=0,
        le=300,
        description="the CPR register: a whole call, retries included; unset: DFDG_UPSTREAM_CALL_DEADLINE_SECONDS.",
    )
    cpr_bearer_token: SecretStr | None = Field(
        default=None, description="the CPR register: a bearer token sent with every call (unset: none)."
    )
    cpr_client_cert_file: Path | None = Field(
        default=None, description="the CPR register: client certificate (PEM) for mutual TLS; with _CLIENT_KEY_FILE."
    )
    cpr_client_key_file: Path | None = Field(
        default=None,
        description="the CPR register: the client certificate's private key (PEM), if not in the cert file.",
    )
    cpr_ca_file: Path | None = Field(
        default=None,
        description="the CPR register: CA bundle (PEM) to verify the server with, instead of the system's.",
    )

    workers: int = Field(
        default=1, ge=1, le=64, description="uvicorn worker processes for `dfdg-broker serve` (each has its own pools)"
    )
    db_pool_size: int = Field(default=20, ge=1, le=500, description="database connections kept open per worker process")
    concurrent_creates: int = Field(
        default=4,
        ge=1,
        le=500,
        description="per worker process: creates (POST /v1/contact-groups) run at once; more wait their turn, in "
        "order. Each is CPU-bound (nine upstream calls and their answers): past a few, running more at once adds no "
        "throughput, only spreads every create's latency over all of them",
    )
    db_max_overflow: int = Field(
        default=0,
        ge=0,
        le=500,
        description="extra connections opened under peaks and closed after use (0: requests wait for a pooled one; "
        "opening a connection costs more than the wait)",
    )
    db_pool_recycle_seconds: int = Field(
        default=1800,
        ge=1,
        description="a pooled connection older than this is replaced (instead of a liveness ping on every checkout)",
    )
    upstream_max_connections: int = Field(
        default=20,
        ge=1,
        le=1000,
        description="concurrent requests (and kept-alive connections) to the upstream systems per worker; "
        "more wait their turn within the call's deadline",
    )
    upstream_max_answer_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=64 * 1024,
        le=1024 * 1024 * 1024,
        description="largest answer taken from an upstream system (the largest are DA4 documents and PDFs); a larger "
        "one is cut off and fails the call like a broken answer, so a misbehaving upstream cannot fill the memory",
    )
    otel_endpoint: HttpUrl | None = Field(
        default=None,
        description="OpenTelemetry: the OTLP/HTTP traces endpoint (e.g. http://otel-collector:4318/v1/traces); "
        "tracing is off when unset",
    )
    otel_service_name: str = Field(
        default="dfdg-broker", min_length=1, max_length=100, description="OpenTelemetry: the traces' service.name"
    )
    frozen_cache_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=0,
        description="memory per worker for serialised frozen data-area responses (LRU); 0 turns the cache off",
    )
    case_read_cache_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=0,
        description="memory per worker for serialised case reads, each kept with the stored row and day it was "
        "computed from (LRU); 0 turns the cache off",
    )
    live_answer_cache_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=0,
        description="memory per worker for the operator's last answer per case and live data area, as validated "
        "(an answer byte for byte the same is not validated, dumped or digested again; LRU); 0 turns it off",
    )
    citizen_facts_cache_size: int = Field(
        default=10_000,
        ge=0,
        le=1_000_000,
        description="Jobnet CV drafts: cases whose CPR-register and operator person facts are kept for the day "
        "(the registers are asked once per case and day); 0 asks on every draft",
    )
    mock_journal_size: int = Field(
        default=10_000, ge=1, le=1_000_000, description="mock upstream: calls kept in its journal (a ring buffer)"
    )
    mock_journal_body_bytes: int = Field(
        default=16 * 1024, ge=0, le=16 * 1024 * 1024, description="mock upstream: bytes kept of each journaled body"
    )
    mock_strict_contract: bool = Field(
        default=True,
        description="mock upstream: refuse unknown body fields, malformed CPR numbers and schema breaks with a 400 "
        "problem, as a real service would (`PUT /admin/contract-mode` switches it at run time)",
    )
    mock_personas_dir: Path | None = Field(
        default=None,
        description="mock upstream: a directory of persona files (`*.json`, one persona each) loaded after the demo "
        "personas (`dfdg-broker mock --personas DIR` adds more); a file with a demo person-ID replaces that persona",
    )

    oidc_issuer: str | None = Field(
        default=None,
        description="The identity provider's issuer URL (the `iss` of its tokens; discovery at "
        "{issuer}/.well-known/openid-configuration). Required in production; in development and test the mock "
        "upstream's identity provider ({DFDG_UPSTREAM_BASE_URL}/idp).",
    )
    oidc_audience: str = Field(default="dfdg-broker", description="the `aud` tokens must carry")
    oidc_jwks_url: str | None = Field(default=None, description="the key set's URL, if not from discovery")
    oidc_token_url: str | None = Field(
        default=None, description="the token endpoint shown in OpenAPI (Authorize button); default {issuer}/token"
    )
    oidc_algorithms: list[str] = Field(default=["RS256", "ES256"], description="accepted signature algorithms")
    oidc_leeway_seconds: int = Field(default=30, ge=0, le=300, description="clock skew allowed on exp/nbf/iat")
    oidc_max_token_lifetime_seconds: int = Field(
        default=3600, ge=60, le=86400, description="a token living longer (exp - iat) is refused"
    )
    oidc_jwks_cache_seconds: int = Field(default=300, ge=10, description="how long fetched keys are trusted")
    oidc_municipality_claim: str = Field(default="municipality", description="the claim naming the municipality")
    oidc_municipality_claim_format: MunicipalityClaimFormat = Field(
        default=MunicipalityClaimFormat.CODE, description="code (3 digits) or cvr (mapped through the CVR table)"
    )
    oidc_cvr_table_file: Path | None = Field(
        default=None, description="CSV cvr,code replacing the shipped table of the 98 municipalities' CVR numbers"
    )
    oidc_scope_claim: str = Field(default="scope", description="the claim with the granted scopes")
    oidc_client_id_claim: str = Field(default="client_id", description="the claim naming the client (else azp)")

    jwt_secret: SecretStr | None = Field(
        default=None,
        description="Development only: a shared HS256 secret (at least 32 characters) for local tokens "
        "(`dfdg-broker token --local`). Refused in production.",
    )
    jwt_issuer: str = Field(default="dfdg-broker", description="development tokens' `iss`")
    jwt_audience: str = Field(default="dfdg-broker", description="development tokens' `aud`")
    jwt_dev_token_ttl_seconds: int = Field(
        default=3600, ge=60, le=24 * 3600, description="lifetime of `dfdg-broker token` development tokens"
    )

    data_keys: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_DATA_KEYS),
        description="The data key ring: `id:base64-key` entries (32 random bytes each; `dfdg-broker keys new`), "
        "separated by commas or newlines. CPR numbers, snapshots, documents, CVs and stored answers are sealed "
        "(AES-256-GCM) under the current key; older keys stay readable until `dfdg-broker keys rotate` has moved "
        "everything. Production: required, never the development key (best from _FILE or the secrets folder).",
    )
    data_key_id: str | None = Field(
        default=None, description="the id of the current data key; may be left unset when the ring holds one key"
    )
    cpr_lookup_keys: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_CPR_LOOKUP_KEYS),
        description="The CPR lookup key ring (same form as DFDG_DATA_KEYS): HMAC-SHA-256 keys for finding a case "
        "by CPR number. A case is found under any key of the ring and stored under all of them, so a key change "
        "never allows a second case. Production: required, never the development key.",
    )
    cpr_lookup_key_id: str | None = Field(
        default=None, description="the id of the current CPR lookup key; may be unset when the ring holds one key"
    )
    cpr_lookup_key: SecretStr | None = Field(
        default=None,
        description="Replaced by DFDG_CPR_LOOKUP_KEYS (a versioned ring); refused when set. The upgrade's "
        "migration re-hashes every case from its CPR number, so the old key is not needed.",
    )
    key_rotation_batch_size: int = Field(
        default=200,
        ge=1,
        le=10_000,
        description="`dfdg-broker keys rotate`: rows re-sealed per transaction (small: short locks while serving)",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, le=64 * 1024 * 1024, description="largest request body accepted (413 beyond)"
    )
    rate_limit_read: str = Field(
        default="1200/minute",
        description="per municipality, for routes needing cases:read (limits notation, e.g. 20/second;1200/minute)",
    )
    rate_limit_write: str = Field(
        default="120/minute", description="per municipality, for routes needing cases:write (limits notation)"
    )
    rate_limit_storage: str = Field(
        default="memory://",
        description="where the rate-limit counters live: memory:// (per process) or a limits storage URI "
        "(redis://host:6379) shared by every instance",
    )
    access_log_retention_days: int = Field(
        default=5 * 365 + 1,
        ge=30,
        le=50 * 366,
        description="how long access-log rows are kept (default 5 years); `dfdg-broker purge` deletes older ones",
    )
    access_log_queue_size: int = Field(
        default=1024,
        ge=1,
        le=100_000,
        description="per worker: reads waiting for their access-log row to be committed; past it a read answers 503",
    )
    access_log_linger_ms: float | None = Field(
        default=None,
        ge=0,
        le=50,
        description="per worker: how long the access-log writer waits after a read's row for the rows of the reads "
        "being answered at the same moment, to commit them together (a commit costs ~1 ms of CPU whatever its size); "
        "unset: 2 on PostgreSQL, 0 on SQLite (its commit runs on a thread while the next batch gathers by itself)",
    )
    access_log_wait_seconds: float = Field(
        default=10.0,
        ge=0.1,
        le=120,
        description="per read: the longest wait for its access-log row to be committed; past it the read answers 503 "
        "(nothing is sent)",
    )
    access_log_batch_rows: int = Field(
        default=500,
        ge=1,
        le=10_000,
        description="per worker: at most this many access-log rows are committed together (group commit)",
    )
    idempotency_key_ttl_seconds: int = Field(
        default=24 * 3600, ge=60, le=30 * 24 * 3600, description="how long an Idempotency-Key and its answer are kept"
    )
    idempotency_in_flight_seconds: int = Field(
        default=120,
        ge=1,
        le=3600,
        description="after this long a request still marked in flight under its Idempotency-Key is taken as lost",
    )
    case_retention_days: int = Field(
        default=5 * 365,
        ge=30,
        le=100 * 365,
        description="Retention of a case, in days from its last activity (its creation or the latest snapshot, "
        "Jobnet CV submission, PDF request or delivery, receipt, change, situation, conversation or task done; reads "
        "do not count). `dfdg-broker purge` and the sweep erase cases past it (docs/data-protection.md).",
    )
    purge_batch_size: int = Field(
        default=200, ge=1, le=10_000, description="cases erased per transaction by the retention purge"
    )
    api_docs: bool | None = Field(
        default=None,
        description="Serve /docs, /redoc and /openapi.json. Default: off in production, on otherwise.",
    )

    fixed_today: date | None = Field(
        default=None, description="Pins the clock's today (demos, acceptance tests). Refused in production."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        default="INFO", description="the root log level"
    )
    log_format: Literal["auto", "json", "text"] = Field(
        default="auto", description="`json` lines or readable `text`; `auto`: JSON in production, text otherwise"
    )

    followup_policy_dir: Path | None = Field(
        default=None,
        description="A folder of municipal follow-up policy files (*.json, see README), validated at start-up.",
    )
    binding_cooperations_file: Path | None = Field(
        default=None,
        description="A CSV of binding cooperations (receiving_municipality,jobcenter_municipality,source) replacing "
        "the shipped pairs (C2): a jobcenter municipality may create a case only for a receiving municipality it is "
        "paired with here.",
    )
    occupations_file: str | None = Field(
        default=None,
        description="A fuller occupation list (CSV code,title_da under ISCO-08 codes) replacing the shipped Danish "
        "titles (N4, N5).",
    )
    cv_placeholders: list[str] | None = Field(
        default=None,
        description="Values that mean 'nothing recorded' and are removed from a CV (N1); JSON list. Unset: the "
        "shipped list (jobnet.text_rules.DEFAULT_PLACEHOLDERS).",
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError("is not a database URL, e.g. postgresql+asyncpg://user@host:5432/dfdg") from None
        if url.drivername not in DATABASE_DRIVERS:
            raise ValueError(f"driver {url.drivername!r} is not supported; use one of {sorted(DATABASE_DRIVERS)}")
        return value

    @property
    def access_log_linger_seconds(self) -> float:
        """``access_log_linger_ms``, or its default for the database. On SQLite the batch is committed on the
        connection's thread while the event loop serves on, so the rows of the reads answered meanwhile form the next
        batch without a linger, which only made each read wait longer (frozen read, 50 connections: 1.2-1.35x the
        throughput without it, for 4-8 % more CPU per read). On PostgreSQL no linger cost more CPU than it saved in
        waiting, and 2 ms did best (1.09x the throughput of 4 ms twice; 1 ms: 0.92x of 2 ms; 8 ms: far worse)."""
        if self.access_log_linger_ms is not None:
            return self.access_log_linger_ms / 1000
        return 0.0 if make_url(self.database_url).get_backend_name() == "sqlite" else 0.002

    @property
    def effective_log_format(self) -> Literal["json", "text"]:
        if self.log_format == "auto":
            return "json" if self.environment is Environment.PRODUCTION else "text"
        return self.log_format

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources = [init_settings, env_settings, FileVariablesSource(settings_cls), dotenv_settings]
        if secrets_dir := os.environ.get("DFDG_SECRETS_DIR"):
            if not Path(secrets_dir).is_dir():
                raise SettingsError(f"DFDG_SECRETS_DIR: {secrets_dir} is not a folder")
            sources.append(SecretsSettingsSource(settings_cls, secrets_dir=secrets_dir))
        return tuple(sources)

    def upstream(self, system: str) -> UpstreamSettings:
        """One upstream's settings ("letasyl", "jobnet", "cpr"), with the shared defaults filled in."""
        token: SecretStr | None = getattr(self, f"{system}_bearer_token")
        deadline: float | None = getattr(self, f"{system}_deadline_seconds")
        return UpstreamSettings(
            base_url=getattr(self, f"{system}_base_url") or self.upstream_base_url,
            connect_timeout_seconds=getattr(self, f"{system}_connect_timeout_seconds"),
            read_timeout_seconds=getattr(self, f"{system}_read_timeout_seconds"),
            deadline_seconds=deadline or self.upstream_call_deadline_seconds,
            bearer_token=token.get_secret_value() if token else None,
            client_cert_file=getattr(self, f"{system}_client_cert_file"),
            client_key_file=getattr(self, f"{system}_client_key_file"),
            ca_file=getattr(self, f"{system}_ca_file"),
        )

    def data_key_ring(self) -> KeyRing:
        return _ring("DFDG_DATA_KEYS", self.data_keys, self.data_key_id)

    def cpr_lookup_key_ring(self) -> KeyRing:
        return _ring("DFDG_CPR_LOOKUP_KEYS", self.cpr_lookup_keys, self.cpr_lookup_key_id)

    def _key_ring_problems(self) -> list[str]:
        problems = []
        development = {
            "DFDG_DATA_KEYS": parse_key_ring(DEVELOPMENT_DATA_KEYS, None).current,
            "DFDG_CPR_LOOKUP_KEYS": parse_key_ring(DEVELOPMENT_CPR_LOOKUP_KEYS, None).current,
        }
        for variable, ring in (
            ("DFDG_DATA_KEYS", self.data_key_ring()),
            ("DFDG_CPR_LOOKUP_KEYS", self.cpr_lookup_key_ring()),
        ):
            if ring.holds_any(set(development.values())):
                problems.append(
                    f"{variable} is missing or holds the public development key: make one with `dfdg-broker keys new`"
                )
        return problems

    @model_validator(mode="after")
    def _client_key_needs_its_certificate(self) -> Settings:
        for system in ("letasyl", "jobnet", "cpr"):
            if getattr(self, f"{system}_client_key_file") and not getattr(self, f"{system}_client_cert_file"):
                raise ValueError(f"DFDG_{system.upper()}_CLIENT_KEY_FILE needs DFDG_{system.upper()}_CLIENT_CERT_FILE")
        return self

    @model_validator(mode="after")
    def _secure_defaults(self) -> Settings:
        """Production refuses to start with a development value, a weak secret or no identity provider; each
        message says which setting and why."""
        for name in ("rate_limit_read", "rate_limit_write"):
            try:
                parse_many(getattr(self, name))
            except ValueError:
                raise ValueError(
                    f"DFDG_{name.upper()} is not a rate limit like 600/minute or 10/second;600/hour"
                ) from None
        if self.api_docs is None:
            self.api_docs = self.environment is not Environment.PRODUCTION
        bad = [a for a in self.oidc_algorithms if a not in ASYMMETRIC_ALGORITHMS]
        if bad or not self.oidc_algorithms:
            raise ValueError(
                f"DFDG_OIDC_ALGORITHMS may name asymmetric algorithms only (not {', '.join(bad) or 'nothing'}): "
                "a shared-secret or 'none' token can be forged by anyone who knows the secret or no secret at all"
            )
        if self.jwt_secret is not None and len(self.jwt_secret.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(f"DFDG_JWT_SECRET is shorter than {MIN_SECRET_LENGTH} characters: it can be guessed")
        if self.cpr_lookup_key is not None:
            raise ValueError(
                "DFDG_CPR_LOOKUP_KEY is no longer read: set DFDG_CPR_LOOKUP_KEYS (a key ring, `dfdg-broker keys new`) "
                "and remove it; the migration re-hashes every case under the new ring"
            )
        self.data_key_ring()  # a ring that cannot be parsed is refused in every environment
        self.cpr_lookup_key_ring()
        if self.environment is not Environment.PRODUCTION:
            if self.oidc_issuer is None:
                self.oidc_issuer = self.upstream_base_url.rstrip("/") + "/idp"
            return self
        problems = []
        if self.fixed_today is not None:
            problems.append("DFDG_FIXED_TODAY must not be set when DFDG_ENVIRONMENT=production")
        if self.jwt_secret is not None:
            problems.append(
                "DFDG_JWT_SECRET is set: the development HS256 path is refused in production (tokens come from "
                "the identity provider)"
            )
        if not self.oidc_issuer:
            problems.append(
                "DFDG_OIDC_ISSUER is missing: in production tokens are verified against the identity provider's "
                "published keys"
            )
        elif not self.oidc_issuer.startswith("https://"):
            problems.append("DFDG_OIDC_ISSUER must be an https URL in production: keys fetched over http can be forged")
        problems.extend(self._key_ring_problems())
        if problems:
            raise ValueError("; ".join(problems))
        return self


class SettingsError(ValueError):
    """A setting cannot even be read (an unreadable ``_FILE``, a variable given twice)."""


class FileVariablesSource(PydanticBaseSettingsSource):
    """``DFDG_<NAME>_FILE``: the setting's value is the content of that file (a mounted secret)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        variable = env_name(field_name) + FILE_SUFFIX
        path = os.environ.get(variable)
        if not path:
            return None, field_name, False
        if os.environ.get(env_name(field_name)):
            raise SettingsError(f"{env_name(field_name)} and {variable} are both set; keep one")
        try:
            content = Path(path).read_text(encoding="utf-8").removesuffix("\n").removesuffix("\r")
        except OSError as exc:
            raise SettingsError(f"{variable}: cannot read {path}: {exc.strerror}") from None
        return content, field_name, self.field_is_complex(field)

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field_name, field in self.settings_cls.model_fields.items():
            value, _, is_complex = self.get_field_value(field, field_name)
            if value is not None:
                values[field_name] = json.loads(value) if is_complex else value
        return values


def _ring(variable: str, written: SecretStr, current_id: str | None) -> KeyRing:
    try:
        return parse_key_ring(written.get_secret_value(), current_id)
    except KeyRingError as exc:
        raise ValueError(f"{variable}: {exc}") from None


def deployment_problems(settings: Settings) -> list[str]:
    """What a production *process* (serve, migrate, sweep) refuses beyond the settings model's own checks.

    Kept out of the model so that tests may run the app in production mode on their SQLite database; every command
    that runs the service calls it at start-up."""
    problems = []
    if settings.environment is Environment.PRODUCTION and make_url(settings.database_url).get_backend_name() != (
        "postgresql"
    ):
        # SQLite has one writer and lives on one machine: production runs several instances on PostgreSQL.
        problems.append("DFDG_DATABASE_URL must name PostgreSQL (postgresql+asyncpg://…) in production")
    return problems


def env_name(field_name: str) -> str:
    return ENV_PREFIX + field_name.upper()


def describe_errors(exc: ValidationError) -> list[str]:
    """One line per refusal, naming the variable: ``DFDG_PORT: Input should be less than or equal to 65535``."""
    lines = []
    for error in exc.errors():
        message = str(error["msg"]).removeprefix("Value error, ")
        location = [str(part) for part in error.get("loc", ())]
        lines.append(f"{env_name(location[0])}: {message}" if location else message)
    return lines


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """A warning for each ``DFDG_*`` variable that is no setting (a misspelling is otherwise silently ignored)."""
    environ = os.environ if environ is None else environ
    known = {env_name(name) for name in Settings.model_fields}
    known |= {name + FILE_SUFFIX for name in known} | NOT_SETTINGS
    warnings = []
    for variable in sorted(name for name in environ if name.upper().startswith(ENV_PREFIX)):
        if variable.upper() in known:
            continue
        close = difflib.get_close_matches(variable.upper(), sorted(known), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        warnings.append(f"{variable} is not a setting and is ignored{hint}")
    return warnings


def settings_table() -> str:
    """The README's settings table, from the fields' descriptions (``make settings-table`` writes it)."""
    rows = ["| variable | default | what |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        what = (field.description or "").strip().replace("|", "\\|")
        rows.append(f"| `{env_name(name)}` | {_default_text(field)} | {what} |")
    return "\n".join(rows) + "\n"


def _default_text(field: FieldInfo) -> str:
    default = field.get_default(call_default_factory=True)
    if isinstance(default, SecretStr):
        return "a development value"
    if default is None:
        return "unset"
    if isinstance(default, StrEnum):
        return f"`{default.value}`"
    if isinstance(default, list | dict):
        text = json.dumps(default, ensure_ascii=False)
        return f"`{text}`" if len(text) <= 40 else "see description"
    return f"`{default}`"
