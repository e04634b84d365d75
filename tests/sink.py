"""A recording inbox on loopback: answers what the test tells it to, keeps what it received.

It can hold POSTs past the first `hold_after` unanswered until `release` is set, so that a
test can stop a worker while those deliveries are in flight.

It can also play a key server: GETs of a path in `documents` answer that document and are
recorded in `fetched`, so a test can count the fetches a city makes.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .live import free_port_socket


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Sink:
    #: statuses to answer, in order; once used up, `default_status`
    statuses: list[int] = field(default_factory=list)
    default_status: int = 202
    retry_after: str | None = None
    received: list[Received] = field(default_factory=list)
    #: path -> JSON document served to GETs (as application/activity+json)
    documents: dict[str, bytes] = field(default_factory=dict)
    fetched: list[Received] = field(default_factory=list)
    #: paths of the other GETs (a NodeInfo probe, say), answered as a server that is up
    probed: list[str] = field(default_factory=list)
    #: POSTs after this many are recorded on arrival, then wait for `release` to be answered
    hold_after: int | None = None

    def __post_init__(self) -> None:
        self.release = asyncio.Event()
        self.sock = free_port_socket()
        self.port = self.sock.getsockname()[1]
        app = Starlette(routes=[Route("/{path:path}", self._inbox, methods=["POST", "GET"])])
        self.server = uvicorn.Server(
            uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        )
        self._task: asyncio.Task[None] | None = None

    def url(self, path: str = "/inbox") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _inbox(self, request: Request) -> Response:
        if request.method == "GET" and request.url.path in self.documents:
            self.fetched.append(Received(request.url.path, dict(request.headers), b""))
            document = self.documents[request.url.path]
            return Response(document, media_type="application/activity+json")
        if request.method == "GET":  # a NodeInfo probe, say: a server that is up
            self.probed.append(request.url.path)
            return Response(b'{"links": []}', media_type="application/json")
        self.received.append(
            Received(request.url.path, dict(request.headers), await request.body())
        )
        if self.hold_after is not None and len(self.received) > self.hold_after:
            await self.release.wait()
        status = self.statuses.pop(0) if self.statuses else self.default_status
        headers = (
            {"Retry-After": self.retry_after} if self.retry_after and status in (429, 503) else {}
        )
        return Response(status_code=status, headers=headers)

    async def __aenter__(self) -> Sink:
        self._task = asyncio.create_task(self.server.serve(sockets=[self.sock]))
        for _ in range(500):
            if self.server.started:
                return self
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)
        raise RuntimeError("sink did not start")

    async def __aexit__(self, *exc: object) -> None:
        self.release.set()
        self.server.should_exit = True
        if self._task is not None:
            await self._task
        self.sock.close()
