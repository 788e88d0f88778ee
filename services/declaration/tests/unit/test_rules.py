"""Standard numbers, information completeness and candidate-list rows."""

from __future__ import annotations

import json

import pytest
from declaration.domain.candidates import (
    ImportProblems,
    UnreadableFile,
    build_template,
    check_rows,
    read_rows,
)
from declaration.domain.completion import completion
from declaration.domain.standards import StandardNumberError, validate_standard_no
from kit.phones import is_mobile
from openpyxl import load_workbook

CODE = "91350100M000100Y43"  # a valid 统一社会信用代码


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Q/MP 102-2021", "Q/MP 102-2021"),
        ("Q/320581 ABC 001-2023", "Q/320581 ABC 001-2023"),
        ("q/mp 102-2021", "Q/MP 102-2021"),
        ("Ｑ／ＭＰ　１０２－２０２１", "Q/MP 102-2021"),
        ("  Q / MP  102 - 2021 ", "Q/MP 102-2021"),
        ("Q/HBJ 01.2-2019", "Q/HBJ 01.2-2019"),
    ],
)
def test_standard_numbers_accepted_and_normalised(raw, expected):
    assert validate_standard_no(raw, this_year=2026) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "GB/T 102-2021", "Q/MP102-2021", "Q/MP 102", "Q/MP 102-21", "Q/ 102-2021", "Q/MP 102-2099",
     "Q/MP 102-1970", "Q/MP-102-2021", "Q/MP 10a-2021", "Q/" + "A" * 50 + " 1-2020"],
)  # fmt: skip
def test_standard_numbers_refused_with_a_message(raw):
    with pytest.raises(StandardNumberError) as error:
        validate_standard_no(raw, this_year=2026)
    assert error.value.message


def test_completion_counts_three_parts():
    none = completion(standard_no="", standard_name="", comparison_ok=False, model_count=0, evidence_count=0)
    assert (none.text, none.complete) == ("0/3", False) and len(none.missing()) == 3
    failed = completion(
        standard_no="Q/A 1-2020", standard_name="x", comparison_ok=False, model_count=2, evidence_count=1
    )
    assert failed.text == "2/3" and failed.missing() == ["申报信息（企业标准号、名称及对标成功）"]
    full = completion(
        standard_no="Q/A 1-2020", standard_name="x", comparison_ok=True, model_count=1, evidence_count=1
    )
    assert (full.text, full.complete) == ("3/3", True)


INDICATORS = {"down_content": "含绒量"}


def _check(rows):
    return check_rows(rows, indicators=INDICATORS, this_year=2026, is_mobile=is_mobile)


def test_an_indicator_name_that_looks_like_a_formula_is_a_text_header():
    data = build_template([("x", "=1+1")], "羽绒服")
    header = load_workbook(__import__("io").BytesIO(data)).worksheets[0][1][-1]
    assert header.data_type == "s" and header.value == "=1+1(x)"


def test_template_round_trips_through_the_reader():
    data = build_template([("down_content", "含绒量")], "羽绒服")
    sheet = load_workbook(__import__("io").BytesIO(data)).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header == [
        "企业名称",
        "统一社会信用代码",
        "企业标准号",
        "企业标准名称",
        "联系电话",
        "含绒量(down_content)",
    ]
    sheet.append(["某公司", CODE, "Q/MP 102-2021", "羽绒服", 13912345678, 92.5])
    out = __import__("io").BytesIO()
    sheet.parent.save(out)
    rows = _check(read_rows(out.getvalue()))
    assert rows[0].contact_phone == "13912345678" and rows[0].values == {"down_content": "92.5"}


def test_csv_and_json_are_read():
    csv = f"企业名称,统一社会信用代码,企业标准号,企业标准名称,联系电话\n某公司,{CODE},Q/MP 102-2021,羽绒服,13912345678\n"
    assert _check(read_rows(csv.encode("utf-8-sig")))[0].credit_code == CODE
    assert _check(read_rows(csv.encode("gb18030")))[0].enterprise_name == "某公司"
    doc = [{"enterprise_name": "某公司", "credit_code": CODE, "standard_no": "Q/MP 102-2021",
            "standard_name": "羽绒服", "contact_phone": "13912345678", "values": {"down_content": 91}}]  # fmt: skip
    assert _check(read_rows(json.dumps(doc).encode()))[0].values == {"down_content": "91"}


def test_every_bad_cell_is_reported_with_row_and_column():
    rows = [
        {"企业名称": "", "统一社会信用代码": "91350100M000100Y44", "企业标准号": "GB 1-2020", "企业标准名称": "x",
         "联系电话": "12345"},
        {"企业名称": "甲", "统一社会信用代码": CODE, "企业标准号": "Q/MP 102-2021", "企业标准名称": "x",
         "联系电话": "13912345678"},
        {"企业名称": "甲", "统一社会信用代码": CODE, "企业标准号": "Q/MP 102-2021", "企业标准名称": "x",
         "联系电话": "13912345678"},
    ]  # fmt: skip
    with pytest.raises(ImportProblems) as caught:
        _check(rows)
    found = {(p.row, p.column, p.code) for p in caught.value.problems}
    assert found == {
        (2, "企业名称", "required"),
        (2, "统一社会信用代码", "invalid_credit_code"),
        (2, "企业标准号", "invalid_standard_no"),
        (2, "联系电话", "invalid_phone"),
        (4, "企业标准号", "duplicate_row"),
    }


@pytest.mark.parametrize(
    "data",
    [b"PK\x03\x04 not really a zip", b"\x00\x01\x02binary", b'{"rows": 5}', b"[1, 2]", b"{broken json"],
)
def test_unreadable_files_are_refused(data):
    with pytest.raises(UnreadableFile):
        read_rows(data)


def test_empty_list_is_a_problem():
    with pytest.raises(ImportProblems):
        _check(read_rows("企业名称,统一社会信用代码\n".encode()))
