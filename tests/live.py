"""A real city for tests: the app under uvicorn, in this event loop, on a loopback port."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import httpx
import uvicorn

from instance.city import City
from instance.settings import Settings
from server.app import create_app


def free_port_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class LiveCity:
    def __init__(self, settings: Settings, sock: socket.socket, *, run_worker: bool = True) -> None:
        self.settings = settings
        self.sock = sock
        self.app = create_app(settings, run_worker=run_worker)
        self.city: City = self.app.state.city
        self.server = uvicorn.Server(
            uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=5)
        )
        self._task: asyncio.Task[None] | None = None
        self.http = httpx.AsyncClient(base_url=settings.base_url, timeout=10)

    @property
    def url(self) -> str:
        return self.settings.base_url

    @property
    def db(self) -> Any:
        return self.city.db

    async def start(self) -> None:
        self._task = asyncio.create_task(self.server.serve(sockets=[self.sock]))
        for _ in range(500):
            if self.server.started:
                return
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)
        raise RuntimeError("city did not start")

    async def stop(self) -> None:
        await self.http.aclose()
        self.server.should_exit = True
        if self._task is not None:
            await self._task
        self.sock.close()
