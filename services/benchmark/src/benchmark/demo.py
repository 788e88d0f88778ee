"""Load the demo catalogue: ``python -m benchmark.demo [--agency textiles=<org uuid> ...]``.

Idempotent: products are matched by code, a designation or plan that exists is left alone, so the
local runner may call it on every start. Every row created announces itself through the outbox
(catalog.* events) exactly as the HTTP use cases do, so declaration and mall learn the catalogue too.

Agencies are organisations of the auth service. By default their ids are the stable demo ids of
``benchmark.domain.demo_data`` (``demo_id("agency", key)``); ``--agency key=uuid`` or the environment variable
``LP_DEMO_AGENCY_IDS="textiles=<uuid>,appliances=<uuid>"`` binds a key to a real organisation id.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import uuid

from kit.bus import set_producer
from kit.clock import Clock
from kit.db import Database
from redis.asyncio import Redis

from benchmark.config import Settings
from benchmark.domain.demo_data import PRODUCTS
from benchmark.service.demo import load_demo, parse_agency_ids

__all__ = ["load_demo", "main", "parse_agency_ids"]


async def _main(agency_ids: dict[str, uuid.UUID]) -> None:
    settings = Settings()
    set_producer("benchmark")
    db = Database(settings.database_url, pool_size=1)
    redis = Redis.from_url(settings.redis_url, decode_responses=True)
    try:
        now = await Clock(redis, adjustable=settings.clock_adjustable).now()
        created = await load_demo(db, now=now, agency_ids=agency_ids)
    finally:
        await redis.aclose()
        await db.dispose()
    opened = [p.name for p in PRODUCTS if p.plan_final and p.notice_started_days_ago >= 14]
    closed = [p.name for p in PRODUCTS if p.name not in opened]
    print(
        f"benchmark: {len(PRODUCTS)} key-field products ({len(created['products'])} new); "
        f"open for self-declaration: {'、'.join(opened)}; still closed: {'、'.join(closed)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Load the benchmark demo catalogue (idempotent)")
    parser.add_argument(
        "--agency",
        action="append",
        default=[],
        metavar="KEY=UUID",
        help="bind a demo agency key to a real organisation id from auth",
    )
    args = parser.parse_args()
    env_items = [p for p in os.environ.get("LP_DEMO_AGENCY_IDS", "").split(",") if p.strip()]
    try:
        agency_ids = parse_agency_ids([*env_items, *args.agency])
    except ValueError as exc:
        parser.error(str(exc))
    asyncio.run(_main(agency_ids))


if __name__ == "__main__":
    main()
