"""The floor: a bare FastAPI app that checks an HS256 bearer token (as the broker does: issuer, audience, expiry and
the municipality claim) and answers ~350 bytes of JSON. `make bench` reports every broker path as a ratio of this
app's requests per second, measured in the same interleaved run, so that the machine's load cancels out. It is
served as the broker is (``dfdg-broker serve``): uvicorn with uvloop and httptools, one write per answer
(``http_coalescing``), so that the ratio compares the apps and not their servers.

    DFDG_JWT_SECRET=... .venv/bin/python bench/floor.py --port 18710
"""

from __future__ import annotations

import argparse
import os
from typing import Annotated

import jwt
import uvicorn
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from dfdg_broker.http_coalescing import CoalescingHttpToolsProtocol

SECRET = os.environ.get("DFDG_JWT_SECRET", "dev-only-secret-change-me-in-production-0123456789")
ISSUER = os.environ.get("DFDG_JWT_ISSUER", "dfdg-broker")
AUDIENCE = os.environ.get("DFDG_JWT_AUDIENCE", "dfdg-broker")

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
_bearer = HTTPBearer(auto_error=False)

BODY = {
    "id": "cg_floor000000000000000000",
    "cpr_masked": "120488-****",
    "area": "cv",
    "provenance": {
        "mode": "frozen",
        "takeover_date": "2026-11-18",
        "frozen_since": "2026-11-19",
        "snapshot_taken_at": "2026-11-23T10:00:00Z",
        "stale": False,
    },
    "data": {"jobs_wanted": [{"title": "Elektriker", "occupation_code": "7411"}], "driving_licences": ["B"]},
    "padding": "x" * 40,
}


async def caller(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    if credentials is None:
        raise HTTPException(401)
    try:
        claims = jwt.decode(
            credentials.credentials,
            SECRET,
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iss", "aud", "sub", "municipality"]},
        )
    except jwt.InvalidTokenError:
        raise HTTPException(401) from None
    return str(claims["municipality"])


@app.get("/floor")
async def floor(municipality: Annotated[str, Depends(caller)]) -> dict[str, object]:
    return BODY | {"municipality": municipality}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        http=CoalescingHttpToolsProtocol,
    )
