"""A tiny HTTP/1.1 server on a loopback address, for testing the federation client for real.

Each test gives it a handler ``(RecordedRequest) -> Reply``; the server records every request
(raw path, headers, body) so the test can verify signatures exactly as a real inbox would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Self

from federation.httpsig import IncomingRequest


@dataclass
class RecordedRequest:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes

    def incoming(self) -> IncomingRequest:
        joined: dict[str, str] = {}
        for name, value in self.headers:
            key = name.lower()
            joined[key] = f"{joined[key]}, {value}" if key in joined else value
        path, _, query = self.target.partition("?")
        return IncomingRequest(
            method=self.method,
            path=path,
            query=query,
            headers=joined,
            body=self.body,
            authority=joined.get("host", ""),
            scheme="http",
        )


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    #: send no Content-Length and close the connection to end the body
    close_delimited: bool = False


Handler = Callable[[RecordedRequest], Awaitable[Reply]]
_REASONS = {
    200: "OK",
    202: "Accepted",
    302: "Found",
    404: "Not Found",
    410: "Gone",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


class LoopbackServer:
    def __init__(self, handler: Handler, host: str = "127.0.0.1") -> None:
        self.handler = handler
        self.host = host
        self.port = 0
        self.requests: list[RecordedRequest] = []
        self._server: asyncio.Server | None = None

    def url(self, path: str = "/") -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line.strip():
                    break
                method, target, _ = line.decode("latin-1").split(" ", 2)
                headers: list[tuple[str, str]] = []
                while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = header.decode("latin-1").partition(":")
                    headers.append((name.strip(), value.strip()))
                length = next((int(v) for n, v in headers if n.lower() == "content-length"), 0)
                body = await reader.readexactly(length) if length else b""
                request = RecordedRequest(method, target, headers, body)
                self.requests.append(request)
                reply = await self.handler(request)
                head = [f"HTTP/1.1 {reply.status} {_REASONS.get(reply.status, 'Status')}"]
                head += [f"{name}: {value}" for name, value in reply.headers.items()]
                if reply.close_delimited:
                    head.append("Connection: close")
                else:
                    head.append(f"Content-Length: {len(reply.body)}")
                writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + reply.body)
                await writer.drain()
                if reply.close_delimited:
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


def json_reply(
    body: bytes, content_type: str = "application/activity+json", status: int = 200
) -> Reply:
    return Reply(status=status, body=body, headers={"Content-Type": content_type})
