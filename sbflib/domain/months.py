"""Months as 'YYYY-MM' strings: parsing and comparison."""

from __future__ import annotations

import re

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def is_month(value: str) -> bool:
    return bool(_MONTH.match(value or ""))


def validate_month(value: str) -> str:
    """Return the month 'YYYY-MM' or raise ValueError with a Chinese reason."""
    value = (value or "").strip()
    if not is_month(value):
        raise ValueError(f"月份“{value}”格式不正确，应为YYYY-MM")
    return value


def add_months(month: str, n: int) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + (mon - 1) + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
