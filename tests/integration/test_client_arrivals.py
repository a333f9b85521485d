"""社保费到账信息查询 (manual 2.22) against a real bureau on loopback (spare unit U000041): a declaration
made through the bureau's HTTP API and paid with the demo payment call arrives, and after a sync of
today the client holds one arrival per declared row with the declared amounts (Decimal through
Arrow), the declaration's 应征凭证序号, 已到账; the demo's payments in other channels arrive too."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from sbflib.domain import clock
from sbflib.employer.arrivals import ArrivalFilter

UNIT = "U000041"


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


def pension_rows(http: httpx.Client, unit_id: str) -> list[dict[str, Any]]:
    rows = http.get(f"/units/{unit_id}/preprocessing", params={"channel": "daily"}).json()
    pension = [r for r in rows if r["source_code"] == "01" and "|10201|" in r["group_key"] and r["status"] == "未申报"]
    assert pension
    return pension


def test_a_paid_declaration_arrives_with_its_amounts(api, bureau):
    wb, http = api
    arrivals = wb.employer.arrivals
    today = clock.today()

    # the demo's payments in other channels (two and three months back) are there from the start
    assert arrivals.sync() > 0
    history = arrivals.frame()
    assert set(history["status"]) == {"已到账"}
    assert all(isinstance(v, Decimal) for v in history["amount"])
    assert set(history["channel"]) <= {"三方协议", "银行端凭证", "其他渠道"}
    assert arrivals.query(ArrivalFilter(arrived_from=today, arrived_to=today))[1] == 0

    rows = pension_rows(http, UNIT)
    record = declare(http, UNIT, rows)
    declaration_id = record["declaration_id"]
    assert arrivals.sync(today, today) == 0  # declared, not paid: nothing arrives

    paid = httpx.post(f"{bureau.api}/demo/units/{UNIT}/declarations/{declaration_id}/payment",
                      json={"pay_status": "已缴费"}, headers=bureau.demo_headers, timeout=10)
    assert paid.status_code == 200, paid.text

    assert arrivals.sync(today, today) == len(rows)
    df, total = arrivals.query(ArrivalFilter(arrived_from=today, arrived_to=today), page=1, page_size=100)
    assert total == len(rows)
    assert set(df["declaration_id"]) == {declaration_id} and set(df["voucher_no"]) == {record["voucher_no"]}
    want = {(r["payer"], Decimal(r["amount"])) for r in rows}
    assert {(p, a) for p, a in zip(df["payer_code"], df["amount"], strict=True)} == want
    assert sum(df["amount"]) == Decimal(record["total_due"])
    assert set(df["late_fee"]) == {Decimal("0.00")}  # this month's fees, paid before the pay-by date
    assert set(df["arrived_on"]) == {today} and set(df["item_name"]) == {"基本养老保险费"}
    assert set(df["payer"]) <= {"单位", "个人"} and set(df["status"]) == {"已到账"}

    # the earlier rows stayed (a sync of today replaces today only) and the totals add up
    assert len(arrivals.frame()) == len(history) + len(rows)
    totals = arrivals.totals(ArrivalFilter(voucher_no=record["voucher_no"]))
    assert (totals.count, totals.amount) == (len(rows), Decimal(record["total_due"]))
