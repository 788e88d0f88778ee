"""The benchmark service: key-field products, agency designations, assessment plans and the comparison
engine. ``uvicorn --factory benchmark.main:create_app``."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from kit.errors import error_body
from kit.runtime import Runtime
from kit.web import create_service_app

from benchmark import consumers
from benchmark.api.routes import internal, router
from benchmark.config import Settings
from benchmark.domain import (
    ComparisonInputError,
    DomainError,
    GradingStandardMissing,
    PlanDefinitionError,
    StarNotDeclarable,
    TransitionNotAllowed,
)
from benchmark.workbook import WorkbookInvalid

# Domain errors and their HTTP status: bad client data is 422, a rule of the current state is 409.
_STATUS: dict[type[DomainError], int] = {
    ComparisonInputError: 422,
    PlanDefinitionError: 422,
    WorkbookInvalid: 422,
    StarNotDeclarable: 422,
    GradingStandardMissing: 409,
    TransitionNotAllowed: 409,
}


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 422)
    if isinstance(exc, WorkbookInvalid):
        details = [i.as_dict() for i in exc.cell_issues]
    else:
        details = [i.as_dict() for i in exc.issues] or None
    return JSONResponse(error_body(exc.code, exc.message, details), status_code=status)


def build_runtime(settings: Settings) -> Runtime:
    return Runtime(settings, service="benchmark", handlers=consumers.HANDLERS)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_service_app(
        runtime=build_runtime(settings),
        title="对标服务",
        description="重点领域产品、评估机构、评估方案与质量分级标准，以及领跑者/星级对标",
        route_name="benchmark",
        routers=[router, internal],
    )
    app.add_exception_handler(DomainError, _domain_error)
    return app
