"""Rendered certificates and labels: their text, their QR codes, their look as PNG."""

from __future__ import annotations

import dataclasses
import io
import os
import subprocess
import sys
from datetime import date

import pytest
from certificate.rendering import (
    CertificateContent,
    ContentError,
    LabelContent,
    StarLabelContent,
    pdf_to_png,
    render_certificate_pdf,
    render_label_pdf,
    render_star_label_pdf,
)
from certificate.rendering.labels import LABEL_HEIGHT, LABEL_WIDTH
from PIL import Image
from pypdf import PdfReader

VERIFY_URL = "https://lp.example.cn/verify/Xk3s9dQe7LmPa2Rt5VwYz0"

CERT = CertificateContent(
    number="LP-2023-JD01-00012",
    enterprise_name="青岛海川电冰箱有限公司",
    credit_code="91370200163562681G",
    standard_number="Q/HR 102-2021",
    standard_name="家用电冰箱能效与保鲜",
    key_field_product="家用电冰箱",
    product_name="海川牌家用电冰箱",
    models=("BCD-520WDPD", "BCD-610WDGK"),
    year=2023,
    agency_name="中国家用电器研究院",
    issued_on=date(2024, 1, 15),
    valid_until=date(2026, 12, 31),
    verify_url=VERIFY_URL,
)

LABEL = LabelContent(
    number="LP-2023-JD01-00012-002",
    enterprise_name="青岛海川电冰箱有限公司",
    standard_number="Q/HR 102-2021",
    standard_name="家用电冰箱能效与保鲜",
    product_name="海川牌家用电冰箱",
    model="BCD-610WDGK",
    year=2023,
    verify_url="https://lp.example.cn/verify/Lb7s9dQe7LmPa2Rt5VwYz1",
)


def star(level: int) -> StarLabelContent:
    return StarLabelContent(
        number=f"XJ-2024-FZ03-0000{level}",
        enterprise_name="波司登羽绒服装有限公司",
        key_field_product="羽绒服",
        product_name="极寒系列羽绒服",
        model="B20145021",
        star_level=level,
        year=2024,
        verify_url=f"https://lp.example.cn/verify/St{level}s9dQe7LmPa2Rt5VwYz",
        grading_standard="T/CNTAC 8-2018《羽绒服装质量分级》",
    )


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def squash(text: str) -> str:
    """Extraction may split lines and insert spaces between glyphs; compare without whitespace."""
    return "".join(text.split())


def test_certificate_pdf_holds_every_field_in_chinese(preview_dir, rasterise_pdf):
    pdf = render_certificate_pdf(CERT)
    assert pdf.startswith(b"%PDF-")
    text = squash(pdf_text(pdf))
    for expected in (
        "企业标准“领跑者”证书",
        "证书编号：LP-2023-JD01-00012",
        "青岛海川电冰箱有限公司",
        "91370200163562681G",
        "Q/HR102-2021",
        "《家用电冰箱能效与保鲜》",
        "重点领域产品",
        "海川牌家用电冰箱",
        "BCD-520WDPD、BCD-610WDGK",
        "中国家用电器研究院",
        "2023年度",
        "发证日期：2024年1月15日",
        "有效期至：2026年12月31日",
        "评估机构盖章",
    ):
        assert expected in text, expected
    rasterise_pdf(pdf, dpi=80).save(preview_dir / "certificate.png")


def test_certificate_qr_opens_the_verification_url(decode_qr, rasterise_pdf):
    image = rasterise_pdf(render_certificate_pdf(CERT), dpi=150)
    assert decode_qr(image) == [VERIFY_URL]


@pytest.mark.parametrize(
    "code", ["AAAAAAAAAAAAAAAAAAAAAA", "-_-_-_-_-_-_-_-_-_-_-_", "z9Y8x7W6v5U4t3S2r1Q0pO"]
)
def test_qr_with_the_fixed_mask_decodes_for_unlucky_codes(code, decode_qr, rasterise_pdf):
    """The QR mask is fixed for speed; repetitive payloads must still decode."""
    url = f"https://lp.example.cn/verify/{code}"
    image = rasterise_pdf(render_label_pdf(dataclasses.replace(LABEL, verify_url=url)), dpi=200)
    assert decode_qr(image) == [url]


def test_rendering_is_deterministic():
    """A re-render (say after a redelivered event) yields the very same file."""
    assert render_certificate_pdf(CERT) == render_certificate_pdf(CERT)


def test_hundreds_of_models_are_abbreviated_with_their_total():
    many = dataclasses.replace(CERT, models=tuple(f"BCD-{n}W" for n in range(300)))
    text = squash(pdf_text(render_certificate_pdf(many)))
    assert "BCD-0W" in text
    assert "等共300个型号" in text
    assert "BCD-299W" not in text
    # The footer is still there: the list did not push it off the page.
    assert "有效期至：2026年12月31日" in text


def test_a_service_type_certificate_has_no_models():
    text = squash(pdf_text(render_certificate_pdf(dataclasses.replace(CERT, models=()))))
    assert "规格型号—" in text
    assert "有效期至：2026年12月31日" in text


def test_user_text_is_escaped_not_interpreted_as_markup():
    tricky = dataclasses.replace(CERT, standard_name="<b>冰箱</b> & 冷柜", models=("A<1>", "B&C"))
    text = squash(pdf_text(render_certificate_pdf(tricky)))
    assert "<b>冰箱</b>&冷柜" in text
    assert "A<1>、B&C" in text


def test_label_pdf_and_png(preview_dir, decode_qr):
    pdf = render_label_pdf(LABEL)
    text = squash(pdf_text(pdf))
    for expected in (
        "企业标准“领跑者”",
        "青岛海川电冰箱有限公司",
        "Q/HR102-2021《家用电冰箱能效与保鲜》",
        "海川牌家用电冰箱",
        "BCD-610WDGK",
        "2023年度",
        "LP-2023-JD01-00012-002",
        "扫码验证",
    ):
        assert expected in text, expected
    png = pdf_to_png(pdf, dpi=300)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    # 110 × 70 mm at 300 dpi, for printing.
    expected = (LABEL_WIDTH / 72 * 300, LABEL_HEIGHT / 72 * 300)
    assert all(abs(got - want) <= 1 for got, want in zip(image.size, expected, strict=True))
    assert decode_qr(image.convert("RGB")) == [LABEL.verify_url]
    (preview_dir / "label.png").write_bytes(pdf_to_png(pdf, dpi=80))


def test_long_label_values_wrap_and_the_number_stays_whole(preview_dir, decode_qr):
    long = dataclasses.replace(
        LABEL,
        enterprise_name="内蒙古伊利实业集团股份有限公司呼和浩特市金川开发区分公司",
        standard_number="Q/NYLB 0039S-2023",
        standard_name="调制乳粉（含益生菌及多种维生素矿物质强化型）",
        number="LP-2023-JD202301-00012-003",
    )
    pdf = render_label_pdf(long)
    text = squash(pdf_text(pdf))
    assert "内蒙古伊利实业集团股份有限公司呼和浩特市金川开发区分公司" in text
    assert "（含益生菌及多种维生素矿物质强化型）》" in text
    lines = [line.replace(" ", "") for line in pdf_text(pdf).splitlines()]
    assert any("LP-2023-JD202301-00012-003" in line for line in lines)
    assert decode_qr(Image.open(io.BytesIO(pdf_to_png(pdf, dpi=200))).convert("RGB")) == [long.verify_url]
    (preview_dir / "label-long.png").write_bytes(pdf_to_png(pdf, dpi=80))


@pytest.mark.parametrize("level", [3, 4, 5])
def test_star_label_shows_its_level(level, preview_dir, decode_qr, rasterise_pdf):
    pdf = render_star_label_pdf(star(level))
    text = squash(pdf_text(pdf))
    assert {3: "三星级", 4: "四星级", 5: "五星级"}[level] in text
    for expected in (
        "质量分级",
        "波司登羽绒服装有限公司",
        "B20145021",
        "T/CNTAC8-2018",
        f"XJ-2024-FZ03-0000{level}",
    ):
        assert expected in text, expected
    assert decode_qr(rasterise_pdf(pdf, dpi=200).convert("RGB")) == [star(level).verify_url]
    image = rasterise_pdf(pdf, dpi=100).convert("RGB")
    assert _filled_stars(image) == level
    image.save(preview_dir / f"star-label-{level}.png")


def _filled_stars(image) -> int:
    """Count the stars whose centre is painted gold, sampling the row the label draws them on."""
    from certificate.rendering.labels import LABEL_HEIGHT as H

    scale = image.width / LABEL_WIDTH
    outer, gap, x0 = 13, 7, 22
    cy = (H - 12) - 26 - 8 - outer
    filled = 0
    for i in range(5):
        cx = x0 + outer + i * (2 * outer + gap)
        r, g, b = image.getpixel((round(cx * scale), round((H - cy) * scale)))
        if r > 200 and 120 < g < 200 and b < 80:
            filled += 1
    return filled


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: dataclasses.replace(CERT, enterprise_name="  "), "enterprise_name"),
        (lambda: dataclasses.replace(CERT, valid_until=date(2023, 1, 1)), "valid_until"),
        (lambda: dataclasses.replace(LABEL, model=""), "model"),
        (lambda: star(2), "star_level"),
        (lambda: star(6), "star_level"),
    ],
)
def test_incomplete_content_is_refused_before_drawing(make, message):
    with pytest.raises(ContentError, match=message):
        make()


def test_missing_font_refuses_to_start():
    """Without the CJK font the service must fail loudly, not print empty boxes for every character."""
    env = {**os.environ, "LP_CJK_FONT_FILE": "/nonexistent/wqy.ttc"}
    code = "from certificate.rendering import register_fonts; register_fonts()"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "FontUnavailable" in result.stderr
