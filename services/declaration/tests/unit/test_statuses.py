"""The one transition table, checked over every (state, actor, action) triple."""

from __future__ import annotations

import itertools

import pytest
from declaration.domain.statuses import (
    EVIDENCE_LABELS,
    LIST_LABELS,
    OBJECTION_LABELS,
    PUBLIC_ENUMS,
    TRANSITIONS,
    Action,
    Actor,
    EvidenceStatus,
    ListStatus,
    ObjectionStatus,
    TransitionRefused,
    deletable,
    transition,
)

L, E, A, R = ListStatus, EvidenceStatus, Action, Actor

# What DOMAIN.md and the seed allow, written independently of the table as (from, actor, action, to).
EXPECTED = {
    (L.DRAFT, E.NONE, R.ENTERPRISE, A.SUBMIT): (L.WITH_AGENCY, E.PENDING),
    (L.DRAFT, E.INCOMPLETE, R.ENTERPRISE, A.SUBMIT): (L.WITH_AGENCY, E.PENDING),
    (L.AGENCY_REJECTED, E.FAILED, R.ENTERPRISE, A.SUBMIT): (L.WITH_AGENCY, E.PENDING),
    (L.WITH_AGENCY, E.PENDING, R.AGENCY, A.PASS): (L.GROUP_REVIEW, E.PASSED),
    (L.WITH_AGENCY, E.PENDING, R.AGENCY, A.FAIL): (L.AGENCY_REJECTED, E.FAILED),
    (L.WITH_AGENCY, E.PENDING, R.AGENCY, A.INCOMPLETE): (L.DRAFT, E.INCOMPLETE),
    (L.GROUP_RETURNED, E.PENDING, R.AGENCY, A.PASS): (L.GROUP_REVIEW, E.PASSED),
    (L.GROUP_RETURNED, E.PENDING, R.AGENCY, A.FAIL): (L.AGENCY_REJECTED, E.FAILED),
    (L.GROUP_RETURNED, E.PENDING, R.AGENCY, A.INCOMPLETE): (L.DRAFT, E.INCOMPLETE),
    (L.GROUP_REVIEW, E.PASSED, R.WORKING_GROUP, A.PASS): (L.IN_NOTICE, E.PASSED),
    (L.GROUP_REVIEW, E.PASSED, R.WORKING_GROUP, A.FAIL): (L.GROUP_RETURNED, E.PENDING),
    (L.IN_NOTICE, E.PASSED, R.SYSTEM, A.PUBLISH): (L.PUBLISHED, E.PASSED),
    (L.IN_NOTICE, E.PASSED, R.WORKING_GROUP, A.PUBLISH): (L.PUBLISHED, E.PASSED),
    (L.IN_NOTICE, E.PASSED, R.WORKING_GROUP, A.UPHOLD_OBJECTION): (L.GROUP_RETURNED, E.PENDING),
}

ALL = list(itertools.product(ListStatus, EvidenceStatus, Actor, Action))


@pytest.mark.parametrize(("ls", "es", "actor", "action"), ALL)
def test_every_triple_is_allowed_exactly_when_expected(ls, es, actor, action):
    key = (ls, es, actor, action)
    if key in EXPECTED:
        assert transition((ls, es), actor, action).to == EXPECTED[key]
    else:
        with pytest.raises(TransitionRefused) as refused:
            transition((ls, es), actor, action)
        # the refusal explains itself in Chinese with both statuses
        assert ls.label in refused.value.message and es.label in refused.value.message


def test_the_table_holds_nothing_else():
    assert {(s[0], s[1], r, a) for (s, r, a) in TRANSITIONS} == set(EXPECTED)


def test_roles_act_only_in_their_own_steps():
    for (_state, actor, action), _move in TRANSITIONS.items():
        if action is A.SUBMIT:
            assert actor is R.ENTERPRISE
        if action is A.INCOMPLETE:
            assert actor is R.AGENCY
    # nobody but the notice's end (or the working group resolving an objection) publishes
    assert {actor for (_s, actor, action) in TRANSITIONS if action is A.PUBLISH} == {
        R.SYSTEM,
        R.WORKING_GROUP,
    }


def test_returns_need_an_opinion_and_tell_the_enterprise():
    for (_state, _actor, action), move in TRANSITIONS.items():
        if action in (A.FAIL, A.INCOMPLETE, A.UPHOLD_OBJECTION):
            assert move.needs_opinion
        if move.to[0] in (L.AGENCY_REJECTED, L.PUBLISHED) or move.to[1] is E.INCOMPLETE:
            assert move.enterprise_must_act


def test_published_is_final_and_every_status_is_reachable():
    assert not [k for k in TRANSITIONS if k[0][0] is L.PUBLISHED]
    reached = {L.DRAFT} | {m.to[0] for m in TRANSITIONS.values()}
    assert reached == set(ListStatus)


def test_labels_are_the_seeds():
    assert [LIST_LABELS[s] for s in (L.DRAFT, L.WITH_AGENCY, L.GROUP_REVIEW, L.IN_NOTICE, L.PUBLISHED)] == [
        "企业未提交",
        "评估机构未提交",
        "工作组审核中",
        "公示中",
        "已发布",
    ]
    assert set(EVIDENCE_LABELS.values()) == {"未上传", "待审核", "通过", "不完整", "不通过"}


def test_only_never_submitted_drafts_are_deletable():
    assert deletable((L.DRAFT, E.NONE))
    assert not deletable((L.DRAFT, E.INCOMPLETE))
    assert not deletable((L.AGENCY_REJECTED, E.FAILED))


def test_objection_statuses_are_public_with_their_labels():
    assert ObjectionStatus in PUBLIC_ENUMS
    assert {s.value: s.label for s in ObjectionStatus} == {
        "open": "待处理",
        "dismissed": "异议不成立",
        "upheld": "异议成立",
    }
    assert set(OBJECTION_LABELS) == set(ObjectionStatus)
