"""HTTP: a stored, checksum-verified document streamed to the client (DA4 attachments, P1 deliveries)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

from fastapi.responses import StreamingResponse

CHUNK_BYTES = 64 * 1024

PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The document's bytes, checksum-verified."}
}
"""The 200 of a route that streams a stored document (see ``stream_blob``)."""


class StoredDocument(Protocol):
    """What a stored document offers to be streamed (``cases.records.Blob`` is one)."""

    @property
    def sha256(self) -> str: ...
    @property
    def media_type(self) -> str: ...
    @property
    def size_bytes(self) -> int: ...
    @property
    def content(self) -> bytes: ...


def stream_blob(blob: StoredDocument, filename: str) -> StreamingResponse:
    """A stored, checksum-verified document, streamed in chunks with its SHA-256 in ``Digest`` and ``ETag``."""

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(blob.content), CHUNK_BYTES):
            yield blob.content[start : start + CHUNK_BYTES]

    return StreamingResponse(
        chunks(),
        media_type=blob.media_type,
        headers={
            "Content-Length": str(blob.size_bytes),
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Digest": f"sha-256={blob.sha256}",
            "ETag": f'"{blob.sha256}"',
        },
    )
