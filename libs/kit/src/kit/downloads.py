"""Short-lived download links issued after an access check: an HMAC-signed token naming the bucket, the
object and its expiry. The owning service streams the file when the token is valid; an expired or forged
token is 404.

Each service signs with its own key, derived from ``LP_DOWNLOAD_SECRET`` and the service's name (and the
secret itself may differ per service): a link handed out by one service never opens anything at another.
A link also names the one bucket it may open, and the download route checks it against its own."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from kit.errors import NotFound


class DownloadLinkInvalid(NotFound):
    code = "download_link_invalid"
    message = "下载链接无效"


class DownloadLinkExpired(NotFound):
    code = "download_link_expired"
    message = "下载链接已过期，请重新获取"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signing_key(secret: str, service: str) -> bytes:
    return hmac.new(secret.encode(), b"lp-download-link:" + service.encode(), hashlib.sha256).digest()


def _mac(secret: str, service: str, body: str) -> str:
    return _b64(hmac.new(_signing_key(secret, service), body.encode(), hashlib.sha256).digest())


def sign_download(
    secret: str, *, service: str, bucket: str, key: str, filename: str, content_type: str, ttl: int
) -> str:
    body = _b64(
        json.dumps(
            {
                "s": service,
                "b": bucket,
                "k": key,
                "f": filename,
                "t": content_type,
                "e": int(time.time()) + ttl,
            },
            ensure_ascii=False,
        ).encode()
    )
    return f"{body}.{_mac(secret, service, body)}"


def verify_download(secret: str, token: str, *, service: str, bucket: str) -> dict[str, str]:
    """The object a link names, when this service signed it for ``bucket`` and it has not expired."""
    invalid = DownloadLinkInvalid()
    body, _, mac = token.partition(".")
    if not token.isascii():  # compare_digest refuses non-ASCII text; such a token was never ours
        raise invalid
    if not mac or not hmac.compare_digest(mac, _mac(secret, service, body)):
        raise invalid
    try:
        data = json.loads(_unb64(body))
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid from exc
    if data.get("s") != service or data.get("b") != bucket:
        raise invalid
    if int(data["e"]) < time.time():
        raise DownloadLinkExpired()
    return {"bucket": data["b"], "key": data["k"], "filename": data["f"], "content_type": data["t"]}


def content_disposition(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(filename)}"
