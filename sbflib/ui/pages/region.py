"""选择地区 (SYS-3): first start only; confirmed twice; cannot be changed afterwards."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w

from sbflib.ui.context import Ui, button


class RegionPage(w.VBox):
    def __init__(self, ui: Ui, on_chosen: Callable[[], None]) -> None:
        self.ui = ui
        self.on_chosen = on_chosen
        _ok, regions = ui.call(ui.wb.regions)
        self.regions = list(regions or [])
        self.dropdown = w.Dropdown(
            options=[(r.name, r.code) for r in self.regions],
            value=self.regions[0].code if self.regions else None,
            layout=w.Layout(width="260px"),
        )
        self.dropdown.add_class("sbf-region-dropdown")
        self.enter_button = button("立即进入", self.ask, primary=True, css="sbf-region-enter")
        title = w.HTML("<div class='sbf-card-title'>选择地区</div>")
        hint = w.HTML("<div class='sbf-hint-red'>一旦确定选择的地区后，如若选错将不能更改，请务必核对好地区再进入系统。</div>")
        card = w.VBox([title, w.HBox([w.Label("所属地区："), self.dropdown]), hint, self.enter_button])
        card.add_class("sbf-card")
        card.add_class("sbf-region-card")
        super().__init__([card])
        self.add_class("sbf-page")
        self.add_class("sbf-region-page")

    def region_name(self) -> str:
        return next((r.name for r in self.regions if r.code == self.dropdown.value), "")

    def ask(self) -> None:
        if not self.dropdown.value:
            self.ui.error("请选择所属地区")
            return
        self.ui.confirm(f"地区一旦确定将不能更改，确认选择【{self.region_name()}】吗？", self.choose)

    def choose(self) -> None:
        ok, _ = self.ui.call(self.ui.wb.choose_region, self.dropdown.value)
        if ok:
            self.on_chosen()
