"""Pay-by dates, days left and late fees (sbflib/domain/deadlines.py) on dates worked by hand against
China's 2025-2026 calendar (国务院办公厅 holiday notices, as the `holidays` package carries them), and
the `collection` block of every shipped rule file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sbflib.bureau.collection import collection_rule
from sbflib.bureau.rules import RULES_DIR, read_rule_file
from sbflib.domain.deadlines import (
    CollectionRule,
    days_left,
    deferred_until,
    is_working_day,
    late_fee,
    next_working_day,
    overdue_days,
    pay_by_date,
)
from sbflib.domain.errors import RuleViolation

RULE = CollectionRule(pay_by_day=15)
D = dt.date


@pytest.mark.parametrize(("day", "working"), [
    (D(2026, 11, 27), True),    # a Friday
    (D(2026, 11, 29), False),   # a Sunday
    (D(2026, 10, 1), False),    # 国庆节
    (D(2026, 10, 4), False),    # a plain Sunday inside the 国庆 days off
    (D(2026, 10, 6), False),    # 休息日（由 2026-09-20 调休）: a substituted day off
    (D(2026, 9, 20), True),     # the Sunday worked instead (补班)
    (D(2026, 10, 10), True),    # the Saturday worked instead (补班)
    (D(2026, 1, 2), False),     # 休息日（由 2026-01-04 调休）
    (D(2026, 1, 4), True),      # 补班 Sunday
    (D(2026, 2, 14), True),     # 补班 Saturday before 春节
    (D(2026, 2, 23), False),    # 春节 substituted day off, a Monday
])
def test_working_days_follow_chinas_calendar(day, working):
    assert is_working_day(day) is working


@pytest.mark.parametrize(("period", "due", "why"), [
    ("2026-10", D(2026, 11, 16), "11-15 is a Sunday: the Monday after"),
    ("2026-11", D(2026, 12, 15), "12-15 is a Tuesday, no holiday in December before it"),
    ("2026-02", D(2026, 3, 16), "03-15 is a Sunday"),
    ("2026-09", D(2026, 10, 22), "国庆 10-01..10-07 is 7 days off in a row: 10-15 + 7 = 10-22, a Thursday"),
    ("2025-09", D(2025, 10, 23), "国庆+中秋 2025 10-01..10-08, 8 days: 10-15 + 8 = 10-23, a Thursday"),
    ("2026-04", D(2026, 5, 20), "劳动节 05-01..05-05, 5 days: 05-15 + 5 = 05-20, a Wednesday"),
    ("2026-01", D(2026, 2, 24), ("02-15 (Sunday) begins the 春节 run 02-15..02-23: one day of it falls in "
                                 "02-01..02-15, so 02-16, a holiday; the next working day is 02-24")),
    ("2026-05", D(2026, 6, 15), "06-01..06-15 has only two-day weekends (端午 06-19 comes after)"),
])
def test_pay_by_dates_worked_by_hand(period, due, why):
    assert pay_by_date(period, RULE) == due, why


def test_without_the_long_holiday_extension_only_the_last_day_moves():
    short = CollectionRule(pay_by_day=15, extend_long_holidays=False)
    assert pay_by_date("2026-09", short) == D(2026, 10, 15)   # a Thursday after 国庆: kept
    assert pay_by_date("2026-10", short) == D(2026, 11, 16)   # a Sunday: moved
    first = CollectionRule(pay_by_day=1, extend_long_holidays=False)
    assert pay_by_date("2026-09", first) == D(2026, 10, 8)    # 10-01 in the 国庆 days off: the first working day


def test_a_bad_period_is_refused():
    with pytest.raises(RuleViolation) as info:
        pay_by_date("2026-13", RULE)
    assert info.value.code == "MONTH_FORMAT" and "YYYY-MM" in info.value.message


def test_next_working_day_and_days_left():
    assert next_working_day(D(2026, 10, 1)) == D(2026, 10, 8)
    assert next_working_day(D(2026, 11, 27)) == D(2026, 11, 27)
    assert days_left(D(2026, 12, 15), D(2026, 11, 27)) == 18
    assert days_left(D(2026, 12, 15), D(2026, 12, 15)) == 0
    assert days_left(D(2026, 11, 16), D(2026, 11, 27)) == -11


@pytest.mark.parametrize(("amount", "due", "paid", "fee"), [
    ("100000.00", D(2026, 12, 15), D(2026, 12, 25), "500.00"),   # RULES-REFERENCE: 100,000 × 0.05% × 10 days
    ("1280.08", D(2026, 12, 15), D(2027, 1, 4), "12.80"),        # 20 days: 12.8008
    ("333.33", D(2026, 12, 15), D(2026, 12, 18), "0.50"),        # 3 days: 0.499995 rounds half up
    ("4612.00", D(2026, 11, 16), D(2026, 11, 27), "25.37"),      # 11 days: 25.366
    ("0.01", D(2026, 12, 15), D(2026, 12, 16), "0.00"),          # a fraction of a fen
    ("1000.00", D(2026, 12, 15), D(2026, 12, 15), "0.00"),       # paid on the pay-by date
    ("1000.00", D(2026, 12, 15), D(2026, 12, 1), "0.00"),        # paid early
])
def test_late_fees_are_half_a_per_mille_a_day_exact_in_fen(amount, due, paid, fee):
    result = late_fee(Decimal(amount), due, paid, RULE)
    assert result == Decimal(fee) and result.as_tuple().exponent == -2


def test_the_personal_share_carries_no_late_fee_unless_the_rule_says_so():
    due, paid = D(2026, 12, 15), D(2026, 12, 25)
    assert late_fee(Decimal("640.04"), due, paid, RULE, payer="personal") == Decimal("0.00")
    charged = CollectionRule(personal_share_exempt=False)
    assert late_fee(Decimal("640.04"), due, paid, charged, payer="personal") == Decimal("3.20")  # 3.2002
    assert overdue_days(due, paid) == 10 and overdue_days(due, due) == 0


def test_deferral_moves_the_deadline_and_only_for_the_listed_unit_shares():
    rule = CollectionRule(deferral_items=("10201", "10204"), deferral_months=3, deferral_industries=("物业管理",))
    assert deferred_until(D(2026, 12, 15), rule) == D(2027, 3, 15)
    assert deferred_until(D(2026, 11, 30), rule) == D(2027, 3, 1)   # 2027-02-28 is a Sunday
    assert rule.deferrable("10201", "unit", "物业管理")
    assert not rule.deferrable("10201", "personal", "物业管理")
    assert not rule.deferrable("10203", "unit", "物业管理")
    assert not rule.deferrable("10201", "unit", "软件和信息技术服务业")
    assert not CollectionRule().deferrable("10201", "unit", "物业管理")


@pytest.mark.parametrize("block", [
    {"pay_by": {"day": 31}},
    {"pay_by": {"day": "x"}},
    {"late_fee": {"daily_rate": "-0.1"}},
    {"late_fee": {"daily_rate": "lots"}},
])
def test_a_malformed_collection_block_is_refused(block):
    with pytest.raises(RuleViolation) as info:
        CollectionRule.from_block(block)
    assert info.value.code == "RULE_MALFORMED"


def test_every_shipped_rule_file_has_a_sourced_collection_block():
    files = sorted(RULES_DIR.glob("*-contribution-*.json"))
    assert files
    for path in files:
        region, name = path.name.split("-", 1)
        doc = read_rule_file(region, name)
        assert doc is not None and "deadline" not in doc and "late_fee" not in doc  # one place: `collection`
        block = doc["collection"]
        sources = doc["sources"]
        for part in ("pay_by", "late_fee", "deferral"):
            entry = block[part]
            sourced = entry.get("source") in sources
            unconfirmed = entry.get("confirmed") is False and entry.get("reason")
            assert sourced or unconfirmed, f"{path.name}: collection.{part}"
        assert "第八十六条" in sources[block["late_fee"]["source"]]["document"]
        rule = collection_rule(region)
        assert (rule.pay_by_day, rule.daily_rate, rule.personal_share_exempt) == (15, Decimal("0.0005"), True)
        assert rule.deferral_months == 3 and "物业管理" in rule.deferral_industries


def test_the_sql_late_fee_is_the_python_one():
    """The bureau computes late fees of 100,000 arrears in SQL (`collection.late_fee_sql`): equal to the
    domain's `late_fee` over thousands of amounts, dates and both payers."""
    import random

    import duckdb

    from sbflib.bureau.collection import late_fee_sql

    rng = random.Random(7)
    cases = []
    for _ in range(3000):
        amount = Decimal(rng.randrange(0, 10_000_000)) / 100
        due = D(2026, 1, 1) + dt.timedelta(days=rng.randrange(0, 365))
        paid = due + dt.timedelta(days=rng.randrange(-30, 800))
        cases.append((amount, due, paid, rng.choice(["unit", "personal"])))
    con = duckdb.connect()
    con.execute("CREATE TABLE t (amount DECIMAL(18,2), due DATE, paid DATE, payer VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", cases)
    for rule in (CollectionRule(), CollectionRule(personal_share_exempt=False),
                 CollectionRule(daily_rate=Decimal("0.0003"))):
        sql = late_fee_sql("amount", "due", "paid", "payer", rule)
        got = [r[0] for r in con.execute(f"SELECT {sql} FROM t ORDER BY rowid").fetchall()]
        want = [late_fee(a, d, p, rule, payer) for a, d, p, payer in cases]
        assert got == want
