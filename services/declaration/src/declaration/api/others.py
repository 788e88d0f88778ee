"""Routes of candidate lists (agency), public notices and objections, the published list, and
star-product self-declarations. Mounted before the ``/{declaration_id}`` routes."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Header, Request, UploadFile
from fastapi.responses import Response
from kit.downloads import content_disposition
from kit.errors import Forbidden, Invalid
from kit.phones import is_mobile
from kit.ratelimit import enforce
from kit.security import CurrentPrincipal, Principal, WorkingGroupPrincipal
from kit.uploads import read_limited
from kit.web import client_ip

from declaration import candidates, service, stars
from declaration.api.declarations import Text, Year
from declaration.api.paging import PageDep, RuntimeDep
from declaration.api.schemas import ObjectionIn, PhoneIn, ResolutionIn, StarBenchmarkIn, StarCreate, StarPatch

router = APIRouter(prefix="/api/declarations", tags=["declarations"])
Authorization = Annotated[str | None, Header(include_in_schema=False)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _agency_or_group(principal: Principal) -> Principal:
    if principal.org_type not in ("agency", "working_group"):
        raise Forbidden("仅评估机构或工作组可以操作入围名单", code="agency_only")
    return principal


# ---------------------------------------------------------------- candidate lists (入围名单)


@router.get("/candidate-lists/template", operation_id="candidate_template", summary="下载入围名单 Excel 模板")
async def candidate_template(
    runtime: RuntimeDep, principal: CurrentPrincipal, product_id: uuid.UUID
) -> Response:
    data, name = await candidates.template(runtime, _agency_or_group(principal), product_id)
    return Response(data, media_type=XLSX, headers={"Content-Disposition": content_disposition(name)})


@router.post("/candidate-lists", status_code=201, operation_id="import_candidates", summary="导入入围名单")
async def import_candidates(
    runtime: RuntimeDep, principal: CurrentPrincipal, product_id: Annotated[uuid.UUID, Form()],
    file: UploadFile = File(...),
) -> dict[str, Any]:  # fmt: skip
    """Excel (the template), CSV or JSON. Every bad cell is reported with row and column; nothing is
    stored unless every row is good."""
    if principal.org_type != "agency":
        raise Forbidden("仅评估机构可以导入入围名单", code="agency_only")
    data = await read_limited(file, runtime.settings.candidate_file_max_bytes, what="入围名单文件")  # type: ignore[attr-defined]
    return await candidates.import_list(
        runtime, principal, product_id, data=data, filename=file.filename or ""
    )


@router.get("/candidate-lists", operation_id="list_candidates", summary="入围名单")
async def list_candidates(
    runtime: RuntimeDep, principal: CurrentPrincipal, page: PageDep, product_id: uuid.UUID | None = None
) -> dict[str, Any]:
    return await candidates.list_candidates(
        runtime, _agency_or_group(principal), product_id=product_id, page=page
    )


@router.patch("/candidate-lists/candidates/{candidate_id}", operation_id="change_candidate_phone",
              summary="修改入围名单联系电话")  # fmt: skip
async def change_candidate_phone(
    runtime: RuntimeDep, principal: CurrentPrincipal, candidate_id: uuid.UUID, body: PhoneIn
) -> dict[str, Any]:
    if principal.org_type != "agency":
        raise Forbidden("仅评估机构可以修改入围名单", code="agency_only")
    return await candidates.change_phone(runtime, principal, candidate_id, phone=body.contact_phone)


@router.delete("/candidate-lists/candidates/{candidate_id}", status_code=204, operation_id="remove_candidate")
async def remove_candidate(
    runtime: RuntimeDep, principal: CurrentPrincipal, candidate_id: uuid.UUID
) -> Response:
    if principal.org_type != "agency":
        raise Forbidden("仅评估机构可以修改入围名单", code="agency_only")
    await candidates.remove(runtime, principal, candidate_id)
    return Response(status_code=204)


# ---------------------------------------------------------------- public


@router.get("/public/forerunners", operation_id="public_forerunners", summary="领跑者榜单（公开）")
async def public_forerunners(
    runtime: RuntimeDep, page: PageDep, year: Year = None, field: Text = None, q: Text = None
) -> dict[str, Any]:
    return await service.published_list(runtime, year=year, field=field, q=q, page=page)


@router.get("/public/notices", operation_id="public_notices", summary="公示中的企业标准（公开）")
async def public_notices(runtime: RuntimeDep, page: PageDep) -> dict[str, Any]:
    return await service.public_notices(runtime, page=page)


@router.post("/public/notices/{notice_id}/objections", status_code=201, operation_id="raise_objection",
             summary="对公示提出异议（公开）")  # fmt: skip
async def raise_objection(
    request: Request, runtime: RuntimeDep, notice_id: uuid.UUID, body: ObjectionIn
) -> dict[str, Any]:
    await enforce(
        runtime.redis,
        f"{runtime.settings.bus_namespace}:decl:objection:{client_ip(request)}",
        limit=runtime.settings.objection_limit_per_hour,
        window_seconds=3600,  # type: ignore[attr-defined]
        message="提交异议过于频繁，请稍后再试",
    )
    if not is_mobile(body.phone):
        raise Invalid("联系电话应为 11 位手机号", code="invalid_phone", details={"field": "phone"})
    objection = await service.raise_objection(
        runtime,
        notice_id,
        declaration_id=body.declaration_id,
        name=body.name,
        phone=body.phone,
        reason=body.reason,
    )
    return {"id": objection.id, "status": objection.status, "created_at": objection.created_at}


# ---------------------------------------------------------------- objections (working group)


@router.get("/notices", operation_id="list_notices", summary="公示（工作组）：进行中、已结束、因异议暂缓发布")
async def list_notices(
    runtime: RuntimeDep, _: WorkingGroupPrincipal, page: PageDep, state: Text = None
) -> dict[str, Any]:
    return await service.list_notices(runtime, state=state, page=page)


@router.get("/objections", operation_id="list_objections", summary="公示异议（工作组）")
async def list_objections(
    runtime: RuntimeDep, _: WorkingGroupPrincipal, page: PageDep, status: Text = None
) -> dict[str, Any]:
    return await service.list_objections(runtime, status=status, page=page)


@router.post(
    "/objections/{objection_id}/resolution", operation_id="resolve_objection", summary="处理异议（工作组）"
)
async def resolve_objection(
    runtime: RuntimeDep, principal: WorkingGroupPrincipal, objection_id: uuid.UUID, body: ResolutionIn
) -> dict[str, Any]:
    o = await service.resolve_objection(
        runtime, principal, objection_id, uphold=body.uphold, opinion=body.opinion
    )
    return {"id": o.id, "status": o.status, "resolution": o.resolution, "resolved_at": o.resolved_at}


# ---------------------------------------------------------------- star products (自我声明星级产品)


@router.get("/star-products", operation_id="list_star_products", summary="自我声明产品")
async def list_star_products(
    runtime: RuntimeDep, principal: CurrentPrincipal, page: PageDep
) -> dict[str, Any]:
    return await stars.list_for(runtime, principal, page=page)


@router.post(
    "/star-products", status_code=201, operation_id="create_star_product", summary="新增自我声明产品"
)
async def create_star_product(
    runtime: RuntimeDep, principal: CurrentPrincipal, body: StarCreate
) -> dict[str, Any]:
    item = await stars.create(
        runtime, principal, product_id=body.product_id, name=body.name, model=body.model, star=body.star
    )
    return stars.star_json(item)


@router.get("/star-products/{star_id}", operation_id="get_star_product")
async def get_star_product(
    runtime: RuntimeDep, principal: CurrentPrincipal, star_id: uuid.UUID
) -> dict[str, Any]:
    from declaration.access import load_star_product

    async with runtime.db.session() as session:
        return stars.star_json(await load_star_product(session, principal, star_id))


@router.patch(
    "/star-products/{star_id}", operation_id="update_star_product", summary="修改自我声明产品/产品信息"
)
async def update_star_product(
    runtime: RuntimeDep, principal: CurrentPrincipal, star_id: uuid.UUID, body: StarPatch
) -> dict[str, Any]:
    item = await stars.update(
        runtime, principal, star_id, name=body.name, model=body.model, star=body.star, intro=body.intro
    )
    return stars.star_json(item)


@router.post("/star-products/{star_id}/benchmark", operation_id="benchmark_star_product", summary="星级对标")
async def benchmark_star_product(
    request: Request, runtime: RuntimeDep, principal: CurrentPrincipal, star_id: uuid.UUID, body: StarBenchmarkIn,
    authorization: Authorization = None,
) -> dict[str, Any]:  # fmt: skip
    item = await stars.benchmark(
        runtime,
        principal,
        star_id,
        values=body.values,
        star=body.star,
        authorization=authorization,
        comparison=request.app.state.comparison,
    )
    return {**stars.star_json(item), "may_continue": item.comparison_verdict == "passed"}


@router.post("/star-products/{star_id}/submit", operation_id="submit_star_product", summary="提交自我声明")
async def submit_star_product(
    runtime: RuntimeDep, principal: CurrentPrincipal, star_id: uuid.UUID
) -> dict[str, Any]:
    return stars.star_json(await stars.submit(runtime, principal, star_id))
