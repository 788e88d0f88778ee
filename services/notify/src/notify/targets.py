"""Where webhooks may go (SSRF protection): a URL is checked when an operator registers it, and every
connection is checked again when it is made, because DNS may have changed since. The HTTP client's
network backend resolves the host itself, refuses loopback, private, link-local, multicast and reserved
addresses (unless ``LP_WEBHOOK_ALLOW_PRIVATE_TARGETS``) and connects to the address it checked, so a
name cannot resolve to a public address for the check and a private one for the connection. TLS still
verifies the certificate against the host name. Redirects are never followed."""

from __future__ import annotations

import socket
import typing

import anyio
import httpcore
import httpx
from httpcore._backends.anyio import AnyIOBackend

from notify.config import Settings
from notify.domain.webhooks import TargetRefused, address_refused, check_url

RESOLVE_SECONDS = 5.0


async def resolve(host: str, port: int) -> list[str]:
    try:
        with anyio.fail_after(RESOLVE_SECONDS):
            infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError) as exc:
        raise TargetRefused(f"无法解析主机名 {host}") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise TargetRefused(f"无法解析主机名 {host}")
    return addresses


async def allowed_addresses(host: str, port: int, *, allow_private: bool) -> list[str]:
    """The addresses of ``host`` a webhook may connect to; refused when any of them is not public (a name
    that resolves to both is refused whole: the resolver's order must not decide)."""
    addresses = await resolve(host, port)
    if not allow_private and any(address_refused(a) for a in addresses):
        raise TargetRefused("目标地址指向内网、本机或保留地址，不允许作为推送地址")
    return addresses


async def check_target(url: str, *, allow_http: bool, allow_private: bool) -> None:
    host, port = check_url(url, allow_http=allow_http)
    await allowed_addresses(host, port, allow_private=allow_private)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's own backend, with the address check between resolving and connecting. The policy is read
    from the settings at each connection."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.inner = AnyIOBackend()

    @property
    def allow_private(self) -> bool:
        return bool(self.settings.webhook_allow_private_targets)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await allowed_addresses(host, port, allow_private=self.allow_private)
        except TargetRefused as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        return await self.inner.connect_tcp(
            addresses[0], port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not webhook targets")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport on a connection pool that uses ``GuardedBackend`` (httpx takes no network backend
    of its own, so the pool is built here with the same defaults)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=settings.webhook_concurrency,
            max_keepalive_connections=settings.webhook_concurrency,
            keepalive_expiry=30.0,
            network_backend=GuardedBackend(settings),
        )


def make_client(settings: Settings) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=GuardedTransport(settings),
        timeout=httpx.Timeout(settings.webhook_timeout),
        follow_redirects=False,
        headers={"User-Agent": "lp-webhooks/1"},
    )
