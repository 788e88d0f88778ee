"""Demo organisations and accounts for the local runner (``python -m auth.demo``). Idempotent: running it
again keeps the same ids and resets the demo passwords. The fixed ids let other services' demo data refer
to these organisations (documented in services/auth/README.md). Demo accounts need no password change."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from kit.bus import set_producer
from kit.db import Database
from kit.pii import Sealer
from sqlalchemy import select

from auth.config import Settings
from auth.domain.passwords import Passwords
from auth.domain.statuses import EnterpriseNature, OrgType
from auth.models import Account, EnterpriseProfile, Organisation
from auth.service import events

DEMO_PASSWORD = "LpDemo2024"

ENTERPRISE_ID = uuid.UUID("00000000-0000-4000-a000-000000000001")
AGENCY_APPLIANCE_ID = uuid.UUID("00000000-0000-4000-a000-000000000101")
AGENCY_TEXTILE_ID = uuid.UUID("00000000-0000-4000-a000-000000000102")
AGENCY_FOOD_ID = uuid.UUID("00000000-0000-4000-a000-000000000103")
WORKING_GROUP_ID = uuid.UUID("00000000-0000-4000-a000-000000000201")
OPERATOR_ID = uuid.UUID("00000000-0000-4000-a000-000000000301")


@dataclass(frozen=True)
class DemoOrg:
    id: uuid.UUID
    org_type: OrgType
    name: str
    login_name: str
    phone: str
    contact_name: str
    credit_code: str | None = None


DEMO_ORGS = (
    DemoOrg(
        ENTERPRISE_ID,
        OrgType.enterprise,
        "北京领跑示范电器有限公司",
        "91110108MA01C2Q57B",
        "13800000001",
        "王经理",
        credit_code="91110108MA01C2Q57B",
    ),
    DemoOrg(AGENCY_APPLIANCE_ID, OrgType.agency, "中国家用电器研究院", "agency01", "13800000101", "李工"),
    DemoOrg(AGENCY_TEXTILE_ID, OrgType.agency, "纺织工业科学技术发展中心", "agency02", "13800000102", "赵工"),
    DemoOrg(AGENCY_FOOD_ID, OrgType.agency, "中国食品发酵工业研究院", "agency03", "13800000103", "钱工"),
    DemoOrg(
        WORKING_GROUP_ID,
        OrgType.working_group,
        "企业标准“领跑者”工作组",
        "workgroup01",
        "13800000201",
        "孙老师",
    ),
    DemoOrg(OPERATOR_ID, OrgType.operator, "平台运营中心", "operator01", "13800000301", "周运营"),
)


class _Ctx:
    """The little the event helpers need from a runtime (the sealer)."""

    def __init__(self, settings: Settings) -> None:
        self.runtime = type("R", (), {"sealer": Sealer(settings.pii_key)})()


async def load(settings: Settings) -> list[str]:
    set_producer("auth")
    passwords = Passwords(
        memory_kib=settings.argon2_memory_kib,
        time_cost=settings.argon2_time_cost,
        parallelism=settings.argon2_parallelism,
    )
    db = Database(settings.database_url, pool_size=2)
    ctx = _Ctx(settings)
    lines: list[str] = []
    try:
        async with db.transaction() as session:
            now = datetime.now(UTC)
            for demo in DEMO_ORGS:
                org = await session.get(Organisation, demo.id)
                account = None
                if org is None:
                    org = Organisation(
                        id=demo.id,
                        org_type=demo.org_type.value,
                        name=demo.name,
                        credit_code=demo.credit_code,
                        contact_name=demo.contact_name,
                        contact_phone=demo.phone,
                    )
                    session.add(org)
                    await session.flush()
                    if demo.org_type is OrgType.enterprise:
                        session.add(
                            EnterpriseProfile(
                                org_id=demo.id,
                                nature=EnterpriseNature.limited_liability.value,
                                region_code="110108",
                                email="demo@example.com",
                                address="北京市海淀区中关村大街 1 号",
                            )
                        )
                    await session.flush()
                    await events.organisation_created(session, org)
                    if demo.org_type is OrgType.enterprise:
                        await events.enterprise_registered(session, ctx, org)  # type: ignore[arg-type]
                else:
                    account = (
                        await session.execute(select(Account).where(Account.org_id == demo.id).limit(1))
                    ).scalar_one_or_none()
                if account is None:
                    session.add(
                        Account(
                            id=uuid.uuid5(demo.id, "account"),
                            org_id=demo.id,
                            login_name=demo.login_name,
                            phone=demo.phone,
                            password_hash=await passwords.hash(DEMO_PASSWORD),
                            password_generated=False,
                            password_set_at=now,
                        )
                    )
                else:
                    if not await passwords.verify(account.password_hash, DEMO_PASSWORD):
                        account.password_hash = await passwords.hash(DEMO_PASSWORD)
                    account.password_generated = False
                    account.password_set_at = now
                lines.append(
                    f"auth: {demo.org_type.label:<5} 登录名 {demo.login_name:<20} 密码 {DEMO_PASSWORD}  "
                    f"({demo.name}, id {demo.id})"
                )
    finally:
        await db.dispose()
    return lines


def main() -> None:
    for line in asyncio.run(load(Settings())):
        print(line)


if __name__ == "__main__":
    main()
