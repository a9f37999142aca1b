"""Issue 12, mock item 6: `pip install 'dfdg-broker[mock]'` from a built wheel gives a vendor's CI the mock.

The first test builds the wheel (about 10 s) and checks what is inside: the mock's persona files, the reference
data, the console script and the pytest plugin's entry point, the [mock] extra. The second (`make wheel-check`,
not in the normal suite: it installs the wheel and its dependencies into a new virtualenv, about a minute) runs
`dfdg-broker mock --port N` and the plugin from that install, outside this checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from dfdg_broker.mock.fixtures import persona_files
from tests.e2e.test_pytest_plugin import VENDOR_TESTS, write_vendor_project

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    source = tmp_path_factory.mktemp("source")  # a copy: setuptools builds in the tree, and two suites run at once
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(source)],
        check=True,
        timeout=300,
        cwd=source,
        env=os.environ | {"PIP_NO_INPUT": "1"},
    )
    (built,) = out.glob("dfdg_broker-*.whl")
    return built


def test_the_wheel_holds_the_mock_its_personas_the_data_and_the_plugin(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        entry_points = archive.read(f"{dist_info}/entry_points.txt").decode()
        metadata = archive.read(f"{dist_info}/METADATA").decode()
        personas = {n.rsplit("/", 1)[1]: json.loads(archive.read(n)) for n in names if "/fixtures/personas/" in n}

    assert personas == persona_files(), "exactly the demo personas the tests use"
    for path in (
        "dfdg_broker/mock/app.py",
        "dfdg_broker/testing.py",
        "dfdg_broker/data/municipalities.csv",
        "dfdg_broker/followup/policies/copenhagen.json",
        "dfdg_broker/jobnet/data/occupations_da.csv",
        "dfdg_broker/py.typed",
    ):
        assert path in names, path
    assert "dfdg-broker = dfdg_broker.cli:app" in entry_points
    assert "[pytest11]\ndfdg_broker = dfdg_broker.testing" in entry_points
    assert "Provides-Extra: mock" in metadata and "fpdf2" in metadata
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n]


@pytest.mark.skipif(not os.environ.get("DFDG_WHEEL_INSTALL_TEST"), reason="slow: `make wheel-check` runs it")
def test_the_installed_wheel_runs_the_mock_and_the_plugin(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python, pip = venv / "bin" / "python", [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    lock = ["-c", str(ROOT / "requirements.lock")]
    subprocess.run([*pip, *lock, f"{wheel}[mock]", "pytest"], check=True, timeout=600, cwd=tmp_path)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DFDG_", "PYTHONPATH"))}
    mock = subprocess.Popen(
        [str(venv / "bin" / "dfdg-broker"), "mock", "--port", str(port)],
        cwd=tmp_path,
        env=env | {"DFDG_ENVIRONMENT": "development"},
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                personas = httpx.get(f"http://127.0.0.1:{port}/admin/personas", timeout=2).json()
                break
            except httpx.TransportError:
                assert mock.poll() is None and time.monotonic() < deadline, "the mock did not start"
                time.sleep(0.2)
        assert len(personas) == len(persona_files())
    finally:
        mock.terminate()
        mock.wait(timeout=10)

    project = write_vendor_project(tmp_path / "vendor", VENDOR_TESTS)
    run = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", str(project)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "1 failed, 4 passed" in run.stdout, run.stdout + run.stderr
