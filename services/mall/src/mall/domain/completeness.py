"""Is a model's promotion material complete? The seed: 产品介绍, 产品图片 (1-5), 品牌信息 are all required."""

from __future__ import annotations

from mall.domain.statuses import Requirement


def missing_requirements(*, has_introduction: bool, picture_count: int, has_brand: bool) -> list[Requirement]:
    missing: list[Requirement] = []
    if not has_introduction:
        missing.append(Requirement.INTRODUCTION)
    if picture_count < 1:
        missing.append(Requirement.PICTURES)
    if not has_brand:
        missing.append(Requirement.BRAND)
    return missing


def describe_missing(missing: list[Requirement]) -> str:
    return "宣传材料不完整，请补充：" + "、".join(r.label for r in missing)
