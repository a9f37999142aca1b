"""The mock upstream app: LetAsyl, Jobnet and the CPR register, plus an admin API for tests and demos.

It keeps state in memory (``MockState``), checks requests against the upstream contract (the wire schemas), and
journals every upstream request so that tests can assert on what the broker asked. Fault injection will hook in
at the journal middleware (per route), which is why every route has a stable name.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache, partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response, status
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, Field, TypeAdapter
from starlette.types import Message, Receive, Scope, Send

from dfdg_broker.clock import MovableClock
from dfdg_broker.correlation import CorrelationIdMiddleware, outermost
from dfdg_broker.cpr_register.schemas import RegisterLookup
from dfdg_broker.domain.areas import DataArea
from dfdg_broker.errors import NotFound, ProblemError, responses_for
from dfdg_broker.jobnet.schemas import Profile, ProfileCreate, ProfileLookup
from dfdg_broker.letasyl.schemas import (
    AttachmentsArea,
    CvArea,
    IntegrationContractArea,
    OtherArea,
    Person,
    PersonLookupRequest,
)
from dfdg_broker.mock import child_links, contract_mode, examples, faults, jobnet_cv, pdf_route
from dfdg_broker.mock.common import (
    ADMIN_PREFIX,
    PersonUnknown,
    StateDep,
    UnknownFields,
    journal_subject,
    refuse_unknown_fields,
)
from dfdg_broker.mock.contract_mode import UPSTREAM_DEPENDENCIES, UPSTREAM_RESPONSES
from dfdg_broker.mock.fixtures import AttachmentFixture, CprRegisterEntry, Persona
from dfdg_broker.mock.identity import MockIdentityProvider, default_identity_provider
from dfdg_broker.mock.identity import router as identity_router
from dfdg_broker.mock.journal import JournalEntry, JournalFilter, JournalMiddleware
from dfdg_broker.mock.state import CprTaken, MockState
from dfdg_broker.mock.upstream_route import UpstreamRoute
from dfdg_broker.openapi_names import install_readable_schema_names
from dfdg_broker.problem_handlers import install_problem_handlers
from dfdg_broker.route_table import include_flat, index_routes
from dfdg_broker.settings import Settings
from dfdg_broker.time_travel import ClockOutOfRange, clock_router


class BrowserCors(CORSMiddleware):
    """Starlette's CORS middleware, which for a request without an ``Origin`` header (every call the broker makes)
    only adds ``Vary: Origin`` to the answer: that case done here on the raw headers, without the header mappings
    Starlette builds for the request and the answer (issue 14). A request with an ``Origin`` goes to Starlette."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or any(name == b"origin" for name, _ in scope["headers"]):
            await super().__call__(scope, receive, send)
            return

        async def send_varying(message: Message) -> None:
            if message["type"] == "http.response.start":
                _vary_origin(message)
            await send(message)

        await self.app(scope, receive, send_varying)


def _vary_origin(message: Message) -> None:
    """``MutableHeaders(scope=message)["Vary"] = ", ".join([*headers.getlist("Vary"), "Origin"])``, as Starlette's
    ``CORSMiddleware.send`` does it: the Vary values joined into the first Vary header, the others dropped."""
    headers = message["headers"] = list(message.get("headers", ()))
    found = [i for i, (name, _) in enumerate(headers) if name == b"vary"]
    value = b", ".join([*(headers[i][1] for i in found), b"Origin"])
    for i in reversed(found[1:]):
        del headers[i]
    if found:
        headers[found[0]] = (b"vary", value)
    else:
        headers.append((b"vary", value))


class CprInUse(ProblemError):
    status = 409
    code = "cpr_in_use"
    title = "Another persona already has this CPR number"


class ProfileExists(ProblemError):
    status = 409
    code = "profile_exists"
    title = "The citizen already has a Jobnet profile"


def _state(request: Request) -> MockState:
    """The upstream endpoints take the state from the app, not as a dependency: FastAPI solving one costs more per
    call than the whole of what most of them do (issue 14)."""
    state: MockState = request.app.state.mock
    return state


@cache
def _wire(model: Any) -> TypeAdapter[Any]:
    return TypeAdapter(model)


def _json(model: Any, value: object) -> bytes:
    """``value`` as FastAPI answers it for ``response_model=model``: validated against it, dumped by alias."""
    adapter = _wire(model)
    content: bytes = adapter.dump_json(adapter.validate_python(value, from_attributes=True), by_alias=True)
    return content


def _answer(content: bytes, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(content, status_code=status_code, media_type="application/json")


def _find(state: MockState, body: PersonLookupRequest, request: Request) -> Persona:
    """C2: LetAsyl knows a person by CPR number together with the receiving municipality."""
    persona = state.find(body.cpr, body.receiving_municipality)
    if persona is None:
        raise PersonUnknown()
    journal_subject(request, persona.person.person_id)
    return persona


# ---------------------------------------------------------------- LetAsyl

letasyl = APIRouter(
    prefix="/letasyl/v1",
    tags=["LetAsyl"],
    dependencies=UPSTREAM_DEPENDENCIES,
    responses=UPSTREAM_RESPONSES,
    route_class=UpstreamRoute,
)


@letasyl.post(
    "/person-lookups",
    response_model=Person,
    name="letasyl.lookup_person",
    openapi_extra=examples.LOOKUP,
    responses=responses_for(PersonUnknown),
)
async def lookup_person(body: PersonLookupRequest, request: Request) -> Response:
    """Find a person by CPR number and receiving municipality (both in the body)."""
    state = _state(request)
    persona = _find(state, body, request)
    return _answer(state.answer(persona, "person", lambda: _json(Person, persona.person)))


def _area_route(area: DataArea, model: type[BaseModel]) -> None:
    async def fetch_area(body: PersonLookupRequest, request: Request) -> Response:
        state = _state(request)
        persona = _find(state, body, request)
        return _answer(state.answer(persona, area.value, lambda: _json(model, state.area(persona, area))))

    letasyl.add_api_route(
        f"/data-areas/{area.value}",
        fetch_area,
        methods=["POST"],
        response_model=model,
        name=f"letasyl.area.{area.value}",
        openapi_extra=examples.LOOKUP,
        summary=f"Data area {area.value}",
        responses=responses_for(PersonUnknown),
    )


for _area, _model in (
    (DataArea.CV, CvArea),
    (DataArea.INTEGRATION_CONTRACT, IntegrationContractArea),
    (DataArea.OTHER, OtherArea),
    (DataArea.ATTACHMENTS, AttachmentsArea),
):
    _area_route(_area, _model)


@letasyl.get(
    "/persons/{person_id}/attachments/{attachment_id}",
    name="letasyl.download_attachment",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **responses_for(NotFound)},
)
async def download_attachment(person_id: str, attachment_id: str, request: Request) -> Response:
    """A DA4 document as a PDF."""
    journal_subject(request, person_id)
    content = _state(request).attachment_bytes(person_id, attachment_id)
    if content is None:
        raise NotFound("No such attachment for that person.")
    return Response(content, media_type="application/pdf")


# ---------------------------------------------------------------- Jobnet

jobnet = APIRouter(
    prefix="/jobnet/v1",
    tags=["Jobnet"],
    dependencies=UPSTREAM_DEPENDENCIES,
    responses=UPSTREAM_RESPONSES,
    route_class=UpstreamRoute,
)


@jobnet.post(
    "/profile-lookups",
    response_model=Profile,
    name="jobnet.lookup_profile",
    openapi_extra=examples.CPR_ONLY,
    responses=responses_for(NotFound),
)
async def lookup_profile(body: ProfileLookup, request: Request) -> Response:
    """The citizen's Jobnet CV number (JobnetCVId), if they have a profile."""
    state = _state(request)
    _journal_subject_by_cpr(request, state, body.cpr)
    cv_number = state.jobnet_profiles.get(body.cpr)
    if cv_number is None:
        raise NotFound("The citizen has no Jobnet profile.")
    return _answer(_json(Profile, Profile(cv_number=cv_number)))


@jobnet.post(
    "/profiles",
    response_model=Profile,
    status_code=status.HTTP_201_CREATED,
    name="jobnet.create_profile",
    openapi_extra=examples.PROFILE_CREATE,
    responses=responses_for(ProfileExists),
)
async def create_profile(body: ProfileCreate, request: Request) -> Response:
    """C7: create a Jobnet profile; returns its CV number."""
    state = _state(request)
    _journal_subject_by_cpr(request, state, body.cpr)
    cv_number = state.create_jobnet_profile(body.cpr)
    if cv_number is None:
        raise ProfileExists()
    return _answer(_json(Profile, Profile(cv_number=cv_number)), status.HTTP_201_CREATED)


# ---------------------------------------------------------------- CPR register


cpr_register = APIRouter(
    prefix="/cpr/v1",
    tags=["CPR register"],
    dependencies=UPSTREAM_DEPENDENCIES,
    responses=UPSTREAM_RESPONSES,
    route_class=UpstreamRoute,
)


@cpr_register.post(
    "/person-lookups",
    response_model=CprRegisterEntry,
    name="cpr.lookup_person",
    openapi_extra=examples.CPR_ONLY,
    responses=responses_for(NotFound),
)
async def lookup_cpr(body: RegisterLookup, request: Request) -> Response:
    """N15: name and address as the CPR register holds them."""
    state = _state(request)
    persona = state.by_cpr(body.cpr)
    if persona is None:
        raise NotFound("No such CPR number in the register.")
    journal_subject(request, persona.person.person_id)
    return _answer(state.answer(persona, "cpr_register", lambda: _json(CprRegisterEntry, persona.cpr_register)))


def _journal_subject_by_cpr(request: Request, state: MockState, cpr: str) -> None:
    persona = state.by_cpr(cpr)
    if persona is not None:
        journal_subject(request, persona.person.person_id)


# ---------------------------------------------------------------- admin

admin = APIRouter(prefix=ADMIN_PREFIX, tags=["Admin (mock only)"])


class PersonaSummary(BaseModel):
    key: str
    purpose: str
    rules: list[str]
    cpr: str = Field(description="synthetic CPR number")
    person_id: str
    name: str
    birth_date: str
    receiving_municipality: str
    jobnet_cv_number: int | None


class JobnetProfileView(BaseModel):
    person_id: str | None
    cv_number: int


@admin.post("/reset", status_code=status.HTTP_204_NO_CONTENT, name="admin.reset")
async def reset(
    state: StateDep,
    keep: Annotated[
        Literal["added"] | None,
        Query(
            description="`added`: keep the personas created through the admin API (as they are now)",
            openapi_examples={"keep added personas": {"value": "added"}},
        ),
    ] = None,
) -> Response:
    """Back to the persona files loaded at start (the demo personas and `--personas DIR`): a persona changed through
    the admin API returns to its file, one created through it goes (unless `?keep=added`). Also clears the Jobnet
    profiles created and CVs received, the PDF requests, the journal and every fault."""
    state.reset(keep_added=keep == "added")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@admin.get("/personas", response_model=list[PersonaSummary], name="admin.list_personas")
async def list_personas(state: StateDep) -> list[PersonaSummary]:
    """Every persona, with its synthetic CPR number and what it is for."""
    return [
        PersonaSummary(
            key=p.key,
            purpose=p.purpose,
            rules=p.rules,
            cpr=p.cpr,
            person_id=p.person.person_id,
            name=f"{p.person.first_name} {p.person.last_name}",
            birth_date=p.person.birth_date.isoformat(),
            receiving_municipality=p.person.receiving_municipality,
            jobnet_cv_number=state.jobnet_profiles.get(p.cpr),
        )
        for p in state.personas.values()
    ]


@admin.get(
    "/personas/{person_id}",
    response_model=Persona,
    name="admin.get_persona",
    responses=responses_for(NotFound),
)
async def get_persona(person_id: str, state: StateDep) -> Persona:
    persona = state.personas.get(person_id)
    if persona is None:
        raise NotFound("No persona with that person-ID.")
    return persona


@admin.put(
    "/personas/{person_id}",
    response_model=Persona,
    name="admin.put_persona",
    openapi_extra=examples.PERSONA,
    responses={
        201: {"model": Persona, "description": "a new persona (200: an existing one replaced)"},
        **responses_for(ProblemError, UnknownFields, CprInUse),
    },
)
async def put_persona(
    person_id: str, persona: Persona, request: Request, response: Response, state: StateDep
) -> Persona:
    """Create or replace a persona. The person-ID in the path must match the body's."""
    if persona.person.person_id != person_id:
        raise ProblemError("The person-ID in the path and in the body differ.", field="body.person.person_id")
    await refuse_unknown_fields(request, persona)
    try:
        created = state.put_persona(persona, added=True)
    except CprTaken as taken:
        raise CprInUse(f"Persona {taken.person_id} has it.", field="body.cpr") from None
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return persona


_AREA_EXAMPLES = {
    DataArea.CV: examples.CV_AREA,
    DataArea.INTEGRATION_CONTRACT: examples.INTEGRATION_CONTRACT_AREA,
    DataArea.OTHER: examples.OTHER_AREA,
    DataArea.ATTACHMENTS: examples.ATTACHMENTS_AREA,
}


def _area_update_route(area: DataArea, model: object) -> None:
    async def replace_area(person_id: str, body: BaseModel, request: Request, state: StateDep) -> Persona:
        persona = state.personas.get(person_id)
        if persona is None:
            raise NotFound("No persona with that person-ID.")
        await refuse_unknown_fields(request, body)
        field = {
            DataArea.CV: "cv",
            DataArea.INTEGRATION_CONTRACT: "integration_contract",
            DataArea.OTHER: "other",
            DataArea.ATTACHMENTS: "attachments",
        }[area]
        updated = persona.model_copy(update={field: body})
        state.put_persona(updated)
        return updated

    replace_area.__annotations__["body"] = model  # the area's own schema, so the contract is checked
    admin.add_api_route(
        f"/personas/{{person_id}}/data-areas/{area.value}",
        replace_area,
        methods=["PUT"],
        response_model=Persona,
        name=f"admin.replace_area.{area.value}",
        openapi_extra=_AREA_EXAMPLES[area],
        summary=f"Replace one person's {area.value} data (e.g. to show that a frozen area no longer changes, G1)",
        responses=responses_for(NotFound, UnknownFields),
    )


for _area, _body in (
    (DataArea.CV, CvArea),
    (DataArea.INTEGRATION_CONTRACT, IntegrationContractArea),
    (DataArea.OTHER, OtherArea),
    (DataArea.ATTACHMENTS, list[AttachmentFixture]),
):
    _area_update_route(_area, _body)


class JournalCount(BaseModel):
    count: int = Field(description="calls that match the filters")
    expected: int | None = Field(default=None, description="the `expect` asked for, if any")


class JournalVerificationFailed(ProblemError):
    status = 409
    code = "journal_verification_failed"
    title = "The journal does not hold the expected number of matching calls"


def journal_filter(
    system: Annotated[Literal["letasyl", "jobnet", "cpr"] | None, Query()] = None,
    operation: Annotated[
        str | None,
        Query(
            max_length=100,
            description="route name, e.g. letasyl.area.cv",
            openapi_examples={"DA1 reads": {"value": "letasyl.area.cv"}, "CV uploads": {"value": "jobnet.put_cv"}},
        ),
    ] = None,
    person_id: Annotated[
        str | None,
        Query(
            max_length=100,
            description="the person-ID the call was about",
            openapi_examples={"complete-adult": {"value": "70000101"}},
        ),
    ] = None,
    since: Annotated[int, Query(ge=0, description="only entries with seq greater than this")] = 0,
    since_time: Annotated[
        datetime | None,
        Query(
            description="only entries from this instant on (ISO 8601)",
            openapi_examples={"since 10:00 UTC": {"value": "2026-11-25T10:00:00Z"}},
        ),
    ] = None,
    correlation_id: Annotated[str | None, Query(max_length=64, description="X-Correlation-ID of the call")] = None,
) -> JournalFilter:
    return JournalFilter(system, operation, person_id, since, since_time, correlation_id)


JournalFilterDep = Annotated[JournalFilter, Depends(journal_filter)]


@admin.get("/journal", response_model=list[JournalEntry], name="admin.journal")
async def journal(
    where: JournalFilterDep,
    state: StateDep,
    limit: Annotated[int | None, Query(ge=0, le=10_000, description="only the newest N matching entries")] = None,
) -> list[JournalEntry]:
    """What the broker asked and what it got, when, about whom, with the bodies: to verify calls in integration
    tests. Oldest first. The journal keeps the last `DFDG_MOCK_JOURNAL_SIZE` calls (a ring buffer) and each body up
    to `DFDG_MOCK_JOURNAL_BODY_BYTES` (`truncated` says when it cut one); binary answers (PDFs) are noted, not kept."""
    return state.journal.entries(where, limit=limit)


@admin.get(
    "/journal/count",
    response_model=JournalCount,
    name="admin.journal_count",
    responses=responses_for(JournalVerificationFailed),
)
async def journal_count(
    where: JournalFilterDep,
    state: StateDep,
    expect: Annotated[
        int | None,
        Query(
            ge=0,
            description="answer 409 unless exactly this many calls match",
            openapi_examples={"exactly one": {"value": 1}, "none at all": {"value": 0}},
        ),
    ] = None,
) -> JournalCount:
    """How many calls match, e.g. `?operation=letasyl.area.cv&person_id=70000101&since_time=2026-11-25T10:00:00Z`.
    With `expect`, a verification: 200 when the count is exactly that, else 409 with the count found."""
    count = state.journal.count(where)
    if expect is not None and count != expect:
        raise JournalVerificationFailed(f"Expected {expect} matching calls, found {count}.", count=count)
    return JournalCount(count=count, expected=expect)


@admin.delete("/journal", status_code=status.HTTP_204_NO_CONTENT, name="admin.clear_journal")
async def clear_journal(state: StateDep) -> Response:
    """Empty the journal; sequence numbers keep counting."""
    state.journal.clear()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@admin.get("/jobnet/profiles", response_model=list[JobnetProfileView], name="admin.jobnet_profiles")
async def jobnet_profiles(state: StateDep) -> list[JobnetProfileView]:
    """Every Jobnet profile, by person-ID where the CPR number belongs to a persona."""
    return [
        JobnetProfileView(person_id=(p.person.person_id if (p := state.by_cpr(cpr)) else None), cv_number=number)
        for cpr, number in state.jobnet_profiles.items()
    ]


async def _mock_clock(request: Request) -> MovableClock:
    state: MockState = request.app.state.mock
    return state.clock


clock = clock_router(
    ADMIN_PREFIX,
    _mock_clock,
    tag="Admin (mock only)",
    name="admin.",
    bad_request=ClockOutOfRange,
    what="the mock's clock (Jobnet receipts, PDF deliveries)",
)


# ---------------------------------------------------------------- the app


def create_mock_app(
    state: MockState | None = None,
    identity: MockIdentityProvider | None = None,
    *,
    settings: Settings | None = None,
) -> FastAPI:
    """The mock upstream; ``settings`` bound its journal (``DFDG_MOCK_JOURNAL_SIZE``, ``..._BODY_BYTES``) and, when
    no ``state`` is given, add a municipality's persona files (``DFDG_MOCK_PERSONAS_DIR``)."""
    app = FastAPIOffline(  # docs from packaged assets, as the broker's
        title="dfdg-broker mock upstream",
        version="1.0.0",
        summary="A stateful mock of LetAsyl, Jobnet and the CPR register, with an admin API. Synthetic data only.",
        generate_unique_id_function=lambda route: route.name.replace(".", "_"),
    )
    if state is None:
        extra = [settings.mock_personas_dir] if settings is not None and settings.mock_personas_dir else []
        state = MockState.with_demo_fixtures(extra)
    app.state.mock = state
    if settings is not None:
        state.strict_contract = state.strict_contract_default = settings.mock_strict_contract
        app.state.mock.journal.configure(size=settings.mock_journal_size, body_bytes=settings.mock_journal_body_bytes)
    app.state.identity = identity or default_identity_provider()
    install_problem_handlers(app)
    # Inside the journal (added before it), so a faulted call is journaled with what the client got.
    app.state.faults = faults.FaultRegistry()
    upstream_routes = [
        r for router in (letasyl, jobnet, cpr_register, pdf_route.router, jobnet_cv.router) for r in router.routes
    ]
    app.add_middleware(faults.FaultInjectionMiddleware, registry=app.state.faults, routes=upstream_routes)

    # The broker's /docs (another origin) asks the mock identity provider for a token (Authorize button).
    app.add_middleware(BrowserCors, allow_origins=["*"], allow_methods=["GET", "POST"], allow_headers=["*"])
    install_readable_schema_names(app)
    # Outside Starlette's error middleware: 500s carry the correlation ID too, and the journal (pure ASGI, outside
    # everything but the correlation ID) records what the client got.
    outermost(app, CorrelationIdMiddleware, partial(JournalMiddleware, journal=app.state.mock.journal))

    @app.get("/healthz", tags=["Health"], name="health")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for router in (
        letasyl,
        jobnet,
        cpr_register,
        admin,
        child_links.router,
        pdf_route.router,
        jobnet_cv.router,
        faults.router,
        contract_mode.router,
        clock,
        identity_router,
    ):
        include_flat(app, router)  # matched once per request, not twice through an included router (issue 14)
    index_routes(app)
    return app
