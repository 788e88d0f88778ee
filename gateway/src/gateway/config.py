"""Gateway settings: the kit's shared ones (upstream URLs, Redis, JWT public key, body cap) plus routing,
rate-limit and pool knobs, all overridable by ``LP_GATEWAY_*`` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from kit.settings import ServiceSettings
from pydantic import Field

# gateway/src/gateway/config.py -> gateway/web/dist (the layout is kept in the image too).
DEFAULT_PORTAL_DIST = Path(__file__).resolve().parents[2] / "web" / "dist"


class Settings(ServiceSettings):
    uses_database: ClassVar[bool] = False
    uses_broker: ClassVar[bool] = False

    service_name: str = "gateway"

    gateway_portal_dist: str = str(DEFAULT_PORTAL_DIST)

    # Rate limits (per window) are a coarse first line against floods; the sensitive routes (login, SMS
    # codes) carry their own tighter limits inside auth. Generous per address because offices and
    # government networks put many users behind one NAT address. Benchmarks from one address switch them off.
    gateway_rate_limit_enabled: bool = True
    gateway_rate_limit_window_seconds: int = Field(default=60, ge=1, le=3600)
    gateway_rate_limit_per_ip: int = Field(default=20000, ge=1)
    gateway_rate_limit_per_account: int = Field(default=10000, ge=1)
    gateway_rate_limit_prefix: str = "lp:gw:rl"
    # The open data API (/api/open/v1): anonymous callers per address and window, callers with an
    # operator-issued X-API-Key by the key's own limit; a revoked key is refused within the cache's seconds.
    gateway_open_rate_per_ip: int = Field(default=60, ge=1)
    gateway_api_key_cache_seconds: float = Field(default=5.0, ge=0, le=60)
    # How long the merged OpenAPI document of the open data API is kept before it is read again.
    gateway_open_openapi_seconds: float = Field(default=300.0, ge=0)
    # A revoked session is refused by the gateway within this many seconds (by the services at once).
    gateway_revocation_cache_seconds: float = Field(default=1.0, ge=0, le=30)

    # How many proxies in front of the gateway append to X-Forwarded-For (0: the gateway is the edge and
    # a client-sent X-Forwarded-For is ignored, so nobody picks their own rate-limit bucket).
    gateway_trusted_proxy_hops: int = Field(default=0, ge=0, le=5)

    # /readyz and /metrics answer only callers inside these networks that did not come through a proxy
    # (no X-Forwarded-For): kubelet probes and Prometheus reach the pod directly, the ingress adds the header.
    # Everyone else gets 404. /healthz stays open (it says nothing).
    gateway_internal_networks: list[str] = Field(
        default=["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]
    )

    gateway_connect_timeout: float = Field(default=2.0, gt=0)
    gateway_read_timeout: float = Field(default=30.0, gt=0)
    gateway_pool_size: int = Field(default=256, ge=1)
    # Below uvicorn's 5 s keep-alive on the services, so the pool never reuses a socket the peer is closing.
    gateway_keepalive_seconds: float = Field(default=4.0, gt=0)
    gateway_readiness_timeout: float = Field(default=2.0, gt=0)

    @property
    def upstreams(self) -> dict[str, str]:
        return {
            "auth": self.auth_url,
            "benchmark": self.benchmark_url,
            "declaration": self.declaration_url,
            "certificate": self.certificate_url,
            "mall": self.mall_url,
            "notify": self.notify_url,
        }
