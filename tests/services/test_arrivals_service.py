"""社保费到账信息查询 (manual 2.22) over MockTransport and a temporary store: sync a 到账日期 range,
query with the form's fields, Decimal money through Arrow, totals, export, refusals in Chinese."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import httpx
import openpyxl
import pandas as pd
import pytest

from sbflib.domain import clock
from sbflib.employer.arrivals import ArrivalFilter, ArrivalService
from sbflib.errors import ConnectionFailed, ValidationError
from sbflib.gateway.client import BureauClient
from sbflib.store.db import Store
from sbflib.system.context import Context, CurrentUnit

UNIT = "U000001"


def _row(arrival_id: str, arrived_on: str, item: str = "基本养老保险费", amount: str = "1200.00",
         late_fee: str = "0.00", period: str = "2026-10", channel: str = "三方协议", payer: str = "unit",
         voucher: str = "32000000000000000001") -> dict[str, Any]:
    return {"arrival_id": arrival_id, "voucher_no": voucher, "declaration_id": "SB0001", "item_code": "10201",
            "item_name": item, "payer": payer, "period_start": period, "period_end": period, "amount": amount,
            "late_fee": late_fee, "paid_on": arrived_on, "arrived_on": arrived_on, "channel": channel,
            "tax_authority": "国家税务总局杭州市滨江区税务局", "unit_number": "330108700935",
            "agency": "杭州市滨江区社会保险管理服务中心", "subitem_name": "企业职工基本养老保险费",
            "payer_name": "单位" if payer == "unit" else "个人", "total": str(Decimal(amount) + Decimal(late_fee)),
            "status": "已到账", "record_id": "PR1"}


ROWS = [
    _row("A4", "2026-11-20", amount="0.10"),
    _row("A3", "2026-11-10", item="失业保险费", amount="33.33", payer="personal", channel="银行端凭证",
         voucher="32000000000000000002"),
    _row("A2", "2026-10-05", period="2026-09", late_fee="12.34"),
    _row("A1", "2026-09-01", item="工伤保险费", channel="其他渠道", voucher="32000000000000000003"),
]


class Bureau:
    def __init__(self) -> None:
        self.rows = list(ROWS)
        self.requests: list[httpx.Request] = []
        self.bad: Any = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == f"/api/v1/units/{UNIT}/arrivals":
            if self.bad is not None:
                return httpx.Response(200, json=self.bad)
            lo, hi = request.url.params.get("from"), request.url.params.get("to")
            return httpx.Response(200, json=[r for r in self.rows if (not lo or r["arrived_on"] >= lo)
                                             and (not hi or r["arrived_on"] <= hi)])
        return httpx.Response(404, json={"code": "NOT_FOUND", "message": "未找到"})


@pytest.fixture
def env(tmp_path):
    bureau = Bureau()
    client = BureauClient("http://bureau.test", transport=httpx.MockTransport(bureau), sleep=lambda s: None)
    store = Store(tmp_path / "client" / "sbf.duckdb")
    ctx = Context(store, client)
    ctx.unit = CurrentUnit(UNIT, "91330100MA0000000X", "测试单位", "employer", "330100")
    yield bureau, ArrivalService(ctx)
    client.close()
    store.close()


def test_sync_stores_every_row_newest_first_with_decimal_money(env):
    _bureau, service = env
    assert not service.fetched()
    assert service.sync() == 4
    assert service.fetched()
    df, total = service.query(None, page=1, page_size=50)
    assert total == 4
    assert list(df["arrival_id"]) == ["A4", "A3", "A2", "A1"]
    assert df.loc[0, "amount"] == Decimal("0.10") and isinstance(df.loc[1, "amount"], Decimal)
    assert df.loc[2, "late_fee"] == Decimal("12.34") and df.loc[2, "total"] == Decimal("1212.34")
    assert df.loc[0, "arrived_on"] == dt.date(2026, 11, 20) and df.loc[0, "paid_on"] == dt.date(2026, 11, 20)
    assert df.loc[0, "payer"] == "单位" and df.loc[1, "payer"] == "个人" and df.loc[1, "payer_code"] == "personal"
    assert df.loc[2, "period_range"] == "2026-09 至 2026-09"
    assert df.loc[0, "agency"] == "杭州市滨江区社会保险管理服务中心" and df.loc[0, "subitem_name"] == "企业职工基本养老保险费"
    assert df.loc[0, "status"] == "已到账" and df.loc[0, "unit_number"] == "330108700935"
    assert sum(service.frame()["amount"]) == Decimal("2433.43")


def test_totals_say_count_and_sums_in_chinese(env):
    _bureau, service = env
    service.sync()
    totals = service.totals()
    assert (totals.count, totals.amount, totals.late_fee, totals.total) == (
        4, Decimal("2433.43"), Decimal("12.34"), Decimal("2445.77"))
    assert totals.text == "共4条，实缴金额合计2,433.43元，滞纳金合计12.34元，到账金额合计2,445.77元"
    assert service.totals(ArrivalFilter(item_name="不存在")).total == Decimal("0.00")


def test_sync_of_a_range_replaces_only_that_range(env):
    bureau, service = env
    service.sync()
    bureau.rows = [r for r in bureau.rows if r["arrival_id"] != "A4"]
    bureau.rows[0] = {**bureau.rows[0], "amount": "44.44", "total": "44.44"}
    assert service.sync("2026-11-01", dt.date(2026, 11, 30)) == 1
    assert bureau.requests[-1].url.params["from"] == "2026-11-01"
    assert bureau.requests[-1].url.params["to"] == "2026-11-30"
    df = service.frame()
    assert list(df["arrival_id"]) == ["A3", "A2", "A1"]
    assert df.loc[0, "amount"] == Decimal("44.44")


def test_sync_without_bounds_sends_no_bounds(env):
    bureau, service = env
    service.sync()
    assert "from" not in bureau.requests[-1].url.params and "to" not in bureau.requests[-1].url.params


def test_query_form_fields_filter(env):
    _bureau, service = env
    service.sync()
    assert service.query(ArrivalFilter(arrived_from="2026-10-01", arrived_to="2026-11-10"))[1] == 2
    assert list(service.query(ArrivalFilter(item_name="失业"))[0]["arrival_id"]) == ["A3"]
    assert list(service.query(ArrivalFilter(voucher_no="0003"))[0]["arrival_id"]) == ["A1"]
    assert list(service.query(ArrivalFilter(channel="银行端凭证"))[0]["arrival_id"]) == ["A3"]
    assert list(service.query(ArrivalFilter(period="2026-09"))[0]["arrival_id"]) == ["A2"]
    assert service.query(ArrivalFilter(item_name="%"))[1] == 0
    page2, total = service.query(None, page=2, page_size=3)
    assert total == 4 and list(page2["arrival_id"]) == ["A1"]


def test_reset_gives_the_last_year_up_to_today(env):
    _bureau, service = env
    clock.set_today("2026-11-27")
    try:
        f = service.reset()
    finally:
        clock.reset()
    assert f == ArrivalFilter(arrived_from=dt.date(2025, 11, 27), arrived_to=dt.date(2026, 11, 27))


@pytest.mark.parametrize("filters, field", [
    (ArrivalFilter(channel="现金"), "缴费渠道"),
    (ArrivalFilter(period="2026-13"), "费款所属期"),
    (ArrivalFilter(arrived_from="2026/11/01"), "到账日期起"),
    (ArrivalFilter(arrived_from="2026-11-02", arrived_to="2026-11-01"), "到账日期起"),
])
def test_bad_filters_are_refused_in_chinese(env, filters, field):
    _bureau, service = env
    with pytest.raises(ValidationError) as refused:
        service.query(filters)
    assert refused.value.field == field


@pytest.mark.parametrize("answer", [
    {"oops": 1},
    [{"arrival_id": "A1"}],
    [{**ROWS[0], "amount": 12.5}],          # money as a float
    [{**ROWS[0], "amount": "NaN"}],
    [{**ROWS[0], "payer": "boss"}],
    [{**ROWS[0], "arrived_on": "yesterday"}],
    [{**ROWS[0], "total": "1200.01"}],      # not amount + late_fee
])
def test_bad_answer_is_a_protocol_error_and_keeps_what_was_held(env, answer):
    bureau, service = env
    service.sync()
    bureau.bad = answer
    with pytest.raises(ConnectionFailed) as failed:
        service.sync()
    assert failed.value.code == "BAD_RESPONSE" and "税务局" in str(failed.value)
    assert service.query()[1] == 4
    with pytest.raises(ValidationError):
        service.sync("2026-11-02", "2026-11-01")


def test_optional_columns_may_be_left_out(env):
    bureau, service = env
    row = {k: v for k, v in ROWS[0].items()
           if k not in ("late_fee", "tax_authority", "declaration_id", "paid_on", "status", "total", "agency")}
    bureau.rows = [row]
    assert service.sync() == 1
    df = service.frame()
    assert df.loc[0, "late_fee"] == Decimal("0.00") and pd.isna(df.loc[0, "tax_authority"])
    assert pd.isna(df.loc[0, "paid_on"]) and df.loc[0, "status"] == "已到账"


def test_export_has_the_chinese_headers_and_every_matching_row(env):
    _bureau, service = env
    service.sync()
    book = openpyxl.load_workbook(io.BytesIO(service.export(ArrivalFilter(channel="三方协议"))))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("到账日期", "缴款日期", "应征凭证序号")
    assert "缴费渠道" in rows[0] and "滞纳金" in rows[0] and "到账金额" in rows[0]
    assert "主管税务机关" in rows[0] and "社保经办机构" in rows[0] and "征收品目" in rows[0]
    assert len(rows) == 3
    assert "个人" not in [c for r in rows[1:] for c in r] and "单位" in rows[1]


def test_every_public_method_is_behind_the_service_edge():
    import inspect

    for name, member in vars(ArrivalService).items():
        if not name.startswith("_") and inspect.isfunction(member):
            assert hasattr(member, "__wrapped__"), name


def test_a_bad_unit_id_is_refused_before_anything_is_sent(env):
    bureau, service = env
    service.ctx.unit = CurrentUnit("U000001/../U2", "91330100MA0000000X", "测试单位", "employer", "330100")
    with pytest.raises(ValidationError):
        service.sync()
    assert bureau.requests == []
