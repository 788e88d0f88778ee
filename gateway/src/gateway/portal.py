"""The portal's built files (gateway/web/dist) at ``/`` with the single-page-app fallback, a plain page
while the portal is not built, and the ``/api/docs`` page that links every service's OpenAPI."""

from __future__ import annotations

import html
from pathlib import Path, PurePosixPath

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

from gateway.responses import send_error
from gateway.routes import OPENAPI

# The portal's Content-Security-Policy: scripts only from the portal's own files (no inline script, no
# eval), nothing embedded, no <base>, never framed. Styles allow inline ones: Element Plus positions
# popovers and dialogs with style attributes and the rich-text editor injects its stylesheet; a style
# cannot run code. Images may be data: or blob: URLs (QR codes, logos previewed before upload).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; media-src 'self' blob:; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

_SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]

NOT_BUILT_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>质量分级及“领跑者”管理信息平台</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto; line-height: 1.6">
<h1>质量分级及“领跑者”管理信息平台</h1>
<p>门户页面尚未构建。接口服务已经可以使用，接口文档见 <a href="/api/docs">/api/docs</a>。</p>
<p>构建门户：在 <code>gateway/web</code> 目录执行 <code>npm ci &amp;&amp; npm run build</code>，完成后刷新本页。</p>
</body></html>
""".encode()


def docs_page() -> bytes:
    items = "\n".join(
        f'<li>{html.escape(label)}：<a href="/api/{name}/openapi.json">/api/{name}/openapi.json</a></li>'
        for name, label in OPENAPI
    )
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>接口文档 - 质量分级及“领跑者”管理信息平台</title></head>
<body style="font-family: sans-serif; max-width: 48em; margin: 3em auto; line-height: 1.7">
<h1>接口文档</h1>
<p>各服务的 OpenAPI 描述（JSON）。请求除标注为公开的接口外，均需在请求头携带
<code>Authorization: Bearer &lt;访问令牌&gt;</code>；错误统一为
<code>{{"error": {{"code", "message", "details"}}}}</code>。</p>
<ul>
{items}
</ul>
</body></html>
""".encode()


class _SpaFiles(StaticFiles):
    """Unknown paths without a file extension are the portal's own routes (``/verify/<code>``,
    ``/declarations/...``): they get index.html and the router in the browser takes over. A missing
    ``.js``/``.css``/image stays a 404, so a broken build is not hidden behind an HTML page."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404 or PurePosixPath(path).suffix:
                raise
            return await super().get_response("index.html", scope)


class Portal:
    def __init__(self, dist: str | Path) -> None:
        self.dist = Path(dist)
        self.files = _SpaFiles(directory=self.dist, check_dir=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                cache = b"public, max-age=31536000, immutable" if path.startswith("/assets/") else b"no-cache"
                message["headers"] = [
                    *message.get("headers", []),
                    (b"cache-control", cache),
                    *_SECURITY_HEADERS,
                ]
            await send(message)

        # Checked per request (cheap, portal requests only): the portal may be built after the gateway starts.
        if scope["method"] not in ("GET", "HEAD"):
            await send_error(
                send, 405, "method_not_allowed", "不支持的请求方式", headers=[(b"allow", b"GET, HEAD")]
            )
            return
        if not (self.dist / "index.html").is_file():
            await send_html(send_with_headers, NOT_BUILT_PAGE, status=200)
            return
        try:
            await self.files(scope, receive, send_with_headers)
        except HTTPException as exc:
            await send_error(
                send,
                exc.status_code,
                "not_found" if exc.status_code == 404 else "bad_request",
                "页面不存在" if exc.status_code == 404 else "请求有误",
            )


async def send_html(
    send: Send, body: bytes, *, status: int = 200, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *(extra or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
