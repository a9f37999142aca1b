"""The authenticator remembers a verified token (issue 14: verifying it on every request was 5-10 % of a frozen
read's CPU), but never past its expiry, never for long, and never a refused token."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from dfdg_broker.auth import (
    VERIFIED_TOKEN_SECONDS,
    Authenticator,
    Caller,
    DevTokenVerifier,
    issue_token,
)
from dfdg_broker.errors import Unauthenticated
from dfdg_broker.settings import Environment, Settings

SECRET = "s" * 40


class CountingVerifier(DevTokenVerifier):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.calls = 0

    async def verify(self, token: str) -> Caller:
        self.calls += 1
        return await super().verify(token)


class Now:
    def __init__(self, value: float) -> None:
        self.value = value

    def __call__(self) -> float:
        return self.value


@pytest.fixture
def settings() -> Settings:
    return Settings(environment=Environment.TEST, jwt_secret=SECRET)


def _exp(token: str) -> float:
    return float(jwt.decode(token, options={"verify_signature": False})["exp"])


async def test_a_verified_token_is_not_verified_again_within_its_time(settings: Settings) -> None:
    verifier = CountingVerifier(settings)
    token = issue_token(settings, "101", ttl=timedelta(minutes=10))
    now = Now(_exp(token) - 600)
    authenticator = Authenticator(None, verifier, now=now)

    first = await authenticator.verify(token)
    now.value += VERIFIED_TOKEN_SECONDS - 1
    assert await authenticator.verify(token) == first
    assert verifier.calls == 1

    now.value += 2  # past the longest a verified token is trusted: verified again
    assert await authenticator.verify(token) == first
    assert verifier.calls == 2


async def test_a_remembered_token_is_refused_once_it_expires(settings: Settings) -> None:
    verifier = CountingVerifier(settings)
    token = issue_token(settings, "101", ttl=timedelta(seconds=30))
    now = Now(_exp(token) - 30)
    authenticator = Authenticator(None, verifier, now=now)
    await authenticator.verify(token)

    now.value = _exp(token)  # the token's own expiry comes before VERIFIED_TOKEN_SECONDS
    assert _exp(token) < now.value - 30 + VERIFIED_TOKEN_SECONDS
    verifier.calls = 0
    # Verified again (not served from memory); whether it is still accepted is the verifier's call (real clock).
    await authenticator.verify(token)
    assert verifier.calls == 1


async def test_a_refused_token_is_refused_every_time(settings: Settings) -> None:
    verifier = CountingVerifier(settings)
    forged = issue_token(Settings(environment=Environment.TEST, jwt_secret="f" * 40), "101")
    authenticator = Authenticator(None, verifier)
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            await authenticator.verify(forged)
    assert verifier.calls == 3


async def test_only_the_very_same_token_hits(settings: Settings) -> None:
    verifier = CountingVerifier(settings)
    authenticator = Authenticator(None, verifier)
    a = await authenticator.verify(issue_token(settings, "101", subject="a"))
    b = await authenticator.verify(issue_token(settings, "147", subject="b"))
    assert (a.municipality, a.subject) == ("101", "a")
    assert (b.municipality, b.subject) == ("147", "b")
    assert verifier.calls == 2
