"""统计分析 equals the query pages (spare unit U000042 on a real bureau on loopback): after declaring and
paying through the bureau's API and syncing 应缴信息, 到账信息, 申报记录, 缴费记录 and 职工参保信息 through
the workbench, every chart's figures equal what the query services' frames give for the same filters
(summed by hand here in pandas, the pages' way: by 费款所属期起's month, unit number and item)."""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from sbflib.domain import clock
from sbflib.domain.deadlines import CollectionRule, late_fee, pay_by_date
from sbflib.domain.months import add_months
from sbflib.domain.rules import merge_documents
from sbflib.domain.statistics import aging_bucket
from sbflib.employer.statistics import StatsFilter

UNIT = "U000042"
RULES = Path(__file__).resolve().parents[2] / "sbflib" / "bureau" / "rules"
ZERO = Decimal("0.00")


@pytest.fixture
def synced(logged_in, bureau):
    wb = logged_in(UNIT)
    httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": 0}, headers=bureau.demo_headers,
               timeout=10).raise_for_status()
    http = httpx.Client(base_url=bureau.api, timeout=60, headers={"Authorization": f"Bearer {wb.ctx.client.token}"})
    try:
        rows = http.get(f"/units/{UNIT}/preprocessing", params={"channel": "daily"}).json()
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            if r["status"] == "未申报" and r["source_code"] == "01":
                groups[r["group_key"]].append(r)
        declared = []
        for n, group in enumerate(list(groups.values())[:2]):   # declare two groups, pay the first
            due = sum((Decimal(r["amount"]) for r in group), ZERO)
            resp = http.post(f"/units/{UNIT}/declarations", headers={"Idempotency-Key": uuid.uuid4().hex},
                             json={"channel": "daily", "prep_ids": [r["prep_id"] for r in group],
                                   "total_due": f"{due:.2f}"})
            assert resp.status_code == 202, resp.text
            did = resp.json()["declarations"][0]["declaration_id"]
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                record = http.get(f"/units/{UNIT}/declarations/{did}").json()["record"]
                if record["status"] != "待反馈":
                    break
                time.sleep(0.2)
            declared.append(did)
            if n == 0:
                httpx.post(f"{bureau.api}/demo/units/{UNIT}/declarations/{did}/payment", json={"pay_status": "已缴费"},
                           headers=bureau.demo_headers, timeout=10).raise_for_status()
        e = wb.employer
        e.payables.sync()
        e.arrivals.sync()
        e.declaration_records.sync()
        e.payment_records.sync("2015-01", "2030-12")
        wb.declaration_settings.update_rules()          # the rule files (floors, caps, pay-by dates)
        if not e.roster.frame().shape[0]:
            e.roster.sync(full=True)
        yield wb
    finally:
        http.close()
        httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": 5}, headers=bureau.demo_headers,
                   timeout=10).raise_for_status()


def _month(v: Any) -> str:
    return str(v)[:7]


def _sums(pairs) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for month, amount in pairs:
        out[month] += Decimal(amount)
    return dict(out)


def _keep(f: StatsFilter, month: str, unit_number: Any, item_code: Any) -> bool:
    return ((not f.month_from or month >= f.month_from) and (not f.month_to or month <= f.month_to)
            and (not f.unit_number or unit_number == f.unit_number) and (not f.item_code or item_code == f.item_code))


def _filters(wb) -> list[StatsFilter]:
    choices = wb.employer.statistics.choices()
    this = clock.current_month()
    out = [StatsFilter(), StatsFilter(add_months(this, -11), this)]
    if choices.unit_numbers:
        out.append(StatsFilter(unit_number=choices.unit_numbers[0]))
    if "10201" in choices.items:
        out.append(StatsFilter(add_months(this, -5), this, item_code="10201"))
    return out


def test_fees_and_reconciliation_equal_the_query_pages(synced):
    wb = synced
    s = wb.employer.statistics
    payables = wb.employer.payables.frame()
    arrivals = wb.employer.arrivals.frame()
    records = wb.employer.declaration_records.frame()
    assert len(payables) and len(arrivals) and len(records)
    declared_rows = pd.concat([wb.employer.declaration_records.detail(d, with_lines=False).rows
                               for d in records.loc[records["status"] == "申报成功", "declaration_id"]],
                              ignore_index=True)
    pay = wb.employer.payment_records.frame()
    paid_items = [wb.employer.payment_records.detail(r).items for r in pay.loc[pay["status"] == "缴费成功", "record_id"]]
    paid_rows = pd.concat(paid_items, ignore_index=True) if paid_items else pd.DataFrame(
        columns=["period_start", "unit_number", "item_code", "amount"])
    for f in _filters(wb):
        # (a) 月度费款 = 应缴信息 summed by month, item and payer
        want: dict[tuple[str, str, str], Decimal] = defaultdict(lambda: ZERO)
        for r in payables.itertuples():
            if _keep(f, _month(r.period_start), r.unit_number, r.item_code):
                want[(_month(r.period_start), r.item_code, r.payer_code)] += r.amount
        fees = s.monthly_fees(f)
        got = {(m, i, p): a for m, i, p, a in zip(fees["month"], fees["item_code"], fees["payer"], fees["amount"],
                                                   strict=True)}
        assert got == dict(want), f
        # (b) 核对: each column equals its page
        rec = s.reconciliation(f).set_index("month")
        pages = {
            "due": _sums((_month(r.period_start), r.amount) for r in payables.itertuples()
                         if _keep(f, _month(r.period_start), r.unit_number, r.item_code)),
            "arrived": _sums((_month(r.period_start), r.amount) for r in arrivals.itertuples()
                             if _keep(f, _month(r.period_start), r.unit_number, r.item_code)),
            "declared": _sums((_month(r.period_start), r.amount) for r in declared_rows.itertuples()
                              if _keep(f, _month(r.period_start), r.unit_number, r.item_code)),
            "paid": _sums((_month(r.period_start), r.amount) for r in paid_rows.itertuples()
                          if _keep(f, _month(r.period_start), r.unit_number, r.item_code)),
        }
        for key, by_month in pages.items():
            shown = {m: v for m, v in rec[key].items() if v != ZERO}
            assert shown == {m: v for m, v in by_month.items() if v != ZERO}, (key, f)
        assert all(rec["unpaid"] == rec["declared"] - rec["paid"])
    assert sum(s.reconciliation()["paid"]) > ZERO       # the paid declaration is counted


def test_arrears_equal_the_unpaid_rows_of_payables(synced):
    wb = synced
    payables = wb.employer.payables.frame()
    owed = payables[payables["status"] == "申报成功"]
    assert len(owed)                                    # the second declaration is unpaid
    today = clock.today()
    region = wb.unit.region
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(RULES.glob(f"{region}-contribution-*.json"))]
    rule = CollectionRule.from_block(merge_documents(docs).get("collection"))   # the region's shipped rule file
    aged = wb.employer.statistics.arrears()
    assert sorted(aged["payable_id"]) == sorted(owed["payable_id"])
    assert sum(aged["amount"]) == sum(owed["amount"])
    by = wb.employer.statistics.arrears_by_age().set_index("bucket")
    assert by["rows"].sum() == len(owed) and by["amount"].sum() == sum(owed["amount"])
    for r in aged.itertuples():
        assert r.pay_by == pay_by_date(_month(r.period_end), rule)
        assert r.days_past == (today - r.pay_by).days and r.bucket == aging_bucket(r.days_past)
        assert r.late_fee == late_fee(r.amount, r.pay_by, today, rule, payer=r.payer)


def test_headcount_and_bases_equal_the_roster(synced):
    wb = synced
    items = wb.employer.roster.items()
    assert len(items)
    this = clock.current_month()
    f = StatsFilter(add_months(this, -11), this)
    flow = wb.employer.statistics.headcount_flow(f)
    spans = items.groupby(["employee_id", "unit_number"]).agg(
        start=("start_month", "min"), stop=("stop_month", lambda s: None if s.isna().any() or (s == "").any()
                                            else max(s)))
    for r in flow.itertuples():
        part = spans.xs(r.unit_number, level="unit_number")
        assert r.joined == int((part["start"] == r.month).sum())
        assert r.stopped == int((part["stop"] == r.month).sum())
        paying = (part["start"] <= r.month) & (part["stop"].isna() | (part["stop"].fillna("") >= r.month))
        assert r.insured == int(paying.sum()), r
    bases = wb.employer.statistics.base_distribution(StatsFilter(month_to=this)).set_index("item_code")
    for code, row in bases.iterrows():
        live = items[(items["item_code"] == code) & (items["start_month"] <= this)
                     & (items["stop_month"].isna() | (items["stop_month"].fillna("") >= this))
                     & items["base"].notna()]
        assert int(row["total"]) == len(live)
        assert int(row["below_floor"]) == int((live["base"] < row["floor"]).sum())
        assert int(row["at_floor"]) == int((live["base"] == row["floor"]).sum())
