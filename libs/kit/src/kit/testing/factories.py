"""Made-up identities for tests: organisations holding a token as the gateway passes it on, and phone
numbers, credit codes and client addresses that no other test uses."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kit.security import OrgType

_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def phone() -> str:
    """A mainland mobile number (139…) unlikely to be used by another test."""
    return "139" + str(uuid.uuid4().int)[:8]


def credit_code() -> str:
    """A valid 统一社会信用代码 (GB 32100-2015 check character), registered in Beijing (911101…)."""
    from stdnum.cn import uscc

    body = "91110108" + "".join(random.choice(_CREDIT_ALPHABET) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def client_ip() -> str:
    """A private client address, so per-address rate limits of one test do not reach another."""
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class Org:
    """An organisation and one access token of it."""

    id: uuid.UUID
    name: str
    type: OrgType
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


def make_org(
    make_token: Callable[..., str],
    org_type: OrgType | str,
    name: str | None = None,
    *,
    org_id: uuid.UUID | None = None,
    **claims: Any,
) -> Org:
    """``make_org(make_token, "enterprise", forerunner_verified=True)``: a new organisation (a fresh id and,
    unless named, a fresh name) with a token minted by the ``make_token`` fixture; ``claims`` go into it."""
    kind = OrgType(org_type)
    org_id = org_id or uuid.uuid4()
    name = name or f"测试{kind.label}{uuid.uuid4().hex[:4]}"
    return Org(org_id, name, kind, make_token(kind, org_id=org_id, org_name=name, **claims))
