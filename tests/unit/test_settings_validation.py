"""Configuration: checked at start-up with messages naming the variable, secrets from files, unknown variables
warned about, and the README's settings table generated from the settings model."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from dfdg_broker.cli import SETTINGS_BEGIN, SETTINGS_END
from dfdg_broker.settings import (
    Settings,
    SettingsError,
    deployment_problems,
    describe_errors,
    settings_table,
    unknown_variables,
)
from tests.helpers import PRODUCTION_DATA_KEYS, PRODUCTION_LOOKUP_KEYS

README = Path(__file__).resolve().parents[2] / "README.md"
STRONG = "x" * 48


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("DFDG_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DFDG_ENVIRONMENT", "test")  # production (the default) needs an identity provider
    monkeypatch.chdir(tmp_path)  # no .env from the checkout


def _refusals(**values: object) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        Settings(**values)  # type: ignore[arg-type]
    return describe_errors(refused.value)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"port": 0}, "DFDG_PORT: Input should be greater than or equal to 1"),
        ({"mock_port": 65536}, "DFDG_MOCK_PORT: Input should be less than or equal to 65535"),
        ({"upstream_base_url": "not-a-url"}, "DFDG_UPSTREAM_BASE_URL: must be an http:// or https:// URL"),
        ({"upstream_base_url": "ftp://letasyl.example"}, "DFDG_UPSTREAM_BASE_URL: must be an http:// or https://"),
        ({"database_url": "not a url"}, "DFDG_DATABASE_URL: is not a database URL"),
        ({"database_url": "mysql://db/dfdg"}, "DFDG_DATABASE_URL: driver 'mysql' is not supported"),
        ({"upstream_attempts": 0}, "DFDG_UPSTREAM_ATTEMPTS: Input should be greater than or equal to 1"),
        ({"log_level": "chatty"}, "DFDG_LOG_LEVEL: Input should be 'DEBUG', 'INFO'"),
    ],
)
def test_a_refused_setting_names_the_variable_and_the_rule(values, expected):
    assert any(line.startswith(expected) for line in _refusals(**values)), _refusals(**values)


def test_production_requires_postgresql():
    production = {
        "environment": "production",
        "data_keys": PRODUCTION_DATA_KEYS,
        "cpr_lookup_keys": PRODUCTION_LOOKUP_KEYS,
        "oidc_issuer": "https://idp.example",
    }
    on_sqlite = Settings(**production)  # type: ignore[arg-type]
    assert deployment_problems(on_sqlite) == [
        "DFDG_DATABASE_URL must name PostgreSQL (postgresql+asyncpg://…) in production"
    ]
    on_postgresql = Settings(**production, database_url="postgresql+asyncpg://dfdg@db:5432/dfdg")  # type: ignore[arg-type]
    assert deployment_problems(on_postgresql) == []
    assert deployment_problems(Settings(environment="test")) == []  # type: ignore[arg-type]


def test_an_upstream_url_loses_its_trailing_slash_and_log_level_its_case():
    settings = Settings(upstream_base_url="https://letasyl.example/api/", log_level="debug")
    assert settings.upstream_base_url == "https://letasyl.example/api" and settings.log_level == "DEBUG"


def test_a_secret_is_read_from_its_FILE_variable(monkeypatch, tmp_path):
    secret = tmp_path / "jwt"
    secret.write_text(STRONG + "\n")
    monkeypatch.setenv("DFDG_JWT_SECRET_FILE", str(secret))
    assert Settings().jwt_secret.get_secret_value() == STRONG


def test_a_FILE_variable_beside_the_variable_itself_is_refused(monkeypatch, tmp_path):
    (tmp_path / "jwt").write_text(STRONG)
    monkeypatch.setenv("DFDG_JWT_SECRET_FILE", str(tmp_path / "jwt"))
    monkeypatch.setenv("DFDG_JWT_SECRET", STRONG)
    with pytest.raises(SettingsError, match="DFDG_JWT_SECRET and DFDG_JWT_SECRET_FILE are both set"):
        Settings()


def test_an_unreadable_FILE_names_the_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("DFDG_DATA_KEYS_FILE", str(tmp_path / "missing"))
    with pytest.raises(SettingsError, match="DFDG_DATA_KEYS_FILE: cannot read"):
        Settings()


def test_secrets_come_from_the_secrets_folder_last(monkeypatch, tmp_path):
    (tmp_path / "dfdg_cpr_lookup_keys").write_text(PRODUCTION_LOOKUP_KEYS.replace(", ", "\n") + "\n")
    (tmp_path / "dfdg_jwt_secret").write_text("from-the-folder-" + STRONG)
    monkeypatch.setenv("DFDG_SECRETS_DIR", str(tmp_path))
    monkeypatch.setenv("DFDG_JWT_SECRET", "from-the-variable-" + STRONG)
    settings = Settings()
    assert settings.cpr_lookup_key_ring().current_id == "lookup-2026"
    assert settings.jwt_secret.get_secret_value().startswith("from-the-variable-")


def test_unknown_DFDG_variables_are_warned_about_with_a_suggestion():
    environ = {
        "DFDG_DATABSE_URL": "x",
        "DFDG_PORT": "8000",
        "DFDG_JWT_SECRET_FILE": "/run/secrets/jwt",
        "DFDG_TEST_DATABASE_URL": "x",
        "PATH": "/bin",
    }
    assert unknown_variables(environ) == [
        "DFDG_DATABSE_URL is not a setting and is ignored (did you mean DFDG_DATABASE_URL?)"
    ]


def test_every_setting_has_a_description():
    assert [name for name, field in Settings.model_fields.items() if not field.description] == []


def test_the_readme_settings_table_is_generated_from_the_settings_model():
    """Run `make settings-table` when this fails."""
    text = README.read_text(encoding="utf-8")
    section = text.split(SETTINGS_BEGIN, 1)[1].split(SETTINGS_END, 1)[0]
    assert section.strip() == settings_table().strip()


@pytest.mark.parametrize(
    ("url", "seconds"),
    [("sqlite+aiosqlite:///./dfdg.db", 0.0), ("postgresql+asyncpg://dfdg@db:5432/dfdg", 0.002)],
)
def test_the_access_log_linger_defaults_per_database(url, seconds):
    """SQLite commits a batch on its connection's thread while the next one gathers: a linger only adds latency."""
    assert Settings(database_url=url).access_log_linger_seconds == seconds


@pytest.mark.parametrize("url", ["sqlite+aiosqlite:///./dfdg.db", "postgresql+asyncpg://dfdg@db:5432/dfdg"])
def test_a_set_access_log_linger_applies_on_either_database(url):
    assert Settings(database_url=url, access_log_linger_ms=2.5).access_log_linger_seconds == 0.0025
    assert Settings(database_url=url, access_log_linger_ms=0).access_log_linger_seconds == 0.0
