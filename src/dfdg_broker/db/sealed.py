"""Every column that holds a sealed value (``protection``), and which columns name its row in the associated data.

The repositories seal and open with these; ``dfdg-broker keys rotate`` and the migrations walk ``SEALED_COLUMNS``.
A new column holding personal data: add it here, seal it in its repository, and the rotation covers it.
"""

from __future__ import annotations

from dataclasses import dataclass

from dfdg_broker.protection import Where


@dataclass(frozen=True, slots=True)
class SealedColumn:
    table: str
    column: str
    row_key: tuple[str, ...]
    """the columns whose values, in this order, name the row (they never change, so neither does the binding)"""
    json: bool = False
    """the plaintext is a JSON document (else bytes, or text for the CPR number)"""

    def at(self, *row: object) -> Where:
        return Where(self.table, self.column, tuple(map(str, row)))


CASE_CPR = SealedColumn("cases", "cpr", ("id",))
SNAPSHOT_DATA = SealedColumn("snapshots", "data", ("case_id", "area", "seq"), json=True)
ATTACHMENT_CONTENT = SealedColumn("attachment_blobs", "content", ("case_id", "attachment_id", "sha256"))
PDF_DELIVERY = SealedColumn("pdf_requests", "delivery", ("id",), json=True)
SUBMITTED_CV = SealedColumn("jobnet_cv_submissions", "cv", ("case_id", "cv_number"), json=True)
SUBMITTED_CV_FINDINGS = SealedColumn("jobnet_cv_submissions", "findings", ("case_id", "cv_number"), json=True)
IDEMPOTENT_ANSWER = SealedColumn("idempotency_keys", "response_body", ("municipality", "key"))

SEALED_COLUMNS = (
    CASE_CPR,
    SNAPSHOT_DATA,
    ATTACHMENT_CONTENT,
    PDF_DELIVERY,
    SUBMITTED_CV,
    SUBMITTED_CV_FINDINGS,
    IDEMPOTENT_ANSWER,
)
