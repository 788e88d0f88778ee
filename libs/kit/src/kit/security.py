"""Access tokens (EdDSA JWT): issuing (auth only holds the private key), verification in every service,
revocation of sessions through Redis, and the FastAPI dependencies that turn a request into a Principal."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import jwt
from cachetools import LRUCache
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi import Depends, Header, Request
from redis.asyncio import Redis

from kit.errors import Forbidden, NotFound, Unauthorized, Unavailable

ALGORITHMS = ["EdDSA"]


class TokenInvalid(Unauthorized):
    code = "token_invalid"
    message = "登录凭证无效，请重新登录"


class TokenExpired(Unauthorized):
    code = "token_expired"
    message = "登录已过期，请重新登录"


class TokenRevoked(Unauthorized):
    code = "token_revoked"
    message = "登录已失效，请重新登录"


class TokenVerificationUnavailable(Unavailable):
    code = "token_verification_unavailable"
    message = "身份校验暂时不可用，请稍后再试"


class PasswordChangeRequired(Forbidden):
    code = "password_change_required"
    message = "请先修改初始密码"


class ForerunnerAuthRequired(Forbidden):
    code = "forerunner_auth_required"
    message = "请先完成领跑者企业身份认证"


class OrgType(StrEnum):
    """The kinds of organisation an account belongs to (the token's ``org_type``). A StrEnum: members equal
    their values, so a comparison with the plain string still holds."""

    enterprise = "enterprise"
    agency = "agency"
    working_group = "working_group"
    operator = "operator"

    @property
    def label(self) -> str:
        return {
            "enterprise": "企业",
            "agency": "评估机构",
            "working_group": "工作组",
            "operator": "运营人员",
        }[self]


ORG_TYPES: tuple[str, ...] = tuple(OrgType)

REVOKED_SESSION = "lp:revoked:sid:{sid}"
REVOKED_BEFORE = "lp:revoked:acct:{account_id}"


@dataclass(frozen=True)
class Principal:
    account_id: uuid.UUID
    org_id: uuid.UUID
    org_type: OrgType
    org_name: str
    session_id: str
    forerunner_verified: bool = False
    must_change_password: bool = False
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        # A principal built from a plain string (tests, internal callers) still carries the enum member.
        object.__setattr__(self, "org_type", OrgType(self.org_type))


def generate_keypair() -> tuple[bytes, bytes]:
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def ensure_keypair(private_path: str | Path, public_path: str | Path) -> None:
    """Development helper: create the signing key pair once."""
    private_path, public_path = Path(private_path), Path(public_path)
    if private_path.exists() and public_path.exists():
        return
    private, public = generate_keypair()
    private_path.parent.mkdir(parents=True, exist_ok=True)
    private_path.write_bytes(private)
    private_path.chmod(0o600)
    public_path.write_bytes(public)


def key_id(public_key: Ed25519PublicKey) -> str:
    """The key's RFC 7638 JWK thumbprint: the same id wherever the key is, with nothing to configure."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


_PEM_PUBLIC = re.compile(rb"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.DOTALL)


def load_public_keys(pem: bytes) -> dict[str, Ed25519PublicKey]:
    """Every public key of a PEM file, by key id. During a rotation the file holds the current key and
    the next (or the previous) one, so tokens signed with either are accepted (deploy/README.md)."""
    keys: dict[str, Ed25519PublicKey] = {}
    for block in _PEM_PUBLIC.findall(pem):
        key = serialization.load_pem_public_key(block)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the JWT public keys must be Ed25519 keys")
        keys[key_id(key)] = key
    if not keys:
        raise ValueError("no PEM public key in the JWT public key file")
    return keys


class TokenIssuer:
    def __init__(self, private_key_pem: bytes, *, issuer: str, audience: str, access_ttl: int = 900) -> None:
        key = serialization.load_pem_private_key(private_key_pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the JWT signing key must be an Ed25519 key")
        self._key = key
        # Named in every token's header, so verifiers holding several public keys pick the right one.
        self.kid = key_id(self._key.public_key())
        self.issuer = issuer
        self.audience = audience
        self.access_ttl = access_ttl

    def access_token(
        self,
        *,
        account_id: uuid.UUID,
        org_id: uuid.UUID,
        org_type: str,
        org_name: str,
        session_id: str,
        forerunner_verified: bool = False,
        must_change_password: bool = False,
        now: float | None = None,
    ) -> str:
        issued = now if now is not None else time.time()
        iat = int(issued)
        claims = {
            "sub": str(account_id),
            "org": str(org_id),
            "org_type": org_type,
            "name": org_name,
            "fv": forerunner_verified,
            "mcp": must_change_password,
            "sid": session_id,
            "typ": "access",
            "iss": self.issuer,
            "aud": self.audience,
            "iat": iat,
            # iat has a one-second grain; revocation compares milliseconds so a token made right after a
            # password change is not caught by the mark of that change.
            "iat_ms": int(issued * 1000),
            "exp": iat + self.access_ttl,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._key, algorithm="EdDSA", headers={"kid": self.kid})


VERIFIED_TOKENS_KEPT = 20_000  # tokens of the people active within one token lifetime, per process


class TokenVerifier:
    def __init__(self, public_key_pem: bytes, *, issuer: str, audience: str, redis: Redis | None) -> None:
        # Several keys while a signing key is rotated: a token is checked against the key its ``kid`` names.
        self._keys = load_public_keys(public_key_pem)
        self.issuer = issuer
        self.audience = audience
        self.redis = redis
        self._verified: LRUCache[str, dict[str, Any]] = LRUCache(maxsize=VERIFIED_TOKENS_KEPT)

    @classmethod
    def from_file(cls, path: str | Path, **kw: Any) -> TokenVerifier:
        return cls(Path(path).read_bytes(), **kw)

    def decode(self, token: str) -> dict[str, Any]:
        # A token verified once is the same bytes the next time: its claims are kept (until it expires) so
        # each request of a session does not pay the signature check again — about a twentieth of a list
        # request's CPU, twice (gateway and service). Revocation is still asked of Redis every time.
        known = self._verified.get(token)
        if known is not None:
            if time.time() >= known["exp"]:
                self._verified.pop(token, None)
                raise TokenExpired()
            return dict(known)
        claims = self._verify_signature(token)
        self._verified[token] = claims
        return dict(claims)

    def _candidates(self, token: str) -> list[Ed25519PublicKey]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as exc:
            raise TokenInvalid() from exc
        if kid is None:
            # Signed before tokens named their key: any of the keys held may have signed it.
            return list(self._keys.values())
        key = self._keys.get(str(kid))
        if key is None:  # a key this process does not (or no longer) trust
            raise TokenInvalid()
        return [key]

    def _verify_signature(self, token: str) -> dict[str, Any]:
        candidates = self._candidates(token)
        for index, key in enumerate(candidates):
            try:
                claims = jwt.decode(
                    token,
                    key,
                    algorithms=ALGORITHMS,
                    audience=self.audience,
                    issuer=self.issuer,
                    options={"require": ["exp", "iat", "sub", "iss", "aud", "typ", "sid", "org", "org_type"]},
                )
                break
            except jwt.InvalidSignatureError as exc:
                if index + 1 < len(candidates):
                    continue
                raise TokenInvalid() from exc
            except jwt.ExpiredSignatureError as exc:
                raise TokenExpired() from exc
            except jwt.PyJWTError as exc:
                raise TokenInvalid() from exc
        if claims.get("typ") != "access" or claims.get("org_type") not in ORG_TYPES:
            raise TokenInvalid()
        return claims

    async def verify(self, token: str) -> Principal:
        claims = self.decode(token)
        if self.redis is not None:
            sid_key = REVOKED_SESSION.format(sid=claims["sid"])
            acct_key = REVOKED_BEFORE.format(account_id=claims["sub"])
            revoked_sid, revoked_before = await self.redis.mget(sid_key, acct_key)
            issued_ms = claims.get("iat_ms", claims["iat"] * 1000)
            if revoked_sid is not None or (
                revoked_before is not None and issued_ms <= float(revoked_before) * 1000
            ):
                raise TokenRevoked()
        try:
            return Principal(
                account_id=uuid.UUID(claims["sub"]),
                org_id=uuid.UUID(claims["org"]),
                org_type=OrgType(claims["org_type"]),
                org_name=claims.get("name", ""),
                session_id=claims["sid"],
                forerunner_verified=bool(claims.get("fv")),
                must_change_password=bool(claims.get("mcp")),
                claims=claims,
            )
        except ValueError as exc:
            raise TokenInvalid() from exc


async def revoke_session(redis: Redis, session_id: str, ttl_seconds: int) -> None:
    await redis.set(REVOKED_SESSION.format(sid=session_id), "1", ex=max(1, ttl_seconds))


async def revoke_account_sessions(redis: Redis, account_id: uuid.UUID | str, ttl_seconds: int) -> None:
    """Every access token of the account issued up to now is refused (password change, reset)."""
    await redis.set(
        REVOKED_BEFORE.format(account_id=account_id), f"{time.time():.3f}", ex=max(1, ttl_seconds)
    )


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized()
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenInvalid("登录凭证格式不正确")
    return token.strip()


async def _principal(request: Request, authorization: str | None) -> Principal:
    verifier: TokenVerifier | None = request.app.state.runtime.verifier
    token = _bearer(authorization)
    if verifier is None:  # the public key is not mounted: a deployment fault, not the client's
        raise TokenVerificationUnavailable()
    return await verifier.verify(token)


async def principal_pending_change(
    request: Request, authorization: Annotated[str | None, Header(include_in_schema=False)] = None
) -> Principal:
    """A principal that may still carry the generated password (only /me, the change itself and logout)."""
    return await _principal(request, authorization)


async def current_principal(
    request: Request, authorization: Annotated[str | None, Header(include_in_schema=False)] = None
) -> Principal:
    principal = await _principal(request, authorization)
    if principal.must_change_password:
        raise PasswordChangeRequired()
    return principal


async def optional_principal(
    request: Request, authorization: Annotated[str | None, Header(include_in_schema=False)] = None
) -> Principal | None:
    if not authorization:
        return None
    principal = await _principal(request, authorization)
    return None if principal.must_change_password else principal


def require_org(*org_types: OrgType) -> Callable[..., Awaitable[Principal]]:
    """Dependency factory: the caller must belong to one of these organisation types (403 otherwise)."""

    async def _dep(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.org_type not in org_types:
            raise Forbidden()
        return principal

    return _dep


def require_forerunner_verified(principal: Principal) -> None:
    if principal.org_type is OrgType.enterprise and not principal.forerunner_verified:
        raise ForerunnerAuthRequired()


async def require_internal(
    request: Request, x_internal_token: Annotated[str | None, Header(include_in_schema=False)] = None
) -> None:
    expected = request.app.state.runtime.settings.internal_token
    if not x_internal_token or not hmac.compare_digest(x_internal_token, expected):
        raise NotFound()


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
PendingPrincipal = Annotated[Principal, Depends(principal_pending_change)]
OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
EnterprisePrincipal = Annotated[Principal, Depends(require_org(OrgType.enterprise))]
AgencyPrincipal = Annotated[Principal, Depends(require_org(OrgType.agency))]
WorkingGroupPrincipal = Annotated[Principal, Depends(require_org(OrgType.working_group))]
OperatorPrincipal = Annotated[Principal, Depends(require_org(OrgType.operator))]
