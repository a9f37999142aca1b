"""Bearer tokens naming the calling municipality: signed JWTs (HS256), with issuer, audience and expiry checked.

The algorithm is fixed here, never taken from the token's header.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from dfdg_broker.domain.municipalities import is_municipality
from dfdg_broker.errors import Unauthenticated
from dfdg_broker.settings import Settings

ALGORITHM = "HS256"
MUNICIPALITY_CLAIM = "municipality"


@dataclass(frozen=True, slots=True)
class Caller:
    municipality: str = ""
    subject: str = ""


def issue_token(settings: Settings, municipality: str, *, subject: str = "dev", ttl: timedelta | None = None) -> str:
    """A token for ``municipality`` (the CLI's ``token`` command, tests)."""
    now = datetime.now(UTC)
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": subject,
        MUNICIPALITY_CLAIM: municipality,
        "iat": now,
        "exp": now + (ttl or timedelta(seconds=settings.jwt_dev_token_ttl_seconds)),
    }
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=ALGORITHM)


def verify_token(settings: Settings, token: str) -> Caller:
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret.get_secret_value(),
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "iss", "aud", "sub", MUNICIPALITY_CLAIM]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("The token has expired.") from None
    except jwt.InvalidTokenError:
        raise Unauthenticated("The token is not valid for this service.") from None
    municipality = str(claims[MUNICIPALITY_CLAIM])
    if not is_municipality(municipality):
        raise Unauthenticated("The token does not name an official municipality code.")
    return Caller(municipality=municipality, subject=str(claims["sub"]))
