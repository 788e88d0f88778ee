"""Demo data for the local runner (``python -m declaration.demo``), idempotent: a candidate list naming
the demo enterprise (so its forerunner identity authentication works with the listed phone) and two
self-declarations of the demo enterprise (a draft at 2/3 and one submitted to the agency at 3/3).

Products come from the running benchmark service's public routes (the catalog events bring the same
rows later); comparisons are recomputed by its internal routes. The demo organisations are auth's
(``services/auth/src/auth/demo.py``): their ids and credit code are fixed there and repeated here,
overridable by the options below.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import uuid
from datetime import datetime
from typing import Any

import httpx
from kit.errors import AppError
from kit.runtime import Runtime
from kit.security import OrgType, Principal
from kit.uploads import check_file_sync

from declaration import repository
from declaration.config import Settings
from declaration.consumers import product_row
from declaration.main import make_runtime
from declaration.models import Product
from declaration.service import candidates, declarations
from declaration.service.comparison import BenchmarkComparison

DEMO_ENTERPRISE_ID = uuid.UUID("00000000-0000-4000-a000-000000000001")
DEMO_ENTERPRISE_NAME = "北京领跑示范电器有限公司"
DEMO_CREDIT_CODE = "91110108MA01C2Q57B"
DEMO_PHONE = "13800000001"
# other listed enterprises (fictional, valid 统一社会信用代码)
OTHERS = (
    ("上海示范家电股份有限公司", "91310000MA1FL0AA1W", "13800000011"),
    ("广东示范电器有限公司", "91440300MA5DC0BB2Y", "13800000012"),
)


def _parse_time(raw: str | None) -> datetime | None:
    return datetime.fromisoformat(raw) if raw else None


async def sync_products(
    runtime: Runtime, benchmark_url: str, transport: httpx.AsyncBaseTransport | None = None
) -> list[Product]:
    """Copy the open products and their final plans from the benchmark service's public routes."""
    async with httpx.AsyncClient(base_url=benchmark_url, timeout=10, transport=transport) as client:
        response = await client.get("/api/benchmark/products", params={"open": "true", "page_size": 100})
        response.raise_for_status()
        items = response.json()["items"]
        plans: dict[str, dict[str, Any]] = {}
        for item in items:
            answer = await client.get(f"/api/benchmark/products/{item['id']}/plan")
            if answer.status_code == 200:
                plans[item["id"]] = answer.json()
    out = []
    async with runtime.db.transaction() as session:
        for item in items:
            plan = plans.get(item["id"])
            if plan is None or not item.get("agency"):
                continue
            pid = uuid.UUID(item["id"])
            # the catalog events of the same products may be creating these rows right now (the consumer):
            # the row is made by whichever comes first, then updated under its lock
            product = await product_row(session, pid)
            product.code, product.name, product.field, product.year = (
                item["code"],
                item["name"],
                item["field"],
                item["year"],
            )
            product.product_type = item["product_type"]
            product.agency_org_id = uuid.UUID(item["agency"]["id"])
            product.agency_name = item["agency"]["name"]
            product.notice_start = _parse_time(item["notice"]["starts_at"])
            product.notice_end = _parse_time(item["notice"]["ends_at"])
            product.plan_id = uuid.UUID(plan["id"])
            product.plan_version = plan["version"]
            product.group_standard = plan.get("group_standard") or ""
            product.indicators = plan["indicators"]
            out.append(product)
    return out


def passing_values(indicators: list[dict[str, Any]]) -> dict[str, Any]:
    """Values exactly at each forerunner threshold: they pass by definition of the directions."""
    values: dict[str, Any] = {}
    for i in indicators:
        threshold = i.get("forerunner")
        if isinstance(threshold, dict):
            threshold = threshold.get("min")
        values[i["code"]] = threshold
    return values


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def load(
    settings: Settings, *, enterprise_id: uuid.UUID, credit_code: str,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[str]:  # fmt: skip
    """``transport`` routes the calls to a benchmark app in process (tests)."""
    runtime = make_runtime(settings)
    await runtime.start(workers=False)
    comparison = BenchmarkComparison(
        settings.benchmark_url, timeout=10, internal_token=settings.internal_token, transport=transport
    )
    lines: list[str] = []
    try:
        products = [
            p
            for p in await sync_products(runtime, settings.benchmark_url, transport)
            if p.product_type == "product"
        ]
        if not products:
            return [
                "declaration demo: no open key-field product in the benchmark service yet; nothing loaded"
            ]
        listed, declared = products[0], products[1] if len(products) > 1 else products[0]
        agency_id = listed.agency_org_id
        if agency_id is None:  # sync_products keeps only designated products
            return ["declaration demo: the open product has no agency; nothing loaded"]
        agency = Principal(
            account_id=uuid.uuid5(agency_id, "demo"), org_id=agency_id, org_type=OrgType.agency,
            org_name=listed.agency_name, session_id="demo",
        )  # fmt: skip
        rows = [
            {"enterprise_name": DEMO_ENTERPRISE_NAME, "credit_code": credit_code, "standard_no": "Q/LPDQ 001-2023",
             "standard_name": f"{listed.name}企业标准", "contact_phone": DEMO_PHONE},
            *({"enterprise_name": name, "credit_code": code, "standard_no": f"Q/SF{n} 010-2023",
               "standard_name": f"{listed.name}企业标准", "contact_phone": phone}
              for n, (name, code, phone) in enumerate(OTHERS, start=1)),
        ]  # fmt: skip
        result = await candidates.import_list(
            runtime,
            agency,
            listed.product_id,
            data=json.dumps(rows, ensure_ascii=False).encode(),
            filename="demo.json",
        )
        lines.append(
            f"declaration demo: candidate list of {listed.name} ({listed.agency_name}): {result['created']} new, "
            f"the demo enterprise authenticates with the listed phone {DEMO_PHONE[:3]}****{DEMO_PHONE[-4:]}"
        )
        enterprise = Principal(
            account_id=uuid.uuid5(enterprise_id, "demo"), org_id=enterprise_id, org_type=OrgType.enterprise,
            org_name=DEMO_ENTERPRISE_NAME, session_id="demo",
        )  # fmt: skip
        for number, submit in (("Q/LPDQ 002-2023", False), ("Q/LPDQ 003-2023", True)):
            async with runtime.db.session() as session:
                exists = await repository.standard_taken(
                    session, org_id=enterprise_id, product_id=declared.product_id, standard_no=number
                )
            if exists:
                continue
            d = await declarations.create_declaration(
                runtime, enterprise, product_id=declared.product_id, standard_no=number,
                standard_name=f"{declared.name}企业标准", product_type=None,
            )  # fmt: skip
            try:
                await declarations.run_benchmark(
                    runtime, enterprise, d.id, values=passing_values(declared.indicators), authorization=None,
                    comparison=comparison,
                )  # fmt: skip
                await declarations.put_products(
                    runtime, enterprise, d.id, models=[{"name": declared.name, "spec": f"LP-{number[-8:-5]}"}]
                )
                if submit:
                    checked = await asyncio.to_thread(check_file_sync, _pdf(), {"pdf"}, what="证明资料")
                    await declarations.add_evidence(
                        runtime, enterprise, d.id, checked=checked, filename="检测报告.pdf"
                    )
                    await declarations.submit(runtime, enterprise, d.id)
            except AppError as exc:
                lines.append(f"declaration demo: {number} stays a draft ({exc.message})")
            lines.append(f"declaration demo: {DEMO_ENTERPRISE_NAME} declared {number} for {declared.name}")
    finally:
        await comparison.aclose()
        await runtime.stop()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description="Load the declaration service's demo data (idempotent).")
    parser.add_argument("--enterprise-id", type=uuid.UUID, default=DEMO_ENTERPRISE_ID)
    parser.add_argument("--credit-code", default=DEMO_CREDIT_CODE)
    args = parser.parse_args()
    for line in asyncio.run(load(Settings(), enterprise_id=args.enterprise_id, credit_code=args.credit_code)):
        print(line)


if __name__ == "__main__":
    main()
