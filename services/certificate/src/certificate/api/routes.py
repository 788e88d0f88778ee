"""HTTP routes of the certificate service. Thin: access and input here, rules in ``service``."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Path, Query, Request, UploadFile, status
from fastapi.responses import HTMLResponse, Response
from kit import storage
from kit.downloads import DownloadLinkInvalid, content_disposition, sign_download, verify_download
from kit.paging import Page, PageDep
from kit.ratelimit import enforce
from kit.runtime import Runtime
from kit.security import (
    CurrentPrincipal,
    EnterprisePrincipal,
    OrgType,
    Principal,
    WorkingGroupPrincipal,
    require_forerunner_verified,
)
from kit.uploads import check_upload
from kit.web import QueryText, ReadSessionDep, RuntimeDep, SessionDep, client_ip

from certificate.api.pages import SCRIPT_PATH, STYLESHEET_PATH, script, stylesheet, verify_page
from certificate.api.schemas import (
    CertificateOut,
    DownloadLink,
    HistoryOut,
    LabelApplyIn,
    LabelOut,
    OfflineKeyOut,
    OfflineKeysOut,
    RevokeIn,
    VerifyOut,
)
from certificate.config import BUCKET, settings_of
from certificate.domain import numbers
from certificate.domain.statuses import UNKNOWN, CertificateStatus, LabelKind
from certificate.errors import AgencyOnly, VerificationNotFound
from certificate.models import Certificate, Label
from certificate.offline import keyring_of
from certificate.service import certificates, labels, verification
from certificate.service.common import Context, StoredFile

router = APIRouter(prefix="/api/certificates", tags=["certificates"])
DOWNLOAD_TOKEN = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
public_router = APIRouter(tags=["verification"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "不存在或无权查看（他人的证书、标识一律 404）"}
}
# The seed's menus 领跑者证书 and 领跑者标识 open only after 领跑者企业身份认证; the service enforces it
# (the access token's ``fv``), the portal only reflects it. Star-product labels (星级产品库) need no
# authentication.
FORERUNNER_GATE: dict[int | str, dict[str, Any]] = {
    403: {"description": "企业尚未完成领跑者企业身份认证（forerunner_auth_required）"}
}


def _forerunner_label_gate(principal: Principal, label: Label) -> None:
    if label.kind is LabelKind.FORERUNNER:
        require_forerunner_verified(principal)


async def _context(runtime: Runtime) -> Context:
    assert runtime.storage is not None
    return Context(settings=settings_of(runtime), storage=runtime.storage, now=await runtime.clock.now())


def _certificate_out(
    cert: Certificate | SimpleNamespace, runtime: Runtime, issued: Mapping[Any, Any] | None = None
) -> CertificateOut:
    """A certificate as the API shows it, from its entity or a row of the list (``repository.certificate_page``);
    ``issued``: model id → its forerunner label's id."""
    return CertificateOut.model_validate(_certificate_row(cert, runtime, issued))


def _certificate_row(
    cert: Certificate | SimpleNamespace, runtime: Runtime, issued: Mapping[Any, Any] | None = None
) -> dict[str, Any]:
    """``CertificateOut``'s fields as plain values (what the list renders with ``Page.response``)."""
    issued = issued or {}
    status = CertificateStatus(cert.status)
    return {
        "id": cert.id,
        "number": cert.number,
        "verify_url": numbers.verify_url(runtime.settings.public_base_url, cert.verify_code),
        "declaration_id": cert.declaration_id,
        "enterprise_name": cert.enterprise_name,
        "credit_code": cert.credit_code,
        "key_field_product": cert.key_field_product,
        "field": cert.field,
        "year": cert.year,
        "standard_no": cert.standard_no,
        "standard_name": cert.standard_name,
        "agency_name": cert.agency_name,
        "models": [
            {
                "model_id": m.model_id,
                "name": m.name,
                "spec": m.spec,
                "appended": m.appended,
                "id": m.model_id,
                "model": m.spec or m.name,
                "label_id": issued.get(m.model_id),
            }
            for m in cert.models
        ],
        "issued_on": cert.issued_on,
        "issued_at": cert.issued_on,
        "product_name": cert.key_field_product,
        "valid_until": cert.valid_until,
        "status": status.value,
        "status_label": status.label,
        "stamped": cert.stamped_key is not None,
        "stamped_at": cert.stamped_at,
        "ended_at": cert.ended_at,
        "end_reason": cert.end_reason,
    }


def _label_out(label: Label, runtime: Runtime) -> LabelOut:
    state = labels.label_status(label)
    return LabelOut(
        id=label.id,
        kind=label.kind,
        kind_label=label.kind.label,
        number=label.number,
        verify_url=numbers.verify_url(runtime.settings.public_base_url, label.verify_code),
        certificate_id=label.certificate_id,
        model_id=label.model_id,
        star=label.star,
        enterprise_name=label.enterprise_name,
        key_field_product=label.key_field_product,
        product_name=label.product_name,
        model=label.model,
        standard=label.standard,
        standard_no=label.certificate.standard_no if label.certificate else None,
        standard_name=label.certificate.standard_name if label.certificate else (label.standard or None),
        year=label.year,
        status=state,
        status_label=state.label,
        created_at=label.created_at,
    )


async def _deliver(runtime: Runtime, stored: StoredFile, *, link: bool) -> Response | DownloadLink:
    """Either a short-lived link (for a browser's plain <a href>) or the bytes themselves.

    Both come only after the caller's access check; the link is HMAC-signed and expires within
    LP_DOWNLOAD_LINK_SECONDS (≤ 15 minutes).
    """
    settings = runtime.settings
    if link:
        ttl = settings.download_link_seconds
        token = sign_download(
            settings.download_secret,
            service=settings.service_name,
            bucket=BUCKET,
            key=stored.key,
            filename=stored.filename,
            content_type=stored.content_type,
            ttl=ttl,
        )
        return DownloadLink(
            url=f"/api/certificates/downloads/{token}", expires_in=ttl, filename=stored.filename
        )
    data = await storage.load(runtime.storage, BUCKET, stored.key)
    return Response(
        content=data,
        media_type=stored.content_type,
        headers={
            "Content-Disposition": content_disposition(stored.filename),
            "Cache-Control": "private, no-store",
        },
    )


def _file_responses(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """The file itself, or (link=true) the short-lived link to it, whose JSON schema is the response model."""
    return {
        200: {
            "description": "文件内容；link=true 时为短时下载链接",
            "content": {**{m: {} for m in media_types}, "application/json": {}},
        },
        **NOT_FOUND,
    }


# --- certificates ----------------------------------------------------------------------------------


@router.get(
    "",
    response_model=Page[CertificateOut],
    operation_id="listCertificates",
    summary="证书列表",
    responses=FORERUNNER_GATE,
)
async def list_certificates(
    principal: CurrentPrincipal,
    session: ReadSessionDep,
    runtime: RuntimeDep,
    page: PageDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    status_: Annotated[CertificateStatus | None, Query(alias="status")] = None,
    keyword: Annotated[QueryText, Query(max_length=100, description="证书编号、企业名称或标准号")] = None,
    stamped: Annotated[bool | None, Query(description="是否已回传盖章版")] = None,
) -> Response:
    require_forerunner_verified(principal)
    rows, total = await certificates.list_certificates(
        session,
        principal,
        page,
        year=year,
        status=status_,
        keyword=keyword.strip() if keyword else None,
        stamped=stamped,
    )
    issued = {m.model_id: m.label_id for c in rows for m in c.models if m.label_id}
    return Page[CertificateOut].response([_certificate_row(c, runtime, issued) for c in rows], total, page)


# --- public keys of the QR signatures (before /{certificate_id} so "keys" is never read as an id) ------

KEYS_MAX_AGE = 3600


@router.get(
    "/keys",
    response_model=OfflineKeysOut,
    operation_id="listOfflineKeys",
    summary="二维码离线签名的公钥（SM2-SM3，含已停用的密钥；公开，可缓存）",
    responses={304: {"description": "未变化（If-None-Match 与 ETag 相同）"}},
)
async def list_offline_keys(request: Request, runtime: RuntimeDep) -> Response:
    keyring = keyring_of(settings_of(runtime))
    body = (
        OfflineKeysOut(
            keys=[
                OfflineKeyOut(
                    kid=k.kid,
                    algorithm="SM2-SM3",
                    public_key=k.public_key,
                    status="active" if k.status == "active" else "retired",
                    since=k.since,
                    until=k.until,
                )
                for k in keyring.published()
            ]
        )
        .model_dump_json()
        .encode()
    )
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"Cache-Control": f"public, max-age={KEYS_MAX_AGE}", "ETag": etag}
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


# --- labels (declared before /{certificate_id} so "labels" is never read as an id) -------------------


@router.get(
    "/labels",
    response_model=Page[LabelOut],
    operation_id="listLabels",
    summary="标识列表（未完成领跑者企业身份认证的企业只见星级产品标识）",
    responses=FORERUNNER_GATE,
)
async def list_labels(
    principal: CurrentPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
    page: PageDep,
    kind: LabelKind | None = None,
    certificate_id: uuid.UUID | None = None,
) -> Page[LabelOut]:
    if principal.org_type is OrgType.enterprise and not principal.forerunner_verified:
        if kind is LabelKind.FORERUNNER or certificate_id is not None:
            require_forerunner_verified(principal)
        kind = LabelKind.STAR
    rows, total = await labels.list_labels(session, principal, page, kind=kind, certificate_id=certificate_id)
    return Page[LabelOut].of([_label_out(label, runtime) for label in rows], total, page)


@router.post(
    "/labels",
    response_model=LabelOut,
    status_code=status.HTTP_201_CREATED,
    operation_id="applyLabel",
    summary="申领领跑者标识（按型号）",
    responses={
        200: {"description": "该型号已申领过，返回已有标识", "model": LabelOut},
        **FORERUNNER_GATE,
        **NOT_FOUND,
        409: {"description": "证书已撤销或已过期"},
    },
)
async def apply_label(
    body: LabelApplyIn, principal: EnterprisePrincipal, runtime: RuntimeDep, response: Response
) -> LabelOut:
    require_forerunner_verified(principal)
    async with runtime.db.transaction() as session:
        label, created = await labels.apply_label(session, await _context(runtime), principal, body.model_id)
        out = _label_out(label, runtime)
    if not created:
        response.status_code = status.HTTP_200_OK
    return out


@router.get(
    "/labels/{label_id}",
    response_model=LabelOut,
    operation_id="getLabel",
    summary="标识详情",
    responses={**FORERUNNER_GATE, **NOT_FOUND},
)
async def get_label(
    label_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, runtime: RuntimeDep
) -> LabelOut:
    label = await labels.get_label(session, principal, label_id)
    _forerunner_label_gate(principal, label)
    return _label_out(label, runtime)


@router.get(
    "/labels/{label_id}/file",
    operation_id="downloadLabel",
    summary="下载标识（PDF 含平台电子签名，可用文件查验；PNG 为图片，不含签名）",
    response_model=DownloadLink,
    responses={**_file_responses("application/pdf", "image/png"), **FORERUNNER_GATE},
)
async def download_label(
    label_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
    format: Literal["pdf", "png"] = "pdf",
    link: bool = False,
) -> Response | DownloadLink:
    label = await labels.get_label(session, principal, label_id)
    _forerunner_label_gate(principal, label)
    return await _deliver(runtime, labels.label_file(label, format), link=link)


# --- public verification and signed downloads --------------------------------------------------------


async def _lookup(request: Request, session: SessionDep, runtime: Runtime, code: str) -> VerifyOut | None:
    await enforce(
        runtime.redis,
        f"lp:rl:verify:{client_ip(request)}",
        limit=settings_of(runtime).verify_rate_per_minute,
        window_seconds=60,
    )
    found = await verification.find_document(session, code)
    if isinstance(found, Certificate):
        return VerifyOut.of_certificate(found)
    if isinstance(found, Label):
        return VerifyOut.of_label(found, labels.label_status(found))
    return None


@router.get(
    "/verify/{code}",
    response_model=VerifyOut,
    operation_id="verifyDocument",
    summary="公开查验证书或标识（二维码中的查验码或证书、标识编号）：有效、已撤销、已过期",
    responses={
        404: {"description": "未查询到（details.status = unknown）"},
        429: {"description": "查验过于频繁"},
    },
)
async def verify_document(
    code: Annotated[str, Path(max_length=64)], request: Request, session: SessionDep, runtime: RuntimeDep
) -> VerifyOut:
    result = await _lookup(request, session, runtime, code)
    if result is None:
        raise VerificationNotFound(details={"status": UNKNOWN})
    return result


@public_router.get(STYLESHEET_PATH, include_in_schema=False)
async def verify_stylesheet() -> Response:
    """The verification page's stylesheet (same origin; no inline style for the CSP to allow)."""
    return Response(
        stylesheet(),
        media_type="text/css; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


@public_router.get(SCRIPT_PATH, include_in_schema=False)
async def verify_script() -> Response:
    """The page's optional script: offers the offline check of the QR code's signed fragment."""
    return Response(
        script(),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


@public_router.get("/verify/{code}", response_class=HTMLResponse, include_in_schema=False)
async def verify_html(code: str, request: Request, session: SessionDep, runtime: RuntimeDep) -> HTMLResponse:
    """The page a phone opens from the QR code: readable without the portal's JavaScript; 404 for a code
    nobody issued."""
    result = await _lookup(request, session, runtime, code[:64])
    return HTMLResponse(
        verify_page(result, code),
        status_code=200 if result else 404,
        headers={
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


@router.get(
    "/downloads/{token}",
    operation_id="downloadByLink",
    summary="通过短时链接下载",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}, "image/png": {}}},
        404: {"description": "链接无效或已过期"},
    },
)
async def download_by_link(token: Annotated[str, Path(max_length=2048)], runtime: RuntimeDep) -> Response:
    # Signed links are URL-safe base64 and a dot; anything else is refused before the HMAC check,
    # which cannot compare non-ASCII text.
    if not DOWNLOAD_TOKEN.fullmatch(token):
        raise DownloadLinkInvalid()
    found = verify_download(
        runtime.settings.download_secret, token, service=runtime.settings.service_name, bucket=BUCKET
    )
    data = await storage.load(runtime.storage, BUCKET, found["key"])
    return Response(
        content=data,
        media_type=found["content_type"],
        headers={
            "Content-Disposition": content_disposition(found["filename"]),
            "Cache-Control": "private, no-store",
        },
    )


# --- one certificate ------------------------------------------------------------------------------------


@router.get(
    "/{certificate_id}",
    response_model=CertificateOut,
    operation_id="getCertificate",
    summary="证书详情",
    responses={**FORERUNNER_GATE, **NOT_FOUND},
)
async def get_certificate(
    certificate_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, runtime: RuntimeDep
) -> CertificateOut:
    require_forerunner_verified(principal)
    cert = await certificates.get_certificate(session, principal, certificate_id)
    return _certificate_out(cert, runtime, await certificates.labels_by_model(session, [cert.id]))


@router.get(
    "/{certificate_id}/history",
    response_model=Page[HistoryOut],
    operation_id="certificateHistory",
    summary="证书记录（签发、盖章、撤销、过期）",
    responses={**FORERUNNER_GATE, **NOT_FOUND},
)
async def certificate_history(
    certificate_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, page: PageDep
) -> Page[HistoryOut]:
    require_forerunner_verified(principal)
    cert = await certificates.get_certificate(session, principal, certificate_id)
    rows, total = await certificates.history(session, cert, page)
    items = [
        HistoryOut(
            action=h.action, action_label=h.action.label, actor_role=h.actor_role, reason=h.reason, at=h.at
        )
        for h in rows
    ]
    return Page[HistoryOut].of(items, total, page)


@router.get(
    "/{certificate_id}/file",
    operation_id="downloadCertificate",
    summary="下载证书（有盖章版时下载盖章版）",
    response_model=DownloadLink,
    responses={**_file_responses("application/pdf"), **FORERUNNER_GATE},
)
async def download_certificate(
    certificate_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
    link: bool = False,
) -> Response | DownloadLink:
    require_forerunner_verified(principal)
    cert = await certificates.get_certificate(session, principal, certificate_id)
    return await _deliver(runtime, certificates.certificate_file(cert, principal), link=link)


@router.post(
    "/{certificate_id}/stamped",
    response_model=CertificateOut,
    operation_id="uploadStampedCertificate",
    summary="评估机构上传盖章版证书（PDF）",
    responses={
        **NOT_FOUND,
        409: {"description": "证书已撤销或已过期"},
        413: {"description": "文件过大"},
        415: {"description": "不是 PDF"},
    },
)
async def upload_stamped(
    certificate_id: uuid.UUID,
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    file: Annotated[UploadFile, File(description="盖章版证书 PDF")],
) -> CertificateOut:
    if principal.org_type is not OrgType.agency:
        raise AgencyOnly("仅评估机构可上传盖章版证书")
    checked = await check_upload(
        file, allowed={"pdf"}, max_bytes=settings_of(runtime).stamped_max_bytes, what="盖章版证书"
    )
    async with runtime.db.transaction() as session:
        cert = await certificates.upload_stamped(
            session, await _context(runtime), principal, certificate_id, checked.data
        )
        return _certificate_out(cert, runtime)


@router.post(
    "/{certificate_id}/revoke",
    response_model=CertificateOut,
    operation_id="revokeCertificate",
    summary="工作组撤销证书（须填写原因）",
    responses={**NOT_FOUND, 409: {"description": "证书已撤销或已过期"}},
)
async def revoke_certificate(
    certificate_id: uuid.UUID, body: RevokeIn, principal: WorkingGroupPrincipal, runtime: RuntimeDep
) -> CertificateOut:
    async with runtime.db.transaction() as session:
        cert = await certificates.revoke(
            session, await _context(runtime), principal, certificate_id, body.reason
        )
        return _certificate_out(cert, runtime)
