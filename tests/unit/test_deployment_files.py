"""The deployment files say what the README and the tests rely on (no container engine here to run them)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from ruamel.yaml import YAML
from typer.main import get_command

from dfdg_broker.cli import app

ROOT = Path(__file__).resolve().parents[2]


def _cli_commands() -> set[str]:
    return set(get_command(app).commands)  # type: ignore[attr-defined]


def test_compose_runs_migrations_once_before_the_broker_and_checks_health():
    compose = YAML(typ="safe").load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"db", "migrate", "mock", "broker", "sweep"} <= set(services)
    for name in ("migrate", "mock", "broker"):
        assert services[name]["command"][0] in _cli_commands(), name
    assert services["migrate"]["command"] == ["migrate"] and services["migrate"]["restart"] == "no"
    assert services["broker"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("db", "mock", "broker"):
        assert services[name]["healthcheck"]["test"], name
    assert "/readyz" in " ".join(services["broker"]["healthcheck"]["test"])
    assert "dfdg-broker sweep" in " ".join(services["sweep"]["entrypoint"])
    assert services["broker"]["environment"]["DFDG_OIDC_ISSUER"] == "http://mock:8001/idp"  # the mock's provider
    assert services["mock"]["environment"]["DFDG_ENVIRONMENT"] == "development"
    assert services["mock"]["build"]["args"]["EXTRAS"] == "mock"


def test_dockerfile_is_production_by_default_and_checks_health_on_the_configured_port():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "DFDG_ENVIRONMENT=production" in dockerfile
    assert 'ENTRYPOINT ["dfdg-broker"]' in dockerfile and 'CMD ["serve"]' in dockerfile
    assert "os.environ.get('DFDG_PORT'" in dockerfile and "/livez" in dockerfile
    assert "--mount=type=bind,from=build" in dockerfile and "COPY --from=build /wheels" not in dockerfile
    assert 'ARG EXTRAS=""' in dockerfile
    assert {"serve", "migrate", "sweep"} <= _cli_commands()


def _project_dependencies() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    named = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        named += extra
    return {_normalise(re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0]) for requirement in named}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_lock_file_pins_every_dependency_pyproject_names():
    """requirements.lock is a constraints file: a dependency it does not name installs unpinned, silently."""
    pinned = {
        _normalise(line.split("==", 1)[0])
        for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
        if "==" in line and not line.lstrip().startswith("#")
    }
    assert _project_dependencies() - pinned == set(), "run `make lock`"
