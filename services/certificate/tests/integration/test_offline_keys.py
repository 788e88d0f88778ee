"""The public keys of the QR signatures (GET /api/certificates/keys) and an issued certificate's QR code."""

from __future__ import annotations

from certificate import offline
from certificate.offline import DocumentKind
from certificate.offline.payload import b64url
from kit.testing.openapi import assert_documented


async def test_the_keys_are_public_typed_and_cacheable(client, settings):
    r = await client.get("/api/certificates/keys")
    assert r.status_code == 200, r.text
    body = r.json()
    keyring = offline.load_keyring(settings.qr_keyring_path)
    assert body["keys"][0] == {
        "kid": keyring.active_kid,
        "algorithm": "SM2-SM3",
        "public_key": keyring.active.public_key,
        "status": "active",
        "since": keyring.active.since.isoformat(),
        "until": None,
    }
    assert all("private_key" not in k for k in body["keys"])
    assert r.headers["cache-control"] == "public, max-age=3600"
    etag = r.headers["etag"]
    again = await client.get("/api/certificates/keys", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag and again.content == b""
    other = await client.get("/api/certificates/keys", headers={"If-None-Match": '"stale"'})
    assert other.status_code == 200 and other.json() == body
    # a stale or bogus token does not stand in the way of a public route
    assert (
        await client.get("/api/certificates/keys", headers={"Authorization": "Bearer nope"})
    ).status_code == 200


async def test_the_answers_are_documented(app, client):
    first = await client.get("/api/certificates/keys")
    assert_documented(app, first)
    assert_documented(
        app, await client.get("/api/certificates/keys", headers={"If-None-Match": first.headers["etag"]})
    )


async def test_an_issued_certificate_qr_code_verifies_offline(
    org, published, client, decode_qr, rasterise_pdf
):
    enterprise, agency = org("enterprise", "青岛海川电冰箱有限公司"), org("agency")
    _, cert = await published(enterprise, agency)
    pdf = (await client.get(f"/api/certificates/{cert['id']}/file", headers=enterprise.headers)).content
    [scanned] = decode_qr(rasterise_pdf(pdf, dpi=200).convert("RGB"))
    keys = (await client.get("/api/certificates/keys")).json()
    verdict = offline.verify(scanned, keys)
    assert verdict.ok, verdict
    assert verdict.fields is not None and verdict.fields.kind is DocumentKind.CERTIFICATE
    assert verdict.fields.number == cert["number"] and verdict.fields.holder == "青岛海川电冰箱有限公司"
    assert verdict.fields.subject == cert["standard_no"]
    assert (
        verdict.fields.valid_until is not None
        and verdict.fields.valid_until.isoformat() == cert["valid_until"]
    )
    # one altered character of the holder in the scanned text: the signature no longer matches
    version, kid, _, signature = scanned.split("#", 1)[1].split(".")
    altered = offline.SignedFields.of(
        DocumentKind.CERTIFICATE,
        number=verdict.fields.number,
        holder="青岛海川电冰箱有限公寺",
        subject=verdict.fields.subject,
        valid_until=verdict.fields.valid_until,
    )
    forged = f"{version}.{kid}.{b64url(altered.canonical())}.{signature}"
    assert offline.verify(forged, keys).code is offline.VerdictCode.BAD_SIGNATURE
