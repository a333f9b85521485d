"""Contribution-wage filings (缴费工资申报) on a real bureau on loopback: accepted 待反馈, decided after
the feedback delay, each line on the region's rules (floor and cap, start and stop months, 税务代征
items), annual months from the rule file, the new base in the next incremental roster update, and a
repeated key that files once.

Uses the spare U000026 only (see tests/conftest.py); each test starts from `bureau.token(UNIT)`,
which resets the unit (its filings, filed bases and back pay too).
"""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from sbflib.bureau.roster import decode
from sbflib.bureau.rules import annual_wage_month, contribution_base_limits
from sbflib.domain import clock
from sbflib.domain.months import add_months

UNIT = "U000026"
FLOOR, CAP = contribution_base_limits("330100", clock.current_month())


class Api:
    """A logged-in client of the unit with the demo secret at hand."""

    def __init__(self, bureau: Any) -> None:
        self.bureau = bureau
        self.token = bureau.token(UNIT)
        self.http = httpx.Client(base_url=bureau.api, timeout=30,
                                 headers={"Authorization": f"Bearer {self.token}"})

    def delay(self, seconds: float) -> None:
        resp = httpx.post(f"{self.bureau.api}/demo/settings", json={"feedback_delay_s": seconds},
                          headers=self.bureau.demo_headers, timeout=10)
        assert resp.status_code == 200 and resp.json() == {"feedback_delay_s": seconds}

    def file(self, lines: list[dict[str, Any]], *, kind: str = "daily", way: str = "employee",
             key: str | None = None) -> httpx.Response:
        body = {"kind": kind, "way": way, "tax_authority": self.authority, "lines": lines}
        return self.http.post(f"/units/{UNIT}/wage-filings", json=body,
                              headers={"Idempotency-Key": key or uuid.uuid4().hex})

    @property
    def authority(self) -> str:
        return self.http.get(f"/units/{UNIT}/registration").json()["tax_authority"]

    def detail(self, filing_id: str) -> dict[str, Any]:
        resp = self.http.get(f"/units/{UNIT}/wage-filings/{filing_id}")
        assert resp.status_code == 200, resp.text
        return resp.json()

    def decided(self, filing_id: str, within: float = 15) -> dict[str, Any]:
        deadline = time.monotonic() + within
        while True:
            detail = self.detail(filing_id)
            if detail["status"] != "待反馈" or time.monotonic() > deadline:
                return detail
            time.sleep(0.2)

    def employees(self) -> list[dict[str, Any]]:
        page = self.http.get(f"/units/{UNIT}/employees", params={"size": 100}).json()
        return page["employees"]


@pytest.fixture
def api(bureau):
    client = Api(bureau)
    client.delay(0)
    yield client
    client.delay(5)
    client.http.close()
    bureau.reset_unit(UNIT)


def _paying(employees: list[dict[str, Any]]) -> list[dict[str, Any]]:
    month = clock.current_month()
    return [e for e in employees if e["stop_month"] is None and e["start_month"] <= add_months(month, -6)]


def test_a_filing_is_accepted_pending_then_decided_with_the_base_clamped(api):
    api.delay(6)  # long enough to read it 待反馈 on a loaded machine
    month = clock.current_month()
    low, high, mid = _paying(api.employees())[:3]
    resp = api.file([
        {"employee_id": low["employee_id"], "item_code": None, "wage": "100.00", "month": month},
        {"employee_id": high["employee_id"], "item_code": None, "wage": "99999.99", "month": month},
        {"employee_id": mid["employee_id"], "item_code": None, "wage": "8000.50", "month": month},
    ])
    assert resp.status_code == 202, resp.text
    record = resp.json()
    assert record["status"] == "待反馈" and record["filing_id"].startswith("WF")
    assert (record["kind"], record["way"], record["employees"], record["lines"]) == ("daily", "employee", 3, 3)
    assert record["submitted_at"].endswith("+08:00") and record["decided_at"] is None
    listed = api.http.get(f"/units/{UNIT}/wage-filings").json()
    assert [(r["filing_id"], r["status"]) for r in listed] == [(record["filing_id"], "待反馈")]
    pending = api.detail(record["filing_id"])
    assert {line["status"] for line in pending["lines"]} == {"待反馈"}
    assert pending["lines"][0]["name"] == low["name"]

    detail = api.decided(record["filing_id"])
    assert detail["status"] == "全部申报成功" and detail["decided_at"]
    lines = detail["lines"]
    assert [line["status"] for line in lines] == ["成功"] * 3
    assert Decimal(lines[0]["base"]) == FLOOR and f"按下限{FLOOR:.2f}" in lines[0]["reason"]
    assert "低于缴费基数下限" in lines[0]["reason"]
    assert Decimal(lines[1]["base"]) == CAP and f"按上限{CAP:.2f}" in lines[1]["reason"]
    assert (lines[2]["base"], lines[2]["new_wage"], lines[2]["reason"]) == ("8000.50", "8000.50", None)
    assert lines[0]["id_number"] == low["id_number"] and lines[0]["month"] == month
    old = max(Decimal(i["base"]) for i in low["items"] if i["collection_mode"] == "税务自主")
    assert Decimal(lines[0]["old_wage"]) == old


def test_lines_fail_with_reasons_and_the_filing_is_partly_successful(api):
    month = clock.current_month()
    employees = api.employees()
    paying = _paying(employees)[0]
    stopped = next(e for e in employees if e["stop_month"] and e["stop_month"] < month)
    late = max(employees, key=lambda e: e["start_month"])
    before_start = add_months(late["start_month"], -1)
    resp = api.file([
        {"employee_id": paying["employee_id"], "item_code": "10201", "wage": "9000", "month": month},
        {"employee_id": paying["employee_id"], "item_code": "10205", "wage": "9000", "month": month},
        {"employee_id": stopped["employee_id"], "item_code": "10201", "wage": "9000", "month": month},
        {"employee_id": late["employee_id"], "item_code": "10201", "wage": "9000", "month": before_start},
        {"employee_id": "E999999999", "item_code": "10201", "wage": "9000", "month": month},
        {"employee_id": paying["employee_id"], "item_code": "10299", "wage": "9000", "month": month},
    ], way="item")
    assert resp.status_code == 202, resp.text
    detail = api.decided(resp.json()["filing_id"])
    assert detail["status"] == "部分申报成功"
    lines = {line["line_no"]: line for line in detail["lines"]}
    assert (lines[1]["status"], lines[1]["base"], lines[1]["item_name"]) == ("成功", "9000.00", "基本养老保险费")
    assert lines[2]["status"] == "失败" and "税务代征" in lines[2]["reason"] and "生育保险费" in lines[2]["reason"]
    assert lines[3]["status"] == "失败" and f"晚于该职工的停止缴费年月{stopped['stop_month']}" in lines[3]["reason"]
    assert lines[4]["status"] == "失败" and f"早于该职工的参保缴费起始年月{late['start_month']}" in lines[4]["reason"]
    assert lines[5]["status"] == "失败" and "不是本单位" in lines[5]["reason"] and lines[5]["name"] is None
    assert lines[6]["status"] == "失败" and "未参保" in lines[6]["reason"]
    assert all(lines[n]["base"] is None for n in range(2, 7))


def test_an_all_failed_filing_and_way_employee_leaves_out_the_assessed_item(api):
    month = clock.current_month()
    stopped = next(e for e in api.employees() if e["stop_month"] and e["stop_month"] < month)
    resp = api.file([{"employee_id": stopped["employee_id"], "item_code": None, "wage": "9000", "month": month}])
    assert api.decided(resp.json()["filing_id"])["status"] == "全部申报失败"

    paying = _paying(api.employees())[0]
    resp = api.file([{"employee_id": paying["employee_id"], "item_code": None, "wage": "9100", "month": month}])
    assert api.decided(resp.json()["filing_id"])["status"] == "全部申报成功"
    after = next(e for e in api.employees() if e["employee_id"] == paying["employee_id"])
    bases = {i["item_code"]: i["base"] for i in after["items"]}
    assert {code: b for code, b in bases.items() if code != "10205"} == dict.fromkeys(
        ("10201", "10202", "10203", "10204"), "9100.00")
    assert bases["10205"] != "9100.00"  # 税务代征: its base is the agency's


def test_annual_filings_take_the_month_from_the_rule_and_the_roster_shows_the_new_base(api):
    full = api.http.get(f"/units/{UNIT}/roster")
    cursor = int(full.headers["X-Sbf-Cursor"])
    paying = _paying(api.employees())[1]
    resp = api.file([{"employee_id": paying["employee_id"], "item_code": None, "wage": "12345.60", "month": None}],
                    kind="annual")
    assert resp.status_code == 202, resp.text
    detail = api.decided(resp.json()["filing_id"])
    expected = annual_wage_month("330100", clock.current_month())
    assert expected.endswith("-07")
    assert detail["kind"] == "annual" and detail["lines"][0]["month"] == expected
    assert detail["lines"][0]["status"] == "成功"

    delta = api.http.get(f"/units/{UNIT}/roster", params={"since": cursor})
    employees, items = decode(delta.content)
    assert paying["employee_id"] in employees["employee_id"].to_pylist()
    assert int(delta.headers["X-Sbf-Cursor"]) > cursor
    mine = [r for r in items.to_pylist() if r["employee_id"] == paying["employee_id"]]
    assert {r["item_code"]: str(r["base"]) for r in mine if r["collection_mode"] == "税务自主"} == dict.fromkeys(
        ("10201", "10202", "10203", "10204"), "12345.60")


def test_a_repeated_key_files_once(api):
    month = clock.current_month()
    paying = _paying(api.employees())[2]
    lines = [{"employee_id": paying["employee_id"], "item_code": None, "wage": "7000", "month": month}]
    key = uuid.uuid4().hex
    first, again = api.file(lines, key=key), api.file(lines, key=key)
    assert first.status_code == again.status_code == 202
    assert again.json()["filing_id"] == first.json()["filing_id"]
    assert again.headers.get("idempotent-replayed") == "true"
    assert len(api.http.get(f"/units/{UNIT}/wage-filings").json()) == 1
    other = api.file([{**lines[0], "wage": "7100"}], key=key)
    assert other.status_code == 422 and other.json()["code"] == "IDEMPOTENCY_KEY_REUSED"

    # A client restarted after a lost answer logs in again (a new token) and re-sends with its kept
    # key: the unit gets the same filing back, not a second one.
    login = httpx.post(f"{api.bureau.api}/sessions", json={"unit_id": UNIT, "password": "Test#2026"}, timeout=10)
    api.http.headers["Authorization"] = f"Bearer {login.json()['token']}"
    again = api.file(lines, key=key)
    assert again.status_code == 202 and again.json() == first.json()
    assert len(api.http.get(f"/units/{UNIT}/wage-filings").json()) == 1
    other = api.file([{**lines[0], "wage": "7100"}], key=key)
    assert other.status_code == 422 and other.json()["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_malformed_lines_are_refused_by_number_and_reset_forgets_filings(api, bureau):
    month = clock.current_month()
    paying = _paying(api.employees())[0]
    good = {"employee_id": paying["employee_id"], "item_code": None, "wage": "7000", "month": month}
    for bad, words in (({**good, "wage": "12.345"}, "缴费工资"), ({**good, "wage": "0"}, "缴费工资"),
                       ({**good, "month": "2026-13"}, "生效年月"), ({**good, "item_code": "10201"}, "险种编码"),
                       (good, "重复")):
        resp = api.file([good, bad])
        assert resp.status_code == 422, resp.text
        assert "第2行" in resp.json()["message"] and words in resp.json()["message"]
    resp = api.file([{**good, "month": None}])
    assert resp.status_code == 422 and "第1行" in resp.json()["message"]
    resp = api.file([{**good, "month": month}], kind="annual")
    assert resp.status_code == 422 and "年度" in resp.json()["message"]
    body = {"kind": "daily", "way": "employee", "tax_authority": "国家税务总局某地税务局", "lines": [good]}
    resp = api.http.post(f"/units/{UNIT}/wage-filings", json=body)
    assert resp.status_code == 422 and resp.json()["code"] == "TAX_AUTHORITY_UNKNOWN"

    assert api.file([good]).status_code == 202
    assert len(api.http.get(f"/units/{UNIT}/wage-filings").json()) == 1
    resp = api.http.get(f"/units/{UNIT}/wage-filings/WF1")
    assert resp.status_code == 404 and resp.json()["code"] == "FILING_NOT_FOUND"
    token = bureau.token(UNIT)
    listed = httpx.get(f"{bureau.api}/units/{UNIT}/wage-filings", headers={"Authorization": f"Bearer {token}"})
    assert listed.json() == []


def test_dates_filter_the_records_and_demo_settings_need_the_secret(api, bureau):
    month = clock.current_month()
    paying = _paying(api.employees())[0]
    resp = api.file([{"employee_id": paying["employee_id"], "item_code": None, "wage": "7000", "month": month}])
    today = clock.today()
    listed = api.http.get(f"/units/{UNIT}/wage-filings", params={"from": str(today), "to": str(today)}).json()
    assert [r["filing_id"] for r in listed] == [resp.json()["filing_id"]]
    earlier = api.http.get(f"/units/{UNIT}/wage-filings", params={"to": "2020-01-01"}).json()
    assert earlier == []
    refused = httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": 0}, timeout=10)
    assert refused.status_code == 403 and refused.json()["code"] == "DEMO_SECRET_REQUIRED"


def test_the_answers_conform_to_the_openapi_document(api, bureau):
    schemathesis = pytest.importorskip("schemathesis")
    schema = schemathesis.openapi.from_url(f"{bureau.url}/openapi.json")
    month = clock.current_month()
    paying = _paying(api.employees())[0]
    resp = api.file([{"employee_id": paying["employee_id"], "item_code": None, "wage": "7000", "month": month},
                     {"employee_id": "E999999999", "item_code": None, "wage": "7000", "month": month}])
    base = "/api/v1/units/{unit_id}/wage-filings"
    schema.find_operation_by_path("POST", base).validate_response(resp)
    filing_id = resp.json()["filing_id"]
    api.decided(filing_id)
    schema.find_operation_by_path("GET", base).validate_response(api.http.get(f"/units/{UNIT}/wage-filings"))
    detail = api.http.get(f"/units/{UNIT}/wage-filings/{filing_id}")
    schema.find_operation_by_path("GET", base + "/{filing_id}").validate_response(detail)
    assert [line["status"] for line in detail.json()["lines"]] == ["成功", "失败"]
    bad = api.file([{"employee_id": paying["employee_id"], "item_code": None, "wage": "x", "month": month}])
    schema.find_operation_by_path("POST", base).validate_response(bad)


def test_only_the_filing_route_takes_bodies_over_1_mb(api):
    paying = _paying(api.employees())[0]
    line = {"employee_id": paying["employee_id"], "item_code": None, "wage": "7000", "month": clock.current_month()}
    # About 2 MB (an unknown field pads it): over the 1 MB of every other call, under this route's 32 MB.
    body = {"kind": "daily", "way": "employee", "tax_authority": api.authority, "lines": [line],
            "note": "x" * 2_000_000}
    resp = api.http.post(f"/units/{UNIT}/wage-filings", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert resp.status_code == 202, resp.text[:300]
    too_big = api.http.post(f"/units/{UNIT}/wage-filings", content=b" " * (32 * 2**20 + 1),
                            headers={"Content-Type": "application/json"})
    assert too_big.status_code == 413 and "32MB" in too_big.json()["message"]
    other = api.http.put(f"/units/{UNIT}/password", content=b" " * 1_100_000,
                         headers={"Content-Type": "application/json"})
    assert other.status_code == 413 and "1MB" in other.json()["message"]
