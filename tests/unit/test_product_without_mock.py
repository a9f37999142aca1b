"""The broker is installed and run without the mock upstream: importing it loads no ``dfdg_broker.mock`` module and
no fpdf2 (the ``[mock]`` extra), and every product module imports with both unavailable."""

from __future__ import annotations

import subprocess
import sys
import textwrap

MOCK_ONLY = ("dfdg_broker.mock", "fpdf")


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _imported(importtime_log: str) -> list[str]:
    """Module names from ``-X importtime`` lines: 'import time: self [us] | cumulative | <indent>name'."""
    return [line.rsplit("|", 1)[1].strip() for line in importtime_log.splitlines() if line.startswith("import time:")]


def _mock_only(name: str) -> bool:
    return any(name == top or name.startswith(top + ".") for top in MOCK_ONLY)


def test_importing_the_broker_loads_no_mock_module_and_no_fpdf():
    result = _run("import dfdg_broker.app")
    assert result.returncode == 0, result.stderr
    imported = _imported(result.stderr)
    assert "dfdg_broker.app" in imported
    assert [name for name in imported if _mock_only(name)] == []


def test_the_broker_builds_its_app_and_openapi_document_without_the_mock_installed():
    """As a production install sees it: fpdf2 absent, and the mock package unavailable. Every product module
    imports, and the app (with its OpenAPI examples) is built."""
    result = _run(
        """
        import importlib, importlib.abc, pkgutil, sys

        class NoMock(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name in ("fpdf", "dfdg_broker.mock") or name.startswith(("fpdf.", "dfdg_broker.mock.")):
                    raise ModuleNotFoundError(f"{name} is not installed", name=name)
                return None

        sys.meta_path.insert(0, NoMock())
        import dfdg_broker
        for module in pkgutil.walk_packages(dfdg_broker.__path__, "dfdg_broker."):
            if not module.name.startswith("dfdg_broker.mock"):
                importlib.import_module(module.name)

        from dfdg_broker.app import create_app
        from dfdg_broker.settings import Settings
        document = create_app(Settings()).openapi()
        assert document["paths"], "no paths"
        print("ok", len(document["paths"]))
        """
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("ok ")


def test_the_mock_commands_say_which_extra_they_need_when_it_is_missing():
    result = _run(
        """
        import sys
        sys.modules["fpdf"] = None  # as if fpdf2 were not installed
        from typer.testing import CliRunner
        from dfdg_broker.cli import app
        outcome = CliRunner().invoke(app, ["mock"])
        print(outcome.exit_code)
        print(outcome.output)
        """
    )
    assert result.returncode == 0, result.stderr[-3000:]
    exit_code, output = result.stdout.split("\n", 1)
    assert exit_code == "2"
    assert "pip install 'dfdg-broker[mock]'" in output
