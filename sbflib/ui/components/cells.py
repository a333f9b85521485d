"""How a cell value reads in a list: the formatters every page's table uses (one way per kind of value)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd


def text_of(v: Any) -> str:
    """A cell value as plain text ('' for None / NaN).

    >>> text_of(None), text_of(float("nan")), text_of("林婷"), text_of(3)
    ('', '', '林婷', '3')
    """
    if v is None:
        return ""
    try:
        if not isinstance(v, str | list | tuple | dict) and pd.isna(v):
            return ""
    except (TypeError, ValueError):
        pass
    return str(v)


def _decimal_or_text(v: Any, fmt: str) -> str:
    t = text_of(v)
    try:
        return format(Decimal(t), fmt) if t else ""
    except (InvalidOperation, ValueError):
        return t


def money_text(v: Any) -> str:
    """Money in a list, with thousands separators, as the manual's lists show it.

    >>> money_text("67833"), money_text(None)
    ('67,833.00', '')
    """
    return _decimal_or_text(v, ",.2f")


def plain_money_text(v: Any) -> str:
    """Money a clerk edits in the row: no separators.

    >>> plain_money_text("1234.5")
    '1234.50'
    """
    return _decimal_or_text(v, ".2f")


def rate_text(v: Any) -> str:
    """A rate as the bureau writes it, without trailing zeros.

    >>> rate_text("0.160000"), rate_text(0), rate_text(None)
    ('0.16', '0', '')
    """
    t = text_of(v)
    try:
        if not t:
            return ""
        d = Decimal(t)
        return "0" if d == 0 else format(d.normalize(), "f")
    except (InvalidOperation, ValueError):
        return t


def percent_text(v: Any) -> str:
    """A rate as a percentage.

    >>> percent_text("0.16"), percent_text("0.005")
    ('16%', '0.5%')
    """
    t = text_of(v)
    try:
        return f"{(Decimal(t) * 100).normalize():f}%" if t else ""
    except (InvalidOperation, ValueError):
        return t


def date_text(v: Any) -> str:
    """A date or time stamp as its date.

    >>> date_text("2026-11-27 08:00:00")
    '2026-11-27'
    """
    return text_of(v)[:10]
