"""Wage rules (sbflib.domain.wages): adjusting by ratio or fixed amount, new wages, effective months."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sbflib.domain.errors import RuleViolation
from sbflib.domain.wages import (
    MAX_WAGE,
    Adjust,
    MonthCheck,
    apply_adjust,
    check_effective_month,
    parse_month,
    parse_wage,
)

# ------------------------------------------------------------------------------------------ adjust


@pytest.mark.parametrize(("old", "percent", "expected"), [
    ("1000.00", "120", "1200.00"),     # the manual's example
    ("1000.00", 100, "1000.00"),
    ("3333.33", "60", "2000.00"),      # 1999.998 -> 2000.00
    ("1000.05", "50", "500.03"),       # 500.025 half up -> 500.03
    ("1000.01", "50", "500.01"),       # 500.005 half up -> 500.01
    ("0.01", "150", "0.02"),           # 0.015 -> 0.02
    ("8888.88", "33.33", "2962.66"),   # 2962.663704 -> 2962.66
    ("1234.56", "1000", "12345.60"),
])
def test_ratio_rounds_half_up_to_the_fen(old, percent, expected):
    result = apply_adjust(Decimal(old), Adjust.ratio(percent))
    assert result == Decimal(expected) and str(result) == expected


@pytest.mark.parametrize(("value", "expected"), [("1300", "1300.00"), (1300, "1300.00"), (Decimal("1300.5"), "1300.50")])
def test_fixed_amount_is_the_new_wage_whatever_the_old(value, expected):
    adjust = Adjust.fixed(value)
    assert str(apply_adjust(Decimal("1000.00"), adjust)) == expected
    assert str(apply_adjust(None, adjust)) == expected


@pytest.mark.parametrize(("percent", "code"), [
    ("0", "RATIO_NOT_POSITIVE"), ("-5", "RATIO_NOT_POSITIVE"), ("1000.01", "RATIO_TOO_LARGE"),
    ("1e9", "RATIO_TOO_LARGE"), ("abc", "RATIO_FORMAT"), ("NaN", "RATIO_FORMAT"), ("Infinity", "RATIO_FORMAT"),
    ("", "RATIO_FORMAT"), ("120.001", "RATIO_PLACES"), (1.2, "RATIO_FORMAT"), (True, "RATIO_FORMAT"),
])
def test_a_bad_ratio_is_refused_when_the_adjustment_is_made(percent, code):
    with pytest.raises(RuleViolation) as info:
        Adjust("ratio", percent)
    assert info.value.code == code and info.value.field == "比率"
    assert info.value.message.isascii() is False


def test_ratio_accepts_a_percent_sign_and_keeps_the_value():
    assert Adjust.ratio("120%").value == Decimal(120)
    assert Adjust.ratio("120%") == Adjust("ratio", Decimal(120))


@pytest.mark.parametrize(("amount", "code"), [("0", "WAGE_NOT_POSITIVE"), ("-1", "WAGE_NOT_POSITIVE"),
                                               ("1.234", "MONEY_PLACES"), ("x", "MONEY_FORMAT")])
def test_a_bad_fixed_amount_is_refused(amount, code):
    with pytest.raises(RuleViolation) as info:
        Adjust.fixed(amount)
    assert info.value.code == code and info.value.field == "固定金额"


def test_unknown_mode_is_refused():
    with pytest.raises(RuleViolation) as info:
        Adjust("percent", Decimal(1))  # type: ignore[arg-type]
    assert info.value.code == "ADJUST_MODE"


def test_ratio_needs_an_old_wage_and_a_positive_result():
    with pytest.raises(RuleViolation) as info:
        apply_adjust(None, Adjust.ratio(120))
    assert info.value.code == "NO_OLD_WAGE"
    with pytest.raises(RuleViolation) as info:
        apply_adjust(Decimal("0.01"), Adjust.ratio(10))
    assert info.value.code == "WAGE_NOT_POSITIVE"
    with pytest.raises(RuleViolation) as info:
        apply_adjust(Decimal("99999999.99"), Adjust.ratio(200))
    assert info.value.code == "WAGE_TOO_LARGE"


@given(st.integers(min_value=1, max_value=10**9), st.integers(min_value=1, max_value=100_000))
def test_ratio_equals_exact_arithmetic_rounded_half_up(old_fen, pct_hundredths):
    old = Decimal(old_fen) / 100
    pct = Decimal(pct_hundredths) / 100
    exact = old * pct / 100
    # half up to the fen, by integer arithmetic: floor(x * 100 + 1/2)
    num = old_fen * pct_hundredths            # exact * 10**6 ... in fen: num / 10**4
    expected_fen = (2 * num + 10**4) // (2 * 10**4)
    try:
        result = apply_adjust(old, Adjust.ratio(pct))
    except RuleViolation as exc:
        assert exc.code in ("WAGE_NOT_POSITIVE", "WAGE_TOO_LARGE")
        assert expected_fen == 0 or exact > MAX_WAGE
        return
    assert result == Decimal(expected_fen) / 100
    assert result.as_tuple().exponent == -2


# -------------------------------------------------------------------------------------------- wage


@pytest.mark.parametrize(("text", "expected"), [
    ("1300", "1300.00"), (" 1234.5 ", "1234.50"), ("1,234.56", "1234.56"), ("0.01", "0.01"),
    ("99999999.99", "99999999.99"), (1300, "1300.00"), (Decimal("7.10"), "7.10"), ("5.000", "5.00"),
])
def test_parse_wage_accepts_positive_amounts_with_two_places(text, expected):
    assert str(parse_wage(text)) == expected


@pytest.mark.parametrize(("text", "code"), [
    ("", "WAGE_EMPTY"), ("  ", "WAGE_EMPTY"), ("0", "WAGE_NOT_POSITIVE"), ("0.00", "WAGE_NOT_POSITIVE"),
    ("-100", "WAGE_NOT_POSITIVE"), ("-0.01", "WAGE_NOT_POSITIVE"), ("12.345", "MONEY_PLACES"),
    ("abc", "MONEY_FORMAT"), ("一千", "MONEY_FORMAT"), ("NaN", "MONEY_FORMAT"), ("nan", "MONEY_FORMAT"),
    ("inf", "MONEY_FORMAT"), ("-inf", "MONEY_FORMAT"), ("1e3", "MONEY_FORMAT"), ("12,34", "MONEY_FORMAT"),
    ("100000000", "WAGE_TOO_LARGE"), ("99999999999999999999", "MONEY_TOO_LARGE"),
    (Decimal("NaN"), "MONEY_FORMAT"), (Decimal("Infinity"), "MONEY_FORMAT"), (1.5, "MONEY_FORMAT"),
    (True, "MONEY_TYPE"), (0, "WAGE_NOT_POSITIVE"),
])
def test_parse_wage_refuses_with_the_field_named(text, code):
    with pytest.raises(RuleViolation) as info:
        parse_wage(text, field="基本养老保险费缴费工资")
    assert info.value.code == code
    assert info.value.field == "基本养老保险费缴费工资"
    assert "基本养老保险费缴费工资" in info.value.message


@given(st.text(max_size=12))
def test_parse_wage_never_raises_anything_but_a_rule_violation(text):
    try:
        value = parse_wage(text)
    except RuleViolation:
        return
    assert Decimal("0.01") <= value <= MAX_WAGE and value.as_tuple().exponent == -2


# ------------------------------------------------------------------------------------------- month


@pytest.mark.parametrize("text", ["2026-1", "2026/11", "202611", "2026-00", "2026-13", "11-2026", "abcd-ef"])
def test_month_format(text):
    with pytest.raises(RuleViolation) as info:
        parse_month(text)
    assert info.value.code == "MONTH_FORMAT" and "YYYY-MM" in info.value.message


def test_month_empty():
    with pytest.raises(RuleViolation) as info:
        parse_month("  ")
    assert info.value.code == "MONTH_EMPTY" and info.value.message == "生效年月不能为空"


@pytest.mark.parametrize(("month", "start", "stop", "back_pay"), [
    ("2026-11", "2020-01", None, False),
    ("2026-12", "2020-01", "", False),
    ("2027-06", "2020-01", "长期", False),   # not a month: no stop
    ("2026-10", "2020-01", None, True),
    ("2020-01", "2020-01", "2020-01", True),   # start = stop = month: allowed
    ("2026-11", None, "2026-11", False),
])
def test_effective_month_accepted(month, start, stop, back_pay):
    check = check_effective_month(month, "2026-11", start, stop)
    assert check == MonthCheck(month, back_pay, check.message)
    assert ("补缴" in check.message) is back_pay


def test_effective_month_after_stop_or_before_start_refused_in_chinese():
    with pytest.raises(RuleViolation) as info:
        check_effective_month("2026-12", "2026-11", "2020-01", "2026-11")
    assert info.value.code == "MONTH_AFTER_STOP" and "终止缴费年月2026-11" in info.value.message
    assert info.value.field == "生效年月"
    with pytest.raises(RuleViolation) as info:
        check_effective_month("2019-12", "2026-11", "2020-01", None)
    assert info.value.code == "MONTH_BEFORE_START" and "开始缴费年月2020-01" in info.value.message
    with pytest.raises(RuleViolation) as info:
        check_effective_month("2026/12", "2026-11", "2020-01", None)
    assert info.value.code == "MONTH_FORMAT"
