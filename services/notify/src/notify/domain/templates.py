"""Every text notify writes, in one place: who is told what about which event, in-site and by SMS.

A template takes the event's payload (the contract model) and returns the notices to write. ``sms`` is
set only for what a person must not miss (a return with an opinion, the public notice, publication,
revocation, expiry); the same notices go out by e-mail when e-mail is configured and the contact has an
address. Agencies are people too: a declaration the working group returns to them (with an opinion, or
after an upheld objection) and the withdrawal of their designation reach them by SMS as well; the phone is
the agency organisation's contact phone, asked of auth by the dispatcher. Links are the portal's routes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from contracts.auth import EnterpriseRegistered, RecoveryStatusChanged
from contracts.catalog import DesignationWithdrawn
from contracts.certificate import CertificateEnded, CertificateIssued, LabelIssued
from contracts.declaration import (
    DeclarationPublished,
    DeclarationStatusChanged,
    NoticeClosed,
    NoticeOpened,
    StarProductDeclared,
)
from contracts.mall import ProductListed, ProductUnlisted

from notify.domain.statuses import MessageCategory

CHINA = ZoneInfo("Asia/Shanghai")
SITE_NAME = "企业标准“领跑者”平台"


@dataclass(frozen=True)
class Notice:
    org_id: uuid.UUID
    category: MessageCategory
    title: str
    body: str
    link: str | None = None
    sms: str | None = None  # None: in-site only


@dataclass(frozen=True)
class Owner:
    """The enterprise (and agency) behind a declaration, as notify remembers it."""

    declaration_id: uuid.UUID
    org_id: uuid.UUID
    agency_org_id: uuid.UUID | None
    standard_no: str
    standard_name: str


def _standard(name: str, number: str) -> str:
    return f"《{name}》（{number}）"


def _day(value: datetime | date) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(CHINA).date()
    return f"{value.year}年{value.month}月{value.day}日"


def _opinion(opinion: str | None) -> str:
    return f"审核意见：{opinion.strip()}。" if opinion and opinion.strip() else ""


def _declaration_link(declaration_id: uuid.UUID) -> str:
    return f"/workspace/enterprise/declarations/{declaration_id}"


# --------------------------------------------------------------------------- accounts
def enterprise_registered(p: EnterpriseRegistered) -> list[Notice]:
    # The generated password travels by SMS from auth itself (secrets never cross the bus).
    return [
        Notice(
            p.org_id,
            MessageCategory.ACCOUNT,
            "欢迎注册",
            f"{p.name}，欢迎使用{SITE_NAME}。首次登录请修改初始密码，并完善企业基本信息。",
            "/workspace/enterprise/profile",
        )
    ]


def _minute(value: datetime) -> str:
    local = value.astimezone(CHINA)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def recovery_status_changed(p: RecoveryStatusChanged) -> list[Notice]:
    """A lost-phone recovery request naming the enterprise: filed, decided, cancelled, taken effect. The SMS
    with the cancel / confirm codes goes from auth to the current phone; here only the in-site message."""
    claimed = f"申请人填写的企业名称为“{p.claimed_name}”、联系人为“{p.claimed_contact}”"
    phone = f"，申请将预留手机号更换为 {p.new_phone_masked}" if p.new_phone_masked else ""
    refuse = "如非本企业申请，请凭原预留手机号收到的撤销码在“撤销账号找回”页面（/recovery/cancel）撤销。"
    if p.status == "pending":
        title, body = (
            "有人提交了本企业的账号找回申请",
            f"平台收到以本企业名义提交的账号找回申请（{claimed}{phone}），正由工作人员审核。{refuse}",
        )
    elif p.status == "approved":
        when = _minute(p.effective_at) if p.effective_at else "冷静期届满时"
        title = "账号找回申请已审核通过，进入冷静期"
        body = f"以本企业名义提交的账号找回申请已审核通过（{claimed}{phone}），将于 {when} 生效，届时登录密码将重置。{refuse}"
    elif p.status == "rejected":
        title, body = (
            "账号找回申请未通过审核",
            f"以本企业名义提交的账号找回申请未通过审核，账号未作任何变更。{_opinion(p.opinion)}",
        )
    elif p.status == "cancelled":
        title, body = "账号找回申请已撤销", "以本企业名义提交的账号找回申请已撤销，账号未作任何变更。"
    else:
        title = "账号找回申请已生效"
        body = (
            f"账号找回申请已生效：登录密码已重置{'，预留手机号已更换为 ' + p.new_phone_masked if p.new_phone_masked else ''}，"
            "所有登录设备已下线。如非本企业操作，请立即联系平台技术支持。"
        )
    return [Notice(p.org_id, MessageCategory.ACCOUNT, title, body, "/workspace/enterprise/profile")]


# --------------------------------------------------------------------------- declarations
def declaration_status_changed(p: DeclarationStatusChanged) -> list[Notice]:
    to = p.list_status.get("to")
    came_from = p.list_status.get("from")
    evidence_to = p.evidence_status.get("to")
    std = _standard(p.standard_name, p.standard_no)
    link = _declaration_link(p.declaration_id)
    opinion = _opinion(p.opinion)
    notices: list[Notice] = []

    match to:
        case "with_agency":
            notices.append(
                Notice(
                    p.org_id,
                    MessageCategory.DECLARATION,
                    "申报已提交",
                    f"您申报的企业标准{std}已提交，等待评估机构审核。",
                    link,
                )
            )
            if p.agency_org_id is not None:
                notices.append(
                    Notice(
                        p.agency_org_id,
                        MessageCategory.DECLARATION,
                        "新的申报待审核",
                        f"“{p.product_name}”的企业标准{std}已提交申报，请及时审核。",
                        "/workspace/agency/reviews",
                    )
                )
        case "agency_rejected":
            text = f"您申报的企业标准{std}未通过评估机构审核。{opinion}请登录平台修改后重新提交。"
            notices.append(
                Notice(
                    p.org_id,
                    MessageCategory.DECLARATION,
                    "申报未通过审核",
                    text,
                    link,
                    sms=f"您申报的企业标准{std}未通过评估机构审核，请登录平台查看审核意见并修改后重新提交。",
                )
            )
        case "draft" if evidence_to == "incomplete":
            text = f"您申报的企业标准{std}证明材料不完整。{opinion}请补充材料后重新提交。"
            notices.append(
                Notice(
                    p.org_id,
                    MessageCategory.DECLARATION,
                    "证明材料不完整",
                    text,
                    link,
                    sms=f"您申报的企业标准{std}证明材料不完整，请登录平台查看审核意见，补充后重新提交。",
                )
            )
        case "group_review":
            body = f"您申报的企业标准{std}已通过评估机构审核，进入工作组审核。"
            if p.origin == "self":
                # 企业自主申报: the agency's pass put the standard on its list with the basic-info phone
                body += (
                    "该企标已纳入评估机构的领跑者名单，您可使用“基本信息”中的联系电话完成领跑者企业身份认证，"
                    "认证后即可查看领跑者证书、领跑者标识等全量菜单。"
                )
            notices.append(Notice(p.org_id, MessageCategory.DECLARATION, "评估机构审核通过", body, link))
        case "group_returned" if came_from == "in_notice":
            notices.append(
                Notice(
                    p.org_id,
                    MessageCategory.NOTICE,
                    "公示期异议成立",
                    f"您申报的企业标准{std}在公示期间收到的异议经工作组核实成立，申报已退回评估机构复核。{opinion}",
                    link,
                    sms=f"您申报的企业标准{std}公示期间异议成立，申报已退回评估机构复核，详情请登录平台查看。",
                )
            )
            if p.agency_org_id is not None:
                notices.append(
                    Notice(
                        p.agency_org_id,
                        MessageCategory.DECLARATION,
                        "异议成立，申报退回复核",
                        f"企业标准{std}公示期间异议成立，已退回贵机构复核。{opinion}",
                        "/workspace/agency/reviews",
                        sms=f"企业标准{std}公示期间异议成立，已退回贵机构复核，请登录平台查看并处理。",
                    )
                )
        case "group_returned":
            if p.agency_org_id is not None:
                notices.append(
                    Notice(
                        p.agency_org_id,
                        MessageCategory.DECLARATION,
                        "工作组退回申报",
                        f"企业标准{std}经工作组审核退回，请复核。{opinion}",
                        "/workspace/agency/reviews",
                        sms=f"企业标准{std}经工作组审核退回贵机构复核，请登录平台查看审核意见并处理。",
                    )
                )
        case "in_notice" | "published":
            # Told with the notice's dates (notice.opened) and on publication (declaration.published).
            pass
        case _:
            if p.enterprise_must_know:
                notices.append(
                    Notice(
                        p.org_id,
                        MessageCategory.DECLARATION,
                        "申报状态变更",
                        f"您申报的企业标准{std}状态变更为“{p.list_status_label}”。{opinion}",
                        link,
                    )
                )
    return notices


def declaration_published(p: DeclarationPublished) -> list[Notice]:
    std = _standard(p.standard_name, p.standard_no)
    notices = [
        Notice(
            p.org_id,
            MessageCategory.DECLARATION,
            "已列入领跑者名单",
            f"恭喜！您的企业标准{std}公示期满，已列入{p.year}年度“{p.product_name}”企业标准“领跑者”名单。"
            "领跑者证书生成后可在“领跑者证书”中下载。",
            _declaration_link(p.declaration_id),
            sms=f"恭喜！您的企业标准{std}已列入{p.year}年度“{p.product_name}”企业标准“领跑者”名单，请登录平台查看。",
        )
    ]
    if p.agency_org_id is not None:
        notices.append(
            Notice(
                p.agency_org_id,
                MessageCategory.DECLARATION,
                "申报已发布",
                f"{p.enterprise_name}的企业标准{std}已列入{p.year}年度“领跑者”名单。",
                "/workspace/agency/reviews",
            )
        )
    return notices


def notice_opened(p: NoticeOpened, owners: list[Owner]) -> list[Notice]:
    period = f"{_day(p.starts_at)}至{_day(p.ends_at)}"
    return [
        Notice(
            o.org_id,
            MessageCategory.NOTICE,
            "申报进入公示期",
            f"您申报的企业标准{_standard(o.standard_name, o.standard_no)}已通过工作组审核，现予以公示，"
            f"公示期为{period}。公示期满无异议的，将列入“领跑者”名单。",
            f"/notices/{p.notice_id}",
            sms=f"您申报的企业标准{_standard(o.standard_name, o.standard_no)}已进入公示期（{period}），详情请登录平台查看。",
        )
        for o in owners
    ]


def notice_closed(p: NoticeClosed, owners: list[Owner]) -> list[Notice]:
    # Declarations published at the close are told by declaration.published; only the held ones here.
    held = set(p.held_declaration_ids)
    return [
        Notice(
            o.org_id,
            MessageCategory.NOTICE,
            "公示期结束，暂缓发布",
            f"您申报的企业标准{_standard(o.standard_name, o.standard_no)}公示期已结束，因存在待处理的异议暂缓发布，"
            "工作组处理完毕后将另行通知。",
            f"/notices/{p.notice_id}",
        )
        for o in owners
        if o.declaration_id in held
    ]


def designation_withdrawn(p: DesignationWithdrawn) -> list[Notice]:
    product = f"{p.year}年度“{p.product_name}”"
    return [
        Notice(
            p.agency_org_id,
            MessageCategory.DECLARATION,
            "评估机构确定已撤销",
            f"工作组已撤销贵机构作为{product}评估机构的确定，撤销原因：{p.reason.strip()}。"
            "贵机构不再负责该产品的评估方案与申报审核，尚在审核中的申报将转交新确定的评估机构。",
            "/workspace/agency/plans",
            sms=f"工作组已撤销贵机构作为{product}评估机构的确定，详情请登录平台查看。",
        )
    ]


def star_product_declared(p: StarProductDeclared) -> list[Notice]:
    return [
        Notice(
            p.org_id,
            MessageCategory.STAR,
            "星级产品自我声明已提交",
            f"您的产品“{p.name}”（型号：{p.model}）已按“{p.product_name}”质量分级标准自我声明为{p.star}星级产品。"
            "请完善产品宣传信息以申请星级产品标识。",
            "/workspace/enterprise/star-products",
        )
    ]


# --------------------------------------------------------------------------- certificates and labels
def certificate_issued(p: CertificateIssued) -> list[Notice]:
    std = _standard(p.standard_name, p.standard_no)
    notices = [
        Notice(
            p.org_id,
            MessageCategory.CERTIFICATE,
            "领跑者证书已生成",
            f"您的企业标准{std}的领跑者证书已生成，证书编号{p.number}，有效期至{_day(p.valid_until)}，可在“领跑者证书”中下载。",
            "/workspace/enterprise/certificates",
        )
    ]
    if p.agency_org_id is not None:
        notices.append(
            Notice(
                p.agency_org_id,
                MessageCategory.CERTIFICATE,
                "请上传盖章证书",
                f"{p.enterprise_name}的企业标准{std}领跑者证书（编号{p.number}）已生成，请上传盖章版本。",
                "/workspace/agency/certificates",
            )
        )
    return notices


def certificate_stamped(p: CertificateIssued) -> list[Notice]:
    return [
        Notice(
            p.org_id,
            MessageCategory.CERTIFICATE,
            "盖章证书已上传",
            f"证书编号{p.number}（企业标准{_standard(p.standard_name, p.standard_no)}）的盖章版本已由评估机构上传，可在“领跑者证书”中下载。",
            "/workspace/enterprise/certificates",
        )
    ]


def certificate_revoked(p: CertificateEnded) -> list[Notice]:
    return [
        Notice(
            p.org_id,
            MessageCategory.CERTIFICATE,
            "领跑者证书已撤销",
            f"您的领跑者证书（编号{p.number}）已被撤销，撤销原因：{p.reason}。相关产品已从商城下架。",
            "/workspace/enterprise/certificates",
            sms=f"您的领跑者证书（编号{p.number}）已被撤销，相关产品已从商城下架，详情请登录平台查看。",
        )
    ]


def certificate_expired(p: CertificateEnded) -> list[Notice]:
    return [
        Notice(
            p.org_id,
            MessageCategory.CERTIFICATE,
            "领跑者证书已到期",
            f"您的领跑者证书（编号{p.number}）已到期失效，相关产品已从商城下架。",
            "/workspace/enterprise/certificates",
            sms=f"您的领跑者证书（编号{p.number}）已到期失效，相关产品已从商城下架。",
        )
    ]


def label_issued(p: LabelIssued) -> list[Notice]:
    kind = "领跑者标识" if p.kind == "forerunner" else f"{p.star or ''}星级产品标识"
    return [
        Notice(
            p.org_id,
            MessageCategory.LABEL,
            f"{kind}已生成",
            f"您申请的{kind}已生成，标识编号{p.number}，可下载后印制使用。",
            "/workspace/enterprise/labels",
        )
    ]


# --------------------------------------------------------------------------- mall
def product_listed(p: ProductListed) -> list[Notice]:
    return [
        Notice(
            p.org_id,
            MessageCategory.MALL,
            "产品已上架",
            f"您的产品“{p.product_name}”（型号：{p.model}）已在领跑者商城上架展示。",
            f"/mall/products/{p.model_id}",
        )
    ]


def product_unlisted(p: ProductUnlisted) -> list[Notice]:
    return [
        Notice(
            p.org_id,
            MessageCategory.MALL,
            "产品已下架",
            f"您的产品“{p.product_name}”（型号：{p.model}）已从领跑者商城下架。{p.reason_label}",
            f"/workspace/enterprise/promotion/{p.model_id}",
        )
    ]


def email_subject(title: str) -> str:
    return f"【{SITE_NAME}】{title}"
