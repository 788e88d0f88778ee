"""The mall's own tables: a read model of eligible products fed by events, and the promotion material
(introduction, pictures, brand, listing state) the enterprise edits here."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from kit.db import new_metadata
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """This service's own metadata: services share no tables."""

    metadata = new_metadata()


class Enterprise(Base):
    """What the mall shows of an enterprise (from enterprise.registered/updated)."""

    __tablename__ = "enterprises"
    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False, default="")
    credit_code: Mapped[str | None] = mapped_column(Text)
    region_code: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class Brand(Base):
    """An enterprise's brand (from enterprise.brand_changed); promotion material picks one of them."""

    __tablename__ = "brands"
    brand_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False, index=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    story: Mapped[str] = mapped_column(Text, nullable=False, default="")
    logo_key: Mapped[str | None] = mapped_column(Text)
    deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class Category(Base):
    """A key-field product (重点领域产品) and its field (领域): the mall's categories."""

    __tablename__ = "categories"
    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    code: Mapped[str] = mapped_column(Text, nullable=False, default="")
    name: Mapped[str] = mapped_column(Text, nullable=False)
    field: Mapped[str] = mapped_column(Text, nullable=False)
    year: Mapped[int | None] = mapped_column(Integer)
    product_type: Mapped[str] = mapped_column(Text, nullable=False, default="product")


class Plan(Base):
    """The latest final assessment plan of a key-field product: its core indicators for product pages."""

    __tablename__ = "plans"
    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    plan_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    group_standard: Mapped[str] = mapped_column(Text, nullable=False, default="")
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False, default=list)


class Certificate(Base):
    """Certificates of forerunner declarations, for the verification link and for automatic unlisting."""

    __tablename__ = "certificates"
    certificate_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    declaration_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    org_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    number: Mapped[str | None] = mapped_column(Text)
    verify_code: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, nullable=False, default="valid")  # valid | revoked | expired
    model_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), nullable=False, default=list
    )
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class Product(Base):
    """One product model eligible for the mall, with its promotion material and listing state.
    The id is the model id of the declaration (or the star product id), so every service names it alike."""

    __tablename__ = "products"
    model_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False, index=True)
    source: Mapped[str] = mapped_column(Text, nullable=False)  # forerunner | star
    declaration_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    star_product_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    product_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))  # key-field product
    product_name: Mapped[str] = mapped_column(Text, nullable=False, default="")
    field: Mapped[str] = mapped_column(Text, nullable=False, default="")
    name: Mapped[str] = mapped_column(Text, nullable=False, default="")
    model: Mapped[str] = mapped_column(Text, nullable=False, default="")
    star: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    standard_no: Mapped[str | None] = mapped_column(Text)
    standard_name: Mapped[str | None] = mapped_column(Text)
    plan_version: Mapped[int | None] = mapped_column(Integer)
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False, default=list)
    enterprise_name: Mapped[str] = mapped_column(Text, nullable=False, default="")
    region_code: Mapped[str | None] = mapped_column(Text)

    introduction: Mapped[str] = mapped_column(Text, nullable=False, default="")
    has_introduction: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    brand_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    brand_name: Mapped[str | None] = mapped_column(Text)
    picture_count: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=0)
    cover_picture_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))

    status: Mapped[str] = mapped_column(
        Text, nullable=False, default="unlisted"
    )  # unlisted | listed | withdrawn
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    listed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completion_announced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The model's own label (领跑者标识 or 星级标识), from label.issued: the star products' verify link.
    label_verify_code: Mapped[str | None] = mapped_column(Text)

    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    search_grams: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )

    __table_args__ = (
        CheckConstraint("star BETWEEN 1 AND 5", name="star_range"),
        CheckConstraint("status IN ('unlisted', 'listed', 'withdrawn')", name="status_known"),
        CheckConstraint("source IN ('forerunner', 'star')", name="source_known"),
        # Only listed products are searched: the partial index is smaller and implies the status filter.
        Index(
            "ix_products_search_grams",
            "search_grams",
            postgresql_using="gin",
            postgresql_where=text("status = 'listed'"),
        ),
        # The public catalogue reads only listed rows, newest first; partial indexes keep them small.
        Index(
            "ix_products_listed_latest",
            text("listed_at DESC"),
            "model_id",
            postgresql_where=text("status = 'listed'"),
        ),
        Index(
            "ix_products_listed_category",
            "product_id",
            text("listed_at DESC"),
            postgresql_where=text("status = 'listed'"),
        ),
        # Filters of the catalogue (领域, 星级, 品牌, 行政区划), so a filtered count never reads the wide rows.
        Index(
            "ix_products_listed_field",
            "field",
            text("listed_at DESC"),
            postgresql_where=text("status = 'listed'"),
        ),
        Index(
            "ix_products_listed_star",
            "star",
            text("listed_at DESC"),
            postgresql_where=text("status = 'listed'"),
        ),
        Index("ix_products_listed_brand", "brand_name", postgresql_where=text("status = 'listed'")),
        Index("ix_products_listed_region", "region_code", postgresql_where=text("status = 'listed'")),
        # A brand's logo is public while a listed product shows the brand (GET /api/mall/brands/{id}/logo).
        Index("ix_products_listed_brand_id", "brand_id", postgresql_where=text("status = 'listed'")),
    )


class Picture(Base):
    __tablename__ = "pictures"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    model_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("products.model_id", ondelete="CASCADE"), nullable=False, index=True
    )
    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False, default="product")  # product | intro
    position: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=0)
    key: Mapped[str] = mapped_column(Text, nullable=False)
    thumb_key: Mapped[str] = mapped_column(Text, nullable=False)
    content_type: Mapped[str] = mapped_column(Text, nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    thumb_size: Mapped[int] = mapped_column(Integer, nullable=False)
    etag: Mapped[str] = mapped_column(Text, nullable=False)
    original_name: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )

    __table_args__ = (CheckConstraint("kind IN ('product', 'intro')", name="kind_known"),)
