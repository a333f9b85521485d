"""Fee declarations (社保费申报) on a real bureau on loopback: the preprocessing computed from filed wages
(a hand-worked example per item and payer), back-pay months, 征集信息 of 税务代征 items, declaring whole
groups (待反馈 → 申报成功), refusals (part of a group, twice, a changed total), 核定 with one kind failing,
void of an unpaid declaration and refusal for a paid one, records by date range, lines as Arrow.

Spare units (tests/conftest.py): U000030 (杭州, software: 工伤 class 1), U000031 (杭州 builder, 工程项目),
U000032 (深圳, every item 税务代征). Each test starts from `bureau.token(unit)`, which resets the unit
(its declarations and the office's assessments too).
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from sbflib.bureau.declarations import decode_lines
from sbflib.bureau.rules import contribution_base_limits
from sbflib.domain import clock
from sbflib.domain.months import add_months


class Api:
    """A logged-in client of one unit with the demo secret at hand."""

    def __init__(self, bureau: Any, unit: str) -> None:
        self.bureau = bureau
        self.unit = unit
        self.http = httpx.Client(base_url=bureau.api, timeout=60,
                                 headers={"Authorization": f"Bearer {bureau.token(unit)}"})

    def delay(self, seconds: float) -> None:
        httpx.post(f"{self.bureau.api}/demo/settings", json={"feedback_delay_s": seconds},
                   headers=self.bureau.demo_headers, timeout=10).raise_for_status()

    def get(self, path: str, **params: Any) -> Any:
        resp = self.http.get(f"/units/{self.unit}{path}", params=params)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def rows(self, channel: str = "daily") -> list[dict[str, Any]]:
        return self.get("/preprocessing", channel=channel)

    def declare(self, channel: str, rows: list[dict[str, Any]], *, total: str | None = None,
                key: str | None = None) -> httpx.Response:
        due = sum((Decimal(r["amount"]) for r in rows), Decimal("0.00"))
        body = {"channel": channel, "prep_ids": [r["prep_id"] for r in rows], "total_due": total or f"{due:.2f}"}
        return self.http.post(f"/units/{self.unit}/declarations", json=body,
                              headers={"Idempotency-Key": key or uuid.uuid4().hex})

    def record(self, declaration_id: str) -> dict[str, Any]:
        return self.get(f"/declarations/{declaration_id}")["record"]

    def decided(self, declaration_id: str, within: float = 15) -> dict[str, Any]:
        deadline = time.monotonic() + within
        while True:
            rec = self.record(declaration_id)
            if rec["status"] not in ("待反馈", "作废中") or time.monotonic() > deadline:
                return rec
            time.sleep(0.2)

    def file_wages(self, lines: list[dict[str, Any]]) -> None:
        authority = self.get("/registration")["tax_authority"]
        resp = self.http.post(f"/units/{self.unit}/wage-filings", headers={"Idempotency-Key": uuid.uuid4().hex},
                              json={"kind": "daily", "way": "employee", "tax_authority": authority, "lines": lines})
        assert resp.status_code == 202, resp.text
        filing = resp.json()["filing_id"]
        deadline = time.monotonic() + 15
        while self.get(f"/wage-filings/{filing}")["status"] == "待反馈" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert self.get(f"/wage-filings/{filing}")["status"] == "全部申报成功"

    def lines(self, path: str, **params: Any) -> list[dict[str, Any]]:
        resp = self.http.get(f"/units/{self.unit}{path}", params=params)
        assert resp.status_code == 200, resp.text
        assert resp.headers["content-type"] == "application/vnd.sbf.lines.v1"
        table = decode_lines(resp.content)
        assert int(resp.headers["X-Sbf-Lines"]) == table.num_rows
        return table.to_pylist()


@pytest.fixture
def make_api(bureau):
    made: list[Api] = []

    def make(unit: str, delay: float = 0) -> Api:
        api = Api(bureau, unit)
        api.delay(delay)
        made.append(api)
        return api

    yield make
    for api in made:
        api.delay(5)
        api.http.close()
        bureau.reset_unit(api.unit)


def _groups(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row["group_key"], []).append(row)
    return out


def _paying(api: Api) -> list[dict[str, Any]]:
    month = clock.current_month()
    employees = api.get("/employees", size=100)["employees"]
    return [e for e in employees if e["stop_month"] is None and e["start_month"] <= add_months(month, -6)]


def test_preprocessing_after_a_wage_filing_is_the_hand_worked_amount_per_item_and_payer(make_api):
    api = make_api("U000030")
    month = clock.current_month()
    back = add_months(month, -2)
    first, second = _paying(api)[:2]
    api.file_wages([{"employee_id": first["employee_id"], "item_code": None, "wage": "8000.50", "month": month},
                    {"employee_id": second["employee_id"], "item_code": None, "wage": "100.00", "month": back}])
    rows = api.rows()
    self_rows = [r for r in rows if r["source_code"] == "01"]
    assert {r["status"] for r in rows} == {"未申报"}
    lines = api.lines("/preprocessing/lines", ids=",".join(r["prep_id"] for r in self_rows))
    mine = {(ln["item_code"], ln["payer"]): ln for ln in lines
            if ln["employee_id"] == first["employee_id"] and ln["month"] == month}
    # Worked by hand: base 8000.50 (between 杭州's floor and cap), rates of the rule file, half up to the fen.
    expected = {
        ("10201", "unit"): "1280.08",      # 8000.50 × 16%   = 1280.08
        ("10201", "personal"): "640.04",   # 8000.50 × 8%    = 640.04
        ("10202", "unit"): "40.00",        # 8000.50 × 0.5%  = 40.0025
        ("10202", "personal"): "40.00",
        ("10203", "unit"): "760.05",       # 8000.50 × 9.5%  = 760.0475
        ("10203", "personal"): "160.01",   # 8000.50 × 2%    = 160.01
        ("10204", "unit"): "16.00",        # 8000.50 × 0.2% (一类行业) = 16.001
    }
    assert {k: (str(v["base"]), str(v["amount"])) for k, v in mine.items()} == {
        k: ("8000.50", a) for k, a in expected.items()}
    assert all(isinstance(v["amount"], Decimal) for v in mine.values())
    assert mine[("10201", "unit")]["name"] == first["name"] and mine[("10201", "unit")]["id_number"]
    # Each row is the sum of its employees' lines; 工伤 and 生育 have no personal part.
    for row in self_rows:
        own = [ln for ln in lines if ln["prep_id"] == row["prep_id"]]
        assert Decimal(row["amount"]) == sum(ln["amount"] for ln in own)
        assert row["headcount"] == len({ln["employee_id"] for ln in own})
        assert Decimal(row["base_total"]) == sum(ln["base"] for ln in own)
    assert not [r for r in rows if r["item_code"] == "10204" and r["payer"] == "personal"]
    # Back pay: the filed month and the next, at the floor of that month (100.00 raised to it).
    floor, _cap = contribution_base_limits("330100", back)
    back_rows = [r for r in self_rows if r["back_pay"]]
    assert {r["period_start"] for r in back_rows} == {back, add_months(month, -1)}
    assert all(r["prep_id"].startswith("P01B-") and r["period_start"] == r["period_end"] for r in back_rows)
    back_lines = api.lines("/preprocessing/lines", ids=",".join(r["prep_id"] for r in back_rows))
    pension = next(ln for ln in back_lines if ln["month"] == back and ln["item_code"] == "10201"
                   and ln["payer"] == "unit")
    assert (pension["employee_id"], pension["base"]) == (second["employee_id"], floor)
    assert pension["amount"] == (floor * Decimal("0.16")).quantize(Decimal("0.01"))


def test_assessed_items_come_as_collection_notices(make_api):
    hz = make_api("U000030")
    collected = [r for r in hz.rows() if r["source_code"] == "03"]
    assert {(r["item_code"], r["payer"]) for r in collected} == {("10205", "unit")}  # 生育: 税务代征 in 杭州
    assert len(collected[0]["notice_no"]) == 18 and collected[0]["valid_until"] >= clock.today().isoformat()
    assert collected[0]["group_key"] == f"03|{collected[0]['unit_number']}|{collected[0]['notice_no']}"
    sz = make_api("U000032")
    rows = sz.rows()
    assert {r["source_code"] for r in rows} == {"03"} and {r["source_name"] for r in rows} == {"社保部门核定征收"}
    assert {r["item_code"] for r in rows} == {"10201", "10202", "10203", "10204", "10205"}
    lines = sz.lines("/preprocessing/lines", ids=rows[0]["prep_id"])
    assert len(lines) == rows[0]["headcount"] and sum(ln["amount"] for ln in lines) == Decimal(rows[0]["amount"])
    special = sz.rows("special")
    assert {r["special_type"] for r in special} == {"补缴历史欠费", "退休补收", "政策性补缴"}
    assert {r["source_code"] for r in special} == {"02"}
    registrations = sz.get("/insurance-registrations")
    assert {r["collection_mode"] for r in registrations} == {"税务代征"} and registrations[0]["insured"] > 0


def test_a_declaration_is_pending_then_successful_and_cannot_be_made_twice(make_api):
    api = make_api("U000030", delay=6)  # long enough to see 申报中 on a loaded machine
    groups = _groups([r for r in api.rows() if r["source_code"] == "01"])
    pension = next(g for k, g in groups.items() if "|10201|" in k)
    unemployment = next(g for k, g in groups.items() if "|10202|" in k)

    partial = api.declare("daily", unemployment[:1])
    assert partial.status_code == 422 and partial.json()["code"] == "GROUP_INCOMPLETE"
    assert "须一并申报" in partial.json()["message"]
    changed = api.declare("daily", pension, total="1.00")
    assert changed.status_code == 409 and changed.json()["code"] == "PREPROCESSING_CHANGED"
    wrong_page = api.declare("special", pension)
    assert wrong_page.status_code == 422 and wrong_page.json()["code"] == "PREPROCESSING_NOT_IN_CHANNEL"

    key = uuid.uuid4().hex
    resp = api.declare("daily", pension, key=key)
    assert resp.status_code == 202, resp.text
    answer = resp.json()
    [record] = answer["declarations"]
    assert (record["status"], record["source_code"], record["rows"]) == ("待反馈", "01", 2)
    assert Decimal(record["total_due"]) == sum(Decimal(r["amount"]) for r in pension)
    again = api.declare("daily", pension, key=key)
    assert again.status_code == 202 and again.json()["submission_id"] == answer["submission_id"]
    assert {r["status"] for r in api.rows() if r["group_key"] == pension[0]["group_key"]} == {"申报中"}
    assert {p["status"] for p in api.get("/payables") if p["prep_id"] == pension[0]["prep_id"]} == {"申报中"}

    twice = api.declare("daily", pension)
    assert twice.status_code == 409 and twice.json()["code"] == "PREPROCESSING_DECLARED"
    done = api.decided(record["declaration_id"])
    assert done["status"] == "申报成功" and done["pay_status"] == "未缴费" and len(done["voucher_no"]) == 20
    assert {r["status"] for r in api.rows() if r["group_key"] == pension[0]["group_key"]} == {"已申报"}
    lines = api.lines(f"/declarations/{record['declaration_id']}/lines")
    assert len(lines) == sum(r["headcount"] for r in pension)
    assert sum(ln["amount"] for ln in lines) == Decimal(done["total_due"])
    detail = api.get(f"/declarations/{record['declaration_id']}")
    assert sorted(r["prep_id"] for r in detail["rows"]) == sorted(r["prep_id"] for r in pension)
    assert api.declare("daily", pension).json()["code"] == "PREPROCESSING_DECLARED"


def test_assessed_submission_makes_one_declaration_per_kind_and_one_may_fail(make_api):
    api = make_api("U000032")
    rows = api.rows("assessed")
    groups = _groups(rows)
    collected = next(g for g in groups.values() if g[0]["source_code"] == "03")
    expired = next(g for g in groups.values() if g[0]["special_type"] == "政策性补缴")
    assert expired[0]["valid_until"] < clock.today().isoformat()
    resp = api.declare("assessed", collected + expired)
    assert resp.status_code == 202, resp.text
    records = {r["source_code"]: r for r in resp.json()["declarations"]}
    assert set(records) == {"02", "03"} and {r["status"] for r in records.values()} == {"待反馈"}
    ok, failed = api.decided(records["03"]["declaration_id"]), api.decided(records["02"]["declaration_id"])
    assert ok["status"] == "申报成功" and failed["status"] == "申报失败"
    assert "征集有效日期" in failed["reason"] and failed["voucher_no"] is None
    # The failed kind's rows may be declared again (and fail again); the successful ones may not.
    statuses = {r["prep_id"]: r["status"] for r in api.rows("assessed")}
    assert {statuses[r["prep_id"]] for r in expired} == {"未申报"}
    assert {statuses[r["prep_id"]] for r in collected} == {"已申报"}


def test_void_of_an_unpaid_declaration_and_refusal_for_a_paid_one(make_api, bureau):
    api = make_api("U000031")
    projects = api.get("/projects")
    assert len(projects) == 2 and {p["status"] for p in projects} == {"在建"}
    rows = api.rows("project")
    assert {r["project_no"] for r in rows} == {p["project_no"] for p in projects}
    one, other = rows
    ids = []
    for row in (one, other):
        resp = api.declare("project", [row])
        assert resp.status_code == 202, resp.text
        ids.append(resp.json()["declarations"][0]["declaration_id"])
    first, second = (api.decided(i) for i in ids)
    assert first["status"] == second["status"] == "申报成功"

    key = uuid.uuid4().hex
    void = api.http.post(f"/units/{api.unit}/declarations/{ids[0]}/void", headers={"Idempotency-Key": key})
    assert void.status_code == 202 and void.json()["status"] == "作废中"
    voided = api.decided(ids[0])
    assert voided["status"] == "已作废" and voided["void_decided_at"] and voided["pay_status"] is None
    # A client that lost the answer logs in again and re-sends with its kept key: the first answer.
    login = httpx.post(f"{bureau.api}/sessions", json={"unit_id": api.unit, "password": "Test#2026"}, timeout=10)
    relogged = {"Authorization": f"Bearer {login.json()['token']}", "Idempotency-Key": key}
    replay = httpx.post(f"{bureau.api}/units/{api.unit}/declarations/{ids[0]}/void", headers=relogged, timeout=10)
    assert replay.status_code == 202 and replay.json()["status"] == "作废中"
    again = api.http.post(f"/units/{api.unit}/declarations/{ids[0]}/void", headers={"Idempotency-Key": uuid.uuid4().hex})
    assert again.status_code == 409 and again.json()["code"] == "DECLARATION_VOIDED"
    assert {r["prep_id"]: r["status"] for r in api.rows("project")}[one["prep_id"]] == "未申报"

    paid = httpx.post(f"{bureau.api}/demo/units/{api.unit}/declarations/{ids[1]}/payment", json={"pay_status": "已缴费"},
                      headers=bureau.demo_headers, timeout=10)
    assert paid.status_code == 200 and paid.json()["pay_status"] == "已缴费"
    refused = api.http.post(f"/units/{api.unit}/declarations/{ids[1]}/void", headers={"Idempotency-Key": uuid.uuid4().hex})
    assert refused.status_code == 409 and refused.json()["code"] == "DECLARATION_PAID"
    payables = {p["prep_id"]: p for p in api.get("/payables")}
    assert payables[other["prep_id"]]["status"] == "销账" and payables[one["prep_id"]]["status"] == "初始"


def test_records_by_declaration_date_and_reset(make_api, bureau):
    api = make_api("U000031")
    project = api.rows("project")[0]
    fees = _groups([r for r in api.rows() if r["source_code"] == "01"])
    for channel, rows in (("project", [project]), ("daily", next(iter(fees.values())))):
        assert api.declare(channel, rows).status_code == 202
    today = clock.today()
    listed = api.get("/declarations", **{"from": today.isoformat(), "to": today.isoformat()})
    assert len(listed) == 2 and all(r["submitted_at"].endswith("+08:00") for r in listed)
    assert [r["channel"] for r in api.get("/declarations", kind="project")] == ["project"]
    assert [r["channel"] for r in api.get("/declarations", kind="fees")] == ["daily"]
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    assert api.get("/declarations", **{"from": tomorrow}) == []
    assert api.get("/payables", **{"from": tomorrow}) == []
    missing = api.http.get(f"/units/{api.unit}/declarations/SB000")
    assert missing.status_code == 404 and missing.json()["code"] == "DECLARATION_NOT_FOUND"

    bureau.reset_unit(api.unit)
    fresh = Api(bureau, api.unit)
    try:
        assert fresh.get("/declarations") == []
        assert {r["status"] for r in fresh.rows("project")} == {"未申报"}
    finally:
        fresh.http.close()
