"""HTTP routes of the benchmark service (public paths under ``/api/benchmark``). Thin: parse, check the
role, call one use case, shape the answer."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import Response
from kit.paging import Page, PageDep
from kit.security import (
    AgencyPrincipal,
    CurrentPrincipal,
    OrgType,
    Principal,
    WorkingGroupPrincipal,
    require_internal,
    require_org,
)
from kit.uploads import read_limited
from kit.web import QueryText, RuntimeDep

from benchmark import service
from benchmark.api.schemas import (
    AgencyRef,
    CalibrationOut,
    ComparisonOut,
    DesignationIn,
    DesignationNoticeOut,
    FieldOut,
    ForerunnerCompareIn,
    InternalForerunnerCompareIn,
    InternalStarCompareIn,
    PlanIn,
    PlanOut,
    ProductIn,
    ProductOut,
    StarCompareIn,
    WithdrawalIn,
)
from benchmark.config import Settings
from benchmark.domain import ProductType, define_indicators
from benchmark.domain.calibration import enterprise_key
from benchmark.domain.workbook import XLSX_MEDIA_TYPE, build_template, parse_workbook
from benchmark.errors import NotAWorkbook
from benchmark.models import AssessmentPlan, KeyFieldProduct

router = APIRouter(prefix="/api/benchmark", tags=["benchmark"])
internal = APIRouter(
    prefix="/internal/benchmark", dependencies=[Depends(require_internal)], include_in_schema=False
)

PlanReader = Annotated[Principal, Depends(require_org(OrgType.agency, OrgType.working_group))]
FieldFilter = Annotated[QueryText, Query(max_length=50)]
WorkbookFile = Annotated[UploadFile, File(description="由模板填写的 .xlsx 文件")]
XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {XLSX_MEDIA_TYPE: {}}}}


# -- public ----------------------------------------------------------------------------------------


@router.get("/products", operation_id="list_products", summary="重点领域产品（公开）")
async def list_products(
    runtime: RuntimeDep,
    page: PageDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    field: FieldFilter = None,
    open: Annotated[bool | None, Query(description="只看可自主申报（true）或暂不可申报（false）")] = None,
) -> Page[ProductOut]:
    items, total = await service.list_products(
        runtime.db, now=await runtime.clock.now(), year=year, field=field or None, open_only=open, page=page
    )
    return Page[ProductOut].of(items, total, page)


@router.get(
    "/designation-notices", operation_id="list_designation_notices", summary="评估机构确定公示（公开）"
)
async def list_designation_notices(
    runtime: RuntimeDep,
    page: PageDep,
    running: Annotated[bool | None, Query(description="只看公示中（true）或已结束（false）")] = None,
) -> Page[DesignationNoticeOut]:
    items, total = await service.designation_notices(
        runtime.db, now=await runtime.clock.now(), running=running, page=page
    )
    return Page[DesignationNoticeOut].of(items, total, page)


@router.get("/fields", operation_id="list_fields", summary="领域列表（公开，供筛选）")
async def list_fields(runtime: RuntimeDep, page: PageDep) -> Page[FieldOut]:
    items, total = await service.list_fields(runtime.db, page=page)
    return Page[FieldOut].of(items, total, page)


@router.get("/products/{product_id}", operation_id="get_product", summary="重点领域产品详情（公开）")
async def get_product(runtime: RuntimeDep, product_id: uuid.UUID) -> ProductOut:
    view = await service.get_product(runtime.db, product_id=product_id, now=await runtime.clock.now())
    return ProductOut.model_validate(view)


@router.get("/products/{product_id}/plan", operation_id="get_final_plan", summary="评估方案终稿（公开）")
async def get_final_plan(runtime: RuntimeDep, product_id: uuid.UUID) -> PlanOut:
    return PlanOut.model_validate(await service.final_plan(runtime.db, product_id=product_id))


# -- comparison (any signed-in organisation) --------------------------------------------------------


@router.post("/compare/forerunner", operation_id="compare_forerunner", summary="领跑者对标")
async def compare_forerunner(
    runtime: RuntimeDep, principal: CurrentPrincipal, body: ForerunnerCompareIn
) -> ComparisonOut:
    result = await service.compare(
        runtime.db, product_id=body.product_id, values=body.values,
        enterprise_key=_pseudonym(runtime, principal), now=await runtime.clock.now(),
    )  # fmt: skip
    return ComparisonOut.model_validate(result)


@router.post("/compare/star", operation_id="compare_star", summary="星级对标（自我声明 3 星级、4 星级）")
async def compare_star(
    runtime: RuntimeDep, principal: CurrentPrincipal, body: StarCompareIn
) -> ComparisonOut:
    result = await service.compare(
        runtime.db, product_id=body.product_id, values=body.values, star=body.star,
        enterprise_key=_pseudonym(runtime, principal), now=await runtime.clock.now(),
    )  # fmt: skip
    return ComparisonOut.model_validate(result)


def _pseudonym(runtime: RuntimeDep, principal: Principal) -> str | None:
    """An enterprise's comparisons are recorded for the threshold calibrator under this key, never its id;
    agencies and the working group trying a plan out are not recorded."""
    if principal.org_type is not OrgType.enterprise:
        return None
    settings = runtime.settings
    assert isinstance(settings, Settings)
    return enterprise_key(settings.comparison_key_secret, principal.org_id)


@internal.post("/compare/forerunner")
async def internal_compare_forerunner(
    runtime: RuntimeDep, body: InternalForerunnerCompareIn
) -> ComparisonOut:
    result = await service.compare(
        runtime.db, product_id=body.product_id, values=body.values, plan_version=body.plan_version
    )
    return ComparisonOut.model_validate(result)


@internal.post("/compare/star")
async def internal_compare_star(runtime: RuntimeDep, body: InternalStarCompareIn) -> ComparisonOut:
    result = await service.compare(
        runtime.db,
        product_id=body.product_id,
        values=body.values,
        star=body.star,
        plan_version=body.plan_version,
    )
    return ComparisonOut.model_validate(result)


# -- working group: products, designations ---------------------------------------------------------


def _product_input(body: ProductIn) -> service.ProductInput:
    return service.ProductInput(
        code=body.code,
        name=body.name,
        field=body.field,
        year=body.year,
        product_type=ProductType(body.product_type),
    )


@router.post(
    "/products", status_code=201, operation_id="create_product", summary="新增重点领域产品（工作组）"
)
async def create_product(runtime: RuntimeDep, _: WorkingGroupPrincipal, body: ProductIn) -> ProductOut:
    view = await service.create_product(runtime.db, now=await runtime.clock.now(), data=_product_input(body))
    return ProductOut.model_validate(view)


@router.put("/products/{product_id}", operation_id="update_product", summary="修改重点领域产品（工作组）")
async def update_product(
    runtime: RuntimeDep, _: WorkingGroupPrincipal, product_id: uuid.UUID, body: ProductIn
) -> ProductOut:
    view = await service.update_product(
        runtime.db, now=await runtime.clock.now(), product_id=product_id, data=_product_input(body)
    )
    return ProductOut.model_validate(view)


@router.post(
    "/products/{product_id}/designation", status_code=201, operation_id="designate_agency",
    summary="确定评估机构并开始 14 天公示（工作组）",
)  # fmt: skip
async def designate_agency(
    runtime: RuntimeDep, principal: WorkingGroupPrincipal, product_id: uuid.UUID, body: DesignationIn
) -> ProductOut:
    view = await service.designate_agency(
        runtime.db, now=await runtime.clock.now(), actor=principal, product_id=product_id,
        agency_id=body.agency_org_id,
    )  # fmt: skip
    return ProductOut.model_validate(view)


@router.post(
    "/products/{product_id}/designation/withdraw", operation_id="withdraw_designation",
    summary="撤销评估机构确定（工作组）",
)  # fmt: skip
async def withdraw_designation(
    runtime: RuntimeDep, principal: WorkingGroupPrincipal, product_id: uuid.UUID, body: WithdrawalIn
) -> ProductOut:
    """The product closes for self-declaration until another agency is designated; declarations under review
    leave the agency's desk and the agency is told (in-site and SMS)."""
    view = await service.withdraw_designation(
        runtime.db, now=await runtime.clock.now(), actor=principal, product_id=product_id, reason=body.reason,
    )  # fmt: skip
    return ProductOut.model_validate(view)


@router.get("/agencies", operation_id="list_agencies", summary="评估机构列表（工作组）")
async def list_agencies(runtime: RuntimeDep, _: WorkingGroupPrincipal, page: PageDep) -> Page[AgencyRef]:
    items, total = await service.list_agencies(runtime.db, page=page)
    return Page[AgencyRef].of(items, total, page)


# -- agency: plans ---------------------------------------------------------------------------------


@router.get(
    "/agency/products", operation_id="list_agency_products", summary="本机构负责的重点领域产品（评估机构）"
)
async def list_agency_products(
    runtime: RuntimeDep, principal: AgencyPrincipal, page: PageDep
) -> Page[ProductOut]:
    items, total = await service.list_products(
        runtime.db, now=await runtime.clock.now(), year=None, field=None, open_only=None,
        agency_id=principal.org_id, page=page,
    )  # fmt: skip
    return Page[ProductOut].of(items, total, page)


@router.get(
    "/products/{product_id}/plans", operation_id="list_plans", summary="评估方案各版本（评估机构、工作组）"
)
async def list_plans(
    runtime: RuntimeDep, principal: PlanReader, product_id: uuid.UUID, page: PageDep
) -> Page[PlanOut]:
    items, total = await service.list_plans(runtime.db, principal=principal, product_id=product_id, page=page)
    return Page[PlanOut].of(items, total, page)


async def _content_from_json(body: PlanIn, product_type: ProductType) -> service.PlanContent:
    indicators = define_indicators([i.fields() for i in body.indicators], product_type=product_type)
    return service.PlanContent(title=body.title, group_standard=body.group_standard, indicators=indicators)


async def _content_from_workbook(
    runtime: RuntimeDep, file: UploadFile, product_type: ProductType
) -> service.PlanContent:
    settings = runtime.settings
    assert isinstance(settings, Settings)
    data = await read_limited(file, settings.max_workbook_bytes, what="Excel 文件")
    if not data.startswith(b"PK\x03\x04"):  # an .xlsx is a zip package; anything else is refused by content
        raise NotAWorkbook()
    # openpyxl parsing is CPU work: keep it off the event loop
    parsed = await asyncio.to_thread(parse_workbook, data, product_type=product_type)
    return service.PlanContent(
        title=parsed.title, group_standard=parsed.group_standard, indicators=parsed.indicators
    )


async def _product_type(runtime: RuntimeDep, principal: Principal, product_id: uuid.UUID) -> ProductType:
    # ownership first: another agency's product answers 404 whatever the body holds
    product = await service.owned_product(runtime.db, principal=principal, product_id=product_id)
    return ProductType(product.product_type)


@router.post(
    "/products/{product_id}/plans",
    status_code=201,
    operation_id="create_plan",
    summary="新建评估方案草稿（JSON）",
)
async def create_plan(
    runtime: RuntimeDep, principal: AgencyPrincipal, product_id: uuid.UUID, body: PlanIn
) -> PlanOut:
    product_type = await _product_type(runtime, principal, product_id)
    content = await _content_from_json(body, product_type)
    view = await service.create_plan(
        runtime.db, now=await runtime.clock.now(), principal=principal, product_id=product_id, content=content,
        source="json",
    )  # fmt: skip
    return PlanOut.model_validate(view)


@router.post(
    "/products/{product_id}/plans/workbook", status_code=201, operation_id="create_plan_from_workbook",
    summary="上传 Excel 新建评估方案草稿",
)  # fmt: skip
async def create_plan_from_workbook(
    runtime: RuntimeDep, principal: AgencyPrincipal, product_id: uuid.UUID, file: WorkbookFile
) -> PlanOut:
    product_type = await _product_type(runtime, principal, product_id)
    content = await _content_from_workbook(runtime, file, product_type)
    view = await service.create_plan(
        runtime.db, now=await runtime.clock.now(), principal=principal, product_id=product_id, content=content,
        source="workbook",
    )  # fmt: skip
    return PlanOut.model_validate(view)


def _xlsx(data: bytes, filename: str) -> Response:
    return Response(
        content=data, media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f"attachment; filename=\"plan.xlsx\"; filename*=UTF-8''{quote(filename)}"},
    )  # fmt: skip


@router.get(
    "/products/{product_id}/plan-template", operation_id="download_plan_template",
    summary="下载评估方案 Excel 模板（已有方案时预填最新版本）", response_class=Response, responses=XLSX_RESPONSE,
)  # fmt: skip
async def download_plan_template(
    runtime: RuntimeDep, principal: PlanReader, product_id: uuid.UUID
) -> Response:
    product, plan = await service.template_source(runtime.db, principal=principal, product_id=product_id)
    return _xlsx(await _render(product, plan), f"{product.name}评估方案模板.xlsx")


async def _render(product: KeyFieldProduct, plan: AssessmentPlan | None) -> bytes:
    product_type = ProductType(product.product_type)
    indicators = service.plan_indicators(plan, product_type) if plan is not None else ()
    return await asyncio.to_thread(
        build_template, product_name=product.name, title=plan.title if plan else "",
        group_standard=plan.group_standard if plan else "", indicators=indicators,
    )  # fmt: skip


@router.get("/plans/{plan_id}", operation_id="get_plan", summary="评估方案详情（评估机构、工作组）")
async def get_plan(runtime: RuntimeDep, principal: PlanReader, plan_id: uuid.UUID) -> PlanOut:
    return PlanOut.model_validate(await service.get_plan(runtime.db, principal=principal, plan_id=plan_id))


@router.get(
    "/plans/{plan_id}/workbook", operation_id="download_plan_workbook", summary="下载该版本方案的 Excel",
    response_class=Response, responses=XLSX_RESPONSE,
)  # fmt: skip
async def download_plan_workbook(runtime: RuntimeDep, principal: PlanReader, plan_id: uuid.UUID) -> Response:
    plan = await service.get_plan(runtime.db, principal=principal, plan_id=plan_id)
    product, source = await service.template_source(
        runtime.db, principal=principal, product_id=plan["product_id"], plan_id=plan_id
    )
    return _xlsx(await _render(product, source), f"{product.name}评估方案第{plan['version']}版.xlsx")


async def _draft_product_type(runtime: RuntimeDep, principal: Principal, plan_id: uuid.UUID) -> ProductType:
    plan = await service.get_plan(runtime.db, principal=principal, plan_id=plan_id)
    return ProductType(plan["product_type"])


@router.put("/plans/{plan_id}", operation_id="replace_plan", summary="修改评估方案草稿（JSON）")
async def replace_plan(
    runtime: RuntimeDep, principal: AgencyPrincipal, plan_id: uuid.UUID, body: PlanIn
) -> PlanOut:
    content = await _content_from_json(body, await _draft_product_type(runtime, principal, plan_id))
    view = await service.replace_draft(
        runtime.db, now=await runtime.clock.now(), principal=principal, plan_id=plan_id, content=content,
        source="json",
    )  # fmt: skip
    return PlanOut.model_validate(view)


@router.put(
    "/plans/{plan_id}/workbook",
    operation_id="replace_plan_from_workbook",
    summary="上传 Excel 替换评估方案草稿",
)
async def replace_plan_from_workbook(
    runtime: RuntimeDep, principal: AgencyPrincipal, plan_id: uuid.UUID, file: WorkbookFile
) -> PlanOut:
    content = await _content_from_workbook(
        runtime, file, await _draft_product_type(runtime, principal, plan_id)
    )
    view = await service.replace_draft(
        runtime.db, now=await runtime.clock.now(), principal=principal, plan_id=plan_id, content=content,
        source="workbook",
    )  # fmt: skip
    return PlanOut.model_validate(view)


@router.post(
    "/plans/{plan_id}/finalise", operation_id="finalise_plan", summary="上传终稿：将草稿定为终稿（评估机构）"
)
async def finalise_plan(runtime: RuntimeDep, principal: AgencyPrincipal, plan_id: uuid.UUID) -> PlanOut:
    view = await service.finalise_plan(
        runtime.db, now=await runtime.clock.now(), principal=principal, plan_id=plan_id
    )
    return PlanOut.model_validate(view)


# -- agency: the threshold calibrator ----------------------------------------------------------------


@router.get(
    "/plans/{plan_id}/calibration", operation_id="calibrate_plan",
    summary="门槛校准：企业对标数值的分布、当前与拟定门槛的通过比例、领先比例建议（评估机构、工作组）",
)  # fmt: skip
async def calibrate_plan(
    runtime: RuntimeDep,
    principal: PlanReader,
    plan_id: uuid.UUID,
    proposed: Annotated[
        list[str] | None,
        Query(description="拟定门槛，可重复：指标代码:门槛值，如 down_content:92、ph:4.0~8.5、azo_free:是"),
    ] = None,
    top_share: Annotated[
        str | None, Query(max_length=20, description="领先比例，0～1 的小数或百分比（默认 0.2，即前 20%）")
    ] = None,
) -> CalibrationOut:
    """Each enterprise counts once, with its latest value per indicator; nothing of an indicator is shown
    when fewer than 5 enterprises entered values for it (``hidden_reason``)."""
    view = await service.calibration(
        runtime.db, principal=principal, plan_id=plan_id, proposed=proposed or [], top_share=top_share
    )
    return CalibrationOut.model_validate(view)
