"""网络设置 / 网络管理 (SET-1): no proxy or an http / socks5 proxy; 测试, and 保存 (which tests first)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import ipywidgets as w

from sbflib.ui.context import Ui, button, field


class NetworkPage(w.VBox):
    def __init__(self, ui: Ui) -> None:
        self.ui = ui
        self.on_saved: Callable[[], None] | None = None
        ok, current = ui.call(ui.wb.network.load)
        self.current = current
        self.mode = w.RadioButtons(options=["不使用代理", "使用代理"],
                                   value="使用代理" if ok and current.enabled else "不使用代理")
        self.mode.add_class("sbf-proxy-mode")
        self.kind = w.Dropdown(options=["http", "socks5"], value=(current.kind if ok else "http") or "http",
                               layout=w.Layout(width="160px"))
        self.host = w.Text(value=current.host if ok else "", placeholder="代理服务器地址")
        self.port = w.Text(value=str(current.port or "") if ok else "", placeholder="端口",
                           layout=w.Layout(width="120px"))
        self.username = w.Text(value=current.username if ok else "", placeholder="可不填")
        self.password = w.Password(placeholder="已保存，不修改可不填" if ok and current.has_password else "可不填")
        for x, css in ((self.kind, "sbf-proxy-kind"), (self.host, "sbf-proxy-host"), (self.port, "sbf-proxy-port"),
                       (self.username, "sbf-proxy-user"), (self.password, "sbf-proxy-password")):
            x.add_class(css)
        self.proxy_fields = w.VBox([field("类型", self.kind), field("地址", self.host), field("端口", self.port),
                                    field("用户名", self.username), field("密码", self.password)])
        self.result = w.HTML("")
        self.result.add_class("sbf-network-result")
        self.test_button = button("测试", self.test, css="sbf-proxy-test")
        self.save_button = button("保存", self.save, primary=True, css="sbf-proxy-save")
        self.mode.observe(lambda _c: self._toggle(), names="value")
        self._toggle()
        card = w.VBox([field("上网方式", self.mode), self.proxy_fields, self.result,
                       w.HBox([self.test_button, self.save_button])])
        card.add_class("sbf-card")
        super().__init__([w.HTML("<div class='sbf-page-title'>网络管理</div>"), card])
        self.add_class("sbf-page")
        self.add_class("sbf-network-page")

    def _toggle(self) -> None:
        on = self.mode.value == "使用代理"
        for row in self.proxy_fields.children:
            for c in row.children:
                if hasattr(c, "disabled"):
                    c.disabled = not on

    def settings(self):  # -> ProxySettings (the facade's type, rebuilt from the form)
        port_text = self.port.value.strip()
        port = int(port_text) if port_text.isdigit() else (0 if not port_text else -1)
        return dataclasses.replace(
            self.current, enabled=self.mode.value == "使用代理", kind=self.kind.value,
            host=self.host.value.strip(), port=port, username=self.username.value.strip(),
        )

    def _show(self, text: str, ok: bool) -> None:
        css = "sbf-ok" if ok else "sbf-fail"
        self.result.value = f"<div class='{css}'>{text}</div>"

    def test(self) -> None:
        try:
            msg = self.ui.wb.network.test(self.settings(), password=self.password.value or None)
        except Exception as exc:  # noqa: BLE001 - shown in the page as the Chinese result
            from sbflib.ui.context import error_text

            self._show(error_text(exc), False)
            return
        self._show(msg or "测试成功", True)

    def save(self) -> None:
        try:
            self.ui.wb.network.save(self.settings(), password=self.password.value or None)
        except Exception as exc:  # noqa: BLE001
            from sbflib.ui.context import error_text

            self._show(error_text(exc), False)
            return
        _ok, self.current = self.ui.call(self.ui.wb.network.load)
        self.password.value = ""
        self._show("保存成功", True)
        self.ui.message("网络设置保存成功", on_close=self.on_saved)
