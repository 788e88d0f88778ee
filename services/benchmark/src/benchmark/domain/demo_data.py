"""The demo catalogue the local runner loads: key-field products across fields, their assessment
agencies, final plans and grading thresholds.

Indicators, units and directions follow what is published for such products (GB 18401 for textile
formaldehyde and pH, GB/T 14272 for down garments, GB/T 4100 for ceramic tiles, GB/T 18801 for air
purifiers, GB/T 28004 for diapers, GB/T 14456 for green tea). The threshold figures are
illustrative demo values at those standards' scale, not a published plan.

The agencies are organisations of the auth service. The three that auth's demo data creates (with
login accounts agency01..03) keep auth's fixed ids and names, so those accounts manage these plans;
the others are stable UUIDv5 values derived from ``DEMO_NAMESPACE`` (agencies without a demo login).
The loader also accepts explicit ids.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from benchmark.domain.statuses import ProductType

DEMO_NAMESPACE = uuid.UUID("6b1c9a52-4f0e-5d57-9a55-4c7a2f5e0b31")


def demo_id(kind: str, key: str) -> uuid.UUID:
    """The stable id of a demo object, e.g. ``demo_id("agency", "appliances")``."""
    return uuid.uuid5(DEMO_NAMESPACE, f"{kind}:{key}")


@dataclass(frozen=True)
class DemoAgency:
    key: str
    name: str
    fixed_id: uuid.UUID | None = None  # the id auth's demo data gives this organisation

    @property
    def id(self) -> uuid.UUID:
        return self.fixed_id or demo_id("agency", self.key)


@dataclass(frozen=True)
class DemoProduct:
    code: str
    name: str
    field: str
    year: int
    product_type: ProductType
    agency_key: str
    plan_title: str
    group_standard: str
    indicators: list[dict[str, Any]]
    # how long ago the designation notice started: 30 days → ended; 3 days → still running
    notice_started_days_ago: int = 30
    plan_final: bool = True

    @property
    def id(self) -> uuid.UUID:
        return demo_id("product", self.code)


AGENCIES = (
    # ids and names as in services/auth/src/auth/demo.py (login agency01, agency02, agency03)
    DemoAgency("appliances", "中国家用电器研究院", uuid.UUID("00000000-0000-4000-a000-000000000101")),
    DemoAgency("textiles", "纺织工业科学技术发展中心", uuid.UUID("00000000-0000-4000-a000-000000000102")),
    DemoAgency("food", "中国食品发酵工业研究院", uuid.UUID("00000000-0000-4000-a000-000000000103")),
    DemoAgency("building", "国家建筑材料质量检验检测中心"),
    DemoAgency("light_industry", "中国轻工业质量评估中心"),
    DemoAgency("services", "中国物业服务质量评估中心"),
)


def indicator_row(
    code: str,
    name: str,
    unit: str,
    direction: str,
    forerunner: Any,
    stars: list[Any] | None = None,
    lower: str | None = None,
    upper: str | None = None,
    grades: list[str] | None = None,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "code": code,
        "name": name,
        "unit": unit,
        "direction": direction,
        "forerunner": forerunner,
        "lower_bound": lower,
        "upper_bound": upper,
        "grades": grades,
    }
    for level, threshold in enumerate(stars or [None] * 5, start=1):
        row[f"star_{level}"] = threshold
    return row


PRODUCTS = (
    DemoProduct(
        code="JD-2023-01",
        name="家用电冰箱",
        field="家用电器",
        year=2023,
        product_type=ProductType.PRODUCT,
        agency_key="appliances",
        plan_title="家用电冰箱企业标准“领跑者”评估方案",
        group_standard="T/CAQP 001-2023",
        indicators=[
            indicator_row(
                "energy_daily",
                "耗电量",
                "kWh/24h",
                "lower",
                "0.50",
                ["1.00", "0.85", "0.70", "0.60", "0.50"],
                lower="0",
                upper="20",
            ),
            indicator_row(
                "noise",
                "噪声",
                "dB(A)",
                "lower",
                "36",
                ["45", "42", "40", "38", "36"],
                lower="0",
                upper="120",
            ),
            indicator_row(
                "freezing_capacity",
                "冷冻能力",
                "kg/12h",
                "higher",
                "10.0",
                ["4.5", "6.0", "7.5", "9.0", "10.0"],
                lower="0",
                upper="100",
            ),
        ],
    ),
    DemoProduct(
        code="FZ-2023-01",
        name="羽绒服",
        field="纺织服装",
        year=2023,
        product_type=ProductType.PRODUCT,
        agency_key="textiles",
        plan_title="羽绒服装企业标准“领跑者”评估方案",
        group_standard="T/CAQP 002-2023",
        indicators=[
            indicator_row(
                "down_content",
                "含绒量",
                "%",
                "higher",
                "90",
                ["50", "70", "80", "85", "90"],
                lower="0",
                upper="100",
            ),
            indicator_row(
                "fill_power",
                "蓬松度",
                "cm",
                "higher",
                "18.0",
                ["13.0", "14.5", "15.5", "16.5", "18.0"],
                lower="0",
                upper="40",
            ),
            indicator_row(
                "formaldehyde",
                "甲醛含量",
                "mg/kg",
                "lower",
                "20",
                ["300", "150", "75", "30", "20"],
                lower="0",
                upper="10000",
            ),
            indicator_row(
                "ph",
                "pH值",
                "",
                "range",
                "4.0~8.5",
                ["4.0~9.0", "4.0~9.0", "4.0~8.5", "4.0~8.5", "4.0~8.5"],
                lower="0",
                upper="14",
            ),
            indicator_row(
                "colourfast_water", "耐水色牢度（变色）", "级", "grade", "4", ["3", "3", "3-4", "4", "4"]
            ),
            indicator_row("azo_free", "不含可分解致癌芳香胺染料", "", "bool", "是", ["是"] * 5),
        ],
    ),
    DemoProduct(
        code="JC-2023-01",
        name="陶瓷砖",
        field="建筑材料",
        year=2023,
        product_type=ProductType.PRODUCT,
        agency_key="building",
        plan_title="陶瓷砖企业标准“领跑者”评估方案",
        group_standard="T/CAQP 003-2023",
        indicators=[
            indicator_row(
                "water_absorption",
                "吸水率（平均值）",
                "%",
                "lower",
                "0.10",
                ["0.50", "0.40", "0.30", "0.20", "0.10"],
                lower="0",
                upper="100",
            ),
            indicator_row(
                "breaking_strength",
                "破坏强度",
                "N",
                "higher",
                "2000",
                ["1300", "1500", "1700", "1850", "2000"],
                lower="0",
                upper="100000",
            ),
            indicator_row(
                "modulus_of_rupture",
                "断裂模数",
                "MPa",
                "higher",
                "45",
                ["35", "38", "40", "42", "45"],
                lower="0",
                upper="500",
            ),
            indicator_row(
                "stain_resistance",
                "耐污染性",
                "级",
                "grade",
                "5",
                ["3", "3", "4", "4", "5"],
                grades=["1", "2", "3", "4", "5"],
            ),
            indicator_row(
                "radium_index",
                "内照射指数",
                "",
                "lower",
                "0.5",
                ["1.0", "1.0", "0.8", "0.6", "0.5"],
                lower="0",
                upper="10",
            ),
        ],
    ),
    DemoProduct(
        code="JD-2023-02",
        name="空气净化器",
        field="家用电器",
        year=2023,
        product_type=ProductType.PRODUCT,
        agency_key="appliances",
        plan_title="空气净化器企业标准“领跑者”评估方案",
        group_standard="T/CAQP 004-2023",
        indicators=[
            indicator_row(
                "cadr_particles",
                "颗粒物洁净空气量",
                "m³/h",
                "higher",
                "600",
                ["200", "300", "400", "500", "600"],
                lower="0",
                upper="10000",
            ),
            indicator_row(
                "efficiency_particles",
                "颗粒物净化能效",
                "m³/(W·h)",
                "higher",
                "8.00",
                ["2.00", "3.50", "5.00", "6.50", "8.00"],
                lower="0",
                upper="100",
            ),
            indicator_row(
                "noise",
                "噪声（额定状态）",
                "dB(A)",
                "lower",
                "55",
                ["70", "66", "62", "58", "55"],
                lower="0",
                upper="120",
            ),
            indicator_row(
                "ozone_increase",
                "臭氧浓度增加量",
                "mg/m³",
                "lower",
                "0.005",
                ["0.050", "0.030", "0.020", "0.010", "0.005"],
                lower="0",
                upper="10",
            ),
        ],
    ),
    DemoProduct(
        code="QG-2023-01",
        name="婴幼儿纸尿裤",
        field="轻工",
        year=2023,
        product_type=ProductType.PRODUCT,
        agency_key="light_industry",
        plan_title="婴幼儿纸尿裤企业标准“领跑者”评估方案",
        group_standard="T/CAQP 005-2023",
        indicators=[
            indicator_row(
                "rewet",
                "回渗量",
                "g",
                "lower",
                "0.5",
                ["10.0", "5.0", "2.0", "1.0", "0.5"],
                lower="0",
                upper="100",
            ),
            indicator_row(
                "leakage",
                "渗漏量",
                "g",
                "lower",
                "0.0",
                ["0.5", "0.3", "0.2", "0.1", "0.0"],
                lower="0",
                upper="100",
            ),
            indicator_row(
                "slip_leak",
                "滑渗量",
                "mL",
                "lower",
                "10",
                ["30", "25", "20", "15", "10"],
                lower="0",
                upper="500",
            ),
            indicator_row("ph", "pH值", "", "range", "4.0~8.5", ["4.0~8.5"] * 5, lower="0", upper="14"),
            indicator_row("no_fluorescent", "无可迁移性荧光增白物质", "", "bool", "是", ["是"] * 5),
        ],
    ),
    DemoProduct(
        code="SP-2023-01",
        name="绿茶",
        field="食品",
        year=2023,
        product_type=ProductType.PRODUCT,
        agency_key="food",
        plan_title="绿茶企业标准“领跑者”评估方案",
        group_standard="T/CAQP 006-2023",
        indicators=[
            indicator_row(
                "moisture",
                "水分",
                "%",
                "lower",
                "6.0",
                ["7.0", "7.0", "6.5", "6.5", "6.0"],
                lower="0",
                upper="100",
            ),
            indicator_row(
                "water_extract",
                "水浸出物",
                "%",
                "higher",
                "40",
                ["34", "36", "37", "38", "40"],
                lower="0",
                upper="100",
            ),
            indicator_row(
                "total_ash",
                "总灰分",
                "%",
                "lower",
                "6.0",
                ["7.5", "7.0", "6.5", "6.5", "6.0"],
                lower="0",
                upper="100",
            ),
            indicator_row(
                "sensory_grade",
                "感官品质等级",
                "",
                "grade",
                "特级",
                ["三级", "二级", "一级", "一级", "特级"],
                grades=["三级", "二级", "一级", "特级"],
            ),
        ],
    ),
    DemoProduct(
        code="FW-2023-01",
        name="住宅物业服务",
        field="服务业",
        year=2023,
        product_type=ProductType.SERVICE,
        agency_key="services",
        plan_title="住宅物业服务企业标准“领跑者”评估方案",
        group_standard="T/CAQP 007-2023",
        indicators=[
            indicator_row("satisfaction", "业主满意度", "%", "higher", "90", None, lower="0", upper="100"),
            indicator_row(
                "repair_response", "报修响应时间", "min", "lower", "30", None, lower="0", upper="1440"
            ),
        ],
    ),
    # Designated three days ago, plan still a draft: shows both closed reasons on the portal.
    DemoProduct(
        code="JD-2024-01",
        name="家用电热水器",
        field="家用电器",
        year=2024,
        product_type=ProductType.PRODUCT,
        agency_key="appliances",
        plan_title="家用电热水器企业标准“领跑者”评估方案（征求意见稿）",
        group_standard="T/CAQP 008-2024",
        indicators=[
            indicator_row(
                "standby_loss",
                "24h固有能耗系数",
                "",
                "lower",
                "0.60",
                ["0.90", "0.80", "0.70", "0.65", "0.60"],
                lower="0",
                upper="5",
            ),
            indicator_row(
                "hot_water_output",
                "热水输出率",
                "%",
                "higher",
                "70",
                ["55", "60", "65", "68", "70"],
                lower="0",
                upper="100",
            ),
        ],
        notice_started_days_ago=3,
        plan_final=False,
    ),
)


def agency(key: str) -> DemoAgency:
    return next(a for a in AGENCIES if a.key == key)
