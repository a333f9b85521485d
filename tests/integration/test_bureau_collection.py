"""The bureau's 征收子系统 on a real bureau on loopback: arrears with pay-by dates and late fees,
payments by 三方协议 with each outcome of the simulated bank (success, failure with a reason, a lock
that 解锁 turns into 缴费成功 or 扣费失败), a payment sent twice charged once (its first answer dropped),
bank vouchers (issue, void, void refused again, paid at the bank), 缴费记录 and arrivals (到账), and the
late fee once the pay-by date has passed (the bureau's clock moved by the demo).

Spare units (tests/conftest.py): U000043 (杭州, software: nothing deferrable), U000044 (杭州, 物业管理:
the unit share of 养老, 失业 and 工伤 is 可缓缴 by the rule file). Each test starts from a reset unit.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from sbflib.domain import clock

PLAIN, DEFERRING = "U000043", "U000044"


class Api:
    """A logged-in client of one unit with the demo secret at hand."""

    def __init__(self, bureau: Any, unit: str) -> None:
        self.bureau = bureau
        self.unit = unit
        self.password = "Test#2026"
        self.http = httpx.Client(base_url=bureau.api, timeout=60,
                                 headers={"Authorization": f"Bearer {bureau.token(unit)}"})

    def demo(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return httpx.post(f"{self.bureau.api}/demo{path}", json=body or {}, headers=self.bureau.demo_headers,
                          timeout=30)

    def relogin(self) -> None:
        resp = httpx.post(f"{self.bureau.api}/sessions", json={"unit_id": self.unit, "password": self.password},
                          timeout=10)
        resp.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {resp.json()['token']}"

    def get(self, path: str, **params: Any) -> Any:
        resp = self.http.get(f"/units/{self.unit}{path}", params=params)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def post(self, path: str, body: dict[str, Any] | None = None, key: str | None = None) -> httpx.Response:
        return self.http.post(f"/units/{self.unit}{path}", json=body or {},
                              headers={"Idempotency-Key": key or uuid.uuid4().hex})

    def declare_daily(self) -> list[str]:
        """Declare every 日常申报 row (01 and 03) and wait for 申报成功: the declaration IDs."""
        rows = [r for r in self.get("/preprocessing", channel="daily") if r["status"] == "未申报"]
        due = sum((Decimal(r["amount"]) for r in rows), Decimal("0.00"))
        resp = self.post("/declarations", {"channel": "daily", "prep_ids": [r["prep_id"] for r in rows],
                                           "total_due": f"{due:.2f}"})
        assert resp.status_code == 202, resp.text
        ids = [d["declaration_id"] for d in resp.json()["declarations"]]
        deadline = time.monotonic() + 15
        for declaration_id in ids:
            while self.get(f"/declarations/{declaration_id}")["record"]["status"] == "待反馈":
                assert time.monotonic() < deadline
                time.sleep(0.2)
            assert self.get(f"/declarations/{declaration_id}")["record"]["status"] == "申报成功"
        return ids


@pytest.fixture
def make_api(bureau):
    made: list[Api] = []

    def make(unit: str) -> Api:
        api = Api(bureau, unit)
        httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": 0}, headers=bureau.demo_headers,
                   timeout=10).raise_for_status()
        made.append(api)
        return api

    yield make
    httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": 5}, headers=bureau.demo_headers,
               timeout=10).raise_for_status()
    for api in made:
        api.http.close()
        bureau.reset_unit(api.unit)


def test_the_demo_payment_of_a_declaration_makes_its_arrivals(make_api):
    api = make_api(PLAIN)
    today = clock.today()
    history = api.get("/arrivals")
    assert history and {a["channel"] for a in history} == {"其他渠道", "银行端凭证"}
    assert all(a["arrived_on"] < today.isoformat() for a in history)
    assert api.get("/arrivals", **{"from": today.isoformat(), "to": today.isoformat()}) == []
    ids = api.declare_daily()
    rows = {d: api.get(f"/declarations/{d}")["rows"] for d in ids}
    resp = api.demo(f"/units/{api.unit}/declarations/{ids[0]}/payment", {"pay_status": "已缴费"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["pay_status"] == "已缴费"
    arrived = api.get("/arrivals", **{"from": today.isoformat(), "to": today.isoformat()})
    record = api.get(f"/declarations/{ids[0]}")["record"]
    paid_rows = [r for r in rows[ids[0]] if Decimal(r["amount"]) > 0]
    assert len(arrived) == len(paid_rows)
    assert {a["voucher_no"] for a in arrived} == {record["voucher_no"]}
    assert {a["declaration_id"] for a in arrived} == {ids[0]}
    assert {(a["item_code"], a["payer"]) for a in arrived} == {(r["item_code"], r["payer"]) for r in paid_rows}
    assert sum(Decimal(a["amount"]) for a in arrived) == Decimal(record["total_due"])
    assert all(a["paid_on"] == a["arrived_on"] == today.isoformat() and a["channel"] == "其他渠道"
               and a["late_fee"] == "0.00" and a["status"] == "已到账" for a in arrived)
    keys = set(arrived[0])
    assert {"arrival_id", "voucher_no", "declaration_id", "item_code", "item_name", "payer", "period_start",
            "period_end", "amount", "late_fee", "paid_on", "arrived_on", "channel", "tax_authority"} <= keys
    # 应缴信息 销账 for the paid declaration's rows.
    payables = [p for p in api.get("/payables") if p["declaration_id"] == ids[0]]
    assert payables and {p["status"] for p in payables} == {"销账"}
    assert api.get("/arrivals", **{"from": (today + dt.timedelta(days=1)).isoformat()}) == []
