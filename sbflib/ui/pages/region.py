"""选择地区 (SYS-3): first start only; confirmed twice; cannot be changed afterwards."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from sbflib.ui.context import button
from sbflib.ui.page import Page

if TYPE_CHECKING:
    from sbflib.ui.context import Ui


class RegionPage(Page):
    title = "选择地区"

    def __init__(self, ui: Ui, on_chosen: Callable[[], None]) -> None:
        self.on_chosen = on_chosen
        self.regions: list[Any] = []
        self.dropdown = w.Dropdown(options=[], layout=w.Layout(width="260px"))
        self.dropdown.add_class("sbf-region-dropdown")
        self.enter_button = button("立即进入", self.ask, primary=True, css="sbf-region-enter")
        title = w.HTML("<div class='sbf-card-title'>选择地区</div>")
        hint = w.HTML("<div class='sbf-hint-red'>一旦确定选择的地区后，如若选错将不能更改，请务必核对好地区再进入系统。</div>")
        card = w.VBox([title, w.HBox([w.Label("所属地区："), self.dropdown]), hint, self.enter_button])
        card.add_class("sbf-card")
        card.add_class("sbf-region-card")
        super().__init__(ui, [card], css="sbf-region-page")
        self.load()

    def load(self) -> None:
        """The bureau's region list, fetched off the kernel's thread so the page draws at once."""
        self.run_call(self.wb.regions, on_done=self._loaded, label="正在获取地区列表……")

    def _loaded(self, regions: list[Any]) -> None:
        self.regions = list(regions or [])
        self.dropdown.options = [(r.name, r.code) for r in self.regions]
        self.dropdown.value = self.regions[0].code if self.regions else None

    def region_name(self) -> str:
        return next((r.name for r in self.regions if r.code == self.dropdown.value), "")

    def ask(self) -> None:
        if not self.regions:  # the list did not come (bureau unreachable): try again
            self.load()
            return
        if not self.dropdown.value:
            self.ui.error("请选择所属地区")
            return
        self.ui.confirm(f"地区一旦确定将不能更改，确认选择【{self.region_name()}】吗？", self.choose)

    def choose(self) -> None:
        self.run_call(self.wb.choose_region, self.dropdown.value, on_done=lambda _r: self.on_chosen(),
                      label="正在确认地区……")
