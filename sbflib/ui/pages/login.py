"""登录 (SYS-6): 安全认证 → 修改申报密码 when the bureau demands it (no way round) → 数据更新."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w

from sbflib.ui.components.dialogs import _esc
from sbflib.ui.components.progress import Progress
from sbflib.ui.context import Ui, button, field, wizard_card
from sbflib.ui.pages.units import _readonly


class LoginFlow(w.VBox):
    """Drives one login; calls `on_done()` once the data update has finished."""

    def __init__(self, ui: Ui, unit: dict, *, on_done: Callable[[], None],
                 on_cancel: Callable[[], None]) -> None:
        self.ui = ui
        self.unit = unit
        self.on_done = on_done
        self.on_cancel = on_cancel
        self.step = ""
        self.password_value = ""
        super().__init__([])
        self.add_class("sbf-page")
        self.add_class("sbf-login-flow")
        self.show_security()

    def _card(self, title: str, items: list[w.Widget], css: str, *, back: bool = True) -> None:
        on_back = self.on_cancel if back else None
        self.children = [wizard_card(title, items, css, on_back=on_back, back_css="sbf-login-back")]

    # 安全认证
    def show_security(self) -> None:
        self.step = "security"
        module = self.unit.get("module") or "employer"
        self.password = w.Password(placeholder="请输入申报密码", layout=w.Layout(width="300px"))
        self.password.add_class("sbf-password")
        self.login_button = button("确定", self.login, primary=True, css="sbf-login-ok")
        self._card("安全认证", [
            field("纳税人识别号", _readonly(self.unit.get("taxpayer_id"))),
            field("纳税人名称", _readonly(self.unit.get("name"))),
            field("申报密码", self.password),
            w.HTML(f"<div class='sbf-hint-red'>{_esc(self.ui.wb.units.password_hint(module))}</div>"),
            self.login_button,
        ], "sbf-step-login")

    def login(self) -> None:
        if not self.password.value:
            self.ui.error("请输入申报密码")
            return
        ok, result = self.ui.call(self.ui.wb.login, self.unit["unit_id"], self.password.value)
        if not ok:
            return
        self.password_value = self.password.value
        self.password.value = ""
        if getattr(result, "must_change_password", False):
            self.show_change_password()
        else:
            self.show_update()

    # 修改申报密码: no 返回, no 取消 — the bureau refuses everything else until it is done
    def show_change_password(self) -> None:
        self.step = "change_password"
        self.old = w.Password(value=self.password_value, layout=w.Layout(width="300px"))
        self.new = w.Password(placeholder="请输入新密码", layout=w.Layout(width="300px"))
        self.new2 = w.Password(placeholder="请再次输入新密码", layout=w.Layout(width="300px"))
        for x, css in ((self.old, "sbf-old-password"), (self.new, "sbf-new-password"),
                       (self.new2, "sbf-new-password2")):
            x.add_class(css)
        self.change_button = button("确定", self.change_password, primary=True, css="sbf-change-ok")
        self._card("修改申报密码", [
            w.HTML("<div class='sbf-hint-red'>您当前使用的是初始申报密码，为保障账户安全，请修改申报密码后再使用本系统。"
                   "修改后的密码请牢记，后续登录客户端都需要使用该申报密码。</div>"),
            field("原密码", self.old),
            field("新密码", self.new),
            field("确认新密码", self.new2),
            self.change_button,
        ], "sbf-step-change-password", back=False)

    def change_password(self) -> None:
        if not self.old.value or not self.new.value:
            self.ui.error("请输入原密码和新密码")
            return
        if self.new.value != self.new2.value:
            self.ui.error("两次输入的新密码不一致")
            return
        ok, _ = self.ui.call(self.ui.wb.change_password, self.old.value, self.new.value)
        if ok:
            for x in (self.old, self.new, self.new2):
                x.value = ""
            self.ui.message("申报密码修改成功", on_close=self.show_update)

    # 数据更新
    def show_update(self) -> None:
        self.step = "update"
        self.progress = Progress("正在准备更新数据……")
        self.update_result: Any = None
        self._card("数据更新", [
            w.HTML("<div class='sbf-tip'>温馨提示：若初次登录使用客户端，客户端会全量更新下载单位职工信息，"
                   "若职工数量较大，更新的时间会比较长，请耐心等待。</div>"),
            self.progress,
        ], "sbf-step-update", back=False)
        self.ui.tasks.start(lambda: self.ui.wb.update_after_login(progress=self.progress),
                            self._updated, self._update_failed)

    def _updated(self, result: Any) -> None:
        self.update_result = result
        self.progress.update(1.0, "数据更新完成")
        self.on_done()

    def _update_failed(self, exc: BaseException) -> None:
        self.progress.update(None, "数据更新失败")
        self.ui.error(exc, on_close=self.on_cancel)
