"""Limits on what a request may make the broker do, before any route runs.

- **Body size** (``DFDG_MAX_BODY_BYTES``, default 1 MiB): a larger ``Content-Length`` is refused at once, a body
  that grows past the limit while streaming is refused when it does: ``413 request_too_large``.
- **Text the databases cannot hold**: a JSON body with a NUL character (PostgreSQL refuses it in text) or a lone
  UTF-16 surrogate (not encodable as UTF-8) anywhere is refused with ``422 text_not_storable``, whichever field it is
  in, so that no route can fail with a 500 on it later.

Rate limits per municipality are in ``rate_limits``: they need the verified caller.
"""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dfdg_broker import correlation
from dfdg_broker.errors import PROBLEM_MEDIA_TYPE, ProblemError

METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
# A JSON string escape for NUL, or a raw NUL; a high surrogate escape not followed by a low one, or a low surrogate
# escape not preceded by a high one. (A raw surrogate cannot occur in valid UTF-8 bytes: the JSON parser refuses it.)
_NOT_STORABLE = re.compile(
    rb"\x00|\\u0000|\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}",
)


class RequestTooLarge(ProblemError):
    status = 413
    code = "request_too_large"
    title = "The request body is larger than this service accepts"


class TextNotStorable(ProblemError):
    status = 422
    code = "text_not_storable"
    title = "The request contains a NUL character or a lone UTF-16 surrogate, which no field may hold"


class RequestLimitsMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in METHODS_WITH_BODY:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            await _refuse(
                scope, send, RequestTooLarge(f"At most {self.max_body_bytes} bytes.", limit=self.max_body_bytes)
            )
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_body_bytes:
                await _refuse(
                    scope, send, RequestTooLarge(f"At most {self.max_body_bytes} bytes.", limit=self.max_body_bytes)
                )
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        whole = b"".join(chunks)
        if _NOT_STORABLE.search(whole):
            await _refuse(scope, send, TextNotStorable(field="body"))
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _too_large(self) -> RequestTooLarge:
        return RequestTooLarge(f"At most {self.max_body_bytes} bytes.", limit=self.max_body_bytes)


async def _refuse(scope: Scope, send: Send, error: ProblemError) -> None:
    problem = error.to_problem(instance=scope["path"], correlation_id=correlation.current())
    body = json.dumps(problem.model_dump(exclude_none=True, mode="json")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [(b"content-type", PROBLEM_MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
