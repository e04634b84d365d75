"""A fault-injecting HTTP proxy in front of a live city, for settlement recovery tests.

The city's domain is the proxy's address, so every other city reaches it through the proxy
(deliveries and fetches alike); the proxy forwards each request, unchanged (same Host, same
signature headers, same body), to the city's real port. A rule chosen per request may instead:

- `drop`: answer 202 and forward nothing (the message is lost after the sender saw success);
- `duplicate`: forward it twice;
- `delay`: hold it for `seconds` before forwarding (later messages overtake it: reordering).

`faults` counts what was injected, by kind.
"""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from aiohttp import web


@dataclass(frozen=True)
class Seen:
    """What a rule sees of one request: its method, path and JSON body (if any)."""

    method: str
    path: str
    body: dict[str, Any] | None

    @property
    def type(self) -> str | None:
        return self.body.get("type") if isinstance(self.body, dict) else None

    @property
    def object_type(self) -> str | None:
        obj = self.body.get("object") if isinstance(self.body, dict) else None
        return obj.get("type") if isinstance(obj, dict) else None


#: a rule: None or "pass" forwards; "drop", "duplicate" or ("delay", seconds)
Rule = Callable[[Seen], Any]


class FaultProxy:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.target = ""
        self.rule: Rule = lambda seen: None
        self.faults: Counter[str] = Counter()
        self.forwarded = 0
        self._runner: web.AppRunner | None = None
        self._client: httpx.AsyncClient | None = None
        self._pending: set[asyncio.Task[Any]] = set()

    async def start(self, target: str) -> None:
        self.target = target
        self._client = httpx.AsyncClient(base_url=target, timeout=30)
        app = web.Application(client_max_size=10_000_000)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, self.sock).start()

    async def retarget(self, target: str) -> None:
        """Forward to another address from now on (the city restarted on a new port)."""
        old, self._client = self._client, httpx.AsyncClient(base_url=target, timeout=30)
        self.target = target
        if old is not None:
            await old.aclose()

    async def stop(self) -> None:
        for task in list(self._pending):
            task.cancel()
        runner, client, self._runner, self._client = self._runner, self._client, None, None
        if runner is not None:
            await runner.cleanup()
        if client is not None:
            await client.aclose()

    async def _forward(self, request: web.Request, body: bytes) -> httpx.Response:
        assert self._client is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
        self.forwarded += 1
        return await self._client.request(
            request.method, request.path_qs, content=body, headers=headers
        )

    def _later(self, request: web.Request, body: bytes, seconds: float) -> None:
        async def run() -> None:
            await asyncio.sleep(seconds)
            try:
                await self._forward(request, body)
            except httpx.HTTPError:  # the city was down when it came: lost, as a drop
                self.faults["lost_in_delay"] += 1

        task = asyncio.create_task(run())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        parsed: dict[str, Any] | None = None
        if request.method == "POST":
            try:
                loaded = httpx.Response(200, content=body).json()
                parsed = loaded if isinstance(loaded, dict) else None
            except ValueError:
                parsed = None
        decision = self.rule(Seen(request.method, request.path, parsed))
        if decision == "drop":
            self.faults["drop"] += 1
            return web.Response(status=202)
        if isinstance(decision, tuple) and decision[0] == "delay":
            self.faults["delay"] += 1
            self._later(request, body, float(decision[1]))
            return web.Response(status=202)
        answer = await self._forward(request, body)
        if decision == "duplicate":
            self.faults["duplicate"] += 1
            await self._forward(request, body)
        headers = {
            k: v
            for k, v in answer.headers.items()
            if k.lower() not in ("content-length", "transfer-encoding", "content-encoding")
        }
        return web.Response(status=answer.status_code, body=answer.content, headers=headers)
