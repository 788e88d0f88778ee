"""The CJK font every rendered document embeds.

reportlab's built-in fonts have no Chinese glyphs, so a TrueType CJK font is embedded (subset) in
every PDF. WenQuanYi Zen Hei comes from Debian's ``fonts-wqy-zenhei``; CI, the local runner and
the service image (build/service.Dockerfile, APT_PACKAGES) install it. Registration reads the whole 17 MB collection, so it happens once per
process (at start-up, from the app's lifespan) and later calls are free.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

# The name documents use in setFont(); one face serves titles and body (titles are drawn heavier
# by stroking the glyph outline, see layout.draw_text).
CJK_FONT = "LP-CJK"

DEFAULT_FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
# Overridable so a container image can ship the font elsewhere.
FONT_PATH_ENV = "LP_CJK_FONT_FILE"

_lock = threading.Lock()


class FontUnavailable(RuntimeError):
    """The CJK font file is missing: the service must not start rendering blank boxes."""


def font_path() -> Path:
    return Path(os.environ.get(FONT_PATH_ENV) or DEFAULT_FONT_PATH)


def register_fonts() -> str:
    """Register the CJK font with reportlab once; thread-safe because rendering runs in worker threads."""
    if CJK_FONT in pdfmetrics.getRegisteredFontNames():
        return CJK_FONT
    with _lock:
        if CJK_FONT in pdfmetrics.getRegisteredFontNames():
            return CJK_FONT
        path = font_path()
        if not path.is_file():
            raise FontUnavailable(
                f"CJK font not found at {path}: install Debian fonts-wqy-zenhei or set {FONT_PATH_ENV}"
            )
        # subfontIndex 0 is "WenQuanYi Zen Hei" (proportional Latin), the others are mono/sharp variants.
        font = TTFont(CJK_FONT, str(path), subfontIndex=0)
        _cache_tables(font)
        pdfmetrics.registerFont(font)
    return CJK_FONT


def _cache_tables(font: TTFont) -> None:
    """Keep the font's tables once instead of copying them for every document.

    reportlab's subsetter calls ``get_table("glyf")`` for each PDF it writes, which slices the
    10 MB glyph table of this CJK font anew: a third of a certificate's render time. The tables
    are immutable bytes, so one copy per process serves every document (and every thread).
    """
    face = font.face
    original = face.get_table
    tables: dict[str, bytes] = {}

    def get_table(tag: str) -> bytes:
        data = tables.get(tag)
        if data is None:
            data = tables[tag] = original(tag)
        return data

    face.get_table = get_table
