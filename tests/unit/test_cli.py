"""The `dfdg-broker` CLI: the development token, and the refusal to start a production service on a pinned date."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from dfdg_broker.auth import verify_token
from dfdg_broker.cli import app
from dfdg_broker.settings import Settings

runner = CliRunner()
SECRET = "s" * 48


def test_token_prints_a_bearer_token_for_the_municipality(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DFDG_JWT_SECRET", SECRET)
    result = runner.invoke(app, ["token", "--municipality", "751"])
    assert result.exit_code == 0, result.output
    caller = verify_token(Settings(jwt_secret=SECRET), result.output.strip())
    assert caller.municipality == "751"


def test_token_refuses_an_unknown_municipality() -> None:
    result = runner.invoke(app, ["token", "--municipality", "999"])
    assert result.exit_code != 0


@pytest.mark.parametrize("command", ["serve", "mock", "dev", "token"])
def test_production_service_refuses_to_start_with_a_pinned_date(monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    monkeypatch.setenv("DFDG_ENVIRONMENT", "production")
    monkeypatch.setenv("DFDG_FIXED_TODAY", "2026-11-23")
    monkeypatch.setenv("DFDG_JWT_SECRET", SECRET)
    monkeypatch.setenv("DFDG_CPR_LOOKUP_KEY", SECRET)
    args = [command] + (["--municipality", "101"] if command == "token" else [])
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "DFDG_FIXED_TODAY" in result.output
