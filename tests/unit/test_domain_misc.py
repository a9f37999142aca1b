"""Municipalities (C2), contact groups (C3) and the development HS256 bearer tokens."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from dfdg_broker.auth import issue_token, verify_dev_token
from dfdg_broker.domain.contact_groups import DANISH_NAMES, ContactGroup
from dfdg_broker.domain.errors import RuleViolation
from dfdg_broker.domain.municipalities import is_municipality, municipalities, require_municipality
from dfdg_broker.errors import Unauthenticated
from dfdg_broker.settings import Environment, Settings

SECRET = "x" * 40


def make_settings() -> Settings:
    return Settings(environment=Environment.TEST, jwt_secret=SECRET)


# ---------------------------------------------------------------- municipalities (C2)


def test_C2_there_are_98_municipality_codes_of_three_digits() -> None:
    codes = municipalities()

    assert len(codes) == 98
    assert all(len(code) == 3 and code.isdigit() for code in codes)
    assert all(name.strip() for name in codes.values())


@pytest.mark.parametrize(("code", "name"), [("101", "København"), ("751", "Aarhus"), ("147", "Frederiksberg")])
def test_C2_known_municipality_codes(code: str, name: str) -> None:
    assert municipalities()[code] == name
    assert is_municipality(code)
    assert require_municipality(code, field="receiving_municipality") == code


@pytest.mark.parametrize("code", ["999", "1010", "", "0101", "10", " 101", "abc"])
def test_C2_unknown_municipality_code_is_refused(code: str) -> None:
    assert not is_municipality(code)

    with pytest.raises(RuleViolation) as exc:
        require_municipality(code, field="jobcenter_municipality")

    assert exc.value.rule == "C2"
    assert exc.value.code == "municipality_unknown"
    assert exc.value.field == "jobcenter_municipality"


# ---------------------------------------------------------------- contact groups (C3)


def test_C3_contact_groups_are_exactly_the_five_allowed() -> None:
    assert {int(group) for group in ContactGroup} == {17, 18, 19, 20, 27}


@pytest.mark.parametrize("value", [0, 16, 21, 26, 28])
def test_C3_other_contact_groups_do_not_exist(value: int) -> None:
    with pytest.raises(ValueError):
        ContactGroup(value)


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (17, "Selvforsørgede, ikke i beskæftigelse"),
        (18, "Selvforsørgende udlændinge omfattet af integrationsprogrammet"),
        (19, "Indvandrer i introduktionsforløb"),
        (20, "Beskæftigede"),
        (27, "Integrationsydelsesmodtager omfattet af integrationsprogrammet"),
    ],
)
def test_C3_each_contact_group_has_its_danish_name(value: int, name: str) -> None:
    assert ContactGroup(value).danish_name == name


def test_C3_every_contact_group_has_a_danish_name() -> None:
    assert set(DANISH_NAMES) == set(ContactGroup)


# ---------------------------------------------------------------- bearer tokens


def _unsigned_token(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def _claims(settings: Settings, **overrides: object) -> dict[str, object]:
    now = int(datetime.now(UTC).timestamp())
    claims: dict[str, object] = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": "test",
        "municipality": "101",
        "iat": now,
        "exp": now + 3600,
    }
    claims.update(overrides)
    return claims


def _assert_unauthenticated(settings: Settings, token: str) -> Unauthenticated:
    with pytest.raises(Unauthenticated) as exc:
        verify_dev_token(settings, token, SECRET)
    assert exc.value.status == 401
    assert exc.value.code == "unauthenticated"
    assert "WWW-Authenticate" in exc.value.headers
    return exc.value


def test_token_round_trip_names_the_municipality_and_subject() -> None:
    settings = make_settings()

    caller = verify_dev_token(settings, issue_token(settings, "751", subject="sagssystem"), SECRET)

    assert (caller.municipality, caller.subject) == ("751", "sagssystem")
    assert caller.scopes == {"cases:read", "cases:write", "access-log:read"}


def test_expired_token_is_unauthenticated() -> None:
    settings = make_settings()
    token = issue_token(settings, "101", ttl=timedelta(seconds=-5))

    error = _assert_unauthenticated(settings, token)

    assert "expired" in str(error.detail)


def test_token_signed_with_another_secret_is_unauthenticated() -> None:
    token = issue_token(Settings(environment="test", jwt_secret="y" * 40), "101")

    _assert_unauthenticated(make_settings(), token)


def test_token_for_another_audience_is_unauthenticated() -> None:
    token = issue_token(Settings(environment="test", jwt_secret=SECRET, jwt_audience="another-service"), "101")

    _assert_unauthenticated(make_settings(), token)


def test_token_from_another_issuer_is_unauthenticated() -> None:
    token = issue_token(Settings(environment="test", jwt_secret=SECRET, jwt_issuer="someone-else"), "101")

    _assert_unauthenticated(make_settings(), token)


def test_unsigned_alg_none_token_is_unauthenticated() -> None:
    settings = make_settings()

    _assert_unauthenticated(settings, _unsigned_token(_claims(settings)))


@pytest.mark.filterwarnings("ignore:The HMAC key")
def test_token_with_another_algorithm_is_unauthenticated_even_with_the_right_secret() -> None:
    settings = make_settings()
    token = jwt.encode(_claims(settings), SECRET, algorithm="HS512")

    _assert_unauthenticated(settings, token)


def test_token_naming_an_unknown_municipality_is_unauthenticated() -> None:
    settings = make_settings()

    error = _assert_unauthenticated(settings, issue_token(settings, "999"))

    assert "municipality" in str(error.detail)


def test_token_without_municipality_claim_is_unauthenticated() -> None:
    settings = make_settings()
    claims = _claims(settings)
    del claims["municipality"]

    _assert_unauthenticated(settings, jwt.encode(claims, SECRET, algorithm="HS256"))


def test_token_without_expiry_is_unauthenticated() -> None:
    settings = make_settings()
    claims = _claims(settings)
    del claims["exp"]

    _assert_unauthenticated(settings, jwt.encode(claims, SECRET, algorithm="HS256"))


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c"])
def test_malformed_token_is_unauthenticated(token: str) -> None:
    _assert_unauthenticated(make_settings(), token)
