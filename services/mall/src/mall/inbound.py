"""The payloads the mall reads from other services' events. Where the producer has published its schema in
``libs/contracts`` the mall uses it; otherwise these models follow docs/EVENTS.md. All ignore unknown
fields (producers add fields freely within a version) and default what the mall can live without."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class EnterpriseInfo(_In):
    """enterprise.registered / enterprise.updated."""

    org_id: uuid.UUID
    name: str
    credit_code: str | None = None
    region_code: str | None = None


class BrandChanged(_In):
    org_id: uuid.UUID
    brand_id: uuid.UUID
    name: str = ""
    story: str = ""
    logo_key: str | None = None
    deleted: bool = False


class DeclaredModel(_In):
    model_id: uuid.UUID
    name: str = ""
    spec: str = ""
    intro: str | None = None


class DeclarationPublished(_In):
    declaration_id: uuid.UUID
    org_id: uuid.UUID
    enterprise_name: str = ""
    product_id: uuid.UUID | None = None
    product_name: str = ""
    field: str = ""
    standard_no: str | None = None
    standard_name: str | None = None
    models: list[DeclaredModel] = Field(default_factory=list)


class ModelAppended(_In):
    declaration_id: uuid.UUID
    org_id: uuid.UUID
    model: DeclaredModel


class StarProductDeclared(_In):
    star_product_id: uuid.UUID
    org_id: uuid.UUID
    enterprise_name: str = ""
    product_id: uuid.UUID | None = None
    product_name: str = ""
    field: str = ""
    name: str = ""
    model: str = ""
    star: int = Field(ge=1, le=5)
    plan_version: int | None = None
    results: list[dict[str, Any]] = Field(default_factory=list)


class CertificateIssued(_In):
    certificate_id: uuid.UUID
    declaration_id: uuid.UUID | None = None
    org_id: uuid.UUID | None = None
    number: str | None = None
    verify_code: str | None = None


class CertificateEnded(_In):
    """certificate.revoked / certificate.expired."""

    certificate_id: uuid.UUID
    declaration_id: uuid.UUID | None = None
    org_id: uuid.UUID | None = None
    model_ids: list[uuid.UUID] = Field(default_factory=list)
    reason: str | None = None


class LabelIssued(_In):
    label_id: uuid.UUID
    model_id: uuid.UUID
    org_id: uuid.UUID | None = None
    number: str | None = None
    verify_code: str | None = None
    kind: str | None = None
