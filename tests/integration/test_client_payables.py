"""社保费应缴信息查询 (manual 2.21) against a real bureau on loopback (spare unit U000030): undeclared
preprocessing shows 初始; once a declaration made through the bureau's HTTP API succeeds, its rows
show 申报成功; after the demo payment call, 销账. Money stays Decimal."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from sbflib.domain import clock
from sbflib.employer.payables import PayableFilter

UNIT = "U000030"


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


def _declare(http: httpx.Client, rows: list[dict[str, Any]]) -> str:
    due = sum((Decimal(r["amount"]) for r in rows), Decimal("0.00"))
    resp = http.post(f"/units/{UNIT}/declarations", headers={"Idempotency-Key": uuid.uuid4().hex},
                     json={"channel": "daily", "prep_ids": [r["prep_id"] for r in rows], "total_due": f"{due:.2f}"})
    assert resp.status_code == 202, resp.text
    declaration_id: str = resp.json()["declarations"][0]["declaration_id"]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        record = http.get(f"/units/{UNIT}/declarations/{declaration_id}").json()["record"]
        if record["status"] != "待反馈":
            break
        time.sleep(0.2)
    assert record["status"] == "申报成功", record
    return declaration_id


def test_payables_follow_a_declaration_from_initial_to_declared_to_settled(api, bureau):
    wb, http = api
    payables = wb.employer.payables
    rows = http.get(f"/units/{UNIT}/preprocessing", params={"channel": "daily"}).json()
    pension = [r for r in rows if r["source_code"] == "01" and "|10201|" in r["group_key"]]
    assert pension
    prep_ids = {r["prep_id"] for r in pension}

    assert payables.sync() > 0
    df = payables.frame()
    mine = df[df["prep_id"].isin(prep_ids)]
    assert set(mine["status"]) == {"初始"} and len(mine) == len(pension)
    assert all(isinstance(v, Decimal) for v in df["amount"])
    assert sum(mine["amount"]) == sum(Decimal(r["amount"]) for r in pension)

    declaration_id = _declare(http, pension)
    today = clock.today()
    assert payables.sync(today, today) > 0
    df, total = payables.query(PayableFilter(status="申报成功"), page=1, page_size=100)
    assert total == len(pension) and set(df["declaration_id"]) == {declaration_id}
    assert set(df["prep_id"]) == prep_ids
    assert set(df["payable_id"]) == {f"{declaration_id}-{p}" for p in prep_ids}
    assert payables.query(PayableFilter(status="初始"))[0]["prep_id"].isin(prep_ids).sum() == 0

    paid = httpx.post(f"{bureau.api}/demo/units/{UNIT}/declarations/{declaration_id}/payment",
                      json={"pay_status": "已缴费"}, headers=bureau.demo_headers, timeout=10)
    assert paid.status_code == 200, paid.text
    payables.sync()
    settled = payables.frame(PayableFilter(status="销账"))
    assert set(settled["prep_id"]) == prep_ids and set(settled["declaration_id"]) == {declaration_id}
    assert payables.query(PayableFilter(status="申报成功"))[1] == 0
