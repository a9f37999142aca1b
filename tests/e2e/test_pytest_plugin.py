"""Issue 12, mock item 6: the pytest plugin a vendor's CI uses (`dfdg_broker.testing`, registered through the
`pytest11` entry point). A separate pytest session in a bare directory, as a vendor's repository would be, uses the
`dfdg_mock_clean` fixture: the mock runs on a real loopback port, and its admin client sets a fault, verifies calls,
pins the clock and loads the vendor's own persona files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dfdg_broker.mock.state import MockState
from tests.contract.test_mock_upstream import new_persona

VENDOR_TESTS = """
import httpx
import pytest


def test_the_mock_answers_on_loopback_with_the_demo_personas_and_ours(dfdg_mock_clean):
    assert dfdg_mock_clean.base_url.startswith("http://127.0.0.1:")
    keys = {p["key"] for p in dfdg_mock_clean.admin.personas()}
    assert {"complete-adult", "our-own-persona"} <= keys


def test_a_fault_then_verify_the_calls(dfdg_mock_clean):
    mock, admin = dfdg_mock_clean, dfdg_mock_clean.admin
    ours = next(p for p in admin.personas() if p["key"] == "our-own-persona")
    lookup = {"cpr": ours["cpr"], "receiving_municipality": ours["receiving_municipality"]}
    admin.add_fault(system="letasyl", kind="status", status=503, retry_after_seconds=30, times=1)
    with httpx.Client(base_url=mock.base_url) as http:
        first = http.post("/letasyl/v1/person-lookups", json=lookup)
        second = http.post("/letasyl/v1/person-lookups", json=lookup)
    assert first.status_code == 503 and first.headers["retry-after"] == "30"
    assert second.status_code == 200 and second.json()["person_id"] == ours["person_id"]
    admin.verify(2, operation="letasyl.lookup_person")  # the faulted call too (the route, not the person, is known)
    admin.verify(1, operation="letasyl.lookup_person", person_id=ours["person_id"])


def test_the_clean_fixture_reset_the_journal_and_faults(dfdg_mock_clean):
    assert dfdg_mock_clean.admin.count() == 0 and dfdg_mock_clean.admin.faults() == []


def test_the_clock(dfdg_mock_clean):
    assert dfdg_mock_clean.admin.pin_clock(today="2027-03-01")["today"] == "2027-03-01"
    assert dfdg_mock_clean.admin.move_clock(days=14)["today"] == "2027-03-15"


def test_a_failed_verification_says_what_it_found(dfdg_mock_clean):
    dfdg_mock_clean.admin.verify(5, operation="jobnet.put_cv")
"""


def write_vendor_project(project: Path, tests: str) -> Path:
    """A vendor's repository: their tests, their persona file, the plugin's ini option naming its directory."""
    personas = project / "personas"
    personas.mkdir(parents=True)
    ours = new_persona(MockState.with_demo_fixtures(), "79999904", "0808900123", key="our-own-persona")
    (personas / "ours.json").write_text(json.dumps(ours), encoding="utf-8")
    (project / "pytest.ini").write_text("[pytest]\ndfdg_mock_personas = personas\n", encoding="utf-8")
    (project / "test_vendor.py").write_text(tests, encoding="utf-8")
    return project


def test_a_vendors_session_uses_the_plugin_fixtures(tmp_path: Path) -> None:
    project = write_vendor_project(tmp_path, VENDOR_TESTS)

    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", str(project)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert "1 failed, 4 passed" in run.stdout, run.stdout + run.stderr
    assert "test_a_failed_verification_says_what_it_found" in run.stdout
    assert "expected 5 calls matching {'operation': 'jobnet.put_cv'}, the mock received 0" in run.stdout
