"""Strict contract mode (the default): the mock's upstream routes answer a request that breaks the contract with a
400 problem, as a real service would, instead of the tolerance a mock could get away with.

The wire models are shared with the broker's clients and ignore unknown fields (the broker must survive an upstream
that adds one). A real LetAsyl, Jobnet or CPR register is not that lenient with its callers, so in strict mode:

- a body field the contract does not name is refused (``unknown_fields``), where the wire model would drop it;
- a CPR number that is not one (10 digits encoding a real birth date; modulus 11 is not required, as numbers
  without it have been issued since 2007) is refused (``cpr_malformed``), never echoed;
- any other break of the body schema is a 400 ``request_invalid`` with the fields, not FastAPI's 422.

Relaxed mode (``DFDG_MOCK_STRICT_CONTRACT=false`` or ``PUT /admin/contract-mode``) turns the three checks off:
unknown fields are dropped and schema breaks answer 422. ``POST /admin/reset`` returns to the configured mode.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from stdnum.dk import cpr as stdnum_cpr
from stdnum.exceptions import ValidationError as CprError

from dfdg_broker.errors import InvalidParam, ProblemError, responses_for
from dfdg_broker.mock.common import ADMIN_PREFIX, StateDep
from dfdg_broker.mock.fixtures import unknown_fields

CPR_FIELDS = frozenset({"cpr"})
"""Body fields that carry a CPR number on the upstream routes (look-ups, Jobnet profiles)."""


class ContractBroken(ProblemError):
    status = 400
    code = "request_invalid"
    title = "The request does not match the upstream contract"


class UnknownFieldsRefused(ContractBroken):
    code = "unknown_fields"
    title = "The body has fields the upstream contract does not name"


class CprMalformed(ContractBroken):
    code = "cpr_malformed"
    title = "The CPR number is not a CPR number (10 digits encoding a birth date)"


UPSTREAM_RESPONSES = responses_for(ContractBroken, UnknownFieldsRefused, CprMalformed)
"""What every upstream route can answer in strict mode (on the routers' ``responses``)."""


async def check_contract(request: Request, state: StateDep) -> None:
    """The upstream routers' dependency: in strict mode, refuse a body that breaks the contract (400)."""
    if not state.strict_contract:
        return
    route = request.scope.get("route")
    body_field = getattr(route, "body_field", None)
    if body_field is None:
        return
    try:
        raw = await request.json()
    except ValueError:
        raise ContractBroken("The body is not JSON.", field="body") from None
    check_body(raw, body_field.field_info.annotation)


def check_body(raw: Any, annotation: Any) -> Any:
    """Strict mode's check of a body (parsed JSON) against its schema: the problem it breaks, raised; else the body
    validated (to ``annotation``)."""
    try:
        parsed = _adapter(annotation).validate_python(raw)
    except ValidationError as exc:
        params = [_param(error) for error in exc.errors()]
        raise ContractBroken(
            f"{len(params)} field(s) are invalid: " + ", ".join(p.field for p in params),
            field=params[0].field,
            invalid_params=[p.model_dump() for p in params],
        ) from None
    unknown = [] if _flat_and_known(raw, parsed) else unknown_fields(raw, parsed)
    if unknown:
        raise UnknownFieldsRefused(", ".join(unknown), field=unknown[0])
    if isinstance(raw, dict):
        for name in sorted(CPR_FIELDS & raw.keys()):
            if not _is_cpr(raw[name]):
                raise CprMalformed(field=f"body.{name}")
    return parsed


def _flat_and_known(raw: Any, parsed: Any) -> bool:
    """``unknown_fields`` finds nothing, known cheaply: every key of a flat body (no objects or lists in it, as the
    look-ups' bodies) was set in the model it validated to. Anything else is left to ``unknown_fields``."""
    if not (isinstance(raw, dict) and isinstance(parsed, BaseModel) and _dumps_as_named(type(parsed))):
        return False
    fields_set = parsed.model_fields_set
    return all(key in fields_set and not isinstance(value, dict | list) for key, value in raw.items())


@cache
def _dumps_as_named(model: type[BaseModel]) -> bool:
    """Its dump names every field set by its own name (no aliases, no excluded fields), as ``unknown_fields``
    compares against."""
    return not model.model_config.get("serialize_by_alias") and all(
        f.alias is None and f.serialization_alias is None and not f.exclude for f in model.model_fields.values()
    )


@cache
def _adapter(annotation: Any) -> TypeAdapter[Any]:
    return TypeAdapter(annotation)


def _param(error: Any) -> InvalidParam:
    """Where and what, never the value sent (pydantic's ``msg`` describes the expectation only)."""
    location = ".".join(str(part) for part in ("body", *error.get("loc", ())))
    return InvalidParam(field=location, code=str(error.get("type", "invalid")), message=str(error.get("msg")))


def _is_cpr(value: Any) -> bool:
    if not (isinstance(value, str) and len(value) == 10 and value.isascii() and value.isdigit()):
        return False
    return _encodes_a_birth_date(value)


@lru_cache(maxsize=4096)
def _encodes_a_birth_date(value: str) -> bool:
    """Cached: a create asks with the same CPR number six times (look-up, four areas, Jobnet profile check and
    create). Only in memory, as everything a mock is sent."""
    try:
        stdnum_cpr.get_birth_date(value)
    except CprError:
        return False
    return True


UPSTREAM_DEPENDENCIES = [Depends(check_contract)]
"""For an upstream route with a body outside the system routers (the PDF route, Jobnet's CVs)."""


# ---------------------------------------------------------------- admin

router = APIRouter(prefix=ADMIN_PREFIX, tags=["Admin (mock only)"])


class ContractMode(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"strict": False}]})

    strict: bool = Field(
        description="true: unknown body fields, malformed CPR numbers and schema breaks answer 400, as a real "
        "service would; false: unknown fields are dropped and schema breaks answer 422"
    )


@router.get("/contract-mode", response_model=ContractMode, name="admin.get_contract_mode")
async def get_contract_mode(state: StateDep) -> ContractMode:
    """Whether the upstream routes check requests strictly (the default, `DFDG_MOCK_STRICT_CONTRACT`)."""
    return ContractMode(strict=state.strict_contract)


@router.put("/contract-mode", response_model=ContractMode, name="admin.put_contract_mode")
async def put_contract_mode(body: ContractMode, state: StateDep) -> ContractMode:
    """Switch strict contract mode on or off until the next reset (which returns to the configured mode)."""
    state.strict_contract = body.strict
    return ContractMode(strict=state.strict_contract)
