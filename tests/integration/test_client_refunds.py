"""单位退费申请管理 (manual 2.28) through the client against a real bureau on loopback: a paid declaration's
ticket and employee lines as candidates (Decimal), 提交申请 kept and listed 待审核, the base checks before
the call, the bureau's refusals as its Chinese messages, 刷新 bringing the bureau's decision (审核不通过
with its reason), and a dropped answer sent again with the same key applying once.

Spare unit (tests/conftest.py): U000046.
"""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from sbflib.domain import clock
from sbflib.employer.refunds import RefundApplication, RefundLine
from sbflib.errors import BureauError, ConnectionFailed, ValidationError

UNIT = "U000046"


def _settings(bureau: Any, delay: float) -> None:
    httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": delay}, headers=bureau.demo_headers,
               timeout=10).raise_for_status()


def _paid(bureau: Any, token: str, item_code: str = "10201") -> dict[str, Any]:
    """Declare the unit's current-month 01 group of one item and pay it (demo): its record."""
    http = httpx.Client(base_url=f"{bureau.api}/units/{UNIT}", timeout=60, headers={"Authorization": f"Bearer {token}"})
    try:
        rows = [r for r in http.get("/preprocessing", params={"channel": "daily"}).json()
                if r["source_code"] == "01" and r["item_code"] == item_code and not r["back_pay"]
                and r["status"] == "未申报"]
        total = sum((Decimal(r["amount"]) for r in rows), Decimal("0.00"))
        resp = http.post("/declarations", json={"channel": "daily", "prep_ids": [r["prep_id"] for r in rows],
                                                "total_due": f"{total:.2f}"},
                         headers={"Idempotency-Key": uuid.uuid4().hex})
        assert resp.status_code == 202, resp.text
        [record] = resp.json()["declarations"]
        deadline = time.monotonic() + 20
        while record["status"] == "待反馈" and time.monotonic() < deadline:
            time.sleep(0.2)
            record = http.get(f"/declarations/{record['declaration_id']}").json()["record"]
        assert record["status"] == "申报成功", record
        paid = httpx.post(f"{bureau.api}/demo/units/{UNIT}/declarations/{record['declaration_id']}/payment",
                          json={"pay_status": "已缴费"}, headers=bureau.demo_headers, timeout=30)
        assert paid.status_code == 200, paid.text
        return record
    finally:
        http.close()


def _app(lines: list[RefundLine], kind: str = "ticket", **change: Any) -> RefundApplication:
    values: dict[str, Any] = {"kind": kind, "refund_type": "多缴退费", "reason": "多缴纳社保费，申请退还",
                              "account_name": "测试单位", "bank_name": "中国工商银行", "account_no": "1202004509006700",
                              "lines": tuple(lines)}
    return RefundApplication(**{**values, **change})


@pytest.fixture
def paid(logged_in, bureau):
    wb = logged_in(UNIT)
    _settings(bureau, 0)
    record = _paid(bureau, wb.ctx.client.token)
    _settings(bureau, 60)  # applications stay 待审核 until the demo decides them
    yield wb, record
    _settings(bureau, 5)


def test_apply_by_ticket_then_refresh_brings_the_decision(paid, bureau):
    wb, record = paid
    refunds = wb.employer.refunds
    month = clock.current_month()
    assert refunds.refresh() == 0
    found = refunds.candidates("ticket", month, month)
    mine = found.frame[found.frame["voucher_no"] == record["voucher_no"]]
    assert len(mine) == 2 and set(mine["payer_name"]) == {"单位缴费", "个人缴费"}
    line = mine[mine["payer"] == "unit"].iloc[0]
    assert isinstance(line["refundable"], Decimal) and line["refundable"] == line["paid_amount"] > 0

    # the client's own checks: more than refundable, a bad account, no reason — nothing sent
    with pytest.raises(ValidationError) as caught:
        refunds.apply(_app([RefundLine(line["line_key"], line["refundable"] + Decimal("0.01"), line["refundable"])]))
    assert caught.value.field == "退费金额" and "可退金额" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        refunds.apply(_app([RefundLine(line["line_key"], "1.00")], account_no="12ab"))
    assert caught.value.field == "退费银行账户"
    # the bureau's own refusal (it knows what is refundable) as its message
    with pytest.raises(BureauError) as refused:
        refunds.apply(_app([RefundLine(line["line_key"], line["paid_amount"] + Decimal("1.00"))]))
    assert refused.value.code == "REFUND_EXCEEDS_PAID" and "可退金额" in str(refused.value)
    assert refunds.pending() == 0

    made = refunds.apply(_app([RefundLine(line["line_key"], "100.00", line["refundable"])]))
    assert made.status == "待审核" and made.total == Decimal("100.00") and made.account_masked == "****6700"
    df, total = refunds.query()
    assert total == 1 and df.loc[0, "status"] == "待审核" and df.loc[0, "kind_name"] == "税票退费"
    left = refunds.candidates("ticket", month, month).frame
    assert left[left["line_key"] == line["line_key"]].iloc[0]["asked"] == Decimal("100.00")

    resp = httpx.post(f"{bureau.api}/demo/units/{UNIT}/refunds/{made.refund_id}/decision",
                      json={"status": "审核不通过", "reason": "该笔费款已划转社保基金，不予退费"},
                      headers=bureau.demo_headers, timeout=10)
    assert resp.status_code == 200, resp.text
    assert refunds.query()[0].loc[0, "status"] == "待审核"  # the kept list until 刷新
    assert refunds.refresh() == 1
    df, _ = refunds.query()
    assert df.loc[0, "status"] == "审核不通过" and df.loc[0, "result_reason"] == "该笔费款已划转社保基金，不予退费"
    record_, lines = refunds.detail(made.refund_id)
    assert record_.status == "审核不通过" and lines.loc[0, "amount"] == Decimal("100.00")


def test_apply_by_employee_lines(paid):
    wb, _record = paid
    refunds = wb.employer.refunds
    month = clock.current_month()
    people = refunds.candidates("employee", month, month).frame
    assert len(people) and people["name"].notna().all() and people["id_number"].notna().all()
    person = people.iloc[0]
    by_name = refunds.candidates("employee", month, month, name=person["name"]).frame
    assert set(by_name["employee_id"]) == {person["employee_id"]}
    made = refunds.apply(_app([RefundLine(person["line_key"], person["refundable"], person["refundable"])],
                              kind="employee"))
    assert made.kind_name == "职工明细退费" and made.total == person["refundable"]
    with pytest.raises(BureauError) as again:
        refunds.apply(_app([RefundLine(person["line_key"], "0.01")], kind="employee"))
    assert again.value.code == "REFUND_EXCEEDS_PAID"


def test_a_dropped_answer_is_sent_again_with_the_same_key_and_applies_once(paid, bureau):
    wb, _record = paid
    wb.ctx.client.demo_secret = bureau.demo_secret
    client = wb.ctx.client
    wb.ctx.client = client.derive(proxy=None, timeout=1.0, retries=1, deadline=20.0)
    refunds = wb.employer.refunds
    month = clock.current_month()
    line = refunds.candidates("ticket", month, month).frame.iloc[0]
    try:
        client.demo.inject_fault(f"/api/v1/units/{UNIT}/refunds", "POST", "drop", times=1, seconds=3)
        with pytest.raises(ConnectionFailed) as lost:
            refunds.apply(_app([RefundLine(line["line_key"], "10.00")]))
        assert "不会重复申请" in str(lost.value) and refunds.pending() == 1
        time.sleep(3.5)  # the bureau has made the application; its answer was dropped
        assert refunds.refresh() == 1  # 刷新 sends the kept submission first: answered with the first one
        assert refunds.pending() == 0
        df, total = refunds.query()
        assert total == 1 and df.loc[0, "total"] == Decimal("10.00")
    finally:
        client.demo.clear_faults()
