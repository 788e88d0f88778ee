"""Domain errors of the benchmark service.

Each error carries a machine code, a Chinese message for people and, where the input had several
faults, the list of every fault (``issues``) so a person can fix them all in one go instead of
discovering them one submission at a time. The API layer maps these onto the kit's error shape.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Issue:
    """One fault in client input. ``indicator`` names the core indicator concerned (its code) when
    there is one; ``field`` names the attribute (e.g. ``forerunner``) and ``row`` the 1-based position
    in the submitted indicator list, for plan definitions."""

    code: str
    message: str
    indicator: str | None = None
    field: str | None = None
    row: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


class DomainError(Exception):
    code = "domain_error"
    message = "业务规则不允许此操作"

    def __init__(
        self, message: str | None = None, *, code: str | None = None, issues: list[Issue] | None = None
    ) -> None:
        self.message = message or self.message
        self.code = code or self.code
        self.issues: list[Issue] = list(issues or [])
        super().__init__(self.message)


class ComparisonInputError(DomainError):
    """The values submitted for a comparison are missing, extra, not numbers or out of domain."""

    code = "comparison_values_invalid"

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__(f"对标数据有误，共 {len(issues)} 处，请逐项修改后重新对标", issues=issues)


class PlanDefinitionError(DomainError):
    """An assessment plan's indicator list is inconsistent (bad threshold, duplicate code ...)."""

    code = "plan_invalid"

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__(f"评估方案的核心指标有误，共 {len(issues)} 处", issues=issues)


class StarNotDeclarable(DomainError):
    code = "star_not_declarable"


class GradingStandardMissing(DomainError):
    code = "grading_standard_missing"
    message = "该重点领域产品的评估方案未规定星级分级指标，无法进行星级对标"


class TransitionNotAllowed(DomainError):
    code = "transition_not_allowed"
