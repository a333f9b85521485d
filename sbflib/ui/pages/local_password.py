"""登录密码设置 (SET-3, manual 4.3): set, change or remove the client's own login password, and the
password screen the app shell shows first while it is set (`LocalPasswordGate`).

The password guards this client on this computer; it is not the declaration password (申报密码)
the bureau keeps. Hashing (slow on purpose, ~0.1 s) runs through `run_call`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import ipywidgets as w

from sbflib.ui.components.html import escape
from sbflib.ui.context import button, field, wizard_card
from sbflib.ui.page import Page

if TYPE_CHECKING:
    from sbflib.ui.context import Ui

TIP = ("登录密码只保存在本机（经不可逆加密保存），与申报密码无关。设置后，每次打开客户端都需要先输入登录密码；"
       "连续输错多次需等待一段时间后再试。忘记登录密码将无法打开客户端，请牢记。")
CHANGE, REMOVE = "修改登录密码", "取消登录密码"


def _password(css: str, placeholder: str) -> w.Password:
    box = w.Password(placeholder=placeholder, layout=w.Layout(width="300px"))
    box.add_class(css)
    return box


class LocalPasswordPage(Page):
    menu_id = "SET-3"
    title = "登录密码设置"

    def __init__(self, ui: Ui) -> None:
        self.status = w.HTML("")
        self.status.add_class("sbf-local-password-status")
        self.status_row = field("当前状态", self.status)
        self.old = _password("sbf-local-old", "请输入原登录密码")
        self.new = _password("sbf-local-new", "6至64位")
        self.new2 = _password("sbf-local-new2", "请再次输入新密码")
        self.mode = w.ToggleButtons(options=[CHANGE, REMOVE], value=CHANGE, style={"button_width": "auto"})
        self.mode.add_class("sbf-local-mode")
        self.mode.observe(lambda _c: self._layout(), names="value")
        self.save_button = button("保存", self.save, primary=True, css="sbf-local-save")
        self.remove_button = button("取消登录密码", self.remove, css="sbf-local-remove")
        self.old_row = field("原密码", self.old)
        self.new_rows = w.VBox([field("新密码", self.new), field("确认新密码", self.new2)])
        self.mode_row = field("操作", self.mode)
        # lined up with the inputs (the labels of `field` are 110 px wide), as on 备份恢复
        self.buttons = w.HBox([self.save_button, self.remove_button], layout=w.Layout(margin="6px 0 4px 114px"))
        self.buttons.add_class("sbf-form-buttons")
        card = w.VBox([
            w.HTML("<div class='sbf-section-title'>登录密码</div>"), self.status_row, self.mode_row, self.old_row,
            self.new_rows, self.buttons, w.HTML(f"<div class='sbf-tip'>{escape(TIP)}</div>"),
        ])
        card.add_class("sbf-card")
        super().__init__(ui, [card], css="sbf-local-password-page", show_title=True)
        self.is_set = False
        self.refresh()

    def on_show(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        ok, is_set = self.ui.call(self.wb.local_password.is_set)  # one local read
        self.is_set = bool(ok and is_set)
        self.status.value = (
            "<span class='sbf-local-state'><b class='sbf-ok'>已设置登录密码</b></span>" if self.is_set
            else "<span class='sbf-local-state'><b>未设置登录密码</b>（打开客户端无需密码）</span>")
        if not self.is_set:
            self.mode.value = CHANGE
        self._layout()

    def _layout(self) -> None:
        removing = self.is_set and self.mode.value == REMOVE
        self.mode_row.layout.display = None if self.is_set else "none"
        self.old_row.layout.display = None if self.is_set else "none"
        self.new_rows.layout.display = "none" if removing else None
        self.save_button.layout.display = "none" if removing else None
        self.remove_button.layout.display = None if removing else "none"
        self.save_button.description = "保存"

    def _clear(self) -> None:
        for box in (self.old, self.new, self.new2):
            box.value = ""

    def save(self) -> None:
        service = self.wb.local_password
        if self.is_set:
            self.run_call(service.change, self.old.value, self.new.value, self.new2.value,
                          on_done=lambda _r: self._done("登录密码修改成功，请牢记新密码"), label="正在保存登录密码……")
        else:
            self.run_call(service.set, self.new.value, self.new2.value,
                          on_done=lambda _r: self._done("登录密码设置成功，下次打开客户端时需要输入登录密码"),
                          label="正在保存登录密码……")

    def remove(self) -> None:
        old = self.old.value
        if not old:
            self.ui.error("请输入原登录密码")
            return

        def go() -> None:
            self.run_call(self.wb.local_password.remove, old, on_done=lambda _r: self._done("已取消登录密码"),
                          label="正在取消登录密码……")

        self.ui.confirm("取消登录密码后，打开客户端将不再需要密码。是否确认取消？", go)

    def _done(self, text: str) -> None:
        self._clear()
        self.refresh()
        self.ui.message(text)


class LocalPasswordGate(Page):
    """The first screen while a local password is set: nothing of any unit shows until it is given."""

    title = "登录密码"

    def __init__(self, ui: Ui, on_unlocked: Callable[[], None]) -> None:
        self.on_unlocked = on_unlocked
        self.password = _password("sbf-gate-password", "请输入登录密码")
        self.ok_button = button("确定", self.submit, primary=True, css="sbf-gate-ok")
        card = wizard_card("请输入登录密码", [
            w.HTML("<div class='sbf-tip'>本客户端已设置登录密码，请输入登录密码后使用。</div>"),
            field("登录密码", self.password),
            self.ok_button,
        ], "sbf-local-password-gate")
        super().__init__(ui, [card], css="sbf-gate-page")

    def submit(self) -> None:
        if not self.password.value:
            self.ui.error("请输入登录密码")
            return
        self.run_call(self.wb.local_password.unlock, self.password.value, on_done=lambda _r: self._unlocked(),
                      on_error=self._refused, label="正在验证登录密码……")

    def _refused(self, exc: BaseException) -> None:
        self.password.value = ""
        self.ui.error(exc)

    def _unlocked(self) -> None:
        self.password.value = ""
        self.on_unlocked()
