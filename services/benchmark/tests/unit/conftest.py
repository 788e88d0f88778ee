"""Plans shared by the unit tests, written the way an agency would submit them."""

from __future__ import annotations

import pytest
from benchmark.domain import PlanSpec, ProductType, define_indicators
from benchmark.domain.demo_data import indicator_row as row

JACKET_ROWS = [
    row(
        "down_content", "含绒量", "%", "higher", "90", ["50", "70", "80", "85", "90"], lower="0", upper="100"
    ),
    row("formaldehyde", "甲醛含量", "mg/kg", "lower", "20", ["300", "150", "75", "30", "20"], lower="0"),
    row(
        "ph",
        "pH值",
        "",
        "range",
        "4.0~8.5",
        ["4.0~9.0", "4.0~9.0", "4.0~8.5", "4.0~8.5", "4.0~8.5"],
        lower="0",
        upper="14",
    ),
    row("colourfast", "耐水色牢度", "级", "grade", "4", ["3", "3", "3-4", "4", "4-5"]),
    row("azo_free", "不含禁用偶氮染料", "", "bool", "是", ["是"] * 5),
]


@pytest.fixture
def jacket_plan() -> PlanSpec:
    return PlanSpec(7, ProductType.PRODUCT, define_indicators(JACKET_ROWS, product_type=ProductType.PRODUCT))


@pytest.fixture
def service_plan() -> PlanSpec:
    rows = [row("satisfaction", "业主满意度", "%", "higher", "90", lower="0", upper="100")]
    return PlanSpec(2, ProductType.SERVICE, define_indicators(rows, product_type=ProductType.SERVICE))


@pytest.fixture
def good_jacket() -> dict:
    """Public values that pass every forerunner threshold of ``jacket_plan``."""
    return {"down_content": "92.5", "formaldehyde": 15, "ph": "6.3", "colourfast": "4-5", "azo_free": "是"}
