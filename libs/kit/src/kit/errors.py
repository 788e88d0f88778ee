"""The one error shape: ``{"error": {"code", "message", "details"}}``; never a stack trace.

Every error code is one ``AppError`` subclass: one HTTP status, one default Chinese message and, when it
carries details, one pydantic model for them. Subclasses register themselves in the catalogue
(``catalogue()``); a code declared twice with different statuses or details is refused at import, and
``scripts/error_catalogue.py`` writes the catalogue into docs/CONVENTIONS.md (lint checks it is current).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, RootModel
from starlette.exceptions import HTTPException as StarletteHTTPException

log = structlog.get_logger("kit.errors")


class FieldError(BaseModel):
    field: str
    type: str
    message: str


class FieldErrors(RootModel[list[FieldError]]):
    """The details of a 422 ``invalid``: one entry per field that failed."""


class RetryAfter(BaseModel):
    retry_after: int


class ErrorInfo(BaseModel):
    code: str = Field(description="错误代码（snake_case），见 docs/CONVENTIONS.md 的错误目录")
    message: str = Field(description="中文说明")
    details: Any = Field(description="随错误代码而定的结构化细节；没有时为 null")


class ErrorResponse(BaseModel):
    """The one error shape of every service and of the gateway: {"error": {"code", "message", "details"}}."""

    error: ErrorInfo


@dataclass(frozen=True, slots=True)
class ErrorSpec:
    code: str
    status: int
    message: str
    details: type[BaseModel] | None
    owner: str


_CATALOGUE: dict[str, ErrorSpec] = {}


def _register(spec: ErrorSpec) -> None:
    known = _CATALOGUE.get(spec.code)
    if known is not None and (known.status, known.details) != (spec.status, spec.details):
        raise TypeError(
            f"error code {spec.code!r} is declared as {spec.status} by {spec.owner} "
            f"but as {known.status} by {known.owner}: one code, one status and one details model"
        )
    if known is None:
        _CATALOGUE[spec.code] = spec


def catalogue() -> list[ErrorSpec]:
    """Every error code declared in the processes's imported modules, by code."""
    return sorted(_CATALOGUE.values(), key=lambda s: s.code)


class AppError(Exception):
    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    message: str = "请求有误"
    details_model: ClassVar[type[BaseModel] | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__ or "status_code" in cls.__dict__ or "details_model" in cls.__dict__:
            _register(
                ErrorSpec(
                    cls.code,
                    cls.status_code,
                    cls.message,
                    cls.details_model,
                    f"{cls.__module__}.{cls.__qualname__}",
                )
            )

    def __init__(
        self,
        message: str | None = None,
        *,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or type(self).message
        if details is not None:
            model = self.details_model
            if model is None:
                raise TypeError(f"{type(self).__name__} ({self.code}) declares no details model")
            details = model.model_validate(details).model_dump(mode="json")
        self.details = details
        self.headers = headers
        super().__init__(self.message)


class Invalid(AppError):
    status_code = 422
    code = "invalid"
    message = "提交的数据不正确"
    # Subclasses (a refused upload …) may carry no details.
    details_model: ClassVar[type[BaseModel] | None] = FieldErrors


class InvalidPage(AppError):
    status_code = 422
    code = "invalid_page"
    message = "分页参数不正确：page 为 1-100000，page_size 为 1-100"
    details_model = FieldErrors


class BadRequest(AppError):
    status_code = 400
    code = "bad_request"
    message = "请求有误"


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"
    message = "请先登录"

    def __init__(self, message: str | None = None, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(message, **kw)


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"
    message = "无权进行此操作"


class NotFound(AppError):
    status_code = 404
    code = "not_found"
    message = "资源不存在"


class Conflict(AppError):
    status_code = 409
    code = "conflict"
    message = "当前状态不允许此操作"


class TooLarge(AppError):
    status_code = 413
    code = "too_large"
    message = "上传内容过大"


class UnsupportedMedia(AppError):
    status_code = 415
    code = "unsupported_media"
    message = "文件类型不受支持"


class RetryLater(AppError):
    """An error that tells when to try again: the Retry-After header and ``details.retry_after`` (seconds,
    at least 1). Not raised itself; 429 and 503 codes that know their wait derive from it and declare
    ``details_model = RetryAfter``."""

    def __init__(self, message: str | None = None, *, retry_after: float, **kw: Any) -> None:
        seconds = max(1, math.ceil(retry_after))
        kw.setdefault("headers", {"Retry-After": str(seconds)})
        kw.setdefault("details", {"retry_after": seconds})
        super().__init__(message, **kw)


class RateLimited(RetryLater):
    status_code = 429
    code = "rate_limited"
    message = "操作过于频繁，请稍后再试"
    details_model = RetryAfter


class Unavailable(AppError):
    status_code = 503
    code = "unavailable"
    message = "服务暂时不可用，请稍后再试"


def is_outage(exc: BaseException) -> bool:
    """Connection-level failures of the database or the network (restart, failover, exhausted connections),
    as opposed to a bug: they answer 503 to a client and make a consumer wait rather than give up."""
    import asyncpg
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeout
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(
            current,
            OperationalError
            | InterfaceError
            | PoolTimeout
            | ConnectionError
            | OSError
            | TimeoutError
            | RedisConnectionError
            | RedisTimeout,
        ):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(
            current,
            asyncpg.PostgresConnectionError
            | asyncpg.CannotConnectNowError
            | asyncpg.ConnectionDoesNotExistError
            | asyncpg.AdminShutdownError
            | asyncpg.TooManyConnectionsError
            | asyncpg.InterfaceError
            # the protocol cannot go on (the server's termination notice met a statement starting): the
            # connection is gone, as with the errors above
            | asyncpg.InternalClientError,
        ):
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


_HTTP_MESSAGES = {
    400: ("bad_request", "请求有误"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "无权进行此操作"),
    404: ("not_found", "资源不存在"),
    405: ("method_not_allowed", "不支持的请求方式"),
    406: ("not_acceptable", "不支持的响应格式"),
    409: ("conflict", "当前状态不允许此操作"),
    413: ("too_large", "上传内容过大"),
    415: ("unsupported_media", "内容类型不受支持"),
    422: ("invalid", "提交的数据不正确"),
    429: ("rate_limited", "操作过于频繁，请稍后再试"),
}

_FIELD_MESSAGES = {
    "missing": "必填项缺失",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "float_parsing": "应为数字",
    "decimal_parsing": "应为数字",
    "bool_parsing": "应为是或否",
    "uuid_parsing": "编号格式不正确",
    "string_too_short": "内容过短",
    "string_too_long": "内容过长",
    "string_pattern_mismatch": "格式不正确",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "json_invalid": "JSON 格式不正确",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "extra_forbidden": "不允许的字段",
    "model_attributes_type": "格式不正确",
    "dict_type": "应为对象",
    "list_type": "应为列表",
}


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        kind = err.get("type", "")
        msg = _FIELD_MESSAGES.get(kind)
        if msg is None:
            # pydantic custom errors (ValueError in validators) carry a Chinese message already
            raw = str(err.get("msg", ""))
            msg = (
                raw.removeprefix("Value error, ")
                if any("\u4e00" <= c <= "\u9fff" for c in raw)
                else "格式不正确"
            )
        out.append({"field": ".".join(loc), "type": kind, "message": msg})
    return out


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, exc.message, exc.details), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = _validation_details(exc)
        if (
            details
            and all(d["field"] in ("page", "page_size") for d in details)
            and all((e.get("loc") or ("",))[0] == "query" for e in exc.errors())
        ):
            return JSONResponse(error_body(InvalidPage.code, InvalidPage.message, details), status_code=422)
        first = details[0] if details else None
        message = (
            f"提交的数据不正确：{first['field']} {first['message']}"
            if first and first["field"]
            else "提交的数据不正确"
        )
        return JSONResponse(error_body("invalid", message, details), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = _HTTP_MESSAGES.get(exc.status_code, ("error", "请求无法完成"))
        return JSONResponse(
            error_body(code, message), status_code=exc.status_code, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if is_outage(exc):
            log.warning("dependency_unavailable", path=request.url.path, error_type=type(exc).__name__)
            return JSONResponse(
                error_body("unavailable", Unavailable.message), status_code=503, headers={"Retry-After": "5"}
            )
        log.error("unhandled_error", path=request.url.path, error_type=type(exc).__name__, exc_info=exc)
        return JSONResponse(error_body("internal_error", "系统繁忙，请稍后再试"), status_code=500)
