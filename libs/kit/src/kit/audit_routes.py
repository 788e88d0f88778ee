"""The audit chain's two routes, the same in every service that chains its audit rows (kit.audit_chain):

- ``GET {prefix}/audit/heads``: anonymous, paged: the daily heads of the service's chains, newest day first,
  so that anyone can keep a copy and later show that history was rewritten;
- ``GET {prefix}/audit/verify``: operators only: every chain walked now, the first broken link or OK."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import Table, func, select

from kit import audit_chain
from kit.audit_chain import AuditBreakKind, ChainReport, ChainSpec
from kit.paging import Page, PageDep
from kit.runtime import Runtime
from kit.security import OperatorPrincipal
from kit.web import QueryText


class AuditHeadOut(BaseModel):
    chain: str = Field(description="链名：本服务中被串成哈希链的审计表")
    day: date = Field(description="北京时间的日期（按平台时钟）")
    seq: int = Field(description="当日记录时链上最后一行的链序号（0 表示链尚为空）")
    row_hash: str = Field(description="该行的 SHA-256 链哈希（十六进制）")
    recorded_at: datetime


class AuditHeadPage(Page[AuditHeadOut]):
    service: str = Field(description="发布这些链头的服务")


class AuditBreakOut(BaseModel):
    kind: AuditBreakKind
    row_id: str | None = Field(description="断在哪一行（主键）；链被截短时为 null")
    seq: int | None = Field(description="断点的链序号")
    message: str


class AuditChainOut(BaseModel):
    chain: str
    table: str
    ok: bool
    rows: int = Field(description="校验通过的已入链行数")
    unchained: int = Field(description="尚未入链的行数")
    head_seq: int
    head_hash: str
    heads_checked: int = Field(description="对照过的已公布链头数")
    broken: AuditBreakOut | None = Field(description="第一个断点；完好时为 null")


class AuditVerificationOut(BaseModel):
    service: str
    ok: bool
    checked_at: datetime
    chains: list[AuditChainOut]


def chain_out(report: ChainReport) -> AuditChainOut:
    broken = report.broken
    return AuditChainOut(
        chain=report.chain,
        table=report.table,
        ok=report.ok,
        rows=report.rows,
        unchained=report.unchained,
        head_seq=report.head_seq,
        head_hash=report.head_hash,
        heads_checked=report.heads_checked,
        broken=None
        if broken is None
        else AuditBreakOut(kind=broken.kind, row_id=broken.row_id, seq=broken.seq, message=broken.message),
    )


def audit_router(
    *, prefix: str, service: str, specs: Sequence[ChainSpec], heads: Table, operation_prefix: str
) -> APIRouter:
    router = APIRouter(prefix=prefix, tags=["审计链"])

    @router.get("/audit/heads", response_model=AuditHeadPage, operation_id=f"{operation_prefix}_audit_heads")
    async def audit_heads(
        request: Request,
        page: PageDep,
        chain: Annotated[QueryText, Query(max_length=64, description="只看这条链（链名）")] = None,
    ) -> AuditHeadPage:
        """公开（无需登录）：本服务各审计链每日的链头（日期、链序号、哈希）。保存一份，日后即可证明历史记录未被改写。"""
        runtime: Runtime = request.app.state.runtime
        stmt = select(heads)
        if chain is not None:
            stmt = stmt.where(heads.c.chain == chain)
        async with runtime.db.read_session() as session:
            total = int(
                (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
            )
            rows = (
                await session.execute(
                    stmt.order_by(heads.c.day.desc(), heads.c.chain).offset(page.offset).limit(page.limit)
                )
            ).mappings()
            items = [AuditHeadOut.model_validate(dict(r)) for r in rows]
        return AuditHeadPage.of(items, total, page, service=service)

    @router.get(
        "/audit/verify",
        response_model=AuditVerificationOut,
        operation_id=f"{operation_prefix}_audit_verify",
    )
    async def audit_verify(request: Request, operator: OperatorPrincipal) -> AuditVerificationOut:
        """运营人员：逐行校验本服务的审计哈希链（含已公布的链头），报告第一个断点或“完好”及行数。"""
        runtime: Runtime = request.app.state.runtime
        bound = timedelta(seconds=runtime.settings.audit_unchained_seconds)
        reports = await audit_chain.verify_all(runtime.db, specs, heads, unchained_bound=bound)
        chains = [chain_out(r) for r in reports]
        return AuditVerificationOut(
            service=service,
            ok=all(c.ok for c in chains),
            checked_at=await runtime.clock.now(),
            chains=chains,
        )

    return router
