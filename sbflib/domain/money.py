"""Money: Decimal yuan with at most two places, rounding by a region's rule, amounts in capitals.

Money is always `decimal.Decimal` (never float) with two places, as `DECIMAL(18,2)` in DuckDB.
Rounding is ROUND_HALF_UP to the fen unless a region's rule file says otherwise: some regions
round up to the jiao ("见分进角": any fen carries the jiao up).

>>> to_money("1300")
Decimal('1300.00')
>>> round_money(Decimal("36.92"), Rounding.from_rule({"mode": "ROUND_UP", "unit": "0.1"}))
Decimal('37.00')
>>> amount_in_capitals(Decimal("3533.34"))
'人民币叁仟伍佰叁拾叁元叁角肆分'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation
from typing import Any

from .errors import RuleViolation

__all__ = [
    "FEN",
    "HALF_UP_TO_FEN",
    "JIAO",
    "UP_TO_JIAO",
    "Rounding",
    "amount_in_capitals",
    "apply_ratio",
    "fixed_amount",
    "format_money",
    "round_money",
    "to_money",
]

FEN = Decimal("0.01")
JIAO = Decimal("0.1")
YUAN = Decimal(1)

_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
# Amounts fit DECIMAL(18,2): 16 digits before the point.
_LIMIT = Decimal("1e16")


def to_money(value: str | int | Decimal, *, field: str = "金额", negative: bool = False) -> Decimal:
    """An amount as Decimal with two places; more than two places, text that is no number, a float
    or (unless `negative`) a negative amount is refused with a RuleViolation.

    >>> to_money("1,234.5")
    Decimal('1234.50')
    >>> to_money(1300), to_money(Decimal("0.2"))
    (Decimal('1300.00'), Decimal('0.20'))
    >>> to_money("12.345")
    Traceback (most recent call last):
    ...
    sbflib.domain.errors.RuleViolation: 金额最多保留两位小数（到分）
    >>> to_money("一百")
    Traceback (most recent call last):
    ...
    sbflib.domain.errors.RuleViolation: 金额“一百”不是有效的数字
    >>> to_money("-5", negative=True)
    Decimal('-5.00')
    """
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        # A float has already lost the fen: 0.1 + 0.2 is not 0.3.
        raise RuleViolation("MONEY_TYPE", f"{field}应以文本或整数给出，不能使用浮点数", field=field)
    if isinstance(value, str):
        text = value.strip()
        if _GROUPED.match(text):
            text = text.replace(",", "")
        if not _PLAIN.match(text):
            raise RuleViolation("MONEY_FORMAT", f"{field}“{value}”不是有效的数字", field=field)
        try:
            amount = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern lets only numbers through
            raise RuleViolation("MONEY_FORMAT", f"{field}“{value}”不是有效的数字", field=field) from None
    else:
        amount = Decimal(value)
    if not amount.is_finite():
        raise RuleViolation("MONEY_FORMAT", f"{field}“{value}”不是有效的数字", field=field)
    if amount != amount.quantize(FEN, rounding=ROUND_DOWN):
        raise RuleViolation("MONEY_PLACES", f"{field}最多保留两位小数（到分）", field=field)
    if amount < 0 and not negative:
        raise RuleViolation("MONEY_NEGATIVE", f"{field}不能为负数", field=field)
    if abs(amount) >= _LIMIT:
        raise RuleViolation("MONEY_TOO_LARGE", f"{field}超出允许的范围", field=field)
    return amount.quantize(FEN)


_MODES = {"ROUND_HALF_UP": ROUND_HALF_UP, "ROUND_UP": ROUND_UP, "ROUND_DOWN": ROUND_DOWN}
_UNITS = {FEN, JIAO, YUAN}
_LABELS = {
    ("ROUND_HALF_UP", FEN): "四舍五入到分",
    ("ROUND_UP", JIAO): "见分进角",
    ("ROUND_HALF_UP", JIAO): "四舍五入到角",
    ("ROUND_DOWN", JIAO): "舍分到角",
    ("ROUND_HALF_UP", YUAN): "四舍五入到元",
    ("ROUND_UP", YUAN): "见角进元",
    ("ROUND_DOWN", YUAN): "舍角到元",
}


@dataclass(frozen=True)
class Rounding:
    """A region's rounding rule: a decimal mode and the unit it rounds to (0.01, 0.1 or 1 yuan).

    >>> Rounding.from_rule({"mode": "ROUND_UP", "unit": "0.1"}).label
    '见分进角'
    >>> Rounding.from_rule(None) == HALF_UP_TO_FEN
    True
    """

    mode: str = "ROUND_HALF_UP"
    unit: Decimal = FEN

    def __post_init__(self) -> None:
        if self.mode not in _MODES or self.unit not in _UNITS:
            raise RuleViolation(
                "ROUNDING_UNKNOWN", f"不支持的舍入规则：{self.mode}（单位{self.unit}）", field="rounding"
            )

    @classmethod
    def from_rule(cls, rule: Mapping[str, Any] | None) -> Rounding:
        """The `rounding` object of a rule file ({"mode": ..., "unit": ...}); absent: half up to the fen.

        >>> Rounding.from_rule({"mode": "ROUND_HALF_UP", "unit": "0.01"})
        Rounding(mode='ROUND_HALF_UP', unit=Decimal('0.01'))
        """
        if not rule:
            return cls()
        try:
            unit = Decimal(str(rule.get("unit", "0.01")))
        except InvalidOperation:
            raise RuleViolation("ROUNDING_UNKNOWN", "舍入规则的单位不是有效的数字", field="rounding") from None
        return cls(str(rule.get("mode", "ROUND_HALF_UP")), unit)

    @property
    def label(self) -> str:
        """The rule in a clerk's words.

        >>> HALF_UP_TO_FEN.label
        '四舍五入到分'
        """
        return _LABELS.get((self.mode, self.unit), f"{self.mode}/{self.unit}")


HALF_UP_TO_FEN = Rounding("ROUND_HALF_UP", FEN)
UP_TO_JIAO = Rounding("ROUND_UP", JIAO)


def round_money(value: Decimal | int, rounding: Rounding = HALF_UP_TO_FEN) -> Decimal:
    """Round a computed amount by the region's rule; the result always has two places.

    Half-up rules round the exact value once. Up and down rules ("见分进角") act on the amount
    first rounded half up to the fen: a fraction of a fen is no fen to "see".

    >>> round_money(Decimal("1.005")), round_money(Decimal("-1.005"))
    (Decimal('1.01'), Decimal('-1.01'))
    >>> round_money(Decimal("36.92"), UP_TO_JIAO), round_money(Decimal("36.90"), UP_TO_JIAO)
    (Decimal('37.00'), Decimal('36.90'))
    >>> round_money(Decimal("36.9004"), UP_TO_JIAO)
    Decimal('36.90')
    >>> round_money(Decimal("0.049"), Rounding("ROUND_HALF_UP", JIAO))
    Decimal('0.00')
    """
    if not isinstance(value, Decimal | int) or isinstance(value, bool):
        raise RuleViolation("MONEY_TYPE", "金额应为Decimal或整数，不能使用浮点数", field="金额")
    amount = Decimal(value)
    if rounding.mode == "ROUND_HALF_UP":
        rounded = amount.quantize(rounding.unit, rounding=ROUND_HALF_UP)
    else:
        to_fen = amount.quantize(FEN, rounding=ROUND_HALF_UP)
        rounded = to_fen.quantize(rounding.unit, rounding=_MODES[rounding.mode])
    return rounded.quantize(FEN)


def apply_ratio(amount: Decimal | str | int, percent: Decimal | str | int,
                rounding: Rounding = HALF_UP_TO_FEN) -> Decimal:
    """按比率: `percent` % of `amount`, rounded by `rounding` (the manual: 120% of 1000.00 is 1200.00).

    >>> apply_ratio(Decimal("1000.00"), 120)
    Decimal('1200.00')
    >>> apply_ratio("3333.33", "60")
    Decimal('2000.00')
    >>> apply_ratio("1000", "-5")
    Traceback (most recent call last):
    ...
    sbflib.domain.errors.RuleViolation: 比率不能为负数
    """
    base = to_money(amount)
    if isinstance(percent, bool) or not isinstance(percent, str | int | Decimal):
        raise RuleViolation("RATIO_FORMAT", "比率应以文本、整数或Decimal给出", field="比率")
    try:
        pct = Decimal(percent.strip() if isinstance(percent, str) else percent)
    except InvalidOperation:
        raise RuleViolation("RATIO_FORMAT", f"比率“{percent}”不是有效的数字", field="比率") from None
    if not pct.is_finite():
        raise RuleViolation("RATIO_FORMAT", f"比率“{percent}”不是有效的数字", field="比率")
    if pct < 0:
        raise RuleViolation("RATIO_NEGATIVE", "比率不能为负数", field="比率")
    return round_money(base * pct / 100, rounding)


def fixed_amount(value: str | int | Decimal) -> Decimal:
    """按固定金额: the amount as given, with two places (the manual: 1300 is 1300.00).

    >>> fixed_amount("1300")
    Decimal('1300.00')
    """
    return to_money(value, field="固定金额")


def format_money(value: Decimal) -> str:
    """An amount for a table or printout, with thousands separators and two places.

    >>> format_money(Decimal("3533.34")), format_money(Decimal("0.2")), format_money(Decimal("-1200"))
    ('3,533.34', '0.20', '-1,200.00')
    """
    return f"{Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP):,.2f}"


def amount_in_capitals(value: Decimal | str | int) -> str:
    """An amount in Chinese capitals for printed documents (大写金额), as 会计基础工作规范 writes it:
    "人民币" before it, "整" after an amount that ends at the yuan or the jiao, one "零" for a run
    of zeros. `sbflib.domain.capitals.to_capitals(value, prefix=True)`; a negative amount is refused.

    >>> amount_in_capitals(Decimal("3533.34"))
    '人民币叁仟伍佰叁拾叁元叁角肆分'
    >>> amount_in_capitals("0.20")
    '人民币贰角整'
    >>> amount_in_capitals("1000"), amount_in_capitals("0")
    ('人民币壹仟元整', '人民币零元整')
    >>> amount_in_capitals("100010.05"), amount_in_capitals("0.05")
    ('人民币壹拾万零壹拾元零伍分', '人民币伍分')
    >>> amount_in_capitals("120000000.10")
    '人民币壹亿贰仟万元壹角整'
    """
    from sbflib.domain.capitals import to_capitals  # one writer of capitals (cn2an is loaded there, on use)

    return to_capitals(value, prefix=True)
