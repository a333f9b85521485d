"""社保费到账信息查询 page (manual 2.22) driven from Python over the real service on MockTransport:
entering fetches the form's 到账日期 range from the bureau, the list shows the columns with money as
the manual prints it and a totals line, 查询/重置 filter, 更新 fetches again, 导出 saves .xlsx, errors
come in Chinese."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from sbflib.domain import clock
from sbflib.employer.arrivals import ArrivalService
from sbflib.gateway.client import BureauClient
from sbflib.store.db import Store
from sbflib.system.context import Context, CurrentUnit
from sbflib.ui.components.table import MemorySettings
from sbflib.ui.context import Ui
from sbflib.ui.menus import page_class
from sbflib.ui.pages.arrivals import ArrivalsPage

UNIT = "U000001"


def _row(arrival_id: str, arrived_on: str, item: str, amount: str, channel: str = "三方协议",
         late_fee: str = "0.00") -> dict[str, Any]:
    return {"arrival_id": arrival_id, "voucher_no": f"3200000000000000000{arrival_id[-1]}", "declaration_id": "SB1",
            "unit_number": "330108700935", "item_code": "10201", "item_name": item, "payer": "unit",
            "period_start": "2026-10", "period_end": "2026-10", "amount": amount, "late_fee": late_fee,
            "paid_on": arrived_on, "arrived_on": arrived_on, "channel": channel,
            "tax_authority": "国家税务总局杭州市滨江区税务局", "status": "已到账"}


class Bureau:
    def __init__(self) -> None:
        self.rows = [_row("A2", "2026-11-20", "基本养老保险费", "67833.00"),
                     _row("A1", "2026-11-02", "失业保险费", "260.00", channel="银行端凭证", late_fee="1.30")]
        self.requests: list[httpx.Request] = []
        self.down = False

    @property
    def calls(self) -> int:
        return len(self.requests)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return httpx.Response(200, json=self.rows)


@pytest.fixture
def page(tmp_path):
    clock.set_today("2026-11-27")
    bureau = Bureau()
    client = BureauClient("http://bureau.test", transport=httpx.MockTransport(bureau), sleep=lambda s: None,
                          retries=1)
    store = Store(tmp_path / "client" / "sbf.duckdb")
    ctx = Context(store, client)
    ctx.unit = CurrentUnit(UNIT, "91330100MA0000000X", "测试单位", "employer", "330100")
    wb = SimpleNamespace(employer=SimpleNamespace(arrivals=ArrivalService(ctx)), settings=MemorySettings(page_size=10))
    ui = Ui(wb, sync=True)
    p = ArrivalsPage(ui)
    p.bureau = bureau  # type: ignore[attr-defined]
    yield p
    client.close()
    store.close()
    clock.reset()


def test_registered_and_entering_fetches_the_last_year_from_the_bureau(page):
    assert page_class("EMP-22") is ArrivalsPage
    assert page.bureau.calls == 1 and page.synced
    params = page.bureau.requests[0].url.params
    assert (params["from"], params["to"]) == ("2025-11-27", "2026-11-27")
    assert page.table.total == 2
    cols = list(page.table.grid.data.columns)
    for label in ("到账日期", "应征凭证序号", "征收项目", "缴费对象", "费款所属期", "实缴金额", "滞纳金", "到账金额",
                  "缴费渠道", "到账状态"):
        assert label in cols
    assert "arrival_id" not in cols and not any("EMP" in c for c in cols) and "EMP" not in page.title
    first = page.table.grid.data.iloc[0]
    assert first["缴费对象"] == "单位" and first["费款所属期"] == "2026-10 至 2026-10"
    assert first["实缴金额"] == "67,833.00" and first["到账日期"] == "2026-11-20"
    second = page.table.grid.data.iloc[1]
    assert second["滞纳金"] == "1.30" and second["到账金额"] == "261.30" and second["到账状态"] == "已到账"
    assert page.totals_line.value == "共2条，实缴金额合计68,093.00元，滞纳金合计1.30元，到账金额合计68,094.30元"
    assert "共2条" in page.fetched_note.value


def test_each_visit_fetches_again(page):
    page.on_show()
    assert page.bureau.calls == 2


def test_query_and_reset(page):
    page.channel.value = "银行端凭证"
    page.form.query_button.click()
    assert page.table.total == 1 and page.table.frame.loc[0, "arrival_id"] == "A1"
    assert page.totals_line.value.startswith("共1条")
    page.channel.value = "全部"
    page.item.value = "养老"
    page.form.query_button.click()
    assert page.table.total == 1 and page.table.frame.loc[0, "arrival_id"] == "A2"
    page.arrived.value = (dt.date(2026, 11, 21), None)
    page.form.query_button.click()
    assert page.table.total == 0 and page.totals_line.value.startswith("共0条")
    page.form.reset_button.click()
    assert page.item.value == "" and page.table.total == 2
    assert page.arrived.value == (dt.date(2025, 11, 27), dt.date(2026, 11, 27))


def test_a_bad_period_is_refused_in_chinese(page):
    page.period.value = "2026/10"
    page.form.query_button.click()
    dialog = page.ui.dialogs.current
    assert dialog is not None and "费款所属期" in dialog.text and "年-月" in dialog.text


def test_update_fetches_the_form_range_again(page):
    page.bureau.rows = page.bureau.rows[:1]
    page.arrived.value = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    page.update_button.click()
    assert page.bureau.calls == 2
    assert page.bureau.requests[-1].url.params["from"] == "2026-11-01"
    assert page.table.total == 1


def test_update_while_the_bureau_is_down_says_so_in_chinese_and_keeps_the_list(page):
    page.bureau.down = True
    page.update_button.click()
    dialog = page.ui.dialogs.current
    assert dialog is not None and "无法连接" in dialog.text
    assert page.table.total == 2


def test_export_saves_xlsx(page):
    page.export_button.click()
    assert page.ui.download.last_filename.startswith("社保费到账信息")
    assert page.ui.download.last_filename.endswith(".xlsx") and page.ui.download.last_size > 0
