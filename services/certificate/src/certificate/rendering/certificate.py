"""The forerunner certificate (企业标准“领跑者”证书), A4 landscape, unstamped version (无章版).

The agency later uploads its stamped scan, which is served instead; this rendering carries a
dashed seal placeholder where that seal goes.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_JUSTIFY
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from .documents import CertificateContent
from .fonts import register_fonts
from .layout import (
    GOLD,
    GOLD_LIGHT,
    INK,
    MUTED,
    PAPER,
    SEAL_RED,
    chinese_date,
    draw_certificate_frame,
    draw_forerunner_mark,
    draw_paragraph,
    draw_qr,
    draw_seal_placeholder,
    draw_text,
    fit_paragraph,
    fit_size,
    join_models,
)

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
TITLE = "企业标准“领跑者”证书"
WATERMARK = colors.HexColor("#F7F1E2")
WATERMARK_ACCENT = colors.HexColor("#FAEEE9")


def render_certificate_pdf(content: CertificateContent) -> bytes:
    """The certificate as PDF bytes. Pure CPU work: call it from a worker thread in async code."""
    register_fonts()
    buffer = io.BytesIO()
    # invariant: no creation timestamp or random file id, so the same content gives the same bytes
    # (a re-render after a redelivered event is byte-identical).
    c = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1, pageCompression=1)
    c.setTitle(f"{TITLE} {content.number}")
    c.setAuthor(content.agency_name)
    c.setSubject(f"{content.enterprise_name} {content.standard_number}")
    c.setCreator("质量分级及“领跑者”管理信息平台")

    draw_certificate_frame(c, PAGE_WIDTH, PAGE_HEIGHT)
    _draw_watermark(c)
    _draw_header(c, content)
    table_top = _draw_statement(c, content)
    _draw_fields(c, content, top=table_top)
    _draw_footer(c, content)

    c.showPage()
    c.save()
    return buffer.getvalue()


def _draw_watermark(c: Canvas) -> None:
    """The forerunner mark, faint, behind the body: a cue of authenticity on the printed sheet."""
    draw_forerunner_mark(
        c, PAGE_WIDTH / 2, PAGE_HEIGHT / 2 - 30, 150, color=WATERMARK, ground=PAPER, accent=WATERMARK_ACCENT
    )


def _draw_header(c: Canvas, content: CertificateContent) -> None:
    draw_text(
        c,
        PAGE_WIDTH - 62,
        PAGE_HEIGHT - 62,
        f"证书编号：{content.number}",
        size=10.5,
        color=INK,
        align="right",
    )
    draw_text(
        c,
        PAGE_WIDTH / 2,
        PAGE_HEIGHT - 112,
        TITLE,
        size=34,
        color=SEAL_RED,
        align="center",
        bold=True,
        char_space=5,
    )
    draw_text(
        c,
        PAGE_WIDTH / 2,
        PAGE_HEIGHT - 134,
        "CERTIFICATE OF ENTERPRISE STANDARD FORERUNNER",
        size=9.5,
        color=MUTED,
        align="center",
        char_space=1.6,
    )
    # A short gold rule with a lozenge under the title.
    y = PAGE_HEIGHT - 146
    c.saveState()
    c.setStrokeColor(GOLD)
    c.setLineWidth(0.8)
    c.line(PAGE_WIDTH / 2 - 150, y, PAGE_WIDTH / 2 - 8, y)
    c.line(PAGE_WIDTH / 2 + 8, y, PAGE_WIDTH / 2 + 150, y)
    c.setFillColor(GOLD)
    p = c.beginPath()
    p.moveTo(PAGE_WIDTH / 2, y + 4)
    p.lineTo(PAGE_WIDTH / 2 + 4, y)
    p.lineTo(PAGE_WIDTH / 2, y - 4)
    p.lineTo(PAGE_WIDTH / 2 - 4, y)
    p.close()
    c.drawPath(p, stroke=0, fill=1)
    c.restoreState()


LEFT = 100
RIGHT = PAGE_WIDTH - 100


def _draw_statement(c: Canvas, content: CertificateContent) -> float:
    """Enterprise name, credit code and the attestation sentence; returns where the table starts."""
    name_y = PAGE_HEIGHT - 180
    size = fit_size(c, content.enterprise_name, max_width=RIGHT - LEFT, size=20, min_size=12)
    draw_text(
        c,
        PAGE_WIDTH / 2,
        name_y,
        content.enterprise_name,
        size=size,
        color=INK,
        align="center",
        bold=True,
        char_space=1,
    )
    draw_text(
        c,
        PAGE_WIDTH / 2,
        name_y - 20,
        f"统一社会信用代码：{content.credit_code}",
        size=10.5,
        color=MUTED,
        align="center",
    )
    statement = (
        f"贵单位执行的企业标准 {escape(content.standard_number)}《{escape(content.standard_name)}》，"
        f"经{escape(content.agency_name)}评估，达到{content.year}年度企业标准“领跑者”评估要求，"
        "经企业标准“领跑者”工作组审核并公示，被确认为企业标准“领跑者”。特发此证。"
    )
    top = name_y - 38
    para, height = fit_paragraph(
        statement, width=RIGHT - LEFT, max_height=64, size=13.5, min_size=10, align=TA_JUSTIFY, indent_chars=2
    )
    draw_paragraph(c, para, LEFT, top, height)
    return top - height - 14


def _draw_fields(c: Canvas, content: CertificateContent, *, top: float) -> None:
    """The details as a ruled two-column table; the model list wraps and shrinks to stay in its box."""
    label_width = 104
    value_width = RIGHT - LEFT - label_width
    pad = 7
    rows = [
        ("重点领域产品", escape(content.key_field_product)),
        ("产品名称", escape(content.product_name)),
        ("规格型号", ""),  # laid out by _fit_models
        ("企业标准", f"{escape(content.standard_number)}《{escape(content.standard_name)}》"),
        ("评估机构", escape(content.agency_name)),
    ]
    # The footer starts at 150 pt; the table shares what is left between it and the statement.
    bottom_limit = 158
    fixed_rows = len(rows) - 1
    single_height = 27.0
    model_room = max(top - bottom_limit - fixed_rows * single_height, single_height)

    laid_out = []
    for label, value in rows:
        max_height = (model_room if label == "规格型号" else single_height) - 2 * pad + 8
        if label == "规格型号":
            para, height = _fit_models(content.models, width=value_width - 2 * pad, max_height=max_height)
        else:
            para, height = fit_paragraph(
                value, width=value_width - 2 * pad, max_height=max_height, size=11.5, min_size=7
            )
        laid_out.append((label, para, max(height + 2 * pad - 6, single_height)))

    c.saveState()
    y = top
    for label, para, row_height in laid_out:
        c.setFillColor(GOLD_LIGHT)
        c.setFillAlpha(0.35)
        c.rect(LEFT, y - row_height, label_width, row_height, stroke=0, fill=1)
        c.setFillAlpha(1)
        draw_text(
            c,
            LEFT + label_width / 2,
            y - row_height / 2 - 3.8,
            label,
            size=11,
            color=INK,
            align="center",
            char_space=1,
        )
        _, height = para.wrap(value_width - 2 * pad, row_height)
        draw_paragraph(c, para, LEFT + label_width + pad, y - (row_height - height) / 2, height)
        y -= row_height
    c.setStrokeColor(GOLD)
    c.setLineWidth(0.6)
    c.rect(LEFT, y, RIGHT - LEFT, top - y, stroke=1, fill=0)
    c.line(LEFT + label_width, y, LEFT + label_width, top)
    row_y = top
    for _, _, row_height in laid_out[:-1]:
        row_y -= row_height
        c.line(LEFT, row_y, RIGHT, row_y)
    c.restoreState()


def _fit_models(models: tuple[str, ...], *, width: float, max_height: float):
    """All models if they fit at a readable size; otherwise as many as fit and "等共N个型号".

    A standard can cover hundreds of models; each model also has its own label, so the
    certificate may abbreviate the list but always states the total.
    """
    names = [m.strip() for m in models if m.strip()]
    if not names:
        return fit_paragraph("—", width=width, max_height=max_height, size=11.5, min_size=11.5)
    para, height = fit_paragraph(
        escape(join_models(names)), width=width, max_height=max_height, size=11, min_size=7
    )
    if height <= max_height:
        return para, height
    low, high = 1, len(names) - 1
    best = None
    while low <= high:
        shown = (low + high) // 2
        text = f"{escape(join_models(names[:shown]))} 等共{len(names)}个型号"
        candidate, candidate_height = fit_paragraph(
            text, width=width, max_height=max_height, size=7, min_size=7
        )
        if candidate_height <= max_height:
            best = (candidate, candidate_height)
            low = shown + 1
        else:
            high = shown - 1
    if best is None:
        return fit_paragraph(f"共{len(names)}个型号", width=width, max_height=max_height, size=7, min_size=7)
    return best


def _draw_footer(c: Canvas, content: CertificateContent) -> None:
    qr_size = 84
    qr_x, qr_y = LEFT, 56
    draw_qr(c, content.qr_data, qr_x, qr_y, qr_size)
    draw_text(c, qr_x + qr_size + 10, qr_y + qr_size - 14, "扫描二维码", size=9.5, color=INK)
    draw_text(c, qr_x + qr_size + 10, qr_y + qr_size - 29, "查验证书状态", size=9.5, color=INK)
    draw_text(c, qr_x + qr_size + 10, qr_y + 6, "有效 · 撤销 · 过期 实时可查", size=7.5, color=MUTED)

    mid = PAGE_WIDTH / 2 - 10
    draw_text(c, mid, 118, f"评估年度：{content.year}年度", size=11, color=INK, align="center")
    draw_text(c, mid, 98, f"发证日期：{chinese_date(content.issued_on)}", size=11, color=INK, align="center")
    draw_text(
        c, mid, 78, f"有效期至：{chinese_date(content.valid_until)}", size=11, color=INK, align="center"
    )

    seal_x = RIGHT - 88
    draw_seal_placeholder(c, seal_x, 102, 46, caption="评估机构盖章")
    agency_size = fit_size(c, content.agency_name, max_width=220, size=12, min_size=8)
    draw_text(c, seal_x, 60, content.agency_name, size=agency_size, color=INK, align="center")
