"""首页 (EMP-1 / COL-1, partial): quick buttons to common menus and the notices."""

from __future__ import annotations

import ipywidgets as w

from sbflib.ui import menus
from sbflib.ui.components.dialogs import _esc
from sbflib.ui.context import Ui

QUICK = {
    "employer": ["EMP-2", "EMP-3", "EMP-8", "EMP-11", "EMP-10", "EMP-16", "SET-4", "SET-1"],
    "collector": ["COL-2", "COL-6", "COL-8", "COL-9", "COL-12", "SET-4", "SET-1"],
}


class HomePage(w.VBox):
    def __init__(self, ui: Ui) -> None:
        self.ui = ui
        unit = ui.wb.unit
        module = getattr(unit, "module", "employer") or "employer"
        self.quick_buttons: dict[str, w.Button] = {}
        for mid in QUICK[module]:
            m = menus.find(module, mid)
            b = w.Button(description=m.label, layout=w.Layout(width="190px", height="56px"))
            b.add_class("sbf-quick")
            b.add_class(f"sbf-quick-{mid}")
            b.on_click(lambda _b, mid=mid: self.ui.navigate(mid))
            self.quick_buttons[mid] = b
        quick = w.GridBox(list(self.quick_buttons.values()),
                          layout=w.Layout(grid_template_columns="repeat(4, 190px)", grid_gap="12px"))
        self.notices = w.HTML("")
        todo = w.HTML("<div class='sbf-not-built'>待办事项、异常提醒与消息中心尚未实现（EMP-1）</div>")
        left = w.VBox([w.HTML("<div class='sbf-section-title'>常用功能</div>"), quick,
                       w.HTML("<div class='sbf-section-title'>待办事项 / 异常提醒</div>"), todo])
        left.add_class("sbf-card")
        right = w.VBox([w.HTML("<div class='sbf-section-title'>通知公告</div>"), self.notices])
        right.add_class("sbf-card")
        right.add_class("sbf-home-notices")
        super().__init__([w.HBox([left, right], layout=w.Layout(width="100%"))])
        self.add_class("sbf-page")
        self.add_class("sbf-home-page")
        self.load_notices()

    def on_show(self) -> None:
        self.load_notices()

    def load_notices(self) -> None:
        try:
            df = self.ui.wb.notices()
        except Exception as exc:  # noqa: BLE001 - notices are not worth a dialog on the home page
            self.notices.value = f"<div class='sbf-empty'>{_esc(str(exc) or '通知公告获取失败')}</div>"
            return
        items = [
            f"<li><span class='sbf-notice-title'>{_esc(r.get('title', ''))}</span>"
            f"<span class='sbf-notice-date'>{_esc(str(r.get('published', ''))[:10])}</span></li>"
            for r in df.head(10).to_dict("records")
        ]
        self.notices.value = (f"<ul class='sbf-notice-list'>{''.join(items)}</ul>" if items
                              else "<div class='sbf-empty'>暂无通知公告</div>")
