"""统计分析: pure computations behind the five charts (pandas in, pandas out, money exact).

The service (`sbflib.employer.statistics`) aggregates the client store in DuckDB SQL down to small
frames (a row per month × item × payer, or per unit number × start month × stop month); the rules of
what those figures mean live here:

- **Month of a row**: the month its 费款所属期 starts (`period_start`); a row covering several months is
  counted once, in its first month (the same rule for 应缴, 申报, 缴费 and 到账, so they line up).
- **Reconciliation**: per month 申报 (declared: rows of 申报成功 declarations), 应缴 (due: every row of
  应缴信息), 缴费 (paid: items of 缴费成功 payments), 到账 (arrived), with the differences
  应缴未申报 = 应缴 − 申报, 申报未缴 = 申报 − 缴费, 缴费未到账 = 缴费 − 到账.
- **Arrears by age**: days past the pay-by date (缴费期限) on the day of the look; a row not yet due is
  未到期; then 0–30, 31–90, 91–180 and more than 180 days; the late fee each carries is the one
  `sbflib.domain.deadlines.late_fee` gives when paid that day.
- **Headcount flow**: an employee joins a unit number in the first month of its items there and stops
  in the last month (`stop_month`, the last month paid; an open item: not stopped); insured in a month
  when started by it and not stopped before it (as `sbflib.domain.roster.employee_status`).
- **Base bands**: a base below the floor, at the floor, between, at the cap, above the cap of its
  item in force that month (`sbflib.domain.rules.ContributionRules.base_limits`); no cap: never at or
  above it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import pandas as pd

from sbflib.domain.deadlines import CollectionRule, late_fee
from sbflib.domain.months import add_months, is_month

__all__ = [
    "AGING_BUCKETS",
    "BASE_BANDS",
    "PAYER_NAMES",
    "RECONCILE_LABELS",
    "age_arrears",
    "aging_bucket",
    "arrears_by_age",
    "base_band",
    "base_band_sql",
    "headcount_flow",
    "month_range",
    "monthly_fees",
    "reconcile",
]

ZERO = Decimal("0.00")
PAYER_NAMES = {"unit": "单位", "personal": "个人"}

#: Aging buckets in display order (days past the pay-by date).
NOT_DUE = "未到期"
AGING_BUCKETS = (NOT_DUE, "0-30天", "31-90天", "91-180天", "180天以上")

#: Base bands in display order.
BASE_BANDS = {
    "below_floor": "低于下限",
    "at_floor": "等于下限",
    "between": "下限与上限之间",
    "at_cap": "等于上限",
    "above_cap": "高于上限",
}

#: Reconciliation columns (key -> Chinese label), display order.
RECONCILE_LABELS = {
    "month": "费款所属期",
    "due": "应缴金额",
    "declared": "申报金额",
    "paid": "缴费金额",
    "arrived": "到账金额",
    "undeclared": "应缴未申报",
    "unpaid": "申报未缴",
    "not_arrived": "缴费未到账",
}


def _money(value: Any) -> Decimal:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ZERO
    return Decimal(str(value)).quantize(Decimal("0.01"))


def month_range(first: str, last: str) -> list[str]:
    """Every month from `first` to `last`, both included ('YYYY-MM').

    >>> month_range("2025-11", "2026-02")
    ['2025-11', '2025-12', '2026-01', '2026-02']
    >>> month_range("2026-03", "2026-02")
    []
    """
    if not (is_month(first) and is_month(last)):
        return []
    out: list[str] = []
    month = first
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def _sum_by(df: pd.DataFrame, keys: list[str], value: str) -> pd.DataFrame:
    """Exact Decimal sums of `value` by `keys` (pandas' sum of an object column of Decimals)."""
    if df.empty:
        return pd.DataFrame({**{k: pd.Series(dtype=object) for k in keys}, value: pd.Series(dtype=object)})
    work = df[[*keys, value]].copy()
    work[value] = [_money(v) for v in work[value]]
    out = work.groupby(keys, sort=True, dropna=False)[value].agg(lambda s: sum(s, ZERO)).reset_index()
    return out


# ---- (a) monthly fees by item and payer part -------------------------------------------------------

def monthly_fees(rows: pd.DataFrame) -> pd.DataFrame:
    """Fees per month, item and payer part from rows with `month`, `item_code`, `item_name`, `payer`
    ('unit'/'personal') and `amount` (Decimal); columns month, item_code, item_name, payer, payer_name,
    amount, sorted by month, item, payer (unit first).

    >>> rows = pd.DataFrame({"month": ["2026-01", "2026-01", "2026-01"], "item_code": ["10201"] * 3,
    ...     "item_name": ["基本养老保险费"] * 3, "payer": ["unit", "personal", "unit"],
    ...     "amount": [Decimal("160.00"), Decimal("80.00"), Decimal("0.10")]})
    >>> monthly_fees(rows)[["month", "payer_name", "amount"]].values.tolist()
    [['2026-01', '单位', Decimal('160.10')], ['2026-01', '个人', Decimal('80.00')]]
    """
    columns = ["month", "item_code", "item_name", "payer", "payer_name", "amount"]
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    work = rows.copy()
    work["item_name"] = work["item_name"].fillna(work["item_code"])
    out = _sum_by(work, ["month", "item_code", "item_name", "payer"], "amount")
    out["payer_name"] = out["payer"].map(lambda p: PAYER_NAMES.get(str(p), str(p)))
    out["_order"] = out["payer"].map(lambda p: 0 if p == "unit" else 1)
    out = out.sort_values(["month", "item_code", "_order"], kind="stable").drop(columns="_order")
    return out[columns].reset_index(drop=True)


# ---- (b) declared vs due vs paid vs arrived ------------------------------------------------------------

def reconcile(due: pd.DataFrame, declared: pd.DataFrame, paid: pd.DataFrame, arrived: pd.DataFrame,
              months: Iterable[str] | None = None) -> pd.DataFrame:
    """Per month 应缴 / 申报 / 缴费 / 到账 and their differences, from four frames of (`month`,
    `amount`) rows (any number per month). Months with no figure at all are left out unless listed
    in `months`. Columns: RECONCILE_LABELS' keys.

    >>> m = lambda *pairs: pd.DataFrame(list(pairs), columns=["month", "amount"])
    >>> df = reconcile(m(("2026-01", Decimal("300.00"))), m(("2026-01", Decimal("240.00"))),
    ...                m(("2026-01", Decimal("200.00"))), m(("2026-01", Decimal("150.00"))))
    >>> df.iloc[0][["undeclared", "unpaid", "not_arrived"]].tolist()
    [Decimal('60.00'), Decimal('40.00'), Decimal('50.00')]
    """
    parts = {"due": due, "declared": declared, "paid": paid, "arrived": arrived}
    sums = {k: dict(_sum_by(v, ["month"], "amount").itertuples(index=False, name=None)) for k, v in parts.items()}
    wanted = set(months or ()) | {m for s in sums.values() for m in s}
    rows = []
    for month in sorted(str(m) for m in wanted if m is not None):
        figures = {k: _money(sums[k].get(month, ZERO)) for k in parts}
        rows.append({
            "month": month, **figures,
            "undeclared": figures["due"] - figures["declared"],
            "unpaid": figures["declared"] - figures["paid"],
            "not_arrived": figures["paid"] - figures["arrived"],
        })
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in RECONCILE_LABELS})
    return pd.DataFrame(rows, columns=list(RECONCILE_LABELS))


# ---- (c) arrears by age ------------------------------------------------------------------------------

def aging_bucket(days_past: int) -> str:
    """The bucket of an item `days_past` days after its pay-by date (negative: not due yet).

    >>> [aging_bucket(d) for d in (-1, 0, 30, 31, 90, 91, 180, 181)]
    ['未到期', '0-30天', '0-30天', '31-90天', '31-90天', '91-180天', '91-180天', '180天以上']
    """
    if days_past < 0:
        return NOT_DUE
    if days_past <= 30:
        return AGING_BUCKETS[1]
    if days_past <= 90:
        return AGING_BUCKETS[2]
    if days_past <= 180:
        return AGING_BUCKETS[3]
    return AGING_BUCKETS[4]


def age_arrears(rows: pd.DataFrame, as_of: dt.date, rule: CollectionRule,
                pay_by: Callable[[str], dt.date]) -> pd.DataFrame:
    """The rows owed (`period_end`, `payer`, `amount`, any other columns kept) with `pay_by` (the pay-by
    date of the period's last month), `days_past` (days after it on `as_of`), `bucket` and `late_fee`
    (when paid on `as_of`; 0.00 for the withheld personal share when the rule exempts it).

    >>> from sbflib.domain.deadlines import CollectionRule
    >>> rows = pd.DataFrame({"period_end": ["2026-01"], "payer": ["unit"], "amount": [Decimal("1000.00")]})
    >>> out = age_arrears(rows, dt.date(2026, 3, 1), CollectionRule(), lambda m: dt.date(2026, 2, 15))
    >>> out.loc[0, ["days_past", "bucket", "late_fee"]].tolist()
    [14, '0-30天', Decimal('7.00')]
    """
    out = rows.copy().reset_index(drop=True)
    cache: dict[str, dt.date] = {}

    def due_day(month: str) -> dt.date:
        month = str(month)[:7]
        if month not in cache:
            cache[month] = pay_by(month)
        return cache[month]

    out["pay_by"] = [due_day(m) for m in out["period_end"]]
    out["days_past"] = pd.Series([(as_of - d).days for d in out["pay_by"]], dtype=object)
    out["bucket"] = [aging_bucket(int(d)) for d in out["days_past"]]
    out["late_fee"] = [late_fee(_money(a), d, as_of, rule, payer=str(p))
                       for a, d, p in zip(out["amount"], out["pay_by"], out["payer"], strict=True)]
    return out


def arrears_by_age(aged: pd.DataFrame) -> pd.DataFrame:
    """Per bucket (every bucket listed, in order): `rows`, `amount`, `late_fee`, `total`, from the
    output of `age_arrears`.

    >>> aged = pd.DataFrame({"bucket": ["0-30天", "0-30天", "180天以上"],
    ...     "amount": [Decimal("1.00"), Decimal("2.00"), Decimal("5.00")],
    ...     "late_fee": [Decimal("0.01"), Decimal("0.00"), Decimal("0.50")]})
    >>> arrears_by_age(aged)[["bucket", "rows", "total"]].values.tolist()[1:]
    [['0-30天', 2, Decimal('3.01')], ['31-90天', 0, Decimal('0.00')], ['91-180天', 0, Decimal('0.00')], \
['180天以上', 1, Decimal('5.50')]]
    """
    rows = []
    for bucket in AGING_BUCKETS:
        part = aged[aged["bucket"] == bucket] if not aged.empty else aged
        amount = sum((_money(v) for v in part["amount"]), ZERO) if len(part) else ZERO
        fee = sum((_money(v) for v in part["late_fee"]), ZERO) if len(part) else ZERO
        rows.append({"bucket": bucket, "rows": len(part), "amount": amount, "late_fee": fee,
                     "total": amount + fee})
    return pd.DataFrame(rows, columns=["bucket", "rows", "amount", "late_fee", "total"])


# ---- (d) headcount flow --------------------------------------------------------------------------------

def headcount_flow(spans: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Joined, stopped and insured per month and unit number from `spans`: rows of `unit_number`,
    `start_month`, `stop_month` (None: open) and `employees` (how many share them). Columns month,
    unit_number, joined, stopped, insured (ints), sorted by unit number then month; every month of
    `months` for every unit number.

    >>> spans = pd.DataFrame({"unit_number": ["A", "A", "A"], "start_month": ["2025-12", "2026-01", "2026-02"],
    ...     "stop_month": [None, "2026-01", None], "employees": [10, 2, 3]})
    >>> headcount_flow(spans, ["2026-01", "2026-02"])[["month", "joined", "stopped", "insured"]].values.tolist()
    [['2026-01', 2, 2, 12], ['2026-02', 3, 0, 13]]
    """
    columns = ["month", "unit_number", "joined", "stopped", "insured"]
    if spans.empty or not months:
        return pd.DataFrame({c: pd.Series(dtype=object if c in ("month", "unit_number") else "int64")
                             for c in columns})
    rows = []
    for unit_number, part in spans.groupby("unit_number", sort=True, dropna=False):
        start = part["start_month"].fillna("").astype(str)
        stop = part["stop_month"].fillna("").astype(str)
        count = part["employees"].astype("int64")
        for month in months:
            joined = int(count[start == month].sum())
            stopped = int(count[stop == month].sum())
            insured = int(count[(start <= month) & (start != "") & ((stop == "") | (stop >= month))].sum())
            rows.append({"month": month, "unit_number": unit_number, "joined": joined, "stopped": stopped,
                         "insured": insured})
    return pd.DataFrame(rows, columns=columns)


# ---- (e) base bands ----------------------------------------------------------------------------------

def base_band(base: Decimal, floor: Decimal, cap: Decimal | None) -> str:
    """The band (a BASE_BANDS key) of `base` against `floor` and `cap` (None: no cap).

    >>> [base_band(Decimal(b), Decimal("4000"), Decimal("20000")) for b in ("3999.99", "4000", "9000", "20000", "20000.01")]
    ['below_floor', 'at_floor', 'between', 'at_cap', 'above_cap']
    >>> base_band(Decimal("90000"), Decimal("4000"), None)
    'between'
    """
    if base < floor:
        return "below_floor"
    if base == floor:
        return "at_floor"
    if cap is None or base < cap:
        return "between"
    if base == cap:
        return "at_cap"
    return "above_cap"


def base_band_sql(base: str, floor: str, cap: str) -> str:
    """`base_band` as a SQL CASE expression over three columns (cap NULL: no cap); kept equal to its
    Python twin by tests/unit/test_domain_statistics.py."""
    return (f"CASE WHEN {base} < {floor} THEN 'below_floor' WHEN {base} = {floor} THEN 'at_floor' "
            f"WHEN {cap} IS NULL OR {base} < {cap} THEN 'between' WHEN {base} = {cap} THEN 'at_cap' "
            f"ELSE 'above_cap' END")
