"""Settings of the mall service (environment variables ``LP_*``, see docs/CONVENTIONS.md)."""

from __future__ import annotations

from kit.runtime import Runtime
from kit.settings import ServiceSettings
from pydantic import Field


class Settings(ServiceSettings):
    service_name: str = "mall"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/lp_mall"

    # The seed: 1-5 pictures per model, jpg/png, at most 500 KB (300×300 advised).
    mall_picture_max_bytes: int = Field(default=500 * 1024, ge=1024)
    mall_pictures_max: int = Field(default=5, ge=1)
    # Pictures embedded in the introduction (rich text) are uploaded the same way but do not count
    # towards the 1-5 product pictures; they have their own cap.
    mall_intro_pictures_max: int = Field(default=10, ge=0)
    # A 500 KB PNG can declare billions of pixels (decompression bomb); 4096×4096 is ample for a
    # product photo and keeps decoding under ~50 MB of memory.
    mall_picture_max_pixels: int = Field(default=4096 * 4096, ge=10_000)
    mall_thumbnail_px: int = Field(default=300, ge=32)
    # Public pictures are immutable per id; a day of caching is safe, and an unlisted product stops
    # being served by us at once (caches may keep a copy until max-age).
    mall_picture_cache_seconds: int = Field(default=3600, ge=0)
    # Counting every match of a broad keyword among 100,000 products costs more than the page itself; the
    # catalogue counts up to this many and lets a visitor page through them (50 pages of 20), like the
    # big shopping sites do. Narrower filters show the exact count.
    mall_search_max_results: int = Field(default=1000, ge=100)


BUCKET = "lp-mall"


def settings_of(runtime: Runtime) -> Settings:
    """The mall's settings of a runtime built by ``mall.main`` (typed, for the use cases)."""
    settings = runtime.settings
    assert isinstance(settings, Settings)
    return settings
