"""sbflib.domain.statistics worked by hand: aging bucket edges, late fees per bucket, reconciliation
differences, headcount flow, base bands and their SQL twin."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import duckdb
import pandas as pd
import pytest

from sbflib.domain.deadlines import CollectionRule
from sbflib.domain.statistics import (
    AGING_BUCKETS,
    age_arrears,
    aging_bucket,
    arrears_by_age,
    base_band,
    base_band_sql,
    headcount_flow,
    month_range,
    monthly_fees,
    reconcile,
)

D = Decimal


@pytest.mark.parametrize(("days", "bucket"), [
    (-30, "未到期"), (-1, "未到期"), (0, "0-30天"), (1, "0-30天"), (30, "0-30天"), (31, "31-90天"), (90, "31-90天"),
    (91, "91-180天"), (180, "91-180天"), (181, "180天以上"), (5000, "180天以上"),
])
def test_aging_bucket_edges(days, bucket):
    assert aging_bucket(days) == bucket


def test_arrears_aged_on_a_day_with_their_late_fees():
    pay_by = dt.date(2026, 1, 15)
    rule = CollectionRule()
    days = [30, 31, 90, 91, 180, 181]
    rows = pd.DataFrame({"id": [f"r{d}" for d in days], "period_end": ["2025-12"] * len(days),
                         "payer": ["unit"] * len(days), "amount": [D("1000.00")] * len(days)})
    out = pd.concat([age_arrears(rows.iloc[[n]], pay_by + dt.timedelta(days=d), rule, lambda _m: pay_by)
                     for n, d in enumerate(days)], ignore_index=True)
    assert list(out["days_past"]) == days
    assert list(out["bucket"]) == ["0-30天", "31-90天", "31-90天", "91-180天", "91-180天", "180天以上"]
    assert list(out["late_fee"]) == [D("1000.00") * D("0.0005") * d for d in days]   # 15.00, 15.50, ... 90.50
    by = arrears_by_age(out).set_index("bucket")
    assert list(by.index) == list(AGING_BUCKETS)
    assert by.loc["31-90天", "rows"] == 2 and by.loc["31-90天", "late_fee"] == D("60.50")
    assert by.loc["180天以上", "total"] == D("1090.50")
    assert by.loc["未到期", "rows"] == 0 and by.loc["未到期", "amount"] == D("0.00")


def test_personal_share_carries_no_late_fee_and_half_up_rounding():
    rows = pd.DataFrame({"period_end": ["2025-12", "2025-12"], "payer": ["unit", "personal"],
                         "amount": [D("1280.08"), D("640.04")]})
    out = age_arrears(rows, dt.date(2027, 1, 4), CollectionRule(), lambda _m: dt.date(2026, 12, 15))
    assert list(out["late_fee"]) == [D("12.80"), D("0.00")]   # 1280.08 × 0.0005 × 20 = 12.8008


def test_monthly_fees_sums_exactly_and_orders_unit_first():
    rows = pd.DataFrame({"month": ["2026-02", "2026-01", "2026-01", "2026-01"],
                         "item_code": ["10201", "10201", "10201", "10204"],
                         "item_name": ["养老", "养老", "养老", None], "payer": ["unit", "personal", "unit", "unit"],
                         "amount": [D("0.10"), D("0.20"), D("0.10"), D("0.30")]})
    df = monthly_fees(rows)
    assert df[["month", "item_code", "payer"]].values.tolist() == [
        ["2026-01", "10201", "unit"], ["2026-01", "10201", "personal"], ["2026-01", "10204", "unit"],
        ["2026-02", "10201", "unit"]]
    assert list(df["item_name"])[2] == "10204"                     # no name: the code
    assert sum(df["amount"], D("0")) == D("0.70")
    assert monthly_fees(rows.iloc[0:0]).empty


def test_reconcile_fills_every_month_asked():
    m = lambda rows: pd.DataFrame(rows, columns=["month", "amount"])
    df = reconcile(m([("2026-02", D("10.00")), ("2026-02", D("5.00"))]), m([("2026-02", D("15.00"))]),
                   m([]), m([("2026-03", D("1.00"))]), month_range("2026-01", "2026-03"))
    assert list(df["month"]) == ["2026-01", "2026-02", "2026-03"]
    feb = df.set_index("month").loc["2026-02"]
    assert (feb.due, feb.undeclared, feb.unpaid, feb.not_arrived) == (D("15.00"), D("0.00"), D("15.00"), D("0.00"))
    mar = df.set_index("month").loc["2026-03"]
    assert mar.not_arrived == D("-1.00")


def test_headcount_flow_by_hand():
    spans = pd.DataFrame({"unit_number": ["A", "A", "A", "B"],
                          "start_month": ["2025-01", "2026-02", "2026-02", "2026-03"],
                          "stop_month": [None, "2026-02", None, "2026-03"], "employees": [5, 1, 2, 4]})
    df = headcount_flow(spans, ["2026-01", "2026-02", "2026-03"])
    got = {(r.unit_number, r.month): (r.joined, r.stopped, r.insured) for r in df.itertuples()}
    assert got[("A", "2026-01")] == (0, 0, 5)
    assert got[("A", "2026-02")] == (3, 1, 8)      # the one who stops in February paid February
    assert got[("A", "2026-03")] == (0, 0, 7)
    assert got[("B", "2026-03")] == (4, 4, 4)
    assert got[("B", "2026-02")] == (0, 0, 0)


def test_base_band_and_its_sql_twin():
    rng = random.Random(12)
    con = duckdb.connect()
    rows = []
    for _ in range(3000):
        floor = D(rng.choice(["4462.00", "4612.00"]))
        cap = rng.choice([None, D("22311.00"), D("23061.00")])
        base = rng.choice([floor, cap or floor, D(rng.randint(100000, 3000000)) / 100])
        rows.append((base, floor, cap))
    df = pd.DataFrame(rows, columns=["base", "floor", "cap"])
    con.register("b", df)
    sql = con.sql(f"SELECT {base_band_sql('base::DECIMAL(18,2)', 'floor::DECIMAL(18,2)', 'cap::DECIMAL(18,2)')} "
                  "FROM b").fetchall()
    assert [r[0] for r in sql] == [base_band(b, f, c) for b, f, c in rows]
