"""A slow-loris HTTP server on loopback: headers at once, then the body one byte at a time.

Each byte resets a per-read timeout, so only a client's total deadline ends such a request.
The server records whether the client hung up, which is how a test sees the connection closed.
"""

from __future__ import annotations

import asyncio
from typing import Self

#: seconds between two body bytes
BYTE_INTERVAL = 0.2
#: a minute of dribbling: far past any deadline a test sets
DRIBBLE_BYTES = 300


class SlowLoris:
    """Answers every request with headers announcing a big JSON body, then dribbles it."""

    def __init__(self) -> None:
        self.connections = 0
        self.closed_by_client = asyncio.Event()
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    def url(self, path: str) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}{path}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/activity+json\r\n"
            b"Content-Length: %d\r\n\r\n" % DRIBBLE_BYTES
        )
        try:
            for _ in range(DRIBBLE_BYTES):
                writer.write(b" ")
                await writer.drain()
                if await self._client_closed(reader):
                    self.closed_by_client.set()
                    return
        except ConnectionError:
            self.closed_by_client.set()
        finally:
            writer.close()

    @staticmethod
    async def _client_closed(reader: asyncio.StreamReader) -> bool:
        """Wait one interval for the client to hang up (EOF); the request body, if any, is
        drained along the way."""
        try:
            async with asyncio.timeout(BYTE_INTERVAL):
                while await reader.read(65_536):
                    pass
                return True
        except TimeoutError:
            return False
        except ConnectionError:
            return True
