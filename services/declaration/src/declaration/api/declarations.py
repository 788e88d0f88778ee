"""Routes of forerunner declarations (API.md Declarations). Thin: each calls one use case."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Header, Query, Request, UploadFile
from fastapi.responses import Response
from kit.downloads import content_disposition, verify_download
from kit.errors import Invalid
from kit.security import AgencyPrincipal, CurrentPrincipal, WorkingGroupPrincipal
from kit.uploads import check_upload
from kit.web import QueryText

from declaration import files, service
from declaration.api.paging import PageDep, RuntimeDep
from declaration.api.schemas import (
    AgencyReviewIn,
    BenchmarkIn,
    DeclarationCreate,
    DeclarationPage,
    DeclarationPatch,
    GroupReviewIn,
    ProductsIn,
)
from declaration.domain.statuses import Action, Actor
from declaration.models import Review

router = APIRouter(prefix="/api/declarations", tags=["declarations"])
Authorization = Annotated[str | None, Header(include_in_schema=False)]
# bounded like the columns they filter: an out-of-range year or a NUL is a 422, never a database error
Year = Annotated[int | None, Query(ge=1990, le=2100)]
Text = QueryText(100)


def _comparison(request: Request):
    return request.app.state.comparison


@router.get(
    "", operation_id="list_declarations", summary="企标领跑者申报列表", response_model=DeclarationPage
)
async def list_declarations(
    runtime: RuntimeDep, principal: CurrentPrincipal, page: PageDep, year: Year = None, field: Text = None,
    standard_no: Text = None, enterprise_name: Text = None, list_status: Text = None, evidence_status: Text = None,
    origin: Annotated[Literal["self", "candidate"] | None, Query(description="self: 自主申报; candidate: 入围名单（证明资料上传）")] = None,
) -> dict[str, Any]:  # fmt: skip
    return await service.list_declarations(
        runtime,
        principal,
        year=year,
        field=field,
        standard_no=standard_no,
        enterprise_name=enterprise_name,
        list_status=list_status,
        evidence_status=evidence_status,
        origin=origin,
        page=page,
    )


@router.post("", status_code=201, operation_id="create_declaration", summary="新增申报")
async def create_declaration(
    runtime: RuntimeDep, principal: CurrentPrincipal, body: DeclarationCreate
) -> dict[str, Any]:
    d = await service.create_declaration(
        runtime,
        principal,
        product_id=body.product_id,
        standard_no=body.standard_no,
        standard_name=body.standard_name,
        product_type=body.product_type,
    )
    return await service.detail(runtime, principal, d.id)


@router.get("/{declaration_id}", operation_id="get_declaration", summary="申报详情")
async def get_declaration(
    runtime: RuntimeDep, principal: CurrentPrincipal, declaration_id: uuid.UUID
) -> dict[str, Any]:
    return await service.detail(runtime, principal, declaration_id)


@router.patch("/{declaration_id}", operation_id="update_declaration", summary="修改申报信息")
async def update_declaration(
    runtime: RuntimeDep, principal: CurrentPrincipal, declaration_id: uuid.UUID, body: DeclarationPatch
) -> dict[str, Any]:
    await service.update_declaration(
        runtime, principal, declaration_id, standard_no=body.standard_no, standard_name=body.standard_name
    )
    return await service.detail(runtime, principal, declaration_id)


@router.delete("/{declaration_id}", status_code=204, operation_id="delete_declaration", summary="删除草稿")
async def delete_declaration(
    runtime: RuntimeDep, principal: CurrentPrincipal, declaration_id: uuid.UUID
) -> Response:
    keys = await service.delete_declaration(runtime, principal, declaration_id)
    await files.discard(runtime, service.EVIDENCE_BUCKET, keys)
    return Response(status_code=204)


@router.post(
    "/{declaration_id}/benchmark", operation_id="benchmark_declaration", summary="对标（服务端重算）"
)
async def benchmark(
    request: Request, runtime: RuntimeDep, principal: CurrentPrincipal, declaration_id: uuid.UUID, body: BenchmarkIn,
    authorization: Authorization = None,
) -> dict[str, Any]:  # fmt: skip
    d = await service.run_benchmark(
        runtime,
        principal,
        declaration_id,
        values=body.values,
        authorization=authorization,
        comparison=_comparison(request),
    )
    return {
        "declaration_id": d.id,
        "verdict": d.comparison_verdict,
        "plan_version": d.plan_version,
        "may_continue": d.comparison_verdict != "failed",
        "result": d.comparison,
        "completion": service.completion_of(d).text,
    }


@router.put(
    "/{declaration_id}/products", operation_id="put_declaration_products", summary="产品信息（规格/型号）"
)
async def put_products(
    runtime: RuntimeDep, principal: CurrentPrincipal, declaration_id: uuid.UUID, body: ProductsIn
) -> dict[str, Any]:
    await service.put_products(
        runtime, principal, declaration_id, models=[m.model_dump() for m in body.models]
    )
    return await service.detail(runtime, principal, declaration_id)


@router.post(
    "/{declaration_id}/evidence", status_code=201, operation_id="upload_evidence", summary="上传证明资料"
)
async def upload_evidence(
    runtime: RuntimeDep, principal: CurrentPrincipal, declaration_id: uuid.UUID, file: UploadFile = File(...)
) -> dict[str, Any]:
    checked = await check_upload(
        file,
        allowed={"pdf", "png", "jpeg"},
        max_bytes=runtime.settings.evidence_max_bytes,  # type: ignore[attr-defined]
        what="证明资料",
    )
    d, stored = await service.add_evidence(
        runtime, principal, declaration_id, checked=checked, filename=file.filename or ""
    )
    return {
        **service.evidence_json(runtime, stored),
        "list_status": d.list_status.value,
        "evidence_status": d.evidence_status.value,
        "completion": service.completion_of(d).text,
    }


@router.get("/{declaration_id}/evidence", operation_id="list_evidence", summary="证明资料及下载链接")
async def list_evidence(
    runtime: RuntimeDep, principal: CurrentPrincipal, declaration_id: uuid.UUID
) -> dict[str, Any]:
    return {"items": await service.list_evidence(runtime, principal, declaration_id)}


@router.delete("/{declaration_id}/evidence/{file_id}", status_code=204, operation_id="delete_evidence")
async def delete_evidence(
    runtime: RuntimeDep, principal: CurrentPrincipal, declaration_id: uuid.UUID, file_id: uuid.UUID
) -> Response:
    key = await service.delete_evidence(runtime, principal, declaration_id, file_id)
    await files.discard(runtime, service.EVIDENCE_BUCKET, [key])
    return Response(status_code=204)


@router.get("/files/{token}", operation_id="download_file", summary="下载文件（短时链接）")
async def download_file(runtime: RuntimeDep, token: str) -> Response:
    """The link itself is the proof of the access check made when it was handed out (≤ 15 minutes)."""
    # Only evidence links, signed by this service, open anything here (a link names its bucket).
    target = verify_download(
        runtime.settings.download_secret,
        token,
        service=runtime.settings.service_name,
        bucket=service.EVIDENCE_BUCKET,
    )
    data = await files.get(runtime, target["bucket"], target["key"])
    return Response(
        data, media_type=target["content_type"],
        headers={"Content-Disposition": content_disposition(target["filename"]), "Cache-Control": "no-store",
                 "X-Content-Type-Options": "nosniff"},
    )  # fmt: skip


@router.post("/{declaration_id}/submit", operation_id="submit_declaration", summary="提交审核")
async def submit(
    runtime: RuntimeDep, principal: CurrentPrincipal, declaration_id: uuid.UUID
) -> dict[str, Any]:
    await service.submit(runtime, principal, declaration_id)
    return await service.detail(runtime, principal, declaration_id)


def review_json(r: Review) -> dict[str, Any]:
    from declaration.domain.statuses import ACTION_LABELS, EvidenceStatus, ListStatus

    def label(enum: Any, value: str | None) -> str | None:
        return enum(value).label if value else None

    return {
        "id": r.id,
        "at": r.at,
        "actor_role": r.actor_role,
        "actor_name": r.actor_name,
        "action": r.action,
        "action_label": ACTION_LABELS.get(Action(r.action))
        if r.action in Action._value2member_map_
        else "公众异议",
        "list_from": r.list_from,
        "list_from_label": label(ListStatus, r.list_from),
        "list_to": r.list_to,
        "list_to_label": label(ListStatus, r.list_to),
        "evidence_from": r.evidence_from,
        "evidence_from_label": label(EvidenceStatus, r.evidence_from),
        "evidence_to": r.evidence_to,
        "evidence_to_label": label(EvidenceStatus, r.evidence_to),
        "opinion": r.opinion,
    }


@router.get("/{declaration_id}/reviews", operation_id="declaration_reviews", summary="审核记录")
async def reviews(
    runtime: RuntimeDep, principal: CurrentPrincipal, declaration_id: uuid.UUID
) -> dict[str, Any]:
    return {"items": [review_json(r) for r in await service.reviews_of(runtime, principal, declaration_id)]}


@router.post("/{declaration_id}/agency-review", operation_id="agency_review", summary="评估机构审核")
async def agency_review(
    runtime: RuntimeDep, principal: AgencyPrincipal, declaration_id: uuid.UUID, body: AgencyReviewIn
) -> dict[str, Any]:
    await service.review(
        runtime,
        principal,
        declaration_id,
        actor=Actor.AGENCY,
        decision=Action(body.decision),
        opinion=body.opinion,
    )
    return await service.detail(runtime, principal, declaration_id)


@router.post("/{declaration_id}/group-review", operation_id="group_review", summary="工作组审核")
async def group_review(
    runtime: RuntimeDep, principal: WorkingGroupPrincipal, declaration_id: uuid.UUID, body: GroupReviewIn
) -> dict[str, Any]:
    await service.review(
        runtime,
        principal,
        declaration_id,
        actor=Actor.WORKING_GROUP,
        decision=Action(body.decision),
        opinion=body.opinion,
    )
    return await service.detail(runtime, principal, declaration_id)


@router.post(
    "/{declaration_id}/models", status_code=201, operation_id="append_model", summary="追加规格/型号"
)
async def append_model(
    runtime: RuntimeDep, principal: CurrentPrincipal, declaration_id: uuid.UUID,
    name: Annotated[str, Form(min_length=1, max_length=200)], spec: Annotated[str, Form(min_length=1, max_length=200)],
    intro: Annotated[str, Form(min_length=1, max_length=5000)], pictures: list[UploadFile] = File(...),
) -> dict[str, Any]:  # fmt: skip
    if not 1 <= len(pictures) <= 5:
        raise Invalid("产品图片至少 1 张，最多 5 张", code="pictures_count", details={"field": "pictures"})
    checked = [
        await check_upload(
            p,
            allowed={"png", "jpeg"},
            max_bytes=runtime.settings.picture_max_bytes,  # type: ignore[attr-defined]
            what="产品图片",
        )
        for p in pictures
    ]
    model = await service.append_model(
        runtime,
        principal,
        declaration_id,
        name=name.strip(),
        spec=spec.strip(),
        intro=intro.strip(),
        pictures=checked,
    )
    return service.model_json(model)
