"""The mall's error codes: one class each, one status, one default message, typed details."""

from __future__ import annotations

from kit.errors import AppError, Conflict, NotFound, Unavailable
from pydantic import BaseModel


class MissingMaterial(BaseModel):
    missing: list[str]
    missing_labels: list[str]


class Limit(BaseModel):
    max: int


class ExpectedPictures(BaseModel):
    expected: list[str]


class EndedCertificate(BaseModel):
    reason: str


class ProductNotFound(NotFound):
    code = "product_not_found"
    message = "产品不存在"


class PictureNotFound(NotFound):
    code = "picture_not_found"
    message = "图片不存在"


class BrandNotFound(NotFound):
    # 404 like auth's brand routes: the brand is not one of this enterprise's (or was deleted).
    code = "brand_not_found"
    message = "品牌不存在"


class BrandLogoNotFound(NotFound):
    code = "brand_logo_not_found"
    message = "品牌 Logo 不存在"


class IntroductionTooLong(AppError):
    status_code = 422
    code = "introduction_too_long"
    message = "产品介绍过长"


class ImageUnprocessable(AppError):
    status_code = 422
    code = "image_unprocessable"
    message = "产品图片无法处理，请转换为常见的 RGB 格式 JPG 或 PNG 后上传"


class PictureOrderInvalid(AppError):
    status_code = 422
    code = "picture_order_invalid"
    message = "图片顺序须列出本产品的全部产品图片，且每张只出现一次"
    details_model = ExpectedPictures


class InvalidRegion(AppError):
    status_code = 422
    code = "invalid_region"
    message = "行政区划代码格式不正确，应为 2、4 或 6 位数字"


class PageBeyondResults(AppError):
    status_code = 422
    code = "page_beyond_results"
    message = "超出可显示的结果范围，请使用关键词或分类缩小范围"
    details_model = Limit


class PictureLimitReached(Conflict):
    code = "picture_limit_reached"
    message = "图片数量已达上限，请先删除不需要的图片"
    details_model = Limit


class ListedMaterialIncomplete(Conflict):
    code = "listed_material_incomplete"
    message = "已上架产品的宣传材料必须完整；如需删除，请先下架。"
    details_model = MissingMaterial


class PromotionIncomplete(Conflict):
    code = "promotion_incomplete"
    message = "宣传材料不完整"
    details_model = MissingMaterial


class CertificateNotValid(Conflict):
    code = "certificate_not_valid"
    message = "该产品的领跑者证书已撤销或过期，不能上架"
    details_model = EndedCertificate


class LogoUnavailable(Unavailable):
    code = "logo_unavailable"
    message = "品牌 Logo 暂时无法读取，请稍后再试"
