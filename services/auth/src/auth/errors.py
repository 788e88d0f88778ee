"""Every error code of the auth service: one ``AppError`` subclass each (one status, one default message,
a details model when it carries details). Raise sites may give a more precise message."""

from __future__ import annotations

from kit.errors import (
    AppError,
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    RetryAfter,
    RetryLater,
    Unauthorized,
    Unavailable,
)
from pydantic import BaseModel

from auth.domain.statuses import RecoveryStatus


class RouteDetails(BaseModel):
    """Where the thing asked for is done instead."""

    route: str


class PhoneChangeDetails(BaseModel):
    route: str
    code_route: str


class PasswordPolicyDetails(BaseModel):
    rules: list[str]
    hint: str


class TriesLeft(BaseModel):
    tries_left: int


class RecoveryStatusDetails(BaseModel):
    status: RecoveryStatus


# -- 401 ---------------------------------------------------------------------------------------------


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    message = "登录名或密码不正确"


class PasswordExpired(Unauthorized):
    code = "password_expired"
    message = "初始密码已超过 7 天未使用而失效，请通过“忘记密码”重新设置"


class RefreshMissing(Unauthorized):
    code = "refresh_missing"
    message = "登录已失效，请重新登录"


class RefreshInvalid(Unauthorized):
    code = "refresh_invalid"
    message = "登录已失效，请重新登录"


class RefreshReused(Unauthorized):
    code = "refresh_reused"
    message = "登录凭证已被重复使用，已强制下线，请重新登录"


class AccountNotFound(Unauthorized):
    code = "account_not_found"
    message = "账号不存在"


# -- 403 ---------------------------------------------------------------------------------------------


class EnterpriseOnly(Forbidden):
    code = "enterprise_only"
    message = "仅企业用户可进行领跑者企业身份认证"


# -- 404 ---------------------------------------------------------------------------------------------


class EnterpriseNotFound(NotFound):
    code = "enterprise_not_found"
    message = "企业不存在"


class OrganisationNotFound(NotFound):
    code = "organisation_not_found"
    message = "机构不存在"


class BrandNotFound(NotFound):
    code = "brand_not_found"
    message = "品牌不存在"


class LogoNotFound(NotFound):
    code = "logo_not_found"
    message = "尚未上传 Logo"


class ForerunnerPhoneNotFound(NotFound):
    code = "forerunner_phone_not_found"
    message = "该手机号不在本企业的入围名单中，请重新选择"


class RecoveryRequestNotFound(NotFound):
    code = "recovery_request_not_found"
    message = "申请不存在"


class RecoveryCodeInvalid(NotFound):
    code = "recovery_code_invalid"
    message = "撤销码或确认码不正确，请核对短信"


# -- 409 ---------------------------------------------------------------------------------------------


class CreditCodeRegistered(Conflict):
    code = "credit_code_registered"
    message = "该统一社会信用代码已注册，请直接登录或找回密码"


class PhoneRegistered(Conflict):
    code = "phone_registered"
    message = "该手机号已被其他账号使用"


class LoginNameTaken(Conflict):
    code = "login_name_taken"
    message = "登录名已被使用"


class TooManyBrands(Conflict):
    code = "too_many_brands"
    message = "品牌数量已达上限"


class PhoneChangeRequiresVerification(Conflict):
    code = "phone_change_requires_verification"
    message = "联系电话即预留手机号，修改须验证当前密码和新手机号的短信验证码，请使用“修改联系电话”"
    details_model = PhoneChangeDetails


class ForerunnerNotEligible(Conflict):
    code = "forerunner_not_eligible"
    message = "本企业不在领跑者入围名单中，暂不能进行领跑者企业身份认证"


class RecoveryAlreadyDecided(Conflict):
    code = "recovery_already_decided"
    message = "该申请已处理，不能重复审核"


class RecoveryAccountNotFound(Conflict):
    code = "recovery_account_not_found"
    message = "未找到该统一社会信用代码对应的企业账号，只能驳回"


class RecoveryNotOpen(Conflict):
    code = "recovery_not_open"
    message = "该申请已结束"
    details_model = RecoveryStatusDetails


# -- 422 ---------------------------------------------------------------------------------------------


class _Refused(AppError):
    """A 422 about one rule rather than the fields of a form (no field list in ``details``)."""


class RefRequired(_Refused):
    status_code = 422
    code = "ref_required"
    message = "请选择接收验证码的手机号"


class PhoneRequired(_Refused):
    status_code = 422
    code = "phone_required"
    message = "请填写手机号"


class SmsPurposeElsewhere(_Refused):
    status_code = 422
    code = "sms_purpose_elsewhere"
    message = "修改联系电话的验证码请在“基本信息 - 修改联系电话”中获取"
    details_model = RouteDetails


class ClockDaysZero(_Refused):
    status_code = 422
    code = "clock_days_zero"
    message = "移动的天数不能为 0"


class EnterpriseSelfRegisters(_Refused):
    status_code = 422
    code = "enterprise_self_registers"
    message = "企业账号由企业自行注册"


class PasswordPolicy(_Refused):
    status_code = 422
    code = "password_policy"
    message = "密码不符合要求"
    details_model = PasswordPolicyDetails


class AccountPhoneMismatch(_Refused):
    status_code = 422
    code = "account_phone_mismatch"
    message = "登录名与预留手机号不匹配"


class CurrentPasswordWrong(_Refused):
    status_code = 422
    code = "current_password_wrong"
    message = "当前密码不正确"


class CreditCodeReadOnly(_Refused):
    status_code = 422
    code = "credit_code_read_only"
    message = "统一社会信用代码不可修改"


class PhoneUnchanged(_Refused):
    status_code = 422
    code = "phone_unchanged"
    message = "新手机号与当前联系电话相同"


class SmsCodeRefused(_Refused):
    """The SMS code was not accepted (expired, exhausted or wrong)."""


class SmsCodeExpired(SmsCodeRefused):
    status_code = 422
    code = "sms_code_expired"
    message = "验证码已失效或未获取，请重新获取验证码"


class SmsCodeExhausted(SmsCodeRefused):
    status_code = 422
    code = "sms_code_exhausted"
    message = "验证码错误次数过多，已失效，请重新获取验证码"


class SmsCodeWrong(SmsCodeRefused):
    status_code = 422
    code = "sms_code_wrong"
    message = "验证码不正确"
    details_model = TriesLeft


# -- 429 (details: retry_after) ------------------------------------------------------------------------


class LoginLocked(RateLimited):
    code = "login_locked"
    message = "登录失败次数过多，请稍后再试，或通过预留手机号的短信验证码解锁"


class LoginSlowed(RateLimited):
    code = "login_slowed"
    message = "该账号近期登录失败次数较多，请稍后再试，或通过预留手机号的短信验证码解锁"


class PhoneChangeLocked(RateLimited):
    code = "phone_change_locked"
    message = "当前密码错误次数过多，请稍后再试"


class TooManyAttempts(RateLimited):
    code = "too_many_attempts"
    message = "尝试过于频繁，请稍后再试"


class SmsResendTooSoon(RateLimited):
    code = "sms_resend_too_soon"
    message = "验证码已发送，请稍后再试"


# -- 503 ---------------------------------------------------------------------------------------------


class HashingBusy(RetryLater, Unavailable):
    """Every password-hashing thread is taken and none freed within the bounded wait: the login (or password
    change) is refused at once instead of queueing without end, and the other routes keep their core."""

    code = "hashing_busy"
    message = "登录人数较多，请稍后再试"
    details_model = RetryAfter


class ApiKeyNotFound(NotFound):
    code = "api_key_not_found"
    message = "开放数据接口密钥不存在"


class ApiKeyRevoked(Conflict):
    code = "api_key_revoked"
    message = "该密钥已撤销"
