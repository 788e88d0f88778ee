"""Every error code of the declaration service: one class per condition, one status, one default message,
and a details model where the error carries details (validated when raised)."""

from __future__ import annotations

from typing import Any

from kit.errors import AppError, Conflict, Forbidden, Invalid, NotFound, Unavailable
from pydantic import BaseModel

# ---------------------------------------------------------------- details models


class FieldRef(BaseModel):
    """The input field the error is about."""

    field: str


class Missing(BaseModel):
    """What is still missing before the step (and, for the wizard, its completion x/3)."""

    missing: list[str]
    completion: str | None = None


class Refusal(BaseModel):
    """The state a lifecycle move was refused in, and by whom for what."""

    list_status: str
    evidence_status: str
    actor: str
    action: str


class ImportProblem(BaseModel):
    row: int
    column: str
    code: str
    message: str


class ImportProblems(BaseModel):
    """Every bad cell of a candidate list, with its row and column."""

    problems: list[ImportProblem]


class ProductClosed(BaseModel):
    """Why the product is not open for self-declaration."""

    reason: str


# ---------------------------------------------------------------- roles


class EnterpriseOnly(Forbidden):
    code = "enterprise_only"
    message = "仅企业可以操作申报"


class AgencyOnly(Forbidden):
    code = "agency_only"
    message = "仅评估机构可以操作入围名单"


# ---------------------------------------------------------------- products and filters


class ProductNotFound(NotFound):
    code = "product_not_found"
    message = "重点领域产品不存在"


class ProductNotOpen(Conflict):
    """The one rule of ``domain.openness``; the message says which part of it is not met yet."""

    code = "product_not_open"
    message = "该重点领域产品暂时无法自主申报"
    details_model = ProductClosed


class ProductTypeMismatch(AppError):
    status_code = 422
    code = "product_type_mismatch"
    message = "产品类型与该重点领域产品不一致"
    details_model = FieldRef


class InvalidStandardNo(AppError):
    status_code = 422
    code = "invalid_standard_no"
    message = "企业标准号格式不正确"
    details_model = FieldRef


class InvalidFilter(AppError):
    status_code = 422
    code = "invalid_filter"
    message = "筛选条件取值不正确"
    details_model = FieldRef


class InvalidPhone(AppError):
    status_code = 422
    code = "invalid_phone"
    message = "联系电话应为 11 位手机号"
    details_model = FieldRef


# ---------------------------------------------------------------- declarations


class DeclarationNotFound(NotFound):
    code = "declaration_not_found"
    message = "申报不存在"


class DeclarationDuplicate(Conflict):
    code = "declaration_duplicate"
    message = "该企业标准已申报过此重点领域产品"


class DeclarationNotEditable(Conflict):
    code = "declaration_not_editable"
    message = "当前名单状态下不能修改"


class DeclarationNotDeletable(Conflict):
    code = "declaration_not_deletable"
    message = "只能删除未提交过的草稿"


class DeclarationIncomplete(Conflict):
    code = "declaration_incomplete"
    message = "申报信息尚不完整"
    details_model = Missing


class CandidateStandardFixed(Conflict):
    code = "candidate_standard_fixed"
    message = "入围名单中的企业标准号由评估机构维护"


class CandidateNotDeletable(Conflict):
    code = "candidate_not_deletable"
    message = "入围名单中的企业标准不能删除，请联系评估机构"


class ComparisonNotNeeded(Conflict):
    code = "comparison_not_needed"
    message = "无需对标"


class ComparisonRequired(Conflict):
    """The comparison has not passed (never run, or failed): one code for both (it was also
    ``comparison_failed`` on submit)."""

    code = "comparison_required"
    message = "对标未成功，请先完成对标"


class EvidenceFileNotFound(NotFound):
    code = "file_not_found"
    message = "文件不存在"


class TransitionNotAllowed(Conflict):
    code = "transition_not_allowed"
    message = "当前状态不允许此操作"
    details_model = Refusal


class OpinionRequired(Invalid):
    code = "opinion_required"
    message = "请填写审核意见"


class NotPublished(Conflict):
    code = "not_published"
    message = "领跑者榜单发布后才能追加规格/型号"


class ModelDuplicate(Conflict):
    code = "model_duplicate"
    message = "该规格/型号已存在"


class PicturesCount(AppError):
    status_code = 422
    code = "pictures_count"
    message = "产品图片至少 1 张，最多 5 张"
    details_model = FieldRef


# ---------------------------------------------------------------- notices and objections


class NoticeNotFound(NotFound):
    code = "notice_not_found"
    message = "公示不存在"


class NoticeEnded(Conflict):
    code = "notice_ended"
    message = "公示期已结束，不再受理异议"


class DeclarationNotInNotice(NotFound):
    code = "declaration_not_in_notice"
    message = "公示中没有该企业标准"


class ObjectionNotFound(NotFound):
    code = "objection_not_found"
    message = "异议不存在"


class ObjectionResolved(Conflict):
    code = "objection_resolved"
    message = "该异议已处理"


# ---------------------------------------------------------------- candidate lists


class CandidateNotFound(NotFound):
    code = "candidate_not_found"
    message = "入围名单中没有该记录"


class CandidateSelfDeclared(Conflict):
    code = "candidate_self_declared"
    message = "该记录来自企业自主申报，联系电话随企业基本信息更新，评估机构不能修改"


class CandidateInReview(Conflict):
    code = "candidate_in_review"
    message = "该企业已上传证明资料或进入审核，不能移出入围名单"


class CandidateListEmpty(Invalid):
    code = "candidate_list_empty"
    message = "入围名单中没有数据"


class CandidateListInvalid(AppError):
    status_code = 422
    code = "candidate_list_invalid"
    message = "入围名单有错误，未导入任何数据，请修改后重新上传"
    details_model = ImportProblems


class CandidateFileUnreadable(Invalid):
    code = "candidate_file_unreadable"
    message = "无法识别的文件，请上传 Excel（.xlsx）、CSV 或 JSON 格式的入围名单"


class CandidateFileTooLarge(Invalid):
    code = "candidate_file_too_large"
    message = "Excel 文件解压后过大"


class CandidateFileTooManyRows(Invalid):
    code = "candidate_file_too_many_rows"
    message = "入围名单一次导入的行数过多"


UNREADABLE_FILE: dict[str, type[AppError]] = {
    CandidateFileUnreadable.code: CandidateFileUnreadable,
    CandidateFileTooLarge.code: CandidateFileTooLarge,
    CandidateFileTooManyRows.code: CandidateFileTooManyRows,
}


# ---------------------------------------------------------------- star products


class StarProductNotFound(NotFound):
    code = "star_product_not_found"
    message = "星级产品不存在"


class StarProductAlreadyDeclared(Conflict):
    code = "star_product_declared"
    message = "该星级产品已声明，不能修改"


class StarProductIncomplete(Conflict):
    code = "star_product_incomplete"
    message = "请先填写产品信息"
    details_model = Missing


# ---------------------------------------------------------------- outages


class BenchmarkUnavailable(Unavailable):
    code = "benchmark_unavailable"
    message = "对标服务暂时不可用，请稍后重试"


class BenchmarkRefusal(Exception):
    """The benchmark service refused the caller's comparison input (bad values, unknown product): its
    answer is passed on as it is, with the benchmark service's own code (declared in its catalogue) and a
    4xx status. Not an ``AppError``: the code is not this service's; ``main`` renders it in the error shape."""

    def __init__(self, *, status: int, code: str, message: str, details: Any) -> None:
        self.status, self.code, self.message, self.details = status, code, message, details
        super().__init__(message)
