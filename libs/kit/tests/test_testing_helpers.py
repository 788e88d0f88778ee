"""The test factories and file builders every suite uses: the files pass the upload checks a real upload
passes, and the identities are valid and fresh."""

from __future__ import annotations

import io

import pytest
from kit.security import OrgType, TokenVerifier
from kit.testing.factories import client_ip, credit_code, make_org, phone
from kit.testing.files import image_bytes, jpeg_bytes, pdf_bytes, png_bytes
from kit.uploads import check_file_sync
from PIL import Image
from pypdf import PdfReader
from stdnum.cn import uscc


def test_the_pdf_passes_the_upload_check_and_carries_its_text():
    data = pdf_bytes("检测报告 report", pages=2)
    assert check_file_sync(data, {"pdf"}).kind == "pdf"
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 2
    assert "report" in reader.pages[1].extract_text()


def test_images_are_what_they_say_and_pass_the_upload_check():
    png = png_bytes((30, 20), (1, 2, 3, 128))
    with Image.open(io.BytesIO(png)) as image:
        assert (image.format, image.size, image.mode) == ("PNG", (30, 20), "RGBA")
    assert check_file_sync(png, {"png"}).kind == "png"
    assert check_file_sync(jpeg_bytes(), {"jpeg"}).kind == "jpeg"
    with Image.open(io.BytesIO(image_bytes("JPEG", (800, 600), exif=True))) as image:
        assert image.getexif()[0x010F] == "SecretCam"


def test_identities_are_valid_and_fresh():
    codes = {credit_code() for _ in range(50)}
    assert len(codes) == 50 and all(uscc.is_valid(c) for c in codes)
    assert len({phone() for _ in range(50)}) == 50
    assert all(len(p) == 11 and p.startswith("139") for p in {phone()})
    assert client_ip().startswith("10.")


@pytest.mark.parametrize("kind", list(OrgType))
async def test_an_org_holds_a_token_of_its_own(kind, make_token, jwt_keys):
    org = make_org(make_token, kind.value, forerunner_verified=True)
    verifier = TokenVerifier(
        jwt_keys["public"].read_bytes(), issuer="lp-auth", audience="lp-platform", redis=None
    )
    principal = await verifier.verify(org.headers["Authorization"].removeprefix("Bearer "))
    assert (principal.org_id, principal.org_name, principal.org_type) == (org.id, org.name, kind)
    assert principal.org_type is kind and principal.forerunner_verified
    assert org.name.startswith(f"测试{kind.label}")
