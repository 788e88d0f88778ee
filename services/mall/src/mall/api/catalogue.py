"""The public mall (领跑者供需对接平台): categories, search, product pages and pictures. No login needed."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import httpx
from fastapi import APIRouter, Depends, Header, Query, Response
from kit.paging import Page, PageDep
from kit.runtime import Runtime
from kit.security import OptionalPrincipal
from kit.web import QueryText, RuntimeDep

from mall.api.schemas import (
    INDICATORS,
    BrandOut,
    CatalogueItem,
    CataloguePage,
    CategoryField,
    PictureOut,
    ProductDetail,
    VerifyLink,
)
from mall.config import settings_of
from mall.domain.search import MAX_QUERY_CHARS, CatalogueQuery
from mall.domain.statuses import Source
from mall.service import brand_logos, catalogue, pictures

router = APIRouter(prefix="/api/mall", tags=["商城"])


@router.get("/categories", response_model=Page[CategoryField], operation_id="mall_categories")
async def categories(runtime: RuntimeDep, page: PageDep, include_empty: bool = False) -> Page[CategoryField]:
    """Fields (领域), paged, each with its key-field products and their numbers of listed products."""
    fields = await catalogue.categories(runtime, include_empty=include_empty)
    return Page[CategoryField].of_all(fields, page)


@router.get("/products", response_model=CataloguePage, operation_id="mall_search_products")
async def search_products(
    runtime: RuntimeDep,
    page: PageDep,
    category: Annotated[QueryText, Query(max_length=100, description="领域")] = None,
    product_id: Annotated[uuid.UUID | None, Query(description="重点领域产品")] = None,
    star: Annotated[int | None, Query(ge=1, le=5)] = None,
    brand: Annotated[QueryText, Query(max_length=100)] = None,
    region: Annotated[QueryText, Query(max_length=12, description="行政区划代码（GB/T 2260）")] = None,
    q: Annotated[QueryText, Query(max_length=MAX_QUERY_CHARS, description="关键词，支持中文")] = None,
    sort: Literal["latest", "oldest", "star", "name"] = "latest",
) -> Response:
    query = CatalogueQuery(
        category=category or None,
        product_id=product_id,
        star=star,
        brand=brand or None,
        region=region or None,
        q=(q or "").strip() or None,
        sort=sort,
    )
    found = await catalogue.search_catalogue(runtime, query, offset=page.offset, limit=page.limit)
    return CataloguePage.response(
        [CatalogueItem.row(p) for p in found.rows], found.total, page, total_capped=found.capped
    )


def _link(code: str | None) -> VerifyLink | None:
    return VerifyLink(verify_code=code, verify_url=f"/verify/{code}") if code else None


@router.get("/products/{model_id}", response_model=ProductDetail, operation_id="mall_get_product")
async def get_product(model_id: uuid.UUID, runtime: RuntimeDep) -> ProductDetail:
    found = await catalogue.public_product(runtime, model_id)
    p = found.product
    return ProductDetail(
        **CatalogueItem.of(p).model_dump(),
        source_label=Source(p.source).label,
        standard_no=p.standard_no,
        standard_name=p.standard_name,
        group_standard=found.group_standard,
        plan_version=found.plan_version,
        introduction=p.introduction,
        pictures=[PictureOut.of(x) for x in found.pictures],
        brand=BrandOut.of(found.brand) if found.brand else None,
        indicators=INDICATORS.validate_python(found.indicators),
        certificate=_link(found.certificate_verify_code),
        label=_link(p.label_verify_code),
    )


@router.get(
    "/pictures/{picture_id}",
    operation_id="mall_get_picture",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}, 304: {"description": "未修改"}},
)
async def get_picture(
    picture_id: uuid.UUID,
    runtime: RuntimeDep,
    principal: OptionalPrincipal,
    size: Literal["full", "thumb"] = "full",
    if_none_match: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """A listed product's picture for anyone; an unlisted product's only for its own enterprise."""
    viewer = principal.org_id if principal is not None else None
    found = await pictures.picture_file(
        runtime, picture_id, thumb=size == "thumb", viewer_org=viewer, if_none_match=if_none_match
    )
    return _image_response(runtime, etag=found.etag, public=found.public, data=found.data,
                           content_type=found.content_type)  # fmt: skip


def _image_response(
    runtime: Runtime, *, etag: str, public: bool, data: bytes | None, content_type: str
) -> Response:
    """A picture or logo: cached publicly only while anyone may see it; ``data`` None is the client's copy (304)."""
    headers = {
        "ETag": etag,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": (
            f"public, max-age={settings_of(runtime).mall_picture_cache_seconds}"
            if public
            else "private, no-cache"
        ),
        "Vary": "Authorization",
    }
    if data is None:
        return Response(status_code=304, headers=headers)
    return Response(content=data, media_type=content_type, headers=headers)


async def auth_transport() -> httpx.AsyncBaseTransport | None:
    """How the mall reaches auth's internal routes: the network (None); tests put a transport here."""
    return None


@router.get(
    "/brands/{brand_id}/logo",
    operation_id="mall_get_brand_logo",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}, 304: {"description": "未修改"}},
)
async def get_brand_logo(
    brand_id: uuid.UUID,
    runtime: RuntimeDep,
    principal: OptionalPrincipal,
    transport: Annotated[httpx.AsyncBaseTransport | None, Depends(auth_transport)],
    if_none_match: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """品牌 Logo（PNG）：有上架产品使用该品牌时公开；否则仅品牌所属企业可见。"""
    viewer = principal.org_id if principal is not None else None
    found = await brand_logos.brand_logo(
        runtime, brand_id, viewer_org=viewer, if_none_match=if_none_match, transport=transport
    )
    return _image_response(
        runtime, etag=found.etag, public=found.public, data=found.data, content_type="image/png"
    )
