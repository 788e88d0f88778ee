"""Product pictures (1-5, the first is the cover) and pictures embedded in the introduction."""

from __future__ import annotations

import asyncio
import hashlib
import io
import uuid
from dataclasses import dataclass

from fastapi import UploadFile
from kit import storage
from kit.runtime import Runtime
from kit.uploads import check_upload, encode_image
from PIL import Image

from mall import repository
from mall.config import BUCKET, settings_of
from mall.domain.statuses import ListingStatus, PictureKind
from mall.errors import ImageUnprocessable, PictureLimitReached, PictureNotFound, PictureOrderInvalid
from mall.models import Picture
from mall.service.promotion import (
    announce_if_complete,
    apply_introduction,
    own_product,
    refuse_incomplete_while_listed,
)

STORE_AWAY = "图片存储暂时不可用，请稍后再试"


def _thumbnail(data: bytes, kind: str, size: int) -> bytes:
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        thumb = img.copy()
    thumb.thumbnail((size, size))
    return encode_image(thumb, kind, quality=85, optimize=True)


async def add_picture(
    runtime: Runtime, org_id: uuid.UUID, model_id: uuid.UUID, upload: UploadFile, *, kind: PictureKind
) -> Picture:
    settings = settings_of(runtime)
    # Ownership first: a stranger learns nothing about the file checks of another enterprise's model.
    async with runtime.db.session() as session:
        await own_product(session, org_id, model_id)
    checked = await check_upload(
        upload,
        allowed={"png", "jpeg"},
        max_bytes=settings.mall_picture_max_bytes,
        what="产品图片",
        max_pixels=settings.mall_picture_max_pixels,
    )
    try:
        thumb = await asyncio.to_thread(_thumbnail, checked.data, checked.kind, settings.mall_thumbnail_px)
    except (OSError, ValueError) as exc:  # a pixel format Pillow decodes but cannot scale or write back
        raise ImageUnprocessable() from exc
    suffix = ".jpg" if checked.kind == "jpeg" else ".png"
    key, thumb_key = (
        storage.new_key(f"pictures/{model_id}", suffix),
        storage.new_key(f"thumbs/{model_id}", suffix),
    )
    now = await runtime.clock.now()
    written: list[str] = []
    try:
        async with runtime.db.transaction() as session:
            product = await own_product(session, org_id, model_id, lock=True)
            limit = (
                settings.mall_pictures_max
                if kind is PictureKind.PRODUCT
                else settings.mall_intro_pictures_max
            )
            count = await repository.count_pictures(session, model_id, kind)
            if count >= limit:
                raise PictureLimitReached(
                    f"{kind.label}最多 {limit} 张，请先删除不需要的图片", details={"max": limit}
                )
            picture = Picture(
                id=uuid.uuid4(),
                model_id=model_id,
                org_id=org_id,
                kind=kind.value,
                position=count,
                key=key,
                thumb_key=thumb_key,
                content_type=checked.content_type,
                width=checked.width or 0,
                height=checked.height or 0,
                size=len(checked.data),
                thumb_size=len(thumb),
                etag=hashlib.sha256(checked.data).hexdigest()[:32],
                original_name=(upload.filename or "")[:200] or None,
            )
            session.add(picture)
            # The objects are written while the row lock is held, so the count cannot be raced past 5;
            # a commit failure afterwards leaves objects without a row, removed below.
            for object_key, data in ((key, checked.data), (thumb_key, thumb)):
                await storage.store(
                    runtime.storage,
                    BUCKET,
                    object_key,
                    data,
                    content_type=checked.content_type,
                    message=STORE_AWAY,
                )
                written.append(object_key)
            if kind is PictureKind.PRODUCT:
                product.picture_count = count + 1
                if product.cover_picture_id is None:
                    product.cover_picture_id = picture.id
            product.updated_at = now
            await announce_if_complete(session, product, now)
    except BaseException:
        await storage.discard(runtime.storage, BUCKET, written)
        raise
    return picture


async def delete_picture(
    runtime: Runtime, org_id: uuid.UUID, model_id: uuid.UUID, picture_id: uuid.UUID
) -> None:
    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        product = await own_product(session, org_id, model_id, lock=True)
        picture = await repository.product_picture(session, model_id, picture_id)
        if picture is None:
            raise PictureNotFound()
        await session.delete(picture)
        await session.flush()
        if picture.kind == PictureKind.PRODUCT:
            remaining = await repository.pictures(session, model_id, PictureKind.PRODUCT)
            for position, p in enumerate(remaining):
                p.position = position
            product.picture_count = len(remaining)
            product.cover_picture_id = remaining[0].id if remaining else None
        else:
            # The introduction may show this picture: sanitising again against the remaining pictures
            # removes the dead <img>.
            await apply_introduction(session, product, product.introduction)
        refuse_incomplete_while_listed(product)
        product.updated_at = now
        keys = [picture.key, picture.thumb_key]
    await storage.discard(runtime.storage, BUCKET, keys)


async def reorder_pictures(
    runtime: Runtime, org_id: uuid.UUID, model_id: uuid.UUID, picture_ids: list[uuid.UUID]
) -> list[Picture]:
    async with runtime.db.transaction() as session:
        product = await own_product(session, org_id, model_id, lock=True)
        current = await repository.pictures(session, model_id, PictureKind.PRODUCT)
        if len(picture_ids) != len(set(picture_ids)) or set(picture_ids) != {p.id for p in current}:
            raise PictureOrderInvalid(details={"expected": [str(p.id) for p in current]})
        by_id = {p.id: p for p in current}
        for position, pid in enumerate(picture_ids):
            by_id[pid].position = position
        product.cover_picture_id = picture_ids[0] if picture_ids else None
        await session.flush()
        return [by_id[pid] for pid in picture_ids]


@dataclass
class PictureFile:
    data: bytes | None  # None when the client's copy is current (304)
    content_type: str
    etag: str
    public: bool


async def picture_file(
    runtime: Runtime,
    picture_id: uuid.UUID,
    *,
    thumb: bool,
    viewer_org: uuid.UUID | None,
    if_none_match: str | None = None,
) -> PictureFile:
    """A listed product's picture for anyone; an unlisted product's only for its own enterprise."""
    async with runtime.db.session() as session:
        found = await repository.picture_and_status(session, picture_id)
    if found is None:
        raise PictureNotFound()
    picture, status = found
    public = status == ListingStatus.LISTED
    if not public and viewer_org != picture.org_id:
        raise PictureNotFound()
    etag = f'"{picture.etag}{"-t" if thumb else ""}"'
    if if_none_match and etag in {t.strip() for t in if_none_match.split(",")}:
        return PictureFile(None, picture.content_type, etag, public)
    data = await storage.load(
        runtime.storage, BUCKET, picture.thumb_key if thumb else picture.key, message=STORE_AWAY
    )
    return PictureFile(data, picture.content_type, etag, public)
