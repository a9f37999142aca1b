"""The broker's client for the CPR register (N15: name and address). The CPR number travels in the body only."""

from __future__ import annotations

import httpx

from dfdg_broker.cpr_register.schemas import RegisterEntry, RegisterLookup
from dfdg_broker.upstream import CallPolicy, call, parse_answer

SYSTEM = "cpr"


class CprRegisterClient:
    def __init__(self, http: httpx.AsyncClient, policy: CallPolicy) -> None:
        self._http = http
        self._policy = policy

    async def lookup(self, cpr: str) -> RegisterEntry | None:
        """The register's entry, or None when the register does not know the number."""
        body = RegisterLookup(cpr=cpr).model_dump()
        response = await call(
            SYSTEM,
            self._policy,
            lambda: self._http.post("/cpr/v1/person-lookups", json=body),
            idempotent=True,
            operation="cpr.lookup_person",
        )
        if response.status_code == 404:
            return None
        return parse_answer(SYSTEM, response, RegisterEntry)
