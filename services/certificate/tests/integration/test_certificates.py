"""Certificates, stamped uploads, labels, star labels and verification, through events and HTTP."""

from __future__ import annotations

import asyncio
import io
import re
import uuid
from datetime import date, timedelta

import pytest
from certificate import offline, workers
from certificate.config import Settings
from certificate.models import Product, StarProduct
from kit.downloads import sign_download
from kit.testing.factories import bearer
from kit.testing.files import pdf_bytes
from kit.testing.fixtures import wait_until
from kit.testing.openapi import assert_documented
from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    return "".join(PdfReader(io.BytesIO(data)).pages[0].extract_text().split())


def stamped_scan() -> bytes:
    """What an agency uploads: a PDF (here a one-page stand-in for the scanned, stamped certificate)."""
    return pdf_bytes("stamped certificate scan")


def code_of(verify_url: str) -> str:
    return verify_url.rsplit("/", 1)[1]


# --- issuing --------------------------------------------------------------------------------------------


async def test_publication_issues_one_certificate_even_when_the_event_comes_again(
    org, published, bus, client
):
    enterprise, agency = org("enterprise"), org("agency")
    payload, cert = await published(enterprise, agency, product_code="JD-01")
    assert re.fullmatch(r"LP-2025-JD01-\d{5}", cert["number"])
    assert cert["status"] == "valid" and cert["status_label"] == "有效"
    assert cert["issued_on"] == "2026-03-01"
    assert cert["valid_until"] == "2029-02-28"  # 36 months, the last day in force
    assert [m["spec"] for m in cert["models"]] == ["BCD-500WDPD", "BCD-501WDPD"]
    assert cert["verify_url"].startswith("https://lp.example.cn/verify/")

    # The declaration service publishes once more (a new event id), and the broker redelivers that
    # very event (same id): neither may issue a second certificate.
    again = await bus.publish("declaration.published", payload)
    await bus.publish("declaration.published", payload, event_id=again.id)
    await wait_until(
        lambda: len(bus.emitted("certificate.issued", declaration_id=payload["declaration_id"])) >= 1
    )
    await asyncio.sleep(1.0)  # give the duplicates every chance to be (wrongly) handled
    r = await client.get("/api/certificates", headers=enterprise.headers)
    assert r.json()["total"] == 1
    assert len(bus.emitted("certificate.issued", declaration_id=payload["declaration_id"])) == 1


async def test_certificate_pdf_holds_the_declaration(org, published, client):
    enterprise, agency = org("enterprise", "青岛海川电冰箱有限公司"), org("agency", "中国家用电器研究院")
    _, cert = await published(enterprise, agency)
    r = await client.get(f"/api/certificates/{cert['id']}/file", headers=enterprise.headers)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert "attachment" in r.headers["content-disposition"]
    text = pdf_text(r.content)
    for expected in (
        "企业标准“领跑者”证书",
        cert["number"],
        "青岛海川电冰箱有限公司",
        "Q/HR102-2024",
        "家用电冰箱能效与保鲜",
        "BCD-500WDPD、BCD-501WDPD",
        "中国家用电器研究院",
        "2025年度",
        "评估机构盖章",
    ):
        assert expected in text, expected


async def test_a_service_type_declaration_without_models_gets_its_certificate(org, published, client):
    enterprise, agency = org("enterprise"), org("agency")
    _, cert = await published(enterprise, agency, models=0)
    assert cert["models"] == []
    r = await client.get(f"/api/certificates/{cert['id']}/file", headers=enterprise.headers)
    assert r.status_code == 200 and cert["number"] in pdf_text(r.content)


# --- access ---------------------------------------------------------------------------------------------


async def test_other_tenants_get_404(org, published, client):
    a, b, agency, other_agency = org("enterprise"), org("enterprise"), org("agency"), org("agency")
    _, cert = await published(a, agency)
    for who in (b, other_agency):
        for path in (
            f"/api/certificates/{cert['id']}",
            f"/api/certificates/{cert['id']}/file",
            f"/api/certificates/{cert['id']}/file?link=true",
            f"/api/certificates/{cert['id']}/history",
        ):
            r = await client.get(path, headers=who.headers)
            assert r.status_code == 404, (who.type, path, r.text)
            assert r.json()["error"]["code"] == "certificate_not_found"
    listed = await client.get("/api/certificates", headers=b.headers)
    assert all(c["id"] != cert["id"] for c in listed.json()["items"])
    # The product's own agency and the working group see it.
    assert (await client.get(f"/api/certificates/{cert['id']}", headers=agency.headers)).status_code == 200
    assert (
        await client.get(f"/api/certificates/{cert['id']}", headers=org("working_group").headers)
    ).status_code == 200
    assert (await client.get("/api/certificates")).status_code == 401


async def test_download_links_are_short_lived_and_signed(org, published, client, settings: Settings):
    enterprise, agency = org("enterprise"), org("agency")
    _, cert = await published(enterprise, agency)
    r = await client.get(f"/api/certificates/{cert['id']}/file?link=true", headers=enterprise.headers)
    assert r.status_code == 200
    link = r.json()
    assert 0 < link["expires_in"] <= 900
    # The link itself needs no token: it is the proof of the access check.
    direct = await client.get(link["url"])
    assert direct.status_code == 200 and direct.content.startswith(b"%PDF-")

    token = link["url"].rsplit("/", 1)[1]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert (await client.get(f"/api/certificates/downloads/{tampered}")).status_code == 404
    expired = sign_download(
        settings.download_secret,
        service="certificate",
        bucket="lp-certificates",
        key=f"certificates/unstamped/{uuid.uuid4()}.pdf",
        filename="x.pdf",
        content_type="application/pdf",
        ttl=-1,
    )
    r = await client.get(f"/api/certificates/downloads/{expired}")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "download_link_expired"
    # Signed with the same secret by another service, or for another bucket: not a link of this route.
    for service, bucket in (("declaration", "lp-certificates"), ("certificate", "lp-evidence")):
        foreign = sign_download(
            settings.download_secret,
            service=service,
            bucket=bucket,
            key=token,
            filename="x.pdf",
            content_type="application/pdf",
            ttl=60,
        )
        r = await client.get(f"/api/certificates/downloads/{foreign}")
        assert r.status_code == 404 and r.json()["error"]["code"] == "download_link_invalid"


# --- stamped version ------------------------------------------------------------------------------------


async def test_agency_uploads_the_stamped_version_which_is_then_served(org, published, client, bus):
    enterprise, agency, other_agency = org("enterprise"), org("agency"), org("agency")
    _, cert = await published(enterprise, agency)
    scan = stamped_scan()
    files = {"file": ("盖章版.pdf", scan, "application/pdf")}

    r = await client.post(
        f"/api/certificates/{cert['id']}/stamped", files=files, headers=other_agency.headers
    )
    assert r.status_code == 404
    r = await client.post(f"/api/certificates/{cert['id']}/stamped", files=files, headers=enterprise.headers)
    assert r.status_code == 403
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    r = await client.post(
        f"/api/certificates/{cert['id']}/stamped",
        files={"file": ("scan.pdf", png, "application/pdf")},
        headers=agency.headers,
    )
    assert r.status_code == 415, r.text
    r = await client.post(
        f"/api/certificates/{cert['id']}/stamped",
        files={"file": ("scan.pdf", b"%PDF-1.4 garbage", "application/pdf")},
        headers=agency.headers,
    )
    assert r.status_code == 422, r.text

    pending = (await client.get("/api/certificates?stamped=false", headers=agency.headers)).json()
    assert [c["id"] for c in pending["items"]] == [cert["id"]]
    r = await client.post(f"/api/certificates/{cert['id']}/stamped", files=files, headers=agency.headers)
    assert r.status_code == 200, r.text
    assert r.json()["stamped"] is True
    assert (await client.get("/api/certificates?stamped=false", headers=agency.headers)).json()["total"] == 0
    done = (await client.get("/api/certificates?stamped=true", headers=agency.headers)).json()
    assert [c["id"] for c in done["items"]] == [cert["id"]]
    served = await client.get(f"/api/certificates/{cert['id']}/file", headers=enterprise.headers)
    # The scan as uploaded, and after it the platform's countersignature (an incremental update).
    assert served.content.startswith(scan) and len(served.content) > len(scan)
    assert "%E7%9B%96%E7%AB%A0%E7%89%88" in served.headers["content-disposition"]  # 盖章版
    await wait_until(lambda: bus.emitted("certificate.stamped", certificate_id=cert["id"]))
    history = (await client.get(f"/api/certificates/{cert['id']}/history", headers=enterprise.headers)).json()
    assert [h["action"] for h in history["items"]] == ["issued", "stamped"] and history["total"] == 2


async def test_file_answers_are_the_ones_the_document_lists(org, published, client, app):
    """The fuzz suite checks answers against the OpenAPI document but rarely reaches a file: these are the
    real ones. The certificate is a PDF only, a label a PDF or a PNG, and a signed link serves the bytes,
    never JSON (the document used to offer PNG for certificates and JSON for links)."""
    enterprise, agency = org("enterprise"), org("agency")
    _, cert = await published(enterprise, agency)
    model_id = cert["models"][0]["model_id"]
    label = (
        await client.post("/api/certificates/labels", json={"model_id": model_id}, headers=enterprise.headers)
    ).json()
    answers = [
        await client.get(f"/api/certificates/{cert['id']}/file", headers=enterprise.headers),
        link := await client.get(
            f"/api/certificates/{cert['id']}/file?link=true", headers=enterprise.headers
        ),
        await client.get(link.json()["url"]),
        await client.get(
            f"/api/certificates/labels/{label['id']}/file?format=png", headers=enterprise.headers
        ),
        await client.get(
            f"/api/certificates/labels/{label['id']}/file?format=pdf&link=true", headers=enterprise.headers
        ),
        await client.get("/api/certificates/downloads/not-a-link"),
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 200, 404]
    for answer in answers:
        assert_documented(app, answer)
    paths = app.openapi()["paths"]
    assert set(paths["/api/certificates/{certificate_id}/file"]["get"]["responses"]["200"]["content"]) == {
        "application/pdf",
        "application/json",
    }
    assert set(paths["/api/certificates/downloads/{token}"]["get"]["responses"]["200"]["content"]) == {
        "application/pdf",
        "image/png",
    }


# --- labels ---------------------------------------------------------------------------------------------


async def test_enterprise_applies_for_labels_per_model(org, published, client, bus, decode_qr):
    a, b, agency = org("enterprise"), org("enterprise"), org("agency")
    payload, cert = await published(a, agency)
    model_id = cert["models"][1]["model_id"]

    r = await client.post("/api/certificates/labels", json={"model_id": model_id}, headers=a.headers)
    assert r.status_code == 201, r.text
    label = r.json()
    assert label["number"] == f"{cert['number']}-002"
    assert label["model"] == "BCD-501WDPD" and label["status"] == "valid"
    again = await client.post("/api/certificates/labels", json={"model_id": model_id}, headers=a.headers)
    assert again.status_code == 200 and again.json()["id"] == label["id"]
    assert (
        await client.post("/api/certificates/labels", json={"model_id": model_id}, headers=b.headers)
    ).status_code == 404
    assert (
        await client.post("/api/certificates/labels", json={"model_id": str(uuid.uuid4())}, headers=a.headers)
    ).status_code == 404
    assert (
        await client.post("/api/certificates/labels", json={"model_id": "nope"}, headers=a.headers)
    ).status_code == 422
    assert (
        await client.post("/api/certificates/labels", json={"model_id": model_id}, headers=agency.headers)
    ).status_code == 403

    pdf = await client.get(f"/api/certificates/labels/{label['id']}/file?format=pdf", headers=a.headers)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "BCD-501WDPD" in pdf_text(pdf.content)
    png = await client.get(f"/api/certificates/labels/{label['id']}/file?format=png", headers=a.headers)
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    from PIL import Image

    [scanned] = decode_qr(Image.open(io.BytesIO(png.content)).convert("RGB"))
    # the verify URL, and in its fragment the fields signed for the offline check
    url, _, fragment = scanned.partition("#")
    assert url == label["verify_url"] and fragment.startswith("v1.")
    verdict = offline.verify(scanned, (await client.get("/api/certificates/keys")).json())
    assert verdict.ok and verdict.fields is not None
    assert (verdict.fields.number, verdict.fields.holder, verdict.fields.subject) == (
        label["number"],
        label["enterprise_name"],
        "BCD-501WDPD",
    )
    assert verdict.fields.valid_until == date.fromisoformat(cert["valid_until"])
    assert (
        await client.get(f"/api/certificates/labels/{label['id']}/file?format=gif", headers=a.headers)
    ).status_code == 422
    for path in (f"/api/certificates/labels/{label['id']}", f"/api/certificates/labels/{label['id']}/file"):
        assert (await client.get(path, headers=b.headers)).status_code == 404
    listed = (await client.get("/api/certificates/labels", headers=a.headers)).json()
    assert [x["id"] for x in listed["items"]] == [label["id"]]
    # The certificate tells which of its models already have their label.
    shown = (await client.get(f"/api/certificates/{cert['id']}", headers=a.headers)).json()
    assert [m["label_id"] for m in shown["models"]] == [None, label["id"]]
    in_list = (await client.get("/api/certificates", headers=a.headers)).json()["items"][0]
    assert [m["label_id"] for m in in_list["models"]] == [None, label["id"]]
    assert len(bus.emitted("label.issued", label_id=label["id"])) <= 1
    await wait_until(lambda: bus.emitted("label.issued", label_id=label["id"]))

    # A model appended after publication can have its label too.
    appended = {
        "model_id": str(uuid.uuid4()),
        "name": "海川牌家用电冰箱",
        "spec": "BCD-650WDPD",
        "intro": "新款",
    }
    await bus.publish(
        "declaration.model_appended",
        {"declaration_id": payload["declaration_id"], "org_id": a.id, "model": appended},
    )

    async def _appended():
        r = await client.get(f"/api/certificates/{cert['id']}", headers=a.headers)
        return [m for m in r.json()["models"] if m["appended"]]

    assert (await wait_until(_appended))[0]["spec"] == "BCD-650WDPD"
    r = await client.post(
        "/api/certificates/labels", json={"model_id": appended["model_id"]}, headers=a.headers
    )
    assert r.status_code == 201 and r.json()["number"] == f"{cert['number']}-003"


# --- verification, revocation, expiry ------------------------------------------------------------------


async def test_verification_shows_valid_then_revoked(org, published, client, bus):
    enterprise, agency, group = org("enterprise"), org("agency"), org("working_group")
    _, cert = await published(enterprise, agency)
    label = (
        await client.post(
            "/api/certificates/labels",
            json={"model_id": cert["models"][0]["model_id"]},
            headers=enterprise.headers,
        )
    ).json()

    r = await client.get(f"/api/certificates/verify/{code_of(cert['verify_url'])}")
    assert r.status_code == 200
    assert r.json()["status"] == "valid" and r.json()["number"] == cert["number"]
    r = await client.get(f"/api/certificates/verify/{code_of(label['verify_url'])}")
    assert r.json()["status"] == "valid" and r.json()["kind"] == "forerunner_label"

    assert (
        await client.post(
            f"/api/certificates/{cert['id']}/revoke",
            json={"reason": "企业标准已废止"},
            headers=enterprise.headers,
        )
    ).status_code == 403
    assert (
        await client.post(
            f"/api/certificates/{cert['id']}/revoke", json={"reason": " "}, headers=group.headers
        )
    ).status_code == 422
    r = await client.post(
        f"/api/certificates/{cert['id']}/revoke", json={"reason": "企业标准已废止"}, headers=group.headers
    )
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    again = await client.post(
        f"/api/certificates/{cert['id']}/revoke", json={"reason": "重复撤销"}, headers=group.headers
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "certificate_revoked"

    shown = (await client.get(f"/api/certificates/verify/{code_of(cert['verify_url'])}")).json()
    assert shown["status"] == "revoked" and shown["status_label"] == "已撤销"
    assert shown["revoked_reason"] == "企业标准已废止"
    assert (await client.get(f"/api/certificates/verify/{code_of(label['verify_url'])}")).json()[
        "status"
    ] == "revoked"
    page = await client.get(f"/verify/{code_of(cert['verify_url'])}")
    assert page.status_code == 200 and "已撤销" in page.text and "企业标准已废止" in page.text

    revoked = await wait_until(lambda: bus.emitted("certificate.revoked", certificate_id=cert["id"]))
    assert sorted(revoked[0]["model_ids"]) == sorted(m["model_id"] for m in cert["models"])
    # No new labels, no download for the enterprise, no stamping on a revoked certificate.
    r = await client.post(
        "/api/certificates/labels",
        json={"model_id": cert["models"][1]["model_id"]},
        headers=enterprise.headers,
    )
    assert r.status_code == 409
    assert (
        await client.get(f"/api/certificates/{cert['id']}/file", headers=enterprise.headers)
    ).status_code == 409
    r = await client.post(
        f"/api/certificates/{cert['id']}/stamped",
        files={"file": ("s.pdf", stamped_scan(), "application/pdf")},
        headers=agency.headers,
    )
    assert r.status_code == 409


@pytest.mark.parametrize("code", ["AAAAAAAAAAAAAAAAAAAAAA", "short", "LP-2025-JD01-99999", "%3Cscript%3E"])
async def test_verification_of_unknown_codes(code, client):
    r = await client.get(f"/api/certificates/verify/{code}")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "verification_not_found"
    assert r.json()["error"]["details"] == {"status": "unknown"}
    page = await client.get(f"/verify/{code}")
    assert page.status_code == 404 and "未查询到" in page.text and "<script>" not in page.text
    assert page.headers["content-type"].startswith("text/html")


async def test_the_verification_page_stylesheet_is_served_by_the_service(client):
    css = await client.get("/verify/static/verify.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert ".status" in css.text
    js = await client.get("/verify/static/offline.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert "/verify?code=" in js.text


async def test_a_typed_in_number_verifies_too(org, published, client):
    enterprise, agency = org("enterprise"), org("agency")
    _, cert = await published(enterprise, agency)
    label = (
        await client.post(
            "/api/certificates/labels",
            json={"model_id": cert["models"][0]["model_id"]},
            headers=enterprise.headers,
        )
    ).json()
    by_number = (await client.get(f"/api/certificates/verify/{cert['number'].lower()}")).json()
    assert by_number["number"] == cert["number"] and by_number["status"] == "valid"
    by_label_number = (await client.get(f"/api/certificates/verify/{label['number']}")).json()
    assert by_label_number["kind"] == "forerunner_label" and by_label_number["model"] == label["model"]
    assert by_label_number["certificate_number"] == cert["number"]


async def test_expiry_poller_is_idempotent(org, published, client, clock, runtime, bus):
    enterprise, agency = org("enterprise"), org("agency")
    _, cert = await published(enterprise, agency)
    saved = clock.at
    try:
        # Still valid on its last day (Beijing time), expired the day after.
        clock.at = saved + timedelta(days=365 * 3 - 2)
        await workers.expire_once(runtime)
        assert (await client.get(f"/api/certificates/{cert['id']}", headers=enterprise.headers)).json()[
            "status"
        ] == "valid"
        clock.at = saved + timedelta(days=365 * 3 + 1)
        assert await workers.expire_once(runtime) >= 1
        assert await workers.expire_once(runtime) == 0
    finally:
        clock.at = saved
    shown = (await client.get(f"/api/certificates/verify/{code_of(cert['verify_url'])}")).json()
    assert shown["status"] == "expired" and shown["status_label"] == "已过期"
    await wait_until(lambda: bus.emitted("certificate.expired", certificate_id=cert["id"]))
    await asyncio.sleep(0.3)
    assert len(bus.emitted("certificate.expired", certificate_id=cert["id"])) == 1
    history = (await client.get(f"/api/certificates/{cert['id']}/history", headers=enterprise.headers)).json()
    assert [h["action"] for h in history["items"]] == ["issued", "expired"]


# --- star labels ----------------------------------------------------------------------------------------


async def test_star_label_once_promotion_is_complete(org, bus, client, runtime, decode_qr):
    # star products (星级产品库) need no forerunner identity authentication
    enterprise = org("enterprise", "波司登羽绒服装有限公司", verified=False)
    product_id, star_product_id = uuid.uuid4(), uuid.uuid4()
    await bus.publish(
        "catalog.product_saved",
        {
            "product_id": product_id,
            "code": "FZ03",
            "name": "羽绒服",
            "field": "纺织服装",
            "year": 2026,
            "product_type": "product",
        },
        producer="benchmark",
    )
    await bus.publish(
        "catalog.plan_finalised",
        {
            "product_id": product_id,
            "plan_id": uuid.uuid4(),
            "version": 1,
            "title": "羽绒服评估方案",
            "group_standard": "T/CNTAC 8-2018",
            "product_type": "product",
            "graded": True,
            "finalised_at": "2026-01-01T00:00:00Z",
            "indicators": [],
        },
        producer="benchmark",
    )
    await bus.publish(
        "star_product.declared",
        {
            "star_product_id": star_product_id,
            "org_id": enterprise.id,
            "enterprise_name": enterprise.name,
            "product_id": product_id,
            "product_name": "羽绒服",
            "field": "纺织服装",
            "name": "极寒系列羽绒服",
            "model": "B20145021",
            "star": 4,
            "plan_version": 1,
            "results": [],
            "declared_at": "2026-02-01T00:00:00Z",
        },
    )

    async def _copies_landed():
        async with runtime.db.session() as session:
            product = await session.get(Product, product_id)
            declared = await session.get(StarProduct, star_product_id)
            return product is not None and product.group_standard and product.code and declared is not None

    await wait_until(_copies_landed, timeout=60)
    completed = {
        "model_id": star_product_id,
        "org_id": enterprise.id,
        "source": "star",
        "star_product_id": star_product_id,
        "star": 4,
        "product_name": "极寒系列羽绒服",
        "model": "B20145021",
        "enterprise_name": enterprise.name,
    }
    event = await bus.publish("mall.promotion_completed", completed, producer="mall")
    await bus.publish("mall.promotion_completed", completed, event_id=event.id, producer="mall")
    # A forerunner product's promotion does not make a star label (it has the forerunner label).
    await bus.publish(
        "mall.promotion_completed",
        {**completed, "model_id": uuid.uuid4(), "source": "forerunner", "star": 5, "star_product_id": None},
        producer="mall",
    )

    async def _labels():
        r = await client.get("/api/certificates/labels?kind=star", headers=enterprise.headers)
        return r.json()["items"]

    labels = await wait_until(_labels, timeout=20)
    await asyncio.sleep(1.0)
    labels = await _labels()
    assert len(labels) == 1
    label = labels[0]
    # without a kind, an enterprise before authentication sees its star labels
    everything = (await client.get("/api/certificates/labels", headers=enterprise.headers)).json()["items"]
    assert [x["id"] for x in everything] == [label["id"]]
    assert re.fullmatch(r"XJ-2026-FZ03-\d{5}", label["number"])
    assert label["star"] == 4 and label["standard"] == "T/CNTAC 8-2018"
    pdf = await client.get(f"/api/certificates/labels/{label['id']}/file", headers=enterprise.headers)
    text = pdf_text(pdf.content)
    assert "四星级" in text and "T/CNTAC8-2018" in text and "B20145021" in text
    shown = (await client.get(f"/api/certificates/verify/{code_of(label['verify_url'])}")).json()
    assert shown["status"] == "valid" and shown["kind"] == "star_label" and shown["star"] == 4
    assert len(bus.emitted("label.issued", model_id=star_product_id)) <= 1


async def test_forerunner_documents_need_identity_authentication(org, published, client, make_token):
    """领跑者证书 and 领跑者标识 open only after 领跑者企业身份认证: the service answers 403
    ``forerunner_auth_required`` to an enterprise token without ``fv``, whatever the portal shows."""
    enterprise, agency = org("enterprise"), org("agency")
    _, cert = await published(enterprise, agency, models=1)
    model_id = cert["models"][0]["model_id"]
    label = await client.post(
        "/api/certificates/labels", json={"model_id": model_id}, headers=enterprise.headers
    )
    assert label.status_code == 201, label.text
    label_id = label.json()["id"]
    before = bearer(make_token("enterprise", org_id=enterprise.id, org_name=enterprise.name))
    for method, path, body in [
        ("GET", "/api/certificates", None),
        ("GET", f"/api/certificates/{cert['id']}", None),
        ("GET", f"/api/certificates/{cert['id']}/file", None),
        ("GET", f"/api/certificates/{cert['id']}/file?link=true", None),
        ("GET", f"/api/certificates/{cert['id']}/history", None),
        ("GET", "/api/certificates/labels?kind=forerunner", None),
        ("GET", f"/api/certificates/labels?certificate_id={cert['id']}", None),
        ("POST", "/api/certificates/labels", {"model_id": model_id}),
        ("GET", f"/api/certificates/labels/{label_id}", None),
        ("GET", f"/api/certificates/labels/{label_id}/file?format=png", None),
    ]:
        r = await client.request(method, path, json=body, headers=before)
        assert r.status_code == 403, (method, path, r.status_code, r.text)
        error = r.json()["error"]
        assert error["code"] == "forerunner_auth_required" and "领跑者企业身份认证" in error["message"], error
    # the star-label list stays open, without the forerunner label
    r = await client.get("/api/certificates/labels", headers=before)
    assert r.status_code == 200 and label_id not in [x["id"] for x in r.json()["items"]]
    # the agency and the working group are not enterprises: no authentication to ask of them
    assert (
        await client.get(f"/api/certificates/{cert['id']}/file", headers=agency.headers)
    ).status_code == 200
    # after authentication the same enterprise downloads both
    assert (
        await client.get(f"/api/certificates/{cert['id']}/file", headers=enterprise.headers)
    ).status_code == 200
    r = await client.get(f"/api/certificates/labels/{label_id}/file", headers=enterprise.headers)
    assert r.status_code == 200 and r.content[:4] == b"%PDF"


# --- concurrency ----------------------------------------------------------------------------------------


async def test_concurrent_issues_in_one_series_get_consecutive_numbers(org, published):
    agency = org("agency")
    code = f"C{uuid.uuid4().hex[:5].upper()}"
    results = await asyncio.gather(
        *(published(org("enterprise"), agency, product_code=code) for _ in range(4))
    )
    numbers = sorted(cert["number"] for _, cert in results)
    assert numbers == [f"LP-2025-{code}-{n:05d}" for n in range(1, 5)]


async def test_concurrent_label_applications_give_one_label(org, published, client):
    enterprise, agency = org("enterprise"), org("agency")
    _, cert = await published(enterprise, agency)
    body = {"model_id": cert["models"][0]["model_id"]}
    first, second = await asyncio.gather(
        client.post("/api/certificates/labels", json=body, headers=enterprise.headers),
        client.post("/api/certificates/labels", json=body, headers=enterprise.headers),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 201]
    assert first.json()["id"] == second.json()["id"]
