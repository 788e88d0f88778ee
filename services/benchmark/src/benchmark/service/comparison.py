"""Comparison (对标) against a product's final plan, or a given final or superseded version. An enterprise's
comparison also records its values under a pseudonym, for the agency's threshold calibrator."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kit.db import Database

from benchmark import repository as repo
from benchmark.domain import (
    ComparisonResult,
    PlanSpec,
    ProductType,
    Verdict,
    compare_forerunner,
    compare_star,
)
from benchmark.domain.calibration import recorded_value
from benchmark.errors import PlanNotFinal, ProductNotFound
from benchmark.models import AssessmentPlan, KeyFieldProduct
from benchmark.service.plans import plan_indicators


class _SpecCache:
    """Final and superseded plan versions never change, so their parsed form is kept per process;
    the comparison route then costs one indexed query and the pure engine."""

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._items: OrderedDict[tuple[uuid.UUID, str], PlanSpec] = OrderedDict()

    def get(self, plan: AssessmentPlan, product_type: ProductType) -> PlanSpec:
        key = (plan.id, product_type.value)
        spec = self._items.get(key)
        if spec is None:
            spec = PlanSpec(plan.version, product_type, plan_indicators(plan, product_type))
            self._items[key] = spec
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        else:
            self._items.move_to_end(key)
        return spec


_specs = _SpecCache()


async def comparison_plan(
    db: Database, *, product_id: uuid.UUID, plan_version: int | None = None
) -> tuple[KeyFieldProduct, AssessmentPlan, PlanSpec]:
    async with db.session() as session:
        found = await repo.product_with_comparable_plan(session, product_id, version=plan_version)
    if found is None:
        raise ProductNotFound()
    product, plan = found
    if plan is None:
        raise PlanNotFinal()
    return product, plan, _specs.get(plan, ProductType(product.product_type))


async def compare(
    db: Database, *, product_id: uuid.UUID, values: Mapping[str, Any], star: Any = None,
    plan_version: int | None = None, enterprise_key: str | None = None, now: datetime | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Forerunner comparison when ``star`` is None, star comparison otherwise. With ``enterprise_key`` (an
    enterprise's pseudonym) the values compared are recorded for the threshold calibrator."""
    product, plan, spec = await comparison_plan(db, product_id=product_id, plan_version=plan_version)
    result: ComparisonResult = (
        compare_forerunner(spec, values) if star is None else compare_star(spec, values, star)
    )
    if enterprise_key is not None and result.verdict is not Verdict.NOT_REQUIRED:
        assert now is not None
        common = {
            "product_id": product.id, "plan_id": plan.id, "plan_version": plan.version, "field": product.field,
            "kind": result.kind.value, "enterprise_key": enterprise_key, "created_at": now,
        }  # fmt: skip
        rows: list[dict[str, object]] = [
            {**common, "indicator": r.code, "value": recorded_value(r.value)} for r in result.indicators
        ]
        async with db.transaction() as session:
            await repo.record_comparison_values(session, rows)
    return {"product_id": product.id, "product_name": product.name, **result.as_dict()}
