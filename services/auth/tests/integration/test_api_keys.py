"""Open-data API keys: operators issue (the key once, its digest kept), list (no key) and revoke them;
Redis holds what the gateway checks and the sync writes it again after a flush; each change is audited;
other roles are refused."""

from __future__ import annotations

from auth.models import ApiKey, AuditEntry
from auth.service import api_keys as service
from auth.service.context import get_context
from kit import api_keys
from kit.api_keys import KeyGrant
from sqlalchemy import select


async def test_issue_list_revoke_and_redis(client, h, runtime):
    operator = await h.demo_login(client, "operator01")
    headers = h.bearer(operator["access_token"])
    r = await client.post(
        "/api/auth/api-keys",
        headers=headers,
        json={"name": "  统计数据研究所  ", "contact": "王工", "limit_per_minute": 300},
    )
    assert r.status_code == 201, r.text
    issued = r.json()
    key = issued["key"]
    assert key.startswith("lpk_") and len(key) > 40 and key.startswith(issued["hint"])
    assert issued["name"] == "统计数据研究所" and issued["limit_per_minute"] == 300 and issued["active"]

    # only the digest is stored, and Redis tells the gateway the key's id and limit
    async with runtime.db.session() as session:
        row = await session.get(ApiKey, issued["id"])
    assert row is not None and row.digest == api_keys.digest(key) and key not in (row.hint + row.name)
    raw = await runtime.redis.get(api_keys.redis_key(row.digest))
    assert KeyGrant.loads(raw) == KeyGrant(id=issued["id"], limit=300)

    # the default limit when none is given
    r = await client.post("/api/auth/api-keys", headers=headers, json={"name": "默认额度"})
    assert r.json()["limit_per_minute"] == 1200

    listed = (await client.get("/api/auth/api-keys", headers=headers)).json()["items"]
    mine = next(k for k in listed if k["id"] == issued["id"])
    assert "key" not in mine and mine["hint"] == issued["hint"] and mine["last_used_at"] is None

    # a gateway noted a use: the list shows it
    await runtime.redis.set(api_keys.REDIS_LAST_USED.format(key_id=issued["id"]), "1767225600")
    listed = (await client.get("/api/auth/api-keys", headers=headers)).json()["items"]
    assert next(k for k in listed if k["id"] == issued["id"])["last_used_at"].startswith("2026-01-01")

    r = await client.delete(f"/api/auth/api-keys/{issued['id']}", headers=headers)
    assert r.status_code == 200 and r.json()["active"] is False and r.json()["revoked_at"]
    assert await runtime.redis.get(api_keys.redis_key(row.digest)) is None
    r = await client.delete(f"/api/auth/api-keys/{issued['id']}", headers=headers)
    assert r.status_code == 409 and h.error_code(r) == "api_key_revoked"
    r = await client.delete("/api/auth/api-keys/00000000-0000-0000-0000-000000000000", headers=headers)
    assert r.status_code == 404 and h.error_code(r) == "api_key_not_found"

    async with runtime.db.session() as session:
        actions = {
            (e.action, e.detail.get("api_key_id"))
            for e in await session.scalars(select(AuditEntry).where(AuditEntry.action.like("api_key_%")))
        }
    assert {("api_key_issued", issued["id"]), ("api_key_revoked", issued["id"])} <= actions


async def test_the_sync_heals_a_flushed_redis(client, h, runtime):
    operator = await h.demo_login(client, "operator01")
    headers = h.bearer(operator["access_token"])
    kept = (await client.post("/api/auth/api-keys", headers=headers, json={"name": "保留"})).json()
    gone = (await client.post("/api/auth/api-keys", headers=headers, json={"name": "撤销"})).json()
    await client.delete(f"/api/auth/api-keys/{gone['id']}", headers=headers)
    kept_key = api_keys.redis_key(api_keys.digest(kept["key"]))
    gone_key = api_keys.redis_key(api_keys.digest(gone["key"]))
    await runtime.redis.delete(kept_key)
    await runtime.redis.set(gone_key, KeyGrant(id=gone["id"], limit=5).dumps())  # a stale entry

    assert await service.sync_to_redis(get_context(runtime)) >= 1
    assert KeyGrant.loads(await runtime.redis.get(kept_key)) == KeyGrant(id=kept["id"], limit=1200)
    assert await runtime.redis.get(gone_key) is None


async def test_only_operators_manage_keys(client, h):
    for login_name in ("agency01", "workgroup01"):
        token = (await h.demo_login(client, login_name))["access_token"]
        r = await client.post("/api/auth/api-keys", headers=h.bearer(token), json={"name": "x"})
        assert r.status_code == 403, login_name
        assert (await client.get("/api/auth/api-keys", headers=h.bearer(token))).status_code == 403
    enterprise = await h.ready_enterprise(client)
    r = await client.post(
        "/api/auth/api-keys", headers=h.bearer(enterprise["access_token"]), json={"name": "x"}
    )
    assert r.status_code == 403
    assert (await client.get("/api/auth/api-keys")).status_code == 401
    operator = await h.demo_login(client, "operator01")
    r = await client.post(
        "/api/auth/api-keys",
        headers=h.bearer(operator["access_token"]),
        json={"name": "", "limit_per_minute": 0},
    )
    assert r.status_code == 422 and h.error_code(r) == "invalid"
