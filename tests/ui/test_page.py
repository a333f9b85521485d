"""The Page base and the shared components with a stub workbench (no bureau): freeze while a call
runs, a double click sends once, errors with 详情, the menu registry, escaping by construction."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, cast

import ipywidgets as w

from sbflib.errors import ConnectionFailed, SbfError, ValidationError
from sbflib.ui import menus
from sbflib.ui.components.dialogs import DetailToggle
from sbflib.ui.components.html import escape, kv_html, notice_list_html, table_html
from sbflib.ui.components.upload import Upload
from sbflib.ui.context import Ui
from sbflib.ui.page import Page

if TYPE_CHECKING:
    from sbflib.workbench import Workbench


class StubWorkbench:
    """Only what the pages under test touch; counts every call that would go to the bureau."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.unit = None
        self.region = None


def _ui(stub: StubWorkbench | None = None, *, sync: bool = True) -> Ui:
    return Ui(cast("Workbench", stub or StubWorkbench()), sync=sync)


class SendPage(Page):
    menu_id = "EMP-99"
    title = "测试页"

    def __init__(self, ui: Ui, fn: Any) -> None:
        self.fn = fn
        self.send = w.Button(description="提交")
        self.send.on_click(lambda _b: self.run_call(self.fn, on_done=self.done))
        self.text = w.Text()
        self.off = w.Button(description="本来就不可用", disabled=True)
        self.result: Any = None
        super().__init__(ui, [w.VBox([self.text, w.HBox([self.send, self.off])])], show_title=True)

    def done(self, result: Any) -> None:
        self.result = result


def test_page_is_frozen_while_its_call_runs_and_given_back_after():
    seen: dict[str, Any] = {}

    def call() -> str:
        seen["frozen"] = page.frozen
        seen["disabled"] = (page.send.disabled, page.text.disabled, page.off.disabled)
        return "好"

    page = SendPage(_ui(), call)
    page.send.click()
    assert seen == {"frozen": True, "disabled": (True, True, True)}
    assert page.result == "好" and not page.frozen and not page.busy
    assert (page.send.disabled, page.text.disabled, page.off.disabled) == (False, False, True)
    assert "sbf-page" in page._dom_classes and "sbf-page-EMP-99" in page._dom_classes


def test_a_double_click_sends_once():
    ui = _ui(sync=False)
    release = threading.Event()
    sent: list[int] = []

    def call() -> int:
        sent.append(1)
        release.wait(10)
        return len(sent)

    page = SendPage(ui, call)
    page.send.click()
    page.send.click()  # a second click while the first call runs (the browser may queue one)
    assert page.run_call(call) is False
    release.set()
    ui.tasks.wait(10)
    assert sent == [1] and page.result == 1
    assert not page.frozen and not page.send.disabled


def test_a_slow_call_shows_progress_and_cancel_gives_the_page_back():
    ui = _ui(sync=False)
    release = threading.Event()
    page = SendPage(ui, lambda: release.wait(10) and "晚到的结果")
    page.run_call(page.fn, on_done=page.done, label="正在测试……", cancellable=True, slow_after=0.05)
    deadline = time.monotonic() + 5
    while ui.dialogs.current is None and time.monotonic() < deadline:
        time.sleep(0.02)
    d = ui.dialogs.current
    assert d is not None and "正在测试" in d.text
    d.button("取消").click()
    assert ui.dialogs.current is None and not page.frozen and not page.busy
    release.set()
    ui.tasks.wait(10)
    assert page.result is None  # the late answer is dropped


def test_errors_show_the_chinese_message_and_the_detail_behind_a_toggle():
    def call() -> None:
        raise ConnectionFailed("无法连接税务局服务，请检查网络后重试", detail="ConnectError: [Errno 111] Connection refused")

    ui = _ui()
    page = SendPage(ui, call)
    page.send.click()
    d = ui.dialogs.current
    assert d is not None and "无法连接税务局服务" in d.text
    toggle = next(c for c in d.body.children if isinstance(c, DetailToggle))
    assert not toggle.expanded and toggle.toggle.description.startswith("详情")
    toggle.toggle.click()
    assert toggle.expanded and "Errno 111" in toggle.detail.value
    assert not page.frozen


def test_an_error_without_detail_has_no_toggle_and_a_bug_is_not_shown_in_english():
    ui = _ui()
    SendPage(ui, lambda: (_ for _ in ()).throw(SbfError("操作失败"))).send.click()
    d = ui.dialogs.current
    assert d is not None and not any(isinstance(c, DetailToggle) for c in d.body.children)
    d.dismiss()
    SendPage(ui, lambda: 1 / 0).send.click()
    d = ui.dialogs.current
    assert d is not None and "系统异常" in d.text and "division" not in d.text


def test_validation_messages_name_their_field_the_same_way():
    ui = _ui()
    ui.error(ValidationError("两次输入的新密码不一致", field="确认新密码"))
    assert ui.dialogs.current is not None and "【确认新密码】：两次输入的新密码不一致" in ui.dialogs.current.text


def test_every_registered_page_is_a_page_with_its_menu_id_and_a_real_menu():
    ids = set(menus.all_ids("employer")) | set(menus.all_ids("collector")) | {m.id for m in menus.STATUS_BAR}
    for menu_id in menus.PAGES:
        assert menu_id in ids
        cls = menus.page_class(menu_id)
        assert cls is not None and issubclass(cls, w.Widget)
        if issubclass(cls, Page):
            assert cls.menu_id == menu_id and cls.title
    assert menus.page_class("COL-2") is None  # a menu not built yet


def test_components_escape_what_they_are_given():
    evil = "<script>alert(1)</script>"
    assert "<script>" not in escape(evil) and escape(None) == ""
    assert "<script>" not in kv_html({"单位名称": evil, evil: "x"})
    assert "value=\"&lt;script&gt;" in kv_html({"单位名称": evil})
    html = table_html([{"a": evil, "b": None}], {"a": "甲", "b": "乙"})
    assert "<script>" not in html and "<th>甲</th>" in html
    assert "暂无数据" in table_html([], {"a": "甲"})
    assert "<script>" not in notice_list_html([{"title": evil, "published": "2026-01-01", "body": evil}],
                                              with_body=True)


def test_upload_has_no_counter_and_hands_over_bytes():
    u = Upload("批量导入", accept=".xlsx")
    got: list[Any] = []
    u.observe(lambda c: got.append(c["new"]), names="value")
    assert u.description == "批量导入" and u.data is None
    u.receive("名单.xlsx", b"PK\x03\x04")
    assert u.data == b"PK\x03\x04" and u.filename == "名单.xlsx" and len(got) == 1
    u.value = ()
    assert u.data is None


class StubNetwork:
    """wb.network whose 测试 hangs until released (a SOCKS proxy that never answers)."""

    def __init__(self) -> None:
        from sbflib.system.network import ProxySettings

        self.saved = ProxySettings()
        self.release = threading.Event()
        self.tests = 0

    def load(self) -> Any:
        return self.saved

    def test(self, settings: Any, password: str | None = None) -> str:
        self.tests += 1
        self.release.wait(10)
        return "代理服务器测试成功，可以连接税务局服务"


def test_network_test_never_blocks_the_kernel_and_can_be_cancelled():
    from sbflib.ui.pages.network import NetworkPage

    stub = StubWorkbench()
    stub.network = StubNetwork()  # type: ignore[attr-defined]
    ui = _ui(stub, sync=False)
    page = NetworkPage(ui)
    page.mode.value = "使用代理"
    page.host.value, page.port.value = "127.0.0.1", "1080"
    started = time.monotonic()
    page.test_button.click()
    assert time.monotonic() - started < 1  # the click returns; the try runs in the background
    assert page.frozen and page.test_button.disabled and page.mode.disabled
    page.test_button.click()  # a second click while it runs sends nothing
    page.cancel_call()  # 取消 in the progress dialog
    assert not page.frozen and not page.test_button.disabled and not page.host.disabled
    assert "已取消" in page.result.value
    stub.network.release.set()  # type: ignore[attr-defined]
    ui.tasks.wait(10)
    assert stub.network.tests == 1  # type: ignore[attr-defined]
    assert "已取消" in page.result.value  # the late answer does not overwrite the cancel


def test_long_work_gets_a_progress_bar_shown_at_once():
    ui = _ui()
    seen: dict[str, Any] = {}

    def work(*, progress: Any) -> str:
        progress(0.5, "已处理一半")
        d = ui.dialogs.current
        seen["dialog"] = d is not None and "已处理一半" in d.text and "50%" in d.text
        return "完成"

    page = SendPage(ui, work)
    page.run_call(work, on_done=page.done, progress=True, label="正在更新……", title="数据更新")
    assert seen == {"dialog": True} and page.result == "完成"
    assert ui.dialogs.current is None and not page.frozen


class StubUnits:
    def password_hint(self, module: str) -> str:
        return "初始化申报密码为任一单位编号后6位。"


def test_a_login_waits_for_the_previous_logout_without_blocking_the_kernel():
    from sbflib.ui.pages.login import LoginFlow

    order: list[str] = []
    logged_out = threading.Event()
    stub = StubWorkbench()
    stub.units = StubUnits()  # type: ignore[attr-defined]
    stub.login = lambda unit_id, password: order.append("login") or type("R", (), {"must_change_password": True})()  # type: ignore[attr-defined]
    ui = _ui(stub, sync=False)
    flow = LoginFlow(ui, {"unit_id": "U000001", "taxpayer_id": "X", "name": "单位", "module": "employer"},
                     on_done=lambda: None, on_cancel=lambda: None, before_login=logged_out.wait)
    flow.password.value = "123400"
    flow.login_button.click()  # returns at once; the call waits in its thread
    assert flow.frozen and order == []
    order.append("logout")
    logged_out.set()
    ui.tasks.wait(10)
    assert order == ["logout", "login"] and flow.step == "change_password"
