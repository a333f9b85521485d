"""申报管理 (SET-5, manual 4.5): 规则文件更新 (count, each file, 【更新】) and 申报密码设置 (the
declaration password kept by the bureau: old one required, new one twice, 【保存】)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as w

from sbflib.system.declaration import NOT_LOGGED_IN, RULE_COLUMNS
from sbflib.ui.components.html import escape, table_html
from sbflib.ui.context import button, field
from sbflib.ui.page import Page

if TYPE_CHECKING:
    from sbflib.ui.context import Ui

RULE_TIPS = (
    "每次软件登录都会自动从管理子系统下载最新的规则文件，一般情况下不需要手工更新；如需手动更新，请点击【更新】。",
    "规则文件的具体设置在管理子系统进行，客户端只负责下载这些规则文件。",
)
PASSWORD_TIP = "申报密码修改后，请牢记，未登录状态下，客户端暂不支持重置密码。"


class DeclarationSettingsPage(Page):
    menu_id = "SET-5"
    title = "申报管理"

    def __init__(self, ui: Ui) -> None:
        # 规则文件更新
        self.count = w.HTML("")
        self.count.add_class("sbf-rule-count")
        self.update_button = button("更新", self.update_rules, primary=True, css="sbf-rules-update")
        head = w.HBox([self.count, self.update_button])
        head.add_class("sbf-rules-head")
        head.add_class("sbf-wrap")
        self.files = w.HTML("")
        self.files.add_class("sbf-rule-files")
        rules = w.VBox([
            w.HTML("<div class='sbf-section-title'>规则文件更新</div>"), head, self.files,
            *[w.HTML(f"<div class='sbf-tip'>{escape(t)}</div>") for t in RULE_TIPS],
        ])
        rules.add_class("sbf-card")
        rules.add_class("sbf-rules-card")

        # 申报密码设置
        self.old = self._password("sbf-decl-old", "请输入原申报密码")
        self.new = self._password("sbf-decl-new", "请输入新申报密码")
        self.new2 = self._password("sbf-decl-new2", "请再次输入新申报密码")
        self.save_button = button("保存", self.save_password, primary=True, css="sbf-decl-save")
        self.login_note = w.HTML("")
        self.login_note.add_class("sbf-decl-login-note")
        buttons = w.HBox([self.save_button], layout=w.Layout(margin="6px 0 4px 114px"))  # under the inputs
        buttons.add_class("sbf-form-buttons")
        password = w.VBox([
            w.HTML("<div class='sbf-section-title'>申报密码设置</div>"), self.login_note,
            field("原密码", self.old), field("新密码", self.new), field("确认新密码", self.new2), buttons,
            w.HTML(f"<div class='sbf-hint-red'>{escape(PASSWORD_TIP)}</div>"),
        ])
        password.add_class("sbf-card")
        password.add_class("sbf-decl-password-card")
        super().__init__(ui, [rules, password], css="sbf-declaration-page", show_title=True)
        self.show_rules()
        self._login_state()

    @staticmethod
    def _password(css: str, placeholder: str) -> w.Password:
        box = w.Password(placeholder=placeholder, layout=w.Layout(width="300px"))
        box.add_class(css)
        return box

    def on_show(self) -> None:
        self.show_rules()
        self._login_state()

    # ---- 规则文件 ---------------------------------------------------------------------------
    def show_rules(self) -> None:
        ok, df = self.ui.call(self.wb.declaration_settings.rule_files)  # local read
        if not ok:
            return
        self.count.value = f"<span>规则文件个数：<b class='sbf-rule-count-n'>{len(df)}</b>个</span>"
        if len(df):
            self.files.value = table_html(df, RULE_COLUMNS, css="sbf-rule-table")
        else:
            self.files.value = "<div class='sbf-tip'>尚未下载规则文件，请点击【更新】。</div>"

    def update_rules(self) -> None:
        self.run_call(self.wb.declaration_settings.update_rules, on_done=self._updated, progress=True,
                      label="正在更新规则文件……", title="规则文件更新")

    def _updated(self, count: Any) -> None:
        self.show_rules()
        self.ui.message(f"规则文件更新成功，共{count}个规则文件")

    # ---- 申报密码设置 -------------------------------------------------------------------------
    def _login_state(self) -> None:
        logged_in = self.wb.unit is not None
        for box in (self.old, self.new, self.new2, self.save_button):
            box.disabled = not logged_in
        self.login_note.value = "" if logged_in else f"<div class='sbf-hint-red'>{escape(NOT_LOGGED_IN)}</div>"

    def save_password(self) -> None:
        # the service checks 原密码 / 新密码 / 确认新密码 and words each refusal "【字段】：…"
        self.run_call(self.wb.declaration_settings.change_password, self.old.value, self.new.value,
                      self.new2.value, on_done=lambda _r: self._saved(), label="正在修改申报密码……")

    def _saved(self) -> None:
        for box in (self.old, self.new, self.new2):
            box.value = ""
        self.ui.message("申报密码修改成功，请牢记新密码")
