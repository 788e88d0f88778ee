"""Use cases of the benchmark service, by topic: products and designations, plans, comparison, the demo
catalogue. Each public function is one transaction; events go to the outbox inside it."""

from benchmark.repository import upsert_agency
from benchmark.service.calibration import calibration
from benchmark.service.comparison import compare, comparison_plan
from benchmark.service.plans import (
    PlanContent,
    create_plan,
    final_plan,
    finalise_plan,
    get_plan,
    list_plans,
    owned_product,
    plan_indicators,
    plan_view,
    replace_draft,
    template_source,
)
from benchmark.service.products import (
    ProductInput,
    create_product,
    designate_agency,
    designation_notices,
    get_product,
    list_agencies,
    list_fields,
    list_products,
    update_product,
    withdraw_designation,
)

__all__ = [
    "PlanContent",
    "ProductInput",
    "calibration",
    "compare",
    "comparison_plan",
    "create_plan",
    "create_product",
    "designate_agency",
    "designation_notices",
    "final_plan",
    "finalise_plan",
    "get_plan",
    "get_product",
    "list_agencies",
    "list_fields",
    "list_plans",
    "list_products",
    "owned_product",
    "plan_indicators",
    "plan_view",
    "replace_draft",
    "template_source",
    "update_product",
    "upsert_agency",
    "withdraw_designation",
]
