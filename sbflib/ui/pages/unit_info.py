"""单位信息 (SET-4): the unit profile downloaded from the 管理子系统, read-only."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as w

from sbflib.ui.components.html import kv_html
from sbflib.ui.page import Page

if TYPE_CHECKING:
    from sbflib.ui.context import Ui


class UnitInfoPage(Page):
    menu_id = "SET-4"
    title = "单位信息"

    def __init__(self, ui: Ui) -> None:
        self.form = w.HTML("")
        self.form.add_class("sbf-unit-info")
        card = w.VBox([w.HTML("<div class='sbf-section-title'>基本信息</div>"), self.form,
                       w.HTML("<div class='sbf-tip'>单位信息从管理子系统获取，客户端不可变更。</div>")])
        card.add_class("sbf-card")
        super().__init__(ui, [card], css="sbf-unit-info-page", show_title=True)
        self.profile: dict[str, str] = {}
        self.load()

    def load(self) -> None:
        self.run_call(self.wb.unit_info.profile, on_done=self._show, label="正在获取单位信息……")

    def _show(self, profile: dict[str, str]) -> None:
        self.profile = dict(profile or {})
        self.form.value = kv_html(self.profile)
