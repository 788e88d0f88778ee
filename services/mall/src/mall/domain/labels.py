"""Statuses and their Chinese labels, in one place."""

from __future__ import annotations

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


SORTS = ("latest", "oldest", "star", "name")
