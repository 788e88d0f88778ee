"""Every error code of the benchmark service: one ``AppError`` subclass each (one status, one default
message, a details model when it carries details).

Faults in client input (comparison values, plan definitions, workbooks) list every fault at once, so a
person can fix them all in one go instead of discovering them one submission at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from kit.errors import AppError, Conflict, NotFound, UnsupportedMedia
from pydantic import BaseModel, RootModel, model_serializer


class _Fault(Protocol):
    def as_dict(self) -> dict[str, Any]: ...


class _Sparse(BaseModel):
    """Absent attributes are left out of the answer rather than sent as null."""

    @model_serializer(mode="wrap")
    def _drop_none(self, handler: Any) -> dict[str, Any]:
        return {k: v for k, v in handler(self).items() if v is not None}


class IssueOut(_Sparse):
    """One fault in client input: ``indicator`` is the core indicator's code, ``field`` the attribute
    (e.g. ``forerunner``) and ``row`` the 1-based position in the submitted indicator list."""

    code: str
    message: str
    indicator: str | None = None
    field: str | None = None
    row: int | None = None


class Issues(RootModel[list[IssueOut]]):
    pass


class CellIssueOut(_Sparse):
    """One bad cell of an uploaded workbook (``cell`` is None when the fault concerns a sheet or the file)."""

    sheet: str
    cell: str | None = None
    code: str
    message: str
    row: int | None = None
    column: str | None = None
    header: str | None = None
    indicator: str | None = None


class CellIssues(RootModel[list[CellIssueOut]]):
    pass


class FieldFault(BaseModel):
    field: str
    message: str


class FieldFaults(RootModel[list[FieldFault]]):
    pass


class DraftDetails(BaseModel):
    plan_id: str
    version: int


class _WithIssues(AppError):
    """Base of the errors that list every fault (declares no code of its own)."""

    def __init__(self, message: str, issues: Sequence[_Fault]) -> None:
        # the domain's Issue objects, for callers that re-map them (a workbook names cells, not rows)
        self.issues: list[Any] = list(issues)
        super().__init__(message, details=[i.as_dict() for i in self.issues] or None)


class ComparisonInputError(_WithIssues):
    """The values submitted for a comparison are missing, extra, not numbers or out of domain."""

    status_code = 422
    code = "comparison_values_invalid"
    details_model = Issues
    message = "对标数据有误，请逐项修改后重新对标"

    def __init__(self, issues: Sequence[_Fault]) -> None:
        super().__init__(f"对标数据有误，共 {len(issues)} 处，请逐项修改后重新对标", issues)


class PlanDefinitionError(_WithIssues):
    """An assessment plan's indicator list is inconsistent (bad threshold, duplicate code ...)."""

    status_code = 422
    code = "plan_invalid"
    details_model = Issues
    message = "评估方案的核心指标有误"

    def __init__(self, issues: Sequence[_Fault]) -> None:
        super().__init__(f"评估方案的核心指标有误，共 {len(issues)} 处", issues)


class CalibrationThresholdInvalid(_WithIssues):
    """A threshold proposed to the calibrator does not fit its indicator (or names none of the plan's)."""

    status_code = 422
    code = "calibration_threshold_invalid"
    details_model = Issues
    message = "拟定门槛有误"

    def __init__(self, issues: Sequence[_Fault]) -> None:
        super().__init__(f"拟定门槛有误，共 {len(issues)} 处，请逐项修改", issues)


class CalibrationShareInvalid(AppError):
    """The top share asked of the calibrator is not a number in (0, 1]."""

    status_code = 422
    code = "calibration_share_invalid"
    message = "领先比例应大于 0 且不超过 1，例如 0.2 表示前 20%"


class WorkbookInvalid(AppError):
    """An uploaded workbook with bad cells (or not readable at all): nothing of it is imported."""

    status_code = 422
    code = "workbook_invalid"
    message = "Excel 文件有误，未导入任何数据，请逐项修改后重新上传"
    details_model = CellIssues

    def __init__(self, issues: Sequence[_Fault], message: str | None = None) -> None:
        self.cell_issues: list[Any] = list(issues)
        super().__init__(
            message or f"Excel 文件有误，共 {len(issues)} 处，未导入任何数据，请逐项修改后重新上传",
            details=[i.as_dict() for i in self.cell_issues],
        )


class StarNotDeclarable(AppError):
    status_code = 422
    code = "star_not_declarable"
    message = "只能自我声明 3 星级或 4 星级产品"


class UnknownAgency(AppError):
    status_code = 422
    code = "unknown_agency"
    message = "评估机构不存在，请从评估机构列表中选择"
    details_model = FieldFaults


class NotAWorkbook(UnsupportedMedia):
    code = "not_a_workbook"
    message = "请上传 .xlsx 格式的 Excel 文件（由平台模板填写）"


class ProductNotFound(NotFound):
    code = "product_not_found"
    message = "重点领域产品不存在"


class PlanNotFound(NotFound):
    code = "plan_not_found"
    message = "评估方案不存在"


class PlanNotFinal(Conflict):
    code = "plan_not_final"
    message = "该重点领域产品尚无评估方案终稿，暂不能对标"


class GradingStandardMissing(Conflict):
    code = "grading_standard_missing"
    message = "该重点领域产品的评估方案未规定星级分级指标，无法进行星级对标"


class ProductCodeTaken(Conflict):
    code = "product_code_taken"
    message = "产品代码已存在"


class ProductTypeLocked(Conflict):
    code = "product_type_locked"
    message = "该产品已有评估方案，不能修改产品类型"


class AlreadyDesignated(Conflict):
    code = "already_designated"
    message = "该重点领域产品已确定评估机构"


class NotDesignated(Conflict):
    code = "not_designated"
    message = "该重点领域产品尚未确定评估机构，无可撤销的确定"


class DraftExists(Conflict):
    code = "draft_exists"
    message = "已有草稿，请刷新后重试"
    details_model = DraftDetails


class PlanNotDraft(Conflict):
    code = "plan_not_draft"
    message = "终稿不能修改，请新建下一版本草稿"
