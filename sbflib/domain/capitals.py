"""Amounts in Chinese capitals (大写金额) as the official forms print them: 银行端缴费凭证, 税收完税证明,
缴费证明, 申报表.

The rules are those of 《正确填写票据和结算凭证的基本规定》 (中国人民银行): the digits 零壹贰叁肆伍陆柒捌玖
with the units 拾佰仟万亿 and 元角分; "整" after an amount that ends at the yuan or at the jiao (the
manual's voucher prints 0.20 as 贰角整), none after the fen; one "零" for a run of zeros inside the
amount; "零" after 元 when the jiao is 0 and the fen is not (100000.05 → 壹拾万元零伍分); an amount
below one yuan starts at its first non-zero place (0.05 → 伍分); 10 is 壹拾, not 拾. "人民币" goes
before the words when the form has no printed 人民币 in front of the field (`prefix=True`).

The digits come from cn2an's "rmb" mode (maintained, writes the official form), always given the
amount as a two-place decimal string: it truncates a third place and goes wrong on binary floats
(1.36 as a float came out 叁角伍分), so a float, more than two places, a negative amount or text
that is no number is refused here first (`RuleViolation` with the money codes of
`sbflib.domain.money.to_money`: MONEY_TYPE, MONEY_PLACES, MONEY_NEGATIVE, MONEY_FORMAT,
MONEY_TOO_LARGE). cn2an writes 0.20 as 贰角; the 整 is added here.

>>> to_capitals("0.20")
'贰角整'
>>> to_capitals(Decimal("3533.34"))
'叁仟伍佰叁拾叁元叁角肆分'
>>> to_capitals("1200.00"), to_capitals("1200.00", prefix=True)
('壹仟贰佰元整', '人民币壹仟贰佰元整')
>>> to_capitals("0.05"), to_capitals("10.00"), to_capitals("100000.05")
('伍分', '壹拾元整', '壹拾万元零伍分')
>>> to_capitals("1000000000.00"), to_capitals("0.00"), to_capitals(0)
('壹拾亿元整', '零元整', '零元整')
>>> to_capitals("-1.00")
Traceback (most recent call last):
...
sbflib.domain.errors.RuleViolation: 金额不能为负数
>>> to_capitals("1.005")
Traceback (most recent call last):
...
sbflib.domain.errors.RuleViolation: 金额最多保留两位小数（到分）
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sbflib.domain.money import to_money

__all__ = ["RMB_PREFIX", "to_capitals"]

RMB_PREFIX = "人民币"

_cn2an: Any = None


def _an2cn(text: str) -> str:
    global _cn2an
    if _cn2an is None:  # imported on first use: it costs ~90 ms and only printouts need it
        import cn2an

        _cn2an = cn2an
    words: str = _cn2an.an2cn(text, "rmb")
    return words


def to_capitals(amount: Decimal | str | int, *, prefix: bool = False, field: str = "金额") -> str:
    """`amount` (Decimal, a decimal string or an int; never a float) in Chinese capitals, "整"
    after an amount ending at the yuan or the jiao, "人民币" before it when `prefix`. `field` names
    the amount in a refusal ("合计金额不能为负数")."""
    value = to_money(amount, field=field)
    words = _an2cn(format(value, "f"))
    if words.endswith("角"):
        words += "整"
    return RMB_PREFIX + words if prefix else words
