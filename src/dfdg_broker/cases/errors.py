"""The problems the cases feature can answer with; each maps to one RFC 9457 code."""

from __future__ import annotations

from dfdg_broker.errors import NotFound, ProblemError


class CaseNotFound(NotFound):
    code = "contact_group_not_found"
    rule = "C2"
    title = "No contact group with that id is visible to the calling municipality"


class CaseAlreadyExists(ProblemError):
    status = 409
    code = "contact_group_exists"
    rule = "C2"
    title = "A contact group already exists for this citizen and receiving municipality"


class CallerNotParty(ProblemError):
    """C2 (revised): the one answer a municipality that may not create the case gets, whatever exists (no oracle)."""

    status = 403
    code = "caller_not_party_to_case"
    rule = "C2"
    title = (
        "Only the receiving municipality, or a jobcenter municipality in a binding cooperation with it, "
        "may create the case"
    )


class BindingCooperationUnknown(ProblemError):
    status = 422
    code = "binding_cooperation_unknown"
    rule = "C2"
    title = "The broker knows no binding cooperation between the receiving and the named jobcenter municipality"


class PersonUnknownAtOperator(ProblemError):
    status = 422
    code = "person_unknown_at_operator"
    rule = "C2"
    title = "The asylum operator knows no person with this CPR number for this receiving municipality"


class AttachmentNotFound(NotFound):
    code = "attachment_not_found"
    rule = "DA4"
    title = "No attachment with that id in the case's attachments area"
