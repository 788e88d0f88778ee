"""The Excel template: it round-trips every demo plan, and a bad workbook is refused with each bad cell."""

import io

import pytest
from benchmark.domain import ProductType, define_indicators
from benchmark.domain.demo_data import PRODUCTS
from benchmark.domain.workbook import (
    INDICATOR_SHEET,
    INFO_SHEET,
    WorkbookInvalid,
    build_template,
    parse_workbook,
)
from openpyxl import Workbook, load_workbook


@pytest.mark.parametrize("demo", PRODUCTS, ids=lambda p: p.code)
def test_template_round_trips(demo):
    indicators = define_indicators(demo.indicators, product_type=demo.product_type)
    data = build_template(product_name=demo.name, title=demo.plan_title, group_standard=demo.group_standard,
                          indicators=indicators)  # fmt: skip
    parsed = parse_workbook(data, product_type=demo.product_type)
    assert (parsed.title, parsed.group_standard, parsed.indicators) == (
        demo.plan_title,
        demo.group_standard,
        indicators,
    )


def test_text_that_looks_like_a_formula_stays_text():
    """A title or name starting with "=" is written as text: Excel never runs it (formula injection), and the
    plan still round-trips (openpyxl stored it as a formula, which read back as an empty title)."""
    rows = [
        {
            "code": "x",
            "name": '=HYPERLINK("http://evil.example","点击")',
            "direction": "bool",
            "forerunner": False,
        }
    ]
    indicators = define_indicators(rows, product_type=ProductType.PRODUCT)
    title = '=cmd|" /C calc"!A0'
    data = build_template(product_name="羽绒服", title=title, group_standard="=1+1", indicators=indicators)
    wb = load_workbook(io.BytesIO(data))
    cells = [wb[INFO_SHEET]["B2"], wb[INFO_SHEET]["B3"], wb[INDICATOR_SHEET]["B2"]]
    assert [c.data_type for c in cells] == ["s", "s", "s"]
    parsed = parse_workbook(data, product_type=ProductType.PRODUCT)
    assert (parsed.title, parsed.group_standard, parsed.indicators) == (title, "=1+1", indicators)


def edit(data: bytes, **cells) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    for ref, value in cells.items():
        sheet, cell = ref.split("__")
        wb[{"i": INDICATOR_SHEET, "m": INFO_SHEET}[sheet]][cell] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def refused(data: bytes) -> dict[str | None, dict]:
    with pytest.raises(WorkbookInvalid) as caught:
        parse_workbook(data, product_type=ProductType.PRODUCT)
    return {i.cell: i.as_dict() for i in caught.value.cell_issues}


@pytest.fixture
def jacket_workbook() -> bytes:
    demo = next(p for p in PRODUCTS if p.code == "FZ-2023-01")
    indicators = define_indicators(demo.indicators, product_type=demo.product_type)
    return build_template(product_name=demo.name, title=demo.plan_title, group_standard=demo.group_standard,
                          indicators=indicators)  # fmt: skip


def test_each_bad_cell_is_reported_by_reference(jacket_workbook):
    bad = edit(jacket_workbook, i__E2="很多", i__A3="3abc", i__J6="6", i__D7="?", m__B2=None)
    issues = refused(bad)
    assert set(issues) == {"E2", "A3", "J6", "D7", "B2"}
    assert issues["E2"]["header"] == "领跑者门槛" and issues["E2"]["code"] == "not_a_number"
    assert issues["E2"]["message"].startswith("第 2 行")
    assert issues["A3"]["code"] == "invalid_code"
    assert issues["J6"]["header"] == "5星门槛" and issues["J6"]["code"] == "unknown_grade"
    assert issues["D7"]["code"] == "invalid_direction"
    assert issues["B2"] == {
        "sheet": INFO_SHEET,
        "cell": "B2",
        "code": "missing_title",
        "message": "未填写方案名称",
        "row": 2,
        "column": "B",
        "header": "方案名称",
    }


def test_blank_rows_are_skipped_and_numbers_typed_as_numbers_are_exact(jacket_workbook):
    stars = {"i__F10": 0.5, "i__G10": 0.4, "i__H10": 0.3, "i__I10": 0.2, "i__J10": 0.1}
    data = edit(jacket_workbook, i__A10="extra", i__B10="加测", i__D10="越小越好", i__E10=0.1, **stars)
    parsed = parse_workbook(data, product_type=ProductType.PRODUCT)
    assert parsed.indicators[-1].code == "extra"
    assert str(parsed.indicators[-1].forerunner) == "0.1"
    assert [str(t) for t in parsed.indicators[-1].stars] == ["0.5", "0.4", "0.3", "0.2", "0.1"]


def test_an_ungraded_row_in_a_graded_plan_points_at_its_star_cell(jacket_workbook):
    issues = refused(edit(jacket_workbook, i__A10="extra", i__B10="加测", i__D10="越小越好", i__E10=0.1))
    assert issues["F10"]["code"] == "grading_incomplete" and issues["F10"]["indicator"] == "extra"


def test_dates_in_number_cells_are_refused(jacket_workbook):
    import datetime

    issues = refused(edit(jacket_workbook, i__E2=datetime.datetime(2024, 1, 1)))
    assert issues["E2"]["code"] == "not_a_number"


def test_a_foreign_workbook_is_refused_by_its_headers():
    wb = Workbook()
    wb.active.title = INFO_SHEET
    sheet = wb.create_sheet(INDICATOR_SHEET)
    sheet.append(["代码", "名称"])
    out = io.BytesIO()
    wb.save(out)
    issues = refused(out.getvalue())
    assert issues["A1"]["code"] == "header_mismatch"
    assert "指标代码" in issues["A1"]["message"]


def test_missing_sheets_and_garbage():
    wb = Workbook()
    out = io.BytesIO()
    wb.save(out)
    assert {i["code"] for i in refused(out.getvalue()).values()} == {"sheet_missing"}
    assert refused(b"PK\x03\x04garbage")[None]["code"] == "workbook_unreadable"
    assert refused(b"")[None]["code"] == "workbook_unreadable"


def test_a_zip_bomb_is_refused_before_it_is_inflated(jacket_workbook):
    import zipfile

    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(jacket_workbook)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for part in source.infolist():
            bomb.writestr(part, source.read(part))
        bomb.writestr("xl/padding.xml", b"0" * (30 * 1024 * 1024))  # 30 MB of zeros, ~30 KB packed
    assert len(out.getvalue()) < 200 * 1024
    issues = refused(out.getvalue())
    assert issues[None]["code"] == "workbook_too_large"
