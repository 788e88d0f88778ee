"""企业信息: 基本信息, logo and 品牌信息 (enterprise accounts only)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile, status
from kit.paging import PageDep
from kit.security import EnterprisePrincipal
from kit.uploads import check_upload

from auth.api.deps import CtxDep, IpDep
from auth.api.schemas import (
    BrandOut,
    BrandPage,
    EnterpriseIn,
    EnterpriseOut,
    OptionPage,
    PhoneChangeIn,
    PhoneCodeIn,
    SmsCodeOut,
    Text,
)
from auth.domain.statuses import EnterpriseNature
from auth.service import enterprise

router = APIRouter(prefix="/api/auth", tags=["企业信息"])

BrandName = Annotated[Annotated[str, Text(1, 100)], Form()]
BrandStory = Annotated[Annotated[str, Text(0, 5000)], Form()]
LogoFile = Annotated[UploadFile | None, File(description="PNG，不超过 2 MB，建议 500×500 透明底")]


@router.get("/enterprise/natures", response_model=OptionPage, operation_id="auth_enterprise_natures")
async def natures(page: PageDep) -> OptionPage:
    """企业性质的可选值（公开）。"""
    natures = [{"value": n.value, "label": n.label} for n in EnterpriseNature]
    return OptionPage.of_all(natures, page)


@router.get("/enterprise", response_model=EnterpriseOut, operation_id="auth_get_enterprise")
async def get_enterprise(principal: EnterprisePrincipal, ctx: CtxDep) -> dict:
    return await enterprise.get_profile(ctx, principal)


@router.put("/enterprise", response_model=EnterpriseOut, operation_id="auth_update_enterprise")
async def update_enterprise(
    body: EnterpriseIn, principal: EnterprisePrincipal, ctx: CtxDep, ip: IpDep
) -> dict:
    data = body.model_dump(
        include={"name", "credit_code", "nature", "contact_name", "region_code", "phone", "email", "address"}
    )
    if data["nature"] is not None:
        data["nature"] = data["nature"].value
    return await enterprise.update_profile(ctx, principal, data=data, ip=ip)


@router.post(
    "/enterprise/phone/sms-code",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SmsCodeOut,
    operation_id="auth_enterprise_phone_code",
)
async def phone_code(body: PhoneCodeIn, principal: EnterprisePrincipal, ctx: CtxDep, ip: IpDep) -> dict:
    """修改联系电话第一步：向新手机号发送验证码。"""
    return {"resend_after": await enterprise.request_phone_code(ctx, principal, phone=body.phone, ip=ip)}


@router.post("/enterprise/phone", response_model=EnterpriseOut, operation_id="auth_change_enterprise_phone")
async def change_phone(body: PhoneChangeIn, principal: EnterprisePrincipal, ctx: CtxDep, ip: IpDep) -> dict:
    """修改联系电话（即预留手机号）：须当前密码与新手机号收到的验证码；原手机号收到短信通知，其他登录设备下线。"""
    return await enterprise.change_phone(
        ctx,
        principal,
        current_password=body.current_password,
        new_phone=body.new_phone,
        sms_code=body.sms_code,
        ip=ip,
    )


async def _logo(ctx, upload: UploadFile | None):
    if upload is None:
        return None
    return await check_upload(upload, allowed={"png"}, max_bytes=ctx.settings.logo_max_bytes, what="Logo")


@router.put("/enterprise/logo", status_code=status.HTTP_204_NO_CONTENT, operation_id="auth_set_logo")
async def set_logo(
    file: Annotated[UploadFile, File(description="PNG，不超过 2 MB")],
    principal: EnterprisePrincipal,
    ctx: CtxDep,
    ip: IpDep,
) -> Response:
    checked = await _logo(ctx, file)
    await enterprise.set_logo(ctx, principal, checked, ip=ip)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/enterprise/logo",
    operation_id="auth_get_logo",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
async def get_logo(principal: EnterprisePrincipal, ctx: CtxDep) -> Response:
    data = await enterprise.logo(ctx, principal)
    return Response(data, media_type="image/png", headers={"Cache-Control": "private, max-age=60"})


@router.get("/enterprise/brands", response_model=BrandPage, operation_id="auth_list_brands")
async def list_brands(principal: EnterprisePrincipal, ctx: CtxDep, page: PageDep) -> BrandPage:
    items, total = await enterprise.list_brands(ctx, principal, offset=page.offset, limit=page.limit)
    return BrandPage.of(items, total, page)


@router.post(
    "/enterprise/brands",
    status_code=status.HTTP_201_CREATED,
    response_model=BrandOut,
    operation_id="auth_create_brand",
)
async def create_brand(
    name: BrandName,
    principal: EnterprisePrincipal,
    ctx: CtxDep,
    ip: IpDep,
    story: BrandStory = "",
    logo: LogoFile = None,
) -> dict:
    checked = await _logo(ctx, logo)
    return await enterprise.save_brand(
        ctx, principal, brand_id=None, name=name, story=story, logo_file=checked, ip=ip
    )


@router.put("/enterprise/brands/{brand_id}", response_model=BrandOut, operation_id="auth_update_brand")
async def update_brand(
    brand_id: uuid.UUID,
    name: BrandName,
    principal: EnterprisePrincipal,
    ctx: CtxDep,
    ip: IpDep,
    story: BrandStory = "",
    logo: LogoFile = None,
) -> dict:
    """修改品牌；不上传 logo 时保留原 logo。"""
    checked = await _logo(ctx, logo)
    return await enterprise.save_brand(
        ctx, principal, brand_id=brand_id, name=name, story=story, logo_file=checked, ip=ip
    )


@router.delete(
    "/enterprise/brands/{brand_id}", status_code=status.HTTP_204_NO_CONTENT, operation_id="auth_delete_brand"
)
async def delete_brand(
    brand_id: uuid.UUID, principal: EnterprisePrincipal, ctx: CtxDep, ip: IpDep
) -> Response:
    await enterprise.delete_brand(ctx, principal, brand_id, ip=ip)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/enterprise/brands/{brand_id}/logo",
    operation_id="auth_get_brand_logo",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
async def get_brand_logo(brand_id: uuid.UUID, principal: EnterprisePrincipal, ctx: CtxDep) -> Response:
    data = await enterprise.logo(ctx, principal, brand_id)
    return Response(data, media_type="image/png", headers={"Cache-Control": "private, max-age=60"})
