"""Secure defaults: the service is production unless told otherwise, and production refuses to start with a
development value, a weak secret or no identity provider, saying which setting and why."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from dfdg_broker.settings import (
    DEVELOPMENT_CPR_LOOKUP_KEYS,
    DEVELOPMENT_DATA_KEYS,
    DEVELOPMENT_JWT_SECRET,
    Environment,
    Settings,
)
from tests.helpers import PRODUCTION_DATA_KEYS, PRODUCTION_LOOKUP_KEYS

ISSUER = "https://login.example.dk/realms/kommuner"


def production(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "production",
        "oidc_issuer": ISSUER,
        "data_keys": PRODUCTION_DATA_KEYS,
        "cpr_lookup_keys": PRODUCTION_LOOKUP_KEYS,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_the_default_environment_is_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DFDG_ENVIRONMENT", raising=False)
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None)  # type: ignore[call-arg]
    message = " ".join(str(error["msg"]) for error in refused.value.errors())
    assert "DFDG_OIDC_ISSUER is missing" in message
    assert "DFDG_DATA_KEYS is missing or holds the public development key" in message
    assert "DFDG_CPR_LOOKUP_KEYS is missing or holds the public development key" in message


def test_production_with_an_identity_provider_and_a_strong_key_starts() -> None:
    settings = production()
    assert settings.environment is Environment.PRODUCTION
    assert settings.api_docs is False, "no /docs, /redoc or /openapi.json in production unless allowed"
    assert production(api_docs=True).api_docs is True


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"fixed_today": date(2026, 11, 23)}, "DFDG_FIXED_TODAY must not be set"),
        ({"jwt_secret": DEVELOPMENT_JWT_SECRET}, "DFDG_JWT_SECRET is set: the development HS256 path is refused"),
        ({"jwt_secret": "s" * 64}, "development HS256 path is refused in production"),
        ({"oidc_issuer": None}, "DFDG_OIDC_ISSUER is missing"),
        ({"oidc_issuer": "http://login.example.dk"}, "must be an https URL"),
        ({"data_keys": DEVELOPMENT_DATA_KEYS}, "DFDG_DATA_KEYS is missing or holds the public development key"),
        (
            {"cpr_lookup_keys": f"new:{PRODUCTION_LOOKUP_KEYS.split(':')[1]}, {DEVELOPMENT_CPR_LOOKUP_KEYS}"},
            "DFDG_CPR_LOOKUP_KEYS: holds several keys: name the current one",
        ),
        (
            {
                "cpr_lookup_keys": f"new:{PRODUCTION_LOOKUP_KEYS.split(':')[1]}, {DEVELOPMENT_CPR_LOOKUP_KEYS}",
                "cpr_lookup_key_id": "new",
            },
            "DFDG_CPR_LOOKUP_KEYS is missing or holds the public development key",
        ),
        ({"data_keys": "k1:c2hvcnQ="}, "DFDG_DATA_KEYS: the key 'k1' has 5 bytes; it must have 32"),
        ({"data_keys": f"{PRODUCTION_DATA_KEYS}, k2"}, "DFDG_DATA_KEYS: entry 2 is not id:base64-key"),
        ({"data_keys": "k1:***"}, "DFDG_DATA_KEYS: the key 'k1' is not base64"),
        ({"data_key_id": "k9"}, "DFDG_DATA_KEYS: the current key id 'k9' is not in the ring"),
        ({"cpr_lookup_key": "an-old-style-cpr-lookup-key-0123456789"}, "DFDG_CPR_LOOKUP_KEY is no longer read"),
        ({"oidc_algorithms": ["RS256", "HS256"]}, "asymmetric algorithms only (not HS256)"),
        ({"oidc_algorithms": ["none"]}, "asymmetric algorithms only (not none)"),
    ],
)
def test_production_refuses_to_start_saying_which_setting_and_why(overrides: dict[str, object], says: str) -> None:
    with pytest.raises(ValidationError) as refused:
        production(**overrides)
    assert says in " ".join(str(error["msg"]) for error in refused.value.errors())


def test_a_weak_development_secret_is_refused_everywhere() -> None:
    with pytest.raises(ValidationError, match="DFDG_JWT_SECRET is shorter than 32"):
        Settings(_env_file=None, environment="development", jwt_secret="x")  # type: ignore[call-arg]


def test_development_uses_the_mock_identity_provider_and_serves_the_docs() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, environment="development", upstream_base_url="http://127.0.0.1:8001", oidc_issuer=None
    )
    assert settings.oidc_issuer == "http://127.0.0.1:8001/idp"
    assert settings.api_docs is True


def test_secrets_are_not_shown_in_repr() -> None:
    settings = Settings(_env_file=None, environment="test", jwt_secret="j" * 40, data_keys=PRODUCTION_DATA_KEYS)  # type: ignore[call-arg]
    assert "j" * 40 not in repr(settings)
    assert PRODUCTION_DATA_KEYS.split(":")[1] not in repr(settings)
    assert PRODUCTION_DATA_KEYS.split(":")[1] not in repr(settings.data_key_ring())
