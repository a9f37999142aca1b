"""The one settings object. Every value comes from an environment variable with the prefix ``DFDG_``."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_JWT_SECRET = "dev-only-secret-change-me-in-production-0123456789"  # noqa: S105 - a known dev value


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DFDG_", env_file=".env", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    database_url: str = "sqlite+aiosqlite:///./dfdg.db"

    host: str = "127.0.0.1"
    port: int = 8000
    mock_host: str = "127.0.0.1"
    mock_port: int = 8001

    upstream_base_url: str = Field(
        default="http://127.0.0.1:8001",
        description="Where LetAsyl, Jobnet and the CPR register answer (the mock upstream in development).",
    )
    upstream_call_deadline_seconds: float = Field(default=8.0, gt=0, description="whole call, retries included")
    upstream_attempts: int = Field(default=3, ge=1, le=10)

    jwt_secret: SecretStr = SecretStr(DEVELOPMENT_JWT_SECRET)
    jwt_issuer: str = "dfdg-broker"
    jwt_audience: str = "dfdg-broker"
    jwt_dev_token_ttl_seconds: int = 8 * 3600

    cpr_lookup_key: SecretStr = Field(
        default=SecretStr("dev-only-cpr-lookup-key"),
        description="HMAC key for the CPR lookup column: cases are found by CPR without indexing the CPR itself.",
    )

    fixed_today: date | None = Field(
        default=None, description="Pins the clock's today (demos, acceptance tests). Refused in production."
    )
    log_level: str = "INFO"

    followup_policy_dir: Path | None = Field(
        default=None,
        description="A folder of municipal follow-up policy files (*.json, see README), validated at start-up.",
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

    @model_validator(mode="after")
    def _production_is_not_a_demo(self) -> Settings:
        if self.environment is Environment.PRODUCTION:
            if self.fixed_today is not None:
                raise ValueError("DFDG_FIXED_TODAY must not be set when DFDG_ENVIRONMENT=production")
            if self.jwt_secret.get_secret_value() == DEVELOPMENT_JWT_SECRET:
                raise ValueError("DFDG_JWT_SECRET must be set to a real secret in production")
            if self.cpr_lookup_key.get_secret_value() == "dev-only-cpr-lookup-key":
                raise ValueError("DFDG_CPR_LOOKUP_KEY must be set to a real secret in production")
        return self
