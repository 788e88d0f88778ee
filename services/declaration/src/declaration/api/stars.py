"""Routes of star-product self-declarations (自我声明星级产品)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from kit.paging import Page, PageDep
from kit.security import CurrentPrincipal

from declaration.api.deps import Authorization, ComparisonDep, RuntimeDep
from declaration.api.schemas import StarBenchmarkIn, StarBenchmarkOut, StarCreate, StarOut, StarPatch
from declaration.service import stars

router = APIRouter(prefix="/api/declarations/star-products", tags=["declarations"])


@router.get("", operation_id="list_star_products", summary="自我声明产品")
async def list_star_products(
    runtime: RuntimeDep, principal: CurrentPrincipal, page: PageDep
) -> Page[StarOut]:
    items, total = await stars.list_for(runtime, principal, page=page)
    return Page[StarOut].of(items, total, page)


@router.post("", status_code=201, operation_id="create_star_product", summary="新增自我声明产品")
async def create_star_product(runtime: RuntimeDep, principal: CurrentPrincipal, body: StarCreate) -> StarOut:
    item = await stars.create(
        runtime, principal, product_id=body.product_id, name=body.name, model=body.model, star=body.star
    )
    return StarOut.model_validate(stars.star_json(item))


@router.get("/{star_id}", operation_id="get_star_product", summary="自我声明产品详情")
async def get_star_product(runtime: RuntimeDep, principal: CurrentPrincipal, star_id: uuid.UUID) -> StarOut:
    return StarOut.model_validate(stars.star_json(await stars.get(runtime, principal, star_id)))


@router.patch("/{star_id}", operation_id="update_star_product", summary="修改自我声明产品/产品信息")
async def update_star_product(
    runtime: RuntimeDep, principal: CurrentPrincipal, star_id: uuid.UUID, body: StarPatch
) -> StarOut:
    item = await stars.update(
        runtime, principal, star_id, name=body.name, model=body.model, star=body.star, intro=body.intro
    )
    return StarOut.model_validate(stars.star_json(item))


@router.post("/{star_id}/benchmark", operation_id="benchmark_star_product", summary="星级对标")
async def benchmark_star_product(
    runtime: RuntimeDep, comparison: ComparisonDep, principal: CurrentPrincipal, star_id: uuid.UUID,
    body: StarBenchmarkIn, authorization: Authorization = None,
) -> StarBenchmarkOut:  # fmt: skip
    item = await stars.benchmark(
        runtime,
        principal,
        star_id,
        values=body.values,
        star=body.star,
        authorization=authorization,
        comparison=comparison,
    )
    return StarBenchmarkOut.model_validate(
        {**stars.star_json(item), "may_continue": item.comparison_verdict == "passed"}
    )


@router.post("/{star_id}/submit", operation_id="submit_star_product", summary="提交自我声明")
async def submit_star_product(
    runtime: RuntimeDep, principal: CurrentPrincipal, star_id: uuid.UUID
) -> StarOut:
    return StarOut.model_validate(stars.star_json(await stars.submit(runtime, principal, star_id)))
