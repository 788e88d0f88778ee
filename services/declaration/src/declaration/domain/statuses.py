"""The lifecycle of a forerunner declaration. 名单状态 and 证明材料状态 move together through ONE table:
a state is the pair (list status, evidence status); a move is chosen by (state, actor, action).

Flow (DOMAIN.md): 企业未提交 → 评估机构未提交 → 工作组审核中 → 公示中 (14 days) → 已发布.
The agency returns a declaration to the enterprise as 不通过 or 不完整 (evidence), the working group
returns it to the agency as 工作组退回. An upheld objection during the notice also returns it to the
agency. The enterprise resubmits after 不通过/不完整.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kit.audit_chain import AuditBreakKind


class ListStatus(StrEnum):
    DRAFT = "draft"
    WITH_AGENCY = "with_agency"
    AGENCY_REJECTED = "agency_rejected"
    GROUP_REVIEW = "group_review"
    GROUP_RETURNED = "group_returned"
    IN_NOTICE = "in_notice"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return LIST_LABELS[self]


LIST_LABELS: dict[ListStatus, str] = {
    ListStatus.DRAFT: "企业未提交",
    ListStatus.WITH_AGENCY: "评估机构未提交",
    ListStatus.AGENCY_REJECTED: "不通过",
    ListStatus.GROUP_REVIEW: "工作组审核中",
    ListStatus.GROUP_RETURNED: "工作组退回",
    ListStatus.IN_NOTICE: "公示中",
    ListStatus.PUBLISHED: "已发布",
}


class EvidenceStatus(StrEnum):
    NONE = "none"
    PENDING = "pending"
    PASSED = "passed"
    INCOMPLETE = "incomplete"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return EVIDENCE_LABELS[self]


EVIDENCE_LABELS: dict[EvidenceStatus, str] = {
    EvidenceStatus.NONE: "未上传",
    EvidenceStatus.PENDING: "待审核",
    EvidenceStatus.PASSED: "通过",
    EvidenceStatus.INCOMPLETE: "不完整",
    EvidenceStatus.FAILED: "不通过",
}


class Actor(StrEnum):
    ENTERPRISE = "enterprise"
    AGENCY = "agency"
    WORKING_GROUP = "working_group"
    SYSTEM = "system"  # the notice poller

    @property
    def label(self) -> str:
        return {"enterprise": "企业", "agency": "评估机构", "working_group": "工作组", "system": "系统"}[
            self.value
        ]


class Action(StrEnum):
    SUBMIT = "submit"  # 提交审核 (also: first evidence upload of an agency-listed candidate)
    PASS = "pass"  # 通过
    FAIL = "fail"  # 不通过
    INCOMPLETE = "incomplete"  # 不完整 (agency only)
    PUBLISH = "publish"  # notice ended without an open objection
    UPHOLD_OBJECTION = "uphold_objection"  # an objection found valid: back to the agency

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS: dict[Action, str] = {
    Action.SUBMIT: "提交审核",
    Action.PASS: "审核通过",
    Action.FAIL: "审核不通过",
    Action.INCOMPLETE: "材料不完整",
    Action.PUBLISH: "公示期满发布",
    Action.UPHOLD_OBJECTION: "异议成立",
}

State = tuple[ListStatus, EvidenceStatus]

L, E, A, R = ListStatus, EvidenceStatus, Action, Actor


@dataclass(frozen=True)
class Move:
    to: State
    needs_opinion: bool = False  # a return must say why (审核意见)
    enterprise_must_act: bool = False  # the enterprise is told by SMS and in-site message
    opens_notice: bool = False


TRANSITIONS: dict[tuple[State, Actor, Action], Move] = {
    # the enterprise submits a complete declaration, or resubmits after a return
    ((L.DRAFT, E.NONE), R.ENTERPRISE, A.SUBMIT): Move((L.WITH_AGENCY, E.PENDING)),
    ((L.DRAFT, E.INCOMPLETE), R.ENTERPRISE, A.SUBMIT): Move((L.WITH_AGENCY, E.PENDING)),
    ((L.AGENCY_REJECTED, E.FAILED), R.ENTERPRISE, A.SUBMIT): Move((L.WITH_AGENCY, E.PENDING)),
    # agency review: first time, and again after the working group returned it
    ((L.WITH_AGENCY, E.PENDING), R.AGENCY, A.PASS): Move((L.GROUP_REVIEW, E.PASSED)),
    ((L.WITH_AGENCY, E.PENDING), R.AGENCY, A.FAIL): Move(
        (L.AGENCY_REJECTED, E.FAILED), needs_opinion=True, enterprise_must_act=True
    ),
    ((L.WITH_AGENCY, E.PENDING), R.AGENCY, A.INCOMPLETE): Move(
        (L.DRAFT, E.INCOMPLETE), needs_opinion=True, enterprise_must_act=True
    ),
    ((L.GROUP_RETURNED, E.PENDING), R.AGENCY, A.PASS): Move((L.GROUP_REVIEW, E.PASSED)),
    ((L.GROUP_RETURNED, E.PENDING), R.AGENCY, A.FAIL): Move(
        (L.AGENCY_REJECTED, E.FAILED), needs_opinion=True, enterprise_must_act=True
    ),
    ((L.GROUP_RETURNED, E.PENDING), R.AGENCY, A.INCOMPLETE): Move(
        (L.DRAFT, E.INCOMPLETE), needs_opinion=True, enterprise_must_act=True
    ),
    # working-group review
    ((L.GROUP_REVIEW, E.PASSED), R.WORKING_GROUP, A.PASS): Move(
        (L.IN_NOTICE, E.PASSED), enterprise_must_act=True, opens_notice=True
    ),
    ((L.GROUP_REVIEW, E.PASSED), R.WORKING_GROUP, A.FAIL): Move(
        (L.GROUP_RETURNED, E.PENDING), needs_opinion=True
    ),
    # the notice: published when it ends without an open objection (poller, or the working group when
    # it dismisses the last objection after the end); an upheld objection returns it to the agency
    ((L.IN_NOTICE, E.PASSED), R.SYSTEM, A.PUBLISH): Move((L.PUBLISHED, E.PASSED), enterprise_must_act=True),
    ((L.IN_NOTICE, E.PASSED), R.WORKING_GROUP, A.PUBLISH): Move(
        (L.PUBLISHED, E.PASSED), enterprise_must_act=True
    ),
    ((L.IN_NOTICE, E.PASSED), R.WORKING_GROUP, A.UPHOLD_OBJECTION): Move(
        (L.GROUP_RETURNED, E.PENDING), needs_opinion=True, enterprise_must_act=True
    ),
}


class TransitionRefused(Exception):
    def __init__(self, state: State, actor: Actor, action: Action) -> None:
        self.state, self.actor, self.action = state, actor, action
        super().__init__(f"{actor.value} may not {action.value} from {state[0].value}/{state[1].value}")

    @property
    def message(self) -> str:
        return (
            f"当前状态（名单状态：{self.state[0].label}，证明材料状态：{self.state[1].label}）"
            f"下，{self.actor.label}不能执行「{self.action.label}」"
        )


def transition(state: State, actor: Actor, action: Action) -> Move:
    move = TRANSITIONS.get((state, actor, action))
    if move is None:
        raise TransitionRefused(state, actor, action)
    return move


# Where the enterprise may still change its declaration (info, values, models, evidence): exactly the list
# statuses it may (re)submit from.
ENTERPRISE_EDITABLE: frozenset[ListStatus] = frozenset(
    state[0] for state, actor, action in TRANSITIONS if (actor, action) == (R.ENTERPRISE, A.SUBMIT)
)

# the decisions of a review (评估机构审核, 工作组审核); publishing and upholding an objection are not reviews
REVIEW_DECISIONS: frozenset[Action] = frozenset({A.PASS, A.FAIL, A.INCOMPLETE})


def moves_from(state: State, actor: Actor) -> frozenset[Action]:
    """The actions ``actor`` may take on a declaration in ``state`` (read from the table)."""
    return frozenset(action for s, who, action in TRANSITIONS if s == state and who is actor)


def may_review(state: State, actor: Actor) -> bool:
    return bool(moves_from(state, actor) & REVIEW_DECISIONS)


def editable_by_enterprise(list_status: ListStatus) -> bool:
    return list_status in ENTERPRISE_EDITABLE


def deletable(state: State) -> bool:
    """删除 only while a never-submitted draft (the seed's list shows it only for 企业未提交/未上传)."""
    return state == (L.DRAFT, E.NONE)


# ---------------------------------------------------------------- star products (自我声明星级产品)


class StarStatus(StrEnum):
    DRAFT = "draft"
    DECLARED = "declared"

    @property
    def label(self) -> str:
        return STAR_LABELS[self]


STAR_LABELS: dict[StarStatus, str] = {StarStatus.DRAFT: "未提交", StarStatus.DECLARED: "已声明"}


class StarAction(StrEnum):
    EDIT = "edit"  # 修改名称、型号、星级、产品信息
    BENCHMARK = "benchmark"  # 星级对标
    SUBMIT = "submit"  # 提交自我声明

    @property
    def label(self) -> str:
        return {"edit": "修改", "benchmark": "星级对标", "submit": "提交自我声明"}[self.value]


# Only the enterprise acts on its star products: a draft is edited and compared until it is declared, and a
# declared one is final.
STAR_TRANSITIONS: dict[tuple[StarStatus, StarAction], StarStatus] = {
    (StarStatus.DRAFT, StarAction.EDIT): StarStatus.DRAFT,
    (StarStatus.DRAFT, StarAction.BENCHMARK): StarStatus.DRAFT,
    (StarStatus.DRAFT, StarAction.SUBMIT): StarStatus.DECLARED,
}


class StarTransitionRefused(Exception):
    def __init__(self, status: StarStatus, action: StarAction) -> None:
        self.status, self.action = status, action
        super().__init__(f"may not {action.value} a star product in {status.value}")


def star_transition(status: StarStatus, action: StarAction) -> StarStatus:
    to = STAR_TRANSITIONS.get((status, action))
    if to is None:
        raise StarTransitionRefused(status, action)
    return to


def star_actions(status: StarStatus) -> list[StarAction]:
    """The actions offered to the enterprise on a star product in ``status`` (read from the table)."""
    return [action for (s, action) in STAR_TRANSITIONS if s is status]


# ---------------------------------------------------------------- objections (公示异议)


class ObjectionStatus(StrEnum):
    """An objection raised during a public notice: open until the working group upholds or dismisses it
    (upholding one also closes the other open objections against the same entry)."""

    OPEN = "open"
    UPHELD = "upheld"
    DISMISSED = "dismissed"

    @property
    def label(self) -> str:
        return OBJECTION_LABELS[self]


OBJECTION_LABELS: dict[ObjectionStatus, str] = {
    ObjectionStatus.OPEN: "待处理",
    ObjectionStatus.UPHELD: "异议成立",
    ObjectionStatus.DISMISSED: "异议不成立",
}


# the enums whose values reach clients (the portal's labels are generated from these)
PUBLIC_ENUMS: tuple[type[StrEnum], ...] = (
    ListStatus,
    EvidenceStatus,
    Actor,
    Action,
    StarStatus,
    StarAction,
    ObjectionStatus,
    AuditBreakKind,  # the audit chain's verification (kit.audit_chain)
)
