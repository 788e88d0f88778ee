"""Request and response bodies of the mall's API."""

from __future__ import annotations

import uuid
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from kit.paging import Page
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from mall.domain.richtext import MAX_INTRODUCTION_CHARS, picture_url
from mall.domain.statuses import ListingAction, ListingStatus, PictureKind, Source, actions_for
from mall.models import Brand, Picture, Product
from mall.service.brand_logos import logo_url
from mall.service.promotion import missing_of


class PromotionIn(BaseModel):
    """Fields left out stay as they are; ``brand_id: null`` clears the brand."""

    model_config = ConfigDict(extra="forbid")
    introduction: str | None = Field(default=None, max_length=MAX_INTRODUCTION_CHARS * 2)
    brand_id: uuid.UUID | None = None


class PictureOrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    picture_ids: list[uuid.UUID] = Field(max_length=20)


class PictureOut(BaseModel):
    id: uuid.UUID
    kind: PictureKind
    position: int
    url: str
    thumb_url: str
    width: int
    height: int
    size: int
    content_type: str

    @classmethod
    def of(cls, p: Picture) -> PictureOut:
        return cls(
            id=p.id,
            kind=PictureKind(p.kind),
            position=p.position,
            url=picture_url(p.id),
            thumb_url=picture_url(p.id, thumb=True),
            width=p.width,
            height=p.height,
            size=p.size,
            content_type=p.content_type,
        )


class BrandOut(BaseModel):
    id: uuid.UUID
    name: str
    story: str
    has_logo: bool
    logo_url: str | None  # public while a listed product shows the brand; its enterprise always

    @classmethod
    def of(cls, b: Brand) -> BrandOut:
        return cls(
            id=b.brand_id,
            name=b.name,
            story=b.story,
            has_logo=bool(b.logo_key),
            logo_url=logo_url(b.brand_id) if b.logo_key else None,
        )


class MissingItem(BaseModel):
    code: str
    label: str


class PromotionSummary(BaseModel):
    model_id: uuid.UUID
    source: Source
    source_label: str
    star: int
    product_id: uuid.UUID | None
    product_name: str
    field: str
    name: str
    model: str
    standard_no: str | None
    status: ListingStatus
    status_label: str
    actions: list[ListingAction] = Field(description="企业此时可执行的上架/下架操作（来自状态转换表）")
    withdrawn_reason: str | None
    complete: bool
    missing: list[MissingItem]
    picture_count: int
    brand_id: uuid.UUID | None
    brand_name: str | None
    listed_at: datetime | None
    updated_at: datetime

    @classmethod
    def of(cls, p: Product) -> PromotionSummary:
        missing = missing_of(p)
        status = ListingStatus(p.status)
        return cls(
            model_id=p.model_id,
            source=Source(p.source),
            source_label=Source(p.source).label,
            star=p.star,
            product_id=p.product_id,
            product_name=p.product_name,
            field=p.field,
            name=p.name,
            model=p.model,
            standard_no=p.standard_no,
            status=status,
            status_label=status.label,
            actions=actions_for(status),
            withdrawn_reason=p.withdrawn_reason,
            complete=not missing,
            missing=[MissingItem(code=m.value, label=m.label) for m in missing],
            picture_count=p.picture_count,
            brand_id=p.brand_id,
            brand_name=p.brand_name,
            listed_at=p.listed_at,
            updated_at=p.updated_at,
        )


class PromotionOut(PromotionSummary):
    introduction: str
    pictures: list[PictureOut]
    intro_pictures: list[PictureOut]
    brands: list[BrandOut]  # the enterprise's brands to choose from


class CatalogueItem(BaseModel):
    id: uuid.UUID
    source: Source
    star: int
    product_id: uuid.UUID | None
    product_name: str
    field: str
    name: str
    model: str
    enterprise_name: str
    region_code: str | None
    brand_name: str | None
    cover_url: str | None
    cover_thumb_url: str | None
    listed_at: datetime | None

    @classmethod
    def of(cls, p: Product | SimpleNamespace) -> CatalogueItem:
        return cls.model_validate(cls.row(p))

    @staticmethod
    def row(p: Product | SimpleNamespace) -> dict[str, Any]:
        """The item as the plain values ``CataloguePage.response`` renders (the search's hot path)."""
        cover = p.cover_picture_id
        return {
            "id": p.model_id,
            "source": Source(p.source).value,
            "star": p.star,
            "product_id": p.product_id,
            "product_name": p.product_name,
            "field": p.field,
            "name": p.name,
            "model": p.model,
            "enterprise_name": p.enterprise_name,
            "region_code": p.region_code,
            "brand_name": p.brand_name,
            "cover_url": picture_url(cover) if cover else None,
            "cover_thumb_url": picture_url(cover, thumb=True) if cover else None,
            "listed_at": p.listed_at,
        }


class CataloguePage(Page[CatalogueItem]):
    total_capped: bool = Field(description="匹配结果多于 total 条（仅统计到上限）")


class CategoryProduct(BaseModel):
    product_id: uuid.UUID
    code: str
    name: str
    year: int | None
    count: int


class CategoryField(BaseModel):
    field: str
    count: int
    products: list[CategoryProduct]


class VerifyLink(BaseModel):
    verify_code: str
    verify_url: str


class IntervalOut(BaseModel):
    """A closed interval threshold (在区间内), bounds inclusive, as decimal strings."""

    min: str
    max: str


class StarResultOut(BaseModel):
    """A star product's own measured result of a core indicator."""

    code: str | None
    name: str | None
    unit: str | None
    value: str | bool | None = Field(description="实测值（十进制字符串或等级）或 是/否")
    star_reached: int | None
    passed: bool | None


class PlanIndicatorOut(BaseModel):
    """A core indicator of the final assessment plan, with the forerunner level (forerunner products)."""

    code: str | None
    name: str | None
    unit: str | None
    direction: str | None
    forerunner: IntervalOut | str | bool | None = Field(description="领跑者门槛：数值、等级、是/否，或区间")


Indicators = list[StarResultOut] | list[PlanIndicatorOut]
INDICATORS: TypeAdapter[Indicators] = TypeAdapter(Indicators)


class ProductDetail(CatalogueItem):
    source_label: str
    standard_no: str | None
    standard_name: str | None
    group_standard: str | None
    plan_version: int | None
    introduction: str
    pictures: list[PictureOut]
    brand: BrandOut | None
    indicators: Indicators
    certificate: VerifyLink | None  # the forerunner certificate's public verification page
    label: VerifyLink | None  # the model's own label (forerunner or star)
