from decimal import Decimal

import pytest
from benchmark.domain.numbers import NotANumber, TooPrecise, plain, to_decimal


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.45", Decimal("0.45")),
        (" 8.5 ", Decimal("8.5")),
        (0.1, Decimal("0.1")),  # the float's shortest repr, not 0.1000000000000000055511151231257827
        ("１２．５", Decimal("12.5")),  # full-width digits from a Chinese input method
        (36, Decimal(36)),
        ("-2", Decimal(-2)),
        ("+.5", Decimal("0.5")),
        (Decimal("1.50"), Decimal("1.50")),
        ("999999999999999.9999999999", Decimal("999999999999999.9999999999")),
    ],
)
def test_accepts_plain_decimals_exactly(raw, expected):
    value = to_decimal(raw)
    assert value == expected
    assert str(value) == str(expected)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "  ",
        "abc",
        "1,300",
        "1e5",
        "NaN",
        "Infinity",
        "0x10",
        "٣",
        float("nan"),
        float("inf"),
        True,
        False,
        None,
        [1],
        {"v": 1},
    ],
)
def test_refuses_what_is_not_a_plain_number(raw):
    with pytest.raises(NotANumber):
        to_decimal(raw)


# 0.1 + 0.2 is 0.30000000000000004: binary noise is refused rather than silently compared
@pytest.mark.parametrize("raw", ["0.00000000001", "1234567890123456", 1e16, "-1234567890123456.5", 0.1 + 0.2])
def test_refuses_numbers_with_too_many_digits(raw):
    with pytest.raises(TooPrecise):
        to_decimal(raw)


def test_plain_never_uses_scientific_notation_or_negative_zero():
    assert plain(Decimal("1E+2")) == "100"
    assert plain(Decimal("0.0000001")) == "0.0000001"
    assert plain(Decimal("-0.0")) == "0.0"
    assert plain(Decimal("1.50")) == "1.50"
