"""Money helpers (sbflib.domain.money): two places, refusals with codes, rounding rules, capitals."""

from decimal import Decimal

import pytest

from sbflib.domain.errors import RuleViolation
from sbflib.domain.money import (
    HALF_UP_TO_FEN,
    UP_TO_JIAO,
    Rounding,
    amount_in_capitals,
    apply_ratio,
    fixed_amount,
    round_money,
    to_money,
)


@pytest.mark.parametrize(("given", "expected"), [
    ("1300", "1300.00"), (1300, "1300.00"), (Decimal("0.2"), "0.20"), (" 12.5 ", "12.50"),
    ("1,234,567.89", "1234567.89"), (".5", "0.50"), ("0", "0.00"),
])
def test_to_money_gives_two_places(given, expected):
    result = to_money(given)
    assert result == Decimal(expected) and str(result) == expected


@pytest.mark.parametrize(("given", "code"), [
    ("12.345", "MONEY_PLACES"), (Decimal("0.001"), "MONEY_PLACES"), ("abc", "MONEY_FORMAT"),
    ("1e3", "MONEY_FORMAT"), ("12,34", "MONEY_FORMAT"), ("", "MONEY_FORMAT"), ("NaN", "MONEY_FORMAT"),
    (Decimal("Infinity"), "MONEY_FORMAT"), (1.5, "MONEY_TYPE"), (True, "MONEY_TYPE"),
    ("-1", "MONEY_NEGATIVE"), ("10000000000000000", "MONEY_TOO_LARGE"),
])
def test_to_money_refuses_with_a_code_and_a_chinese_message(given, code):
    with pytest.raises(RuleViolation) as info:
        to_money(given)
    assert info.value.code == code
    assert "金额" in info.value.message and info.value.field == "金额"


def test_negative_amounts_only_when_asked():
    assert to_money("-0.50", negative=True) == Decimal("-0.50")


def test_half_up_to_the_fen_is_the_default():
    assert round_money(Decimal("0.125")) == Decimal("0.13")
    assert round_money(Decimal("0.124999")) == Decimal("0.12")
    assert round_money(Decimal("-0.125")) == Decimal("-0.13")  # half away from zero
    assert str(round_money(7)) == "7.00"


def test_round_up_to_the_jiao_carries_any_fen():
    assert round_money(Decimal("590.72"), UP_TO_JIAO) == Decimal("590.80")
    assert round_money(Decimal("590.70"), UP_TO_JIAO) == Decimal("590.70")
    assert round_money(Decimal("590.701"), UP_TO_JIAO) == Decimal("590.70")  # less than a fen
    assert round_money(Decimal("590.705"), UP_TO_JIAO) == Decimal("590.80")  # a fen, once rounded


def test_rounding_rules_from_rule_files():
    assert Rounding.from_rule({"mode": "ROUND_HALF_UP", "unit": "0.01"}) == HALF_UP_TO_FEN
    assert Rounding.from_rule({"mode": "ROUND_UP", "unit": "0.1"}) == UP_TO_JIAO
    assert UP_TO_JIAO.label == "见分进角"
    with pytest.raises(RuleViolation) as info:
        Rounding.from_rule({"mode": "ROUND_HALF_EVEN", "unit": "0.01"})
    assert info.value.code == "ROUNDING_UNKNOWN"
    with pytest.raises(RuleViolation):
        Rounding.from_rule({"mode": "ROUND_UP", "unit": "0.05"})


def test_floats_are_refused_when_rounding():
    with pytest.raises(RuleViolation):
        round_money(0.1)  # type: ignore[arg-type]


def test_ratio_and_fixed_amount_as_the_manual():
    assert apply_ratio(Decimal("1000.00"), 120) == Decimal("1200.00")
    assert fixed_amount(1300) == Decimal("1300.00") and str(fixed_amount("1300")) == "1300.00"
    assert apply_ratio("7384", "0.5", UP_TO_JIAO) == Decimal("37.00")  # 36.92 carries to the jiao
    with pytest.raises(RuleViolation) as info:
        apply_ratio("1000", "abc")
    assert info.value.code == "RATIO_FORMAT"


@pytest.mark.parametrize(("amount", "words"), [
    ("3533.34", "人民币叁仟伍佰叁拾叁元叁角肆分"),
    ("0.20", "人民币贰角整"),
    ("0.00", "人民币零元整"),
    ("10", "人民币壹拾元整"),
    ("1005.00", "人民币壹仟零伍元整"),
    ("1000.05", "人民币壹仟元零伍分"),
    ("1010.50", "人民币壹仟零壹拾元伍角整"),
    ("100000000", "人民币壹亿元整"),
    ("36921.00", "人民币叁万陆仟玖佰贰拾壹元整"),
    ("7384.07", "人民币柒仟叁佰捌拾肆元零柒分"),
])
def test_amount_in_capitals(amount, words):
    assert amount_in_capitals(amount) == words


def test_amount_in_capitals_refuses_what_is_no_amount():
    with pytest.raises(RuleViolation):
        amount_in_capitals("-1")
    with pytest.raises(RuleViolation):
        amount_in_capitals("1.234")
