"""A real HTTP receiver on this machine for tests and benchmarks of outgoing webhooks: it records every
request (arrival time, headers, body) and answers as told, ``ok`` (204), ``error`` (500), ``slow``
(sleeps before answering), ``gone`` (410) or ``redirect`` (307), and can be taken down (port closed)
and brought up again on the same port."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Literal

from aiohttp import web

Mode = Literal["ok", "error", "slow", "gone", "redirect"]


@dataclass(frozen=True)
class Received:
    at: float  # time.time() on arrival
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    port: int
    host: str = "127.0.0.1"
    mode: Mode = "ok"
    slow_seconds: float = 3.0
    received: list[Received] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _site: web.TCPSite | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/hooks"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.received.append(Received(time.time(), dict(request.headers), body))
        match self.mode:
            case "ok":
                return web.Response(status=204)
            case "error":
                return web.Response(status=500, text="receiver failed " + "x" * 10_000)
            case "slow":
                await asyncio.sleep(self.slow_seconds)
                return web.Response(status=204)
            case "gone":
                return web.Response(status=410, text="gone")
            case "redirect":
                raise web.HTTPTemporaryRedirect("http://127.0.0.1:1/elsewhere")

    async def up(self) -> None:
        if self._runner is not None:
            return
        app = web.Application()
        app.router.add_post("/hooks", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await self._site.start()

    async def down(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = self._site = None

    def ids(self) -> list[str]:
        return [r.headers.get("webhook-id", "") for r in self.received]
