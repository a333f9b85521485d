"""Pay-by dates (缴费期限), days left and late fees (滞纳金) of social insurance fees: pure rules.

The region's rule lives in the `collection` block of its contribution rule file (bureau
`rules/<region>-contribution-*.json`; every figure there names its source or says it is unconfirmed):

- **Pay-by date**: day `pay_by_day` of the month `months_after` the period's last month (杭州: the
  15th of the next month). When `extend_long_holidays`, the days of a run of three or more days off
  that fall between the first of that month and that day extend it by as many days (《中华人民共和国税收
  征收管理法实施细则》第一百零九条: 在期限内有连续3日以上法定休假日的，按休假日天数顺延); then a day that is not
  a working day moves to the next working day (same article: 期限的最后一日是法定休假日的，以休假日期满的次
  日为期限的最后一日). Working days are China's: weekends and public holidays off, the substituted days
  off (调休 休息日) off too, the weekend days worked instead (补班) working days, from the maintained
  `holidays` package (China); years it does not know yet only have weekends off.
- **Late fee**: from the day after the pay-by date, `daily_rate` (0.0005: 《中华人民共和国社会保险法》
  第八十六条 "由社会保险费征收机构责令限期缴纳或者补足，并自欠缴之日起，按日加收万分之五的滞纳金") of the
  amount for each day up to and including the day of payment, rounded half up to the fen, per item.
  `personal_share_exempt`: the personal share the employer withheld carries none (the demo's rule).
- **Deferral (可缓缴)**: the unit share of the `deferral.items` of a unit in one of `deferral.industries`
  may be paid up to `deferral.months` months after its pay-by date (moved to a working day likewise);
  late fees start only after that.

>>> rule = CollectionRule(pay_by_day=15)
>>> pay_by_date("2026-02", rule)          # 2026-03-15 is a Sunday
datetime.date(2026, 3, 16)
>>> pay_by_date("2026-09", rule)          # 国庆 2026-10-01..07 (7 days off) → 10-22, a Thursday
datetime.date(2026, 10, 22)
>>> late_fee(Decimal("100000.00"), dt.date(2026, 12, 15), dt.date(2026, 12, 25), rule)
Decimal('500.00')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

import holidays

from .errors import RuleViolation
from .months import add_months, is_month

__all__ = [
    "CollectionRule",
    "days_left",
    "deferred_until",
    "is_working_day",
    "late_fee",
    "next_working_day",
    "overdue_days",
    "pay_by_date",
]

_FEN = Decimal("0.01")
_LONG_RUN = 3  # 连续3日以上法定休假日


@dataclass(frozen=True)
class CollectionRule:
    """A region's collection rule (the `collection` block of its rule file)."""

    pay_by_day: int = 15
    months_after: int = 1
    extend_long_holidays: bool = True
    daily_rate: Decimal = Decimal("0.0005")
    personal_share_exempt: bool = True
    deferral_items: tuple[str, ...] = ()
    deferral_payer: str = "unit"
    deferral_months: int = 0
    deferral_industries: tuple[str, ...] = field(default=())

    @classmethod
    def from_block(cls, block: Mapping[str, Any] | None) -> CollectionRule:
        """From a rule file's `collection` block; a missing block gives the defaults (15th of the next
        month, 0.05 % a day).

        >>> r = CollectionRule.from_block({"pay_by": {"day": 20, "months_after": 1},
        ...     "late_fee": {"daily_rate": "0.0005", "personal_share_exempt": False},
        ...     "deferral": {"items": ["10201"], "payer": "unit", "months": 3, "industries": ["餐饮业"]}})
        >>> r.pay_by_day, r.daily_rate, r.personal_share_exempt, r.deferral_items, r.deferral_months
        (20, Decimal('0.0005'), False, ('10201',), 3)
        """
        if not block:
            return cls()
        try:
            pay_by = block.get("pay_by") or {}
            fee = block.get("late_fee") or {}
            deferral = block.get("deferral") or {}
            rule = cls(
                pay_by_day=int(pay_by.get("day", 15)),
                months_after=int(pay_by.get("months_after", 1)),
                extend_long_holidays=bool(pay_by.get("extend_long_holidays", True)),
                daily_rate=Decimal(str(fee.get("daily_rate", "0.0005"))),
                personal_share_exempt=bool(fee.get("personal_share_exempt", True)),
                deferral_items=tuple(str(i) for i in deferral.get("items") or ()),
                deferral_payer=str(deferral.get("payer", "unit")),
                deferral_months=int(deferral.get("months", 0)),
                deferral_industries=tuple(str(i) for i in deferral.get("industries") or ()),
            )
        except (TypeError, ValueError, ArithmeticError, AttributeError) as exc:
            raise RuleViolation("RULE_MALFORMED", "规则文件的征收规则（collection）格式不正确") from exc
        if not 1 <= rule.pay_by_day <= 28 or not 0 <= rule.months_after <= 12 or rule.daily_rate < 0:
            raise RuleViolation("RULE_MALFORMED", "规则文件的征收规则（collection）数值超出范围")
        return rule

    def deferrable(self, item_code: str, payer: str, industry: str | None) -> bool:
        """Whether this item and payer of a unit of `industry` may be deferred (可缓缴).

        >>> CollectionRule(deferral_items=("10201",), deferral_months=3,
        ...                deferral_industries=("餐饮业",)).deferrable("10201", "unit", "餐饮业")
        True
        """
        return (self.deferral_months > 0 and item_code in self.deferral_items and payer == self.deferral_payer
                and (industry or "") in self.deferral_industries)


@lru_cache(maxsize=64)
def _calendar(year: int) -> holidays.HolidayBase:
    return holidays.China(years=year, language="zh_CN")


def is_working_day(day: dt.date) -> bool:
    """China's working days: not a public holiday nor a substituted day off (调休 休息日), and not a
    weekend unless it is worked instead (补班).

    >>> is_working_day(dt.date(2026, 10, 7)), is_working_day(dt.date(2026, 10, 10))   # 调休, 补班 Saturday
    (False, True)
    >>> is_working_day(dt.date(2026, 11, 29)), is_working_day(dt.date(2026, 11, 30))  # Sunday, Monday
    (False, True)
    """
    cal = _calendar(day.year)
    if day in cal:
        return False
    if day.weekday() >= 5:
        return day in cal.weekend_workdays
    return True


def next_working_day(day: dt.date) -> dt.date:
    """`day` itself when it is a working day, else the first working day after it.

    >>> next_working_day(dt.date(2026, 10, 1))
    datetime.date(2026, 10, 8)
    """
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def _in_long_run(day: dt.date) -> bool:
    """Whether `day` is a day off inside a run of three or more consecutive days off."""
    if is_working_day(day):
        return False
    start = end = day
    while not is_working_day(start - dt.timedelta(days=1)):
        start -= dt.timedelta(days=1)
    while not is_working_day(end + dt.timedelta(days=1)):
        end += dt.timedelta(days=1)
    return (end - start).days + 1 >= _LONG_RUN


def _month_day(month: str, day: int) -> dt.date:
    return dt.date(int(month[:4]), int(month[5:7]), day)


def pay_by_date(period_end: str, rule: CollectionRule) -> dt.date:
    """The last day to pay the fees of a period ending in `period_end` ('YYYY-MM') without late fee.

    >>> rule = CollectionRule(pay_by_day=15)
    >>> pay_by_date("2026-10", rule), pay_by_date("2026-11", rule)   # 2026-11-15 Sunday; 12-15 Tuesday
    (datetime.date(2026, 11, 16), datetime.date(2026, 12, 15))
    """
    if not isinstance(period_end, str) or not is_month(period_end):
        raise RuleViolation("MONTH_FORMAT", f"月份“{period_end}”格式不正确，应为YYYY-MM", field="费款所属期")
    month = add_months(period_end, rule.months_after)
    nominal = _month_day(month, rule.pay_by_day)
    day = nominal
    if rule.extend_long_holidays:
        first = _month_day(month, 1)
        extra = sum(1 for n in range((nominal - first).days + 1) if _in_long_run(first + dt.timedelta(days=n)))
        day = nominal + dt.timedelta(days=extra)
    return next_working_day(day)


def deferred_until(pay_by: dt.date, rule: CollectionRule) -> dt.date:
    """The make-up deadline of a deferred (缓缴) item whose pay-by date is `pay_by`.

    >>> deferred_until(dt.date(2026, 12, 15), CollectionRule(deferral_months=3))   # 2027-03-15 Monday
    datetime.date(2027, 3, 15)
    """
    month = add_months(pay_by.strftime("%Y-%m"), rule.deferral_months)
    year, mon = int(month[:4]), int(month[5:7])
    last = (dt.date(year + mon // 12, mon % 12 + 1, 1) - dt.timedelta(days=1)).day
    return next_working_day(dt.date(year, mon, min(pay_by.day, last)))


def days_left(pay_by: dt.date, today: dt.date) -> int:
    """Days from `today` to the pay-by date: 0 on the day itself, negative once it has passed.

    >>> days_left(dt.date(2026, 12, 15), dt.date(2026, 11, 27)), days_left(dt.date(2026, 11, 16), dt.date(2026, 11, 27))
    (18, -11)
    """
    return (pay_by - today).days


def overdue_days(pay_by: dt.date, pay_date: dt.date) -> int:
    """Days of late fee when paying on `pay_date`: from the day after the pay-by date up to and
    including the day of payment; 0 when paid by the pay-by date.

    >>> overdue_days(dt.date(2026, 12, 15), dt.date(2026, 12, 15)), overdue_days(dt.date(2026, 12, 15), dt.date(2026, 12, 16))
    (0, 1)
    """
    return max(0, (pay_date - pay_by).days)


def late_fee(amount: Decimal, pay_by: dt.date, pay_date: dt.date, rule: CollectionRule,
             payer: str = "unit") -> Decimal:
    """滞纳金 of one item: amount × daily rate × overdue days, rounded half up to the fen; 0.00 for the
    withheld personal share when the rule exempts it.

    >>> rule = CollectionRule()
    >>> late_fee(Decimal("1280.08"), dt.date(2026, 12, 15), dt.date(2027, 1, 4), rule)   # 20 days: 12.8008
    Decimal('12.80')
    >>> late_fee(Decimal("640.04"), dt.date(2026, 12, 15), dt.date(2027, 1, 4), rule, payer="personal")
    Decimal('0.00')
    """
    if payer != "unit" and rule.personal_share_exempt:
        return Decimal("0.00")
    days = overdue_days(pay_by, pay_date)
    return (Decimal(amount) * rule.daily_rate * days).quantize(_FEN, rounding=ROUND_HALF_UP)
