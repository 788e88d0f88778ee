"""Operator routes: organisations and accounts of agencies, the working group and operators; the audit log."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status
from kit.paging import PageDep
from kit.security import OperatorPrincipal

from auth.api.deps import CtxDep, IpDep
from auth.api.schemas import AuditPage, OrganisationCreatedOut, OrganisationIn, OrganisationPage
from auth.domain.statuses import AuditAction, OrgType
from auth.errors import EnterpriseSelfRegisters
from auth.service import audit, organisations

router = APIRouter(prefix="/api/auth", tags=["运营管理"])


@router.post(
    "/organisations",
    status_code=status.HTTP_201_CREATED,
    response_model=OrganisationCreatedOut,
    operation_id="auth_create_organisation",
)
async def create_organisation(
    body: OrganisationIn, operator: OperatorPrincipal, ctx: CtxDep, ip: IpDep
) -> dict:
    """开通评估机构、工作组或运营人员账号；初始密码以短信发送至联系人手机，首次登录须修改。"""
    if body.org_type is OrgType.enterprise:
        raise EnterpriseSelfRegisters("企业账号由企业自行注册")
    return await organisations.create(
        ctx,
        operator,
        org_type=body.org_type,
        name=body.name,
        contact_name=body.contact_name,
        contact_phone=body.contact_phone,
        login_name=body.login_name,
        ip=ip,
    )


@router.get("/organisations", response_model=OrganisationPage, operation_id="auth_list_organisations")
async def list_organisations(
    operator: OperatorPrincipal, ctx: CtxDep, page: PageDep, org_type: OrgType | None = None
) -> OrganisationPage:
    items, total = await organisations.list_organisations(
        ctx, org_type=org_type.value if org_type else None, offset=page.offset, limit=page.limit
    )
    return OrganisationPage.of(items, total, page)


@router.get("/audit-log", response_model=AuditPage, operation_id="auth_audit_log")
async def audit_log(
    operator: OperatorPrincipal,
    ctx: CtxDep,
    page: PageDep,
    action: AuditAction | None = None,
    org_id: uuid.UUID | None = None,
) -> AuditPage:
    """审计日志（只追加）：登录、失败、密码修改、审核决定等。"""
    items, total = await audit.entries(
        ctx, action=action, org_id=org_id, offset=page.offset, limit=page.limit
    )
    return AuditPage.of(items, total, page)
