"""Mock Jobnet, receiving CVs: ``PUT /jobnet/v1/cvs/{cv_number}`` keeps the last CV per CV number, and the admin
API shows what was received. Jobnet's first status for a CV from a jobcenter is "Klar til kvalitetssikring"."""

from __future__ import annotations

from fastapi import APIRouter, Request

from dfdg_broker.errors import NotFound, responses_for
from dfdg_broker.jobnet.schemas import CvReceipt, CvUpload
from dfdg_broker.mock import examples
from dfdg_broker.mock.common import ADMIN_PREFIX, StateDep, journal_subject
from dfdg_broker.mock.contract_mode import UPSTREAM_DEPENDENCIES, UPSTREAM_RESPONSES
from dfdg_broker.mock.state import ReceivedCv

READY_FOR_QUALITY_ASSURANCE = "Klar til kvalitetssikring"

router = APIRouter()


class CvNumberUnknown(NotFound):
    code = "cv_number_unknown"
    title = "No Jobnet profile has this CV number"


@router.put(
    "/jobnet/v1/cvs/{cv_number}",
    response_model=CvReceipt,
    name="jobnet.put_cv",
    openapi_extra=examples.CV_UPLOAD,
    tags=["Jobnet"],
    dependencies=UPSTREAM_DEPENDENCIES,
    responses={**responses_for(CvNumberUnknown), **UPSTREAM_RESPONSES},
)
async def put_cv(cv_number: int, body: CvUpload, request: Request, state: StateDep) -> CvReceipt:
    """Create or replace the CV under a CV number (JobnetCVId). Idempotent: the same CV again is a new version
    with the same content."""
    cpr = next((cpr for cpr, number in state.jobnet_profiles.items() if number == cv_number), None)
    if cpr is None:
        raise CvNumberUnknown()
    persona = state.by_cpr(cpr)
    if persona is not None:
        journal_subject(request, persona.person.person_id)
    previous = state.jobnet_cvs.get(cv_number)
    received = ReceivedCv(
        cv_number=cv_number,
        cv=body.cv,
        submitted_by_municipality=body.submitted_by_municipality,
        status=READY_FOR_QUALITY_ASSURANCE,
        received_at=state.clock.now(),
        version=previous.version + 1 if previous else 1,
        submission_key=body.submission_key,
    )
    state.jobnet_cvs[cv_number] = received
    return _receipt(received)


@router.get(
    "/jobnet/v1/cvs/{cv_number}",
    response_model=CvReceipt,
    name="jobnet.get_cv",
    tags=["Jobnet"],
    responses=responses_for(CvNumberUnknown),
)
async def get_cv_receipt(cv_number: int, request: Request, state: StateDep) -> CvReceipt:
    """The receipt for the CV held under a CV number (404 if none): lets a sender check what Jobnet holds."""
    received = state.jobnet_cvs.get(cv_number)
    if received is None:
        raise CvNumberUnknown("No CV is held under this CV number.")
    persona = next((state.by_cpr(c) for c, n in state.jobnet_profiles.items() if n == cv_number), None)
    if persona is not None:
        journal_subject(request, persona.person.person_id)
    return _receipt(received)


def _receipt(received: ReceivedCv) -> CvReceipt:
    return CvReceipt(
        cv_number=received.cv_number,
        status=received.status,
        received_at=received.received_at,
        submission_key=received.submission_key,
    )


@router.get(
    ADMIN_PREFIX + "/jobnet/cvs", response_model=list[ReceivedCv], name="admin.jobnet_cvs", tags=["Admin (mock only)"]
)
async def list_cvs(state: StateDep) -> list[ReceivedCv]:
    """Every CV Jobnet has received (the last version per CV number)."""
    return list(state.jobnet_cvs.values())


@router.get(
    ADMIN_PREFIX + "/jobnet/cvs/{cv_number}",
    response_model=ReceivedCv,
    name="admin.jobnet_cv",
    tags=["Admin (mock only)"],
    responses=responses_for(NotFound),
)
async def get_cv(cv_number: int, state: StateDep) -> ReceivedCv:
    received = state.jobnet_cvs.get(cv_number)
    if received is None:
        raise NotFound("Jobnet has received no CV under this number.")
    return received
