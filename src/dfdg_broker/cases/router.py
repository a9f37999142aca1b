"""HTTP <-> service for contact groups. No rule is decided here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import StreamingResponse

from dfdg_broker import app_state, idempotency
from dfdg_broker.audit.dependencies import AccessRecord, access_logged
from dfdg_broker.audit.errors import ACCESS_LOG_PROBLEMS
from dfdg_broker.cases import presenters
from dfdg_broker.cases.dependencies import (
    CASE_LISTENER,
    CASE_READER,
    CASE_SUMMARY,
    FROZEN_READS,
    CaseServiceDep,
    case_service_scope,
    create_slot,
    get_case_service,
    notify_case_changed,
)
from dfdg_broker.cases.errors import (
    AttachmentNotFound,
    BindingCooperationUnknown,
    CallerNotParty,
    CaseAlreadyExists,
    CaseNotFound,
    PersonUnknownAtOperator,
)
from dfdg_broker.cases.examples import area_example
from dfdg_broker.cases.schemas import AREA_RESPONSE_MODELS, AreaResponse, ContactGroupCreate, ContactGroupRead
from dfdg_broker.cases.service import NewCase
from dfdg_broker.deps import ReadCaller
from dfdg_broker.domain.areas import DataArea
from dfdg_broker.downloads import PDF_RESPONSE, stream_blob
from dfdg_broker.errors import RequestInvalid, Unauthenticated, UpstreamRefused, UpstreamUnavailable, responses_for

router = APIRouter(prefix="/v1/contact-groups", tags=["Contact groups"])

WORKLIST_AREAS = (DataArea.OTHER, DataArea.ATTACHMENTS)
"""The areas whose new content can change a case's attention items (M3's link, P2's documents)."""

_COMMON = (Unauthenticated, RequestInvalid)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ContactGroupRead,
    name="create_contact_group",
    summary="Create the contact group (case) for a newly settled refugee",
    responses=responses_for(
        *_COMMON,
        CallerNotParty,
        BindingCooperationUnknown,
        CaseAlreadyExists,
        PersonUnknownAtOperator,
        UpstreamUnavailable,
        UpstreamRefused,
        *ACCESS_LOG_PROBLEMS,
        rules=("C2", "C3", "C4", "C5", "C6", "M1"),
    ),
    dependencies=[Depends(create_slot)],  # first: held until the create has committed
)
async def create_contact_group(
    access: Annotated[AccessRecord, access_logged("create-case", change=True)],
    request: Request,
    body: ContactGroupCreate,
) -> Response:
    """C1-C7, M1. Validates the CPR number and municipality codes, applies the date rules, ensures the Jobnet
    profile (C7) and takes the first snapshot of every data area. A rule broken answers 422 with the rule ID.

    C2: only the receiving municipality, or a jobcenter municipality in a binding cooperation with it that the broker
    knows, may create the case. Any other caller gets one answer (403 `caller_not_party_to_case`), whether or not a
    case exists or the person is known."""
    # Few dependencies on purpose (each one FastAPI solves costs every create; FastAPI walks a cached dependency's
    # sub-dependencies anew, issue 14): the caller (its ``get_writer``) and the unit of work come with the access
    # record; the service, the summary and the worklist's listener are built here, as ``CaseServiceDep``,
    # ``CaseSummaryDep`` and ``notify_case_changed`` build them.
    uow = access.uow
    if uow is None:
        raise RuntimeError("a change's access record carries its unit of work")
    clock = app_state.CLOCK.of(request)
    service = await get_case_service(request, uow, app_state.UPSTREAM.of(request), clock)
    case = await service.create(access.caller.municipality, NewCase(**body.model_dump()))
    attention = await CASE_SUMMARY.of(request)(service, uow, clock).attention(case)  # once: worklist's and answer's
    await CASE_LISTENER.of(request)(request, service, uow, clock).case_changed(case, attention)
    access.case_ids.append(case.id)
    idempotency.concerns_case(request, case.id)  # the answer names the person: erasing the case erases it
    # Serialised once, here: ``response_model`` documents the answer, FastAPI would validate it again. The headers
    # after the body's, in the order FastAPI would put them.
    read = presenters.case_read(case, clock.today(), attention)
    response = Response(read.model_dump_json(by_alias=True), status.HTTP_201_CREATED, media_type="application/json")
    response.headers["Location"] = f"{router.prefix}/{case.id}"
    response.headers["ETag"] = case.etag
    return response


@router.get(
    "/{case_id}",
    response_model=ContactGroupRead,
    name="get_contact_group",
    summary="The case, its effective dates, CV window, Jobnet CV number, pending tasks and what needs a human",
    responses=responses_for(*_COMMON, CaseNotFound, *ACCESS_LOG_PROBLEMS),
)
async def get_contact_group(
    access: Annotated[AccessRecord, access_logged("read-case")],
    request: Request,
    case_id: str,
) -> Response:
    """The case; its ``ETag`` goes into ``If-Match`` on a PATCH."""
    # Serialised once, by the reader: ``response_model`` documents the answer, FastAPI would validate it again. The
    # caller comes with the access record and the reader from the app's state: each dependency solved costs.
    read = await CASE_READER.of(request).read(access.caller.municipality, case_id)
    return Response(read.body, media_type="application/json", headers={"ETag": read.etag})


async def _read_area(request: Request, municipality: str, case_id: str, area: DataArea, model: type) -> bytes:
    """The ordinary read of a data area (G1), serialised once: the presenter validated the data already (FastAPI
    would validate it again)."""
    clock = app_state.CLOCK.of(request)
    async with case_service_scope(request) as (service, uow):
        read = await service.read_area(municipality, case_id, area)
        if read.content_changed and area in WORKLIST_AREAS:  # a child linked, a document added: the worklist
            await notify_case_changed(request, service, uow, clock, read.case)
    body = presenters.area_response_body(read, model, clock.today())
    FROZEN_READS.of(request).remember(read, body)
    return body


def _area_route(area: DataArea) -> None:
    model = AREA_RESPONSE_MODELS[area]

    # Few dependencies on purpose: a cache hit is the hottest request there is, and each dependency FastAPI solves
    # costs it more than its check on the database. The caller comes with the access record, a default because an
    # annotation could not name this ``area`` (annotations are resolved in the module's namespace).
    async def read_area(
        access: AccessRecord = access_logged("read-area", detail=area.value),  # noqa: B008
        *,
        request: Request,
        case_id: str,
    ) -> Response:
        # A frozen area this process served before: one check on the driver, no unit of work (issue 14).
        frozen = FROZEN_READS.of(request)
        municipality = access.caller.municipality
        body = await frozen.cached_response(municipality, case_id, area)
        if body is None:
            body = await _read_area(request, municipality, case_id, area, model)
        return Response(body, media_type="application/json")

    router.add_api_route(
        f"/{{case_id}}/data-areas/{area.value}",
        read_area,
        methods=["GET"],
        response_model=AreaResponse[model],  # type: ignore[valid-type]
        name=f"read_area_{area.value.replace('-', '_')}",
        summary=f"Data area '{area.value}', with the date rules applied (G1)",
        description="Live before the area's takeover date (every read refreshes from the operator), frozen after "
        "it. If the operator fails, the last snapshot is served with `stale: true`; with none held, 503 and "
        "Retry-After.",
        responses={
            200: {"content": {"application/json": {"example": area_example(area)}}},
            **responses_for(*_COMMON, CaseNotFound, UpstreamUnavailable, UpstreamRefused, *ACCESS_LOG_PROBLEMS),
        },
    )


for _area in DataArea:
    _area_route(_area)


@router.get(
    "/{case_id}/attachments/{attachment_id}",
    name="download_attachment",
    summary="A DA4 document, streamed",
    response_class=StreamingResponse,
    responses={
        **PDF_RESPONSE,
        **responses_for(*_COMMON, CaseNotFound, AttachmentNotFound, *ACCESS_LOG_PROBLEMS),
    },
    dependencies=[access_logged("download-attachment", detail_params=("attachment_id",))],
)
async def download_attachment(
    case_id: str, attachment_id: str, caller: ReadCaller, service: CaseServiceDep
) -> StreamingResponse:
    blob = await service.attachment(caller.municipality, case_id, attachment_id)
    return stream_blob(blob, f"{blob.attachment_id}.pdf")
