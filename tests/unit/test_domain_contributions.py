"""Contribution arithmetic (sbflib.domain.contributions) over the shipped rules and small documents."""

import random
from decimal import ROUND_HALF_UP, ROUND_UP, Decimal

import pytest

from sbflib.bureau.rules import contribution_rules
from sbflib.domain.contributions import contribution, contribution_amount, contribution_base, contributions
from sbflib.domain.errors import RuleViolation
from sbflib.domain.money import UP_TO_JIAO
from sbflib.domain.rules import BaseLimits, ContributionRules


def _rules(rounding=None):
    doc = {
        "kind": "contribution",
        "bases": [{"valid_from": "2025-07", "floor": "4462", "cap": "22311"},
                  {"valid_from": "2026-07", "floor": "4612", "cap": "23061"}],
        "rates": [{"item_code": "10201", "payer": "unit", "rate": "0.16", "valid_from": "2019-05"},
                  {"item_code": "10201", "payer": "personal", "rate": "0.08", "valid_from": "2019-05"},
                  {"item_code": "10202", "payer": "personal", "rate": "0.005", "valid_from": "2019-05"},
                  {"item_code": "10204", "payer": "unit", "rate": "by_class", "valid_from": "2015-10"}],
        "work_injury": {"classes": {"1": "0.002", "5": "0.011"}},
    }
    if rounding:
        doc["rounding"] = rounding
    return ContributionRules.from_document(doc)


def test_base_is_the_wage_between_floor_and_cap_of_that_month():
    rules = _rules()
    assert contribution(rules, "2026-06", "10201", "unit", "3000").base == Decimal("4462.00")
    assert contribution(rules, "2026-07", "10201", "unit", "3000").base == Decimal("4612.00")
    assert contribution(rules, "2026-06", "10201", "unit", "99999").base == Decimal("22311.00")
    assert contribution(rules, "2026-06", "10201", "unit", "8000.55").base == Decimal("8000.55")


def test_amount_is_base_times_rate_half_up_to_the_fen():
    c = contribution(_rules(), "2026-01", "10202", "personal", "4463")
    assert c.amount == Decimal("22.32")  # 4463 x 0.5% = 22.315
    assert contribution_amount(Decimal("4462.00"), Decimal("0.005")) == Decimal("22.31")


def test_amount_rounds_up_to_the_jiao_where_the_region_says_so():
    c = contribution(_rules({"mode": "ROUND_UP", "unit": "0.1"}), "2026-01", "10202", "personal", "4463")
    assert c.amount == Decimal("22.40")


def test_work_injury_by_the_units_class():
    assert contribution(_rules(), "2026-01", "10204", "unit", "10000", injury_class=5).amount == Decimal("110.00")
    with pytest.raises(RuleViolation) as info:
        contribution(_rules(), "2026-01", "10204", "unit", "10000")
    assert info.value.code == "INJURY_CLASS_REQUIRED"


def test_a_month_before_the_rules_is_refused():
    with pytest.raises(RuleViolation) as info:
        contribution(_rules(), "2025-06", "10201", "unit", "5000")
    assert info.value.code == "RULE_NOT_IN_FORCE"
    with pytest.raises(RuleViolation) as info:
        contributions(_rules(), "2025-06", "5000")
    assert info.value.code == "RULE_NOT_IN_FORCE"


def test_wage_must_be_money():
    with pytest.raises(RuleViolation) as info:
        contribution(_rules(), "2026-01", "10201", "unit", "5000.001")
    assert info.value.code == "MONEY_PLACES" and info.value.field == "工资"


def test_against_an_independent_computation_over_many_wages():
    rng = random.Random(5)
    limits = BaseLimits(Decimal(7384), Decimal(36921), "2024-07")
    for _ in range(3000):
        wage = Decimal(rng.randint(0, 6_000_000)) / 100
        rate = Decimal(rng.choice(["0.16", "0.08", "0.005", "0.09", "0.02", "0.0016", "0.0045"]))
        base = min(max(wage, Decimal(7384)), Decimal(36921))
        assert contribution_base(wage, limits) == base
        exact = base * rate
        assert contribution_amount(base, rate) == exact.quantize(Decimal("0.01"), ROUND_HALF_UP)
        fen = exact.quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert contribution_amount(base, rate, UP_TO_JIAO) == fen.quantize(Decimal("0.1"), ROUND_UP)


def test_shanghai_month_on_the_floor():
    parts = {(c.item_code, c.payer): c for c in contributions(contribution_rules("310100"), "2025-03", "5000",
                                                              injury_class=1)}
    assert parts[("10201", "unit")].amount == Decimal("1181.50")  # 7384 x 16% = 1181.44, 见分进角
    assert parts[("10201", "personal")].amount == Decimal("590.80")  # 590.72
    assert parts[("10202", "personal")].amount == Decimal("37.00")  # 36.92
    assert parts[("10201", "unit")].confirmed and not parts[("10204", "unit")].confirmed


def test_shipped_regions_price_the_demo_month():
    for region in ("330100", "440300", "310100"):
        rows = contributions(contribution_rules(region), "2026-11", "12000", injury_class=1)
        assert len(rows) == 10 and all(r.amount >= 0 for r in rows)
