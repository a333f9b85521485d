"""单位退费申请 (manual 2.28) on a real bureau on loopback: what may be refunded (税票 items and employee
lines in the treasury), the base checks of an application (account, reason, lines, amounts up to what is
refundable, the total), the status the bureau moves (待审核 → 已退库, or 审核不通过 by the demo call, which
frees the amount again), and a ticket refund and employee refunds of one item sharing its amount.

Spare unit (tests/conftest.py): U000045 (杭州); the agreements tests use it too but touch no payment.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import httpx
import pytest
from test_bureau_certificates import Api

from sbflib.domain import clock

UNIT = "U000045"


@pytest.fixture
def api(bureau):
    made = Api(bureau, UNIT)
    yield made
    httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": 5}, headers=bureau.demo_headers, timeout=10)
    made.http.close()
    bureau.reset_unit(UNIT)


def _body(kind: str, lines: list[tuple[str, str]], total: str | None = None, **change: Any) -> dict[str, Any]:
    body = {"kind": kind, "refund_type": "误收退库", "reason": "重复缴纳，申请退还", "account_name": "杭州余杭远景文化传媒有限公司",
            "bank_name": "中国工商银行", "account_no": "1202004509006700",
            "lines": [{"line_key": k, "amount": a} for k, a in lines],
            "total": total or f"{sum((Decimal(a) for _, a in lines), Decimal('0.00')):.2f}"}
    return {**body, **change}


def _decision(api: Api, refund_id: str, status: str, reason: str | None = None) -> dict[str, Any]:
    resp = httpx.post(f"{api.bureau.api}/demo/units/{api.unit}/refunds/{refund_id}/decision",
                      json={"status": status, "reason": reason}, headers=api.bureau.demo_headers, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_a_ticket_refund_is_checked_then_pending_then_refunded(api):
    month = clock.current_month()
    record = api.declare_item("10201")
    api.pay(record)
    found = api.ok("GET", "/refund-candidates", kind="ticket", **{"from": month, "to": month})["lines"]
    mine = [c for c in found if c["voucher_no"] == record["voucher_no"]]
    assert len(mine) == 2 and all(c["refundable"] == c["paid_amount"] and c["asked"] == "0.00" for c in mine)
    line = next(c for c in mine if c["payer"] == "unit")
    paid = Decimal(line["paid_amount"])

    def refused(body: dict[str, Any], status: int, code: str) -> str:
        return api.refused("POST", "/refunds", body, status, code)

    key = line["line_key"]
    assert "8至32位数字" in refused(_body("ticket", [(key, "1.00")], account_no="12ab"), 422, "REFUND_ACCOUNT_INVALID")
    assert "退费申请理由" in refused(_body("ticket", [(key, "1.00")], reason="  "), 422, "REFUND_REASON_REQUIRED")
    refused(_body("ticket", [("SB0-nothing", "1.00")]), 422, "REFUND_LINE_NOT_FOUND")
    refused(_body("ticket", [(key, "0.00")]), 422, "REFUND_AMOUNT_INVALID")
    assert "可退金额" in refused(_body("ticket", [(key, f"{paid + Decimal('0.01'):.2f}")]), 422, "REFUND_EXCEEDS_PAID")
    refused(_body("ticket", [(key, "1.00"), (key, "1.00")]), 422, "REFUND_LINE_REPEATED")
    refused(_body("ticket", [(key, "1.00")], total="2.00"), 409, "REFUND_TOTAL_CHANGED")
    assert api.ok("GET", "/refunds") == []  # nothing kept by a refusal

    api.http.post("/demo/settings", json={"feedback_delay_s": 6}, headers=api.bureau.demo_headers)
    made = api.ok("POST", "/refunds", _body("ticket", [(key, "100.00")]), status=201)
    assert made["status"] == "待审核" and made["total"] == "100.00" and made["lines"] == 1
    assert made["kind_name"] == "税票退费" and made["account_masked"] == "****6700"
    left = next(c for c in api.ok("GET", "/refund-candidates", kind="ticket")["lines"] if c["line_key"] == key)
    assert Decimal(left["refundable"]) == paid - Decimal("100.00") and left["asked"] == "100.00"
    refused(_body("ticket", [(key, f"{paid - Decimal('99.99'):.2f}")]), 422, "REFUND_EXCEEDS_PAID")
    detail = api.ok("GET", f"/refunds/{made['refund_id']}")
    assert detail["lines"][0]["amount"] == "100.00" and detail["lines"][0]["paid_amount"] == f"{paid:.2f}"
    deadline = time.monotonic() + 20
    while api.ok("GET", f"/refunds/{made['refund_id']}")["record"]["status"] == "待审核" and time.monotonic() < deadline:
        time.sleep(0.3)
    done = api.ok("GET", "/refunds")[0]
    assert done["status"] == "已退库" and done["decided_at"] is not None


def test_a_rejected_refund_frees_its_amount_and_employee_lines_share_the_item(api):
    month = clock.current_month()
    record = api.declare_item("10201")
    api.pay(record)
    api.http.post("/demo/settings", json={"feedback_delay_s": 60}, headers=api.bureau.demo_headers)
    employees = api.ok("GET", "/refund-candidates", kind="employee", **{"from": month, "to": month})["lines"]
    person = employees[0]
    assert person["period_start"] == month and person["employee_id"] and person["name"]
    by_name = api.ok("GET", "/refund-candidates", kind="employee", name=person["name"])["lines"]
    assert {c["employee_id"] for c in by_name} == {person["employee_id"]}
    applied = api.ok("POST", "/refunds", _body("employee", [(person["line_key"], person["paid_amount"])]), status=201)
    assert applied["kind_name"] == "职工明细退费"
    again = api.refused("POST", "/refunds", _body("employee", [(person["line_key"], "0.01")]), 422,
                        "REFUND_EXCEEDS_PAID")
    assert "可退金额0.00元" in again
    # The item's ticket line now holds less: what the employee line asked is gone from it.
    ticket = next(c for c in api.ok("GET", "/refund-candidates", kind="ticket")["lines"]
                  if person["line_key"].startswith(c["line_key"] + "|"))
    assert Decimal(ticket["refundable"]) == Decimal(ticket["paid_amount"]) - Decimal(person["paid_amount"])
    rejected = _decision(api, applied["refund_id"], "审核不通过", "该笔费款已划转社保基金，不予退费")
    assert rejected["status"] == "审核不通过" and rejected["result_reason"] == "该笔费款已划转社保基金，不予退费"
    freed = next(c for c in api.ok("GET", "/refund-candidates", kind="employee", name=person["name"])["lines"]
                 if c["line_key"] == person["line_key"])
    assert freed["refundable"] == person["paid_amount"]
    resp = httpx.post(f"{api.bureau.api}/demo/units/{api.unit}/refunds/{applied['refund_id']}/decision",
                      json={"status": "已退库"}, headers=api.bureau.demo_headers, timeout=10)
    assert resp.status_code == 409 and resp.json()["code"] == "REFUND_DECIDED"
