"""登录 (SYS-6): 安全认证 → 修改申报密码 when the bureau demands it (no way round) → 数据更新."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from sbflib.errors import ValidationError
from sbflib.ui.components.html import escape
from sbflib.ui.components.progress import Progress
from sbflib.ui.context import button, field, wizard_card
from sbflib.ui.page import Page
from sbflib.ui.pages.units import _readonly

if TYPE_CHECKING:
    from sbflib.ui.context import Ui


class LoginFlow(Page):
    """Drives one login; calls `on_done()` once the data update has finished.

    Password rules are the service's: it refuses with "【新密码】：…" / "【确认新密码】：…"
    (ValidationError's field prefix), and this page sends the form as it is so every password
    message reads the same way."""

    title = "登录"

    def __init__(self, ui: Ui, unit: dict, *, on_done: Callable[[], None],
                 on_cancel: Callable[[], None], before_login: Callable[[float], Any] | None = None) -> None:
        self.unit = unit
        self.before_login = before_login  # e.g. wait (in the call's thread) for a previous logout
        self.on_done = on_done
        self.on_cancel = on_cancel
        self.step = ""
        self.password_value = ""
        super().__init__(ui, [], css="sbf-login-flow")
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
            w.HTML(f"<div class='sbf-hint-red'>{escape(self.wb.units.password_hint(module))}</div>"),
            self.login_button,
        ], "sbf-step-login")

    def login(self) -> None:
        if not self.password.value:
            self.ui.error(ValidationError("请输入申报密码", field="申报密码"))
            return
        self.run_call(self._login, self.unit["unit_id"], self.password.value, on_done=self._logged_in,
                      label="正在登录……")

    def _login(self, unit_id: str, password: str) -> Any:
        if self.before_login is not None:
            self.before_login(40.0)
        return self.wb.login(unit_id, password)

    def _logged_in(self, result: Any) -> None:
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
        # the service checks 原密码 / 新密码 / 确认新密码 and words every refusal "【字段】：…"
        self.run_call(self.wb.change_password, self.old.value, self.new.value, self.new2.value,
                      on_done=lambda _r: self._changed(), label="正在修改申报密码……")

    def _changed(self) -> None:
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
        # a long call with its own progress bar in the page (not the progress dialog)
        self.ui.tasks.start(lambda: self.wb.update_after_login(progress=self.progress),
                            self._updated, self._update_failed)

    def _updated(self, result: Any) -> None:
        self.update_result = result
        self.progress.update(1.0, "数据更新完成")
        self.on_done()

    def _update_failed(self, exc: BaseException) -> None:
        self.progress.update(None, "数据更新失败")
        self.ui.error(exc, on_close=self.on_cancel)
