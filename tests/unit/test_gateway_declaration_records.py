"""client.declaration_records over MockTransport: typed records (Decimal money, Beijing time), rows
and Arrow lines as decimal128, path parts checked before sending, the void's key sent as given, and
malformed answers refused in Chinese (BAD_RESPONSE, the technical text in `detail`)."""

from __future__ import annotations

import datetime as dt
import struct
from decimal import Decimal
from typing import Any

import httpx
import pyarrow as pa
import pytest

from sbflib.errors import BureauError, ConnectionFailed, ValidationError
from sbflib.gateway.client import BureauClient
from sbflib.gateway.declaration_records import LINE_SCHEMA, ROW_SCHEMA

UNIT = "U000038"
RECORD = {"declaration_id": "SB2026112700001", "submission_id": "SS1", "channel": "daily", "source_code": "01",
          "source_name": "税务机关", "tax_authority": "国家税务总局杭州市滨江区税务局", "status": "申报成功",
          "reason": None, "submitted_at": "2026-11-27T01:30:00+00:00", "decided_at": None, "rows": 1,
          "headcount": 27, "total_due": "34985.6", "voucher_no": "3" * 20, "pay_status": "未缴费",
          "void_requested_at": None, "void_decided_at": None, "void_reason": None, "period_start": "2026-11",
          "period_end": "2026-11"}
ROW = {"prep_id": "P01N-1-10201-U-202611", "group_key": "g", "channel": "daily", "source_code": "01",
       "source_name": "税务机关", "unit_number": "1", "agency": "a", "notice_no": None, "valid_until": None,
       "special_type": None, "project_no": None, "item_code": "10201", "item_name": "基本养老保险费",
       "subitem_name": "企业职工基本养老保险费", "payer": "unit", "payer_name": "单位", "period_start": "2026-11",
       "period_end": "2026-11", "headcount": 27, "base_total": "218660", "rate": "0.16", "amount": "34985.60"}


def _frame(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    data = sink.getvalue().to_pybytes()
    return struct.pack("<Q", len(data)) + data


def _client(handler: Any) -> tuple[BureauClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def transport(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return BureauClient("http://bureau.test", transport=httpx.MockTransport(transport), sleep=lambda s: None,
                        retries=1), seen


def test_list_sends_the_range_and_kind_and_types_the_records():
    client, seen = _client(lambda r: httpx.Response(200, json=[RECORD]))
    (rec,) = client.declaration_records.list(UNIT, dt.date(2026, 11, 1), dt.date(2026, 11, 30), "project")
    assert dict(seen[0].url.params) == {"from": "2026-11-01", "to": "2026-11-30", "kind": "project"}
    assert rec.total_due == Decimal("34985.60") and rec.submitted_at == dt.datetime(2026, 11, 27, 9, 30)
    assert rec.pay_status == "未缴费" and rec.reason is None


def test_detail_rows_and_lines_are_decimal_arrow():
    lines = pa.table({"prep_id": ["P"], "employee_id": ["E1"], "name": ["林婷"], "id_type": ["居民身份证"],
                      "id_number": ["330106199001010000"], "person_number": [None], "item_code": ["10201"],
                      "payer": ["unit"], "month": ["2026-11"], "base": pa.array([Decimal("8098.52")], pa.decimal128(18, 2)),
                      "rate": pa.array([Decimal("0.16")], pa.decimal128(12, 6)),
                      "amount": pa.array([Decimal("1295.76")], pa.decimal128(18, 2))})

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/lines"):
            return httpx.Response(200, content=_frame(lines))
        return httpx.Response(200, json={"record": RECORD, "rows": [ROW]})

    client, _seen = _client(handler)
    detail = client.declaration_records.detail(UNIT, "SB2026112700001")
    assert detail.rows.schema == ROW_SCHEMA
    assert detail.rows.column("base_total")[0].as_py() == Decimal("218660.00")
    got = client.declaration_records.lines(UNIT, "SB2026112700001")
    assert got.schema == LINE_SCHEMA and got.column("amount")[0].as_py() == Decimal("1295.76")


def test_void_sends_the_given_key_and_a_refusal_keeps_the_bureaus_words():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers["Idempotency-Key"] == "b" * 32:
            return httpx.Response(409, json={"code": "DECLARATION_PAID", "message": "该申报记录已缴费，不能作废"})
        return httpx.Response(202, json={**RECORD, "status": "作废中"})

    client, seen = _client(handler)
    assert client.declaration_records.void(UNIT, "SB2026112700001", key="a" * 32).status == "作废中"
    assert seen[-1].headers["Idempotency-Key"] == "a" * 32 and seen[-1].url.path.endswith("/void")
    with pytest.raises(BureauError) as refused:
        client.declaration_records.void(UNIT, "SB2026112700001", key="b" * 32)
    assert refused.value.code == "DECLARATION_PAID" and str(refused.value) == "该申报记录已缴费，不能作废"
    with pytest.raises(ValueError):
        client.declaration_records.void(UNIT, "SB2026112700001", key="not-a-key")


@pytest.mark.parametrize("declaration_id", ["../SB1", "SB 1", "", "S" * 41])
def test_a_bad_declaration_id_is_refused_before_sending(declaration_id):
    client, seen = _client(lambda r: httpx.Response(200, json={}))
    with pytest.raises(ValidationError) as refused:
        client.declaration_records.detail(UNIT, declaration_id)
    assert "申报记录" in str(refused.value) and seen == []


@pytest.mark.parametrize("answer", [
    {"oops": 1},
    [{**RECORD, "status": "done"}],
    [{**RECORD, "total_due": "lots"}],
    [{k: v for k, v in RECORD.items() if k != "submitted_at"}],
])
def test_malformed_records_are_refused_in_chinese(answer):
    client, _seen = _client(lambda r: httpx.Response(200, json=answer))
    with pytest.raises(ConnectionFailed) as bad:
        client.declaration_records.list(UNIT)
    assert bad.value.code == "BAD_RESPONSE" and any("\u4e00" <= c <= "\u9fff" for c in str(bad.value))


def test_a_truncated_lines_frame_is_refused():
    client, _seen = _client(lambda r: httpx.Response(200, content=struct.pack("<Q", 999) + b"xx"))
    with pytest.raises(ConnectionFailed) as bad:
        client.declaration_records.lines(UNIT, "SB1")
    assert bad.value.code == "BAD_RESPONSE"
