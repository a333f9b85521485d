"""首页 待办事项 / 异常提醒 (manual 2.1.3) driven from Python over the real HomeService on
MockTransport: the lines say what is to do in Chinese, each opens its menu through the app's
navigation (社保费应缴信息查询 while 缴费 is not built), quick buttons and notices stay, the quick buttons
are not frozen while the section loads, a bureau that cannot be reached is said quietly with what was
held, and no catalogue ID or English reaches the screen."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import pandas as pd
import pytest

from sbflib.domain import clock
from sbflib.employer.home import FRESH_S, HomeService
from sbflib.gateway.client import BureauClient
from sbflib.store.db import Store
from sbflib.system.context import Context, CurrentUnit
from sbflib.ui import menus
from sbflib.ui.components.table import MemorySettings
from sbflib.ui.context import Ui
from sbflib.ui.pages.home import CollectorHomePage, HomePage

UNIT = "U000001"


def _row(prep_id: str, status: str, amount: str, period: tuple[str, str] = ("2026-11", "2026-11"),
         source: str = "01", declaration_id: str | None = None) -> dict[str, Any]:
    return {"payable_id": f"{declaration_id}-{prep_id}" if declaration_id else prep_id, "prep_id": prep_id,
            "declaration_id": declaration_id, "created_on": "2026-11-20", "status": status, "source_code": source,
            "source_name": "税务机关", "kind": "应缴社保费", "unit_number": "1234", "item_code": "10201",
            "item_name": "基本养老保险费", "payer": "unit", "period_start": period[0], "period_end": period[1],
            "headcount": 3, "base_total": "15000.00", "rate": "0.16", "amount": amount}


class Bureau:
    def __init__(self) -> None:
        self.rows = [
            _row("P01N-1234-10201-U-202611", "初始", "2400.00"),
            _row("P02-A-10201-U", "初始", "300.00", ("2025-09", "2025-11"), source="02"),
            _row("P02-B-10201-U", "初始", "200.00", ("2026-05", "2026-07"), source="02"),
            _row("P01B-1234-10201-U-202608", "申报成功", "500.00", ("2026-08", "2026-08"), declaration_id="SB1"),
        ]
        self.calls = 0
        self.down = False
        self.arrears: list[dict[str, Any]] | None = None  # None: a bureau without the 征收子系统

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if request.url.path.endswith("/arrears"):
            if self.arrears is not None:
                return httpx.Response(200, json=self.arrears)
            # a bureau without the 征收子系统: the pay-by rule decides
            return httpx.Response(404, json={"code": "NOT_FOUND", "message": "未找到"})
        self.calls += 1
        return httpx.Response(200, json=self.rows)


class Ticker:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def env(tmp_path):
    clock.set_today("2026-11-27")
    bureau = Bureau()
    client = BureauClient("http://bureau.test", transport=httpx.MockTransport(bureau), sleep=lambda s: None,
                          retries=1)
    store = Store(tmp_path / "client" / "sbf.duckdb")
    ctx = Context(store, client)
    unit = CurrentUnit(UNIT, "91330100MA0000000X", "测试单位", "employer", "330100")
    ctx.unit = unit
    ticker = Ticker()
    notices = pd.DataFrame([{"title": "关于社保费缴费期限的通知", "published": "2026-11-01", "body": "……"}])
    wb = SimpleNamespace(unit=unit, notices=lambda: notices, settings=MemorySettings(page_size=10),
                         employer=SimpleNamespace(home=HomeService(ctx, monotonic=ticker)))
    ui = Ui(wb, sync=True)
    opened: list[str] = []
    ui.navigate = opened.append
    yield SimpleNamespace(ui=ui, bureau=bureau, opened=opened, ticker=ticker)
    client.close()
    store.close()
    clock.reset()


def _texts(lines: list[Any]) -> list[str]:
    return [b.description for b in lines]


def test_todo_and_alert_lines_in_chinese(env):
    page = HomePage(env.ui)
    assert env.bureau.calls == 1
    assert _texts(page.todo_lines) == [
        "日常申报：有1条社保费预处理信息未申报，应缴费额合计2,400.00元，请及时申报",
        "特殊缴费申报：有2条社保费预处理信息未申报，应缴费额合计500.00元，请及时申报",
        "社保费欠费信息已生成：1张申报表申报成功但未缴费，应缴费额合计500.00元，可以进行社保费缴费",
    ]
    alerts = _texts(page.alert_lines)
    assert alerts[0].startswith("特殊缴费申报：有2个属期（2025-09至2025-11、2026-05至2026-07）的预处理信息未申报")
    assert alerts[1].startswith("有1张申报表的欠费已超出缴费期限（最早于2026-09-15到期）")
    assert page.status.value.startswith("更新于")
    for b in page.todo_lines + page.alert_lines:
        assert "EMP" not in b.description and not any("a" <= c.lower() <= "z" for c in b.description)


def test_each_line_opens_its_menu(env):
    page = HomePage(env.ui)
    for b in page.todo_lines + page.alert_lines:
        b.click()
    pay = "EMP-11" if "EMP-11" in menus.PAGES else "EMP-21"
    assert env.opened == ["EMP-8", "EMP-9", pay, "EMP-9", pay]


def test_target_falls_back_while_a_menu_is_not_built(env, monkeypatch):
    page = HomePage(env.ui)
    unpaid = page.summary.todo[-1]
    monkeypatch.setattr(menus, "PAGES", {k: v for k, v in menus.PAGES.items() if k != "EMP-11"})
    assert HomePage.target(unpaid) == "EMP-21"
    monkeypatch.setitem(menus.PAGES, "EMP-11", "sbflib.ui.pages.x:Y")
    assert HomePage.target(unpaid) == "EMP-11"


def test_quick_buttons_and_notices_stay(env):
    page = HomePage(env.ui)
    assert "关于社保费缴费期限的通知" in page.notices.value
    page.quick_buttons["EMP-2"].click()
    assert env.opened[-1] == "EMP-2"
    # the section freezes while it loads, the quick buttons do not
    page.freeze()
    assert page.refresh_button.disabled and all(b.disabled for b in page.todo_lines)
    assert not any(b.disabled for b in page.quick_buttons.values())
    page.unfreeze()
    assert not page.refresh_button.disabled


def test_showing_again_uses_the_minute_old_answer_and_refresh_fetches(env):
    page = HomePage(env.ui)
    page.on_show()
    assert env.bureau.calls == 1
    env.bureau.rows = env.bureau.rows[:1]
    page.refresh_button.click()
    assert env.bureau.calls == 2 and len(page.todo_lines) == 1 and page.alert_lines == []
    assert "暂无异常提醒" in page.alert_box.children[0].value
    env.ticker.now += FRESH_S + 1
    page.on_show()
    assert env.bureau.calls == 3


def test_a_bureau_that_cannot_be_reached_is_said_quietly_with_what_was_held(env):
    page = HomePage(env.ui)
    env.bureau.down = True
    page.refresh_button.click()
    assert env.ui.dialogs.current is None
    assert "无法连接" in page.status.value and "以下为上次获取的信息" in page.status.value
    assert len(page.todo_lines) == 3


def test_nothing_ever_fetched_and_no_bureau(env):
    env.bureau.down = True
    page = HomePage(env.ui)
    assert env.ui.dialogs.current is None
    assert "无法连接" in page.status.value and "以下为上次获取的信息" not in page.status.value
    assert "暂未获取到待办事项" in page.todo_box.children[0].value


def test_collector_home_keeps_its_quick_menus_without_the_employer_section(env):
    env.ui.wb.unit = CurrentUnit("U000005", "11330100MB0000000X", "街道", "collector", "330100")
    page = CollectorHomePage(env.ui)
    assert "COL-2" in page.quick_buttons and env.bureau.calls == 0


def test_message_center_lists_what_is_held_and_each_line_opens_its_menu(env):
    from sbflib.ui.pages.home import MessageCenterDialog

    page = HomePage(env.ui)  # the 首页 fetched once; the 消息中心 reads what is held, no bureau call
    calls = env.bureau.calls
    dialog = MessageCenterDialog(env.ui, page.home_service, notices=1)
    assert env.bureau.calls == calls
    assert _texts(dialog.lines) == _texts(page.todo_lines) + _texts(page.alert_lines)
    assert any("共5条消息，通知公告1条" in getattr(c, "value", "") for c in _walk(dialog))
    env.ui.dialogs.show(dialog)
    dialog.lines[0].click()
    assert env.opened[-1] == "EMP-8" and env.ui.dialogs.current is None


def test_message_center_without_anything_held_says_so(env):
    from sbflib.ui.pages.home import MessageCenterDialog

    dialog = MessageCenterDialog(env.ui, None, notices=0)
    assert dialog.lines == [] and any("暂无消息" in getattr(c, "value", "") for c in _walk(dialog))


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_the_deadline_calendar_shows_each_day_and_opens_the_payment_page(env):
    env.bureau.arrears = [
        {"arrear_id": "SB1-P1", "declaration_id": "SB1", "voucher_no": "1", "source_code": "01",
         "source_name": "税务机关", "tax_authority": "国家税务总局杭州市滨江区税务局", "declared_on": "2026-11-20",
         "prep_id": "P1", "unit_number": "1234", "agency": "杭州市社保中心", "item_code": "10201",
         "item_name": "基本养老保险费", "subitem_name": "企业职工基本养老保险费", "payer": "unit", "payer_name": "单位",
         "period_start": "2026-11", "period_end": "2026-11", "headcount": 3, "amount": "2400.00",
         "pay_by": "2026-12-15", "days_left": 18, "late_fee": "0.00", "total": "2400.00", "deferrable": False,
         "operation": "正常缴费", "status": "未缴费", "locked_by": None, "bank_voucher_no": None}]
    page = HomePage(env.ui)
    assert _texts(page.deadline_lines) == ["2026-12-15（还剩18天）：1张申报表，应缴费额合计2,400.00元"]
    page.deadline_lines[0].click()
    assert env.opened[-1] == ("EMP-11" if "EMP-11" in menus.PAGES else "EMP-21")


def test_without_the_bureaus_arrears_the_calendar_says_nothing_is_due(env):
    page = HomePage(env.ui)
    assert page.deadline_lines == [] and "暂无待缴费款" in page.deadline_box.children[0].value
