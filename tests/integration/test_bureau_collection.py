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
import pyarrow as pa
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


def _agreement(api: Api, *, verify: bool = True, tail: str = "6700") -> str:
    """A 三方协议 of the unit (a fresh 账号 ending `tail`: agreements outlive a demo reset), verified
    unless told otherwise: its ID."""
    from sbflib.bureau.agreements import banking_regions, banks, branches

    account = f"6222{uuid.uuid4().int % 10**8:08d}{tail}"

    region = next(r for r in banking_regions() if r["region_name"].startswith("浙江省杭州市"))["region_code"]
    bank = banks(region)[0]["bank_code"]
    body = {"allow_debit": False, "tax_authority": api.get("/registration")["tax_authority"],
            "region_code": region, "bank_code": bank, "branch_no": branches(region, bank)[0]["branch_no"],
            "account_name": "测试单位", "account_no": account}
    resp = api.post("/agreements", body)
    assert resp.status_code == 201, resp.text
    agreement_id = resp.json()["agreement_id"]
    if verify:
        resp = api.post(f"/agreements/{agreement_id}/verify")
        assert resp.status_code == 200 and resp.json()["status"] == "验证通过", resp.text
    return agreement_id


def _total(arrears: list[dict[str, Any]]) -> str:
    return f"{sum((Decimal(a['total']) for a in arrears), Decimal('0.00')):.2f}"


def _pay(api: Api, arrears: list[dict[str, Any]], method: str = "agreement", *, agreement_id: str | None = None,
         password: str | None = None, key: str | None = None, total: str | None = None,
         payer: dict[str, str] | None = None, timeout: float = 60) -> httpx.Response:
    body: dict[str, Any] = {"arrear_ids": [a["arrear_id"] for a in arrears], "method": method,
                            "total": total or _total(arrears)}
    if agreement_id:
        body["agreement_id"] = agreement_id
    if payer:
        body["payer"] = payer
    return api.http.post(f"/units/{api.unit}/payments", json=body, timeout=timeout,
                         headers={"Idempotency-Key": key or uuid.uuid4().hex,
                                  "X-Sbf-Password": password or api.password})


def _bank(api: Api, outcome: str, reason: str | None = None, unlock: str = "success",
          unlock_reason: str | None = None) -> None:
    resp = api.demo(f"/units/{api.unit}/bank", {"outcome": outcome, "reason": reason, "unlock_outcome": unlock,
                                                 "unlock_reason": unlock_reason})
    assert resp.status_code == 200, resp.text


def test_arrears_have_pay_by_dates_days_left_and_a_late_fee_preview(make_api):
    from pydantic import TypeAdapter

    from sbflib.bureau.collection import collection_rule, decode_frame
    from sbflib.bureau.routes.collection import Arrear
    from sbflib.domain.deadlines import days_left, late_fee, next_working_day, pay_by_date

    api = make_api(PLAIN)
    assert api.get("/arrears") == []
    ids = api.declare_daily()
    declared = [r for d in ids for r in api.get(f"/declarations/{d}")["rows"] if Decimal(r["amount"]) > 0]
    arrears = api.get("/arrears")
    assert len(arrears) == len(declared)
    TypeAdapter(list[Arrear]).validate_python(arrears)  # the JSON the store builds keeps the documented model
    rule = collection_rule("330100")
    today = clock.today()
    month = clock.current_month()
    for a in arrears:
        row = next(r for r in declared if f"{a['declaration_id']}-{r['prep_id']}" == a["arrear_id"])
        due = (next_working_day(dt.date.fromisoformat(row["valid_until"])) if row["valid_until"]
               else pay_by_date(month, rule))
        assert a["pay_by"] == due.isoformat() and a["days_left"] == days_left(due, today)
        assert a["late_fee"] == "0.00" and a["total"] == a["amount"]
        assert a["deferrable"] is False and a["operation"] == "正常缴费" and a["status"] == "未缴费"
    # Preview: paying ten days after the latest pay-by date costs the unit share 0.05 % a day.
    late = max(dt.date.fromisoformat(a["pay_by"]) for a in arrears) + dt.timedelta(days=10)
    preview = api.get("/arrears", pay_date=late.isoformat())
    for a in preview:
        due = dt.date.fromisoformat(a["pay_by"])
        expected = late_fee(Decimal(a["amount"]), due, late, rule, a["payer"])
        assert Decimal(a["late_fee"]) == expected
        assert (Decimal(a["late_fee"]) > 0) == (a["payer"] == "unit" and Decimal(a["amount"]) >= 1)
        assert Decimal(a["total"]) == Decimal(a["amount"]) + expected
    resp = api.http.get(f"/units/{api.unit}/arrears", params={"pay_date": (today - dt.timedelta(days=1)).isoformat()})
    assert resp.status_code == 422 and resp.json()["code"] == "VALIDATION"
    # The same list as Arrow (for a client that keeps 100,000 of them): money Decimal, dates as dates.
    resp = api.http.get(f"/units/{api.unit}/arrears/table", params={"pay_date": late.isoformat()})
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/vnd.sbf.arrears.v1"
    table = decode_frame(resp.content)
    assert int(resp.headers["X-Sbf-Rows"]) == table.num_rows == len(preview)
    assert table.schema.field("amount").type == pa.decimal128(18, 2)
    for row, wire in zip(table.to_pylist(), preview, strict=True):
        assert row["arrear_id"] == wire["arrear_id"] and f"{row['late_fee']:.2f}" == wire["late_fee"]
        assert row["pay_by"].isoformat() == wire["pay_by"] and row["deferrable"] == wire["deferrable"]


def test_deferrable_unit_shares_are_flagged_and_paid_apart(make_api):
    api = make_api(DEFERRING)
    ids = api.declare_daily()
    arrears = api.get("/arrears")
    deferrable = [a for a in arrears if a["deferrable"]]
    assert {(a["item_code"], a["payer"]) for a in deferrable} <= {("10201", "unit"), ("10202", "unit"),
                                                                    ("10204", "unit")}
    assert deferrable and all(a["operation"] == "可缓缴" for a in deferrable)
    plain = [a for a in arrears if not a["deferrable"]]
    assert min(a["pay_by"] for a in deferrable) > max(a["pay_by"] for a in plain if a["source_code"] == "01")
    agreement = _agreement(api)
    # The items of one 应征凭证序号 that are not deferrable go together.
    resp = _pay(api, plain[:1], agreement_id=agreement)
    assert resp.status_code == 422 and resp.json()["code"] == "ARREARS_INCOMPLETE", resp.text
    assert "可缓缴的除外" in resp.json()["message"]
    resp = _pay(api, plain, agreement_id=agreement)
    assert resp.status_code == 201 and resp.json()["status"] == "缴费成功", resp.text
    left = api.get("/arrears")
    assert {a["arrear_id"] for a in left} == {a["arrear_id"] for a in deferrable}
    # Paid rows are 销账 while their declaration still owes the deferred ones.
    payables = {f"{p['declaration_id']}-{p['prep_id']}": p["status"] for p in api.get("/payables")
                if p["declaration_id"] in ids}
    assert {payables[a["arrear_id"]] for a in plain} == {"销账"}
    assert {payables[a["arrear_id"]] for a in deferrable} == {"申报成功"}
    refused = api.post(f"/declarations/{deferrable[0]['declaration_id']}/void")
    assert refused.status_code == 409 and refused.json()["code"] == "DECLARATION_PAID"
    assert "部分缴费" in refused.json()["message"]
    # The deferred ones alone later: the declaration is then 已缴费.
    resp = _pay(api, deferrable[:1], agreement_id=agreement)
    assert resp.status_code == 201, resp.text
    resp = _pay(api, deferrable[1:], agreement_id=agreement)
    assert resp.status_code == 201, resp.text
    assert api.get("/arrears") == []
    assert {api.get(f"/declarations/{d}")["record"]["pay_status"] for d in ids} == {"已缴费"}


def test_agreement_payment_succeeds_and_makes_records_and_arrivals(make_api):
    api = make_api(PLAIN)
    ids = api.declare_daily()
    arrears = api.get("/arrears")
    agreement = _agreement(api)
    resp = _pay(api, arrears, agreement_id=agreement)
    assert resp.status_code == 201, resp.text
    paid = resp.json()
    assert paid["status"] == "缴费成功" and paid["method"] == "agreement" and paid["total"] == _total(arrears)
    assert paid["account_masked"] == "****6700" and paid["voucher"] is None
    assert {r["voucher_no"] for r in paid["records"]} == {a["voucher_no"] for a in arrears}
    assert all(r["status"] == "缴费成功" and r["channel"] == "三方协议" and r["bank_serial"] for r in paid["records"])
    assert api.get("/arrears") == []
    assert {api.get(f"/declarations/{d}")["record"]["pay_status"] for d in ids} == {"已缴费"}
    today = clock.today().isoformat()
    arrived = api.get("/arrivals", **{"from": today, "to": today})
    assert len(arrived) == len(arrears) and {a["channel"] for a in arrived} == {"三方协议"}
    assert sum(Decimal(a["amount"]) for a in arrived) == sum(Decimal(a["amount"]) for a in arrears)
    # 缴费记录 by period: this payment's records, and the history made in other channels.
    month = clock.current_month()
    records = api.get("/payments", **{"from": month, "to": month})
    assert {r["record_id"] for r in records} == {r["record_id"] for r in paid["records"]}
    one = api.get(f"/payments/{records[0]['record_id']}")
    assert one["items"] and one["voucher_no"] == records[0]["voucher_no"]
    history = api.get("/payments")
    assert {r["channel"] for r in history} == {"三方协议", "其他渠道", "银行端凭证"}
    # Nothing is left to pay: the same arrears again are unknown.
    resp = _pay(api, arrears, agreement_id=agreement)
    assert resp.status_code == 422 and resp.json()["code"] == "ARREARS_NOT_FOUND"


def test_refusals_before_paying(make_api):
    api = make_api(PLAIN)
    api.declare_daily()
    arrears = api.get("/arrears")
    unverified = _agreement(api, verify=False)
    resp = _pay(api, arrears, agreement_id=unverified)
    assert resp.status_code == 409 and resp.json()["code"] == "AGREEMENT_NOT_USABLE", resp.text
    agreement = _agreement(api, tail="6711")
    resp = _pay(api, arrears, agreement_id=agreement, password="Wrong#2026")
    assert resp.status_code == 401 and resp.json()["code"] == "PASSWORD_WRONG"
    resp = _pay(api, arrears, agreement_id=agreement, total="1.00")
    assert resp.status_code == 409 and resp.json()["code"] == "ARREARS_CHANGED"
    assert "1.00元" in resp.json()["message"]
    resp = _pay(api, [{"arrear_id": "SB1-P01N-1"}], agreement_id=agreement, total="0.00")
    assert resp.status_code == 422 and resp.json()["code"] == "ARREARS_NOT_FOUND"
    resp = _pay(api, arrears, agreement_id=None)
    assert resp.status_code == 422 and resp.json()["code"] == "VALIDATION"
    assert len(api.get("/arrears")) == len(arrears)


def test_bank_failure_keeps_the_arrears_with_the_reason(make_api):
    api = make_api(PLAIN)
    api.declare_daily()
    arrears = api.get("/arrears")
    agreement = _agreement(api)
    _bank(api, "failure", "账户余额不足")
    resp = _pay(api, arrears, agreement_id=agreement)
    assert resp.status_code == 201, resp.text
    assert resp.json()["status"] == "缴费失败"
    assert {(r["status"], r["reason"]) for r in resp.json()["records"]} == {("缴费失败", "账户余额不足")}
    assert {a["status"] for a in api.get("/arrears")} == {"未缴费"}
    assert api.get("/arrivals", **{"from": clock.today().isoformat()}) == []
    _bank(api, "success")
    resp = _pay(api, arrears, agreement_id=agreement)
    assert resp.status_code == 201 and resp.json()["status"] == "缴费成功"


@pytest.mark.parametrize("unlock", ["success", "failure"])
def test_a_locked_payment_blocks_the_items_until_unlocked(make_api, unlock):
    api = make_api(PLAIN)
    ids = api.declare_daily()
    arrears = api.get("/arrears")
    agreement = _agreement(api)
    frozen = "账户已冻结" if unlock == "failure" else None
    _bank(api, "lock", unlock=unlock, unlock_reason=frozen)
    resp = _pay(api, arrears, agreement_id=agreement)
    assert resp.status_code == 201 and resp.json()["status"] == "锁定", resp.text
    records = resp.json()["records"]
    assert {r["status"] for r in records} == {"锁定"}
    assert {a["status"] for a in api.get("/arrears")} == {"锁定"}
    held = api.post(f"/declarations/{ids[0]}/void")
    assert held.status_code == 409 and held.json()["code"] == "DECLARATION_PAYMENT_PENDING", held.text
    _bank(api, "success", unlock=unlock, unlock_reason=frozen)  # new payments would pass; the lock stays
    again = _pay(api, arrears, agreement_id=agreement)
    assert again.status_code == 409 and again.json()["code"] == "ARREAR_LOCKED"
    assert "请先在缴费记录中解锁" in again.json()["message"]
    # 解锁 asks for the password first.
    wrong = api.http.post(f"/units/{api.unit}/payments/{records[0]['record_id']}/unlock",
                          headers={"Idempotency-Key": uuid.uuid4().hex, "X-Sbf-Password": "Wrong#2026"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "PASSWORD_WRONG"
    for rec in records:
        resp = api.http.post(f"/units/{api.unit}/payments/{rec['record_id']}/unlock",
                             headers={"Idempotency-Key": uuid.uuid4().hex, "X-Sbf-Password": api.password})
        assert resp.status_code == 200, resp.text
        done = resp.json()
        if unlock == "success":
            assert (done["status"], done["unlock_result"]) == ("缴费成功", "缴费成功")
        else:
            assert (done["status"], done["unlock_result"]) == ("缴费失败", "扣费失败")
            assert done["reason"] == "扣费失败：账户已冻结"
    twice = api.http.post(f"/units/{api.unit}/payments/{records[0]['record_id']}/unlock",
                          headers={"Idempotency-Key": uuid.uuid4().hex, "X-Sbf-Password": api.password})
    assert twice.status_code == 409 and twice.json()["code"] == "PAYMENT_NOT_LOCKED"
    today = clock.today().isoformat()
    if unlock == "success":
        assert api.get("/arrears") == []
        assert len(api.get("/arrivals", **{"from": today})) == len(arrears)
        assert {api.get(f"/declarations/{d}")["record"]["pay_status"] for d in ids} == {"已缴费"}
    else:
        assert {a["status"] for a in api.get("/arrears")} == {"未缴费"}
        assert api.get("/arrivals", **{"from": today}) == []
        resp = _pay(api, arrears, agreement_id=agreement)
        assert resp.status_code == 201 and resp.json()["status"] == "缴费成功"


def test_the_same_payment_sent_twice_is_charged_once(make_api, bureau):
    api = make_api(PLAIN)
    api.declare_daily()
    arrears = api.get("/arrears")
    agreement = _agreement(api)
    key = uuid.uuid4().hex
    fault = {"path_prefix": f"/api/v1/units/{api.unit}/payments", "method": "POST", "mode": "drop", "times": 1,
             "seconds": 3}
    assert api.demo("/faults", fault).status_code == 200
    try:
        with pytest.raises(httpx.HTTPError):
            _pay(api, arrears, agreement_id=agreement, key=key, timeout=2)
    finally:
        httpx.delete(f"{bureau.api}/demo/faults", headers=bureau.demo_headers, timeout=10)
    resp = _pay(api, arrears, agreement_id=agreement, key=key)
    assert resp.status_code == 201, resp.text
    assert resp.json()["status"] == "缴费成功"
    # After a new login too (the payment keeps its key), still the first payment.
    first = resp.json()["payment_id"]
    api.relogin()
    again = _pay(api, arrears, agreement_id=agreement, key=key)
    assert again.status_code == 201 and again.json()["payment_id"] == first
    month = clock.current_month()
    records = api.get("/payments", **{"from": month, "to": month})
    assert {r["payment_id"] for r in records} == {first}
    assert len(records) == len({a["voucher_no"] for a in arrears})
    arrived = api.get("/arrivals", **{"from": clock.today().isoformat()})
    assert len(arrived) == len(arrears)


def test_a_bank_voucher_is_issued_voided_once_and_paid_at_the_bank(make_api):
    api = make_api(PLAIN)
    api.declare_daily()
    arrears = api.get("/arrears")
    payer = {"payer_name": "杭州西湖清源环保科技有限公司", "payer_account": "6222020200106700",
             "payer_bank": "中国工商银行杭州西湖支行"}
    resp = _pay(api, arrears, "voucher", payer=payer)
    assert resp.status_code == 201, resp.text
    voucher = resp.json()["voucher"]
    assert resp.json()["status"] == "已开具凭证" and resp.json()["records"] == []
    assert voucher["status"] == "未缴费" and voucher["channel"] == "客户端" and len(voucher["voucher_no"]) == 19
    assert voucher["valid_until"] == min(a["pay_by"] for a in arrears)
    assert voucher["total"] == _total(arrears) and len(voucher["items"]) == len(arrears)
    assert (voucher["payer_name"], voucher["payer_account"], voucher["payer_bank"]) == tuple(payer.values())
    assert {a["status"] for a in api.get("/arrears")} == {"已开具凭证"}
    held = api.post(f"/declarations/{arrears[0]['declaration_id']}/void")
    assert held.status_code == 409 and held.json()["code"] == "DECLARATION_PAYMENT_PENDING", held.text
    agreement = _agreement(api)
    refused = _pay(api, arrears, agreement_id=agreement)
    assert refused.status_code == 409 and refused.json()["code"] == "ARREAR_ON_VOUCHER"
    # Void, then void again refused; the items are payable again.
    number = voucher["voucher_no"]
    voided = api.post(f"/vouchers/{number}/void")
    assert voided.status_code == 200 and voided.json()["status"] == "已作废", voided.text
    again = api.post(f"/vouchers/{number}/void")
    assert again.status_code == 409 and again.json()["code"] == "VOUCHER_VOIDED"
    assert "不能重新打印或再次作废" in again.json()["message"]
    assert {a["status"] for a in api.get("/arrears")} == {"未缴费"}
    # A new voucher without a payer block, paid at the bank counter.
    second = _pay(api, arrears, "voucher").json()["voucher"]
    assert second["payer_name"] is None and second["voucher_no"] != number
    paid = api.demo(f"/units/{api.unit}/vouchers/{second['voucher_no']}/pay")
    assert paid.status_code == 200 and paid.json()["status"] == "已缴费", paid.text
    assert api.get("/arrears") == []
    refused = api.post(f"/vouchers/{second['voucher_no']}/void")
    assert refused.status_code == 409 and refused.json()["code"] == "VOUCHER_PAID"
    arrived = api.get("/arrivals", **{"from": clock.today().isoformat()})
    assert len(arrived) == len(arrears) and {a["channel"] for a in arrived} == {"银行端凭证"}
    month = clock.current_month()
    listed = api.get("/vouchers", **{"from": month, "to": month})
    assert {(v["voucher_no"], v["status"]) for v in listed} == {(number, "已作废"), (second["voucher_no"], "已缴费")}
    records = api.get("/payments", **{"from": month, "to": month})
    assert {r["bank_voucher_no"] for r in records} == {second["voucher_no"]}
    assert api.get(f"/vouchers/{number}")["items"]
    missing = api.http.get(f"/units/{api.unit}/vouchers/4000000000000000000")
    assert missing.status_code == 404 and missing.json()["code"] == "VOUCHER_NOT_FOUND"


def test_vouchers_and_payments_made_in_other_channels_are_there_to_sync(make_api):
    api = make_api(DEFERRING)
    vouchers = api.get("/vouchers")
    assert {(v["channel"], v["status"]) for v in vouchers} == {("其他渠道", "已缴费"), ("其他渠道", "已作废")}
    records = api.get("/payments")
    assert {r["channel"] for r in records} == {"其他渠道", "银行端凭证"}
    assert all(r["status"] == "缴费成功" and r["items"] for r in records)
    older = records[-1]["period_start"]
    assert [r["period_start"] for r in api.get("/payments", **{"from": older, "to": older})] == [older]
    assert api.get("/vouchers", **{"from": clock.current_month()}) == []


# --- the clock moved: in-process on a seeded store (the bureau tests' way to set dates) ------------------


@pytest.fixture(scope="module")
def pinned_store(tmp_path_factory):
    from sbflib.bureau.seed import seed
    from sbflib.bureau.store import BureauStore

    path = tmp_path_factory.mktemp("collection") / "bureau.duckdb"
    clock.set_today("2026-11-27")
    try:
        demo = seed(path, seed=5, employees=20, residents=0)
    finally:
        clock.reset()
    store = BureauStore(path)
    yield store, next(u["password"] for u in demo["units"] if u["unit_id"] == PLAIN)
    store.close()


def test_the_late_fee_is_charged_once_the_pay_by_date_has_passed(pinned_store):
    import json

    from sbflib.bureau import agreements, declarations, payments, vouchers
    from sbflib.bureau.collection import arrivals
    from sbflib.bureau.errors import Refusal

    store, password = pinned_store
    clock.set_today("2026-11-27")
    try:
        rows = [r for r in declarations.preprocessing(store, PLAIN, "daily") if r["status"] == "未申报"]
        due = sum((r["amount"] for r in rows), Decimal("0.00"))
        body = declarations.parse_body(json.dumps({"channel": "daily", "prep_ids": [r["prep_id"] for r in rows],
                                                   "total_due": f"{due:.2f}"}).encode())
        declarations.submit(store, PLAIN, body, 0, uuid.uuid4().hex)
        declarations.decide_due(store, PLAIN)
        now = payments.arrears(store, PLAIN)
        own = [a for a in now if a["source_code"] == "01"]
        assert own and {a["pay_by"] for a in own} == {dt.date(2026, 12, 15)}   # a Tuesday
        assert {a["days_left"] for a in own} == {18} and {a["late_fee"] for a in now} == {Decimal("0.00")}
        assessed = [a for a in now if a["source_code"] == "03"]
        assert assessed and {a["pay_by"] for a in assessed} == {dt.date(2026, 12, 31)}  # 征集有效日期, a Thursday
        region = next(r for r in agreements.banking_regions() if r["region_name"].startswith("浙江省杭州市"))
        bank = agreements.banks(region["region_code"])[0]["bank_code"]
        with store.reading() as cur:
            authority = agreements.tax_authorities(cur, PLAIN)[0]
        made = agreements.create(store, PLAIN, {
            "allow_debit": False, "tax_authority": authority, "region_code": region["region_code"],
            "bank_code": bank, "branch_no": agreements.branches(region["region_code"], bank)[0]["branch_no"],
            "account_name": "测试单位", "account_no": "6222020200106700"})
        assert agreements.verify(store, PLAIN, made["agreement_id"])["status"] == "验证通过"

        # Ten days after the pay-by date: 0.05 % a day on the unit share of the 01 rows, none on the
        # personal share; the 征集信息 is still within its 征集有效日期.
        clock.set_today("2026-12-25")
        late = payments.arrears(store, PLAIN)
        for a in late:
            if a["source_code"] == "01" and a["payer"] == "unit":
                hand = (a["amount"] * Decimal("0.0005") * 10).quantize(Decimal("0.01"))
                assert a["late_fee"] == hand and a["days_left"] == -10
            else:
                assert a["late_fee"] == Decimal("0.00")
        fees = sum((a["late_fee"] for a in late), Decimal("0.00"))
        assert fees > 0
        # An overdue voucher is valid on its day of issue only.
        own = [a for a in late if a["source_code"] == "01"]
        voucher = payments.pay(store, PLAIN, password=password, arrear_ids=[a["arrear_id"] for a in own],
                               method="voucher", agreement_id=None, payer=None,
                               total=sum((a["total"] for a in own), Decimal("0.00")), idempotency_key=None)
        assert voucher["voucher"]["valid_until"] == dt.date(2026, 12, 25)
        clock.set_today("2026-12-26")
        number = voucher["voucher"]["voucher_no"]
        assert vouchers.voucher(store, PLAIN, number)["status"] == "已过期"
        with pytest.raises(Refusal) as info:
            vouchers.bank_pays(store, PLAIN, number)
        assert info.value.code == "VOUCHER_EXPIRED"
        # Its items are payable again, with one more day of late fee.
        late = payments.arrears(store, PLAIN)
        assert {a["status"] for a in late} == {"未缴费"}
        total = sum((a["total"] for a in late), Decimal("0.00"))
        paid = payments.pay(store, PLAIN, password=password, arrear_ids=[a["arrear_id"] for a in late],
                            method="agreement", agreement_id=made["agreement_id"], payer=None, total=total,
                            idempotency_key=uuid.uuid4().hex)
        assert paid["status"] == "缴费成功" and paid["total"] == total
        eleven = sum(((a["amount"] * Decimal("0.0005") * 11).quantize(Decimal("0.01")) for a in late
                      if a["source_code"] == "01" and a["payer"] == "unit"), Decimal("0.00"))
        assert paid["late_fee"] == eleven == sum((r["late_fee"] for r in paid["records"]), Decimal("0.00"))
        arrived = arrivals(store, PLAIN, dt.date(2026, 12, 26), None)
        assert len(arrived) == len(late) and sum((a["late_fee"] for a in arrived), Decimal("0.00")) == eleven
        assert {a["paid_on"] for a in arrived} == {dt.date(2026, 12, 26)}
    finally:
        clock.reset()
