"""Enterprise standard numbers (企业标准号): ``Q/`` + the enterprise code (optionally preceded by the
administrative-region code), a space, the sequence number, a hyphen and the year of issue, e.g.
``Q/MP 102-2021`` or ``Q/320581 ABC 001-2023``. Full-width characters and stray spaces are
normalised first, so ``Ｑ／ｍｐ　102－2021`` is accepted as ``Q/MP 102-2021``."""

from __future__ import annotations

import re
import unicodedata

_PATTERN = re.compile(
    r"^Q/"
    r"(?:(?P<region>\d{6}) )?"
    r"(?P<code>[0-9A-Z][0-9A-Z.]{0,19})"
    r" (?P<seq>\d{1,6}(?:\.\d{1,3})?)"
    r"(?:S)?"
    r"-(?P<year>\d{4})$"
)
MIN_YEAR = 1980


class StandardNumberError(ValueError):
    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def normalise(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw or "").upper()
    text = text.replace("—", "-").replace("–", "-").replace("－", "-")
    text = re.sub(r"\s+", " ", text).strip()
    # "Q / MP 102 - 2021" and "Q/MP102-2021" style slips: tidy the separators we can be sure of
    text = re.sub(r"^Q\s*/\s*", "Q/", text)
    return re.sub(r"\s*-\s*", "-", text)


def validate_standard_no(raw: str, *, this_year: int) -> str:
    """The normalised number, or ``StandardNumberError`` with a message for people."""
    text = normalise(raw)
    if not text:
        raise StandardNumberError("请填写企业标准号")
    if len(text) > 40:
        raise StandardNumberError("企业标准号过长")
    if not text.startswith("Q/"):
        raise StandardNumberError("企业标准号应以“Q/”开头，例如 Q/MP 102-2021")
    match = _PATTERN.match(text)
    if match is None:
        raise StandardNumberError(
            "企业标准号格式不正确，应为“Q/企业代号 顺序号-年号”，例如 Q/MP 102-2021 或 Q/320581 ABC 001-2023"
        )
    year = int(match.group("year"))
    if year < MIN_YEAR or year > this_year:
        raise StandardNumberError(f"企业标准号中的年号 {year} 不正确")
    return text
