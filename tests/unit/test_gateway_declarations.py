"""client.declarations on `httpx.MockTransport`: preprocessing rows become Arrow with exact decimals
(never float), the lines frame is read as Arrow (many ids go in several requests within the bureau's
20,000 characters), submit sends the body and the caller's key as given, answers become frozen
dataclasses, and anything malformed is a Chinese protocol error with the English detail aside."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import struct
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pyarrow as pa
import pytest

from sbflib.errors import BureauError, ConnectionFailed, ValidationError
from sbflib.gateway.client import BureauClient
from sbflib.gateway.declarations import LINE_SCHEMA, PREP_SCHEMA, Submission, read_lines, submit_body

UNIT = "U000033"
ROW = {"prep_id": "P01N-330108700935-10201-U-202611", "group_key": "01|330108700935|10201|2026-11|2026-11",
       "channel": "daily", "source_code": "01", "source_name": "税务机关", "unit_number": "330108700935",
       "agency": "杭州市滨江区社会保险管理服务中心", "notice_no": None, "valid_until": None, "special_type": None,
       "project_no": None, "item_code": "10201", "item_name": "基本养老保险费",
       "subitem_name": "企业职工基本养老保险费", "payer": "unit", "payer_name": "单位", "period_start": "2026-11",
       "period_end": "2026-11", "headcount": 27, "base_total": "218660.00", "rate": "0.16",
       "amount": "34985.60", "back_pay": False, "status": "未申报", "declaration_id": None}
NOTICE = {**ROW, "prep_id": "P03-202611010123456789-10205-U", "group_key": "03|330108700935|202611010123456789",
          "source_code": "03", "source_name": "社保部门核定征收", "notice_no": "202611010123456789",
          "valid_until": "2026-12-31", "item_code": "10205", "item_name": "生育保险费", "rate": "0.008",
          "amount": "1749.28"}
RECORD = {"declaration_id": "SB2026112700000001", "submission_id": "SS2026112700000001", "channel": "daily",
          "source_code": "01", "source_name": "税务机关", "tax_authority": "国家税务总局杭州市滨江区税务局",
          "status": "待反馈", "reason": None, "submitted_at": "2026-11-27T10:00:00+08:00", "decided_at": None,
          "rows": 2, "headcount": 27, "total_due": "52478.40", "voucher_no": None, "pay_status": None,
          "void_requested_at": None, "void_decided_at": None, "void_reason": None,
          "period_start": "2026-11", "period_end": "2026-11"}


def lines_frame(prep_ids: list[str]) -> bytes:
    table = pa.table({
        "prep_id": prep_ids, "employee_id": [f"E{i:05d}" for i in range(len(prep_ids))],
        "name": ["林婷"] * len(prep_ids), "id_type": ["居民身份证"] * len(prep_ids),
        "id_number": ["330106199001010001"] * len(prep_ids), "person_number": [None] * len(prep_ids),
        "item_code": ["10201"] * len(prep_ids), "payer": ["unit"] * len(prep_ids), "month": ["2026-11"] * len(prep_ids),
        "base": pa.array([Decimal("8000.00")] * len(prep_ids), pa.decimal128(18, 2)),
        "rate": pa.array([Decimal("0.16")] * len(prep_ids), pa.decimal128(12, 6)),
        "amount": pa.array([Decimal("1280.00")] * len(prep_ids), pa.decimal128(18, 2)),
    }, schema=pa.schema([*(f for f in LINE_SCHEMA if f.name != "person_number"), ("person_number", pa.string())]))
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema, options=pa.ipc.IpcWriteOptions(compression="zstd")) as writer:
        writer.write_table(table)
    stream = sink.getvalue().to_pybytes()
    return struct.pack("<Q", len(stream)) + stream


class Bureau:
    def __init__(self, answer: Any = None, status: int = 200) -> None:
        self.answer = answer
        self.status = status
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path.endswith("/preprocessing/lines"):
            ids = (request.url.params.get("ids") or "P1").split(",")
            return httpx.Response(200, content=lines_frame(ids),
                                  headers={"content-type": "application/vnd.sbf.lines.v1"})
        return httpx.Response(self.status, json=self.answer)

    def client(self) -> BureauClient:
        return BureauClient("http://bureau.test", transport=httpx.MockTransport(self), retries=1,
                            sleep=lambda _s: None)


def test_preprocessing_rows_become_arrow_with_exact_decimals() -> None:
    bureau = Bureau([ROW, NOTICE])
    table = bureau.client().declarations.preprocessing(UNIT, "daily")
    assert table.schema == PREP_SCHEMA and table.num_rows == 2
    rows = table.to_pylist()
    assert rows[0]["amount"] == Decimal("34985.60") and rows[0]["base_total"] == Decimal("218660.00")
    assert rows[1]["rate"] == Decimal("0.008000") and rows[1]["valid_until"] == dt.date(2026, 12, 31)
    assert rows[0]["notice_no"] is None and rows[0]["back_pay"] is False
    assert str(bureau.requests[0].url) == f"http://bureau.test/api/v1/units/{UNIT}/preprocessing?channel=daily"


@pytest.mark.parametrize("answer", [
    {"rows": []}, [{**ROW, "amount": 34985.6}], [{**ROW, "amount": "many"}], [{**ROW, "status": "done"}],
    [{k: v for k, v in ROW.items() if k != "prep_id"}], [{**ROW, "valid_until": "soon"}],
])
def test_a_malformed_answer_is_a_chinese_protocol_error(answer: Any) -> None:
    with pytest.raises(ConnectionFailed) as bad:
        Bureau(answer).client().declarations.preprocessing(UNIT, "special")
    assert bad.value.code == "BAD_RESPONSE" and "应答无法识别" in str(bad.value) and bad.value.detail


def test_bad_input_is_refused_before_sending() -> None:
    bureau = Bureau([])
    api = bureau.client().declarations
    for call in (lambda: api.preprocessing("../x", "daily"), lambda: api.preprocessing(UNIT, "weekly"),  # type: ignore[arg-type]
                 lambda: api.preprocessing_lines(UNIT, ["P1", "a,b"]),
                 lambda: api.submit(UNIT, "daily", [], Decimal("1.00"), key=uuid.uuid4().hex),
                 lambda: api.submit(UNIT, "daily", ["P1", "P1"], Decimal("1.00"), key=uuid.uuid4().hex),
                 lambda: api.submit(UNIT, "daily", ["P1"], Decimal("-1.00"), key=uuid.uuid4().hex)):
        with pytest.raises(ValidationError) as refused:
            call()
        assert any("\u4e00" <= c <= "\u9fff" for c in str(refused.value))
    with pytest.raises(ValueError):
        api.submit(UNIT, "daily", ["P1"], Decimal("1.00"), key="not-a-key")
    assert bureau.requests == []


def test_lines_are_read_as_arrow_and_many_ids_go_in_several_requests() -> None:
    bureau = Bureau()
    api = bureau.client().declarations
    ids = [f"P01N-330108700935-10201-U-{i:06d}" for i in range(2000)]   # 2000 × 33 characters
    lines = api.preprocessing_lines(UNIT, ids)
    assert lines.schema == LINE_SCHEMA and lines.num_rows == 2000
    assert lines.column("prep_id").to_pylist() == ids
    assert lines.column("amount")[0].as_py() == Decimal("1280.00")
    sent = [r.url.params["ids"] for r in bureau.requests]
    assert len(sent) == 4 and all(len(s) <= 20_000 for s in sent) and ",".join(sent).split(",") == ids
    assert all(r.headers["accept"] == "application/vnd.sbf.lines.v1" for r in bureau.requests)
    assert api.preprocessing_lines(UNIT, []).num_rows == 0 and len(bureau.requests) == 4
    everything = api.preprocessing_lines(UNIT)
    assert everything.num_rows == 1 and "ids" not in bureau.requests[-1].url.params


def test_a_broken_lines_frame_is_a_protocol_error() -> None:
    frame = lines_frame(["P1", "P2"])
    for body in (frame[:20], b"", struct.pack("<Q", 10**9) + frame[8:]):
        with pytest.raises(ConnectionFailed) as bad:
            read_lines(body)
        assert bad.value.code == "BAD_RESPONSE"
    table = pa.table({"prep_id": ["P1"], "amount": pa.array([1.5], pa.float64())})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    stream = sink.getvalue().to_pybytes()
    with pytest.raises(ConnectionFailed):
        read_lines(struct.pack("<Q", len(stream)) + stream)   # money as float is never taken


def test_submit_sends_the_body_with_the_callers_key_and_reads_the_answer() -> None:
    answer = {"submission_id": "SS2026112700000001", "channel": "daily", "submitted_at": RECORD["submitted_at"],
              "declarations": [RECORD]}
    bureau = Bureau(answer, status=202)
    key = uuid.uuid4().hex
    submission = bureau.client().declarations.submit(UNIT, "daily", [ROW["prep_id"], "P1"], Decimal("52478.4"), key=key)
    [request] = bureau.requests
    assert request.method == "POST" and request.url.path == f"/api/v1/units/{UNIT}/declarations"
    assert request.headers["Idempotency-Key"] == key
    assert json.loads(request.content) == {"channel": "daily", "prep_ids": [ROW["prep_id"], "P1"],
                                           "total_due": "52478.40"}
    assert isinstance(submission, Submission) and submission.submission_id == "SS2026112700000001"
    [record] = submission.declarations
    assert record.total_due == Decimal("52478.40") and record.status == "待反馈" and record.reason is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.status = "申报成功"  # type: ignore[misc]
    # The same body re-sent (a kept submission) is the same bytes with the same key.
    body = submit_body("daily", [ROW["prep_id"], "P1"], Decimal("52478.40"))
    bureau.client().declarations.send(UNIT, json.loads(json.dumps(body)), key=key)
    assert bureau.requests[1].content == request.content and bureau.requests[1].headers["Idempotency-Key"] == key


def test_a_refusal_keeps_the_bureaus_code_and_message() -> None:
    bureau = Bureau({"code": "GROUP_INCOMPLETE", "message": "单位编号1234、征收项目10202的预处理信息须一并申报"},
                    status=422)
    with pytest.raises(BureauError) as refused:
        bureau.client().declarations.submit(UNIT, "daily", ["P1"], Decimal("1.00"), key=uuid.uuid4().hex)
    assert refused.value.code == "GROUP_INCOMPLETE" and "须一并申报" in str(refused.value)


def test_records_are_read_by_date_range_and_kind() -> None:
    bureau = Bureau([RECORD, {**RECORD, "declaration_id": "SB2", "status": "申报失败", "reason": "征集信息已超过征集有效日期"}])
    records = bureau.client().declarations.records(UNIT, dt.date(2026, 11, 1), dt.date(2026, 11, 30), "fees")
    assert [r.status for r in records] == ["待反馈", "申报失败"] and records[1].reason
    assert records[0].total_due == Decimal("52478.40")
    assert dict(bureau.requests[0].url.params) == {"from": "2026-11-01", "to": "2026-11-30", "kind": "fees"}
    with pytest.raises(ConnectionFailed):
        Bureau([{**RECORD, "status": "done"}]).client().declarations.records(UNIT)
