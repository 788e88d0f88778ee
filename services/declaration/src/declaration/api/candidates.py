"""Routes of candidate lists (入围名单): the agency imports, views and corrects its lists; the working group
views them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response
from kit.downloads import content_disposition
from kit.paging import Page, PageDep
from kit.security import CurrentPrincipal, OrgType, Principal
from kit.uploads import read_limited

from declaration.api.deps import RuntimeDep, SettingsDep
from declaration.api.schemas import CandidateImport, CandidateOut, PhoneIn
from declaration.errors import AgencyOnly
from declaration.service import candidates

router = APIRouter(prefix="/api/declarations/candidate-lists", tags=["declarations"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _agency_or_group(principal: Principal) -> Principal:
    if principal.org_type not in (OrgType.agency, OrgType.working_group):
        raise AgencyOnly("仅评估机构或工作组可以操作入围名单")
    return principal


def _agency(principal: Principal, message: str) -> Principal:
    if principal.org_type != OrgType.agency:
        raise AgencyOnly(message)
    return principal


@router.get(
    "/template",
    response_class=Response,
    responses={200: {"description": "Excel 模板", "content": {XLSX: {}}}},
    operation_id="candidate_template",
    summary="下载入围名单 Excel 模板",
)
async def candidate_template(
    runtime: RuntimeDep, principal: CurrentPrincipal, product_id: uuid.UUID
) -> Response:
    data, name = await candidates.template(runtime, _agency_or_group(principal), product_id)
    return Response(data, media_type=XLSX, headers={"Content-Disposition": content_disposition(name)})


@router.post("", status_code=201, operation_id="import_candidates", summary="导入入围名单")
async def import_candidates(
    runtime: RuntimeDep, settings: SettingsDep, principal: CurrentPrincipal,
    product_id: Annotated[uuid.UUID, Form()], file: UploadFile = File(...),
) -> CandidateImport:  # fmt: skip
    """Excel (the template), CSV or JSON. Every bad cell is reported with row and column; nothing is
    stored unless every row is good."""
    _agency(principal, "仅评估机构可以导入入围名单")
    data = await read_limited(file, settings.candidate_file_max_bytes, what="入围名单文件")
    result = await candidates.import_list(
        runtime, principal, product_id, data=data, filename=file.filename or ""
    )
    return CandidateImport.model_validate(result)


@router.get("", operation_id="list_candidates", summary="入围名单")
async def list_candidates(
    runtime: RuntimeDep, principal: CurrentPrincipal, page: PageDep, product_id: uuid.UUID | None = None
) -> Page[CandidateOut]:
    items, total = await candidates.list_candidates(
        runtime, _agency_or_group(principal), product_id=product_id, page=page
    )
    return Page[CandidateOut].of(items, total, page)


@router.patch(
    "/candidates/{candidate_id}", operation_id="change_candidate_phone", summary="修改入围名单联系电话"
)
async def change_candidate_phone(
    runtime: RuntimeDep, principal: CurrentPrincipal, candidate_id: uuid.UUID, body: PhoneIn
) -> CandidateOut:
    _agency(principal, "仅评估机构可以修改入围名单")
    return CandidateOut.model_validate(
        await candidates.change_phone(runtime, principal, candidate_id, phone=body.contact_phone)
    )


@router.delete(
    "/candidates/{candidate_id}",
    status_code=204,
    response_class=Response,
    operation_id="remove_candidate",
    summary="移出入围名单",
)
async def remove_candidate(runtime: RuntimeDep, principal: CurrentPrincipal, candidate_id: uuid.UUID) -> None:
    _agency(principal, "仅评估机构可以修改入围名单")
    await candidates.remove(runtime, principal, candidate_id)
