"""Contribution wages (缴费工资申报, manual 2.3-2.6): the new wage, how it is adjusted, its month.

A new wage is money (Decimal, two places) greater than zero and at most `MAX_WAGE`. It is given
directly (单个录入, 外部文件导入, 按固定金额) or as a ratio of the old wage (按比率: 120% of 1000.00 is
1200.00), rounded half up to the fen. A daily filing names its effective month (生效年月): after
the employee's stop month or before the start month it is refused; before the current month it is
allowed but makes back pay (补缴), which the clerk confirms.

>>> apply_adjust(Decimal("1000.00"), Adjust("ratio", Decimal("120")))
Decimal('1200.00')
>>> apply_adjust(Decimal("1000.00"), Adjust("fixed", Decimal("1300")))
Decimal('1300.00')
>>> check_effective_month("2026-09", "2026-11", "2020-01", None).back_pay
True
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Literal

from .errors import RuleViolation
from .money import FEN, apply_ratio, to_money
from .months import is_month

__all__ = [
    "MAX_RATIO",
    "MAX_WAGE",
    "WAGE_FIELD",
    "Adjust",
    "MonthCheck",
    "apply_adjust",
    "check_effective_month",
    "parse_month",
    "parse_wage",
]

AdjustMode = Literal["ratio", "fixed"]

#: The largest wage accepted for one month (a sanity bound: bases are capped far below it).
MAX_WAGE = Decimal("99999999.99")
#: The largest ratio (in percent) accepted for 按比率.
MAX_RATIO = Decimal(1000)
WAGE_FIELD = "新缴费工资"
MONTH_FIELD = "生效年月"
RATIO_FIELD = "比率"
FIXED_FIELD = "固定金额"
_MODES = ("ratio", "fixed")


def parse_wage(value: str | int | Decimal, *, field: str = WAGE_FIELD) -> Decimal:
    """A new wage as typed: a positive amount with at most two decimals, at most `MAX_WAGE`.

    Refuses with a RuleViolation naming `field`: WAGE_EMPTY, MONEY_FORMAT (text, NaN, inf, a
    float), MONEY_PLACES, WAGE_NOT_POSITIVE (zero or negative), WAGE_TOO_LARGE.

    >>> parse_wage("1300"), parse_wage(" 1,234.5 "), parse_wage(Decimal("0.01"))
    (Decimal('1300.00'), Decimal('1234.50'), Decimal('0.01'))
    >>> parse_wage("0")
    Traceback (most recent call last):
    ...
    sbflib.domain.errors.RuleViolation: 新缴费工资必须大于0
    >>> parse_wage("12.345")
    Traceback (most recent call last):
    ...
    sbflib.domain.errors.RuleViolation: 新缴费工资最多保留两位小数（到分）
    >>> parse_wage("三千", field="基本养老保险费缴费工资")
    Traceback (most recent call last):
    ...
    sbflib.domain.errors.RuleViolation: 基本养老保险费缴费工资“三千”不是有效的数字
    """
    if isinstance(value, str) and not value.strip():
        raise RuleViolation("WAGE_EMPTY", f"{field}不能为空", field=field)
    if isinstance(value, float):
        raise RuleViolation("MONEY_FORMAT", f"{field}“{value}”不是有效的数字", field=field)
    amount = to_money(value, field=field, negative=True)
    if amount <= 0:
        raise RuleViolation("WAGE_NOT_POSITIVE", f"{field}必须大于0", field=field)
    if amount > MAX_WAGE:
        raise RuleViolation("WAGE_TOO_LARGE", f"{field}不能超过{MAX_WAGE}元", field=field)
    return amount


@dataclass(frozen=True)
class Adjust:
    """How added or batch-changed rows get their new wage: 按比率 (`value` in percent, 120 = 120%)
    or 按固定金额 (`value` the wage itself). The value is checked and normalised on creation.

    >>> Adjust("ratio", "120").value, Adjust("fixed", 1300).value
    (Decimal('120'), Decimal('1300.00'))
    >>> Adjust("ratio", "0")
    Traceback (most recent call last):
    ...
    sbflib.domain.errors.RuleViolation: 比率必须大于0
    >>> Adjust("ratio", "120").label, Adjust("fixed", "1300").label
    ('按比率120%', '按固定金额1300.00元')
    """

    mode: AdjustMode
    value: Decimal

    def __post_init__(self) -> None:
        if self.mode not in _MODES:
            raise RuleViolation("ADJUST_MODE", "缴费工资调整方式应为按比率或按固定金额", field="调整方式")
        if self.mode == "fixed":
            object.__setattr__(self, "value", parse_wage(self.value, field=FIXED_FIELD))
        else:
            object.__setattr__(self, "value", _ratio(self.value))

    @classmethod
    def ratio(cls, percent: Decimal | str | int) -> Adjust:
        """按比率 `percent` %.

        >>> Adjust.ratio(120) == Adjust("ratio", Decimal("120.00"))
        True
        """
        return cls("ratio", percent)  # type: ignore[arg-type]

    @classmethod
    def fixed(cls, amount: Decimal | str | int) -> Adjust:
        """按固定金额 `amount` 元."""
        return cls("fixed", amount)  # type: ignore[arg-type]

    @property
    def label(self) -> str:
        """The adjustment in a clerk's words."""
        if self.mode == "ratio":
            return f"按比率{self.value.normalize():f}%"
        return f"按固定金额{self.value}元"


def _ratio(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise RuleViolation("RATIO_FORMAT", "比率应以文本、整数或Decimal给出", field=RATIO_FIELD)
    text = value.strip().removesuffix("%").strip() if isinstance(value, str) else value
    try:
        pct = Decimal(text)
    except InvalidOperation:
        raise RuleViolation("RATIO_FORMAT", f"比率“{value}”不是有效的数字", field=RATIO_FIELD) from None
    if not pct.is_finite():
        raise RuleViolation("RATIO_FORMAT", f"比率“{value}”不是有效的数字", field=RATIO_FIELD)
    if pct <= 0:
        raise RuleViolation("RATIO_NOT_POSITIVE", "比率必须大于0", field=RATIO_FIELD)
    if pct > MAX_RATIO:
        raise RuleViolation("RATIO_TOO_LARGE", f"比率不能超过{MAX_RATIO}%", field=RATIO_FIELD)
    if pct != pct.quantize(FEN, rounding=ROUND_DOWN):
        raise RuleViolation("RATIO_PLACES", "比率最多保留两位小数", field=RATIO_FIELD)
    return pct


def apply_adjust(old: Decimal | None, adjust: Adjust) -> Decimal:
    """The new wage: `adjust.value` % of `old` rounded half up to the fen, or the fixed amount.

    A ratio needs an old wage, and its result must itself be a valid wage (> 0, <= MAX_WAGE).

    >>> apply_adjust(Decimal("3333.33"), Adjust.ratio("33.33"))
    Decimal('1111.00')
    >>> apply_adjust(Decimal("1000.00"), Adjust.ratio("100.5"))
    Decimal('1005.00')
    >>> apply_adjust(Decimal("0.01"), Adjust.ratio("10"))
    Traceback (most recent call last):
    ...
    sbflib.domain.errors.RuleViolation: 按比率调整后的新缴费工资必须大于0
    >>> apply_adjust(None, Adjust.fixed("1300"))
    Decimal('1300.00')
    """
    if adjust.mode == "fixed":
        return adjust.value
    if old is None:
        raise RuleViolation("NO_OLD_WAGE", "该职工没有原缴费工资，不能按比率调整，请按固定金额填写", field=WAGE_FIELD)
    new = apply_ratio(old, adjust.value)
    if new <= 0:
        raise RuleViolation("WAGE_NOT_POSITIVE", "按比率调整后的新缴费工资必须大于0", field=WAGE_FIELD)
    if new > MAX_WAGE:
        raise RuleViolation("WAGE_TOO_LARGE", f"按比率调整后的新缴费工资超过{MAX_WAGE}元", field=WAGE_FIELD)
    return new


def parse_month(value: str, *, field: str = MONTH_FIELD) -> str:
    """An effective month as typed: 'YYYY-MM' (spaces around it dropped).

    >>> parse_month(" 2026-11 ")
    '2026-11'
    >>> parse_month("2026-13")
    Traceback (most recent call last):
    ...
    sbflib.domain.errors.RuleViolation: 生效年月“2026-13”格式不正确，应为YYYY-MM（如2026-01）
    """
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise RuleViolation("MONTH_EMPTY", f"{field}不能为空", field=field)
    if not is_month(text):
        raise RuleViolation("MONTH_FORMAT", f"{field}“{text}”格式不正确，应为YYYY-MM（如2026-01）", field=field)
    return text


@dataclass(frozen=True)
class MonthCheck:
    """An accepted effective month; `back_pay` when it is before the current month (补缴: the
    clerk confirms `message` first)."""

    month: str
    back_pay: bool
    message: str = ""


def month_after_stop(month: str, stop_month: str | None) -> bool:
    """True when `month` is after the stop month (no stop month: never). The io checks use the
    same comparison on whole columns.

    >>> month_after_stop("2026-12", "2026-11"), month_after_stop("2026-11", "2026-11"), month_after_stop("2030-01", "")
    (True, False, False)
    """
    return bool(stop_month) and is_month(stop_month or "") and month > (stop_month or "")


def month_before_start(month: str, start_month: str | None) -> bool:
    """True when `month` is before the start month (no start month: never).

    >>> month_before_start("2019-12", "2020-01"), month_before_start("2020-01", "2020-01")
    (True, False)
    """
    return bool(start_month) and is_month(start_month or "") and month < (start_month or "")


def after_stop_message(month: str, stop_month: str) -> str:
    return f"生效年月{month}晚于该职工的终止缴费年月{stop_month}，不能申报"


def before_start_message(month: str, start_month: str) -> str:
    return f"生效年月{month}早于该职工的开始缴费年月{start_month}，不能申报"


def back_pay_message(month: str, current_month: str) -> str:
    return f"生效年月{month}早于当前年月{current_month}，将会产生补缴信息，是否确定？"


def check_effective_month(
    month: str, current_month: str, start_month: str | None, stop_month: str | None
) -> MonthCheck:
    """Check a daily filing's effective month for one employee (manual 2.3.2 二(一)5).

    >>> check_effective_month("2026-11", "2026-11", "2020-01", None)
    MonthCheck(month='2026-11', back_pay=False, message='')
    >>> check_effective_month("2026-10", "2026-11", "2020-01", "2026-12").message
    '生效年月2026-10早于当前年月2026-11，将会产生补缴信息，是否确定？'
    >>> check_effective_month("2027-01", "2026-11", "2020-01", "2026-12")
    Traceback (most recent call last):
    ...
    sbflib.domain.errors.RuleViolation: 生效年月2027-01晚于该职工的终止缴费年月2026-12，不能申报
    >>> check_effective_month("2019-12", "2026-11", "2020-01", None)
    Traceback (most recent call last):
    ...
    sbflib.domain.errors.RuleViolation: 生效年月2019-12早于该职工的开始缴费年月2020-01，不能申报
    """
    month = parse_month(month)
    if month_after_stop(month, stop_month):
        raise RuleViolation("MONTH_AFTER_STOP", after_stop_message(month, stop_month or ""), field=MONTH_FIELD)
    if month_before_start(month, start_month):
        raise RuleViolation("MONTH_BEFORE_START", before_start_message(month, start_month or ""), field=MONTH_FIELD)
    if month < current_month:
        return MonthCheck(month, True, back_pay_message(month, current_month))
    return MonthCheck(month, False)
