"""Use cases of candidate lists (入围名单): import (all-or-nothing), view, phone correction, removal,
turning a listed standard into a declaration once its enterprise is authenticated, and the rows of
self-declared standards (企业自主申报) that the agency passed.

A self-declared row exists exactly while the agency's pass of that declaration stands (工作组审核中, 公示中,
已发布): the agency's pass creates it, the working group's return (不通过, or an upheld objection: 工作组退回)
removes it, the agency's next pass lists it again. Its phone is the enterprise's 基本信息 phone and
follows it (``enterprise.updated``); the agency neither edits nor removes it, and an imported list does
not take it over. Removing it ends only future authentications with that phone: an account already
authenticated stays authenticated."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime
from typing import Any

from contracts.declaration import CandidateListed, CandidatePhoneChanged, CandidateRemoved
from kit.bus import emit
from kit.paging import PageParams
from kit.phones import is_mobile, mask
from kit.pii import Sealer
from kit.runtime import Runtime
from kit.security import OrgType, Principal
from sqlalchemy.ext.asyncio import AsyncSession

from declaration import repository
from declaration.domain.candidates import (
    ImportProblems,
    UnreadableFile,
    build_template,
    check_rows,
    read_rows,
)
from declaration.domain.statuses import EvidenceStatus, ListStatus
from declaration.errors import (
    UNREADABLE_FILE,
    CandidateInReview,
    CandidateListEmpty,
    CandidateListInvalid,
    CandidateNotFound,
    CandidateSelfDeclared,
    InvalidPhone,
    ProductNotFound,
)
from declaration.models import Candidate, Declaration, Enterprise, Product

log = logging.getLogger(__name__)

SOURCE_LABELS = {"agency": "评估机构评估", "self": "企业自主申报"}


def _indicators(product: Product) -> list[tuple[str, str]]:
    return [(str(i.get("code")), str(i.get("name", i.get("code")))) for i in (product.indicators or [])]


async def _agency_product(session: AsyncSession, principal: Principal, product_id: uuid.UUID) -> Product:
    """An agency works only on the products it is designated for; others answer 404."""
    product = await session.get(Product, product_id)
    if product is None or (
        principal.org_type == OrgType.agency and product.agency_org_id != principal.org_id
    ):
        raise ProductNotFound("重点领域产品不存在或不属于本机构")
    return product


async def template(runtime: Runtime, principal: Principal, product_id: uuid.UUID) -> tuple[bytes, str]:
    async with runtime.db.session() as session:
        product = await _agency_product(session, principal, product_id)
    data = await asyncio.to_thread(build_template, _indicators(product), product.name)
    return data, f"入围名单模板-{product.name}.xlsx"


async def import_list(
    runtime: Runtime, principal: Principal, product_id: uuid.UUID, *, data: bytes, filename: str
) -> dict[str, Any]:
    now = await runtime.clock.now()
    async with runtime.db.session() as session:
        product = await _agency_product(session, principal, product_id)
        indicators = dict(_indicators(product))
    try:
        raw = await asyncio.to_thread(read_rows, data, filename=filename)
        rows = check_rows(raw, indicators=indicators, this_year=now.year, is_mobile=is_mobile)
    except UnreadableFile as exc:
        raise UNREADABLE_FILE[exc.code](exc.message) from exc
    except ImportProblems as exc:
        if exc.file_problem:
            raise CandidateListEmpty(exc.file_problem) from exc
        raise CandidateListInvalid(
            f"入围名单有 {len(exc.problems)} 处错误，未导入任何数据，请修改后重新上传",
            details={"problems": [p.as_dict() for p in exc.problems]},
        ) from exc
    created = updated = unchanged = 0
    async with runtime.db.transaction() as session:
        for row in rows:
            candidate = await repository.candidate_by_standard(
                session,
                product_id=product_id,
                credit_code=row.credit_code,
                standard_no=row.standard_no,
                for_update=True,
            )
            if candidate is None:
                candidate = Candidate(
                    id=uuid.uuid4(),
                    product_id=product_id,
                    agency_org_id=product.agency_org_id,
                    credit_code=row.credit_code,
                    enterprise_name=row.enterprise_name,
                    standard_no=row.standard_no,
                    standard_name=row.standard_name,
                    phone_sealed=runtime.sealer.seal(row.contact_phone),
                    phone_masked=mask(row.contact_phone),
                    phone_ref=uuid.uuid4().hex,
                    values=row.values,
                    created_at=now,
                    updated_at=now,
                )
                session.add(candidate)
                await session.flush()
                await emit(session, "candidate.listed", _listed(candidate, runtime, row.contact_phone))
                await link_candidate(session, candidate, product, now=now)
                created += 1
                continue
            if candidate.source == "self":
                # the enterprise's own declaration, passed by this agency: its phone follows the
                # enterprise's 基本信息 and the row follows the declaration, not the imported file
                unchanged += 1
                continue
            changed = False
            if runtime.sealer.unseal(candidate.phone_sealed) != row.contact_phone:
                await _change_phone(session, runtime, candidate, row.contact_phone, now)
                changed = True
            if (candidate.enterprise_name, candidate.standard_name, candidate.values) != (
                row.enterprise_name,
                row.standard_name,
                row.values,
            ):
                candidate.enterprise_name = row.enterprise_name
                candidate.standard_name = row.standard_name
                candidate.values = row.values
                candidate.updated_at = now
                changed = True
            if changed:
                updated += 1
            else:
                unchanged += 1
    return {"rows": len(rows), "created": created, "updated": updated, "unchanged": unchanged}


def _listed(c: Candidate, runtime: Runtime, phone: str) -> CandidateListed:
    return _listed_event(c, runtime.sealer.seal(phone))


def _listed_event(c: Candidate, phone_sealed: str) -> CandidateListed:
    return CandidateListed(
        candidate_id=c.id,
        product_id=c.product_id,
        agency_org_id=c.agency_org_id,
        credit_code=c.credit_code,
        enterprise_name=c.enterprise_name,
        standard_no=c.standard_no,
        standard_name=c.standard_name,
        phone_ref=c.phone_ref,
        phone_masked=c.phone_masked,
        phone_sealed=phone_sealed,
        source=c.source,
    )


async def _change_phone(
    session: AsyncSession, runtime: Runtime, c: Candidate, phone: str, now: datetime
) -> None:
    await _set_phone(session, c, runtime.sealer, phone, now)


async def _set_phone(session: AsyncSession, c: Candidate, sealer: Sealer, phone: str, now: datetime) -> None:
    c.phone_sealed = sealer.seal(phone)
    c.phone_masked = mask(phone)
    c.updated_at = now
    await emit(
        session,
        "candidate.phone_changed",
        CandidatePhoneChanged(
            candidate_id=c.id,
            credit_code=c.credit_code,
            phone_ref=c.phone_ref,
            phone_masked=c.phone_masked,
            phone_sealed=sealer.seal(phone),
        ),
    )


# the states in which the agency's pass of a declaration stands
AGENCY_PASS_STANDS = frozenset({ListStatus.GROUP_REVIEW, ListStatus.IN_NOTICE, ListStatus.PUBLISHED})


async def sync_self_listing(session: AsyncSession, d: Declaration, *, now: datetime) -> None:
    """After a move of a self-declared declaration: its row on the agency's list exists exactly while
    the agency's pass stands (see the module's docstring)."""
    if d.origin != "self":
        return
    row = await session.get(Candidate, d.candidate_id, with_for_update=True) if d.candidate_id else None
    if ListStatus(d.list_status) in AGENCY_PASS_STANDS:
        if row is None:
            await _list_self_declared(session, d, now=now)
        return
    if row is not None and row.source == "self":
        d.candidate_id = None
        await session.flush()
        await session.delete(row)
        await emit(
            session,
            "candidate.removed",
            CandidateRemoved(candidate_id=row.id, credit_code=row.credit_code, phone_ref=row.phone_ref),
        )


async def _list_self_declared(session: AsyncSession, d: Declaration, *, now: datetime) -> None:
    enterprise = await session.get(Enterprise, d.org_id)
    taken = await repository.candidate_by_standard(
        session, product_id=d.product_id, credit_code=d.credit_code, standard_no=d.standard_no
    )
    if taken is not None or d.agency_org_id is None:
        # the agency listed this very standard itself (its row, its phone) or no agency holds the product
        return
    if enterprise is None or not enterprise.phone_sealed:
        # registration requires a phone and its event precedes any declaration; without one there is
        # nothing to authenticate with, and the next move of the declaration tries again
        log.warning(
            "self-declared standard passed without an enterprise phone", extra={"declaration_id": str(d.id)}
        )
        return
    c = Candidate(
        id=uuid.uuid4(),
        product_id=d.product_id,
        agency_org_id=d.agency_org_id,
        credit_code=d.credit_code or enterprise.credit_code,
        enterprise_name=enterprise.name or d.enterprise_name,
        standard_no=d.standard_no,
        standard_name=d.standard_name,
        phone_sealed=enterprise.phone_sealed,
        phone_masked=enterprise.phone_masked,
        phone_ref=uuid.uuid4().hex,
        values=dict(d.public_values or {}),
        source="self",
        org_id=d.org_id,
        created_at=now,
        updated_at=now,
    )
    session.add(c)
    await session.flush()
    d.candidate_id = c.id
    await emit(session, "candidate.listed", _listed_event(c, enterprise.phone_sealed))


async def follow_enterprise_phone(
    session: AsyncSession, sealer: Sealer, e: Enterprise, *, now: datetime
) -> None:
    """The enterprise's 基本信息 phone changed (``enterprise.updated``): its self-declared rows follow it."""
    if not e.phone_sealed:
        return
    phone = sealer.unseal(e.phone_sealed)
    for c in await repository.self_declared_rows(session, e.org_id):
        if sealer.unseal(c.phone_sealed) != phone:
            await _set_phone(session, c, sealer, phone, now)


async def link_candidate(session: AsyncSession, c: Candidate, product: Product, *, now: datetime) -> None:
    """Once the enterprise holding this credit code has authenticated, the listed standard becomes its
    declaration (企业未提交 / 未上传); the first evidence upload hands it to the agency."""
    enterprise = await repository.verified_enterprise(session, c.credit_code)
    if enterprise is None:
        return
    if await repository.declaration_of_candidate(session, c.id) is not None:
        return
    session.add(
        Declaration(
            id=uuid.uuid4(),
            org_id=enterprise.org_id,
            origin="candidate",
            candidate_id=c.id,
            product_id=c.product_id,
            agency_org_id=c.agency_org_id,
            year=product.year,
            field=product.field,
            product_name=product.name,
            product_type=product.product_type,
            enterprise_name=enterprise.name or c.enterprise_name,
            credit_code=c.credit_code,
            standard_no=c.standard_no,
            standard_name=c.standard_name,
            public_values=dict(c.values or {}),
            comparison=None,
            comparison_verdict="assessed",
            plan_version=product.plan_version,
            list_status=ListStatus.DRAFT,
            evidence_status=EvidenceStatus.NONE,
            model_count=0,
            evidence_count=0,
            created_at=now,
            updated_at=now,
        )
    )


async def link_enterprise(session: AsyncSession, enterprise: Enterprise, *, now: datetime) -> None:
    for c in await repository.candidates_of_credit_code(session, enterprise.credit_code):
        product = await session.get(Product, c.product_id)
        if product is not None:
            await link_candidate(session, c, product, now=now)


async def list_candidates(
    runtime: Runtime, principal: Principal, *, product_id: uuid.UUID | None, page: PageParams
) -> tuple[list[dict[str, Any]], int]:
    query = repository.candidates_query(
        agency_org_id=principal.org_id if principal.org_type == OrgType.agency else None,
        product_id=product_id,
    )
    async with runtime.db.session() as session:
        rows, total = await repository.page_of(session, query, page, scalars=False)
    return [candidate_json(c, d) for c, d in rows], total


def candidate_json(c: Candidate, d: Declaration | None) -> dict[str, Any]:
    return {
        "id": c.id,
        "product_id": c.product_id,
        "enterprise_name": c.enterprise_name,
        "credit_code": c.credit_code,
        "standard_no": c.standard_no,
        "standard_name": c.standard_name,
        "contact_phone_masked": c.phone_masked,
        "values": c.values,
        "source": c.source,
        "source_label": SOURCE_LABELS.get(c.source, c.source),
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "declaration_id": d.id if d else None,
        "list_status": d.list_status.value if d else None,
        "list_status_label": ListStatus(d.list_status).label if d else "企业未认证",
        "evidence_status": d.evidence_status.value if d else None,
        "evidence_status_label": EvidenceStatus(d.evidence_status).label if d else EvidenceStatus.NONE.label,
    }


async def _own_candidate(session: AsyncSession, principal: Principal, candidate_id: uuid.UUID) -> Candidate:
    c = await session.get(Candidate, candidate_id, with_for_update=True)
    if c is None or (principal.org_type == OrgType.agency and c.agency_org_id != principal.org_id):
        raise CandidateNotFound()
    return c


def _agency_row(c: Candidate, *, what: str) -> None:
    if c.source == "self":
        raise CandidateSelfDeclared(f"该记录来自企业自主申报，联系电话随企业基本信息更新，评估机构不能{what}")


async def change_phone(
    runtime: Runtime, principal: Principal, candidate_id: uuid.UUID, *, phone: str
) -> dict[str, Any]:
    phone = phone.replace(" ", "").replace("-", "")
    if not is_mobile(phone):
        raise InvalidPhone(details={"field": "contact_phone"})
    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        c = await _own_candidate(session, principal, candidate_id)
        _agency_row(c, what="修改")
        if runtime.sealer.unseal(c.phone_sealed) != phone:
            await _change_phone(session, runtime, c, phone, now)
        d = await repository.declaration_of_candidate(session, c.id)
        return candidate_json(c, d)


async def remove(runtime: Runtime, principal: Principal, candidate_id: uuid.UUID) -> None:
    async with runtime.db.transaction() as session:
        c = await _own_candidate(session, principal, candidate_id)
        _agency_row(c, what="移出")
        d = await repository.declaration_of_candidate(session, c.id, for_update=True)
        if d is not None:
            if d.submitted_at is not None or d.evidence_count:
                raise CandidateInReview()
            await session.delete(d)
        await session.delete(c)
        await emit(
            session,
            "candidate.removed",
            CandidateRemoved(candidate_id=c.id, credit_code=c.credit_code, phone_ref=c.phone_ref),
        )
