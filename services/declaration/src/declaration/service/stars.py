"""Star-product self-declarations (自我声明3星级、4星级产品): name, model/spec, measured values, chosen
star, comparison recomputed by the benchmark service, product information, submit."""

from __future__ import annotations

import uuid
from typing import Any

from contracts.declaration import StarIndicatorResult, StarProductDeclared
from kit.bus import emit
from kit.errors import Forbidden
from kit.paging import PageParams
from kit.runtime import Runtime
from kit.security import OrgType, Principal

from declaration import repository
from declaration.domain.statuses import (
    StarAction,
    StarStatus,
    StarTransitionRefused,
    star_actions,
    star_transition,
)
from declaration.errors import (
    ComparisonRequired,
    EnterpriseOnly,
    StarProductAlreadyDeclared,
    StarProductIncomplete,
)
from declaration.models import Enterprise, StarProduct
from declaration.service.comparison import BenchmarkComparison
from declaration.service.declarations import open_product


def _enterprise(principal: Principal) -> None:
    if principal.org_type != OrgType.enterprise:
        raise EnterpriseOnly("仅企业可以自我声明星级产品")


def _move(star: StarProduct, action: StarAction) -> StarStatus:
    """The status ``action`` leads to (the table in ``domain.statuses``); refused once declared."""
    try:
        return star_transition(StarStatus(star.status), action)
    except StarTransitionRefused as exc:
        raise StarProductAlreadyDeclared() from exc


async def create(
    runtime: Runtime, principal: Principal, *, product_id: uuid.UUID, name: str, model: str, star: int
) -> StarProduct:
    _enterprise(principal)
    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        product = await open_product(session, product_id, now)
        enterprise = await session.get(Enterprise, principal.org_id)
        item = StarProduct(
            id=uuid.uuid4(),
            org_id=principal.org_id,
            product_id=product_id,
            product_name=product.name,
            field=product.field,
            year=product.year,
            enterprise_name=(enterprise.name if enterprise else "") or principal.org_name,
            name=name,
            model=model,
            star=star,
            measured_values={},
            comparison=None,
            comparison_verdict=None,
            plan_version=None,
            intro=None,
            status=StarStatus.DRAFT,
            created_at=now,
            updated_at=now,
        )
        session.add(item)
    return item


async def update(
    runtime: Runtime, principal: Principal, star_id: uuid.UUID, *, name: str | None, model: str | None,
    star: int | None, intro: str | None,
) -> StarProduct:  # fmt: skip
    _enterprise(principal)
    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        item = await repository.load_star_product(session, principal, star_id, for_update=True)
        _move(item, StarAction.EDIT)
        if name is not None:
            item.name = name
        if model is not None:
            item.model = model
        if star is not None and star != item.star:
            item.star = star
            # the stored comparison was for the other star: it must be run again
            item.comparison, item.comparison_verdict, item.plan_version = None, None, None
        if intro is not None:
            item.intro = intro
        item.updated_at = now
    return item


async def benchmark(
    runtime: Runtime, principal: Principal, star_id: uuid.UUID, *, values: dict[str, Any], star: int | None,
    authorization: str | None, comparison: BenchmarkComparison,
) -> StarProduct:  # fmt: skip
    _enterprise(principal)
    async with runtime.db.session() as session:
        item = await repository.load_star_product(session, principal, star_id)
        _move(item, StarAction.BENCHMARK)
        chosen = star if star is not None else item.star
        product_id = item.product_id
    outcome = await comparison.star(
        product_id=product_id, values=values, star=chosen, authorization=authorization
    )
    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        item = await repository.load_star_product(session, principal, star_id, for_update=True)
        _move(item, StarAction.BENCHMARK)
        item.star = chosen
        item.measured_values = values
        item.comparison = outcome.result
        item.comparison_verdict = outcome.verdict
        item.plan_version = outcome.plan_version
        item.updated_at = now
    return item


async def submit(runtime: Runtime, principal: Principal, star_id: uuid.UUID) -> StarProduct:
    _enterprise(principal)
    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        item = await repository.load_star_product(session, principal, star_id, for_update=True)
        declared = _move(item, StarAction.SUBMIT)
        if item.comparison_verdict != "passed":
            raise ComparisonRequired("对标未成功，不能提交自我声明")
        if not (item.intro or "").strip():
            raise StarProductIncomplete(details={"missing": ["产品信息"]})
        enterprise = await session.get(Enterprise, item.org_id)
        if enterprise is not None and enterprise.name:
            item.enterprise_name = enterprise.name
        item.status = declared
        item.declared_at = now
        item.updated_at = now
        results = [
            StarIndicatorResult(
                code=str(r.get("code")),
                name=str(r.get("name", "")),
                unit=str(r.get("unit") or ""),
                value=r.get("value"),
                passed=bool(r.get("passed")),
                star_reached=r.get("star_reached"),
            )
            for r in (item.comparison or {}).get("indicators", [])
        ]
        await emit(
            session,
            "star_product.declared",
            StarProductDeclared(
                star_product_id=item.id,
                org_id=item.org_id,
                enterprise_name=item.enterprise_name,
                product_id=item.product_id,
                product_name=item.product_name,
                field=item.field,
                name=item.name,
                model=item.model,
                star=item.star,
                plan_version=item.plan_version or 0,
                results=results,
                intro=item.intro,
                declared_at=now,
            ),
        )
    return item


def star_json(item: StarProduct) -> dict[str, Any]:
    return {
        "id": item.id,
        "product_id": item.product_id,
        "product_name": item.product_name,
        "field": item.field,
        "year": item.year,
        "enterprise_name": item.enterprise_name,
        "name": item.name,
        "model": item.model,
        "star": item.star,
        "measured_values": item.measured_values,
        "comparison": item.comparison,
        "comparison_verdict": item.comparison_verdict,
        "plan_version": item.plan_version,
        "intro": item.intro,
        "status": item.status,
        "status_label": StarStatus(item.status).label,
        "actions": star_actions(StarStatus(item.status)),
        "created_at": item.created_at,
        "declared_at": item.declared_at,
    }


async def get(runtime: Runtime, principal: Principal, star_id: uuid.UUID) -> StarProduct:
    async with runtime.db.session() as session:
        return await repository.load_star_product(session, principal, star_id)


async def list_for(
    runtime: Runtime, principal: Principal, *, page: PageParams
) -> tuple[list[dict[str, Any]], int]:
    if principal.org_type == OrgType.enterprise:
        query = repository.star_products_query(org_id=principal.org_id)
    elif principal.org_type == OrgType.working_group:
        query = repository.star_products_query(org_id=None)
    else:
        raise Forbidden()
    async with runtime.db.session() as session:
        rows, total = await repository.page_of(session, query, page)
    return [star_json(s) for s in rows], total
