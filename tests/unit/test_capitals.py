"""Amounts in Chinese capitals (sbflib.domain.capitals): the issue's values and the edge cases,
each expected string written by hand from the rules of 大写金额 (not copied from the function);
refusals; and every amount of a sweep read back to its value by an independent little parser."""

from __future__ import annotations

import doctest
import random
import re
from decimal import Decimal

import pytest

import sbflib.domain.capitals
from sbflib.domain.capitals import to_capitals
from sbflib.domain.errors import RuleViolation


@pytest.mark.parametrize(("amount", "words"), [
    # the values
    ("0.20", "贰角整"),                      # the manual's voucher: 整 after the jiao
    ("3533.34", "叁仟伍佰叁拾叁元叁角肆分"),      # no 整 after the fen
    ("1200.00", "壹仟贰佰元整"),
    # edge cases
    ("0.05", "伍分"),                        # below one yuan: starts at the first non-zero place
    ("10.00", "壹拾元整"),                    # 壹拾, never a bare 拾
    ("100000.05", "壹拾万元零伍分"),            # jiao 0, fen not: 零 after 元
    ("1000000000.00", "壹拾亿元整"),
    ("0.00", "零元整"),
    # the examples of 《正确填写票据和结算凭证的基本规定》 (the 整 after the jiao as the voucher has it)
    ("1409.50", "壹仟肆佰零玖元伍角整"),         # a zero inside: 零
    ("6007.14", "陆仟零柒元壹角肆分"),           # a run of zeros: one 零
    ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
    ("325.04", "叁佰贰拾伍元零肆分"),
    # more places
    ("0.01", "壹分"),
    ("0.50", "伍角整"),
    ("11.11", "壹拾壹元壹角壹分"),
    ("100010.00", "壹拾万零壹拾元整"),
    ("100000000.01", "壹亿元零壹分"),
    ("20000000.00", "贰仟万元整"),
])
def test_amounts_in_capitals_hand_checked(amount, words):
    assert to_capitals(amount) == words
    assert to_capitals(Decimal(amount)) == words
    assert to_capitals(amount, prefix=True) == "人民币" + words


def test_whole_yuan_may_come_as_int_or_with_fewer_places():
    assert to_capitals(1200) == "壹仟贰佰元整"
    assert to_capitals("0.2") == "贰角整"
    assert to_capitals(Decimal(10)) == "壹拾元整"


@pytest.mark.parametrize(("amount", "code"), [
    ("-0.01", "MONEY_NEGATIVE"),
    (Decimal(-1200), "MONEY_NEGATIVE"),
    ("1.001", "MONEY_PLACES"),
    (Decimal("3533.345"), "MONEY_PLACES"),
    (1.36, "MONEY_TYPE"),                   # a float has lost the fen already
    ("一百", "MONEY_FORMAT"),
    ("10000000000000000", "MONEY_TOO_LARGE"),
])
def test_what_is_no_printable_amount_is_refused(amount, code):
    with pytest.raises(RuleViolation) as err:
        to_capitals(amount)
    assert err.value.code == code
    assert not re.search(r"[A-Za-z]", err.value.message)  # Chinese for the clerk


def test_the_field_name_goes_into_the_refusal():
    with pytest.raises(RuleViolation, match="合计金额不能为负数"):
        to_capitals("-5", field="合计金额")


_DIGITS = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
_SMALL = {"拾": 10, "佰": 100, "仟": 1000}
_BIG = {"万": 10**4, "亿": 10**8}


def _read_back(words: str) -> Decimal:
    """The value of capitals, by the plain reading rules (independent of cn2an)."""
    assert words.endswith(("整", "分")), words
    words = words.removesuffix("整")
    yuan_part, _, small_part = words.partition("元") if "元" in words else ("", "", words)
    total = 0
    section = 0  # below 万
    pending = 0  # the last digit read
    high = 0  # the part above 亿 already closed into 亿
    for char in yuan_part:
        if char in _DIGITS:
            pending = _DIGITS[char]
        elif char in _SMALL:
            section += pending * _SMALL[char]
            pending = 0
        elif char == "万":
            total += (section + pending) * 10**4
            section = pending = 0
        elif char == "亿":
            high = (high + total + section + pending) * 10**8
            total = section = pending = 0
        else:  # pragma: no cover - the test would be wrong
            raise AssertionError(char)
    yuan = high + total + section + pending
    fen = 0
    pending = 0
    for char in small_part:
        if char in _DIGITS:
            pending = _DIGITS[char]
        elif char == "角":
            fen += pending * 10
            pending = 0
        elif char == "分":
            fen += pending
            pending = 0
    return Decimal(yuan) + Decimal(fen) / 100


def test_a_sweep_of_amounts_reads_back_to_its_value_and_follows_the_form():
    rng = random.Random(20261127)
    amounts = [Decimal(rng.randrange(0, 10**digits)) / 100 for digits in range(1, 15) for _ in range(60)]
    amounts += [Decimal(n) / 100 for n in (1, 10, 100, 1000, 100001, 10000001, 1000000001, 10**12 + 1)]
    for amount in amounts:
        amount = amount.quantize(Decimal("0.01"))
        words = to_capitals(amount)
        assert _read_back(words) == amount, (amount, words)
        if amount:
            assert "零零" not in words and not re.search(r"零[元万亿角分整]", words), words
        assert words.endswith("整") == (amount % Decimal("0.1") == 0), (amount, words)
        if amount >= 1:
            assert not words.startswith(("零", "拾")), words
        assert not re.search(r"[0-9A-Za-z.]", words)


def test_the_examples_in_the_docstring_hold():
    result = doctest.testmod(sbflib.domain.capitals)
    assert result.failed == 0 and result.attempted > 0
