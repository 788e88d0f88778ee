"""Identifiers the platform accepts: 统一社会信用代码 (GB 32100-2015), mainland mobile numbers,
行政区划代码 (GB/T 2260)."""

from __future__ import annotations

import re

from kit.phones import is_mobile
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

# First two digits of GB/T 2260: provinces, autonomous regions, municipalities, Taiwan, Hong Kong, Macao.
_PROVINCES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)
_REGION_RE = re.compile(r"^\d{6}$")


def normalise_credit_code(value: str) -> str:
    return uscc.compact(value or "")


def credit_code_error(value: str) -> str | None:
    """None when the code is valid, otherwise the reason in Chinese."""
    try:
        uscc.validate(value)
    except ValidationError:
        return "统一社会信用代码不正确（应为 18 位，且校验位正确）"
    return None


def is_credit_code(value: str) -> bool:
    return credit_code_error(normalise_credit_code(value)) is None


def region_code_error(value: str) -> str | None:
    if not _REGION_RE.match(value or ""):
        return "行政区划代码应为 6 位数字（GB/T 2260）"
    if value[:2] not in _PROVINCES:
        return "行政区划代码的省级部分不存在（GB/T 2260）"
    return None


def phone_error(value: str) -> str | None:
    return None if is_mobile(value) else "请输入正确的中国大陆手机号码"
