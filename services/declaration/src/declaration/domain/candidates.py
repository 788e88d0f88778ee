"""Candidate lists (入围名单) uploaded by an agency: Excel (from the template), CSV or JSON. Every row
is checked; every bad cell is reported with its row and column, and nothing is stored unless all rows
are good (all-or-nothing)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from declaration.domain.standards import StandardNumberError, validate_standard_no

MAX_ROWS = 5000

# template column → field; English keys are accepted too (JSON, or a CSV written by a program)
COLUMNS: tuple[tuple[str, str], ...] = (
    ("enterprise_name", "企业名称"),
    ("credit_code", "统一社会信用代码"),
    ("standard_no", "企业标准号"),
    ("standard_name", "企业标准名称"),
    ("contact_phone", "联系电话"),
)
_BY_HEADER = {label: key for key, label in COLUMNS} | {key: key for key, _ in COLUMNS}
LABEL = dict(COLUMNS)


@dataclass(frozen=True)
class CandidateRow:
    row: int
    enterprise_name: str
    credit_code: str
    standard_no: str
    standard_name: str
    contact_phone: str
    values: dict[str, str]


@dataclass
class RowProblem:
    row: int
    column: str
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "code": self.code, "message": self.message}


@dataclass
class ImportProblems(Exception):
    problems: list[RowProblem] = field(default_factory=list)
    file_problem: str | None = None

    def __bool__(self) -> bool:
        return bool(self.problems or self.file_problem)


class UnreadableFile(ValueError):
    def __init__(self, code: str, message: str) -> None:
        self.code, self.message = code, message
        super().__init__(message)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel turns a typed phone or code into 13800138000.0
    return str(value).strip()


def read_rows(data: bytes, *, filename: str = "") -> list[dict[str, str]]:
    """The file's rows as header → text, by content: an .xlsx is a zip, JSON starts with [ or {,
    anything else must be UTF-8 (or GB18030) CSV."""
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"[", b"{"):
        return _read_json(stripped)
    if b"\x00" in data[:4096]:
        raise UnreadableFile(
            "candidate_file_unreadable", "无法识别的文件，请上传 Excel（.xlsx）、CSV 或 JSON 格式的入围名单"
        )
    return _read_csv(data)


def _read_xlsx(data: bytes) -> list[dict[str, str]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # a zip bomb would expand far beyond the upload; refuse before openpyxl inflates it
            if sum(info.file_size for info in archive.infolist()) > 100 * 1024 * 1024:
                raise UnreadableFile("candidate_file_too_large", "Excel 文件解压后过大")
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except UnreadableFile:
        raise
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as exc:
        raise UnreadableFile("candidate_file_unreadable", "Excel 文件已损坏或不是 .xlsx 格式") from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return []
        names = [_cell(h) for h in header]
        out = []
        for count, values in enumerate(rows, start=1):
            if count > MAX_ROWS:
                raise UnreadableFile("candidate_file_too_many_rows", f"入围名单一次最多导入 {MAX_ROWS} 行")
            cells = [_cell(v) for v in values]
            if not any(cells):
                continue
            out.append({names[i]: cells[i] for i in range(min(len(names), len(cells))) if names[i]})
        return out
    except UnreadableFile:
        raise
    except Exception as exc:  # openpyxl raises many types on malformed sheets
        raise UnreadableFile("candidate_file_unreadable", "Excel 文件内容无法读取") from exc
    finally:
        workbook.close()


def _read_json(data: bytes) -> list[dict[str, str]]:
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableFile("candidate_file_unreadable", "JSON 格式不正确") from exc
    if isinstance(doc, dict):
        doc = doc.get("rows", doc.get("candidates"))
    if not isinstance(doc, list) or not all(isinstance(r, dict) for r in doc):
        raise UnreadableFile("candidate_file_unreadable", "JSON 应为对象数组，或含 rows 数组的对象")
    if len(doc) > MAX_ROWS:
        raise UnreadableFile("candidate_file_too_many_rows", f"入围名单一次最多导入 {MAX_ROWS} 行")
    out = []
    for raw in doc:
        row: dict[str, str] = {}
        for key, value in raw.items():
            if key == "values" and isinstance(value, Mapping):
                row.update({f"指标:{k}": _cell(v) for k, v in value.items()})
            elif isinstance(value, (dict, list)):
                row[str(key)] = json.dumps(value, ensure_ascii=False)
            else:
                row[str(key)] = _cell(value)
        out.append(row)
    return out


def _read_csv(data: bytes) -> list[dict[str, str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile("candidate_file_unreadable", "CSV 文件编码无法识别，请使用 UTF-8")
    try:
        reader = csv.reader(io.StringIO(text))
        header = next(reader, None)
        if header is None:
            return []
        names = [h.strip() for h in header]
        out = []
        for count, cells in enumerate(reader, start=1):
            if count > MAX_ROWS:
                raise UnreadableFile("candidate_file_too_many_rows", f"入围名单一次最多导入 {MAX_ROWS} 行")
            cells = [c.strip() for c in cells]
            if not any(cells):
                continue
            out.append({names[i]: cells[i] for i in range(min(len(names), len(cells))) if names[i]})
        return out
    except csv.Error as exc:
        raise UnreadableFile("candidate_file_unreadable", "CSV 格式不正确") from exc


def indicator_header(code: str, name: str) -> str:
    return f"{name}({code})"


def _indicator_key(header: str, indicators: Mapping[str, str]) -> str | None:
    """An indicator column: "名称(code)" from the template, "指标:code" from JSON, or the bare code."""
    if header.startswith("指标:"):
        header = header[3:]
    if header.endswith(")") and "(" in header:
        header = header[header.rindex("(") + 1 : -1]
    return header if header in indicators else None


def check_rows(
    raw_rows: Sequence[Mapping[str, str]],
    *,
    indicators: Mapping[str, str],
    this_year: int,
    is_mobile: Any,
) -> list[CandidateRow]:
    """Turn raw rows into candidates or raise ``ImportProblems`` naming every bad cell.
    Row numbers are as the agency sees them in the workbook (header is row 1)."""
    problems: list[RowProblem] = []
    if not raw_rows:
        raise ImportProblems(file_problem="入围名单中没有数据行")
    seen: dict[tuple[str, str], int] = {}
    rows: list[CandidateRow] = []
    for index, raw in enumerate(raw_rows, start=2):
        fields: dict[str, str] = {}
        values: dict[str, str] = {}
        for header, value in raw.items():
            key = _BY_HEADER.get(header.strip())
            if key is not None:
                fields[key] = value
                continue
            code = _indicator_key(header.strip(), indicators)
            if code is not None and value != "":
                values[code] = value

        def bad(column: str, code: str, message: str, *, row: int = index) -> None:
            problems.append(RowProblem(row, LABEL.get(column, column), code, message))

        for key, label in COLUMNS:
            if not fields.get(key):
                bad(key, "required", f"请填写{label}")
            elif any(ch < " " for ch in fields[key]):
                bad(key, "control_character", f"{label}包含非法字符")
                fields[key] = ""
        name = fields.get("enterprise_name", "")
        if len(name) > 200:
            bad("enterprise_name", "too_long", "企业名称过长")
        credit = fields.get("credit_code", "").upper()
        if credit:
            try:
                credit = uscc.validate(credit)
            except StdnumError:
                bad("credit_code", "invalid_credit_code", "统一社会信用代码不正确（18 位，校验位不符）")
        standard_no = fields.get("standard_no", "")
        if standard_no:
            try:
                standard_no = validate_standard_no(standard_no, this_year=this_year)
            except StandardNumberError as exc:
                bad("standard_no", "invalid_standard_no", exc.message)
        standard_name = fields.get("standard_name", "")
        if len(standard_name) > 200:
            bad("standard_name", "too_long", "企业标准名称过长")
        phone = fields.get("contact_phone", "").replace(" ", "").replace("-", "")
        if phone and not is_mobile(phone):
            bad("contact_phone", "invalid_phone", "联系电话应为 11 位手机号")
        for code, value in values.items():
            if len(value) > 100:
                bad(indicators[code], "too_long", "指标值过长")
            elif "\x00" in value:
                bad(indicators[code], "control_character", "指标值包含非法字符")
        identity = (credit, standard_no)
        if all(identity):
            if identity in seen:
                bad("standard_no", "duplicate_row", f"与第 {seen[identity]} 行重复（同一企业的同一企业标准）")
            else:
                seen[identity] = index
        rows.append(CandidateRow(index, name, credit, standard_no, standard_name, phone, values))
    if problems:
        raise ImportProblems(problems)
    return rows


def template_headers(indicators: Iterable[tuple[str, str]]) -> list[str]:
    return [label for _, label in COLUMNS] + [indicator_header(code, name) for code, name in indicators]


def build_template(indicators: Sequence[tuple[str, str]], product_name: str) -> bytes:
    """The Excel template an agency downloads: the fixed columns, then one per core indicator."""
    from kit.sheets import put_row
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "入围名单"
    headers = template_headers(indicators)
    put_row(sheet, 1, headers)  # indicator names are the agency's text: never a formula
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, header in zip(sheet.iter_cols(min_row=1, max_row=1), headers, strict=True):
        sheet.column_dimensions[column[0].column_letter].width = max(14, len(header) * 2)
        # phones and credit codes are text: Excel would otherwise eat leading zeros / use exponents
        sheet.column_dimensions[column[0].column_letter].number_format = "@"
    notes = workbook.create_sheet("填写说明")
    notes.append([f"重点领域产品：{product_name}"])
    notes.append(
        ["每行一个入围的企业标准；企业标准号如 Q/MP 102-2021；联系电话为 11 位手机号，用于企业身份认证。"]
    )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
