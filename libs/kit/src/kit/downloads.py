"""Short-lived download links issued after an access check: an HMAC-signed token naming the object and its
expiry. The owning service streams the file when the token is valid; an expired or forged token is 404."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from kit.errors import NotFound


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_download(secret: str, *, bucket: str, key: str, filename: str, content_type: str, ttl: int) -> str:
    body = _b64(
        json.dumps(
            {"b": bucket, "k": key, "f": filename, "t": content_type, "e": int(time.time()) + ttl},
            ensure_ascii=False,
        ).encode()
    )
    mac = _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())
    return f"{body}.{mac}"


def verify_download(secret: str, token: str) -> dict[str, str]:
    body, _, mac = token.partition(".")
    if not token.isascii():  # compare_digest refuses non-ASCII text; such a token was never ours
        raise NotFound("下载链接无效", code="download_link_invalid")
    expected = _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())
    if not mac or not hmac.compare_digest(mac, expected):
        raise NotFound("下载链接无效", code="download_link_invalid")
    try:
        data = json.loads(_unb64(body))
    except (ValueError, UnicodeDecodeError) as exc:
        raise NotFound("下载链接无效", code="download_link_invalid") from exc
    if int(data["e"]) < time.time():
        raise NotFound("下载链接已过期，请重新获取", code="download_link_expired")
    return {"bucket": data["b"], "key": data["k"], "filename": data["f"], "content_type": data["t"]}


def content_disposition(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(filename)}"
