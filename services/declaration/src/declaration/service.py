"""Use cases of forerunner declarations. Each public function is one transaction; events leave through
the outbox in that transaction; status moves go through ``lifecycle.move`` only."""

from __future__ import annotations

import math
import uuid
from datetime import datetime
from typing import Any

from cachetools import TTLCache
from contracts.declaration import DeclarationModel, DeclarationModelAppended, NoticeClosed
from kit.bus import emit
from kit.downloads import sign_download
from kit.errors import Conflict, Forbidden, Invalid, NotFound
from kit.runtime import Runtime
from kit.security import Principal, require_forerunner_verified
from kit.storage import new_key
from kit.uploads import CheckedFile
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from declaration import access, files
from declaration.comparison import BenchmarkComparison
from declaration.domain import search
from declaration.domain.completion import Completion, completion
from declaration.domain.standards import StandardNumberError, validate_standard_no
from declaration.domain.statuses import (
    Action,
    Actor,
    EvidenceStatus,
    ListStatus,
    deletable,
    editable_by_enterprise,
)
from declaration.lifecycle import actor_ip, move, open_objections
from declaration.models import (
    Declaration,
    Enterprise,
    EvidenceFile,
    Notice,
    Objection,
    Product,
    ProductModel,
    Review,
)

EVIDENCE_BUCKET = "lp-evidence"
MODELS_BUCKET = "lp-models"


# ---------------------------------------------------------------- products and openness


def product_openness(product: Product | None, now: datetime) -> tuple[bool, str | None]:
    """The seed's FAQ: open only when the agency's 14-day designation notice has ended AND the final
    plan (终稿) is on the platform."""
    if product is None:
        return False, "重点领域产品不存在"
    if product.agency_org_id is None or product.notice_end is None:
        return False, "该重点领域产品尚未确定评估机构，暂时无法自主申报"
    if product.notice_end > now:
        return False, "该重点领域产品的评估机构尚未完成 14 天公示，暂时无法自主申报"
    if product.plan_version is None:
        return False, "评估机构尚未在平台上传评估方案终稿，暂时无法自主申报"
    return True, None


async def open_product(session: AsyncSession, product_id: uuid.UUID, now: datetime) -> Product:
    product = await session.get(Product, product_id)
    ok, reason = product_openness(product, now)
    if product is None:
        raise NotFound("重点领域产品不存在", code="product_not_found")
    if not ok:
        raise Conflict(reason, code="product_not_open")
    return product


def check_standard(raw: str, now: datetime) -> str:
    try:
        return validate_standard_no(raw, this_year=now.year)
    except StandardNumberError as exc:
        raise Invalid(exc.message, code="invalid_standard_no", details={"field": "standard_no"}) from exc


def comparison_ok(d: Declaration | Row[Any]) -> bool:
    """Passed, not required (服务类), or assessed by the agency itself (入围名单)."""
    return d.comparison_verdict in ("passed", "not_required", "assessed")


def completion_of(d: Declaration | Row[Any]) -> Completion:
    return completion(
        standard_no=d.standard_no,
        standard_name=d.standard_name,
        comparison_ok=comparison_ok(d),
        model_count=d.model_count,
        evidence_count=d.evidence_count,
    )


def _require_editable(d: Declaration) -> None:
    if not editable_by_enterprise(ListStatus(d.list_status)):
        raise Conflict(
            f"名单状态为「{ListStatus(d.list_status).label}」，当前不能修改", code="declaration_not_editable"
        )


def _require_enterprise(principal: Principal) -> None:
    if principal.org_type != "enterprise":
        raise Forbidden("仅企业可以操作申报", code="enterprise_only")


# ---------------------------------------------------------------- wizard


async def create_declaration(
    runtime: Runtime, principal: Principal, *, product_id: uuid.UUID, standard_no: str, standard_name: str,
    product_type: str | None,
) -> Declaration:  # fmt: skip
    _require_enterprise(principal)
    now = await runtime.clock.now()
    number = check_standard(standard_no, now)
    async with runtime.db.transaction() as session:
        product = await open_product(session, product_id, now)
        if product_type is not None and product_type != product.product_type:
            raise Invalid(
                "产品类型与该重点领域产品不一致",
                code="product_type_mismatch",
                details={"field": "product_type"},
            )
        duplicate = await session.scalar(
            select(Declaration.id).where(
                Declaration.org_id == principal.org_id,
                Declaration.product_id == product_id,
                Declaration.standard_no == number,
            )
        )
        if duplicate is not None:
            raise Conflict("该企业标准已申报过此重点领域产品", code="declaration_duplicate")
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
    _require_enterprise(principal)
    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        d = await access.load_declaration(session, principal, declaration_id, for_update=True)
        _require_editable(d)
        if d.origin == "candidate" and standard_no is not None:
            raise Conflict("入围名单中的企业标准号由评估机构维护", code="candidate_standard_fixed")
        if standard_no is not None:
            number = check_standard(standard_no, now)
            if number != d.standard_no:
                clash = await session.scalar(
                    select(Declaration.id).where(
                        Declaration.org_id == d.org_id,
                        Declaration.product_id == d.product_id,
                        Declaration.standard_no == number,
                        Declaration.id != d.id,
                    )
                )
                if clash is not None:
                    raise Conflict("该企业标准已申报过此重点领域产品", code="declaration_duplicate")
                d.standard_no = number
        if standard_name is not None:
            d.standard_name = standard_name.strip()
        d.updated_at = now
    return d


async def delete_declaration(runtime: Runtime, principal: Principal, declaration_id: uuid.UUID) -> list[str]:
    _require_enterprise(principal)
    async with runtime.db.transaction() as session:
        d = await access.load_declaration(session, principal, declaration_id, for_update=True)
        if not deletable((ListStatus(d.list_status), EvidenceStatus(d.evidence_status))) or d.submitted_at:
            raise Conflict("只能删除未提交过的草稿", code="declaration_not_deletable")
        if d.origin == "candidate":
            raise Conflict("入围名单中的企业标准不能删除，请联系评估机构", code="candidate_not_deletable")
        keys = list(
            (await session.scalars(select(EvidenceFile.key).where(EvidenceFile.declaration_id == d.id))).all()
        )
        await session.delete(d)
    return keys


async def run_benchmark(
    runtime: Runtime, principal: Principal, declaration_id: uuid.UUID, *, values: dict[str, Any],
    authorization: str | None, comparison: BenchmarkComparison,
) -> Declaration:  # fmt: skip
    """The server recomputes through the benchmark service and stores the result with its plan version;
    a failed comparison is stored too (the declaration then cannot go on until values pass)."""
    _require_enterprise(principal)
    now = await runtime.clock.now()
    async with runtime.db.session() as session:
        d = await access.load_declaration(session, principal, declaration_id)
        _require_editable(d)
        if d.origin == "candidate":
            raise Conflict("入围名单中的企业标准已由评估机构评估，无需对标", code="comparison_not_needed")
        if d.product_type == "service":
            raise Conflict("服务类产品无需对标", code="comparison_not_needed")
        product_id = d.product_id
    # outside any transaction: no row lock is held while another service answers
    outcome = await comparison.forerunner(product_id=product_id, values=values, authorization=authorization)
    async with runtime.db.transaction() as session:
        d = await access.load_declaration(session, principal, declaration_id, for_update=True)
        _require_editable(d)
        d.public_values = values
        d.comparison = outcome.result
        d.comparison_verdict = outcome.verdict
        d.plan_version = outcome.plan_version
        d.updated_at = now
    return d


async def put_products(
    runtime: Runtime, principal: Principal, declaration_id: uuid.UUID, *, models: list[dict[str, str]]
) -> Declaration:
    _require_enterprise(principal)
    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        d = await access.load_declaration(session, principal, declaration_id, for_update=True)
        _require_editable(d)
        if not comparison_ok(d):
            raise Conflict("对标未成功，不能填写产品信息", code="comparison_required")
        await session.execute(
            delete(ProductModel).where(ProductModel.declaration_id == d.id, ProductModel.appended.is_(False))
        )
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
    _require_enterprise(principal)
    now = await runtime.clock.now()
    async with runtime.db.session() as session:
        d = await access.load_declaration(session, principal, declaration_id)
        _require_editable(d)
        if d.origin == "candidate" and not principal.forerunner_verified:
            raise Forbidden("请先完成领跑者企业身份认证", code="forerunner_auth_required")
        if d.origin == "self" and not comparison_ok(d):
            raise Conflict("对标未成功，不能上传证明资料", code="comparison_required")
    suffix = {"pdf": ".pdf", "png": ".png", "jpeg": ".jpg"}[checked.kind]
    key = new_key(f"evidence/{declaration_id}", suffix)
    await files.put(
        runtime,
        EVIDENCE_BUCKET,
        key,
        checked.data,
        content_type=checked.content_type,
    )
    async with runtime.db.transaction() as session:
        d = await access.load_declaration(session, principal, declaration_id, for_update=True)
        _require_editable(d)
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
    runtime: Runtime, principal: Principal, declaration_id: uuid.UUID
) -> list[dict[str, Any]]:
    async with runtime.db.session() as session:
        d = await access.load_declaration(session, principal, declaration_id)
        files = (
            await session.scalars(
                select(EvidenceFile)
                .where(EvidenceFile.declaration_id == d.id)
                .order_by(EvidenceFile.created_at)
            )
        ).all()
    return [evidence_json(runtime, f) for f in files]


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
    _require_enterprise(principal)
    async with runtime.db.transaction() as session:
        d = await access.load_declaration(session, principal, declaration_id, for_update=True)
        _require_editable(d)
        if d.origin == "candidate":
            require_forerunner_verified(principal)
        file = await session.scalar(
            select(EvidenceFile).where(EvidenceFile.id == file_id, EvidenceFile.declaration_id == d.id)
        )
        if file is None:
            raise NotFound("文件不存在", code="file_not_found")
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
    _require_enterprise(principal)
    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        d = await access.load_declaration(session, principal, declaration_id, for_update=True)
        done = completion_of(d)
        if d.origin == "candidate":
            if not principal.forerunner_verified:
                raise Forbidden("请先完成领跑者企业身份认证", code="forerunner_auth_required")
            if d.evidence_count == 0:
                raise Conflict(
                    "请先上传证明资料", code="declaration_incomplete", details={"missing": ["证明资料"]}
                )
        elif d.comparison_verdict == "failed":
            raise Conflict("对标失败，不能提交申报", code="comparison_failed")
        elif not done.complete:
            raise Conflict(
                f"信息完成度 {done.text}，请先补充：{'、'.join(done.missing())}",
                code="declaration_incomplete",
                details={"completion": done.text, "missing": done.missing()},
            )
        await _snapshot(session, d, principal)
        await move(session, d, actor=Actor.ENTERPRISE, action=Action.SUBMIT, now=now, principal=principal)
    return d


# ---------------------------------------------------------------- reviews


async def review(
    runtime: Runtime, principal: Principal, declaration_id: uuid.UUID, *, actor: Actor, decision: Action,
    opinion: str | None,
) -> Declaration:  # fmt: skip
    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        d = await access.load_declaration(session, principal, declaration_id, for_update=True)
        await move(
            session,
            d,
            actor=actor,
            action=decision,
            now=now,
            principal=principal,
            opinion=opinion,
            notice_days=runtime.settings.notice_days,  # type: ignore[attr-defined]
        )
    return d


async def reviews_of(runtime: Runtime, principal: Principal, declaration_id: uuid.UUID) -> list[Review]:
    async with runtime.db.session() as session:
        d = await access.load_declaration(session, principal, declaration_id)
        return list(
            (
                await session.scalars(
                    select(Review).where(Review.declaration_id == d.id).order_by(Review.seq)
                )
            ).all()
        )


# ---------------------------------------------------------------- list page


def _status(value: str | None, enum: type, field: str) -> Any:
    if value in (None, ""):
        return None
    for member in enum:
        if value in (member.value, member.label):
            return member
    raise Invalid(f"{field} 取值不正确", code="invalid_filter", details={"field": field})


async def list_declarations(
    runtime: Runtime, principal: Principal, *, year: int | None, field: str | None, standard_no: str | None,
    enterprise_name: str | None, list_status: str | None, evidence_status: str | None, page: dict[str, Any],
    origin: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    if origin == "candidate":
        # 证明资料上传 (the agency-listed standards) opens after 领跑者企业身份认证 (seed)
        require_forerunner_verified(principal)
    ls = _status(list_status, ListStatus, "list_status")
    es = _status(evidence_status, EvidenceStatus, "evidence_status")
    query = access.scope(select(Declaration), principal)
    if year is not None:
        query = query.where(Declaration.year == year)
    if field:
        query = query.where(Declaration.field == field)
    number, name = (standard_no or "").strip().upper(), (enterprise_name or "").strip()
    needed: list[str] = []
    if number:
        needed += search.required(search.STANDARD_NO, number)
        query = query.where(Declaration.standard_no.ilike(f"%{_like(number)}%"))
    if name:
        needed += search.required(search.ENTERPRISE_NAME, name)
        query = query.where(Declaration.enterprise_name.ilike(f"%{_like(name)}%"))
    if needed:
        # an index lookup for terms of any length (pg_trgm has nothing for one or two characters)
        query = query.where(Declaration.search_grams.contains(needed))
    if ls is not None:
        query = query.where(Declaration.list_status == ls)
    if es is not None:
        query = query.where(Declaration.evidence_status == es)
    if origin is not None:
        query = query.where(Declaration.origin == origin)
    count_key = (
        principal.org_type, None if principal.org_type == "working_group" else principal.org_id, year, field,
        number, name, ls, es, origin,
    )  # fmt: skip
    known = _LARGE_COUNTS.get(count_key)
    # plain rows of the listed columns, not ORM objects: nothing on this page is changed or lazily loaded, and
    # building 20 tracked instances was a tenth of the request's CPU
    ordered = (
        query.with_only_columns(*LIST_COLUMNS)
        .order_by(Declaration.created_at.desc(), Declaration.id.desc())
        .offset(page["offset"])
        .limit(page["page_size"])
    )
    async with runtime.db.read_session() as session:
        if known is not None:
            rows = list((await session.execute(ordered)).all())
            total = known
        else:
            # counting stops past COUNT_CAP: a working group's "10,000+" costs what 10,000 index entries cost,
            # not all 100,000 rows on every page turn (QUALITY 18)
            capped = query.with_only_columns(Declaration.id).order_by(None).limit(COUNT_CAP + 1)
            count = select(func.count()).select_from(capped.subquery()).correlate(None)
            # the count rides along with the page as an uncorrelated subquery (computed once): one round trip
            rows = list(
                (await session.execute(ordered.add_columns(count.scalar_subquery().label("total")))).all()
            )
            if rows:
                total = int(rows[0].total)
            elif page["offset"] == 0:
                total = 0
            else:  # a page past the end: the total still says how many there are
                total = int(await session.scalar(count) or 0)
            if total >= LARGE_COUNT:
                _LARGE_COUNTS[count_key] = total
        extras = await _row_extras(session, rows, now=await runtime.clock.now()) if rows else _RowExtras()
    items = [
        {
            **row_json(d, principal, seq=page["offset"] + i + 1),
            "agency_name": extras.agency_names.get(d.agency_org_id, ""),
            "notice": extras.notices.get(d.id),
        }
        for i, d in enumerate(rows)
    ]
    return {
        "items": items,
        "total": min(total, COUNT_CAP),
        "total_exact": total <= COUNT_CAP,  # false: "10,000+" matching rows
        "page": page["page"],
        "page_size": page["page_size"],
    }


class _RowExtras:
    """What a page of rows shows beyond the declaration's own columns, read in one or two small statements
    for the page's 20 rows: the designated agency's name, and the public notice (公示期 and objections)."""

    def __init__(self) -> None:
        self.agency_names: dict[uuid.UUID | None, str] = {}
        self.notices: dict[uuid.UUID, dict[str, Any]] = {}


async def _row_extras(session: AsyncSession, rows: list[Any], *, now: datetime) -> _RowExtras:
    extras = _RowExtras()
    agencies = {d.agency_org_id for d in rows if d.agency_org_id is not None}
    if agencies:
        extras.agency_names = dict(
            (
                await session.execute(
                    select(Product.agency_org_id, func.max(Product.agency_name))
                    .where(Product.agency_org_id.in_(agencies), Product.agency_name != "")
                    .group_by(Product.agency_org_id)
                )
            ).all()
        )
    in_notice = {d.id: d for d in rows if d.notice_id is not None}
    if in_notice:
        extras.notices = await _notices_of(session, list(in_notice.values()), now=now)
    return extras


async def _notices_of(
    session: AsyncSession, declarations: list[Any], *, now: datetime
) -> dict[uuid.UUID, dict]:
    """The notice block of each declaration that has (or had) one, keyed by declaration id."""
    notices = {
        n.id: n
        for n in await session.scalars(
            select(Notice).where(Notice.id.in_({d.notice_id for d in declarations}))
        )
    }
    counts: dict[uuid.UUID, tuple[int, int]] = {
        declaration_id: (int(total), int(still_open or 0))
        for declaration_id, total, still_open in (
            await session.execute(
                select(
                    Objection.declaration_id,
                    func.count(),
                    func.count().filter(Objection.status == "open"),
                )
                .where(Objection.declaration_id.in_([d.id for d in declarations]))
                .group_by(Objection.declaration_id)
            )
        ).all()
    }
    out = {}
    for d in declarations:
        n = notices.get(d.notice_id)
        if n is not None:
            total, still_open = counts.get(d.id, (0, 0))
            out[d.id] = notice_json(
                n,
                now=now,
                list_status=ListStatus(d.list_status),
                objections=total,
                open_objections=still_open,
            )
    return out


def notice_json(
    n: Notice, *, now: datetime, list_status: ListStatus, objections: int, open_objections: int
) -> dict[str, Any]:
    """The 14-day notice as people need to see it: when it started and ends, how many days are left, how many
    objections were raised and whether an open one holds publication."""
    running = n.closed_at is None and n.ends_at > now
    held = list_status is ListStatus.IN_NOTICE and open_objections > 0
    return {
        "notice_id": n.id,
        "starts_at": n.starts_at,
        "ends_at": n.ends_at,
        "closed_at": n.closed_at,
        "running": running,
        # a part of a day counts as a day: "剩余 1 天" until the last second
        "days_left": max(0, math.ceil((n.ends_at - now).total_seconds() / 86400)) if running else 0,
        "objections": objections,
        "open_objections": open_objections,
        "held": held,
        "state_label": (
            "异议处理中，暂缓发布"
            if held and not running
            else "公示中（有待处理异议）"
            if held
            else "公示中"
            if running
            else "公示期满"
        ),
    }


COUNT_CAP = 10_000
# Counting a thousand or more rows costs milliseconds on every page turn of the working group and the
# agencies, yet such a total moves by a few rows an hour: it is kept for LARGE_COUNT_SECONDS per audience
# and filter set (in this process). Smaller totals are counted afresh each time, so a queue of a few
# declarations is always exact the moment one of them moves.
LARGE_COUNT = 1_000
LARGE_COUNT_SECONDS = 5
_LARGE_COUNTS: TTLCache[tuple[Any, ...], int] = TTLCache(maxsize=4096, ttl=LARGE_COUNT_SECONDS)

# the list's rows never show the documents (values, comparison, enterprise snapshot) nor the search grams:
# not read for the 20 rows of a page
LIST_COLUMNS = tuple(
    c for c in Declaration.__table__.c
    if c.key not in ("public_values", "comparison", "enterprise_snapshot", "search_grams")
)  # fmt: skip


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def actions_for(d: Declaration | Row[Any], principal: Principal) -> list[str]:
    state = (ListStatus(d.list_status), EvidenceStatus(d.evidence_status))
    acts: list[str] = []
    if principal.org_type == "enterprise":
        if editable_by_enterprise(state[0]):
            acts.append("edit")
        if deletable(state) and d.origin == "self" and d.submitted_at is None:
            acts.append("delete")
        if state[0] is ListStatus.PUBLISHED:
            acts.append("append_model")
    elif (
        principal.org_type == "agency" and state[0] in (ListStatus.WITH_AGENCY, ListStatus.GROUP_RETURNED)
    ) or (principal.org_type == "working_group" and state[0] is ListStatus.GROUP_REVIEW):
        acts.append("review")
    if d.submitted_at is not None:
        acts.append("reviews")
    return acts


EVIDENCE_UPLOADED_LABEL = "已上传，待提交"


def evidence_label(d: Declaration | Row[Any], done: Completion) -> str:
    """证明材料状态 as shown: before the first submission the state says 未上传 even when files are there;
    the list then says they are uploaded and wait for 提交审核, so completion and status never disagree."""
    status = EvidenceStatus(d.evidence_status)
    if status is EvidenceStatus.NONE and done.evidence:
        return EVIDENCE_UPLOADED_LABEL
    return status.label


def row_json(d: Declaration | Row[Any], principal: Principal, *, seq: int) -> dict[str, Any]:
    done = completion_of(d)
    return {
        "seq": seq,
        "id": d.id,
        "year": d.year,
        "field": d.field,
        "product_name": d.product_name,
        "enterprise_name": d.enterprise_name,
        "standard_no": d.standard_no,
        "standard_name": d.standard_name,
        "completion": done.text,
        "created_at": d.created_at,
        "list_status": d.list_status.value,
        "list_status_label": ListStatus(d.list_status).label,
        "evidence_status": d.evidence_status.value,
        "evidence_status_label": evidence_label(d, done),
        "origin": d.origin,
        "actions": actions_for(d, principal),
    }


async def detail(runtime: Runtime, principal: Principal, declaration_id: uuid.UUID) -> dict[str, Any]:
    # read outside a transaction, the declaration with its product and enterprise in one statement: three
    # round trips instead of seven (QUALITY 22)
    async with runtime.db.read_session() as session:
        found = (
            await session.execute(
                access.scope(select(Declaration, Product, Enterprise), principal)
                .where(Declaration.id == declaration_id)
                .outerjoin(Product, Product.product_id == Declaration.product_id)
                .outerjoin(Enterprise, Enterprise.org_id == Declaration.org_id)
            )
        ).first()
        if found is None:
            raise access.not_found()
        d, product, enterprise = found
        models = (
            await session.scalars(
                select(ProductModel)
                .where(ProductModel.declaration_id == d.id)
                .order_by(ProductModel.appended, ProductModel.position, ProductModel.created_at)
            )
        ).all()
        files = (
            await session.scalars(
                select(EvidenceFile)
                .where(EvidenceFile.declaration_id == d.id)
                .order_by(EvidenceFile.created_at)
            )
        ).all()
        notice = (
            (await _notices_of(session, [d], now=await runtime.clock.now())).get(d.id)
            if d.notice_id
            else None
        )
    done = completion_of(d)
    current = None
    if enterprise is not None:
        current = {
            "name": enterprise.name,
            "nature": enterprise.nature,
            "contact_name": enterprise.contact_name,
            "credit_code": enterprise.credit_code,
            "region_code": enterprise.region_code,
            "phone_masked": enterprise.phone_masked,
            "email": enterprise.email,
            "address": enterprise.address,
        }
    return {
        **row_json(d, principal, seq=1),
        "product_id": d.product_id,
        "product_type": d.product_type,
        "product_type_label": "服务类" if d.product_type == "service" else "产品类",
        "agency_org_id": d.agency_org_id,
        "agency_name": product.agency_name if product else "",
        "group_standard": product.group_standard if product else "",
        "public_values": d.public_values,
        "comparison": d.comparison,
        "comparison_verdict": d.comparison_verdict,
        "plan_version": d.plan_version,
        "completion_detail": {
            "declaration_info": done.declaration_info,
            "product_info": done.product_info,
            "evidence": done.evidence,
        },
        "models": [model_json(m) for m in models],
        "evidence": [evidence_json(runtime, f) for f in files],
        "enterprise": current,  # the live block with its "去修改" link in the portal
        "enterprise_snapshot": d.enterprise_snapshot,  # as it was when submitted
        "submitted_at": d.submitted_at,
        "published_at": d.published_at,
        "notice_id": d.notice_id,
        "notice": notice,
    }


def model_json(m: ProductModel) -> dict[str, Any]:
    return {
        "model_id": m.id,
        "name": m.name,
        "spec": m.spec,
        "intro": m.intro,
        "appended": m.appended,
        "picture_count": len(m.picture_keys or []),
        "created_at": m.created_at,
    }


# ---------------------------------------------------------------- appended models


async def append_model(
    runtime: Runtime, principal: Principal, declaration_id: uuid.UUID, *, name: str, spec: str, intro: str,
    pictures: list[CheckedFile],
) -> ProductModel:  # fmt: skip
    _require_enterprise(principal)
    now = await runtime.clock.now()
    async with runtime.db.session() as session:
        d = await access.load_declaration(session, principal, declaration_id)
        if d.list_status is not ListStatus.PUBLISHED:
            raise Conflict("领跑者榜单发布后才能追加规格/型号", code="not_published")
        if await session.scalar(
            select(ProductModel.id).where(
                ProductModel.declaration_id == d.id, ProductModel.name == name, ProductModel.spec == spec
            )
        ):
            raise Conflict("该规格/型号已存在", code="model_duplicate")
    model_id = uuid.uuid4()
    keys = []
    for picture in pictures:
        key = new_key(f"models/{model_id}", ".jpg" if picture.kind == "jpeg" else ".png")
        await files.put(runtime, MODELS_BUCKET, key, picture.data, content_type=picture.content_type)
        keys.append(key)
    async with runtime.db.transaction() as session:
        d = await access.load_declaration(session, principal, declaration_id, for_update=True)
        position = int(
            await session.scalar(select(func.count()).where(ProductModel.declaration_id == d.id)) or 0
        )
        model = ProductModel(
            id=model_id,
            declaration_id=d.id,
            name=name,
            spec=spec,
            intro=intro,
            picture_keys=keys,
            appended=True,
            position=position,
            created_at=now,
        )
        session.add(model)
        d.model_count += 1
        d.updated_at = now
        await emit(
            session,
            "declaration.model_appended",
            DeclarationModelAppended(
                declaration_id=d.id,
                org_id=d.org_id,
                model=DeclarationModel(model_id=model.id, name=name, spec=spec, intro=intro),
                picture_keys=keys,
            ),
        )
    return model


# ---------------------------------------------------------------- public notice, objections, publication


async def public_notices(runtime: Runtime, *, page: dict[str, Any]) -> dict[str, Any]:
    now = await runtime.clock.now()
    async with runtime.db.session() as session:
        base = (
            select(Notice, Declaration)
            .join(Declaration, Declaration.notice_id == Notice.id)
            .where(
                Notice.closed_at.is_(None),
                Notice.ends_at > now,
                Declaration.list_status == ListStatus.IN_NOTICE,
            )
        )
        total = await session.scalar(select(func.count()).select_from(base.subquery()))
        rows = (
            await session.execute(
                base.order_by(Notice.starts_at.desc(), Notice.id)
                .offset(page["offset"])
                .limit(page["page_size"])
            )
        ).all()
        blocks = await _notices_of(session, [d for _, d in rows], now=now)
    items = [
        {
            "notice_id": n.id,
            "declaration_id": d.id,
            "year": n.year,
            "product_name": n.product_name,
            "field": d.field,
            "enterprise_name": (d.enterprise_snapshot or {}).get("name") or d.enterprise_name,
            "standard_no": d.standard_no,
            "standard_name": d.standard_name,
            "starts_at": n.starts_at,
            "ends_at": n.ends_at,
            # how many objections were raised and whether one is still open: anyone may see that the notice
            # is contested (not by whom)
            **{
                key: blocks[d.id][key]
                for key in ("days_left", "objections", "open_objections", "held", "state_label")
            },
        }
        for n, d in rows
    ]
    return {"items": items, "total": int(total or 0), "page": page["page"], "page_size": page["page_size"]}


async def raise_objection(
    runtime: Runtime, notice_id: uuid.UUID, *, declaration_id: uuid.UUID | None, name: str, phone: str,
    reason: str,
) -> Objection:  # fmt: skip
    from kit.phones import mask

    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        notice = await session.get(Notice, notice_id, with_for_update=True)
        if notice is None:
            raise NotFound("公示不存在", code="notice_not_found")
        if notice.closed_at is not None or notice.ends_at <= now:
            raise Conflict("公示期已结束，不再受理异议", code="notice_ended")
        query = select(Declaration).where(
            Declaration.notice_id == notice.id, Declaration.list_status == ListStatus.IN_NOTICE
        )
        if declaration_id is not None:
            query = query.where(Declaration.id == declaration_id)
        declarations = (await session.scalars(query)).all()
        if len(declarations) != 1:
            raise NotFound("公示中没有该企业标准", code="declaration_not_in_notice")
        d = declarations[0]
        objection = Objection(
            id=uuid.uuid4(),
            notice_id=notice.id,
            declaration_id=d.id,
            name=name,
            phone_sealed=runtime.sealer.seal(phone),
            phone_masked=mask(phone),
            reason=reason,
            status="open",
            created_at=now,
        )
        session.add(objection)
        session.add(
            Review(
                id=uuid.uuid4(),
                declaration_id=d.id,
                actor_role="public",
                actor_name=name,
                actor_ip=actor_ip.get(),
                action="objection",
                list_from=d.list_status.value,
                list_to=d.list_status.value,
                evidence_from=d.evidence_status.value,
                evidence_to=d.evidence_status.value,
                opinion=reason,
                at=now,
            )
        )
    return objection


async def list_objections(runtime: Runtime, *, status: str | None, page: dict[str, Any]) -> dict[str, Any]:
    query = select(Objection, Declaration).join(Declaration, Declaration.id == Objection.declaration_id)
    if status:
        if status not in ("open", "dismissed", "upheld"):
            raise Invalid("status 取值不正确", code="invalid_filter")
        query = query.where(Objection.status == status)
    async with runtime.db.session() as session:
        total = await session.scalar(select(func.count()).select_from(query.subquery()))
        rows = (
            await session.execute(
                query.order_by(Objection.created_at.desc(), Objection.id)
                .offset(page["offset"])
                .limit(page["page_size"])
            )
        ).all()
    return {
        "items": [
            {
                "id": o.id,
                "notice_id": o.notice_id,
                "declaration_id": o.declaration_id,
                "enterprise_name": d.enterprise_name,
                "standard_no": d.standard_no,
                "name": o.name,
                "phone_masked": o.phone_masked,
                "reason": o.reason,
                "status": o.status,
                "resolution": o.resolution,
                "created_at": o.created_at,
                "resolved_at": o.resolved_at,
            }
            for o, d in rows
        ],
        "total": int(total or 0),
        "page": page["page"],
        "page_size": page["page_size"],
    }


async def resolve_objection(
    runtime: Runtime, principal: Principal, objection_id: uuid.UUID, *, uphold: bool, opinion: str
) -> Objection:
    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        objection = await session.get(Objection, objection_id, with_for_update=True)
        if objection is None:
            raise NotFound("异议不存在", code="objection_not_found")
        if objection.status != "open":
            raise Conflict("该异议已处理", code="objection_resolved")
        d = await session.get(Declaration, objection.declaration_id, with_for_update=True)
        assert d is not None
        objection.status = "upheld" if uphold else "dismissed"
        objection.resolution = opinion
        objection.resolved_at = now
        if uphold:
            # the other objections against the same notice entry are moot once one is upheld
            await session.execute(
                update(Objection)
                .where(
                    Objection.declaration_id == d.id,
                    Objection.notice_id == objection.notice_id,
                    Objection.status == "open",
                )
                .values(status="upheld", resolution=opinion, resolved_at=now)
            )
            await move(
                session,
                d,
                actor=Actor.WORKING_GROUP,
                action=Action.UPHOLD_OBJECTION,
                now=now,
                principal=principal,
                opinion=opinion,
            )
        else:
            await session.flush()
            notice = await session.get(Notice, objection.notice_id)
            held = (
                d.list_status is ListStatus.IN_NOTICE
                and notice is not None
                and notice.ends_at <= now
                and await open_objections(session, d) == 0
            )
            if held:  # the notice already ended: the last objection dismissed releases publication
                await move(
                    session,
                    d,
                    actor=Actor.WORKING_GROUP,
                    action=Action.PUBLISH,
                    now=now,
                    principal=principal,
                    opinion=opinion,
                )
    return objection


async def expire_notices_once(runtime: Runtime) -> int:
    """Close every notice whose stored deadline passed: publish its declarations unless an objection
    holds them. Idempotent: a closed notice is never touched again; rows are claimed with SKIP LOCKED
    so two pollers (replicas) never close the same notice twice."""
    now = await runtime.clock.now()
    closed = 0
    while True:
        async with runtime.db.transaction() as session:
            notice = await session.scalar(
                select(Notice)
                .where(Notice.closed_at.is_(None), Notice.ends_at <= now)
                .order_by(Notice.ends_at)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if notice is None:
                return closed
            declarations = (
                await session.scalars(
                    select(Declaration)
                    .where(
                        Declaration.notice_id == notice.id, Declaration.list_status == ListStatus.IN_NOTICE
                    )
                    .with_for_update()
                )
            ).all()
            held = []
            for d in declarations:
                if await open_objections(session, d):
                    held.append(d.id)
                    continue
                await move(session, d, actor=Actor.SYSTEM, action=Action.PUBLISH, now=now)
            notice.closed_at = now
            await emit(
                session,
                "notice.closed",
                NoticeClosed(
                    notice_id=notice.id,
                    year=notice.year,
                    product_id=notice.product_id,
                    declaration_ids=[d.id for d in declarations],
                    starts_at=notice.starts_at,
                    ends_at=notice.ends_at,
                    held_declaration_ids=held,
                ),
            )
            closed += 1


async def published_list(
    runtime: Runtime, *, year: int | None, field: str | None, q: str | None, page: dict[str, Any]
) -> dict[str, Any]:
    query = select(Declaration).where(Declaration.list_status == ListStatus.PUBLISHED)
    if year is not None:
        query = query.where(Declaration.year == year)
    if field:
        query = query.where(Declaration.field == field)
    if q and q.strip():
        pattern = f"%{_like(q.strip())}%"
        query = query.where(
            or_(Declaration.enterprise_name.ilike(pattern), Declaration.standard_no.ilike(pattern))
        )
    async with runtime.db.session() as session:
        total = await session.scalar(select(func.count()).select_from(query.subquery()))
        rows = (
            await session.scalars(
                query.order_by(Declaration.published_at.desc(), Declaration.id)
                .offset(page["offset"])
                .limit(page["page_size"])
            )
        ).all()
        years = list(
            await session.scalars(
                select(Declaration.year)
                .where(Declaration.list_status == ListStatus.PUBLISHED)
                .group_by(Declaration.year)
                .order_by(Declaration.year.desc())
            )
        )
        ids = [d.id for d in rows]
        models = (
            (await session.scalars(
                select(ProductModel).where(ProductModel.declaration_id.in_(ids))
                .order_by(ProductModel.position, ProductModel.created_at)
            )).all() if ids else []
        )  # fmt: skip
        products = {
            p.product_id: p
            for p in (
                await session.scalars(
                    select(Product).where(Product.product_id.in_({d.product_id for d in rows}))
                )
            ).all()
        }
    by_decl: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for m in models:
        by_decl.setdefault(m.declaration_id, []).append({"model_id": m.id, "name": m.name, "spec": m.spec})
    items = [
        {
            "declaration_id": d.id,
            "year": d.year,
            "field": d.field,
            "product_name": d.product_name,
            "enterprise_name": (d.enterprise_snapshot or {}).get("name") or d.enterprise_name,
            "standard_no": d.standard_no,
            "standard_name": d.standard_name,
            "agency_name": products[d.product_id].agency_name if d.product_id in products else "",
            "published_at": d.published_at,
            "models": by_decl.get(d.id, []),
        }
        for d in rows
    ]
    return {
        "items": items,
        "total": int(total or 0),
        "page": page["page"],
        "page_size": page["page_size"],
        # the years that have a published list, newest first: the page opens on the latest one and offers
        # only these (a new year has no list until its first notice ends)
        "years": years,
    }


async def list_notices(runtime: Runtime, *, state: str | None, page: dict[str, Any]) -> dict[str, Any]:
    """The working group's view of notices: running, ended, and the declarations an objection holds."""
    now = await runtime.clock.now()
    # per declaration: an objection names the standard it is against, and holds that one only
    open_objections_sq = (
        select(func.count())
        .where(Objection.declaration_id == Declaration.id, Objection.status == "open")
        .correlate(Declaration)
        .scalar_subquery()
    )
    objections_sq = (
        select(func.count())
        .where(Objection.declaration_id == Declaration.id)
        .correlate(Declaration)
        .scalar_subquery()
    )
    query = select(
        Notice, Declaration, open_objections_sq.label("open_objections"), objections_sq.label("objections")
    ).join(Declaration, Declaration.notice_id == Notice.id)
    if state == "running":
        query = query.where(Notice.closed_at.is_(None), Notice.ends_at > now)
    elif state == "ended":
        query = query.where(or_(Notice.closed_at.is_not(None), Notice.ends_at <= now))
    elif state == "held":
        query = query.where(Declaration.list_status == ListStatus.IN_NOTICE, Notice.ends_at <= now)
    elif state:
        raise Invalid(
            "state 取值不正确（running、ended、held）", code="invalid_filter", details={"field": "state"}
        )
    async with runtime.db.session() as session:
        total = await session.scalar(select(func.count()).select_from(query.subquery()))
        rows = (
            await session.execute(
                query.order_by(Notice.starts_at.desc(), Notice.id)
                .offset(page["offset"])
                .limit(page["page_size"])
            )
        ).all()
    items = [
        {
            "notice_id": n.id,
            "year": n.year,
            "product_name": n.product_name,
            "declaration_id": d.id,
            "enterprise_name": d.enterprise_name,
            "standard_no": d.standard_no,
            "list_status": d.list_status.value,
            "list_status_label": ListStatus(d.list_status).label,
            **notice_json(
                n,
                now=now,
                list_status=ListStatus(d.list_status),
                objections=int(total or 0),
                open_objections=int(open_count or 0),
            ),
        }
        for n, d, open_count, total in rows
    ]
    return {"items": items, "total": int(total or 0), "page": page["page"], "page_size": page["page_size"]}
