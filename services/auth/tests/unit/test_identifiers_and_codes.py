"""Credit codes, phones, region codes and the binding of SMS codes (QUALITY 3)."""

from __future__ import annotations

import pytest
from auth.domain.codes import code_mac, looks_like_code, new_code
from auth.domain.identifiers import (
    credit_code_error,
    is_credit_code,
    normalise_credit_code,
    phone_error,
    region_code_error,
)
from auth.domain.texts import REGISTERED


def test_credit_code_checksum() -> None:
    assert is_credit_code("91110108MA01C2Q57B")
    assert not is_credit_code("91110108MA01C2Q57K")  # wrong check character
    assert not is_credit_code("91110108MA01C2Q5")  # too short
    assert credit_code_error("91110108MA01C2Q57K") is not None
    assert normalise_credit_code(" 91110108ma01c2q57b ") == "91110108MA01C2Q57B"


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("13800001111", True),
        ("19912345678", True),
        ("12800001111", False),
        ("1380000111", False),
        ("+8613800001111", False),
        ("", False),
    ],
)
def test_mainland_mobile(value: str, ok: bool) -> None:
    assert (phone_error(value) is None) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("110108", True),
        ("440300", True),
        ("820000", True),
        ("990000", False),
        ("11010", False),
        ("11010a", False),
        ("1101089", False),
    ],
)
def test_region_code_format(value: str, ok: bool) -> None:
    assert (region_code_error(value) is None) is ok


def test_codes_are_six_digits_and_vary() -> None:
    codes = {new_code() for _ in range(500)}
    assert all(looks_like_code(c) for c in codes)
    assert len(codes) > 450
    assert (
        not looks_like_code("12345") and not looks_like_code("12345a") and not looks_like_code("１２３４５６")
    )


def test_code_mac_is_bound_to_purpose_phone_and_ref() -> None:
    base = {"purpose": "register", "phone": "13800001111", "ref": None, "code": "123456"}
    mac = code_mac("k", **base)
    assert mac == code_mac("k", **base)
    assert mac != code_mac("k", **{**base, "purpose": "reset_password"})
    assert mac != code_mac("k", **{**base, "phone": "13800001112"})
    assert mac != code_mac("k", **{**base, "ref": "r1"})
    assert mac != code_mac("other", **base)
    assert "123456" not in mac


def test_registration_text_is_the_seed_text() -> None:
    text = REGISTERED.format(login_name="91110108MA01C2Q57B", password="Ab3dEf7hJk")
    assert text == (
        "【企业标准领跑者】恭喜您,注册企业标准“领跑者”企业成功,登录名为 91110108MA01C2Q57B, 登录密码为 Ab3dEf7hJk。"
        "登录平台后可进入个人中心修改密码。系统已防止第三方应用恶意读取和使用验证码。切勿泄露他人。"
    )
