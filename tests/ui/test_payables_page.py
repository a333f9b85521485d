"""社保费应缴信息查询 page (manual 2.21) driven from Python over the real service on MockTransport:
entering fetches from the bureau, the list shows the manual's columns with money and rates as the
manual prints them, 查询/重置 filter, 同步 fetches again, 导出 saves .xlsx, errors come in Chinese."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from sbflib.employer.payables import PayableService
from sbflib.gateway.client import BureauClient
from sbflib.store.db import Store
from sbflib.system.context import Context, CurrentUnit
from sbflib.ui.components.cells import money_text, percent_text
from sbflib.ui.components.table import MemorySettings
from sbflib.ui.context import Ui
from sbflib.ui.menus import page_class
from sbflib.ui.pages.payables import PayablesPage

UNIT = "U000001"


def _row(payable_id: str, created_on: str, status: str, item: str, amount: str) -> dict[str, Any]:
    return {"payable_id": payable_id, "prep_id": payable_id.split("-")[-1],
            "declaration_id": payable_id.split("-")[0] if "-" in payable_id else None,
            "created_on": created_on, "status": status, "source_code": "01", "source_name": "系统生成",
            "kind": "应缴社保费", "unit_number": "1234", "item_code": "10201", "item_name": item, "payer": "unit",
            "period_start": "2026-10", "period_end": "2026-10", "headcount": 80, "base_total": "211212.00",
            "rate": "0.01", "amount": amount}


class Bureau:
    def __init__(self) -> None:
        self.rows = [_row("P2", "2026-11-20", "初始", "基本养老保险费", "67833.00"),
                     _row("D1-P1", "2026-11-02", "销账", "失业保险费", "260.00")]
        self.calls = 0
        self.down = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.down:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return httpx.Response(200, json=self.rows)


@pytest.fixture
def page(tmp_path):
    bureau = Bureau()
    client = BureauClient("http://bureau.test", transport=httpx.MockTransport(bureau), sleep=lambda s: None,
                          retries=1)
    store = Store(tmp_path / "client" / "sbf.duckdb")
    ctx = Context(store, client)
    ctx.unit = CurrentUnit(UNIT, "91330100MA0000000X", "测试单位", "employer", "330100")
    wb = SimpleNamespace(employer=SimpleNamespace(payables=PayableService(ctx)), settings=MemorySettings(page_size=10))
    ui = Ui(wb, sync=True)
    p = PayablesPage(ui)
    p.bureau = bureau  # type: ignore[attr-defined]
    yield p
    client.close()
    store.close()


def test_registered_and_entering_fetches_from_the_bureau(page):
    assert page_class("EMP-21") is PayablesPage
    assert page.bureau.calls == 1 and page.synced
    assert page.table.total == 2
    cols = list(page.table.grid.data.columns)
    for label in ("申报生成日期", "申报处理状态", "数据来源", "申报类型", "申报人数", "缴费基数合计", "费率", "应缴金额",
                  "应缴所属起止", "缴费对象"):
        assert label in cols
    assert "payable_id" not in cols and not any("EMP" in c for c in cols) and "EMP" not in page.title
    first = page.table.grid.data.iloc[0]
    assert first["缴费对象"] == "单位" and first["应缴所属起止"] == "2026-10 至 2026-10"
    assert first["应缴金额"] == "67,833.00" and first["费率"] == "1%" and first["缴费基数合计"] == "211,212.00"
    assert list(page.source.options) == ["全部", "系统生成"]


def test_query_and_reset(page):
    page.status.value = "销账"
    page.form.query_button.click()
    assert page.table.total == 1 and page.table.frame.loc[0, "payable_id"] == "D1-P1"
    page.status.value = "全部"
    page.item.value = "养老"
    page.form.query_button.click()
    assert page.table.total == 1 and page.table.frame.loc[0, "payable_id"] == "P2"
    page.form.reset_button.click()
    assert page.item.value == "" and page.table.total == 2


def test_a_bad_period_is_refused_in_chinese(page):
    page.period.value = "2026/10"
    page.form.query_button.click()
    dialog = page.ui.dialogs.current
    assert dialog is not None and "应缴所属期间" in dialog.text


def test_sync_fetches_again_and_shows_the_new_status(page):
    page.bureau.rows[0] = {**page.bureau.rows[0], "status": "申报中"}
    page.sync_button.click()
    assert page.bureau.calls == 2
    assert set(page.table.frame["status"]) == {"申报中", "销账"}


def test_sync_while_the_bureau_is_down_says_so_in_chinese_and_keeps_the_list(page):
    page.bureau.down = True
    page.sync_button.click()
    dialog = page.ui.dialogs.current
    assert dialog is not None and "无法连接" in dialog.text
    assert page.table.total == 2


def test_export_saves_xlsx(page):
    page.export_button.click()
    assert page.ui.download.last_filename.endswith(".xlsx") and page.ui.download.last_size > 0


def test_formatters():
    assert money_text("1234.5") == "1,234.50" and money_text(None) == ""
    assert percent_text("0.005") == "0.5%" and percent_text("0.16") == "16%"
