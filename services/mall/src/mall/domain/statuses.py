"""The mall's statuses with their Chinese labels, and the ONE table of listing moves (上架/下架): a move is
chosen by (listing state, actor, action), like the declarations' lifecycle.

未上架 → 已上架 by the enterprise (complete material, no ended certificate); 已上架 → 未上架 by the enterprise,
or by the system when the product's brand is deleted; a revoked or expired certificate withdraws the product
(已撤销) whatever its state; a new valid certificate of the declaration brings it back to 未上架.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Source(StrEnum):
    """Where a mall product comes from (the seed's 商城产品的数据来源)."""

    FORERUNNER = "forerunner"  # ①② 执行领跑者企标 / 取得领跑者认证的 5 星级产品
    STAR = "star"  # ③ 企业自我声明的 3、4 星级产品

    @property
    def label(self) -> str:
        return {"forerunner": "企标领跑者产品", "star": "自我声明星级产品"}[self.value]


class ListingStatus(StrEnum):
    UNLISTED = "unlisted"
    LISTED = "listed"
    WITHDRAWN = "withdrawn"  # certificate revoked or expired: may not be listed again

    @property
    def label(self) -> str:
        return {"unlisted": "未上架", "listed": "已上架", "withdrawn": "已撤销"}[self.value]


class UnlistReason(StrEnum):
    ENTERPRISE = "enterprise"
    CERTIFICATE_REVOKED = "certificate_revoked"
    CERTIFICATE_EXPIRED = "certificate_expired"
    BRAND_REMOVED = "brand_removed"

    @property
    def label(self) -> str:
        return {
            "enterprise": "企业已将产品下架",
            "certificate_revoked": "领跑者证书已撤销，产品已自动下架",
            "certificate_expired": "领跑者证书已过期，产品已自动下架",
            "brand_removed": "产品所用品牌已被删除，宣传材料不完整，产品已自动下架",
        }[self.value]

    @property
    def certificate_ended(self) -> bool:
        return self in (UnlistReason.CERTIFICATE_REVOKED, UnlistReason.CERTIFICATE_EXPIRED)


class Requirement(StrEnum):
    """The three required parts of promotion material (the seed's 完善宣传材料 table)."""

    INTRODUCTION = "introduction"
    PICTURES = "pictures"
    BRAND = "brand"

    @property
    def label(self) -> str:
        return {"introduction": "产品介绍", "pictures": "产品图片（至少 1 张）", "brand": "品牌信息"}[
            self.value
        ]


class PictureKind(StrEnum):
    PRODUCT = "product"  # the 1-5 product pictures
    INTRO = "intro"  # pictures embedded in the introduction's rich text

    @property
    def label(self) -> str:
        return {"product": "产品图片", "intro": "产品介绍中的图片"}[self.value]


class Actor(StrEnum):
    ENTERPRISE = "enterprise"
    SYSTEM = "system"  # events: a certificate ended or was issued anew, a brand was deleted

    @property
    def label(self) -> str:
        return {"enterprise": "企业", "system": "系统"}[self.value]


class ListingAction(StrEnum):
    LIST = "list"  # 上架
    UNLIST = "unlist"  # 下架
    WITHDRAW = "withdraw"  # the certificate was revoked or expired
    RESTORE = "restore"  # a new valid certificate of the declaration

    @property
    def label(self) -> str:
        return {"list": "上架", "unlist": "下架", "withdraw": "证书终止撤销", "restore": "恢复可上架"}[
            self.value
        ]


S, R, A = ListingStatus, Actor, ListingAction


@dataclass(frozen=True)
class Move:
    to: ListingStatus
    needs_complete_material: bool = False


TRANSITIONS: dict[tuple[ListingStatus, Actor, ListingAction], Move] = {
    (S.UNLISTED, R.ENTERPRISE, A.LIST): Move(S.LISTED, needs_complete_material=True),
    (S.LISTED, R.ENTERPRISE, A.UNLIST): Move(S.UNLISTED),
    # the brand was deleted: without a brand the material is incomplete
    (S.LISTED, R.SYSTEM, A.UNLIST): Move(S.UNLISTED),
    # a revoked or expired certificate; a second ending (expired, then revoked) records the later reason
    (S.UNLISTED, R.SYSTEM, A.WITHDRAW): Move(S.WITHDRAWN),
    (S.LISTED, R.SYSTEM, A.WITHDRAW): Move(S.WITHDRAWN),
    (S.WITHDRAWN, R.SYSTEM, A.WITHDRAW): Move(S.WITHDRAWN),
    (S.WITHDRAWN, R.SYSTEM, A.RESTORE): Move(S.UNLISTED),
}


def move_for(state: ListingStatus, actor: Actor, action: ListingAction) -> Move | None:
    """The move this actor's action makes from ``state``; None when it changes nothing (下架 of a product
    that is not listed) or is not allowed (上架 of a withdrawn product): the use case says which."""
    return TRANSITIONS.get((state, actor, action))


def actions_for(state: ListingStatus, actor: Actor = Actor.ENTERPRISE) -> list[ListingAction]:
    """What ``actor`` may do from ``state``, read from the table (the portal's 上架/下架 buttons)."""
    return [action for (s, a, action) in TRANSITIONS if s is state and a is actor]


def leaves_mall(state: ListingStatus, move: Move) -> bool:
    """A listed product that stops being listed is announced (``mall.product_unlisted``)."""
    return state is S.LISTED and move.to is not S.LISTED


# The enums whose values reach clients (the portal's labels are generated from these).
PUBLIC_ENUMS: tuple[type[StrEnum], ...] = (
    Source,
    ListingStatus,
    UnlistReason,
    Requirement,
    PictureKind,
    ListingAction,
)
