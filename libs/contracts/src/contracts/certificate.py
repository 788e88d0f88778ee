"""``certificate.*`` and ``label.*`` events (producer: certificate).

A certificate is issued when a declaration is published; the agency may upload the stamped
version; the working group may revoke it; it expires at ``valid_until``. Revocation and expiry
carry the models it covered so the mall takes those products down. Additive changes only
within v1.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

CERTIFICATE_ISSUED = "certificate.issued"
CERTIFICATE_STAMPED = "certificate.stamped"
CERTIFICATE_REVOKED = "certificate.revoked"
CERTIFICATE_EXPIRED = "certificate.expired"
LABEL_ISSUED = "label.issued"


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class CertificateIssued(_Payload):
    """A forerunner certificate (unstamped version) exists and can be downloaded by the enterprise.

    Also used for ``certificate.stamped``: the agency's stamped PDF now replaces the unstamped one.
    """

    certificate_id: uuid.UUID
    number: str
    verify_code: str
    declaration_id: uuid.UUID
    org_id: uuid.UUID
    agency_org_id: uuid.UUID | None = None
    enterprise_name: str
    standard_no: str
    standard_name: str
    product_id: uuid.UUID | None = None
    year: int
    issued_on: date
    valid_until: date
    stamped: bool = False


class CertificateEnded(_Payload):
    """``certificate.revoked`` (by the working group, with its reason) or ``certificate.expired``
    (``reason`` is "expired"). ``model_ids`` are every model the certificate covered, appended ones
    included: the mall unlists them."""

    certificate_id: uuid.UUID
    number: str
    declaration_id: uuid.UUID
    org_id: uuid.UUID
    model_ids: list[uuid.UUID]
    reason: str


class LabelIssued(_Payload):
    """A label was issued for one model: the forerunner label (领跑者标识) on the enterprise's
    application, or the star label (星级产品标识) once the model's promotion material is complete."""

    label_id: uuid.UUID
    number: str
    verify_code: str
    model_id: uuid.UUID
    org_id: uuid.UUID
    kind: Literal["forerunner", "star"]
    star: int | None = None
    certificate_id: uuid.UUID | None = None
