"""Statuses and kinds of the auth domain, each with its Chinese label (the one place labels live).
``PUBLIC_ENUMS`` are the ones whose values reach clients; the portal's labels are generated from them."""

from __future__ import annotations

from enum import StrEnum

# The kinds of break the audit chain's verifier reports (kit.audit_chain), shown on the operator's page.
from kit.audit_chain import AuditBreakKind

# The kinds of organisation are the platform's (the token's org_type): auth owns them, kit holds the enum so
# every service compares the same members.
from kit.security import OrgType


class EnterpriseNature(StrEnum):
    """企业性质 (the registration types of the market-regulation statistics)."""

    state_owned = "state_owned"
    collective = "collective"
    private = "private"
    limited_liability = "limited_liability"
    joint_stock = "joint_stock"
    foreign_invested = "foreign_invested"
    hk_mo_tw_invested = "hk_mo_tw_invested"
    individual = "individual"
    other = "other"

    @property
    def label(self) -> str:
        return {
            "state_owned": "国有企业",
            "collective": "集体企业",
            "private": "私营企业",
            "limited_liability": "有限责任公司",
            "joint_stock": "股份有限公司",
            "foreign_invested": "外商投资企业",
            "hk_mo_tw_invested": "港澳台商投资企业",
            "individual": "个体工商户",
            "other": "其他",
        }[self]


class SmsPurpose(StrEnum):
    register = "register"
    reset_password = "reset_password"
    forerunner_auth = "forerunner_auth"
    unlock_login = "unlock_login"
    change_phone = "change_phone"

    @property
    def label(self) -> str:
        return {
            "register": "注册",
            "reset_password": "找回密码",
            "forerunner_auth": "领跑者企业身份认证",
            "unlock_login": "解除登录锁定",
            "change_phone": "修改联系电话",
        }[self]


class RecoveryStatus(StrEnum):
    """pending → rejected, or → approved (cooling-off) → completed; pending or approved → cancelled by the owner."""

    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    cancelled = "cancelled"
    completed = "completed"

    @property
    def label(self) -> str:
        return {
            "pending": "待审核",
            "approved": "已通过（冷静期中）",
            "rejected": "已驳回",
            "cancelled": "已撤销",
            "completed": "已生效",
        }[self]

    @property
    def open(self) -> bool:
        return self in (RecoveryStatus.pending, RecoveryStatus.approved)


class RecoveryClosedVia(StrEnum):
    """How a recovery request ended after filing, beyond the operator's decision."""

    owner_sms_code = "owner_sms_code"
    owner_session = "owner_session"
    cooling_off_elapsed = "cooling_off_elapsed"
    current_phone_confirmed = "current_phone_confirmed"
    phone_taken = "phone_taken"

    @property
    def label(self) -> str:
        return {
            "owner_sms_code": "企业凭原预留手机号收到的撤销码撤销",
            "owner_session": "企业登录后撤销",
            "cooling_off_elapsed": "冷静期届满后生效",
            "current_phone_confirmed": "原预留手机号确认后生效",
            "phone_taken": "新手机号已被其他账号使用，未能生效",
        }[self]


class AuditAction(StrEnum):
    register = "register"
    login = "login"
    login_failed = "login_failed"
    login_unlocked = "login_unlocked"
    logout = "logout"
    token_refresh_reuse = "token_refresh_reuse"
    password_changed = "password_changed"
    password_reset = "password_reset"
    profile_updated = "profile_updated"
    logo_changed = "logo_changed"
    brand_saved = "brand_saved"
    brand_deleted = "brand_deleted"
    recovery_requested = "recovery_requested"
    recovery_decided = "recovery_decided"
    recovery_cancelled = "recovery_cancelled"
    recovery_confirmed = "recovery_confirmed"
    recovery_applied = "recovery_applied"
    phone_changed = "phone_changed"
    forerunner_verified = "forerunner_verified"
    organisation_created = "organisation_created"
    api_key_issued = "api_key_issued"
    api_key_revoked = "api_key_revoked"

    @property
    def label(self) -> str:
        return {
            "register": "企业注册",
            "login": "登录",
            "login_failed": "登录失败",
            "login_unlocked": "短信验证码解除登录锁定",
            "logout": "退出登录",
            "token_refresh_reuse": "刷新凭证被重复使用",
            "password_changed": "修改密码",
            "password_reset": "重置密码",
            "profile_updated": "修改基本信息",
            "logo_changed": "更换企业 Logo",
            "brand_saved": "保存品牌信息",
            "brand_deleted": "删除品牌信息",
            "recovery_requested": "提交账号找回申请",
            "recovery_decided": "审核账号找回申请",
            "recovery_cancelled": "撤销账号找回申请",
            "recovery_confirmed": "原预留手机号确认账号找回",
            "recovery_applied": "账号找回生效",
            "phone_changed": "更换预留手机号",
            "forerunner_verified": "领跑者企业身份认证",
            "api_key_issued": "签发开放数据接口密钥",
            "api_key_revoked": "撤销开放数据接口密钥",
            "organisation_created": "创建机构账号",
        }[self]


__all__ = [
    "PUBLIC_ENUMS",
    "AuditAction",
    "AuditBreakKind",
    "EnterpriseNature",
    "OrgType",
    "RecoveryClosedVia",
    "RecoveryStatus",
    "SmsPurpose",
]

PUBLIC_ENUMS: tuple[type[StrEnum], ...] = (
    OrgType,
    EnterpriseNature,
    SmsPurpose,
    RecoveryStatus,
    RecoveryClosedVia,
    AuditAction,
    AuditBreakKind,
)
