"""Mainland mobile numbers: validation and masking (138****5678)."""

import re

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def is_mobile(value: str) -> bool:
    return bool(MOBILE_RE.match(value or ""))


def mask(phone: str | None) -> str:
    if not phone:
        return ""
    if len(phone) == 11:
        return f"{phone[:3]}****{phone[7:]}"
    return "*" * len(phone)


def mask_in_text(text: str) -> str:
    return _IN_TEXT.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
