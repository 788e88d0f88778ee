"""SMS verification codes: 6 digits from ``secrets``, remembered only as an HMAC bound to
(purpose, phone, ref) so a code sent for one use can never serve another."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def code_mac(secret: str, *, purpose: str, phone: str, ref: str | None, code: str) -> str:
    message = f"{purpose}\x1f{phone}\x1f{ref or ''}\x1f{code}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def looks_like_code(value: str) -> bool:
    return len(value) == 6 and value.isascii() and value.isdigit()
