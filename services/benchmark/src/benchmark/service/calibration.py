"""The agency's threshold calibrator: a plan's indicators against the values enterprises entered when they
compared (each enterprise's latest value per indicator, under its pseudonym). Read only."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from kit.db import Database
from kit.security import Principal

from benchmark import repository as repo
from benchmark.domain import ProductType
from benchmark.domain.calibration import calibrate, parse_proposals, parse_top_share, read_entries
from benchmark.service.access import owned_plan_in
from benchmark.service.plans import plan_indicators


async def calibration(
    db: Database, *, principal: Principal, plan_id: uuid.UUID, proposed: Sequence[str], top_share: str | None
) -> dict[str, Any]:
    """For the designated agency and the working group; another agency's plan is not found."""
    async with db.session() as session:
        plan, product = await owned_plan_in(session, principal, plan_id)
        indicators = plan_indicators(plan, ProductType(product.product_type))
        thresholds = parse_proposals(indicators, proposed)
        share = parse_top_share(top_share)
        rows = await repo.latest_comparison_values(session, product.id, [i.code for i in indicators])
    result = calibrate(indicators, read_entries(indicators, rows), proposed=thresholds, top_share=share)
    return {
        "plan_id": plan.id,
        "product_id": product.id,
        "product_name": product.name,
        "plan_version": plan.version,
        **result.as_dict(),
    }
