"""Months as 'YYYY-MM' strings: parsing and comparison (strings of this shape sort as months do).

>>> add_months("2026-11", 2)
'2027-01'
"""

from __future__ import annotations

import re

from .errors import RuleViolation

_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")


def is_month(value: str) -> bool:
    """True for a 'YYYY-MM' month.

    >>> is_month("2026-07"), is_month("2026-7"), is_month("2026-13"), is_month("")
    (True, False, False, False)
    """
    return isinstance(value, str) and _MONTH.fullmatch(value) is not None


def validate_month(value: str) -> str:
    """Return the month 'YYYY-MM' (spaces stripped) or refuse it with a Chinese reason.

    >>> validate_month(" 2026-07 ")
    '2026-07'
    >>> validate_month("2026/07")
    Traceback (most recent call last):
    ...
    sbflib.domain.errors.RuleViolation: 月份“2026/07”格式不正确，应为YYYY-MM
    """
    value = (value or "").strip()
    if not is_month(value):
        raise RuleViolation("MONTH_FORMAT", f"月份“{value}”格式不正确，应为YYYY-MM", field="月份")
    return value


def add_months(month: str, n: int) -> str:
    """The month `n` months after `month` (before it when `n` is negative).

    >>> add_months("2026-01", -1), add_months("2024-07", 12), add_months("2024-07", 0)
    ('2025-12', '2025-07', '2024-07')
    """
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + (mon - 1) + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
