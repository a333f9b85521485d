"""社保费应缴信息查询 (manual 2.21) over MockTransport and a temporary store: sync a date range,
query with the form's fields, Decimal money through Arrow, export, refusals in Chinese."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import httpx
import openpyxl
import pytest

from sbflib.employer.payables import PayableFilter, PayableService
from sbflib.errors import ConnectionFailed, ValidationError
from sbflib.gateway.client import BureauClient
from sbflib.store.db import Store
from sbflib.system.context import Context, CurrentUnit

UNIT = "U000001"


def _row(payable_id: str, created_on: str, status: str, item: str = "基本养老保险费", amount: str = "1200.00",
         period: str = "2026-10", source: str = "系统生成") -> dict[str, Any]:
    return {"payable_id": payable_id, "prep_id": payable_id.split("-")[-1],
            "declaration_id": payable_id.split("-")[0] if "-" in payable_id else None,
            "created_on": created_on, "status": status, "source_code": "01", "source_name": source,
            "kind": "应缴社保费", "unit_number": "1234", "item_code": "10201", "item_name": item, "payer": "unit",
            "period_start": period, "period_end": period, "headcount": 3, "base_total": "15000.10",
            "rate": "0.16", "amount": amount}


ROWS = [
    _row("P3", "2026-11-20", "初始", amount="0.10"),
    _row("D2-P2", "2026-11-10", "申报成功", item="失业保险费", amount="33.33"),
    _row("D1-P1", "2026-10-05", "销账", period="2026-09"),
    _row("D0-P0", "2026-09-01", "已生成待批扣清册", source="核定"),
]


class Bureau:
    def __init__(self) -> None:
        self.rows = list(ROWS)
        self.requests: list[httpx.Request] = []
        self.bad = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == f"/api/v1/units/{UNIT}/payables":
            if self.bad:
                return httpx.Response(200, json={"oops": 1})
            lo, hi = request.url.params.get("from"), request.url.params.get("to")
            return httpx.Response(200, json=[r for r in self.rows if (not lo or r["created_on"] >= lo)
                                             and (not hi or r["created_on"] <= hi)])
        return httpx.Response(404, json={"code": "NOT_FOUND", "message": "未找到"})


@pytest.fixture
def env(tmp_path):
    bureau = Bureau()
    client = BureauClient("http://bureau.test", transport=httpx.MockTransport(bureau), sleep=lambda s: None)
    store = Store(tmp_path / "client" / "sbf.duckdb")
    ctx = Context(store, client)
    ctx.unit = CurrentUnit(UNIT, "91330100MA0000000X", "测试单位", "employer", "330100")
    yield bureau, PayableService(ctx)
    client.close()
    store.close()


def test_sync_stores_every_row_newest_first_with_decimal_money(env):
    _bureau, service = env
    assert service.sync() == 4
    df, total = service.query(None, page=1, page_size=50)
    assert total == 4
    assert list(df["payable_id"]) == ["P3", "D2-P2", "D1-P1", "D0-P0"]
    assert df.loc[0, "amount"] == Decimal("0.10") and isinstance(df.loc[1, "amount"], Decimal)
    assert df.loc[1, "base_total"] == Decimal("15000.10") and df.loc[0, "rate"] == Decimal("0.16")
    assert df.loc[0, "created_on"] == dt.date(2026, 11, 20)
    assert set(df["status"]) == {"初始", "申报成功", "销账", "已生成待批扣清册"}
    assert df.loc[0, "payer"] == "单位" and df.loc[0, "payer_code"] == "unit"
    assert sum(service.frame()["amount"]) == Decimal("2433.43")


def test_sync_of_a_range_replaces_only_that_range(env):
    bureau, service = env
    service.sync()
    bureau.rows[1] = {**bureau.rows[1], "status": "销账"}
    bureau.rows = [r for r in bureau.rows if r["payable_id"] != "P3"]
    assert service.sync("2026-11-01", dt.date(2026, 11, 30)) == 1
    assert bureau.requests[-1].url.params["from"] == "2026-11-01"
    df = service.frame()
    assert list(df["payable_id"]) == ["D2-P2", "D1-P1", "D0-P0"]
    assert df.loc[0, "status"] == "销账"


def test_query_form_fields_filter(env):
    _bureau, service = env
    service.sync()
    assert service.query(PayableFilter(status="销账"))[1] == 1
    assert service.query(PayableFilter(created_from="2026-10-01", created_to="2026-11-10"))[1] == 2
    assert list(service.query(PayableFilter(item_name="失业"))[0]["payable_id"]) == ["D2-P2"]
    assert list(service.query(PayableFilter(period="2026-09"))[0]["payable_id"]) == ["D1-P1"]
    assert service.query(PayableFilter(source_name="核定"))[1] == 1
    assert service.query(PayableFilter(item_name="%"))[1] == 0
    page2, total = service.query(None, page=2, page_size=3)
    assert total == 4 and list(page2["payable_id"]) == ["D0-P0"]
    assert service.sources() == ["核定", "系统生成"]


@pytest.mark.parametrize("filters, field", [
    (PayableFilter(status="作废"), "申报处理状态"),
    (PayableFilter(period="2026-13"), "应缴所属期间"),
    (PayableFilter(created_from="2026/11/01"), "申报生成日期起"),
    (PayableFilter(created_from="2026-11-02", created_to="2026-11-01"), "申报生成日期起"),
])
def test_bad_filters_are_refused_in_chinese(env, filters, field):
    _bureau, service = env
    with pytest.raises(ValidationError) as refused:
        service.query(filters)
    assert refused.value.field == field


def test_bad_answer_is_a_protocol_error_and_keeps_what_was_held(env):
    bureau, service = env
    service.sync()
    bureau.bad = True
    with pytest.raises(ConnectionFailed) as failed:
        service.sync()
    assert failed.value.code == "BAD_RESPONSE"
    assert service.query()[1] == 4
    with pytest.raises(ValidationError):
        service.sync("2026-11-02", "2026-11-01")


def test_export_has_the_chinese_headers_and_every_matching_row(env):
    _bureau, service = env
    service.sync()
    book = openpyxl.load_workbook(io.BytesIO(service.export(PayableFilter(status="初始"))))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("申报生成日期", "申报处理状态", "数据来源")
    assert len(rows) == 2 and "16%" in rows[1]
