"""首页 (EMP-1 / COL-1, partial): quick buttons to common menus and the notices."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as w

from sbflib.ui import menus
from sbflib.ui.components.html import escape, notice_list_html
from sbflib.ui.page import Page

if TYPE_CHECKING:
    from sbflib.ui.context import Ui

QUICK = {
    "employer": ["EMP-2", "EMP-3", "EMP-8", "EMP-11", "EMP-10", "EMP-16", "SET-4", "SET-1"],
    "collector": ["COL-2", "COL-6", "COL-8", "COL-9", "COL-12", "SET-4", "SET-1"],
}


class HomePage(Page):
    menu_id = "EMP-1"
    title = "首页"

    def __init__(self, ui: Ui) -> None:
        unit = ui.wb.unit
        module = getattr(unit, "module", "employer") or "employer"
        self.quick_buttons: dict[str, w.Button] = {}
        for mid in QUICK[module]:
            m = menus.find(module, mid)
            b = w.Button(description=m.label, layout=w.Layout(width="auto", height="56px"))
            b.add_class("sbf-quick")
            b.add_class(f"sbf-quick-{mid}")
            b.on_click(lambda _b, mid=mid: self.ui.navigate(mid))
            self.quick_buttons[mid] = b
        quick = w.GridBox(list(self.quick_buttons.values()),
                          layout=w.Layout(grid_template_columns="repeat(auto-fill, minmax(150px, 1fr))",
                                          grid_gap="12px"))
        quick.add_class("sbf-quick-grid")
        self.notices = w.HTML("")
        todo = w.HTML("<div class='sbf-not-built'>待办事项、异常提醒与消息中心尚未实现</div>")
        left = w.VBox([w.HTML("<div class='sbf-section-title'>常用功能</div>"), quick,
                       w.HTML("<div class='sbf-section-title'>待办事项 / 异常提醒</div>"), todo])
        left.add_class("sbf-card")
        left.add_class("sbf-home-main")
        right = w.VBox([w.HTML("<div class='sbf-section-title'>通知公告</div>"), self.notices])
        right.add_class("sbf-card")
        right.add_class("sbf-home-notices")
        row = w.HBox([left, right], layout=w.Layout(width="100%"))
        row.add_class("sbf-home-row")
        super().__init__(ui, [row], css="sbf-home-page")
        self.load_notices()

    def on_show(self) -> None:
        self.load_notices()

    def load_notices(self) -> None:
        """Notices come from the local store (saved at login): read on the spot."""
        try:
            df = self.wb.notices()
        except Exception as exc:  # noqa: BLE001 - notices are not worth a dialog on the home page
            from sbflib.ui.context import error_text

            self.notices.value = f"<div class='sbf-empty'>{escape(error_text(exc))}</div>"
            return
        self.notices.value = notice_list_html(df, limit=10)


class CollectorHomePage(HomePage):
    """代收单位's 首页: the same page with the collector's quick menus."""

    menu_id = "COL-1"
