"""网络设置 / 网络管理 (SET-1): no proxy or an http / socks5 proxy; 测试, and 保存 (which tests first).

测试 and 保存 run through `run_call`: the kernel keeps answering while the proxy is tried, the
service gives the try its own deadline, and 取消 in the progress dialog gives the page back at once.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import ipywidgets as w

from sbflib.errors import SbfError
from sbflib.system.network import ProxySettings
from sbflib.ui.components.dialogs import DetailToggle
from sbflib.ui.components.html import escape
from sbflib.ui.context import button, error_text, field
from sbflib.ui.page import Page

if TYPE_CHECKING:
    from sbflib.ui.context import Ui

log = logging.getLogger(__name__)


class NetworkPage(Page):
    menu_id = "SET-1"
    title = "网络管理"

    def __init__(self, ui: Ui) -> None:
        self.on_saved: Callable[[], None] | None = None
        ok, current = ui.call(ui.wb.network.load)
        self.current: ProxySettings = current if ok else ProxySettings()
        cur = self.current
        self.mode = w.RadioButtons(options=["不使用代理", "使用代理"], value="使用代理" if cur.enabled else "不使用代理")
        self.mode.add_class("sbf-proxy-mode")
        self.kind = w.Dropdown(options=["http", "socks5"], value=cur.kind or "http", layout=w.Layout(width="160px"))
        self.host = w.Text(value=cur.host, placeholder="代理服务器地址")
        self.port = w.Text(value=str(cur.port or ""), placeholder="端口", layout=w.Layout(width="120px"))
        self.username = w.Text(value=cur.username, placeholder="可不填")
        self.password = w.Password(placeholder="已保存，不修改可不填" if cur.has_password else "可不填")
        for x, css in ((self.kind, "sbf-proxy-kind"), (self.host, "sbf-proxy-host"), (self.port, "sbf-proxy-port"),
                       (self.username, "sbf-proxy-user"), (self.password, "sbf-proxy-password")):
            x.add_class(css)
        self.proxy_fields = w.VBox([field("类型", self.kind), field("地址", self.host), field("端口", self.port),
                                    field("用户名", self.username), field("密码", self.password)])
        self.result = w.HTML("")
        self.result.add_class("sbf-network-result")
        self.result_detail = DetailToggle("")  # 详情 of a failed try (technical text), hidden otherwise
        self.result_detail.layout.display = "none"
        self.test_button = button("测试", self.test, css="sbf-proxy-test")
        self.save_button = button("保存", self.save, primary=True, css="sbf-proxy-save")
        self.mode.observe(lambda _c: self._toggle(), names="value")
        self._toggle()
        card = w.VBox([field("上网方式", self.mode), self.proxy_fields, self.result, self.result_detail,
                       w.HBox([self.test_button, self.save_button])])
        card.add_class("sbf-card")
        super().__init__(ui, [card], css="sbf-network-page", show_title=True)

    def _toggle(self) -> None:
        on = self.mode.value == "使用代理"
        for row in self.proxy_fields.children:
            for c in row.children:
                if c.has_trait("disabled"):
                    c.disabled = not on

    def settings(self) -> ProxySettings:
        """The form as the service's settings (a port that is not a number is refused by the service)."""
        port_text = self.port.value.strip()
        port = int(port_text) if port_text.isdigit() else (0 if not port_text else -1)
        return dataclasses.replace(
            self.current, enabled=self.mode.value == "使用代理", kind=self.kind.value,
            host=self.host.value.strip(), port=port, username=self.username.value.strip(),
        )

    def _show(self, text: str, ok: bool, detail: str = "") -> None:
        css = "sbf-ok" if ok else "sbf-fail"
        self.result.value = f"<div class='{css}'>{escape(text)}</div>"
        self.result_detail.set_detail(detail)
        self.result_detail.layout.display = None if detail else "none"

    def _failed(self, exc: BaseException) -> None:
        detail = str(getattr(exc, "detail", "") or "") if isinstance(exc, SbfError) else ""
        if not isinstance(exc, SbfError):
            log.error("network test failed unexpectedly", exc_info=exc)
        self._show(error_text(exc), False, detail)

    def test(self) -> None:
        self._show("正在测试……", True)
        self.run_call(self.wb.network.test, self.settings(), password=self.password.value or None,
                      on_done=lambda msg: self._show(msg or "测试成功", True), on_error=self._failed,
                      label="正在测试网络连接，请稍候……", title="网络测试", cancellable=True)

    def save(self) -> None:
        self.run_call(self.wb.network.save, self.settings(), password=self.password.value or None,
                      on_done=lambda _r: self._saved(), on_error=self._failed,
                      label="正在测试并保存网络设置……", title="网络测试", cancellable=True)

    def _saved(self) -> None:
        ok, current = self.ui.call(self.wb.network.load)
        if ok:
            self.current = current
        self.password.value = ""
        self._show("保存成功", True)
        self.ui.message("网络设置保存成功", on_close=self.on_saved)

    def cancel_call(self) -> None:
        super().cancel_call()
        self._show("已取消测试", False)
