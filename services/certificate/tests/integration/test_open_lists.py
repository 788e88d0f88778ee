"""The open data lists of this service (/api/open/v1/certificates, /api/open/v1/labels): every certificate and
label with its live status as the verification page shows it (never the credit code), filters by status,
cursor pages and downloads."""

from __future__ import annotations

import csv
import io
import uuid

from kit.testing.openapi import assert_documented
from openpyxl import load_workbook


async def _all(client, path: str, **params) -> list[dict]:
    items, cursor = [], None
    while True:
        r = await client.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items


async def test_certificates_and_labels_with_their_status(org, published, client, app):
    field = f"开放领域{uuid.uuid4().hex[:6]}"
    enterprise, agency, group = org("enterprise", "=开放证书企业"), org("agency"), org("working_group")
    certs = [(await published(enterprise, agency, field=field, year=2027))[1] for _ in range(3)]
    label = (
        await client.post(
            "/api/certificates/labels",
            json={"model_id": certs[0]["models"][0]["model_id"]},
            headers=enterprise.headers,
        )
    ).json()
    r = await client.post(
        f"/api/certificates/{certs[0]['id']}/revoke", json={"reason": "企业标准已废止"}, headers=group.headers
    )
    assert r.status_code == 200, r.text

    listed = await _all(client, "/api/open/v1/certificates", field=field, limit=1)
    assert sorted(c["number"] for c in listed) == sorted(c["number"] for c in certs)
    revoked = next(c for c in listed if c["number"] == certs[0]["number"])
    assert revoked["status"] == "revoked" and revoked["status_label"] == "已撤销"
    assert revoked["revoked_reason"] == "企业标准已废止" and revoked["ended_at"]
    assert revoked["verify_url"] == certs[0]["verify_url"] and revoked["models"] == [
        "BCD-500WDPD",
        "BCD-501WDPD",
    ]
    assert "credit_code" not in revoked and "id" not in revoked
    valid = await _all(client, "/api/open/v1/certificates", field=field, status="valid")
    assert {c["number"] for c in valid} == {c["number"] for c in certs[1:]}

    # the label shares its certificate's fate
    labels = await _all(client, "/api/open/v1/labels", year=2027, status="revoked", kind="forerunner")
    mine = next(lb for lb in labels if lb["number"] == label["number"])
    assert mine["certificate_number"] == certs[0]["number"] and mine["kind_label"] == "领跑者标识"
    assert label["number"] not in {
        lb["number"] for lb in await _all(client, "/api/open/v1/labels", status="valid")
    }

    r = await client.get("/api/open/v1/certificates", params={"field": field, "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row["证书编号"] for row in rows] == [c["number"] for c in listed]
    assert {row["企业名称"] for row in rows} == {"'=开放证书企业"}
    assert {row["状态"] for row in rows} == {"有效", "已撤销"}
    r = await client.get("/api/open/v1/certificates", params={"field": field, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert (
        sheet["A1"].value == "证书编号"
        and sheet["C2"].value == "=开放证书企业"
        and sheet["C2"].data_type == "s"
    )
    assert_documented(app, r)

    for params in ({"status": "lost"}, {"limit": 0}, {"cursor": "W10"}, {"year": 1800}):
        bad = await client.get("/api/open/v1/labels", params=params)
        assert bad.status_code == 422, params
        assert_documented(app, bad)
