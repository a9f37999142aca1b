"""API models of the erasure feature (what crosses HTTP)."""

from __future__ import annotations

from enum import StrEnum


class ErasureReason(StrEnum):
    """Why a case is erased, from a fixed list (so that no free text with personal data lands in the record)."""

    CREATED_IN_ERROR = "created-in-error"
    DATA_SUBJECT_REQUEST = "data-subject-request"
    """the citizen asked (GDPR Art. 17) and the municipality granted it"""
    PURPOSE_FULFILLED = "purpose-fulfilled"
    OTHER = "other"


RETENTION_REASON = "retention"
"""The reason ``dfdg-broker purge`` records; not one a caller may give."""

LEGAL_BASIS_PATTERN = r"^[\w .,:;()/§-]{1,200}$"
"""A reference such as "GDPR art. 17(1)(a)" or a journal number; no line breaks, no markup."""
