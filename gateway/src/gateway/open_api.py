"""The open data API's own OpenAPI document (``/api/open/v1/openapi.json``): the open routes' documents of
the services that own them (``/internal/open-api.json``, read with the internal token, so it is there in
production too where the services' full documents may be off), merged under one title, with the servers, the
API-key scheme and examples. Kept ``gateway_open_openapi_seconds``; while a service does not answer, the last
merged document stays (or 503 before there ever was one)."""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Any

import aiohttp
import orjson
import structlog
from kit.open_data import SCHEMA_PATH

from gateway.config import Settings
from gateway.guard import ServiceUnavailable
from gateway.routes import OPEN_PREFIX, OPEN_UPSTREAMS

log = structlog.get_logger("gateway.open_api")

TITLE = "质量分级及领跑者开放数据接口 v1"
DESCRIPTION = """质量分级及“领跑者”管理信息平台的只读开放数据：已发布的领跑者榜单、领跑者证书与标识及其状态、
自我声明的星级产品、重点领域产品及其评估方案终稿。只包含平台公开页面已经公开的信息。

**分页**：每个列表按固定顺序分页，答复 `{"items": [...], "next_cursor": "..."}`，并在 `Link` 响应头给出
下一页（`rel="next"`）；把 `next_cursor` 作为 `cursor` 参数传回即得下一页，`next_cursor` 为 null 即最后一页。
`limit` 为每页条数（1–500，默认 100）。游标无效时答复 422 `invalid_cursor`。

**下载**：`format=csv`（UTF-8 带 BOM，Excel 可直接打开）或 `format=xlsx`（也可用 `Accept: text/csv` 等指定），
下载符合筛选条件的全部记录（不分页，最多 50000 条，超过时答复 422 `export_too_large`，请增加筛选条件）。

**缓存**：答复带 `ETag`；再次请求时以 `If-None-Match` 带上，内容未变时答复 304（不计内容）。

**限流**：匿名调用按来源地址限流（默认每分钟 60 次）；携带平台运营人员签发的密钥（请求头 `X-API-Key`）
按该密钥的额度限流（默认每分钟 1200 次）。超过时答复 429 `rate_limited` 与 `Retry-After`；密钥无效或已撤销
答复 401 `api_key_invalid`。

**错误**：统一为 `{"error": {"code", "message", "details"}}`。

示例：

    curl 'https://平台地址/api/open/v1/forerunners?year=2024&limit=50'
    curl -H 'X-API-Key: lpk_…' 'https://平台地址/api/open/v1/certificates?status=valid&format=csv' -o 证书.csv
"""

_PAGE_EXAMPLE = {
    "items": ["…"],
    "next_cursor": "WzIwMjQsIjBmM2E5YjE0LTI1YzQtNGE1Yi05YjE4LTdjZmQ3ZjBhMWIyMyJd",
}


class OpenApiDocument:
    def __init__(self, settings: Settings, upstreams: dict[str, str]) -> None:
        self.settings = settings
        self.upstreams = upstreams
        self._body: bytes | None = None
        self._etag = ""
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def get(self, session: aiohttp.ClientSession) -> tuple[bytes, str]:
        """The merged document and its ETag."""
        if self._body is not None and time.monotonic() < self._expires:
            return self._body, self._etag
        async with self._lock:
            if self._body is not None and time.monotonic() < self._expires:
                return self._body, self._etag
            try:
                parts = [await self._fetch(session, name) for name in OPEN_UPSTREAMS]
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                log.warning("open_openapi_unavailable", error=type(exc).__name__)
                if self._body is None:
                    raise ServiceUnavailable() from exc
                return self._body, self._etag
            self._body = orjson.dumps(merge(parts, public_base_url=self.settings.public_base_url))
            self._etag = f'"{hashlib.sha256(self._body).hexdigest()[:40]}"'
            self._expires = time.monotonic() + self.settings.gateway_open_openapi_seconds
            return self._body, self._etag

    async def _fetch(self, session: aiohttp.ClientSession, name: str) -> dict[str, Any]:
        async with session.get(
            self.upstreams[name] + SCHEMA_PATH,
            headers={"X-Internal-Token": self.settings.internal_token},
            timeout=aiohttp.ClientTimeout(total=self.settings.gateway_readiness_timeout * 2),
        ) as response:
            if response.status != 200:
                raise ValueError(f"{name} answered {response.status}")
            document: dict[str, Any] = orjson.loads(await response.read())
            return document


def merge(parts: list[dict[str, Any]], *, public_base_url: str) -> dict[str, Any]:
    """One document from the services' open-route documents (their schemas share one namespace; the shared
    ones, such as ErrorResponse, are the same everywhere)."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for part in parts:
        paths.update(part.get("paths", {}))
        for name, schema in part.get("components", {}).get("schemas", {}).items():
            if name in schemas and schemas[name] != schema:
                log.warning("open_openapi_schema_differs", schema=name)
            schemas.setdefault(name, schema)
    for item in paths.values():
        operation = item.get("get", {})
        media = operation.get("responses", {}).get("200", {}).get("content", {}).get("application/json")
        if media is not None:
            media.setdefault("example", _PAGE_EXAMPLE)
        for parameter in operation.get("parameters", []):
            if parameter.get("name") == "format":
                parameter.setdefault("example", "csv")
    return {
        "openapi": parts[0]["openapi"] if parts else "3.1.0",
        "info": {"title": TITLE, "version": "1", "description": DESCRIPTION},
        "servers": [{"url": public_base_url.rstrip("/"), "description": "本平台"}],
        "security": [{}, {"ApiKey": []}],
        "tags": [{"name": "开放数据", "description": f"只读公开数据，路径前缀 {OPEN_PREFIX}"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                "ApiKey": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-API-Key",
                    "description": "平台运营人员签发的开放数据接口密钥（可选）：按密钥的额度限流，高于匿名调用",
                }
            },
        },
    }
