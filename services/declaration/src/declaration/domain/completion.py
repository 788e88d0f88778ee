"""信息完成度 x/3 of the list page: declaration info, product info, evidence."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Completion:
    declaration_info: bool
    product_info: bool
    evidence: bool

    @property
    def done(self) -> int:
        return sum((self.declaration_info, self.product_info, self.evidence))

    @property
    def text(self) -> str:
        return f"{self.done}/3"

    @property
    def complete(self) -> bool:
        return self.done == 3

    def missing(self) -> list[str]:
        names = []
        if not self.declaration_info:
            names.append("申报信息（企业标准号、名称及对标成功）")
        if not self.product_info:
            names.append("产品信息（至少一个规格/型号）")
        if not self.evidence:
            names.append("证明资料")
        return names


def completion(
    *,
    standard_no: str | None,
    standard_name: str | None,
    comparison_ok: bool,
    model_count: int,
    evidence_count: int,
) -> Completion:
    """``comparison_ok``: the stored server-side comparison passed, was not required (服务类), or the
    standard was assessed by the agency itself (入围名单)."""
    return Completion(
        declaration_info=bool(standard_no and standard_name and comparison_ok),
        product_info=model_count > 0,
        evidence=evidence_count > 0,
    )
