"""Dates on certificates: the China calendar day, and the end of validity."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta, timezone

# China keeps one offset all year (no daylight saving): a fixed zone needs no tzdata in the image.
CHINA = timezone(timedelta(hours=8), "CST")


def china_today(now: datetime) -> date:
    return now.astimezone(CHINA).date()


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_until(issued_on: date, months: int) -> date:
    """The last day in force: issued 2024-01-15 for 36 months → valid through 2027-01-14."""
    return add_months(issued_on, months) - timedelta(days=1)


def is_past(valid_until_day: date, today: date) -> bool:
    """Expired from the day after the last valid day."""
    return today > valid_until_day
