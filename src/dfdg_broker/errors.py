"""Problem details (RFC 9457): one exception class per failure a client can act on, rendered in one place.

Each class carries its HTTP status, a stable ``code`` and, where a domain rule applies, the rule ID. The same classes
feed the routes' ``responses=`` so that the OpenAPI document lists every error a client can get.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, Field, JsonValue

if TYPE_CHECKING:
    from dfdg_broker.upstream import UpstreamFailure

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://dfdg-broker.example/problems/"
PROBLEM_SCHEMA_REF = "#/components/schemas/Problem"


class InvalidParam(BaseModel):
    field: str = Field(description="JSON path of the offending field, e.g. body.handover_date")
    code: str
    message: str


PROBLEM_EXAMPLE: dict[str, JsonValue] = {
    "type": PROBLEM_TYPE_BASE + "cv_deadline_too_late",
    "title": "Rule C6 is not met",
    "status": 422,
    "detail": "The CV update deadline may be at most 60 days after the handover date, i.e. on or before 2027-02-05.",
    "instance": "/v1/contact-groups",
    "code": "cv_deadline_too_late",
    "rule": "C6",
    "field": "body.cv_update_deadline",
    "correlation_id": "3f2c9a7e5b1d4c8e9a0b6d2f4e8c1a57",
    "latest_allowed": "2027-02-05",
}
"""A problem the service really sends (a test replays it), shown in the OpenAPI document."""


class Problem(BaseModel):
    """The body of every error response (RFC 9457, with the extension members ``code`` and ``rule``)."""

    type: str = Field(examples=[PROBLEM_TYPE_BASE + "cv_deadline_too_late"])
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str = Field(description="stable machine-readable code; never changes meaning")
    rule: str | None = Field(default=None, description="the DOMAIN.md rule ID behind this problem, if any")
    field: str | None = None
    correlation_id: str | None = None
    invalid_params: list[InvalidParam] | None = None

    model_config = {"extra": "allow", "json_schema_extra": {"examples": [PROBLEM_EXAMPLE]}}


class ProblemError(Exception):
    """Base of all errors rendered as problem details. Subclasses set the class attributes."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[str] = "Bad request"
    rule: ClassVar[str | None] = None

    def __init__(
        self,
        detail: str | None = None,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.field = field
        self.headers = headers or {}
        self.extra = extra

    def to_problem(self, *, instance: str | None, correlation_id: str | None) -> Problem:
        return Problem(
            type=PROBLEM_TYPE_BASE + self.code,
            title=self.title,
            status=self.status,
            detail=self.detail,
            instance=instance,
            code=self.code,
            rule=self.rule,
            field=self.field,
            correlation_id=correlation_id,
            **self.extra,
        )


def responses_for(*errors: type[ProblemError], rules: Iterable[str] = ()) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entry of a route: every status it can answer with, and which codes.

    ``rules`` names the domain rules the route enforces; breaking one answers 422 with its ID in ``rule``.
    """
    by_status: dict[int, list[str]] = {}
    for error in dict.fromkeys(errors):  # each class once, in order
        line = f"`{error.code}`" + (f" ({error.rule})" if error.rule else "") + f": {error.title}"
        by_status.setdefault(error.status, []).append(line)
    rule_ids = list(rules)
    if rule_ids:
        by_status.setdefault(422, []).append(
            "a domain rule is broken: `rule` is one of " + ", ".join(rule_ids) + ", `code` names the failure"
        )
    return {
        status: {
            "model": Problem,
            "description": "; ".join(lines) or HTTPStatus(status).phrase,
        }
        for status, lines in sorted(by_status.items())
    }


# ---------------------------------------------------------------- generic errors, usable by every feature


class Unauthenticated(ProblemError):
    status = 401
    code = "unauthenticated"
    title = "A valid bearer token naming the calling municipality is required"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="dfdg-broker"'})


class InsufficientScope(ProblemError):
    status = 403
    code = "insufficient_scope"
    title = "The token does not carry the scope this operation needs"

    def __init__(self, missing: list[str]) -> None:
        scope = " ".join(missing)
        super().__init__(
            f"Ask the identity provider for a token with the scope {scope}.",
            headers={"WWW-Authenticate": f'Bearer realm="dfdg-broker", error="insufficient_scope", scope="{scope}"'},
            required_scopes=missing,
        )


class RequestInvalid(ProblemError):
    status = 422
    code = "request_invalid"
    title = "The request does not match the schema"


class NotFound(ProblemError):
    status = 404
    code = "not_found"
    title = "No such resource"


class UpstreamUnavailable(ProblemError):
    status = 503
    code = "upstream_unavailable"
    title = "The upstream system did not answer and nothing is held to serve instead"

    def __init__(self, detail: str | None = None, *, retry_after_seconds: int = 30, **extra: Any) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after_seconds)}, **extra)


class UpstreamRefused(ProblemError):
    status = 409
    code = "upstream_refused"
    title = "The upstream system refused the request for good; asking again will not help"


RETRY_AFTER_SECONDS = 30
"""Our Retry-After when the upstream gave none and no breaker is open."""


def stale_reason(failure: UpstreamFailure) -> str:
    """Why a held snapshot is served instead of a fresh one: ``upstream_unavailable``, ``circuit_open``,
    ``upstream_contract_violation`` (the operator's answer could not be stored), ``person_unknown_at_operator``."""
    return failure.reason_code if failure.reason_code != "unavailable" else "upstream_unavailable"


def unavailable(failure: UpstreamFailure) -> ProblemError:
    """An upstream failed and nothing is held to serve instead. A permanent refusal (4xx) is a 409 that says what
    the upstream refused, since asking again will not help; anything else is a 503 whose Retry-After is the
    upstream's own figure or the breaker's remaining cool-down where known."""
    from dfdg_broker.upstream import UpstreamRefusal, our_retry_after

    if isinstance(failure, UpstreamRefusal):
        log.warning("upstream refused: %s: %s (%s)", failure.system, failure.reason, failure.reason_code)
        return UpstreamRefused(
            REFUSAL_TEXT.get(failure.reason_code, f"{failure.system} refused the request (status {failure.status})."),
            system=failure.system,
            reason=failure.reason_code,
            upstream_status=failure.status,
            upstream_code=failure.upstream_code,
        )
    log.warning("upstream failure, nothing held to serve: %s: %s", failure.system, failure.reason)
    return UpstreamUnavailable(
        f"{failure.system} did not answer usably and no earlier snapshot is held.",
        retry_after_seconds=our_retry_after(failure, RETRY_AFTER_SECONDS),
        system=failure.system,
        reason=stale_reason(failure),
    )


REFUSAL_TEXT = {
    "person_unknown_at_operator": "The asylum operator no longer knows the case's citizen; ask the operator.",
    "jobnet_profile_unknown": "Jobnet knows no profile under the case's CV number; check the citizen's profile.",
    "document_unknown_at_operator": "The asylum operator no longer has the document; ask the operator.",
}


class UpstreamContractViolation(ProblemError):
    status = 502
    code = "upstream_contract_violation"
    title = "The upstream system answered with something that breaks its contract"


class InternalError(ProblemError):
    status = 500
    code = "internal_error"
    title = "Internal error"


class StoredDataUnreadable(ProblemError):
    """A sealed value could not be opened (its key is not in the ring, or its bytes were changed): the broker
    answers this instead of ever showing unauthenticated bytes."""

    status = 500
    code = "stored_data_unreadable"
    title = "Stored personal data could not be decrypted with the configured keys"
