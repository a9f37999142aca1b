"""The problems the PDF route can answer with."""

from __future__ import annotations

from dfdg_broker.errors import NotFound, ProblemError


class PdfRequestNotFound(NotFound):
    code = "pdf_request_not_found"
    rule = "P1"
    title = "No PDF request with that id on this contact group"


class PdfNotDeliveredYet(ProblemError):
    status = 409
    code = "pdf_not_delivered_yet"
    rule = "P1"
    title = "The operator has not delivered this PDF request yet"


class PdfAttachmentNotFound(NotFound):
    code = "pdf_attachment_not_found"
    rule = "P1"
    title = "No attachment with that id was delivered with this PDF request"
