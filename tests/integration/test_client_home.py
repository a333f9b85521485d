"""首页 待办事项 / 异常提醒 (manual 2.1.3) against a real bureau on loopback (spare unit U000042): the
undeclared preprocessing of 日常申报 and 特殊缴费申报 with the bureau's counts and amounts, the
特殊缴费 periods left undeclared, then a back-pay month (a wage filed for a past month) declared and
left unpaid: arrears ready to pay and past their pay-by date (the region's rule, moved past holidays);
after the demo payment both are gone. Two bureau calls per summary (应缴信息, 欠费信息)."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from sbflib.domain import clock
from sbflib.domain.deadlines import CollectionRule, pay_by_date
from sbflib.domain.months import add_months

UNIT = "U000042"


@pytest.fixture
def api(logged_in, bureau):
    wb = logged_in(UNIT)
    httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": 0}, headers=bureau.demo_headers,
               timeout=10).raise_for_status()
    http = httpx.Client(base_url=bureau.api, timeout=60, headers={"Authorization": f"Bearer {wb.ctx.client.token}"})
    yield wb, http
    http.close()
    httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": 5}, headers=bureau.demo_headers,
               timeout=10).raise_for_status()


def declare(http: httpx.Client, unit_id: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Declare `rows` (whole groups of the daily page) and wait for the decision; the record."""
    due = sum((Decimal(r["amount"]) for r in rows), Decimal("0.00"))
    resp = http.post(f"/units/{unit_id}/declarations", headers={"Idempotency-Key": uuid.uuid4().hex},
                     json={"channel": "daily", "prep_ids": [r["prep_id"] for r in rows], "total_due": f"{due:.2f}"})
    assert resp.status_code == 202, resp.text
    declaration_id = resp.json()["declarations"][0]["declaration_id"]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        record: dict[str, Any] = http.get(f"/units/{unit_id}/declarations/{declaration_id}").json()["record"]
        if record["status"] != "待反馈":
            break
        time.sleep(0.2)
    assert record["status"] == "申报成功", record
    return record


def _undeclared(http: httpx.Client, channel: str) -> list[dict[str, Any]]:
    rows = http.get(f"/units/{UNIT}/preprocessing", params={"channel": channel}).json()
    return [r for r in rows if r["status"] == "未申报"]


def _kinds(items: list[Any], kind: str) -> list[Any]:
    return [i for i in items if i.kind == kind]


def _file_back_pay(http: httpx.Client, month: str) -> None:
    """A wage filed for a past month: its back-pay preprocessing rows (P01B) appear."""
    authority = http.get(f"/units/{UNIT}/registration").json()["tax_authority"]
    employees = http.get(f"/units/{UNIT}/employees", params={"size": 200}).json()["employees"]
    who = next(e for e in employees if (e["start_month"] or "") <= add_months(month, -12) and not e["stop_month"]
               and any(i["collection_mode"] == "税务自主" for i in e["items"]))
    resp = http.post(f"/units/{UNIT}/wage-filings", headers={"Idempotency-Key": uuid.uuid4().hex},
                     json={"kind": "daily", "way": "employee", "tax_authority": authority,
                           "lines": [{"employee_id": who["employee_id"], "item_code": None, "wage": "9000.00",
                                      "month": month}]})
    assert resp.status_code == 202, resp.text
    filing_id = resp.json()["filing_id"]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        detail = http.get(f"/units/{UNIT}/wage-filings/{filing_id}").json()
        if detail["status"] != "待反馈":
            break
        time.sleep(0.2)
    assert detail["status"] == "全部申报成功", detail


def test_home_follows_the_bureau(api, bureau):
    wb, http = api
    home = wb.employer.home
    summary = home.summary()
    assert summary.fetched_at is not None

    undeclared = {t.channel: t for t in _kinds(summary.todo, "undeclared")}
    for channel in ("daily", "special"):
        rows = _undeclared(http, channel)
        assert undeclared[channel].count == len(rows)
        assert undeclared[channel].amount == sum((Decimal(r["amount"]) for r in rows), Decimal("0.00"))
    assert (undeclared["daily"].menu_id, undeclared["special"].menu_id) == ("EMP-8", "EMP-9")
    assert not _kinds(summary.todo, "unpaid") and not _kinds(summary.alerts, "overdue")
    [periods] = _kinds(summary.alerts, "periods")  # the demo's 特殊缴费 spans three periods
    assert periods.channel == "special" and periods.count == len({(r["period_start"], r["period_end"])
                                                                  for r in _undeclared(http, "special")})

    # a back-pay month, declared and not paid: to pay, and past its pay-by date
    month = add_months(clock.current_month(), -3)
    _file_back_pay(http, month)
    back = [r for r in _undeclared(http, "daily") if r["prep_id"].startswith("P01B") and r["period_end"] == month]
    assert back
    groups = {r["group_key"] for r in back}
    rows = [r for r in _undeclared(http, "daily") if r["group_key"] in groups]
    record = declare(http, UNIT, rows)

    home.forget()
    summary = home.summary()
    # from the bureau's 欠费信息: its pay-by date, and the late fee of the unit share as of today
    arrears = wb.gateway.arrears.list(UNIT)
    late = sum(arrears.column("late_fee").to_pylist(), Decimal("0.00"))
    assert late > 0 and set(arrears.column("voucher_no").to_pylist()) == {record["voucher_no"]}
    [unpaid] = _kinds(summary.todo, "unpaid")
    assert (unpaid.count, unpaid.amount) == (1, Decimal(record["total_due"]) + late)
    [overdue] = _kinds(summary.alerts, "overdue")
    assert overdue.count == 1 and overdue.amount == Decimal(record["total_due"])
    due = pay_by_date(month, CollectionRule())  # 杭州: the 15th of the next month, as the defaults
    assert f"最早于{due:%Y-%m-%d}到期" in overdue.text and f"截至今日滞纳金{late:,.2f}元" in overdue.text
    assert "EMP" not in overdue.text and "EMP" not in unpaid.text

    paid = httpx.post(f"{bureau.api}/demo/units/{UNIT}/declarations/{record['declaration_id']}/payment",
                      json={"pay_status": "已缴费"}, headers=bureau.demo_headers, timeout=10)
    assert paid.status_code == 200, paid.text
    home.forget()
    summary = home.summary()
    assert not _kinds(summary.todo, "unpaid") and not _kinds(summary.alerts, "overdue")
