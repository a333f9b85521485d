"""单位退费申请管理 (manual 2.28) over MockTransport and a temporary store: 刷新 keeps the applications with
their status (Decimal money through Arrow), the query form filters what is kept, candidates by ticket and
by employee, the base checks before the call naming the field, 提交申请 kept with its key so a lost
answer is sent again with the same key and applies once (also across a restart of the workbench)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from sbflib.employer.refunds import RefundApplication, RefundFilter, RefundLine, RefundService
from sbflib.errors import BureauError, ConnectionFailed, ValidationError
from sbflib.gateway.client import BureauClient
from sbflib.store.db import Store
from sbflib.system.context import Context, CurrentUnit

UNIT = "U000001"


def _record(rid: str, status: str, total: str, applied: str, kind: str = "ticket") -> dict[str, Any]:
    return {"refund_id": rid, "kind": kind, "kind_name": {"ticket": "税票退费", "employee": "职工明细退费"}[kind],
            "status": status, "refund_type": "误收退库", "reason": "重复缴纳", "account_name": "测试单位",
            "bank_name": "中国工商银行", "account_no": "1202004509006700", "account_masked": "****6700",
            "total": total, "applied_at": applied, "decided_at": None,
            "result_reason": "资料不全" if status == "审核不通过" else None, "lines": 1}


TICKET_LINES = [
    {"line_key": "SB1|10201|unit", "voucher_no": "SB1", "item_code": "10201", "item_name": "企业职工基本养老保险费",
     "payer": "unit", "employee_id": None, "name": None, "id_type": None, "id_number": None,
     "period_start": "2026-10", "period_end": "2026-10", "paid_amount": "3533.34", "asked": "0.00",
     "refundable": "3533.34", "arrived_on": "2026-11-02"},
    {"line_key": "SB1|10201|personal", "voucher_no": "SB1", "item_code": "10201", "item_name": "企业职工基本养老保险费",
     "payer": "personal", "employee_id": None, "name": None, "id_type": None, "id_number": None,
     "period_start": "2026-10", "period_end": "2026-10", "paid_amount": "0.20", "asked": "0.10",
     "refundable": "0.10", "arrived_on": "2026-11-02"},
]


class Bureau:
    def __init__(self) -> None:
        self.records = [_record("TF2", "待审核", "100.00", "2026-11-20T10:00:00+08:00"),
                        _record("TF1", "审核不通过", "0.20", "2026-10-05T09:00:00+08:00", kind="employee")]
        self.requests: list[httpx.Request] = []
        self.answers: dict[str, dict[str, Any]] = {}
        self.drop = 0
        self.refuse: tuple[int, str, str] | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix("/api/v1")
        if request.method == "GET" and path == f"/units/{UNIT}/refunds":
            return httpx.Response(200, json=self.records)
        if request.method == "GET" and path == f"/units/{UNIT}/refunds/TF2":
            return httpx.Response(200, json={"record": self.records[0], "lines": [
                {"seq": 1, **{k: v for k, v in TICKET_LINES[0].items() if k not in ("asked", "refundable", "arrived_on")},
                 "amount": "100.00"}]})
        if request.method == "GET" and path == f"/units/{UNIT}/refund-candidates":
            if request.url.params["kind"] == "ticket":
                return httpx.Response(200, json={"lines": TICKET_LINES, "truncated": False})
            return httpx.Response(200, json={"lines": [{
                **TICKET_LINES[0], "line_key": "SB1|10201|unit|E1|2026-10", "employee_id": "E1", "name": "林婷",
                "id_type": "居民身份证", "id_number": "330106199001011234"}], "truncated": True})
        if request.method == "POST" and path == f"/units/{UNIT}/refunds":
            if self.refuse:
                status, code, message = self.refuse
                return httpx.Response(status, json={"code": code, "message": message})
            key = request.headers["Idempotency-Key"]
            if key not in self.answers:
                body = json.loads(request.content)
                made = _record(f"TF{len(self.records) + 1}", "待审核", body["total"], "2026-11-27T10:00:00+08:00")
                self.records.insert(0, made)
                self.answers[key] = made
            if self.drop:
                self.drop -= 1
                raise httpx.ReadTimeout("timed out", request=request)
            return httpx.Response(201, json=self.answers[key])
        return httpx.Response(404, json={"code": "NOT_FOUND", "message": "未找到"})

    def posts(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == "POST"]


def _service(tmp_path, bureau: Bureau) -> tuple[RefundService, BureauClient, Store]:
    client = BureauClient("http://bureau.test", transport=httpx.MockTransport(bureau), sleep=lambda s: None,
                          retries=1)
    store = Store(tmp_path / "client" / "sbf.duckdb")
    ctx = Context(store, client)
    ctx.unit = CurrentUnit(UNIT, "91330100MA0000000X", "测试单位", "employer", "330100")
    return RefundService(ctx), client, store


@pytest.fixture
def env(tmp_path):
    bureau = Bureau()
    service, client, store = _service(tmp_path, bureau)
    yield bureau, service
    client.close()
    store.close()


def _app(**change: Any) -> RefundApplication:
    values: dict[str, Any] = {
        "kind": "ticket", "refund_type": "误收退库", "reason": " 重复缴纳，申请退还 ", "account_name": "测试单位",
        "bank_name": "中国工商银行", "account_no": "1202 0045 0900 6700",
        "lines": (RefundLine("SB1|10201|unit", "100", Decimal("3533.34")),)}
    return RefundApplication(**{**values, **change})


def test_refresh_keeps_the_applications_with_their_status(env):
    _bureau, service = env
    assert not service.fetched()
    assert service.refresh() == 2
    assert service.fetched()
    df, total = service.query(None, page=1, page_size=50)
    assert total == 2 and list(df["refund_id"]) == ["TF2", "TF1"]
    assert df.loc[0, "total"] == Decimal("100.00") and isinstance(df.loc[1, "total"], Decimal)
    assert list(df["status"]) == ["待审核", "审核不通过"] and df.loc[1, "result_reason"] == "资料不全"
    assert df.loc[0, "account_masked"] == "****6700" and "account_no" not in df.columns
    assert df.loc[0, "applied_at"] == dt.datetime(2026, 11, 20, 10, 0)
    assert service.query(RefundFilter(status="审核不通过"))[1] == 1
    assert service.query(RefundFilter(kind="employee"))[1] == 1
    assert service.query(RefundFilter(applied_from="2026-11-20", applied_to="2026-11-20"))[1] == 1
    with pytest.raises(ValidationError) as caught:
        service.query(RefundFilter(applied_from="2026-11-21", applied_to="2026-11-20"))
    assert caught.value.field == "申请日期起"


def test_candidates_by_ticket_and_by_employee(env):
    _bureau, service = env
    found = service.candidates("ticket", "2026-10", "2026-10")
    df = found.frame
    assert not found.truncated and len(df) == 2
    assert df.loc[0, "refundable"] == Decimal("3533.34") and df.loc[1, "asked"] == Decimal("0.10")
    assert list(df["payer_name"]) == ["单位缴费", "个人缴费"] and df.loc[0, "period"] == "2026-10"
    assert df.loc[0, "arrived_on"] == dt.date(2026, 11, 2)
    people = service.candidates("employee", "2026-10", "2026-10", name="林婷")
    assert people.truncated and people.frame.loc[0, "name"] == "林婷"
    _bureau, _ = env
    assert _bureau.requests[-1].url.params["name"] == "林婷"
    for kwargs, field in (({"month_from": ""}, "退费所属期起"), ({"month_to": "2026-13"}, "退费所属期止"),
                          ({"month_from": "2026-11"}, "退费所属期起")):
        with pytest.raises(ValidationError) as caught:
            service.candidates("ticket", **{"month_from": "2026-10", "month_to": "2026-10", **kwargs})
        assert caught.value.field == field


@pytest.mark.parametrize(("change", "field"), [
    ({"account_name": " "}, "退费银行账户名称"),
    ({"bank_name": ""}, "退费银行"),
    ({"account_no": ""}, "退费银行账户"),
    ({"account_no": "12ab5678"}, "退费银行账户"),
    ({"refund_type": "随便"}, "退费原因"),
    ({"reason": "  "}, "退费申请理由"),
    ({"lines": ()}, "退费信息"),
    ({"lines": (RefundLine("a", "1"), RefundLine("a", "2"))}, "退费信息"),
    ({"lines": (RefundLine("a", "0"),)}, "退费金额"),
    ({"lines": (RefundLine("a", "1.234"),)}, "退费金额"),
    ({"lines": (RefundLine("a", "abc"),)}, "退费金额"),
    ({"lines": (RefundLine("a", "3533.35", Decimal("3533.34")),)}, "退费金额"),
])
def test_the_base_checks_name_the_field_and_send_nothing(env, change, field):
    bureau, service = env
    with pytest.raises(ValidationError) as caught:
        service.apply(_app(**change))
    assert caught.value.field == field and f"【{field}】" in str(caught.value)
    assert bureau.posts() == [] and service.pending() == 0


def test_apply_sends_the_trimmed_body_with_the_total_and_keeps_the_answer(env):
    bureau, service = env
    record = service.apply(_app(lines=(RefundLine("SB1|10201|unit", "100"), RefundLine("SB1|10201|personal", "0.1"))))
    assert record.status == "待审核" and record.total == Decimal("100.10")
    body = json.loads(bureau.posts()[0].content)
    assert body["account_no"] == "1202004509006700" and body["reason"] == "重复缴纳，申请退还"
    assert body["lines"] == [{"line_key": "SB1|10201|unit", "amount": "100.00"},
                             {"line_key": "SB1|10201|personal", "amount": "0.10"}]
    assert body["total"] == "100.10"
    df, total = service.query()
    assert total == 1 and df.loc[0, "refund_id"] == record.refund_id and service.pending() == 0


def test_a_refusal_forgets_the_submission_and_shows_the_bureaus_message(env):
    bureau, service = env
    bureau.refuse = (422, "REFUND_EXCEEDS_PAID", "退费金额超过可退金额（可退3533.34元，实缴3533.34元，已申请0.00元）")
    with pytest.raises(BureauError) as caught:
        service.apply(_app())
    assert "可退金额" in str(caught.value) and service.pending() == 0


def test_a_lost_answer_is_sent_again_with_the_same_key_even_after_a_restart(tmp_path):
    bureau = Bureau()
    service, client, store = _service(tmp_path, bureau)
    bureau.drop = 1
    with pytest.raises(ConnectionFailed) as caught:
        service.apply(_app())
    assert "不会重复申请" in str(caught.value) and service.pending() == 1
    client.close()
    store.close()
    # a new workbench on the same store: 刷新 sends the kept submission first, with its key
    service, client, store = _service(tmp_path, bureau)
    try:
        assert service.pending() == 1
        assert service.refresh() == 3
        first, second = bureau.posts()
        assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
        assert first.content == second.content
        assert len(bureau.answers) == 1 and service.pending() == 0
        # the same application typed again while one waits reuses the waiting key
        bureau.drop = 1
        with pytest.raises(ConnectionFailed):
            service.apply(_app(reason="另一次"))
        service.apply(_app(reason="另一次"))
        assert bureau.posts()[-1].headers["Idempotency-Key"] == bureau.posts()[-2].headers["Idempotency-Key"]
        assert len(bureau.answers) == 2
    finally:
        client.close()
        store.close()


def test_detail_gives_the_lines_with_decimal_amounts(env):
    _bureau, service = env
    record, lines = service.detail("TF2")
    assert record.refund_id == "TF2" and lines.loc[0, "amount"] == Decimal("100.00")
    assert lines.loc[0, "payer_name"] == "单位缴费"
    with pytest.raises(ValidationError):
        service.detail("x/../1")
