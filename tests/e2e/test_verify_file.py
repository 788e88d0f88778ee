"""Checking a file through the gateway, anonymously: a certificate downloaded by its enterprise is authentic,
the same file with one byte changed is altered, an unsigned PDF is not the platform's, a revoked certificate's
file says revoked with its reason; non-PDFs and oversized files are refused with a reason."""

from __future__ import annotations

from ._journeys import published_forerunner
from ._security_common import client
from .conftest import demo_headers, eventually, pdf_bytes

URL = "/api/certificates/verify/file"


async def test_verify_a_certificate_file_through_the_gateway(gw, sms, platform):
    journey = await published_forerunner(
        gw, sms, platform, name="宁波查验电器有限公司", standard_no="Q/NBCY 001-2024"
    )
    h, declaration = journey["enterprise"]["headers"], journey["declaration"]

    async def issued():
        r = await gw.get("/api/certificates", headers=h)
        return [c for c in r.json()["items"] if c["declaration_id"] == declaration["id"]]

    cert = (await eventually(issued, timeout=30))[0]
    r = await gw.get(f"/api/certificates/{cert['id']}/file", headers=h)
    assert r.status_code == 200, r.text
    pdf = r.content

    async with client(platform.gateway_url) as anonymous:

        async def check(data: bytes, name: str = "证书.pdf"):
            return await anonymous.post(URL, files={"file": (name, data, "application/pdf")})

        r = await check(pdf)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["verdict"] == "authentic" and body["verdict_label"] == "真实有效"
        assert body["number"] == cert["number"]
        assert body["document"]["enterprise_name"] == "宁波查验电器有限公司"

        changed = bytearray(pdf)
        changed[len(pdf) // 4] ^= 0x01
        assert (await check(bytes(changed))).json()["verdict"] == "altered"
        assert (await check(pdf_bytes("企业标准“领跑者”证书"))).json()["verdict"] == "not_ours"

        r = await check(b"just some text", "证书.pdf")
        assert r.status_code == 422 and r.json()["error"]["code"] == "verify_not_pdf"
        assert "PDF" in r.json()["error"]["message"]
        r = await check(b"%PDF-1.7\n" + b"0" * (20 * 1024 * 1024))
        assert r.status_code == 413 and r.json()["error"]["code"] == "file_too_large", r.text

        group = await demo_headers(gw, "workgroup01")
        r = await gw.post(
            f"/api/certificates/{cert['id']}/revoke", headers=group, json={"reason": "抽检不合格"}
        )
        assert r.status_code == 200, r.text
        body = (await check(pdf)).json()
        assert body["verdict"] == "ended" and body["document"]["status"] == "revoked"
        assert body["document"]["revoked_reason"] == "抽检不合格" and "抽检不合格" in body["meaning"]
