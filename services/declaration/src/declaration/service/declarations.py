"""Use cases of the declaration wizard (企标领跑者申报): create, change, delete, compare, product information,
evidence, submit. Each public function is one transaction; events leave through the outbox in that
transaction; status moves go through ``lifecycle.move`` only."""

from __future__ import annotations

import uuid
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from kit.downloads import sign_download
from kit.paging import PageParams
from kit.runtime import Runtime
from kit.security import ForerunnerAuthRequired, OrgType, Principal, require_forerunner_verified
from kit.storage import new_key, store
from kit.uploads import CheckedFile
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from declaration import repository
from declaration.config import EVIDENCE_BUCKET
from declaration.domain.completion import Completion, completion
from declaration.domain.openness import closed_reason
from declaration.domain.standards import StandardNumberError, validate_standard_no
from declaration.domain.statuses import (
    Action,
    Actor,
    EvidenceStatus,
    ListStatus,
    deletable,
    editable_by_enterprise,
)
from declaration.errors import (
    CandidateNotDeletable,
    CandidateStandardFixed,
    ComparisonNotNeeded,
    ComparisonRequired,
    DeclarationDuplicate,
    DeclarationIncomplete,
    DeclarationNotDeletable,
    DeclarationNotEditable,
    EnterpriseOnly,
    EvidenceFileNotFound,
    InvalidStandardNo,
    ProductNotFound,
    ProductNotOpen,
    ProductTypeMismatch,
)
from declaration.models import Declaration, Enterprise, EvidenceFile, Product, ProductModel
from declaration.service.comparison import BenchmarkComparison
from declaration.service.lifecycle import move

# ---------------------------------------------------------------- products and openness


async def open_product(session: AsyncSession, product_id: uuid.UUID, now: datetime) -> Product:
    """The product, when it is open for self-declaration (``domain.openness``)."""
    product = await session.get(Product, product_id)
    if product is None:
        raise ProductNotFound()
    reason = closed_reason(product, now)
    if reason is not None:
        raise ProductNotOpen(reason, details={"reason": reason})
    return product


def check_standard(raw: str, now: datetime) -> str:
    try:
        return validate_standard_no(raw, this_year=now.year)
    except StandardNumberError as exc:
        raise InvalidStandardNo(exc.message, details={"field": "standard_no"}) from exc


def comparison_ok(d: Declaration | Row[Any] | SimpleNamespace) -> bool:
    """Passed, not required (服务类), or assessed by the agency itself (入围名单)."""
    return d.comparison_verdict in ("passed", "not_required", "assessed")


def completion_of(d: Declaration | Row[Any] | SimpleNamespace) -> Completion:
    return completion(
        standard_no=d.standard_no,
        standard_name=d.standard_name,
        comparison_ok=comparison_ok(d),
        model_count=d.model_count,
        evidence_count=d.evidence_count,
    )


def require_editable(d: Declaration) -> None:
    if not editable_by_enterprise(ListStatus(d.list_status)):
        raise DeclarationNotEditable(f"名单状态为「{ListStatus(d.list_status).label}」，当前不能修改")


def require_enterprise(principal: Principal) -> None:
    if principal.org_type != OrgType.enterprise:
        raise EnterpriseOnly()


# ---------------------------------------------------------------- wizard


async def create_declaration(
    runtime: Runtime, principal: Principal, *, product_id: uuid.UUID, standard_no: str, standard_name: str,
    product_type: str | None,
) -> Declaration:  # fmt: skip
    require_enterprise(principal)
    now = await runtime.clock.now()
    number = check_standard(standard_no, now)
    async with runtime.db.transaction() as session:
        product = await open_product(session, product_id, now)
        if product_type is not None and product_type != product.product_type:
            raise ProductTypeMismatch(details={"field": "product_type"})
        if await repository.standard_taken(
            session, org_id=principal.org_id, product_id=product_id, standard_no=number
        ):
            raise DeclarationDuplicate()
        enterprise = await session.get(Enterprise, principal.org_id)
        declaration = Declaration(
            id=uuid.uuid4(),
            org_id=principal.org_id,
            origin="self",
            product_id=product.product_id,
            agency_org_id=product.agency_org_id,
            year=product.year,
            field=product.field,
            product_name=product.name,
            product_type=product.product_type,
            enterprise_name=(enterprise.name if enterprise else "") or principal.org_name,
            credit_code=enterprise.credit_code if enterprise else "",
            standard_no=number,
            standard_name=standard_name.strip(),
            public_values={},
            # 服务类无需对标: the comparison step does not exist for service-type products
            comparison_verdict="not_required" if product.product_type == "service" else None,
            plan_version=product.plan_version,
            list_status=ListStatus.DRAFT,
            evidence_status=EvidenceStatus.NONE,
            model_count=0,
            evidence_count=0,
            created_at=now,
            updated_at=now,
        )
        session.add(declaration)
    return declaration


async def update_declaration(
    runtime: Runtime, principal: Principal, declaration_id: uuid.UUID, *, standard_no: str | None,
    standard_name: str | None,
) -> Declaration:  # fmt: skip
    require_enterprise(principal)
    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        d = await repository.load_declaration(session, principal, declaration_id, for_update=True)
        require_editable(d)
        if d.origin == "candidate" and standard_no is not None:
            raise CandidateStandardFixed()
        if standard_no is not None:
            number = check_standard(standard_no, now)
            if number != d.standard_no:
                if await repository.standard_taken(
                    session, org_id=d.org_id, product_id=d.product_id, standard_no=number, other_than=d.id
                ):
                    raise DeclarationDuplicate()
                d.standard_no = number
        if standard_name is not None:
            d.standard_name = standard_name.strip()
        d.updated_at = now
    return d


async def delete_declaration(runtime: Runtime, principal: Principal, declaration_id: uuid.UUID) -> list[str]:
    require_enterprise(principal)
    async with runtime.db.transaction() as session:
        d = await repository.load_declaration(session, principal, declaration_id, for_update=True)
        if not deletable((ListStatus(d.list_status), EvidenceStatus(d.evidence_status))) or d.submitted_at:
            raise DeclarationNotDeletable()
        if d.origin == "candidate":
            raise CandidateNotDeletable()
        keys = await repository.evidence_keys(session, d.id)
        await session.delete(d)
    return keys


async def run_benchmark(
    runtime: Runtime, principal: Principal, declaration_id: uuid.UUID, *, values: dict[str, Any],
    authorization: str | None, comparison: BenchmarkComparison,
) -> Declaration:  # fmt: skip
    """The server recomputes through the benchmark service and stores the result with its plan version;
    a failed comparison is stored too (the declaration then cannot go on until values pass)."""
    require_enterprise(principal)
    now = await runtime.clock.now()
    async with runtime.db.session() as session:
        d = await repository.load_declaration(session, principal, declaration_id)
        require_editable(d)
        if d.origin == "candidate":
            raise ComparisonNotNeeded("入围名单中的企业标准已由评估机构评估，无需对标")
        if d.product_type == "service":
            raise ComparisonNotNeeded("服务类产品无需对标")
        product_id = d.product_id
    # outside any transaction: no row lock is held while another service answers
    outcome = await comparison.forerunner(product_id=product_id, values=values, authorization=authorization)
    async with runtime.db.transaction() as session:
        d = await repository.load_declaration(session, principal, declaration_id, for_update=True)
        require_editable(d)
        d.public_values = values
        d.comparison = outcome.result
        d.comparison_verdict = outcome.verdict
        d.plan_version = outcome.plan_version
        d.updated_at = now
    return d


async def put_products(
    runtime: Runtime, principal: Principal, declaration_id: uuid.UUID, *, models: list[dict[str, str]]
) -> Declaration:
    require_enterprise(principal)
    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        d = await repository.load_declaration(session, principal, declaration_id, for_update=True)
        require_editable(d)
        if not comparison_ok(d):
            raise ComparisonRequired("对标未成功，不能填写产品信息")
        await repository.drop_declared_models(session, d.id)
        for position, m in enumerate(models):
            session.add(
                ProductModel(
                    id=uuid.uuid4(),
                    declaration_id=d.id,
                    name=m["name"],
                    spec=m["spec"],
                    intro=m.get("intro"),
                    picture_keys=[],
                    appended=False,
                    position=position,
                    created_at=now,
                )
            )
        d.model_count = len(models)
        d.updated_at = now
    return d


async def add_evidence(
    runtime: Runtime, principal: Principal, declaration_id: uuid.UUID, *, checked: CheckedFile, filename: str
) -> tuple[Declaration, EvidenceFile]:
    """Self-declared: part of the wizard. Agency-listed candidate: the first upload hands it to the agency
    (DOMAIN.md: it enters the lifecycle at 评估机构未提交 once the enterprise authenticated and uploaded)."""
    require_enterprise(principal)
    now = await runtime.clock.now()
    async with runtime.db.session() as session:
        d = await repository.load_declaration(session, principal, declaration_id)
        require_editable(d)
        if d.origin == "candidate" and not principal.forerunner_verified:
            raise ForerunnerAuthRequired()
        if d.origin == "self" and not comparison_ok(d):
            raise ComparisonRequired("对标未成功，不能上传证明资料")
    suffix = {"pdf": ".pdf", "png": ".png", "jpeg": ".jpg"}[checked.kind]
    key = new_key(f"evidence/{declaration_id}", suffix)
    await store(
        runtime.storage,
        EVIDENCE_BUCKET,
        key,
        checked.data,
        content_type=checked.content_type,
    )
    async with runtime.db.transaction() as session:
        d = await repository.load_declaration(session, principal, declaration_id, for_update=True)
        require_editable(d)
        file = EvidenceFile(
            id=uuid.uuid4(),
            declaration_id=d.id,
            key=key,
            filename=_safe_name(filename, suffix),
            content_type=checked.content_type,
            size=len(checked.data),
            created_at=now,
        )
        session.add(file)
        d.evidence_count += 1
        d.updated_at = now
        if d.origin == "candidate" and (d.list_status, d.evidence_status) == (
            ListStatus.DRAFT,
            EvidenceStatus.NONE,
        ):
            await _snapshot(session, d, principal)
            await move(session, d, actor=Actor.ENTERPRISE, action=Action.SUBMIT, now=now, principal=principal)
    return d, file


def _safe_name(filename: str, suffix: str) -> str:
    """The client's name only as a label: path parts and control characters dropped."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()[:200]
    return name or f"证明资料{suffix}"


async def list_evidence(
    runtime: Runtime, principal: Principal, declaration_id: uuid.UUID, page: PageParams
) -> tuple[list[dict[str, Any]], int]:
    async with runtime.db.session() as session:
        d = await repository.load_declaration(session, principal, declaration_id)
        stored, total = await repository.page_of(session, repository.evidence_query(d.id), page)
    return [evidence_json(runtime, f) for f in stored], total


def evidence_json(runtime: Runtime, f: EvidenceFile) -> dict[str, Any]:
    token = sign_download(
        runtime.settings.download_secret,
        service=runtime.settings.service_name,
        bucket=EVIDENCE_BUCKET,
        key=f.key,
        filename=f.filename,
        content_type=f.content_type,
        ttl=runtime.settings.download_link_seconds,
    )
    return {
        "id": f.id,
        "filename": f.filename,
        "content_type": f.content_type,
        "size": f.size,
        "uploaded_at": f.created_at,
        "download_url": f"/api/declarations/files/{token}",
        "link_expires_in": runtime.settings.download_link_seconds,
    }


async def delete_evidence(
    runtime: Runtime, principal: Principal, declaration_id: uuid.UUID, file_id: uuid.UUID
) -> str:
    require_enterprise(principal)
    async with runtime.db.transaction() as session:
        d = await repository.load_declaration(session, principal, declaration_id, for_update=True)
        require_editable(d)
        if d.origin == "candidate":
            require_forerunner_verified(principal)
        file = await repository.evidence_file(session, d.id, file_id)
        if file is None:
            raise EvidenceFileNotFound()
        await session.delete(file)
        d.evidence_count = max(0, d.evidence_count - 1)
        d.updated_at = await runtime.clock.now()
        return file.key


async def _snapshot(session: AsyncSession, d: Declaration, principal: Principal) -> None:
    """The enterprise block as it was when submitted (DOMAIN.md: a snapshot is stored on submit)."""
    e = await session.get(Enterprise, d.org_id)
    d.enterprise_snapshot = {
        "name": (e.name if e else "") or principal.org_name,
        "nature": e.nature if e else "",
        "contact_name": e.contact_name if e else "",
        "credit_code": (e.credit_code if e else "") or d.credit_code,
        "region_code": e.region_code if e else "",
        "phone_masked": e.phone_masked if e else "",
        "email": e.email if e else "",
        "address": e.address if e else "",
    }
    if e is not None:
        d.enterprise_name = e.name or d.enterprise_name
        d.credit_code = e.credit_code or d.credit_code


async def submit(runtime: Runtime, principal: Principal, declaration_id: uuid.UUID) -> Declaration:
    require_enterprise(principal)
    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        d = await repository.load_declaration(session, principal, declaration_id, for_update=True)
        done = completion_of(d)
        if d.origin == "candidate":
            if not principal.forerunner_verified:
                raise ForerunnerAuthRequired()
            if d.evidence_count == 0:
                raise DeclarationIncomplete("请先上传证明资料", details={"missing": ["证明资料"]})
        elif d.comparison_verdict == "failed":
            raise ComparisonRequired("对标未成功，不能提交申报")
        elif not done.complete:
            raise DeclarationIncomplete(
                f"信息完成度 {done.text}，请先补充：{'、'.join(done.missing())}",
                details={"completion": done.text, "missing": done.missing()},
            )
        await _snapshot(session, d, principal)
        await move(session, d, actor=Actor.ENTERPRISE, action=Action.SUBMIT, now=now, principal=principal)
    return d
