#!/usr/bin/env python3
"""Verifies every service's audit hash chains (kit.audit_chain) straight from their databases
(``make audit-verify``): per service and chain, ``OK n rows`` or the first broken link with its row id and
kind; the exit status is 1 when any chain is broken (2 when a database cannot be read).

Which databases: each service's own settings (``<service>.config.Settings``: the ``LP_...`` environment the
service itself reads), so by default the local runner's platform (``make up``: ``lp_auth``, ...).
``LP_<SERVICE>_DATABASE_URL`` (e.g. ``LP_AUTH_DATABASE_URL``) or ``--db-prefix lpe2e_`` points elsewhere.

Every chain is checked against the heads its service recorded in its own ``audit_heads``; with
``--heads-url http://127.0.0.1:8000`` also against the heads the gateway publishes (the copy others keep),
so that rewriting both the rows and the heads table is found too."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import sys
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from kit import audit_chain
from kit.audit_chain import ChainReport, Head
from kit.db import Database

# service package, its route name (the gateway's /api/<route>/audit/heads)
CHAINED: tuple[tuple[str, str], ...] = (
    ("auth", "auth"),
    ("benchmark", "benchmark"),
    ("declaration", "declarations"),
    ("certificate", "certificates"),
)


@dataclass
class ServiceResult:
    service: str
    reports: list[ChainReport]
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(r.ok for r in self.reports)


def database_url(service: str, prefix: str | None) -> str:
    explicit = os.environ.get(f"LP_{service.upper()}_DATABASE_URL")
    if explicit:
        return explicit
    if prefix is not None:
        return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{prefix}{service}"
    settings = importlib.import_module(f"{service}.config").Settings()
    return str(settings.database_url)


def published_heads(base_url: str, route: str) -> dict[str, list[Head]]:
    """Every head the gateway publishes for a service, by chain (all pages)."""
    heads: dict[str, list[Head]] = {}
    page = 1
    while True:
        query = urllib.parse.urlencode({"page": page, "page_size": 100})
        url = f"{base_url.rstrip('/')}/api/{route}/audit/heads?{query}"
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - an operator-given URL
            body = json.load(response)
        for item in body["items"]:
            heads.setdefault(item["chain"], []).append(
                Head(day=date.fromisoformat(item["day"]), seq=int(item["seq"]), row_hash=item["row_hash"])
            )
        if page * body["page_size"] >= body["total"]:
            return heads
        page += 1


async def verify_service(
    service: str,
    url: str,
    *,
    unchained_bound: timedelta,
    published: Mapping[str, Sequence[Head]] | None = None,
) -> ServiceResult:
    chains = importlib.import_module(f"{service}.chains")
    db = Database(url, pool_size=1)
    try:
        reports = await audit_chain.verify_all(
            db, chains.CHAINS, chains.HEADS, unchained_bound=unchained_bound, published=published
        )
        return ServiceResult(service, reports)
    except Exception as exc:  # an unreachable or unmigrated database is reported, not a traceback
        return ServiceResult(service, [], error=f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    finally:
        await db.dispose()


async def verify_services(
    urls: Mapping[str, str],
    *,
    unchained_bound: timedelta = timedelta(minutes=10),
    published: Mapping[str, Mapping[str, Sequence[Head]]] | None = None,
) -> list[ServiceResult]:
    """``urls``: service → database URL. ``published``: service → chain → heads read elsewhere."""
    return [
        await verify_service(
            service, url, unchained_bound=unchained_bound, published=(published or {}).get(service)
        )
        for service, url in urls.items()
    ]


def render(results: Sequence[ServiceResult]) -> list[str]:
    lines = []
    for result in results:
        if result.error is not None:
            lines.append(f"{result.service:<12} {'-':<22} ERROR {result.error}")
            continue
        for r in result.reports:
            if r.broken is None:
                lines.append(
                    f"{result.service:<12} {r.chain:<22} OK {r.rows} rows "
                    f"(head {r.head_seq} {r.head_hash[:16]}…, {r.unchained} unchained, "
                    f"{r.heads_checked} published heads matched)"
                )
            else:
                b = r.broken
                lines.append(
                    f"{result.service:<12} {r.chain:<22} BROKEN {b.kind.value} at row "
                    f"{b.row_id if b.row_id is not None else '-'} (seq {b.seq}): {b.message} "
                    f"[{r.rows} rows verified before it]"
                )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-prefix", help="databases <prefix><service> on 127.0.0.1 (e.g. lpe2e_)")
    parser.add_argument("--heads-url", help="also check against the heads the gateway at this URL publishes")
    parser.add_argument(
        "--unchained-seconds", type=int, default=600, help="how long a row may wait for the chainer"
    )
    parser.add_argument("--service", action="append", help="only these services (repeatable)")
    args = parser.parse_args(argv)

    chosen = [(s, r) for s, r in CHAINED if not args.service or s in args.service]
    urls = {service: database_url(service, args.db_prefix) for service, _ in chosen}
    published = None
    if args.heads_url:
        try:
            published = {service: published_heads(args.heads_url, route) for service, route in chosen}
        except Exception as exc:
            print(f"cannot read the published heads at {args.heads_url}: {exc}", file=sys.stderr)
            return 2
    results = asyncio.run(
        verify_services(urls, unchained_bound=timedelta(seconds=args.unchained_seconds), published=published)
    )
    for line in render(results):
        print(line)
    if any(r.error is not None for r in results):
        return 2
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())
