"""选择地区 (SYS-3): first start only; confirmed twice; cannot be changed afterwards."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from sbflib.system.modules import MODULES as MODULE_LABELS
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
        # 安装业务 (manual 1.4.1): the region's modules online, all ticked; one alone is ticked and fixed.
        # Shown only while the installation has not recorded its choice (`sbf install` may have).
        self.module_boxes: dict[str, w.Checkbox] = {
            m: w.Checkbox(value=True, description=label, indent=False, layout=w.Layout(width="auto"))
            for m, label in MODULE_LABELS.items()}
        for m, box in self.module_boxes.items():
            box.add_class(f"sbf-install-{m}")
        self.modules_row = w.HBox([w.Label("安装业务："), *self.module_boxes.values()])
        self.modules_row.add_class("sbf-install-modules")
        ok, recorded = ui.call(ui.wb.modules.recorded) if hasattr(ui.wb, "modules") else (True, True)
        self.choose_modules = bool(ok and not recorded)
        self.modules_row.layout.display = None if self.choose_modules else "none"
        self.dropdown.observe(lambda _c: self._offer_modules(), names="value")
        card = w.VBox([title, w.HBox([w.Label("所属地区："), self.dropdown]), self.modules_row, hint,
                       self.enter_button])
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
        self._offer_modules()

    def _offer_modules(self) -> None:
        region = next((r for r in self.regions if r.code == self.dropdown.value), None)
        offered = list(getattr(region, "modules", None) or MODULE_LABELS)
        for m, box in self.module_boxes.items():
            box.layout.display = None if m in offered else "none"
            box.value = m in offered
            box.disabled = len(offered) == 1  # one business online: installed without a choice

    def chosen_modules(self) -> list[str]:
        return [m for m, box in self.module_boxes.items() if box.value and box.layout.display != "none"]

    def region_name(self) -> str:
        return next((r.name for r in self.regions if r.code == self.dropdown.value), "")

    def ask(self) -> None:
        if not self.regions:  # the list did not come (bureau unreachable): try again
            self.load()
            return
        if not self.dropdown.value:
            self.ui.error("请选择所属地区")
            return
        if self.choose_modules and not self.chosen_modules():
            self.ui.error("请至少选择一项需要安装的业务")
            return
        self.ui.confirm(f"地区一旦确定将不能更改，确认选择【{self.region_name()}】吗？", self.choose)

    def choose(self) -> None:
        modules = self.chosen_modules() if self.choose_modules else []
        self.run_call(self._choose, self.dropdown.value, modules, on_done=lambda _r: self.on_chosen(),
                      label="正在确认地区……")

    def _choose(self, code: str, modules: list[str]) -> None:
        """The region, then the modules chosen with it (in the background thread)."""
        self.wb.choose_region(code)
        if modules:
            self.wb.modules.install_many(modules)
