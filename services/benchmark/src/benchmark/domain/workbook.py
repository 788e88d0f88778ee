"""The Excel workbook agencies use to write an assessment plan: template generation and parsing.

Pure functions over bytes (no files, no database). Parsing is all or nothing: either every row and
cell is valid and a complete plan comes back, or ``WorkbookInvalid`` lists every bad cell (sheet,
cell reference, column header, Chinese message) and nothing is imported.

openpyxl parses through defusedxml (a dependency of this package), so entity expansion and
external entities in an uploaded file are refused; the caller bounds the upload size.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import asdict, dataclass
from typing import Any

from kit.sheets import put, put_row
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from benchmark.domain.indicators import (
    INDICATOR_FIELDS,
    MAX_INDICATORS,
    CoreIndicator,
    define_indicators,
    indicator_fields,
    threshold_text,
)
from benchmark.domain.statuses import Direction, ProductType
from benchmark.errors import PlanDefinitionError, WorkbookInvalid

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INFO_SHEET = "方案信息"
INDICATOR_SHEET = "核心指标"
GUIDE_SHEET = "填写说明"
TITLE_MAX = 200
GROUP_STANDARD_MAX = 100
# Rows read before giving up: enough for the indicator limit plus blank spacer rows, small enough
# that a sheet padded with a million rows cannot hold a worker.
MAX_SHEET_ROWS = MAX_INDICATORS + 200
# A filled template unpacks to well under 1 MB; these bounds leave room for formatting Excel adds.
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_PACKAGE_PARTS = 200
UNREADABLE = "无法读取该文件，请上传由模板填写的 .xlsx 文件"

HEADERS: dict[str, str] = {
    "code": "指标代码",
    "name": "指标名称",
    "unit": "单位",
    "direction": "判定方向",
    "forerunner": "领跑者门槛",
    "star_1": "1星门槛",
    "star_2": "2星门槛",
    "star_3": "3星门槛",
    "star_4": "4星门槛",
    "star_5": "5星门槛",
    "lower_bound": "取值下限",
    "upper_bound": "取值上限",
    "grades": "等级序列（由差到好，逗号分隔）",
}
assert tuple(HEADERS) == INDICATOR_FIELDS
COLUMN_OF = {field: get_column_letter(i) for i, field in enumerate(HEADERS, start=1)}
INFO_ROWS = {"title": ("方案名称", 2), "group_standard": ("团体标准编号", 3)}

GUIDE = (
    "评估方案导入模板：请在“方案信息”页填写方案名称和团体标准编号，在“核心指标”页每行填写一项核心指标。",
    "判定方向：越大越好（实测值≥门槛为达标）、越小越好（≤门槛）、在区间内（门槛写作 下限~上限，例如 4.0~8.5，含端点）、"
    "是否（门槛填 是 或 否）、等级（门槛填等级，例如 4 或 3-4，须在等级序列中）。",
    "领跑者门槛必填；1至5星门槛用于质量分级，要么全部填写、要么全部留空，且星级越高门槛越严。",
    "取值下限/上限：数值型指标的合理取值范围（如百分比 0~100），超出范围的对标数值将被拒绝。",
    "等级序列：仅“等级”方向填写，由差到好以逗号分隔，例如 1,1-2,2,2-3,3,3-4,4,4-5,5；留空即使用该默认序列。",
    "数值请直接填写数字，小数至多 10 位；阈值相等视为达标。导入时任何一格有误，整份文件都不会导入，并列出每一处错误。",
)


@dataclass(frozen=True, slots=True)
class CellIssue:
    sheet: str
    cell: str | None  # e.g. "E5"; None when the fault concerns the whole sheet or file
    code: str
    message: str
    row: int | None = None
    column: str | None = None
    header: str | None = None
    indicator: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True, slots=True)
class ParsedPlan:
    title: str
    group_standard: str
    indicators: tuple[CoreIndicator, ...]


# -- template ---------------------------------------------------------------------------------------


def build_template(
    *,
    product_name: str,
    title: str = "",
    group_standard: str = "",
    indicators: tuple[CoreIndicator, ...] = (),
) -> bytes:
    """An .xlsx template; filled with an existing plan's data when given, so a plan round-trips
    (download, edit, upload)."""
    wb = Workbook()
    guide = wb.active
    assert guide is not None
    guide.title = GUIDE_SHEET
    guide["A1"] = f"{product_name} 评估方案导入模板"
    guide["A1"].font = Font(bold=True, size=14)
    for offset, line in enumerate(GUIDE, start=3):
        guide.cell(row=offset, column=1, value=line).alignment = Alignment(wrap_text=True)
    guide.column_dimensions["A"].width = 120

    info = wb.create_sheet(INFO_SHEET)
    info["A1"], info["B1"] = "项目", "内容"
    for field, (label, row) in INFO_ROWS.items():
        info.cell(row=row, column=1, value=label)
        put(info.cell(row=row, column=2), {"title": title, "group_standard": group_standard}[field] or None)
    info.column_dimensions["A"].width = 16
    info.column_dimensions["B"].width = 60

    sheet = wb.create_sheet(INDICATOR_SHEET)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for column, label in enumerate(HEADERS.values(), start=1):
        cell = sheet.cell(row=1, column=column, value=label)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        sheet.column_dimensions[get_column_letter(column)].width = max(12, len(label) * 2 + 2)
    sheet.freeze_panes = "A2"
    # Every value cell is text so Excel keeps "0.50" and "3-4" exactly as typed (no 0.5, no date).
    for column in range(1, len(HEADERS) + 1):
        for row in range(2, MAX_INDICATORS + 2):
            sheet.cell(row=row, column=column).number_format = "@"
    directions = DataValidation(
        type="list",
        formula1='"' + ",".join(d.label for d in Direction) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="判定方向",
        error="请从下拉列表中选择判定方向",
    )
    sheet.add_data_validation(directions)
    directions.add(f"{COLUMN_OF['direction']}2:{COLUMN_OF['direction']}{MAX_INDICATORS + 1}")
    for row, indicator in enumerate(indicators, start=2):
        put_row(sheet, row, _row_values(indicator))

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _row_values(indicator: CoreIndicator) -> list[Any]:
    fields = indicator_fields(indicator)
    values: list[Any] = []
    for field in HEADERS:
        match field:
            case "direction":
                values.append(indicator.direction.label)
            case "forerunner":
                values.append(threshold_text(indicator.forerunner))
            case "grades":
                values.append(",".join(indicator.grades) if indicator.grades else None)
            case _ if field.startswith("star_"):
                level = int(field.removeprefix("star_"))
                values.append(threshold_text(indicator.stars[level - 1]) if indicator.stars else None)
            case _:
                values.append(fields[field] or None)
    return values


# -- parsing ----------------------------------------------------------------------------------------


def _refuse(code: str, message: str) -> WorkbookInvalid:
    return WorkbookInvalid([CellIssue(sheet="", cell=None, code=code, message=message)], message=message)


def _check_package(data: bytes) -> None:
    """An .xlsx is a zip: refuse a package whose parts unpack far beyond what a plan needs (a zip bomb
    would otherwise be inflated by openpyxl, which loads shared strings whole). The sizes checked are the
    ones zipfile enforces while reading, so a part cannot unpack to more than it declares."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            parts = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _refuse("workbook_unreadable", UNREADABLE) from exc
    if len(parts) > MAX_PACKAGE_PARTS or sum(p.file_size for p in parts) > MAX_UNPACKED_BYTES:
        raise _refuse("workbook_too_large", "Excel 文件解压后内容过大，请使用平台提供的模板填写")


def parse_workbook(data: bytes, *, product_type: ProductType) -> ParsedPlan:
    """Read a filled template. Raises ``WorkbookInvalid`` listing every bad cell; nothing partial."""
    _check_package(data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise _refuse("workbook_unreadable", UNREADABLE) from exc
    try:
        return _parse(wb, product_type)
    finally:
        wb.close()


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _parse(wb: Any, product_type: ProductType) -> ParsedPlan:
    issues: list[CellIssue] = []
    for name in (INFO_SHEET, INDICATOR_SHEET):
        if name not in wb.sheetnames:
            issues.append(
                CellIssue(
                    sheet=name,
                    cell=None,
                    code="sheet_missing",
                    message=f"缺少工作表“{name}”，请使用平台提供的模板",
                )
            )
    if issues:
        raise WorkbookInvalid(issues)

    info = {
        row[0]: row[1] if len(row) > 1 else None
        for row in wb[INFO_SHEET].iter_rows(min_row=1, max_row=20, max_col=2, values_only=True)
        if row
    }
    header_by_label = {label: (field, row) for field, (label, row) in INFO_ROWS.items()}
    values = {field: _text(info.get(label)) for label, (field, _row) in header_by_label.items()}
    title, group_standard = values["title"], values["group_standard"]
    if not title:
        issues.append(
            CellIssue(
                sheet=INFO_SHEET,
                cell="B2",
                row=2,
                column="B",
                header="方案名称",
                code="missing_title",
                message="未填写方案名称",
            )
        )
    elif len(title) > TITLE_MAX:
        issues.append(
            CellIssue(
                sheet=INFO_SHEET,
                cell="B2",
                row=2,
                column="B",
                header="方案名称",
                code="title_too_long",
                message=f"方案名称最长 {TITLE_MAX} 字",
            )
        )
    if len(group_standard) > GROUP_STANDARD_MAX:
        issues.append(
            CellIssue(
                sheet=INFO_SHEET,
                cell="B3",
                row=3,
                column="B",
                header="团体标准编号",
                code="group_standard_too_long",
                message=f"团体标准编号最长 {GROUP_STANDARD_MAX} 字",
            )
        )

    sheet = wb[INDICATOR_SHEET]
    rows = sheet.iter_rows(min_row=1, max_col=len(HEADERS), values_only=True)
    header = next(rows, None) or ()
    for column, (field, label) in enumerate(HEADERS.items(), start=1):
        found = _text(header[column - 1]) if column - 1 < len(header) else ""
        if found != label:
            letter = COLUMN_OF[field]
            issues.append(
                CellIssue(
                    sheet=INDICATOR_SHEET,
                    cell=f"{letter}1",
                    row=1,
                    column=letter,
                    header=label,
                    code="header_mismatch",
                    message=f"第 {letter} 列表头应为“{label}”，实为“{found}”，请使用平台提供的模板",
                )
            )
    if issues and any(i.code == "header_mismatch" for i in issues):
        # columns cannot be trusted; reading values would only add misleading reports
        raise WorkbookInvalid(issues)

    entries: list[dict[str, Any]] = []
    sheet_rows: list[int] = []
    for offset, raw in enumerate(rows, start=2):
        if offset > MAX_SHEET_ROWS + 1:
            issues.append(
                CellIssue(
                    sheet=INDICATOR_SHEET,
                    cell=None,
                    code="too_many_rows",
                    message=f"“{INDICATOR_SHEET}”行数过多，核心指标至多 {MAX_INDICATORS} 项",
                )
            )
            break
        cells = list(raw) + [None] * (len(HEADERS) - len(raw))
        if all(_text(v) == "" for v in cells):
            continue
        entries.append({field: _cell_value(value) for field, value in zip(HEADERS, cells, strict=True)})
        sheet_rows.append(offset)

    indicators: tuple[CoreIndicator, ...] = ()
    try:
        indicators = define_indicators(entries, product_type=product_type)
    except PlanDefinitionError as exc:
        for issue in exc.issues:
            sheet_row = sheet_rows[issue.row - 1] if issue.row is not None else None
            letter = COLUMN_OF.get(issue.field or "")
            issues.append(
                CellIssue(
                    sheet=INDICATOR_SHEET,
                    cell=f"{letter}{sheet_row}" if letter and sheet_row else None,
                    row=sheet_row,
                    column=letter,
                    header=HEADERS.get(issue.field or ""),
                    indicator=issue.indicator,
                    code=issue.code,
                    message=f"第 {sheet_row} 行：{issue.message}" if sheet_row else issue.message,
                )
            )
    if issues:
        raise WorkbookInvalid(issues)
    return ParsedPlan(title=title, group_standard=group_standard, indicators=indicators)


def _cell_value(value: Any) -> Any:
    # Text cells arrive as str; numbers typed into General cells as int/float (converted exactly by
    # the domain through their repr). Anything else (dates, times) stays as is and is refused there.
    if isinstance(value, str):
        return value.strip() or None
    return value
