"""Read models fed by events: key-field products, designations and final plans (catalog.*), enterprise
profiles (enterprise.*), forerunner authentication (identity.forerunner_verified). The kit runs each
handler in the inbox transaction and commits; handlers never commit."""

from __future__ import annotations

from datetime import UTC, datetime

from contracts.auth import EnterpriseRegistered, EnterpriseUpdated, ForerunnerVerified
from contracts.catalog import AgencyDesignated, DesignationWithdrawn, PlanFinalised, ProductSaved
from kit.bus import Envelope, Handler, batchable_all
from kit.pii import Sealer
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from declaration.domain.statuses import ListStatus
from declaration.models import Declaration, Enterprise, Product, StarProduct
from declaration.service.candidates import follow_enterprise_phone, link_enterprise
from declaration.stats.consumers import HANDLERS as STATS_HANDLERS


async def product_row(session: AsyncSession, product_id) -> Product:
    # events of one product may arrive in any order and be handled at the same time: the row is created
    # by whichever comes first (ON CONFLICT), then every handler updates it under the row lock
    await session.execute(
        pg_insert(Product)
        .values(product_id=product_id, code="", name="", field="", year=0, product_type="product",
                agency_name="", group_standard="", indicators=[])
        .on_conflict_do_nothing(index_elements=[Product.product_id])
    )  # fmt: skip
    return await session.get_one(Product, product_id, with_for_update=True, populate_existing=True)


async def on_product_saved(session: AsyncSession, event: Envelope) -> None:
    p = ProductSaved.model_validate(event.payload)
    product = await product_row(session, p.product_id)
    product.code, product.name, product.field, product.year = p.code, p.name, p.field, p.year
    product.product_type = p.product_type
    # denormalised copies on declarations follow the product's names
    await session.flush()
    await session.execute(
        update(Declaration).where(Declaration.product_id == p.product_id)
        .values(product_name=p.name, field=p.field, year=p.year)
    )  # fmt: skip
    await session.execute(
        update(StarProduct).where(StarProduct.product_id == p.product_id)
        .values(product_name=p.name, field=p.field, year=p.year)
    )  # fmt: skip


async def on_agency_designated(session: AsyncSession, event: Envelope) -> None:
    p = AgencyDesignated.model_validate(event.payload)
    product = await product_row(session, p.product_id)
    product.agency_org_id = p.agency_org_id
    product.agency_name = p.agency_name
    product.notice_start = p.notice_start
    product.notice_end = p.notice_end
    await session.flush()
    # a re-designated product: declarations still under review move to the new agency's desk
    await session.execute(
        update(Declaration)
        .where(Declaration.product_id == p.product_id, Declaration.list_status != ListStatus.PUBLISHED)
        .values(agency_org_id=p.agency_org_id)
    )


async def on_designation_withdrawn(session: AsyncSession, event: Envelope) -> None:
    p = DesignationWithdrawn.model_validate(event.payload)
    product = await product_row(session, p.product_id)
    # only the designation this event is about: a newer designation (handled first, events of one product
    # may be consumed concurrently) has another notice start and stays
    if product.agency_org_id != p.agency_org_id or product.notice_start != p.notice_start:
        return
    # no agency: the product is closed for self-declaration (product_openness) until the next designation
    product.agency_org_id = None
    product.agency_name = ""
    product.notice_start = None
    product.notice_end = None
    await session.flush()
    # declarations under review leave the withdrawn agency's desk (its list, its reviews answer 404) and wait
    # for the next agency, whose designation moves them onto its desk (on_agency_designated)
    await session.execute(
        update(Declaration)
        .where(
            Declaration.product_id == p.product_id,
            Declaration.agency_org_id == p.agency_org_id,
            Declaration.list_status != ListStatus.PUBLISHED,
        )
        .values(agency_org_id=None)
    )


async def on_plan_finalised(session: AsyncSession, event: Envelope) -> None:
    p = PlanFinalised.model_validate(event.payload)
    product = await product_row(session, p.product_id)
    if product.plan_version is not None and p.version < product.plan_version:
        return  # an older final version arriving late never replaces a newer one
    product.plan_id = p.plan_id
    product.plan_version = p.version
    product.group_standard = p.group_standard
    product.product_type = p.product_type
    product.indicators = [i.model_dump(mode="json") for i in p.indicators]


async def _enterprise(session: AsyncSession, org_id) -> Enterprise:
    await session.execute(
        pg_insert(Enterprise)
        .values(org_id=org_id, name="", credit_code="", nature="", contact_name="", phone_masked="",
                phone_sealed="", email="", region_code="", address="", forerunner_verified=False)
        .on_conflict_do_nothing(index_elements=[Enterprise.org_id])
    )  # fmt: skip
    return await session.get_one(Enterprise, org_id, with_for_update=True, populate_existing=True)


def _newer(e: Enterprise, event: Envelope) -> bool:
    """Each enterprise.* event carries the whole profile as of its time; with several consumers an
    older one may arrive after a newer one was applied: it changes nothing (last writer by event time,
    not by arrival)."""
    if e.profile_at is not None and event.occurred_at < e.profile_at:
        return False
    e.profile_at = event.occurred_at
    return True


async def on_enterprise_registered(session: AsyncSession, event: Envelope) -> None:
    p = EnterpriseRegistered.model_validate(event.payload)
    e = await _enterprise(session, p.org_id)
    if not _newer(e, event):
        return
    e.name, e.credit_code, e.contact_name = p.name, p.credit_code, p.contact_name
    e.phone_masked, e.phone_sealed = p.phone_masked, p.phone_sealed


async def on_enterprise_updated(session: AsyncSession, event: Envelope, sealer: Sealer) -> None:
    p = EnterpriseUpdated.model_validate(event.payload)
    e = await _enterprise(session, p.org_id)
    if not _newer(e, event):
        return
    e.name, e.credit_code = p.name, p.credit_code
    e.nature = p.nature_label or p.nature or e.nature
    for attr in ("contact_name", "phone_masked", "phone_sealed", "email", "region_code", "address"):
        value = getattr(p, attr)
        if value is not None:
            setattr(e, attr, value)
    await session.flush()
    # the list's enterprise-name filter follows the current name; submitted snapshots stay as they were
    await session.execute(
        update(Declaration).where(Declaration.org_id == p.org_id).values(enterprise_name=p.name)
    )
    # 企业自主申报 rows on an agency's list authenticate with the 基本信息 phone: they follow it
    await follow_enterprise_phone(session, sealer, e, now=event.occurred_at)


async def on_forerunner_verified(session: AsyncSession, event: Envelope) -> None:
    p = ForerunnerVerified.model_validate(event.payload)
    e = await _enterprise(session, p.org_id)
    e.forerunner_verified = True
    if not e.credit_code:
        e.credit_code = p.credit_code
    await session.flush()
    await link_enterprise(session, e, now=datetime.now(UTC))


def make_handlers(sealer: Sealer) -> dict[str, Handler]:
    """The handlers by routing key; ``sealer`` opens the sealed phones (kit.pii) that the enterprise
    events carry, to tell a changed phone from the same phone sealed again."""

    async def enterprise_updated(session: AsyncSession, event: Envelope) -> None:
        await on_enterprise_updated(session, event, sealer)

    # Every handler only writes to this service's database: events arriving together share a transaction.
    return batchable_all(
        {
            "catalog.product_saved.v1": on_product_saved,
            "catalog.agency_designated.v1": on_agency_designated,
            "catalog.designation_withdrawn.v1": on_designation_withdrawn,
            "catalog.plan_finalised.v1": on_plan_finalised,
            "enterprise.registered.v1": on_enterprise_registered,
            "enterprise.updated.v1": enterprise_updated,
            "identity.forerunner_verified.v1": on_forerunner_verified,
            # the dashboard's and the public statistics' read models (declaration.stats)
            **STATS_HANDLERS,
        }
    )


# the routing keys this service consumes (queue bindings)
ROUTING_KEYS = (
    "catalog.product_saved.v1",
    "catalog.agency_designated.v1",
    "catalog.designation_withdrawn.v1",
    "catalog.plan_finalised.v1",
    "enterprise.registered.v1",
    "enterprise.updated.v1",
    "identity.forerunner_verified.v1",
    *STATS_HANDLERS,
)
