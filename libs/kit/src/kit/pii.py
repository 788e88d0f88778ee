"""Sealing personal data (phone numbers) that must cross the bus: AES-GCM with the shared LP_PII_KEY."""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class Sealer:
    def __init__(self, key_b64: str) -> None:
        key = base64.b64decode(key_b64)
        if len(key) not in (16, 24, 32):
            raise ValueError("LP_PII_KEY must be base64 of 16, 24 or 32 bytes")
        self._aead = AESGCM(key)

    def seal(self, value: str) -> str:
        nonce = os.urandom(12)
        return base64.urlsafe_b64encode(nonce + self._aead.encrypt(nonce, value.encode(), b"lp-pii")).decode()

    def unseal(self, token: str) -> str:
        raw = base64.urlsafe_b64decode(token.encode())
        return self._aead.decrypt(raw[:12], raw[12:], b"lp-pii").decode()
