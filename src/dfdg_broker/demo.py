"""Demo cases: a few personas of the mock, turned into contact groups through the broker's own HTTP API, with
dates around the clock's today so that live, frozen and past-deadline areas all show. Idempotent (409 = there)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx

from dfdg_broker.identity import fetch_client_credentials_token
from dfdg_broker.settings import Settings

DEMO_CLIENT_SECRET = "mock-client-secret"  # noqa: S105 - the mock identity provider's published test secret

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DemoCase:
    persona: str
    contact_group: int
    handover_in_days: int
    early_cv_in_days: int | None = None
    early_contract_in_days: int | None = None
    jobcenter_municipality: str | None = None
    special_procedure_ref: str | None = None
    shows: str = ""


DEMO_CASES = (
    DemoCase("complete-adult", 27, 14, shows="every area live; CV window not yet open"),
    DemoCase("placeholders-everywhere", 27, 5, early_cv_in_days=-2, shows="CV frozen early (C5, G1), rest live"),
    DemoCase("long-settled", 18, -30, shows="created after the handover: final snapshots frozen (G1)"),
    DemoCase("employed", 20, -90, shows="deadline passed: Jobnet login-code task pending (C8)"),
    DemoCase("binding-cooperation", 27, 7, jobcenter_municipality="751", shows="Samsø with Aarhus's jobcenter (C2)"),
    DemoCase("unaccompanied-minor-16", 27, 3, shows="minor of 16 (M2)"),
    DemoCase("unaccompanied-minor-14", 27, 3, special_procedure_ref="LS-2026-000114", shows="under 15 (M1)"),
    DemoCase("parent-with-linked-children", 27, 10, shows="linked children and their documents (M3, DA4)"),
)


async def seed_demo(settings: Settings, broker_url: str, mock_url: str, today: date) -> list[str]:
    """Create the demo cases; returns one line per case for the console."""
    async with httpx.AsyncClient(timeout=30) as http:
        personas = {p["key"]: p for p in (await http.get(f"{mock_url}/admin/personas")).raise_for_status().json()}
        lines = []
        for demo in DEMO_CASES:
            persona = personas.get(demo.persona)
            if persona is None:
                lines.append(f"  (no persona {demo.persona!r} in the fixtures; skipped)")
                continue
            lines.append(await _create(http, settings, broker_url, persona, demo, today))
        return lines


async def _create(
    http: httpx.AsyncClient,
    settings: Settings,
    broker_url: str,
    persona: dict[str, Any],
    demo: DemoCase,
    today: date,
) -> str:
    def day(offset: int | None) -> str | None:
        return (today + timedelta(days=offset)).isoformat() if offset is not None else None

    receiving = persona["receiving_municipality"]
    body = {
        "cpr": persona["cpr"],
        "receiving_municipality": receiving,
        "jobcenter_municipality": demo.jobcenter_municipality,
        "contact_group": demo.contact_group,
        "handover_date": day(demo.handover_in_days),
        "early_takeover_cv": day(demo.early_cv_in_days),
        "early_takeover_contract": day(demo.early_contract_in_days),
        "special_procedure_ref": demo.special_procedure_ref,
    }
    assert settings.oidc_issuer is not None
    token = await fetch_client_credentials_token(
        http, settings.oidc_issuer, f"kommune-{receiving}", DEMO_CLIENT_SECRET, ["cases:write", "cases:read"]
    )
    response = await http.post(
        f"{broker_url}/v1/contact-groups",
        json={k: v for k, v in body.items() if v is not None},
        headers={"Authorization": f"Bearer {token}"},
    )
    problem = response.json()
    if response.status_code == 201:
        case_id = problem["id"]
    elif response.status_code == 409:
        case_id = problem.get("existing_id", "?")
    else:
        return f"  {demo.persona}: not created ({response.status_code} {problem.get('code')})"
    return f"  {case_id}  municipality {receiving}  {demo.persona}: {demo.shows}"
