"""Who is told what, per event (no I/O): the texts people read, and which events go out by SMS."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from contracts.catalog import DesignationWithdrawn
from contracts.certificate import CertificateEnded, CertificateIssued, LabelIssued
from contracts.declaration import DeclarationPublished, DeclarationStatusChanged, NoticeClosed
from contracts.mall import ProductUnlisted
from notify.config import Settings
from notify.domain import templates
from notify.domain.templates import Owner
from notify.workers.mailer import build_message

ORG, AGENCY, DECL = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def changed(to: str, frm: str, evidence_to: str, opinion: str | None = None, must_know: bool = False):
    return DeclarationStatusChanged(
        declaration_id=DECL,
        org_id=ORG,
        product_id=uuid.uuid4(),
        product_name="家用电冰箱",
        agency_org_id=AGENCY,
        standard_no="Q/HR 0001-2024",
        standard_name="家用电冰箱能效",
        action="x",
        list_status={"from": frm, "to": to},
        list_status_label="状态",
        evidence_status={"from": None, "to": evidence_to},
        evidence_status_label="状态",
        opinion=opinion,
        actor_role="agency",
        enterprise_must_know=must_know,
        review_id=uuid.uuid4(),
    )


@pytest.mark.parametrize(
    ("to", "frm", "evidence", "expected"),
    [
        ("with_agency", "draft", "pending", [(ORG, "申报已提交", False), (AGENCY, "新的申报待审核", False)]),
        ("agency_rejected", "with_agency", "failed", [(ORG, "申报未通过审核", True)]),
        ("draft", "with_agency", "incomplete", [(ORG, "证明材料不完整", True)]),
        ("group_review", "with_agency", "passed", [(ORG, "评估机构审核通过", False)]),
        ("group_returned", "group_review", "pending", [(AGENCY, "工作组退回申报", True)]),
        (
            "group_returned",
            "in_notice",
            "pending",
            [(ORG, "公示期异议成立", True), (AGENCY, "异议成立，申报退回复核", True)],
        ),
        ("in_notice", "group_review", "passed", []),
        ("published", "in_notice", "passed", []),
    ],
)
def test_status_changes_tell_the_right_organisation(to, frm, evidence, expected):
    notices = templates.declaration_status_changed(changed(to, frm, evidence, opinion="缺少检测报告"))
    assert [(n.org_id, n.title, n.sms is not None) for n in notices] == expected


def test_agency_pass_of_a_self_declaration_invites_identity_authentication():
    listed = changed("group_review", "with_agency", "passed").model_copy(update={"origin": "self"})
    [notice] = templates.declaration_status_changed(listed)
    assert "领跑者企业身份认证" in notice.body and "基本信息" in notice.body
    assert notice.sms is None
    # an agency-listed standard's enterprise has authenticated already: no invitation
    [notice] = templates.declaration_status_changed(
        changed("group_review", "with_agency", "passed").model_copy(update={"origin": "candidate"})
    )
    assert "身份认证" not in notice.body


def test_opinion_is_quoted_and_blank_opinion_is_left_out():
    body = templates.declaration_status_changed(
        changed("agency_rejected", "with_agency", "failed", " 数据不符 ")
    )[0].body
    assert "审核意见：数据不符。" in body
    body = templates.declaration_status_changed(changed("agency_rejected", "with_agency", "failed", "  "))[
        0
    ].body
    assert "审核意见" not in body


def test_published_names_the_year_and_the_list():
    p = DeclarationPublished(
        declaration_id=DECL,
        org_id=ORG,
        enterprise_name="某电器股份有限公司",
        credit_code="91350100M000100Y43",
        product_id=uuid.uuid4(),
        product_name="家用电冰箱",
        field="家电",
        year=2024,
        agency_org_id=None,
        agency_name="",
        standard_no="Q/HR 0001-2024",
        standard_name="家用电冰箱能效",
        models=[],
        published_at=datetime(2024, 7, 15, tzinfo=UTC),
    )
    [notice] = templates.declaration_published(p)
    assert notice.sms == (
        "恭喜！您的企业标准《家用电冰箱能效》（Q/HR 0001-2024）已列入2024年度“家用电冰箱”企业标准“领跑者”名单，请登录平台查看。"
    )


def test_notice_closed_tells_only_the_held_declarations():
    held, published = (
        Owner(uuid.uuid4(), ORG, None, "Q/A 1", "甲"),
        Owner(uuid.uuid4(), uuid.uuid4(), None, "Q/B 2", "乙"),
    )
    p = NoticeClosed(
        notice_id=uuid.uuid4(),
        year=2024,
        product_id=uuid.uuid4(),
        declaration_ids=[held.declaration_id, published.declaration_id],
        starts_at=datetime(2024, 7, 1, tzinfo=UTC),
        ends_at=datetime(2024, 7, 15, tzinfo=UTC),
        held_declaration_ids=[held.declaration_id],
    )
    assert [(n.org_id, n.title) for n in templates.notice_closed(p, [held, published])] == [
        (ORG, "公示期结束，暂缓发布")
    ]


def test_certificate_and_label_texts():
    issued = CertificateIssued(
        certificate_id=uuid.uuid4(),
        number="LPZ-2024-000123",
        verify_code="AB12",
        declaration_id=DECL,
        org_id=ORG,
        agency_org_id=AGENCY,
        enterprise_name="某电器股份有限公司",
        standard_no="Q/HR 0001-2024",
        standard_name="家用电冰箱能效",
        year=2024,
        issued_on=date(2024, 7, 15),
        valid_until=date(2027, 7, 14),
    )
    enterprise, agency = templates.certificate_issued(issued)
    assert "有效期至2027年7月14日" in enterprise.body and enterprise.sms is None
    assert agency.org_id == AGENCY and agency.title == "请上传盖章证书"

    ended = CertificateEnded(
        certificate_id=uuid.uuid4(),
        number="N1",
        declaration_id=DECL,
        org_id=ORG,
        model_ids=[],
        reason="expired",
    )
    assert templates.certificate_expired(ended)[0].sms is not None

    star = LabelIssued(
        label_id=uuid.uuid4(),
        number="S-1",
        verify_code="V",
        model_id=uuid.uuid4(),
        org_id=ORG,
        kind="star",
        star=4,
    )
    assert templates.label_issued(star)[0].title == "4星级产品标识已生成"


def test_unlisting_carries_the_reason_sentence():
    p = ProductUnlisted(
        model_id=uuid.uuid4(),
        org_id=ORG,
        reason="certificate_revoked",
        reason_label="领跑者证书已被撤销。",
        product_name="家用电冰箱",
        model="BCD-520W",
    )
    assert templates.product_unlisted(p)[0].body.endswith("已从领跑者商城下架。领跑者证书已被撤销。")


def test_email_is_utf8_with_subject_and_sender():
    settings = Settings(smtp_host="smtp.example.invalid")
    assert settings.email_enabled and not Settings().email_enabled
    message = build_message(
        settings,
        to="zhang@example.com",
        subject=templates.email_subject("申报未通过审核"),
        text="您申报的企业标准未通过审核。",
    )
    assert message["Subject"] == "【企业标准“领跑者”平台】申报未通过审核"
    assert message["To"] == "zhang@example.com"
    assert "您申报的企业标准未通过审核。" in message.get_content()


def test_agency_hears_by_sms_only_what_it_must_act_on():
    # a new declaration to review and a publication stay in-site; a return by the working group goes by SMS too
    for to, frm, evidence in (("with_agency", "draft", "pending"), ("group_review", "with_agency", "passed")):
        agency = [
            n for n in templates.declaration_status_changed(changed(to, frm, evidence)) if n.org_id == AGENCY
        ]
        assert all(n.sms is None for n in agency), to
    [returned] = templates.declaration_status_changed(
        changed("group_returned", "group_review", "pending", "数据不实")
    )
    assert returned.sms == (
        "企业标准《家用电冰箱能效》（Q/HR 0001-2024）经工作组审核退回贵机构复核，请登录平台查看审核意见并处理。"
    )
    assert "数据不实" in returned.body and "数据不实" not in returned.sms  # the opinion is read in the portal


def test_designation_withdrawal_tells_the_agency_with_the_reason():
    p = DesignationWithdrawn(
        designation_id=uuid.uuid4(),
        product_id=uuid.uuid4(),
        product_code="JD-2024-01",
        product_name="家用电冰箱",
        year=2024,
        agency_org_id=AGENCY,
        agency_name="某检测认证机构",
        notice_start=datetime(2024, 3, 1, tzinfo=UTC),
        reason=" 机构资质已到期 ",
        withdrawn_at=datetime(2024, 3, 20, tzinfo=UTC),
    )
    [notice] = templates.designation_withdrawn(p)
    assert notice.org_id == AGENCY and notice.title == "评估机构确定已撤销"
    assert "撤销原因：机构资质已到期。" in notice.body and "2024年度“家用电冰箱”" in notice.body
    assert notice.sms == "工作组已撤销贵机构作为2024年度“家用电冰箱”评估机构的确定，详情请登录平台查看。"
