"""税收完税证明（非印刷） and 缴费证明 on a real bureau on loopback: a declaration paid (the demo payment,
which the 征收子系统 records as arrived in the treasury) becomes an 电子税票 to issue; 开具 once with a
number, 补开 gives the same certificate (number, lines, amounts, date) marked 补开 with one print more;
查验 by the paper fields answers genuine only when every field agrees; the unit and employee payment
proofs list what is paid, and say which of the manual's reasons holds when nothing is.

Spare unit (tests/conftest.py): U000046 (杭州). `bureau.token(unit)` resets the unit (its declarations
and payments); certificates stay but belong to vouchers that are gone.
"""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from sbflib.domain import clock
from sbflib.domain.months import add_months

UNIT = "U000046"


class Api:
    def __init__(self, bureau: Any, unit: str) -> None:
        self.bureau = bureau
        self.unit = unit
        self.http = httpx.Client(base_url=bureau.api, timeout=60,
                                 headers={"Authorization": f"Bearer {bureau.token(unit)}"})
        httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": 0}, headers=bureau.demo_headers,
                   timeout=10).raise_for_status()

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> httpx.Response:
        headers = {"Idempotency-Key": uuid.uuid4().hex} if method != "GET" else {}
        return self.http.request(method, f"/units/{self.unit}{path}", json=body, params=params, headers=headers)

    def ok(self, method: str, path: str, body: Any = None, status: int = 200, **params: Any) -> Any:
        resp = self.call(method, path, body, **params)
        assert resp.status_code == status, resp.text
        return resp.json()

    def refused(self, method: str, path: str, body: Any, status: int, code: str, **params: Any) -> str:
        resp = self.call(method, path, body, **params)
        assert (resp.status_code, resp.json()["code"]) == (status, code), resp.text
        return str(resp.json()["message"])

    def declare_item(self, item_code: str) -> dict[str, Any]:
        """Declare the unit's current-month 01 group of one item; the decided record."""
        rows = [r for r in self.ok("GET", "/preprocessing", channel="daily")
                if r["source_code"] == "01" and r["item_code"] == item_code and not r["back_pay"]
                and r["status"] == "未申报"]
        total = sum((Decimal(r["amount"]) for r in rows), Decimal("0.00"))
        answer = self.ok("POST", "/declarations", {"channel": "daily", "prep_ids": [r["prep_id"] for r in rows],
                                                    "total_due": f"{total:.2f}"}, status=202)
        [record] = answer["declarations"]
        deadline = time.monotonic() + 20
        while record["status"] == "待反馈" and time.monotonic() < deadline:
            time.sleep(0.2)
            record = self.ok("GET", f"/declarations/{record['declaration_id']}")["record"]
        assert record["status"] == "申报成功", record
        return record

    def pay(self, record: dict[str, Any]) -> None:
        resp = httpx.post(f"{self.bureau.api}/demo/units/{self.unit}/declarations/{record['declaration_id']}/payment",
                          json={"pay_status": "已缴费"}, headers=self.bureau.demo_headers, timeout=30)
        assert resp.status_code == 200, resp.text


@pytest.fixture
def api(bureau):
    made = Api(bureau, UNIT)
    yield made
    made.http.close()
    bureau.reset_unit(UNIT)


def _paid(api: Api, item_code: str = "10201") -> dict[str, Any]:
    record = api.declare_item(item_code)
    api.pay(record)
    return record


def test_a_paid_declaration_is_issued_once_and_reissued_identical(api):
    month = clock.current_month()
    unpaid = api.declare_item("10202")
    record = _paid(api)
    tickets = {t["voucher_no"]: t for t in api.ok("GET", "/tax-certificates/issuable", **{"from": month, "to": month})}
    assert unpaid["voucher_no"] not in tickets  # not in the treasury: nothing to issue
    ticket = tickets[record["voucher_no"]]
    assert ticket["status"] == "未开具" and ticket["certificate_no"] is None
    assert Decimal(ticket["total"]) == Decimal(record["total_due"])
    assert (ticket["period_start"], ticket["period_end"]) == (month, month)
    assert not api.ok("GET", "/tax-certificates/issuable", **{"from": add_months(month, 1),
                                                               "to": add_months(month, 2)})

    issued = api.ok("POST", "/tax-certificates", {"voucher_no": record["voucher_no"]}, status=201)
    assert len(issued["certificate_no"]) == 20 and issued["ticket_kind"] == "税收完税证明（非印刷）"
    assert issued["reissue"] is False and issued["prints"] == 1 and issued["print_label"] == "第1次打印"
    assert issued["issued_on"] == clock.today().isoformat() and issued["issuer"] == "单位社保费管理客户端"
    assert Decimal(issued["total"]) == sum(Decimal(i["amount"]) for i in issued["items"]) == Decimal(record["total_due"])
    assert {i["voucher_no"] for i in issued["items"]} == {record["voucher_no"]}
    assert {i["item_name"] for i in issued["items"]} == {"基本养老保险费"}
    message = api.refused("POST", "/tax-certificates", {"voucher_no": record["voucher_no"]}, 409,
                          "CERTIFICATE_ALREADY_ISSUED")
    assert issued["certificate_no"] in message and "补开" in message
    api.refused("POST", "/tax-certificates", {"voucher_no": unpaid["voucher_no"]}, 404, "CERTIFICATE_NOTHING_TO_ISSUE")
    listed = {t["voucher_no"]: t for t in api.ok("GET", "/tax-certificates/issuable")}
    assert listed[record["voucher_no"]]["certificate_no"] == issued["certificate_no"]

    # 补开: the same certificate, marked, one print more.
    assert [c["certificate_no"] for c in api.ok("GET", "/tax-certificates", **{"from": month, "to": month})] == [
        issued["certificate_no"]]
    again = api.ok("POST", f"/tax-certificates/{issued['certificate_no']}/reissue")
    assert again["reissue"] is True and again["prints"] == 2 and again["print_label"] == "第2次打印"
    printing = {"reissue", "prints", "print_label", "last_printed_at"}
    assert {k: v for k, v in again.items() if k not in printing} == {
        k: v for k, v in issued.items() if k not in printing}
    assert api.ok("GET", f"/tax-certificates/{issued['certificate_no']}")["prints"] == 2
    api.refused("POST", "/tax-certificates/99999999999999999999/reissue", None, 404, "CERTIFICATE_NOT_FOUND")


def test_verification_by_the_paper_fields_is_true_only_when_every_field_agrees(api):
    record = _paid(api)
    cert = api.ok("POST", "/tax-certificates", {"voucher_no": record["voucher_no"]}, status=201)
    paper = {"taxpayer_id": cert["taxpayer_id"], "taxpayer_name": cert["taxpayer_name"],
             "ticket_kind": "税收完税证明（非印刷）", "certificate_no": cert["certificate_no"],
             "region_code": cert["region_code"], "total": cert["total"]}
    found = api.ok("GET", "/tax-certificate-checks", **paper)
    assert found["genuine"] is True and "一致" in found["message"]
    assert found["result"]["ticket_no"] == cert["ticket_no"] and found["result"]["treasury"] == cert["treasury"]
    assert found["certificate"]["items"] == cert["items"]  # the view-only preview
    full = {**paper, "tax_authority": cert["tax_authority"], "ticket_track": cert["ticket_track"],
            "ticket_no": cert["ticket_no"]}
    assert api.ok("GET", "/tax-certificate-checks", **full)["genuine"] is True
    wrong_total = f"{Decimal(cert['total']) + Decimal('0.01'):.2f}"
    for field, value in (("total", wrong_total), ("taxpayer_id", cert["taxpayer_id"][:-1] + "X"),
                         ("taxpayer_name", "别的公司"), ("certificate_no", "3" * 20), ("region_code", "330199")):
        answer = api.ok("GET", "/tax-certificate-checks", **{**paper, field: value})
        assert answer["genuine"] is False and answer["result"] is None and answer["certificate"] is None, field
    assert api.ok("GET", "/tax-certificate-checks", **{**full, "ticket_no": "0"})["genuine"] is False
    missing = {k: v for k, v in paper.items() if k != "certificate_no"}
    assert api.call("GET", "/tax-certificate-checks", **missing).status_code == 422


def test_payment_proofs_list_what_is_paid_and_give_the_reason_when_nothing_is(api):
    month = clock.current_month()
    later = add_months(month, 3)
    record = _paid(api)
    proof = api.ok("GET", "/payment-proofs/unit", **{"from": month, "to": month})
    mine = [r for r in proof["rows"] if r["voucher_no"] == record["voucher_no"]]
    assert {r["payer_name"] for r in mine} == {"单位缴费", "个人缴费"} and proof["reason"] is None
    assert sum(Decimal(r["amount"]) for r in mine) == Decimal(record["total_due"])
    assert all(r["arrived_on"] == clock.today().isoformat() for r in mine)
    empty = api.ok("GET", "/payment-proofs/unit", **{"from": later, "to": later})
    assert empty["rows"] == [] and empty["reason"] == "职工在输入的费款所属期内未完成社保费缴纳"
    assert len(empty["reasons"]) == 2

    lines = api.http.get(f"/units/{api.unit}/declarations/{record['declaration_id']}/lines")
    from sbflib.bureau.declarations import decode_lines

    first = decode_lines(lines.content).to_pylist()[0]
    person = api.ok("GET", "/payment-proofs/employees", **{"from": month, "to": month, "name": first["name"],
                                                             "id_number": first["id_number"]})
    rows = [r for r in person["rows"] if r["employee_id"] == first["employee_id"]]
    assert [r["item_name"] for r in rows] == ["基本养老保险费"] and rows[0]["month"] == month
    own = [ln for ln in decode_lines(lines.content).to_pylist() if ln["employee_id"] == first["employee_id"]]
    assert Decimal(rows[0]["unit_amount"]) + Decimal(rows[0]["personal_amount"]) == sum(ln["amount"] for ln in own)
    assert Decimal(rows[0]["amount"]) == sum(ln["amount"] for ln in own) and Decimal(rows[0]["unit_amount"]) > 0
    nobody = api.ok("GET", "/payment-proofs/employees", **{"from": month, "to": month, "name": "查无此人"})
    assert nobody["rows"] == [] and nobody["reason"].startswith("未查询到该职工的登记信息") and len(nobody["reasons"]) == 3
    unpaid = api.ok("GET", "/payment-proofs/employees", **{"from": later, "to": later, "name": first["name"]})
    assert unpaid["rows"] == [] and unpaid["reason"] == "职工在输入的费款所属期内未完成社保费缴纳"
    api.refused("GET", "/payment-proofs/employees", None, 422, "PROOF_EMPLOYEE_REQUIRED", **{"from": month, "to": month})
    api.refused("GET", "/payment-proofs/unit", None, 422, "PERIOD_INVALID", **{"from": later, "to": month})


def test_the_answers_conform_to_the_openapi_document(api, bureau):
    """Real answers of every route of agreements, certificates, proofs and refunds against /openapi.json."""
    schemathesis = pytest.importorskip("schemathesis")
    schema = schemathesis.openapi.from_url(f"{bureau.url}/openapi.json")
    month = clock.current_month()
    record = _paid(api)

    def check(method: str, template: str, path: str, body: Any = None, **params: Any) -> Any:
        resp = api.call(method, path, body, **params)
        schema.find_operation_by_path(method, f"/api/v1/units/{{unit_id}}{template}").validate_response(resp)
        return resp.json()

    agreements = check("GET", "/agreements", "/agreements")
    one = agreements[0]["agreement_id"]
    check("GET", "/agreements/{agreement_id}", f"/agreements/{one}")
    check("POST", "/agreements/{agreement_id}/void", "/agreements/99999999/void")  # 404 with the error body
    check("GET", "/tax-certificates/issuable", "/tax-certificates/issuable", **{"from": month, "to": month})
    cert = check("POST", "/tax-certificates", "/tax-certificates", {"voucher_no": record["voucher_no"]})
    check("POST", "/tax-certificates", "/tax-certificates", {"voucher_no": record["voucher_no"]})  # 409
    number = cert["certificate_no"]
    check("GET", "/tax-certificates", "/tax-certificates")
    check("GET", "/tax-certificates/{certificate_no}", f"/tax-certificates/{number}")
    check("POST", "/tax-certificates/{certificate_no}/reissue", f"/tax-certificates/{number}/reissue")
    check("GET", "/tax-certificate-checks", "/tax-certificate-checks", taxpayer_id=cert["taxpayer_id"],
          taxpayer_name=cert["taxpayer_name"], certificate_no=number, region_code=cert["region_code"],
          total=cert["total"])
    check("GET", "/payment-proofs/unit", "/payment-proofs/unit", **{"from": month, "to": month})
    lines = check("GET", "/refund-candidates", "/refund-candidates", kind="employee", **{"from": month, "to": month})
    person = lines["lines"][0]
    check("GET", "/payment-proofs/employees", "/payment-proofs/employees",
          **{"from": month, "to": month, "name": person["name"]})
    refund = check("POST", "/refunds", "/refunds", {
        "kind": "employee", "refund_type": "多缴退费", "reason": "多缴", "account_name": "测试", "bank_name": "中国银行",
        "account_no": "6217000011112222", "lines": [{"line_key": person["line_key"], "amount": "0.01"}],
        "total": "0.01"})
    check("GET", "/refunds", "/refunds")
    check("GET", "/refunds/{refund_id}", f"/refunds/{refund['refund_id']}")
