"""POST /api/certificates/verify/file: a PDF in hand is authentic, authentic but ended, altered, or not the
platform's — judged by pyHanko against the platform CA and by the digest recorded at issue."""

from __future__ import annotations

import asyncio
import io
import uuid
from datetime import timedelta

import pytest
from certificate.domain.statuses import CertificateStatus
from certificate.models import Certificate
from certificate.service.common import keys_of
from certificate.signing.keys import load_material, new_ca, new_signing_cert, write_material
from certificate.signing.pades import sign_pdf
from kit.testing.files import pdf_bytes
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

URL = "/api/certificates/verify/file"


async def check(client, data: bytes, name: str = "证书.pdf"):
    return await client.post(URL, files={"file": (name, data, "application/pdf")})


async def verdict_of(client, data: bytes) -> dict:
    r = await check(client, data)
    assert r.status_code == 200, r.text
    return r.json()


def foreign_keys(directory, *, copy_our_names: bool = False):
    """Another CA and signing certificate, made the same way (optionally with the platform's very names)."""
    ca = new_ca() if copy_our_names else new_ca("某自建根证书")
    write_material(directory, ca=ca, signing=new_signing_cert(*ca))
    return load_material(
        directory / "signing-key.pem", directory / "signing-cert.pem", directory / "trusted-ca.pem"
    )


@pytest.fixture
def certificate_pdf(org, published, client):
    async def _issue(**kw):
        enterprise, agency = org("enterprise"), org("agency")
        _, cert = await published(enterprise, agency, **kw)
        pdf = (await client.get(f"/api/certificates/{cert['id']}/file", headers=enterprise.headers)).content
        return cert, pdf, enterprise, agency

    return _issue


async def test_an_issued_certificate_is_authentic_and_valid(certificate_pdf, client):
    cert, pdf, _, _ = await certificate_pdf()
    body = await verdict_of(client, pdf)
    assert body["verdict"] == "authentic" and body["verdict_label"] == "真实有效"
    assert body["number"] == cert["number"] and body["signer"] == "质量分级及“领跑者”管理信息平台电子签名"
    assert "未被改动" in body["meaning"]
    doc = body["document"]
    assert doc["kind"] == "certificate" and doc["number"] == cert["number"] and doc["status"] == "valid"
    assert doc["enterprise_name"] == cert["enterprise_name"]


async def test_one_byte_changed_inside_the_signed_range_is_altered(certificate_pdf, client):
    _, pdf, _, _ = await certificate_pdf()
    # A byte of the page content (the original revision), and a digit of the signing time in the signature
    # dictionary (the signed update itself).
    for position in (len(pdf) // 4, pdf.rindex(b"(D:") + 6):
        changed = bytearray(pdf)
        changed[position] = ord("3") if changed[position] != ord("3") else ord("4")
        body = await verdict_of(client, bytes(changed))
        assert body["verdict"] == "altered", (position, body)
        assert body["verdict_label"] == "文件已被改动" and body["document"] is None and body["number"] is None


def _append_revision(pdf: bytes) -> bytes:
    """An incremental update after the signature that changes what the document says (its title)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    info_ref = writer.trailer.raw_get("/Info")
    info = info_ref.get_object()
    info["/Title"] = generic.TextStringObject("伪造的证书")
    writer.mark_update(info_ref)
    out = io.BytesIO()
    writer.write(out)
    assert out.getvalue().startswith(pdf) and len(out.getvalue()) > len(pdf)
    return out.getvalue()


async def test_changes_appended_after_the_signature_are_altered(certificate_pdf, client):
    _, pdf, _, _ = await certificate_pdf()
    body = await verdict_of(client, await asyncio.to_thread(_append_revision, pdf))
    assert body["verdict"] == "altered"
    assert body["detail"] == "签名之后文件被追加了修改"


async def test_a_file_signed_by_another_ca_is_not_ours_even_with_our_names(certificate_pdf, client, tmp_path):
    cert, _, _, _ = await certificate_pdf()
    for i, copy in enumerate((False, True)):
        keys = foreign_keys(tmp_path / str(i), copy_our_names=copy)
        forged = await asyncio.to_thread(
            sign_pdf, pdf_bytes("企业标准“领跑者”证书"), keys, number=cert["number"], reason="伪造"
        )
        body = await verdict_of(client, forged.data)
        assert body["verdict"] == "not_ours" and body["verdict_label"] == "非本平台签发", body
        assert body["document"] is None


async def test_an_unsigned_pdf_is_not_ours(client):
    body = await verdict_of(client, pdf_bytes("企业标准“领跑者”证书 LP-2025-JD01-00001"))
    assert body["verdict"] == "not_ours" and body["detail"] == "文件没有电子签名"


async def test_platform_signed_files_the_record_does_not_know_are_not_trusted(
    certificate_pdf, client, settings
):
    cert, _, _, _ = await certificate_pdf()
    keys = keys_of(settings)
    unknown = await asyncio.to_thread(sign_pdf, pdf_bytes("x"), keys, number="LP-2099-ZZ99-99999", reason="x")
    body = await verdict_of(client, unknown.data)
    assert body["verdict"] == "not_ours" and body["detail"] == "文件中的编号未在本平台登记"
    # The platform's key over content other than what was recorded for that number.
    other = await asyncio.to_thread(sign_pdf, pdf_bytes("x"), keys, number=cert["number"], reason="x")
    body = await verdict_of(client, other.data)
    assert body["verdict"] == "altered" and body["detail"] == "文件内容与平台签发时登记的不一致"


async def test_a_revoked_certificates_file_says_revoked_with_reason_and_date(certificate_pdf, client, org):
    cert, pdf, _, _ = await certificate_pdf()
    r = await client.post(
        f"/api/certificates/{cert['id']}/revoke",
        json={"reason": "抽查不合格"},
        headers=org("working_group").headers,
    )
    assert r.status_code == 200, r.text
    body = await verdict_of(client, pdf)
    assert body["verdict"] == "ended" and body["verdict_label"] == "真实，但已失效"
    assert body["document"]["status"] == "revoked" and body["document"]["revoked_reason"] == "抽查不合格"
    assert body["document"]["ended_at"]
    assert (
        "撤销" in body["meaning"] and "抽查不合格" in body["meaning"] and "2026年03月01日" in body["meaning"]
    )


async def test_an_expired_certificates_file_says_expired(certificate_pdf, client, runtime, clock):
    cert, pdf, _, _ = await certificate_pdf()
    async with runtime.db.transaction() as session:
        row = await session.get(Certificate, uuid.UUID(cert["id"]))
        assert row is not None
        # What the expiry poller records the day after validity ends.
        row.status, row.ended_at, row.end_reason = (
            CertificateStatus.EXPIRED,
            clock.at + timedelta(days=1096),
            "expired",
        )
    body = await verdict_of(client, pdf)
    assert body["verdict"] == "ended" and body["document"]["status"] == "expired"
    assert "过期" in body["meaning"] and body["document"]["revoked_reason"] is None


async def test_labels_and_the_countersigned_stamped_upload_verify(certificate_pdf, client):
    cert, pdf, enterprise, agency = await certificate_pdf(models=1)
    label = (
        await client.post(
            "/api/certificates/labels",
            json={"model_id": cert["models"][0]["model_id"]},
            headers=enterprise.headers,
        )
    ).json()
    label_pdf = (
        await client.get(f"/api/certificates/labels/{label['id']}/file", headers=enterprise.headers)
    ).content
    body = await verdict_of(client, label_pdf)
    assert body["verdict"] == "authentic" and body["document"]["kind"] == "forerunner_label"
    assert body["number"] == label["number"]

    r = await client.post(
        f"/api/certificates/{cert['id']}/stamped",
        files={"file": ("盖章版.pdf", pdf_bytes("stamped"), "application/pdf")},
        headers=agency.headers,
    )
    assert r.status_code == 200, r.text
    stamped = (await client.get(f"/api/certificates/{cert['id']}/file", headers=enterprise.headers)).content
    body = await verdict_of(client, stamped)
    assert body["verdict"] == "authentic" and body["document"]["stamped"] is True
    # The unstamped file handed out before stays authentic.
    assert (await verdict_of(client, pdf))["verdict"] == "authentic"


async def test_what_is_not_a_pdf_or_too_big_is_refused_with_a_reason(client, settings):
    for data in (b"hello, this is not a PDF", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64):
        r = await check(client, data)
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == "verify_not_pdf" and "PDF" in r.json()["error"]["message"]
    r = await check(client, b"%PDF-1.7\n" + b"garbage " * 200)
    assert r.status_code == 422 and r.json()["error"]["code"] == "pdf_corrupt", r.text
    r = await check(client, b"")
    assert r.status_code == 422 and r.json()["error"]["code"] == "file_empty"
    r = await check(client, b"%PDF-1.7\n" + b"0" * settings.verify_file_max_bytes)
    assert r.status_code == 413, r.text
    assert r.json()["error"]["code"] == "file_too_large" and "MB" in r.json()["error"]["message"]
    r = await client.post(URL)
    assert r.status_code == 422


async def test_checks_per_address_are_limited(client, settings, monkeypatch):
    """Anonymous file checks are limited per client address: beyond the limit a minute, 429 with Retry-After
    (before the file is read), while another address still gets its answer."""
    monkeypatch.setattr(settings, "verify_file_rate_per_minute", 3)
    address = f"2001:db8::{uuid.uuid4().hex[:4]}"  # the gateway's X-Forwarded-For: one address per run
    statuses = []
    for _ in range(4):
        r = await client.post(
            URL,
            files={"file": ("a.pdf", b"not a pdf", "application/pdf")},
            headers={"X-Forwarded-For": address},
        )
        statuses.append(r.status_code)
    assert statuses == [422, 422, 422, 429], statuses
    assert r.json()["error"]["code"] == "rate_limited" and int(r.headers["Retry-After"]) > 0
    other = await client.post(
        URL,
        files={"file": ("a.pdf", b"not a pdf", "application/pdf")},
        headers={"X-Forwarded-For": f"2001:db8::{uuid.uuid4().hex[:4]}"},
    )
    assert other.status_code == 422
