"""Printable labels: the forerunner label (领跑者标识) and the star label (星级产品标识).

Both are 110 × 70 mm, a size that fits packaging and a product's nameplate area. The PDF is the
master; the PNG is rasterised from it by PDFium so the two can never drift apart.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from xml.sax.saxutils import escape

import pypdfium2
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .documents import STAR_LEVEL_NAMES, LabelContent, StarLabelContent
from .fonts import CJK_FONT, register_fonts
from .layout import (
    INK,
    MUTED,
    NAVY,
    NAVY_LIGHT,
    SEAL_RED,
    STAR_GOLD,
    draw_forerunner_mark,
    draw_label_frame,
    draw_paragraph,
    draw_qr,
    draw_stars,
    draw_text,
    fit_paragraph,
    fit_size,
)

LABEL_WIDTH, LABEL_HEIGHT = 110 * mm, 70 * mm
QR_SIZE = 60
MARGIN = 14


def render_label_pdf(content: LabelContent) -> bytes:
    """The forerunner label of one model as PDF bytes (CPU-bound: run in a worker thread)."""
    return _render(f"领跑者标识 {content.number}", content.enterprise_name, lambda c: _draw_label(c, content))


def render_star_label_pdf(content: StarLabelContent) -> bytes:
    """The star label of one model as PDF bytes (CPU-bound: run in a worker thread)."""
    return _render(
        f"星级产品标识 {content.number}", content.enterprise_name, lambda c: _draw_star_label(c, content)
    )


def pdf_to_png(pdf: bytes, *, dpi: int = 300) -> bytes:
    """Rasterise the first page at ``dpi`` (300 is print quality) to PNG bytes."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        try:
            bitmap = page.render(scale=dpi / 72)
            image = bitmap.to_pil()
        finally:
            page.close()
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, dpi=(dpi, dpi))
    return out.getvalue()


def _render(title: str, author: str, draw: Callable[[Canvas], None]) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(LABEL_WIDTH, LABEL_HEIGHT), invariant=1, pageCompression=1)
    c.setTitle(title)
    c.setAuthor(author)
    c.setCreator("质量分级及“领跑者”管理信息平台")
    draw(c)
    c.showPage()
    c.save()
    return buffer.getvalue()


def _draw_fields(
    c: Canvas,
    rows: list[tuple[str, str]],
    *,
    x: float,
    top: float,
    right: float,
    step: float,
    qr_top: float,
    qr_left: float,
    close_up: bool = True,
) -> None:
    """Label/value rows from ``top`` down. A value shrinks to fit its line; a long one (a branch
    company's name, a standard with a long title) wraps onto a second line and the rows close up so
    that the last one still ends above the QR code (``close_up``; a layout with room beside the QR
    code passes False). Rows beside the QR code stop short of it."""
    label_width = 40
    full = right - x - label_width
    wrap_size, wrap_leading = 7.2, 8.6
    # First pass at full width: which values need two lines.
    wrapped = [c.stringWidth(v, CJK_FONT, 6.5) > full for _, v in rows]
    extra = wrap_leading * sum(wrapped)
    room = top - (qr_top + 4)
    if close_up and len(rows) > 1:
        step = max(min(step, (room - extra) / (len(rows) - 1)), 11.0)
    y = top
    for (label, value), wraps in zip(rows, wrapped, strict=True):
        limit = qr_left - 6 if y < qr_top + 4 else right
        width = limit - x - label_width
        draw_text(c, x, y, label, size=7.5, color=MUTED)
        if not wraps:
            size = fit_size(c, value, max_width=width, size=9, min_size=5)
            draw_text(c, x + label_width, y, value, size=size, color=INK)
            y -= step
            continue
        para, height = fit_paragraph(
            escape(value),
            width=width,
            max_height=2 * wrap_leading + 1,
            size=wrap_size,
            min_size=5,
            leading_ratio=wrap_leading / wrap_size,
        )
        # The first line sits on the row's baseline like a one-line value would.
        first_baseline_drop = para.style.leading - para.style.fontSize * 0.1
        draw_paragraph(c, para, x + label_width, y + first_baseline_drop, height)
        y -= step + wrap_leading


def _draw_qr_block(c: Canvas, url: str) -> tuple[float, float]:
    """The QR code in the bottom-right corner, captioned vertically on its left; returns its top-left."""
    qr_x = LABEL_WIDTH - MARGIN - QR_SIZE
    qr_y = MARGIN
    draw_qr(c, url, qr_x, qr_y, QR_SIZE)
    for i, ch in enumerate("扫码验证"):
        draw_text(c, qr_x - 5, qr_y + QR_SIZE - 14 - i * 11, ch, size=7, color=MUTED, align="right")
    return qr_x - 14, qr_y + QR_SIZE


def _draw_label(c: Canvas, content: LabelContent) -> None:
    draw_label_frame(c, LABEL_WIDTH, LABEL_HEIGHT, color=NAVY)
    # Left column: the mark and the scheme year.
    mark_cx, mark_cy, mark_r = 62, LABEL_HEIGHT / 2 + 12, 44
    draw_forerunner_mark(c, mark_cx, mark_cy, mark_r)
    c.saveState()
    c.setFillColor(NAVY)
    c.roundRect(mark_cx - 36, 24, 72, 19, 4, stroke=0, fill=1)
    c.restoreState()
    draw_text(c, mark_cx, 30, f"{content.year}年度", size=10.5, color=NAVY_LIGHT, align="center", bold=True)

    divider = 122
    c.saveState()
    c.setStrokeColor(NAVY)
    c.setLineWidth(0.6)
    c.line(divider, MARGIN + 4, divider, LABEL_HEIGHT - MARGIN - 4)
    c.restoreState()

    x = divider + 10
    right = LABEL_WIDTH - MARGIN
    draw_text(c, x, LABEL_HEIGHT - 32, "企业标准“领跑者”", size=14.5, color=NAVY, bold=True, char_space=1)
    draw_text(
        c, x, LABEL_HEIGHT - 43, "ENTERPRISE STANDARD FORERUNNER", size=5.6, color=MUTED, char_space=0.8
    )
    qr_left, qr_top = _draw_qr_block(c, content.qr_data)
    rows = [
        ("企业名称", content.enterprise_name),
        ("执行标准", f"{content.standard_number}《{content.standard_name}》"),
        ("产品名称", content.product_name),
        ("规格型号", content.model),
        ("标识编号", content.number),
    ]
    _draw_fields(c, rows, x=x, top=LABEL_HEIGHT - 57, right=right, step=14.5, qr_top=qr_top, qr_left=qr_left)


def _draw_star_label(c: Canvas, content: StarLabelContent) -> None:
    color = SEAL_RED
    draw_label_frame(c, LABEL_WIDTH, LABEL_HEIGHT, color=color)
    # Header band with the level in words.
    band_top = LABEL_HEIGHT - 12
    c.saveState()
    c.setFillColor(color)
    c.rect(12, band_top - 26, LABEL_WIDTH - 24, 26, stroke=0, fill=1)
    c.restoreState()
    level_name = STAR_LEVEL_NAMES[content.star_level]
    draw_text(
        c, 22, band_top - 18, "质量分级 · 星级产品", size=12.5, color=NAVY_LIGHT, bold=True, char_space=1
    )
    draw_text(
        c,
        LABEL_WIDTH - 22,
        band_top - 18,
        level_name,
        size=12.5,
        color=STAR_GOLD,
        bold=True,
        align="right",
        char_space=2,
    )

    # The five stars, the earned ones filled: the visual point of the label.
    outer, gap = 13, 7
    row_width = 5 * 2 * outer + 4 * gap
    stars_x = 22
    stars_cy = band_top - 26 - 8 - outer
    draw_stars(c, stars_x, stars_cy, level=content.star_level, outer=outer, gap=gap)
    draw_text(
        c, stars_x + row_width + 12, stars_cy - 4, f"{content.star_level} 星", size=16, color=color, bold=True
    )

    qr_left, qr_top = _draw_qr_block(c, content.qr_data)
    standard = content.grading_standard or f"{content.key_field_product}质量分级标准"
    rows = [
        ("企业名称", content.enterprise_name),
        ("产品名称", f"{content.product_name}（{content.key_field_product}）"),
        ("规格型号", content.model),
        ("分级依据", standard),
        ("标识编号", f"{content.number}　{content.year}年度"),
    ]
    _draw_fields(
        c,
        rows,
        x=22,
        top=stars_cy - outer - 16,
        right=LABEL_WIDTH - MARGIN,
        step=13.5,
        qr_top=qr_top,
        qr_left=qr_left,
        close_up=False,
    )
