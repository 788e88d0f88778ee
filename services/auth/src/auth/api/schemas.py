"""Request and response bodies. Client input is validated here (422 in the error shape, Chinese messages);
fields the client may not write (tenant, status, role) do not exist in the request models."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from kit.paging import Page
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, GetCoreSchemaHandler, StringConstraints
from pydantic_core import CoreSchema, core_schema

from auth.domain.identifiers import credit_code_error, normalise_credit_code, phone_error, region_code_error
from auth.domain.passwords import MAX_LENGTH
from auth.domain.statuses import EnterpriseNature, OrgType, SmsPurpose


def _credit_code(value: str) -> str:
    value = normalise_credit_code(value)
    error = credit_code_error(value)
    if error:
        raise ValueError(error)
    return value


def _phone(value: str) -> str:
    error = phone_error(value)
    if error:
        raise ValueError(error)
    return value


def _region(value: str) -> str:
    error = region_code_error(value)
    if error:
        raise ValueError(error)
    return value


# PostgreSQL refuses NUL in text and control characters have no place in names or addresses.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _no_controls(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("不能包含控制字符")
    return value


@dataclass(frozen=True, slots=True)
class Text:
    """A text field's rule, used as ``Annotated[str, Text(1, 50)]``: trimmed, bounded, free of control
    characters. The bounds are declared in the OpenAPI document like any string constraint."""

    min_length: int = 0
    max_length: int | None = None
    pattern: str | None = None
    strip: bool = True

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        bounded = StringConstraints(
            strip_whitespace=self.strip,
            min_length=self.min_length,
            max_length=self.max_length,
            pattern=self.pattern,
        )
        return core_schema.no_info_after_validator_function(
            _no_controls, handler.generate_schema(Annotated[str, bounded])
        )


_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("邮箱格式不正确")
    return value


CreditCode = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=40), AfterValidator(_credit_code)
]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20), AfterValidator(_phone)]
RegionCode = Annotated[str, StringConstraints(strip_whitespace=True, max_length=6), AfterValidator(_region)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_email)]
SmsCode = Annotated[str, Text(1, 10)]
# Length is checked by the policy (with a Chinese message) but a hard cap keeps hashing bounded.
Password = Annotated[str, StringConstraints(min_length=1, max_length=MAX_LENGTH * 4)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SmsCodeIn(_In):
    phone: Phone | None = None
    purpose: SmsPurpose
    ref: Annotated[str, Text(1, 100, strip=False)] | None = None


class SmsCodeOut(BaseModel):
    resend_after: int


class RegisterIn(_In):
    enterprise_name: Annotated[str, Text(2, 200)]
    credit_code: CreditCode
    contact_name: Annotated[str, Text(1, 50)]
    phone: Phone
    sms_code: SmsCode


class RegisterOut(BaseModel):
    login_name: str
    sms_sent: bool


class LoginIn(_In):
    login_name: Annotated[str, Text(1, 64)]
    password: Password


class TokensOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int
    must_change_password: bool


class RefreshIn(_In):
    refresh_token: Annotated[str, Text(1, 200, strip=False)]


class PasswordChangeIn(_In):
    current_password: Password
    new_password: Password


class LoginUnlockIn(_In):
    login_name: Annotated[str, Text(1, 64)]
    phone: Phone
    sms_code: SmsCode


class PasswordResetIn(_In):
    login_name: Annotated[str, Text(1, 64)]
    phone: Phone
    sms_code: SmsCode
    new_password: Password


class MeAccount(BaseModel):
    id: uuid.UUID
    login_name: str
    phone: str | None


class MeOrganisation(BaseModel):
    id: uuid.UUID
    type: OrgType
    type_label: str
    name: str
    credit_code: str | None


class MeOut(BaseModel):
    account: MeAccount
    organisation: MeOrganisation
    roles: list[str]
    forerunner_verified: bool
    must_change_password: bool
    password_expires_at: datetime | None


class EnterpriseIn(_In):
    name: Annotated[str, Text(2, 200)]
    credit_code: Annotated[str, Text(0, 40)] | None = Field(
        default=None, description="只读；若提交须与现值一致"
    )
    nature: EnterpriseNature | None = None
    contact_name: Annotated[str, Text(1, 50)]
    region_code: RegionCode | None = None
    phone: Phone | None = Field(
        default=None, description="只读；修改联系电话请用 POST /api/auth/enterprise/phone"
    )
    email: Email | None = None
    address: Annotated[str, Text(0, 300)] | None = None
    # Read-only fields of the profile answer, accepted back unchanged so a form can PUT what it GOT.
    org_id: uuid.UUID | None = None
    nature_label: Annotated[str, Text(0, 50)] | None = None
    logo_url: Annotated[str, Text(0, 300)] | None = None
    updated_at: datetime | None = None


class PhoneCodeIn(_In):
    phone: Phone


class PhoneChangeIn(_In):
    current_password: Password
    new_phone: Phone
    sms_code: SmsCode


class EnterpriseOut(BaseModel):
    org_id: uuid.UUID
    name: str
    credit_code: str | None
    nature: EnterpriseNature | None
    nature_label: str | None
    contact_name: str | None
    region_code: str | None
    phone: str | None
    email: str | None
    address: str | None
    logo_url: str | None
    updated_at: datetime


class Option(BaseModel):
    value: str
    label: str


class OptionPage(Page[Option]):
    pass


class BrandOut(BaseModel):
    id: uuid.UUID
    name: str
    story: str
    logo_url: str | None
    created_at: datetime
    updated_at: datetime


class CreatedOut(BaseModel):
    id: uuid.UUID


class RecoveryRegistered(BaseModel):
    """What the platform knows of the enterprise the request names (the phone masked)."""

    name: str
    contact_name: str | None
    phone_masked: str | None


class RecoveryCheck(BaseModel):
    field: str
    label: str
    claimed: str | None
    registered: str | None
    matches: bool


class RecoveryOut(BaseModel):
    id: uuid.UUID
    credit_code: str
    enterprise_name: str
    contact_name: str
    new_phone: str | None
    reason: str
    status: str
    status_label: str
    letter_url: str
    created_at: datetime
    decided_at: datetime | None
    decided_by: uuid.UUID | None
    opinion: str | None
    account_found: bool | None
    registered: RecoveryRegistered | None
    checks: list[RecoveryCheck]
    mismatches: list[str] = Field(
        description="account（无此企业账号）、enterprise_name、contact_name、new_phone（已被占用）"
    )
    new_phone_taken: bool
    effective_at: datetime | None = Field(description="通过后冷静期届满、申请生效的时间")
    closed_at: datetime | None
    closed_via: str | None
    closed_via_label: str | None


class RecoveryCodeIn(_In):
    code: Annotated[str, Text(1, 40)] = Field(description="短信中的撤销码或确认码")


class RecoveryAnswerOut(BaseModel):
    id: uuid.UUID
    status: str
    status_label: str


class OwnRecoveryOut(BaseModel):
    """A recovery request naming the signed-in enterprise, as its owner sees it (new phone masked)."""

    id: uuid.UUID
    status: str
    status_label: str
    created_at: datetime
    claimed_name: str
    claimed_contact: str
    new_phone: str | None
    effective_at: datetime | None


class RecoveryPage(Page[RecoveryOut]):
    pass


class OwnRecoveryPage(Page[OwnRecoveryOut]):
    pass


class DecisionIn(_In):
    approve: bool
    opinion: Annotated[str, Text(1, 500)]


class ListedPhone(BaseModel):
    ref: str
    masked: str


class ForerunnerStatusOut(BaseModel):
    eligible: bool
    verified: bool
    phones: list[ListedPhone]
    message: str


class ForerunnerVerifyIn(_In):
    ref: Annotated[str, Text(1, 100, strip=False)]
    sms_code: SmsCode


class OrganisationIn(_In):
    org_type: OrgType
    name: Annotated[str, Text(2, 200)]
    contact_name: Annotated[str, Text(1, 50)]
    contact_phone: Phone
    login_name: Annotated[str, Text(4, 32, pattern=r"^[A-Za-z][A-Za-z0-9_.\-]{3,31}$")]


class OrganisationOut(BaseModel):
    id: uuid.UUID
    org_type: OrgType
    org_type_label: str
    name: str
    credit_code: str | None
    contact_name: str | None
    contact_phone: str | None
    created_at: datetime


class OrganisationCreatedOut(BaseModel):
    organisation: OrganisationOut
    account_id: uuid.UUID
    login_name: str
    sms_sent: bool


class OrganisationPage(Page[OrganisationOut]):
    pass


class AuditOut(BaseModel):
    id: int
    at: datetime
    action: str
    action_label: str
    result: str
    actor_account_id: uuid.UUID | None
    actor_org_id: uuid.UUID | None
    subject_org_id: uuid.UUID | None
    ip: str | None
    detail: dict[str, str | int | float | bool] = Field(
        description="操作详情（不含密码、验证码；手机号已脱敏）"
    )


class AuditPage(Page[AuditOut]):
    pass


class ClockAdvanceIn(_In):
    days: float = Field(
        ge=-3650, le=3650, allow_inf_nan=False, description="前移的天数（负数为回拨），可为小数"
    )


class ClockOut(BaseModel):
    now: datetime
    offset_seconds: float
    offset_days: float


class BrandPage(Page[BrandOut]):
    pass


class CapturedSms(BaseModel):
    """One SMS the capture provider kept (development and test only)."""

    phone: str
    text: str
    sent_at: float


class CapturedSmsPage(Page[CapturedSms]):
    pass
