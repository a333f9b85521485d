"""client.wages over httpx.MockTransport: the kept key on every try, the wire body, answers that are
not what the contract says, path checks."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pyarrow as pa
import pytest

from sbflib.errors import ConnectionFailed, ValidationError
from sbflib.gateway.client import BureauClient
from sbflib.gateway.wages import LINE_SCHEMA, lines_table

KEY = "0123456789abcdef0123456789abcdef"
RECORD = {"filing_id": "WF1", "status": "待反馈", "submitted_at": "2026-11-27T10:00:00+08:00", "kind": "daily",
          "way": "item", "tax_authority": "西湖区税务局", "employees": 1, "lines": 2}


def _client(handler):
    return BureauClient("http://bureau.test", transport=httpx.MockTransport(handler), sleep=lambda s: None)


def _lines():
    return pa.table({"employee_id": ["E1", "E1"], "item_code": ["10201", "10203"],
                     "wage": pa.array([Decimal(6000), Decimal("1234.5")], pa.decimal128(18, 2)),
                     "month": ["2026-11", "2026-11"]})


def test_every_try_of_a_submit_carries_the_callers_key_and_the_body_is_compact():
    seen = []

    def handler(request):
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(503, json={"code": "BUSY", "message": "忙"})
        return httpx.Response(202, json=RECORD)

    filing = _client(handler).wages.submit("U000001", "daily", "item", "西湖区税务局", _lines(), key=KEY)
    assert filing.filing_id == "WF1" and filing.status == "待反馈" and filing.lines == 2
    assert [r.headers["Idempotency-Key"] for r in seen] == [KEY, KEY]
    assert seen[0].content == seen[1].content
    assert json.loads(seen[0].content)["lines"][1] == {"employee_id": "E1", "item_code": "10203",
                                                       "wage": "1234.50", "month": "2026-11"}
    assert b", " not in seen[0].content


def test_a_key_that_is_not_ours_is_a_programming_error():
    with pytest.raises(ValueError):
        _client(lambda r: httpx.Response(202, json=RECORD)).wages.submit(
            "U000001", "daily", "item", "x", _lines(), key="not-a-key")


def test_an_answer_without_the_contracts_fields_is_a_chinese_protocol_error():
    client = _client(lambda r: httpx.Response(202, json={"status": "待反馈"}))
    with pytest.raises(ConnectionFailed) as bad:
        client.wages.submit("U000001", "daily", "item", "x", _lines(), key=KEY)
    assert bad.value.code == "BAD_RESPONSE" and "税务局" in str(bad.value)
    client = _client(lambda r: httpx.Response(200, json={"not": "a list"}))
    with pytest.raises(ConnectionFailed):
        client.wages.list("U000001")


def test_detail_lines_become_an_arrow_table_with_money_as_decimal():
    detail = dict(RECORD, status="部分申报成功", lines=[
        {"line_no": 1, "employee_id": "E1", "name": "王芳", "id_type": "居民身份证", "id_number": "X",
         "item_code": "10201", "item_name": "基本养老保险费", "old_wage": "1000.00", "new_wage": "1.00",
         "base": "4462.00", "month": "2026-11", "status": "成功", "reason": "低于下限，按下限4462.00核定"},
        {"line_no": 2, "employee_id": "E2", "item_code": None, "new_wage": "5000.00", "base": None,
         "status": "失败", "reason": "生效年月晚于终止缴费年月"},
    ])
    got = _client(lambda r: httpx.Response(200, json=detail)).wages.detail("U000001", "WF1")
    assert got.filing.lines == 2 and got.filing.status == "部分申报成功"
    assert got.lines.schema == LINE_SCHEMA
    rows = got.lines.to_pylist()
    assert rows[0]["base"] == Decimal("4462.00") and rows[1]["base"] is None and rows[1]["name"] is None
    assert lines_table([]).num_rows == 0


@pytest.mark.parametrize("filing_id", ["../x", "WF 1", "", None, "W" * 100])
def test_a_bad_filing_id_is_refused_before_anything_is_sent(filing_id):
    sent = []
    client = _client(lambda r: sent.append(r) or httpx.Response(200, json={}))
    with pytest.raises(ValidationError):
        client.wages.detail("U000001", filing_id)
    assert not sent
