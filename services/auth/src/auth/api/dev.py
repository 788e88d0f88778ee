"""Development and demo routes, never mounted in production:

- ``GET /api/dev/sms``: messages kept by the ``capture`` SMS provider (mounted only under that provider, so
  the route does not exist anywhere a real SMS vendor is configured);
- ``/api/dev/clock``: the platform clock (``LP_CLOCK_ADJUSTABLE``, which production refuses at start-up).
  The offset lives in Redis (``kit.clock``), so moving it here moves every service's time at once: a demo
  or a test reaches the end of a 14-day notice without waiting and without touching Redis by hand."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import structlog
from fastapi import APIRouter, Query
from kit.paging import PageDep
from kit.security import OperatorPrincipal
from kit.sms import CaptureSms

from auth.api.deps import CtxDep
from auth.api.schemas import CapturedSmsPage, ClockAdvanceIn, ClockOut, Phone
from auth.errors import ClockDaysZero
from auth.service.context import AuthContext

log = structlog.get_logger("auth.dev")

router = APIRouter(prefix="/api/dev", tags=["开发调试"])
clock_router = APIRouter(prefix="/api/dev/clock", tags=["开发调试"])


@router.get("/sms", response_model=CapturedSmsPage, operation_id="dev_captured_sms")
async def captured_sms(phone: Annotated[Phone, Query()], ctx: CtxDep, page: PageDep) -> CapturedSmsPage:
    """发送到该手机号的短信（最新在前；开发调试用）。"""
    messages = await CaptureSms(ctx.redis).messages(phone)
    return CapturedSmsPage.of_all(messages, page)


async def _clock_state(ctx: AuthContext) -> dict:
    offset = await ctx.runtime.clock.offset()
    seconds = offset.total_seconds()
    return {
        "now": await ctx.runtime.clock.now(),
        "offset_seconds": seconds,
        "offset_days": round(seconds / 86400, 4),
    }


@clock_router.get("", response_model=ClockOut, operation_id="dev_clock")
async def clock(operator: OperatorPrincipal, ctx: CtxDep) -> dict:
    """平台时钟（仅开发与演示环境）：当前平台时间与相对真实时间的偏移。"""
    return await _clock_state(ctx)


@clock_router.post("/advance", response_model=ClockOut, operation_id="dev_clock_advance")
async def advance_clock(body: ClockAdvanceIn, operator: OperatorPrincipal, ctx: CtxDep) -> dict:
    """将平台时钟前移（或回拨）若干天，所有服务同时生效；用于演示公示期结束等期限。"""
    if body.days == 0:
        raise ClockDaysZero("移动的天数不能为 0")
    await ctx.runtime.clock.advance(timedelta(days=body.days))
    log.warning("platform_clock_moved", days=body.days, by=str(operator.account_id))
    return await _clock_state(ctx)


@clock_router.delete("", response_model=ClockOut, operation_id="dev_clock_reset")
async def reset_clock(operator: OperatorPrincipal, ctx: CtxDep) -> dict:
    """将平台时钟恢复为真实时间。"""
    await ctx.runtime.clock.reset()
    log.warning("platform_clock_reset", by=str(operator.account_id))
    return await _clock_state(ctx)
