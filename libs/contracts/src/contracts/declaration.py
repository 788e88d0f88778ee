"""Events produced by the declaration service: candidate lists (入围名单), declarations and their
lifecycle, public notices (公示) and star-product self-declarations. Version 1 of each; additive
changes only. Phones travel only as ``phone_masked`` + ``phone_sealed`` (``kit.pii.Sealer``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

ActorRole = Literal["enterprise", "agency", "working_group", "system", "public"]


class CandidateListed(BaseModel):
    """``candidate.listed``: an agency put an enterprise standard on its candidate list, or passed a
    standard the enterprise self-declared (``source = self``, 企业自主申报: the phone is the enterprise's
    基本信息 phone). Auth keeps the listed phones per credit code so the enterprise can authenticate
    (领跑者企业身份认证)."""

    candidate_id: uuid.UUID
    product_id: uuid.UUID
    agency_org_id: uuid.UUID
    credit_code: str
    enterprise_name: str
    standard_no: str
    standard_name: str
    phone_ref: str  # stable per candidate, kept when the agency corrects the phone
    phone_masked: str
    phone_sealed: str
    source: Literal["agency", "self"] = "agency"


class CandidatePhoneChanged(BaseModel):
    """``candidate.phone_changed``: the agency corrected the listed contact phone, or (a self-declared
    row) the enterprise changed the phone of its 基本信息."""

    candidate_id: uuid.UUID
    credit_code: str
    phone_ref: str
    phone_masked: str
    phone_sealed: str


class CandidateRemoved(BaseModel):
    """``candidate.removed``: the candidate left the list (the agency removed it, or the working group
    returned the self-declared standard); its phone no longer authenticates."""

    candidate_id: uuid.UUID
    credit_code: str
    phone_ref: str


class DeclarationStatusChanged(BaseModel):
    """``declaration.status_changed``: one move of the lifecycle (名单状态 and/or 证明材料状态).
    Status values are the enum values (e.g. ``with_agency``); ``*_label`` carry the Chinese text."""

    declaration_id: uuid.UUID
    org_id: uuid.UUID
    product_id: uuid.UUID
    product_name: str
    agency_org_id: uuid.UUID | None
    standard_no: str
    standard_name: str
    action: str
    list_status: dict[str, str | None]  # {"from": ..., "to": ...}
    list_status_label: str
    evidence_status: dict[str, str | None]  # {"from": ..., "to": ...}
    evidence_status_label: str
    opinion: str | None = None
    actor_role: ActorRole
    # true when the enterprise must act (不通过 / 不完整) or learns an outcome (公示, 发布)
    enterprise_must_know: bool = False
    review_id: uuid.UUID
    # self: 企业自主申报 (the agency's pass lists it, and the enterprise may authenticate with its basic-info
    # phone); candidate: listed by the agency. None from producers before this field.
    origin: Literal["self", "candidate"] | None = None
    # when the move happened by the platform's clock (the 审核记录's time, which a test or demo may move);
    # None from producers before this field: consumers fall back to the envelope's occurred_at
    at: datetime | None = None


class DeclarationModel(BaseModel):
    model_id: uuid.UUID
    name: str
    spec: str
    intro: str | None = None


class DeclarationPublished(BaseModel):
    """``declaration.published``: the notice ended without an open objection; the standard is on the
    yearly forerunner list. Certificates and the mall start from here."""

    declaration_id: uuid.UUID
    org_id: uuid.UUID
    enterprise_name: str
    credit_code: str
    product_id: uuid.UUID
    product_name: str
    field: str
    year: int
    agency_org_id: uuid.UUID | None
    agency_name: str
    standard_no: str
    standard_name: str
    models: list[DeclarationModel]
    published_at: datetime


class DeclarationModelAppended(BaseModel):
    """``declaration.model_appended``: a model/spec appended after publication (追加规格/型号)."""

    declaration_id: uuid.UUID
    org_id: uuid.UUID
    model: DeclarationModel
    picture_keys: list[str] = []


class NoticeOpened(BaseModel):
    """``notice.opened``: a 14-day public notice (公示) started."""

    notice_id: uuid.UUID
    year: int
    product_id: uuid.UUID
    declaration_ids: list[uuid.UUID]
    starts_at: datetime
    ends_at: datetime


class NoticeClosed(NoticeOpened):
    """``notice.closed``: the notice period ended (declarations held by an objection stay unpublished)."""

    held_declaration_ids: list[uuid.UUID] = []


class ObjectionRaised(BaseModel):
    """``objection.raised``: someone objected to a standard during its public notice (公示异议); an open
    objection holds the standard's publication. Who objected stays in the declaration service."""

    objection_id: uuid.UUID
    notice_id: uuid.UUID
    declaration_id: uuid.UUID
    product_id: uuid.UUID
    year: int
    raised_at: datetime


class ObjectionResolved(BaseModel):
    """``objection.resolved``: the working group upheld (``upheld``) or dismissed (``dismissed``) an
    objection; upholding one also closes the other open objections against the same standard (one event
    each)."""

    objection_id: uuid.UUID
    notice_id: uuid.UUID
    declaration_id: uuid.UUID
    status: Literal["upheld", "dismissed"]
    resolved_at: datetime


class StarIndicatorResult(BaseModel):
    code: str
    name: str
    unit: str = ""
    value: Any = None
    passed: bool
    star_reached: int | None = None


class StarProductDeclared(BaseModel):
    """``star_product.declared``: a self-declared 3- or 4-star product model (自我声明星级产品)."""

    star_product_id: uuid.UUID  # also the model id used by the mall and labels
    org_id: uuid.UUID
    enterprise_name: str
    product_id: uuid.UUID
    product_name: str
    field: str
    name: str
    model: str
    star: int
    plan_version: int
    results: list[StarIndicatorResult]
    intro: str | None = None
    declared_at: datetime
