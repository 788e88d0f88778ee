"""Events produced by the auth service: ``account.*``, ``enterprise.*`` and ``identity.*`` (version 1;
additive changes only). Phones travel only as ``phone_masked`` + ``phone_sealed`` (``kit.pii.Sealer``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

ORGANISATION_CREATED = "account.organisation_created"
ENTERPRISE_REGISTERED = "enterprise.registered"
ENTERPRISE_UPDATED = "enterprise.updated"
BRAND_CHANGED = "enterprise.brand_changed"
FORERUNNER_VERIFIED = "identity.forerunner_verified"
RECOVERY_STATUS_CHANGED = "enterprise.recovery_status_changed"

OrgType = Literal["enterprise", "agency", "working_group", "operator"]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class OrganisationCreated(_Payload):
    """``account.organisation_created``: a new organisation exists (agency names for benchmark, etc.)."""

    org_id: uuid.UUID
    org_type: OrgType
    name: str
    credit_code: str | None = None


class EnterpriseRegistered(_Payload):
    """``enterprise.registered``: an enterprise registered itself (注册)."""

    org_id: uuid.UUID
    name: str
    credit_code: str
    contact_name: str
    phone_masked: str
    phone_sealed: str


class EnterpriseUpdated(_Payload):
    """``enterprise.updated``: 基本信息 changed (or the phone, after an approved recovery). The whole
    current profile travels, so a consumer simply overwrites its copy. ``nature`` is the enum value
    (e.g. ``private``), ``nature_label`` its Chinese text; ``region_code`` is GB/T 2260."""

    org_id: uuid.UUID
    name: str
    credit_code: str
    nature: str | None = None
    nature_label: str | None = None
    contact_name: str | None = None
    phone_masked: str | None = None
    phone_sealed: str | None = None
    email: str | None = None
    region_code: str | None = None
    address: str | None = None
    logo_key: str | None = None


class BrandChanged(_Payload):
    """``enterprise.brand_changed``: a brand (品牌信息) was created, edited or deleted (``deleted``)."""

    org_id: uuid.UUID
    brand_id: uuid.UUID
    name: str
    story: str
    logo_key: str | None = None  # object key in bucket ``lp-logos``
    deleted: bool = False


class ForerunnerVerified(_Payload):
    """``identity.forerunner_verified``: the enterprise proved a phone of its candidate listing
    (领跑者企业身份认证); it now sees evidence upload, certificates and labels."""

    org_id: uuid.UUID
    account_id: uuid.UUID
    credit_code: str


class RecoveryStatusChanged(_Payload):
    """``enterprise.recovery_status_changed``: a lost-phone recovery request (账号找回) naming this enterprise was
    filed, decided, cancelled or took effect; the organisation is told in-site. ``status`` is one of
    pending (filed), approved (cooling-off until ``effective_at``), rejected, cancelled, completed.
    Never a code, a password or a clear phone: ``new_phone_masked`` only."""

    org_id: uuid.UUID
    request_id: uuid.UUID
    status: Literal["pending", "approved", "rejected", "cancelled", "completed"]
    claimed_name: str
    claimed_contact: str
    new_phone_masked: str | None = None
    effective_at: datetime | None = None
    opinion: str | None = None
    closed_via: str | None = None
