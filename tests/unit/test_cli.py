"""The `dfdg-broker` CLI: the development token, and the refusal to start a production service on a pinned date."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dfdg_broker.auth import verify_dev_token
from dfdg_broker.cli import app
from dfdg_broker.settings import Settings
from tests.helpers import PRODUCTION_DATA_KEYS, PRODUCTION_LOOKUP_KEYS

runner = CliRunner()
SECRET = "s" * 48


def test_token_local_prints_a_development_token_for_the_municipality(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DFDG_ENVIRONMENT", "development")
    monkeypatch.setenv("DFDG_JWT_SECRET", SECRET)
    result = runner.invoke(app, ["token", "--municipality", "751", "--local", "--scope", "cases:read"])
    assert result.exit_code == 0, result.output
    caller = verify_dev_token(Settings(environment="development", jwt_secret=SECRET), result.output.strip(), SECRET)
    assert caller.municipality == "751" and caller.scopes == {"cases:read"}


def test_token_local_is_refused_without_a_development_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DFDG_ENVIRONMENT", "development")
    monkeypatch.delenv("DFDG_JWT_SECRET", raising=False)
    result = runner.invoke(app, ["token", "--municipality", "751", "--local"])
    assert result.exit_code != 0


def test_token_refuses_an_unknown_municipality() -> None:
    result = runner.invoke(app, ["token", "--municipality", "999"])
    assert result.exit_code != 0


@pytest.mark.parametrize("command", ["serve", "mock", "dev", "token"])
def test_production_service_refuses_to_start_with_a_pinned_date(monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    monkeypatch.setenv("DFDG_ENVIRONMENT", "production")
    monkeypatch.setenv("DFDG_FIXED_TODAY", "2026-11-23")
    monkeypatch.setenv("DFDG_OIDC_ISSUER", "https://login.example.dk")
    monkeypatch.setenv("DFDG_DATA_KEYS", PRODUCTION_DATA_KEYS)
    monkeypatch.setenv("DFDG_CPR_LOOKUP_KEYS", PRODUCTION_LOOKUP_KEYS)
    args = [command] + (["--municipality", "101"] if command == "token" else [])
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "DFDG_FIXED_TODAY" in result.output


# ---------------------------------------------------------------- workload (F7)


def test_F7_workload_prints_the_copenhagen_example_as_a_table() -> None:
    result = runner.invoke(app, ["workload"])
    assert result.exit_code == 0, result.output
    rows = {line.split("  ")[0]: line.split() for line in result.output.splitlines() if "(" in line or "Total" in line}
    assert rows["Dagpengemodtagere (unemployment-insurance)"][-5:] == ["13,695", "8.00", "20", "109,560", "36,520.0"]
    assert rows["Førtidspension (disability-pension)"][-5:] == ["11,824", "-", "-", "-", "-"]
    assert rows["Total"] == ["Total", "56,353", "322,698", "148,163.9"]


def test_F7_workload_takes_full_time_persons_from_a_file_and_options(tmp_path: Path) -> None:
    persons = tmp_path / "persons.json"
    persons.write_text(json.dumps({"sickness-benefit": 100, "cash-benefit": 0}), encoding="utf-8")
    result = runner.invoke(
        app, ["workload", "--persons", str(persons), "--group", "sickness-benefit=200", "--basis", "ongoing"]
    )
    assert result.exit_code == 0, result.output
    sickness = next(line for line in result.output.splitlines() if line.startswith("Sygedagpengemodtagere"))
    assert sickness.split()[-5:] == ["200", "12.00", "30", "2,400", "1,200.0"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--policy", "atlantis"], "No follow-up policy is called 'atlantis'"),
        (["--policy", "legal-minimum"], "has no workload groups"),
        (["--group", "astronauts=3"], "no workload group 'astronauts'"),
        (["--group", "sickness-benefit=-3"], "full_time_persons.sickness-benefit"),
    ],
)
def test_F7_workload_refuses_bad_input_with_a_message(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["workload", *args])
    assert result.exit_code == 2
    assert message in result.output
