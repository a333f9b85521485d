"""Contribution arithmetic (社保费计算): base = wage held between the floor and cap in force that
month; amount = base × rate, rounded by the region's rule.

>>> doc = {"kind": "contribution", "rounding": {"mode": "ROUND_UP", "unit": "0.1"},
...        "bases": [{"valid_from": "2024-07", "floor": "7384", "cap": "36921"}],
...        "rates": [{"item_code": "10202", "payer": "personal", "rate": "0.005", "valid_from": "2024-07"}]}
>>> rules = ContributionRules.from_document(doc)
>>> c = contribution(rules, "2024-07", "10202", "personal", Decimal("5000"))
>>> c.base, c.rate, c.amount
(Decimal('7384.00'), Decimal('0.005'), Decimal('37.00'))
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .money import HALF_UP_TO_FEN, Rounding, round_money, to_money
from .rules import BaseLimits, ContributionRules

__all__ = ["Contribution", "contribution", "contribution_amount", "contribution_base", "contributions"]


def contribution_base(wage: Decimal | str | int, limits: BaseLimits) -> Decimal:
    """缴费基数: the declared wage held between the floor and the cap.

    >>> limits = BaseLimits(Decimal("4462"), Decimal("22311"), "2025-07")
    >>> [contribution_base(w, limits) for w in ("3000", "8000.50", "50000")]
    [Decimal('4462.00'), Decimal('8000.50'), Decimal('22311.00')]
    """
    return limits.clamp(to_money(wage, field="工资"))


def contribution_amount(base: Decimal, rate: Decimal, rounding: Rounding = HALF_UP_TO_FEN) -> Decimal:
    """应缴金额: base × rate, rounded by the region's rule.

    >>> contribution_amount(Decimal("8000.50"), Decimal("0.16"))
    Decimal('1280.08')
    >>> contribution_amount(Decimal("4462.00"), Decimal("0.005"))
    Decimal('22.31')
    """
    return round_money(base * rate, rounding)


@dataclass(frozen=True)
class Contribution:
    """One item and payer for one month: the base, the rate and the amount due."""

    month: str
    item_code: str
    payer: str
    base: Decimal
    rate: Decimal
    amount: Decimal
    confirmed: bool  # False when a figure used is not confirmed by a source


def contribution(
    rules: ContributionRules, month: str, item_code: str, payer: str, wage: Decimal | str | int,
    *, injury_class: int | str | None = None,
) -> Contribution:
    """The contribution of one item and payer in `month` for a declared wage. A month before the
    region's first rules is refused (RULE_NOT_IN_FORCE), never priced with later figures.

    >>> doc = {"kind": "contribution", "bases": [{"valid_from": "2025-07", "floor": "4462", "cap": "22311"}],
    ...        "rates": [{"item_code": "10201", "payer": "unit", "rate": "0.16", "valid_from": "2019-05"}]}
    >>> contribution(ContributionRules.from_document(doc), "2025-07", "10201", "unit", "30000").amount
    Decimal('3569.76')
    >>> contribution(ContributionRules.from_document(doc), "2025-06", "10201", "unit", "30000")
    Traceback (most recent call last):
    ...
    sbflib.domain.errors.RuleViolation: 2025-06没有生效的缴费基数上下限（规则自2025-07起生效）
    """
    limits = rules.base_limits(month, item_code)
    entry = rules.rate_entry(month, item_code, payer)
    rate = rules.rate(month, item_code, payer, injury_class=injury_class)
    base = contribution_base(wage, limits)
    confirmed = limits.confirmed and entry.confirmed and (entry.rate is not None or rules.injury_confirmed)
    return Contribution(month, item_code, payer, base, rate, contribution_amount(base, rate, rules.rounding),
                        confirmed)


def contributions(
    rules: ContributionRules, month: str, wage: Decimal | str | int, *, injury_class: int | str | None = None,
) -> list[Contribution]:
    """Every item and payer with a rate in force in `month`, for one declared wage.

    >>> doc = {"kind": "contribution", "bases": [{"valid_from": "2025-07", "floor": "4462", "cap": "22311"}],
    ...        "rates": [{"item_code": "10201", "payer": "unit", "rate": "0.16", "valid_from": "2019-05"},
    ...                  {"item_code": "10201", "payer": "personal", "rate": "0.08", "valid_from": "2019-05"}]}
    >>> [(c.payer, c.amount) for c in contributions(ContributionRules.from_document(doc), "2026-01", "10000")]
    [('unit', Decimal('1600.00')), ('personal', Decimal('800.00'))]
    """
    return [
        contribution(rules, month, item, payer, wage, injury_class=injury_class)
        for item, payer in rules.items(month)
    ]
