"""One log line per request, and a request id on every answer and every error.

A pure ASGI middleware: it sits on the inbox hot path, so it does no more than time the
request, read the status and write a line.
"""

from __future__ import annotations

import itertools
import logging
import os
import time
import traceback

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("comptoir.request")

#: request ids: a random prefix per process and a counter. Unique across processes and
#: restarts without a system call per request (os.urandom cost a tenth of an inbox request).
_PREFIX = os.urandom(4).hex()
_COUNTER = itertools.count(1)


def _new_prefix() -> None:
    global _PREFIX
    _PREFIX = os.urandom(4).hex()


os.register_at_fork(after_in_child=_new_prefix)


def next_request_id() -> str:
    return f"{_PREFIX}{next(_COUNTER):08x}"


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = next_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.error(
                "request_id=%s method=%s path=%s unhandled error\n%s",
                request_id,
                scope["method"],
                scope["path"],
                traceback.format_exc(),
            )
            if not response_started:
                body = (
                    f'{{"error": "internal server error", "request_id": "{request_id}"}}'.encode()
                )
                await send(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"x-request-id", request_id.encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
            return
        finally:
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "request_id=%s method=%s path=%s status=%d ms=%.1f",
                    request_id,
                    scope["method"],
                    scope["path"],
                    status,
                    (time.perf_counter() - started) * 1000,
                )


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
