"""A TCP forwarder a test can switch off and on: it stands between processes under test and a shared
dependency (Redis, the broker, another service), so an outage of that dependency can be played without
stopping the dependency itself. With ``ssl`` it also terminates TLS in front of a plain dependency, as a
TLS-serving deployment of it would (the test S3 server behind a private CA)."""

from __future__ import annotations

import asyncio
import contextlib
import ssl as ssl_module
import threading
from collections.abc import Coroutine
from typing import Any

from kit.testing.s3server import free_port


class TcpProxy:
    def __init__(
        self,
        target_host: str,
        target_port: int,
        *,
        port: int | None = None,
        ssl: ssl_module.SSLContext | None = None,
    ) -> None:
        self.target = (target_host, target_port)
        self.port = port or free_port()
        self._ssl = ssl
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, daemon=True, name=f"tcpproxy-{self.port}"
        )
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._thread.start()

    def _call(self, coro: Coroutine[Any, Any, Any]) -> None:
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}
        try:
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        finally:
            self._writers -= {writer, up_writer}

    async def _start(self) -> None:
        self._server = await asyncio.start_server(
            self._handle, "127.0.0.1", self.port, reuse_address=True, ssl=self._ssl
        )

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            with contextlib.suppress(Exception):
                writer.transport.abort()
        self._writers.clear()

    def start(self) -> TcpProxy:
        """Listen (again) and forward: the dependency is back."""
        self._call(self._start())
        return self

    def stop(self) -> None:
        """Refuse new connections and cut the open ones: the dependency is gone."""
        self._call(self._stop())

    def close(self) -> None:
        self._call(self._stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
