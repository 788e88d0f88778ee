"""``GET /api/dev/sms``: messages kept by the ``capture`` SMS provider. Mounted only under that provider
(development and tests), so the route does not exist anywhere a real SMS vendor is configured."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from kit.sms import CaptureSms

from auth.api.deps import CtxDep
from auth.api.schemas import Phone

router = APIRouter(prefix="/api/dev", tags=["开发调试"])


@router.get("/sms", operation_id="dev_captured_sms")
async def captured_sms(phone: Annotated[Phone, Query()], ctx: CtxDep) -> list[dict]:
    """发送到该手机号的短信（最新在前）。"""
    return await CaptureSms(ctx.redis).messages(phone)
