"""Open-data API keys, as auth issues them and the gateway checks them: only a key's SHA-256 is kept, in
auth's database and in Redis (``lp:open:key:<digest>`` → ``{"id", "limit"}``), where the gateway reads it.

A key is 32 random bytes (``secrets.token_urlsafe``): with that much entropy a plain SHA-256 cannot be
brute-forced, and a fast hash keeps the gateway's per-request check to one Redis read."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass

# A visible prefix lets people (and secret scanners) tell a platform key from other strings.
KEY_PREFIX = "lpk_"
REDIS_KEY = "lp:open:key:{digest}"
# When a key was last seen by a gateway (epoch seconds), written at most once a minute per key.
REDIS_LAST_USED = "lp:open:used:{key_id}"


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def redis_key(key_digest: str) -> str:
    return REDIS_KEY.format(digest=key_digest)


@dataclass(frozen=True, slots=True)
class KeyGrant:
    """What the gateway needs of a key: whose it is (the rate-limit bucket) and its limit per minute."""

    id: str
    limit: int

    def dumps(self) -> str:
        return json.dumps({"id": self.id, "limit": self.limit})

    @classmethod
    def loads(cls, text: str) -> KeyGrant | None:
        try:
            data = json.loads(text)
            return cls(id=str(data["id"]), limit=int(data["limit"]))
        except (ValueError, KeyError, TypeError):
            return None
