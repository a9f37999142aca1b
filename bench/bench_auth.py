"""What verifying a bearer token costs per request: the identity provider's tokens (JWKS, keys cached after the
first fetch) against the old development HS256 path. In-process, one core, bounded (a fixed number of tokens).

    .venv/bin/python bench/bench_auth.py [--tokens 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

import httpx

from dfdg_broker.auth import Caller, issue_token, verify_dev_token
from dfdg_broker.identity import OidcVerifier
from dfdg_broker.mock.app import create_mock_app
from dfdg_broker.mock.identity import default_identity_provider
from dfdg_broker.settings import Environment, Settings

ISSUER = "http://mock/idp"
SECRET = "bench-only-hs256-secret-0123456789abcdef"  # noqa: S105 - a benchmark-only value


async def measure(label: str, tokens: list[str], verify: Callable[[str], Awaitable[Caller]]) -> float:
    await verify(tokens[0])  # warm: the key set is fetched once, then cached
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for token in tokens:
            await verify(token)
        rounds.append((time.perf_counter() - started) / len(tokens))
    per_token = statistics.median(rounds)
    print(f"{label:<44} {per_token * 1e6:8.1f} µs per token   {1 / per_token:10.0f} tokens/s")
    return per_token


async def main(count: int) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment=Environment.TEST,
        upstream_base_url="http://mock",
        oidc_issuer=ISSUER,
        jwt_secret=SECRET,
    )
    provider = default_identity_provider()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_mock_app())) as http:
        oidc = OidcVerifier(settings, http)
        hs256 = [issue_token(settings, "101", subject=f"s{n}") for n in range(count)]
        es256 = [provider.issue(ISSUER, "101", subject=f"s{n}", alg="ES256") for n in range(count)]
        rs256 = [provider.issue(ISSUER, "101", subject=f"s{n}", alg="RS256") for n in range(count)]

        async def dev(token: str) -> Caller:
            return verify_dev_token(settings, token, SECRET)

        print(f"{count} distinct tokens per run, median of 5 runs")
        base = await measure("HS256, shared secret (development only)", hs256, dev)
        for label, tokens in (("ES256 via JWKS (cached keys)", es256), ("RS256 via JWKS (cached keys)", rs256)):
            cost = await measure(label, tokens, oidc.verify)
            print(f"{'':<44} +{(cost - base) * 1e6:7.1f} µs per request against HS256")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=3000)
    asyncio.run(main(parser.parse_args().tokens))
