"""What every HTTP request gets at the edge of the application, in one ASGI middleware: its correlation ID, the
security headers, the request metrics and the request's log line.

One middleware rather than one per concern (issue 14): each ASGI layer is one more coroutine that every resumption
of the request passes through and one more ``send`` wrapper that every message goes through, and these four wrap
every request alike. The rules of each stay in their own module (``correlation``, ``security``, ``metrics``,
``logging_setup``); this module only runs them in order.

It wraps the whole application, Starlette's ``ServerErrorMiddleware`` included (see ``correlation.outermost``):
that is where an unexpected exception becomes the 500 problem, and the 500 needs the correlation ID in its body and
header, the security headers, its count and its log line like every other response. ``ServerErrorMiddleware``
re-raises after answering; once the 500 has been sent in full, the exception stops here, so the server keeps the
keep-alive connection open (uvicorn closes it for any exception that reaches it). The exception is logged, with its
traceback, by the problem handler.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dfdg_broker import correlation, metrics
from dfdg_broker.logging_setup import begin_request_line, log_request
from dfdg_broker.security import SecurityHeaders


class EdgeMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.security_headers = SecurityHeaders(hsts=hsts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        correlation_id = correlation.chosen_for(scope)
        correlation_token = correlation.bind(correlation_id)
        fields, fields_token = begin_request_line()
        path: str = scope["path"]
        status = 500

        def on_start(message: Message) -> None:
            nonlocal status
            status = message["status"]
            self.security_headers.add(path, message["headers"])

        counted = path not in metrics.SKIPPED_PATHS  # a scrape is not a request in progress, nor counted
        if counted:
            metrics.HTTP_REQUESTS_IN_PROGRESS.inc()
        try:
            await correlation.answer_with_id(self.app, scope, receive, send, correlation_id, on_start)
        finally:
            try:
                seconds = time.perf_counter() - started
                if counted:
                    metrics.HTTP_REQUESTS_IN_PROGRESS.dec()
                    metrics.observe_request(scope, status, seconds)
                log_request(scope, status, round(seconds * 1000, 1), fields, fields_token)
            finally:
                correlation.unbind(correlation_token)
