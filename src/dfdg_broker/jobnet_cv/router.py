"""HTTP <-> service for the Jobnet CV. No rule is decided here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response

from dfdg_broker import app_state
from dfdg_broker.audit.dependencies import AccessRecord, access_logged
from dfdg_broker.audit.errors import ACCESS_LOG_PROBLEMS
from dfdg_broker.cases.errors import CaseNotFound
from dfdg_broker.deps import ReadCaller, WriteCaller
from dfdg_broker.errors import RequestInvalid, Unauthenticated, UpstreamRefused, UpstreamUnavailable, responses_for
from dfdg_broker.jobnet.cv import JobnetCv
from dfdg_broker.jobnet_cv import presenters
from dfdg_broker.jobnet_cv.dependencies import JobnetCvServiceDep, jobnet_cv_service_scope
from dfdg_broker.jobnet_cv.errors import (
    CvHasBlockingFindings,
    CvHoldsPlaceholders,
    CvWindowClosed,
    CvWindowNotOpen,
    NoSubmission,
    PersonUnknownInRegister,
)
from dfdg_broker.jobnet_cv.schemas import JobnetCvDraft, JobnetCvSubmission

router = APIRouter(prefix="/v1/contact-groups", tags=["Jobnet CV"])

_COMMON = (Unauthenticated, RequestInvalid, CaseNotFound)


@router.post(
    "/{case_id}/jobnet-cv/draft",
    response_model=JobnetCvDraft,
    name="draft_jobnet_cv",
    summary="A Jobnet CV drafted from DA1 and the CPR register, with findings for the caseworker",
    responses=responses_for(
        *_COMMON, PersonUnknownInRegister, UpstreamUnavailable, UpstreamRefused, *ACCESS_LOG_PROBLEMS
    ),
)
async def draft_jobnet_cv(
    access: Annotated[AccessRecord, access_logged("draft-cv")], request: Request, case_id: str
) -> Response:
    """N1-N17, DA-Q. Builds the CV from the case's DA1 data as served under G1 (live before the CV takeover date,
    the frozen snapshot after) and the CPR register's name and address (N15). Every change, doubt and gap is a
    finding with a stable `code`, the rule ID, the JSON `path`, a `severity` and messages in Danish and English.
    `blocking` findings are exactly those Jobnet would refuse; submit the reviewed CV with PUT."""
    # Few dependencies, and serialised once (the presenter built a validated model; FastAPI would validate it
    # again): drafts are polled. The caller comes with the access record.
    async with jobnet_cv_service_scope(request) as service:
        draft = await service.draft(access.caller.municipality, case_id)
    today = app_state.CLOCK.of(request).today()
    body = presenters.draft_read(draft, today).model_dump_json(by_alias=True).encode()
    return Response(body, media_type="application/json")


@router.put(
    "/{case_id}/jobnet-cv",
    response_model=JobnetCvSubmission,
    name="submit_jobnet_cv",
    summary="Submit the reviewed CV to Jobnet under the case's CV number (G2-G4)",
    responses=responses_for(
        *_COMMON,
        CvWindowNotOpen,
        CvWindowClosed,
        CvHoldsPlaceholders,
        CvHasBlockingFindings,
        PersonUnknownInRegister,
        UpstreamUnavailable,
        UpstreamRefused,
        *ACCESS_LOG_PROBLEMS,
        rules=("G4",),
    ),
    dependencies=[access_logged("submit-cv", change=True)],
)
async def submit_jobnet_cv(
    case_id: str, cv: JobnetCv, caller: WriteCaller, service: JobnetCvServiceDep
) -> JobnetCvSubmission:
    """Allowed from the effective CV date to the deadline (G2, G3; 409 with the window's dates otherwise).
    `searchable: true` needs `consent: true` (G4). The CV is checked by the same normaliser as the draft: any
    placeholder (N1) or blocking finding answers 422 listing the findings. Name and address are always the CPR
    register's (N15). Jobnet receives the normalised CV; the accepted submission is recorded."""
    return presenters.submission_read(await service.submit(caller.municipality, case_id, cv))


@router.get(
    "/{case_id}/jobnet-cv",
    response_model=JobnetCvSubmission,
    name="get_jobnet_cv",
    summary="The last CV submitted to Jobnet for this case, with Jobnet's status",
    responses=responses_for(*_COMMON, NoSubmission, *ACCESS_LOG_PROBLEMS),
    dependencies=[access_logged("read-cv-submission")],
)
async def get_jobnet_cv(case_id: str, caller: ReadCaller, service: JobnetCvServiceDep) -> JobnetCvSubmission:
    return presenters.submission_read(await service.last_submission(caller.municipality, case_id))
