"""HTTP <-> service for erasing a case. No rule is decided here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from dfdg_broker.audit.dependencies import access_logged
from dfdg_broker.audit.errors import ACCESS_LOG_PROBLEMS
from dfdg_broker.cases.errors import CaseNotFound
from dfdg_broker.deps import WriteCaller
from dfdg_broker.erasure.dependencies import ErasureServiceDep
from dfdg_broker.erasure.errors import ErasureNotAllowed
from dfdg_broker.erasure.schemas import LEGAL_BASIS_PATTERN, ErasureReason
from dfdg_broker.errors import RequestInvalid, Unauthenticated, responses_for

router = APIRouter(prefix="/v1/contact-groups", tags=["Erasure"])


@router.delete(
    "/{case_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    name="erase_contact_group",
    summary="Erase the case and everything about it; only the access log and an erasure record remain",
    responses=responses_for(Unauthenticated, RequestInvalid, CaseNotFound, ErasureNotAllowed, *ACCESS_LOG_PROBLEMS),
    # Its row is written in the erasure's own transaction and outlives the case (access_log has no foreign key).
    dependencies=[access_logged("erase-case", change=True)],
)
async def erase_contact_group(
    case_id: str,
    caller: WriteCaller,
    service: ErasureServiceDep,
    reason: Annotated[ErasureReason | None, Query(description="why the case is erased (recorded)")] = None,
    legal_basis: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=LEGAL_BASIS_PATTERN,
            description="a reference to the decision or its legal basis, e.g. `GDPR art. 17(1)(a)` or a journal "
            "number (recorded; never a name or a CPR number)",
        ),
    ] = None,
) -> Response:
    """Deletes, in one transaction, the case with its snapshots, documents, Jobnet CV submissions, PDF requests,
    receipts, history, situations, conversations, tasks, worklist rows and the stored `Idempotency-Key` answers that
    concerned it. What remains: the access log (which names no CPR number) and one erasure record (when, by whom,
    why; nothing about the person). A failure leaves the case whole.

    C2: only the receiving municipality may erase (the jobcenter municipality of a binding cooperation gets 403);
    any other municipality gets 404, as for a case that does not exist. An erased case is gone: a second DELETE,
    and any read, answer 404 (`contact_group_not_found`), to its own municipalities too."""
    await service.erase(caller, case_id, reason, legal_basis)
    service.forget(case_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
