"""Routes of forerunner declarations (API.md Declarations). Thin: each calls one use case."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response
from kit.downloads import content_disposition, verify_download
from kit.paging import Page, PageDep
from kit.security import AgencyPrincipal, CurrentPrincipal, WorkingGroupPrincipal
from kit.storage import discard, load
from kit.uploads import check_upload

from declaration.api.deps import Authorization, ComparisonDep, RuntimeDep, SettingsDep, Text, Year
from declaration.api.schemas import (
    AgencyReviewIn,
    BenchmarkIn,
    BenchmarkOut,
    DeclarationCreate,
    DeclarationDetail,
    DeclarationPage,
    DeclarationPatch,
    EvidenceOut,
    EvidenceUploaded,
    GroupReviewIn,
    ModelOut,
    ProductsIn,
    ReviewOut,
)
from declaration.config import EVIDENCE_BUCKET
from declaration.domain.statuses import Action, Actor
from declaration.errors import PicturesCount
from declaration.service import appended_models, declarations, queries, reviews

router = APIRouter(prefix="/api/declarations", tags=["declarations"])


@router.get(
    "", response_model=DeclarationPage, operation_id="list_declarations", summary="企标领跑者申报列表"
)
async def list_declarations(
    runtime: RuntimeDep, principal: CurrentPrincipal, page: PageDep, year: Year = None, field: Text = None,
    standard_no: Text = None, enterprise_name: Text = None, list_status: Text = None, evidence_status: Text = None,
    origin: Annotated[Literal["self", "candidate"] | None, Query(description="self: 自主申报; candidate: 入围名单（证明资料上传）")] = None,
) -> Response:  # fmt: skip
    items, total, exact = await queries.list_declarations(
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
    return DeclarationPage.response(items, total, page, total_exact=exact)


@router.post("", status_code=201, operation_id="create_declaration", summary="新增申报")
async def create_declaration(
    runtime: RuntimeDep, principal: CurrentPrincipal, body: DeclarationCreate
) -> DeclarationDetail:
    d = await declarations.create_declaration(
        runtime,
        principal,
        product_id=body.product_id,
        standard_no=body.standard_no,
        standard_name=body.standard_name,
        product_type=body.product_type,
    )
    return DeclarationDetail.model_validate(await queries.detail(runtime, principal, d.id))


@router.get("/{declaration_id}", operation_id="get_declaration", summary="申报详情")
async def get_declaration(
    runtime: RuntimeDep, principal: CurrentPrincipal, declaration_id: uuid.UUID
) -> DeclarationDetail:
    return DeclarationDetail.model_validate(await queries.detail(runtime, principal, declaration_id))


@router.patch("/{declaration_id}", operation_id="update_declaration", summary="修改申报信息")
async def update_declaration(
    runtime: RuntimeDep, principal: CurrentPrincipal, declaration_id: uuid.UUID, body: DeclarationPatch
) -> DeclarationDetail:
    await declarations.update_declaration(
        runtime, principal, declaration_id, standard_no=body.standard_no, standard_name=body.standard_name
    )
    return DeclarationDetail.model_validate(await queries.detail(runtime, principal, declaration_id))


@router.delete(
    "/{declaration_id}",
    status_code=204,
    response_class=Response,
    operation_id="delete_declaration",
    summary="删除草稿",
)
async def delete_declaration(
    runtime: RuntimeDep, principal: CurrentPrincipal, declaration_id: uuid.UUID
) -> None:
    keys = await declarations.delete_declaration(runtime, principal, declaration_id)
    await discard(runtime.storage, EVIDENCE_BUCKET, keys)


@router.post(
    "/{declaration_id}/benchmark", operation_id="benchmark_declaration", summary="对标（服务端重算）"
)
async def benchmark(
    runtime: RuntimeDep, comparison: ComparisonDep, principal: CurrentPrincipal, declaration_id: uuid.UUID,
    body: BenchmarkIn, authorization: Authorization = None,
) -> BenchmarkOut:  # fmt: skip
    d = await declarations.run_benchmark(
        runtime,
        principal,
        declaration_id,
        values=body.values,
        authorization=authorization,
        comparison=comparison,
    )
    return BenchmarkOut(
        declaration_id=d.id,
        verdict=d.comparison_verdict,
        plan_version=d.plan_version,
        may_continue=d.comparison_verdict != "failed",
        result=d.comparison,
        completion=declarations.completion_of(d).text,
    )


@router.put(
    "/{declaration_id}/products", operation_id="put_declaration_products", summary="产品信息（规格/型号）"
)
async def put_products(
    runtime: RuntimeDep, principal: CurrentPrincipal, declaration_id: uuid.UUID, body: ProductsIn
) -> DeclarationDetail:
    await declarations.put_products(
        runtime, principal, declaration_id, models=[m.model_dump() for m in body.models]
    )
    return DeclarationDetail.model_validate(await queries.detail(runtime, principal, declaration_id))


@router.post(
    "/{declaration_id}/evidence", status_code=201, operation_id="upload_evidence", summary="上传证明资料"
)
async def upload_evidence(
    runtime: RuntimeDep, settings: SettingsDep, principal: CurrentPrincipal, declaration_id: uuid.UUID,
    file: UploadFile = File(...),
) -> EvidenceUploaded:  # fmt: skip
    checked = await check_upload(
        file, allowed={"pdf", "png", "jpeg"}, max_bytes=settings.evidence_max_bytes, what="证明资料"
    )
    d, stored = await declarations.add_evidence(
        runtime, principal, declaration_id, checked=checked, filename=file.filename or ""
    )
    return EvidenceUploaded.model_validate(
        {
            **declarations.evidence_json(runtime, stored),
            "list_status": d.list_status,
            "evidence_status": d.evidence_status,
            "completion": declarations.completion_of(d).text,
        }
    )


@router.get("/{declaration_id}/evidence", operation_id="list_evidence", summary="证明资料及下载链接")
async def list_evidence(
    runtime: RuntimeDep, principal: CurrentPrincipal, declaration_id: uuid.UUID, page: PageDep
) -> Page[EvidenceOut]:
    items, total = await declarations.list_evidence(runtime, principal, declaration_id, page)
    return Page[EvidenceOut].of(items, total, page)


@router.delete(
    "/{declaration_id}/evidence/{file_id}",
    status_code=204,
    response_class=Response,
    operation_id="delete_evidence",
    summary="删除证明资料",
)
async def delete_evidence(
    runtime: RuntimeDep, principal: CurrentPrincipal, declaration_id: uuid.UUID, file_id: uuid.UUID
) -> None:
    key = await declarations.delete_evidence(runtime, principal, declaration_id, file_id)
    await discard(runtime.storage, EVIDENCE_BUCKET, [key])


@router.get(
    "/files/{token}",
    response_class=Response,
    responses={
        200: {
            "description": "文件内容",
            "content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}},
        }
    },
    operation_id="download_file",
    summary="下载文件（短时链接）",
)
async def download_file(runtime: RuntimeDep, token: str) -> Response:
    """The link itself is the proof of the access check made when it was handed out (≤ 15 minutes)."""
    # Only evidence links, signed by this service, open anything here (a link names its bucket).
    target = verify_download(
        runtime.settings.download_secret, token, service=runtime.settings.service_name, bucket=EVIDENCE_BUCKET
    )
    data = await load(runtime.storage, target["bucket"], target["key"])
    return Response(
        data, media_type=target["content_type"],
        headers={"Content-Disposition": content_disposition(target["filename"]), "Cache-Control": "no-store",
                 "X-Content-Type-Options": "nosniff"},
    )  # fmt: skip


@router.post("/{declaration_id}/submit", operation_id="submit_declaration", summary="提交审核")
async def submit(
    runtime: RuntimeDep, principal: CurrentPrincipal, declaration_id: uuid.UUID
) -> DeclarationDetail:
    await declarations.submit(runtime, principal, declaration_id)
    return DeclarationDetail.model_validate(await queries.detail(runtime, principal, declaration_id))


@router.get("/{declaration_id}/reviews", operation_id="declaration_reviews", summary="审核记录")
async def declaration_reviews(
    runtime: RuntimeDep, principal: CurrentPrincipal, declaration_id: uuid.UUID, page: PageDep
) -> Page[ReviewOut]:
    records, total = await reviews.reviews_of(runtime, principal, declaration_id, page)
    return Page[ReviewOut].of([reviews.review_json(r) for r in records], total, page)


@router.post("/{declaration_id}/agency-review", operation_id="agency_review", summary="评估机构审核")
async def agency_review(
    runtime: RuntimeDep, principal: AgencyPrincipal, declaration_id: uuid.UUID, body: AgencyReviewIn
) -> DeclarationDetail:
    await reviews.review(
        runtime,
        principal,
        declaration_id,
        actor=Actor.AGENCY,
        decision=Action(body.decision),
        opinion=body.opinion,
    )
    return DeclarationDetail.model_validate(await queries.detail(runtime, principal, declaration_id))


@router.post("/{declaration_id}/group-review", operation_id="group_review", summary="工作组审核")
async def group_review(
    runtime: RuntimeDep, principal: WorkingGroupPrincipal, declaration_id: uuid.UUID, body: GroupReviewIn
) -> DeclarationDetail:
    await reviews.review(
        runtime,
        principal,
        declaration_id,
        actor=Actor.WORKING_GROUP,
        decision=Action(body.decision),
        opinion=body.opinion,
    )
    return DeclarationDetail.model_validate(await queries.detail(runtime, principal, declaration_id))


@router.post(
    "/{declaration_id}/models", status_code=201, operation_id="append_model", summary="追加规格/型号"
)
async def append_model(
    runtime: RuntimeDep, settings: SettingsDep, principal: CurrentPrincipal, declaration_id: uuid.UUID,
    name: Annotated[str, Form(min_length=1, max_length=200)], spec: Annotated[str, Form(min_length=1, max_length=200)],
    intro: Annotated[str, Form(min_length=1, max_length=5000)], pictures: list[UploadFile] = File(...),
) -> ModelOut:  # fmt: skip
    if not 1 <= len(pictures) <= 5:
        raise PicturesCount(details={"field": "pictures"})
    checked = [
        await check_upload(p, allowed={"png", "jpeg"}, max_bytes=settings.picture_max_bytes, what="产品图片")
        for p in pictures
    ]
    model = await appended_models.append_model(
        runtime,
        principal,
        declaration_id,
        name=name.strip(),
        spec=spec.strip(),
        intro=intro.strip(),
        pictures=checked,
    )
    return ModelOut.model_validate(queries.model_json(model))
