"""The SM2 key ring that signs QR codes: one active key, the retired ones still published.

The key ring is one JSON file (``LP_QR_KEYRING_FILE``)::

    {"keys": [
      {"kid": "3f9a1c2e", "public_key": "04…", "private_key": "<64 hex>", "since": "2026-12-03"},
      {"kid": "8b20d417", "public_key": "04…", "since": "2025-01-02", "until": "2026-12-03"}
    ]}

Exactly one key carries its ``private_key`` and no ``until``: the active key, which signs new documents.
The others are retired: their public keys stay published so that labels printed under them keep
verifying, and their private keys are gone from the file. ``kid`` is derived from the public key
(``payload.key_id``); when present in the file it must match.

Development and tests generate the file on first use (created atomically: every replica that starts at
the same moment ends up with the same key). Production mounts it from a Kubernetes Secret and refuses to
start without it; ``python -m certificate.offline`` creates and rotates key rings (see the README).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from certificate.offline.payload import (
    PayloadError,
    PublishedKey,
    SignedFields,
    key_id,
    new_private_key,
    public_key_of,
    sign,
)


class KeyringError(ValueError):
    """The key ring file is missing or not valid."""


@dataclass(frozen=True)
class Keyring:
    """The published keys and the active key's private scalar (never printed by ``repr``)."""

    keys: tuple[PublishedKey, ...]
    active_kid: str
    _private_key: int = field(repr=False)

    @property
    def active(self) -> PublishedKey:
        return next(k for k in self.keys if k.kid == self.active_kid)

    def sign(self, fields: SignedFields) -> str:
        """The QR payload (``v1.<kid>.<fields>.<signature>``) of ``fields``, with the active key."""
        return sign(
            fields, kid=self.active_kid, private_key=self._private_key, public_key=self.active.public_key
        )

    def published(self) -> list[PublishedKey]:
        """Every key to publish, the active one first, then the retired ones newest first."""
        return sorted(self.keys, key=lambda k: (k.status != "active", -k.since.toordinal()))

    def to_json(self) -> dict[str, Any]:
        items: list[dict[str, Any]] = []
        for key in self.published():
            item: dict[str, Any] = {
                "kid": key.kid,
                "public_key": key.public_key,
                "since": key.since.isoformat(),
            }
            if key.kid == self.active_kid:
                item["private_key"] = f"{self._private_key:064x}"
            if key.until is not None:
                item["until"] = key.until.isoformat()
            items.append(item)
        return {"keys": items}


def new_keyring(today: date) -> Keyring:
    private = new_private_key()
    public = public_key_of(private)
    kid = key_id(public)
    return Keyring((PublishedKey(kid, public, "active", today),), kid, private)


def rotated(keyring: Keyring, today: date) -> Keyring:
    """A new active key; the old one is retired as of ``today`` and keeps only its public key."""
    fresh = new_keyring(today)
    retired = tuple(
        PublishedKey(k.kid, k.public_key, "retired", k.since, k.until or today) for k in keyring.keys
    )
    return Keyring(fresh.keys + retired, fresh.active_kid, fresh._private_key)


def parse_keyring(data: Any) -> Keyring:
    """The key ring of a parsed JSON document; ``KeyringError`` says what is wrong with it."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list) or not data["keys"]:
        raise KeyringError('the key ring must be {"keys": [...]} with at least one key')
    keys: list[PublishedKey] = []
    private: int | None = None
    active: str | None = None
    for i, item in enumerate(data["keys"]):
        if not isinstance(item, dict):
            raise KeyringError(f"key {i} is not an object")
        try:
            public = str(item["public_key"]).lower()
            kid = key_id(public)
            since = date.fromisoformat(str(item["since"]))
            until = date.fromisoformat(str(item["until"])) if item.get("until") else None
        except (KeyError, ValueError, PayloadError) as exc:
            raise KeyringError(f"key {i}: {exc}") from exc
        if item.get("kid") not in (None, kid):
            raise KeyringError(f"key {i}: kid {item['kid']!r} does not match its public key ({kid})")
        if any(k.kid == kid for k in keys):
            raise KeyringError(f"key {i}: kid {kid} appears twice")
        if item.get("private_key"):
            if until is not None:
                raise KeyringError(f"key {kid}: a retired key keeps no private key in the key ring")
            if active is not None:
                raise KeyringError("more than one key carries a private key: only the active key may")
            try:
                private = int(str(item["private_key"]), 16)
                matches = public_key_of(private) == public
            except ValueError as exc:
                raise KeyringError(f"key {kid}: private key is not a valid SM2 scalar") from exc
            if not matches:
                raise KeyringError(f"key {kid}: private key does not belong to its public key")
            active = kid
        elif until is None:
            raise KeyringError(f"key {kid}: a key without its private key must be retired (give its until)")
        keys.append(PublishedKey(kid, public, "active" if kid == active else "retired", since, until))
    if active is None or private is None:
        raise KeyringError("no active key: exactly one key must carry its private key")
    return Keyring(tuple(keys), active, private)


def load_keyring(path: str | Path) -> Keyring:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise KeyringError(f"no QR signing key ring at {path} (LP_QR_KEYRING_FILE)") from exc
    except (OSError, ValueError) as exc:
        raise KeyringError(f"cannot read the QR signing key ring {path}: {exc}") from exc
    return parse_keyring(data)


def keyring_json(keyring: Keyring) -> str:
    """The key ring file's text (private key included: for the Secret, never for publishing)."""
    return json.dumps(keyring.to_json(), indent=2) + "\n"


def write_keyring(path: str | Path, keyring: Keyring, *, exclusive: bool = False) -> bool:
    """Write the key ring atomically (a temporary file, then a rename; readable by the owner only).

    ``exclusive``: only when no key ring exists yet (a hard link, which fails if the name is taken), so
    replicas that start together agree on one key; returns False when another process was first."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".keyring-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(keyring_json(keyring))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        if exclusive:
            try:
                os.link(tmp, path)
            except FileExistsError:
                return False
        else:
            os.replace(tmp, path)
            tmp = ""
        return True
    finally:
        if tmp:
            os.unlink(tmp)


def ensure_keyring(path: str | Path, today: date) -> Keyring:
    """Development and tests: the key ring at ``path``, created with a fresh key when there is none."""
    path = Path(path)
    if not path.exists():
        write_keyring(path, new_keyring(today), exclusive=True)
    return load_keyring(path)


_cache: dict[str, tuple[int, Keyring]] = {}
_cache_lock = threading.Lock()


def keyring_at(path: str | Path, *, create: bool, today: date | None = None) -> Keyring:
    """The key ring at ``path``, read again when the file changes (a rotated Secret is picked up without a
    restart); ``create`` generates it when missing (never in production)."""
    path = Path(path)
    with _cache_lock:
        try:
            stamp = path.stat().st_mtime_ns
        except FileNotFoundError:
            if not create:
                raise KeyringError(f"no QR signing key ring at {path} (LP_QR_KEYRING_FILE)") from None
            keyring = ensure_keyring(path, today or date.today())
            _cache[str(path)] = (path.stat().st_mtime_ns, keyring)
            return keyring
        cached = _cache.get(str(path))
        if cached is not None and cached[0] == stamp:
            return cached[1]
        keyring = load_keyring(path)
        _cache[str(path)] = (stamp, keyring)
        return keyring
