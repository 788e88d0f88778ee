"""The audit chains through the gateway and from the databases: a login is chained in auth, every service
verifies, the heads are public; ``scripts/audit_verify.py`` (what ``make audit-verify`` runs) reads the
platform's databases and the published heads, says OK, and finds a row the superuser changed."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import asyncpg

from .conftest import ROOT, demo_headers, eventually

ROUTES = ("auth", "benchmark", "declarations", "certificates")
SCRIPT = ROOT / "scripts" / "audit_verify.py"


def run_script(platform, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--db-prefix", platform.db_prefix, *extra],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


async def test_chains_verify_through_the_gateway_and_from_the_databases(gw, platform):
    operator = await demo_headers(gw, "operator01")  # a login: one more audit_log row

    async def all_verified():
        bodies = []
        for route in ROUTES:
            r = await gw.get(f"/api/{route}/audit/verify", headers=operator)
            assert r.status_code == 200, r.text
            bodies.append(r.json())
        chained = all(c["unchained"] == 0 for b in bodies for c in b["chains"])
        return bodies if chained else None

    bodies = await eventually(all_verified, timeout=30)
    assert [b["ok"] for b in bodies] == [True, True, True, True]
    (auth_chain,) = bodies[0]["chains"]
    assert auth_chain["chain"] == "audit_log" and auth_chain["rows"] >= 1

    for route in ROUTES:  # anonymous, through the gateway
        heads = await gw.get(f"/api/{route}/audit/heads")
        assert heads.status_code == 200, heads.text
        assert heads.json()["total"] >= 1  # the day's head, recorded even for an empty chain
    refused = await gw.get("/api/auth/audit/verify")
    assert refused.status_code == 401

    ok = await asyncio.to_thread(run_script, platform, "--heads-url", platform.gateway_url)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "auth         audit_log              OK" in ok.stdout
    assert "benchmark    withdrawn_designations OK" in ok.stdout
    assert "declaration  reviews                OK" in ok.stdout
    assert "certificate  certificate_history    OK" in ok.stdout

    # the superuser changes a login row behind the trigger's back: the script names the row
    dsn = platform.database_url("auth").replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    row_id, original_ip = await conn.fetchrow("SELECT id, ip FROM audit_log WHERE chain_seq = 1")
    try:
        await conn.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
        await conn.execute("UPDATE audit_log SET ip = '203.0.113.9' WHERE id = $1", row_id)
        await conn.execute("ALTER TABLE audit_log ENABLE TRIGGER USER")
        broken = await asyncio.to_thread(run_script, platform)
        assert broken.returncode == 1, broken.stdout + broken.stderr
        assert f"auth         audit_log              BROKEN altered at row {row_id} (seq 1)" in broken.stdout
        reported = await gw.get("/api/auth/audit/verify", headers=operator)
        assert reported.json()["chains"][0]["broken"]["kind"] == "altered"
    finally:  # put the row back for the tests after this one
        await conn.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
        await conn.execute("UPDATE audit_log SET ip = $2 WHERE id = $1", row_id, original_ip)
        await conn.execute("ALTER TABLE audit_log ENABLE TRIGGER USER")
        await conn.close()
    assert (await gw.get("/api/auth/audit/verify", headers=operator)).json()["ok"] is True
