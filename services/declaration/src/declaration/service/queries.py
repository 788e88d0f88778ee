"""Reads of declarations: the list page (企标领跑者申报列表), a declaration's detail, the published list
(领跑者榜单), and the rows' notice blocks. Nothing here changes anything."""

from __future__ import annotations

import math
import uuid
from datetime import datetime
from types import SimpleNamespace
from typing import Any, TypeVar

from cachetools import TTLCache
from kit.paging import PageParams
from kit.runtime import Runtime
from kit.security import OrgType, Principal, require_forerunner_verified
from kit.text import normalise
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from declaration import repository
from declaration.domain import search
from declaration.domain.completion import Completion
from declaration.domain.statuses import (
    Actor,
    EvidenceStatus,
    ListStatus,
    deletable,
    editable_by_enterprise,
    may_review,
)
from declaration.errors import InvalidFilter
from declaration.models import Declaration, Notice, ProductModel
from declaration.service.declarations import completion_of, evidence_json

COUNT_CAP = 10_000
# Counting a thousand or more rows costs milliseconds on every page turn of the working group and the
# agencies, yet such a total moves by a few rows an hour: it is kept for LARGE_COUNT_SECONDS per audience
# and filter set (in this process). Smaller totals are counted afresh each time, so a queue of a few
# declarations is always exact the moment one of them moves.
LARGE_COUNT = 1_000
LARGE_COUNT_SECONDS = 5
_LARGE_COUNTS: TTLCache[tuple[Any, ...], int] = TTLCache(maxsize=4096, ttl=LARGE_COUNT_SECONDS)

S = TypeVar("S", ListStatus, EvidenceStatus)

# the reviewer a viewer is, by organisation type
REVIEWERS: dict[OrgType, Actor] = {OrgType.agency: Actor.AGENCY, OrgType.working_group: Actor.WORKING_GROUP}


def _status(value: str | None, enum: type[S], field: str) -> S | None:
    if value in (None, ""):
        return None
    for member in enum:
        if value in (member.value, member.label):
            return member
    raise InvalidFilter(f"{field} 取值不正确", details={"field": field})


async def list_declarations(
    runtime: Runtime, principal: Principal, *, year: int | None, field: str | None, standard_no: str | None,
    enterprise_name: str | None, list_status: str | None, evidence_status: str | None, page: PageParams,
    origin: str | None = None,
) -> tuple[list[dict[str, Any]], int, bool]:  # fmt: skip
    """The page's rows, the total (capped at COUNT_CAP) and whether that total is exact."""
    if origin == "candidate":
        # 证明资料上传 (the agency-listed standards) opens after 领跑者企业身份认证 (seed)
        require_forerunner_verified(principal)
    ls = _status(list_status, ListStatus, "list_status")
    es = _status(evidence_status, EvidenceStatus, "evidence_status")
    number, name = search.term(standard_no), search.term(enterprise_name)
    query = repository.declarations_query(
        principal,
        year=year,
        field=field,
        standard_no=search.spellings(search.STANDARD_NO, number),
        enterprise_name=search.spellings(search.ENTERPRISE_NAME, name),
        list_status=ls,
        evidence_status=es,
        origin=origin,
    )
    # the same filter set however it is typed (q520 and Q520 count the same rows)
    count_key = (
        principal.org_type, None if principal.org_type == OrgType.working_group else principal.org_id, year,
        field, normalise(number), normalise(name), ls, es, origin,
    )  # fmt: skip
    async with runtime.db.read_session() as session:
        rows, total = await repository.declaration_page(
            session,
            query,
            offset=page.offset,
            limit=page.limit,
            known_total=_LARGE_COUNTS.get(count_key),
            cap=COUNT_CAP,
        )
        if total >= LARGE_COUNT:
            _LARGE_COUNTS[count_key] = total
        extras = await _row_extras(session, rows, now=await runtime.clock.now()) if rows else _RowExtras()
    items = [
        {
            **row_json(d, principal, seq=page.offset + i + 1),
            "agency_name": d.agency_name,
            "notice": extras.notices.get(d.id),
        }
        for i, d in enumerate(rows)
    ]
    # total_exact false: "10,000+" matching rows
    return items, min(total, COUNT_CAP), total <= COUNT_CAP


class _RowExtras:
    """What a page of rows shows beyond the declaration's own columns and its agency's name (read with the
    page), read in small statements for the page's rows in notice: the public notice (公示期 and objections)."""

    def __init__(self) -> None:
        self.notices: dict[uuid.UUID, dict[str, Any]] = {}


async def _row_extras(session: AsyncSession, rows: list[SimpleNamespace], *, now: datetime) -> _RowExtras:
    extras = _RowExtras()
    in_notice = [d for d in rows if d.notice_id is not None]
    if in_notice:
        extras.notices = await notices_of(session, in_notice, now=now)
    return extras


async def notices_of(
    session: AsyncSession, declarations: list[Any], *, now: datetime
) -> dict[uuid.UUID, dict[str, Any]]:
    """The notice block of each declaration that has (or had) one, keyed by declaration id."""
    notices = await repository.notices_by_id(session, {d.notice_id for d in declarations})
    counts = await repository.objection_counts(session, [d.id for d in declarations])
    out = {}
    for d in declarations:
        n = notices.get(d.notice_id)
        if n is not None:
            total, still_open = counts.get(d.id, (0, 0))
            out[d.id] = notice_json(
                n,
                now=now,
                list_status=ListStatus(d.list_status),
                objections=total,
                open_objections=still_open,
            )
    return out


def notice_json(
    n: Notice, *, now: datetime, list_status: ListStatus, objections: int, open_objections: int
) -> dict[str, Any]:
    """The 14-day notice as people need to see it: when it started and ends, how many days are left, how many
    objections were raised and whether an open one holds publication."""
    running = n.closed_at is None and n.ends_at > now
    held = list_status is ListStatus.IN_NOTICE and open_objections > 0
    return {
        "notice_id": n.id,
        "starts_at": n.starts_at,
        "ends_at": n.ends_at,
        "closed_at": n.closed_at,
        "running": running,
        # a part of a day counts as a day: "剩余 1 天" until the last second
        "days_left": max(0, math.ceil((n.ends_at - now).total_seconds() / 86400)) if running else 0,
        "objections": objections,
        "open_objections": open_objections,
        "held": held,
        "state_label": (
            "异议处理中，暂缓发布"
            if held and not running
            else "公示中（有待处理异议）"
            if held
            else "公示中"
            if running
            else "公示期满"
        ),
    }


def actions_for(d: Declaration | Row[Any] | SimpleNamespace, principal: Principal) -> list[str]:
    """The actions offered to this viewer, read from the transition table: the enterprise edits where it may
    (re)submit, a reviewer reviews where it has a decision to take."""
    state = (ListStatus(d.list_status), EvidenceStatus(d.evidence_status))
    acts: list[str] = []
    if principal.org_type == OrgType.enterprise:
        if editable_by_enterprise(state[0]):
            acts.append("edit")
        if deletable(state) and d.origin == "self" and d.submitted_at is None:
            acts.append("delete")
        if state[0] is ListStatus.PUBLISHED:
            acts.append("append_model")
    else:
        reviewer = REVIEWERS.get(principal.org_type)
        if reviewer is not None and may_review(state, reviewer):
            acts.append("review")
    if d.submitted_at is not None:
        acts.append("reviews")
    return acts


EVIDENCE_UPLOADED_LABEL = "已上传，待提交"


def evidence_label(d: Declaration | Row[Any] | SimpleNamespace, done: Completion) -> str:
    """证明材料状态 as shown: before the first submission the state says 未上传 even when files are there;
    the list then says they are uploaded and wait for 提交审核, so completion and status never disagree."""
    status = EvidenceStatus(d.evidence_status)
    if status is EvidenceStatus.NONE and done.evidence:
        return EVIDENCE_UPLOADED_LABEL
    return status.label


def row_json(
    d: Declaration | Row[Any] | SimpleNamespace, principal: Principal, *, seq: int
) -> dict[str, Any]:
    done = completion_of(d)
    return {
        "seq": seq,
        "id": d.id,
        "year": d.year,
        "field": d.field,
        "product_name": d.product_name,
        "enterprise_name": d.enterprise_name,
        "standard_no": d.standard_no,
        "standard_name": d.standard_name,
        "completion": done.text,
        "created_at": d.created_at,
        "list_status": ListStatus(d.list_status).value,
        "list_status_label": ListStatus(d.list_status).label,
        "evidence_status": EvidenceStatus(d.evidence_status).value,
        "evidence_status_label": evidence_label(d, done),
        "origin": d.origin,
        "actions": actions_for(d, principal),
    }


async def detail(runtime: Runtime, principal: Principal, declaration_id: uuid.UUID) -> dict[str, Any]:
    # read outside a transaction, the declaration with its product and enterprise in one statement: three
    # round trips instead of seven (QUALITY 22)
    async with runtime.db.read_session() as session:
        d, product, enterprise = await repository.declaration_detail(session, principal, declaration_id)
        models = await repository.models_of(session, d.id, appended_last=True)
        stored = await repository.evidence_files(session, d.id)
        notice = (
            (await notices_of(session, [d], now=await runtime.clock.now())).get(d.id) if d.notice_id else None
        )
    done = completion_of(d)
    current = None
    if enterprise is not None:
        current = {
            "name": enterprise.name,
            "nature": enterprise.nature,
            "contact_name": enterprise.contact_name,
            "credit_code": enterprise.credit_code,
            "region_code": enterprise.region_code,
            "phone_masked": enterprise.phone_masked,
            "email": enterprise.email,
            "address": enterprise.address,
        }
    return {
        **row_json(d, principal, seq=1),
        "product_id": d.product_id,
        "product_type": d.product_type,
        "product_type_label": "服务类" if d.product_type == "service" else "产品类",
        "agency_org_id": d.agency_org_id,
        "agency_name": product.agency_name if product else "",
        "group_standard": product.group_standard if product else "",
        "public_values": d.public_values,
        "comparison": d.comparison,
        "comparison_verdict": d.comparison_verdict,
        "plan_version": d.plan_version,
        "completion_detail": {
            "declaration_info": done.declaration_info,
            "product_info": done.product_info,
            "evidence": done.evidence,
        },
        "models": [model_json(m) for m in models],
        "evidence": [evidence_json(runtime, f) for f in stored],
        "enterprise": current,  # the live block with its "去修改" link in the portal
        "enterprise_snapshot": d.enterprise_snapshot,  # as it was when submitted
        "submitted_at": d.submitted_at,
        "published_at": d.published_at,
        "notice_id": d.notice_id,
        "notice": notice,
    }


def model_json(m: ProductModel) -> dict[str, Any]:
    return {
        "model_id": m.id,
        "name": m.name,
        "spec": m.spec,
        "intro": m.intro,
        "appended": m.appended,
        "picture_count": len(m.picture_keys or []),
        "created_at": m.created_at,
    }


async def published_list(
    runtime: Runtime, *, year: int | None, field: str | None, q: str | None, page: PageParams
) -> tuple[list[dict[str, Any]], int, list[int]]:
    """The page's rows, the total, and the years that have a published list, newest first: the page opens on
    the latest one and offers only these (a new year has no list until its first notice ends)."""
    term = search.term(q)
    query = repository.published_query(year=year, field=field, patterns=search.patterns(term))
    async with runtime.db.session() as session:
        rows, total = await repository.page_of(session, query, page)
        years = await repository.published_years(session)
        models = await repository.models_of_many(session, [d.id for d in rows])
        products = await repository.products_by_id(session, {d.product_id for d in rows})
    by_decl: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for m in models:
        by_decl.setdefault(m.declaration_id, []).append({"model_id": m.id, "name": m.name, "spec": m.spec})
    items = [
        {
            "declaration_id": d.id,
            "year": d.year,
            "field": d.field,
            "product_name": d.product_name,
            "enterprise_name": (d.enterprise_snapshot or {}).get("name") or d.enterprise_name,
            "standard_no": d.standard_no,
            "standard_name": d.standard_name,
            "agency_name": products[d.product_id].agency_name if d.product_id in products else "",
            "published_at": d.published_at,
            "models": by_decl.get(d.id, []),
        }
        for d in rows
    ]
    return items, total, years
