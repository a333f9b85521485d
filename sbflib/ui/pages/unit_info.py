"""单位信息 (SET-4): the unit profile downloaded from the 管理子系统, read-only."""

from __future__ import annotations

import ipywidgets as w

from sbflib.ui.components.dialogs import _esc
from sbflib.ui.context import Ui


class UnitInfoPage(w.VBox):
    def __init__(self, ui: Ui) -> None:
        self.ui = ui
        self.form = w.HTML("")
        self.form.add_class("sbf-unit-info")
        card = w.VBox([w.HTML("<div class='sbf-section-title'>基本信息</div>"), self.form,
                       w.HTML("<div class='sbf-tip'>单位信息从管理子系统获取，客户端不可变更。</div>")])
        card.add_class("sbf-card")
        super().__init__([w.HTML("<div class='sbf-page-title'>单位信息</div>"), card])
        self.add_class("sbf-page")
        self.add_class("sbf-unit-info-page")
        self.profile: dict = {}
        self.load()

    def load(self) -> None:
        _ok, profile = self.ui.call(self.ui.wb.unit_info.profile)
        self.profile = dict(profile or {})
        rows = "".join(
            f"<tr><th>{_esc(k)}：</th><td><input class='sbf-readonly-input' readonly value='{_esc(v)}'></td></tr>"
            for k, v in self.profile.items()
        )
        self.form.value = f"<table class='sbf-form-table'>{rows}</table>"
