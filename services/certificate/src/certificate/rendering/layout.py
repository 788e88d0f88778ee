"""Drawing primitives shared by the certificate, the label and the star label.

Everything here draws on a reportlab canvas in points; nothing does I/O.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from .fonts import CJK_FONT

# The palette of official Chinese documents: seal red for titles and stamps, a dark gold frame,
# ink-black text and a navy for the labels' brand colour.
SEAL_RED = colors.HexColor("#C8161D")
GOLD = colors.HexColor("#B08D3C")
GOLD_LIGHT = colors.HexColor("#E6D3A3")
PAPER = colors.HexColor("#FFFDF6")
INK = colors.HexColor("#1F1F1F")
MUTED = colors.HexColor("#5F5F5F")
NAVY = colors.HexColor("#0E3F7E")
NAVY_LIGHT = colors.HexColor("#E8EEF7")
STAR_GOLD = colors.HexColor("#E3A008")


def draw_text(
    c: Canvas,
    x: float,
    y: float,
    text: str,
    *,
    size: float,
    color: colors.Color = INK,
    align: str = "left",
    bold: bool = False,
    char_space: float = 0.0,
) -> float:
    """Draw one line of text and return its width.

    The embedded face has no bold weight, so "bold" strokes the glyph outline in the fill colour
    (text render mode 2), the usual way to embolden a single-weight CJK font in a PDF.
    """
    width = c.stringWidth(text, CJK_FONT, size) + char_space * max(len(text) - 1, 0)
    if align == "center":
        x -= width / 2
    elif align == "right":
        x -= width
    # Render mode and character spacing are graphics state that outlive the text object, while
    # reportlab assumes each new text object starts from the defaults: such text is fenced in q/Q
    # so what follows is neither stroked nor spaced out.
    fenced = bold or char_space != 0
    if fenced:
        c.saveState()
    if bold:
        c.setStrokeColor(color)
        c.setLineWidth(size * 0.035)
    t = c.beginText(x, y)
    t.setFont(CJK_FONT, size)
    t.setCharSpace(char_space)
    t.setFillColor(color)
    if bold:
        t.setTextRenderMode(2)
    t.textOut(text)
    c.drawText(t)
    if fenced:
        c.restoreState()
    return width


def fit_size(c: Canvas, text: str, *, max_width: float, size: float, min_size: float) -> float:
    """The largest font size from ``size`` down to ``min_size`` at which ``text`` fits one line."""
    while size > min_size and c.stringWidth(text, CJK_FONT, size) > max_width:
        size -= 0.5
    return size


def paragraph_style(
    size: float,
    *,
    leading: float | None = None,
    align: int = TA_LEFT,
    color: colors.Color = INK,
    indent_chars: int = 0,
) -> ParagraphStyle:
    return ParagraphStyle(
        name=f"lp-{size}-{align}",
        firstLineIndent=size * indent_chars,
        fontName=CJK_FONT,
        fontSize=size,
        leading=leading or size * 1.45,
        alignment=align,
        textColor=color,
        # CJK wrapping breaks between any two ideographs and keeps Latin words (model numbers) whole.
        wordWrap="CJK",
    )


def fit_paragraph(
    text: str,
    *,
    width: float,
    max_height: float,
    size: float,
    min_size: float,
    align: int = TA_LEFT,
    color: colors.Color = INK,
    indent_chars: int = 0,
    leading_ratio: float = 1.45,
) -> tuple[Paragraph, float]:
    """A paragraph shrunk (down to ``min_size``) until it fits the box; returns it and its height.

    ``text`` is reportlab mini-markup; callers escape user data with ``xml.sax.saxutils.escape``.
    """
    while True:
        style = paragraph_style(
            size, leading=size * leading_ratio, align=align, color=color, indent_chars=indent_chars
        )
        para = Paragraph(text, style)
        _, height = para.wrap(width, max_height)
        if height <= max_height or size <= min_size:
            return para, height
        size -= 0.5


def draw_paragraph(c: Canvas, para: Paragraph, x: float, top: float, height: float) -> None:
    para.drawOn(c, x, top - height)


QR_MASK = 1


def draw_qr(c: Canvas, data: str, x: float, y: float, size: float, *, color: colors.Color = INK) -> None:
    """Draw ``data`` as a QR code filling the square (x, y, size) including its quiet zone.

    Dark modules of a row are merged into runs so the page holds a few hundred rectangles, not
    a thousand, which keeps both rendering and the PDF small.
    """
    # A fixed mask pattern: choosing the "best" of the eight costs ~3 ms of pure Python per code,
    # a fifth of the render budget (QUALITY 20), and any mask gives a standard, decodable symbol
    # (the unit tests decode every rendered code). Level M survives a smudged print.
    qr = segno.make(data, error="m", micro=False, mask=QR_MASK)
    border = 2  # modules of quiet zone; the white box drawn below provides the margin
    rows = [list(row) for row in qr.matrix_iter(scale=1, border=border)]
    n = len(rows)
    module = size / n
    c.saveState()
    c.setFillColor(colors.white)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColor(color)
    path = c.beginPath()
    for r, row in enumerate(rows):
        top = y + size - (r + 1) * module
        col = 0
        while col < n:
            if row[col]:
                start = col
                while col < n and row[col]:
                    col += 1
                # A hair of overlap hides the seams some rasterisers leave between adjacent rectangles.
                path.rect(x + start * module, top - 0.01, (col - start) * module + 0.01, module + 0.02)
            else:
                col += 1
    c.drawPath(path, stroke=0, fill=1)
    c.restoreState()


def star_path(c: Canvas, cx: float, cy: float, outer: float, inner_ratio: float = 0.382):
    """A five-pointed star (point up) centred on (cx, cy) as a canvas path."""
    path = c.beginPath()
    inner = outer * inner_ratio
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.pi / 2 + i * math.pi / 5
        px, py = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        if i == 0:
            path.moveTo(px, py)
        else:
            path.lineTo(px, py)
    path.close()
    return path


def draw_arc_text(
    c: Canvas,
    text: str,
    cx: float,
    cy: float,
    radius: float,
    *,
    size: float,
    color: colors.Color,
    start_deg: float,
    end_deg: float,
    upper: bool = True,
) -> None:
    """Spread ``text`` evenly along an arc, each glyph upright relative to the circle.

    ``upper`` reads left to right over the top (glyph feet towards the centre); otherwise the
    text runs left to right along the bottom with heads towards the centre.
    """
    count = len(text)
    if count == 0:
        return
    step = (end_deg - start_deg) / max(count - 1, 1)
    c.saveState()
    c.setFillColor(color)
    c.setFont(CJK_FONT, size)
    for i, ch in enumerate(text):
        deg = start_deg + i * step
        rad = math.radians(deg)
        px, py = cx + radius * math.cos(rad), cy + radius * math.sin(rad)
        c.saveState()
        c.translate(px, py)
        c.rotate(deg - 90 if upper else deg + 90)
        # Centre the glyph on its point: half its width left, and a third of the size down so the
        # visual middle of a CJK glyph (not its baseline) sits on the circle.
        c.drawCentredString(0, -size * 0.35, ch)
        c.restoreState()
    c.restoreState()


def draw_forerunner_mark(
    c: Canvas,
    cx: float,
    cy: float,
    radius: float,
    *,
    color: colors.Color = NAVY,
    ground: colors.Color = colors.white,
    accent: colors.Color = SEAL_RED,
) -> None:
    """The forerunner mark (领跑者标识): a ringed seal with the scheme's name and a leading star.

    Drawn as vectors so it prints sharply at any size. A watermark passes pale colours rather than
    an alpha, because every fill colour change resets reportlab's fill alpha.
    """
    c.saveState()
    c.setFillColor(color)
    c.circle(cx, cy, radius, stroke=0, fill=1)
    c.setFillColor(ground)
    c.circle(cx, cy, radius * 0.95, stroke=0, fill=1)
    c.setFillColor(color)
    c.circle(cx, cy, radius * 0.92, stroke=0, fill=1)
    # The ring text sits between the outer band and the inner white disc.
    inner = radius * 0.66
    ring_text_r = (radius * 0.92 + inner) / 2
    ring_size = radius * 0.17
    draw_arc_text(
        c,
        "企业标准领跑者",
        cx,
        cy,
        ring_text_r,
        size=ring_size,
        color=ground,
        start_deg=155,
        end_deg=25,
        upper=True,
    )
    draw_arc_text(
        c,
        "FORERUNNER",
        cx,
        cy,
        ring_text_r,
        size=ring_size * 0.72,
        color=ground,
        start_deg=220,
        end_deg=320,
        upper=False,
    )
    # Two small stars mark where the upper and lower ring texts meet.
    for deg in (0, 180):
        rad = math.radians(deg)
        c.setFillColor(ground)
        c.drawPath(
            star_path(
                c, cx + ring_text_r * math.cos(rad), cy + ring_text_r * math.sin(rad), ring_size * 0.45
            ),
            stroke=0,
            fill=1,
        )
    c.setFillColor(ground)
    c.circle(cx, cy, inner, stroke=0, fill=1)
    # Centre: a red star leading a rising swoosh, and the word 领跑者.
    c.setFillColor(accent)
    c.drawPath(star_path(c, cx, cy + inner * 0.42, inner * 0.30), stroke=0, fill=1)
    c.setFillColor(color)
    swoosh = c.beginPath()
    swoosh.moveTo(cx - inner * 0.70, cy + inner * 0.02)
    swoosh.curveTo(
        cx - inner * 0.25,
        cy + inner * 0.12,
        cx + inner * 0.25,
        cy + inner * 0.18,
        cx + inner * 0.72,
        cy + inner * 0.34,
    )
    swoosh.curveTo(
        cx + inner * 0.30,
        cy + inner * 0.10,
        cx - inner * 0.20,
        cy - inner * 0.02,
        cx - inner * 0.70,
        cy + inner * 0.02,
    )
    swoosh.close()
    c.drawPath(swoosh, stroke=0, fill=1)
    draw_text(c, cx, cy - inner * 0.52, "领跑者", size=inner * 0.42, color=color, align="center", bold=True)
    c.restoreState()


def draw_stars(
    c: Canvas,
    x: float,
    cy: float,
    *,
    level: int,
    total: int = 5,
    outer: float,
    gap: float,
    color: colors.Color = STAR_GOLD,
) -> float:
    """A row of ``total`` stars, the first ``level`` filled; returns the row's width."""
    c.saveState()
    c.setLineWidth(max(outer * 0.08, 0.6))
    for i in range(total):
        scx = x + outer + i * (2 * outer + gap)
        path = star_path(c, scx, cy, outer)
        if i < level:
            c.setFillColor(color)
            c.setStrokeColor(color)
            c.drawPath(path, stroke=1, fill=1)
        else:
            c.setStrokeColor(colors.HexColor("#C9C9C9"))
            c.drawPath(path, stroke=1, fill=0)
    c.restoreState()
    return total * 2 * outer + (total - 1) * gap


def draw_seal_placeholder(c: Canvas, cx: float, cy: float, radius: float, *, caption: str) -> None:
    """The dashed circle where the agency's seal goes on the unstamped version (无章版)."""
    c.saveState()
    c.setStrokeColor(SEAL_RED)
    c.setStrokeAlpha(0.55)
    c.setLineWidth(1)
    c.setDash(4, 3)
    c.circle(cx, cy, radius, stroke=1, fill=0)
    c.setDash()
    c.restoreState()
    draw_text(c, cx, cy + 2, caption, size=radius * 0.2, color=SEAL_RED, align="center")
    draw_text(c, cx, cy - radius * 0.28, "（无章版）", size=radius * 0.16, color=SEAL_RED, align="center")


def draw_certificate_frame(c: Canvas, width: float, height: float) -> None:
    """Paper tint, a heavy gold outer rule, a fine inner rule and ornamented corners."""
    c.saveState()
    c.setFillColor(PAPER)
    c.rect(0, 0, width, height, stroke=0, fill=1)
    outer, inner = 22, 34
    c.setStrokeColor(GOLD)
    c.setLineWidth(4)
    c.rect(outer, outer, width - 2 * outer, height - 2 * outer, stroke=1, fill=0)
    c.setLineWidth(0.8)
    c.rect(outer + 6, outer + 6, width - 2 * (outer + 6), height - 2 * (outer + 6), stroke=1, fill=0)
    c.setStrokeColor(GOLD_LIGHT)
    c.setLineWidth(0.6)
    c.rect(inner, inner, width - 2 * inner, height - 2 * inner, stroke=1, fill=0)
    # A string of beads between the two gold rules, the classic certificate border. Drawn as four
    # dashed lines with round caps (a zero-length dash is a dot): four operators instead of hundreds
    # of little paths, which keeps the render within its time budget (QUALITY 20).
    band = outer + 3 + (inner - outer - 3) / 2 + 1.5
    step = 9.0
    c.setStrokeColor(GOLD_LIGHT)
    c.setLineWidth(3.4)
    c.setLineCap(1)
    for x1, y1, x2, y2 in (
        (inner, band, width - inner, band),
        (inner, height - band, width - inner, height - band),
        (band, inner, band, height - inner),
        (width - band, inner, width - band, height - inner),
    ):
        length = abs(x2 - x1) + abs(y2 - y1)
        # Centre the beads so both ends of a side look alike.
        c.setDash([0, step], phase=(step - (length % step) / 2) % step)
        c.line(x1, y1, x2, y2)
    c.setDash()
    c.setLineCap(0)
    # Corner ornaments: a gold square with a red star over each corner of the frame.
    for px, py in ((band, band), (width - band, band), (band, height - band), (width - band, height - band)):
        c.setFillColor(GOLD)
        c.rect(px - 7, py - 7, 14, 14, stroke=0, fill=1)
        c.setFillColor(PAPER)
        c.rect(px - 5, py - 5, 10, 10, stroke=0, fill=1)
        c.setFillColor(SEAL_RED)
        c.drawPath(star_path(c, px, py, 4.2), stroke=0, fill=1)
    c.restoreState()


def draw_label_frame(c: Canvas, width: float, height: float, *, color: colors.Color) -> None:
    """White ground, a rounded outer rule and a fine inner rule for the printed labels."""
    c.saveState()
    c.setFillColor(colors.white)
    c.rect(0, 0, width, height, stroke=0, fill=1)
    c.setStrokeColor(color)
    c.setLineWidth(2.2)
    c.roundRect(4, 4, width - 8, height - 8, 8, stroke=1, fill=0)
    c.setLineWidth(0.5)
    c.roundRect(7.5, 7.5, width - 15, height - 15, 6, stroke=1, fill=0)
    c.restoreState()


def join_models(models: Sequence[str]) -> str:
    return "、".join(m.strip() for m in models if m.strip())


def chinese_date(value) -> str:
    """2024-03-05 → 2024年3月5日, the way official documents write dates."""
    return f"{value.year}年{value.month}月{value.day}日"
