"""Exact numbers for indicator values and thresholds.

Values reach us as JSON numbers, decimal strings or spreadsheet cells. Everything becomes a
``Decimal`` before any comparison, so ``0.1 + 0.2`` style surprises cannot move a value across a
threshold. A JSON float is converted through its shortest ``repr`` ("0.1", not the binary
expansion), which is the number the person typed.

Magnitude and precision are bounded (15 integer digits, 10 decimals): every subtraction of two such
numbers is then exact within the default 28-digit context, so a margin is never rounded.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_INTEGER_DIGITS = 15
MAX_FRACTION_DIGITS = 10

# A plain decimal literal: optional sign, digits, optional fraction. Exponents, thousands separators,
# "NaN" and "Infinity" are refused on purpose: nobody publishes an indicator value like that.
_DECIMAL_TEXT = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$", re.ASCII)


class NotANumber(ValueError):
    """The input is not a finite decimal number."""


class TooPrecise(ValueError):
    """The number has more digits than an indicator value can carry."""


def to_decimal(raw: Any) -> Decimal:
    """Convert one client value to an exact ``Decimal`` or raise ``NotANumber``/``TooPrecise``."""
    if isinstance(raw, bool) or raw is None:
        # bool is an int in Python; true/false is never a measured value
        raise NotANumber(repr(raw))
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        if not math.isfinite(raw):
            raise NotANumber(repr(raw))
        value = Decimal(repr(raw))
    elif isinstance(raw, str):
        # NFKC turns full-width digits typed with a Chinese input method ("１２．５") into ASCII
        text = (raw if raw.isascii() else unicodedata.normalize("NFKC", raw)).strip()
        if not _DECIMAL_TEXT.match(text):
            raise NotANumber(raw)
        try:
            value = Decimal(text)
        except InvalidOperation as exc:  # pragma: no cover - the pattern already guarantees a literal
            raise NotANumber(raw) from exc
    else:
        raise NotANumber(repr(raw))
    if not value.is_finite():
        raise NotANumber(repr(raw))
    return _bounded(value, raw)


def _bounded(value: Decimal, raw: Any) -> Decimal:
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    fraction_digits = max(0, -exponent)
    integer_digits = max(0, len(digits) + exponent)
    if fraction_digits > MAX_FRACTION_DIGITS or integer_digits > MAX_INTEGER_DIGITS:
        raise TooPrecise(repr(raw))
    return value


def plain(value: Decimal) -> str:
    """The decimal as people write it: never scientific notation, trailing zeros kept as given."""
    if value.is_zero():
        value = value.copy_abs()  # "-0.0" reads as a fault to people
    return format(value, "f")
