"""Every PDF the service issues carries the platform's PAdES signature, and pyHanko's validator accepts it
against the platform CA; the agency's stamped upload is countersigned without breaking its own signature."""

from __future__ import annotations

import asyncio
import hashlib
import io
import uuid

from certificate.models import Certificate, Label
from certificate.signing.keys import SIGNER_NAME, load_material, new_ca, new_signing_cert, write_material
from certificate.signing.pades import NUMBER_KEY, sign_pdf
from kit.testing.files import pdf_bytes
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.status import SignatureCoverageLevel


def byte_range_sha256(pdf: bytes, sig) -> str:
    a, b, c, d = list(sig.sig_object["/ByteRange"])
    return hashlib.sha256(pdf[a : a + b] + pdf[c : c + d]).hexdigest()


def assert_platform_signed(status, sig) -> None:
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.coverage is SignatureCoverageLevel.ENTIRE_FILE
    assert status.signing_cert.subject.native["common_name"] == SIGNER_NAME
    # The chain travels with the signature (Adobe shows it without fetching anything).
    assert len(sig.signed_data["certificates"]) == 2
    assert sig.sig_object["/Location"] == "中国" and sig.sig_object["/Reason"]
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"


async def test_an_issued_certificate_is_signed_and_the_row_records_what_the_verifier_needs(
    org, published, client, runtime, validate_signature
):
    enterprise, agency = org("enterprise"), org("agency")
    _, cert = await published(enterprise, agency)
    pdf = (await client.get(f"/api/certificates/{cert['id']}/file", headers=enterprise.headers)).content
    sig, status = await validate_signature(pdf)
    assert_platform_signed(status, sig)
    assert cert["number"] in str(sig.sig_object["/Reason"])
    info = PdfFileReader(io.BytesIO(pdf)).trailer_view["/Info"]
    assert str(info[NUMBER_KEY]) == cert["number"]
    async with runtime.db.session() as session:
        row = await session.get(Certificate, uuid.UUID(cert["id"]))
        assert row is not None
        assert row.unstamped_sha256 == byte_range_sha256(pdf, sig)
        assert row.unstamped_signer == hashlib.sha256(status.signing_cert.dump()).hexdigest()
        assert row.stamped_sha256 is None


async def test_label_pdfs_are_signed_and_pngs_are_not(org, published, client, runtime, validate_signature):
    enterprise, agency = org("enterprise"), org("agency")
    _, cert = await published(enterprise, agency, models=1)
    r = await client.post(
        "/api/certificates/labels",
        json={"model_id": cert["models"][0]["model_id"]},
        headers=enterprise.headers,
    )
    label = r.json()
    pdf = (
        await client.get(f"/api/certificates/labels/{label['id']}/file", headers=enterprise.headers)
    ).content
    sig, status = await validate_signature(pdf)
    assert_platform_signed(status, sig)
    assert label["number"] in str(sig.sig_object["/Reason"])
    async with runtime.db.session() as session:
        row = await session.get(Label, uuid.UUID(label["id"]))
        assert row is not None and row.pdf_sha256 == byte_range_sha256(pdf, sig)
    png = await client.get(
        f"/api/certificates/labels/{label['id']}/file?format=png", headers=enterprise.headers
    )
    assert png.content.startswith(b"\x89PNG") and b"/ByteRange" not in png.content


async def test_the_stamped_upload_is_countersigned_and_the_agencys_own_signature_survives(
    org, published, client, runtime, validate_signature, tmp_path
):
    enterprise, agency = org("enterprise"), org("agency")
    _, cert = await published(enterprise, agency)
    # The agency signs its scan with its own key, issued by its own CA.
    ca = new_ca("某评估机构根证书")
    write_material(tmp_path, ca=ca, signing=new_signing_cert(*ca, "中国家用电器研究院"))
    agency_keys = load_material(
        tmp_path / "signing-key.pem", tmp_path / "signing-cert.pem", tmp_path / "trusted-ca.pem"
    )
    signed = await asyncio.to_thread(
        sign_pdf, pdf_bytes("stamped scan"), agency_keys, number=cert["number"], reason="评估机构盖章"
    )
    scan = signed.data

    r = await client.post(
        f"/api/certificates/{cert['id']}/stamped",
        files={"file": ("盖章版.pdf", scan, "application/pdf")},
        headers=agency.headers,
    )
    assert r.status_code == 200, r.text
    served = (await client.get(f"/api/certificates/{cert['id']}/file", headers=enterprise.headers)).content
    assert served.startswith(scan)
    sig, status = await validate_signature(served)
    assert_platform_signed(status, sig)
    # The agency's signature is still intact and valid under its own CA; it covers its own revision.
    _, agency_status = await validate_signature(served, 0, trust=list(agency_keys.trusted))
    assert agency_status.intact and agency_status.valid and agency_status.trusted
    assert agency_status.signing_cert.subject.native["common_name"] == "中国家用电器研究院"
    assert agency_status.coverage is SignatureCoverageLevel.ENTIRE_REVISION
    async with runtime.db.session() as session:
        row = await session.get(Certificate, uuid.UUID(cert["id"]))
        assert row is not None and row.stamped_sha256 == byte_range_sha256(served, sig)
        assert row.unstamped_sha256 and row.unstamped_sha256 != row.stamped_sha256


def _certified_no_changes(pdf: bytes, keys) -> bytes:
    """An author (certification) signature that forbids any later change, as some scan tools make."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name="Author", certify=True, docmdp_permissions=fields.MDPPerm.NO_CHANGES
    )
    signer = signers.SimpleSigner(
        signing_cert=keys.signing_cert,
        signing_key=keys.signing_key,
        cert_registry=SimpleCertificateStore.from_certs([keys.issuer]),
    )
    return signers.sign_pdf(writer, meta, signer=signer).getvalue()


async def test_a_stamped_upload_locked_against_changes_is_refused_with_a_reason(
    org, published, client, tmp_path
):
    enterprise, agency = org("enterprise"), org("agency")
    _, cert = await published(enterprise, agency)
    ca = new_ca("某评估机构根证书")
    write_material(tmp_path, ca=ca, signing=new_signing_cert(*ca, "某评估机构"))
    keys = load_material(
        tmp_path / "signing-key.pem", tmp_path / "signing-cert.pem", tmp_path / "trusted-ca.pem"
    )
    locked = await asyncio.to_thread(_certified_no_changes, pdf_bytes("locked scan"), keys)
    r = await client.post(
        f"/api/certificates/{cert['id']}/stamped",
        files={"file": ("盖章版.pdf", locked, "application/pdf")},
        headers=agency.headers,
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "stamped_unsignable"
    shown = (await client.get(f"/api/certificates/{cert['id']}", headers=agency.headers)).json()
    assert shown["stamped"] is False
